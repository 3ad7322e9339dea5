/* hours.c - opening hours from HSDS schedules (see hours.h and
 * docs/directory.md, "Open now").
 *
 * Layout: zones (a reference to a fixed offset or a named zone, and a cache
 * of a window in which a named zone's offset is constant); parsing of the
 * schedule fields; the occurrences of a rule (arithmetic for the fast rules,
 * libical for the rest); the evaluation (a rule's span on a date, "open at
 * an instant", "the next boundary after an instant"); the week of slots. */
#include "directory/hours.h"

#include <ctype.h>
#include <libical/ical.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/zone.h"

#define MIN_MS             60000LL
#define DAY_MS             86400000LL
#define WEEK_MIN           (7 * 1440)
#define WEEK_WORDS         ((WEEK_MIN + 63) / 64)
#define CACHE_DAYS         64
#define CACHE_WORDS        (CACHE_DAYS / 64)
#define ZONE_WINDOW_BEFORE (4 * DAY_MS)
#define ZONE_WINDOW_AFTER  (12 * DAY_MS)
#define SPANS_MAX          (HOURS_RULES_MAX * 10)
#define RECUR_STEPS_MAX    100000 /* occurrences read from one libical iterator */

/* libical's recurrence iterator on floating dates; one at a time. */
static pthread_mutex_t recur_mu = PTHREAD_MUTEX_INITIALIZER;

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int
weekday_of(int64_t day)
{
    return (int)(((day % 7) + 11) % 7);
}

/* The first day of the week (starting on weekday WKST) that holds DAY. */
static int64_t
week_start(int64_t day, int wkst)
{
    return day - ((weekday_of(day) - wkst + 7) % 7);
}

/* ---- zones ---------------------------------------------------------- */

/* A zone: a fixed offset, or a name core/zone knows. */
typedef struct zref {
    int fixed;
    int off; /* minutes east of UTC, when fixed */
    const char *name;
} zref;

/* A zone with a window [lo, hi] of UTC ms over which a named zone's offset
 * was found constant (same at both ends; real zones never change twice in
 * 16 days), so conversions in it are arithmetic. */
typedef struct zcache {
    zref z;
    int built, constant;
    int64_t lo, hi;
    int64_t off_ms;
} zcache;

static int
is_utc_name(const char *s)
{
    return strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 || strcmp(s, "GMT") == 0 ||
           strcmp(s, "Etc/UTC") == 0 || strcmp(s, "utc") == 0;
}

/* An offset "+05:30", "-0800", "-8", "5.5", "+05" in minutes. 0 if S is
 * not one (or out of -14:00..+14:00). */
static int
parse_offset(const char *s, int *minutes)
{
    int sign = 1;
    const char *p = s;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return 0;
    int h = 0, nd = 0;
    while (isdigit((unsigned char)*p) && nd < 4) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
    int m = 0;
    if (nd == 4) { /* HHMM */
        m = h % 100;
        h /= 100;
    } else if (nd > 2) {
        return 0;
    }
    if (*p == ':' && nd <= 2) {
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return 0;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
    } else if (*p == '.' && nd <= 2) {
        /* decimal hours: .25 .5 .75 (and .0) */
        p++;
        int frac = 0, fd = 0;
        while (isdigit((unsigned char)*p) && fd < 6) {
            frac = frac * 10 + (*p++ - '0');
            fd++;
        }
        if (fd == 0)
            return 0;
        double f = frac;
        for (int i = 0; i < fd; i++)
            f /= 10;
        double mm = f * 60;
        if (fabs(mm - floor(mm + 0.5)) > 1e-9)
            return 0;
        m = (int)floor(mm + 0.5);
    }
    if (*p != '\0' || m > 59)
        return 0;
    int total = h * 60 + m;
    if (total > 14 * 60)
        return 0;
    *minutes = sign * total;
    return 1;
}

/* A zone from text: "UTC", an offset, or an IANA name core/zone knows.
 * Z->name points into S. 0 if none of these. */
static int
zref_parse(const char *s, zref *z, int check)
{
    memset(z, 0, sizeof *z);
    if (!s || !*s)
        return 0;
    if (is_utc_name(s)) {
        z->fixed = 1;
        return 1;
    }
    const char *p = s;
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
        p += 3; /* "UTC-08:00" */
    if (parse_offset(p, &z->off)) {
        z->fixed = 1;
        return 1;
    }
    if (strlen(s) >= HOURS_TZ_MAX || (check && !zone_valid(s)))
        return 0;
    z->name = s;
    return 1;
}

/* The offset (ms) of C's zone at UTC_MS, straight from core/zone. */
static hv_result
zone_offset_ms(const zcache *c, int64_t utc_ms, int64_t *off_ms)
{
    if (c->z.fixed) {
        *off_ms = c->z.off * MIN_MS;
        return HV_OK;
    }
    zone_civil cv;
    hv_result rc = zone_to_civil(c->z.name, utc_ms, &cv);
    if (rc != HV_OK)
        return rc;
    int64_t secs = zone_floor_div(utc_ms, 1000);
    int64_t local = zone_days_from_civil(cv.year, cv.month, cv.day) * 86400 + cv.hour * 3600 +
                    cv.minute * 60 + cv.second;
    *off_ms = (local - secs) * 1000;
    return HV_OK;
}

/* Windows found before, per thread: search evaluates many services around
 * one "now", so most calls find their zone's window here and make no call
 * into core/zone at all (whose lookup of a zone by name is the cost). */
#define ZONE_MEMO 4
typedef struct zmemo {
    char name[HOURS_TZ_MAX];
    int constant;
    int64_t lo, hi, off_ms;
} zmemo;
static _Thread_local zmemo zone_memo[ZONE_MEMO];
static _Thread_local int zone_memo_next;

/* Makes C's window hold UTC_MS (from the memo, or built around it). */
static void
zc_window(zcache *c, int64_t utc_ms)
{
    if (c->z.fixed || (c->built && utc_ms >= c->lo + DAY_MS && utc_ms <= c->hi - DAY_MS))
        return;
    for (int i = 0; i < ZONE_MEMO; i++) {
        const zmemo *m = &zone_memo[i];
        if (m->name[0] && utc_ms >= m->lo + DAY_MS && utc_ms <= m->hi - DAY_MS &&
            strcmp(m->name, c->z.name) == 0) {
            c->built = 1;
            c->constant = m->constant;
            c->lo = m->lo;
            c->hi = m->hi;
            c->off_ms = m->off_ms;
            return;
        }
    }
    c->built = 1;
    c->constant = 0;
    c->lo = utc_ms - ZONE_WINDOW_BEFORE;
    c->hi = utc_ms + ZONE_WINDOW_AFTER;
    int64_t a, b;
    hv_result ra = zone_offset_ms(c, c->lo, &a), rb = zone_offset_ms(c, c->hi, &b);
    if (ra == HV_OK && rb == HV_OK && a == b) {
        c->constant = 1;
        c->off_ms = a;
    }
    if (ra != HV_OK && rb != HV_OK)
        return; /* an unknown zone: remember nothing */
    zmemo *m = &zone_memo[zone_memo_next];
    zone_memo_next = (zone_memo_next + 1) % ZONE_MEMO;
    snprintf(m->name, sizeof m->name, "%s", c->z.name);
    m->constant = c->constant;
    m->lo = c->lo;
    m->hi = c->hi;
    m->off_ms = c->off_ms;
}

