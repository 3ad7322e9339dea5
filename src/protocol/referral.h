/*
 * referral.h - one activation of the First Responder Protocol, from intake
 * to close: the state machine of docs/protocol.md, routing, the case team,
 * and the records the MDT and the team keep on it.
 *
 * Every function here works inside a write transaction the caller opened
 * (store_begin) and commits with its audit entry; none commits itself. The
 * caller has already asked the policy whether the user may read or change
 * the case at all; the rules of the protocol itself (who in the case may
 * acknowledge, what is legal in which state) are checked here, and a breach
 * is HV_ERR_DENIED or HV_ERR_CONFLICT with a sentence in E.
 */
#ifndef HAVEN_REFERRAL_H
#define HAVEN_REFERRAL_H

#include <jansson.h>
#include <stdint.h>

#include "auth/policy.h"
#include "core/crypt.h"
#include "core/err.h"
#include "store/store.h"

typedef struct referral_row {
    int64_t id, version, youth_id, opened_by, identifying_agency_id, station_id;
    int64_t lead_agency_id, lead_user_id, advocacy_agency_id, advocate_user_id;
    int64_t encountered_at, acknowledged_at, lead_en_route_at, lead_arrived_at;
    int64_t advocate_notified_at, advocate_en_route_at, advocate_arrived_at;
    int64_t advocacy_closed_at, closed_at, created_at;
    char state[16];
    char number[32];
} referral_row;

/* Sets the key for blind indexes of youth identifiers. */
void referral_set_keys(const crypt_keys *k);

hv_result referral_load(store_conn *c, int64_t id, referral_row *out);
/* The asker's relation to the referral, for policy_check(). */
hv_result referral_policy_ctx(store_conn *c, const principal *p, const referral_row *rr,
                              policy_ctx *ctx);
/* 1 if P may see the referral's health details. */
int referral_health_visible(store_conn *c, const principal *p, const referral_row *rr);

/* Intake. VALS is a parsed referral (referral_desc), YOUTH a parsed youth
 * (youth_desc) or NULL when VALS names youth_id. */
hv_result referral_open(store_conn *c, const principal *p, json_t *vals, json_t *youth, int64_t now,
                        int64_t *id, hv_err *e);
/* An event of the state machine (event_input_desc). */
hv_result referral_event(store_conn *c, const principal *p, int64_t id, json_t *ev, int64_t now,
                         hv_err *e);

/* Side records (each bumps the version and adds to the timeline). WHAT is
 * "mdt", "consent", "appointment", "placement", "contact", "detention",
 * "status", "advocacy_close", "team" (a person joins the case team). */
hv_result referral_add(store_conn *c, const principal *p, int64_t id, const char *what,
                       json_t *vals, int64_t now, int64_t *new_id, hv_err *e);
/* Takes USER_ID off the case team (not the lead or the advocate). */
hv_result referral_team_remove(store_conn *c, const principal *p, int64_t id, int64_t user_id,
                               int64_t now, hv_err *e);
/* Active users who could join a case team as CASE_ROLE (team_input_desc),
 * as [{id, display_name, agency}]. */
hv_result referral_team_candidates(store_conn *c, const char *case_role, json_t **out);
/* Changes an appointment (state, time, outcome). *REFERRAL_ID gets its case. */
hv_result referral_appointment_update(store_conn *c, const principal *p, int64_t appt_id,
                                      json_t *vals, int64_t now, int64_t *referral_id, hv_err *e);
/* Extends (EXTEND 1, extend_input_desc) or ends (end_input_desc) a placement. */
hv_result referral_placement_change(store_conn *c, const principal *p, int64_t placement_id,
                                    int extend, json_t *vals, int64_t now, int64_t *referral_id,
                                    hv_err *e);
/* Changes intake details (PATCH). */
hv_result referral_update(store_conn *c, const principal *p, int64_t id, json_t *vals, int64_t now,
                          hv_err *e);

/* The whole case as the API shows it to P. */
hv_result referral_case_json(store_conn *c, const principal *p, int64_t id, int64_t now,
                             json_t **out);
/* Board items of the referrals P may see (OPEN_ONLY: not closed; MINE:
 * only where P is lead or advocate). */
hv_result referral_board(store_conn *c, const principal *p, int open_only, int mine,
                         const char *state, int64_t now, json_t **out);
/* The referral ids P may see among those changed: 1 if P may see ID. */
int referral_visible(store_conn *c, const principal *p, int64_t id);

/* Youth whose name and date of birth match exactly (blind indexes). */
hv_result referral_youth_matches(store_conn *c, const char *first, const char *last,
                                 const char *dob, json_t **out);

#endif
