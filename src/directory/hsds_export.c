/*
 * hsds_export.c - the directory's records back out in HSDS 3.0 shapes (see
 * hsds.h): one full service as the HSDS API reference's
 * GET /services/{id} gives it, and every service for `haven directory
 * export`.
 *
 * The JSON is built from the tables, never from the text last imported, so
 * what an editor changed shows. Small records kept as their HSDS JSON
 * (phones, languages, cost options, documents, contacts, accessibility,
 * schedules) are given back as stored with their id set and their link keys
 * (service_id, location_id …) removed: the nesting says what they belong
 * to. Nulls are left out. Order is fixed (services, organizations and
 * terms by HSDS id; what hangs off a record in the order it was written) so
 * two exports of the same directory are byte for byte the same.
 */
#include <stdlib.h>
#include <string.h>

#include "directory/hsds.h"

/* ---- rows into JSON --------------------------------------------------------------- */

/* A query's rows as objects: TYPES gives each column's kind ('t' text, 'i'
 * integer, 'e' microdegrees as a real, 'j' JSON text merged in, '-' skip);
 * NULLs are left out. */
typedef struct rows {
    const char *types;
    json_t *list;
    hv_result r;
} rows;

static hv_result
take_row(void *ctx, const store_row *row)
{
    rows *x = ctx;
    json_t *o = json_object();
    if (!o)
        return HV_ERR_NOMEM;
    int n = store_row_columns(row);
    for (int i = 0; i < n && x->types[i]; i++) {
        if (store_row_isnull(row, i) || x->types[i] == '-')
            continue;
        const char *name = store_row_name(row, i);
        json_t *v = NULL;
        switch (x->types[i]) {
        case 'i':
            v = json_integer(store_row_int(row, i));
            break;
        case 'e':
            v = json_real((double)store_row_int(row, i) / 1e6);
            break;
        case 'j': {
            json_t *body = json_loads(store_row_text(row, i), 0, NULL);
            if (json_is_object(body))
                json_object_update_missing(o, body);
            json_decref(body);
            continue;
        }
        default:
            v = json_string(store_row_text(row, i));
        }
        if (!v || json_object_set_new(o, name, v) != 0) {
            json_decref(o);
            return HV_ERR_NOMEM;
        }
    }
    if (json_array_append_new(x->list, o) != 0)
        return HV_ERR_NOMEM;
    return HV_OK;
}

static hv_result
query_rows(store_conn *c, const char *sql, int64_t id, const char *types, json_t **out)
{
    rows x = {.types = types, .list = json_array()};
    if (!x.list)
        return HV_ERR_NOMEM;
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query(c, sql, a, 1, take_row, &x);
    if (r != HV_OK) {
        json_decref(x.list);
        return r;
    }
    *out = x.list;
    return HV_OK;
}

/* Link keys a nested record does not need. */
static void
unlink_keys(json_t *o)
{
    static const char *const keys[] = {
        "service_id", "location_id", "organization_id", "service_at_location_id",
        "contact_id", "link_id",     "phone_id",        NULL};
    for (int i = 0; keys[i]; i++)
        json_object_del(o, keys[i]);
}

/* Sets KEY of O to LIST when not empty (takes LIST). */
static hv_result
set_list(json_t *o, const char *key, json_t *list)
{
    if (json_array_size(list) == 0) {
        json_decref(list);
        return HV_OK;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) unlink_keys(v);
    return json_object_set_new(o, key, list) == 0 ? HV_OK : HV_ERR_NOMEM;
}

/* The detail rows of KIND hanging off the service or location (WHERE_SQL
 * selects them by one id) → KEY of O. */
static hv_result
details(store_conn *c, json_t *o, const char *key, const char *kind, const char *where_sql,
        int64_t id)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT body, hsds_id AS id FROM dir_detail WHERE kind = '%s' AND %s ORDER BY id",
             kind, where_sql);
    /* the stored id wins over one in the body */
    json_t *list;
    hv_result r = query_rows(c, sql, id, "jt", &list);
    return r == HV_OK ? set_list(o, key, list) : r;
}

static hv_result
schedules(store_conn *c, json_t *o, const char *where_sql, int64_t id)
{
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT hsds_id AS id, body FROM dir_schedule WHERE %s ORDER BY id",
             where_sql);
    json_t *list;
    hv_result r = query_rows(c, sql, id, "tj", &list);
    return r == HV_OK ? set_list(o, "schedules", list) : r;
}

/* One object from a query of one row (HV_ERR_NOTFOUND when none). */
static hv_result
query_one(store_conn *c, const char *sql, int64_t id, const char *types, json_t **out)
{
    json_t *list;
    hv_result r = query_rows(c, sql, id, types, &list);
    if (r != HV_OK)
        return r;
    if (json_array_size(list) == 0) {
        json_decref(list);
        return HV_ERR_NOTFOUND;
    }
    *out = json_incref(json_array_get(list, 0));
    json_decref(list);
    return HV_OK;
}