/* Local wall time (ms since 1970-01-01 00:00 local) of the instant UTC_MS. */
static hv_result
zc_to_local(zcache *c, int64_t utc_ms, int64_t *wall)
{
    if (c->z.fixed) {
        *wall = utc_ms + c->z.off * MIN_MS;
        return HV_OK;
    }
    zc_window(c, utc_ms);
    if (c->constant && utc_ms >= c->lo && utc_ms <= c->hi) {
        *wall = utc_ms + c->off_ms;
        return HV_OK;
    }
    int64_t off;
    hv_result rc = zone_offset_ms(c, utc_ms, &off);
    if (rc == HV_OK)
        *wall = utc_ms + off;
    return rc;
}

/* The instant of the local wall time WALL (whole minutes): core/zone's
 * zone_from_civil(), by arithmetic where the offset is constant. */
static hv_result
zc_from_local(zcache *c, int64_t wall, int64_t *utc_ms)
{
    if (c->z.fixed) {
        *utc_ms = wall - c->z.off * MIN_MS;
        return HV_OK;
    }
    zc_window(c, wall - (c->built && c->constant ? c->off_ms : 0));
    if (c->constant) {
        /* a day inside the window: no other instant has this wall time */
        int64_t u = wall - c->off_ms;
        if (u >= c->lo + DAY_MS && u <= c->hi - DAY_MS) {
            *utc_ms = u;
            return HV_OK;
        }
    }
    int64_t days = zone_floor_div(wall, DAY_MS);
    int64_t mins = (wall - days * DAY_MS) / MIN_MS;
    int y, m, d;
    zone_civil_from_days(days, &y, &m, &d);
    return zone_from_civil(c->z.name, y, m, d, (int)(mins / 60), (int)(mins % 60), utc_ms);
}

/* ---- parsing --------------------------------------------------------- */

/* KEY of S, or NULL when absent or null. */
static const json_t *
field(const json_t *s, const char *key)
{
    const json_t *v = json_object_get(s, key);
    return json_is_null(v) ? NULL : v;
}

static const char *
skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* An integer from a JSON integer, an integral real or a string of digits. */
static int
json_int(const json_t *v, long *out)
{
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d) || fabs(d) > 1e9)
            return 0;
        *out = (long)d;
        return 1;
    }
    if (json_is_string(v)) {
        const char *p = skip_space(json_string_value(v));
        char *end;
        if (!*p)
            return 0;
        long x = strtol(p, &end, 10);
        if (*skip_space(end) != '\0' || end == p)
            return 0;
        *out = x;
        return 1;
    }
    return 0;
}

/* "YYYY-MM-DD" of KEY into *DAY (left alone when absent). */
static hv_result
parse_date(const json_t *s, const char *key, int32_t *day, hv_err *e)
{
    const json_t *v = field(s, key);
    if (!v)
        return HV_OK;
    const char *t = json_string_value(v);
    int y, m, d;
    if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        goto bad;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i]))
            goto bad;
    y = atoi(t);
    m = (t[5] - '0') * 10 + (t[6] - '0');
    d = (t[8] - '0') * 10 + (t[9] - '0');
    if (!zone_valid_date(y, m, d))
        goto bad;
    *day = (int32_t)zone_days_from_civil(y, m, d);
    return HV_OK;
bad:
    return hv_fail(e, HV_ERR_INVALID, key, "%s must be a date YYYY-MM-DD", key);
}

/* A local time "HH:MM", "HH:MM:SS", with an optional offset "Z", "-05:00",
 * "+0530", "-05". Seconds are dropped. *HAS_OFF says whether an offset came. */
static hv_result
parse_time(const json_t *s, const char *key, int allow_24, int *minutes, int *has_off, int *off,
           hv_err *e)
{
    const char *t = json_string_value(field(s, key));
    *has_off = 0;
    if (!t)
        goto bad;
    const char *p = t;
    int h = 0, m = 0, nd = 0;
    while (isdigit((unsigned char)*p) && nd < 2) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
    if (nd == 0 || *p != ':' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
        goto bad;
    m = (p[1] - '0') * 10 + (p[2] - '0');
    p += 3;
    int sec = 0;
    if (*p == ':') {
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
            goto bad;
        sec = (p[1] - '0') * 10 + (p[2] - '0');
        p += 3;
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                goto bad;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (*p == 'Z' && p[1] == '\0') {
        *has_off = 1;
        *off = 0;
    } else if (*p == '+' || *p == '-') {
        if (!parse_offset(p, off) || strchr(p, '.'))
            goto bad;
        *has_off = 1;
    } else if (*p != '\0') {
        goto bad;
    }
    if (m > 59 || sec > 59 || h > 24 || (h == 24 && (m != 0 || sec != 0 || !allow_24)))
        goto bad;
    *minutes = h * 60 + m;
    return HV_OK;
bad:
    return hv_fail(e, HV_ERR_INVALID, key, "%s must be a time HH:MM%s, with an optional offset",
                   key, allow_24 ? " (00:00 to 24:00)" : "");
}

static int
weekday_code(const char *p)
{
    static const char *const codes[7] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
    for (int i = 0; i < 7; i++)
        if (toupper((unsigned char)p[0]) == codes[i][0] &&
            toupper((unsigned char)p[1]) == codes[i][1])
            return i;
    return -1;
}

/* The comma-separated tokens of KEY's string (or a single JSON integer) as
 * integers in [LO, HI] without 0 (unless ZERO_OK), into OUT (at most
 * HOURS_LIST_MAX). *N = 0 when absent. */
static hv_result
parse_int_list(const json_t *s, const char *key, int lo, int hi, int *out, int *n, hv_err *e)
{
    const json_t *v = field(s, key);
    *n = 0;
    if (!v)
        return HV_OK;
    long x;
    if (json_is_integer(v) || json_is_real(v)) {
        if (!json_int(v, &x) || x < lo || x > hi || x == 0)
            goto bad;
        out[(*n)++] = (int)x;
        return HV_OK;
    }
    const char *p = json_string_value(v);
    if (!p)
        goto bad;
    p = skip_space(p);
    if (!*p)
        return HV_OK;
    for (;;) {
        char *end;
        p = skip_space(p);
        if (!(isdigit((unsigned char)*p) ||
              ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))))
            goto bad;
        x = strtol(p, &end, 10);
        if (x < lo || x > hi || x == 0)
            goto bad;
        if (*n >= HOURS_LIST_MAX)
            return hv_fail(e, HV_ERR_INVALID, key, "%s lists more than %d values", key,
                           HOURS_LIST_MAX);
        out[(*n)++] = (int)x;
        p = skip_space(end);
        if (*p == '\0')
            return HV_OK;
        if (*p != ',')
            goto bad;
        p++;
    }
bad:
    return hv_fail(e, HV_ERR_INVALID, key,
                   "%s must be comma-separated whole numbers from %d to %d, not 0", key, lo, hi);
}

