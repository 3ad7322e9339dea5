/*
 * totp.c - RFC 6238 TOTP codes, verification with a replay guard, and
 * otpauth:// enrolment URIs.
 *
 * The HMAC for every algorithm comes from gnutls_hmac_fast() (libsodium has
 * no HMAC-SHA1), so there is one path for all three. Random secrets come
 * from libsodium.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>

#include "auth/totp.h"
#include "core/encode.h"

/* A bounded string builder for totp_uri(); overflow sticks. */
typedef struct totp_buf {
    char *p;
    size_t len;
    size_t cap;
    bool overflow;
} totp_buf;

static void
totp_buf_putc(totp_buf *b, char c)
{
    if (b->overflow || b->len + 1 >= b->cap) {
        b->overflow = true;
        return;
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static void
totp_buf_puts(totp_buf *b, const char *s)
{
    while (*s != '\0')
        totp_buf_putc(b, *s++);
}

/* Appends s percent-encoded: RFC 3986 unreserved characters pass as they are. */
static void
totp_buf_put_pct(totp_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            totp_buf_putc(b, (char)c);
        } else {
            totp_buf_putc(b, '%');
            totp_buf_putc(b, hex[c >> 4]);
            totp_buf_putc(b, hex[c & 0x0f]);
        }
    }
}

static gnutls_mac_algorithm_t
totp_mac(totp_algo algo, size_t *maclen)
{
    switch (algo) {
    case TOTP_SHA1:
        *maclen = 20;
        return GNUTLS_MAC_SHA1;
    case TOTP_SHA256:
        *maclen = 32;
        return GNUTLS_MAC_SHA256;
    case TOTP_SHA512:
        *maclen = 64;
        return GNUTLS_MAC_SHA512;
    }
    *maclen = 0;
    return GNUTLS_MAC_UNKNOWN;
}

hv_result
totp_code(const uint8_t *key, size_t keylen, totp_algo algo, int64_t unix_seconds, int step_seconds,
          int digits, uint32_t *code)
{
    static const uint32_t pow10[] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};
    size_t maclen;
    gnutls_mac_algorithm_t mac = totp_mac(algo, &maclen);

    if (code == NULL)
        return HV_ERR_INVALID;
    *code = 0;
    if (key == NULL || keylen == 0 || mac == GNUTLS_MAC_UNKNOWN || unix_seconds < 0 ||
        step_seconds < 1 || digits < 6 || digits > 9)
        return HV_ERR_INVALID;

    /* RFC 4226 section 5.2: the counter is an 8-byte big-endian integer. */
    uint64_t counter = (uint64_t)(unix_seconds / step_seconds);
    uint8_t msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }

    uint8_t digest[64];
    if (gnutls_hmac_fast(mac, key, keylen, msg, sizeof msg, digest) < 0)
        return HV_ERR_CRYPTO;

    /* Dynamic truncation (RFC 4226 section 5.3). */
    unsigned off = digest[maclen - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(digest[off] & 0x7f) << 24) | ((uint32_t)digest[off + 1] << 16) |
                   ((uint32_t)digest[off + 2] << 8) | (uint32_t)digest[off + 3];
    sodium_memzero(digest, sizeof digest);
    *code = bin % pow10[digits];
    return HV_OK;
}

hv_result
totp_verify(const uint8_t *key, size_t keylen, int64_t now_s, const char *code, int window,
            int64_t last_used_step, int64_t *matched_step)
{
    char typed[TOTP_DIGITS];
    size_t n = 0;

    if (matched_step != NULL)
        *matched_step = -1;
    if (key == NULL || keylen == 0 || code == NULL || now_s < 0 || window < 0 ||
        window > TOTP_WINDOW_MAX)
        return HV_ERR_INVALID;

    for (const char *p = code; *p != '\0'; p++) {
        if (*p == ' ')
            continue;
        if (*p < '0' || *p > '9' || n == TOTP_DIGITS)
            return HV_ERR_INVALID;
        typed[n++] = *p;
    }
    if (n != TOTP_DIGITS)
        return HV_ERR_INVALID;

    /* Check every step in the window, so timing does not say which matched. */
    int64_t now_step = now_s / TOTP_STEP_SECONDS;
    int64_t found = -1;
    for (int64_t step = now_step - window; step <= now_step + window; step++) {
        if (step < 0)
            continue;
        uint32_t want;
        hv_result r = totp_code(key, keylen, TOTP_SHA1, step * TOTP_STEP_SECONDS, TOTP_STEP_SECONDS,
                                TOTP_DIGITS, &want);
        if (r != HV_OK)
            return r;
        char expect[TOTP_DIGITS + 1];
        snprintf(expect, sizeof expect, "%06u", (unsigned)want);
        bool same = sodium_memcmp(expect, typed, TOTP_DIGITS) == 0;
        sodium_memzero(expect, sizeof expect);
        if (same && step > last_used_step && found < 0)
            found = step;
    }
    sodium_memzero(typed, sizeof typed);
    if (found < 0)
        return HV_ERR_UNAUTH;
    if (matched_step != NULL)
        *matched_step = found;
    return HV_OK;
}

hv_result
totp_new_secret(uint8_t *out, size_t n)
{
    if (out == NULL || n == 0)
        return HV_ERR_INVALID;
    if (sodium_init() < 0)
        return HV_ERR_CRYPTO;
    randombytes_buf(out, n);
    return HV_OK;
}

hv_result
totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen, char *out,
         size_t outsz)
{
    char secret[ENCODE_BASE32_LEN(TOTP_KEY_MAX) + 1];
    char digits[16];

    if (out != NULL && outsz > 0)
        out[0] = '\0';
    if (issuer == NULL || *issuer == '\0' || account == NULL || *account == '\0' || key == NULL ||
        keylen == 0 || keylen > TOTP_KEY_MAX || out == NULL || outsz == 0)
        return HV_ERR_INVALID;
    if (encode_base32(key, keylen, secret, sizeof secret) == 0)
        return HV_ERR_INVALID;

    totp_buf b = {.p = out, .len = 0, .cap = outsz, .overflow = false};
    totp_buf_puts(&b, "otpauth://totp/");
    totp_buf_put_pct(&b, issuer);
    totp_buf_putc(&b, ':');
    totp_buf_put_pct(&b, account);
    totp_buf_puts(&b, "?secret=");
    totp_buf_puts(&b, secret);
    totp_buf_puts(&b, "&issuer=");
    totp_buf_put_pct(&b, issuer);
    snprintf(digits, sizeof digits, "%d", TOTP_DIGITS);
    totp_buf_puts(&b, "&algorithm=SHA1&digits=");
    totp_buf_puts(&b, digits);
    snprintf(digits, sizeof digits, "%d", TOTP_STEP_SECONDS);
    totp_buf_puts(&b, "&period=");
    totp_buf_puts(&b, digits);
    sodium_memzero(secret, sizeof secret);
    if (b.overflow) {
        sodium_memzero(out, outsz);
        return HV_ERR_TOOBIG;
    }
    return HV_OK;
}