hv_result
hsds_export_organization(store_conn *c, int64_t id, json_t **out)
{
    return query_one(c,
                     "SELECT hsds_id AS id, name, alternate_name, description, email, website "
                     "FROM dir_organization WHERE id = ?",
                     id, "tttttt", out);
}

hv_result
hsds_export_location(store_conn *c, int64_t id, json_t **out)
{
    json_t *loc = NULL, *addr = NULL;
    hv_result r = query_one(
        c,
        "SELECT l.hsds_id AS id, l.location_type, o.hsds_id AS organization_id, l.name, "
        "l.alternate_name, l.description, l.transportation, l.lat_e6 AS latitude, "
        "l.lon_e6 AS longitude FROM dir_location l LEFT JOIN dir_organization o ON o.id = "
        "l.organization_id WHERE l.id = ?",
        id,
        "ttttttte"
        "e",
        &loc);
    if (r == HV_OK)
        r = query_one(c,
                      "SELECT hsds_id || '/address' AS id, address_1, address_2, city, "
                      "state_province, postal_code, country FROM dir_location WHERE id = ? AND "
                      "(address_1 IS NOT NULL OR address_2 IS NOT NULL OR city IS NOT NULL OR "
                      "state_province IS NOT NULL OR postal_code IS NOT NULL OR country IS NOT "
                      "NULL)",
                      id, "ttttttt", &addr);
    if (r == HV_ERR_NOTFOUND && loc)
        r = HV_OK;
    if (r == HV_OK && addr) {
        json_object_set_new(addr, "address_type", json_string("physical"));
        json_t *list = json_array();
        if (!list || json_array_append_new(list, addr) != 0 ||
            json_object_set_new(loc, "addresses", list) != 0)
            r = HV_ERR_NOMEM;
        addr = NULL;
    }
    const char *own = "location_id = ? AND service_id IS NULL";
    if (r == HV_OK)
        r = details(c, loc, "phones", "phone", own, id);
    if (r == HV_OK)
        r = details(c, loc, "languages", "language", own, id);
    if (r == HV_OK)
        r = details(c, loc, "accessibility", "accessibility", own, id);
    if (r == HV_OK)
        r = schedules(c, loc,
                      "location_id = ? AND service_id IS NULL AND "
                      "service_at_location_id IS NULL",
                      id);
    json_decref(addr);
    if (r != HV_OK) {
        json_decref(loc);
        return r;
    }
    *out = loc;
    return HV_OK;
}

hv_result
hsds_export_term(store_conn *c, int64_t id, json_t **out)
{
    return query_one(c,
                     "SELECT t.hsds_id AS id, t.code, t.name, t.description, p.hsds_id AS "
                     "parent_id, x.name AS taxonomy, x.hsds_id AS taxonomy_id, t.language FROM "
                     "dir_taxonomy_term t LEFT JOIN dir_taxonomy x ON x.id = t.taxonomy_id LEFT "
                     "JOIN dir_taxonomy_term p ON p.id = t.parent_id WHERE t.id = ?",
                     id, "tttttttt", out);
}

/* The service's categories as HSDS attributes (an attribute's id is made
 * from the service's and the term's: haven keeps only the link). */
static hv_result
attributes(store_conn *c, json_t *s, int64_t id)
{
    json_t *list;
    hv_result r = query_rows(c,
                             "SELECT s.hsds_id || '/attribute/' || t.hsds_id AS id, t.id AS tid, "
                             "t.hsds_id AS taxonomy_term_id FROM dir_service_term st JOIN "
                             "dir_taxonomy_term t ON t.id = st.term_id JOIN dir_service s ON s.id "
                             "= st.service_id WHERE st.service_id = ? ORDER BY t.hsds_id",
                             id, "tit", &list);
    if (r != HV_OK)
        return r;
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        json_t *t = NULL;
        if ((r = hsds_export_term(c, json_integer_value(json_object_get(a, "tid")), &t)) != HV_OK)
            break;
        json_object_del(a, "tid");
        json_object_set_new(a, "link_type", json_string("service"));
        json_object_set_new(a, "link_entity", json_string("service"));
        json_object_set_new(a, "taxonomy_term", t);
    }
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        return HV_OK;
    }
    return json_object_set_new(s, "attributes", list) == 0 ? HV_OK : HV_ERR_NOMEM;
}

