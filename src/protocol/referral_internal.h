/* referral_internal.h - helpers shared by referral.c, referral_records.c and
 * referral_view.c; not for other modules. */
#ifndef HAVEN_REFERRAL_INTERNAL_H
#define HAVEN_REFERRAL_INTERNAL_H

#include "protocol/referral.h"

/* A member of a validated input object (NULL / 0 when absent). */
static inline const char *
jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static inline int64_t
jint(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

hv_result referral_bump(store_conn *c, int64_t id, int64_t now);
hv_result referral_add_member(store_conn *c, int64_t id, int64_t user_id, const char *case_role,
                              int64_t now);
/* *YES = 1 if USER_ID is on the team of referral ID as CASE_ROLE now. */
hv_result referral_is_member(store_conn *c, int64_t id, int64_t user_id, const char *case_role,
                             int *yes);
/* The key for blind indexes and decrypting the board's staging areas. */
const crypt_keys *referral_keys(void);
int referral_on_team(store_conn *c, int64_t referral_id, int64_t user_id);
json_t *referral_allowed_events(store_conn *c, const principal *p, const referral_row *rr);

#endif
