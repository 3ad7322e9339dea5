/*
 * api_admin.c - agencies, stations, users and the audit log.
 *
 * Agencies and stations go through four generic record handlers; users add
 * roles, passwords and lockout. Every write is one transaction with its
 * audit entry; reads of user records and of the audit log are audited too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/inputs.h"
#include "auth/account.h"
#include "core/clock.h"

/* ---- generic record handlers ------------------------------------------- */

static void
crud_list(http_req *r, const record_desc *d, policy_object obj)
{
    if (!api_allow(r, ACT_READ, obj, &(policy_ctx){0}, 0))
        return;
    store_conn *c;
    json_t *items = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = record_list(c, d, NULL, NULL, 0, http_query(r, "q"), 5000, &items);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

static void
crud_get(http_req *r, const record_desc *d, policy_object obj)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_READ, obj, &(policy_ctx){0}, id))
        return;
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = record_get(c, d, id, &o);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, o);
}

/* Creates (ID 0) or updates a record with its audit entry, answers with it. */
static void
crud_write(http_req *r, const record_desc *d, int64_t id)
{
    haven_app *app = api_app(r);
    json_t *vals = api_input(r, d, id ? REC_UPDATE : REC_CREATE);
    if (!vals)
        return;
    hv_err e = {0};
    char action[64];
    json_t *out = NULL;
    store_conn *c;
    snprintf(action, sizeof action, "%s.%s", d->name, id ? "update" : "create");
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = id ? record_update(c, d, id, vals, &e) : record_insert(c, d, vals, &id, &e);
        audit_event ev = api_event(r, action, d->name, id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = record_get(c, d, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        json_decref(out);
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, strstr(action, "create") ? 201 : 200, out);
}

void
api_agencies_list(http_req *r)
{
    crud_list(r, &account_agency_desc, OBJ_AGENCY);
}

void
api_agencies_get(http_req *r)
{
    crud_get(r, &account_agency_desc, OBJ_AGENCY);
}

void
api_agencies_create(http_req *r)
{
    if (api_allow(r, ACT_CREATE, OBJ_AGENCY, &(policy_ctx){0}, 0))
        crud_write(r, &account_agency_desc, 0);
}

void
api_agencies_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && api_allow(r, ACT_UPDATE, OBJ_AGENCY, &(policy_ctx){0}, id))
        crud_write(r, &account_agency_desc, id);
}

void
api_stations_list(http_req *r)
{
    crud_list(r, &account_station_desc, OBJ_STATION);
}

void
api_stations_get(http_req *r)
{
    crud_get(r, &account_station_desc, OBJ_STATION);
}

/* A station belongs to a law-enforcement agency. */
static int
station_agency_ok(http_req *r)
{
    json_t *aid = json_object_get(r->json, "agency_id");
    if (!json_is_integer(aid))
        return 1; /* absent or malformed: record_parse reports it */
    store_conn *c;
    int64_t n = 0;
    if (store_read(api_app(r)->st, &c) != HV_OK)
        return 1;
    store_val arg = SV_INTV(json_integer_value(aid));
    hv_result res = store_query_int(
        c, "SELECT COUNT(*) FROM agency WHERE id = ? AND kind = 'law_enforcement'", &arg, 1, &n);
    store_release(c);
    if (res == HV_OK && n == 0) {
        http_send_problem(r, 400, "invalid", "Invalid request", "agency_id",
                          "'agency_id' must name a law-enforcement agency");
        return 0;
    }
    return 1;
}

void
api_stations_create(http_req *r)
{
    if (api_allow(r, ACT_CREATE, OBJ_STATION, &(policy_ctx){0}, 0) && station_agency_ok(r))
        crud_write(r, &account_station_desc, 0);
}

void
api_stations_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0 && api_allow(r, ACT_UPDATE, OBJ_STATION, &(policy_ctx){0}, id) &&
        station_agency_ok(r))
        crud_write(r, &account_station_desc, id);
}

/* ---- users ------------------------------------------------------------- */

/* The policy context of user ID (its agency); 0 if there is no such user. */
static int
user_ctx(http_req *r, int64_t id, policy_ctx *ctx)
{
    store_conn *c;
    int64_t agency = 0;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = account_user_agency(c, id, &agency);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return 0;
    }
    *ctx = (policy_ctx){.agency_id = agency, .user_id = id};
    return 1;
}

