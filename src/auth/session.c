/*
 * session.c - sign-in, sessions and API tokens (see session.h).
 *
 * Sign-in reads the user on a reader connection, checks the password with
 * no lock held (argon2id takes a while on purpose), then records the outcome
 * in one short write transaction together with its audit entry.
 */
#include "auth/session.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/account.h"
#include "auth/audit.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/totp.h"
#include "core/clock.h"

#define TOUCH_EVERY_MS 30000

static void
token_new(const char *prefix, char out[SESSION_TOKEN_MAX])
{
    uint8_t raw[32];
    size_t n = strlen(prefix);
    randombytes_buf(raw, sizeof raw);
    memcpy(out, prefix, n);
    sodium_bin2base64(out + n, SESSION_TOKEN_MAX - n, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void
token_hash(const char *token, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)token, strlen(token), NULL, 0);
}

typedef struct login_user {
    int found;
    int64_t id, agency_id, locked_until, totp_last_step;
    int disabled, failed, totp_enabled;
    char hash[160];
    uint8_t *totp_ct;
    size_t totp_len;
} login_user;

static hv_result
login_row(void *ctx, const store_row *row)
{
    login_user *u = ctx;
    u->found = 1;
    u->id = store_row_int(row, 0);
    u->agency_id = store_row_int(row, 1);
    snprintf(u->hash, sizeof u->hash, "%s", store_row_text(row, 2));
    u->disabled = (int)store_row_int(row, 3);
    u->failed = (int)store_row_int(row, 4);
    u->locked_until = store_row_isnull(row, 5) ? 0 : store_row_int(row, 5);
    u->totp_enabled = (int)store_row_int(row, 6);
    u->totp_last_step = store_row_int(row, 8);
    return store_row_blob_copy(row, 7, &u->totp_ct, &u->totp_len);
}

static void
format_until(int64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, outsz, "%H:%M UTC", &tm);
}

/* Records a failed attempt; may lock the account. Returns the code to give. */
static hv_result
login_failed(store *st, const crypt_keys *k, const session_limits *lim, login_user *u,
             const char *reason, const char *request_id, hv_err *e, int totp_step)
{
    store_conn *c;
    int64_t now = clock_now_ms(), failed = 0;
    int locked = 0;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return r;
    store_val arg = SV_INTV(u->id);
    r = store_exec(c, "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = ?", &arg, 1,
                   NULL);
    if (r == HV_OK)
        r = store_query_int(c, "SELECT failed_logins FROM app_user WHERE id = ?", &arg, 1, &failed);
    if (r == HV_OK && failed >= lim->max_failures) {
        store_val args[] = {SV_INTV(now + lim->lockout_ms), SV_INTV(u->id)};
        r = store_exec(c, "UPDATE app_user SET locked_until = ?, failed_logins = 0 WHERE id = ?",
                       args, 2, NULL);
        locked = 1;
    }
    audit_event ev = {.actor_user_id = 0,
                      .action = "session.create",
                      .object_type = "user",
                      .object_id = u->id,
                      .request_id = request_id,
                      .outcome = "failed",
                      .reason = locked ? "locked_now" : reason};
    if (r == HV_OK)
        r = audit_append(c, k, &ev);
    if (r != HV_OK) {
        store_rollback(c);
        return r;
    }
    if ((r = store_commit(c)) != HV_OK)
        return r;
    if (locked) {
        char until[32];
        format_until(now + lim->lockout_ms, until, sizeof until);
        e->type = "locked";
        return hv_fail(e, HV_ERR_LOCKED, NULL,
                       "too many failed sign-ins: this account is locked until %s; try again "
                       "then or ask an administrator to unlock it",
                       until);
    }
    if (totp_step) {
        e->type = "totp-required";
        return hv_fail(e, HV_ERR_UNAUTH, "totp",
                       "that code is not right; enter the current 6-digit code from your "
                       "authenticator app");
    }
    e->type = "invalid-credentials";
    return hv_fail(e, HV_ERR_UNAUTH, NULL, "the user name or password is not right");
}

