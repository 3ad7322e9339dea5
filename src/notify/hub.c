/* hub.c - the change signal (see hub.h): a generation counter and a
 * condition variable. */
#include "notify/hub.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint64_t generation;
static int stopping;

static void
init_cv(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    pthread_condattr_destroy(&a);
}

uint64_t
hub_publish(void)
{
    pthread_once(&once, init_cv);
    pthread_mutex_lock(&mu);
    uint64_t g = ++generation;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return g;
}

uint64_t
hub_generation(void)
{
    pthread_mutex_lock(&mu);
    uint64_t g = generation;
    pthread_mutex_unlock(&mu);
    return g;
}

uint64_t
hub_wait(uint64_t seen, int timeout_ms)
{
    pthread_once(&once, init_cv);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while (generation == seen && !stopping) {
        if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT)
            break;
    }
    uint64_t g = generation;
    pthread_mutex_unlock(&mu);
    return g;
}

void
hub_shutdown(void)
{
    pthread_once(&once, init_cv);
    pthread_mutex_lock(&mu);
    stopping = 1;
    generation++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

int
hub_is_shutdown(void)
{
    pthread_mutex_lock(&mu);
    int s = stopping;
    pthread_mutex_unlock(&mu);
    return s;
}
