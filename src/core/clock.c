/* clock.c - real and settable time (see clock.h). */
#include "core/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int clock_test_on;
static _Atomic int64_t clock_offset_ms; /* added to the real time */

int64_t
clock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_now_ms(void)
{
    return clock_real_ms() + atomic_load_explicit(&clock_offset_ms, memory_order_relaxed);
}

uint64_t
clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t
clock_mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000ull);
}

void
clock_enable_test(int on)
{
    atomic_store(&clock_test_on, on ? 1 : 0);
    if (!on)
        atomic_store(&clock_offset_ms, 0);
}

int
clock_test_enabled(void)
{
    return atomic_load(&clock_test_on);
}

hv_result
clock_set(int64_t now_ms)
{
    if (!clock_test_enabled())
        return HV_ERR_DENIED;
    atomic_store(&clock_offset_ms, now_ms - clock_real_ms());
    return HV_OK;
}

hv_result
clock_advance(int64_t delta_ms)
{
    if (!clock_test_enabled())
        return HV_ERR_DENIED;
    atomic_fetch_add(&clock_offset_ms, delta_ms);
    return HV_OK;
}

void
clock_reset(void)
{
    atomic_store(&clock_offset_ms, 0);
}

static char zone_name[64] = "UTC";

hv_result
clock_set_zone(const char *zone)
{
    if (!zone || !*zone || strlen(zone) >= sizeof zone_name || strstr(zone, ".."))
        return HV_ERR_INVALID;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0)
        return HV_ERR_INVALID;
    snprintf(zone_name, sizeof zone_name, "%s", zone);
    setenv("TZ", zone, 1);
    tzset();
    return HV_OK;
}

const char *
clock_zone(void)
{
    return zone_name;
}

void
clock_format_local(int64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char day[16] = "", mon[16] = "", zone[16] = "";
    strftime(day, sizeof day, "%a", &tm);
    strftime(mon, sizeof mon, "%b", &tm);
    strftime(zone, sizeof zone, "%Z", &tm);
    snprintf(out, outsz, "%s %d %s %02d:%02d %s", day, tm.tm_mday, mon, tm.tm_hour, tm.tm_min,
             zone);
}

void
clock_format_iso(int64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int millis = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

static int
clock_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Reads exactly N digits from *S into *OUT. */
static int
clock_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *s += n;
    *out = v;
    return 1;
}

static int
clock_parse_date(const char **s, int *y, int *m, int *d)
{
    const char *p = *s;
    if (!clock_digits(&p, 4, y) || *p++ != '-' || !clock_digits(&p, 2, m) || *p++ != '-' ||
        !clock_digits(&p, 2, d))
        return 0;
    if (*y < 1900 || *y > 2200 || *m < 1 || *m > 12 || *d < 1 || *d > clock_days_in_month(*y, *m))
        return 0;
    *s = p;
    return 1;
}

int
clock_valid_date(const char *s)
{
    int y, m, d;
    return s && clock_parse_date(&s, &y, &m, &d) && *s == '\0';
}

hv_result
clock_parse_iso(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, millis = 0, sign = 0, oh = 0, om = 0;
    if (!s || !clock_parse_date(&s, &y, &mo, &d))
        return HV_ERR_INVALID;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return HV_ERR_INVALID;
    s++;
    if (!clock_digits(&s, 2, &h) || *s++ != ':' || !clock_digits(&s, 2, &mi) || *s++ != ':' ||
        !clock_digits(&s, 2, &sec))
        return HV_ERR_INVALID;
    if (h > 23 || mi > 59 || sec > 60)
        return HV_ERR_INVALID;
    if (*s == '.') {
        s++;
        int n = 0, scale = 100;
        while (*s >= '0' && *s <= '9') {
            if (n < 3)
                millis += (*s - '0') * scale;
            scale /= 10;
            n++;
            s++;
        }
        if (n == 0)
            return HV_ERR_INVALID;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        s++;
        if (!clock_digits(&s, 2, &oh) || *s++ != ':' || !clock_digits(&s, 2, &om) || oh > 23 ||
            om > 59)
            return HV_ERR_INVALID;
    } else {
        return HV_ERR_INVALID;
    }
    if (*s != '\0')
        return HV_ERR_INVALID;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    int64_t secs = (int64_t)timegm(&tm) - (int64_t)sign * (oh * 3600 + om * 60);
    *ms = secs * 1000 + millis;
    return HV_OK;
}
