/*
 * buf.h - a growable byte buffer that never grows past its maximum
 * (after curl's dynbuf). Used for request bodies and generated text.
 */
#ifndef HAVEN_BUF_H
#define HAVEN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/result.h"

typedef struct buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* HV_ERR_TOOBIG past this many bytes */
} buf;

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_reset(buf *b);
hv_result buf_add(buf *b, const void *p, size_t n);
hv_result buf_adds(buf *b, const char *s);
hv_result buf_addf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the data out; the buffer is left empty. Caller frees. */
char *buf_take(buf *b);

#endif
