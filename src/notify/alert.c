/* alert.c - alerts and their escalation (see alert.h). */
#include "notify/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "model/record.h"
#include "notify/oncall.h"

#define MIN_MS (60LL * 1000)

const char *const alert_kinds[] = {
    "*", "referral.assigned", "clock.warning", "clock.missed", "delivery.failed", "system.stalled",
    NULL};

/* The built-in policies, used where an agency has written none. */
static const struct {
    const char *kind, *json;
} default_policies[] = {
    {"referral.assigned",
     "{\"name\": \"Built-in: page the responder, then the backup, then supervisors\", "
     "\"repeat\": 1, \"ack_timeout_minutes\": 30, \"steps\": ["
     "{\"delay_minutes\": 5, \"targets\": [{\"type\": \"owner\"}, {\"type\": \"oncall\"}]},"
     "{\"delay_minutes\": 10, \"targets\": [{\"type\": \"owner\"}, {\"type\": \"oncall\"}, "
     "{\"type\": \"backup\"}]},"
     "{\"delay_minutes\": 15, \"targets\": [{\"type\": \"role\", \"role\": \"supervisor\"}]}]}"},
    {"clock.warning",
     "{\"name\": \"Built-in: tell the owner, then again with the backup\", \"repeat\": 0, "
     "\"ack_timeout_minutes\": 20, \"steps\": ["
     "{\"delay_minutes\": 15, \"targets\": [{\"type\": \"owner\"}]},"
     "{\"delay_minutes\": 15, \"targets\": [{\"type\": \"owner\"}, {\"type\": \"backup\"}]}]}"},
    {"clock.missed",
     "{\"name\": \"Built-in: the owner and the supervisors, again every 30 minutes\", "
     "\"repeat\": 2, \"ack_timeout_minutes\": 60, \"steps\": ["
     "{\"delay_minutes\": 30, \"targets\": [{\"type\": \"owner\"}, {\"type\": \"role\", "
     "\"role\": \"supervisor\"}]}]}"},
    {"*", "{\"name\": \"Built-in: the supervisors\", \"repeat\": 1, \"ack_timeout_minutes\": 60, "
          "\"steps\": [{\"delay_minutes\": 30, \"targets\": [{\"type\": \"role\", \"role\": "
          "\"supervisor\"}]}]}"},
};

static void (*waker)(int64_t at);

void
alert_set_waker(void (*due_at)(int64_t at))
{
    waker = due_at;
}

static void
wake_at(int64_t at)
{
    if (waker)
        waker(at);
}

static const char *const target_types[] = {"owner", "oncall", "backup", "role", "user", NULL};

static int
in_list(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* ---- policies ------------------------------------------------------------------- */

hv_result
alert_policy_check(const json_t *body, hv_err *e)
{
    const json_t *name = json_object_get(body, "name");
    if (!json_is_string(name) || json_string_length(name) < 1 || json_string_length(name) > 120)
        return hv_fail(e, HV_ERR_INVALID, "name", "a name of 1 to 120 characters is required");
    const char *kind = json_string_value(json_object_get(body, "kind"));
    if (!in_list(alert_kinds, kind))
        return hv_fail(e, HV_ERR_INVALID, "kind",
                       "one of *, referral.assigned, clock.warning, clock.missed, "
                       "delivery.failed, system.stalled");
    const json_t *rep = json_object_get(body, "repeat");
    if (rep &&
        (!json_is_integer(rep) || json_integer_value(rep) < 0 || json_integer_value(rep) > 10))
        return hv_fail(e, HV_ERR_INVALID, "repeat", "a whole number from 0 to 10");
    const json_t *ato = json_object_get(body, "ack_timeout_minutes");
    if (ato &&
        (!json_is_integer(ato) || json_integer_value(ato) < 1 || json_integer_value(ato) > 24 * 60))
        return hv_fail(e, HV_ERR_INVALID, "ack_timeout_minutes", "minutes from 1 to 1440");
    const json_t *steps = json_object_get(body, "steps");
    if (!json_is_array(steps) || json_array_size(steps) < 1 || json_array_size(steps) > 10)
        return hv_fail(e, HV_ERR_INVALID, "steps", "one to ten steps are required");
    size_t i, j;
    const json_t *st, *t;
    json_array_foreach(steps, i, st)
    {
        const json_t *d = json_object_get(st, "delay_minutes");
        if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 24 * 60)
            return hv_fail(e, HV_ERR_INVALID, "steps",
                           "each step waits 1 to 1440 minutes (delay_minutes) before the next");
        const json_t *ts = json_object_get(st, "targets");
        if (!json_is_array(ts) || json_array_size(ts) < 1 || json_array_size(ts) > 20)
            return hv_fail(e, HV_ERR_INVALID, "steps", "each step names 1 to 20 targets");
        json_array_foreach(ts, j, t)
        {
            const char *type = json_string_value(json_object_get(t, "type"));
            if (!in_list(target_types, type))
                return hv_fail(e, HV_ERR_INVALID, "steps",
                               "a target's type is owner, oncall, backup, role or user");
            if (strcmp(type, "role") == 0 && !json_is_string(json_object_get(t, "role")))
                return hv_fail(e, HV_ERR_INVALID, "steps", "a role target names its role");
            const char *scope = json_string_value(json_object_get(t, "scope"));
            if (scope && strcmp(scope, "any") && strcmp(scope, "agency"))
                return hv_fail(e, HV_ERR_INVALID, "steps", "a target's scope is agency or any");
            if (strcmp(type, "user") == 0 && !json_is_integer(json_object_get(t, "user_id")))
                return hv_fail(e, HV_ERR_INVALID, "steps", "a user target names its user_id");
        }
    }
    return HV_OK;
}

