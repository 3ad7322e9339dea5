/*
 * alert.h - alerts and their escalation (docs/notifications.md).
 *
 * An alert is something a person must take on: a referral assigned to an
 * agency, a clock near due, a clock missed, a message that could not be
 * delivered, haven itself stalling. It belongs to an agency and follows
 * that agency's escalation policy for its kind: ordered steps, each naming
 * targets (the alert's owner, whoever is on call, the backup, every holder
 * of a role, a named person) and how long to wait before the next step,
 * the whole repeated a number of rounds. Acknowledgement stops it; an
 * acknowledged alert whose clock still runs comes back before the clock is
 * due (the acknowledgement timeout); meeting or stopping the clock
 * resolves it. Each step writes notifications through the outbox in the
 * caller's transaction, so an alert and its messages commit together.
 *
 * The scheduler's pass (alert_fire) runs the steps whose time has come.
 */
#ifndef HAVEN_ALERT_H
#define HAVEN_ALERT_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "notify/outbox.h"
#include "store/store.h"

typedef struct alert_spec {
    int64_t referral_id;   /* 0: none (a system alert) */
    int64_t agency_id;     /* whose policy, rotations and roles */
    int64_t deadline_id;   /* the clock it watches (0: none) */
    int64_t owner_user_id; /* the person it is for first (0: nobody) */
    const char *kind;      /* referral.assigned, clock.warning, clock.missed, ... */
    notify_priority pr;
    const char *message; /* no personal data: numbers, labels, times */
    const char *dedup;   /* an alert with this key is opened once (NULL: no key) */
} alert_spec;

/* Opens an alert and runs its first step at NOW. *ID (may be NULL) gets its
 * id; *OTHERS (may be NULL) how many people other than the owner the first
 * step told. An alert whose dedup key exists already is left alone (*ID
 * gets the existing one, *OTHERS 0). */
hv_result alert_open(store_conn *c, const alert_spec *s, int64_t now, int64_t *id, int *others);

/* USER_ID acknowledges alert ID VIA ("app", "link", "sms"). HV_ERR_NOTFOUND
 * for no such alert, HV_ERR_CONFLICT when it is resolved already (an alert
 * acknowledged already is acknowledged again: the reminder time restarts). */
hv_result alert_ack(store_conn *c, int64_t id, int64_t user_id, const char *via, int64_t now);
/* Acknowledges REFERRAL_ID's open alerts of KIND for AGENCY_ID (a referral
 * acknowledged in the app acknowledges its assignment alert). */
hv_result alert_ack_referral(store_conn *c, int64_t referral_id, const char *kind,
                             int64_t agency_id, int64_t user_id, int64_t now);
/* Resolves the alerts that watch REFERRAL_ID's clocks that are no longer
 * running (met or stopped), and KIND's (NULL: none) whatever their clock. */
hv_result alert_resolve_clocks(store_conn *c, int64_t referral_id, const char *kind,
                               const char *reason, int64_t now);
/* Resolves the open alerts of KIND (NULL: any) that watch clock DEADLINE_ID. */
hv_result alert_resolve_deadline(store_conn *c, int64_t deadline_id, const char *kind,
                                 const char *reason, int64_t now);
/* Moves alert ID to its next step at once (a message to it was dead-lettered). */
hv_result alert_escalate_now(store_conn *c, int64_t id, int64_t now);

/* Who to tell that a step is due at AT (the scheduler sets it). */
void alert_set_waker(void (*due_at)(int64_t at));

/* The scheduler's pass: runs up to MAX alert steps and reminders due at
 * NOW in one transaction. *FIRED gets how many; *NEXT_AT the next time one
 * is due (0: none). */
hv_result alert_fire(store *st, int64_t now, int max, int *fired, int64_t *next_at);

/* Up to 200 alerts, newest first: those that notified USER_ID, and every
 * agency's (EVERY_AGENCY) or AGENCY_ID's (0: none); resolved ones only with
 * ALL_STATES. */
hv_result alert_list(store_conn *c, int64_t user_id, int all_states, int every_agency,
                     int64_t agency_id, json_t **out);
/* One alert as JSON with its notifications and their deliveries. */
hv_result alert_get(store_conn *c, int64_t id, json_t **out);
/* The agency of alert ID and the users it has notified (for the policy):
 * *AGENCY_ID, and *NOTIFIED 1 if USER_ID got one of its notifications. */
hv_result alert_access(store_conn *c, int64_t id, int64_t user_id, int64_t *agency_id,
                       int *notified);

/* ---- escalation policies ---------------------------------------------------- */

/* The kinds a policy may be written for, NULL-terminated ("*" is any). */
extern const char *const alert_kinds[];
/* Checks a policy body {name, kind, repeat, ack_timeout_minutes, steps:[{delay_minutes,
 * targets:[{type, role?, user_id?}]}]}; E names the offending field. */
hv_result alert_policy_check(const json_t *body, hv_err *e);
/* The policy AGENCY_ID uses for KIND: its own, its "*" one, or the
 * built-in default (then "id" is null). */
hv_result alert_policy_effective(store_conn *c, int64_t agency_id, const char *kind, json_t **out);

#endif
