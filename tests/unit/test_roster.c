/* test_roster.c - civil time in named zones (core/zone) and on-call rotation
 * arithmetic (notify/roster): zone names, round trips, the spring-forward gap
 * and the fall-back overlap, rotations of a day, half a day and a week across
 * both, rotations years on checked against their exact boundaries, and the
 * coverage gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/zone.h"
#include "notify/roster.h"

#define LA     "America/Los_Angeles"
#define HOUR   3600000LL
#define MINUTE 60000LL

/* UTC ms of an ISO-8601 instant. */
static int64_t
iso(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(clock_parse_iso(s, &ms), HV_OK);
    return ms;
}

/* A deterministic generator (xorshift64*) for the random instants. */
static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static roster_rotation
rotation(const char *tz, int y, int m, int d, int hh, int mm, int hours, int members)
{
    roster_rotation r;
    memset(&r, 0, sizeof r);
    snprintf(r.tz, sizeof r.tz, "%s", tz);
    r.start_year = y;
    r.start_month = m;
    r.start_day = d;
    r.handoff_hour = hh;
    r.handoff_minute = mm;
    r.shift_hours = hours;
    r.n_members = members;
    return r;
}

static void
test_zone_valid(void **state)
{
    (void)state;
    assert_true(zone_valid("UTC"));
    assert_true(zone_valid(LA));
    assert_true(zone_valid("Europe/London"));
    assert_true(zone_valid("Asia/Kolkata"));
    assert_true(zone_valid("Etc/UTC"));
    assert_false(zone_valid(NULL));
    assert_false(zone_valid(""));
    assert_false(zone_valid("Mars/Olympus_Mons"));
    assert_false(zone_valid("../../etc/passwd"));
    assert_false(zone_valid("/usr/share/zoneinfo/UTC"));
    assert_false(zone_valid("America/Los_Angeles "));

    zone_civil c;
    int64_t ms;
    assert_int_equal(zone_to_civil("Mars/Olympus_Mons", 0, &c), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil("Mars/Olympus_Mons", 2026, 1, 1, 0, 0, &ms), HV_ERR_INVALID);
    /* bad fields */
    assert_int_equal(zone_from_civil(LA, 2026, 2, 29, 0, 0, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil(LA, 2026, 13, 1, 0, 0, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil(LA, 2026, 1, 1, 24, 0, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil(LA, 2026, 1, 1, 0, 60, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil(LA, 2026, 1, 1, -1, 0, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_from_civil(LA, 10000, 1, 1, 0, 0, &ms), HV_ERR_INVALID);
    assert_int_equal(zone_to_civil(LA, INT64_MAX, &c), HV_ERR_INVALID);
    assert_int_equal(zone_to_civil(LA, INT64_MIN, &c), HV_ERR_INVALID);
}

static void
test_zone_civil(void **state)
{
    (void)state;
    zone_civil c;
    /* winter and summer in Los Angeles */
    assert_int_equal(zone_to_civil(LA, iso("2026-11-23T22:05:07.999Z"), &c), HV_OK);
    assert_int_equal(c.year, 2026);
    assert_int_equal(c.month, 11);
    assert_int_equal(c.day, 23);
    assert_int_equal(c.hour, 14);
    assert_int_equal(c.minute, 5);
    assert_int_equal(c.second, 7);
    assert_int_equal(c.wday, 1); /* Monday */
    assert_int_equal(c.utc_offset_min, -480);
    assert_int_equal(zone_to_civil(LA, iso("2026-07-04T06:30:00Z"), &c), HV_OK);
    assert_int_equal(c.day, 3);
    assert_int_equal(c.hour, 23);
    assert_int_equal(c.wday, 5); /* Friday */
    assert_int_equal(c.utc_offset_min, -420);
    /* UTC, India (+05:30), before the epoch */
    assert_int_equal(zone_to_civil("UTC", iso("2026-01-01T00:00:00Z"), &c), HV_OK);
    assert_int_equal(c.year, 2026);
    assert_int_equal(c.hour, 0);
    assert_int_equal(c.wday, 4);
    assert_int_equal(c.utc_offset_min, 0);
    assert_int_equal(zone_to_civil("Asia/Kolkata", iso("2026-01-01T00:00:00Z"), &c), HV_OK);
    assert_int_equal(c.hour, 5);
    assert_int_equal(c.minute, 30);
    assert_int_equal(c.utc_offset_min, 330);
    assert_int_equal(zone_to_civil("UTC", -1, &c), HV_OK);
    assert_int_equal(c.year, 1969);
    assert_int_equal(c.month, 12);
    assert_int_equal(c.day, 31);
    assert_int_equal(c.second, 59);
    assert_int_equal(c.wday, 3);

    int64_t ms;
    assert_int_equal(zone_from_civil(LA, 2026, 11, 23, 14, 5, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-11-23T22:05:00Z"));
    assert_int_equal(zone_from_civil("Europe/London", 2026, 7, 1, 12, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-07-01T11:00:00Z"));
    assert_int_equal(zone_from_civil("UTC", 2026, 7, 1, 12, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-07-01T12:00:00Z"));

    /* round trips at random whole minutes over ten years in several zones:
     * instant -> civil -> instant is exact except in the second occurrence
     * of an overlap, where it gives the first (one hour earlier) */
    static const char *zones[] = {
        LA, "Europe/London", "UTC", "Australia/Lord_Howe", "Asia/Kolkata", "America/New_York"};
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int64_t t0 = iso("2024-01-01T00:00:00Z");
    for (int k = 0; k < 6000; k++) {
        const char *tz = zones[k % 6];
        int64_t t = t0 + (int64_t)(next_rand(&seed) % (10ULL * 366 * 1440)) * MINUTE;
        assert_int_equal(zone_to_civil(tz, t, &c), HV_OK);
        assert_int_equal(zone_from_civil(tz, c.year, c.month, c.day, c.hour, c.minute, &ms), HV_OK);
        if (ms != t) {
            /* an overlap: same wall time, earlier instant, larger offset */
            zone_civil c2;
            assert_true(ms < t && t - ms <= HOUR);
            assert_int_equal(zone_to_civil(tz, ms, &c2), HV_OK);
            assert_int_equal(c2.hour, c.hour);
            assert_int_equal(c2.minute, c.minute);
            assert_true(c2.utc_offset_min > c.utc_offset_min);
        }
    }
}

static void
test_zone_gap_overlap(void **state)
{
    (void)state;
    int64_t ms;
    zone_civil c;
    /* spring forward: 02:00-02:59 on 2026-03-08 does not exist in LA; it
     * maps to the instant the clocks jump to, 03:00 PDT = 10:00Z */
    assert_int_equal(zone_from_civil(LA, 2026, 3, 8, 1, 59, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-08T09:59:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 3, 8, 2, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-08T10:00:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 3, 8, 2, 30, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-08T10:00:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 3, 8, 3, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-08T10:00:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 3, 8, 3, 1, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-08T10:01:00Z"));
    assert_int_equal(zone_to_civil(LA, iso("2026-03-08T09:59:59Z"), &c), HV_OK);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.utc_offset_min, -480);
    assert_int_equal(zone_to_civil(LA, iso("2026-03-08T10:00:00Z"), &c), HV_OK);
    assert_int_equal(c.hour, 3);
    assert_int_equal(c.utc_offset_min, -420);

    /* fall back: 01:00-01:59 on 2026-11-01 happens twice; the first (PDT) */
    assert_int_equal(zone_from_civil(LA, 2026, 11, 1, 0, 59, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-11-01T07:59:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 11, 1, 1, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-11-01T08:00:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 11, 1, 1, 30, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-11-01T08:30:00Z"));
    assert_int_equal(zone_from_civil(LA, 2026, 11, 1, 2, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-11-01T10:00:00Z"));
    /* both occurrences read back as 01:30 */
    assert_int_equal(zone_to_civil(LA, iso("2026-11-01T08:30:00Z"), &c), HV_OK);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.utc_offset_min, -420);
    assert_int_equal(zone_to_civil(LA, iso("2026-11-01T09:30:00Z"), &c), HV_OK);
    assert_int_equal(c.hour, 1);
    assert_int_equal(c.minute, 30);
    assert_int_equal(c.utc_offset_min, -480);

    /* London (gap 01:00-02:00 on 03-29, overlap 01:00-02:00 on 10-25) */
    assert_int_equal(zone_from_civil("Europe/London", 2026, 3, 29, 1, 30, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-03-29T01:00:00Z"));
    assert_int_equal(zone_from_civil("Europe/London", 2026, 10, 25, 1, 30, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-10-25T00:30:00Z"));
    /* a half-hour shift: Lord Howe jumps 02:00 +10:30 -> 02:30 +11:00 */
    assert_int_equal(zone_from_civil("Australia/Lord_Howe", 2026, 10, 4, 2, 15, &ms), HV_OK);
    assert_int_equal(ms, iso("2026-10-03T15:30:00Z"));
    /* a whole day skipped: Samoa went from 2011-12-29 to 2011-12-31 */
    assert_int_equal(zone_from_civil("Pacific/Apia", 2011, 12, 30, 12, 0, &ms), HV_OK);
    assert_int_equal(ms, iso("2011-12-30T10:00:00Z"));

    /* monotonic across both transitions, minute by minute */
    int64_t prev = INT64_MIN;
    for (int day = 0; day < 2; day++) {
        for (int m = 0; m < 4 * 60; m++) {
            assert_int_equal(
                zone_from_civil(LA, 2026, day ? 11 : 3, day ? 1 : 8, m / 60, m % 60, &ms), HV_OK);
            assert_true(ms >= prev);
            prev = ms;
        }
    }
}

static void
test_zone_add_days(void **state)
{
    (void)state;
    int y = 2026, m = 2, d = 28;
    assert_int_equal(zone_add_days(&y, &m, &d, 1), HV_OK);
    assert_true(y == 2026 && m == 3 && d == 1);
    y = 2024, m = 2, d = 28;
    assert_int_equal(zone_add_days(&y, &m, &d, 1), HV_OK);
    assert_true(y == 2024 && m == 2 && d == 29);
    y = 2026, m = 12, d = 31;
    assert_int_equal(zone_add_days(&y, &m, &d, 1), HV_OK);
    assert_true(y == 2027 && m == 1 && d == 1);
    assert_int_equal(zone_add_days(&y, &m, &d, -365), HV_OK);
    assert_true(y == 2026 && m == 1 && d == 1);
    assert_int_equal(zone_add_days(&y, &m, &d, 3 * 365 + 1), HV_OK); /* 2028 is leap */
    assert_true(y == 2029 && m == 1 && d == 1);
    y = 2000, m = 3, d = 1;
    assert_int_equal(zone_add_days(&y, &m, &d, -1), HV_OK);
    assert_true(y == 2000 && m == 2 && d == 29);
    y = 1900, m = 3, d = 1;
    assert_int_equal(zone_add_days(&y, &m, &d, -1), HV_OK);
    assert_true(y == 1900 && m == 2 && d == 28);
    /* invalid dates and results change nothing */
    y = 2026, m = 2, d = 30;
    assert_int_equal(zone_add_days(&y, &m, &d, 1), HV_ERR_INVALID);
    assert_true(y == 2026 && m == 2 && d == 30);
    y = 9999, m = 12, d = 31;
    assert_int_equal(zone_add_days(&y, &m, &d, 1), HV_ERR_INVALID);
    assert_true(y == 9999 && m == 12 && d == 31);
    /* days_from_civil and back agree over a long span */
    for (int64_t k = zone_days_from_civil(1600, 1, 1); k < zone_days_from_civil(2400, 1, 1);
         k += 37) {
        zone_civil_from_days(k, &y, &m, &d);
        assert_int_equal(zone_days_from_civil(y, m, d), k);
    }
    assert_int_equal(zone_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(zone_days_from_civil(2026, 3, 8), 20520);
}

/* Shift INDEX of R lasts HOURS real hours. */
static void
assert_shift_hours(const roster_rotation *r, int64_t index, int64_t hours)
{
    int64_t a, b;
    assert_int_equal(roster_shift_start(r, index, &a), HV_OK);
    assert_int_equal(roster_shift_start(r, index + 1, &b), HV_OK);
    assert_int_equal(b - a, hours * HOUR);
}

static void
test_roster_daily(void **state)
{
    (void)state;
    roster_rotation r = rotation(LA, 2026, 3, 1, 0, 0, 24, 3);
    int64_t i, s, e;
    assert_int_equal(roster_valid(&r), HV_OK);
    assert_int_equal(roster_shift_start(&r, 0, &s), HV_OK);
    assert_int_equal(s, iso("2026-03-01T08:00:00Z"));

    /* a minute before local midnight on 03-08: still 03-07's shift, index 6 */
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T07:59:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 6);
    assert_int_equal(roster_member_of(&r, i), 0);
    assert_int_equal(s, iso("2026-03-07T08:00:00Z"));
    assert_int_equal(e, iso("2026-03-08T08:00:00Z"));
    /* local midnight PST: shift 7, the second member's */
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T08:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 7);
    assert_int_equal(roster_member_of(&r, i), 1);
    assert_int_equal(s, iso("2026-03-08T08:00:00Z"));
    /* the spring-forward day lasts 23 hours: to midnight PDT */
    assert_int_equal(e, iso("2026-03-09T07:00:00Z"));
    assert_shift_hours(&r, 7, 23);
    assert_shift_hours(&r, 6, 24);
    assert_shift_hours(&r, 8, 24);
    assert_int_equal(roster_shift_at(&r, iso("2026-03-09T06:59:59.999Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 7);
    assert_int_equal(roster_shift_at(&r, iso("2026-03-09T07:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 8);
    assert_int_equal(roster_member_of(&r, 8), 2);
    assert_int_equal(roster_member_of(&r, 9), 0);

    /* fall back: a rotation from 2026-10-25; 11-01 is shift 7, 25 hours */
    roster_rotation f = rotation(LA, 2026, 10, 25, 0, 0, 24, 3);
    assert_int_equal(roster_shift_at(&f, iso("2026-11-01T09:30:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 7);
    assert_int_equal(s, iso("2026-11-01T07:00:00Z"));
    assert_int_equal(e, iso("2026-11-02T08:00:00Z"));
    assert_shift_hours(&f, 7, 25);
    assert_shift_hours(&f, 6, 24);
    assert_shift_hours(&f, 8, 24);
    /* both 01:30s belong to shift 7; 23:59 PST that night too */
    assert_int_equal(roster_shift_at(&f, iso("2026-11-01T08:30:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 7);
    assert_int_equal(roster_shift_at(&f, iso("2026-11-02T07:59:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 7);
    assert_int_equal(roster_shift_at(&f, iso("2026-11-02T08:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 8);
}

static void
test_roster_half_day(void **state)
{
    (void)state;
    /* hand-offs at 08:00 and 20:00 local */
    roster_rotation r = rotation(LA, 2026, 3, 1, 8, 0, 12, 2);
    int64_t i, s, e;
    assert_int_equal(roster_shift_at(&r, iso("2026-03-01T16:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 0);
    assert_int_equal(s, iso("2026-03-01T16:00:00Z")); /* 08:00 PST */
    assert_int_equal(e, iso("2026-03-02T04:00:00Z")); /* 20:00 PST */
    assert_int_equal(roster_shift_at(&r, iso("2026-03-02T04:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 1);
    assert_int_equal(roster_member_of(&r, i), 1);
    assert_int_equal(e, iso("2026-03-02T16:00:00Z"));
    /* the night of the spring-forward: 20:00 PST to 08:00 PDT is 11 hours */
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T12:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 13);
    assert_int_equal(s, iso("2026-03-08T04:00:00Z"));
    assert_int_equal(e, iso("2026-03-08T15:00:00Z"));
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T15:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 14);
    assert_int_equal(roster_member_of(&r, i), 0);
    assert_int_equal(e, iso("2026-03-09T03:00:00Z")); /* 20:00 PDT */
    /* every hand-off falls at 08:00 or 20:00 local for a year */
    for (int64_t k = 0; k < 2 * 366; k++) {
        zone_civil c;
        assert_int_equal(roster_shift_start(&r, k, &s), HV_OK);
        assert_int_equal(zone_to_civil(LA, s, &c), HV_OK);
        assert_int_equal(c.hour, k % 2 ? 20 : 8);
        assert_int_equal(c.minute, 0);
    }
}

static void
test_roster_weekly(void **state)
{
    (void)state;
    /* Mondays 09:00 in London, from 2026-03-23 (BST starts 03-29) */
    roster_rotation r = rotation("Europe/London", 2026, 3, 23, 9, 0, 168, 4);
    int64_t i, s, e;
    assert_int_equal(roster_shift_at(&r, iso("2026-03-25T12:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 0);
    assert_int_equal(s, iso("2026-03-23T09:00:00Z"));
    assert_int_equal(e, iso("2026-03-30T08:00:00Z")); /* 09:00 BST */
    assert_shift_hours(&r, 0, 167);
    assert_shift_hours(&r, 1, 168);
    assert_int_equal(roster_shift_at(&r, iso("2026-03-30T08:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 1);
    /* 2026-10-25 (GMT again) falls in the week from Monday 10-19 */
    assert_int_equal(roster_shift_at(&r, iso("2026-10-26T08:59:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 30);
    assert_int_equal(roster_member_of(&r, i), 2);
    assert_int_equal(s, iso("2026-10-19T08:00:00Z"));
    assert_int_equal(e, iso("2026-10-26T09:00:00Z"));
    assert_shift_hours(&r, 30, 169);
    zone_civil c;
    assert_int_equal(zone_to_civil("Europe/London", e, &c), HV_OK);
    assert_int_equal(c.wday, 1);
    assert_int_equal(c.hour, 9);
}

static void
test_roster_utc(void **state)
{
    (void)state;
    roster_rotation r = rotation("UTC", 2026, 1, 1, 6, 30, 8, 3);
    int64_t i, s, e;
    assert_int_equal(roster_shift_at(&r, iso("2026-01-01T17:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 1);
    assert_int_equal(s, iso("2026-01-01T14:30:00Z"));
    assert_int_equal(e, iso("2026-01-01T22:30:00Z"));
    /* a year on, no DST: exactly 365 * 3 shifts later */
    assert_int_equal(roster_shift_at(&r, iso("2027-01-01T17:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 1 + 365 * 3);
    assert_int_equal(roster_member_of(&r, i), 1);
}

static void
test_roster_before_start_and_invalid(void **state)
{
    (void)state;
    roster_rotation r = rotation(LA, 2026, 3, 1, 0, 0, 24, 3);
    int64_t i = 99, s = 0, e = 0;
    assert_int_equal(roster_shift_at(&r, iso("2026-03-01T07:59:59.999Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, -1);
    assert_int_equal(s, INT64_MIN);
    assert_int_equal(e, iso("2026-03-01T08:00:00Z"));
    assert_int_equal(roster_shift_at(&r, iso("2020-01-01T00:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, -1);
    assert_int_equal(roster_member_of(&r, -1), -1);
    assert_int_equal(roster_shift_at(&r, iso("2026-03-01T08:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 0);

    assert_int_equal(roster_shift_start(&r, -1, &s), HV_ERR_INVALID);
    assert_int_equal(roster_shift_start(&r, ROSTER_INDEX_MAX + 1, &s), HV_ERR_INVALID);
    roster_rotation bad = r;
    bad.shift_hours = 0;
    assert_int_equal(roster_valid(&bad), HV_ERR_INVALID);
    bad.shift_hours = 673;
    assert_int_equal(roster_shift_at(&bad, 0, &i, NULL, NULL), HV_ERR_INVALID);
    bad = r;
    bad.n_members = 0;
    assert_int_equal(roster_shift_start(&bad, 0, &s), HV_ERR_INVALID);
    assert_int_equal(roster_member_of(&bad, 3), -1);
    bad = r;
    snprintf(bad.tz, sizeof bad.tz, "Mars/Olympus_Mons");
    assert_int_equal(roster_valid(&bad), HV_ERR_INVALID);
    bad = r;
    bad.start_day = 30;
    bad.start_month = 2;
    assert_int_equal(roster_valid(&bad), HV_ERR_INVALID);
    bad = r;
    bad.handoff_minute = 60;
    assert_int_equal(roster_valid(&bad), HV_ERR_INVALID);
    bad = r;
    memset(bad.tz, 'A', sizeof bad.tz); /* not terminated */
    assert_int_equal(roster_valid(&bad), HV_ERR_INVALID);
    assert_int_equal(roster_valid(NULL), HV_ERR_INVALID);
}

static void
test_roster_years_on(void **state)
{
    (void)state;
    /* odd lengths and hand-offs inside the DST hours too */
    roster_rotation rs[] = {
        rotation(LA, 2026, 3, 1, 0, 0, 24, 3),
        rotation(LA, 2026, 1, 5, 8, 0, 12, 5),
        rotation(LA, 2025, 12, 29, 2, 30, 1, 7),
        rotation("Europe/London", 2026, 1, 1, 1, 15, 7, 4),
        rotation(LA, 2026, 2, 2, 9, 0, 168, 2),
        rotation("Australia/Lord_Howe", 2026, 1, 1, 2, 15, 5, 3),
        rotation("America/New_York", 2026, 1, 1, 1, 30, 672, 2),
    };
    int nrs = (int)(sizeof rs / sizeof rs[0]);
    uint64_t seed = 42;
    int64_t from = iso("2026-03-02T00:00:00Z"); /* every rotation has begun */
    int64_t span = 3LL * 366 * 24 * HOUR;       /* a little over three years */
    clock_t t0 = clock();
    int lookups = 0;
    for (int k = 0; k < 20000; k++) {
        const roster_rotation *r = &rs[k % nrs];
        int64_t at = from + (int64_t)(next_rand(&seed) % (uint64_t)span);
        if (k % 5 == 0) /* land on whole minutes too, hand-offs among them */
            at -= at % MINUTE;
        int64_t i, s, e, s1, s2;
        assert_int_equal(roster_shift_at(r, at, &i, &s, &e), HV_OK);
        lookups++;
        assert_true(i >= 0);
        assert_int_equal(roster_shift_start(r, i, &s1), HV_OK);
        assert_int_equal(roster_shift_start(r, i + 1, &s2), HV_OK);
        assert_true(s1 <= at && at < s2);
        assert_int_equal(s, s1);
        assert_int_equal(e, s2);
        assert_int_equal(roster_member_of(r, i), (int)(i % r->n_members));
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    /* O(1) each: 20000 lookups three years out take well under a second
     * (the bound is loose for slow, sanitized builds) */
    assert_true(secs < 20.0);
    assert_int_equal(lookups, 20000);

    /* three years of the daily rotation: index by days since the start */
    int64_t i;
    assert_int_equal(roster_shift_at(&rs[0], iso("2029-03-01T12:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 365 * 3 + 1); /* 2028 is a leap year */

    /* every start of the hourly rotation, across the DST changes of a year,
     * is found as its own shift */
    const roster_rotation *h = &rs[2];
    int64_t prev = INT64_MIN;
    for (int64_t k = 0; k < 24 * 366; k++) {
        int64_t s, e, j;
        assert_int_equal(roster_shift_start(h, k, &s), HV_OK);
        assert_int_equal(roster_shift_start(h, k + 1, &e), HV_OK);
        assert_true(s >= prev);
        prev = s;
        /* hand-offs at :30 split the jump: half-hour shifts around it */
        assert_true(e - s == 30 * MINUTE || e - s == HOUR || e - s == 2 * HOUR);
        if (e > s) {
            assert_int_equal(roster_shift_at(h, s, &j, NULL, NULL), HV_OK);
            assert_int_equal(j, k);
            assert_int_equal(roster_shift_at(h, e - 1, &j, NULL, NULL), HV_OK);
            assert_int_equal(j, k);
        }
    }
}

/* Hourly hand-offs on the hour: the 02:00 shift of the spring-forward day
 * falls wholly in the gap and is empty; the 01:00 of fall-back lasts two. */
static void
test_roster_empty_shift(void **state)
{
    (void)state;
    roster_rotation r = rotation(LA, 2026, 3, 8, 0, 0, 1, 2);
    int64_t i, s, e;
    assert_shift_hours(&r, 1, 1);
    assert_shift_hours(&r, 2, 0);
    assert_shift_hours(&r, 3, 1);
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T09:59:59Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 1);
    assert_int_equal(e, iso("2026-03-08T10:00:00Z"));
    assert_int_equal(roster_shift_at(&r, iso("2026-03-08T10:00:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 3);
    assert_int_equal(s, iso("2026-03-08T10:00:00Z"));
    assert_int_equal(e, iso("2026-03-08T11:00:00Z"));

    roster_rotation f = rotation(LA, 2026, 11, 1, 0, 0, 1, 2);
    assert_shift_hours(&f, 1, 2);
    assert_int_equal(roster_shift_at(&f, iso("2026-11-01T09:59:00Z"), &i, &s, &e), HV_OK);
    assert_int_equal(i, 1);
    assert_int_equal(s, iso("2026-11-01T08:00:00Z"));
    assert_int_equal(roster_shift_at(&f, iso("2026-11-01T10:00:00Z"), &i, NULL, NULL), HV_OK);
    assert_int_equal(i, 2);
}

static void
test_roster_gaps(void **state)
{
    (void)state;
    roster_span g[8];
    /* nothing covered: all of it is a gap */
    assert_int_equal(roster_gaps(NULL, 0, 0, 100, g, 8), 1);
    assert_int_equal(g[0].start, 0);
    assert_int_equal(g[0].end, 100);
    /* overlapping and unsorted */
    roster_span in[] = {{50, 70}, {10, 30}, {20, 40}, {65, 68}};
    roster_span copy[4];
    memcpy(copy, in, sizeof in);
    assert_int_equal(roster_gaps(in, 4, 0, 100, g, 8), 3);
    assert_int_equal(g[0].start, 0);
    assert_int_equal(g[0].end, 10);
    assert_int_equal(g[1].start, 40);
    assert_int_equal(g[1].end, 50);
    assert_int_equal(g[2].start, 70);
    assert_int_equal(g[2].end, 100);
    assert_memory_equal(in, copy, sizeof in); /* the input is not touched */
    /* room for one: the true count, the first written */
    memset(g, 0, sizeof g);
    assert_int_equal(roster_gaps(in, 4, 0, 100, g, 1), 3);
    assert_int_equal(g[0].end, 10);
    assert_int_equal(g[1].end, 0);
    assert_int_equal(roster_gaps(in, 4, 0, 100, NULL, 0), 3);
    /* adjacent spans leave no gap */
    roster_span adj[] = {{10, 20}, {0, 10}, {20, 30}};
    assert_int_equal(roster_gaps(adj, 3, 0, 30, g, 8), 0);
    assert_int_equal(roster_gaps(adj, 3, 5, 25, g, 8), 0);
    assert_int_equal(roster_gaps(adj, 3, -5, 35, g, 8), 2);
    assert_int_equal(g[0].start, -5);
    assert_int_equal(g[0].end, 0);
    assert_int_equal(g[1].start, 30);
    assert_int_equal(g[1].end, 35);
    /* spans reaching outside the window are clipped; empty ones ignored */
    roster_span out[] = {{-50, 15}, {40, 40}, {90, 500}, {30, 20}};
    assert_int_equal(roster_gaps(out, 4, 0, 100, g, 8), 1);
    assert_int_equal(g[0].start, 15);
    assert_int_equal(g[0].end, 90);
    /* a span inside another */
    roster_span nest[] = {{0, 100}, {20, 30}};
    assert_int_equal(roster_gaps(nest, 2, 0, 100, g, 8), 0);
    /* an empty window, bad arguments */
    assert_int_equal(roster_gaps(in, 4, 50, 50, g, 8), 0);
    assert_int_equal(roster_gaps(in, 4, 60, 50, g, 8), 0);
    assert_int_equal(roster_gaps(in, -1, 0, 100, g, 8), -1);
    assert_int_equal(roster_gaps(NULL, 2, 0, 100, g, 8), -1);

    /* a rotation's own shifts cover it without gaps */
    roster_rotation r = rotation(LA, 2026, 3, 1, 0, 0, 24, 3);
    roster_span shifts[20];
    for (int k = 0; k < 20; k++) {
        assert_int_equal(roster_shift_start(&r, k, &shifts[19 - k].start), HV_OK);
        assert_int_equal(roster_shift_start(&r, k + 1, &shifts[19 - k].end), HV_OK);
    }
    assert_int_equal(roster_gaps(shifts, 20, shifts[19].start, shifts[0].end, g, 8), 0);
    /* one member's shifts leave the others' as gaps */
    roster_span mine[7];
    int n = 0;
    for (int k = 0; k < 20; k++)
        if (roster_member_of(&r, k) == 0)
            mine[n++] = shifts[19 - k];
    assert_int_equal(roster_gaps(mine, n, shifts[19].start, shifts[0].end, g, 8), 7);
    assert_int_equal(g[0].start, shifts[18].start);
    assert_int_equal(g[0].end, shifts[16].start);
}

/* Several threads converting at once get the same answers as one. */
static void *
zone_worker(void *arg)
{
    int *bad = arg;
    static const char *zones[] = {LA, "Europe/London", "Asia/Tokyo", "America/Chicago"};
    for (int k = 0; k < 2000; k++) {
        const char *tz = zones[k % 4];
        int64_t t = 1767225600000LL + (int64_t)k * 7919 * MINUTE, ms;
        zone_civil c;
        if (zone_to_civil(tz, t, &c) != HV_OK ||
            zone_from_civil(tz, c.year, c.month, c.day, c.hour, c.minute, &ms) != HV_OK ||
            (ms != t && t - ms != HOUR))
            (*bad)++;
    }
    return NULL;
}

static void
test_zone_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    int bad[4] = {0};
    for (int k = 0; k < 4; k++)
        assert_int_equal(pthread_create(&th[k], NULL, zone_worker, &bad[k]), 0);
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(bad[k], 0);
    }
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_valid),
        cmocka_unit_test(test_zone_civil),
        cmocka_unit_test(test_zone_gap_overlap),
        cmocka_unit_test(test_zone_add_days),
        cmocka_unit_test(test_zone_threads),
        cmocka_unit_test(test_roster_daily),
        cmocka_unit_test(test_roster_half_day),
        cmocka_unit_test(test_roster_weekly),
        cmocka_unit_test(test_roster_utc),
        cmocka_unit_test(test_roster_before_start_and_invalid),
        cmocka_unit_test(test_roster_years_on),
        cmocka_unit_test(test_roster_empty_shift),
        cmocka_unit_test(test_roster_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