static hv_result
service_at_locations(store_conn *c, json_t *s, int64_t id)
{
    json_t *list;
    hv_result r = query_rows(c,
                             "SELECT id AS sid, hsds_id AS id, description, location_id AS lid "
                             "FROM dir_service_at_location WHERE service_id = ? ORDER BY id",
                             id, "itti", &list);
    if (r != HV_OK)
        return r;
    size_t i;
    json_t *sal;
    json_array_foreach(list, i, sal)
    {
        int64_t sid = json_integer_value(json_object_get(sal, "sid"));
        int64_t lid = json_integer_value(json_object_get(sal, "lid"));
        json_object_del(sal, "sid");
        json_object_del(sal, "lid");
        json_t *loc = NULL;
        if ((r = schedules(c, sal, "service_at_location_id = ?", sid)) != HV_OK ||
            (r = hsds_export_location(c, lid, &loc)) != HV_OK)
            break;
        json_object_set_new(sal, "location", loc);
    }
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        return HV_OK;
    }
    return json_object_set_new(s, "service_at_locations", list) == 0 ? HV_OK : HV_ERR_NOMEM;
}

hv_result
hsds_export_service(store_conn *c, int64_t id, json_t **out)
{
    json_t *s = NULL, *org = NULL;
    hv_result r = query_one(
        c,
        "SELECT s.hsds_id AS id, o.hsds_id AS organization_id, s.name, s.alternate_name, "
        "s.description, s.url, s.email, s.status, s.interpretation_services, "
        "s.application_process, s.fees_description, s.eligibility_description, s.minimum_age, "
        "s.maximum_age, s.alert, s.assured_date, s.organization_id AS oid FROM dir_service s "
        "JOIN dir_organization o ON o.id = s.organization_id WHERE s.id = ?",
        id, "ttttttttttttiitti", &s);
    if (r != HV_OK)
        return r;
    int64_t oid = json_integer_value(json_object_get(s, "oid"));
    json_object_del(s, "oid");
    const char *own = "service_id = ?";
    if ((r = hsds_export_organization(c, oid, &org)) == HV_OK)
        json_object_set_new(s, "organization", org);
    if (r == HV_OK)
        r = details(c, s, "phones", "phone", own, id);
    if (r == HV_OK)
        r = schedules(c, s, own, id);
    if (r == HV_OK)
        r = details(c, s, "languages", "language", own, id);
    if (r == HV_OK)
        r = details(c, s, "cost_options", "cost_option", own, id);
    if (r == HV_OK)
        r = details(c, s, "required_documents", "required_document", own, id);
    if (r == HV_OK)
        r = details(c, s, "contacts", "contact", own, id);
    if (r == HV_OK)
        r = attributes(c, s, id);
    if (r == HV_OK)
        r = service_at_locations(c, s, id);
    if (r != HV_OK) {
        json_decref(s);
        return r;
    }
    *out = s;
    return HV_OK;
}

/* ---- everything ------------------------------------------------------------------- */

static hv_result
take_id(void *ctx, const store_row *row)
{
    json_t *ids = ctx;
    return json_array_append_new(ids, json_integer(store_row_int(row, 0))) == 0 ? HV_OK
                                                                                : HV_ERR_NOMEM;
}

static hv_result
ids_of(store_conn *c, const char *sql, json_t **out)
{
    json_t *ids = json_array();
    if (!ids)
        return HV_ERR_NOMEM;
    hv_result r = store_query(c, sql, NULL, 0, take_id, ids);
    if (r != HV_OK) {
        json_decref(ids);
        return r;
    }
    *out = ids;
    return HV_OK;
}

hv_result
hsds_export_taxonomies(store_conn *c, json_t **taxonomies, json_t **terms)
{
    json_t *ids = NULL;
    hv_result r = query_rows(c,
                             "SELECT hsds_id AS id, name, description, uri, version FROM "
                             "dir_taxonomy WHERE id > ? ORDER BY hsds_id",
                             0, "ttttt", taxonomies);
    if (r != HV_OK)
        return r;
    *terms = json_array();
    if (!*terms)
        r = HV_ERR_NOMEM;
    if (r == HV_OK)
        r = ids_of(c,
                   "SELECT t.id FROM dir_taxonomy_term t LEFT JOIN dir_taxonomy x ON x.id = "
                   "t.taxonomy_id ORDER BY COALESCE(x.hsds_id, ''), t.hsds_id",
                   &ids);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *t;
        if (r != HV_OK || (r = hsds_export_term(c, json_integer_value(v), &t)) != HV_OK)
            break;
        json_array_append_new(*terms, t);
    }
    json_decref(ids);
    if (r != HV_OK) {
        json_decref(*taxonomies);
        json_decref(*terms);
        *taxonomies = *terms = NULL;
    }
    return r;
}

hv_result
hsds_export_all(store_conn *c, json_t **out)
{
    json_t *ids = NULL, *services = json_array();
    if (!services)
        return HV_ERR_NOMEM;
    hv_result r = ids_of(c, "SELECT id FROM dir_service ORDER BY hsds_id", &ids);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *s;
        if (r != HV_OK || (r = hsds_export_service(c, json_integer_value(v), &s)) != HV_OK)
            break;
        json_array_append_new(services, s);
    }
    json_decref(ids);
    if (r != HV_OK) {
        json_decref(services);
        return r;
    }
    *out = services;
    return HV_OK;
}
