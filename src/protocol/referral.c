/*
 * referral.c - intake, the state machine, the case team and the case view
 * (see referral.h and docs/protocol.md). Side records live in
 * referral_records.c.
 */
#include "protocol/referral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "core/clock.h"
#include "directory/syz.h"
#include "notify/alert.h"
#include "notify/outbox.h"
#include "protocol/deadline.h"
#include "protocol/model.h"
#include "protocol/referral_internal.h"
#include "protocol/routing.h"
#include "protocol/timeline.h"

static const crypt_keys *keys;

void
referral_set_keys(const crypt_keys *k)
{
    keys = k;
}

const crypt_keys *
referral_keys(void)
{
    return keys;
}

/* ---- loading and relations ------------------------------------------------- */

static int64_t
opt_int(const store_row *row, int col)
{
    return store_row_isnull(row, col) ? 0 : store_row_int(row, col);
}

static hv_result
load_row(void *ctx, const store_row *row)
{
    referral_row *r = ctx;
    int i = 0;
    r->id = store_row_int(row, i++);
    r->version = store_row_int(row, i++);
    r->youth_id = store_row_int(row, i++);
    r->opened_by = store_row_int(row, i++);
    r->identifying_agency_id = store_row_int(row, i++);
    r->station_id = opt_int(row, i++);
    r->lead_agency_id = store_row_int(row, i++);
    r->lead_user_id = opt_int(row, i++);
    r->advocacy_agency_id = opt_int(row, i++);
    r->advocate_user_id = opt_int(row, i++);
    r->encountered_at = store_row_int(row, i++);
    r->acknowledged_at = opt_int(row, i++);
    r->lead_en_route_at = opt_int(row, i++);
    r->lead_arrived_at = opt_int(row, i++);
    r->advocate_notified_at = opt_int(row, i++);
    r->advocate_en_route_at = opt_int(row, i++);
    r->advocate_arrived_at = opt_int(row, i++);
    r->advocacy_closed_at = opt_int(row, i++);
    r->closed_at = opt_int(row, i++);
    r->created_at = store_row_int(row, i++);
    snprintf(r->state, sizeof r->state, "%s", store_row_text(row, i++));
    snprintf(r->number, sizeof r->number, "%s", store_row_text(row, i++));
    return HV_OK;
}

hv_result
referral_load(store_conn *c, int64_t id, referral_row *out)
{
    memset(out, 0, sizeof *out);
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query(
        c,
        "SELECT id, version, youth_id, opened_by, identifying_agency_id, station_id, "
        "lead_agency_id, lead_user_id, advocacy_agency_id, advocate_user_id, encountered_at, "
        "acknowledged_at, lead_en_route_at, lead_arrived_at, advocate_notified_at, "
        "advocate_en_route_at, advocate_arrived_at, advocacy_closed_at, closed_at, created_at, "
        "state, number FROM referral WHERE id = ?",
        a, 1, load_row, out);
    if (r == HV_OK && out->id == 0)
        return HV_ERR_NOTFOUND;
    return r;
}

int
referral_on_team(store_conn *c, int64_t referral_id, int64_t user_id)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(referral_id), SV_INTV(user_id)};
    store_query_int(c,
                    "SELECT COUNT(*) FROM case_member WHERE referral_id = ? AND user_id = ? AND "
                    "removed_at IS NULL",
                    a, 2, &n);
    return n > 0;
}

hv_result
referral_policy_ctx(store_conn *c, const principal *p, const referral_row *rr, policy_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->on_case_team = referral_on_team(c, rr->id, p->user_id);
    /* a supervisor oversees a case whose lead, advocacy or identifying agency is theirs */
    if (p->agency_id &&
        (p->agency_id == rr->lead_agency_id || p->agency_id == rr->advocacy_agency_id ||
         p->agency_id == rr->identifying_agency_id))
        ctx->agency_id = p->agency_id;
    else
        ctx->agency_id = rr->lead_agency_id;
    return HV_OK;
}

int
referral_visible(store_conn *c, const principal *p, int64_t id)
{
    referral_row rr;
    policy_ctx ctx;
    if (referral_load(c, id, &rr) != HV_OK)
        return 0;
    referral_policy_ctx(c, p, &rr, &ctx);
    return policy_check(p, ACT_READ, OBJ_CASE, &ctx);
}

