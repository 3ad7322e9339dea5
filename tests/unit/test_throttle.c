/* test_throttle.c - per-address fixed-window sign-in limits, driven by the
 * settable clock (nothing sleeps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/throttle.h"
#include "core/clock.h"

#define MINUTE 60000
#define T0     1790000000000LL

static int
setup(void **state)
{
    (void)state;
    throttle_reset();
    clock_enable_test(1);
    return clock_set(T0) == HV_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    throttle_reset();
    clock_enable_test(0);
    return 0;
}

/* the sign-in path's view: now from the clock */
static int
allow(const char *addr, int limit)
{
    return throttle_allow(addr, limit, MINUTE, clock_now_ms());
}

static void
test_limit_per_address(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        assert_true(allow("192.0.2.1", 5));
    assert_false(allow("192.0.2.1", 5));
    assert_false(allow("192.0.2.1", 5));
}

static void
test_addresses_independent(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        assert_true(allow("192.0.2.1", 3));
    assert_false(allow("192.0.2.1", 3));
    /* another address, even a similar one, has its own budget */
    for (int i = 0; i < 3; i++) {
        assert_true(allow("192.0.2.10", 3));
        assert_true(allow("2001:db8::1", 3));
    }
    assert_false(allow("192.0.2.10", 3));
    assert_false(allow("2001:db8::1", 3));
    assert_false(allow("192.0.2.1", 3));
}

static void
test_window_expiry(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++)
        assert_true(allow("198.51.100.7", 2));
    assert_false(allow("198.51.100.7", 2));
    assert_int_equal(clock_advance(MINUTE / 2), HV_OK);
    assert_false(allow("198.51.100.7", 2));
    assert_int_equal(clock_advance(MINUTE / 2 + 10), HV_OK);
    assert_true(allow("198.51.100.7", 2));
    assert_true(allow("198.51.100.7", 2));
    assert_false(allow("198.51.100.7", 2));
}

static void
test_window_boundary_exact(void **state)
{
    (void)state;
    /* explicit times: the window is [start, start + window) */
    assert_true(throttle_allow("k", 1, 1000, T0));
    assert_false(throttle_allow("k", 1, 1000, T0 + 999));
    assert_true(throttle_allow("k", 1, 1000, T0 + 1000));
    assert_false(throttle_allow("k", 1, 1000, T0 + 1999));
    /* a refused attempt does not extend the window */
    assert_true(throttle_allow("k", 1, 1000, T0 + 2000));
}

static void
test_zero_limit(void **state)
{
    (void)state;
    assert_false(allow("203.0.113.9", 0));
    assert_false(allow("203.0.113.9", 0));
}

static void
test_reset(void **state)
{
    (void)state;
    assert_true(allow("203.0.113.5", 1));
    assert_false(allow("203.0.113.5", 1));
    throttle_reset();
    assert_true(allow("203.0.113.5", 1));
}

static void
test_many_addresses(void **state)
{
    (void)state;
    /* more addresses than the table holds: each still gets its first try
     * (the table reuses old entries, it does not refuse new ones), and the
     * latest ones are remembered */
    char addr[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_true(allow(addr, 1));
    }
    assert_false(allow(addr, 1));
    assert_true(allow("198.18.0.1", 1));
    assert_false(allow("198.18.0.1", 1));
    /* after the window every address starts afresh */
    assert_int_equal(clock_advance(MINUTE), HV_OK);
    assert_true(allow(addr, 1));
    assert_true(allow("198.18.0.1", 1));
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_limit_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addresses_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_boundary_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_addresses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