static hv_result
policy_row(void *ctx, const store_row *row)
{
    json_t *steps = json_loads(store_row_text(row, 6), 0, NULL);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I, s:I, s:o, s:o}", "id",
                          (json_int_t)store_row_int(row, 0), "agency_id",
                          (json_int_t)store_row_int(row, 1), "kind", store_row_text(row, 2), "name",
                          store_row_text(row, 3), "repeat", (json_int_t)store_row_int(row, 4),
                          "ack_timeout_minutes", (json_int_t)store_row_int(row, 5), "steps",
                          steps ? steps : json_array(), "updated_at", record_time_col(row, 7));
    if (!o)
        return HV_ERR_NOMEM;
    *(json_t **)ctx = o;
    return HV_OK;
}

hv_result
alert_policy_effective(store_conn *c, int64_t agency_id, const char *kind, json_t **out)
{
    json_t *p = NULL;
    store_val a[] = {SV_INTV(agency_id), SV_TEXTV(kind)};
    hv_result r = store_query(c,
                              "SELECT id, agency_id, kind, name, repeat_count, "
                              "ack_timeout_minutes, steps, updated_at FROM escalation_policy "
                              "WHERE agency_id = ? AND kind IN (?, '*') ORDER BY kind = '*' "
                              "LIMIT 1",
                              a, 2, policy_row, &p);
    if (r != HV_OK)
        return r;
    if (!p) {
        /* the kind's own built-in, else the "*" one (the table's last row) */
        size_t n = sizeof default_policies / sizeof default_policies[0], i = 0;
        while (i < n - 1 && strcmp(default_policies[i].kind, kind) != 0)
            i++;
        const char *js = default_policies[i].json;
        p = json_loads(js, 0, NULL);
        if (!p)
            return HV_ERR_NOMEM;
        json_object_set_new(p, "id", json_null());
        json_object_set_new(p, "agency_id", json_integer(agency_id));
        json_object_set_new(p, "kind", json_string(kind));
    }
    *out = p;
    return HV_OK;
}

/* ---- alerts --------------------------------------------------------------------- */

typedef struct alert_row {
    int64_t id, referral_id, agency_id, deadline_id, owner_user_id, acked_by;
    int64_t step, round, reminders, created_at;
    char kind[40], priority[16], state[16], number[32];
    char message[512];
} alert_row;

#define ALERT_COLS                                                                                 \
    "a.id, a.referral_id, a.agency_id, a.deadline_id, a.owner_user_id, a.acked_by, a.step, "       \
    "a.round, a.reminders, a.created_at, a.kind, a.priority, a.state, a.message, "                 \
    "COALESCE(r.number, '') FROM alert a LEFT JOIN referral r ON r.id = a.referral_id "

static int64_t
col_id(const store_row *row, int i)
{
    return store_row_isnull(row, i) ? 0 : store_row_int(row, i);
}

