/*
 * deliver.h - the delivery workers: email (SMTP), SMS (a Twilio-compatible
 * REST API) and signed webhooks, drained from the delivery rows the outbox
 * writes beside each notification.
 *
 * A worker claims due rows in one short transaction (state "sending", one
 * more attempt, and a lease: the row is due again when the lease ends, so a
 * worker killed mid-send leaves nothing stuck), sends with libcurl outside
 * any transaction, and records the result: sent; or failed and due again
 * after an exponential backoff with jitter; or, after the last attempt,
 * dead, which moves the alert it belongs to on to its next step at once.
 * Every message carries its delivery's idempotency key (Message-ID and
 * X-Haven-Idempotency-Key in email, Idempotency-Key on SMS and webhook
 * calls), so a retry after a crash is recognisable as the same message.
 */
#ifndef HAVEN_DELIVER_H
#define HAVEN_DELIVER_H

#include <stdint.h>

#include "core/config.h"
#include "core/crypt.h"
#include "store/store.h"

/* Starts CFG->notify_workers threads. CFG and K must outlive them. */
hv_result deliver_start(store *st, const crypt_keys *k, const haven_config *cfg);
void deliver_stop(void);

/* Runs one claim-send-record pass of up to MAX rows on the calling thread
 * (the watchdog's way round stalled workers). Returns how many it tried. */
int deliver_pass(int max);

/* Monotonic ms of the workers' last sign of life (0: not started). */
int64_t deliver_heartbeat_ms(void);
/* Tests: 1 stops the workers making progress (their heartbeat ages). */
void deliver_stall(int on);

/* Counters for /metrics. */
typedef struct deliver_stats {
    uint64_t sent, retried, dead;
} deliver_stats;
void deliver_get_stats(deliver_stats *out);

/* The signed one-time link token of delivery ID, valid until EXP_MS. */
hv_result deliver_ack_token(const crypt_keys *k, int64_t id, int64_t exp_ms, char *out, size_t n);
/* Checks TOKEN at NOW: *ID gets its delivery. HV_ERR_INVALID if forged or
 * malformed, HV_ERR_EXPIRED if too old. */
hv_result deliver_ack_token_check(const crypt_keys *k, const char *token, int64_t now, int64_t *id);

/* Normalises a phone number to E.164 (+ and digits; a 10-digit US number
 * gets +1). HV_ERR_INVALID if it is not one. */
hv_result deliver_phone_e164(const char *in, char *out, size_t n);

#endif
