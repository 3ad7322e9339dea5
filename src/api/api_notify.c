/*
 * api_notify.c - on-call rotations and overrides, escalation policies,
 * alerts and their acknowledgement (in the app, by a signed link, by SMS
 * reply), and one's own contact methods and notification rules.
 *
 * Rotations, overrides and policies belong to an agency: reading them is
 * OBJ_ONCALL read, changing them OBJ_ONCALL update in that agency's scope.
 * An alert may be read and acknowledged by anyone it notified, and by
 * those who may change the on-call set-up of its agency (supervisors).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <gnutls/crypto.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "notify/alert.h"
#include "notify/contact.h"
#include "notify/deliver.h"
#include "notify/hub.h"
#include "notify/oncall.h"
#include "auth/account.h"
#include "protocol/referral.h"
#include "protocol/scheduler.h"

static const principal *
who(http_req *r)
{
    return &api_who(r)->p;
}

/* A change: FN runs in a write transaction; on success the audit entry
 * (ACTION on OBJECT_TYPE, the id FN leaves in *ID) is appended and it
 * commits. Answers the error itself and returns it. */
typedef hv_result (*tx_fn)(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e);

static hv_result
tx(http_req *r, tx_fn fn, void *ctx, const char *action, const char *object_type, int64_t *id)
{
    haven_app *app = api_app(r);
    store_conn *c;
    hv_err e = {0};
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = fn(c, r, ctx, id, &e);
        audit_event ev = api_event(r, action, object_type, *id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK)
        http_send_err(r, res, &e);
    else
        hub_publish();
    return res;
}

static int
may_manage(http_req *r, int64_t agency_id, policy_action act, int64_t object_id)
{
    return api_allow(r, act, OBJ_ONCALL, &(policy_ctx){.agency_id = agency_id}, object_id);
}

static hv_result
parse_time(const json_t *body, const char *key, int64_t *out, hv_err *e)
{
    const char *s = json_string_value(json_object_get(body, key));
    if (!s || clock_parse_iso(s, out) != HV_OK)
        return hv_fail(e, HV_ERR_INVALID, key, "a time such as 2026-11-23T08:00:00Z");
    return HV_OK;
}

/* ---- who is on call ------------------------------------------------------------------ */

static hv_result
fill_now(store_conn *c, http_req *r, int64_t agency, json_t **items)
{
    (void)r;
    return oncall_now(c, agency, clock_now_ms(), items);
}

/* A list about ?agency_id= (0: every agency the caller may read). */
static void
agency_list(http_req *r, api_list_fn fill)
{
    int64_t agency = api_query_id(r, "agency_id");
    if (agency < 0) {
        http_send_problem(r, 400, "invalid", "Invalid request", "agency_id", "an agency id");
        return;
    }
    if (api_allow(r, ACT_READ, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}, 0))
        api_send_list(r, fill, agency, NULL, NULL);
}

void
api_oncall_now(http_req *r)
{
    agency_list(r, fill_now);
}

static hv_result
fill_gaps(store_conn *c, http_req *r, int64_t agency, json_t **items)
{
    int64_t days = api_query_id(r, "days");
    if (days <= 0 || days > 90)
        days = 14;
    int64_t now = clock_now_ms();
    return oncall_gaps(c, agency, now, now + days * 24 * 3600 * 1000LL, items);
}

void
api_oncall_gaps(http_req *r)
{
    agency_list(r, fill_gaps);
}

/* ---- rotations ------------------------------------------------------------------------ */

static hv_result
fill_rotations(store_conn *c, http_req *r, int64_t agency, json_t **items)
{
    (void)r;
    return oncall_rotations(c, agency, clock_now_ms(), items);
}

void
api_rotations_list(http_req *r)
{
    agency_list(r, fill_rotations);
}

static void
send_rotation(http_req *r, int status, int64_t id)
{
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = oncall_rotation_get(c, id, clock_now_ms(), &o);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, status, o);
}

static hv_result
save_rotation(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    return oncall_rotation_save(c, *id, r->json, clock_now_ms(), id, e);
}