/* byday: "MO,TU", "1MO,-1FR" (case and spaces forgiven). */
static hv_result
parse_byday(const json_t *s, hours_rule *r, hv_err *e)
{
    const json_t *v = field(s, "byday");
    if (!v)
        return HV_OK;
    const char *p = json_string_value(v);
    if (!p)
        goto bad;
    p = skip_space(p);
    if (!*p)
        return HV_OK;
    for (;;) {
        p = skip_space(p);
        long pos = 0;
        if (*p == '+' || *p == '-' || isdigit((unsigned char)*p)) {
            char *end;
            pos = strtol(p, &end, 10);
            if (end == p || pos == 0 || pos < -53 || pos > 53)
                goto bad;
            p = end;
        }
        int wd = (p[0] && p[1]) ? weekday_code(p) : -1;
        if (wd < 0)
            goto bad;
        p = skip_space(p + 2);
        if (pos == 0) {
            r->weekdays |= (uint8_t)(1u << wd);
        } else {
            if (r->n_byday >= HOURS_LIST_MAX)
                return hv_fail(e, HV_ERR_INVALID, "byday", "byday lists more than %d days",
                               HOURS_LIST_MAX);
            r->byday_pos[r->n_byday] = (int8_t)pos;
            r->byday_wd[r->n_byday++] = (uint8_t)wd;
        }
        if (*p == '\0')
            return HV_OK;
        if (*p != ',')
            goto bad;
        p++;
    }
bad:
    return hv_fail(e, HV_ERR_INVALID, "byday",
                   "byday must be comma-separated days MO,TU,WE,TH,FR,SA,SU, each optionally "
                   "after an ordinal (1MO, -1FR)");
}

static hv_result
parse_timezone(const json_t *s, hours_rule *r, hv_err *e)
{
    const json_t *v = field(s, "timezone");
    if (json_is_number(v)) {
        double h = json_number_value(v);
        double m = h * 60;
        if (fabs(h) > 14 || fabs(m - floor(m + 0.5)) > 1e-6)
            goto bad;
        r->flags |= HOURS_TZ_FIXED;
        r->utc_offset = (int16_t)floor(m + 0.5);
        return HV_OK;
    }
    const char *t = json_string_value(v);
    zref z;
    if (!t || !zref_parse(t, &z, 1))
        goto bad;
    if (z.fixed) {
        r->flags |= HOURS_TZ_FIXED;
        r->utc_offset = (int16_t)z.off;
    } else {
        r->flags |= HOURS_TZ_NAMED;
        snprintf(r->tz, sizeof r->tz, "%s", t);
    }
    return HV_OK;
bad:
    return hv_fail(e, HV_ERR_INVALID, "timezone",
                   "timezone must be an offset from UTC in hours (-8, 5.5, \"-08:00\") or a "
                   "zone name such as America/Los_Angeles");
}

