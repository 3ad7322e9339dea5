/*
 * referral_view.c - the case as the API shows it, the dispatch board, and
 * exact youth matches (see referral.h). Health details are blanked for
 * those the consents do not cover; nothing here writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "core/clock.h"
#include "model/record.h"
#include "protocol/deadline.h"
#include "protocol/model.h"
#include "protocol/referral_internal.h"
#include "protocol/timeline.h"

static hv_result
list_of(store_conn *c, const record_desc *d, int64_t referral_id, json_t **out)
{
    store_val a[] = {SV_INTV(referral_id)};
    return record_list(c, d, "referral_id = ?", a, 1, NULL, 1000, out);
}

static hv_result
team_row(void *ctx, const store_row *row)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "user_id", (json_int_t)store_row_int(row, 0),
                          "display_name", store_row_text(row, 1), "agency_name",
                          store_row_text(row, 2), "case_role", store_row_text(row, 3));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

static hv_result
status_row(void *ctx, const store_row *row)
{
    char at[40];
    clock_format_iso(store_row_int(row, 2), at, sizeof at);
    json_t *o = json_pack("{s:s, s:s, s:s}", "kind", store_row_text(row, 0), "status",
                          store_row_text(row, 1), "at", at);
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

hv_result
referral_case_json(store_conn *c, const principal *p, int64_t id, int64_t now, json_t **out)
{
    referral_row rr;
    hv_result r = referral_load(c, id, &rr);
    if (r != HV_OK)
        return r;
    int health = referral_health_visible(c, p, &rr);
    json_t *ref = NULL, *youth = NULL, *team = json_array(), *clocks = NULL, *mdt = NULL,
           *consents = NULL, *appts = NULL, *places = NULL, *contacts = NULL, *detentions = NULL,
           *statuses = json_array(), *timeline = NULL;
    store_val a[] = {SV_INTV(id)};
    if ((r = record_get(c, &referral_desc, id, &ref)) == HV_OK &&
        (r = record_get(c, &youth_desc, rr.youth_id, &youth)) == HV_OK &&
        (r = store_query(c,
                         "SELECT u.id, u.display_name, a.name, m.case_role FROM case_member m "
                         "JOIN app_user u ON u.id = m.user_id JOIN agency a ON a.id = u.agency_id "
                         "WHERE m.referral_id = ? AND m.removed_at IS NULL ORDER BY m.id",
                         a, 1, team_row, team)) == HV_OK &&
        (r = deadline_list(c, id, now, &clocks)) == HV_OK &&
        (r = list_of(c, &mdt_desc, id, &mdt)) == HV_OK &&
        (r = list_of(c, &consent_desc, id, &consents)) == HV_OK &&
        (r = list_of(c, &appointment_desc, id, &appts)) == HV_OK &&
        (r = list_of(c, &placement_desc, id, &places)) == HV_OK &&
        (r = list_of(c, &contact_desc, id, &contacts)) == HV_OK &&
        (r = list_of(c, &detention_desc, id, &detentions)) == HV_OK &&
        (r = store_query(c,
                         "SELECT kind, status, at FROM status_history WHERE referral_id = ? "
                         "ORDER BY id",
                         a, 1, status_row, statuses)) == HV_OK)
        r = timeline_list(c, id, &timeline);
    if (r != HV_OK) {
        json_decref(ref), json_decref(youth), json_decref(team), json_decref(clocks);
        json_decref(mdt), json_decref(consents), json_decref(appts), json_decref(places);
        json_decref(contacts), json_decref(detentions), json_decref(statuses);
        return r;
    }
    if (!health) {
        record_redact(&referral_desc, ref, F_HEALTH);
        size_t i;
        json_t *ap;
        json_array_foreach(appts, i, ap) record_redact(&appointment_desc, ap, F_HEALTH);
    }
    char nowiso[40];
    clock_format_iso(now, nowiso, sizeof nowiso);
    /* may P record on the case at all (pages offer forms only then) */
    policy_ctx ctx = {0};
    int can_update = referral_policy_ctx(c, p, &rr, &ctx) == HV_OK &&
                     policy_check(p, ACT_UPDATE, OBJ_CASE, &ctx);
    *out = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o}", "now",
        nowiso, "referral", ref, "youth", youth, "team", team, "clocks", clocks, "mdt", mdt,
        "consents", consents, "appointments", appts, "placements", places, "contacts", contacts,
        "detentions", detentions, "statuses", statuses, "timeline", timeline, "health_visible",
        health, "can_update", can_update, "allowed_events", referral_allowed_events(c, p, &rr));
    return *out ? HV_OK : HV_ERR_NOMEM;
}

/* ---- the board ------------------------------------------------------------------- */

typedef struct board_ctx {
    json_t *items;
    json_t *by_id; /* "id" -> item, to attach clocks */
    int64_t now;
} board_ctx;

static json_t *
person(const store_row *row, int idcol, int namecol)
{
    if (store_row_isnull(row, idcol))
        return json_null();
    return json_pack("{s:I, s:s}", "id", (json_int_t)store_row_int(row, idcol), "display_name",
                     store_row_text(row, namecol));
}

