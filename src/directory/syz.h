/*
 * syz.h - Safe Youth Zones: directory locations (syz = 1) where a youth can
 * ask for help, the staff linked to each site (role site_staff, table
 * syz_staff), and a referral started from a site with the site as its
 * staging area (referral.staging_site_id).
 *
 * The caller holds the transaction. Nothing here logs an address.
 */
#ifndef HAVEN_SYZ_H
#define HAVEN_SYZ_H

#include <jansson.h>
#include <stdint.h>

#include "auth/policy.h"
#include "core/err.h"
#include "store/store.h"

/* The sites: every Safe Youth Zone location (USER_ID 0), or those USER_ID
 * is linked to. Each {id, hsds_id, name, organization, address_1,
 * address_2, city, state_province, postal_code, latitude, longitude,
 * staging_address, contact, agency_id, service_id (a service offered
 * there, for its editor page), staff:[{id, username, display_name}]}
 * (staff only for the full list). */
hv_result syz_sites(store_conn *c, int64_t user_id, json_t **out);

/* Flags location ID as a Safe Youth Zone (SYZ 1) or not, with its staff
 * contact (a phone or desk, may be NULL) and the agency running it (0:
 * none); recorded in dir_change (entity "location", action "syz"). */
hv_result syz_flag(store_conn *c, int64_t id, int syz, const char *contact, int64_t agency_id,
                   int64_t by_user, hv_err *e);

/* Links USER_ID (who must hold the role site_staff) to site ID, or
 * unlinks. HV_ERR_NOTFOUND when there is no such site or link. */
hv_result syz_link(store_conn *c, int64_t id, int64_t user_id, int64_t by_user, hv_err *e);
hv_result syz_unlink(store_conn *c, int64_t id, int64_t user_id, hv_err *e);

/* Intake's hook: when VALS (a parsed referral) names staging_site_id, the
 * site must be a Safe Youth Zone and P linked to it (or P one who sees
 * every referral, the hotline); its address and coordinates become the
 * staging area. Nothing to do without staging_site_id. */
hv_result syz_staging(store_conn *c, const principal *p, json_t *vals, hv_err *e);

/* The demo: links USER_ID to the demo's own Safe Youth Zone (a synthetic
 * fire station, imported and flagged when absent). */
hv_result syz_demo(store_conn *c, int64_t user_id, int64_t agency_id, hv_err *e);

#endif
