/* zipgeo.c - the ZIP table: load once, binary search (see zipgeo.h). */
#include "directory/zipgeo.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define ZIPGEO_MAX_BYTES (16L << 20)
#define ZIPGEO_HEADER    "zip\tlat\tlon"

typedef struct zip_row {
    uint32_t zip;   /* 0..99999 */
    int32_t lat_e6; /* microdegrees */
    int32_t lon_e6;
} zip_row;

struct zipgeo {
    zip_row *rows; /* sorted by zip, no duplicates */
    size_t n;
};

const char *
zipgeo_path(const char *configured)
{
    if (configured && *configured)
        return configured;
    if (access("./data/zcta.tsv", R_OK) == 0)
        return "./data/zcta.tsv";
    return HAVEN_SOURCE_DIR "/data/zcta.tsv";
}

/* Reads PATH whole into a NUL-terminated buffer the caller frees. */
static hv_result
read_all(const char *path, char **out, size_t *len, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
        return HV_ERR_IO;
    }
    hv_result rc = HV_ERR_IO;
    char *data = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errsz, "%s: cannot read: not a regular file", path);
        goto err;
    }
    long n = (long)sb.st_size;
    if (n > ZIPGEO_MAX_BYTES) {
        snprintf(err, errsz, "%s: larger than %ld bytes", path, ZIPGEO_MAX_BYTES);
        rc = HV_ERR_TOOBIG;
        goto err;
    }
    data = malloc((size_t)n + 1);
    if (!data) {
        snprintf(err, errsz, "%s: out of memory", path);
        rc = HV_ERR_NOMEM;
        goto err;
    }
    if (fread(data, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
        goto err;
    }
    data[n] = '\0';
    fclose(f);
    *out = data;
    *len = (size_t)n;
    return HV_OK;
err:
    free(data);
    fclose(f);
    return rc;
}

/* A coordinate field: sign, digits and one point only (no exponents, hex,
 * inf or nan), within +-LIMIT degrees, as microdegrees. */
static int
parse_degrees(const char *s, double limit, int32_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 24 || strspn(s, "+-0123456789.") != n || !strpbrk(s, "0123456789"))
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || v < -limit || v > limit)
        return -1;
    *out = (int32_t)lround(v * 1e6);
    return 0;
}

static int
all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static uint32_t
zip_value(const char *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 5; i++)
        v = v * 10 + (uint32_t)(s[i] - '0');
    return v;
}

static int
row_cmp(const void *a, const void *b)
{
    uint32_t x = ((const zip_row *)a)->zip, y = ((const zip_row *)b)->zip;
    return (x > y) - (x < y);
}