static void
fill_row(alert_row *a, const store_row *row)
{
    a->id = store_row_int(row, 0);
    a->referral_id = col_id(row, 1);
    a->agency_id = col_id(row, 2);
    a->deadline_id = col_id(row, 3);
    a->owner_user_id = col_id(row, 4);
    a->acked_by = col_id(row, 5);
    a->step = store_row_int(row, 6);
    a->round = store_row_int(row, 7);
    a->reminders = store_row_int(row, 8);
    a->created_at = store_row_int(row, 9);
    snprintf(a->kind, sizeof a->kind, "%s", store_row_text(row, 10));
    snprintf(a->priority, sizeof a->priority, "%s", store_row_text(row, 11));
    snprintf(a->state, sizeof a->state, "%s", store_row_text(row, 12));
    snprintf(a->message, sizeof a->message, "%s", store_row_text(row, 13));
    snprintf(a->number, sizeof a->number, "%s", store_row_text(row, 14));
}

static hv_result
one_row(void *ctx, const store_row *row)
{
    fill_row(ctx, row);
    return HV_OK;
}

static hv_result
load_alert(store_conn *c, int64_t id, alert_row *a)
{
    memset(a, 0, sizeof *a);
    store_val v[] = {SV_INTV(id)};
    hv_result r = store_query(c, "SELECT " ALERT_COLS "WHERE a.id = ?", v, 1, one_row, a);
    if (r == HV_OK && a->id == 0)
        return HV_ERR_NOTFOUND;
    return r;
}

static notify_priority
priority_of(const char *name)
{
    if (strcmp(name, "urgent") == 0)
        return NP_URGENT;
    return strcmp(name, "high") == 0 ? NP_HIGH : NP_NORMAL;
}

typedef struct users {
    int64_t id[64];
    int owner_or_oncall[64]; /* 1: told as the alert's own responder */
    int n;
} users;

static void
users_add(users *u, int64_t id, int own)
{
    if (id <= 0)
        return;
    for (int i = 0; i < u->n; i++)
        if (u->id[i] == id) {
            u->owner_or_oncall[i] |= own;
            return;
        }
    if (u->n < (int)(sizeof u->id / sizeof u->id[0])) {
        u->owner_or_oncall[u->n] = own;
        u->id[u->n++] = id;
    }
}

static hv_result
add_user_row(void *ctx, const store_row *row)
{
    users_add(ctx, store_row_int(row, 0), 0);
    return HV_OK;
}

/* The people step TARGETS names for alert A at NOW. */
static hv_result
resolve_targets(store_conn *c, const alert_row *a, const json_t *targets, int64_t now, users *u)
{
    size_t i;
    const json_t *t;
    json_array_foreach(targets, i, t)
    {
        const char *type = json_string_value(json_object_get(t, "type"));
        if (!type)
            continue;
        hv_result r = HV_OK;
        if (strcmp(type, "owner") == 0) {
            if (a->owner_user_id) {
                int64_t ok = 0;
                store_val v[] = {SV_INTV(a->owner_user_id)};
                r = store_query_int(
                    c, "SELECT COUNT(*) FROM app_user WHERE id = ? AND disabled = 0", v, 1, &ok);
                if (r == HV_OK && ok)
                    users_add(u, a->owner_user_id, 1);
            }
        } else if (strcmp(type, "oncall") == 0 || strcmp(type, "backup") == 0) {
            int64_t who = 0;
            r = oncall_user(c, a->agency_id,
                            strcmp(type, "oncall") == 0 ? ONCALL_PRIMARY : ONCALL_BACKUP, now,
                            &who);
            users_add(u, who, 1);
        } else if (strcmp(type, "role") == 0) {
            /* the alert's agency's holders of the role; scope "any": every agency's */
            const char *scope = json_string_value(json_object_get(t, "scope"));
            int any = scope && strcmp(scope, "any") == 0;
            store_val v[] = {SV_INTV(any), SV_INTV(a->agency_id),
                             SV_TEXTV(json_string_value(json_object_get(t, "role")))};
            r = store_query(c,
                            "SELECT u.id FROM app_user u JOIN user_role ur ON ur.user_id = u.id "
                            "WHERE (? = 1 OR u.agency_id = ?) AND ur.role = ? AND u.disabled = 0 "
                            "ORDER BY u.id",
                            v, 3, add_user_row, u);
        } else if (strcmp(type, "user") == 0) {
            store_val v[] = {SV_INTV(json_integer_value(json_object_get(t, "user_id")))};
            r = store_query(c, "SELECT id FROM app_user WHERE id = ? AND disabled = 0", v, 1,
                            add_user_row, u);
        }
        if (r != HV_OK)
            return r;
    }
    return HV_OK;
}

