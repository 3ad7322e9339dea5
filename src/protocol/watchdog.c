/* watchdog.c - haven watching itself (see watchdog.h). */
#include "protocol/watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "notify/alert.h"
#include "notify/deliver.h"
#include "notify/hub.h"
#include "protocol/routing.h"
#include "protocol/scheduler.h"

static struct {
    pthread_t thread;
    atomic_int stop, running;
    store *st;
    const crypt_keys *keys;
    int64_t limit_ms;
    atomic_int clocks_stalled, delivery_stalled;
    int64_t clocks_alert, delivery_alert; /* open alert ids (0: none) */
} W;

/* Opens the stalled alert for WHAT (returns its id), or resolves ID. */
static int64_t
raise_alert(const char *what, const char *component, int64_t silent_ms)
{
    store_conn *c;
    int64_t id = 0;
    if (store_begin(W.st, &c) != HV_OK)
        return 0;
    int64_t now = clock_now_ms();
    char msg[300], dedup[80];
    snprintf(msg, sizeof msg,
             "haven's %s made no progress for %lld seconds. Check the server now: until it "
             "recovers, %s.",
             what, (long long)(silent_ms / 1000),
             component[0] == 'c' ? "protocol clocks may not warn or escalate"
                                 : "email, SMS and webhook messages may be late");
    snprintf(dedup, sizeof dedup, "stalled:%s:%lld", component, (long long)now);
    alert_spec s = {.agency_id = routing_agency_of_kind(c, "hotline"),
                    .kind = "system.stalled",
                    .pr = NP_URGENT,
                    .message = msg,
                    .dedup = dedup};
    hv_result r = s.agency_id ? alert_open(c, &s, now, &id, NULL) : HV_ERR_NOTFOUND;
    if (r == HV_OK)
        r = store_commit(c);
    else
        store_rollback(c);
    log_event(LOG_ERROR, "stalled",
              json_pack("{s:s, s:I, s:s}", "component", component, "silent_ms",
                        (json_int_t)silent_ms, "alert", r == HV_OK ? "opened" : hv_strerror(r)));
    if (r == HV_OK)
        hub_publish();
    return r == HV_OK ? id : 0;
}

static void
resolve_alert(int64_t id, const char *component)
{
    store_conn *c;
    if (!id || store_begin(W.st, &c) != HV_OK)
        return;
    store_val a[] = {SV_INTV(clock_now_ms()), SV_INTV(id)};
    hv_result r = store_exec(c,
                             "UPDATE alert SET state = 'resolved', resolved_at = ?, "
                             "resolved_reason = 'recovered', next_at = NULL WHERE id = ? AND "
                             "state <> 'resolved'",
                             a, 2, NULL);
    if (r == HV_OK)
        r = store_commit(c);
    else
        store_rollback(c);
    if (r != HV_OK)
        log_event(LOG_ERROR, "stalled alert not resolved",
                  json_pack("{s:s}", "error", hv_strerror(r)));
    log_event(LOG_INFO, "recovered", json_pack("{s:s}", "component", component));
}

static void *
loop(void *arg)
{
    (void)arg;
    while (!atomic_load(&W.stop)) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        int64_t mono = clock_mono_ms();
        int64_t sb = scheduler_heartbeat_ms(), db = deliver_heartbeat_ms();
        int cs = sb > 0 && mono - sb > W.limit_ms;
        int ds = db > 0 && mono - db > W.limit_ms;
        if (cs && !atomic_load(&W.clocks_stalled))
            W.clocks_alert = raise_alert("clock scheduler", "clocks", mono - sb);
        else if (!cs && atomic_load(&W.clocks_stalled)) {
            resolve_alert(W.clocks_alert, "clocks");
            W.clocks_alert = 0;
        }
        atomic_store(&W.clocks_stalled, cs);
        if (ds && !atomic_load(&W.delivery_stalled))
            W.delivery_alert = raise_alert("delivery workers", "delivery", mono - db);
        else if (!ds && atomic_load(&W.delivery_stalled)) {
            resolve_alert(W.delivery_alert, "delivery");
            W.delivery_alert = 0;
        }
        atomic_store(&W.delivery_stalled, ds);
        /* the workers are silent: deliver what is due from here */
        while (ds && !atomic_load(&W.stop) && deliver_pass(8) > 0)
            ;
    }
    return NULL;
}

hv_result
watchdog_start(store *st, const crypt_keys *k, int64_t limit_ms)
{
    W.st = st;
    W.keys = k;
    W.limit_ms = limit_ms;
    atomic_store(&W.stop, 0);
    if (pthread_create(&W.thread, NULL, loop, NULL) != 0)
        return HV_ERR_NOMEM;
    atomic_store(&W.running, 1);
    return HV_OK;
}

void
watchdog_stop(void)
{
    if (!atomic_load(&W.running))
        return;
    atomic_store(&W.stop, 1);
    pthread_join(W.thread, NULL);
    atomic_store(&W.running, 0);
}

int
watchdog_clocks_stalled(void)
{
    return atomic_load(&W.clocks_stalled);
}

int
watchdog_delivery_stalled(void)
{
    return atomic_load(&W.delivery_stalled);
}
