/* test_hours.c - opening hours (directory/hours): HSDS schedules parsed and
 * refused naming the field; open or closed at exact instants, and when that
 * changes, for weekly hours, hours across midnight (also after the last
 * listed day), 24-hour services, several spans a day, valid dates, holidays
 * and a closing-early closure, the spring-forward and fall-back nights in
 * America/Los_Angeles, fixed offsets, monthly rules ("1MO", "-1FR"), until,
 * count, interval and byweekno; the week of 15-minute slots, checked against
 * hours_open_at() at random instants over two years. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/clock.h"
#include "core/zone.h"
#include "directory/hours.h"

#define LA     "America/Los_Angeles"
#define HOUR   3600000LL
#define MINUTE 60000LL
#define DAY    (24 * HOUR)

static int64_t
iso(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(clock_parse_iso(s, &ms), HV_OK);
    return ms;
}

/* Parses a JSON array of schedules into RULES; returns how many. */
static int
load(const char *json, hours_rule *rules)
{
    json_error_t je;
    json_t *a = json_loads(json, 0, &je);
    if (!a)
        fail_msg("bad test json: %s (%s)", je.text, json);
    assert_true(json_is_array(a));
    size_t i;
    json_t *s;
    json_array_foreach(a, i, s)
    {
        hv_err e;
        hv_err_clear(&e);
        hv_result rc = hours_parse(s, &rules[i], &e);
        if (rc != HV_OK)
            fail_msg("schedule %zu refused: %s: %s", i, e.field, e.detail);
    }
    int n = (int)json_array_size(a);
    json_decref(a);
    return n;
}

/* Parses one schedule, expecting refusal naming FIELD. */
static void
refused(const char *json, const char *field)
{
    json_error_t je;
    json_t *s = json_loads(json, JSON_DECODE_ANY, &je);
    if (!s)
        fail_msg("bad test json: %s (%s)", je.text, json);
    hours_rule r;
    hv_err e;
    hv_err_clear(&e);
    hv_result rc = hours_parse(s, &r, &e);
    if (rc != HV_ERR_INVALID || strcmp(e.field, field) != 0)
        fail_msg("%s: expected refusal naming \"%s\", got %d \"%s\" (%s)", json, field, rc, e.field,
                 e.detail);
    assert_true(e.detail[0] != '\0');
    json_decref(s);
}

static hours_state
at(const hours_rule *rules, int n, const char *when)
{
    hours_state st;
    assert_int_equal(hours_open_at(rules, n, LA, iso(when), &st), HV_OK);
    return st;
}

/* Open (or closed) at WHEN, next close and next open as ISO instants
 * (NULL: HOURS_NEVER). */
static void
expect(const hours_rule *rules, int n, const char *when, int open, const char *next_close,
       const char *next_open)
{
    hours_state st = at(rules, n, when);
    char a[40] = "never", b[40] = "never";
    if (st.next_close != HOURS_NEVER)
        clock_format_iso(st.next_close, a, sizeof a);
    if (st.next_open != HOURS_NEVER)
        clock_format_iso(st.next_open, b, sizeof b);
    int64_t want_c = next_close ? iso(next_close) : HOURS_NEVER;
    int64_t want_o = next_open ? iso(next_open) : HOURS_NEVER;
    if (st.open != open || st.next_close != want_c || st.next_open != want_o)
        fail_msg("at %s: got %s, closes %s, opens %s; want %s, closes %s, opens %s", when,
                 st.open ? "open" : "closed", a, b, open ? "open" : "closed",
                 next_close ? next_close : "never", next_open ? next_open : "never");
}

/* ---- parsing ---------------------------------------------------------- */

