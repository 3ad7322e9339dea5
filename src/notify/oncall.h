/*
 * oncall.h - who is on call: rotations, overrides and coverage, as rows.
 *
 * A rotation belongs to an agency and is primary or backup. Its members take
 * shifts of a fixed number of wall-clock hours from a start date and hand-off
 * time in the rotation's time zone (the arithmetic is in roster.c). An
 * override puts someone else on a rotation for a span of time (a swap, a
 * sick day); the newest override covering an instant wins. An agency with
 * no rotation falls back to its ordered on-call list (the protocol issue's
 * `oncall` table): its first person is on call, its second is the backup.
 */
#ifndef HAVEN_ONCALL_H
#define HAVEN_ONCALL_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef enum oncall_tier { ONCALL_PRIMARY, ONCALL_BACKUP } oncall_tier;

/* The user on call for AGENCY_ID at AT in TIER (*USER_ID 0: nobody). The
 * backup is the backup rotation's person, else the next one in the primary
 * rotation, else the second on the list. */
hv_result oncall_user(store_conn *c, int64_t agency_id, oncall_tier tier, int64_t at,
                      int64_t *user_id);

/* Checks a rotation body {agency_id, name, tier, time_zone, start_date,
 * handoff, shift_hours, member_ids}; E names the offending field. */
hv_result oncall_rotation_check(const json_t *body, hv_err *e);
/* Creates (ID 0) or replaces rotation ID from BODY; *OUT gets its id. */
hv_result oncall_rotation_save(store_conn *c, int64_t id, const json_t *body, int64_t now,
                               int64_t *out, hv_err *e);
hv_result oncall_rotation_delete(store_conn *c, int64_t id);
/* Rotation ID with members, overrides and who holds it at AT. */
hv_result oncall_rotation_get(store_conn *c, int64_t id, int64_t at, json_t **out);
/* Every rotation of AGENCY_ID (0: all) as oncall_rotation_get gives them. */
hv_result oncall_rotations(store_conn *c, int64_t agency_id, int64_t at, json_t **out);
/* The agency a rotation belongs to (HV_ERR_NOTFOUND if none). */
hv_result oncall_rotation_agency(store_conn *c, int64_t id, int64_t *agency_id);

/* Puts USER_ID on rotation ROTATION_ID from START to END. */
hv_result oncall_override_add(store_conn *c, int64_t rotation_id, int64_t user_id, int64_t start,
                              int64_t end, const char *reason, int64_t by, int64_t now, int64_t *id,
                              hv_err *e);
/* Removes override ID; *ROTATION_ID gets the rotation it was on. */
hv_result oncall_override_delete(store_conn *c, int64_t id, int64_t *rotation_id);

/* Who is on call at AT for AGENCY_ID (0: every agency with a rotation or a
 * list): [{agency_id, agency_name, primary:{user_id, display_name,
 * rotation_id, shift_start, shift_end, override}, backup:{...}}]. */
hv_result oncall_now(store_conn *c, int64_t agency_id, int64_t at, json_t **out);
/* The shifts of rotation ID that overlap [FROM, TO), overrides applied. */
hv_result oncall_shifts(store_conn *c, int64_t rotation_id, int64_t from, int64_t to, json_t **out);
/* The spans in [FROM, TO) when nobody is on call for AGENCY_ID (0: each
 * agency that has a rotation): [{agency_id, agency_name, start, end, hours}]. */
hv_result oncall_gaps(store_conn *c, int64_t agency_id, int64_t from, int64_t to, json_t **out);

#endif
