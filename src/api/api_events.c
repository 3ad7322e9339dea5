/*
 * api_events.c - GET /api/v1/events, the live stream (server-sent events),
 * and the thread that wakes streams when something changed.
 *
 * Each stream remembers the last case event and notification it sent. When
 * woken it reads newer rows from the database: `case` events for referrals
 * the user may see (ids and kinds only: the page re-reads what it shows),
 * and the user's own `notification`s. Reconnecting with Last-Event-ID
 * ("<case event id>-<notification id>") replays what was missed. A comment
 * line every 15 s keeps proxies from closing an idle stream.
 *
 * Late commits. Ids are given when a row is written, not when it commits:
 * with several haven processes on one PostgreSQL (or any rolled-back
 * transaction) a row with a smaller id can become visible after a larger
 * one was sent. So a stream remembers the ids it skipped over in the last
 * minute ("gaps", at most GAP_MAX) and looks for them again on every wake;
 * for notifications (ids shared by every user, so gaps say nothing) it
 * re-reads the user's rows above a floor that trails the newest id sent by
 * one to two minutes, and skips the ids it already sent.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "notify/alert.h"
#include "notify/hub.h"
#include "notify/outbox.h"
#include "protocol/deadline.h"
#include "protocol/referral.h"
#include "protocol/scheduler.h"

#define HEARTBEAT_MS 15000
#define GAP_MAX      32    /* skipped case event ids looked for again */
#define LATE_MS      60000 /* how late a commit may land and still be sent */
#define SENT_MAX     256   /* notification ids sent above the floor */

typedef struct stream_ctx {
    haven_app *app;
    principal p;
    int64_t last_case, last_notif;
    int64_t gap_id[GAP_MAX], gap_at[GAP_MAX]; /* 0: free */
    int64_t floor, floor_next, floor_at;      /* notifications re-read above floor */
    int64_t sent[SENT_MAX];                   /* notification ids sent above floor */
    int nsent;
    int64_t last_write_ms;
    buf out; /* produced, not yet written */
    size_t off;
    int started;
} stream_ctx;

typedef struct case_scan {
    stream_ctx *sc;
    store_conn *c;
    int64_t ids[256];
    int64_t refs[256];
    char kinds[256][40];
    int n;
} case_scan;

static hv_result
case_row(void *ctx, const store_row *row)
{
    case_scan *cs = ctx;
    if (cs->n >= 256)
        return HV_OK;
    cs->ids[cs->n] = store_row_int(row, 0);
    cs->refs[cs->n] = store_row_int(row, 1);
    snprintf(cs->kinds[cs->n], sizeof cs->kinds[0], "%s", store_row_text(row, 2));
    cs->n++;
    return HV_OK;
}

static void
emit(stream_ctx *sc, const char *event, json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!text)
        return;
    char head[160];
    snprintf(head, sizeof head, "id: %lld-%lld\nevent: %s\ndata: ", (long long)sc->last_case,
             (long long)sc->last_notif, event);
    buf_add(&sc->out, head, strlen(head));
    buf_add(&sc->out, text, strlen(text));
    buf_add(&sc->out, "\n\n", 2);
    free(text);
}

/* Remembers the ids between FROM and TO (exclusive) as gaps, the nearest
 * to TO first, replacing the oldest when full. */
static void
gaps_add(stream_ctx *sc, int64_t from, int64_t to, int64_t now)
{
    for (int64_t id = to - 1; id > from && to - id <= GAP_MAX; id--) {
        int slot = 0;
        for (int i = 0; i < GAP_MAX; i++) {
            if (!sc->gap_id[i]) {
                slot = i;
                break;
            }
            if (sc->gap_at[i] < sc->gap_at[slot])
                slot = i;
        }
        sc->gap_id[slot] = id;
        sc->gap_at[slot] = now;
    }
}

static void
emit_case(stream_ctx *sc, store_conn *c, case_scan *cs, int i, int64_t *seen_ref, int *seen_ok)
{
    if (cs->refs[i] != *seen_ref) {
        *seen_ref = cs->refs[i];
        *seen_ok = referral_visible(c, &sc->p, *seen_ref);
    }
    if (*seen_ok)
        emit(sc, "case",
             json_pack("{s:I, s:s}", "referral_id", (json_int_t)cs->refs[i], "kind", cs->kinds[i]));
}