static void
test_parse(void **state)
{
    (void)state;
    hours_rule r[4];
    assert_int_equal(load("[{\"id\":\"s1\",\"service_id\":\"x\",\"freq\":\"WEEKLY\","
                          "\"byday\":\"MO,TU,FR\",\"opens_at\":\"09:00\",\"closes_at\":\"17:30\","
                          "\"description\":\"Weekdays\",\"attending_type\":\"in person\"}]",
                          r),
                     1);
    assert_int_equal(r[0].freq, HOURS_FREQ_WEEKLY);
    assert_int_equal(r[0].weekdays, (1 << 1) | (1 << 2) | (1 << 5));
    assert_int_equal(r[0].opens, 9 * 60);
    assert_int_equal(r[0].closes, 17 * 60 + 30);
    assert_int_equal(r[0].flags, HOURS_HAS_TIMES | HOURS_FAST);
    assert_int_equal(r[0].wkst, 1);

    /* HSDS's own example shape: seconds, a numeric timezone; CSV strings */
    assert_int_equal(load("[{\"freq\":\"weekly\",\"byday\":\"th, fr\",\"opens_at\":\"10:00:00\","
                          "\"closes_at\":\"18:00:00\",\"timezone\":-8},"
                          "{\"freq\":\"WEEKLY\",\"interval\":\"2\",\"dtstart\":\"2026-01-06\","
                          "\"byday\":\"TU\",\"opens_at\":\"9:00\",\"closes_at\":\"23:59\","
                          "\"timezone\":\"+05:30\"},"
                          "{\"opens_at\":\"09:00-05:00\",\"closes_at\":\"17:00-05:00\"},"
                          "{\"timezone\":\"Europe/London\",\"opens_at\":\"00:00\","
                          "\"closes_at\":\"00:00\",\"freq\":null,\"count\":null}]",
                          r),
                     4);
    assert_int_equal(r[0].weekdays, (1 << 4) | (1 << 5));
    assert_int_equal(r[0].flags & HOURS_TZ_FIXED, HOURS_TZ_FIXED);
    assert_int_equal(r[0].utc_offset, -480);
    assert_int_equal(r[1].interval, 2);
    assert_int_equal(r[1].closes, 1440); /* 23:59: the end of the day */
    assert_int_equal(r[1].utc_offset, 330);
    assert_int_equal(r[1].dtstart, zone_days_from_civil(2026, 1, 6));
    assert_int_equal(r[2].utc_offset, -300); /* from the times' offset */
    assert_int_equal(r[2].freq, HOURS_FREQ_NONE);
    assert_int_equal(r[3].flags & HOURS_TZ_NAMED, HOURS_TZ_NAMED);
    assert_string_equal(r[3].tz, "Europe/London");
    assert_int_equal(r[3].closes, 1440);

    /* monthly, yearly and closures go to libical; the fast flag says so */
    assert_int_equal(load("[{\"freq\":\"MONTHLY\",\"byday\":\"1MO,-1FR\",\"opens_at\":\"10:00\","
                          "\"closes_at\":\"12:00\"},"
                          "{\"closed\":true,\"freq\":\"YEARLY\",\"bymonth\":\"11\","
                          "\"byday\":\"4TH\"},"
                          "{\"closed\":true,\"freq\":\"YEARLY\",\"dtstart\":\"2025-12-25\"},"
                          "{\"description\":\"by appointment\"}]",
                          r),
                     4);
    assert_int_equal(r[0].n_byday, 2);
    assert_int_equal(r[0].byday_pos[1], -1);
    assert_int_equal(r[0].byday_wd[1], 5);
    assert_false(r[0].flags & HOURS_FAST);
    assert_int_equal(r[1].flags, HOURS_CLOSED);
    assert_int_equal(r[1].bymonth, 1 << 11);
    assert_int_equal(r[2].flags, HOURS_CLOSED | HOURS_FAST);
    assert_int_equal(r[3].flags & (HOURS_HAS_TIMES | HOURS_CLOSED), 0); /* never open */
}

static void
test_parse_errors(void **state)
{
    (void)state;
    refused("[]", "");
    refused("{\"valid_from\":\"2026-02-30\"}", "valid_from");
    refused("{\"valid_from\":\"2026-1-3\"}", "valid_from");
    refused("{\"valid_from\":\"2026-03-01\",\"valid_to\":\"2026-02-01\"}", "valid_to");
    refused("{\"dtstart\":20260101}", "dtstart");
    refused("{\"until\":\"tomorrow\"}", "until");
    refused("{\"freq\":\"HOURLY\"}", "freq");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"interval\":0}", "interval");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"interval\":\"two\"}", "interval");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"interval\":2}", "dtstart");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"count\":3}", "dtstart");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"count\":3,\"until\":\"2026-05-01\","
            "\"dtstart\":\"2026-01-01\"}",
            "count");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"count\":0,\"dtstart\":\"2026-01-01\"}",
            "count");
    refused("{\"freq\":\"WEEKLY\",\"dtstart\":\"2026-03-01\",\"until\":\"2026-02-01\","
            "\"byday\":\"MO\"}",
            "until");
    refused("{\"byday\":\"MO,XX\"}", "byday");
    refused("{\"byday\":\"MON\"}", "byday");
    refused("{\"byday\":\"MO;TU\"}", "byday");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"1MO\"}", "byday");
    refused("{\"freq\":\"MONTHLY\",\"byday\":\"6MO\"}", "byday");
    refused("{\"freq\":\"MONTHLY\",\"byday\":\"0MO\"}", "byday");
    refused("{\"byday\":\"1MO\"}", "freq");
    refused("{\"freq\":\"WEEKLY\"}", "byday");
    refused("{\"freq\":\"MONTHLY\"}", "bymonthday");
    refused("{\"freq\":\"YEARLY\"}", "dtstart");
    refused("{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"bymonthday\":\"1\"}", "bymonthday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"0\"}", "bymonthday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"32\"}", "bymonthday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"1,,2\"}", "bymonthday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\"}",
            "bymonthday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"1\",\"byyearday\":\"100\"}", "byyearday");
    refused("{\"freq\":\"YEARLY\",\"byyearday\":\"367\"}", "byyearday");
    refused("{\"freq\":\"MONTHLY\",\"bymonthday\":\"1\",\"byweekno\":\"3\"}", "byweekno");
    refused("{\"freq\":\"YEARLY\",\"bymonth\":\"13\",\"byday\":\"1MO\"}", "bymonth");
    refused("{\"bymonthday\":\"1\"}", "freq");
    refused("{\"wkst\":\"XY\"}", "wkst");
    refused("{\"opens_at\":\"09:00\"}", "closes_at");
    refused("{\"closes_at\":\"09:00\"}", "opens_at");
    refused("{\"opens_at\":\"25:00\",\"closes_at\":\"26:00\"}", "opens_at");
    refused("{\"opens_at\":\"24:00\",\"closes_at\":\"02:00\"}", "opens_at");
    refused("{\"opens_at\":\"09:60\",\"closes_at\":\"10:00\"}", "opens_at");
    refused("{\"opens_at\":\"09:00\",\"closes_at\":\"5pm\"}", "closes_at");
    refused("{\"opens_at\":\"09:00\",\"closes_at\":\"24:30\"}", "closes_at");
    refused("{\"opens_at\":\"09:00-05:00\",\"closes_at\":\"17:00-08:00\"}", "closes_at");
    refused("{\"opens_at\":\"09:00+25:00\",\"closes_at\":\"17:00\"}", "opens_at");
    refused("{\"opens_at\":9,\"closes_at\":\"17:00\"}", "opens_at");
    refused("{\"timezone\":\"Mars/Olympus_Mons\"}", "timezone");
    refused("{\"timezone\":20}", "timezone");
    refused("{\"timezone\":5.01}", "timezone");
    refused("{\"timezone\":\"../../etc/passwd\"}", "timezone");
    refused("{\"closed\":\"yes\"}", "closed");
}

