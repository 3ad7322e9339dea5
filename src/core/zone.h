/*
 * zone.h - civil (wall-clock) time in a named IANA time zone.
 *
 * The rotation arithmetic in notify/roster.c counts hours on the local wall
 * clock, so it needs both directions: an instant to the local date and time,
 * and a local date and time back to an instant. The zone rules come from
 * libical (icaltimezone_get_builtin_timezone(), which reads the system's tz
 * database; "UTC" is libical's own UTC zone). libical is not thread-safe, so
 * every call into it here holds one static mutex. Nothing else in haven calls
 * libical's zone functions (directory/hours.c expands recurrences with it, on
 * floating dates).
 *
 * Times are integer milliseconds since the Unix epoch, as everywhere in
 * haven. Offsets are taken from libical only in the unambiguous direction
 * (the offset in force at a UTC instant); local-to-UTC is computed here.
 *
 * What libical itself does with a local time that is not one instant
 * (icaltime_as_timet_with_zone, libical 3.0.16, America/Los_Angeles 2026),
 * and why zone_from_civil() does not use it:
 *   - a gap (spring forward, 02:00-03:00 on 2026-03-08 does not exist):
 *     libical applies the new offset (PDT) to the missing time, so 02:30
 *     becomes 09:30Z, which is 01:30 PST - half an hour BEFORE the clocks
 *     jump, and 02:00 lands before 01:59 (the mapping is not monotonic).
 *   - an overlap (fall back, 01:00-02:00 on 2026-11-01 happens twice):
 *     libical picks the second occurrence (PST): 01:30 becomes 09:30Z.
 *   - Europe/London (gap 01:00-02:00 on 2026-03-29, overlap on 2026-10-25)
 *     and the half-hour shift of Australia/Lord_Howe behave the same way.
 * zone_from_civil() instead maps a time in a gap to the instant the clocks
 * jump to (02:30 -> 10:00Z, 03:00 PDT) and a time in an overlap to its first
 * occurrence (01:30 -> 08:30Z, PDT). The mapping is then monotonic: a later
 * wall time never gives an earlier instant.
 *
 * Other things found: icaltimezone_get_builtin_timezone() knows "GMT" and
 * "Etc/UTC" but not "UTC" (zone_*() accept "UTC" anyway); it returns NULL for
 * paths and names with stray characters. UTC-to-local offsets agree with
 * glibc for 2020-2049 in the zones checked, except that after 2037 libical
 * expands the rules of a few zones with unusual rules (Australia/Lord_Howe,
 * America/Santiago) differently from glibc.
 *
 * Valid years are ZONE_YEAR_MIN..ZONE_YEAR_MAX (proleptic Gregorian).
 */
#ifndef HAVEN_ZONE_H
#define HAVEN_ZONE_H

#include <stdint.h>

#include "core/result.h"

#define ZONE_YEAR_MIN 1000
#define ZONE_YEAR_MAX 9999

/* A local date and time in a zone. */
typedef struct zone_civil {
    int year, month, day, hour, minute, second, wday; /* wday: 0 = Sunday */
    int utc_offset_min; /* local minus UTC, minutes (toward zero for odd LMT offsets) */
} zone_civil;

/* 1 if TZ names a zone libical knows ("UTC", "Europe/London", ...), else 0. */
int zone_valid(const char *tz);

/* The local date and time in TZ at the instant UTC_MS. HV_ERR_INVALID for an
 * unknown zone or an instant whose year is outside the valid range. */
hv_result zone_to_civil(const char *tz, int64_t utc_ms, zone_civil *out);

/* The instant (UTC ms) of the local wall time YEAR-MONTH-DAY HOUR:MINUTE in
 * TZ. A wall time in a gap maps to the instant the clocks jump to; one that
 * occurs twice maps to its first occurrence (see the top of this file).
 * HV_ERR_INVALID for an unknown zone or a field out of range. Assumes the
 * zone's transitions are more than a day apart. */
hv_result zone_from_civil(const char *tz, int year, int month, int day, int hour, int minute,
                          int64_t *utc_ms);

/* Moves the date *YEAR-*MONTH-*DAY by DAYS calendar days (negative: back).
 * HV_ERR_INVALID (and nothing changes) for an invalid date or a result
 * outside the valid years. */
hv_result zone_add_days(int *year, int *month, int *day, int days);

/* Days from 1970-01-01 to the (valid) date YEAR-MONTH-DAY; negative before. */
int64_t zone_days_from_civil(int year, int month, int day);
/* The date DAYS days after 1970-01-01 (inverse of zone_days_from_civil). */
void zone_civil_from_days(int64_t days, int *year, int *month, int *day);
/* A / B rounded toward minus infinity (B > 0): days and weeks from
 * instants before 1970 and negative offsets come out right. */
static inline int64_t
zone_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* 1 if YEAR-MONTH-DAY is a real date within the valid years. */
int zone_valid_date(int year, int month, int day);

#endif