int
referral_health_visible(store_conn *c, const principal *p, const referral_row *rr)
{
    if (HAS_ROLE(p, CLINICIAN))
        return 1;
    if (HAS_ROLE(p, OFFICER) && !(p->roles & ~ROLE_BIT(ROLE_OFFICER)))
        return 0; /* officers never see health details */
    char kind[32];
    if (routing_agency_kind(c, p->agency_id, kind, sizeof kind) == HV_OK &&
        (strcmp(kind, "medical") == 0 || strcmp(kind, "mental_health") == 0))
        return 1;
    /* an information-sharing authorisation naming the viewer's agency */
    char needle[32];
    snprintf(needle, sizeof needle, "%lld", (long long)p->agency_id);
    store_val a[] = {SV_INTV(rr->id), SV_TEXTV(needle)};
    int64_t n = 0;
    store_query_int(c,
                    "SELECT COUNT(*) FROM consent WHERE referral_id = ? AND kind = 'info_sharing' "
                    "AND revoked_at IS NULL AND (',' || agency_ids || ',') LIKE ('%,' || ? || "
                    "',%')",
                    a, 2, &n);
    return n > 0;
}

/* ---- shared helpers ------------------------------------------------------------ */

hv_result
referral_bump(store_conn *c, int64_t id, int64_t now)
{
    store_val a[] = {SV_INTV(now), SV_INTV(id)};
    return store_exec(c, "UPDATE referral SET version = version + 1, updated_at = ? WHERE id = ?",
                      a, 2, NULL);
}

hv_result
referral_is_member(store_conn *c, int64_t id, int64_t user_id, const char *case_role, int *yes)
{
    store_val a[] = {SV_INTV(id), SV_INTV(user_id), SV_TEXTV(case_role)};
    int64_t n = 0;
    hv_result r = store_query_int(c,
                                  "SELECT COUNT(*) FROM case_member WHERE referral_id = ? AND "
                                  "user_id = ? AND case_role = ? AND removed_at IS NULL",
                                  a, 3, &n);
    *yes = n > 0;
    return r;
}

hv_result
referral_add_member(store_conn *c, int64_t id, int64_t user_id, const char *case_role, int64_t now)
{
    if (!user_id)
        return HV_OK;
    int member = 0;
    hv_result r = referral_is_member(c, id, user_id, case_role, &member);
    if (r != HV_OK || member)
        return r;
    store_val b[] = {SV_INTV(id), SV_INTV(user_id), SV_TEXTV(case_role), SV_INTV(now)};
    return store_exec(c,
                      "INSERT INTO case_member (referral_id, user_id, case_role, added_at) VALUES "
                      "(?, ?, ?, ?)",
                      b, 4, NULL);
}

static hv_result
remove_member(store_conn *c, int64_t id, int64_t user_id, const char *case_role, int64_t now)
{
    store_val a[] = {SV_INTV(now), SV_INTV(id), SV_INTV(user_id), SV_TEXTV(case_role)};
    return store_exec(c,
                      "UPDATE case_member SET removed_at = ? WHERE referral_id = ? AND user_id = "
                      "? AND case_role = ? AND removed_at IS NULL",
                      a, 4, NULL);
}

/* Pages USER (or, with nobody on call, the agency's escalation goes on to
 * its next targets at once) of an assignment: an alert that watches the
 * response clock CLOCK and follows the agency's escalation policy. */
