/*
 * timeline.h - the case timeline: one row per thing that happened to a
 * referral (opened, routed, acknowledged, clock warned, MDT held ...). The
 * same rows feed the live stream: a page that sees a new case event for a
 * referral re-reads it. Details hold ids, codes and times, never a youth's
 * identifiers.
 */
#ifndef HAVEN_TIMELINE_H
#define HAVEN_TIMELINE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* Appends KIND to REFERRAL_ID's timeline; DETAIL (may be NULL) is stolen. */
hv_result timeline_add(store_conn *c, int64_t referral_id, int64_t actor_user_id, const char *kind,
                       json_t *detail, int64_t at);
/* The whole timeline, oldest first, with the actor's display name. */
hv_result timeline_list(store_conn *c, int64_t referral_id, json_t **out);

#endif
