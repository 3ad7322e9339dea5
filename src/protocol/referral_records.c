/*
 * referral_records.c - what the team records on a referral besides its
 * state: MDT meetings, consents, appointments, placements, advocacy
 * contacts, statuses, detentions, and edits of the intake (see referral.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "core/clock.h"
#include "notify/outbox.h"
#include "protocol/deadline.h"
#include "protocol/model.h"
#include "protocol/referral_internal.h"
#include "protocol/routing.h"
#include "protocol/timeline.h"

/* "youth, lead" -> 1 if every item is a known member kind. */
static int
valid_members(const char *s)
{
    if (!s)
        return 1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        char *end = t + strlen(t);
        while (end > t && end[-1] == ' ')
            *--end = '\0';
        if (*t && !model_in(mdt_member_values, t))
            return 0;
    }
    return 1;
}

/* "3,5" -> 1 if every item is an agency's id. */
static hv_result
valid_agency_list(store_conn *c, const char *s, int *ok)
{
    *ok = 0;
    if (!s || !*s)
        return HV_OK;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    int count = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long long id = strtoll(t, &end, 10);
        while (*end == ' ')
            end++;
        if (id <= 0 || *end)
            return HV_OK;
        int64_t n = 0;
        store_val a[] = {SV_INTV(id)};
        hv_result r = store_query_int(c, "SELECT COUNT(*) FROM agency WHERE id = ?", a, 1, &n);
        if (r != HV_OK)
            return r;
        if (!n)
            return HV_OK;
        count++;
    }
    *ok = count > 0;
    return HV_OK;
}

static hv_result
add_mdt(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now, int64_t *nid,
        hv_err *e)
{
    const char *kind = jstr(v, "kind");
    int initial = strcmp(kind, "initial") == 0;
    const char *decision = jstr(v, "decision");
    if (initial && strcmp(rr->state, "on_scene") != 0)
        return hv_fail(e, HV_ERR_CONFLICT, "kind",
                       strcmp(rr->state, "follow_up") == 0
                           ? "the initial MDT is already recorded"
                           : "the initial MDT is held once the lead is at the staging area");
    if (!initial && strcmp(rr->state, "follow_up") != 0)
        return hv_fail(e, HV_ERR_CONFLICT, "kind", "a follow-up MDT comes after the initial one");
    if (initial && !decision)
        return hv_fail(e, HV_ERR_INVALID, "decision", "record the initial MDT decision");
    if (decision && strcmp(decision, "juvenile_hall") == 0 && !jstr(v, "juvenile_hall_reason"))
        return hv_fail(e, HV_ERR_INVALID, "juvenile_hall_reason",
                       "say why the youth goes to juvenile hall");
    if ((!decision || strcmp(decision, "juvenile_hall") != 0) && jstr(v, "juvenile_hall_reason"))
        return hv_fail(e, HV_ERR_INVALID, "juvenile_hall_reason",
                       "a juvenile hall reason needs the juvenile hall decision");
    if (!valid_members(jstr(v, "members")))
        return hv_fail(e, HV_ERR_INVALID, "members",
                       "list members as youth, lead, advocate, officer, caregiver, clinician, "
                       "attorney or other, separated by commas");
    int64_t follow = jint(v, "follow_up_at");
    int64_t held = jint(v, "held_at");
    if (held > now + 5 * MINUTE_MS)
        return hv_fail(e, HV_ERR_INVALID, "held_at", "an MDT cannot be recorded before it meets");
    if (follow && follow <= held)
        return hv_fail(e, HV_ERR_INVALID, "follow_up_at",
                       "the follow-up MDT must come after this one");
    json_object_set_new(v, "recorded_by", json_integer(p->user_id));
    hv_result r = record_insert(c, &mdt_desc, v, nid, e);
    if (r != HV_OK)
        return r;
    if (initial) {
        store_val a[] = {SV_TEXTV(decision), SV_INTV(rr->id)};
        if ((r = store_exec(c,
                            "UPDATE referral SET initial_decision = ?, state = 'follow_up' WHERE "
                            "id = ?",
                            a, 2, NULL)) != HV_OK)
            return r;
    } else if ((r = deadline_meet(c, rr->id, "follow_up_mdt", 0, held, NULL)) != HV_OK) {
        return r;
    }
    if (follow && (r = deadline_start(c, rr->id, "follow_up_mdt", 0, rr->lead_user_id,
                                      rr->lead_agency_id, now, follow)) != HV_OK)
        return r;
    return timeline_add(c, rr->id, p->user_id, initial ? "mdt.initial" : "mdt.follow_up",
                        json_pack("{s:I, s:o}", "mdt_id", (json_int_t)*nid, "decision",
                                  decision ? json_string(decision) : json_null()),
                        now);
}

