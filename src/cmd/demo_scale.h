/*
 * demo_scale.h - `haven demo --scale N`: years of synthetic history on
 * top of the demo's agencies, stations and users, for the outcomes figures
 * and their benchmark. No real person's data.
 */
#ifndef HAVEN_DEMO_SCALE_H
#define HAVEN_DEMO_SCALE_H

#include <stdint.h>

#include "core/crypt.h"
#include "store/store.h"

/* The most referrals one run adds. */
#define DEMO_SCALE_MAX 20000000LL

typedef struct demo_scale_counts {
    int64_t referrals, youth, events, arrests, facts;
    double seconds;
} demo_scale_counts;

/*
 * Adds N closed historical referrals spread over the ten years before today
 * (back to the first station's go-live when that is longer ago), with their
 * youth (names and dates of birth encrypted with KEYS, blind indexes),
 * clocks, MDT meetings, exams, statuses, detentions, timelines and arrests,
 * and arrests of minors per station before and after its go-live date; then
 * rebuilds the outcomes rollup (facts_rebuild). The same SEED draws the same
 * history on the same day. Writes in transactions of at most 20,000
 * referrals; prints progress every 10% and a closing line to stderr. A
 * database that already has history gets N more. HV_ERR_DENIED (with a
 * message on stderr) when the database was not made by `haven demo`. OUT
 * may be NULL.
 */
hv_result demo_scale(store *st, const crypt_keys *keys, int64_t n, uint64_t seed,
                     demo_scale_counts *out);

#endif
