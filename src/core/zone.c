/* zone.c - civil time in a named zone over libical (see zone.h). */
#include "core/zone.h"

#include <libical/ical.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

/* libical keeps global, lazily filled zone tables: every call holds this. */
static pthread_mutex_t zone_mu = PTHREAD_MUTEX_INITIALIZER;

#define DAY_S 86400

/* Howard Hinnant's days_from_civil, proleptic Gregorian. */
int64_t
zone_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = zone_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
zone_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = zone_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static int
days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return dim[month - 1];
}

int
zone_valid_date(int year, int month, int day)
{
    return year >= ZONE_YEAR_MIN && year <= ZONE_YEAR_MAX && month >= 1 && month <= 12 &&
           day >= 1 && day <= days_in_month(year, month);
}

/* The zone called TZ, or NULL. Caller holds zone_mu. */
static icaltimezone *
zone_lookup(const char *tz)
{
    if (!tz || !*tz)
        return NULL;
    if (strcmp(tz, "UTC") == 0)
        return icaltimezone_get_utc_timezone();
    return icaltimezone_get_builtin_timezone(tz);
}

/* Seconds to add to UTC to get local time in Z at the instant SECS.
 * Caller holds zone_mu. */
static int
zone_offset_at(icaltimezone *z, int64_t secs)
{
    struct icaltimetype u =
        icaltime_from_timet_with_zone((time_t)secs, 0, icaltimezone_get_utc_timezone());
    int is_daylight = 0;
    return icaltimezone_get_utc_offset_of_utc_time(z, &u, &is_daylight);
}

int
zone_valid(const char *tz)
{
    pthread_mutex_lock(&zone_mu);
    int ok = zone_lookup(tz) != NULL;
    pthread_mutex_unlock(&zone_mu);
    return ok;
}

hv_result
zone_to_civil(const char *tz, int64_t utc_ms, zone_civil *out)
{
    /* the valid years, with a day's margin for the zone offset */
    static const int64_t min_s = -30610224000LL + DAY_S; /* 1000-01-02T00:00Z */
    static const int64_t max_s = 253402214400LL - DAY_S; /* 9999-12-30T00:00Z */
    if (!out)
        return HV_ERR_INVALID;
    int64_t secs = zone_floor_div(utc_ms, 1000);
    if (secs < min_s || secs > max_s)
        return HV_ERR_INVALID;

    pthread_mutex_lock(&zone_mu);
    icaltimezone *z = zone_lookup(tz);
    int off = z ? zone_offset_at(z, secs) : 0;
    pthread_mutex_unlock(&zone_mu);
    if (!z)
        return HV_ERR_INVALID;

    int64_t local = secs + off;
    int64_t days = zone_floor_div(local, DAY_S);
    int64_t sod = local - days * DAY_S;
    zone_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(sod / 3600);
    out->minute = (int)(sod / 60 % 60);
    out->second = (int)(sod % 60);
    out->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    out->utc_offset_min = off / 60;
    return HV_OK;
}

hv_result
zone_from_civil(const char *tz, int year, int month, int day, int hour, int minute, int64_t *utc_ms)
{
    if (!utc_ms || !zone_valid_date(year, month, day) || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59)
        return HV_ERR_INVALID;
    /* the wall time as if it were UTC */
    int64_t wall = zone_days_from_civil(year, month, day) * DAY_S + hour * 3600 + minute * 60;

    pthread_mutex_lock(&zone_mu);
    icaltimezone *z = zone_lookup(tz);
    if (!z) {
        pthread_mutex_unlock(&zone_mu);
        return HV_ERR_INVALID;
    }
    /* The offsets a day before and a day after bracket the instant: each
     * gives a candidate, valid if the offset at the candidate is its own. */
    int off_a = zone_offset_at(z, wall - DAY_S);
    int off_b = zone_offset_at(z, wall + DAY_S);
    int64_t ua = wall - off_a, ub = wall - off_b;
    int ok_a = zone_offset_at(z, ua) == off_a;
    int ok_b = zone_offset_at(z, ub) == off_b;
    int64_t u;
    if (ok_a && ok_b)
        u = ua < ub ? ua : ub; /* an overlap: the first occurrence */
    else if (ok_a)
        u = ua;
    else if (ok_b)
        u = ub;
    else {
        /* A gap: the transition lies between the candidates. Find the first
         * second whose offset differs from the one before the gap. */
        int64_t lo = ua < ub ? ua : ub, hi = ua < ub ? ub : ua;
        int before = zone_offset_at(z, lo);
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (zone_offset_at(z, mid) == before)
                lo = mid;
            else
                hi = mid;
        }
        u = hi;
    }
    pthread_mutex_unlock(&zone_mu);
    *utc_ms = u * 1000;
    return HV_OK;
}

hv_result
zone_add_days(int *year, int *month, int *day, int days)
{
    if (!year || !month || !day || !zone_valid_date(*year, *month, *day))
        return HV_ERR_INVALID;
    int y, m, d;
    zone_civil_from_days(zone_days_from_civil(*year, *month, *day) + days, &y, &m, &d);
    if (!zone_valid_date(y, m, d))
        return HV_ERR_INVALID;
    *year = y;
    *month = m;
    *day = d;
    return HV_OK;
}
