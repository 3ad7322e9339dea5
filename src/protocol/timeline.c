/* timeline.c - the case timeline (see timeline.h). */
#include "protocol/timeline.h"

#include <stdlib.h>

#include "model/record.h"
#include "report/facts.h"

hv_result
timeline_add(store_conn *c, int64_t referral_id, int64_t actor_user_id, const char *kind,
             json_t *detail, int64_t at)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    store_val a[] = {SV_INTV(referral_id), SV_INTV(at),
                     actor_user_id ? SV_INTV(actor_user_id) : SV_NULLV, SV_TEXTV(kind),
                     SV_TEXTV(text)};
    hv_result r =
        store_exec(c,
                   "INSERT INTO case_event (referral_id, at, actor_user_id, kind, detail) "
                   "VALUES (?, ?, ?, ?, ?)",
                   a, 5, NULL);
    free(text);
    if (r == HV_OK)
        r = store_notify(c); /* live streams of the other processes */
    if (r == HV_OK)
        r = facts_touch(c, referral_id);
    return r;
}

static hv_result
row_json(void *ctx, const store_row *row)
{
    const char *detail = store_row_text(row, 4);
    json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
    json_t *o = json_pack(
        "{s:I, s:o, s:o, s:o, s:s, s:o}", "id", (json_int_t)store_row_int(row, 0), "at",
        record_time_col(row, 1), "actor_user_id",
        store_row_isnull(row, 2) ? json_null() : json_integer(store_row_int(row, 2)), "actor",
        store_row_text(row, 3) ? json_string(store_row_text(row, 3)) : json_string("haven"), "kind",
        store_row_text(row, 5), "detail", d ? d : json_object());
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

hv_result
timeline_list(store_conn *c, int64_t referral_id, json_t **out)
{
    json_t *list = json_array();
    store_val a[] = {SV_INTV(referral_id)};
    hv_result r = store_query(c,
                              "SELECT e.id, e.at, e.actor_user_id, u.display_name, e.detail, "
                              "e.kind FROM case_event e LEFT JOIN app_user u ON u.id = "
                              "e.actor_user_id WHERE e.referral_id = ? ORDER BY e.id",
                              a, 1, row_json, list);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}
