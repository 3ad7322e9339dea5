/* facts.c - the per-referral outcomes rollup (see facts.h, docs/metrics.md). */
#include "report/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/zone.h"

/* Set once by the process (the protocol's keys): facts_touch() has no keys
 * of its own to pass to store_defer(). */
static const crypt_keys *touch_keys;

void
facts_set_keys(const crypt_keys *k)
{
    touch_keys = k;
}

/* Local midnights repeat from one instant to the next: remember the last
 * county day and the span of instants it surely covers (a day is at least
 * 23 hours long, so [midnight, midnight + 23 h) is always the same date). */
static _Thread_local struct {
    int64_t from, to;
    int32_t day;
    char zone[64];
} day_cache;

int32_t
facts_day(int64_t ms)
{
    const char *tz = clock_zone();
    if (ms >= day_cache.from && ms < day_cache.to && strcmp(day_cache.zone, tz) == 0)
        return day_cache.day;
    zone_civil cv;
    if (zone_to_civil(tz, ms, &cv) != HV_OK)
        return (int32_t)(ms / 86400000);
    int32_t day = (int32_t)zone_days_from_civil(cv.year, cv.month, cv.day);
    int64_t midnight = ms - ((int64_t)cv.hour * 3600 + cv.minute * 60 + cv.second) * 1000 -
                       (ms % 1000 + 1000) % 1000;
    day_cache.from = midnight;
    day_cache.to = midnight + 23 * 3600 * 1000LL;
    day_cache.day = day;
    snprintf(day_cache.zone, sizeof day_cache.zone, "%s", tz);
    return day;
}

/* Whole years from the date of birth DOB ("YYYY-MM-DD") to county day DAY;
 * -1 if DOB is not a date. */
static int
age_on(const char *dob, size_t n, int32_t day)
{
    int y, m, d;
    char tmp[16];
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, dob, n);
    tmp[n] = 0;
    if (sscanf(tmp, "%4d-%2d-%2d", &y, &m, &d) != 3 || !zone_valid_date(y, m, d))
        return -1;
    int cy, cm, cd;
    zone_civil_from_days(day, &cy, &cm, &cd);
    int age = cy - y - ((cm < m || (cm == m && cd < d)) ? 1 : 0);
    return age >= 0 && age < 120 ? age : -1;
}

/* The clocks the dashboard reports, in fact-row order. */
static const char *const clock_kinds[4] = {"lead_response", "advocate_response", "medical_hub",
                                           "status_72h"};

/* A clock's latest row for one referral (a reroute restarts a clock: the
 * last one is the one that counts). */
typedef struct clock_row {
    char state[8];
    int64_t started, due, met, stopped; /* -1: not set */
} clock_row;

/* What a range of referrals needs beside its own row: clocks and the
 * juvenile hall reason of the MDT that decided on juvenile hall. */
typedef struct range_ctx {
    int64_t lo, n;
    clock_row *clocks; /* n * 4 */
    char (*jh)[32];    /* n */
    store_conn *c;
    const crypt_keys *keys;
    int64_t seq, rows;
    int64_t person; /* the last row's person: the youth's resolved person (migration 7) */
    hv_result r;
} range_ctx;

static int64_t
col_or(const store_row *row, int col)
{
    return store_row_isnull(row, col) ? -1 : store_row_int(row, col);
}

static hv_result
take_clock(void *vctx, const store_row *row)
{
    range_ctx *x = vctx;
    int64_t i = store_row_int(row, 0) - x->lo;
    const char *kind = store_row_text(row, 1), *st = store_row_text(row, 2);
    if (i < 0 || i >= x->n || !kind || !st)
        return HV_OK;
    for (int k = 0; k < 4; k++)
        if (strcmp(kind, clock_kinds[k]) == 0) {
            clock_row *cr = &x->clocks[i * 4 + k];
            snprintf(cr->state, sizeof cr->state, "%s", st);
            cr->started = col_or(row, 3);
            cr->due = col_or(row, 4);
            cr->met = col_or(row, 5);
            cr->stopped = col_or(row, 6);
        }
    return HV_OK;
}

