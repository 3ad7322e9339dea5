/* err.c - filling hv_err (see err.h). */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
hv_err_clear(hv_err *e)
{
    memset(e, 0, sizeof *e);
}

hv_result
hv_fail(hv_err *e, hv_result code, const char *field, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    return code;
}