static void
rotation_write(http_req *r, int64_t id)
{
    hv_err e = {0};
    if (oncall_rotation_check(r->json, &e) != HV_OK) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    int64_t agency = json_integer_value(json_object_get(r->json, "agency_id"));
    if (!may_manage(r, agency, id ? ACT_UPDATE : ACT_CREATE, id))
        return;
    if (id) {
        /* moving a rotation to another agency needs the right in both */
        store_conn *c;
        int64_t old = 0;
        if (store_read(api_app(r)->st, &c) == HV_OK) {
            oncall_rotation_agency(c, id, &old);
            store_release(c);
        }
        if (!old) {
            http_send_err(r, HV_ERR_NOTFOUND, NULL);
            return;
        }
        if (!may_manage(r, old, ACT_UPDATE, id))
            return;
    }
    int64_t out = id;
    if (tx(r, save_rotation, NULL, id ? "rotation.update" : "rotation.create", "rotation", &out) ==
        HV_OK)
        send_rotation(r, id ? 200 : 201, out);
}

void
api_rotations_create(http_req *r)
{
    rotation_write(r, 0);
}

void
api_rotation_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0)
        rotation_write(r, id);
}

/* Reads the agency of rotation ID and asks the policy for ACT; 0 answered. */
static int
rotation_allowed(http_req *r, int64_t id, policy_action act)
{
    store_conn *c;
    int64_t agency = 0;
    if (store_read(api_app(r)->st, &c) == HV_OK) {
        oncall_rotation_agency(c, id, &agency);
        store_release(c);
    }
    if (!agency) {
        http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such rotation");
        return 0;
    }
    return act == ACT_READ
               ? api_allow(r, ACT_READ, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}, id)
               : may_manage(r, agency, act, id);
}

void
api_rotation_get(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && rotation_allowed(r, id, ACT_READ))
        send_rotation(r, 200, id);
}

static hv_result
delete_rotation(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)r;
    (void)ctx;
    (void)e;
    return oncall_rotation_delete(c, *id);
}

void
api_rotation_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !rotation_allowed(r, id, ACT_UPDATE))
        return;
    if (tx(r, delete_rotation, NULL, "rotation.delete", "rotation", &id) == HV_OK)
        http_send_empty(r, 204);
}

static hv_result
fill_shifts(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    int64_t now = clock_now_ms(), from = now, to = now + 14 * 24 * 3600 * 1000LL;
    const char *f = http_query(r, "from"), *t = http_query(r, "to");
    if ((f && clock_parse_iso(f, &from) != HV_OK) || (t && clock_parse_iso(t, &to) != HV_OK))
        return HV_ERR_INVALID;
    return oncall_shifts(c, id, from, to, items);
}

void
api_rotation_shifts(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && rotation_allowed(r, id, ACT_READ))
        api_send_list(r, fill_shifts, id, NULL, NULL);
}

typedef struct override_in {
    int64_t rotation, user, start, end;
    const char *reason;
} override_in;

static hv_result
add_override(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    override_in *o = ctx;
    return oncall_override_add(c, o->rotation, o->user, o->start, o->end, o->reason,
                               who(r)->user_id, clock_now_ms(), id, e);
}

void
api_override_create(http_req *r)
{
    int64_t rid = api_path_id(r);
    if (rid <= 0 || !rotation_allowed(r, rid, ACT_UPDATE))
        return;
    hv_err e = {0};
    override_in o = {.rotation = rid};
    const json_t *uid = json_object_get(r->json, "user_id");
    o.reason = json_string_value(json_object_get(r->json, "reason"));
    if (!json_is_integer(uid))
        hv_fail(&e, HV_ERR_INVALID, "user_id", "who is on call instead");
    else if (parse_time(r->json, "start_at", &o.start, &e) == HV_OK &&
             parse_time(r->json, "end_at", &o.end, &e) == HV_OK && o.reason &&
             strlen(o.reason) > 200)
        hv_fail(&e, HV_ERR_INVALID, "reason", "at most 200 characters");
    if (e.field[0]) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    o.user = json_integer_value(uid);
    int64_t id = 0;
    if (tx(r, add_override, &o, "rotation.override", "rotation", &id) == HV_OK)
        http_send_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static hv_result
delete_override(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)e;
    int64_t rot = 0, agency = 0;
    hv_result res = oncall_override_delete(c, *(int64_t *)ctx, &rot);
    if (res == HV_OK)
        res = oncall_rotation_agency(c, rot, &agency);
    if (res == HV_OK &&
        !policy_check(who(r), ACT_UPDATE, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}))
        res = HV_ERR_DENIED;
    *id = rot;
    return res;
}

void
api_override_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    int64_t rot = 0;
    if (id > 0 &&
        tx(r, delete_override, &id, "rotation.override_delete", "rotation", &rot) == HV_OK)
        http_send_empty(r, 204);
}