static hv_result
take_jh(void *vctx, const store_row *row)
{
    range_ctx *x = vctx;
    int64_t i = store_row_int(row, 0) - x->lo;
    const char *reason = store_row_text(row, 1);
    if (i >= 0 && i < x->n && reason && !x->jh[i][0])
        snprintf(x->jh[i], sizeof x->jh[i], "%s", reason);
    return HV_OK;
}

/* A clock's outcome: on_time, late (met after it was due), missed (due and
 * never met, or stopped after it was due), open (not yet due), stopped (the
 * protocol stopped asking before it was due); minutes from start to met. */
static const char *
clock_outcome(const clock_row *cr, int64_t *minutes)
{
    *minutes = -1;
    if (!cr->state[0])
        return NULL;
    if (strcmp(cr->state, "met") == 0 && cr->met >= 0) {
        *minutes = (cr->met - cr->started + 30000) / 60000; /* to the nearest minute */
        return cr->met <= cr->due ? "on_time" : "late";
    }
    if (strcmp(cr->state, "missed") == 0)
        return "missed";
    if (strcmp(cr->state, "stopped") == 0)
        return cr->stopped > cr->due ? "missed" : "stopped";
    return "open";
}

#define FACT_SELECT                                                                                \
    "SELECT r.id, r.encountered_at, r.identifying_agency_id, r.station_id, r.lead_agency_id, "     \
    "COALESCE(y.person_id, r.youth_id), r.identified_how, r.initial_decision, r.status_72h, "      \
    "r.whereabouts, "                                                                              \
    "CASE WHEN r.state = 'closed' THEN 1 ELSE 0 END, y.dob, y.estimated_age, y.gender FROM "       \
    "referral r JOIN youth y ON y.id = r.youth_id WHERE r.id BETWEEN ? AND ?"

static store_val
opt_text(const char *s)
{
    return s && s[0] ? SV_TEXTV(s) : SV_NULLV;
}

static store_val
opt_int(int64_t v)
{
    return v >= 0 ? SV_INTV(v) : SV_NULLV;
}