/* ---- open at an instant ----------------------------------------------- */

static void
test_weekly(void **state)
{
    (void)state;
    hours_rule r[2];
    int n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"09:00\","
                 "\"closes_at\":\"17:00\"}]",
                 r);
    /* Tuesday 13 January 2026, 10:00 PST */
    expect(r, n, "2026-01-13T10:00:00-08:00", 1, "2026-01-13T17:00:00-08:00",
           "2026-01-14T09:00:00-08:00");
    hours_state st = at(r, n, "2026-01-13T10:00:00-08:00");
    assert_int_equal(st.rule, 0);
    assert_int_equal(st.closure, -1);
    /* the boundaries: open at 09:00 sharp, closed at 17:00 sharp */
    expect(r, n, "2026-01-13T09:00:00-08:00", 1, "2026-01-13T17:00:00-08:00",
           "2026-01-14T09:00:00-08:00");
    expect(r, n, "2026-01-13T08:59:59-08:00", 0, "2026-01-13T17:00:00-08:00",
           "2026-01-13T09:00:00-08:00");
    expect(r, n, "2026-01-13T17:00:00-08:00", 0, "2026-01-14T17:00:00-08:00",
           "2026-01-14T09:00:00-08:00");
    /* Saturday: opens Monday 9 am */
    expect(r, n, "2026-01-17T12:00:00-08:00", 0, "2026-01-19T17:00:00-08:00",
           "2026-01-19T09:00:00-08:00");
    /* in summer, 09:00 is PDT */
    expect(r, n, "2026-07-14T16:59:00-07:00", 1, "2026-07-14T17:00:00-07:00",
           "2026-07-15T09:00:00-07:00");

    /* no rules, or rules without times: never open */
    expect(r, 0, "2026-01-13T10:00:00-08:00", 0, NULL, NULL);
    n = load("[{\"description\":\"by appointment\",\"freq\":\"WEEKLY\",\"byday\":\"MO\"}]", r);
    expect(r, n, "2026-01-12T10:00:00-08:00", 0, NULL, NULL);
}

static void
test_across_midnight(void **state)
{
    (void)state;
    hours_rule r[2];
    int n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"FR,SA\",\"opens_at\":\"20:00\","
                 "\"closes_at\":\"02:00\"}]",
                 r);
    /* Friday 16 January 2026 */
    expect(r, n, "2026-01-16T19:00:00-08:00", 0, "2026-01-17T02:00:00-08:00",
           "2026-01-16T20:00:00-08:00");
    expect(r, n, "2026-01-16T23:00:00-08:00", 1, "2026-01-17T02:00:00-08:00",
           "2026-01-17T20:00:00-08:00");
    /* Saturday 01:00: Friday's night */
    expect(r, n, "2026-01-17T01:00:00-08:00", 1, "2026-01-17T02:00:00-08:00",
           "2026-01-17T20:00:00-08:00");
    /* Sunday 01:30: the last listed day's night runs into Sunday */
    expect(r, n, "2026-01-18T01:30:00-08:00", 1, "2026-01-18T02:00:00-08:00",
           "2026-01-23T20:00:00-08:00");
    expect(r, n, "2026-01-18T02:00:00-08:00", 0, "2026-01-24T02:00:00-08:00",
           "2026-01-23T20:00:00-08:00");
    expect(r, n, "2026-01-19T01:00:00-08:00", 0, "2026-01-24T02:00:00-08:00",
           "2026-01-23T20:00:00-08:00");

    /* closing at midnight: "00:00" is the end of the day */
    n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"SA\",\"opens_at\":\"18:00\","
             "\"closes_at\":\"00:00\"}]",
             r);
    expect(r, n, "2026-01-17T23:59:00-08:00", 1, "2026-01-18T00:00:00-08:00",
           "2026-01-24T18:00:00-08:00");
}

static void
test_24_hours(void **state)
{
    (void)state;
    hours_rule r[7];
    /* every day, three spellings of "all day" */
    const char *all_day[] = {
        "[{\"opens_at\":\"00:00\",\"closes_at\":\"24:00\"}]",
        "[{\"opens_at\":\"00:00\",\"closes_at\":\"23:59\"}]",
        "[{\"freq\":\"DAILY\",\"opens_at\":\"00:00\",\"closes_at\":\"00:00\"}]",
        "[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR,SA,SU\",\"opens_at\":\"08:00\","
        "\"closes_at\":\"08:00\"}]",
    };
    for (size_t i = 0; i < sizeof all_day / sizeof *all_day; i++) {
        int n = load(all_day[i], r);
        expect(r, n, "2026-01-13T10:00:00-08:00", 1, NULL, NULL);
        expect(r, n, "2026-03-08T02:30:00-07:00", 1, NULL, NULL);
        expect(r, n, "2026-01-13T00:00:00-08:00", 1, NULL, NULL);
    }
    /* all day on weekdays */
    int n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"00:00\","
                 "\"closes_at\":\"24:00\"}]",
                 r);
    expect(r, n, "2026-01-14T03:00:00-08:00", 1, "2026-01-17T00:00:00-08:00",
           "2026-01-19T00:00:00-08:00");
    expect(r, n, "2026-01-17T03:00:00-08:00", 0, "2026-01-24T00:00:00-08:00",
           "2026-01-19T00:00:00-08:00");
}

