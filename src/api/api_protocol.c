/*
 * api_protocol.c - the protocol's routes: intake, the board, the case and
 * everything recorded on it, beds, on-call lists, arrests, tasks and
 * notifications. Each handler parses declared input, asks the policy about
 * the case, calls src/protocol/ inside one transaction with its audit
 * entry, and answers with the case as the caller may see it. After a
 * commit the change hub wakes the live streams and the clock thread.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/roles.h"
#include "core/clock.h"
#include "notify/hub.h"
#include "notify/outbox.h"
#include "protocol/model.h"
#include "protocol/referral.h"
#include "protocol/scheduler.h"
#include "protocol/timeline.h"

static const principal *
who(http_req *r)
{
    return &api_who(r)->p;
}

/* Wakes the live streams (the clock thread hears of new clocks itself). */
static void
changed(void)
{
    hub_publish();
}

/* Loads referral ID and asks the policy for ACT; answers 404/403 itself. */
static int
case_gate(http_req *r, int64_t id, policy_action act, referral_row *rr)
{
    store_conn *c;
    policy_ctx ctx;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = referral_load(c, id, rr);
        if (res == HV_OK)
            referral_policy_ctx(c, who(r), rr, &ctx);
        store_release(c);
    }
    if (res != HV_OK) {
        if (res == HV_ERR_NOTFOUND)
            http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such referral");
        else
            http_send_err(r, res, NULL);
        return 0;
    }
    return api_allow(r, act, OBJ_CASE, &ctx, id);
}

/* The referral a side record (TABLE row ID) belongs to; 0 after a 404. */
static int64_t
owner_referral(http_req *r, const char *table, int64_t id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT referral_id FROM %s WHERE id = ?", table);
    store_conn *c;
    int64_t ref = 0;
    store_val a[] = {SV_INTV(id)};
    if (store_read(api_app(r)->st, &c) == HV_OK) {
        store_query_int(c, sql, a, 1, &ref);
        store_release(c);
    }
    if (!ref)
        http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such record");
    return ref;
}

/* If-Match against VERSION: 0 = fine; else the result to answer with. */
static hv_result
check_if_match(http_req *r, int64_t version, int required)
{
    const char *im = http_header(r, "If-Match");
    if (!im)
        return required ? HV_ERR_NEEDMATCH : HV_OK;
    if (strcmp(im, "*") == 0)
        return HV_OK;
    char want[32];
    snprintf(want, sizeof want, "\"v%lld\"", (long long)version);
    if (strncmp(im, "W/", 2) == 0)
        im += 2;
    return strcmp(im, want) == 0 ? HV_OK : HV_ERR_STALE;
}

/* Answers STATUS with BODY, tagged with the version of REC (a referral). */
static void
send_versioned(http_req *r, int status, json_t *body, const json_t *rec)
{
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"",
             (long long)json_integer_value(json_object_get(rec, "version")));
    http_set_header(r, "ETag", etag);
    http_send_json(r, status, body);
}

static void
send_case(http_req *r, int status, json_t *cs)
{
    send_versioned(r, status, cs, json_object_get(cs, "referral"));
}

static void
send_failure(http_req *r, hv_result res, hv_err *e)
{
    if (res == HV_ERR_STALE && !e->detail[0])
        hv_fail(e, res, "If-Match", "someone else changed this case; reload it and try again");
    if (res == HV_ERR_NEEDMATCH && !e->detail[0])
        hv_fail(e, res, "If-Match", "send If-Match with the ETag of the case you read");
    http_send_err(r, res, e);
}

/* The case as the caller sees it now, read on a reader connection (never
 * inside the write transaction: the single writer is not held for it),
 * with its clocks reckoned at NOW (the time of the change it answers). */
static hv_result
read_case(http_req *r, int64_t id, int64_t now, json_t **out)
{
    store_conn *c;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = referral_case_json(c, who(r), id, now, out);
        store_release(c);
    }
    return res;
}

