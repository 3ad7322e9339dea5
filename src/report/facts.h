/*
 * facts.h - the outcomes rollup: one referral_fact row per referral, kept
 * current on write, and each server's in-memory copy of it.
 *
 * Every change to a case goes through timeline_add(), which asks for the
 * row to be recomputed at the end of the same transaction (facts_touch):
 * from the referral, its youth, its first MDT and its clocks, with the next
 * seq. The dashboard
 * never scans events: it reads the rows whose seq is newer than what it has
 * (facts_sync) and counts over a compact array in memory.
 */
#ifndef HAVEN_FACTS_H
#define HAVEN_FACTS_H

#include <stdint.h>

#include "core/crypt.h"
#include "core/err.h"
#include "store/store.h"

/* Recomputes referral REFERRAL_ID's fact row (inside the caller's write
 * transaction). KEYS decrypt the youth's date of birth for the age at
 * recovery; the plaintext never leaves this function. */
hv_result facts_refresh(store_conn *c, const crypt_keys *keys, int64_t referral_id);

/* Recomputes every fact row (after a bulk load such as `haven demo
 * --scale`, or `haven facts rebuild`). Runs in the caller's write
 * transaction; about a microsecond per referral plus the SQL. */
hv_result facts_rebuild(store_conn *c, const crypt_keys *keys, int64_t *rows);

/* Asks for REFERRAL_ID's row to be recomputed at the end of the current
 * write transaction (store_defer), once however many changes it makes.
 * timeline_add() calls it: every change to a case writes the timeline. */
hv_result facts_touch(store_conn *c, int64_t referral_id);
/* The keys facts_touch()'s deferred refresh decrypts with (set once at start). */
void facts_set_keys(const crypt_keys *k);

/* The county day (days since 1970-01-01 in the county's time zone) of the
 * instant MS. */
int32_t facts_day(int64_t ms);

#endif