/* ---- escalation policies --------------------------------------------------------------- */

static hv_result
fill_policies(store_conn *c, http_req *r, int64_t agency, json_t **items)
{
    (void)r;
    json_t *list = json_array();
    hv_result res = HV_OK;
    for (const char *const *k = alert_kinds; res == HV_OK && *k; k++) {
        json_t *p = NULL;
        res = alert_policy_effective(c, agency, *k, &p);
        /* "*" shows only where the agency wrote one */
        if (res == HV_OK && strcmp(*k, "*") == 0 &&
            (json_is_null(json_object_get(p, "id")) ||
             strcmp(json_string_value(json_object_get(p, "kind")), "*") != 0)) {
            json_decref(p);
            continue;
        }
        if (res == HV_OK) {
            json_object_set_new(p, "applies_to", json_string(*k));
            json_array_append_new(list, p);
        }
    }
    if (res != HV_OK) {
        json_decref(list);
        return res;
    }
    *items = list;
    return HV_OK;
}

void
api_policies_list(http_req *r)
{
    int64_t agency = api_query_id(r, "agency_id");
    if (agency == 0)
        agency = who(r)->agency_id; /* one's own agency by default */
    if (agency <= 0) {
        http_send_problem(r, 400, "invalid", "Invalid request", "agency_id",
                          "choose the agency (agency_id)");
        return;
    }
    if (!api_allow(r, ACT_READ, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}, 0))
        return;
    api_send_list(r, fill_policies, agency, NULL, NULL);
}

static hv_result
save_policy(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    json_t *b = r->json;
    char *steps = json_dumps(json_object_get(b, "steps"), JSON_COMPACT);
    if (!steps)
        return HV_ERR_NOMEM;
    const json_t *rep = json_object_get(b, "repeat"),
                 *ato = json_object_get(b, "ack_timeout_minutes");
    int64_t now = clock_now_ms();
    store_val a[] = {SV_INTV(json_integer_value(json_object_get(b, "agency_id"))),
                     SV_TEXTV(json_string_value(json_object_get(b, "kind"))),
                     SV_TEXTV(json_string_value(json_object_get(b, "name"))),
                     SV_INTV(rep ? json_integer_value(rep) : 0),
                     SV_INTV(ato ? json_integer_value(ato) : 30),
                     SV_TEXTV(steps),
                     SV_INTV(now),
                     SV_INTV(*id ? *id : now)};
    hv_result res;
    if (*id) {
        int64_t n = 0;
        res = store_exec(c,
                         "UPDATE escalation_policy SET agency_id = ?, kind = ?, name = ?, "
                         "repeat_count = ?, ack_timeout_minutes = ?, steps = ?, updated_at = ? "
                         "WHERE id = ?",
                         a, 8, &n);
        if (res == HV_OK && !n)
            res = HV_ERR_NOTFOUND;
    } else {
        res = store_query_int(c,
                              "INSERT INTO escalation_policy (agency_id, kind, name, repeat_count, "
                              "ack_timeout_minutes, steps, updated_at, created_at) VALUES (?, ?, "
                              "?, ?, ?, ?, ?, ?) RETURNING id",
                              a, 8, id);
    }
    free(steps);
    if (res == HV_ERR_CONFLICT)
        hv_fail(e, res, "kind", "this agency has a policy for that kind already: change it");
    return res;
}

static int64_t
policy_agency(http_req *r, int64_t id)
{
    store_conn *c;
    int64_t agency = 0;
    store_val a[] = {SV_INTV(id)};
    if (store_read(api_app(r)->st, &c) == HV_OK) {
        store_query_int(c, "SELECT agency_id FROM escalation_policy WHERE id = ?", a, 1, &agency);
        store_release(c);
    }
    if (!agency)
        http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such policy");
    return agency;
}

static void
send_policy(http_req *r, int status, int64_t agency, const char *kind)
{
    store_conn *c;
    json_t *p = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = alert_policy_effective(c, agency, kind, &p);
        store_release(c);
    }
    if (res != HV_OK)
        http_send_err(r, res, NULL);
    else
        http_send_json(r, status, p);
}

