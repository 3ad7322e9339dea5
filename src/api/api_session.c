/*
 * api_session.c - signing in and out, the signed-in user's own account
 * (password, second factor), and their API tokens.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/inputs.h"
#include "auth/account.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/encode.h"
#include "core/log.h"

static const char *
str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The signed-in user as /api/v1/me shows them. */
static hv_result
me_json(haven_app *app, const session_info *si, json_t **out)
{
    store_conn *c;
    json_t *u = NULL, *agency = NULL;
    hv_result r = store_read(app->st, &c);
    if (r != HV_OK)
        return r;
    r = account_user_get(c, si->p.user_id, &u);
    if (r == HV_OK)
        r = record_get(c, &account_agency_desc, si->p.agency_id, &agency);
    store_release(c);
    if (r != HV_OK) {
        json_decref(u);
        return r;
    }
    json_t *can = json_array();
    static const struct {
        const char *name;
        policy_action act;
        policy_object obj;
    } perms[] = {
        {"users.read", ACT_READ, OBJ_USER},
        {"users.write", ACT_CREATE, OBJ_USER},
        {"agencies.write", ACT_CREATE, OBJ_AGENCY},
        {"stations.write", ACT_CREATE, OBJ_STATION},
        {"audit.read", ACT_READ, OBJ_AUDIT},
        {"referrals.create", ACT_CREATE, OBJ_CASE},
        {"referrals.board", ACT_READ, OBJ_CASE},
        {"tasks.read", ACT_READ, OBJ_CASE},
        {"beds.read", ACT_READ, OBJ_BEDS},
        {"oncall.read", ACT_READ, OBJ_ONCALL},
        {"arrests.read", ACT_READ, OBJ_ARREST},
        {"oncall.write", ACT_UPDATE, OBJ_ONCALL},
        {"escalation.write", ACT_UPDATE, OBJ_ONCALL},
        {"alerts.read", ACT_READ, OBJ_ONCALL},
        {"outcomes.read", ACT_READ, OBJ_AGGREGATE},
        {"program.read", ACT_READ, OBJ_PROGRAM},
        {"program.write", ACT_UPDATE, OBJ_PROGRAM},
        {"directory.read", ACT_READ, OBJ_DIRECTORY},
        {"directory.write", ACT_UPDATE, OBJ_DIRECTORY},
        {"sites.write", ACT_UPDATE, OBJ_SITE},
        {"linkage.review", ACT_UPDATE, OBJ_LINKAGE},
    };
    for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++)
        if (policy_may_some(&si->p, perms[i].act, perms[i].obj))
            json_array_append_new(can, json_string(perms[i].name));
    /* starting a referral from one's own Safe Youth Zone site */
    if (policy_check(&si->p, ACT_READ, OBJ_SITE, &(policy_ctx){.user_id = si->p.user_id}) &&
        policy_may_some(&si->p, ACT_CREATE, OBJ_CASE))
        json_array_append_new(can, json_string("sites.start"));
    json_t *me = json_pack(
        "{s:O, s:O, s:O, s:O, s:{s:O, s:O, s:O}, s:O, s:b, s:b, s:b, s:s, s:o}", "id",
        json_object_get(u, "id"), "username", json_object_get(u, "username"), "display_name",
        json_object_get(u, "display_name"), "email", json_object_get(u, "email"), "agency", "id",
        json_object_get(agency, "id"), "name", json_object_get(agency, "name"), "kind",
        json_object_get(agency, "kind"), "roles", json_object_get(u, "roles"), "totp_enabled",
        json_is_true(json_object_get(u, "totp_enabled")), "totp_required", si->totp_required,
        "totp_enrollment_required", si->enrollment_required, "csrf_token", si->csrf, "can", can);
    json_decref(u);
    json_decref(agency);
    if (!me)
        return HV_ERR_NOMEM;
    *out = me;
    return HV_OK;
}

void
api_session_create(http_req *r)
{
    haven_app *app = api_app(r);
    if (!throttle_allow(r->client_ip, (int)app->cfg.login_rate_per_minute, 60000,
                        clock_real_ms())) {
        http_set_header(r, "Retry-After", "60");
        http_send_problem(r, 429, "rate-limited", "Too many requests", NULL,
                          "too many sign-in attempts from this address; wait a minute and try "
                          "again");
        return;
    }
    json_t *vals = api_input(r, &input_login, REC_CREATE);
    if (!vals)
        return;
    char token[SESSION_TOKEN_MAX];
    session_info si;
    hv_err e = {0};
    hv_result res =
        session_login(app->st, app->keys, &app->lim, str(vals, "username"), str(vals, "password"),
                      str(vals, "totp"), r->request_id, token, &si, &e);
    json_decref(vals);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    json_t *me = NULL;
    if ((res = me_json(app, &si, &me)) != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie,
             "haven_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
             (long long)(app->lim.absolute_ms / 1000), http_is_tls(r) ? "; Secure" : "");
    http_set_header(r, "Set-Cookie", cookie);
    sodium_memzero(token, sizeof token);
    http_send_json(r, 200, json_pack("{s:o, s:s}", "user", me, "csrf_token", si.csrf));
}

