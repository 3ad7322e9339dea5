/*
 * facts.h - the outcomes rollup: one referral_fact row per referral, kept
 * current on write, and each server's in-memory copy of it.
 *
 * Every change to a case goes through timeline_add(), which calls
 * facts_refresh() in the same transaction: the row is recomputed from the
 * referral, its youth and its clocks, and given the next seq. The dashboard
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

/* Sets the keys and the county time zone facts_refresh uses when called
 * from timeline_add() (the server sets them once at start). */
void facts_configure(const crypt_keys *keys, const char *county_tz);

#endif
