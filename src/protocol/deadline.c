/* deadline.c - the protocol's clocks (see deadline.h). */
#include "protocol/deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "core/clock.h"
#include "model/record.h"
#include "core/log.h"
#include "notify/alert.h"
#include "notify/outbox.h"
#include "protocol/scheduler.h"
#include "protocol/timeline.h"

const deadline_kind deadline_kinds[] = {
    {"lead_response", "Lead responder at the staging area", 90 * MINUTE_MS, 30 * MINUTE_MS},
    {"advocate_response", "Advocate at the staging area", 90 * MINUTE_MS, 30 * MINUTE_MS},
    {"medical_hub", "Medical Hub exam attended", 72 * HOUR_MS, 12 * HOUR_MS},
    {"status_72h", "72-hour status recorded", 72 * HOUR_MS, 12 * HOUR_MS},
    {"bed_stay", "SODA/PAD stay ends", 30 * DAY_MS, 3 * DAY_MS},
    {"advocacy", "Advocacy closed", 90 * DAY_MS, 7 * DAY_MS},
    {"follow_up_mdt", "Follow-up MDT held", 0, DAY_MS},
    {NULL, NULL, 0, 0},
};

const deadline_kind *
deadline_kind_find(const char *name)
{
    for (const deadline_kind *k = deadline_kinds; name && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

hv_result
deadline_start(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id,
               int64_t owner_user_id, int64_t owner_agency_id, int64_t start, int64_t due)
{
    const deadline_kind *k = deadline_kind_find(kind);
    if (!k)
        return HV_ERR_INVALID;
    if (due <= 0)
        due = start + k->duration_ms;
    int64_t warn = due - k->warn_before_ms;
    if (warn < start)
        warn = start;
    /* a running clock of the same kind and subject is replaced */
    int64_t replaced = 0;
    store_val s[] = {SV_INTV(start), SV_INTV(referral_id), SV_TEXTV(kind), SV_INTV(subject_id)};
    hv_result r = store_exec(c,
                             "UPDATE deadline SET state = 'stopped', stopped_at = ?, next_fire_at "
                             "= NULL WHERE referral_id = ? AND kind = ? AND COALESCE(subject_id, "
                             "0) = ? AND state IN ('running', 'missed')",
                             s, 4, &replaced);
    if (r == HV_OK && replaced > 0)
        r = alert_resolve_clocks(c, referral_id, NULL, "clock replaced", start);
    if (r != HV_OK)
        return r;
    store_val a[] = {SV_INTV(referral_id),
                     SV_TEXTV(kind),
                     subject_id ? SV_INTV(subject_id) : SV_NULLV,
                     owner_user_id ? SV_INTV(owner_user_id) : SV_NULLV,
                     owner_agency_id ? SV_INTV(owner_agency_id) : SV_NULLV,
                     SV_INTV(start),
                     SV_INTV(due),
                     SV_INTV(warn),
                     SV_INTV(warn < due ? warn : due)};
    scheduler_due_at(warn < due ? warn : due);
    return store_exec(c,
                      "INSERT INTO deadline (referral_id, kind, subject_id, owner_user_id, "
                      "owner_agency_id, started_at, due_at, warn_at, state, next_fire_at) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                      a, 9, NULL);
}

hv_result
deadline_meet(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id, int64_t at,
              int *met)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(at), SV_INTV(referral_id), SV_TEXTV(kind), SV_INTV(subject_id),
                     SV_INTV(subject_id)};
    hv_result r = store_exec(c,
                             "UPDATE deadline SET state = 'met', met_at = ?, next_fire_at = NULL "
                             "WHERE referral_id = ? AND kind = ? AND state IN ('running', "
                             "'missed') AND (? = 0 OR subject_id = ?)",
                             a, 5, &n);
    if (met)
        *met = (int)n;
    if (r == HV_OK && n > 0)
        r = alert_resolve_clocks(c, referral_id, NULL, "clock met", at);
    return r;
}

hv_result
deadline_stop(store_conn *c, int64_t referral_id, const char *kind, int64_t at)
{
    int64_t stopped = 0;
    store_val a[] = {SV_INTV(at), SV_INTV(referral_id), SV_TEXTV(kind), SV_TEXTV(kind)};
    hv_result r = store_exec(c,
                             "UPDATE deadline SET state = 'stopped', stopped_at = ?, next_fire_at "
                             "= NULL WHERE referral_id = ? AND (? IS NULL OR kind = ?) AND state "
                             "IN ('running', 'missed')",
                             a, 4, &stopped);
    if (r == HV_OK && stopped > 0)
        r = alert_resolve_clocks(c, referral_id, NULL, "clock stopped", at);
    return r;
}

hv_result
deadline_move(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id, int64_t due,
              int64_t now)
{
    const deadline_kind *k = deadline_kind_find(kind);
    if (!k)
        return HV_ERR_INVALID;
    int64_t warn = due - k->warn_before_ms;
    if (warn < now)
        warn = now;
    int64_t next = warn < due ? warn : due;
    int64_t n = 0;
    scheduler_due_at(next);
    store_val a[] = {SV_INTV(due),   SV_INTV(warn),       SV_INTV(next),      SV_INTV(referral_id),
                     SV_TEXTV(kind), SV_INTV(subject_id), SV_INTV(subject_id)};
    hv_result r = store_exec(c,
                             "UPDATE deadline SET due_at = ?, warn_at = ?, next_fire_at = ?, "
                             "state = 'running', warned_at = NULL, missed_at = NULL WHERE "
                             "referral_id = ? AND kind = ? AND state IN ('running', 'missed') "
                             "AND (? = 0 OR subject_id = ?)",
                             a, 7, &n);
    if (r == HV_OK && n == 0)
        return HV_ERR_NOTFOUND;
    /* the alerts about the old due time are over */
    store_val b[] = {SV_INTV(now), SV_INTV(referral_id), SV_TEXTV(kind), SV_INTV(subject_id),
                     SV_INTV(subject_id)};
    if (r == HV_OK)
        r = store_exec(c,
                       "UPDATE alert SET state = 'resolved', resolved_at = ?, resolved_reason = "
                       "'clock moved', next_at = NULL WHERE state <> 'resolved' AND deadline_id "
                       "IN (SELECT id FROM deadline WHERE referral_id = ? AND kind = ? AND state "
                       "= 'running' AND (? = 0 OR subject_id = ?))",
                       b, 5, NULL);
    return r;
}

hv_result
deadline_reassign(store_conn *c, int64_t referral_id, const char *kind, int64_t owner_user_id,
                  int64_t owner_agency_id)
{
    store_val a[] = {owner_user_id ? SV_INTV(owner_user_id) : SV_NULLV,
                     owner_agency_id ? SV_INTV(owner_agency_id) : SV_NULLV, SV_INTV(referral_id),
                     SV_TEXTV(kind)};
    return store_exec(c,
                      "UPDATE deadline SET owner_user_id = ?, owner_agency_id = ? WHERE "
                      "referral_id = ? AND kind = ? AND state IN ('running', 'missed')",
                      a, 4, NULL);
}

/* ---- the scheduler's pass ------------------------------------------------ */

typedef struct due_row {
    int64_t id, referral_id, owner_user_id, owner_agency_id, due_at, warned_at;
    char kind[32], number[32], state[16];
} due_row;

typedef struct due_list {
    due_row *rows;
    int n, cap;
} due_list;

static hv_result
collect_due(void *ctx, const store_row *row)
{
    due_list *l = ctx;
    if (l->n == l->cap)
        return HV_OK;
    due_row *d = &l->rows[l->n++];
    d->id = store_row_int(row, 0);
    d->referral_id = store_row_int(row, 1);
    snprintf(d->kind, sizeof d->kind, "%s", store_row_text(row, 2));
    d->owner_user_id = store_row_isnull(row, 3) ? 0 : store_row_int(row, 3);
    d->owner_agency_id = store_row_isnull(row, 4) ? 0 : store_row_int(row, 4);
    d->due_at = store_row_int(row, 5);
    d->warned_at = store_row_isnull(row, 6) ? 0 : store_row_int(row, 6);
    snprintf(d->state, sizeof d->state, "%s", store_row_text(row, 7));
    snprintf(d->number, sizeof d->number, "%s", store_row_text(row, 8));
    return HV_OK;
}

static hv_result
fire_one(store_conn *c, const crypt_keys *keys, const due_row *d, int64_t now)
{
    const deadline_kind *k = deadline_kind_find(d->kind);
    const char *label = k ? k->label : d->kind;
    char due[40], local[40], msg[256], dedup[64];
    clock_format_iso(d->due_at, due, sizeof due);
    clock_format_local(d->due_at, local, sizeof local);
    hv_result r = HV_OK;
    int missed = now >= d->due_at;
    alert_spec s = {.referral_id = d->referral_id,
                    .agency_id = d->owner_agency_id,
                    .deadline_id = d->id,
                    .owner_user_id = d->owner_user_id,
                    .message = msg,
                    .dedup = dedup};
    if (!missed) {
        /* the warning: an alert to the owner, by the agency's policy */
        snprintf(msg, sizeof msg, "Referral %s: \"%s\" is due at %s. Open the case for details.",
                 d->number, label, local);
        snprintf(dedup, sizeof dedup, "warn:%lld:%lld", (long long)d->id, (long long)d->due_at);
        s.kind = "clock.warning";
        s.pr = NP_HIGH;
        r = alert_open(c, &s, now, NULL, NULL);
        store_val a[] = {SV_INTV(now), SV_INTV(d->due_at), SV_INTV(d->id)};
        if (r == HV_OK)
            r = store_exec(c, "UPDATE deadline SET warned_at = ?, next_fire_at = ? WHERE id = ?", a,
                           3, NULL);
        if (r == HV_OK)
            r = timeline_add(c, d->referral_id, 0, "clock.warning",
                             json_pack("{s:s, s:s}", "clock", d->kind, "due_at", due), now);
    } else {
        /* missed: the warning gives way to an alert to the owner and the
         * supervisors, by the agency's policy */
        snprintf(msg, sizeof msg,
                 "Referral %s: \"%s\" was due at %s and is overdue. Escalated to supervisors.",
                 d->number, label, local);
        snprintf(dedup, sizeof dedup, "missed:%lld:%lld", (long long)d->id, (long long)d->due_at);
        s.kind = "clock.missed";
        s.pr = NP_URGENT;
        int sent = 0;
        r = alert_resolve_deadline(c, d->id, "clock.warning", "clock missed", now);
        if (r == HV_OK)
            r = alert_open(c, &s, now, NULL, &sent);
        store_val a[] = {SV_INTV(now), SV_INTV(d->id)};
        if (r == HV_OK)
            r = store_exec(c,
                           "UPDATE deadline SET state = 'missed', missed_at = ?, next_fire_at = "
                           "NULL WHERE id = ?",
                           a, 2, NULL);
        if (r == HV_OK)
            r = timeline_add(c, d->referral_id, 0, "clock.missed",
                             json_pack("{s:s, s:s, s:i}", "clock", d->kind, "due_at", due,
                                       "supervisors_notified", sent),
                             now);
    }
    if (r == HV_OK) {
        audit_event ev = {.actor_kind = "system",
                          .action = missed ? "clock.missed" : "clock.warning",
                          .object_type = "referral",
                          .object_id = d->referral_id,
                          .outcome = "ok",
                          .reason = d->kind};
        r = audit_append(c, keys, &ev);
    }
    return r;
}

hv_result
deadline_fire(store *st, const crypt_keys *keys, int64_t now, int max, int *fired, int64_t *next_at)
{
    *fired = 0;
    if (next_at)
        *next_at = 0;
    due_list l = {.rows = calloc((size_t)max, sizeof(due_row)), .cap = max};
    if (!l.rows)
        return HV_ERR_NOMEM;
    store_conn *c;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK) {
        free(l.rows);
        return r;
    }
    store_val a[] = {SV_INTV(now), SV_INTV(max)};
    r = store_query(c,
                    "SELECT d.id, d.referral_id, d.kind, d.owner_user_id, d.owner_agency_id, "
                    "d.due_at, d.warned_at, d.state, r.number FROM deadline d JOIN referral r ON "
                    "r.id = d.referral_id WHERE d.next_fire_at IS NOT NULL AND d.next_fire_at <= "
                    "? ORDER BY d.next_fire_at LIMIT ? {SKIP_LOCKED OF d}",
                    a, 2, collect_due, &l);
    for (int i = 0; r == HV_OK && i < l.n; i++)
        r = fire_one(c, keys, &l.rows[i], now);
    if (r == HV_OK && next_at) {
        int64_t nx = 0;
        hv_result q = store_query_int(c,
                                      "SELECT next_fire_at FROM deadline WHERE next_fire_at IS NOT "
                                      "NULL ORDER BY next_fire_at LIMIT 1",
                                      NULL, 0, &nx);
        if (q == HV_OK)
            *next_at = nx;
    }
    if (r == HV_OK) {
        r = store_commit(c);
    } else {
        store_rollback(c);
        log_event(LOG_ERROR, "clock pass failed", json_pack("{s:s}", "error", hv_strerror(r)));
    }
    if (r == HV_OK)
        *fired = l.n;
    free(l.rows);
    return r;
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct list_ctx {
    json_t *list;
    int64_t now;
} list_ctx;

static hv_result
list_row(void *ctx, const store_row *row)
{
    list_ctx *lc = ctx;
    const char *kind = store_row_text(row, 1);
    const deadline_kind *k = deadline_kind_find(kind);
    const char *state = store_row_text(row, 6);
    int64_t due = store_row_int(row, 4);
    int64_t met = store_row_isnull(row, 7) ? 0 : store_row_int(row, 7);
    int running = strcmp(state, "running") == 0 || strcmp(state, "missed") == 0;
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)store_row_int(row, 0), "kind", kind, "label", k ? k->label : kind, "subject_id",
        store_row_isnull(row, 2) ? json_null() : json_integer(store_row_int(row, 2)),
        "owner_user_id",
        store_row_isnull(row, 9) ? json_null() : json_integer(store_row_int(row, 9)), "started_at",
        record_time_col(row, 3), "due_at", record_time_col(row, 4), "state", state, "met_at",
        record_time_col(row, 7), "missed_at", record_time_col(row, 8), "ms_left",
        running ? json_integer(due - lc->now) : json_null(), "overdue",
        json_boolean(running && lc->now >= due), "met_late", json_boolean(met && met > due));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(lc->list, o);
    return HV_OK;
}

hv_result
deadline_list(store_conn *c, int64_t referral_id, int64_t now, json_t **out)
{
    list_ctx lc = {json_array(), now};
    store_val a[] = {SV_INTV(referral_id)};
    hv_result r = store_query(c,
                              "SELECT id, kind, subject_id, started_at, due_at, warn_at, state, "
                              "met_at, missed_at, owner_user_id FROM deadline WHERE referral_id "
                              "= ? AND state <> 'stopped' ORDER BY due_at",
                              a, 1, list_row, &lc);
    if (r != HV_OK) {
        json_decref(lc.list);
        return r;
    }
    *out = lc.list;
    return HV_OK;
}
