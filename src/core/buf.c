/* buf.c - bounded growable buffer (see buf.h). */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
buf_free(buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void
buf_reset(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

hv_result
buf_add(buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return HV_ERR_TOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return HV_ERR_NOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return HV_OK;
}

hv_result
buf_adds(buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

hv_result
buf_addf(buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return HV_ERR_INVALID;
    if ((size_t)n < sizeof small)
        return buf_add(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big)
        return HV_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    hv_result r = buf_add(b, big, (size_t)n);
    free(big);
    return r;
}

char *
buf_take(buf *b)
{
    char *d = b->data;
    buf_init(b, b->max);
    return d;
}