/* Case events that committed late, in the ids skipped earlier. */
static void
produce_late_cases(stream_ctx *sc, store_conn *c, int64_t now)
{
    store_val a[GAP_MAX];
    int any = 0;
    for (int i = 0; i < GAP_MAX; i++) {
        if (sc->gap_id[i] && now - sc->gap_at[i] > LATE_MS)
            sc->gap_id[i] = 0;
        a[i] = SV_INTV(sc->gap_id[i]);
        any |= sc->gap_id[i] != 0;
    }
    if (!any)
        return;
    case_scan cs = {.sc = sc, .c = c};
#define Q8 "?, ?, ?, ?, ?, ?, ?, ?, "
    static const char sql[] = "SELECT id, referral_id, kind FROM case_event WHERE id IN (" Q8 Q8 Q8
                              "?, ?, ?, ?, ?, ?, ?, ?) ORDER BY id"; /* GAP_MAX of them */
#undef Q8
    if (store_query(c, sql, a, GAP_MAX, case_row, &cs) != HV_OK)
        return;
    int64_t seen_ref = 0;
    int seen_ok = 0;
    for (int i = 0; i < cs.n; i++) {
        for (int g = 0; g < GAP_MAX; g++)
            if (sc->gap_id[g] == cs.ids[i])
                sc->gap_id[g] = 0;
        emit_case(sc, c, &cs, i, &seen_ref, &seen_ok);
    }
}

static int
notif_sent(const stream_ctx *sc, int64_t id)
{
    for (int i = 0; i < sc->nsent; i++)
        if (sc->sent[i] == id)
            return 1;
    return 0;
}

/* Moves the notification floor up every LATE_MS, to the newest id sent a
 * period ago, forgetting the ids sent below it. */
static void
floor_move(stream_ctx *sc, int64_t now)
{
    if (now - sc->floor_at < LATE_MS)
        return;
    sc->floor = sc->floor_next;
    sc->floor_next = sc->last_notif;
    sc->floor_at = now;
    int n = 0;
    for (int i = 0; i < sc->nsent; i++)
        if (sc->sent[i] > sc->floor)
            sc->sent[n++] = sc->sent[i];
    sc->nsent = n;
}

/* Reads what changed since the last call into sc->out. */
static void
produce(stream_ctx *sc)
{
    store_conn *c;
    if (store_read(sc->app->st, &c) != HV_OK)
        return;
    int64_t now = clock_mono_ms();
    produce_late_cases(sc, c, now);
    case_scan cs = {.sc = sc, .c = c};
    store_val a[] = {SV_INTV(sc->last_case)};
    store_query(c,
                "SELECT id, referral_id, kind FROM case_event WHERE id > ? ORDER BY id LIMIT 256",
                a, 1, case_row, &cs);
    int64_t seen_ref = 0;
    int seen_ok = 0;
    for (int i = 0; i < cs.n; i++) {
        if (cs.ids[i] > sc->last_case + 1)
            gaps_add(sc, sc->last_case, cs.ids[i], now);
        sc->last_case = cs.ids[i];
        emit_case(sc, c, &cs, i, &seen_ref, &seen_ok);
    }
    floor_move(sc, now);
    json_t *notes = NULL;
    if (outbox_list(c, sc->p.user_id, sc->floor, 0, 100, &notes) == HV_OK) {
        /* newest first: send oldest first */
        for (size_t i = json_array_size(notes); i-- > 0;) {
            json_t *n = json_array_get(notes, i);
            int64_t id = json_integer_value(json_object_get(n, "id"));
            if (id <= sc->floor || notif_sent(sc, id))
                continue;
            if (sc->nsent == SENT_MAX) { /* a flood: forget the oldest */
                memmove(sc->sent, sc->sent + 1, (SENT_MAX - 1) * sizeof sc->sent[0]);
                sc->nsent--;
            }
            sc->sent[sc->nsent++] = id;
            if (id > sc->last_notif)
                sc->last_notif = id;
            emit(sc, "notification", json_incref(n));
        }
        json_decref(notes);
    }
    store_release(c);
}