hv_result
zipgeo_load(const char *path, zipgeo **out, char *err, size_t errsz)
{
    char *data = NULL;
    size_t len = 0;
    zipgeo *z = NULL;
    hv_result rc = read_all(path, &data, &len, err, errsz);
    if (rc != HV_OK)
        return rc;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    z = calloc(1, sizeof *z);
    if (z)
        z->rows = malloc(lines * sizeof *z->rows);
    if (!z || !z->rows) {
        snprintf(err, errsz, "%s: out of memory", path);
        rc = HV_ERR_NOMEM;
        goto err;
    }
    rc = HV_ERR_INVALID;
    char *p = data;
    size_t hn = strlen(ZIPGEO_HEADER);
    if (strncmp(p, ZIPGEO_HEADER, hn) != 0 ||
        !(p[hn] == '\n' || p[hn] == '\0' || (p[hn] == '\r' && p[hn + 1] == '\n'))) {
        snprintf(err, errsz, "%s:1: the first line must be \"zip<TAB>lat<TAB>lon\"", path);
        goto err;
    }
    for (size_t lineno = 1; *p; lineno++) {
        char *line = p, *nl = strchr(p, '\n');
        if (nl) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p += strlen(p);
        }
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (lineno == 1)
            continue; /* the header, checked above */
        if (n == 0 && !*p)
            break; /* the newline that ends the file */
        char *lat = strchr(line, '\t'), *lon = lat ? strchr(lat + 1, '\t') : NULL;
        if (!lat || !lon || strchr(lon + 1, '\t')) {
            snprintf(err, errsz, "%s:%zu: expected three tab-separated fields", path, lineno);
            goto err;
        }
        *lat++ = '\0';
        *lon++ = '\0';
        zip_row *r = &z->rows[z->n];
        if (strlen(line) != 5 || !all_digits(line, 5)) {
            snprintf(err, errsz, "%s:%zu: field 'zip': expected five digits", path, lineno);
            goto err;
        }
        if (parse_degrees(lat, 90.0, &r->lat_e6) != 0) {
            snprintf(err, errsz, "%s:%zu: field 'lat': expected degrees from -90 to 90", path,
                     lineno);
            goto err;
        }
        if (parse_degrees(lon, 180.0, &r->lon_e6) != 0) {
            snprintf(err, errsz, "%s:%zu: field 'lon': expected degrees from -180 to 180", path,
                     lineno);
            goto err;
        }
        r->zip = zip_value(line);
        z->n++;
    }
    if (z->n == 0) {
        snprintf(err, errsz, "%s: no rows", path);
        goto err;
    }
    qsort(z->rows, z->n, sizeof *z->rows, row_cmp);
    for (size_t i = 1; i < z->n; i++) {
        if (z->rows[i].zip == z->rows[i - 1].zip) {
            snprintf(err, errsz, "%s: zip %05u is listed twice", path, (unsigned)z->rows[i].zip);
            goto err;
        }
    }
    free(data);
    *out = z;
    return HV_OK;
err:
    free(data);
    zipgeo_free(z);
    return rc;
}

void
zipgeo_free(zipgeo *z)
{
    if (!z)
        return;
    free(z->rows);
    free(z);
}

size_t
zipgeo_count(const zipgeo *z)
{
    return z ? z->n : 0;
}

hv_result
zipgeo_lookup(const zipgeo *z, const char *zip, geo_point *out)
{
    if (!zip)
        return HV_ERR_INVALID;
    size_t n = strlen(zip);
    if (!(n == 5 || (n == 10 && zip[5] == '-' && all_digits(zip + 6, 4))) || !all_digits(zip, 5))
        return HV_ERR_INVALID;
    if (!z)
        return HV_ERR_NOTFOUND;
    zip_row key = {.zip = zip_value(zip)};
    const zip_row *r = bsearch(&key, z->rows, z->n, sizeof *z->rows, row_cmp);
    if (!r)
        return HV_ERR_NOTFOUND;
    out->lat = r->lat_e6 / 1e6;
    out->lon = r->lon_e6 / 1e6;
    return HV_OK;
}

/* The process's one table (zipgeo_shared): read under the mutex by the
 * first caller, then published; later callers only load the pointer. */
static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static zipgeo *_Atomic shared_table;

hv_result
zipgeo_shared(const char *path, const zipgeo **out)
{
    zipgeo *z = atomic_load_explicit(&shared_table, memory_order_acquire);
    if (z) {
        *out = z;
        return HV_OK;
    }
    hv_result rc = HV_OK;
    pthread_mutex_lock(&shared_mu);
    z = atomic_load_explicit(&shared_table, memory_order_relaxed);
    if (!z) {
        char err[512];
        const char *p = zipgeo_path(path);
        rc = zipgeo_load(p, &z, err, sizeof err);
        if (rc != HV_OK) {
            z = NULL;
            log_event(LOG_ERROR, "cannot read the zip table",
                      json_pack("{s:s, s:s}", "path", p, "error", err));
        } else {
            log_event(LOG_INFO, "zip table read",
                      json_pack("{s:s, s:I}", "path", p, "rows", (json_int_t)z->n));
            atomic_store_explicit(&shared_table, z, memory_order_release);
        }
    }
    pthread_mutex_unlock(&shared_mu);
    *out = z;
    return rc;
}

/* Only when no other thread can be using the table (shutdown, tests). */
void
zipgeo_shared_free(void)
{
    pthread_mutex_lock(&shared_mu);
    zipgeo_free(atomic_exchange(&shared_table, NULL));
    pthread_mutex_unlock(&shared_mu);
}
