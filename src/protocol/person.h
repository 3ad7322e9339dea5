/*
 * person.h - which youth records are one person: the review queue of
 * uncertain pairs, merge and unmerge (issue #7; docs/linkage.md "In haven").
 *
 * A youth's person is youth.person_id, or the youth itself when NULL. A
 * merge moves every youth of one person to another, remembering each one's
 * previous person_id (link_merge_member), and deletes nothing: every youth
 * record and referral stays. An unmerge puts back exactly those values.
 * Both refresh the outcomes rollup of every referral concerned, so the
 * dashboard's unique individuals follow. Every function runs inside the
 * caller's write transaction; the caller audits.
 */
#ifndef HAVEN_PERSON_H
#define HAVEN_PERSON_H

#include <jansson.h>
#include <stdint.h>

#include "auth/policy.h"
#include "core/err.h"
#include "store/store.h"

/* The review decisions. */
#define PERSON_SAME      "same"
#define PERSON_DIFFERENT "different"
#define PERSON_UNSURE    "unsure"

/* Pairs with STATUS ("pending", "unsure", "same", "different", "unmerged"),
 * most probable first, each with both youth side by side as P may see them. */
hv_result person_queue(store_conn *c, const principal *p, const char *status, json_t **out);
/* One pair, side by side. HV_ERR_NOTFOUND if there is none. */
hv_result person_pair(store_conn *c, const principal *p, int64_t pair_id, json_t **out);

/* Records a reviewer's DECISION on PAIR_ID (same: merges the two persons;
 * *MERGE_ID the merge). REASON may be NULL. HV_ERR_CONFLICT when the pair
 * is decided already. */
hv_result person_decide(store_conn *c, const principal *p, int64_t pair_id, const char *decision,
                        const char *reason, int64_t now, int64_t *merge_id, hv_err *e);
/* Merges the person of youth B into the person of youth A (BY: the user, 0
 * for the batch's automatic links). */
hv_result person_merge(store_conn *c, int64_t pair_id, int64_t a, int64_t b, int64_t by,
                       const char *reason, int64_t now, int64_t *merge_id, hv_err *e);
/* Undoes merge MERGE_ID: every youth it moved gets its previous person
 * back. HV_ERR_CONFLICT when it was undone, or when a later merge moved
 * those youth again (undo that one first). */
hv_result person_unmerge(store_conn *c, const principal *p, int64_t merge_id, const char *reason,
                         int64_t now, hv_err *e);

/* The other youth records of YOUTH_ID's person ("also known as"), with the
 * merges that joined them (undoable by reviewers), for the case page. */
hv_result person_linked(store_conn *c, const principal *p, int64_t youth_id, json_t **out);

/* YOUTH's referrals P may see ({id, number, date}, newest first) into
 * *ITEMS, and in *HIDDEN how many others it has. */
hv_result person_referrals(store_conn *c, const principal *p, int64_t youth, json_t **items,
                           int *hidden);

/* The batch over all known youth: queues every pair the start-up
 * deduplication found at or above review (suggest.h), and merges those at
 * or above the automatic link threshold when AUTO. */
hv_result person_scan(store_conn *c, int auto_link, int64_t now, int64_t *queued, int64_t *merged);

#endif
