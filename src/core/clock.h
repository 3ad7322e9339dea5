/*
 * clock.h - the one source of time for haven.
 *
 * Domain code never calls time(): it asks clock_now_ms(). In production the
 * clock is the system's real time. With a settable clock (serve --test-clock)
 * tests move time forward so a 72-hour deadline is tested in milliseconds.
 * The offset is process-global and atomic; reading it costs one load.
 */
#ifndef HAVEN_CLOCK_H
#define HAVEN_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* Milliseconds since the Unix epoch, as haven sees it. */
int64_t clock_now_ms(void);
/* The real system time, for latency measurements and logs only. */
int64_t clock_real_ms(void);
/* Monotonic milliseconds, for durations. */
int64_t clock_mono_ms(void);
/* Monotonic nanoseconds, for latency histograms. */
uint64_t clock_mono_ns(void);

/* Allows clock_set()/clock_advance(); off by default. */
void clock_enable_test(int on);
int clock_test_enabled(void);
/* Sets haven's time to NOW_MS; HV_ERR_DENIED unless the test clock is on. */
hv_result clock_set(int64_t now_ms);
/* Moves haven's time forward (or back) by DELTA_MS. */
hv_result clock_advance(int64_t delta_ms);
/* Back to the system time. */
void clock_reset(void);

/* The county's time zone (a tz database name such as "America/Los_Angeles")
 * for times written for people. Call before starting threads: it sets TZ.
 * HV_ERR_INVALID if the zone is not installed (then nothing changes). */
hv_result clock_set_zone(const char *zone);
/* The zone in use. */
const char *clock_zone(void);
/* Formats MS in the county's zone for a message a person reads:
 * "Mon 23 Nov 14:05 PST" (OUT at least 32 bytes). */
void clock_format_local(int64_t ms, char *out, size_t outsz);

/* Formats MS as "2026-11-23T01:02:03.456Z" into OUT (at least 25 bytes). */
void clock_format_iso(int64_t ms, char *out, size_t outsz);
/* Parses "YYYY-MM-DDTHH:MM:SS[.mmm](Z|+HH:MM)"; HV_ERR_INVALID if malformed. */
hv_result clock_parse_iso(const char *s, int64_t *ms);
/* Validates a calendar date "YYYY-MM-DD". Returns 1 if valid. */
int clock_valid_date(const char *s);

#endif