/* The notification kind one recipient gets: the alert's own for its
 * responder, "<area>.escalation" for everyone it escalated to. */
static void
kind_for(const alert_row *a, int own, char *out, size_t n)
{
    if (own) {
        snprintf(out, n, "%s", a->kind);
        return;
    }
    const char *dot = strchr(a->kind, '.');
    snprintf(out, n, "%.*s.escalation", dot ? (int)(dot - a->kind) : (int)strlen(a->kind), a->kind);
}

/* Runs the alert's current step at NOW: tells its targets, then moves to
 * the next step (or round) and sets when. A step that names nobody passes
 * on to the next at once. *OTHERS gets how many non-owners were told. */
static hv_result
run_step(store_conn *c, alert_row *a, int64_t now, int *others)
{
    json_t *pol = NULL;
    hv_result r = alert_policy_effective(c, a->agency_id, a->kind, &pol);
    if (r != HV_OK)
        return r;
    const json_t *steps = json_object_get(pol, "steps");
    int64_t nsteps = (int64_t)json_array_size(steps);
    int64_t repeat = json_integer_value(json_object_get(pol, "repeat"));
    int told = 0;
    if (others)
        *others = 0;
    int64_t next_at = 0;
    for (int guard = 0; r == HV_OK && guard < 32; guard++) {
        if (a->step >= nsteps) {
            if (a->round >= repeat || nsteps == 0) {
                next_at = 0; /* exhausted: stays open, nobody more to tell */
                break;
            }
            a->round++;
            a->step = 0;
        }
        const json_t *st = json_array_get(steps, (size_t)a->step);
        users u = {.n = 0};
        r = resolve_targets(c, a, json_object_get(st, "targets"), now, &u);
        int64_t delay = json_integer_value(json_object_get(st, "delay_minutes")) * MIN_MS;
        a->step++;
        if (r != HV_OK || u.n == 0) {
            if (told)
                break;
            continue; /* nobody at this step: the next one at once */
        }
        char msg[800], kind[48];
        if (a->step > 1 || a->round > 0)
            snprintf(msg, sizeof msg, "Not acknowledged yet (step %lld%s): %s", (long long)a->step,
                     a->round > 0 ? ", repeated" : "", a->message);
        else
            snprintf(msg, sizeof msg, "%s", a->message);
        for (int i = 0; r == HV_OK && i < u.n; i++) {
            kind_for(a, u.owner_or_oncall[i], kind, sizeof kind);
            outbox_msg m = {.user_id = u.id[i],
                            .referral_id = a->referral_id,
                            .alert_id = a->id,
                            .kind = kind,
                            .pr = priority_of(a->priority),
                            .message = msg};
            r = outbox_send(c, &m, now, NULL);
            if (others && u.id[i] != a->owner_user_id)
                (*others)++;
        }
        told = 1;
        next_at = now + delay;
        break;
    }
    json_decref(pol);
    if (r != HV_OK)
        return r;
    if (a->step >= nsteps && a->round >= repeat && !told)
        next_at = 0;
    store_val v[] = {SV_INTV(a->step), SV_INTV(a->round), next_at ? SV_INTV(next_at) : SV_NULLV,
                     SV_INTV(a->id)};
    r = store_exec(c, "UPDATE alert SET step = ?, round = ?, next_at = ? WHERE id = ?", v, 4, NULL);
    if (r == HV_OK && next_at)
        wake_at(next_at);
    return r;
}

