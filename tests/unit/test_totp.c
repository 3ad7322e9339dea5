/* test_totp.c - every RFC 6238 Appendix B vector, the RFC 4226 Appendix D
 * HOTP vectors, and totp_verify()'s window, replay guard and input checks,
 * and the otpauth:// URI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/totp.h"
#include "core/encode.h"

static const uint8_t key20[] = "12345678901234567890";
static const uint8_t key32[] = "12345678901234567890123456789012";
static const uint8_t key64[] = "1234567890123456789012345678901234567890123456789012345678901234";

static const struct {
    int64_t t;
    uint32_t sha1, sha256, sha512;
} rfc6238[] = {
    {59, 94287082, 46119246, 90693936},         {1111111109, 7081804, 68084774, 25091201},
    {1111111111, 14050471, 67062674, 99943326}, {1234567890, 89005924, 91819424, 93441116},
    {2000000000, 69279037, 90698825, 38618901}, {20000000000, 65353130, 77737706, 47863826},
};

static void
test_rfc6238_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc6238 / sizeof rfc6238[0]; i++) {
        uint32_t c;
        assert_int_equal(totp_code(key20, 20, TOTP_SHA1, rfc6238[i].t, 30, 8, &c), HV_OK);
        assert_int_equal(c, rfc6238[i].sha1);
        assert_int_equal(totp_code(key32, 32, TOTP_SHA256, rfc6238[i].t, 30, 8, &c), HV_OK);
        assert_int_equal(c, rfc6238[i].sha256);
        assert_int_equal(totp_code(key64, 64, TOTP_SHA512, rfc6238[i].t, 30, 8, &c), HV_OK);
        assert_int_equal(c, rfc6238[i].sha512);
    }
}

/* RFC 4226 Appendix D: HOTP(counter) is TOTP with a 1-second step. */
static void
test_rfc4226_vectors(void **state)
{
    (void)state;
    static const uint32_t want[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
    for (int i = 0; i < 10; i++) {
        uint32_t c;
        assert_int_equal(totp_code(key20, 20, TOTP_SHA1, i, 1, 6, &c), HV_OK);
        assert_int_equal(c, want[i]);
    }
}

static void
test_code_bad_args(void **state)
{
    (void)state;
    uint32_t c;
    assert_int_equal(totp_code(key20, 0, TOTP_SHA1, 59, 30, 6, &c), HV_ERR_INVALID);
    assert_int_equal(totp_code(key20, 20, TOTP_SHA1, -1, 30, 6, &c), HV_ERR_INVALID);
    assert_int_equal(totp_code(key20, 20, TOTP_SHA1, 59, 0, 6, &c), HV_ERR_INVALID);
    assert_int_equal(totp_code(key20, 20, TOTP_SHA1, 59, 30, 5, &c), HV_ERR_INVALID);
    assert_int_equal(totp_code(key20, 20, TOTP_SHA1, 59, 30, 10, &c), HV_ERR_INVALID);
    assert_int_equal(totp_code(key20, 20, (totp_algo)7, 59, 30, 6, &c), HV_ERR_INVALID);
}

/* The 6-digit code for step s, as a user would type it. */
static void
code_at(int64_t step, char out[8])
{
    uint32_t c;
    assert_int_equal(totp_code(key20, 20, TOTP_SHA1, step * 30, 30, 6, &c), HV_OK);
    snprintf(out, 8, "%06u", (unsigned)c);
}

static void
test_verify_window(void **state)
{
    (void)state;
    const int64_t now = 1234567890; /* step 41152263, 0 s into it */
    const int64_t step = now / 30;
    char code[8];
    int64_t m;

    code_at(step, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_OK);
    assert_int_equal(m, step);
    assert_int_equal(totp_verify(key20, 20, now, code, 0, -1, &m), HV_OK);

    code_at(step - 1, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_OK);
    assert_int_equal(m, step - 1);
    assert_int_equal(totp_verify(key20, 20, now, code, 0, -1, &m), HV_ERR_UNAUTH);

    code_at(step + 1, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_OK);
    assert_int_equal(m, step + 1);

    code_at(step + 2, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_ERR_UNAUTH);
    assert_int_equal(m, -1);
    code_at(step - 2, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_ERR_UNAUTH);
    assert_int_equal(totp_verify(key20, 20, now, code, 2, -1, &m), HV_OK);
    assert_int_equal(m, step - 2);

    /* a wrong key */
    code_at(step, code);
    assert_int_equal(totp_verify((const uint8_t *)"abcdefghijklmnopqrst", 20, now, code, 1, -1, &m),
                     HV_ERR_UNAUTH);
}

static void
test_verify_replay(void **state)
{
    (void)state;
    const int64_t now = 2000000000;
    const int64_t step = now / 30;
    char code[8];
    int64_t m;

    code_at(step, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, -1, &m), HV_OK);
    assert_int_equal(m, step);
    /* the same code again, after the caller saved m */
    assert_int_equal(totp_verify(key20, 20, now, code, 1, m, &m), HV_ERR_UNAUTH);
    /* an older code inside the window is also refused once a later one was used */
    code_at(step - 1, code);
    assert_int_equal(totp_verify(key20, 20, now, code, 1, step, NULL), HV_ERR_UNAUTH);
    /* the next step's code is still good */
    code_at(step + 1, code);
    assert_int_equal(totp_verify(key20, 20, now + 30, code, 1, step, &m), HV_OK);
    assert_int_equal(m, step + 1);
}