void
api_session_delete(http_req *r)
{
    session_info *si = api_who(r);
    haven_app *app = api_app(r);
    if (si->session_id) {
        hv_result res = session_logout(app->st, si->session_id);
        if (res != HV_OK) {
            http_send_err(r, res, NULL);
            return;
        }
    }
    api_audit(r, "session.delete", "user", si->p.user_id);
    http_set_header(r, "Set-Cookie",
                    "haven_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    http_send_empty(r, 204);
}

void
api_me_get(http_req *r)
{
    json_t *me = NULL;
    hv_result res = me_json(api_app(r), api_who(r), &me);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, me);
}

static hv_result
hash_row(void *ctx, const store_row *row)
{
    snprintf(ctx, 160, "%s", store_row_text(row, 0));
    return HV_OK;
}

void
api_me_password(http_req *r)
{
    haven_app *app = api_app(r);
    session_info *si = api_who(r);
    json_t *vals = api_input(r, &input_password_change, REC_CREATE);
    if (!vals)
        return;
    char stored[160] = "";
    store_conn *c;
    hv_err e = {0};
    hv_result res = store_read(app->st, &c);
    if (res == HV_OK) {
        store_val arg = SV_INTV(si->p.user_id);
        res = store_query(c, "SELECT password_hash FROM app_user WHERE id = ?", &arg, 1, hash_row,
                          stored);
        store_release(c);
    }
    if (res == HV_OK && password_verify(stored, str(vals, "current_password")) != HV_OK) {
        res = hv_fail(&e, HV_ERR_INVALID, "current_password", "the current password is not right");
    }
    if (res == HV_OK && (res = store_begin(app->st, &c)) == HV_OK) {
        res = account_user_set_password(c, si->p.user_id, str(vals, "new_password"), &e);
        /* every other session of this user ends */
        store_val args[] = {SV_INTV(si->p.user_id), SV_INTV(si->session_id)};
        if (res == HV_OK)
            res = store_exec(c, "UPDATE session SET revoked = 1 WHERE user_id = ? AND id <> ?",
                             args, 2, NULL);
        audit_event ev = api_event(r, "user.password_change", "user", si->p.user_id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
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
    http_send_empty(r, 204);
}

void
api_me_totp_begin(http_req *r)
{
    haven_app *app = api_app(r);
    session_info *si = api_who(r);
    if (si->totp_enabled) {
        http_send_problem(r, 409, "conflict", "Conflict", NULL,
                          "a second factor is already set up; an administrator can reset it");
        return;
    }
    uint8_t secret[20];
    char b32[64], uri[512], username[80] = "";
    uint8_t *ct = NULL;
    size_t ctlen = 0;
    store_conn *c;
    hv_result res = totp_new_secret(secret, sizeof secret);
    if (res == HV_OK)
        res = crypt_encrypt(app->keys, "app_user.totp", secret, sizeof secret, &ct, &ctlen);
    if (res == HV_OK && (res = store_begin(app->st, &c)) == HV_OK) {
        store_val args[] = {SV_BLOBV(ct, ctlen), SV_INTV(si->p.user_id)};
        res = store_exec(c, "UPDATE app_user SET totp_pending = ? WHERE id = ?", args, 2, NULL);
        store_val arg = SV_INTV(si->p.user_id);
        if (res == HV_OK)
            res = store_query(c, "SELECT username FROM app_user WHERE id = ?", &arg, 1, hash_row,
                              username);
        audit_event ev = api_event(r, "user.totp_begin", "user", si->p.user_id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    free(ct);
    if (res == HV_OK && !encode_base32(secret, sizeof secret, b32, sizeof b32))
        res = HV_ERR_NOMEM;
    if (res == HV_OK)
        res = totp_uri("haven", username, secret, sizeof secret, uri, sizeof uri);
    sodium_memzero(secret, sizeof secret);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, json_pack("{s:s, s:s}", "secret", b32, "otpauth_uri", uri));
    sodium_memzero(b32, sizeof b32);
}

typedef struct pending {
    uint8_t *ct;
    size_t len;
} pending;

static hv_result
pending_row(void *ctx, const store_row *row)
{
    pending *p = ctx;
    return store_row_blob_copy(row, 0, &p->ct, &p->len);
}

void
api_me_totp_confirm(http_req *r)
{
    haven_app *app = api_app(r);
    session_info *si = api_who(r);
    json_t *vals = api_input(r, &input_totp_confirm, REC_CREATE);
    if (!vals)
        return;
    pending p = {0};
    uint8_t *secret = NULL;
    size_t slen = 0;
    int64_t step = 0;
    hv_err e = {0};
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res != HV_OK)
        goto out;
    store_val arg = SV_INTV(si->p.user_id);
    res =
        store_query(c, "SELECT totp_pending FROM app_user WHERE id = ?", &arg, 1, pending_row, &p);
    if (res == HV_OK && !p.ct)
        res = hv_fail(&e, HV_ERR_CONFLICT, NULL, "start setting up the second factor first");
    if (res == HV_OK)
        res = crypt_decrypt(app->keys, "app_user.totp", p.ct, p.len, &secret, &slen);
    if (res == HV_OK) {
        res = totp_verify(secret, slen, clock_now_ms() / 1000, str(vals, "code"), 1, 0, &step);
        if (res != HV_OK)
            res = hv_fail(&e, HV_ERR_INVALID, "code",
                          "that code is not right; check the time on your phone and enter the "
                          "current code");
    }
    if (res == HV_OK) {
        store_val args[] = {SV_INTV(step), SV_INTV(si->p.user_id)};
        res = store_exec(c,
                         "UPDATE app_user SET totp_secret = totp_pending, totp_pending = NULL, "
                         "totp_enabled = 1, totp_last_step = ? WHERE id = ?",
                         args, 2, NULL);
    }
    if (res == HV_OK && si->session_id)
        res = session_mark_mfa(c, si->session_id);
    audit_event ev = api_event(r, "user.totp_enable", "user", si->p.user_id);
    if (res == HV_OK)
        res = audit_append(c, app->keys, &ev);
    if (res == HV_OK)
        res = store_commit(c);
    else
        store_rollback(c);
out:
    json_decref(vals);
    free(p.ct);
    if (secret) {
        sodium_memzero(secret, slen);
        free(secret);
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    si->totp_enabled = 1;
    si->enrollment_required = 0;
    si->p.mfa_ok = 1;
    json_t *me = NULL;
    if ((res = me_json(app, si, &me)) != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, me);
}

static json_t *
time_or_null(const store_row *row, int col)
{
    if (store_row_isnull(row, col))
        return json_null();
    char iso[40];
    clock_format_iso(store_row_int(row, col), iso, sizeof iso);
    return json_string(iso);
}

static hv_result
token_list_row(void *ctx, const store_row *row)
{
    json_array_append_new(
        ctx, json_pack("{s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)store_row_int(row, 0), "name",
                       store_row_text(row, 1), "created_at", time_or_null(row, 2), "last_used_at",
                       time_or_null(row, 3), "revoked_at", time_or_null(row, 4)));
    return HV_OK;
}

void
api_tokens_list(http_req *r)
{
    store_val arg = SV_INTV(api_who(r)->p.user_id);
    api_send_items(r,
                   "SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE "
                   "user_id = ? ORDER BY id DESC",
                   &arg, 1, token_list_row);
}

void
api_tokens_create(http_req *r)
{
    haven_app *app = api_app(r);
    session_info *si = api_who(r);
    if (si->token_id) {
        http_send_problem(r, 403, "forbidden", "Not allowed", NULL,
                          "an API token cannot create further tokens; sign in to do this");
        return;
    }
    json_t *vals = api_input(r, &input_token, REC_CREATE);
    if (!vals)
        return;
    char token[SESSION_TOKEN_MAX];
    int64_t id = 0;
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = session_token_create(c, si->p.user_id, str(vals, "name"), token, &id);
        audit_event ev = api_event(r, "token.create", "api_token", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        json_decref(vals);
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 201,
                   json_pack("{s:I, s:O, s:s}", "id", (json_int_t)id, "name",
                             json_object_get(vals, "name"), "token", token));
    json_decref(vals);
    sodium_memzero(token, sizeof token);
}

void
api_tokens_delete(http_req *r)
{
    haven_app *app = api_app(r);
    session_info *si = api_who(r);
    int64_t id = http_param_id(r, 0), changes = 0;
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        store_val args[] = {SV_INTV(clock_now_ms()), SV_INTV(id), SV_INTV(si->p.user_id)};
        res = store_exec(c,
                         "UPDATE api_token SET revoked_at = ? WHERE id = ? AND user_id = ? AND "
                         "revoked_at IS NULL",
                         args, 3, &changes);
        if (res == HV_OK && changes == 0)
            res = HV_ERR_NOTFOUND;
        audit_event ev = api_event(r, "token.revoke", "api_token", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
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