static void
policy_write(http_req *r, int64_t id)
{
    hv_err e = {0};
    static const char *const known[] = {"agency_id",           "kind",  "name", "repeat",
                                        "ack_timeout_minutes", "steps", "id",   "applies_to",
                                        "updated_at",          NULL};
    if (record_known_keys(r->json, known, &e) != HV_OK) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    json_object_del(r->json, "id");
    json_object_del(r->json, "applies_to");
    json_object_del(r->json, "updated_at");
    if (!json_is_integer(json_object_get(r->json, "agency_id")))
        hv_fail(&e, HV_ERR_INVALID, "agency_id", "the agency is required");
    else
        alert_policy_check(r->json, &e);
    if (e.field[0]) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    int64_t agency = json_integer_value(json_object_get(r->json, "agency_id"));
    if (id) {
        int64_t old = policy_agency(r, id);
        if (!old || !may_manage(r, old, ACT_UPDATE, id))
            return;
    }
    if (!may_manage(r, agency, id ? ACT_UPDATE : ACT_CREATE, id))
        return;
    int64_t out = id;
    if (tx(r, save_policy, NULL, id ? "escalation.update" : "escalation.create",
           "escalation_policy", &out) == HV_OK)
        send_policy(r, id ? 200 : 201, agency, json_string_value(json_object_get(r->json, "kind")));
}

void
api_policies_create(http_req *r)
{
    policy_write(r, 0);
}

void
api_policy_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0)
        policy_write(r, id);
}

static hv_result
delete_policy(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)r;
    (void)ctx;
    (void)e;
    store_val a[] = {SV_INTV(*id)};
    return store_exec(c, "DELETE FROM escalation_policy WHERE id = ?", a, 1, NULL);
}

void
api_policy_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    int64_t agency = policy_agency(r, id);
    if (!agency || !may_manage(r, agency, ACT_UPDATE, id))
        return;
    if (tx(r, delete_policy, NULL, "escalation.delete", "escalation_policy", &id) == HV_OK)
        http_send_empty(r, 204);
}

/* ---- alerts ------------------------------------------------------------------------------ */

static hv_result
fill_alerts(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    const principal *p = who(r);
    const char *state = http_query(r, "state");
    /* supervisors see their agency's alerts, administrators every agency's */
    int every = policy_may_all(p, ACT_UPDATE, OBJ_ONCALL);
    int64_t agency = policy_may_some(p, ACT_UPDATE, OBJ_ONCALL) ? p->agency_id : 0;
    return alert_list(c, p->user_id, state && strcmp(state, "all") == 0, every, agency, items);
}

void
api_alerts_list(http_req *r)
{
    api_send_list(r, fill_alerts, 0, NULL, NULL);
}

/* May the caller see (and acknowledge) alert ID? Answers 404/403 itself. */
static int
alert_allowed(http_req *r, int64_t id)
{
    store_conn *c;
    int64_t agency = 0;
    int notified = 0;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = alert_access(c, id, who(r)->user_id, &agency, &notified);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return 0;
    }
    if (notified)
        return 1;
    return may_manage(r, agency, ACT_UPDATE, id);
}

static void
send_alert(http_req *r, int64_t id)
{
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = alert_get(c, id, &o);
        store_release(c);
    }
    if (res != HV_OK)
        http_send_err(r, res, NULL);
    else
        http_send_json(r, 200, o);
}

void
api_alert_get(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && alert_allowed(r, id))
        send_alert(r, id);
}

/* A responder (or supervisor) of the lead agency who acknowledges the page
 * of a referral still open acknowledges the referral too: the protocol's
 * acknowledgement, which calls the advocate. Anyone else (an administrator
 * paged for a stalled server, say) only stops the escalation. */
static hv_result
ack_referral_too(store_conn *c, const crypt_keys *k, int64_t alert, int64_t user, const char *via,
                 int64_t now)
{
    int64_t ref = 0;
    store_val a[] = {SV_INTV(alert)};
    hv_result r = store_query_int(c,
                                  "SELECT a.referral_id FROM alert a JOIN referral r ON r.id = "
                                  "a.referral_id WHERE a.id = ? AND a.kind = 'referral.assigned' "
                                  "AND a.agency_id = r.lead_agency_id AND r.state = 'open'",
                                  a, 1, &ref);
    if (r == HV_ERR_NOTFOUND)
        return HV_OK;
    principal p = {.user_id = user, .mfa_ok = 1};
    if (r == HV_OK)
        r = account_user_agency(c, user, &p.agency_id);
    if (r == HV_OK)
        r = account_user_roles(c, user, &p.roles);
    if (r != HV_OK)
        return r;
    hv_err e = {0};
    json_t *ev = json_pack("{s:s}", "event", "acknowledge");
    r = referral_event(c, &p, ref, ev, now, &e);
    json_decref(ev);
    if (r == HV_ERR_DENIED || r == HV_ERR_CONFLICT)
        return HV_OK; /* not theirs to acknowledge: the page alone is */
    audit_event au = {.actor_user_id = user,
                      .actor_kind = via,
                      .action = "referral.event",
                      .object_type = "referral",
                      .object_id = ref,
                      .outcome = "ok",
                      .reason = "acknowledge"};
    return r == HV_OK ? audit_append(c, k, &au) : r;
}