static void
test_several_spans(void **state)
{
    (void)state;
    hours_rule r[4];
    int n = load("[{\"byday\":\"MO\",\"opens_at\":\"09:00\",\"closes_at\":\"12:00\"},"
                 "{\"byday\":\"MO\",\"opens_at\":\"13:00\",\"closes_at\":\"17:00\"},"
                 "{\"byday\":\"TU\",\"opens_at\":\"09:00\",\"closes_at\":\"12:00\"},"
                 "{\"byday\":\"TU\",\"opens_at\":\"12:00\",\"closes_at\":\"17:00\"}]",
                 r);
    expect(r, n, "2026-01-12T10:00:00-08:00", 1, "2026-01-12T12:00:00-08:00",
           "2026-01-12T13:00:00-08:00");
    expect(r, n, "2026-01-12T12:30:00-08:00", 0, "2026-01-12T17:00:00-08:00",
           "2026-01-12T13:00:00-08:00");
    assert_int_equal(at(r, n, "2026-01-12T14:00:00-08:00").rule, 1);
    /* spans that touch are one opening */
    expect(r, n, "2026-01-13T10:00:00-08:00", 1, "2026-01-13T17:00:00-08:00",
           "2026-01-19T09:00:00-08:00");
}

static void
test_valid_dates(void **state)
{
    (void)state;
    hours_rule r[2];
    /* summer night hours, Fridays, valid June to August */
    int n = load("[{\"byday\":\"FR\",\"opens_at\":\"21:00\",\"closes_at\":\"03:00\","
                 "\"valid_from\":\"2026-06-01\",\"valid_to\":\"2026-08-28\"}]",
                 r);
    expect(r, n, "2026-05-29T22:00:00-07:00", 0, "2026-06-06T03:00:00-07:00",
           "2026-06-05T21:00:00-07:00");
    /* the last valid day is a Friday: its night runs past valid_to */
    expect(r, n, "2026-08-29T02:00:00-07:00", 1, "2026-08-29T03:00:00-07:00", NULL);
    expect(r, n, "2026-09-04T22:00:00-07:00", 0, NULL, NULL);
}

static void
test_holidays(void **state)
{
    (void)state;
    hours_rule r[6];
    int n =
        load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"09:00\","
             "\"closes_at\":\"17:00\"},"
             "{\"closed\":true,\"freq\":\"YEARLY\",\"dtstart\":\"2020-12-25\","
             "\"description\":\"Christmas Day\"},"
             "{\"closed\":true,\"freq\":\"YEARLY\",\"bymonth\":\"11\",\"byday\":\"4TH\","
             "\"description\":\"Thanksgiving\"},"
             "{\"closed\":true,\"valid_from\":\"2026-07-02\",\"valid_to\":\"2026-07-03\"},"
             "{\"closed\":true,\"valid_from\":\"2026-12-24\",\"valid_to\":\"2026-12-24\","
             "\"opens_at\":\"12:00\",\"closes_at\":\"24:00\",\"description\":\"closing early\"}]",
             r);
    /* Christmas 2026 is a Friday: closed, opens Monday the 28th */
    expect(r, n, "2026-12-25T10:00:00-08:00", 0, "2026-12-28T17:00:00-08:00",
           "2026-12-28T09:00:00-08:00");
    hours_state st = at(r, n, "2026-12-25T10:00:00-08:00");
    assert_int_equal(st.closure, 1);
    assert_int_equal(st.rule, -1);
    /* Christmas Eve: open until noon */
    expect(r, n, "2026-12-24T10:00:00-08:00", 1, "2026-12-24T12:00:00-08:00",
           "2026-12-28T09:00:00-08:00");
    st = at(r, n, "2026-12-24T13:00:00-08:00");
    assert_int_equal(st.open, 0);
    assert_int_equal(st.closure, 4);
    /* Wednesday before Thanksgiving: the next opening skips Thursday */
    expect(r, n, "2026-11-25T16:00:00-08:00", 1, "2026-11-25T17:00:00-08:00",
           "2026-11-27T09:00:00-08:00");
    assert_int_equal(at(r, n, "2026-11-26T10:00:00-08:00").closure, 2);
    /* a range of dates */
    expect(r, n, "2026-07-01T12:00:00-07:00", 1, "2026-07-01T17:00:00-07:00",
           "2026-07-06T09:00:00-07:00");
    expect(r, n, "2026-07-03T12:00:00-07:00", 0, "2026-07-06T17:00:00-07:00",
           "2026-07-06T09:00:00-07:00");

    /* a night shelter closed on Christmas Day: the night that starts on the
     * 24th runs into the 25th; none starts on the 25th */
    n = load("[{\"opens_at\":\"20:00\",\"closes_at\":\"08:00\"},"
             "{\"closed\":true,\"valid_from\":\"2026-12-25\",\"valid_to\":\"2026-12-25\"}]",
             r);
    expect(r, n, "2026-12-25T03:00:00-08:00", 1, "2026-12-25T08:00:00-08:00",
           "2026-12-26T20:00:00-08:00");
    expect(r, n, "2026-12-25T21:00:00-08:00", 0, "2026-12-27T08:00:00-08:00",
           "2026-12-26T20:00:00-08:00");
}