static hv_result
parse_freq(const json_t *s, hours_rule *r, hv_err *e)
{
    static const char *const names[] = {"", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
    const json_t *v = field(s, "freq");
    if (!v)
        return HV_OK;
    const char *t = json_string_value(v);
    for (int i = 1; t && i <= HOURS_FREQ_YEARLY; i++)
        if (strcasecmp(t, names[i]) == 0) {
            r->freq = (uint8_t)i;
            return HV_OK;
        }
    return hv_fail(e, HV_ERR_INVALID, "freq", "freq must be WEEKLY, MONTHLY, DAILY or YEARLY");
}

static hv_result
parse_number(const json_t *s, const char *key, long lo, long hi, long *out, hv_err *e)
{
    const json_t *v = field(s, key);
    if (!v)
        return HV_OK;
    if (!json_int(v, out) || *out < lo || *out > hi)
        return hv_fail(e, HV_ERR_INVALID, key, "%s must be a whole number from %ld to %ld", key, lo,
                       hi);
    return HV_OK;
}

/* The checks across fields, once each field is well formed. */
static hv_result
parse_check(hours_rule *r, hv_err *e)
{
    int32_t anchor = r->dtstart != HOURS_NO_DAY ? r->dtstart : r->valid_from;
    int f = r->freq;
    if (r->valid_from != HOURS_NO_DAY && r->valid_to != HOURS_NO_DAY && r->valid_to < r->valid_from)
        return hv_fail(e, HV_ERR_INVALID, "valid_to", "valid_to is before valid_from");
    if (r->count && r->until != HOURS_NO_DAY)
        return hv_fail(e, HV_ERR_INVALID, "count", "give count or until, not both");
    if (r->dtstart != HOURS_NO_DAY && r->until != HOURS_NO_DAY && r->until < r->dtstart)
        return hv_fail(e, HV_ERR_INVALID, "until", "until is before dtstart");
    if (f == HOURS_FREQ_NONE) {
        const char *with = r->n_byday        ? "byday with an ordinal"
                           : r->n_bymonthday ? "bymonthday"
                           : r->n_byyearday  ? "byyearday"
                           : r->bymonth      ? "bymonth"
                           : r->count        ? "count"
                           : r->interval > 1 ? "interval"
                                             : NULL;
        if (with)
            return hv_fail(e, HV_ERR_INVALID, "freq", "freq is needed with %s", with);
    }
    if ((r->interval > 1 || r->count) && anchor == HOURS_NO_DAY)
        return hv_fail(e, HV_ERR_INVALID, "dtstart",
                       "an interval or a count counts from dtstart: give dtstart");
    for (int i = 0; i < r->n_byday; i++) {
        int lim = f == HOURS_FREQ_MONTHLY ? 5 : 53;
        if (f != HOURS_FREQ_MONTHLY && f != HOURS_FREQ_YEARLY)
            return hv_fail(e, HV_ERR_INVALID, "byday",
                           "an ordinal day such as 1MO needs freq MONTHLY or YEARLY");
        if (abs(r->byday_pos[i]) > lim)
            return hv_fail(e, HV_ERR_INVALID, "byday", "an ordinal day is 1 to %d or -%d to -1",
                           lim, lim);
    }
    if (r->n_bymonthday && f == HOURS_FREQ_WEEKLY)
        return hv_fail(e, HV_ERR_INVALID, "bymonthday", "bymonthday does not go with freq WEEKLY");
    if (r->n_byyearday && f != HOURS_FREQ_YEARLY)
        return hv_fail(e, HV_ERR_INVALID, "byyearday", "byyearday needs freq YEARLY");
    if (r->n_byweekno && f != HOURS_FREQ_WEEKLY && f != HOURS_FREQ_DAILY && f != HOURS_FREQ_NONE)
        return hv_fail(e, HV_ERR_INVALID, "byweekno", "byweekno needs freq WEEKLY");
    if (f == HOURS_FREQ_WEEKLY && !r->weekdays) {
        if (anchor == HOURS_NO_DAY)
            return hv_fail(e, HV_ERR_INVALID, "byday",
                           "a weekly schedule needs byday (or dtstart)");
        r->weekdays = (uint8_t)(1u << weekday_of(anchor));
    }
    if (f == HOURS_FREQ_MONTHLY && !r->weekdays && !r->n_byday && !r->n_bymonthday &&
        anchor == HOURS_NO_DAY)
        return hv_fail(e, HV_ERR_INVALID, "bymonthday",
                       "a monthly schedule needs byday, bymonthday or dtstart");
    if (f == HOURS_FREQ_YEARLY && !r->weekdays && !r->n_byday && !r->n_bymonthday &&
        !r->n_byyearday && anchor == HOURS_NO_DAY)
        return hv_fail(e, HV_ERR_INVALID, "dtstart",
                       "a yearly schedule needs dtstart (its month and day) or byday, "
                       "bymonthday or byyearday");
    int fast = !r->count && !r->n_byday && !r->n_bymonthday && !r->n_byyearday && !r->bymonth;
    if (f == HOURS_FREQ_MONTHLY || (f == HOURS_FREQ_YEARLY && (r->weekdays || r->n_byweekno)))
        fast = 0;
    if (fast)
        r->flags |= HOURS_FAST;
    return HV_OK;
}

hv_result
hours_parse(const json_t *s, hours_rule *r, hv_err *e)
{
    hv_result rc;
    if (!r)
        return HV_ERR_INVALID;
    memset(r, 0, sizeof *r);
    r->valid_from = r->valid_to = r->dtstart = r->until = HOURS_NO_DAY;
    r->interval = 1;
    r->wkst = 1;
    if (!json_is_object(s))
        return hv_fail(e, HV_ERR_INVALID, NULL, "a schedule must be a JSON object");

    if ((rc = parse_date(s, "valid_from", &r->valid_from, e)) != HV_OK ||
        (rc = parse_date(s, "valid_to", &r->valid_to, e)) != HV_OK ||
        (rc = parse_date(s, "dtstart", &r->dtstart, e)) != HV_OK ||
        (rc = parse_date(s, "until", &r->until, e)) != HV_OK || (rc = parse_freq(s, r, e)) != HV_OK)
        return rc;

    const json_t *closed = field(s, "closed");
    if (closed && !json_is_boolean(closed))
        return hv_fail(e, HV_ERR_INVALID, "closed", "closed must be true or false");
    if (json_is_true(closed))
        r->flags |= HOURS_CLOSED;

    long x = 1;
    if ((rc = parse_number(s, "interval", 1, HOURS_INTERVAL_MAX, &x, e)) != HV_OK)
        return rc;
    r->interval = (uint16_t)x;
    x = 0;
    if ((rc = parse_number(s, "count", 1, HOURS_COUNT_MAX, &x, e)) != HV_OK)
        return rc;
    r->count = (int32_t)x;

    const json_t *wk = field(s, "wkst");
    if (wk) {
        const char *t = json_string_value(wk);
        int wd = t && strlen(t) == 2 ? weekday_code(t) : -1;
        if (wd < 0)
            return hv_fail(e, HV_ERR_INVALID, "wkst", "wkst must be one of MO,TU,WE,TH,FR,SA,SU");
        r->wkst = (uint8_t)wd;
    }

    if ((rc = parse_byday(s, r, e)) != HV_OK)
        return rc;
    int list[HOURS_LIST_MAX], n;
    if ((rc = parse_int_list(s, "bymonthday", -31, 31, list, &n, e)) != HV_OK)
        return rc;
    for (int i = 0; i < n; i++)
        r->bymonthday[i] = (int8_t)list[i];
    r->n_bymonthday = (uint8_t)n;
    if ((rc = parse_int_list(s, "byyearday", -366, 366, list, &n, e)) != HV_OK)
        return rc;
    for (int i = 0; i < n; i++)
        r->byyearday[i] = (int16_t)list[i];
    r->n_byyearday = (uint8_t)n;
    if ((rc = parse_int_list(s, "byweekno", -53, 53, list, &n, e)) != HV_OK)
        return rc;
    for (int i = 0; i < n; i++)
        r->byweekno[i] = (int8_t)list[i];
    r->n_byweekno = (uint8_t)n;
    if ((rc = parse_int_list(s, "bymonth", 1, 12, list, &n, e)) != HV_OK)
        return rc;
    for (int i = 0; i < n; i++)
        r->bymonth |= (uint16_t)(1u << list[i]);

    /* times */
    int has_open = field(s, "opens_at") != NULL, has_close = field(s, "closes_at") != NULL;
    int o_off = 0, c_off = 0, o_has = 0, c_has = 0;
    if (has_open != has_close)
        return hv_fail(e, HV_ERR_INVALID, has_open ? "closes_at" : "opens_at",
                       "opens_at and closes_at come together");
    if (has_open) {
        int o, c;
        if ((rc = parse_time(s, "opens_at", 0, &o, &o_has, &o_off, e)) != HV_OK ||
            (rc = parse_time(s, "closes_at", 1, &c, &c_has, &c_off, e)) != HV_OK)
            return rc;
        if (o_has && c_has && o_off != c_off)
            return hv_fail(e, HV_ERR_INVALID, "closes_at",
                           "opens_at and closes_at carry different offsets");
        if (c == 0 || c == 1439)
            c = 1440; /* "00:00" and "23:59" close at the end of the day */
        r->opens = (int16_t)o;
        r->closes = (int16_t)c;
        r->flags |= HOURS_HAS_TIMES;
    }

    /* zone: timezone, else the offset on the times, else the default */
    if (field(s, "timezone")) {
        if ((rc = parse_timezone(s, r, e)) != HV_OK)
            return rc;
    } else if (o_has || c_has) {
        r->flags |= HOURS_TZ_FIXED;
        r->utc_offset = (int16_t)(o_has ? o_off : c_off);
    }
    return parse_check(r, e);
}

/* ---- occurrences ------------------------------------------------------ */

/* Within the dates the rule allows at all. */
static int
in_bounds(const hours_rule *r, int64_t d)
{
    return (r->valid_from == HOURS_NO_DAY || d >= r->valid_from) &&
           (r->valid_to == HOURS_NO_DAY || d <= r->valid_to) &&
           (r->dtstart == HOURS_NO_DAY || d >= r->dtstart) &&
           (r->until == HOURS_NO_DAY || d <= r->until);
}

static int64_t
anchor_of(const hours_rule *r)
{
    return r->dtstart != HOURS_NO_DAY ? r->dtstart : r->valid_from;
}

/* RFC 5545 week numbers, weeks starting on WKST: week 1 is the first with
 * at least four days of the year, i.e. the week holding January 4. */
static int
weekno_match(const hours_rule *r, int64_t d)
{
    int64_t ws = week_start(d, r->wkst);
    int y, m, dd;
    zone_civil_from_days(ws + 3, &y, &m, &dd);
    int64_t w1 = week_start(zone_days_from_civil(y, 1, 4), r->wkst);
    int64_t wn = week_start(zone_days_from_civil(y + 1, 1, 4), r->wkst);
    int no = (int)((ws - w1) / 7) + 1, weeks = (int)((wn - w1) / 7);
    for (int i = 0; i < r->n_byweekno; i++) {
        int v = r->byweekno[i];
        if ((v > 0 && v == no) || (v < 0 && weeks + 1 + v == no))
            return 1;
    }
    return 0;
}

/* A HOURS_FAST rule on date D: arithmetic only. */
static int
fast_on(const hours_rule *r, int64_t d)
{
    if (!in_bounds(r, d))
        return 0;
    int wd = weekday_of(d);
    int64_t a = anchor_of(r); /* set when interval > 1, and d >= a then */
    switch (r->freq) {
    case HOURS_FREQ_NONE:
    case HOURS_FREQ_DAILY:
        if (r->weekdays && !((r->weekdays >> wd) & 1))
            return 0;
        if (r->interval > 1 && (d - a) % r->interval != 0)
            return 0;
        break;
    case HOURS_FREQ_WEEKLY:
        if (!((r->weekdays >> wd) & 1))
            return 0;
        if (r->interval > 1 &&
            ((week_start(d, r->wkst) - week_start(a, r->wkst)) / 7) % r->interval != 0)
            return 0;
        break;
    case HOURS_FREQ_YEARLY: {
        int y, m, dd, ay, am, ad;
        zone_civil_from_days(d, &y, &m, &dd);
        zone_civil_from_days(a, &ay, &am, &ad);
        if (m != am || dd != ad || (y - ay) % r->interval != 0)
            return 0;
        break;
    }
    default:
        return 0;
    }
    return !r->n_byweekno || weekno_match(r, d);
}

/* The occurrences of a libical rule in [from, from + CACHE_DAYS). */
typedef struct daycache {
    int filled;
    int64_t from;
    uint64_t bits[CACHE_WORDS];
} daycache;

static void
recur_list(short *dst, int size, const int *vals, int n)
{
    int k = 0;
    for (int i = 0; i < n && k < size - 1; i++)
        dst[k++] = (short)vals[i];
    dst[k] = ICAL_RECURRENCE_ARRAY_MAX;
}

static void
recur_fill(const hours_rule *r, int64_t from, daycache *c)
{
    memset(c, 0, sizeof *c);
    c->filled = 1;
    c->from = from;
    int64_t to = from + CACHE_DAYS;
    if ((r->valid_to != HOURS_NO_DAY && from > r->valid_to) ||
        (r->until != HOURS_NO_DAY && from > r->until) ||
        (r->valid_from != HOURS_NO_DAY && to <= r->valid_from))
        return;

    struct icalrecurrencetype rt;
    icalrecurrencetype_clear(&rt);
    static const icalrecurrencetype_frequency freqs[] = {
        ICAL_DAILY_RECURRENCE, ICAL_DAILY_RECURRENCE, ICAL_WEEKLY_RECURRENCE,
        ICAL_MONTHLY_RECURRENCE, ICAL_YEARLY_RECURRENCE};
    rt.freq = freqs[r->freq];
    rt.interval = (short)r->interval;
    rt.week_start = (icalrecurrencetype_weekday)(r->wkst + 1);
    int vals[HOURS_LIST_MAX + 7], n = 0;
    for (int w = 0; w < 7; w++)
        if ((r->weekdays >> w) & 1)
            vals[n++] = w + 1;
    for (int i = 0; i < r->n_byday; i++) {
        int code = abs(r->byday_pos[i]) * 8 + r->byday_wd[i] + 1;
        vals[n++] = r->byday_pos[i] < 0 ? -code : code;
    }
    recur_list(rt.by_day, ICAL_BY_DAY_SIZE, vals, n);
    for (n = 0; n < r->n_bymonthday; n++)
        vals[n] = r->bymonthday[n];
    recur_list(rt.by_month_day, ICAL_BY_MONTHDAY_SIZE, vals, n);
    for (n = 0; n < r->n_byyearday; n++)
        vals[n] = r->byyearday[n];
    recur_list(rt.by_year_day, ICAL_BY_YEARDAY_SIZE, vals, n);
    n = 0;
    for (int m = 1; m <= 12; m++)
        if ((r->bymonth >> m) & 1)
            vals[n++] = m;
    recur_list(rt.by_month, ICAL_BY_MONTH_SIZE, vals, n);

    /* start: the anchor; with none (interval 1, no count) January 1 of the
     * window's year, which any day-pinning rule is indifferent to */
    int64_t start = anchor_of(r);
    if (start == HOURS_NO_DAY) {
        int y, m, d;
        zone_civil_from_days(from, &y, &m, &d);
        start = zone_days_from_civil(y, 1, 1);
    }
    struct icaltimetype st = icaltime_null_time();
    zone_civil_from_days(start, &st.year, &st.month, &st.day);
    st.is_date = 1;

    pthread_mutex_lock(&recur_mu);
    icalrecur_iterator *it = icalrecur_iterator_new(rt, st);
    if (!it) {
        pthread_mutex_unlock(&recur_mu);
        return;
    }
    if (!r->count && from > start) {
        struct icaltimetype s2 = icaltime_null_time();
        zone_civil_from_days(from, &s2.year, &s2.month, &s2.day);
        s2.is_date = 1;
        (void)icalrecur_iterator_set_start(it, s2); /* else it walks from start */
    }
    int32_t seen = 0;
    for (int steps = 0; steps < RECUR_STEPS_MAX; steps++) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        int64_t d = zone_days_from_civil(t.year, t.month, t.day);
        if (d >= to)
            break;
        if (r->n_byweekno && !weekno_match(r, d))
            continue;
        if (r->count && ++seen > r->count)
            break;
        if (d < from || !in_bounds(r, d))
            continue;
        c->bits[(d - from) / 64] |= 1ULL << ((d - from) % 64);
    }
    icalrecur_iterator_free(it);
    pthread_mutex_unlock(&recur_mu);
}

