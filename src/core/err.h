/*
 * err.h - an hv_result with the words a person needs: which field was wrong
 * and why. Domain code fills one; the HTTP layer turns it into
 * application/problem+json. Details never quote a personal value.
 */
#ifndef HAVEN_ERR_H
#define HAVEN_ERR_H

#include "core/result.h"

typedef struct hv_err {
    hv_result code;
    const char *type; /* problem slug ("locked", "totp-required"), or NULL */
    char field[64];   /* the offending input field, or "" */
    char detail[256]; /* lowercase, says what to do */
} hv_err;

/* Fills E and returns CODE. FIELD may be NULL. */
hv_result hv_fail(hv_err *e, hv_result code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void hv_err_clear(hv_err *e);

#endif