static hv_result
write_fact(void *vctx, const store_row *row)
{
    range_ctx *x = vctx;
    int64_t id = store_row_int(row, 0);
    int64_t i = id - x->lo;
    if (i < 0 || i >= x->n)
        return HV_OK;
    int32_t day = facts_day(store_row_int(row, 1));
    int age = -1;
    uint8_t *ct = NULL, *pt = NULL;
    size_t ctlen = 0, ptlen = 0;
    if (!store_row_isnull(row, 11) && x->keys &&
        store_row_blob_copy(row, 11, &ct, &ctlen) == HV_OK &&
        crypt_decrypt(x->keys, "youth.dob", ct, ctlen, &pt, &ptlen) == HV_OK) {
        age = age_on((const char *)pt, ptlen, day);
        sodium_memzero(pt, ptlen);
    }
    free(ct);
    free(pt);
    if (age < 0 && !store_row_isnull(row, 12))
        age = (int)store_row_int(row, 12);

    const char *cs[4];
    int64_t cm[4];
    for (int k = 0; k < 4; k++)
        cs[k] = clock_outcome(&x->clocks[i * 4 + k], &cm[k]);

    store_val a[] = {
        SV_INTV(id),
        SV_INTV(x->seq++),
        SV_INTV(day),
        SV_INTV(store_row_int(row, 2)),
        store_row_isnull(row, 3) ? SV_NULLV : SV_INTV(store_row_int(row, 3)),
        SV_INTV(store_row_int(row, 4)),
        SV_INTV(store_row_int(row, 5)),
        opt_int(age),
        opt_text(store_row_text(row, 13)),
        opt_text(store_row_text(row, 6)),
        opt_text(store_row_text(row, 7)),
        opt_text(x->jh[i]),
        opt_text(store_row_text(row, 8)),
        opt_text(store_row_text(row, 9)),
        SV_INTV(store_row_int(row, 10)),
        opt_text(cs[0]),
        opt_int(cm[0]),
        opt_text(cs[1]),
        opt_int(cm[1]),
        opt_text(cs[2]),
        opt_int(cm[2]),
        opt_text(cs[3]),
        opt_int(cm[3]),
    };
    x->r = store_exec(x->c,
                      "INSERT INTO referral_fact (referral_id, seq, day, identifying_agency_id, "
                      "station_id, lead_agency_id, person_id, nth, age, gender, identified_how, "
                      "decision, jh_reason, status_72h, whereabouts, closed, lead_state, "
                      "lead_minutes, advocate_state, advocate_minutes, exam_state, exam_minutes, "
                      "s72_state, s72_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (referral_id) DO UPDATE SET seq = "
                      "excluded.seq, day = excluded.day, identifying_agency_id = "
                      "excluded.identifying_agency_id, station_id = excluded.station_id, "
                      "lead_agency_id = excluded.lead_agency_id, person_id = excluded.person_id, "
                      "age = excluded.age, gender = excluded.gender, identified_how = "
                      "excluded.identified_how, decision = excluded.decision, jh_reason = "
                      "excluded.jh_reason, status_72h = excluded.status_72h, whereabouts = "
                      "excluded.whereabouts, closed = excluded.closed, lead_state = "
                      "excluded.lead_state, lead_minutes = excluded.lead_minutes, advocate_state "
                      "= excluded.advocate_state, advocate_minutes = excluded.advocate_minutes, "
                      "exam_state = excluded.exam_state, exam_minutes = excluded.exam_minutes, "
                      "s72_state = excluded.s72_state, s72_minutes = excluded.s72_minutes",
                      a, (int)(sizeof a / sizeof a[0]), NULL);
    x->rows++;
    x->person = store_row_int(row, 5);
    return x->r;
}

/* Writes the fact rows of referrals LO..HI (ids), giving them seq from
 * X->seq on. */
static hv_result
compute_range(range_ctx *x, int64_t lo, int64_t hi)
{
    x->lo = lo;
    x->n = hi - lo + 1;
    x->clocks = calloc((size_t)x->n * 4, sizeof *x->clocks);
    x->jh = calloc((size_t)x->n, sizeof *x->jh);
    hv_result r = (x->clocks && x->jh) ? HV_OK : HV_ERR_NOMEM;
    store_val a[] = {SV_INTV(lo), SV_INTV(hi)};
    if (r == HV_OK)
        r = store_query(x->c,
                        "SELECT referral_id, kind, state, started_at, due_at, met_at, stopped_at "
                        "FROM deadline WHERE referral_id BETWEEN ? AND ? AND kind IN "
                        "('lead_response', 'advocate_response', 'medical_hub', 'status_72h') "
                        "ORDER BY referral_id, id",
                        a, 2, take_clock, x);
    if (r == HV_OK)
        r = store_query(x->c,
                        "SELECT referral_id, juvenile_hall_reason FROM mdt_meeting WHERE "
                        "referral_id BETWEEN ? AND ? AND decision = 'juvenile_hall' ORDER BY "
                        "referral_id, held_at, id",
                        a, 2, take_jh, x);
    if (r == HV_OK) {
        x->r = HV_OK;
        r = store_query(x->c, FACT_SELECT, a, 2, write_fact, x);
        if (r == HV_OK)
            r = x->r;
    }
    free(x->clocks);
    free(x->jh);
    x->clocks = NULL;
    x->jh = NULL;
    return r;
}