static hv_result
notify_assignment(store_conn *c, const referral_row *rr, int64_t user_id, int64_t agency_id,
                  const char *what, const char *clock, int64_t due, int64_t now)
{
    char msg[256], when[40], dedup[64];
    clock_format_local(due, when, sizeof when);
    if (user_id)
        snprintf(msg, sizeof msg,
                 "New CSEC referral %s: you are on call as %s. Acknowledge, then be at the "
                 "staging area by %s.",
                 rr->number, what, when);
    else
        snprintf(msg, sizeof msg,
                 "New CSEC referral %s has no %s on call. Assign someone: the staging area is due "
                 "by %s.",
                 rr->number, what, when);
    int64_t deadline = 0;
    store_val a[] = {SV_INTV(rr->id), SV_TEXTV(clock)};
    hv_result r = store_query_int(c,
                                  "SELECT id FROM deadline WHERE referral_id = ? AND kind = ? AND "
                                  "state = 'running' ORDER BY id DESC LIMIT 1",
                                  a, 2, &deadline);
    if (r != HV_OK && r != HV_ERR_NOTFOUND)
        return r;
    snprintf(dedup, sizeof dedup, "assign:%lld:%lld", (long long)rr->id, (long long)deadline);
    alert_spec s = {.referral_id = rr->id,
                    .agency_id = agency_id,
                    .deadline_id = deadline,
                    .owner_user_id = user_id,
                    .kind = "referral.assigned",
                    .pr = NP_URGENT,
                    .message = msg,
                    .dedup = dedup};
    return alert_open(c, &s, now, NULL, NULL);
}

/* ---- intake ---------------------------------------------------------------------- */

static hv_result
youth_keys(store_conn *c, int64_t youth_id, const char *first, const char *last, const char *dob)
{
    if (!keys)
        return HV_OK;
    uint8_t nk[CRYPT_INDEX_BYTES], dk[CRYPT_INDEX_BYTES];
    char name[200];
    int have_name = (first && *first) || (last && *last);
    snprintf(name, sizeof name, "%s %s", first ? first : "", last ? last : "");
    if (have_name && crypt_blind_index(keys, "youth.name", name, nk) != HV_OK)
        return HV_ERR_CRYPTO;
    if (dob && *dob && crypt_blind_index(keys, "youth.dob", dob, dk) != HV_OK)
        return HV_ERR_CRYPTO;
    store_val a[] = {have_name ? SV_BLOBV(nk, sizeof nk) : SV_NULLV,
                     dob && *dob ? SV_BLOBV(dk, sizeof dk) : SV_NULLV, SV_INTV(youth_id)};
    return store_exec(c, "UPDATE youth SET name_key = ?, dob_key = ? WHERE id = ?", a, 3, NULL);
}

static int
valid_coord(const char *s, double lo, double hi)
{
    if (!s || !*s)
        return 1;
    char *end;
    double v = strtod(s, &end);
    return *end == '\0' && v >= lo && v <= hi;
}

static const char *
opener_role(const principal *p)
{
    if (HAS_ROLE(p, HOTLINE_WORKER))
        return "hotline";
    if (HAS_ROLE(p, OFFICER))
        return "officer";
    if (HAS_ROLE(p, SITE_STAFF))
        return "site_staff";
    return "opener";
}

