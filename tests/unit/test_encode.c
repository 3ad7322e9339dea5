/* test_encode.c - base32 against the RFC 4648 section 10 vectors, plus the
 * decoder's leniencies (case, spaces, dashes, padding) and its refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/encode.h"

static const struct {
    const char *plain;
    const char *padded;
} vectors[] = {
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

static void
test_rfc4648_encode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char out[32], want[32];
        size_t n = strlen(vectors[i].plain);
        size_t wl = strcspn(vectors[i].padded, "=");
        memcpy(want, vectors[i].padded, wl);
        want[wl] = '\0';
        size_t got = encode_base32((const uint8_t *)vectors[i].plain, n, out, sizeof out);
        assert_int_equal(got, wl);
        assert_int_equal(ENCODE_BASE32_LEN(n), wl);
        assert_string_equal(out, want);
    }
}

static void
test_rfc4648_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint8_t out[16];
        size_t n = 99;
        size_t len = strlen(vectors[i].plain);
        /* padded, as in the RFC */
        assert_int_equal(encode_base32_decode(vectors[i].padded, out, sizeof out, &n), HV_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, vectors[i].plain, len);
        /* unpadded, as we write it */
        char unpadded[32];
        size_t wl = strcspn(vectors[i].padded, "=");
        memcpy(unpadded, vectors[i].padded, wl);
        unpadded[wl] = '\0';
        assert_int_equal(encode_base32_decode(unpadded, out, sizeof out, &n), HV_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, vectors[i].plain, len);
    }
}

static void
test_decode_lenient(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    assert_int_equal(encode_base32_decode("mzxw 6ytb-oi==", out, sizeof out, &n), HV_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(encode_base32_decode("MzXw6YtBoI", out, sizeof out, &n), HV_OK);
    assert_memory_equal(out, "foobar", 6);
}

static void
test_decode_rejects(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n = 7;
    assert_int_equal(encode_base32_decode("MZXW1", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(encode_base32_decode("MZXW8", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("MZ=XW", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("MZX", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("M", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("MZXW6Y", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("MZ_XW", out, sizeof out, &n), HV_ERR_INVALID);
    assert_int_equal(encode_base32_decode("MZXW6YTBOI", out, 5, &n), HV_ERR_TOOBIG);
    assert_int_equal(encode_base32_decode("MZXW6YTBOI", out, 6, &n), HV_OK);
}

static void
test_encode_small_buffer(void **state)
{
    (void)state;
    char out[16];
    memset(out, 'x', sizeof out);
    /* "foobar" needs 10 characters and a NUL */
    assert_int_equal(encode_base32((const uint8_t *)"foobar", 6, out, 10), 0);
    assert_string_equal(out, "");
    assert_int_equal(encode_base32((const uint8_t *)"foobar", 6, out, 11), 10);
    assert_string_equal(out, "MZXW6YTBOI");
    assert_int_equal(encode_base32((const uint8_t *)"f", 1, NULL, 0), 0);
}

static void
test_round_trip_all_bytes(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    char text[ENCODE_BASE32_LEN(256) + 1];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t n = 0; n <= sizeof in; n++) {
        size_t len = encode_base32(in, n, text, sizeof text);
        assert_int_equal(len, ENCODE_BASE32_LEN(n));
        size_t got;
        assert_int_equal(encode_base32_decode(text, back, sizeof back, &got), HV_OK);
        assert_int_equal(got, n);
        assert_memory_equal(back, in, n);
    }
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_encode),      cmocka_unit_test(test_rfc4648_decode),
        cmocka_unit_test(test_decode_lenient),      cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_encode_small_buffer), cmocka_unit_test(test_round_trip_all_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
