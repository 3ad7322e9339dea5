/* syz.c - Safe Youth Zones: sites, their staff, referrals from a site (see syz.h). */
#include "directory/syz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/roles.h"
#include "core/clock.h"
#include "directory/hsds.h"

static json_t *
text_or_null(const store_row *row, int col)
{
    const char *s = store_row_text(row, col);
    return s ? json_string(s) : json_null();
}

/* "Name, 1 Main St, Suite 2, City, CA 90001": the parts there are. */
static void
site_address(const char *const parts[6], char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < 6; i++) {
        if (!parts[i] || !*parts[i])
            continue;
        /* the postal code follows the state with a space */
        const char *sep = n == 0 ? "" : i == 5 && parts[4] && *parts[4] ? " " : ", ";
        int m = snprintf(out + n, size - n, "%s%s", sep, parts[i]);
        if (m < 0 || (size_t)m >= size - n)
            break;
        n += (size_t)m;
    }
}

#define SITE_COLS                                                                                  \
    "l.id, l.hsds_id, l.name, o.name, l.address_1, l.address_2, l.city, l.state_province, "        \
    "l.postal_code, l.lat_e6, l.lon_e6, l.syz_contact, l.syz_agency_id, (SELECT "                  \
    "MIN(sal.service_id) FROM dir_service_at_location sal WHERE sal.location_id = l.id)"

static hv_result
site_row(void *ctx, const store_row *row)
{
    const char *parts[6] = {store_row_text(row, 2), store_row_text(row, 4), store_row_text(row, 5),
                            store_row_text(row, 6), store_row_text(row, 7), store_row_text(row, 8)};
    char addr[400];
    site_address(parts, addr, sizeof addr);
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:[]}", "id",
        (json_int_t)store_row_int(row, 0), "hsds_id", store_row_text(row, 1), "name",
        text_or_null(row, 2), "organization", text_or_null(row, 3), "address_1",
        text_or_null(row, 4), "address_2", text_or_null(row, 5), "city", text_or_null(row, 6),
        "state_province", text_or_null(row, 7), "postal_code", text_or_null(row, 8), "latitude",
        store_row_isnull(row, 9) ? json_null() : json_real((double)store_row_int(row, 9) / 1e6),
        "longitude",
        store_row_isnull(row, 10) ? json_null() : json_real((double)store_row_int(row, 10) / 1e6),
        "staging_address", addr, "contact", text_or_null(row, 11), "agency_id",
        store_row_isnull(row, 12) ? json_null() : json_integer(store_row_int(row, 12)), "staff");
    if (o)
        json_object_set_new(o, "service_id",
                            store_row_isnull(row, 13) ? json_null()
                                                      : json_integer(store_row_int(row, 13)));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

static hv_result
staff_row(void *ctx, const store_row *row)
{
    size_t i;
    json_t *s;
    json_array_foreach((json_t *)ctx, i, s)
    {
        if (json_integer_value(json_object_get(s, "id")) == store_row_int(row, 0))
            json_array_append_new(
                json_object_get(s, "staff"),
                json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_row_int(row, 1), "username",
                          store_row_text(row, 2), "display_name", store_row_text(row, 3)));
    }
    return HV_OK;
}

