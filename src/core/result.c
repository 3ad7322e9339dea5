/* result.c - words for each hv_result code. */
#include <stddef.h>

#include "core/result.h"

static const char *const result_words[HV_RESULT__MAX] = {
    [HV_OK] = "ok",
    [HV_ERR_NOMEM] = "out of memory",
    [HV_ERR_INVALID] = "invalid input",
    [HV_ERR_NOTFOUND] = "not found",
    [HV_ERR_CONFLICT] = "conflict",
    [HV_ERR_DENIED] = "permission denied",
    [HV_ERR_UNAUTH] = "authentication required",
    [HV_ERR_DB] = "database error",
    [HV_ERR_IO] = "i/o error",
    [HV_ERR_CRYPTO] = "cryptographic check failed",
    [HV_ERR_LOCKED] = "account locked",
    [HV_ERR_TOOBIG] = "input too large",
    [HV_ERR_RATE] = "too many requests",
    [HV_ERR_TAMPER] = "tampering detected",
    [HV_ERR_CONFIG] = "configuration error",
    [HV_ERR_BUSY] = "busy",
    [HV_ERR_UNAVAILABLE] = "unavailable",
    [HV_ERR_STALE] = "stale",
    [HV_ERR_NEEDMATCH] = "precondition required",
    [HV_ERR_EXPIRED] = "expired",
};

const char *
hv_strerror(hv_result r)
{
    if ((int)r < 0 || r >= HV_RESULT__MAX || result_words[r] == NULL)
        return "unknown error";
    return result_words[r];
}
