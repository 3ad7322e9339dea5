/*
 * hsds.h - Open Referral HSDS 3.0 records in and out of the directory.
 *
 * An import takes services in the JSON shape of the HSDS API reference
 * (a service with its organization, service_at_locations → location with
 * addresses, phones, schedules, languages, accessibility; the service's
 * phones, schedules, languages, cost_options, required_documents, contacts
 * and attributes → taxonomy_term) and writes them in the caller's write
 * transaction. It is all or nothing: the first bad record stops it, and
 * the caller rolls back. It is idempotent: records match on their HSDS id,
 * a record that did not change is left alone, one that did is updated and
 * its change recorded (dir_change). Errors name the file, the row (the
 * record's place in the file) and the field, never a value.
 */
#ifndef HAVEN_HSDS_H
#define HAVEN_HSDS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef struct hsds_report {
    int64_t services_created, services_updated, services_unchanged;
    int64_t organizations, locations, terms;
} hsds_report;

/* Imports DOC: an array of services, or {"services": [...]} (optionally
 * with "organizations": [...] that services name by organization_id).
 * FILE names the source in errors; USER_ID (0: the command line) and
 * SOURCE ("import", "editor") go into the change history. */
hv_result hsds_import(store_conn *c, const json_t *doc, const char *file, int64_t user_id,
                      const char *source, hsds_report *rep, hv_err *e);

#endif
