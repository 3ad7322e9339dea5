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

/* ---- export (hsds_export.c) -------------------------------------------------------
 * The directory's records in the shapes of the HSDS API reference, built
 * from the tables (so editors' changes show), nulls left out, in a fixed
 * order: two exports of the same directory are byte for byte the same, and
 * hsds_import() of an export gives the same directory back. Small records
 * (phones, languages, cost_options, required_documents, contacts,
 * accessibility, schedules) come as stored, with their id and without link
 * keys (service_id, location_id …): their place in the nesting says it.
 * Each takes a connection from store_read() or store_begin(), allocates
 * *OUT (the caller json_decref()s it) and returns HV_ERR_NOTFOUND for an id
 * not in the directory. No personal data is involved: directory records
 * are public. */

/* The full service ID (haven's dir_service.id): its fields, "organization"
 * (object), "phones", "schedules", "languages", "cost_options",
 * "required_documents", "contacts", "attributes" (each {id, link_type,
 * link_entity, taxonomy_term_id, taxonomy_term{id, code, name,
 * description, parent_id, taxonomy, taxonomy_id, language}}) and
 * "service_at_locations" ({id, description, schedules, location{id,
 * location_type, organization_id, name, …, latitude, longitude, addresses,
 * phones, languages, accessibility, schedules}}). Empty lists are left out.
 * What GET /api/directory/services/{id} answers (plus haven's open_now …). */
hv_result hsds_export_service(store_conn *c, int64_t id, json_t **out);

/* One organization, location (as nested above) or taxonomy term, by
 * haven's id. */
hv_result hsds_export_organization(store_conn *c, int64_t id, json_t **out);
hv_result hsds_export_location(store_conn *c, int64_t id, json_t **out);
hv_result hsds_export_term(store_conn *c, int64_t id, json_t **out);

/* Every service, full, ordered by HSDS id: a JSON array. */
hv_result hsds_export_all(store_conn *c, json_t **out);

/* Every taxonomy ({id, name, description, uri, version}, by HSDS id) and
 * every term (as hsds_export_term, by taxonomy then HSDS id). */
hv_result hsds_export_taxonomies(store_conn *c, json_t **taxonomies, json_t **terms);

#endif
