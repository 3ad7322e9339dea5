/* test_clock.c - the settable clock (off by default, set, advance, reset),
 * real time as a sane default, monotonic time, and the ISO-8601 helpers.
 * Nothing sleeps: time is moved, not waited for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"

#define T2026 1790000000000LL /* 2026-09-21T...Z, a fixed point in time */

static int
reset(void **state)
{
    (void)state;
    clock_enable_test(0);
    clock_reset();
    return 0;
}

static void
test_off_by_default(void **state)
{
    (void)state;
    assert_false(clock_test_enabled());
    int64_t before = clock_now_ms();
    assert_int_equal(clock_set(T2026), HV_ERR_DENIED);
    assert_int_equal(clock_advance(3600000), HV_ERR_DENIED);
    int64_t after = clock_now_ms();
    /* nothing moved: haven's time is the real time */
    assert_true(after - before < 5000);
    assert_true(after >= before);
}

static void
test_real_time(void **state)
{
    (void)state;
    int64_t sys = (int64_t)time(NULL) * 1000;
    int64_t now = clock_now_ms();
    int64_t real = clock_real_ms();
    assert_true(now - sys > -2000 && now - sys < 2000);
    assert_true(real - now > -1000 && real - now < 1000);
    /* well after 2020 and before 2200 */
    assert_true(now > 1577836800000LL && now < 7258118400000LL);
}

static void
test_set(void **state)
{
    (void)state;
    clock_enable_test(1);
    assert_true(clock_test_enabled());
    assert_int_equal(clock_set(T2026), HV_OK);
    int64_t now = clock_now_ms();
    assert_true(now >= T2026 && now - T2026 < 1000);
    /* the real time is not affected */
    assert_true(clock_real_ms() - (int64_t)time(NULL) * 1000 < 2000);
    /* back in time too */
    assert_int_equal(clock_set(86400000), HV_OK);
    now = clock_now_ms();
    assert_true(now >= 86400000 && now - 86400000 < 1000);
}

static void
test_advance(void **state)
{
    (void)state;
    clock_enable_test(1);
    assert_int_equal(clock_set(T2026), HV_OK);
    assert_int_equal(clock_advance(72LL * 3600 * 1000), HV_OK);
    int64_t now = clock_now_ms();
    assert_true(now - T2026 >= 72LL * 3600 * 1000 && now - T2026 < 72LL * 3600 * 1000 + 1000);
    assert_int_equal(clock_advance(-72LL * 3600 * 1000), HV_OK);
    now = clock_now_ms();
    assert_true(now >= T2026 && now - T2026 < 1000);
    /* advances add up */
    for (int i = 0; i < 10; i++)
        assert_int_equal(clock_advance(1000), HV_OK);
    now = clock_now_ms();
    assert_true(now - T2026 >= 10000 && now - T2026 < 11000);
}

static void
test_reset_and_disable(void **state)
{
    (void)state;
    clock_enable_test(1);
    assert_int_equal(clock_set(T2026 * 2), HV_OK);
    clock_reset();
    assert_true(clock_now_ms() - clock_real_ms() < 1000);
    assert_true(clock_test_enabled());
    assert_int_equal(clock_set(T2026 * 2), HV_OK);
    /* turning the test clock off returns to the real time */
    clock_enable_test(0);
    assert_false(clock_test_enabled());
    assert_true(clock_now_ms() - clock_real_ms() < 1000);
    assert_int_equal(clock_advance(1), HV_ERR_DENIED);
}

static void
test_monotonic(void **state)
{
    (void)state;
    uint64_t a = clock_mono_ns();
    int64_t am = clock_mono_ms();
    clock_enable_test(1);
    /* moving haven's time does not move monotonic time */
    assert_int_equal(clock_set(0), HV_OK);
    int64_t prev = clock_mono_ms();
    for (int i = 0; i < 1000; i++) {
        int64_t m = clock_mono_ms();
        assert_true(m >= prev);
        prev = m;
    }
    uint64_t b = clock_mono_ns();
    assert_true(b >= a);
    assert_true(prev >= am && prev - am < 5000);
    /* and the real clock, read repeatedly, does not run backwards here */
    clock_enable_test(0);
    int64_t r0 = clock_now_ms();
    for (int i = 0; i < 1000; i++) {
        int64_t r = clock_now_ms();
        assert_true(r >= r0);
        r0 = r;
    }
}

