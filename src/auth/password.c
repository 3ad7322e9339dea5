/*
 * password.c - argon2id hashing through libsodium, a constant-cost dummy
 * verify for unknown users, and the password policy.
 *
 * Globals: the cost for new hashes (set at start-up, read atomically) and
 * the dummy hash, computed once under pthread_once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "auth/password.h"

_Static_assert(PASSWORD_HASH_BYTES == crypto_pwhash_argon2id_STRBYTES,
               "PASSWORD_HASH_BYTES must match libsodium");

static _Atomic unsigned long long password_opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
static _Atomic size_t password_memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;

static pthread_once_t password_dummy_once = PTHREAD_ONCE_INIT;
static char password_dummy_hash[PASSWORD_HASH_BYTES];
static bool password_dummy_ok;

/* The worst passwords of 12 characters or more, lowercase. */
static const char *const password_worst[] = {
    "password1234", "123456789012", "qwertyuiopas",  "qwertyuiop12",     "qwertyuiop123",
    "1234567890ab", "abcdefghijkl", "abc123456789",  "passwordpassword", "password123!",
    "iloveyou1234", "letmein12345", "welcome12345",  "administrator",    "1q2w3e4r5t6y",
    "qwerty123456", "123456qwerty", "1234567890123", "zaq12wsxcde3",     "changeme1234",
};

void
password_set_cost(unsigned long long opslimit, size_t memlimit)
{
    if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
        opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
    if (opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX)
        opslimit = crypto_pwhash_argon2id_OPSLIMIT_MAX;
    if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
        memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    if (memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
        memlimit = crypto_pwhash_argon2id_MEMLIMIT_MAX;
    atomic_store(&password_opslimit, opslimit);
    atomic_store(&password_memlimit, memlimit);
}

hv_result
password_hash(const char *pw, char out[PASSWORD_HASH_BYTES])
{
    if (pw == NULL || out == NULL)
        return HV_ERR_INVALID;
    out[0] = '\0';
    size_t n = strlen(pw);
    if (n > PASSWORD_MAX_BYTES)
        return HV_ERR_TOOBIG;
    if (sodium_init() < 0)
        return HV_ERR_CRYPTO;
    if (crypto_pwhash_argon2id_str(out, pw, n, atomic_load(&password_opslimit),
                                   atomic_load(&password_memlimit)) != 0)
        return HV_ERR_NOMEM;
    return HV_OK;
}

hv_result
password_verify(const char *stored, const char *pw)
{
    if (stored == NULL || pw == NULL)
        return HV_ERR_UNAUTH;
    size_t n = strlen(pw);
    if (n > PASSWORD_MAX_BYTES || strnlen(stored, PASSWORD_HASH_BYTES) >= PASSWORD_HASH_BYTES)
        return HV_ERR_UNAUTH;
    if (sodium_init() < 0)
        return HV_ERR_UNAUTH;
    if (crypto_pwhash_argon2id_str_verify(stored, pw, n) != 0)
        return HV_ERR_UNAUTH;
    return HV_OK;
}

int
password_needs_rehash(const char *stored)
{
    if (stored == NULL || strnlen(stored, PASSWORD_HASH_BYTES) >= PASSWORD_HASH_BYTES)
        return 1;
    if (sodium_init() < 0)
        return 1;
    return crypto_pwhash_argon2id_str_needs_rehash(stored, atomic_load(&password_opslimit),
                                                   atomic_load(&password_memlimit)) != 0;
}

static void
password_dummy_init(void)
{
    password_dummy_ok =
        password_hash("haven dummy password, never matches a login", password_dummy_hash) == HV_OK;
}

void
password_dummy_verify(const char *pw)
{
    pthread_once(&password_dummy_once, password_dummy_init);
    if (!password_dummy_ok || pw == NULL)
        return;
    (void)password_verify(password_dummy_hash, pw);
}

/*
 * Length in bytes of the UTF-8 sequence at p (1..4), or 0 if it is not a
 * well-formed, shortest-form sequence of a Unicode scalar value.
 */
static size_t
password_utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if (p[0] == 0xe0 && p[1] < 0xa0) /* overlong */
            return 0;
        if (p[0] == 0xed && p[1] >= 0xa0) /* surrogate */
            return 0;
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if (p[0] == 0xf0 && p[1] < 0x90) /* overlong */
            return 0;
        if (p[0] == 0xf4 && p[1] >= 0x90) /* above U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
}

static bool
password_is_worst(const char *pw, size_t n)
{
    for (size_t i = 0; i < sizeof password_worst / sizeof password_worst[0]; i++) {
        const char *w = password_worst[i];
        if (strlen(w) != n)
            continue;
        size_t j = 0;
        while (j < n) {
            unsigned char c = (unsigned char)pw[j];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (c != (unsigned char)w[j])
                break;
            j++;
        }
        if (j == n)
            return true;
    }
    return false;
}

hv_result
password_check_policy(const char *pw, const char **why)
{
    const char *reason = NULL;
    size_t n = 0, chars = 0, first_len = 0;
    bool all_same = true;

    if (pw == NULL) {
        reason = "password is missing";
        goto out;
    }
    n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
    if (n > PASSWORD_MAX_BYTES) {
        reason = "password must be at most 256 bytes";
        goto out;
    }
    /* The string is NUL-terminated, so password_utf8_len() stops at the NUL:
     * a NUL is never a continuation byte. */
    for (size_t i = 0; i < n;) {
        size_t len = password_utf8_len((const unsigned char *)pw + i);
        if (len == 0) {
            reason = "password is not valid utf-8";
            goto out;
        }
        if (chars == 0)
            first_len = len;
        else if (len != first_len || memcmp(pw + i, pw, len) != 0)
            all_same = false;
        chars++;
        i += len;
    }
    if (chars < PASSWORD_MIN_CHARS)
        reason = "password must be at least 12 characters";
    else if (all_same)
        reason = "password must not be one character repeated";
    else if (password_is_worst(pw, n))
        reason = "password is too common";
out:
    if (why != NULL)
        *why = reason;
    return reason == NULL ? HV_OK : HV_ERR_INVALID;
}
