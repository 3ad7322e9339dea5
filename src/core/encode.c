/*
 * encode.c - RFC 4648 base32 (section 6), unpadded on output.
 *
 * Five bytes make eight characters of five bits each. The encoder keeps a
 * bit accumulator; the decoder does the reverse and checks that the number
 * of characters in the last group is one an encoder can produce (2, 4, 5 or
 * 7, or a full group).
 */
#include <stdbool.h>
#include <string.h>

#include "core/encode.h"

static const char encode_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The 5-bit value of a base32 character, or -1. */
static int
encode_b32_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

size_t
encode_base32(const uint8_t *in, size_t n, char *out, size_t outsz)
{
    if (out == NULL || outsz == 0)
        return 0;
    out[0] = '\0';
    if (n > (SIZE_MAX - 4) / 8 || outsz < ENCODE_BASE32_LEN(n) + 1)
        return 0;

    size_t len = 0;
    uint32_t acc = 0; /* holds at most 12 pending bits */
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[len++] = encode_alphabet[(acc >> bits) & 0x1f];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        out[len++] = encode_alphabet[(acc << (5 - bits)) & 0x1f];
    out[len] = '\0';
    return len;
}

hv_result
encode_base32_decode(const char *in, uint8_t *out, size_t outsz, size_t *outlen)
{
    if (outlen != NULL)
        *outlen = 0;
    if (in == NULL || outlen == NULL || (out == NULL && outsz > 0))
        return HV_ERR_INVALID;

    size_t len = 0;
    size_t nchars = 0; /* data characters seen */
    uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p == '=') {
            padding = true;
            continue;
        }
        int v = encode_b32_value(*p);
        if (v < 0 || padding)
            return HV_ERR_INVALID;
        nchars++;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (len >= outsz)
                return HV_ERR_TOOBIG;
            out[len++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* A last group of 1, 3 or 6 characters cannot come from any input. */
    size_t rem = nchars % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return HV_ERR_INVALID;
    *outlen = len;
    return HV_OK;
}