static hv_result
add_consent(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now,
            int64_t *nid, hv_err *e)
{
    const char *kind = jstr(v, "kind");
    int ok = 0;
    hv_result r;
    if (strcmp(kind, "info_sharing") == 0) {
        if ((r = valid_agency_list(c, jstr(v, "agency_ids"), &ok)) != HV_OK)
            return r;
        if (!ok)
            return hv_fail(e, HV_ERR_INVALID, "agency_ids",
                           "name the agencies the authorisation covers (their ids, by commas)");
    } else if (jstr(v, "agency_ids")) {
        return hv_fail(e, HV_ERR_INVALID, "agency_ids",
                       "agencies are named only for information sharing");
    }
    json_object_set_new(v, "recorded_by", json_integer(p->user_id));
    if ((r = record_insert(c, &consent_desc, v, nid, e)) != HV_OK)
        return r;
    return timeline_add(c, rr->id, p->user_id, "consent.recorded",
                        json_pack("{s:s, s:I}", "consent", kind, "consent_id", (json_int_t)*nid),
                        now);
}

static hv_result
add_appointment(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now,
                int64_t *nid, hv_err *e)
{
    json_object_set_new(v, "state", json_string("scheduled"));
    json_object_set_new(v, "reschedule_count", json_integer(0));
    json_object_del(v, "outcome");
    hv_result r = record_insert(c, &appointment_desc, v, nid, e);
    if (r != HV_OK)
        return r;
    char when[40];
    clock_format_iso(jint(v, "scheduled_for"), when, sizeof when);
    return timeline_add(c, rr->id, p->user_id, "appointment.scheduled",
                        json_pack("{s:s, s:s, s:I}", "appointment", jstr(v, "kind"),
                                  "scheduled_for", when, "appointment_id", (json_int_t)*nid),
                        now);
}

static hv_result
free_beds(store_conn *c, int64_t agency, int64_t *free_out)
{
    int64_t cap = 0, used = 0;
    store_val a[] = {SV_INTV(agency)};
    hv_result r =
        store_query_int(c, "SELECT capacity FROM bed_capacity WHERE agency_id = ?", a, 1, &cap);
    if (r == HV_ERR_NOTFOUND)
        cap = 0, r = HV_OK;
    if (r == HV_OK)
        r = store_query_int(c,
                            "SELECT COUNT(*) FROM placement WHERE provider_agency_id = ? AND kind "
                            "= 'soda_pad' AND ended_at IS NULL",
                            a, 1, &used);
    *free_out = cap - used;
    return r;
}

static hv_result
add_placement(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now,
              int64_t *nid, hv_err *e)
{
    const char *kind = jstr(v, "kind");
    int64_t provider = jint(v, "provider_agency_id");
    int64_t start = jint(v, "started_at");
    hv_result r;
    if (strcmp(kind, "soda_pad") == 0) {
        char akind[32];
        if (!provider)
            return hv_fail(e, HV_ERR_INVALID, "provider_agency_id", "choose the bed provider");
        if ((r = routing_agency_kind(c, provider, akind, sizeof akind)) != HV_OK)
            return r;
        if (strcmp(akind, "placement_provider") != 0)
            return hv_fail(e, HV_ERR_INVALID, "provider_agency_id",
                           "the provider must be a SODA/PAD bed provider");
        int64_t left = 0;
        if ((r = free_beds(c, provider, &left)) != HV_OK)
            return r;
        if (left <= 0)
            return hv_fail(e, HV_ERR_CONFLICT, "provider_agency_id",
                           "this provider has no free bed now; see the bed board");
    }
    if (start > now + 5 * MINUTE_MS)
        return hv_fail(e, HV_ERR_INVALID, "started_at", "a placement cannot start in the future");
    /* the previous placement ends where this one begins */
    store_val a[] = {SV_INTV(start), SV_INTV(now), SV_INTV(rr->id)};
    if ((r = store_exec(c,
                        "UPDATE placement SET ended_at = ?, end_reason = 'moved_on', updated_at = "
                        "? WHERE referral_id = ? AND ended_at IS NULL",
                        a, 3, NULL)) != HV_OK)
        return r;
    if ((r = deadline_meet(c, rr->id, "bed_stay", 0, start, NULL)) != HV_OK)
        return r;
    if ((r = record_insert(c, &placement_desc, v, nid, e)) != HV_OK)
        return r;
    if (strcmp(kind, "soda_pad") == 0 &&
        (r = deadline_start(c, rr->id, "bed_stay", *nid, rr->lead_user_id, rr->lead_agency_id,
                            start, 0)) != HV_OK)
        return r;
    return timeline_add(
        c, rr->id, p->user_id, "placement.started",
        json_pack("{s:s, s:I}", "placement", kind, "placement_id", (json_int_t)*nid), now);
}

