/*
 * totp.h - time-based one-time passwords (RFC 6238 over RFC 4226 HOTP).
 *
 * Users enrol an authenticator app by scanning totp_uri(); at login
 * totp_verify() checks a 6-digit SHA-1 code with 30-second steps, the
 * parameters every common app supports. The caller stores the step that
 * matched and passes it back as last_used_step so a code works only once.
 * Time is passed in: this module never reads the clock.
 */
#ifndef HAVEN_TOTP_H
#define HAVEN_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

typedef enum totp_algo { TOTP_SHA1, TOTP_SHA256, TOTP_SHA512 } totp_algo;

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS       6
#define TOTP_WINDOW_MAX   10  /* largest window totp_verify() accepts */
#define TOTP_KEY_MAX      128 /* largest key, in bytes, totp_uri() accepts */

/*
 * The code for unix_seconds: HMAC(key, floor(unix_seconds / step_seconds))
 * dynamically truncated to digits decimal digits (6..9). HV_ERR_INVALID for
 * an empty key, negative time, step_seconds < 1 or digits out of range;
 * HV_ERR_CRYPTO if the HMAC fails.
 */
hv_result totp_code(const uint8_t *key, size_t keylen, totp_algo algo, int64_t unix_seconds,
                    int step_seconds, int digits, uint32_t *code);

/*
 * Checks a user-typed code (SHA-1, 30 s, 6 digits; spaces ignored) against
 * the steps now-window .. now+window. A matching step <= last_used_step is
 * a replay and is refused; pass -1 if no code was ever used. On HV_OK the
 * matching step is stored in *matched_step (may be NULL): save it as the new
 * last_used_step. Returns HV_ERR_UNAUTH for a wrong or replayed code,
 * HV_ERR_INVALID if the code is not exactly 6 digits or an argument is bad
 * (negative time, window outside 0..TOTP_WINDOW_MAX).
 */
hv_result totp_verify(const uint8_t *key, size_t keylen, int64_t now_s, const char *code,
                      int window, int64_t last_used_step, int64_t *matched_step);

/* Fills out[0..n) with random bytes for a new secret (n is normally 20). */
hv_result totp_new_secret(uint8_t *out, size_t n);

/*
 * Writes the enrolment URI
 *   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded. HV_ERR_TOOBIG if out is too
 * small, HV_ERR_INVALID for an empty argument or keylen > TOTP_KEY_MAX.
 */
hv_result totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen,
                   char *out, size_t outsz);

#endif
