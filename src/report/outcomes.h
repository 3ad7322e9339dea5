/*
 * outcomes.h - the figures of the outcomes dashboard and the Board report.
 *
 * Each process keeps a compact in-memory copy of the rollup (referral_fact,
 * one small struct per referral) and of the arrests, and catches up before
 * every document by reading only the rows written since it last looked
 * (referral_fact.seq, arrest.id). A document is then one pass over the
 * array, whatever the filter: no query scans events. Figures are defined in
 * docs/metrics.md; suppression of small cells (suppress.h) is applied
 * before a document leaves this module.
 */
#ifndef HAVEN_OUTCOMES_H
#define HAVEN_OUTCOMES_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define OUTCOMES_MAX_IDS 64

typedef struct outcomes_filter {
    int32_t from_day, to_day; /* county days, inclusive; INT32_MIN/MAX: open */
    int64_t agency[OUTCOMES_MAX_IDS];
    int nagency;
    int64_t station[OUTCOMES_MAX_IDS];
    int nstation;
    int64_t lead[OUTCOMES_MAX_IDS];
    int nlead;
} outcomes_filter;

typedef struct outcomes outcomes;

hv_result outcomes_new(outcomes **out);
void outcomes_free(outcomes *o);

/* Reads what changed since the last call (all of it the first time). */
hv_result outcomes_sync(outcomes *o, store *st);

/* The dashboard document for filter F (see docs/metrics.md), de-identified
 * with THRESHOLD; TODAY is the county day figures run up to. Syncs first. */
hv_result outcomes_document(outcomes *o, store *st, const outcomes_filter *f, int threshold,
                            int32_t today, json_t **doc, hv_err *e);

/* Reads the rollup into memory on a thread of its own, so the first
 * dashboard after a start does not wait for it; outcomes_free() joins it. */
hv_result outcomes_warm(outcomes *o, store *st);

#endif