typedef hv_result (*case_op)(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now,
                             int64_t *case_id, hv_err *e);

/* One change to case ID: If-Match, OP, audit, commit; then the case back. */
static void
case_write(http_req *r, int64_t id, json_t *vals, const char *action, case_op op,
           int match_required, int status)
{
    haven_app *app = api_app(r);
    hv_err e = {0};
    json_t *out = NULL;
    store_conn *c;
    int64_t now = clock_now_ms();
    int64_t case_id = id;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        referral_row rr;
        res = referral_load(c, id, &rr);
        if (res == HV_OK)
            res = check_if_match(r, rr.version, match_required);
        if (res == HV_OK)
            res = op(c, r, id, vals, now, &case_id, &e);
        audit_event ev = api_event(r, action, "referral", case_id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        send_failure(r, res, &e);
        return;
    }
    changed();
    if ((res = read_case(r, case_id, now, &out)) != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    send_case(r, status, out);
}

/* ---- intake ------------------------------------------------------------------------- */

static void
body_hash(json_t *body, char out[65])
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    uint8_t h[32];
    crypto_generichash(h, sizeof h, (const uint8_t *)(text ? text : ""), text ? strlen(text) : 0,
                       NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
    free(text);
}

void
api_referrals_create(http_req *r)
{
    if (!api_allow(r, ACT_CREATE, OBJ_CASE, &(policy_ctx){0}, 0))
        return;
    haven_app *app = api_app(r);
    const char *key = http_header(r, "Idempotency-Key");
    if (key && (strlen(key) < 8 || strlen(key) > 200)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "Idempotency-Key",
                          "an Idempotency-Key is 8 to 200 characters (a UUID is best)");
        return;
    }
    char hash[65];
    body_hash(r->json, hash);
    /* the youth comes as its own object */
    json_t *youth = NULL;
    json_t *yin = json_object_get(r->json, "youth");
    hv_err e = {0};
    if (yin && !json_is_null(yin)) {
        if (!json_is_object(yin)) {
            http_send_problem(r, 400, "invalid", "Invalid request", "youth",
                              "'youth' is an object of the youth's details");
            return;
        }
        hv_result res = record_parse(&youth_desc, yin, REC_CREATE, &youth, &e);
        if (res != HV_OK) {
            char f[sizeof e.field + 8];
            snprintf(f, sizeof f, "youth.%s", e.field);
            memcpy(e.field, f, sizeof e.field - 1);
            e.field[sizeof e.field - 1] = '\0';
            http_send_err(r, res, &e);
            return;
        }
    }
    json_t *body = json_deep_copy(r->json);
    json_object_del(body, "youth");
    json_t *vals = NULL;
    hv_result res = record_parse(&referral_desc, body, REC_CREATE, &vals, &e);
    json_decref(body);
    if (res != HV_OK) {
        json_decref(youth);
        http_send_err(r, res, &e);
        return;
    }
    if (json_object_get(vals, "youth_id") && youth) {
        json_decref(youth), json_decref(vals);
        http_send_problem(r, 400, "invalid", "Invalid request", "youth_id",
                          "give either a known youth_id or the youth's details, not both");
        return;
    }
    const principal *p = who(r);
    int64_t now = clock_now_ms(), id = 0, replayed = 0;
    json_t *out = NULL;
    store_conn *c;
    res = store_begin(app->st, &c);
    if (res == HV_OK) {
        if (key) {
            /* the earlier referral's id, negated when the body differed */
            store_val a[] = {SV_TEXTV(hash), SV_INTV(p->user_id), SV_TEXTV(key)};
            int64_t prior = 0;
            res = store_query_int(c,
                                  "SELECT CASE WHEN body_hash = ? THEN referral_id ELSE "
                                  "-referral_id END FROM referral_idem WHERE user_id = ? AND "
                                  "idem_key = ?",
                                  a, 3, &prior);
            if (res == HV_OK) {
                if (prior < 0)
                    res = hv_fail(&e, HV_ERR_CONFLICT, "Idempotency-Key",
                                  "this Idempotency-Key was used for a different referral");
                id = prior;
                replayed = 1;
            } else if (res == HV_ERR_NOTFOUND) {
                res = HV_OK;
            }
        }
        if (res == HV_OK && !replayed) {
            int new_youth = !json_object_get(vals, "youth_id");
            res = referral_open(c, p, vals, youth, now, &id, &e);
            if (res == HV_OK && new_youth) /* pairs for review (docs/linkage.md) */
                res = api_intake_pairs(c, vals, youth, now);
            if (res == HV_OK && key) {
                store_val a[] = {SV_INTV(p->user_id), SV_TEXTV(key), SV_TEXTV(hash), SV_INTV(id),
                                 SV_INTV(now)};
                res = store_exec(c,
                                 "INSERT INTO referral_idem (user_id, idem_key, body_hash, "
                                 "referral_id, created_at) VALUES (?, ?, ?, ?, ?)",
                                 a, 5, NULL);
            }
            audit_event ev = api_event(r, "referral.create", "referral", id);
            if (res == HV_OK)
                res = audit_append(c, app->keys, &ev);
        }
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    /* Prefer: return=minimal (RFC 7240) answers with the id and number only,
     * for a client that goes on to the case page anyway */
    const char *prefer = http_header(r, "Prefer");
    int minimal = prefer && strstr(prefer, "return=minimal") && !replayed;
    if (res == HV_OK && minimal)
        out =
            json_pack("{s:I, s:O, s:O}", "id", (json_int_t)id, "number",
                      json_object_get(vals, "number"), "version", json_object_get(vals, "version"));
    json_decref(vals);
    json_decref(youth);
    if (res == HV_OK && !minimal)
        res = read_case(r, id, now, &out);
    if (res == HV_OK && !out)
        res = HV_ERR_NOMEM;
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/referrals/%lld", (long long)id);
    http_set_header(r, "Location", loc);
    if (replayed) {
        http_set_header(r, "Idempotent-Replayed", "true");
    } else {
        changed();
    }
    if (minimal) {
        http_set_header(r, "Preference-Applied", "return=minimal");
        send_versioned(r, 201, out, out);
        return;
    }
    send_case(r, replayed ? 200 : 201, out);
}

/* ---- reading ------------------------------------------------------------------------- */

static int
flag(http_req *r, const char *name)
{
    const char *v = http_query(r, name);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

void
api_referrals_list(http_req *r)
{
    const principal *p = who(r);
    if (!policy_may_some(p, ACT_READ, OBJ_CASE)) {
        api_allow(r, ACT_READ, OBJ_CASE, NULL, 0);
        return;
    }
    const char *state = http_query(r, "state");
    if (state && !model_in(referral_states, state)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "state",
                          "state is one of open, acknowledged, on_scene, follow_up, closed");
        return;
    }
    store_conn *c;
    json_t *items = NULL;
    int64_t now = clock_now_ms();
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = referral_board(c, p, flag(r, "open"), flag(r, "mine"), state, now, &items);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "referral.list", "referral", 0);
    char iso[40];
    clock_format_iso(now, iso, sizeof iso);
    http_send_json(r, 200, json_pack("{s:s, s:o}", "now", iso, "items", items));
}