typedef struct ack_in {
    int64_t alert, user, delivery;
    const char *via;
} ack_in;

static hv_result
do_ack(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    ack_in *a = ctx;
    int64_t now = clock_now_ms();
    *id = a->alert;
    if (a->delivery) {
        /* a link works once */
        int64_t n = 0;
        store_val v[] = {SV_INTV(now), SV_INTV(a->delivery)};
        hv_result res = store_exec(c,
                                   "UPDATE delivery SET ack_used_at = ? WHERE id = ? AND "
                                   "ack_used_at IS NULL",
                                   v, 2, &n);
        if (res != HV_OK)
            return res;
        if (!n)
            return hv_fail(e, HV_ERR_EXPIRED, "token", "this link has been used already");
    }
    hv_result res = alert_ack(c, a->alert, a->user, a->via, now);
    if (res == HV_ERR_CONFLICT)
        hv_fail(e, res, NULL, "the alert is over already: nothing to acknowledge");
    if (res == HV_OK)
        res = ack_referral_too(c, api_app(r)->keys, a->alert, a->user, a->via, now);
    return res;
}

void
api_alert_ack(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !alert_allowed(r, id))
        return;
    ack_in a = {.alert = id, .user = who(r)->user_id, .via = "app"};
    int64_t aid = 0;
    if (tx(r, do_ack, &a, "alert.ack", "alert", &aid) == HV_OK)
        send_alert(r, id);
}

static hv_result
three_ints(void *ctx, const store_row *row)
{
    int64_t *v = ctx;
    for (int i = 0; i < 3; i++)
        v[i] = store_row_int(row, i);
    return HV_OK;
}

/* The delivery, alert and recipient of a link token; answers errors. */
static int
token_target(http_req *r, int64_t *delivery, int64_t *alert, int64_t *user, int64_t *used)
{
    haven_app *app = api_app(r);
    hv_result res = deliver_ack_token_check(app->keys, http_param(r, 0), clock_now_ms(), delivery);
    if (res == HV_ERR_EXPIRED) {
        http_send_problem(r, 410, "expired", "Gone", "token",
                          "this link has expired: open haven to acknowledge");
        return 0;
    }
    if (res != HV_OK) {
        http_send_problem(r, 400, "invalid", "Invalid request", "token",
                          "this is not a haven acknowledgement link");
        return 0;
    }
    store_conn *c;
    *alert = *user = *used = 0;
    store_val a[] = {SV_INTV(*delivery)};
    if (store_read(app->st, &c) == HV_OK) {
        int64_t row[3] = {0, 0, 0};
        store_query(c,
                    "SELECT COALESCE(n.alert_id, 0), n.user_id, COALESCE(d.ack_used_at, 0) FROM "
                    "delivery d JOIN notification n ON n.id = d.notification_id WHERE d.id = ?",
                    a, 1, three_ints, row);
        *alert = row[0];
        *user = row[1];
        *used = row[2];
        store_release(c);
    }
    if (!*alert) {
        http_send_problem(r, 404, "not-found", "Not found", "token", "there is no such alert");
        return 0;
    }
    return 1;
}

/* The public view of an alert through its link: no personal data. */
static json_t *
public_alert(http_req *r, int64_t alert)
{
    store_conn *c;
    json_t *o = NULL;
    if (store_read(api_app(r)->st, &c) == HV_OK) {
        alert_get(c, alert, &o);
        store_release(c);
    }
    if (!o)
        return json_null();
    json_t *p =
        json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(o, "id"), "kind",
                  json_object_get(o, "kind"), "state", json_object_get(o, "state"),
                  "referral_number", json_object_get(o, "referral_number"), "message",
                  json_object_get(o, "message"), "acked_at", json_object_get(o, "acked_at"));
    json_decref(o);
    return p ? p : json_null();
}