hv_result
syz_sites(store_conn *c, int64_t user_id, json_t **out)
{
    *out = json_array();
    if (!*out)
        return HV_ERR_NOMEM;
    hv_result r;
    if (user_id) {
        store_val a[] = {SV_INTV(user_id)};
        r = store_query(c,
                        "SELECT " SITE_COLS " FROM syz_staff ss JOIN dir_location l ON l.id = "
                        "ss.location_id LEFT JOIN dir_organization o ON o.id = l.organization_id "
                        "WHERE ss.user_id = ? AND l.syz = 1 ORDER BY l.name, l.id",
                        a, 1, site_row, *out);
    } else {
        r = store_query(c,
                        "SELECT " SITE_COLS " FROM dir_location l LEFT JOIN dir_organization o ON "
                        "o.id = l.organization_id WHERE l.syz = 1 ORDER BY l.name, l.id LIMIT 2000",
                        NULL, 0, site_row, *out);
        if (r == HV_OK)
            r = store_query(c,
                            "SELECT ss.location_id, u.id, u.username, u.display_name FROM "
                            "syz_staff ss JOIN app_user u ON u.id = ss.user_id ORDER BY "
                            "u.display_name",
                            NULL, 0, staff_row, *out);
    }
    if (r != HV_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return r;
}

static hv_result
flag_row(void *ctx, const store_row *row)
{
    *(json_t **)ctx = json_pack(
        "{s:b, s:o, s:o}", "syz", store_row_int(row, 0) != 0, "contact", text_or_null(row, 1),
        "agency_id", store_row_isnull(row, 2) ? json_null() : json_integer(store_row_int(row, 2)));
    return *(json_t **)ctx ? HV_OK : HV_ERR_NOMEM;
}

hv_result
syz_flag(store_conn *c, int64_t id, int syz, const char *contact, int64_t agency_id,
         int64_t by_user, hv_err *e)
{
    int64_t now = clock_now_ms();
    json_t *before = NULL;
    store_val a[] = {SV_INTV(id)};
    hv_result r =
        store_query(c, "SELECT syz, syz_contact, syz_agency_id FROM dir_location WHERE id = ?", a,
                    1, flag_row, &before);
    if (r != HV_OK)
        return r;
    if (!before)
        return hv_fail(e, HV_ERR_NOTFOUND, NULL, "there is no such location");
    if (agency_id) {
        int64_t n = 0;
        store_val g[] = {SV_INTV(agency_id)};
        r = store_query_int(c, "SELECT COUNT(*) FROM agency WHERE id = ?", g, 1, &n);
        if (r == HV_OK && !n)
            r = hv_fail(e, HV_ERR_INVALID, "agency_id", "there is no such agency");
    }
    json_t *after = json_pack("{s:b, s:o, s:o}", "syz", syz, "contact",
                              contact ? json_string(contact) : json_null(), "agency_id",
                              agency_id ? json_integer(agency_id) : json_null());
    char *bt = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
    char *at = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (r == HV_OK && (!bt || !at))
        r = HV_ERR_NOMEM;
    if (r == HV_OK) {
        store_val u[] = {SV_INTV(syz ? 1 : 0), contact ? SV_TEXTV(contact) : SV_NULLV,
                         agency_id ? SV_INTV(agency_id) : SV_NULLV, SV_INTV(now), SV_INTV(id)};
        r = store_exec(c,
                       "UPDATE dir_location SET syz = ?, syz_contact = ?, syz_agency_id = ?, "
                       "updated_at = ? WHERE id = ?",
                       u, 5, NULL);
    }
    if (r == HV_OK) {
        store_val h[] = {SV_INTV(id), SV_INTV(now), by_user ? SV_INTV(by_user) : SV_NULLV,
                         SV_TEXTV(bt), SV_TEXTV(at)};
        r = store_exec(c,
                       "INSERT INTO dir_change (entity, entity_id, at, by_user_id, source, action, "
                       "before_body, after_body) VALUES ('location', ?, ?, ?, 'editor', 'syz', ?, "
                       "?)",
                       h, 5, NULL);
    }
    free(bt);
    free(at);
    json_decref(before);
    json_decref(after);
    return r;
}

hv_result
syz_link(store_conn *c, int64_t id, int64_t user_id, int64_t by_user, hv_err *e)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(id)};
    hv_result r =
        store_query_int(c, "SELECT COUNT(*) FROM dir_location WHERE id = ? AND syz = 1", a, 1, &n);
    if (r != HV_OK)
        return r;
    if (!n)
        return hv_fail(e, HV_ERR_NOTFOUND, NULL, "there is no such Safe Youth Zone site");
    store_val u[] = {SV_INTV(user_id), SV_TEXTV(role_names[ROLE_SITE_STAFF])};
    r = store_query_int(c,
                        "SELECT COUNT(*) FROM app_user au JOIN user_role ur ON ur.user_id = au.id "
                        "WHERE au.id = ? AND ur.role = ?",
                        u, 2, &n);
    if (r != HV_OK)
        return r;
    if (!n)
        return hv_fail(e, HV_ERR_INVALID, "user_id",
                       "give a user with the role Safe Youth Zone site staff");
    store_val l[] = {SV_INTV(user_id), SV_INTV(id), SV_INTV(clock_now_ms()),
                     by_user ? SV_INTV(by_user) : SV_NULLV};
    r = store_exec(c,
                   "INSERT INTO syz_staff (user_id, location_id, created_at, created_by) VALUES "
                   "(?, ?, ?, ?)",
                   l, 4, NULL);
    if (r == HV_ERR_CONFLICT)
        return hv_fail(e, HV_ERR_CONFLICT, "user_id", "this person is already linked to the site");
    return r;
}

hv_result
syz_unlink(store_conn *c, int64_t id, int64_t user_id, hv_err *e)
{
    int64_t changed = 0;
    store_val a[] = {SV_INTV(user_id), SV_INTV(id)};
    hv_result r = store_exec(c, "DELETE FROM syz_staff WHERE user_id = ? AND location_id = ?", a, 2,
                             &changed);
    if (r == HV_OK && !changed)
        return hv_fail(e, HV_ERR_NOTFOUND, NULL, "this person is not linked to the site");
    return r;
}