hv_result
referral_open(store_conn *c, const principal *p, json_t *vals, json_t *youth, int64_t now,
              int64_t *out_id, hv_err *e)
{
    hv_result r;
    int64_t youth_id = jint(vals, "youth_id");
    if (!valid_coord(jstr(vals, "staging_lat"), -90, 90))
        return hv_fail(e, HV_ERR_INVALID, "staging_lat", "give a latitude between -90 and 90");
    if (!valid_coord(jstr(vals, "staging_lon"), -180, 180))
        return hv_fail(e, HV_ERR_INVALID, "staging_lon", "give a longitude between -180 and 180");
    if (jint(vals, "encountered_at") > now + 5 * MINUTE_MS)
        return hv_fail(e, HV_ERR_INVALID, "encountered_at",
                       "the encounter cannot be in the future");

    /* a Safe Youth Zone site as the staging area: the opener's own site */
    if ((r = syz_staging(c, p, vals, e)) != HV_OK)
        return r;

    /* the station belongs to the identifying agency */
    int64_t station = jint(vals, "station_id");
    if (station) {
        int64_t n = 0;
        store_val a[] = {SV_INTV(station), SV_INTV(jint(vals, "identifying_agency_id"))};
        r = store_query_int(c, "SELECT COUNT(*) FROM station WHERE id = ? AND agency_id = ?", a, 2,
                            &n);
        if (r != HV_OK)
            return r;
        if (!n)
            return hv_fail(e, HV_ERR_INVALID, "station_id",
                           "the station is not one of the identifying agency's");
    }

    /* routing: the written rules, or the hotline's override with a reason */
    int64_t lead_agency = jint(vals, "lead_agency_id");
    const char *rule = "override";
    if (lead_agency) {
        if (!HAS_ROLE(p, HOTLINE_WORKER) && !HAS_ROLE(p, SUPERVISOR))
            return hv_fail(e, HV_ERR_DENIED, "lead_agency_id",
                           "only the hotline may choose the lead agency");
        const char *why = jstr(vals, "override_reason");
        if (!why || strlen(why) < 3)
            return hv_fail(e, HV_ERR_INVALID, "override_reason",
                           "say why the routing rules are overridden");
        char kind[32];
        if ((r = routing_agency_kind(c, lead_agency, kind, sizeof kind)) != HV_OK)
            return r;
        if (strcmp(kind, "probation_ctu") != 0 && strcmp(kind, "dcfs_mart") != 0)
            return hv_fail(e, HV_ERR_INVALID, "lead_agency_id",
                           "the lead agency must be Probation CTU or DCFS MART");
    } else {
        if (json_object_get(vals, "override_reason"))
            json_object_del(vals, "override_reason");
        r = routing_lead_agency(c, jstr(vals, "probation_involvement"),
                                jstr(vals, "dcfs_involvement"), &lead_agency, &rule);
        if (r != HV_OK)
            return hv_fail(e, HV_ERR_CONFLICT, NULL,
                           "no Probation CTU or DCFS MART agency is set up to lead responses");
    }
    int64_t lead_user = routing_on_call(c, lead_agency);
    int64_t advocacy_agency = routing_agency_of_kind(c, "advocacy");

    /* the youth: a known one, or a new record with encrypted identifiers */
    if (youth_id) {
        int64_t n = 0;
        store_val a[] = {SV_INTV(youth_id)};
        if ((r = store_query_int(c, "SELECT COUNT(*) FROM youth WHERE id = ?", a, 1, &n)) != HV_OK)
            return r;
        if (!n)
            return hv_fail(e, HV_ERR_INVALID, "youth_id", "there is no such youth");
    } else {
        json_t *y = youth ? json_incref(youth) : json_object();
        r = record_insert(c, &youth_desc, y, &youth_id, e);
        if (r == HV_OK)
            r = youth_keys(c, youth_id, jstr(y, "first_name"), jstr(y, "last_name"),
                           jstr(y, "dob"));
        json_decref(y);
        if (r != HV_OK)
            return r;
    }

    /* the number: R-YYYY-NNNNNN, from the next id (one writer at a time,
     * across processes too: store_lock) */
    int64_t next = 0;
    if ((r = store_lock(c, "referral.number")) != HV_OK)
        return r;
    if ((r = store_query_int(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM referral", NULL, 0, &next)) !=
        HV_OK)
        return r;
    char iso[40], number[32];
    clock_format_iso(now, iso, sizeof iso);
    snprintf(number, sizeof number, "R-%.4s-%06lld", iso, (long long)next);

    json_object_set_new(vals, "youth_id", json_integer(youth_id));
    json_object_set_new(vals, "number", json_string(number));
    json_object_set_new(vals, "state", json_string("open"));
    json_object_set_new(vals, "version", json_integer(1));
    json_object_set_new(vals, "opened_by", json_integer(p->user_id));
    json_object_set_new(vals, "lead_agency_id", json_integer(lead_agency));
    json_object_set_new(vals, "routing_rule", json_string(rule));
    if (lead_user)
        json_object_set_new(vals, "lead_user_id", json_integer(lead_user));
    if (advocacy_agency)
        json_object_set_new(vals, "advocacy_agency_id", json_integer(advocacy_agency));
    if (!json_object_get(vals, "other_youth_present"))
        json_object_set_new(vals, "other_youth_present", json_integer(0));
    int64_t id = 0;
    if ((r = record_insert(c, &referral_desc, vals, &id, e)) != HV_OK)
        return r;
    referral_row rr;
    if ((r = referral_load(c, id, &rr)) != HV_OK)
        return r;

    /* the team, the clocks, the first notification, the timeline */
    int64_t identified = rr.encountered_at;
    int64_t lead_due = now + 90 * MINUTE_MS;
    if ((r = referral_add_member(c, id, p->user_id, opener_role(p), now)) != HV_OK ||
        (r = referral_add_member(c, id, lead_user, "lead", now)) != HV_OK ||
        (r = deadline_start(c, id, "lead_response", 0, lead_user, lead_agency, now, lead_due)) !=
            HV_OK ||
        (r = deadline_start(c, id, "medical_hub", 0, lead_user, lead_agency, identified, 0)) !=
            HV_OK ||
        (r = deadline_start(c, id, "status_72h", 0, lead_user, lead_agency, identified, 0)) !=
            HV_OK ||
        (r = deadline_start(c, id, "advocacy", 0, 0,
                            advocacy_agency ? advocacy_agency : lead_agency, now, 0)) != HV_OK ||
        (r = notify_assignment(c, &rr, lead_user, lead_agency, "lead responder", "lead_response",
                               lead_due, now)) != HV_OK)
        return r;
    r = timeline_add(c, id, p->user_id, "referral.opened",
                     json_pack("{s:s, s:I, s:s, s:o}", "number", number, "lead_agency_id",
                               (json_int_t)lead_agency, "routing_rule", rule, "lead_user_id",
                               lead_user ? json_integer(lead_user) : json_null()),
                     now);
    if (r == HV_OK)
        *out_id = id;
    return r;
}

/* ---- the state machine ------------------------------------------------------------ */

typedef enum side { SIDE_LEAD, SIDE_ADVOCATE } side;

/* May P act for SIDE on the referral? (the person, a colleague on call in
 * that agency who takes it over, or that agency's supervisor) */
static int
may_act_as(const principal *p, const referral_row *rr, side s)
{
    int64_t user = s == SIDE_LEAD ? rr->lead_user_id : rr->advocate_user_id;
    int64_t agency = s == SIDE_LEAD ? rr->lead_agency_id : rr->advocacy_agency_id;
    if (user && user == p->user_id)
        return 1;
    if (!agency || p->agency_id != agency)
        return 0;
    if (HAS_ROLE(p, SUPERVISOR))
        return 1;
    return s == SIDE_LEAD ? HAS_ROLE(p, RESPONDER) : HAS_ROLE(p, ADVOCATE);
}

/* The events P may send now, for the case page's buttons. */
json_t *
referral_allowed_events(store_conn *c, const principal *p, const referral_row *rr)
{
    (void)c;
    json_t *a = json_array();
    int closed = strcmp(rr->state, "closed") == 0;
    int open = strcmp(rr->state, "open") == 0;
    int acked = strcmp(rr->state, "acknowledged") == 0;
    if (closed)
        return a;
    if (open && may_act_as(p, rr, SIDE_LEAD))
        json_array_append_new(a, json_string("acknowledge"));
    if (acked && may_act_as(p, rr, SIDE_LEAD)) {
        if (!rr->lead_en_route_at)
            json_array_append_new(a, json_string("en_route:lead"));
        json_array_append_new(a, json_string("arrive:lead"));
    }
    if (rr->advocate_notified_at && !rr->advocate_arrived_at && may_act_as(p, rr, SIDE_ADVOCATE)) {
        if (!rr->advocate_en_route_at)
            json_array_append_new(a, json_string("en_route:advocate"));
        json_array_append_new(a, json_string("arrive:advocate"));
    }
    if (open && (HAS_ROLE(p, HOTLINE_WORKER) || HAS_ROLE(p, SUPERVISOR)))
        json_array_append_new(a, json_string("reroute"));
    if (may_act_as(p, rr, SIDE_LEAD) || HAS_ROLE(p, SUPERVISOR) || HAS_ROLE(p, HOTLINE_WORKER))
        json_array_append_new(a, json_string("close"));
    return a;
}

static hv_result
set_state(store_conn *c, int64_t id, const char *state)
{
    store_val a[] = {SV_TEXTV(state), SV_INTV(id)};
    return store_exec(c, "UPDATE referral SET state = ? WHERE id = ?", a, 2, NULL);
}

static hv_result
set_time(store_conn *c, int64_t id, const char *column, int64_t at)
{
    /* COLUMN is one of this file's literals, never input */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE referral SET %s = ? WHERE id = ?", column);
    store_val a[] = {SV_INTV(at), SV_INTV(id)};
    return store_exec(c, sql, a, 2, NULL);
}

static hv_result
ev_acknowledge(store_conn *c, const principal *p, referral_row *rr, int64_t now, hv_err *e)
{
    if (strcmp(rr->state, "open") != 0)
        return hv_fail(e, HV_ERR_CONFLICT, "event",
                       strcmp(rr->state, "closed") == 0 ? "the referral is closed"
                                                        : "the lead has already acknowledged");
    if (!may_act_as(p, rr, SIDE_LEAD))
        return hv_fail(e, HV_ERR_DENIED, "event",
                       "only the lead agency's responder or supervisor may acknowledge");
    hv_result r;
    /* a colleague of the lead agency who acknowledges takes the referral */
    if (rr->lead_user_id != p->user_id && !HAS_ROLE(p, SUPERVISOR)) {
        if (rr->lead_user_id)
            remove_member(c, rr->id, rr->lead_user_id, "lead", now);
        store_val a[] = {SV_INTV(p->user_id), SV_INTV(rr->id)};
        if ((r = store_exec(c, "UPDATE referral SET lead_user_id = ? WHERE id = ?", a, 2, NULL)) !=
                HV_OK ||
            (r = referral_add_member(c, rr->id, p->user_id, "lead", now)) != HV_OK)
            return r;
        deadline_reassign(c, rr->id, "lead_response", p->user_id, rr->lead_agency_id);
        rr->lead_user_id = p->user_id;
    }
    if ((r = set_state(c, rr->id, "acknowledged")) != HV_OK ||
        (r = set_time(c, rr->id, "acknowledged_at", now)) != HV_OK ||
        (r = alert_ack_referral(c, rr->id, "referral.assigned", rr->lead_agency_id, p->user_id,
                                now)) != HV_OK)
        return r;
    /* on acknowledgement the advocacy agency is notified */
    int64_t adv_agency = rr->advocacy_agency_id;
    int64_t advocate = adv_agency ? routing_on_call(c, adv_agency) : 0;
    int64_t due = now + 90 * MINUTE_MS;
    if (adv_agency) {
        store_val a[] = {advocate ? SV_INTV(advocate) : SV_NULLV, SV_INTV(now), SV_INTV(rr->id)};
        if ((r = store_exec(c,
                            "UPDATE referral SET advocate_user_id = ?, advocate_notified_at = ? "
                            "WHERE id = ?",
                            a, 3, NULL)) != HV_OK ||
            (r = referral_add_member(c, rr->id, advocate, "advocate", now)) != HV_OK ||
            (r = deadline_start(c, rr->id, "advocate_response", 0, advocate, adv_agency, now,
                                due)) != HV_OK ||
            (r = deadline_reassign(c, rr->id, "advocacy", advocate, adv_agency)) != HV_OK ||
            (r = notify_assignment(c, rr, advocate, adv_agency, "advocate", "advocate_response",
                                   due, now)) != HV_OK)
            return r;
    }
    return timeline_add(
        c, rr->id, p->user_id, "referral.acknowledged",
        json_pack("{s:o}", "advocate_user_id", advocate ? json_integer(advocate) : json_null()),
        now);
}

static hv_result
ev_move(store_conn *c, const principal *p, referral_row *rr, const char *as, int arrive,
        int64_t now, hv_err *e)
{
    if (!as)
        return hv_fail(e, HV_ERR_INVALID, "as", "say whether this is the lead or the advocate");
    side s = strcmp(as, "advocate") == 0 ? SIDE_ADVOCATE : SIDE_LEAD;
    if (strcmp(rr->state, "closed") == 0)
        return hv_fail(e, HV_ERR_CONFLICT, "event", "the referral is closed");
    if (!may_act_as(p, rr, s))
        return hv_fail(e, HV_ERR_DENIED, "as",
                       s == SIDE_LEAD ? "only the lead responder may mark the lead's arrival"
                                      : "only the advocate may mark the advocate's arrival");
    hv_result r;
    if (s == SIDE_LEAD) {
        if (strcmp(rr->state, "open") == 0)
            return hv_fail(e, HV_ERR_CONFLICT, "event", "the lead has not acknowledged yet");
        if (rr->lead_arrived_at)
            return hv_fail(e, HV_ERR_CONFLICT, "event", "the lead has already arrived");
        if (!arrive && rr->lead_en_route_at)
            return hv_fail(e, HV_ERR_CONFLICT, "event", "the lead is already en route");
        if (arrive) {
            if ((r = set_time(c, rr->id, "lead_arrived_at", now)) != HV_OK ||
                (r = set_state(c, rr->id, "on_scene")) != HV_OK ||
                (r = deadline_meet(c, rr->id, "lead_response", 0, now, NULL)) != HV_OK)
                return r;
        } else if ((r = set_time(c, rr->id, "lead_en_route_at", now)) != HV_OK) {
            return r;
        }
    } else {
        if (!rr->advocate_notified_at)
            return hv_fail(e, HV_ERR_CONFLICT, "event",
                           "the advocate is notified when the lead acknowledges");
        if (rr->advocate_arrived_at)
            return hv_fail(e, HV_ERR_CONFLICT, "event", "the advocate has already arrived");
        if (!arrive && rr->advocate_en_route_at)
            return hv_fail(e, HV_ERR_CONFLICT, "event", "the advocate is already en route");
        if (rr->advocate_user_id != p->user_id && HAS_ROLE(p, ADVOCATE)) {
            /* an advocate of the agency who goes takes the referral */
            store_val a[] = {SV_INTV(p->user_id), SV_INTV(rr->id)};
            if ((r = store_exec(c, "UPDATE referral SET advocate_user_id = ? WHERE id = ?", a, 2,
                                NULL)) != HV_OK ||
                (r = referral_add_member(c, rr->id, p->user_id, "advocate", now)) != HV_OK)
                return r;
        }
        if (rr->advocacy_agency_id &&
            (r = alert_ack_referral(c, rr->id, "referral.assigned", rr->advocacy_agency_id,
                                    p->user_id, now)) != HV_OK)
            return r;
        if (arrive) {
            if ((r = set_time(c, rr->id, "advocate_arrived_at", now)) != HV_OK ||
                (r = deadline_meet(c, rr->id, "advocate_response", 0, now, NULL)) != HV_OK)
                return r;
        } else if ((r = set_time(c, rr->id, "advocate_en_route_at", now)) != HV_OK) {
            return r;
        }
    }
    char kind[48];
    snprintf(kind, sizeof kind, "%s.%s", s == SIDE_LEAD ? "lead" : "advocate",
             arrive ? "arrived" : "en_route");
    return timeline_add(c, rr->id, p->user_id, kind, NULL, now);
}

static hv_result
ev_reroute(store_conn *c, const principal *p, referral_row *rr, json_t *ev, int64_t now, hv_err *e)
{
    if (!HAS_ROLE(p, HOTLINE_WORKER) && !HAS_ROLE(p, SUPERVISOR))
        return hv_fail(e, HV_ERR_DENIED, "event", "only the hotline or a supervisor may reroute");
    if (strcmp(rr->state, "open") != 0)
        return hv_fail(e, HV_ERR_CONFLICT, "event",
                       "a referral can be rerouted only before the lead acknowledges");
    int64_t agency = jint(ev, "lead_agency_id");
    const char *why = jstr(ev, "reason");
    if (!agency)
        return hv_fail(e, HV_ERR_INVALID, "lead_agency_id", "choose the new lead agency");
    if (!why || strlen(why) < 3)
        return hv_fail(e, HV_ERR_INVALID, "reason", "say why the referral is rerouted");
    char kind[32];
    hv_result r = routing_agency_kind(c, agency, kind, sizeof kind);
    if (r != HV_OK)
        return r;
    if (strcmp(kind, "probation_ctu") != 0 && strcmp(kind, "dcfs_mart") != 0)
        return hv_fail(e, HV_ERR_INVALID, "lead_agency_id",
                       "the lead agency must be Probation CTU or DCFS MART");
    int64_t old_user = rr->lead_user_id;
    int64_t user = routing_on_call(c, agency);
    store_val a[] = {SV_INTV(agency), user ? SV_INTV(user) : SV_NULLV, SV_TEXTV(why),
                     SV_INTV(rr->id)};
    if ((r = store_exec(c,
                        "UPDATE referral SET lead_agency_id = ?, lead_user_id = ?, routing_rule = "
                        "'override', override_reason = ? WHERE id = ?",
                        a, 4, NULL)) != HV_OK)
        return r;
    if (old_user && old_user != user) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "Referral %s was rerouted to another agency; you are no longer "
                 "its lead.",
                 rr->number);
        if ((r = remove_member(c, rr->id, old_user, "lead", now)) != HV_OK ||
            (r = outbox_to_user(c, old_user, rr->id, "referral.withdrawn", NP_HIGH, msg, now)) !=
                HV_OK)
            return r;
    }
    int64_t due = now + 90 * MINUTE_MS;
    rr->lead_agency_id = agency;
    rr->lead_user_id = user;
    if ((r = referral_add_member(c, rr->id, user, "lead", now)) != HV_OK ||
        (r = deadline_start(c, rr->id, "lead_response", 0, user, agency, now, due)) != HV_OK ||
        (r = deadline_reassign(c, rr->id, "medical_hub", user, agency)) != HV_OK ||
        (r = deadline_reassign(c, rr->id, "status_72h", user, agency)) != HV_OK ||
        (r = notify_assignment(c, rr, user, agency, "lead responder", "lead_response", due, now)) !=
            HV_OK)
        return r;
    return timeline_add(c, rr->id, p->user_id, "referral.rerouted",
                        json_pack("{s:I, s:o}", "lead_agency_id", (json_int_t)agency,
                                  "lead_user_id", user ? json_integer(user) : json_null()),
                        now);
}