static void
test_verify_malformed(void **state)
{
    (void)state;
    const int64_t now = 1111111111;
    char code[8], spaced[16];
    int64_t m;

    code_at(now / 30, code);
    snprintf(spaced, sizeof spaced, " %.3s %.3s ", code, code + 3);
    assert_int_equal(totp_verify(key20, 20, now, spaced, 1, -1, &m), HV_OK);

    assert_int_equal(totp_verify(key20, 20, now, "12345", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, "1234567", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, "12a456", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, "-12345", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, "", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, "      ", 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, NULL, 1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, code, -1, -1, &m), HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, now, code, TOTP_WINDOW_MAX + 1, -1, &m),
                     HV_ERR_INVALID);
    assert_int_equal(totp_verify(key20, 20, -5, code, 1, -1, &m), HV_ERR_INVALID);
}

static void
test_new_secret(void **state)
{
    (void)state;
    uint8_t a[TOTP_SECRET_BYTES], b[TOTP_SECRET_BYTES];
    assert_int_equal(totp_new_secret(a, sizeof a), HV_OK);
    assert_int_equal(totp_new_secret(b, sizeof b), HV_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(totp_new_secret(a, 0), HV_ERR_INVALID);
}

static void
test_uri(void **state)
{
    (void)state;
    char uri[512];
    assert_int_equal(
        totp_uri("Haven County", "maria.lopez@example.org", key20, 20, uri, sizeof uri), HV_OK);
    assert_string_equal(uri, "otpauth://totp/Haven%20County:maria.lopez%40example.org"
                             "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                             "&issuer=Haven%20County&algorithm=SHA1&digits=6&period=30");

    /* the secret in the URI decodes back to the key */
    const char *s = strstr(uri, "secret=") + 7;
    char b32[64];
    size_t l = strcspn(s, "&");
    memcpy(b32, s, l);
    b32[l] = '\0';
    uint8_t back[32];
    size_t n;
    assert_int_equal(encode_base32_decode(b32, back, sizeof back, &n), HV_OK);
    assert_int_equal(n, 20);
    assert_memory_equal(back, key20, 20);

    /* reserved and non-ASCII characters are escaped, unreserved pass */
    assert_int_equal(totp_uri("A:B&C", "j\xc3\xb6rg_~.-/?", key20, 20, uri, sizeof uri), HV_OK);
    assert_non_null(strstr(uri, "totp/A%3AB%26C:j%C3%B6rg_~.-%2F%3F?secret="));
    assert_non_null(strstr(uri, "&issuer=A%3AB%26C&"));

    /* too small: every size below the full length fails, and leaves no partial URI */
    assert_int_equal(totp_uri("Haven", "u", key20, 20, uri, sizeof uri), HV_OK);
    size_t full = strlen(uri);
    for (size_t sz = 1; sz <= full; sz++) {
        assert_int_equal(totp_uri("Haven", "u", key20, 20, uri, sz), HV_ERR_TOOBIG);
        assert_string_equal(uri, "");
    }
    assert_int_equal(totp_uri("Haven", "u", key20, 20, uri, full + 1), HV_OK);

    assert_int_equal(totp_uri("", "u", key20, 20, uri, sizeof uri), HV_ERR_INVALID);
    assert_int_equal(totp_uri("Haven", "", key20, 20, uri, sizeof uri), HV_ERR_INVALID);
    assert_int_equal(totp_uri("Haven", "u", key20, 0, uri, sizeof uri), HV_ERR_INVALID);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_rfc4226_vectors),
        cmocka_unit_test(test_code_bad_args),   cmocka_unit_test(test_verify_window),
        cmocka_unit_test(test_verify_replay),   cmocka_unit_test(test_verify_malformed),
        cmocka_unit_test(test_new_secret),      cmocka_unit_test(test_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
