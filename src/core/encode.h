/*
 * encode.h - text encodings of binary data that libsodium does not provide.
 *
 * Only RFC 4648 base32 for now: TOTP secrets are shown to users and put in
 * otpauth:// URIs in base32. Hex and base64 come from sodium_bin2hex() and
 * sodium_bin2base64().
 */
#ifndef HAVEN_ENCODE_H
#define HAVEN_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

/* Characters (without the NUL) that encode_base32() writes for n bytes. */
#define ENCODE_BASE32_LEN(n) (((n)*8 + 4) / 5)

/*
 * Writes the RFC 4648 base32 form of in[0..n) to out, upper case, without '='
 * padding, and NUL-terminates it. Returns the number of characters written
 * (not counting the NUL), or 0 if outsz is smaller than ENCODE_BASE32_LEN(n)
 * + 1 (out is then left as "" when outsz > 0). n == 0 writes "" and returns 0.
 */
size_t encode_base32(const uint8_t *in, size_t n, char *out, size_t outsz);

/*
 * Decodes base32 text into out[0..outsz) and stores the byte count in
 * *outlen. Letters may be either case; spaces and '-' anywhere are ignored,
 * as is '=' padding at the end. HV_ERR_INVALID for any other character, for
 * text after padding, or for a length no encoder produces; HV_ERR_TOOBIG if
 * out is too small. On error *outlen is 0 and out's contents are undefined.
 */
hv_result encode_base32_decode(const char *in, uint8_t *out, size_t outsz, size_t *outlen);

#endif