static void
test_daylight_saving(void **state)
{
    (void)state;
    hours_rule r[2];
    /* 01:00-03:00 every night: on 8 March 2026 (spring forward at 02:00)
     * that is one hour, 09:00Z-10:00Z */
    int n = load("[{\"opens_at\":\"01:00\",\"closes_at\":\"03:00\"}]", r);
    expect(r, n, "2026-03-08T08:59:59Z", 0, "2026-03-08T10:00:00Z", "2026-03-08T09:00:00Z");
    expect(r, n, "2026-03-08T09:30:00Z", 1, "2026-03-08T10:00:00Z", "2026-03-09T08:00:00Z");
    expect(r, n, "2026-03-08T10:00:00Z", 0, "2026-03-09T10:00:00Z", "2026-03-09T08:00:00Z");
    /* the day before and after: two hours */
    expect(r, n, "2026-03-07T09:30:00Z", 1, "2026-03-07T11:00:00Z", "2026-03-08T09:00:00Z");
    /* 1 November 2026 (fall back at 02:00): 01:00 PDT to 03:00 PST, three hours */
    expect(r, n, "2026-11-01T08:00:00Z", 1, "2026-11-01T11:00:00Z", "2026-11-02T09:00:00Z");
    expect(r, n, "2026-11-01T09:30:00Z", 1, "2026-11-01T11:00:00Z", "2026-11-02T09:00:00Z");

    /* a night shift 22:00-06:00: nine hours across fall-back ... */
    n = load("[{\"opens_at\":\"22:00\",\"closes_at\":\"06:00\"}]", r);
    hours_state st = at(r, n, "2026-10-31T21:59:59-07:00");
    assert_int_equal(st.open, 0);
    assert_int_equal(st.next_open, iso("2026-11-01T05:00:00Z"));
    assert_int_equal(st.next_close, iso("2026-11-01T14:00:00Z"));
    assert_int_equal(st.next_close - st.next_open, 9 * HOUR);
    /* open through both 01:30s */
    expect(r, n, "2026-11-01T01:30:00-07:00", 1, "2026-11-01T06:00:00-08:00",
           "2026-11-01T22:00:00-08:00");
    expect(r, n, "2026-11-01T01:30:00-08:00", 1, "2026-11-01T06:00:00-08:00",
           "2026-11-01T22:00:00-08:00");
    /* ... and seven across spring-forward */
    st = at(r, n, "2026-03-07T21:00:00-08:00");
    assert_int_equal(st.next_close - st.next_open, 7 * HOUR);

    /* a span starting in the gap starts when the clocks jump */
    n = load("[{\"byday\":\"SU\",\"opens_at\":\"02:30\",\"closes_at\":\"04:00\"}]", r);
    expect(r, n, "2026-03-08T01:59:00-08:00", 0, "2026-03-08T04:00:00-07:00",
           "2026-03-08T03:00:00-07:00");
}

static void
test_zones(void **state)
{
    (void)state;
    hours_rule r[2];
    /* a fixed offset wins over the default zone */
    int n = load("[{\"byday\":\"MO\",\"opens_at\":\"09:00\",\"closes_at\":\"17:00\","
                 "\"timezone\":-5}]",
                 r);
    expect(r, n, "2026-01-12T14:00:00Z", 1, "2026-01-12T22:00:00Z", "2026-01-19T14:00:00Z");
    /* in July too (a fixed offset has no summer time) */
    expect(r, n, "2026-07-13T13:59:00Z", 0, "2026-07-13T22:00:00Z", "2026-07-13T14:00:00Z");
    /* the times' own offset, and a named zone */
    n = load("[{\"byday\":\"MO\",\"opens_at\":\"09:00Z\",\"closes_at\":\"10:00Z\"},"
             "{\"byday\":\"MO\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
             "\"timezone\":\"Europe/London\"}]",
             r);
    expect(r, n, "2026-07-13T08:30:00Z", 1, "2026-07-13T10:00:00Z", "2026-07-20T08:00:00Z");
    /* the default zone may be an offset */
    n = load("[{\"opens_at\":\"09:00\",\"closes_at\":\"17:00\"}]", r);
    hours_state st;
    assert_int_equal(hours_open_at(r, n, "+05:30", iso("2026-01-12T03:30:00Z"), &st), HV_OK);
    assert_int_equal(st.open, 1);
    assert_int_equal(st.next_close, iso("2026-01-12T11:30:00Z"));
    assert_int_equal(hours_open_at(r, n, "UTC", iso("2026-01-12T09:00:00Z"), &st), HV_OK);
    assert_int_equal(st.open, 1);
    /* refusals */
    assert_int_equal(hours_open_at(r, n, "Mars/Olympus_Mons", 0, &st), HV_ERR_INVALID);
    assert_int_equal(hours_open_at(r, n, NULL, 0, &st), HV_ERR_INVALID);
    assert_int_equal(hours_open_at(r, HOURS_RULES_MAX + 1, LA, 0, &st), HV_ERR_TOOBIG);
    assert_int_equal(hours_open_at(r, n, LA, INT64_MAX / 2, &st), HV_ERR_INVALID);
    hours_rule bad = r[0];
    bad.flags |= HOURS_TZ_NAMED;
    snprintf(bad.tz, sizeof bad.tz, "Nowhere/Land");
    assert_int_equal(hours_open_at(&bad, 1, LA, 0, &st), HV_ERR_INVALID);
    /* a rule that hours_parse() could not have made (a damaged blob) */
    bad = r[0];
    bad.freq = 9;
    assert_int_equal(hours_open_at(&bad, 1, LA, 0, &st), HV_ERR_INVALID);
    bad = r[0];
    bad.interval = 0;
    assert_int_equal(hours_open_at(&bad, 1, LA, 0, &st), HV_ERR_INVALID);
    bad = r[0];
    bad.closes = 0;
    hours_week w;
    assert_int_equal(hours_week_mask(&bad, 1, LA, 20000, &w), HV_ERR_INVALID);
}

