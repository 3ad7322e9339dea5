/* fuzz_text.c - libFuzzer target for the small text parsers: ISO-8601
 * times, calendar dates, base32 (TOTP secrets), TOTP codes, user names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/account.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ms, step;
    if (clock_parse_iso(s, &ms) == HV_OK) {
        char iso[40];
        clock_format_iso(ms, iso, sizeof iso);
    }
    (void)clock_valid_date(s);
    uint8_t out[256];
    size_t n;
    (void)encode_base32_decode(s, out, sizeof out, &n);
    static const uint8_t key[20] = "12345678901234567890";
    (void)totp_verify(key, sizeof key, 1700000000, s, 1, -1, &step);
    (void)account_username_valid(s);
    free(s);
    return 0;
}