static hv_result
board_row(void *ctx, const store_row *row)
{
    board_ctx *bc = ctx;
    int64_t id = store_row_int(row, 0);
    /* the staging area is a direct identifier of place: decrypted for the board */
    json_t *staging = json_null();
    size_t len;
    const void *ct = store_row_blob(row, 7, &len);
    if (ct && referral_keys()) {
        uint8_t *pt = NULL;
        size_t ptlen;
        if (crypt_decrypt(referral_keys(), "referral.staging_address", ct, len, &pt, &ptlen) ==
            HV_OK)
            staging = json_stringn((const char *)pt, ptlen);
        free(pt);
    }
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:s, s:{s:I, s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:[]}",
        "id", (json_int_t)id, "number", store_row_text(row, 1), "state", store_row_text(row, 2),
        "created_at", record_time_col(row, 3), "encountered_at", record_time_col(row, 4),
        "identified_how", store_row_text(row, 5), "lead_agency", "id",
        (json_int_t)store_row_int(row, 6), "name", store_row_text(row, 8), "station",
        store_row_isnull(row, 9) ? json_null()
                                 : json_pack("{s:I, s:s}", "id", (json_int_t)store_row_int(row, 9),
                                             "name", store_row_text(row, 10)),
        "staging_address", staging, "lead", person(row, 11, 12), "advocate", person(row, 13, 14),
        "acknowledged_at", record_time_col(row, 15), "lead_arrived_at", record_time_col(row, 16),
        "advocate_arrived_at", record_time_col(row, 17), "clocks");
    if (!o)
        return HV_ERR_NOMEM;
    /* the Safe Youth Zone site the referral was started from */
    json_object_set_new(o, "site",
                        store_row_isnull(row, 18)
                            ? json_null()
                            : json_pack("{s:I, s:s?}", "id", (json_int_t)store_row_int(row, 18),
                                        "name", store_row_text(row, 19)));
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_object_set(bc->by_id, key, o);
    json_array_append_new(bc->items, o);
    return HV_OK;
}

static hv_result
board_clock(void *ctx, const store_row *row)
{
    board_ctx *bc = ctx;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)store_row_int(row, 0));
    json_t *item = json_object_get(bc->by_id, key);
    if (!item)
        return HV_OK;
    const char *kind = store_row_text(row, 1);
    const deadline_kind *k = deadline_kind_find(kind);
    int64_t due = store_row_int(row, 2);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "kind", kind, "label", k ? k->label : kind,
                  "state", store_row_text(row, 3), "due_at", record_time_col(row, 2), "ms_left",
                  (json_int_t)(due - bc->now), "overdue", bc->now >= due);
    if (o)
        json_array_append_new(json_object_get(item, "clocks"), o);
    return HV_OK;
}

/* The SQL condition for "referrals P may see" and its arguments. */
static int
visibility(const principal *p, char *where, size_t n, store_val *args, int *nargs)
{
    *nargs = 0;
    if (HAS_ROLE(p, HOTLINE_WORKER)) {
        snprintf(where, n, "1 = 1");
        return 1;
    }
    int parts = 0;
    size_t len = 0;
    len += (size_t)snprintf(where + len, n - len, "(");
    if (HAS_ROLE(p, SUPERVISOR)) {
        len += (size_t)snprintf(where + len, n - len,
                                "r.lead_agency_id = ? OR r.advocacy_agency_id = ? OR "
                                "r.identifying_agency_id = ?");
        args[(*nargs)++] = SV_INTV(p->agency_id);
        args[(*nargs)++] = SV_INTV(p->agency_id);
        args[(*nargs)++] = SV_INTV(p->agency_id);
        parts++;
    }
    if (p->roles &
        (ROLE_BIT(ROLE_RESPONDER) | ROLE_BIT(ROLE_ADVOCATE) | ROLE_BIT(ROLE_CLINICIAN) |
         ROLE_BIT(ROLE_OFFICER) | ROLE_BIT(ROLE_SITE_STAFF) | ROLE_BIT(ROLE_SUPERVISOR))) {
        len += (size_t)snprintf(where + len, n - len,
                                "%sr.id IN (SELECT referral_id FROM case_member WHERE user_id = ? "
                                "AND removed_at IS NULL)",
                                parts ? " OR " : "");
        args[(*nargs)++] = SV_INTV(p->user_id);
        parts++;
    }
    snprintf(where + len, n - len, ")");
    return parts > 0;
}

