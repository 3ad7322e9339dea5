/*
 * hub.h - the in-process signal that something changed.
 *
 * After a transaction that wrote case events or notifications commits, the
 * writer calls hub_publish(). Live streams (server-sent events) wait in
 * hub_wait() and then read the new rows from the database themselves, so
 * the database stays the one source of truth and a missed signal only
 * delays, never loses, an event. With several processes on PostgreSQL,
 * the transactions that write case events and notifications call
 * store_notify(), and each process's store_listen() thread (cmd/serve.c)
 * calls hub_publish() when another process commits one.
 */
#ifndef HAVEN_HUB_H
#define HAVEN_HUB_H

#include <stdint.h>

/* Wakes every waiter; returns the new generation. */
uint64_t hub_publish(void);
/* The current generation. */
uint64_t hub_generation(void);
/* Waits until the generation differs from SEEN or TIMEOUT_MS pass; returns
 * the generation then. */
uint64_t hub_wait(uint64_t seen, int timeout_ms);
/* Wakes every waiter for shutdown: hub_wait returns at once from now on. */
void hub_shutdown(void);
int hub_is_shutdown(void);

#endif
