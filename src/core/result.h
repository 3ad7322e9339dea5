/*
 * result.h - the one result code used across haven.
 *
 * Every fallible function returns an hv_result. The list is append-only: a
 * value once published keeps its number. http/problem.c maps each code to an
 * HTTP status in one place; hv_strerror() gives the words.
 */
#ifndef HAVEN_RESULT_H
#define HAVEN_RESULT_H

typedef enum hv_result {
    HV_OK = 0,
    HV_ERR_NOMEM = 1,        /* an allocation failed */
    HV_ERR_INVALID = 2,      /* input failed validation */
    HV_ERR_NOTFOUND = 3,     /* no such record */
    HV_ERR_CONFLICT = 4,     /* unique constraint or state conflict */
    HV_ERR_DENIED = 5,       /* authenticated, but policy says no */
    HV_ERR_UNAUTH = 6,       /* not authenticated / bad credentials */
    HV_ERR_DB = 7,           /* the database failed */
    HV_ERR_IO = 8,           /* a file or socket failed */
    HV_ERR_CRYPTO = 9,       /* decryption or authentication of data failed */
    HV_ERR_LOCKED = 10,      /* account locked out */
    HV_ERR_TOOBIG = 11,      /* input larger than its limit */
    HV_ERR_RATE = 12,        /* rate limit exceeded */
    HV_ERR_TAMPER = 13,      /* a hash chain or MAC did not verify */
    HV_ERR_CONFIG = 14,      /* configuration error */
    HV_ERR_BUSY = 15,        /* database busy / try again */
    HV_ERR_UNAVAILABLE = 16, /* a dependency is not ready */
    HV_ERR_STALE = 17,       /* the record changed since it was read (If-Match) */
    HV_ERR_NEEDMATCH = 18,   /* a change that needs If-Match came without it */
    HV_ERR_EXPIRED = 19,     /* a link or code that was valid is no longer */
    HV_RESULT__MAX
} hv_result;

const char *hv_strerror(hv_result r);

#endif