void
api_referral_get(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_READ, &rr))
        return;
    json_t *out = NULL;
    hv_result res = read_case(r, id, clock_now_ms(), &out);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "referral.read", "referral", id);
    send_case(r, 200, out);
}

static hv_result
fill_timeline(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)r;
    return timeline_list(c, id, items);
}

void
api_referral_timeline(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_READ, &rr))
        return;
    api_send_list(r, fill_timeline, id, "referral.timeline", "referral");
}

/* ---- changing a case --------------------------------------------------------------- */

static hv_result
op_update(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid,
          hv_err *e)
{
    (void)cid;
    return referral_update(c, who(r), id, vals, now, e);
}

void
api_referral_update(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_UPDATE, &rr))
        return;
    json_t *vals = api_input(r, &referral_desc, REC_UPDATE);
    if (vals)
        case_write(r, id, vals, "referral.update", op_update, 1, 200);
}

static hv_result
op_event(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid, hv_err *e)
{
    (void)cid;
    return referral_event(c, who(r), id, vals, now, e);
}

void
api_referral_event(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_UPDATE, &rr))
        return;
    json_t *vals = api_input(r, &event_input_desc, REC_CREATE);
    if (!vals)
        return;
    char action[64];
    snprintf(action, sizeof action, "referral.%s",
             json_string_value(json_object_get(vals, "event")));
    case_write(r, id, vals, action, op_event, 0, 200);
}