static hv_result
next_seq(store_conn *c, int64_t *seq)
{
    /* one writer at a time, across processes too (store.h) */
    hv_result r = store_lock(c, "referral_fact.seq");
    if (r != HV_OK)
        return r;
    return store_query_int(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM referral_fact", NULL, 0, seq);
}

/* Recomputes nth (1 for a youth's first recovery, 2 for the second ...) for
 * every referral of PERSON, bumping seq where it changed. */
static hv_result
renumber(store_conn *c, int64_t person, int64_t *seq)
{
    store_val a[] = {SV_INTV(*seq), SV_INTV(person)};
    int64_t changed = 0;
    hv_result r = store_exec(
        c,
        "UPDATE referral_fact SET seq = ? + (SELECT COUNT(*) FROM referral_fact f0 WHERE "
        "f0.person_id = referral_fact.person_id AND f0.referral_id < referral_fact.referral_id), "
        "nth = (SELECT COUNT(*) FROM referral_fact f2 WHERE f2.person_id = "
        "referral_fact.person_id AND (f2.day < referral_fact.day OR (f2.day = referral_fact.day "
        "AND f2.referral_id < referral_fact.referral_id))) + 1 WHERE person_id = ?",
        a, 2, &changed);
    *seq += changed;
    return r;
}

hv_result
facts_refresh(store_conn *c, const crypt_keys *keys, int64_t referral_id)
{
    range_ctx x = {.c = c, .keys = keys};
    /* the next seq, and the person the row belonged to before (a merge or a
     * corrected youth: that person's recoveries are renumbered too) */
    int64_t before = 0;
    store_val id[] = {SV_INTV(referral_id)};
    hv_result r = store_query_int(c,
                                  "SELECT COALESCE((SELECT person_id FROM referral_fact WHERE "
                                  "referral_id = ?), 0)",
                                  id, 1, &before);
    if (r == HV_OK)
        r = next_seq(c, &x.seq);
    if (r != HV_OK || (r = compute_range(&x, referral_id, referral_id)) != HV_OK || x.rows == 0)
        return r;
    if ((r = renumber(c, x.person, &x.seq)) != HV_OK)
        return r;
    if (before && before != x.person)
        r = renumber(c, before, &x.seq);
    return r;
}

static hv_result
refresh_deferred(store_conn *c, int64_t referral_id)
{
    return facts_refresh(c, touch_keys, referral_id);
}

hv_result
facts_touch(store_conn *c, int64_t referral_id)
{
    return store_defer(c, refresh_deferred, referral_id);
}

hv_result
facts_rebuild(store_conn *c, const crypt_keys *keys, int64_t *rows)
{
    hv_result r = store_exec(c, "DELETE FROM referral_fact", NULL, 0, NULL);
    int64_t lo = 0, hi = 0;
    if (r == HV_OK)
        r = store_query_int(c, "SELECT COALESCE(MIN(id), 0) FROM referral", NULL, 0, &lo);
    if (r == HV_OK)
        r = store_query_int(c, "SELECT COALESCE(MAX(id), 0) FROM referral", NULL, 0, &hi);
    if (r != HV_OK)
        return r;
    range_ctx x = {.c = c, .keys = keys, .seq = 1};
    const int64_t chunk = 32768;
    for (int64_t from = lo; r == HV_OK && hi > 0 && from <= hi; from += chunk)
        r = compute_range(&x, from, from + chunk - 1 < hi ? from + chunk - 1 : hi);
    if (r != HV_OK)
        return r;
    /* every youth's recoveries in order, in one statement */
    r = store_exec(c,
                   "UPDATE referral_fact SET nth = (SELECT COUNT(*) FROM referral_fact f2 WHERE "
                   "f2.person_id = referral_fact.person_id AND (f2.day < referral_fact.day OR "
                   "(f2.day = referral_fact.day AND f2.referral_id < referral_fact.referral_id))) "
                   "+ 1",
                   NULL, 0, NULL);
    if (rows)
        *rows = x.rows;
    return r;
}