void
api_ack_get(http_req *r)
{
    int64_t d, a, u, used;
    if (!token_target(r, &d, &a, &u, &used))
        return;
    http_send_json(r, 200, json_pack("{s:o, s:b}", "alert", public_alert(r, a), "used", used != 0));
}

void
api_ack_post(http_req *r)
{
    int64_t d, a, u, used;
    if (!token_target(r, &d, &a, &u, &used))
        return;
    haven_app *app = api_app(r);
    ack_in in = {.alert = a, .user = u, .delivery = d, .via = "link"};
    store_conn *c;
    hv_err e = {0};
    int64_t id = 0;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = do_ack(c, r, &in, &id, &e);
        audit_event ev = api_event(r, "alert.ack", "alert", a);
        ev.actor_user_id = u;
        ev.actor_kind = "link";
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    hub_publish();
    http_send_json(r, 200, json_pack("{s:o}", "alert", public_alert(r, a)));
}

/* ---- SMS replies (the provider's inbound webhook) ------------------------------------- */

typedef struct form_kv {
    char *k, *v;
} form_kv;

/* Splits an application/x-www-form-urlencoded body; values decoded with
 * libcurl. Returns the count (at most MAX). */
static int
form_parse(const char *body, form_kv *kv, int max)
{
    int n = 0;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    char *copy = strdup(body ? body : "");
    char *save = NULL;
    for (char *part = strtok_r(copy, "&", &save); part && n < max;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq)
            *eq = '\0';
        for (char *p = part; *p; p++)
            if (*p == '+')
                *p = ' ';
        if (eq)
            for (char *p = eq + 1; *p; p++)
                if (*p == '+')
                    *p = ' ';
        char *k = curl_easy_unescape(h, part, 0, NULL);
        char *v = curl_easy_unescape(h, eq ? eq + 1 : "", 0, NULL);
        if (!k || !v) {
            curl_free(k);
            curl_free(v);
            continue;
        }
        kv[n].k = strdup(k);
        kv[n].v = strdup(v);
        curl_free(k);
        curl_free(v);
        n++;
    }
    free(copy);
    curl_easy_cleanup(h);
    return n;
}

static int
kv_cmp(const void *a, const void *b)
{
    return strcmp(((const form_kv *)a)->k, ((const form_kv *)b)->k);
}

static const char *
form_get(const form_kv *kv, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(kv[i].k, key) == 0)
            return kv[i].v;
    return NULL;
}

/* X-Twilio-Signature: base64(HMAC-SHA1(token, url + each name and value,
 * sorted by name)). */