static hv_result
session_create(store_conn *c, int64_t user_id, int mfa_ok, const session_limits *lim,
               char token[SESSION_TOKEN_MAX], session_info *out)
{
    uint8_t h[32], csrf_raw[24];
    int64_t now = clock_now_ms();
    token_new("hvs_", token);
    token_hash(token, h);
    randombytes_buf(csrf_raw, sizeof csrf_raw);
    sodium_bin2base64(out->csrf, sizeof out->csrf, csrf_raw, sizeof csrf_raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    store_val args[] = {SV_BLOBV(h, 32),
                        SV_INTV(user_id),
                        SV_TEXTV(out->csrf),
                        SV_INTV(mfa_ok),
                        SV_INTV(now),
                        SV_INTV(now),
                        SV_INTV(now + lim->absolute_ms)};
    return store_query_int(c,
                           "INSERT INTO session (token_hash, user_id, csrf_token, mfa_ok, "
                           "created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                           "RETURNING id",
                           args, 7, &out->session_id);
}

hv_result
session_login(store *st, const crypt_keys *k, const session_limits *lim, const char *username,
              const char *password, const char *totp, const char *request_id,
              char token[SESSION_TOKEN_MAX], session_info *out, hv_err *e)
{
    login_user u = {0};
    store_conn *c;
    uint32_t roles = 0;
    int64_t now = clock_now_ms(), step = 0;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    store_val arg = SV_TEXTV(username);
    r = store_query(c,
                    "SELECT id, agency_id, password_hash, disabled, failed_logins, locked_until, "
                    "totp_enabled, totp_secret, totp_last_step FROM app_user WHERE username = ?",
                    &arg, 1, login_row, &u);
    if (r == HV_OK && u.found)
        r = account_user_roles(c, u.id, &roles);
    store_release(c);
    if (r != HV_OK)
        goto out;

    if (!u.found) {
        password_dummy_verify(password);
        audit_event ev = {.action = "session.create",
                          .request_id = request_id,
                          .outcome = "failed",
                          .reason = "unknown_user"};
        r = audit_record(st, k, &ev);
        if (r == HV_OK) {
            e->type = "invalid-credentials";
            r = hv_fail(e, HV_ERR_UNAUTH, NULL, "the user name or password is not right");
        }
        goto out;
    }
    if (u.locked_until > now) {
        char until[32];
        format_until(u.locked_until, until, sizeof until);
        audit_event ev = {.action = "session.create",
                          .object_type = "user",
                          .object_id = u.id,
                          .request_id = request_id,
                          .outcome = "denied",
                          .reason = "locked"};
        r = audit_record(st, k, &ev);
        if (r == HV_OK) {
            e->type = "locked";
            r = hv_fail(e, HV_ERR_LOCKED, NULL,
                        "this account is locked after too many failed sign-ins until %s; try "
                        "again then or ask an administrator to unlock it",
                        until);
        }
        goto out;
    }
    if (password_verify(u.hash, password) != HV_OK) {
        r = login_failed(st, k, lim, &u, "bad_password", request_id, e, 0);
        goto out;
    }
    if (u.disabled) {
        audit_event ev = {.action = "session.create",
                          .object_type = "user",
                          .object_id = u.id,
                          .request_id = request_id,
                          .outcome = "denied",
                          .reason = "disabled"};
        r = audit_record(st, k, &ev);
        if (r == HV_OK) {
            e->type = "disabled";
            r = hv_fail(e, HV_ERR_DENIED, NULL,
                        "this account is disabled; ask an administrator if you need access");
        }
        goto out;
    }
    if (u.totp_enabled) {
        uint8_t *secret = NULL;
        size_t slen = 0;
        if (!totp || !*totp) {
            e->type = "totp-required";
            r = hv_fail(e, HV_ERR_UNAUTH, "totp",
                        "enter the 6-digit code from your authenticator app");
            goto out;
        }
        if (!u.totp_ct ||
            crypt_decrypt(k, "app_user.totp", u.totp_ct, u.totp_len, &secret, &slen) != HV_OK) {
            r = HV_ERR_CRYPTO;
            goto out;
        }
        r = totp_verify(secret, slen, now / 1000, totp, 1, u.totp_last_step, &step);
        sodium_memzero(secret, slen);
        free(secret);
        if (r != HV_OK) {
            r = login_failed(st, k, lim, &u, "bad_totp", request_id, e, 1);
            goto out;
        }
    }

    int required = (roles & role_mfa_required_mask()) != 0;
    int mfa_ok = u.totp_enabled || !required;
    if ((r = store_begin(st, &c)) != HV_OK)
        goto out;
    store_val args[] = {SV_INTV(now), step ? SV_INTV(step) : SV_INTV(u.totp_last_step),
                        SV_INTV(u.id)};
    r = store_exec(c,
                   "UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = "
                   "?, totp_last_step = ? WHERE id = ?",
                   args, 3, NULL);
    memset(out, 0, sizeof *out);
    /* the session records whether a second factor was verified, not whether
     * one was needed: roles can change while it lives (see session_lookup) */
    if (r == HV_OK)
        r = session_create(c, u.id, u.totp_enabled, lim, token, out);
    audit_event ev = {.actor_user_id = u.id,
                      .action = "session.create",
                      .object_type = "user",
                      .object_id = u.id,
                      .request_id = request_id,
                      .outcome = "ok",
                      .reason = u.totp_enabled ? "password_totp" : "password"};
    if (r == HV_OK)
        r = audit_append(c, k, &ev);
    if (r != HV_OK) {
        store_rollback(c);
        goto out;
    }
    if ((r = store_commit(c)) != HV_OK)
        goto out;
    if (password_needs_rehash(u.hash)) {
        char fresh[128];
        if (password_hash(password, fresh) == HV_OK && store_begin(st, &c) == HV_OK) {
            store_val a2[] = {SV_TEXTV(fresh), SV_INTV(u.id)};
            if (store_exec(c, "UPDATE app_user SET password_hash = ? WHERE id = ?", a2, 2, NULL) ==
                HV_OK)
                (void)store_commit(c);
            else
                store_rollback(c);
        }
    }
    out->p.user_id = u.id;
    out->p.agency_id = u.agency_id;
    out->p.roles = roles;
    out->p.mfa_ok = mfa_ok;
    out->totp_enabled = u.totp_enabled;
    out->totp_required = required;
    out->enrollment_required = !mfa_ok;
out:
    free(u.totp_ct);
    return r;
}

typedef struct lookup_row {
    int found;
    int64_t id, user_id, agency_id, last_seen, expires, created;
    int mfa_ok, revoked, disabled, totp_enabled;
    char csrf[SESSION_CSRF_MAX];
} lookup_row;

static hv_result
session_row(void *ctx, const store_row *row)
{
    lookup_row *s = ctx;
    s->found = 1;
    s->id = store_row_int(row, 0);
    s->user_id = store_row_int(row, 1);
    snprintf(s->csrf, sizeof s->csrf, "%s", store_row_text(row, 2));
    s->mfa_ok = (int)store_row_int(row, 3);
    s->last_seen = store_row_int(row, 4);
    s->expires = store_row_int(row, 5);
    s->revoked = (int)store_row_int(row, 6);
    s->agency_id = store_row_int(row, 7);
    s->disabled = (int)store_row_int(row, 8);
    s->totp_enabled = (int)store_row_int(row, 9);
    return HV_OK;
}

/* Records use of a session or token, at most every TOUCH_EVERY_MS, so reads
 * stay reads. SQL sets the time (first ?) of row ID (second ?). */
static void
touch(store *st, const char *sql, int64_t id, int64_t last, int64_t now)
{
    store_conn *c;
    if (now - last < TOUCH_EVERY_MS || store_begin(st, &c) != HV_OK)
        return;
    store_val args[] = {SV_INTV(now), SV_INTV(id)};
    if (store_exec(c, sql, args, 2, NULL) == HV_OK)
        (void)store_commit(c);
    else
        store_rollback(c);
}

hv_result
session_lookup(store *st, const session_limits *lim, const char *token, session_info *out)
{
    if (!token || strncmp(token, "hvs_", 4) != 0 || strlen(token) > 60)
        return HV_ERR_UNAUTH;
    uint8_t h[32];
    token_hash(token, h);
    lookup_row s = {0};
    uint32_t roles = 0;
    store_conn *c;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    store_val arg = SV_BLOBV(h, 32);
    r = store_query(c,
                    "SELECT s.id, s.user_id, s.csrf_token, s.mfa_ok, s.last_seen_at, "
                    "s.expires_at, s.revoked, u.agency_id, u.disabled, u.totp_enabled FROM "
                    "session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ?",
                    &arg, 1, session_row, &s);
    if (r == HV_OK && s.found)
        r = account_user_roles(c, s.user_id, &roles);
    store_release(c);
    if (r != HV_OK)
        return r;
    int64_t now = clock_now_ms();
    if (!s.found || s.revoked || s.disabled || now >= s.expires ||
        now - s.last_seen >= lim->idle_ms)
        return HV_ERR_UNAUTH;
    touch(st, "UPDATE session SET last_seen_at = ? WHERE id = ?", s.id, s.last_seen, now);
    memset(out, 0, sizeof *out);
    int required = (roles & role_mfa_required_mask()) != 0;
    out->p.user_id = s.user_id;
    out->p.agency_id = s.agency_id;
    out->p.roles = roles;
    out->p.mfa_ok = s.mfa_ok || !required; /* judged against today's roles */
    out->session_id = s.id;
    memcpy(out->csrf, s.csrf, sizeof out->csrf);
    out->totp_enabled = s.totp_enabled;
    out->totp_required = required;
    out->enrollment_required = !out->p.mfa_ok;
    return HV_OK;
}

typedef struct token_row_t {
    int found;
    int64_t id, user_id, agency_id, expires, revoked_at, last_used;
    int disabled, totp_enabled;
} token_row_t;

static hv_result
token_row(void *ctx, const store_row *row)
{
    token_row_t *t = ctx;
    t->found = 1;
    t->id = store_row_int(row, 0);
    t->user_id = store_row_int(row, 1);
    t->expires = store_row_isnull(row, 2) ? 0 : store_row_int(row, 2);
    t->revoked_at = store_row_isnull(row, 3) ? 0 : store_row_int(row, 3);
    t->agency_id = store_row_int(row, 4);
    t->disabled = (int)store_row_int(row, 5);
    t->last_used = store_row_isnull(row, 6) ? 0 : store_row_int(row, 6);
    t->totp_enabled = (int)store_row_int(row, 7);
    return HV_OK;
}

hv_result
session_token_lookup(store *st, const char *token, session_info *out)
{
    if (!token || strncmp(token, "hvt_", 4) != 0 || strlen(token) > 60)
        return HV_ERR_UNAUTH;
    uint8_t h[32];
    token_hash(token, h);
    token_row_t t = {0};
    uint32_t roles = 0;
    store_conn *c;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    store_val arg = SV_BLOBV(h, 32);
    r = store_query(c,
                    "SELECT t.id, t.user_id, t.expires_at, t.revoked_at, u.agency_id, "
                    "u.disabled, t.last_used_at, u.totp_enabled FROM api_token t JOIN app_user u "
                    "ON u.id = "
                    "t.user_id WHERE t.token_hash = ?",
                    &arg, 1, token_row, &t);
    if (r == HV_OK && t.found)
        r = account_user_roles(c, t.user_id, &roles);
    store_release(c);
    if (r != HV_OK)
        return r;
    int64_t now = clock_now_ms();
    if (!t.found || t.revoked_at || t.disabled || (t.expires && now >= t.expires))
        return HV_ERR_UNAUTH;
    touch(st, "UPDATE api_token SET last_used_at = ? WHERE id = ?", t.id, t.last_used, now);
    memset(out, 0, sizeof *out);
    out->p.user_id = t.user_id;
    out->p.agency_id = t.agency_id;
    out->p.roles = roles;
    /* a token stands in for its user: roles that need a second factor work
     * through it only once the user has one */
    int required = (roles & role_mfa_required_mask()) != 0;
    out->p.mfa_ok = t.totp_enabled || !required;
    out->totp_enabled = t.totp_enabled;
    out->totp_required = required;
    out->enrollment_required = !out->p.mfa_ok;
    out->token_id = t.id;
    return HV_OK;
}

hv_result
session_logout(store *st, int64_t session_id)
{
    store_conn *c;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return r;
    store_val arg = SV_INTV(session_id);
    r = store_exec(c, "UPDATE session SET revoked = 1 WHERE id = ?", &arg, 1, NULL);
    if (r != HV_OK) {
        store_rollback(c);
        return r;
    }
    return store_commit(c);
}

hv_result
session_token_create(store_conn *c, int64_t user_id, const char *name,
                     char token[SESSION_TOKEN_MAX], int64_t *id)
{
    uint8_t h[32];
    token_new("hvt_", token);
    token_hash(token, h);
    store_val args[] = {SV_INTV(user_id), SV_TEXTV(name), SV_BLOBV(h, 32), SV_INTV(clock_now_ms())};
    return store_query_int(c,
                           "INSERT INTO api_token (user_id, name, token_hash, created_at) VALUES "
                           "(?, ?, ?, ?) RETURNING id",
                           args, 4, id);
}

hv_result
session_mark_mfa(store_conn *c, int64_t session_id)
{
    store_val arg = SV_INTV(session_id);
    return store_exec(c, "UPDATE session SET mfa_ok = 1 WHERE id = ?", &arg, 1, NULL);
}
