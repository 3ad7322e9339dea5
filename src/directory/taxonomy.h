/*
 * taxonomy.h - the directory's category taxonomies (dir_taxonomy,
 * dir_taxonomy_term): the Open Eligibility taxonomy haven ships, a county's
 * licensed 211 taxonomy imported from CSV, and the lookups the HSDS import
 * resolves a service's taxonomy_term with.
 *
 * A taxonomy has an HSDS id and a name; a term an HSDS id, a code unique in
 * its taxonomy, a name and a parent. Services may carry terms of several
 * taxonomies at once. Everything here writes in the caller's transaction
 * and is idempotent: loading the same list again changes nothing.
 */
#ifndef HAVEN_TAXONOMY_H
#define HAVEN_TAXONOMY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* The shipped Open Eligibility taxonomy's HSDS id and name. */
#define TAXONOMY_OE_ID   "open-eligibility"
#define TAXONOMY_OE_NAME "Open Eligibility"

typedef struct taxonomy_report {
    int64_t created, updated, unchanged;
} taxonomy_report;

/* The taxonomy REF names: its HSDS id, else its name. HV_ERR_NOTFOUND. */
hv_result taxonomy_find(store_conn *c, const char *ref, int64_t *id);

/* Inserts or updates the taxonomy HSDS_ID (NULL fields keep what an
 * existing row has). */
hv_result taxonomy_put(store_conn *c, const char *hsds_id, const char *name,
                       const char *description, const char *uri, const char *version, int64_t *id);

/* The term named by HSDS_ID (may be NULL), else by CODE in TAXONOMY_ID
 * (0: any taxonomy is not searched). HV_ERR_NOTFOUND. */
hv_result taxonomy_term_find(store_conn *c, const char *hsds_id, int64_t taxonomy_id,
                             const char *code, int64_t *id);

/* Inserts or updates the term HSDS_ID (NULL fields keep what an existing
 * row has; TAXONOMY_ID 0 likewise). */
hv_result taxonomy_term_put(store_conn *c, const char *hsds_id, int64_t taxonomy_id,
                            const char *code, const char *name, const char *description,
                            const char *language, int64_t *id);

/* Sets the term's parent (0: none). */
hv_result taxonomy_term_parent(store_conn *c, int64_t id, int64_t parent_id);

/* Loads a taxonomy from CSV text DATA (LEN bytes; a header row, then
 * code,name,parent|parent_code,description in any order of columns) as the
 * taxonomy HSDS_ID named NAME, each term's HSDS id "HSDS_ID/CODE". A row
 * with an empty parent is at the top, unless DERIVE: then its parent comes
 * from the code's structure, AIRS/211 style: BD-1800.2000-620.15 →
 * BD-1800.2000-620 → BD-1800.2000 → BD-1800 → BD → B, the nearest of
 * those in the file. FILE names the source in errors ("la211.csv, row 7,
 * column parent_code: names no code in the file"). All or nothing is the
 * caller's transaction's. */
hv_result taxonomy_load_csv(store_conn *c, const char *file, const char *data, size_t len,
                            const char *hsds_id, const char *name, int derive, taxonomy_report *rep,
                            hv_err *e);

/* The HSDS id for a taxonomy called NAME: lowercased, runs of other than
 * letters and digits made one '-' ("211 LA County" → "211-la-county"). */
void taxonomy_slug(const char *name, char *out, size_t size);

/* Loads Open Eligibility (data/open-eligibility.csv, compiled in) when the
 * directory lacks it; *LOADED (may be NULL) says whether it did. */
hv_result taxonomy_open_eligibility(store_conn *c, int *loaded, hv_err *e);

/* The same in a transaction of its own: called after migrations at every
 * start (cmd_open), a no-op once loaded. */
hv_result taxonomy_defaults(store *st);

#endif
