/*
 * api.h - the JSON API: the application context, the route table, and the
 * helpers handlers share. Handlers only parse, ask the policy, call the
 * domain, audit, and answer.
 */
#ifndef HAVEN_API_H
#define HAVEN_API_H

#include <stdatomic.h>

#include "auth/audit.h"
#include "auth/policy.h"
#include "auth/session.h"
#include "core/config.h"
#include "core/crypt.h"
#include "http/http.h"
#include "model/record.h"
#include "store/store.h"

typedef struct haven_app {
    haven_config cfg;
    store *st;
    crypt_keys *keys;
    session_limits lim;
    int64_t started_ms;
    http_server *http;
    atomic_int ready;
    struct outcomes *outcomes; /* the dashboard's in-memory rollup (report/outcomes.h) */
} haven_app;

extern const http_route api_routes[];
extern const int api_nroutes;

/* The before hook: resolves the session or token, enforces sign-in, the
 * second-factor enrolment gate and CSRF. */
int api_before(http_req *r);

/* The signed-in principal (NULL on public routes without a session). */
session_info *api_who(http_req *r);
/* Answers {"items": [...]}: the rows of SQL on a reader, each turned into
 * JSON by FN (its ctx is the array to append to). */
void api_send_items(http_req *r, const char *sql, const store_val *args, int nargs,
                    store_row_fn fn);
/* Fills *ITEMS for request R (about object ID) on reader connection C. */
typedef hv_result (*api_list_fn)(store_conn *c, http_req *r, int64_t id, json_t **items);
/* Answers {"items": [...]} built by FILL on a reader, and audits ACTION on
 * OBJECT_TYPE ID when ACTION is not NULL. */
void api_send_list(http_req *r, api_list_fn fill, int64_t id, const char *action,
                   const char *object_type);
/* Query parameter NAME as an id: 0 when absent, -1 when it is not one. */
int64_t api_query_id(http_req *r, const char *name);
/* Path parameter 0 as an id; answers 404 itself and returns 0 if it is not one. */
int64_t api_path_id(http_req *r);
haven_app *api_app(http_req *r);

/* Asks the policy; on a denial audits it and answers 403. Returns 1 if
 * allowed. */
int api_allow(http_req *r, policy_action act, policy_object obj, const policy_ctx *ctx,
              int64_t object_id);
/* Fills an audit event with the request's actor and request id. */
audit_event api_event(http_req *r, const char *action, const char *object_type, int64_t object_id);
/* Appends an audit entry in its own transaction (reads). */
void api_audit(http_req *r, const char *action, const char *object_type, int64_t object_id);

/* Validates the JSON body against D; on failure answers 400 naming the
 * field and returns NULL. The caller owns the result. */
json_t *api_input(http_req *r, const record_desc *d, enum record_mode mode);

/* The OpenAPI 3.1 document for the route table. */
json_t *api_openapi(void);

/* Handlers, by file. */
void api_healthz(http_req *r);
void api_readyz(http_req *r);
void api_metrics(http_req *r);
/* api_dirpages.c: what the public directory pages need besides the search API */
void api_directory_config(http_req *r);
void api_openapi_get(http_req *r);
void api_clock_get(http_req *r);
void api_clock_set(http_req *r);
void api_meta(http_req *r);

void api_session_create(http_req *r);
void api_session_delete(http_req *r);
void api_me_get(http_req *r);
void api_me_password(http_req *r);
void api_me_totp_begin(http_req *r);
void api_me_totp_confirm(http_req *r);
void api_tokens_list(http_req *r);
void api_tokens_create(http_req *r);
void api_tokens_delete(http_req *r);

void api_agencies_list(http_req *r);
void api_agencies_create(http_req *r);
void api_agencies_get(http_req *r);
void api_agencies_update(http_req *r);
void api_stations_list(http_req *r);
void api_stations_create(http_req *r);
void api_stations_get(http_req *r);
void api_stations_update(http_req *r);
void api_users_list(http_req *r);
void api_users_create(http_req *r);
void api_users_get(http_req *r);
void api_users_update(http_req *r);
void api_users_password(http_req *r);
void api_users_unlock(http_req *r);
void api_users_totp_reset(http_req *r);
void api_audit_list(http_req *r);