/* ---- evaluation ------------------------------------------------------- */

typedef struct ctx {
    const hours_rule *rules;
    int n;
    int nz;
    zcache zones[HOURS_RULES_MAX + 1]; /* 0: the default zone */
    int zone_of[HOURS_RULES_MAX];
    daycache days[HOURS_RULES_MAX];
} ctx;

/* 1 if R is a rule hours_parse() could have made, as far as the
 * evaluation depends on it (rules may come back from storage). */
static int
rule_sane(const hours_rule *r)
{
    if (r->freq > HOURS_FREQ_YEARLY || r->interval < 1 || r->interval > HOURS_INTERVAL_MAX ||
        r->wkst > 6 || r->weekdays > 0x7f || r->n_byday > HOURS_LIST_MAX ||
        r->n_bymonthday > HOURS_LIST_MAX || r->n_byyearday > HOURS_LIST_MAX ||
        r->n_byweekno > HOURS_LIST_MAX || r->count < 0 || r->count > HOURS_COUNT_MAX)
        return 0;
    if ((r->interval > 1 || r->count || r->freq == HOURS_FREQ_YEARLY) &&
        anchor_of(r) == HOURS_NO_DAY && (r->flags & HOURS_FAST))
        return 0;
    if ((r->flags & HOURS_FAST) && r->freq == HOURS_FREQ_WEEKLY && !r->weekdays)
        return 0;
    if ((r->flags & HOURS_HAS_TIMES) &&
        (r->opens < 0 || r->opens >= 1440 || r->closes < 1 || r->closes > 1440))
        return 0;
    for (int i = 0; i < r->n_byday; i++)
        if (r->byday_wd[i] > 6 || r->byday_pos[i] == 0)
            return 0;
    return 1;
}