void
api_users_list(http_req *r)
{
    session_info *si = api_who(r);
    /* a filter: a rotation's members come from one agency */
    int64_t agency = api_query_id(r, "agency_id");
    if (agency < 0) {
        http_send_problem(r, 400, "invalid", "Invalid request", "agency_id", "an agency id");
        return;
    }
    if (!policy_may_all(&si->p, ACT_READ, OBJ_USER)) {
        /* only one's own agency, if the policy allows that */
        if (agency && agency != si->p.agency_id) {
            http_send_problem(r, 403, "forbidden", "Forbidden", "agency_id",
                              "you may list your own agency's users only");
            return;
        }
        agency = si->p.agency_id;
        if (!api_allow(r, ACT_READ, OBJ_USER, &(policy_ctx){.agency_id = agency}, 0))
            return;
    }
    store_conn *c;
    json_t *items = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = account_user_list(c, agency, http_query(r, "q"), &items);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "user.list", "user", 0);
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

void
api_users_get(http_req *r)
{
    int64_t id = api_path_id(r);
    policy_ctx ctx;
    if (id <= 0 || !user_ctx(r, id, &ctx) || !api_allow(r, ACT_READ, OBJ_USER, &ctx, id))
        return;
    store_conn *c;
    json_t *u = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = account_user_get(c, id, &u);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "user.read", "user", id);
    http_send_json(r, 200, u);
}

/* Runs FN(c, id, vals, e) and the audit entry ACTION in one transaction;
 * answers with the user (or 204 when NO_BODY). */
typedef hv_result (*user_op)(store_conn *c, int64_t id, json_t *vals, hv_err *e);

static void
user_write(http_req *r, int64_t id, json_t *vals, const char *action, user_op fn, int no_body)
{
    haven_app *app = api_app(r);
    hv_err e = {0};
    json_t *out = NULL;
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = fn(c, id, vals, &e);
        audit_event ev = api_event(r, action, "user", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK && !no_body)
            res = account_user_get(c, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        json_decref(out);
        http_send_err(r, res, &e);
        return;
    }
    if (no_body)
        http_send_empty(r, 204);
    else
        http_send_json(r, 200, out);
}

