/*
 * deadline.h - the protocol's clocks (docs/protocol.md, "Clocks").
 *
 * A deadline is a row: referral, kind, owner (a user and/or agency), start,
 * due, warn time, state (running, met, missed, stopped) and the next time
 * the scheduler must look at it. deadline_fire() is the scheduler's one
 * pass: it warns the owner before the due time and, at the due time, marks
 * the clock missed and escalates to the owning agency's supervisors, all in
 * one transaction with the timeline entries and the audit. Rows in the
 * database with an index on the next firing time mean a clock that came due
 * while haven was stopped fires on the first pass after start, and a
 * million pending clocks cost disk, not memory.
 */
#ifndef HAVEN_DEADLINE_H
#define HAVEN_DEADLINE_H

#include <jansson.h>
#include <stdint.h>

#include "core/crypt.h"
#include "store/store.h"

#define MINUTE_MS (60LL * 1000)
#define HOUR_MS   (60LL * MINUTE_MS)
#define DAY_MS    (24LL * HOUR_MS)

typedef struct deadline_kind {
    const char *name;       /* "lead_response" */
    const char *label;      /* "Lead at the staging area" */
    int64_t duration_ms;    /* default due - start (0: the caller gives the due time) */
    int64_t warn_before_ms; /* warn this long before due */
} deadline_kind;

extern const deadline_kind deadline_kinds[];
const deadline_kind *deadline_kind_find(const char *name);

/* Starts clock KIND for REFERRAL_ID at START, due at DUE (0: START plus the
 * kind's duration). SUBJECT_ID ties it to a placement or meeting (0: none).
 * A running clock of the same kind and subject is replaced. */
hv_result deadline_start(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id,
                         int64_t owner_user_id, int64_t owner_agency_id, int64_t start,
                         int64_t due);
/* Meets the running or missed clock KIND (SUBJECT_ID 0: any subject) at AT.
 * *MET (may be NULL) gets how many were met. */
hv_result deadline_meet(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id,
                        int64_t at, int *met);
/* Stops running or missed clocks (KIND NULL: every kind) without meeting them. */
hv_result deadline_stop(store_conn *c, int64_t referral_id, const char *kind, int64_t at);
/* Moves the due time of a running or missed clock (an extension). */
hv_result deadline_move(store_conn *c, int64_t referral_id, const char *kind, int64_t subject_id,
                        int64_t due, int64_t now);
/* Changes the owner of running clocks of KIND. */
hv_result deadline_reassign(store_conn *c, int64_t referral_id, const char *kind,
                            int64_t owner_user_id, int64_t owner_agency_id);

/* The scheduler's pass: fires up to MAX clocks whose time has come at NOW.
 * *FIRED gets how many fired; *NEXT_AT the next firing time (0: none). */
hv_result deadline_fire(store *st, const crypt_keys *k, int64_t now, int max, int *fired,
                        int64_t *next_at);

/* REFERRAL_ID's clocks as JSON, with time left or overdue at NOW. */
hv_result deadline_list(store_conn *c, int64_t referral_id, int64_t now, json_t **out);

#endif