void api_referrals_create(http_req *r);
void api_referrals_list(http_req *r);
void api_referral_get(http_req *r);
void api_referral_update(http_req *r);
void api_referral_event(http_req *r);
void api_referral_timeline(http_req *r);
void api_referral_team_remove(http_req *r);
void api_referral_team_candidates(http_req *r);
void api_referral_add(http_req *r);
void api_appointment_update(http_req *r);
void api_placement_extend(http_req *r);
void api_placement_end(http_req *r);
void api_youth_matches(http_req *r);
void api_youth_suggestions(http_req *r);
void api_youth_linked(http_req *r);
void api_link_pairs_list(http_req *r);
void api_link_pair_get(http_req *r);
void api_link_pair_decide(http_req *r);
void api_link_merge_undo(http_req *r);
void api_link_scan(http_req *r);
void api_tasks(http_req *r);
void api_outcomes_get(http_req *r);
void api_exports_get(http_req *r);
void api_notifications_list(http_req *r);
void api_notification_read(http_req *r);
void api_events(http_req *r);
void api_beds_list(http_req *r);
void api_beds_set(http_req *r);
void api_oncall_list(http_req *r);
void api_oncall_create(http_req *r);
void api_oncall_delete(http_req *r);
void api_arrests_list(http_req *r);
void api_arrests_create(http_req *r);

void api_oncall_now(http_req *r);
void api_oncall_gaps(http_req *r);
void api_rotations_list(http_req *r);
void api_rotations_create(http_req *r);
void api_rotation_get(http_req *r);
void api_rotation_update(http_req *r);
void api_rotation_delete(http_req *r);
void api_rotation_shifts(http_req *r);
void api_override_create(http_req *r);
void api_override_delete(http_req *r);
void api_policies_list(http_req *r);
void api_policies_create(http_req *r);
void api_policy_update(http_req *r);
void api_policy_delete(http_req *r);
void api_alerts_list(http_req *r);
void api_alert_get(http_req *r);
void api_alert_ack(http_req *r);
void api_ack_get(http_req *r);
void api_ack_post(http_req *r);
void api_sms_inbound(http_req *r);
void api_contacts_list(http_req *r);
void api_contacts_create(http_req *r);
void api_contact_delete(http_req *r);
void api_contact_verify(http_req *r);
void api_contact_resend(http_req *r);
void api_rules_list(http_req *r);
void api_rules_create(http_req *r);
void api_rule_delete(http_req *r);
void api_test_stall(http_req *r);

void api_jurisdictions_list(http_req *r);
void api_jurisdictions_create(http_req *r);
void api_jurisdiction_get(http_req *r);
void api_jurisdiction_update(http_req *r);
void api_deliverables_list(http_req *r);
void api_deliverables_create(http_req *r);
void api_deliverable_get(http_req *r);
void api_deliverable_update(http_req *r);
void api_program_get(http_req *r);
/* The OpenAPI schemas of the program routes (api_program.c). */
void api_program_schemas(json_t *schemas);
/* The record-linkage routes' schemas (api_linkage.c). */
void api_linkage_schemas(json_t *schemas);
/* After intake created a new youth (VALS holds its youth_id, YOUTH its
 * details): queues the pairs with known youth a person should decide. */
hv_result api_intake_pairs(store_conn *c, json_t *vals, json_t *youth, int64_t now);

/* The directory's editors and Safe Youth Zone sites (api_direditor.c). */
void api_direditor_list(http_req *r);
void api_direditor_create(http_req *r);
void api_direditor_get(http_req *r);
void api_direditor_update(http_req *r);
void api_direditor_verify(http_req *r);
void api_direditor_history(http_req *r);
void api_direditor_unverified(http_req *r);
void api_direditor_import(http_req *r);
void api_syz_flag(http_req *r);
void api_syz_sites(http_req *r);
void api_syz_staff_add(http_req *r);
void api_syz_staff_remove(http_req *r);
void api_direditor_schemas(json_t *schemas);

/* The services directory's public read API (api_directory.c). */
void api_directory_root(http_req *r);
void api_directory_services(http_req *r);
void api_directory_service(http_req *r);
void api_directory_organizations(http_req *r);
void api_directory_organization(http_req *r);
void api_directory_sals(http_req *r);
void api_directory_sal(http_req *r);
void api_directory_taxonomies(http_req *r);
void api_directory_terms(http_req *r);
void api_directory_term(http_req *r);
void api_directory_location(http_req *r);
void api_directory_sites(http_req *r);
/* Its query parameters and shapes in the OpenAPI document. */
void api_directory_openapi_params(const http_route *rt, json_t *params);
void api_directory_schemas(json_t *schemas);

/* The live-event pump (api_events.c). */
hv_result api_events_start(haven_app *app);
void api_events_stop(void);
/* Fires every clock due now (after the test clock moved) and wakes streams. */
void api_fire_clocks(haven_app *app);

#endif