static hv_result
add_contact(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now,
            int64_t *nid, hv_err *e)
{
    const char *kind = jstr(v, "kind");
    if (strcmp(kind, "basic_need") == 0 && !jstr(v, "need"))
        return hv_fail(e, HV_ERR_INVALID, "need", "say which basic need was met");
    json_object_set_new(v, "by_user_id", json_integer(p->user_id));
    hv_result r = record_insert(c, &contact_desc, v, nid, e);
    if (r != HV_OK)
        return r;
    return timeline_add(c, rr->id, p->user_id, "advocacy.contact",
                        json_pack("{s:s, s:o}", "contact", kind, "need",
                                  jstr(v, "need") ? json_string(jstr(v, "need")) : json_null()),
                        now);
}

static hv_result
add_status(store_conn *c, const principal *p, referral_row *rr, json_t *v, int64_t now, hv_err *e)
{
    const char *kind = jstr(v, "kind");
    const char *status = jstr(v, "status");
    int is72 = strcmp(kind, "status_72h") == 0;
    if (!model_in(is72 ? status_72h_values : whereabouts_values, status))
        return hv_fail(e, HV_ERR_INVALID, "status", "that status does not fit %s",
                       is72 ? "the 72-hour status" : "where the youth is now");
    store_val a[] = {SV_TEXTV(status), SV_INTV(now), SV_INTV(rr->id)};
    hv_result r =
        store_exec(c,
                   is72 ? "UPDATE referral SET status_72h = ?, status_72h_at = ? WHERE id = ?"
                        : "UPDATE referral SET whereabouts = ?, whereabouts_at = ? WHERE "
                          "id = ?",
                   a, 3, NULL);
    store_val h[] = {SV_INTV(rr->id), SV_TEXTV(kind), SV_TEXTV(status), SV_INTV(now),
                     SV_INTV(p->user_id)};
    if (r == HV_OK)
        r = store_exec(c,
                       "INSERT INTO status_history (referral_id, kind, status, at, by_user_id) "
                       "VALUES (?, ?, ?, ?, ?)",
                       h, 5, NULL);
    if (r == HV_OK && is72)
        r = deadline_meet(c, rr->id, "status_72h", 0, now, NULL);
    if (r == HV_OK)
        r = timeline_add(c, rr->id, p->user_id, is72 ? "status.72h" : "status.whereabouts",
                         json_pack("{s:s}", "status", status), now);
    return r;
}

/* Loads referral ID for a change: a closed one takes no more records. */
static hv_result
load_open(store_conn *c, int64_t id, referral_row *rr, hv_err *e)
{
    hv_result r = referral_load(c, id, rr);
    if (r == HV_OK && strcmp(rr->state, "closed") == 0)
        return hv_fail(e, HV_ERR_CONFLICT, NULL, "the referral is closed");
    return r;
}

/* Adds a person to the case team (team_input_desc): they must be an active
 * user holding the app role the case role needs ("member" needs none). */