static void
test_format_iso(void **state)
{
    (void)state;
    char out[32];
    clock_format_iso(0, out, sizeof out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    clock_format_iso(1700000000123LL, out, sizeof out);
    assert_string_equal(out, "2023-11-14T22:13:20.123Z");
    clock_format_iso(-1, out, sizeof out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    clock_format_iso(951782400000LL, out, sizeof out); /* leap day 2000 */
    assert_string_equal(out, "2000-02-29T00:00:00.000Z");
}

static void
test_parse_iso(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(clock_parse_iso("2023-11-14T22:13:20.123Z", &ms), HV_OK);
    assert_int_equal(ms, 1700000000123LL);
    assert_int_equal(clock_parse_iso("2023-11-14T22:13:20Z", &ms), HV_OK);
    assert_int_equal(ms, 1700000000000LL);
    assert_int_equal(clock_parse_iso("2023-11-15T00:13:20+02:00", &ms), HV_OK);
    assert_int_equal(ms, 1700000000000LL);
    assert_int_equal(clock_parse_iso("2023-11-14T17:13:20.5-05:00", &ms), HV_OK);
    assert_int_equal(ms, 1700000000500LL);
    /* round trip */
    char out[32];
    clock_format_iso(1790000000042LL, out, sizeof out);
    assert_int_equal(clock_parse_iso(out, &ms), HV_OK);
    assert_int_equal(ms, 1790000000042LL);
    static const char *const bad[] = {
        "",
        "2023-11-14",
        "2023-11-14T22:13:20",      /* no zone */
        "2023-11-14T24:00:00Z",     /* hour */
        "2023-02-29T00:00:00Z",     /* not a leap year */
        "2023-13-01T00:00:00Z",     /* month */
        "2023-11-14T22:13:20.Z",    /* empty fraction */
        "2023-11-14T22:13:20Zjunk", /* trailing */
        "2023-11-14T22:13:20+2:00", /* offset digits */
        "1899-12-31T00:00:00Z",     /* before range */
        "2023-11-14X22:13:20Z",     /* separator */
        "２023-11-14T22:13:20Z",    /* non-ASCII digit */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(clock_parse_iso(bad[i], &ms), HV_ERR_INVALID);
    assert_int_equal(clock_parse_iso(NULL, &ms), HV_ERR_INVALID);
}

static void
test_valid_date(void **state)
{
    (void)state;
    assert_true(clock_valid_date("2024-02-29"));
    assert_true(clock_valid_date("2000-02-29"));
    assert_true(clock_valid_date("1900-01-01"));
    assert_false(clock_valid_date("1900-02-29"));
    assert_false(clock_valid_date("2023-02-29"));
    assert_false(clock_valid_date("2023-04-31"));
    assert_false(clock_valid_date("2023-4-3"));
    assert_false(clock_valid_date("2023-04-03 "));
    assert_false(clock_valid_date(""));
    assert_false(clock_valid_date(NULL));
}

static void
test_format_local(void **state)
{
    (void)state;
    char out[40];
    assert_int_equal(clock_set_zone("America/Los_Angeles"), HV_OK);
    assert_string_equal(clock_zone(), "America/Los_Angeles");
    int64_t nov = 0, jul = 0;
    assert_int_equal(clock_parse_iso("2026-11-23T22:05:00Z", &nov), HV_OK);
    clock_format_local(nov, out, sizeof out);
    assert_string_equal(out, "Mon 23 Nov 14:05 PST");
    assert_int_equal(clock_parse_iso("2026-07-04T08:30:00Z", &jul), HV_OK);
    clock_format_local(jul, out, sizeof out);
    assert_string_equal(out, "Sat 4 Jul 01:30 PDT");
    /* a zone that is not installed changes nothing */
    assert_int_equal(clock_set_zone("Mars/Olympus_Mons"), HV_ERR_INVALID);
    assert_int_equal(clock_set_zone("../../etc/passwd"), HV_ERR_INVALID);
    assert_int_equal(clock_set_zone(""), HV_ERR_INVALID);
    assert_string_equal(clock_zone(), "America/Los_Angeles");
    assert_int_equal(clock_set_zone("UTC"), HV_OK);
    clock_format_local(nov, out, sizeof out);
    assert_string_equal(out, "Mon 23 Nov 22:05 UTC");
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_off_by_default, reset, reset),
        cmocka_unit_test_setup_teardown(test_real_time, reset, reset),
        cmocka_unit_test_setup_teardown(test_set, reset, reset),
        cmocka_unit_test_setup_teardown(test_advance, reset, reset),
        cmocka_unit_test_setup_teardown(test_reset_and_disable, reset, reset),
        cmocka_unit_test_setup_teardown(test_monotonic, reset, reset),
        cmocka_unit_test_setup_teardown(test_format_iso, reset, reset),
        cmocka_unit_test_setup_teardown(test_parse_iso, reset, reset),
        cmocka_unit_test_setup_teardown(test_valid_date, reset, reset),
        cmocka_unit_test_setup_teardown(test_format_local, reset, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
