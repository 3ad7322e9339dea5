/*
 * outbox.h - notifications, written in the same transaction as the change
 * that causes them (the transactional outbox).
 *
 * A notification is addressed to one user, tied to a referral, and carries
 * a kind, a priority and a message that names the referral number, the
 * staging area's existence and the time due, never the youth. In-app
 * delivery is reading the row (the task list, the live stream); email, SMS
 * and webhooks are delivery rows beside it that the workers in deliver.c
 * drain.
 */
#ifndef HAVEN_OUTBOX_H
#define HAVEN_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

typedef enum notify_priority { NP_NORMAL, NP_HIGH, NP_URGENT } notify_priority;

/* One notification: to a user, about a referral and/or an alert. */
typedef struct outbox_msg {
    int64_t user_id;
    int64_t referral_id; /* 0: none */
    int64_t alert_id;    /* 0: none */
    const char *kind;
    notify_priority pr;
    const char *message;
    int in_app_only; /* 1: no email, SMS or webhook */
} outbox_msg;

/* Queues M inside transaction C: the in-app row and, by the user's
 * notification rules (none: every verified contact method at once), a
 * delivery per contact method (SMS only for high and urgent ones). *ID (may
 * be NULL) gets the notification's id. */
hv_result outbox_send(store_conn *c, const outbox_msg *m, int64_t now, int64_t *id);
/* Cancels the deliveries of ALERT_ID's notifications not tried yet. */
hv_result outbox_cancel_alert(store_conn *c, int64_t alert_id, int64_t now);

/* Queues one notification to USER_ID inside transaction C. */
hv_result outbox_to_user(store_conn *c, int64_t user_id, int64_t referral_id, const char *kind,
                         notify_priority pr, const char *message, int64_t now);
/* Queues one to every active user of AGENCY_ID holding role ROLE_NAME;
 * *SENT (may be NULL) gets how many. */
hv_result outbox_to_role(store_conn *c, int64_t agency_id, const char *role_name,
                         int64_t referral_id, const char *kind, notify_priority pr,
                         const char *message, int64_t now, int *sent);

/* USER_ID's notifications newer than AFTER_ID (0: the newest LIMIT), newest
 * first, as a JSON array. UNREAD_ONLY limits to unread ones. */
hv_result outbox_list(store_conn *c, int64_t user_id, int64_t after_id, int unread_only, int limit,
                      json_t **out);
/* Marks one of USER_ID's notifications read; HV_ERR_NOTFOUND if not theirs. */
hv_result outbox_mark_read(store_conn *c, int64_t user_id, int64_t id, int64_t now);

const char *outbox_priority_name(notify_priority pr);

#endif
