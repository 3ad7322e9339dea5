/*
 * watchdog.h - haven watching itself. A thread checks once a second that
 * the clock scheduler and the delivery workers are making progress (their
 * heartbeats). One silent past the configured limit fails /readyz and opens
 * a "system.stalled" alert to the hotline agency's supervisors (its
 * escalation policy decides who else); while the delivery workers are the
 * silent ones, the watchdog delivers due messages itself, so the alert
 * about them still goes out. The alert resolves when the heartbeat returns.
 */
#ifndef HAVEN_WATCHDOG_H
#define HAVEN_WATCHDOG_H

#include <stdint.h>

#include "core/crypt.h"
#include "store/store.h"

hv_result watchdog_start(store *st, const crypt_keys *k, int64_t limit_ms);
void watchdog_stop(void);
/* 1 if the component is stalled now. */
int watchdog_clocks_stalled(void);
int watchdog_delivery_stalled(void);

#endif
