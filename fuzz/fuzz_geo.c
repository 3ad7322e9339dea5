/* fuzz_geo.c - libFuzzer target for the directory's place parsers:
 * "lat,lon" text, ZIP codes, a ZIP table file, and geocoder answers of both
 * shapes. Whatever they accept must be a valid point. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "directory/geo.h"
#include "directory/geocode.h"
#include "directory/zipgeo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    geo_point p;
    hv_err e;
    if (geo_parse(s, "near", &p, &e) == HV_OK && !geo_valid(p))
        abort();
    hv_result z = zipgeo_lookup(NULL, s, &p);
    if (z != HV_ERR_INVALID && z != HV_ERR_NOTFOUND)
        abort();
    for (int kind = GEOCODE_NOMINATIM; kind <= GEOCODE_CENSUS; kind++)
        if (geocode_parse((geocode_kind)kind, (const char *)data, size, &p) == HV_OK &&
            !geo_valid(p))
            abort();
    /* the bytes as a ZIP table */
    int fd = memfd_create("zcta", 0);
    if (fd >= 0) {
        char path[64], err[256];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        zipgeo *t = NULL;
        if (write(fd, data, size) == (ssize_t)size &&
            zipgeo_load(path, &t, err, sizeof err) == HV_OK) {
            if (zipgeo_count(t) == 0)
                abort();
            zipgeo_free(t);
        }
        close(fd);
    }
    free(s);
    return 0;
}
