/* fuzz_record.c - libFuzzer target: arbitrary bytes as a request body,
 * parsed as JSON and validated against the user and station descriptors
 * (the path every write request takes). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/account.h"
#include "model/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!in)
        return 0;
    const record_desc *descs[] = {&account_user_desc, &account_station_desc, &account_agency_desc};
    for (size_t i = 0; i < sizeof descs / sizeof descs[0]; i++) {
        for (int mode = REC_CREATE; mode <= REC_UPDATE; mode++) {
            json_t *out = NULL;
            hv_err e = {0};
            if (record_parse(descs[i], in, (enum record_mode)mode, &out, &e) == HV_OK)
                json_decref(out);
        }
    }
    json_decref(in);
    return 0;
}