hv_result
alert_open(store_conn *c, const alert_spec *s, int64_t now, int64_t *id_out, int *others)
{
    if (others)
        *others = 0;
    int64_t id = 0;
    if (s->dedup) {
        store_val d[] = {SV_TEXTV(s->dedup)};
        hv_result q = store_query_int(c, "SELECT id FROM alert WHERE dedup_key = ?", d, 1, &id);
        if (q == HV_OK) {
            if (id_out)
                *id_out = id;
            return HV_OK;
        }
        if (q != HV_ERR_NOTFOUND)
            return q;
    }
    store_val a[] = {s->referral_id ? SV_INTV(s->referral_id) : SV_NULLV,
                     s->agency_id ? SV_INTV(s->agency_id) : SV_NULLV,
                     s->deadline_id ? SV_INTV(s->deadline_id) : SV_NULLV,
                     s->owner_user_id ? SV_INTV(s->owner_user_id) : SV_NULLV,
                     SV_TEXTV(s->kind),
                     SV_TEXTV(outbox_priority_name(s->pr)),
                     SV_TEXTV(s->message),
                     SV_TEXTV(s->dedup),
                     SV_INTV(now)};
    hv_result r = store_query_int(c,
                                  "INSERT INTO alert (referral_id, agency_id, deadline_id, "
                                  "owner_user_id, kind, priority, message, dedup_key, state, "
                                  "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'triggered', ?) "
                                  "RETURNING id",
                                  a, 9, &id);
    if (r != HV_OK)
        return r;
    alert_row row;
    r = load_alert(c, id, &row);
    if (r == HV_OK)
        r = run_step(c, &row, now, others);
    if (r == HV_OK && id_out)
        *id_out = id;
    return r;
}

/* When an acknowledged alert comes back: before its clock is due, or after
 * the policy's timeout (0: never, the alert watches no running clock). */
static hv_result
reminder_at(store_conn *c, const alert_row *a, int64_t now, int64_t *at)
{
    *at = 0;
    if (!a->deadline_id)
        return HV_OK;
    int64_t due = 0;
    store_val v[] = {SV_INTV(a->deadline_id)};
    hv_result r = store_query_int(c,
                                  "SELECT due_at FROM deadline WHERE id = ? AND state IN "
                                  "('running', 'missed')",
                                  v, 1, &due);
    if (r == HV_ERR_NOTFOUND)
        return HV_OK;
    if (r != HV_OK)
        return r;
    json_t *pol = NULL;
    if ((r = alert_policy_effective(c, a->agency_id, a->kind, &pol)) != HV_OK)
        return r;
    int64_t timeout = json_integer_value(json_object_get(pol, "ack_timeout_minutes")) * MIN_MS;
    json_decref(pol);
    if (timeout <= 0)
        timeout = 30 * MIN_MS;
    int64_t t = now + timeout;
    /* the clock wins: remind a quarter of the time left before it is due */
    if (due > now && due - (due - now) / 4 < t)
        t = due - (due - now) / 4;
    if (t < now + MIN_MS)
        t = now + MIN_MS;
    *at = t;
    return HV_OK;
}

hv_result
alert_ack(store_conn *c, int64_t id, int64_t user_id, const char *via, int64_t now)
{
    alert_row a;
    hv_result r = load_alert(c, id, &a);
    if (r != HV_OK)
        return r;
    if (strcmp(a.state, "resolved") == 0)
        return HV_ERR_CONFLICT;
    int64_t at = 0;
    if ((r = reminder_at(c, &a, now, &at)) != HV_OK)
        return r;
    store_val v[] = {SV_INTV(now), SV_INTV(user_id), SV_TEXTV(via), at ? SV_INTV(at) : SV_NULLV,
                     SV_INTV(id)};
    r = store_exec(c,
                   "UPDATE alert SET state = 'acknowledged', acked_at = ?, acked_by = ?, ack_via = "
                   "?, next_at = ? WHERE id = ?",
                   v, 5, NULL);
    if (r == HV_OK)
        r = outbox_cancel_alert(c, id, now);
    if (r == HV_OK && at)
        wake_at(at);
    return r;
}

static hv_result
collect_alert_id(void *ctx, const store_row *row)
{
    int64_t *ids = ctx;
    if (ids[0] < 63)
        ids[++ids[0]] = store_row_int(row, 0);
    return HV_OK;
}

