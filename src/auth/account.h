/*
 * account.h - who works in haven: agencies, their stations, and users with
 * their roles. The record descriptors live here; record.c does the generic
 * work, this module adds what is particular to users (roles, passwords,
 * lockout state).
 */
#ifndef HAVEN_ACCOUNT_H
#define HAVEN_ACCOUNT_H

#include <jansson.h>

#include "auth/policy.h"
#include "model/record.h"

extern const record_desc account_agency_desc;
extern const record_desc account_station_desc;
extern const record_desc account_user_desc;

/* Creates a user from validated VALS (record_parse of account_user_desc in
 * REC_CREATE mode, which includes "password" and "roles"). */
hv_result account_user_create(store_conn *c, json_t *vals, int64_t *id, hv_err *e);
/* Applies validated changes (display name, email, agency, roles, disabled). */
hv_result account_user_update(store_conn *c, int64_t id, json_t *vals, hv_err *e);
/* Checks the policy for PW and stores its hash; clears lockout. */
hv_result account_user_set_password(store_conn *c, int64_t id, const char *pw, hv_err *e);
/* Clears failed sign-ins and lockout. */
hv_result account_user_unlock(store_conn *c, int64_t id);
/* Removes the second factor (the user enrols again). */
hv_result account_user_reset_totp(store_conn *c, int64_t id);
/* The user as the API shows it (no secrets), with roles. */
hv_result account_user_get(store_conn *c, int64_t id, json_t **out);
/* Users, optionally of one agency (AGENCY_ID > 0) and matching Q. */
hv_result account_user_list(store_conn *c, int64_t agency_id, const char *q, json_t **out);
hv_result account_user_find(store_conn *c, const char *username, int64_t *id);
/* The agency a user belongs to (for policy contexts). */
hv_result account_user_agency(store_conn *c, int64_t id, int64_t *agency_id);
/* Role bits of a user. */
hv_result account_user_roles(store_conn *c, int64_t id, uint32_t *roles);
/* 1 if NAME is an acceptable user name (3..64 of a-z 0-9 . _ -). */
int account_username_valid(const char *name);

#endif
