/* outbox.c - notifications written beside the change (see outbox.h). */
#include "notify/outbox.h"

#include "model/record.h"

static const char *const priority_names[] = {"normal", "high", "urgent"};

const char *
outbox_priority_name(notify_priority pr)
{
    return pr >= NP_NORMAL && pr <= NP_URGENT ? priority_names[pr] : "normal";
}

hv_result
outbox_to_user(store_conn *c, int64_t user_id, int64_t referral_id, const char *kind,
               notify_priority pr, const char *message, int64_t now)
{
    store_val a[] = {SV_INTV(user_id),  referral_id ? SV_INTV(referral_id) : SV_NULLV,
                     SV_TEXTV(kind),    SV_TEXTV(outbox_priority_name(pr)),
                     SV_TEXTV(message), SV_INTV(now)};
    return store_exec(c,
                      "INSERT INTO notification (user_id, referral_id, kind, priority, message, "
                      "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                      a, 6, NULL);
}

hv_result
outbox_to_role(store_conn *c, int64_t agency_id, const char *role_name, int64_t referral_id,
               const char *kind, notify_priority pr, const char *message, int64_t now, int *sent)
{
    store_val a[] = {SV_INTV(referral_id), SV_TEXTV(kind), SV_TEXTV(outbox_priority_name(pr)),
                     SV_TEXTV(message),    SV_INTV(now),   SV_INTV(agency_id),
                     SV_TEXTV(role_name)};
    int64_t n = 0;
    hv_result r = store_exec(c,
                             "INSERT INTO notification (user_id, referral_id, kind, priority, "
                             "message, created_at) SELECT u.id, ?, ?, ?, ?, ? FROM app_user u "
                             "JOIN user_role ur ON ur.user_id = u.id WHERE u.agency_id = ? AND "
                             "ur.role = ? AND u.disabled = 0",
                             a, 7, &n);
    if (sent)
        *sent = (int)n;
    return r;
}

static hv_result
row_json(void *ctx, const store_row *row)
{
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:s}", "id", (json_int_t)store_row_int(row, 0),
        "referral_id", store_row_isnull(row, 1) ? json_null() : json_integer(store_row_int(row, 1)),
        "kind", store_row_text(row, 2), "priority", store_row_text(row, 3), "message",
        store_row_text(row, 4), "created_at", record_time_col(row, 5), "read_at",
        record_time_col(row, 6), "delivery_state", store_row_text(row, 7));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

hv_result
outbox_list(store_conn *c, int64_t user_id, int64_t after_id, int unread_only, int limit,
            json_t **out)
{
    json_t *list = json_array();
    store_val a[] = {SV_INTV(user_id), SV_INTV(after_id), SV_INTV(unread_only ? 1 : 0),
                     SV_INTV(limit)};
    hv_result r = store_query(c,
                              "SELECT id, referral_id, kind, priority, message, created_at, "
                              "read_at, delivery_state FROM notification WHERE user_id = ? AND "
                              "id > ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?",
                              a, 4, row_json, list);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

hv_result
outbox_mark_read(store_conn *c, int64_t user_id, int64_t id, int64_t now)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(now), SV_INTV(id), SV_INTV(user_id)};
    hv_result r = store_exec(c,
                             "UPDATE notification SET read_at = COALESCE(read_at, ?) WHERE id = ? "
                             "AND user_id = ?",
                             a, 3, &n);
    if (r == HV_OK && n == 0)
        return HV_ERR_NOTFOUND;
    return r;
}