static ssize_t
stream_fn(void *ctx, char *out, size_t max)
{
    stream_ctx *sc = ctx;
    if (hub_is_shutdown())
        return -1;
    if (!sc->started) {
        sc->started = 1;
        const char *hello = "retry: 2000\n: haven live events\n\n";
        buf_add(&sc->out, hello, strlen(hello));
    }
    if (sc->off >= sc->out.len) {
        buf_reset(&sc->out);
        sc->off = 0;
        produce(sc);
        int64_t now = clock_mono_ms();
        if (sc->out.len == 0 && now - sc->last_write_ms >= HEARTBEAT_MS)
            buf_add(&sc->out, ": ping\n\n", 8);
    }
    size_t left = sc->out.len - sc->off;
    if (left == 0)
        return 0;
    size_t n = left < max ? left : max;
    memcpy(out, sc->out.data + sc->off, n);
    sc->off += n;
    sc->last_write_ms = clock_mono_ms();
    return (ssize_t)n;
}

static void
stream_free_ctx(void *ctx)
{
    stream_ctx *sc = ctx;
    buf_free(&sc->out);
    free(sc);
}

static int64_t
max_id(store_conn *c, const char *sql, int64_t user)
{
    int64_t v = 0;
    store_val a[] = {SV_INTV(user)};
    store_query_int(c, sql, a, user ? 1 : 0, &v);
    return v;
}

void
api_events(http_req *r)
{
    session_info *si = api_who(r);
    stream_ctx *sc = calloc(1, sizeof *sc);
    if (!sc) {
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return;
    }
    sc->app = api_app(r);
    sc->p = si->p;
    buf_init(&sc->out, 1 << 20);
    sc->last_write_ms = clock_mono_ms();
    const char *last = http_header(r, "Last-Event-ID");
    long long lc = 0, ln = 0;
    if (last && sscanf(last, "%lld-%lld", &lc, &ln) == 2 && lc >= 0 && ln >= 0) {
        sc->last_case = lc;
        sc->last_notif = ln;
    } else {
        store_conn *c;
        if (store_read(sc->app->st, &c) == HV_OK) {
            sc->last_case = max_id(c, "SELECT COALESCE(MAX(id), 0) FROM case_event", 0);
            sc->last_notif =
                max_id(c, "SELECT COALESCE(MAX(id), 0) FROM notification WHERE user_id = ?",
                       sc->p.user_id);
            store_release(c);
        }
    }
    sc->floor = sc->floor_next = sc->last_notif;
    sc->floor_at = clock_mono_ms();
    http_set_header(r, "Cache-Control", "no-store");
    http_send_stream(r, "text/event-stream", stream_fn, sc, stream_free_ctx);
}

/* ---- the pump -------------------------------------------------------------------- */

static pthread_t pump_thread;
static int pump_running;
static haven_app *pump_app;

static void *
pump(void *arg)
{
    (void)arg;
    uint64_t g = hub_generation();
    while (!hub_is_shutdown()) {
        g = hub_wait(g, HEARTBEAT_MS / 3);
        http_streams_wake(pump_app->http);
    }
    return NULL;
}

hv_result
api_events_start(haven_app *app)
{
    pump_app = app;
    if (pthread_create(&pump_thread, NULL, pump, NULL) != 0)
        return HV_ERR_NOMEM;
    pump_running = 1;
    return HV_OK;
}

void
api_events_stop(void)
{
    if (!pump_running)
        return;
    hub_shutdown();
    pthread_join(pump_thread, NULL);
    pump_running = 0;
}

void
api_fire_clocks(haven_app *app)
{
    int fired = 0;
    int total = 0;
    do {
        if (deadline_fire(app->st, app->keys, clock_now_ms(), 500, &fired, NULL) != HV_OK)
            break;
        total += fired;
    } while (fired == 500);
    do {
        if (alert_fire(app->st, clock_now_ms(), 500, &fired, NULL) != HV_OK)
            break;
        total += fired;
    } while (fired == 500);
    if (total > 0)
        hub_publish();
    scheduler_kick();
}