/* Side records: the route's last path segment names what is added. */
static const struct {
    const char *suffix, *what;
    const record_desc *desc;
} side_records[] = {
    {"/mdt", "mdt", &mdt_desc},
    {"/consents", "consent", &consent_desc},
    {"/appointments", "appointment", &appointment_desc},
    {"/placements", "placement", &placement_desc},
    {"/contacts", "contact", &contact_desc},
    {"/status", "status", &status_input_desc},
    {"/detentions", "detention", &detention_desc},
    {"/advocacy/close", "advocacy_close", &close_advocacy_input_desc},
    {"/team", "team", &team_input_desc},
};

static hv_result
op_add(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid, hv_err *e)
{
    (void)cid;
    const char *what = json_string_value(json_object_get(vals, "__what"));
    char w[32];
    snprintf(w, sizeof w, "%s", what ? what : "");
    json_object_del(vals, "__what");
    return referral_add(c, who(r), id, w, vals, now, NULL, e);
}

void
api_referral_add(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    const char *path = r->route->pattern;
    size_t plen = strlen(path);
    for (size_t i = 0; i < sizeof side_records / sizeof side_records[0]; i++) {
        size_t sl = strlen(side_records[i].suffix);
        if (plen < sl || strcmp(path + plen - sl, side_records[i].suffix) != 0)
            continue;
        if (!case_gate(r, id, ACT_UPDATE, &rr))
            return;
        json_t *vals = api_input(r, side_records[i].desc, REC_CREATE);
        if (!vals)
            return;
        json_object_set_new(vals, "__what", json_string(side_records[i].what));
        char action[64];
        snprintf(action, sizeof action, "referral.%s.create", side_records[i].what);
        case_write(r, id, vals, action, op_add, 0, 201);
        return;
    }
    http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such record");
}

static hv_result
op_team_remove(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid,
               hv_err *e)
{
    (void)vals, (void)cid;
    return referral_team_remove(c, who(r), id, http_param_id(r, 1), now, e);
}

void
api_referral_team_remove(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_UPDATE, &rr))
        return;
    if (http_param_id(r, 1) <= 0) {
        http_send_problem(r, 404, "not-found", "Not found", "user_id", "there is no such person");
        return;
    }
    case_write(r, id, NULL, "referral.team.remove", op_team_remove, 0, 200);
}

/* The case role asked for in ?role= (all active people when absent). */
static const char *
team_role_query(http_req *r)
{
    const char *want = http_query(r, "role");
    return want && *want ? want : "member";
}

static hv_result
fill_candidates(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    return referral_team_candidates(c, team_role_query(r), items);
}

void
api_referral_team_candidates(http_req *r)
{
    referral_row rr;
    int64_t id = api_path_id(r);
    if (id <= 0 || !case_gate(r, id, ACT_UPDATE, &rr))
        return;
    if (!model_in(team_roles, team_role_query(r))) {
        http_send_problem(r, 400, "invalid", "Invalid request", "role",
                          "role is one of clinician, officer, site_staff, member");
        return;
    }
    api_send_list(r, fill_candidates, id, "referral.team.candidates", "referral");
}

