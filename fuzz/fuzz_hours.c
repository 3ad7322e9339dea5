/* fuzz_hours.c - libFuzzer target: arbitrary bytes parsed as JSON, an array
 * of HSDS schedules (or one), each through hours_parse(); the rules that
 * parse are evaluated at an instant taken from the input and as a week of
 * slots. A refusal names a schedule field (or none); an evaluation either
 * fails cleanly or gives a state whose next change lies after the instant. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory/hours.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
known_field(const char *f)
{
    static const char *const fields[] = {
        "",         "valid_from", "valid_to", "dtstart",   "until",      "count",
        "interval", "freq",       "wkst",     "byday",     "bymonthday", "byyearday",
        "byweekno", "bymonth",    "opens_at", "closes_at", "timezone",   "closed"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (strcmp(f, fields[i]) == 0)
            return 1;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!j)
        return 0;
    hours_rule rules[8];
    int n = 0;
    size_t count = json_is_array(j) ? json_array_size(j) : 1;
    for (size_t i = 0; i < count && n < 8; i++) {
        const json_t *s = json_is_array(j) ? json_array_get(j, i) : j;
        hv_err e;
        hv_err_clear(&e);
        if (hours_parse(s, &rules[n], &e) == HV_OK)
            n++;
        else if (!known_field(e.field) || !e.detail[0])
            abort(); /* a refusal names a schedule field and says why */
    }
    /* 2020-01-01 plus up to ~8 years, from the input's bytes */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    int64_t t = 1577836800000LL + (int64_t)(h % (8ULL * 365 * 86400000ULL));
    hours_state st;
    if (hours_open_at(rules, n, "America/Los_Angeles", t, &st) == HV_OK) {
        int64_t change = st.open ? st.next_close : st.next_open;
        if (change != HOURS_NEVER && change <= t)
            abort();
    }
    hours_week w;
    (void)hours_week_mask(rules, n, "America/Los_Angeles", (t / 86400000) - 3, &w);
    json_decref(j);
    return 0;
}