static void
test_monthly(void **state)
{
    (void)state;
    hours_rule r[2];
    int n = load("[{\"freq\":\"MONTHLY\",\"byday\":\"1MO\",\"opens_at\":\"10:00\","
                 "\"closes_at\":\"12:00\"}]",
                 r);
    /* 2 February 2026 is the first Monday */
    expect(r, n, "2026-02-02T10:30:00-08:00", 1, "2026-02-02T12:00:00-08:00",
           "2026-03-02T10:00:00-08:00");
    expect(r, n, "2026-02-09T10:30:00-08:00", 0, "2026-03-02T12:00:00-08:00",
           "2026-03-02T10:00:00-08:00");
    /* next year: January 2027's first Monday is the 4th */
    expect(r, n, "2026-12-08T10:30:00-08:00", 0, "2027-01-04T12:00:00-08:00",
           "2027-01-04T10:00:00-08:00");

    /* the last Friday, and days of the month */
    n = load("[{\"freq\":\"MONTHLY\",\"byday\":\"-1FR\",\"opens_at\":\"18:00\","
             "\"closes_at\":\"21:00\"},"
             "{\"freq\":\"MONTHLY\",\"bymonthday\":\"15,-1\",\"opens_at\":\"09:00\","
             "\"closes_at\":\"10:00\"}]",
             r);
    expect(r, n, "2026-01-30T19:00:00-08:00", 1, "2026-01-30T21:00:00-08:00",
           "2026-01-31T09:00:00-08:00");
    expect(r, n, "2026-02-01T12:00:00-08:00", 0, "2026-02-15T10:00:00-08:00",
           "2026-02-15T09:00:00-08:00");
    expect(r, n, "2026-02-16T12:00:00-08:00", 0, "2026-02-27T21:00:00-08:00",
           "2026-02-27T18:00:00-08:00");
    /* every other month on the 1st, counted from dtstart */
    n = load("[{\"freq\":\"MONTHLY\",\"interval\":2,\"dtstart\":\"2026-01-01\","
             "\"bymonthday\":\"1\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\"}]",
             r);
    expect(r, n, "2026-02-01T09:30:00-08:00", 0, "2026-03-01T10:00:00-08:00",
           "2026-03-01T09:00:00-08:00");
    expect(r, n, "2026-09-01T09:30:00-07:00", 1, "2026-09-01T10:00:00-07:00",
           "2026-11-01T09:00:00-08:00");
}

static void
test_until_count_interval(void **state)
{
    (void)state;
    hours_rule r[2];
    /* until: the last occurrence's date */
    int n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"until\":\"2026-01-26\","
                 "\"opens_at\":\"09:00\",\"closes_at\":\"17:00\"}]",
                 r);
    expect(r, n, "2026-01-26T10:00:00-08:00", 1, "2026-01-26T17:00:00-08:00", NULL);
    expect(r, n, "2026-01-20T10:00:00-08:00", 0, "2026-01-26T17:00:00-08:00",
           "2026-01-26T09:00:00-08:00");
    expect(r, n, "2026-02-02T10:00:00-08:00", 0, NULL, NULL);

    /* count: three first Mondays from January (5 Jan, 2 Feb, 2 Mar) */
    n = load("[{\"freq\":\"MONTHLY\",\"byday\":\"1MO\",\"count\":3,\"dtstart\":\"2026-01-01\","
             "\"opens_at\":\"10:00\",\"closes_at\":\"12:00\"}]",
             r);
    expect(r, n, "2026-01-01T10:00:00-08:00", 0, "2026-01-05T12:00:00-08:00",
           "2026-01-05T10:00:00-08:00");
    expect(r, n, "2026-03-02T11:00:00-08:00", 1, "2026-03-02T12:00:00-08:00", NULL);
    expect(r, n, "2026-04-06T11:00:00-07:00", 0, NULL, NULL);

    /* count on a weekly rule: four Tuesdays and Thursdays */
    n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"TU,TH\",\"count\":4,\"dtstart\":\"2026-01-06\","
             "\"opens_at\":\"10:00\",\"closes_at\":\"11:00\"}]",
             r);
    expect(r, n, "2026-01-15T10:30:00-08:00", 1, "2026-01-15T11:00:00-08:00", NULL);

    /* every other Tuesday from 6 January 2026 */
    n = load("[{\"freq\":\"WEEKLY\",\"interval\":2,\"byday\":\"TU\",\"dtstart\":\"2026-01-06\","
             "\"opens_at\":\"10:00\",\"closes_at\":\"11:00\"}]",
             r);
    expect(r, n, "2026-01-13T10:30:00-08:00", 0, "2026-01-20T11:00:00-08:00",
           "2026-01-20T10:00:00-08:00");
    expect(r, n, "2026-06-16T10:30:00-07:00", 0, "2026-06-23T11:00:00-07:00",
           "2026-06-23T10:00:00-07:00");
    expect(r, n, "2026-06-09T10:30:00-07:00", 1, "2026-06-09T11:00:00-07:00",
           "2026-06-23T10:00:00-07:00");
    /* every third day */
    n = load("[{\"freq\":\"DAILY\",\"interval\":3,\"dtstart\":\"2026-01-01\","
             "\"opens_at\":\"10:00\",\"closes_at\":\"11:00\"}]",
             r);
    expect(r, n, "2026-01-02T12:00:00-08:00", 0, "2026-01-04T11:00:00-08:00",
           "2026-01-04T10:00:00-08:00");

    /* byweekno (HSDS: with WEEKLY): Mondays of ISO weeks 1 and -1 */
    n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO\",\"byweekno\":\"1,-1\","
             "\"opens_at\":\"10:00\",\"closes_at\":\"11:00\"}]",
             r);
    /* 2026: week 1 starts Monday 29 December 2025; week 53 on 28 December 2026 */
    expect(r, n, "2026-01-02T12:00:00-08:00", 0, "2026-12-28T11:00:00-08:00",
           "2026-12-28T10:00:00-08:00");
    expect(r, n, "2025-12-20T12:00:00-08:00", 0, "2025-12-22T11:00:00-08:00",
           "2025-12-22T10:00:00-08:00");
}

