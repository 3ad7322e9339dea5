/*
 * roster.h - on-call rotation arithmetic: who holds which shift, when shifts
 * start and end, and where coverage has holes. Pure computation: no SQL, no
 * clock; times are UTC milliseconds passed in.
 *
 * A rotation is a list of N_MEMBERS people taking turns in shifts of
 * SHIFT_HOURS hours of LOCAL WALL-CLOCK time in the rotation's zone, the first
 * shift starting on the local date START_* at the local hand-off time. Shift i
 * starts at wall time (start date, hand-off) + i * shift_hours hours, turned
 * into an instant by zone_from_civil(). So a 24-hour rotation handing off at
 * 00:00 in America/Los_Angeles hands off at every local midnight: the shift
 * across the spring-forward day lasts 23 real hours, the one across fall-back
 * 25. A hand-off time that falls in a gap happens when the clocks jump; one
 * that occurs twice happens at its first occurrence. A shift whose whole wall
 * span falls in a gap is empty (its start equals its end) and holds no instant.
 *
 * Every lookup is O(1) in the age of the rotation: an index is estimated from
 * wall-clock hours since the start and checked against the exact boundaries.
 */
#ifndef HAVEN_ROSTER_H
#define HAVEN_ROSTER_H

#include <stdint.h>

#include "core/result.h"

#define ROSTER_SHIFT_HOURS_MAX 672       /* four weeks */
#define ROSTER_INDEX_MAX       100000000 /* a bound on shift indexes */

typedef struct roster_rotation {
    char tz[64];                            /* IANA zone, e.g. "America/Los_Angeles" */
    int start_year, start_month, start_day; /* local date the first shift starts */
    int handoff_hour, handoff_minute;       /* local hand-off time */
    int shift_hours;                        /* 1..672 */
    int n_members;                          /* >= 1 */
} roster_rotation;

/* HV_OK if every field of R is in range and its zone is known, else
 * HV_ERR_INVALID. */
hv_result roster_valid(const roster_rotation *r);

/* The index of the shift that contains AT (0 = the first) in *INDEX, with its
 * start and end (exclusive) in UTC ms. Before the first shift *INDEX is -1,
 * *START_MS is INT64_MIN and *END_MS the start of shift 0. START_MS and END_MS
 * may be NULL. HV_ERR_INVALID for an invalid rotation or an instant too far
 * out (see ROSTER_INDEX_MAX and ZONE_YEAR_MAX). */
hv_result roster_shift_at(const roster_rotation *r, int64_t at, int64_t *index, int64_t *start_ms,
                          int64_t *end_ms);

/* The start of shift INDEX (0..ROSTER_INDEX_MAX) in UTC ms; shift INDEX ends
 * where shift INDEX + 1 starts. HV_ERR_INVALID for an invalid rotation or
 * index. */
hv_result roster_shift_start(const roster_rotation *r, int64_t index, int64_t *start_ms);

/* Which member (0-based position) holds shift INDEX: INDEX % n_members.
 * -1 for a negative index or a rotation without members. */
int roster_member_of(const roster_rotation *r, int64_t index);

/* A half-open span of time [start, end) in UTC ms. */
typedef struct roster_span {
    int64_t start, end;
} roster_span;

/* The spans of [FROM, TO) that no span of COVERED (N of them, in any order,
 * overlapping or not; empty ones are ignored) covers, in time order. Writes
 * at most MAX_GAPS of them to GAPS (may be NULL when MAX_GAPS is 0) and
 * returns how many there are in all, so a return above MAX_GAPS means more
 * room is needed. COVERED is not modified. -1 if memory runs out or N < 0. */
int roster_gaps(const roster_span *covered, int n, int64_t from, int64_t to, roster_span *gaps,
                int max_gaps);

#endif
