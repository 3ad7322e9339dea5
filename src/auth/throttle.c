/* throttle.c - in-memory fixed-window rate limits (see throttle.h). */
#include "auth/throttle.h"

#include <pthread.h>
#include <string.h>

#define THROTTLE_SLOTS 4096
#define THROTTLE_PROBE 8

typedef struct slot {
    uint64_t key;
    int64_t window_start;
    int count;
} slot;

static slot slots[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
throttle_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h ? h : 1;
}

int
throttle_allow(const char *key, int limit, int64_t window_ms, int64_t now)
{
    uint64_t h = throttle_hash(key);
    int allowed;
    pthread_mutex_lock(&throttle_lock);
    slot *s = NULL, *oldest = NULL;
    for (int i = 0; i < THROTTLE_PROBE; i++) {
        slot *c = &slots[(h + (uint64_t)i) % THROTTLE_SLOTS];
        if (c->key == h) {
            s = c;
            break;
        }
        if (!oldest || c->window_start < oldest->window_start)
            oldest = c;
    }
    if (!s) {
        s = oldest;
        s->key = h;
        s->window_start = now;
        s->count = 0;
    }
    if (now - s->window_start >= window_ms) {
        s->window_start = now;
        s->count = 0;
    }
    allowed = s->count < limit;
    if (allowed)
        s->count++;
    pthread_mutex_unlock(&throttle_lock);
    return allowed;
}

void
throttle_reset(void)
{
    pthread_mutex_lock(&throttle_lock);
    memset(slots, 0, sizeof slots);
    pthread_mutex_unlock(&throttle_lock);
}
