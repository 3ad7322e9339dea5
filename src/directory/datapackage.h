/*
 * datapackage.h - the directory as an HSDS 3.0 CSV data package: a folder
 * with datapackage.json (a Frictionless tabular data package) and one CSV
 * file per HSDS table (organizations.csv, services.csv, locations.csv,
 * service_at_locations.csv, addresses.csv, phones.csv, schedules.csv,
 * languages.csv, taxonomies.csv, taxonomy_terms.csv, attributes.csv,
 * cost_options.csv, accessibility.csv, required_documents.csv,
 * contacts.csv).
 *
 * Reading parses every file with libcsv (RFC 4180, UTF-8, a BOM allowed),
 * joins the rows by their link columns into the nested JSON hsds_import()
 * takes, and imports that: all or nothing, idempotent. An error names the
 * file, its line and the column ("phones.csv, row 7, column service_id:
 * names no service in services.csv"), never a value. Writing flattens
 * hsds_export_all() back into the same files (CRLF, UTF-8, no BOM), so
 * import → export → import → export gives the same bytes.
 */
#ifndef HAVEN_DATAPACKAGE_H
#define HAVEN_DATAPACKAGE_H

#include <jansson.h>

#include "core/err.h"
#include "directory/hsds.h"
#include "store/store.h"

/* 1 when PATH is a folder (a data package), 0 when anything else. */
int datapackage_is(const char *path);

/* Reads the data package in DIR into *DOC ({"organizations", "services",
 * "taxonomies", "taxonomy_terms"}, the caller json_decref()s it) without
 * touching the database. *SKIPPED (may be NULL) gets the rows whose links
 * name only records haven does not keep (an organization's phones …). */
hv_result datapackage_read(const char *dir, json_t **doc, int64_t *skipped, hv_err *e);

/* Reads DIR and imports it in the caller's write transaction (see
 * hsds_import(); errors are turned back into the file, row and column). */
hv_result datapackage_import(store_conn *c, const char *dir, int64_t user_id, const char *source,
                             hsds_report *rep, int64_t *skipped, hv_err *e);

/* Writes the whole directory as a data package into DIR (made if missing;
 * files of the same names are replaced). */
hv_result datapackage_write(store_conn *c, const char *dir, hv_err *e);

/* The full export as one JSON document: {"services": [...],
 * "taxonomies": [...], "taxonomy_terms": [...]} (hsds_import() reads it). */
hv_result datapackage_json(store_conn *c, json_t **out);

#endif
