/* roster.c - on-call rotation arithmetic (see roster.h). */
#include "notify/roster.h"

#include <stdlib.h>
#include <string.h>

#include "core/zone.h"

hv_result
roster_valid(const roster_rotation *r)
{
    if (!r || memchr(r->tz, '\0', sizeof r->tz) == NULL || !zone_valid(r->tz))
        return HV_ERR_INVALID;
    if (!zone_valid_date(r->start_year, r->start_month, r->start_day))
        return HV_ERR_INVALID;
    if (r->handoff_hour < 0 || r->handoff_hour > 23 || r->handoff_minute < 0 ||
        r->handoff_minute > 59)
        return HV_ERR_INVALID;
    if (r->shift_hours < 1 || r->shift_hours > ROSTER_SHIFT_HOURS_MAX || r->n_members < 1)
        return HV_ERR_INVALID;
    return HV_OK;
}

/* Shift INDEX's start of a valid rotation, without checking R again. */
static hv_result
shift_start(const roster_rotation *r, int64_t index, int64_t *start_ms)
{
    if (index < 0 || index > ROSTER_INDEX_MAX)
        return HV_ERR_INVALID;
    /* wall minutes from the start date's midnight; at most 1e8 * 672 * 60 */
    int64_t min = (int64_t)r->handoff_hour * 60 + r->handoff_minute + index * r->shift_hours * 60;
    int64_t days = zone_days_from_civil(r->start_year, r->start_month, r->start_day) + min / 1440;
    int y, m, d;
    zone_civil_from_days(days, &y, &m, &d);
    min %= 1440;
    return zone_from_civil(r->tz, y, m, d, (int)(min / 60), (int)(min % 60), start_ms);
}

hv_result
roster_shift_start(const roster_rotation *r, int64_t index, int64_t *start_ms)
{
    if (!start_ms || roster_valid(r) != HV_OK)
        return HV_ERR_INVALID;
    return shift_start(r, index, start_ms);
}

hv_result
roster_shift_at(const roster_rotation *r, int64_t at, int64_t *index, int64_t *start_ms,
                int64_t *end_ms)
{
    hv_result rc;
    if (!index || roster_valid(r) != HV_OK)
        return HV_ERR_INVALID;

    int64_t s0;
    if ((rc = shift_start(r, 0, &s0)) != HV_OK)
        return rc;
    if (at < s0) {
        *index = -1;
        if (start_ms)
            *start_ms = INT64_MIN;
        if (end_ms)
            *end_ms = s0;
        return HV_OK;
    }

    /* Estimate from wall-clock minutes since the first hand-off... */
    zone_civil c;
    if ((rc = zone_to_civil(r->tz, at, &c)) != HV_OK)
        return rc;
    int64_t wall = (zone_days_from_civil(c.year, c.month, c.day) -
                    zone_days_from_civil(r->start_year, r->start_month, r->start_day)) *
                       1440 +
                   (c.hour - r->handoff_hour) * 60 + (c.minute - r->handoff_minute);
    int64_t span = (int64_t)r->shift_hours * 60;
    int64_t i = wall < 0 ? 0 : wall / span;
    if (i > ROSTER_INDEX_MAX)
        return HV_ERR_INVALID;

    /* ...then settle on the exact boundaries. Starts never decrease with the
     * index, so stepping converges; a wall time repeated by a fall-back is off
     * by at most a step or two. Past a few steps, bracket and bisect. */
    int64_t lo, hi, slo, shi;
    if ((rc = shift_start(r, i, &slo)) != HV_OK)
        return rc;
    if ((rc = shift_start(r, i + 1, &shi)) != HV_OK)
        return rc;
    if (slo <= at && at < shi)
        goto found;
    if (slo > at) {
        /* too far: go back until a start is not after AT (shift 0 qualifies) */
        hi = i;
        int64_t step = 1;
        do {
            lo = hi - step < 0 ? 0 : hi - step;
            if ((rc = shift_start(r, lo, &slo)) != HV_OK)
                return rc;
            if (slo > at)
                hi = lo;
            step *= 2;
        } while (slo > at);
    } else {
        /* not far enough: go on until a start is after AT */
        lo = i + 1;
        slo = shi;
        int64_t step = 1;
        for (;;) {
            hi = lo + step;
            if (hi > ROSTER_INDEX_MAX + 1)
                return HV_ERR_INVALID;
            if ((rc = shift_start(r, hi, &shi)) != HV_OK)
                return rc;
            if (shi > at)
                break;
            lo = hi;
            slo = shi;
            step *= 2;
        }
    }
    /* start(lo) <= at < start(hi) */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2, smid;
        if ((rc = shift_start(r, mid, &smid)) != HV_OK)
            return rc;
        if (smid <= at)
            lo = mid;
        else
            hi = mid;
    }
    i = lo;
    if ((rc = shift_start(r, i, &slo)) != HV_OK)
        return rc;
    if ((rc = shift_start(r, i + 1, &shi)) != HV_OK)
        return rc;
found:
    *index = i;
    if (start_ms)
        *start_ms = slo;
    if (end_ms)
        *end_ms = shi;
    return HV_OK;
}

int
roster_member_of(const roster_rotation *r, int64_t index)
{
    if (!r || r->n_members < 1 || index < 0)
        return -1;
    return (int)(index % r->n_members);
}

static int
span_cmp(const void *a, const void *b)
{
    const roster_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

int
roster_gaps(const roster_span *covered, int n, int64_t from, int64_t to, roster_span *gaps,
            int max_gaps)
{
    if (n < 0 || (n > 0 && !covered))
        return -1;
    if (from >= to)
        return 0;
    roster_span *s = NULL;
    if (n > 0) {
        s = malloc((size_t)n * sizeof *s);
        if (!s)
            return -1;
        memcpy(s, covered, (size_t)n * sizeof *s);
        qsort(s, (size_t)n, sizeof *s, span_cmp);
    }

    int count = 0;
    int64_t cursor = from; /* everything before it is covered or reported */
    for (int k = 0; k < n && cursor < to; k++) {
        if (s[k].end <= s[k].start || s[k].end <= cursor)
            continue;
        if (s[k].start > cursor) {
            int64_t end = s[k].start < to ? s[k].start : to;
            if (count < max_gaps && gaps)
                gaps[count] = (roster_span){cursor, end};
            count++;
        }
        cursor = s[k].end;
    }
    if (cursor < to) {
        if (count < max_gaps && gaps)
            gaps[count] = (roster_span){cursor, to};
        count++;
    }
    free(s);
    return count;
}