hv_result
alert_ack_referral(store_conn *c, int64_t referral_id, const char *kind, int64_t agency_id,
                   int64_t user_id, int64_t now)
{
    int64_t ids[64] = {0};
    store_val v[] = {SV_INTV(referral_id), SV_TEXTV(kind), SV_INTV(agency_id)};
    hv_result r = store_query(c,
                              "SELECT id FROM alert WHERE referral_id = ? AND kind = ? AND "
                              "agency_id = ? AND state = 'triggered'",
                              v, 3, collect_alert_id, ids);
    for (int64_t i = 1; r == HV_OK && i <= ids[0]; i++)
        r = alert_ack(c, ids[i], user_id, "app", now);
    return r;
}

/* Resolves the alerts IDS (ids[0] is the count) and cancels their unsent messages. */
static hv_result
resolve_ids(store_conn *c, const int64_t *ids, const char *reason, int64_t now)
{
    hv_result r = HV_OK;
    for (int64_t i = 1; r == HV_OK && i <= ids[0]; i++) {
        store_val u[] = {SV_INTV(now), SV_TEXTV(reason), SV_INTV(ids[i])};
        r = store_exec(c,
                       "UPDATE alert SET state = 'resolved', resolved_at = ?, resolved_reason = ?, "
                       "next_at = NULL WHERE id = ?",
                       u, 3, NULL);
        if (r == HV_OK)
            r = outbox_cancel_alert(c, ids[i], now);
    }
    return r;
}

hv_result
alert_resolve_clocks(store_conn *c, int64_t referral_id, const char *kind, const char *reason,
                     int64_t now)
{
    int64_t ids[64] = {0};
    store_val v[] = {SV_INTV(referral_id), SV_TEXTV(kind)};
    hv_result r = store_query(c,
                              "SELECT a.id FROM alert a LEFT JOIN deadline d ON d.id = "
                              "a.deadline_id WHERE a.referral_id = ? AND a.state <> 'resolved' "
                              "AND ((d.id IS NOT NULL AND d.state NOT IN ('running', 'missed')) "
                              "OR a.kind = ?)",
                              v, 2, collect_alert_id, ids);
    return r == HV_OK ? resolve_ids(c, ids, reason, now) : r;
}

hv_result
alert_resolve_deadline(store_conn *c, int64_t deadline_id, const char *kind, const char *reason,
                       int64_t now)
{
    int64_t ids[64] = {0};
    store_val v[] = {SV_INTV(deadline_id), SV_TEXTV(kind), SV_TEXTV(kind)};
    hv_result r = store_query(c,
                              "SELECT id FROM alert WHERE deadline_id = ? AND state <> 'resolved' "
                              "AND (? IS NULL OR kind = ?)",
                              v, 3, collect_alert_id, ids);
    return r == HV_OK ? resolve_ids(c, ids, reason, now) : r;
}

hv_result
alert_escalate_now(store_conn *c, int64_t id, int64_t now)
{
    store_val v[] = {SV_INTV(now), SV_INTV(id)};
    hv_result r = store_exec(c,
                             "UPDATE alert SET next_at = ? WHERE id = ? AND state = 'triggered' "
                             "AND next_at IS NOT NULL",
                             v, 2, NULL);
    if (r == HV_OK)
        wake_at(now);
    return r;
}

/* An acknowledged alert whose clock still runs: back to triggered, and the
 * person who acknowledged it is reminded; escalation goes on from step 2. */
static hv_result
remind(store_conn *c, alert_row *a, int64_t now)
{
    int64_t due = 0;
    store_val d[] = {SV_INTV(a->deadline_id)};
    hv_result r = a->deadline_id ? store_query_int(c,
                                                   "SELECT due_at FROM deadline WHERE id = ? AND "
                                                   "state IN ('running', 'missed')",
                                                   d, 1, &due)
                                 : HV_ERR_NOTFOUND;
    if (r == HV_ERR_NOTFOUND) {
        store_val v[] = {SV_INTV(now), SV_INTV(a->id)};
        return store_exec(c,
                          "UPDATE alert SET state = 'resolved', resolved_at = ?, resolved_reason "
                          "= 'clock done', next_at = NULL WHERE id = ?",
                          v, 2, NULL);
    }
    if (r != HV_OK)
        return r;
    char when[40], msg[800];
    clock_format_local(due, when, sizeof when);
    snprintf(msg, sizeof msg,
             "Acknowledged, but not done: referral %s is still due at %s. Acknowledge again or "
             "hand it on. (%s)",
             a->number[0] ? a->number : "-", when, a->message);
    outbox_msg m = {.user_id = a->acked_by,
                    .referral_id = a->referral_id,
                    .alert_id = a->id,
                    .kind = "alert.reminder",
                    .pr = NP_URGENT,
                    .message = msg};
    if (a->acked_by && (r = outbox_send(c, &m, now, NULL)) != HV_OK)
        return r;
    a->step = a->step > 1 ? a->step : 1;
    json_t *pol = NULL;
    if ((r = alert_policy_effective(c, a->agency_id, a->kind, &pol)) != HV_OK)
        return r;
    const json_t *st = json_array_get(json_object_get(pol, "steps"), 0);
    int64_t next = now + json_integer_value(json_object_get(st, "delay_minutes")) * MIN_MS;
    json_decref(pol);
    store_val v[] = {SV_INTV(a->step), SV_INTV(next), SV_INTV(a->id)};
    r = store_exec(c,
                   "UPDATE alert SET state = 'triggered', step = ?, reminders = reminders + 1, "
                   "next_at = ? WHERE id = ?",
                   v, 3, NULL);
    if (r == HV_OK)
        wake_at(next);
    return r;
}

