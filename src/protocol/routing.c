/* routing.c - the lead agency rules and the on-call lists (see routing.h). */
#include "protocol/routing.h"

#include "core/clock.h"
#include "notify/oncall.h"

#include <stdio.h>
#include <string.h>

typedef struct rule {
    const char *name;
    const char *probation; /* match on probation_involvement, or NULL for any */
    const char *agency_kind;
} rule;

/* First match wins. */
static const rule rules[] = {
    {"open_probation_case_to_ctu", "open_case", "probation_ctu"},
    {"default_to_mart", NULL, "dcfs_mart"},
};

int64_t
routing_agency_of_kind(store_conn *c, const char *kind)
{
    int64_t id = 0;
    store_val a[] = {SV_TEXTV(kind)};
    if (store_query_int(c,
                        "SELECT id FROM agency WHERE kind = ? AND active = 1 ORDER BY id LIMIT 1",
                        a, 1, &id) != HV_OK)
        return 0;
    return id;
}

hv_result
routing_lead_agency(store_conn *c, const char *probation_involvement, const char *dcfs_involvement,
                    int64_t *agency_id, const char **rule_name)
{
    (void)dcfs_involvement; /* DCFS involvement leads to MART, as the default does */
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const rule *ru = &rules[i];
        if (ru->probation &&
            (!probation_involvement || strcmp(ru->probation, probation_involvement)))
            continue;
        int64_t id = routing_agency_of_kind(c, ru->agency_kind);
        if (!id)
            continue;
        *agency_id = id;
        *rule_name = ru->name;
        return HV_OK;
    }
    return HV_ERR_NOTFOUND;
}

static hv_result
kind_row(void *ctx, const store_row *row)
{
    char **out = ctx;
    snprintf(out[0], (size_t)(out[1] - out[0]), "%s", store_row_text(row, 0));
    return HV_OK;
}

hv_result
routing_agency_kind(store_conn *c, int64_t agency_id, char *kind, size_t n)
{
    kind[0] = '\0';
    char *ctx[2] = {kind, kind + n};
    store_val a[] = {SV_INTV(agency_id)};
    return store_query(c, "SELECT kind FROM agency WHERE id = ?", a, 1, kind_row, ctx);
}

int64_t
routing_on_call(store_conn *c, int64_t agency_id)
{
    int64_t id = 0;
    if (oncall_user(c, agency_id, ONCALL_PRIMARY, clock_now_ms(), &id) != HV_OK)
        return 0;
    return id;
}