hv_result
syz_staging(store_conn *c, const principal *p, json_t *vals, hv_err *e)
{
    json_int_t site = json_integer_value(json_object_get(vals, "staging_site_id"));
    if (!site)
        return HV_OK;
    json_t *sites = NULL;
    hv_result r;
    /* the opener's own sites, or every site for one who sees every referral */
    int any = policy_may_all(p, ACT_READ, OBJ_CASE);
    if ((r = syz_sites(c, any ? 0 : p->user_id, &sites)) != HV_OK)
        return r;
    const json_t *s = NULL, *it;
    size_t i;
    json_array_foreach(sites, i, it) if (json_integer_value(json_object_get(it, "id")) == site) s =
        it;
    if (!s) {
        int64_t n = 0;
        store_val a[] = {SV_INTV(site)};
        r = store_query_int(c, "SELECT COUNT(*) FROM dir_location WHERE id = ? AND syz = 1", a, 1,
                            &n);
        json_decref(sites);
        if (r != HV_OK)
            return r;
        return n ? hv_fail(e, HV_ERR_DENIED, "staging_site_id",
                           "you are not staff of this Safe Youth Zone site")
                 : hv_fail(e, HV_ERR_INVALID, "staging_site_id",
                           "there is no such Safe Youth Zone site");
    }
    /* the site's own address and point are the staging area */
    const char *addr = json_string_value(json_object_get(s, "staging_address"));
    if (addr && strlen(addr) >= 3)
        json_object_set_new(vals, "staging_address", json_string(addr));
    const json_t *lat = json_object_get(s, "latitude"), *lon = json_object_get(s, "longitude");
    if (json_is_real(lat) && json_is_real(lon)) {
        char b[32];
        snprintf(b, sizeof b, "%.6f", json_real_value(lat));
        json_object_set_new(vals, "staging_lat", json_string(b));
        snprintf(b, sizeof b, "%.6f", json_real_value(lon));
        json_object_set_new(vals, "staging_lon", json_string(b));
    }
    json_decref(sites);
    return HV_OK;
}

hv_result
syz_demo(store_conn *c, int64_t user_id, int64_t agency_id, hv_err *e)
{
    int64_t site = 0;
    /* the site staff user's own site, whatever other sites the demo's
     * directory has: a synthetic fire station with a known address, a
     * service of the directory like any other, imported and then flagged */
    hv_result r = store_query_int(
        c, "SELECT id FROM dir_location WHERE hsds_id = 'demo-syz-fs12-loc'", NULL, 0, &site);
    if (r == HV_ERR_NOTFOUND) {
        static const char demo[] =
            "[{\"id\": \"demo-syz-fs12\", \"name\": \"Safe Youth Zone at Fire Station 12\","
            "\"description\": \"Synthetic demo site: any youth may walk in and ask for help, "
            "day or night.\", \"status\": \"active\", \"fees_description\": \"Free\","
            "\"minimum_age\": 10, \"maximum_age\": 24,"
            "\"organization\": {\"id\": \"demo-syz-org\", \"name\": \"Demo County Fire "
            "Department (synthetic)\"},"
            "\"languages\": [{\"code\": \"en\", \"name\": \"English\"}, {\"code\": \"es\", "
            "\"name\": \"Spanish\"}],"
            "\"service_at_locations\": [{\"id\": \"demo-syz-fs12-sal\", \"location\": {"
            "\"id\": \"demo-syz-fs12-loc\", \"name\": \"Demo Fire Station 12\","
            "\"latitude\": 34.0614, \"longitude\": -118.2385, \"addresses\": [{\"address_1\": "
            "\"1200 Example Blvd\", \"city\": \"Los Angeles\", \"state_province\": \"CA\", "
            "\"postal_code\": \"90012\", \"country\": \"US\", \"address_type\": \"physical\"}]},"
            "\"schedules\": [{\"freq\": \"WEEKLY\", \"byday\": \"MO,TU,WE,TH,FR,SA,SU\","
            "\"opens_at\": \"00:00\", \"closes_at\": \"24:00\", \"description\": \"Open 24 "
            "hours\"}]}]}]";
        json_t *doc = json_loads(demo, 0, NULL);
        hsds_report rep;
        r = doc ? hsds_import(c, doc, "demo", 0, "import", &rep, e) : HV_ERR_NOMEM;
        json_decref(doc);
        if (r == HV_OK)
            r = store_query_int(c,
                                "SELECT id FROM dir_location WHERE hsds_id = 'demo-syz-fs12-loc'",
                                NULL, 0, &site);
        if (r == HV_OK)
            r = syz_flag(c, site, 1, "Station desk (captain on duty)", agency_id, 0, e);
    }
    if (r == HV_OK && user_id)
        r = syz_link(c, site, user_id, 0, e);
    return r;
}