static hv_result
ctx_init(ctx *x, const hours_rule *rules, int n, const char *default_tz)
{
    if (n < 0 || (n > 0 && !rules))
        return HV_ERR_INVALID;
    if (n > HOURS_RULES_MAX)
        return HV_ERR_TOOBIG;
    x->rules = rules;
    x->n = n;
    x->nz = 1;
    memset(&x->zones[0], 0, sizeof x->zones[0]);
    if (!zref_parse(default_tz, &x->zones[0].z, 0))
        return HV_ERR_INVALID;
    for (int i = 0; i < n; i++) {
        const hours_rule *r = &rules[i];
        x->days[i].filled = 0;
        x->zone_of[i] = 0;
        if (!rule_sane(r))
            return HV_ERR_INVALID;
        if (!(r->flags & (HOURS_TZ_FIXED | HOURS_TZ_NAMED)))
            continue;
        int k;
        for (k = 1; k < x->nz; k++) {
            const zref *z = &x->zones[k].z;
            if ((r->flags & HOURS_TZ_FIXED) ? (z->fixed && z->off == r->utc_offset)
                                            : (!z->fixed && strcmp(z->name, r->tz) == 0))
                break;
        }
        if (k == x->nz) {
            zcache *c = &x->zones[x->nz++];
            memset(c, 0, sizeof *c);
            if (r->flags & HOURS_TZ_FIXED) {
                c->z.fixed = 1;
                c->z.off = r->utc_offset;
            } else {
                if (!memchr(r->tz, '\0', sizeof r->tz) || !r->tz[0])
                    return HV_ERR_INVALID;
                c->z.name = r->tz;
            }
        }
        x->zone_of[i] = k;
    }
    return HV_OK;
}

static int
is_opening(const hours_rule *r)
{
    return (r->flags & (HOURS_HAS_TIMES | HOURS_CLOSED)) == HOURS_HAS_TIMES;
}

static int
is_timed_closure(const hours_rule *r)
{
    return (r->flags & (HOURS_HAS_TIMES | HOURS_CLOSED)) == (HOURS_HAS_TIMES | HOURS_CLOSED);
}

static int
is_day_closure(const hours_rule *r)
{
    return (r->flags & (HOURS_HAS_TIMES | HOURS_CLOSED)) == HOURS_CLOSED;
}

/* 1 if rule I occurs on local date D. */
static int
rule_on(ctx *x, int i, int64_t d)
{
    const hours_rule *r = &x->rules[i];
    if (r->flags & HOURS_FAST)
        return fast_on(r, d);
    if (!in_bounds(r, d))
        return 0;
    daycache *c = &x->days[i];
    if (!c->filled || d < c->from || d >= c->from + CACHE_DAYS)
        recur_fill(r, d - 8, c);
    int64_t k = d - c->from;
    return (int)((c->bits[k / 64] >> (k % 64)) & 1);
}

/* The first date in [D, LIM] rule I occurs on, or HOURS_NO_DAY. */
static int64_t
rule_next(ctx *x, int i, int64_t d, int64_t lim)
{
    const hours_rule *r = &x->rules[i];
    if (r->valid_from != HOURS_NO_DAY && d < r->valid_from)
        d = r->valid_from;
    if (r->dtstart != HOURS_NO_DAY && d < r->dtstart)
        d = r->dtstart;
    if (r->valid_to != HOURS_NO_DAY && lim > r->valid_to)
        lim = r->valid_to;
    if (r->until != HOURS_NO_DAY && lim > r->until)
        lim = r->until;
    for (; d <= lim; d++) {
        if (!(r->flags & HOURS_FAST)) {
            daycache *c = &x->days[i];
            if (!c->filled || d < c->from || d >= c->from + CACHE_DAYS)
                recur_fill(r, d, c);
            int64_t k = d - c->from;
            uint64_t word = c->bits[k / 64] >> (k % 64);
            if (!word) { /* skip the rest of this word */
                d += 63 - k % 64;
                continue;
            }
            d += __builtin_ctzll(word);
            if (d <= lim)
                return d;
            break;
        }
        if (fast_on(r, d))
            return d;
    }
    return HOURS_NO_DAY;
}

/* The whole-day closure that cancels openings starting on D, or -1. */
static int
closed_day(ctx *x, int64_t d)
{
    for (int c = 0; c < x->n; c++)
        if (is_day_closure(&x->rules[c]) && rule_on(x, c, d))
            return c;
    return -1;
}

/* The first date in [D, LIM] with an occurrence of rule I that counts: any
 * for a closure, one no whole-day closure cancels for an opening. */
static int64_t
occurrence_next(ctx *x, int i, int64_t d, int64_t lim)
{
    for (;;) {
        d = rule_next(x, i, d, lim);
        if (d == HOURS_NO_DAY || !is_opening(&x->rules[i]) || closed_day(x, d) < 0)
            return d;
        d++;
    }
}

/* The span [*S, *E) of rule I on local date D. */
static hv_result
span_of(ctx *x, int i, int64_t d, int64_t *s, int64_t *e)
{
    const hours_rule *r = &x->rules[i];
    zcache *z = &x->zones[x->zone_of[i]];
    int64_t ws = d * DAY_MS + r->opens * MIN_MS;
    int64_t we = (r->closes > r->opens ? d : d + 1) * DAY_MS + (r->closes % 1440) * MIN_MS;
    if (r->closes == 1440)
        we = (d + 1) * DAY_MS;
    hv_result rc = zc_from_local(z, ws, s);
    if (rc == HV_OK)
        rc = zc_from_local(z, we, e);
    return rc;
}

