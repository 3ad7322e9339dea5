/* fuzz_datapackage.c - libFuzzer target: arbitrary bytes as an HSDS CSV
 * data package. The input is cut at NUL bytes into the texts of
 * services.csv, locations.csv, service_at_locations.csv, phones.csv,
 * schedules.csv, attributes.csv and taxonomy_terms.csv (missing parts: no
 * such file), written into one private folder, and read back into the
 * import's JSON. Reading must either succeed with a list of services or
 * fail naming what is wrong; it must never crash or leak. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory/datapackage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
    "services.csv",  "locations.csv",  "service_at_locations.csv", "phones.csv",
    "schedules.csv", "attributes.csv", "taxonomy_terms.csv"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/haven-fuzz-dp-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        char p[128];
        snprintf(p, sizeof p, "%s/datapackage.json", dir);
        FILE *f = fopen(p, "w");
        if (!f)
            abort();
        fputs("{\"resources\": []}", f);
        fclose(f);
    }
    size_t at = 0;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        unlink(p);
        if (at > size)
            continue;
        const uint8_t *end = memchr(data + at, 0, size - at);
        size_t n = end ? (size_t)(end - (data + at)) : size - at;
        FILE *f = fopen(p, "wb");
        if (!f)
            abort();
        fwrite(data + at, 1, n, f);
        fclose(f);
        at += n + 1;
    }
    json_t *doc = NULL;
    hv_err e = {0};
    int64_t skipped = 0;
    hv_result r = datapackage_read(dir, &doc, &skipped, &e);
    if (r == HV_OK) {
        if (!json_is_array(json_object_get(doc, "services")))
            abort();
        json_decref(doc);
    } else if (!e.detail[0])
        abort();
    return 0;
}
