/* scheduler.c - the clock thread (see scheduler.h). */
#include "protocol/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/clock.h"
#include "notify/alert.h"
#include "notify/hub.h"
#include "protocol/deadline.h"

#define PASS_MAX    500
#define INTERVAL_MS 250

static struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, stop, kicked;
    _Atomic int stalled;
    store *st;
    const crypt_keys *keys;
    atomic_int_fast64_t heartbeat;
    atomic_int_fast64_t next; /* earliest next_fire_at the last pass saw (INT64_MAX: none) */
    atomic_uint_fast64_t fired;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .next = INT64_MAX};

static void *
loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fired = 0;
        int64_t next = 0;
        /* tests: a stalled scheduler makes no progress and beats no heart */
        hv_result r = S.stalled
                          ? HV_ERR_BUSY
                          : deadline_fire(S.st, S.keys, clock_now_ms(), PASS_MAX, &fired, &next);
        int afired = 0;
        int64_t anext = 0;
        if (r == HV_OK)
            r = alert_fire(S.st, clock_now_ms(), PASS_MAX, &afired, &anext);
        if (r == HV_OK && anext > 0 && (next == 0 || anext < next))
            next = anext;
        if (r == HV_OK && afired > fired)
            fired = afired;
        if (r == HV_OK) {
            atomic_store(&S.next, next > 0 ? next : INT64_MAX);
            atomic_store(&S.heartbeat, clock_mono_ms());
            if (fired > 0) {
                atomic_fetch_add(&S.fired, (uint64_t)fired);
                hub_publish();
            }
        }
        int64_t wait = INTERVAL_MS;
        if (r == HV_OK && fired == PASS_MAX)
            wait = 0; /* more are due: go on at once */
        else if (r == HV_OK && next > 0 && next - clock_now_ms() < wait)
            wait = next - clock_now_ms() > 0 ? next - clock_now_ms() : 0;
        pthread_mutex_lock(&S.mu);
        if (wait > 0 && !S.stop && !S.kicked) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += wait / 1000;
            until.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!S.stop && !S.kicked)
                if (pthread_cond_timedwait(&S.cv, &S.mu, &until) == ETIMEDOUT)
                    break;
        }
        S.kicked = 0;
        int stop = S.stop;
        pthread_mutex_unlock(&S.mu);
        if (stop)
            break;
    }
    return NULL;
}

hv_result
scheduler_start(store *st, const crypt_keys *k)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&S.cv, &a);
    pthread_condattr_destroy(&a);
    S.st = st;
    S.keys = k;
    alert_set_waker(scheduler_due_at);
    S.stop = 0;
    if (pthread_create(&S.thread, NULL, loop, NULL) != 0)
        return HV_ERR_NOMEM;
    S.running = 1;
    return HV_OK;
}

void
scheduler_stop(void)
{
    if (!S.running)
        return;
    pthread_mutex_lock(&S.mu);
    S.stop = 1;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    pthread_join(S.thread, NULL);
    pthread_cond_destroy(&S.cv);
    S.running = 0;
}

void
scheduler_stall(int on)
{
    S.stalled = on ? 1 : 0;
    scheduler_kick();
}

void
scheduler_kick(void)
{
    pthread_mutex_lock(&S.mu);
    S.kicked = 1;
    if (S.running)
        pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
}

void
scheduler_due_at(int64_t at)
{
    if (at < atomic_load(&S.next))
        scheduler_kick();
}

int64_t
scheduler_heartbeat_ms(void)
{
    return atomic_load(&S.heartbeat);
}

uint64_t
scheduler_fired_total(void)
{
    return atomic_load(&S.fired);
}
