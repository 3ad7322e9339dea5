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

typedef struct stream_ctx {
    haven_app *app;
    principal p;
    int64_t last_case, last_notif;
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

/* Reads what changed since the last call into sc->out. */
static void
produce(stream_ctx *sc)
{
    store_conn *c;
    if (store_read(sc->app->st, &c) != HV_OK)
        return;
    case_scan cs = {.sc = sc, .c = c};
    store_val a[] = {SV_INTV(sc->last_case)};
    store_query(c,
                "SELECT id, referral_id, kind FROM case_event WHERE id > ? ORDER BY id LIMIT 256",
                a, 1, case_row, &cs);
    int64_t seen_ref = 0;
    int seen_ok = 0;
    for (int i = 0; i < cs.n; i++) {
        sc->last_case = cs.ids[i];
        if (cs.refs[i] != seen_ref) {
            seen_ref = cs.refs[i];
            seen_ok = referral_visible(c, &sc->p, seen_ref);
        }
        if (seen_ok)
            emit(sc, "case",
                 json_pack("{s:I, s:s}", "referral_id", (json_int_t)cs.refs[i], "kind",
                           cs.kinds[i]));
    }
    json_t *notes = NULL;
    if (outbox_list(c, sc->p.user_id, sc->last_notif, 0, 100, &notes) == HV_OK) {
        /* newest first: send oldest first */
        for (size_t i = json_array_size(notes); i-- > 0;) {
            json_t *n = json_array_get(notes, i);
            sc->last_notif = json_integer_value(json_object_get(n, "id"));
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