static hv_result
add_team(store_conn *c, const principal *p, const referral_row *rr, json_t *vals, int64_t now,
         hv_err *e)
{
    int64_t user = jint(vals, "user_id");
    const char *crole = jstr(vals, "case_role");
    int64_t disabled = 0;
    store_val u[] = {SV_INTV(user)};
    hv_result r = store_query_int(c, "SELECT disabled FROM app_user WHERE id = ?", u, 1, &disabled);
    if (r == HV_ERR_NOTFOUND || (r == HV_OK && disabled))
        return hv_fail(e, HV_ERR_INVALID, "user_id", "there is no such active user");
    if (r != HV_OK)
        return r;
    if (strcmp(crole, "member") != 0) {
        int64_t n = 0;
        store_val a[] = {SV_INTV(user), SV_TEXTV(crole)};
        if ((r = store_query_int(c, "SELECT COUNT(*) FROM user_role WHERE user_id = ? AND role = ?",
                                 a, 2, &n)) != HV_OK)
            return r;
        if (!n)
            return hv_fail(e, HV_ERR_INVALID, "case_role", "that person does not hold this role");
    }
    int member = 0;
    if ((r = referral_is_member(c, rr->id, user, crole, &member)) != HV_OK)
        return r;
    if (member)
        return hv_fail(e, HV_ERR_CONFLICT, "user_id", "already on the team in that role");
    char msg[200];
    snprintf(msg, sizeof msg,
             "You were added to the team of CSEC referral %s as %s. Open the case for details.",
             rr->number, crole);
    if ((r = referral_add_member(c, rr->id, user, crole, now)) != HV_OK ||
        (r = outbox_to_user(c, user, rr->id, "team.added", NP_NORMAL, msg, now)) != HV_OK)
        return r;
    return timeline_add(c, rr->id, p->user_id, "team.added",
                        json_pack("{s:I, s:s}", "user_id", (json_int_t)user, "case_role", crole),
                        now);
}

hv_result
referral_team_remove(store_conn *c, const principal *p, int64_t id, int64_t user_id, int64_t now,
                     hv_err *e)
{
    referral_row rr;
    hv_result r = load_open(c, id, &rr, e);
    if (r != HV_OK)
        return r;
    int64_t removed = 0;
    store_val a[] = {SV_INTV(now), SV_INTV(id), SV_INTV(user_id)};
    r = store_exec(c,
                   "UPDATE case_member SET removed_at = ? WHERE referral_id = ? AND user_id = ? "
                   "AND removed_at IS NULL AND case_role NOT IN ('lead', 'advocate')",
                   a, 3, &removed);
    if (r != HV_OK)
        return r;
    if (!removed) {
        if (referral_on_team(c, id, user_id))
            return hv_fail(e, HV_ERR_CONFLICT, "user_id",
                           "the lead and the advocate change by reassignment, not removal");
        return hv_fail(e, HV_ERR_NOTFOUND, "user_id", "that person is not on the team");
    }
    if ((r = timeline_add(c, id, p->user_id, "team.removed",
                          json_pack("{s:I}", "user_id", (json_int_t)user_id), now)) != HV_OK)
        return r;
    return referral_bump(c, id, now);
}