/* Local date of instant T in rule I's zone. */
static hv_result
local_day(ctx *x, int i, int64_t t, int64_t *d)
{
    int64_t wall;
    hv_result rc = zc_to_local(&x->zones[x->zone_of[i]], t, &wall);
    if (rc == HV_OK)
        *d = zone_floor_div(wall, DAY_MS);
    return rc;
}

/* Open at T? *RULE: the opening in force; *CLOSURE: the closure that
 * cancels or cuts an opening that would hold T. A span holding T starts on
 * T's local date or the day before (spans last at most a day of wall time). */
static hv_result
covered(ctx *x, int64_t t, int *open, int *rule, int *closure)
{
    hv_result rc;
    int64_t d0, s, e;
    *open = 0;
    *rule = -1;
    *closure = -1;
    for (int i = 0; i < x->n && *rule < 0; i++) {
        if (!is_opening(&x->rules[i]))
            continue;
        if ((rc = local_day(x, i, t, &d0)) != HV_OK)
            return rc;
        for (int64_t d = d0 - 1; d <= d0; d++) {
            if (!rule_on(x, i, d))
                continue;
            if ((rc = span_of(x, i, d, &s, &e)) != HV_OK)
                return rc;
            if (t < s || t >= e)
                continue;
            int c = closed_day(x, d);
            if (c >= 0) {
                if (*closure < 0)
                    *closure = c;
                continue;
            }
            *rule = i;
            break;
        }
    }
    if (*rule < 0)
        return HV_OK;
    *closure = -1;
    for (int i = 0; i < x->n; i++) {
        if (!is_timed_closure(&x->rules[i]))
            continue;
        if ((rc = local_day(x, i, t, &d0)) != HV_OK)
            return rc;
        for (int64_t d = d0 - 1; d <= d0; d++) {
            if (!rule_on(x, i, d))
                continue;
            if ((rc = span_of(x, i, d, &s, &e)) != HV_OK)
                return rc;
            if (t >= s && t < e) {
                *closure = i;
                *rule = -1;
                return HV_OK;
            }
        }
    }
    *open = 1;
    return HV_OK;
}

/* The first start or end of a span (of an opening or a timed closure) after
 * T and not after LIM, or HOURS_NEVER. For one rule, spans on later dates
 * start and end later (they last at most a day and zone_from_civil is
 * monotonic), so the first span ending after T gives that rule's answer. */
static hv_result
next_boundary(ctx *x, int64_t t, int64_t lim, int64_t *out)
{
    hv_result rc;
    int64_t best = HOURS_NEVER, d0, s, e;
    int64_t days = (lim - t) / DAY_MS + 2;
    for (int i = 0; i < x->n; i++) {
        if (!(x->rules[i].flags & HOURS_HAS_TIMES))
            continue;
        if ((rc = local_day(x, i, t, &d0)) != HV_OK)
            return rc;
        for (int64_t d = d0 - 1;; d++) {
            d = occurrence_next(x, i, d, d0 + days);
            if (d == HOURS_NO_DAY)
                break;
            if ((rc = span_of(x, i, d, &s, &e)) != HV_OK)
                return rc;
            if (e > t) {
                int64_t b = s > t ? s : e;
                if (b <= lim && (best == HOURS_NEVER || b < best))
                    best = b;
                break;
            }
        }
    }
    *out = best;
    return HV_OK;
}

/* The first instant after T, not after LIM, at which the state is no
 * longer OPEN, or HOURS_NEVER. */
static hv_result
next_change(ctx *x, int64_t t, int open, int64_t lim, int64_t *out)
{
    hv_result rc;
    int64_t cur = t;
    int o, rule, closure;
    *out = HOURS_NEVER;
    for (int guard = 0; guard < 100000; guard++) {
        int64_t b;
        if ((rc = next_boundary(x, cur, lim, &b)) != HV_OK)
            return rc;
        if (b == HOURS_NEVER)
            return HV_OK;
        if ((rc = covered(x, b, &o, &rule, &closure)) != HV_OK)
            return rc;
        if (o != open) {
            *out = b;
            return HV_OK;
        }
        cur = b;
    }
    return HV_OK;
}

hv_result
hours_open_at(const hours_rule *rules, int n, const char *default_tz, int64_t utc_ms,
              hours_state *out)
{
    ctx x;
    hv_result rc;
    if (!out)
        return HV_ERR_INVALID;
    out->open = 0;
    out->rule = out->closure = -1;
    out->next_open = out->next_close = HOURS_NEVER;
    if ((rc = ctx_init(&x, rules, n, default_tz)) != HV_OK)
        return rc;
    zone_civil probe;
    if (zone_to_civil("UTC", utc_ms, &probe) != HV_OK ||
        zone_to_civil("UTC", utc_ms + (HOURS_CLOSED_HORIZON_DAYS + 10) * DAY_MS, &probe) != HV_OK)
        return HV_ERR_INVALID;
    if ((rc = covered(&x, utc_ms, &out->open, &out->rule, &out->closure)) != HV_OK)
        return rc;
    const int64_t open_h = HOURS_OPEN_HORIZON_DAYS * DAY_MS;
    const int64_t closed_h = HOURS_CLOSED_HORIZON_DAYS * DAY_MS;
    if (out->open) {
        rc = next_change(&x, utc_ms, 1, utc_ms + open_h, &out->next_close);
        if (rc == HV_OK && out->next_close != HOURS_NEVER)
            rc = next_change(&x, out->next_close, 0, utc_ms + closed_h, &out->next_open);
    } else {
        rc = next_change(&x, utc_ms, 0, utc_ms + closed_h, &out->next_open);
        if (rc == HV_OK && out->next_open != HOURS_NEVER)
            rc = next_change(&x, out->next_open, 1, out->next_open + open_h, &out->next_close);
    }
    return rc;
}

/* ---- the week of slots ------------------------------------------------ */

typedef struct ispan {
    int64_t s, e;
} ispan;

static int
ispan_cmp(const void *a, const void *b)
{
    const ispan *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s ? 1 : 0;
}

/* Sorts and merges touching or overlapping spans in place; returns the count. */
static int
ispan_merge(ispan *v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, ispan_cmp);
    int k = 0;
    for (int i = 1; i < n; i++) {
        if (v[i].s <= v[k].e) {
            if (v[i].e > v[k].e)
                v[k].e = v[i].e;
        } else {
            v[++k] = v[i];
        }
    }
    return k + 1;
}

/* Spans of the rules selected by WANT whose occurrence counts, clipped to
 * [W0, W1), appended to V (at most SPANS_MAX). */