static hv_result
ev_close(store_conn *c, const principal *p, referral_row *rr, json_t *ev, int64_t now, hv_err *e)
{
    if (strcmp(rr->state, "closed") == 0)
        return hv_fail(e, HV_ERR_CONFLICT, "event", "the referral is already closed");
    if (!may_act_as(p, rr, SIDE_LEAD) && !HAS_ROLE(p, SUPERVISOR) && !HAS_ROLE(p, HOTLINE_WORKER))
        return hv_fail(e, HV_ERR_DENIED, "event",
                       "only the lead, the hotline or a supervisor may close a referral");
    const char *why = jstr(ev, "close_reason");
    if (!why)
        return hv_fail(e, HV_ERR_INVALID, "close_reason", "say why the case closes");
    store_val a[] = {SV_INTV(now), SV_TEXTV(why), SV_INTV(rr->id)};
    hv_result r = store_exec(c,
                             "UPDATE referral SET state = 'closed', closed_at = ?, close_reason = "
                             "? WHERE id = ?",
                             a, 3, NULL);
    if (r == HV_OK)
        r = deadline_stop(c, rr->id, NULL, now);
    if (r == HV_OK)
        r = timeline_add(c, rr->id, p->user_id, "referral.closed",
                         json_pack("{s:s}", "close_reason", why), now);
    return r;
}

hv_result
referral_event(store_conn *c, const principal *p, int64_t id, json_t *ev, int64_t now, hv_err *e)
{
    referral_row rr;
    hv_result r = referral_load(c, id, &rr);
    if (r != HV_OK)
        return r;
    const char *name = jstr(ev, "event");
    const char *as = jstr(ev, "as");
    if (strcmp(name, "acknowledge") == 0)
        r = ev_acknowledge(c, p, &rr, now, e);
    else if (strcmp(name, "en_route") == 0)
        r = ev_move(c, p, &rr, as, 0, now, e);
    else if (strcmp(name, "arrive") == 0)
        r = ev_move(c, p, &rr, as, 1, now, e);
    else if (strcmp(name, "reroute") == 0)
        r = ev_reroute(c, p, &rr, ev, now, e);
    else if (strcmp(name, "close") == 0)
        r = ev_close(c, p, &rr, ev, now, e);
    else
        r = hv_fail(e, HV_ERR_INVALID, "event", "unknown event");
    if (r == HV_OK)
        r = referral_bump(c, id, now);
    return r;
}