hv_result
referral_add(store_conn *c, const principal *p, int64_t id, const char *what, json_t *vals,
             int64_t now, int64_t *new_id, hv_err *e)
{
    referral_row rr;
    hv_result r = load_open(c, id, &rr, e);
    if (r != HV_OK)
        return r;
    int64_t nid = 0;
    if (strcmp(what, "status") != 0 && strcmp(what, "advocacy_close") != 0 &&
        strcmp(what, "team") != 0)
        json_object_set_new(vals, "referral_id", json_integer(id));
    if (strcmp(what, "mdt") == 0)
        r = add_mdt(c, p, &rr, vals, now, &nid, e);
    else if (strcmp(what, "consent") == 0)
        r = add_consent(c, p, &rr, vals, now, &nid, e);
    else if (strcmp(what, "appointment") == 0)
        r = add_appointment(c, p, &rr, vals, now, &nid, e);
    else if (strcmp(what, "placement") == 0)
        r = add_placement(c, p, &rr, vals, now, &nid, e);
    else if (strcmp(what, "contact") == 0)
        r = add_contact(c, p, &rr, vals, now, &nid, e);
    else if (strcmp(what, "status") == 0)
        r = add_status(c, p, &rr, vals, now, e);
    else if (strcmp(what, "team") == 0)
        r = add_team(c, p, &rr, vals, now, e);
    else if (strcmp(what, "detention") == 0) {
        r = record_insert(c, &detention_desc, vals, &nid, e);
        if (r == HV_OK)
            r = timeline_add(c, id, p->user_id, "detention.recorded",
                             json_pack("{s:s}", "reason", jstr(vals, "reason")), now);
    } else if (strcmp(what, "advocacy_close") == 0) {
        if (rr.advocacy_closed_at)
            return hv_fail(e, HV_ERR_CONFLICT, NULL, "advocacy is already closed");
        store_val a[] = {SV_INTV(jint(vals, "closed_at")), SV_INTV(id)};
        r = store_exec(c, "UPDATE referral SET advocacy_closed_at = ? WHERE id = ?", a, 2, NULL);
        if (r == HV_OK)
            r = deadline_meet(c, id, "advocacy", 0, jint(vals, "closed_at"), NULL);
        if (r == HV_OK)
            r = timeline_add(c, id, p->user_id, "advocacy.closed", NULL, now);
    } else {
        r = HV_ERR_INVALID;
    }
    if (r == HV_OK)
        r = referral_bump(c, id, now);
    if (r == HV_OK && new_id)
        *new_id = nid;
    return r;
}

/* The referral a side record belongs to. */
static hv_result
owner_of(store_conn *c, const char *table, int64_t id, int64_t *referral_id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT referral_id FROM %s WHERE id = ?", table);
    store_val a[] = {SV_INTV(id)};
    return store_query_int(c, sql, a, 1, referral_id);
}

hv_result
referral_appointment_update(store_conn *c, const principal *p, int64_t appt_id, json_t *vals,
                            int64_t now, int64_t *referral_id, hv_err *e)
{
    hv_result r = owner_of(c, "appointment", appt_id, referral_id);
    if (r != HV_OK)
        return r;
    referral_row rr;
    if ((r = load_open(c, *referral_id, &rr, e)) != HV_OK)
        return r;
    json_t *old = NULL;
    if ((r = record_get(c, &appointment_desc, appt_id, &old)) != HV_OK)
        return r;
    const char *kind = jstr(old, "kind");
    const char *was = jstr(old, "state");
    const char *state = jstr(vals, "state");
    int resched =
        json_object_get(vals, "scheduled_for") != NULL &&
        !json_equal(json_object_get(vals, "scheduled_for"), json_object_get(old, "scheduled_for"));
    if (strcmp(was, "attended") == 0 && (resched || (state && strcmp(state, "attended") != 0))) {
        json_decref(old);
        return hv_fail(e, HV_ERR_CONFLICT, "state", "the appointment was attended already");
    }
    char kind_copy[40];
    snprintf(kind_copy, sizeof kind_copy, "%s", kind);
    json_decref(old);
    if (resched) {
        /* rescheduling a no-show or a cancelled visit makes it scheduled again */
        if (!state)
            json_object_set_new(vals, "state", json_string("scheduled"));
        store_val a[] = {SV_INTV(appt_id)};
        if ((r = store_exec(c,
                            "UPDATE appointment SET reschedule_count = reschedule_count + 1 "
                            "WHERE id = ?",
                            a, 1, NULL)) != HV_OK)
            return r;
    }
    if ((r = record_update(c, &appointment_desc, appt_id, vals, e)) != HV_OK)
        return r;
    state = jstr(vals, "state");
    if (state && strcmp(state, "attended") == 0) {
        store_val a[] = {SV_INTV(now), SV_INTV(appt_id)};
        if ((r = store_exec(c, "UPDATE appointment SET attended_at = ? WHERE id = ?", a, 2,
                            NULL)) != HV_OK)
            return r;
        if (strcmp(kind_copy, "medical_exam") == 0 &&
            (r = deadline_meet(c, rr.id, "medical_hub", 0, now, NULL)) != HV_OK)
            return r;
    }
    const char *ev = resched                                    ? "appointment.rescheduled"
                     : state && strcmp(state, "attended") == 0  ? "appointment.attended"
                     : state && strcmp(state, "no_show") == 0   ? "appointment.no_show"
                     : state && strcmp(state, "cancelled") == 0 ? "appointment.cancelled"
                                                                : "appointment.changed";
    if ((r = timeline_add(c, rr.id, p->user_id, ev,
                          json_pack("{s:s, s:I}", "appointment", kind_copy, "appointment_id",
                                    (json_int_t)appt_id),
                          now)) != HV_OK)
        return r;
    return referral_bump(c, rr.id, now);
}

