/*
 * editor.h - the directory as its editors keep it: find a service, read it
 * as HSDS JSON, save an edited one, mark it verified, its change history
 * with a field-level diff, and the services nobody has verified for a year.
 *
 * Every write goes through hsds_import (source "editor") or writes its own
 * dir_change row, so the history and the search index (keyed on
 * max(dir_change.id)) follow. The caller holds the transaction: a read
 * connection for the readers, a write transaction for the writers.
 */
#ifndef HAVEN_DIR_EDITOR_H
#define HAVEN_DIR_EDITOR_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define DIR_EDITOR_PAGE_MAX 200

/* Services whose name, organization or HSDS id holds Q (NULL or "" for
 * all), by name, page PAGE (from 1) of PER_PAGE. *OUT is {total, page,
 * per_page, items:[{id, hsds_id, name, organization, status, verified_at,
 * assured_date, updated_at}]}. */
hv_result dir_editor_list(store_conn *c, const char *q, int page, int per_page, json_t **out);

/* One service: haven's columns, the HSDS JSON last imported or saved
 * ("service"), its version, and its locations with their Safe Youth Zone
 * flags and linked staff. HV_ERR_NOTFOUND when there is none. */
hv_result dir_editor_get(store_conn *c, int64_t id, json_t **out);

/* The service's version: its newest dir_change id (0 when none), the
 * ETag an edit's If-Match names. */
hv_result dir_editor_version(store_conn *c, int64_t id, int64_t *version);

/* Saves SERVICE (one HSDS service object) as service ID (0: a new one)
 * through hsds_import with source "editor". A new service without an
 * "id" gets one; an existing one keeps its HSDS id. An edit is not a
 * verification: verified_at stays what it was. *OUT_ID gets the service's
 * id; E names a bad field ("service.name", "service.service_at_locations
 * [0].location.latitude"). */
hv_result dir_editor_save(store_conn *c, int64_t id, const json_t *service, int64_t user_id,
                          int64_t *out_id, hv_err *e);

/* Marks service ID verified now: verified_at, assured_date (today in the
 * county's zone) and a dir_change row "verified". */
hv_result dir_editor_verify(store_conn *c, int64_t id, int64_t user_id, hv_err *e);

/* The change history of service ID, newest first: {items:[{id, at, by,
 * source, action, changes:[{field, before, after}]}]}, each change a
 * field of the HSDS JSON (a path like "phones[0].number") that differs. */
hv_result dir_editor_history(store_conn *c, int64_t id, json_t **out);

/* The fields that differ between BEFORE and AFTER (either may be NULL),
 * appended to CHANGES as {field, before, after}; at most LIMIT entries. */
void dir_editor_diff(const json_t *before, const json_t *after, json_t *changes, size_t limit);

/* Services not verified since MONTHS months before now (the settable
 * clock), or never: oldest first, with the organization. {cutoff, items}. */
hv_result dir_editor_unverified(store_conn *c, int months, json_t **out);

#endif
