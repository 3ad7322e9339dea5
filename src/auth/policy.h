/*
 * policy.h - the one answer to "may this user do this to this record?".
 *
 * Handlers never test roles themselves: they describe the principal, the
 * action, the kind of object and the user's relation to it, and ask
 * policy_check(). The rules are one readable table in policy.c (in the
 * spirit of sqlbox's per-role statement whitelist). Anything the table does
 * not allow is denied.
 */
#ifndef HAVEN_POLICY_H
#define HAVEN_POLICY_H

#include <stdint.h>

typedef enum policy_object {
    OBJ_AGENCY,
    OBJ_STATION,
    OBJ_USER,
    OBJ_AUDIT,
    OBJ_CLOCK,     /* the settable test clock */
    OBJ_CASE,      /* a referral and everything recorded on it */
    OBJ_AGGREGATE, /* de-identified figures */
    OBJ_DIRECTORY, /* the services directory */
    OBJ_BEDS,      /* the SODA/PAD bed board and capacities */
    OBJ_ARREST,    /* arrest records (by station's agency) */
    OBJ_ONCALL,    /* the on-call lists (by agency) */
    OBJ_PROGRAM,   /* the expansion and deliverables trackers */
    OBJ_SITE,      /* Safe Youth Zone sites: who staffs them */
    OBJ_LINKAGE,   /* the review queue: which youth records are one person */
    OBJ__MAX
} policy_object;

typedef enum policy_action {
    ACT_READ = 1 << 0,
    ACT_CREATE = 1 << 1,
    ACT_UPDATE = 1 << 2,
    ACT_ADMIN = 1 << 3, /* disable, reset credentials, unlock */
} policy_action;

/* Who is asking. */
typedef struct principal {
    int64_t user_id;
    int64_t agency_id;
    uint32_t roles; /* ROLE_BIT()s */
    int mfa_ok;     /* second factor done, or not required */
} principal;

/* The asker's relation to the object (zero when there is no object yet). */
typedef struct policy_ctx {
    int64_t agency_id; /* the agency the object belongs to */
    int64_t user_id;   /* for OBJ_USER: the user */
    int on_case_team;  /* for OBJ_CASE: the asker is on its team */
} policy_ctx;

/* 1 if allowed, 0 if denied. ACT is one action. CTX may be NULL when there
 * is no object yet (a list or a create): then only rules scoped to any object
 * can allow; rules scoped to the object's agency, its case team or the user
 * themself deny. To list what own-agency rules allow, ask policy_may_some()
 * and filter the list by agency. */
int policy_check(const principal *p, policy_action act, policy_object obj, const policy_ctx *ctx);
/* 1 if some rule could allow ACT on OBJ for P (for menus and list filters). */
int policy_may_some(const principal *p, policy_action act, policy_object obj);
/* 1 if P may ACT on every OBJ, whatever its agency (lists unfiltered). */
int policy_may_all(const principal *p, policy_action act, policy_object obj);

const char *policy_object_name(policy_object obj);

#endif