/* ---- the week of slots ------------------------------------------------ */

static int
popcount_week(const hours_week *w)
{
    int c = 0;
    for (int i = 0; i < HOURS_SLOT_WORDS; i++)
        c += __builtin_popcountll(w->open[i]);
    return c;
}

static void
test_week_mask(void **state)
{
    (void)state;
    hours_rule r[4];
    hours_week w;
    int64_t monday;
    int slot;
    /* Tuesday 13 January 2026 10:07 PST: Monday 12 January, day 1, 10:00 */
    assert_int_equal(hours_slot(LA, iso("2026-01-13T10:07:00-08:00"), &monday, &slot), HV_OK);
    assert_int_equal(monday, zone_days_from_civil(2026, 1, 12));
    assert_int_equal(slot, 96 + 40);
    assert_int_equal(hours_slot(LA, iso("2026-01-18T23:59:00-08:00"), &monday, &slot), HV_OK);
    assert_int_equal(slot, HOURS_SLOTS - 1);
    assert_int_equal(hours_slot("Nowhere/Land", 0, &monday, &slot), HV_ERR_INVALID);

    int n = load("[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"09:00\","
                 "\"closes_at\":\"17:00\"}]",
                 r);
    monday = zone_days_from_civil(2026, 1, 12);
    assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
    assert_int_equal(w.first_day, monday);
    assert_int_equal(w.exact, 1);
    assert_int_equal(popcount_week(&w), 5 * 32);
    assert_true(hours_week_test(&w, 36));
    assert_false(hours_week_test(&w, 35));
    assert_true(hours_week_test(&w, 67));
    assert_false(hours_week_test(&w, 68));
    assert_false(hours_week_test(&w, 5 * 96 + 40));

    /* not on a quarter hour: the slot is set, the mask not exact */
    n = load("[{\"byday\":\"MO\",\"opens_at\":\"09:10\",\"closes_at\":\"09:20\"}]", r);
    assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
    assert_int_equal(w.exact, 0);
    assert_int_equal(popcount_week(&w), 2);
    assert_true(hours_week_test(&w, 36) && hours_week_test(&w, 37));

    /* Sunday night into Monday comes from the week before */
    n = load("[{\"byday\":\"SU\",\"opens_at\":\"22:00\",\"closes_at\":\"02:00\"}]", r);
    assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
    assert_int_equal(w.exact, 1);
    assert_int_equal(popcount_week(&w), 8 + 8);
    assert_true(hours_week_test(&w, 0) && hours_week_test(&w, 7) && !hours_week_test(&w, 8));

    /* the spring-forward week of a 24-hour service: 02:00-03:00 Sunday 8
     * March does not exist, every other slot is open */
    n = load("[{\"opens_at\":\"00:00\",\"closes_at\":\"24:00\"}]", r);
    monday = zone_days_from_civil(2026, 3, 2);
    assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
    assert_int_equal(w.exact, 1);
    assert_int_equal(popcount_week(&w), HOURS_SLOTS - 4);
    assert_false(hours_week_test(&w, 6 * 96 + 8));

    /* a holiday inside the week */
    n = load("[{\"opens_at\":\"09:00\",\"closes_at\":\"17:00\"},"
             "{\"closed\":true,\"freq\":\"YEARLY\",\"dtstart\":\"2020-12-25\"}]",
             r);
    monday = zone_days_from_civil(2026, 12, 21);
    assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
    assert_int_equal(popcount_week(&w), 6 * 32);
    assert_false(hours_week_test(&w, 4 * 96 + 40));

    assert_int_equal(hours_week_mask(r, n, "Nowhere/Land", monday, &w), HV_ERR_INVALID);
    assert_int_equal(hours_week_mask(r, HOURS_RULES_MAX + 1, LA, monday, &w), HV_ERR_TOOBIG);
}

