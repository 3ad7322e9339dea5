/*
 * contact.h - how haven reaches a person: contact methods (email, SMS,
 * webhook) and notification rules (which method, after how many minutes).
 *
 * Targets (addresses, phone numbers, URLs) are personal data: encrypted in
 * the database, phone numbers also kept as a keyed hash so an SMS reply
 * finds its sender. A method is used only once verified: a six-digit code
 * goes out through it and must come back within 15 minutes, in at most five
 * tries. A webhook gets a signing secret, shown once.
 */
#ifndef HAVEN_CONTACT_H
#define HAVEN_CONTACT_H

#include <jansson.h>
#include <stdint.h>

#include "core/crypt.h"
#include "core/err.h"
#include "store/store.h"

/* Adds a method for USER_ID and sends its code. *SECRET (webhooks; may be
 * NULL) gets the signing secret, malloc'd, to show once. */
hv_result contact_add(store_conn *c, const crypt_keys *k, int64_t user_id, const char *kind,
                      const char *target, const char *label, int64_t now, int64_t *id,
                      char **secret, hv_err *e);
/* Checks CODE for USER_ID's method ID. */
hv_result contact_verify(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id,
                         const char *code, int64_t now, hv_err *e);
/* Sends a new code. */
hv_result contact_resend(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id,
                         int64_t now, hv_err *e);
hv_result contact_remove(store_conn *c, int64_t user_id, int64_t id, int64_t now);
/* USER_ID's methods (ID 0) or one (ID), targets decrypted for their owner. */
hv_result contact_list(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id,
                       json_t **out);
/* The user and method of a phone number (E.164), for SMS replies. */
hv_result contact_by_phone(store_conn *c, const crypt_keys *k, const char *e164, int64_t *user_id,
                           int64_t *contact_id);

hv_result contact_rule_add(store_conn *c, int64_t user_id, int64_t contact_id, int64_t delay,
                           int64_t now, int64_t *id, hv_err *e);
hv_result contact_rule_remove(store_conn *c, int64_t user_id, int64_t id);
hv_result contact_rules(store_conn *c, int64_t user_id, json_t **out);

#endif
