/*
 * password.h - password hashing (argon2id), verification and policy.
 *
 * Hashes are libsodium's argon2id strings ("$argon2id$v=19$m=...,t=...,p=1$
 * salt$hash"), which carry their own cost, so raising the cost later only
 * needs password_needs_rehash() at the next successful login.
 */
#ifndef HAVEN_PASSWORD_H
#define HAVEN_PASSWORD_H

#include <stddef.h>

#include "core/result.h"

#define PASSWORD_HASH_BYTES 128 /* crypto_pwhash_argon2id_STRBYTES, NUL included */
#define PASSWORD_MIN_CHARS  12  /* code points */
#define PASSWORD_MAX_BYTES  256

/*
 * Sets the argon2id cost for new hashes; values are clamped to libsodium's
 * bounds. Defaults: crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE.
 * Call it at start-up, before the first password_dummy_verify(): the dummy
 * hash is computed once, at the cost in force then.
 */
void password_set_cost(unsigned long long opslimit, size_t memlimit);

/*
 * Hashes pw into out (NUL-terminated). HV_ERR_INVALID for NULL,
 * HV_ERR_TOOBIG above PASSWORD_MAX_BYTES, HV_ERR_NOMEM if argon2 cannot get
 * its memory.
 */
hv_result password_hash(const char *pw, char out[PASSWORD_HASH_BYTES]);

/*
 * HV_OK if pw matches the stored argon2id string, otherwise HV_ERR_UNAUTH
 * (also for a malformed or non-argon2id stored string).
 */
hv_result password_verify(const char *stored, const char *pw);

/* 1 if stored was made with a cost other than the current one (or is not a
 * valid argon2id string), 0 if it is current. */
int password_needs_rehash(const char *stored);

/*
 * Verifies pw against a fixed hash made at the current cost and discards
 * the result, so a login for a missing user takes as long as a wrong
 * password. Thread-safe.
 */
void password_dummy_verify(const char *pw);

/*
 * HV_OK if pw is acceptable as a new password, else HV_ERR_INVALID with
 * *why (may be NULL) set to a lowercase reason: fewer than 12 characters
 * (UTF-8 code points), more than 256 bytes, not valid UTF-8, one character
 * repeated, or on the built-in list of the worst passwords.
 */
hv_result password_check_policy(const char *pw, const char **why);

#endif
