/* test_password.c - argon2id hash/verify, rehash detection, the dummy
 * verify and the password policy. Runs at libsodium's minimum cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "auth/password.h"

static int
setup(void **state)
{
    (void)state;
    password_set_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
    return 0;
}

static void
test_round_trip(void **state)
{
    (void)state;
    char h1[PASSWORD_HASH_BYTES], h2[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("correct horse battery", h1), HV_OK);
    assert_memory_equal(h1, "$argon2id$", 10);
    assert_int_equal(password_verify(h1, "correct horse battery"), HV_OK);
    assert_int_equal(password_verify(h1, "correct horse batterY"), HV_ERR_UNAUTH);
    assert_int_equal(password_verify(h1, ""), HV_ERR_UNAUTH);
    /* salted: the same password hashes differently */
    assert_int_equal(password_hash("correct horse battery", h2), HV_OK);
    assert_string_not_equal(h1, h2);
    assert_int_equal(password_verify(h2, "correct horse battery"), HV_OK);
}

static void
test_verify_bad_stored(void **state)
{
    (void)state;
    assert_int_equal(password_verify("", "x"), HV_ERR_UNAUTH);
    assert_int_equal(password_verify("$argon2id$garbage", "x"), HV_ERR_UNAUTH);
    assert_int_equal(password_verify(NULL, "x"), HV_ERR_UNAUTH);
    char h[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("some long password", h), HV_OK);
    assert_int_equal(password_verify(h, NULL), HV_ERR_UNAUTH);
    /* tamper with the hash part */
    size_t n = strlen(h);
    h[n - 2] = h[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(password_verify(h, "some long password"), HV_ERR_UNAUTH);
}

static void
test_too_long(void **state)
{
    (void)state;
    char pw[PASSWORD_MAX_BYTES + 2], h[PASSWORD_HASH_BYTES];
    memset(pw, 'a', sizeof pw - 1);
    pw[sizeof pw - 1] = '\0';
    assert_int_equal(password_hash(pw, h), HV_ERR_TOOBIG);
    pw[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_hash(pw, h), HV_OK);
    assert_int_equal(password_verify(h, pw), HV_OK);
}

static void
test_needs_rehash(void **state)
{
    (void)state;
    char h[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("rehash me please", h), HV_OK);
    assert_int_equal(password_needs_rehash(h), 0);
    password_set_cost(crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN);
    assert_int_equal(password_needs_rehash(h), 1);
    password_set_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
    assert_int_equal(password_needs_rehash(h), 0);
    assert_int_equal(password_needs_rehash("not a hash"), 1);
    assert_int_equal(password_needs_rehash(NULL), 1);
    /* below the minimum is clamped, not accepted */
    password_set_cost(0, 0);
    assert_int_equal(password_needs_rehash(h), 0);
}

static void
test_dummy_verify(void **state)
{
    (void)state;
    password_dummy_verify("whatever the user typed");
    password_dummy_verify("");
    password_dummy_verify(NULL);
}

static void
expect_refused(const char *pw, const char *reason)
{
    const char *why = NULL;
    assert_int_equal(password_check_policy(pw, &why), HV_ERR_INVALID);
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void
test_policy(void **state)
{
    (void)state;
    const char *why = "unset";
    assert_int_equal(password_check_policy("correct horse", &why), HV_OK);
    assert_null(why);
    assert_int_equal(password_check_policy("abcdefghijkm", NULL), HV_OK);
    /* 12 code points, 24 bytes */
    assert_int_equal(password_check_policy("\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb4\xc3\xbc\xc3\xa7"
                                           "\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb4\xc3\xbc\xc3\xa7",
                                           &why),
                     HV_OK);

    expect_refused("short pass1", "password must be at least 12 characters");
    expect_refused("", "password must be at least 12 characters");
    /* 11 code points in 22 bytes is still too short */
    expect_refused("\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb4\xc3\xbc\xc3\xa7\xc3\xa9\xc3\xa8\xc3\xa0"
                   "\xc3\xb4\xc3\xbc",
                   "password must be at least 12 characters");
    expect_refused("aaaaaaaaaaaaaaaa", "password must not be one character repeated");
    expect_refused("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9",
                   "password must not be one character repeated");
    expect_refused("password1234", "password is too common");
    expect_refused("PassWord1234", "password is too common");
    expect_refused("123456789012", "password is too common");
    expect_refused("qwertyuiopas", "password is too common");
    expect_refused("abc\xff"
                   "defghijklmn",
                   "password is not valid utf-8");
    expect_refused("abcdefghijk\xc3", "password is not valid utf-8");
    expect_refused("abcdefghijk\xc0\xaf", "password is not valid utf-8");     /* overlong '/' */
    expect_refused("abcdefghijk\xed\xa0\x80", "password is not valid utf-8"); /* surrogate */
    expect_refused(NULL, "password is missing");

    char pw[PASSWORD_MAX_BYTES + 2];
    for (size_t i = 0; i < sizeof pw - 1; i++)
        pw[i] = (char)('a' + i % 26);
    pw[sizeof pw - 1] = '\0';
    expect_refused(pw, "password must be at most 256 bytes");
    pw[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_check_policy(pw, &why), HV_OK);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_verify_bad_stored),
        cmocka_unit_test(test_too_long),     cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_dummy_verify), cmocka_unit_test(test_policy),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