void
api_users_create(http_req *r)
{
    haven_app *app = api_app(r);
    if (!api_allow(r, ACT_CREATE, OBJ_USER, &(policy_ctx){0}, 0))
        return;
    json_t *vals = api_input(r, &account_user_desc, REC_CREATE);
    if (!vals)
        return;
    hv_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = account_user_create(c, vals, &id, &e);
        audit_event ev = api_event(r, "user.create", "user", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = account_user_get(c, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, 201, out);
}

static hv_result
op_update(store_conn *c, int64_t id, json_t *vals, hv_err *e)
{
    return account_user_update(c, id, vals, e);
}

void
api_users_update(http_req *r)
{
    int64_t id = api_path_id(r);
    policy_ctx ctx;
    if (id <= 0 || !user_ctx(r, id, &ctx) || !api_allow(r, ACT_UPDATE, OBJ_USER, &ctx, id))
        return;
    session_info *si = api_who(r);
    /* one's own roles, agency and status are for another administrator to change */
    if (id == si->p.user_id &&
        (json_object_get(r->json, "roles") || json_object_get(r->json, "disabled") ||
         json_object_get(r->json, "agency_id")) &&
        !policy_may_all(&si->p, ACT_ADMIN, OBJ_USER)) {
        http_send_problem(r, 403, "forbidden", "Not allowed", NULL,
                          "you cannot change your own roles, agency or status");
        return;
    }
    if (id == si->p.user_id && json_is_true(json_object_get(r->json, "disabled"))) {
        http_send_problem(r, 400, "invalid", "Invalid request", "disabled",
                          "you cannot disable your own account");
        return;
    }
    json_t *vals = api_input(r, &account_user_desc, REC_UPDATE);
    if (vals)
        user_write(r, id, vals,
                   json_is_true(json_object_get(vals, "disabled")) ? "user.disable" : "user.update",
                   op_update, 0);
}

static hv_result
op_password(store_conn *c, int64_t id, json_t *vals, hv_err *e)
{
    hv_result res = account_user_set_password(
        c, id, json_string_value(json_object_get(vals, "new_password")), e);
    store_val arg = SV_INTV(id);
    if (res == HV_OK) /* a reset signs the user out everywhere */
        res = store_exec(c, "UPDATE session SET revoked = 1 WHERE user_id = ?", &arg, 1, NULL);
    return res;
}

static hv_result
op_unlock(store_conn *c, int64_t id, json_t *vals, hv_err *e)
{
    (void)vals;
    (void)e;
    return account_user_unlock(c, id);
}

static hv_result
op_totp_reset(store_conn *c, int64_t id, json_t *vals, hv_err *e)
{
    (void)vals;
    (void)e;
    return account_user_reset_totp(c, id);
}

/* Shared start of the admin actions on one user. */
static int64_t
user_admin_target(http_req *r)
{
    int64_t id = api_path_id(r);
    policy_ctx ctx;
    if (id <= 0 || !user_ctx(r, id, &ctx) || !api_allow(r, ACT_ADMIN, OBJ_USER, &ctx, id))
        return 0;
    return id;
}

void
api_users_password(http_req *r)
{
    int64_t id = user_admin_target(r);
    json_t *vals = id ? api_input(r, &input_password_reset, REC_CREATE) : NULL;
    if (vals)
        user_write(r, id, vals, "user.password_reset", op_password, 1);
}

void
api_users_unlock(http_req *r)
{
    int64_t id = user_admin_target(r);
    if (id)
        user_write(r, id, NULL, "user.unlock", op_unlock, 1);
}

void
api_users_totp_reset(http_req *r)
{
    int64_t id = user_admin_target(r);
    if (id)
        user_write(r, id, NULL, "user.totp_reset", op_totp_reset, 1);
}

/* ---- audit log --------------------------------------------------------- */

static hv_result
audit_row_json(void *ctx, const store_row *row)
{
    char iso[40];
    clock_format_iso(store_row_int(row, 1), iso, sizeof iso);
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "id",
        (json_int_t)store_row_int(row, 0), "at", iso, "actor_user_id",
        store_row_isnull(row, 2) ? json_null() : json_integer(store_row_int(row, 2)),
        "actor_username",
        store_row_isnull(row, 11) ? json_null() : json_string(store_row_text(row, 11)),
        "actor_kind", store_row_text(row, 3), "action", store_row_text(row, 4), "object_type",
        store_row_isnull(row, 5) ? json_null() : json_string(store_row_text(row, 5)), "object_id",
        store_row_isnull(row, 6) ? json_null() : json_string(store_row_text(row, 6)), "request_id",
        store_row_isnull(row, 7) ? json_null() : json_string(store_row_text(row, 7)), "outcome",
        store_row_text(row, 8), "reason",
        store_row_isnull(row, 9) ? json_null() : json_string(store_row_text(row, 9)));
    json_array_append_new(ctx, o);
    return HV_OK;
}

void
api_audit_list(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_AUDIT, &(policy_ctx){0}, 0))
        return;
    const char *before = http_query(r, "before_id");
    const char *limit_s = http_query(r, "limit");
    long limit = 50;
    int64_t before_id = INT64_MAX;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 500) {
            http_send_problem(r, 400, "invalid", "Invalid request", "limit",
                              "'limit' must be a whole number from 1 to 500");
            return;
        }
    }
    if (before) {
        char *end;
        long long v = strtoll(before, &end, 10);
        if (*end || v < 1) {
            http_send_problem(r, 400, "invalid", "Invalid request", "before_id",
                              "'before_id' must be an entry id");
            return;
        }
        before_id = v;
    }
    json_t *items = json_array();
    store_conn *c;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        store_val args[] = {SV_INTV(before_id), SV_INTV(limit)};
        res = store_query(c,
                          "SELECT a.id, a.at, a.actor_user_id, a.actor_kind, a.action, "
                          "a.object_type, a.object_id, a.request_id, a.outcome, a.reason, "
                          "a.hash, u.username FROM audit_log a LEFT JOIN app_user u ON u.id = "
                          "a.actor_user_id WHERE a.id < ? ORDER BY a.id DESC LIMIT ?",
                          args, 2, audit_row_json, items);
        store_release(c);
    }
    if (res != HV_OK) {
        json_decref(items);
        http_send_err(r, res, NULL);
        return;
    }
    size_t n = json_array_size(items);
    json_t *next = n == (size_t)limit ? json_object_get(json_array_get(items, n - 1), "id") : NULL;
    api_audit(r, "audit.read", "audit", 0);
    http_send_json(
        r, 200,
        json_pack("{s:o, s:O}", "items", items, "next_before_id", next ? next : json_null()));
}
