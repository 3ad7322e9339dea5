/*
 * routing.h - which agency leads a response and who is called: the written
 * rules of docs/protocol.md ("Routing") and the simple on-call lists.
 */
#ifndef HAVEN_ROUTING_H
#define HAVEN_ROUTING_H

#include <stdint.h>

#include "store/store.h"

/* The lead agency for a referral with these involvements; *RULE names the
 * rule that chose it. HV_ERR_NOTFOUND if no agency of that kind exists. */
hv_result routing_lead_agency(store_conn *c, const char *probation_involvement,
                              const char *dcfs_involvement, int64_t *agency_id, const char **rule);
/* The first active agency of KIND (0 if none). */
int64_t routing_agency_of_kind(store_conn *c, const char *kind);
/* The kind of AGENCY_ID into KIND (empty if none). */
hv_result routing_agency_kind(store_conn *c, int64_t agency_id, char *kind, size_t n);
/* Who is on call now for AGENCY_ID (0: nobody). */
int64_t routing_on_call(store_conn *c, int64_t agency_id);

#endif
