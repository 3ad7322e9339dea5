/*
 * session.h - who is making this request: browser sessions (cookie) and API
 * tokens (bearer), sign-in with lockout and second factor, sign-out.
 *
 * Tokens are 32 random bytes, base64url, with a prefix saying what they are
 * ("hvs_" session, "hvt_" API token). Only their BLAKE2b hash is stored, so a
 * copy of the database does not let anyone sign in.
 */
#ifndef HAVEN_SESSION_H
#define HAVEN_SESSION_H

#include <stdint.h>

#include "auth/policy.h"
#include "core/crypt.h"
#include "core/err.h"
#include "store/store.h"

#define SESSION_TOKEN_MAX 64
#define SESSION_CSRF_MAX  48

typedef struct session_limits {
    int64_t idle_ms;     /* sign out after this long without a request */
    int64_t absolute_ms; /* and this long after sign-in in any case */
    int max_failures;    /* failed sign-ins before the account locks */
    int64_t lockout_ms;  /* how long it stays locked */
} session_limits;

typedef struct session_info {
    principal p;
    int64_t session_id; /* 0 for an API token */
    int64_t token_id;   /* 0 for a session */
    char csrf[SESSION_CSRF_MAX];
    int totp_enabled;
    int totp_required;       /* a role of this user needs a second factor */
    int enrollment_required; /* required but not yet set up: may only enrol */
} session_info;

/* Signs USERNAME in. On success TOKEN gets the new session token and OUT the
 * session. Failures: HV_ERR_UNAUTH (e->type "invalid-credentials" or
 * "totp-required"), HV_ERR_LOCKED, HV_ERR_DENIED (disabled). Every attempt is
 * audited. */
hv_result session_login(store *st, const crypt_keys *k, const session_limits *lim,
                        const char *username, const char *password, const char *totp,
                        const char *request_id, char token[SESSION_TOKEN_MAX], session_info *out,
                        hv_err *e);
/* Resolves a session token; HV_ERR_UNAUTH if unknown, expired or revoked. */
hv_result session_lookup(store *st, const session_limits *lim, const char *token,
                         session_info *out);
/* Resolves an API token ("hvt_..."). */
hv_result session_token_lookup(store *st, const char *token, session_info *out);
hv_result session_logout(store *st, int64_t session_id);
/* Creates an API token for USER_ID; TOKEN gets it (shown once). */
hv_result session_token_create(store_conn *c, int64_t user_id, const char *name,
                               char token[SESSION_TOKEN_MAX], int64_t *id);
/* Marks this session as having passed the second factor. */
hv_result session_mark_mfa(store_conn *c, int64_t session_id);

#endif
