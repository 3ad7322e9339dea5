/* fuzz_export.c - libFuzzer target: arbitrary bytes parsed as JSON and
 * written as a report table in CSV, alone and in the long format of a
 * document. A CSV that was written must be rectangular: every record ends
 * with CRLF and has as many fields as the header, counted outside quotes. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "report/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_rectangular(const buf *b)
{
    long fields = 1, want = -1;
    int quoted = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && c == ',')
            fields++;
        else if (!quoted && c == '\n')
            abort(); /* a bare LF outside quotes */
        else if (!quoted && c == '\r') {
            if (i + 1 >= b->len || b->data[i + 1] != '\n')
                abort();
            if (want < 0)
                want = fields;
            if (fields != want)
                abort();
            fields = 1;
            i++;
        }
    }
    if (quoted || (b->len > 0 && fields != 1))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    if (!in)
        return 0;
    buf b;
    hv_err e = {0};
    buf_init(&b, 1u << 20);
    if (export_csv_table(in, &b, &e) == HV_OK)
        check_rectangular(&b);
    buf_reset(&b);
    json_t *doc = json_pack("{s:[O]}", "tables", in);
    if (doc && export_csv_doc(doc, &b, &e) == HV_OK)
        check_rectangular(&b);
    json_decref(doc);
    buf_free(&b);
    json_decref(in);
    return 0;
}