static int
twilio_signature_ok(const char *token, const char *url, form_kv *kv, int n, const char *sig)
{
    if (!sig || !token || !*token)
        return 0;
    qsort(kv, (size_t)n, sizeof *kv, kv_cmp);
    buf b;
    buf_init(&b, 1u << 20);
    buf_adds(&b, url);
    for (int i = 0; i < n; i++) {
        buf_adds(&b, kv[i].k);
        buf_adds(&b, kv[i].v);
    }
    uint8_t mac[20];
    int ok = gnutls_hmac_fast(GNUTLS_MAC_SHA1, token, strlen(token), b.data ? b.data : "", b.len,
                              mac) == 0;
    buf_free(&b);
    char want[64];
    if (ok)
        sodium_bin2base64(want, sizeof want, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return ok && strlen(sig) == strlen(want) && sodium_memcmp(want, sig, strlen(want)) == 0;
}

static void
twiml(http_req *r, const char *text)
{
    buf b;
    buf_init(&b, 4096);
    buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>");
    for (const char *p = text; *p; p++) {
        if (*p == '<')
            buf_adds(&b, "&lt;");
        else if (*p == '&')
            buf_adds(&b, "&amp;");
        else
            buf_add(&b, p, 1);
    }
    buf_adds(&b, "</Message></Response>");
    http_send_bytes(r, 200, "application/xml", b.data, b.len, 1);
    buf_free(&b);
}

void
api_sms_inbound(http_req *r)
{
    haven_app *app = api_app(r);
    form_kv kv[64];
    int n = form_parse(r->body.data, kv, 64);
    char url[300];
    if (app->cfg.sms_inbound_url[0])
        snprintf(url, sizeof url, "%s", app->cfg.sms_inbound_url);
    else
        snprintf(url, sizeof url, "%s/api/v1/sms/inbound", app->cfg.public_url);
    if (!twilio_signature_ok(app->cfg.sms_auth_token, url, kv, n,
                             http_header(r, "X-Twilio-Signature"))) {
        for (int i = 0; i < n; i++) {
            free(kv[i].k);
            free(kv[i].v);
        }
        http_send_problem(r, 403, "forbidden", "Forbidden", "X-Twilio-Signature",
                          "the request is not signed by the SMS provider");
        return;
    }
    char from[40] = "", reply[200];
    const char *f = form_get(kv, n, "From"), *body = form_get(kv, n, "Body");
    long code = 0;
    char act = 0;
    if (body) {
        char *end;
        while (*body == ' ')
            body++;
        code = strtol(body, &end, 10);
        act = (char)((*end | 0x20));
    }
    int64_t user = 0, contact = 0, delivery = 0, alert = 0;
    hv_result res = HV_ERR_INVALID;
    store_conn *c;
    if (f && deliver_phone_e164(f, from, sizeof from) == HV_OK && code > 0 && act == 'a' &&
        store_begin(app->st, &c) == HV_OK) {
        res = contact_by_phone(c, app->keys, from, &user, &contact);
        store_val a[] = {SV_INTV(contact), SV_INTV(code)};
        if (res == HV_OK)
            res = store_query_int(c,
                                  "SELECT d.id FROM delivery d WHERE d.contact_id = ? AND "
                                  "d.reply_code = ? ORDER BY d.id DESC LIMIT 1",
                                  a, 2, &delivery);
        store_val b[] = {SV_INTV(delivery)};
        if (res == HV_OK)
            res = store_query_int(c,
                                  "SELECT COALESCE(n.alert_id, 0) FROM delivery d JOIN "
                                  "notification n ON n.id = d.notification_id WHERE d.id = ?",
                                  b, 1, &alert);
        if (res == HV_OK && !alert)
            res = HV_ERR_NOTFOUND;
        if (res == HV_OK)
            res = alert_ack(c, alert, user, "sms", clock_now_ms());
        if (res == HV_OK)
            res = ack_referral_too(c, app->keys, alert, user, "sms", clock_now_ms());
        audit_event ev = api_event(r, "alert.ack", "alert", alert);
        ev.actor_user_id = user;
        ev.actor_kind = "sms";
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    for (int i = 0; i < n; i++) {
        free(kv[i].k);
        free(kv[i].v);
    }
    if (res == HV_OK) {
        hub_publish();
        snprintf(reply, sizeof reply, "Acknowledged alert %ld. Thank you: escalation stopped.",
                 code);
    } else if (res == HV_ERR_CONFLICT) {
        snprintf(reply, sizeof reply, "Alert %ld is over already; nothing to acknowledge.", code);
    } else {
        snprintf(reply, sizeof reply,
                 "haven did not understand. Reply with the alert's number and a, such as 1a.");
    }
    log_event(LOG_INFO, "sms reply",
              json_pack("{s:s, s:I}", "result", res == HV_OK ? "acknowledged" : hv_strerror(res),
                        "alert", (json_int_t)alert));
    twiml(r, reply);
}

/* ---- contact methods and rules --------------------------------------------------------- */

static hv_result
fill_contacts(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    return contact_list(c, api_app(r)->keys, who(r)->user_id, 0, items);
}

void
api_contacts_list(http_req *r)
{
    api_send_list(r, fill_contacts, 0, NULL, NULL);
}

typedef struct contact_in {
    char *secret;
} contact_in;

static hv_result
add_contact(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    contact_in *in = ctx;
    static const char *const known[] = {"kind", "target", "label", NULL};
    hv_result res = record_known_keys(r->json, known, e);
    if (res != HV_OK)
        return res;
    return contact_add(
        c, api_app(r)->keys, who(r)->user_id, json_string_value(json_object_get(r->json, "kind")),
        json_string_value(json_object_get(r->json, "target")),
        json_string_value(json_object_get(r->json, "label")), clock_now_ms(), id, &in->secret, e);
}

static void
send_contact(http_req *r, int status, int64_t id, const char *secret)
{
    store_conn *c;
    json_t *list = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = contact_list(c, api_app(r)->keys, who(r)->user_id, id, &list);
        store_release(c);
    }
    if (res == HV_OK && json_array_size(list) == 0)
        res = HV_ERR_NOTFOUND;
    if (res != HV_OK) {
        json_decref(list);
        http_send_err(r, res, NULL);
        return;
    }
    json_t *o = json_incref(json_array_get(list, 0));
    json_decref(list);
    if (secret)
        json_object_set_new(o, "secret", json_string(secret));
    http_send_json(r, status, o);
}

void
api_contacts_create(http_req *r)
{
    contact_in in = {NULL};
    int64_t id = 0;
    if (tx(r, add_contact, &in, "contact.create", "user", &id) == HV_OK)
        send_contact(r, 201, id, in.secret);
    if (in.secret) {
        sodium_memzero(in.secret, strlen(in.secret));
        free(in.secret);
    }
}

static hv_result
remove_contact(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    (void)e;
    return contact_remove(c, who(r)->user_id, *id, clock_now_ms());
}

void
api_contact_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && tx(r, remove_contact, NULL, "contact.delete", "user", &id) == HV_OK)
        http_send_empty(r, 204);
}