/* Sets of schedules the random check runs over. */
static const char *const mixes[] = {
    "[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"09:00\","
    "\"closes_at\":\"17:00\"},{\"closed\":true,\"freq\":\"YEARLY\",\"dtstart\":\"2020-12-25\"},"
    "{\"closed\":true,\"freq\":\"YEARLY\",\"bymonth\":\"11\",\"byday\":\"4TH\"}]",
    "[{\"byday\":\"FR,SA\",\"opens_at\":\"20:00\",\"closes_at\":\"02:00\"},"
    "{\"byday\":\"SU\",\"opens_at\":\"01:30\",\"closes_at\":\"02:30\"}]",
    "[{\"opens_at\":\"22:00\",\"closes_at\":\"06:00\"},"
    "{\"closed\":true,\"freq\":\"MONTHLY\",\"byday\":\"1WE\",\"opens_at\":\"23:00\","
    "\"closes_at\":\"01:00\"}]",
    "[{\"freq\":\"MONTHLY\",\"byday\":\"1MO,-1FR\",\"opens_at\":\"10:10\",\"closes_at\":\"12:00\"},"
    "{\"opens_at\":\"01:00\",\"closes_at\":\"03:00\",\"valid_from\":\"2026-03-01\","
    "\"valid_to\":\"2026-11-30\"}]",
    "[{\"byday\":\"MO\",\"opens_at\":\"09:00\",\"closes_at\":\"17:00\",\"timezone\":-5},"
    "{\"byday\":\"TU\",\"opens_at\":\"09:00\",\"closes_at\":\"17:00\","
    "\"timezone\":\"Europe/London\"}]",
    "[{\"opens_at\":\"00:00\",\"closes_at\":\"24:00\"},"
    "{\"closed\":true,\"freq\":\"WEEKLY\",\"byday\":\"SU\",\"opens_at\":\"01:15\","
    "\"closes_at\":\"02:45\"}]",
};

static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* hours_week_mask() and hours_open_at() agree: a clear slot is closed, an
 * exact mask's set slot open, at random instants over 2026-2027 (weighted
 * to the daylight-saving nights); and next_close/next_open are where the
 * state really changes. */
static void
test_mask_agrees(void **state)
{
    (void)state;
    hours_rule r[8];
    uint64_t seed = 0x5eed;
    int64_t from = iso("2026-01-01T00:00:00Z"), span = 730 * DAY;
    int64_t dst[] = {iso("2026-03-08T10:00:00Z"), iso("2026-11-01T09:00:00Z"),
                     iso("2027-03-14T10:00:00Z"), iso("2027-11-07T09:00:00Z")};
    for (size_t m = 0; m < sizeof mixes / sizeof *mixes; m++) {
        int n = load(mixes[m], r);
        hours_week w;
        w.first_day = INT64_MIN;
        for (int k = 0; k < 3000; k++) {
            uint64_t x = next_rand(&seed);
            int64_t t = (k % 3 == 0) ? dst[x % 4] + (int64_t)(x >> 8) % (6 * HOUR) - 3 * HOUR
                                     : from + (int64_t)((x >> 4) % (uint64_t)span);
            t -= t % MINUTE;
            int64_t monday;
            int slot;
            assert_int_equal(hours_slot(LA, t, &monday, &slot), HV_OK);
            if (monday != w.first_day)
                assert_int_equal(hours_week_mask(r, n, LA, monday, &w), HV_OK);
            hours_state st;
            assert_int_equal(hours_open_at(r, n, LA, t, &st), HV_OK);
            int bit = hours_week_test(&w, slot);
            if ((st.open && !bit) || (w.exact && bit != st.open)) {
                char b[40];
                clock_format_iso(t, b, sizeof b);
                fail_msg("mix %zu at %s: open %d, slot %d bit %d exact %d", m, b, st.open, slot,
                         bit, w.exact);
            }
            /* the state holds until the change, and changes there */
            int64_t change = st.open ? st.next_close : st.next_open;
            if (change != HOURS_NEVER) {
                hours_state a, b;
                assert_true(change > t);
                assert_int_equal(hours_open_at(r, n, LA, change - 1, &a), HV_OK);
                assert_int_equal(hours_open_at(r, n, LA, change, &b), HV_OK);
                assert_int_equal(a.open, st.open);
                assert_int_equal(b.open, !st.open);
            }
        }
    }
}

/* Not a benchmark: the cost of each call, printed for docs/directory.md;
 * the masks are all of one week, as when a week's masks are made. */
static void
test_cost(void **state)
{
    (void)state;
    hours_rule r[8];
    struct {
        const char *name, *json;
    } cases[] = {
        {"weekly", "[{\"freq\":\"WEEKLY\",\"byday\":\"MO,TU,WE,TH,FR\",\"opens_at\":\"09:00\","
                   "\"closes_at\":\"17:00\"}]"},
        {"weekly+holidays", mixes[0]},
        {"monthly", "[{\"freq\":\"MONTHLY\",\"byday\":\"1MO\",\"opens_at\":\"10:00\","
                    "\"closes_at\":\"12:00\"}]"},
    };
    int64_t t0 = iso("2026-01-13T18:00:00Z");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int n = load(cases[c].json, r);
        struct timespec a, b;
        hours_state st;
        hours_week w;
        int reps = 2000;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < reps; i++)
            assert_int_equal(hours_open_at(r, n, LA, t0 + i * 7 * MINUTE, &st), HV_OK);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double open_us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / reps / 1e3;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < reps / 4; i++)
            assert_int_equal(hours_week_mask(r, n, LA, zone_days_from_civil(2026, 1, 12), &w),
                             HV_OK);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double mask_us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (reps / 4) / 1e3;
        printf("# %-16s hours_open_at %6.1f us, hours_week_mask %6.1f us\n", cases[c].name, open_us,
               mask_us);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_weekly),
        cmocka_unit_test(test_across_midnight),
        cmocka_unit_test(test_24_hours),
        cmocka_unit_test(test_several_spans),
        cmocka_unit_test(test_valid_dates),
        cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_daylight_saving),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_until_count_interval),
        cmocka_unit_test(test_week_mask),
        cmocka_unit_test(test_mask_agrees),
        cmocka_unit_test(test_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
