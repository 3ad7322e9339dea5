/*
 * scheduler.h - the thread that keeps the protocol's clocks: it runs
 * deadline_fire() whenever a clock may be due (at least every 250 ms, at
 * once when a clock is set earlier than any it knew, or when kicked: the
 * test clock moved), publishes the
 * change, and records a heartbeat that /readyz checks.
 */
#ifndef HAVEN_SCHEDULER_H
#define HAVEN_SCHEDULER_H

#include <stdint.h>

#include "core/crypt.h"
#include "store/store.h"

hv_result scheduler_start(store *st, const crypt_keys *k);
void scheduler_stop(void);
/* Look again now. */
void scheduler_kick(void);
/* A clock will next fire at AT (ms): look again now if that is earlier than
 * any pending clock the last pass saw. Cheap; called as clocks are set. */
void scheduler_due_at(int64_t at);
/* Monotonic ms of the last completed pass (0: not started). */
int64_t scheduler_heartbeat_ms(void);
/* Clocks fired since start. */
uint64_t scheduler_fired_total(void);

/* Tests: 1 makes each pass fail, so the heartbeat ages (the watchdog's test). */
void scheduler_stall(int on);

#endif
