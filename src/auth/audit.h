/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * Every sign-in, every denied attempt, every read and write of protected
 * records appends one entry: actor, action, object, time, request id,
 * outcome. Each entry's hash is a keyed BLAKE2b over its own fields and the
 * previous entry's hash, so editing or removing any entry breaks the chain
 * from there on; audit_verify() finds the first broken entry. Entries hold
 * ids and codes only, never personal values.
 */
#ifndef HAVEN_AUDIT_H
#define HAVEN_AUDIT_H

#include <stdint.h>

#include "core/crypt.h"
#include "store/store.h"

typedef struct audit_event {
    int64_t actor_user_id;   /* 0: nobody signed in */
    const char *actor_kind;  /* "user", "token", "system", "anonymous" (NULL: derived) */
    const char *action;      /* "session.create", "user.read", "user.update", ... */
    const char *object_type; /* "user", "agency", ... or NULL */
    int64_t object_id;       /* 0: none */
    const char *request_id;  /* or NULL */
    const char *outcome;     /* "ok", "denied", "failed" */
    const char *reason;      /* a short code ("bad_password", "locked") or NULL */
} audit_event;

/* Appends EV inside the write transaction C. */
hv_result audit_append(store_conn *c, const crypt_keys *k, const audit_event *ev);
/* Appends EV in a transaction of its own. */
hv_result audit_record(store *st, const crypt_keys *k, const audit_event *ev);

typedef struct audit_report {
    int64_t entries; /* entries checked */
    int64_t bad_id;  /* first entry that does not verify (0: all good) */
    char why[160];   /* what is wrong with it */
} audit_report;

/* Walks the whole chain. HV_OK if intact; HV_ERR_TAMPER with REP filled in
 * if not. */
hv_result audit_verify(store *st, const crypt_keys *k, audit_report *rep);

#endif
