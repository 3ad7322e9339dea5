/*
 * program.h - the program office's two trackers and their summary.
 *
 * Expansion: every jurisdiction the protocol is to cover (LASD stations,
 * the contract cities and unincorporated areas they serve, the cities with
 * their own police department), its status and its planned or actual
 * go-live date. Deliverables: the protocols and products the Integrated
 * Leadership Team promised the Board, their owner, due date and status.
 *
 * Records are described once (the descriptors below); the rules that span
 * fields or rows (a live jurisdiction has a go-live date that is not in the
 * future, an area names the LASD station that serves it, a done deliverable
 * has its completion date ...) are checked here on the row as it will be
 * after the change, and a refusal names the field. Dates are calendar dates
 * ("YYYY-MM-DD"); "today" is the county's date, given by the caller so that
 * a whole request sees one day. The figures are defined in docs/metrics.md,
 * "Expansion and deliverables". No personal data lives here.
 */
#ifndef HAVEN_PROGRAM_H
#define HAVEN_PROGRAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/record.h"
#include "store/store.h"

/* The words the API and the database carry, NULL-terminated, in the order
 * the summary tables list them; program_label() gives the words for people. */
extern const char *const program_kinds[];                /* lasd_station, contract_city, ... */
extern const char *const program_statuses[];             /* not_started, planning, training, live */
extern const char *const program_deliverable_statuses[]; /* not_started ... done */

extern const record_desc program_jurisdiction_desc;
extern const record_desc program_deliverable_desc;

/* The label of VALUE from any of the three lists above ("lasd_station" ->
 * "LASD station"); VALUE itself when unknown. */
const char *program_label(const char *value);

/* Today's date in the county's time zone (clock.h), as "YYYY-MM-DD" into
 * OUT (at least 11 bytes). */
void program_today(char *out, size_t outsz);

/* Creates (ID 0; *NEW_ID gets the new id, may be NULL for updates) or
 * changes jurisdiction ID from VALS, the output of record_parse() against
 * program_jurisdiction_desc (a missing status on create becomes
 * not_started). The rules are checked on the row as it will be; E names
 * the offending field. Runs in the caller's write transaction. */
hv_result program_jurisdiction_save(store_conn *c, int64_t id, json_t *vals, const char *today,
                                    int64_t *new_id, hv_err *e);
/* The same for deliverables (program_deliverable_desc). */
hv_result program_deliverable_save(store_conn *c, int64_t id, json_t *vals, const char *today,
                                   int64_t *new_id, hv_err *e);

/* List filters; a NULL or empty string is no filter. */
typedef struct program_filter {
    const char *kind;    /* jurisdictions: one of program_kinds */
    const char *status;  /* one of the record's statuses */
    const char *overdue; /* deliverables: "true" or "false" (also "1", "0") */
    const char *q;       /* text in the name, or in the title and owner */
} program_filter;

/* Jurisdictions as a JSON array, by name. HV_ERR_INVALID (E names the
 * query parameter) for a kind or status that is not one. */
hv_result program_jurisdiction_list(store_conn *c, const program_filter *f, json_t **out,
                                    hv_err *e);
hv_result program_jurisdiction_get(store_conn *c, int64_t id, json_t **out);

/* Deliverables as a JSON array, by due date, each with "overdue" (due
 * before TODAY and not done) and "days_overdue" (0 when not overdue). */
hv_result program_deliverable_list(store_conn *c, const program_filter *f, const char *today,
                                   json_t **out, hv_err *e);
hv_result program_deliverable_get(store_conn *c, int64_t id, const char *today, json_t **out);

/* The summary as a report document (docs/metrics.md, "Table format"):
 * {"title", "subtitle", "as_of", "generated_at", "tables": [expansion_status,
 * coverage, expansion_timeline, deliverables, deliverables_status]}, on
 * reader or writer connection C, as of the county date TODAY. */
hv_result program_report(store_conn *c, const char *today, json_t **doc);

#endif
