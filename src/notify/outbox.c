/* outbox.c - notifications written beside the change (see outbox.h). */
#include "notify/outbox.h"

#include <sodium.h>
#include <stdlib.h>

#include "model/record.h"

static const char *const priority_names[] = {"normal", "high", "urgent"};

const char *
outbox_priority_name(notify_priority pr)
{
    return pr >= NP_NORMAL && pr <= NP_URGENT ? priority_names[pr] : "normal";
}

/* Delivery rows for notification ID: the user's rules, or with none every
 * verified contact method at once. IDEM is the notification's random key;
 * each delivery's key is IDEM-ruleid (or IDEM-c-contactid). */
static hv_result
add_deliveries(store_conn *c, const outbox_msg *m, int64_t id, const char *idem, int64_t now)
{
    int sms_ok = m->pr >= NP_HIGH;
    store_val a[] = {SV_INTV(id),  SV_INTV(now),        SV_TEXTV(idem),
                     SV_INTV(now), SV_INTV(m->user_id), SV_INTV(sms_ok)};
    hv_result r = store_exec(
        c,
        "INSERT INTO delivery (notification_id, contact_id, channel, state, next_attempt_at, "
        "idem_key, created_at, reply_code) SELECT ?, cm.id, cm.kind, 'pending', ? + "
        "nr.delay_minutes * 60000, ? || '-' || nr.id, ?, CASE WHEN cm.kind = 'sms' THEN "
        "COALESCE((SELECT d.reply_code FROM delivery d WHERE d.contact_id = cm.id ORDER BY d.id "
        "DESC LIMIT 1), 0) % 99 + 1 END FROM notify_rule nr JOIN contact_method cm ON cm.id = "
        "nr.contact_id WHERE nr.user_id = ? AND cm.verified_at IS NOT NULL AND cm.removed_at IS "
        "NULL AND (? = 1 OR cm.kind <> 'sms') ORDER BY nr.delay_minutes, nr.id",
        a, 6, NULL);
    if (r != HV_OK)
        return r;
    store_val b[] = {SV_INTV(id),         SV_INTV(now),    SV_TEXTV(idem),     SV_INTV(now),
                     SV_INTV(m->user_id), SV_INTV(sms_ok), SV_INTV(m->user_id)};
    return store_exec(
        c,
        "INSERT INTO delivery (notification_id, contact_id, channel, state, next_attempt_at, "
        "idem_key, created_at, reply_code) SELECT ?, cm.id, cm.kind, 'pending', ?, ? || '-c' || "
        "cm.id, ?, CASE WHEN cm.kind = 'sms' THEN COALESCE((SELECT d.reply_code FROM delivery d "
        "WHERE d.contact_id = cm.id ORDER BY d.id DESC LIMIT 1), 0) % 99 + 1 END FROM "
        "contact_method cm WHERE cm.user_id = ? AND cm.verified_at IS NOT NULL AND "
        "cm.removed_at IS NULL AND (? = 1 OR cm.kind <> 'sms') AND NOT EXISTS (SELECT 1 FROM "
        "notify_rule nr WHERE nr.user_id = ?)",
        b, 7, NULL);
}

hv_result
outbox_send(store_conn *c, const outbox_msg *m, int64_t now, int64_t *out)
{
    int64_t id = 0;
    store_val a[] = {SV_INTV(m->user_id),
                     m->referral_id ? SV_INTV(m->referral_id) : SV_NULLV,
                     m->alert_id ? SV_INTV(m->alert_id) : SV_NULLV,
                     SV_TEXTV(m->kind),
                     SV_TEXTV(outbox_priority_name(m->pr)),
                     SV_TEXTV(m->message),
                     SV_INTV(now)};
    hv_result r = store_query_int(c,
                                  "INSERT INTO notification (user_id, referral_id, alert_id, kind, "
                                  "priority, message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                  "RETURNING id",
                                  a, 7, &id);
    if (r == HV_OK)
        r = store_notify(c); /* streams and delivery workers of the other processes */
    if (r == HV_OK && !m->in_app_only) {
        uint8_t rnd[12];
        char idem[2 * sizeof rnd + 1];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(idem, sizeof idem, rnd, sizeof rnd);
        r = add_deliveries(c, m, id, idem, now);
    }
    if (r == HV_OK && out)
        *out = id;
    return r;
}

hv_result
outbox_cancel_alert(store_conn *c, int64_t alert_id, int64_t now)
{
    store_val a[] = {SV_INTV(now), SV_INTV(alert_id)};
    return store_exec(c,
                      "UPDATE delivery SET state = 'cancelled', next_attempt_at = NULL, sent_at = "
                      "? WHERE state = 'pending' AND attempts = 0 AND notification_id IN (SELECT "
                      "id FROM notification WHERE alert_id = ?)",
                      a, 2, NULL);
}

hv_result
outbox_to_user(store_conn *c, int64_t user_id, int64_t referral_id, const char *kind,
               notify_priority pr, const char *message, int64_t now)
{
    outbox_msg m = {
        .user_id = user_id, .referral_id = referral_id, .kind = kind, .pr = pr, .message = message};
    return outbox_send(c, &m, now, NULL);
}

typedef struct id_list {
    int64_t *ids;
    int n, cap;
} id_list;

static hv_result
collect_id(void *ctx, const store_row *row)
{
    id_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        int64_t *p = realloc(l->ids, (size_t)cap * sizeof *p);
        if (!p)
            return HV_ERR_NOMEM;
        l->ids = p;
        l->cap = cap;
    }
    l->ids[l->n++] = store_row_int(row, 0);
    return HV_OK;
}

hv_result
outbox_to_role(store_conn *c, int64_t agency_id, const char *role_name, int64_t referral_id,
               const char *kind, notify_priority pr, const char *message, int64_t now, int *sent)
{
    id_list l = {0};
    store_val a[] = {SV_INTV(agency_id), SV_TEXTV(role_name)};
    hv_result r = store_query(c,
                              "SELECT u.id FROM app_user u JOIN user_role ur ON ur.user_id = u.id "
                              "WHERE u.agency_id = ? AND ur.role = ? AND u.disabled = 0 ORDER BY "
                              "u.id",
                              a, 2, collect_id, &l);
    for (int i = 0; r == HV_OK && i < l.n; i++)
        r = outbox_to_user(c, l.ids[i], referral_id, kind, pr, message, now);
    if (sent)
        *sent = r == HV_OK ? l.n : 0;
    free(l.ids);
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
                              "id > ? AND (? = 0 OR read_at IS NULL) AND kind <> 'contact.verify' "
                              "ORDER BY id DESC LIMIT ?",
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