void
api_contact_verify(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    haven_app *app = api_app(r);
    const char *code = json_string_value(json_object_get(r->json, "code"));
    store_conn *c;
    hv_err e = {0};
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = contact_verify(c, app->keys, who(r)->user_id, id, code, clock_now_ms(), &e);
        audit_event ev = api_event(r, "contact.verify", "user", who(r)->user_id);
        ev.outcome = res == HV_OK ? "ok" : "failed";
        /* a wrong code counts against the tries: keep that */
        hv_result kept =
            res == HV_OK || res == HV_ERR_UNAUTH ? audit_append(c, app->keys, &ev) : res;
        if (kept == HV_OK)
            kept = store_commit(c);
        else
            store_rollback(c);
        if (res == HV_OK)
            res = kept;
    }
    if (res == HV_ERR_UNAUTH)
        res = HV_ERR_INVALID;
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    send_contact(r, 200, id, NULL);
}

static hv_result
resend_contact(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    return contact_resend(c, api_app(r)->keys, who(r)->user_id, *id, clock_now_ms(), e);
}

void
api_contact_resend(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && tx(r, resend_contact, NULL, "contact.resend", "user", &id) == HV_OK)
        http_send_empty(r, 204);
}

static hv_result
fill_rules(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    return contact_rules(c, who(r)->user_id, items);
}

void
api_rules_list(http_req *r)
{
    api_send_list(r, fill_rules, 0, NULL, NULL);
}

static hv_result
add_rule(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    const json_t *cid = json_object_get(r->json, "contact_id");
    const json_t *d = json_object_get(r->json, "delay_minutes");
    if (!json_is_integer(cid))
        return hv_fail(e, HV_ERR_INVALID, "contact_id", "which contact method");
    if (!json_is_integer(d))
        return hv_fail(e, HV_ERR_INVALID, "delay_minutes", "after how many minutes (0 to 120)");
    return contact_rule_add(c, who(r)->user_id, json_integer_value(cid), json_integer_value(d),
                            clock_now_ms(), id, e);
}

void
api_rules_create(http_req *r)
{
    int64_t id = 0;
    if (tx(r, add_rule, NULL, "rule.create", "user", &id) == HV_OK)
        http_send_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static hv_result
remove_rule(store_conn *c, http_req *r, void *ctx, int64_t *id, hv_err *e)
{
    (void)ctx;
    (void)e;
    return contact_rule_remove(c, who(r)->user_id, *id);
}

void
api_rule_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && tx(r, remove_rule, NULL, "rule.delete", "user", &id) == HV_OK)
        http_send_empty(r, 204);
}

/* ---- tests: stall a component ----------------------------------------------------------- */

void
api_test_stall(http_req *r)
{
    if (!clock_test_enabled()) {
        http_send_problem(r, 404, "not-found", "Not found", NULL, "the test clock is off");
        return;
    }
    if (!api_allow(r, ACT_UPDATE, OBJ_CLOCK, &(policy_ctx){0}, 0))
        return;
    const char *what = json_string_value(json_object_get(r->json, "component"));
    int on = json_is_true(json_object_get(r->json, "stalled"));
    if (what && strcmp(what, "scheduler") == 0)
        scheduler_stall(on);
    else if (what && strcmp(what, "delivery") == 0)
        deliver_stall(on);
    else {
        http_send_problem(r, 400, "invalid", "Invalid request", "component",
                          "scheduler or delivery");
        return;
    }
    http_send_empty(r, 204);
}