typedef struct due_alerts {
    alert_row *rows;
    int n, cap;
} due_alerts;

static hv_result
collect_due(void *ctx, const store_row *row)
{
    due_alerts *l = ctx;
    if (l->n < l->cap)
        fill_row(&l->rows[l->n++], row);
    return HV_OK;
}

hv_result
alert_fire(store *st, int64_t now, int max, int *fired, int64_t *next_at)
{
    *fired = 0;
    if (next_at)
        *next_at = 0;
    due_alerts l = {.rows = calloc((size_t)max, sizeof(alert_row)), .cap = max};
    if (!l.rows)
        return HV_ERR_NOMEM;
    store_conn *c;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK) {
        free(l.rows);
        return r;
    }
    store_val v[] = {SV_INTV(now), SV_INTV(max)};
    r = store_query(c,
                    "SELECT " ALERT_COLS "WHERE a.next_at IS NOT NULL AND a.next_at <= ? ORDER BY "
                    "a.next_at LIMIT ? {SKIP_LOCKED OF a}",
                    v, 2, collect_due, &l);
    for (int i = 0; r == HV_OK && i < l.n; i++) {
        alert_row *a = &l.rows[i];
        if (strcmp(a->state, "acknowledged") == 0)
            r = remind(c, a, now);
        else if (strcmp(a->state, "triggered") == 0)
            r = run_step(c, a, now, NULL);
        else {
            store_val u[] = {SV_INTV(a->id)};
            r = store_exec(c, "UPDATE alert SET next_at = NULL WHERE id = ?", u, 1, NULL);
        }
    }
    if (r == HV_OK && next_at) {
        int64_t nx = 0;
        if (store_query_int(c,
                            "SELECT next_at FROM alert WHERE next_at IS NOT NULL ORDER BY next_at "
                            "LIMIT 1",
                            NULL, 0, &nx) == HV_OK)
            *next_at = nx;
    }
    if (r == HV_OK) {
        r = store_commit(c);
    } else {
        store_rollback(c);
        log_event(LOG_ERROR, "alert pass failed", json_pack("{s:s}", "error", hv_strerror(r)));
    }
    if (r == HV_OK)
        *fired = l.n;
    free(l.rows);
    return r;
}

/* ---- reading -------------------------------------------------------------------- */

static hv_result
delivery_json(void *ctx, const store_row *row)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)store_row_int(row, 0), "notification_id", (json_int_t)store_row_int(row, 1),
        "user_id", (json_int_t)store_row_int(row, 2), "channel", store_row_text(row, 3), "state",
        store_row_text(row, 4), "attempts", (json_int_t)store_row_int(row, 5), "next_attempt_at",
        record_time_col(row, 6), "sent_at", record_time_col(row, 7), "last_error",
        store_row_isnull(row, 8) ? json_null() : json_string(store_row_text(row, 8)), "created_at",
        record_time_col(row, 9));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(ctx, o);
    return HV_OK;
}