static hv_result
op_appointment(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid,
               hv_err *e)
{
    (void)id;
    return referral_appointment_update(c, who(r), http_param_id(r, 0), vals, now, cid, e);
}

void
api_appointment_update(http_req *r)
{
    referral_row rr;
    int64_t aid = api_path_id(r);
    int64_t ref = aid > 0 ? owner_referral(r, "appointment", aid) : 0;
    if (!ref || !case_gate(r, ref, ACT_UPDATE, &rr))
        return;
    json_t *vals = api_input(r, &appointment_desc, REC_UPDATE);
    if (vals)
        case_write(r, ref, vals, "referral.appointment.update", op_appointment, 0, 200);
}

static hv_result
op_extend(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid,
          hv_err *e)
{
    (void)id;
    return referral_placement_change(c, who(r), http_param_id(r, 0), 1, vals, now, cid, e);
}

static hv_result
op_end(store_conn *c, http_req *r, int64_t id, json_t *vals, int64_t now, int64_t *cid, hv_err *e)
{
    (void)id;
    return referral_placement_change(c, who(r), http_param_id(r, 0), 0, vals, now, cid, e);
}

static void
placement_change(http_req *r, int extend)
{
    referral_row rr;
    int64_t pid = api_path_id(r);
    int64_t ref = pid > 0 ? owner_referral(r, "placement", pid) : 0;
    if (!ref || !case_gate(r, ref, ACT_UPDATE, &rr))
        return;
    json_t *vals = api_input(r, extend ? &extend_input_desc : &end_input_desc, REC_CREATE);
    if (vals)
        case_write(r, ref, vals, extend ? "referral.placement.extend" : "referral.placement.end",
                   extend ? op_extend : op_end, 0, 200);
}

void
api_placement_extend(http_req *r)
{
    placement_change(r, 1);
}

void
api_placement_end(http_req *r)
{
    placement_change(r, 0);
}

/* ---- youth matches, tasks, notifications --------------------------------------------- */

static hv_result
fill_matches(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    return referral_youth_matches(c, http_query(r, "first_name"), http_query(r, "last_name"),
                                  http_query(r, "dob"), items);
}

void
api_youth_matches(http_req *r)
{
    if (!api_allow(r, ACT_CREATE, OBJ_CASE, &(policy_ctx){0}, 0))
        return;
    const char *dob = http_query(r, "dob");
    if (dob && *dob && !clock_valid_date(dob)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "dob",
                          "a date of birth is YYYY-MM-DD");
        return;
    }
    api_send_list(r, fill_matches, 0, "youth.match", "youth");
}

void
api_tasks(http_req *r)
{
    const principal *p = who(r);
    store_conn *c;
    json_t *items = NULL, *notes = NULL;
    int64_t now = clock_now_ms();
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = referral_board(c, p, 1, 1, NULL, now, &items);
        if (res == HV_OK)
            res = outbox_list(c, p->user_id, 0, 1, 100, &notes);
        store_release(c);
    }
    if (res != HV_OK) {
        json_decref(items);
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "tasks.read", "referral", 0);
    char iso[40];
    clock_format_iso(now, iso, sizeof iso);
    http_send_json(
        r, 200,
        json_pack("{s:s, s:o, s:o}", "now", iso, "referrals", items, "notifications", notes));
}

static hv_result
fill_notifications(store_conn *c, http_req *r, int64_t id, json_t **items)
{
    (void)id;
    return outbox_list(c, who(r)->user_id, 0, flag(r, "unread"), 200, items);
}

void
api_notifications_list(http_req *r)
{
    api_send_list(r, fill_notifications, 0, NULL, NULL);
}

void
api_notification_read(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    store_conn *c;
    hv_result res = store_begin(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = outbox_mark_read(c, who(r)->user_id, id, clock_now_ms());
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_empty(r, 204);
}
