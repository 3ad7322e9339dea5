/* store_util.c - helpers over store.h that every backend shares. */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

hv_result
store_row_blob_copy(const store_row *r, int col, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (store_row_isnull(r, col))
        return HV_OK;
    size_t n;
    const void *p = store_row_blob(r, col, &n);
    *out = malloc(n ? n : 1);
    if (!*out)
        return HV_ERR_NOMEM;
    if (n)
        memcpy(*out, p, n);
    *len = n;
    return HV_OK;
}