hv_result
referral_placement_change(store_conn *c, const principal *p, int64_t placement_id, int extend,
                          json_t *vals, int64_t now, int64_t *referral_id, hv_err *e)
{
    hv_result r = owner_of(c, "placement", placement_id, referral_id);
    if (r != HV_OK)
        return r;
    json_t *pl = NULL;
    if ((r = record_get(c, &placement_desc, placement_id, &pl)) != HV_OK)
        return r;
    int ended = !json_is_null(json_object_get(pl, "ended_at"));
    int soda = strcmp(jstr(pl, "kind"), "soda_pad") == 0;
    json_decref(pl);
    int64_t started = 0;
    store_val a0[] = {SV_INTV(placement_id)};
    if ((r = store_query_int(c, "SELECT started_at FROM placement WHERE id = ?", a0, 1,
                             &started)) != HV_OK)
        return r;
    if (ended)
        return hv_fail(e, HV_ERR_CONFLICT, NULL, "the placement has ended");
    if (extend) {
        /* the stay's clock stopped with the case: nothing left to extend */
        referral_row rr;
        if ((r = load_open(c, *referral_id, &rr, e)) != HV_OK)
            return r;
        int64_t until = jint(vals, "until");
        if (!soda)
            return hv_fail(e, HV_ERR_CONFLICT, NULL, "only SODA/PAD stays have a 30-day limit");
        if (until <= started + 30 * DAY_MS)
            return hv_fail(e, HV_ERR_INVALID, "until",
                           "an extension runs past the 30 days of the stay");
        store_val a[] = {SV_INTV(until), SV_TEXTV(jstr(vals, "reason")), SV_INTV(now),
                         SV_INTV(placement_id)};
        if ((r = store_exec(c,
                            "UPDATE placement SET extended_until = ?, extension_reason = ?, "
                            "updated_at = ? WHERE id = ?",
                            a, 4, NULL)) != HV_OK ||
            (r = deadline_move(c, *referral_id, "bed_stay", placement_id, until, now)) != HV_OK)
            return r == HV_ERR_NOTFOUND ? HV_OK : r;
        r = timeline_add(c, *referral_id, p->user_id, "placement.extended",
                         json_pack("{s:I}", "placement_id", (json_int_t)placement_id), now);
    } else {
        int64_t at = jint(vals, "ended_at");
        if (at < started)
            return hv_fail(e, HV_ERR_INVALID, "ended_at", "a stay cannot end before it began");
        store_val a[] = {SV_INTV(at), SV_TEXTV(jstr(vals, "reason")), SV_INTV(now),
                         SV_INTV(placement_id)};
        if ((r = store_exec(c,
                            "UPDATE placement SET ended_at = ?, end_reason = ?, updated_at = ? "
                            "WHERE id = ?",
                            a, 4, NULL)) != HV_OK ||
            (r = deadline_meet(c, *referral_id, "bed_stay", placement_id, at, NULL)) != HV_OK)
            return r;
        r = timeline_add(c, *referral_id, p->user_id, "placement.ended",
                         json_pack("{s:I, s:s}", "placement_id", (json_int_t)placement_id, "reason",
                                   jstr(vals, "reason")),
                         now);
    }
    if (r == HV_OK)
        r = referral_bump(c, *referral_id, now);
    return r;
}

hv_result
referral_update(store_conn *c, const principal *p, int64_t id, json_t *vals, int64_t now, hv_err *e)
{
    referral_row rr;
    hv_result r = load_open(c, id, &rr, e);
    if (r != HV_OK)
        return r;
    if ((r = record_update(c, &referral_desc, id, vals, e)) != HV_OK)
        return r;
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(vals, k, v) json_array_append_new(keys, json_string(k));
    if ((r = timeline_add(c, id, p->user_id, "referral.edited", json_pack("{s:o}", "fields", keys),
                          now)) != HV_OK)
        return r;
    return referral_bump(c, id, now);
}