static hv_result
collect(ctx *x, int (*want)(const hours_rule *), int64_t w0, int64_t w1, ispan *v, int *n)
{
    hv_result rc;
    for (int i = 0; i < x->n; i++) {
        if (!want(&x->rules[i]))
            continue;
        int64_t d0, d1, s, e;
        if ((rc = local_day(x, i, w0, &d0)) != HV_OK ||
            (rc = local_day(x, i, w1 - 1, &d1)) != HV_OK)
            return rc;
        for (int64_t d = d0 - 1;; d++) {
            d = occurrence_next(x, i, d, d1);
            if (d == HOURS_NO_DAY)
                break;
            if ((rc = span_of(x, i, d, &s, &e)) != HV_OK)
                return rc;
            if (s < w0)
                s = w0;
            if (e > w1)
                e = w1;
            if (s >= e)
                continue;
            if (*n >= SPANS_MAX)
                return HV_ERR_TOOBIG;
            v[(*n)++] = (ispan){s, e};
        }
    }
    return HV_OK;
}

/* Sets bits [LO, HI) of BITS (clipped to the week's minutes). */
static void
bits_set(uint64_t *bits, int64_t lo, int64_t hi)
{
    if (lo < 0)
        lo = 0;
    if (hi > WEEK_MIN)
        hi = WEEK_MIN;
    while (lo < hi) {
        int64_t w = lo / 64, b = lo % 64, k = hi - lo < 64 - b ? hi - lo : 64 - b;
        bits[w] |= (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
        lo += k;
    }
}

/* Marks in BITS the wall minutes (from BASE, a local midnight as wall ms)
 * of the instants [A, B) of zone Z, split where the offset changes. */
static hv_result
wall_mark(zcache *z, int64_t base, int64_t a, int64_t b, uint64_t *bits)
{
    hv_result rc;
    while (a < b) {
        int64_t wa, wb;
        if ((rc = zc_to_local(z, a, &wa)) != HV_OK || (rc = zc_to_local(z, b - 1, &wb)) != HV_OK)
            return rc;
        int64_t off = wa - a;
        int64_t end = b;
        if (wb - (b - 1) != off) {
            /* a change of offset inside: the first minute with the new one */
            int64_t lo = zone_floor_div(a, MIN_MS), hi = zone_floor_div(b - 1, MIN_MS);
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2, wm;
                if ((rc = zc_to_local(z, mid * MIN_MS, &wm)) != HV_OK)
                    return rc;
                if (wm - mid * MIN_MS == off)
                    lo = mid;
                else
                    hi = mid;
            }
            end = hi * MIN_MS;
        }
        bits_set(bits, zone_floor_div(a + off - base, MIN_MS),
                 zone_floor_div(end + off - base - 1, MIN_MS) + 1);
        a = end;
    }
    return HV_OK;
}

/* 1 if any of the 15 bits from LO (a multiple of 15) is set. */
static int
any_bits(const uint64_t *bits, int lo)
{
    int w = lo / 64, b = lo % 64;
    uint64_t v = bits[w] >> b;
    if (b > 64 - 15 && w + 1 < WEEK_WORDS)
        v |= bits[w + 1] << (64 - b);
    return (v & 0x7fffULL) != 0;
}

hv_result
hours_week_mask(const hours_rule *rules, int n, const char *tz, int64_t first_day, hours_week *w)
{
    ctx x;
    hv_result rc;
    if (!w)
        return HV_ERR_INVALID;
    memset(w, 0, sizeof *w);
    w->first_day = first_day;
    if ((rc = ctx_init(&x, rules, n, tz)) != HV_OK)
        return rc;
    if (first_day < zone_days_from_civil(ZONE_YEAR_MIN, 1, 3) ||
        first_day > zone_days_from_civil(ZONE_YEAR_MAX, 12, 1))
        return HV_ERR_INVALID;

    zcache *z = &x.zones[0];
    int64_t base = first_day * DAY_MS, w0, w1;
    if ((rc = zc_from_local(z, base, &w0)) != HV_OK ||
        (rc = zc_from_local(z, base + 7 * DAY_MS, &w1)) != HV_OK)
        return rc;

    ispan op[SPANS_MAX], cl[SPANS_MAX], open_v[2 * SPANS_MAX];
    int nop = 0, ncl = 0, nv = 0;
    if ((rc = collect(&x, is_opening, w0, w1, op, &nop)) != HV_OK ||
        (rc = collect(&x, is_timed_closure, w0, w1, cl, &ncl)) != HV_OK)
        return rc;
    nop = ispan_merge(op, nop);
    ncl = ispan_merge(cl, ncl);
    /* openings minus closures */
    for (int i = 0, j = 0; i < nop; i++) {
        int64_t s = op[i].s;
        while (j < ncl && cl[j].e <= s)
            j++;
        for (int k = j; k < ncl && cl[k].s < op[i].e; k++) {
            if (cl[k].s > s)
                open_v[nv++] = (ispan){s, cl[k].s};
            if (cl[k].e > s)
                s = cl[k].e;
        }
        if (s < op[i].e)
            open_v[nv++] = (ispan){s, op[i].e};
    }

    uint64_t om[WEEK_WORDS] = {0}, cm[WEEK_WORDS] = {0};
    int64_t prev = w0;
    for (int i = 0; i < nv; i++) {
        if ((rc = wall_mark(z, base, open_v[i].s, open_v[i].e, om)) != HV_OK ||
            (rc = wall_mark(z, base, prev, open_v[i].s, cm)) != HV_OK)
            return rc;
        prev = open_v[i].e;
    }
    if ((rc = wall_mark(z, base, prev, w1, cm)) != HV_OK)
        return rc;

    w->exact = 1;
    for (int s = 0; s < HOURS_SLOTS; s++) {
        if (!any_bits(om, s * 15))
            continue;
        w->open[s / 64] |= 1ULL << (s % 64);
        if (any_bits(cm, s * 15))
            w->exact = 0;
    }
    return HV_OK;
}

hv_result
hours_slot(const char *tz, int64_t utc_ms, int64_t *first_day, int *slot)
{
    zcache z;
    memset(&z, 0, sizeof z);
    if (!first_day || !slot || !zref_parse(tz, &z.z, 0))
        return HV_ERR_INVALID;
    zone_civil probe;
    if (zone_to_civil("UTC", utc_ms, &probe) != HV_OK)
        return HV_ERR_INVALID;
    int64_t wall;
    hv_result rc = zc_to_local(&z, utc_ms, &wall);
    if (rc != HV_OK)
        return rc;
    int64_t day = zone_floor_div(wall, DAY_MS);
    int64_t monday = day - (weekday_of(day) + 6) % 7;
    *first_day = monday;
    *slot = (int)((day - monday) * 96 + (wall - day * DAY_MS) / (15 * MIN_MS));
    return HV_OK;
}