hv_result
referral_board(store_conn *c, const principal *p, int open_only, int mine, const char *state,
               int64_t now, json_t **out)
{
    char where[512], sql[2048];
    store_val args[8];
    int nargs = 0;
    board_ctx bc = {json_array(), json_object(), now};
    if (!visibility(p, where, sizeof where, args, &nargs)) {
        json_decref(bc.by_id);
        *out = bc.items;
        return HV_OK;
    }
    char extra[256] = "";
    if (mine) {
        snprintf(extra, sizeof extra, " AND (r.lead_user_id = ? OR r.advocate_user_id = ?)");
        args[nargs++] = SV_INTV(p->user_id);
        args[nargs++] = SV_INTV(p->user_id);
    }
    if (state) {
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, " AND r.state = ?");
        args[nargs++] = SV_TEXTV(state);
    }
    snprintf(sql, sizeof sql,
             "SELECT r.id, r.number, r.state, r.created_at, r.encountered_at, r.identified_how, "
             "r.lead_agency_id, r.staging_address, la.name, r.station_id, s.name, r.lead_user_id, "
             "lu.display_name, r.advocate_user_id, au.display_name, r.acknowledged_at, "
             "r.lead_arrived_at, r.advocate_arrived_at, r.staging_site_id, sl.name FROM referral r "
             "JOIN agency la ON la.id = r.lead_agency_id LEFT JOIN dir_location sl ON sl.id = "
             "r.staging_site_id LEFT JOIN station s ON s.id = r.station_id LEFT JOIN app_user lu "
             "ON lu.id = r.lead_user_id LEFT JOIN app_user au ON au.id = r.advocate_user_id WHERE "
             "%s%s%s ORDER BY r.id DESC LIMIT 500",
             where, open_only ? " AND r.state <> 'closed'" : "", extra);
    hv_result r = store_query(c, sql, args, nargs, board_row, &bc);
    if (r == HV_OK && json_array_size(bc.items) > 0) {
        /* the running clocks of those referrals, in one pass */
        json_t *last = json_array_get(bc.items, json_array_size(bc.items) - 1);
        store_val b[] = {SV_INTV(json_integer_value(json_object_get(last, "id")))};
        r = store_query(c,
                        "SELECT referral_id, kind, due_at, state FROM deadline WHERE referral_id "
                        ">= ? AND state IN ('running', 'missed') ORDER BY due_at",
                        b, 1, board_clock, &bc);
    }
    json_decref(bc.by_id);
    if (r != HV_OK) {
        json_decref(bc.items);
        return r;
    }
    *out = bc.items;
    return HV_OK;
}

/* ---- exact matches ------------------------------------------------------------------ */

static hv_result
match_row(void *ctx, const store_row *row)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:o, s:o, s:o}", "youth_id", (json_int_t)store_row_int(row, 0),
        "referral_count", (json_int_t)store_row_int(row, 1), "last_referral_number",
        store_row_text(row, 2) ? json_string(store_row_text(row, 2)) : json_null(), "estimated_age",
        store_row_isnull(row, 3) ? json_null() : json_integer(store_row_int(row, 3)), "gender",
        store_row_text(row, 4) ? json_string(store_row_text(row, 4)) : json_null());
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

hv_result
referral_youth_matches(store_conn *c, const char *first, const char *last, const char *dob,
                       json_t **out)
{
    *out = json_array();
    if (!referral_keys() || ((!first || !*first) && (!last || !*last)))
        return HV_OK;
    uint8_t nk[CRYPT_INDEX_BYTES], dk[CRYPT_INDEX_BYTES];
    char name[200];
    snprintf(name, sizeof name, "%s %s", first ? first : "", last ? last : "");
    if (crypt_blind_index(referral_keys(), "youth.name", name, nk) != HV_OK)
        return HV_ERR_CRYPTO;
    int with_dob = dob && *dob;
    if (with_dob && crypt_blind_index(referral_keys(), "youth.dob", dob, dk) != HV_OK)
        return HV_ERR_CRYPTO;
    store_val a[] = {SV_BLOBV(nk, sizeof nk), with_dob ? SV_BLOBV(dk, sizeof dk) : SV_NULLV,
                     with_dob ? SV_BLOBV(dk, sizeof dk) : SV_NULLV};
    return store_query(c,
                       "SELECT y.id, (SELECT COUNT(*) FROM referral r WHERE r.youth_id = y.id), "
                       "(SELECT number FROM referral r WHERE r.youth_id = y.id ORDER BY r.id DESC "
                       "LIMIT 1), y.estimated_age, y.gender FROM youth y WHERE y.name_key = ? AND "
                       "(? IS NULL OR y.dob_key = ?) ORDER BY y.id DESC LIMIT 20",
                       a, 3, match_row, *out);
}

/* ---- team candidates ----------------------------------------------------------- */

static hv_result
candidate_row(void *ctx, const store_row *row)
{
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s?}", "id",
                                         (json_int_t)store_row_int(row, 0), "display_name",
                                         store_row_text(row, 1), "agency", store_row_text(row, 2)));
    return HV_OK;
}

hv_result
referral_team_candidates(store_conn *c, const char *case_role, json_t **out)
{
    json_t *items = json_array();
    int any = strcmp(case_role, "member") == 0;
    store_val a[] = {SV_INTV(any), SV_TEXTV(case_role)};
    hv_result r = store_query(c,
                              "SELECT u.id, u.display_name, a.name FROM app_user u LEFT JOIN "
                              "agency a ON a.id = u.agency_id WHERE u.disabled = 0 AND (? = 1 OR "
                              "EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = u.id AND "
                              "ur.role = ?)) ORDER BY u.display_name LIMIT 500",
                              a, 2, candidate_row, items);
    if (r != HV_OK) {
        json_decref(items);
        return r;
    }
    *out = items;
    return HV_OK;
}