static hv_result
alert_json(void *ctx, const store_row *row)
{
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:o, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:o, s:I}",
        "id", (json_int_t)store_row_int(row, 0), "referral_id",
        store_row_isnull(row, 1) ? json_null() : json_integer(store_row_int(row, 1)),
        "referral_number", store_row_text(row, 2), "agency_id",
        store_row_isnull(row, 3) ? json_null() : json_integer(store_row_int(row, 3)), "kind",
        store_row_text(row, 4), "priority", store_row_text(row, 5), "message",
        store_row_text(row, 6), "state", store_row_text(row, 7), "step",
        (json_int_t)store_row_int(row, 8), "round", (json_int_t)store_row_int(row, 9), "next_at",
        record_time_col(row, 10), "created_at", record_time_col(row, 11), "acked_at",
        record_time_col(row, 12), "acked_by",
        store_row_isnull(row, 13) ? json_null() : json_integer(store_row_int(row, 13)), "ack_via",
        store_row_isnull(row, 14) ? json_null() : json_string(store_row_text(row, 14)),
        "resolved_at", record_time_col(row, 15), "resolved_reason",
        store_row_isnull(row, 16) ? json_null() : json_string(store_row_text(row, 16)),
        "owner_user_id",
        store_row_isnull(row, 17) ? json_null() : json_integer(store_row_int(row, 17)), "reminders",
        (json_int_t)store_row_int(row, 18));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(ctx, o);
    return HV_OK;
}

#define ALERT_JSON_COLS                                                                            \
    "a.id, a.referral_id, COALESCE(r.number, ''), a.agency_id, a.kind, a.priority, a.message, "    \
    "a.state, a.step, a.round, a.next_at, a.created_at, a.acked_at, a.acked_by, a.ack_via, "       \
    "a.resolved_at, a.resolved_reason, a.owner_user_id, a.reminders FROM alert a LEFT JOIN "       \
    "referral r ON r.id = a.referral_id "

hv_result
alert_list(store_conn *c, int64_t user_id, int all_states, int every_agency, int64_t agency_id,
           json_t **out)
{
    json_t *list = json_array();
    store_val a[] = {SV_INTV(all_states), SV_INTV(user_id), SV_INTV(every_agency),
                     SV_INTV(agency_id)};
    hv_result r = store_query(c,
                              "SELECT " ALERT_JSON_COLS
                              "WHERE (? = 1 OR a.state <> 'resolved') AND (EXISTS (SELECT 1 "
                              "FROM notification n WHERE n.alert_id = a.id AND n.user_id = ?) OR "
                              "? = 1 OR a.agency_id = ?) ORDER BY a.id DESC LIMIT 200",
                              a, 4, alert_json, list);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

hv_result
alert_get(store_conn *c, int64_t id, json_t **out)
{
    json_t *list = json_array();
    store_val v[] = {SV_INTV(id)};
    hv_result r =
        store_query(c, "SELECT " ALERT_JSON_COLS "WHERE a.id = ?", v, 1, alert_json, list);
    if (r == HV_OK && json_array_size(list) == 0)
        r = HV_ERR_NOTFOUND;
    json_t *d = json_array();
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT d.id, d.notification_id, n.user_id, d.channel, d.state, "
                        "d.attempts, d.next_attempt_at, d.sent_at, d.last_error, d.created_at "
                        "FROM delivery d JOIN notification n ON n.id = d.notification_id WHERE "
                        "n.alert_id = ? ORDER BY d.id",
                        v, 1, delivery_json, d);
    if (r != HV_OK) {
        json_decref(list);
        json_decref(d);
        return r;
    }
    json_t *o = json_incref(json_array_get(list, 0));
    json_decref(list);
    json_object_set_new(o, "deliveries", d);
    *out = o;
    return HV_OK;
}

hv_result
alert_access(store_conn *c, int64_t id, int64_t user_id, int64_t *agency_id, int *notified)
{
    *agency_id = 0;
    *notified = 0;
    store_val v[] = {SV_INTV(id)};
    hv_result r = store_query_int(c, "SELECT COALESCE(agency_id, 0) FROM alert WHERE id = ?", v, 1,
                                  agency_id);
    if (r != HV_OK)
        return r;
    int64_t n = 0;
    store_val u[] = {SV_INTV(id), SV_INTV(user_id)};
    r = store_query_int(c, "SELECT COUNT(*) FROM notification WHERE alert_id = ? AND user_id = ?",
                        u, 2, &n);
    *notified = n > 0;
    return r;
}
