/* editor.c - the directory as its editors keep it (see editor.h). */
#include "directory/editor.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/zone.h"
#include "directory/hsds.h"
#include "model/record.h"

#define DAY_MS (24LL * 60 * 60 * 1000)

static json_t *
text_or_null(const store_row *row, int col)
{
    const char *s = store_row_text(row, col);
    return s ? json_string(s) : json_null();
}

static json_t *
int_or_null(const store_row *row, int col)
{
    return store_row_isnull(row, col) ? json_null() : json_integer(store_row_int(row, col));
}

/* ---- the list -------------------------------------------------------------------- */

static hv_result
list_row(void *ctx, const store_row *row)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:{s:I, s:s}, s:s, s:o, s:o, s:o}", "id",
                  (json_int_t)store_row_int(row, 0), "hsds_id", store_row_text(row, 1), "name",
                  store_row_text(row, 2), "organization", "id", (json_int_t)store_row_int(row, 3),
                  "name", store_row_text(row, 4), "status", store_row_text(row, 5), "verified_at",
                  record_time_col(row, 6), "assured_date", text_or_null(row, 7), "updated_at",
                  record_time_col(row, 8));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

/* Q as a LIKE pattern: its own % and _ taken literally (escape '\'). */
static void
like_pattern(const char *q, char *out, size_t size)
{
    size_t n = 0;
    out[n++] = '%';
    for (const char *p = q; *p && n + 3 < size; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n++] = '%';
    out[n] = 0;
}

hv_result
dir_editor_list(store_conn *c, const char *q, int page, int per_page, json_t **out)
{
    *out = NULL;
    if (page < 1)
        page = 1;
    if (per_page < 1 || per_page > DIR_EDITOR_PAGE_MAX)
        per_page = 50;
    char pat[300];
    int has_q = q && *q;
    if (has_q)
        like_pattern(q, pat, sizeof pat);
    static const char cond[] =
        " WHERE (? = 0 OR LOWER(s.name) LIKE LOWER(?) ESCAPE '\\' OR LOWER(o.name) LIKE LOWER(?) "
        "ESCAPE '\\' OR s.hsds_id = ?)";
    store_val a[] = {SV_INTV(has_q),
                     SV_TEXTV(has_q ? pat : ""),
                     SV_TEXTV(has_q ? pat : ""),
                     SV_TEXTV(has_q ? q : ""),
                     SV_INTV(per_page),
                     SV_INTV((int64_t)(page - 1) * per_page)};
    char sql[900];
    int64_t total = 0;
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM dir_service s JOIN dir_organization o ON o.id = "
             "s.organization_id%s",
             cond);
    hv_result r = store_query_int(c, sql, a, 4, &total);
    if (r != HV_OK)
        return r;
    json_t *items = json_array();
    snprintf(sql, sizeof sql,
             "SELECT s.id, s.hsds_id, s.name, o.id, o.name, s.status, s.verified_at, "
             "s.assured_date, s.updated_at FROM dir_service s JOIN dir_organization o ON o.id = "
             "s.organization_id%s ORDER BY s.name, s.id LIMIT ? OFFSET ?",
             cond);
    r = store_query(c, sql, a, 6, list_row, items);
    if (r != HV_OK) {
        json_decref(items);
        return r;
    }
    *out = json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)total, "page", page, "per_page",
                     per_page, "items", items);
    return *out ? HV_OK : HV_ERR_NOMEM;
}

/* ---- one service ------------------------------------------------------------------- */

static hv_result
take_text(void *ctx, const store_row *row)
{
    const char *t = store_row_text(row, 0);
    free(*(char **)ctx);
    *(char **)ctx = t ? strdup(t) : NULL;
    return t && !*(char **)ctx ? HV_ERR_NOMEM : HV_OK;
}

/* The service's HSDS JSON as last imported or saved (NULL when none). */
static hv_result
last_body(store_conn *c, int64_t id, json_t **out)
{
    *out = NULL;
    char *text = NULL;
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query(c,
                              "SELECT after_body FROM dir_change WHERE entity = 'service' AND "
                              "entity_id = ? AND after_body IS NOT NULL ORDER BY id DESC LIMIT 1",
                              a, 1, take_text, &text);
    if (r == HV_OK && text) {
        *out = json_loads(text, 0, NULL);
        if (!*out)
            r = HV_ERR_DB; /* a stored body that is not JSON */
    }
    free(text);
    return r;
}

static hv_result
service_row(void *ctx, const store_row *row)
{
    json_t **o = ctx;
    *o = json_pack(
        "{s:I, s:s, s:s, s:{s:I, s:s, s:s}, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:b}",
        "id", (json_int_t)store_row_int(row, 0), "hsds_id", store_row_text(row, 1), "name",
        store_row_text(row, 2), "organization", "id", (json_int_t)store_row_int(row, 3), "hsds_id",
        store_row_text(row, 4), "name", store_row_text(row, 5), "status", store_row_text(row, 6),
        "verified_at", record_time_col(row, 7), "assured_date", text_or_null(row, 8), "created_at",
        record_time_col(row, 9), "updated_at", record_time_col(row, 10), "description",
        text_or_null(row, 11), "fees_description", text_or_null(row, 12), "minimum_age",
        int_or_null(row, 13), "maximum_age", int_or_null(row, 14), "url", text_or_null(row, 15),
        "free", store_row_int(row, 16) != 0);
    return *o ? HV_OK : HV_ERR_NOMEM;
}

static hv_result
location_row(void *ctx, const store_row *row)
{
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:[]}", "id",
        (json_int_t)store_row_int(row, 0), "hsds_id", store_row_text(row, 1), "name",
        text_or_null(row, 2), "address_1", text_or_null(row, 3), "address_2", text_or_null(row, 4),
        "city", text_or_null(row, 5), "state_province", text_or_null(row, 6), "postal_code",
        text_or_null(row, 7), "latitude",
        store_row_isnull(row, 8) ? json_null() : json_real((double)store_row_int(row, 8) / 1e6),
        "longitude",
        store_row_isnull(row, 9) ? json_null() : json_real((double)store_row_int(row, 9) / 1e6),
        "syz", store_row_int(row, 10) != 0, "syz_contact", text_or_null(row, 11), "syz_agency_id",
        int_or_null(row, 12), "staff");
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

static hv_result
staff_row(void *ctx, const store_row *row)
{
    json_t *locs = ctx;
    size_t i;
    json_t *l;
    json_array_foreach(locs, i, l)
    {
        if (json_integer_value(json_object_get(l, "id")) == store_row_int(row, 0))
            json_array_append_new(
                json_object_get(l, "staff"),
                json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_row_int(row, 1), "username",
                          store_row_text(row, 2), "display_name", store_row_text(row, 3)));
    }
    return HV_OK;
}

hv_result
dir_editor_version(store_conn *c, int64_t id, int64_t *version)
{
    store_val a[] = {SV_INTV(id)};
    return store_query_int(c,
                           "SELECT COALESCE(MAX(id), 0) FROM dir_change WHERE entity = 'service' "
                           "AND entity_id = ?",
                           a, 1, version);
}

hv_result
dir_editor_get(store_conn *c, int64_t id, json_t **out)
{
    *out = NULL;
    json_t *o = NULL, *body = NULL, *locs = json_array();
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query(
        c,
        "SELECT s.id, s.hsds_id, s.name, o.id, o.hsds_id, o.name, s.status, s.verified_at, "
        "s.assured_date, s.created_at, s.updated_at, s.description, s.fees_description, "
        "s.minimum_age, s.maximum_age, s.url, s.free FROM dir_service s JOIN dir_organization o "
        "ON o.id = s.organization_id WHERE s.id = ?",
        a, 1, service_row, &o);
    if (r == HV_OK && !o)
        r = HV_ERR_NOTFOUND;
    if (r == HV_OK)
        r = last_body(c, id, &body);
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT l.id, l.hsds_id, l.name, l.address_1, l.address_2, l.city, "
                        "l.state_province, l.postal_code, l.lat_e6, l.lon_e6, l.syz, "
                        "l.syz_contact, l.syz_agency_id FROM dir_location l JOIN "
                        "dir_service_at_location sal ON sal.location_id = l.id WHERE "
                        "sal.service_id = ? ORDER BY sal.id",
                        a, 1, location_row, locs);
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT ss.location_id, u.id, u.username, u.display_name FROM syz_staff "
                        "ss JOIN app_user u ON u.id = ss.user_id JOIN dir_service_at_location sal "
                        "ON sal.location_id = ss.location_id WHERE sal.service_id = ? ORDER BY "
                        "u.display_name",
                        a, 1, staff_row, locs);
    if (r != HV_OK) {
        json_decref(o);
        json_decref(body);
        json_decref(locs);
        return r;
    }
    if (!body) /* never imported through hsds_import: the columns we have */
        body = json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(o, "hsds_id"), "name",
                         json_object_get(o, "name"), "status", json_object_get(o, "status"),
                         "organization_id",
                         json_object_get(json_object_get(o, "organization"), "hsds_id"));
    int64_t version = 0;
    if ((r = dir_editor_version(c, id, &version)) != HV_OK) {
        json_decref(o);
        json_decref(body);
        json_decref(locs);
        return r;
    }
    json_object_set_new(o, "version", json_integer(version));
    json_object_set_new(o, "service", body);
    json_object_set_new(o, "locations", locs);
    *out = o;
    return HV_OK;
}

/* ---- saving ------------------------------------------------------------------------ */

/* Prefixes E's field with "service." (what the API takes is {"service": ...}). */
static void
field_in_service(hv_err *e)
{
    if (!e->field[0])
        return;
    char f[sizeof e->field + 8];
    snprintf(f, sizeof f, "service.%s", e->field);
    memcpy(e->field, f, sizeof e->field - 1);
    e->field[sizeof e->field - 1] = 0;
}

/* The importer's message without its "service, row 1, " lead. */
static void
plain_detail(hv_err *e)
{
    const char *p = strstr(e->detail, ", row 1, ");
    if (strncmp(e->detail, "service", 7) == 0 && p) {
        p += 9;
        /* "services[0].name: is required" → "name: is required" */
        if (strncmp(p, "services[0].", 12) == 0)
            p += 12;
        else if (strncmp(p, "services[0]", 11) == 0)
            p += 11;
        memmove(e->detail, p, strlen(p) + 1);
    }
    /* and the field "services[0].x" → "x" */
    if (strncmp(e->field, "services[0].", 12) == 0)
        memmove(e->field, e->field + 12, strlen(e->field + 12) + 1);
    else if (strcmp(e->field, "services[0]") == 0)
        e->field[0] = 0;
}

hv_result
dir_editor_save(store_conn *c, int64_t id, const json_t *service, int64_t user_id, int64_t *out_id,
                hv_err *e)
{
    *out_id = 0;
    if (!json_is_object(service))
        return hv_fail(e, HV_ERR_INVALID, "service", "give the service as an HSDS object");
    json_t *svc = json_deep_copy(service);
    if (!svc)
        return HV_ERR_NOMEM;
    const char *given = json_string_value(json_object_get(svc, "id"));
    hv_result r = HV_OK;
    int64_t verified = 0, had_verified = 0;
    if (id) {
        /* an edit keeps the record's HSDS id and its verification */
        char *hsds = NULL;
        store_val a[] = {SV_INTV(id)};
        r = store_query(c, "SELECT hsds_id FROM dir_service WHERE id = ?", a, 1, take_text, &hsds);
        if (r == HV_OK && !hsds)
            r = HV_ERR_NOTFOUND;
        if (r == HV_OK && given && strcmp(given, hsds) != 0)
            r = hv_fail(e, HV_ERR_INVALID, "service.id",
                        "is the service's HSDS id and cannot change");
        if (r == HV_OK && !given)
            json_object_set_new(svc, "id", json_string(hsds));
        free(hsds);
        if (r == HV_OK) {
            hv_result q = store_query_int(
                c, "SELECT verified_at FROM dir_service WHERE id = ? AND verified_at IS NOT NULL",
                a, 1, &verified);
            if (q == HV_OK)
                had_verified = 1;
            else if (q != HV_ERR_NOTFOUND)
                r = q;
        }
    } else if (given) {
        int64_t n = 0;
        store_val a[] = {SV_TEXTV(given)};
        r = store_query_int(c, "SELECT COUNT(*) FROM dir_service WHERE hsds_id = ?", a, 1, &n);
        if (r == HV_OK && n)
            r = hv_fail(e, HV_ERR_CONFLICT, "service.id",
                        "a service with this id is already in the directory: edit that one");
    } else {
        unsigned char rnd[12];
        char hex[sizeof rnd * 2 + 1], hid[40];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        snprintf(hid, sizeof hid, "haven-%s", hex);
        json_object_set_new(svc, "id", json_string(hid));
    }
    if (r == HV_OK) {
        json_t *doc = json_pack("[O]", svc);
        hsds_report rep;
        r = doc ? hsds_import(c, doc, "service", user_id, "editor", &rep, e) : HV_ERR_NOMEM;
        json_decref(doc);
        if (r != HV_OK) {
            plain_detail(e);
            field_in_service(e);
        }
    }
    if (r == HV_OK) {
        store_val a[] = {SV_TEXTV(json_string_value(json_object_get(svc, "id")))};
        r = store_query_int(c, "SELECT id FROM dir_service WHERE hsds_id = ?", a, 1, out_id);
    }
    if (r == HV_OK && id) {
        store_val a[] = {had_verified ? SV_INTV(verified) : SV_NULLV, SV_INTV(id)};
        r = store_exec(c, "UPDATE dir_service SET verified_at = ? WHERE id = ?", a, 2, NULL);
    }
    json_decref(svc);
    return r;
}

/* Today's date in the county's zone. */
static void
county_today(int64_t now, char *out, size_t size)
{
    zone_civil cv;
    if (zone_to_civil(clock_zone(), now, &cv) == HV_OK)
        snprintf(out, size, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
    else
        snprintf(out, size, "%.10s", "1970-01-01");
}

hv_result
dir_editor_verify(store_conn *c, int64_t id, int64_t user_id, hv_err *e)
{
    int64_t now = clock_now_ms(), n = 0;
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query_int(c, "SELECT COUNT(*) FROM dir_service WHERE id = ?", a, 1, &n);
    if (r != HV_OK)
        return r;
    if (!n)
        return hv_fail(e, HV_ERR_NOTFOUND, NULL, "there is no such service");
    char today[16];
    county_today(now, today, sizeof today);
    json_t *body = NULL;
    if ((r = last_body(c, id, &body)) != HV_OK)
        return r;
    char *before = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (body)
        json_object_set_new(body, "assured_date", json_string(today));
    /* the history keeps the body with its new assured_date, so the next
     * import of the same file compares against it */
    char *after = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(body);
    store_val u[] = {SV_INTV(now), SV_TEXTV(today), SV_INTV(now), SV_INTV(id)};
    r = store_exec(c,
                   "UPDATE dir_service SET verified_at = ?, assured_date = ?, updated_at = ? "
                   "WHERE id = ?",
                   u, 4, NULL);
    if (r == HV_OK) {
        store_val h[] = {SV_INTV(id), SV_INTV(now), user_id ? SV_INTV(user_id) : SV_NULLV,
                         before ? SV_TEXTV(before) : SV_NULLV, after ? SV_TEXTV(after) : SV_NULLV};
        r = store_exec(c,
                       "INSERT INTO dir_change (entity, entity_id, at, by_user_id, source, action, "
                       "before_body, after_body) VALUES ('service', ?, ?, ?, 'editor', "
                       "'verified', ?, ?)",
                       h, 5, NULL);
    }
    free(before);
    free(after);
    return r;
}

/* ---- history ----------------------------------------------------------------------- */

static void
diff_at(const json_t *a, const json_t *b, char *path, size_t len, size_t size, json_t *out,
        size_t limit)
{
    if (json_array_size(out) >= limit)
        return;
    if (a && b && json_equal(a, b))
        return;
    if (json_is_object(a) && json_is_object(b)) {
        /* the union of keys, in a stable order */
        json_t *keys = json_object();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) json_object_set_new(keys, k, json_true());
        json_object_foreach((json_t *)b, k, v) json_object_set_new(keys, k, json_true());
        const char **names = calloc(json_object_size(keys) + 1, sizeof *names);
        size_t n = 0;
        json_object_foreach(keys, k, v) if (names) names[n++] = k;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        for (size_t i = 0; i < n; i++) {
            int m = snprintf(path + len, size - len, "%s%s", len ? "." : "", names[i]);
            size_t nl = m < 0 ? len : len + (size_t)m >= size ? size - 1 : len + (size_t)m;
            diff_at(json_object_get(a, names[i]), json_object_get(b, names[i]), path, nl, size, out,
                    limit);
            path[len] = 0;
        }
        free(names);
        json_decref(keys);
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < (na > nb ? na : nb); i++) {
            int m = snprintf(path + len, size - len, "[%zu]", i);
            size_t nl = m < 0 ? len : len + (size_t)m >= size ? size - 1 : len + (size_t)m;
            diff_at(json_array_get(a, i), json_array_get(b, i), path, nl, size, out, limit);
            path[len] = 0;
        }
        return;
    }
    json_array_append_new(out,
                          json_pack("{s:s, s:O, s:O}", "field", len ? path : "(record)", "before",
                                    a ? a : json_null(), "after", b ? b : json_null()));
}

void
dir_editor_diff(const json_t *before, const json_t *after, json_t *changes, size_t limit)
{
    char path[400] = "";
    diff_at(before, after, path, 0, sizeof path, changes, limit);
}

static hv_result
history_row(void *ctx, const store_row *row)
{
    json_t *before = NULL, *after = NULL;
    const char *bt = store_row_text(row, 6), *at = store_row_text(row, 7);
    if (bt)
        before = json_loads(bt, 0, NULL);
    if (at)
        after = json_loads(at, 0, NULL);
    json_t *changes = json_array();
    if (after || before)
        dir_editor_diff(before, after, changes, 200);
    json_decref(before);
    json_decref(after);
    json_t *by =
        store_row_isnull(row, 2)
            ? json_null()
            : json_pack("{s:I, s:s}", "id", (json_int_t)store_row_int(row, 2), "display_name",
                        store_row_text(row, 3) ? store_row_text(row, 3) : "");
    json_t *o = json_pack("{s:I, s:o, s:o, s:s, s:s, s:o}", "id", (json_int_t)store_row_int(row, 0),
                          "at", record_time_col(row, 1), "by", by, "source", store_row_text(row, 4),
                          "action", store_row_text(row, 5), "changes", changes);
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

hv_result
dir_editor_history(store_conn *c, int64_t id, json_t **out)
{
    *out = NULL;
    int64_t n = 0;
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query_int(c, "SELECT COUNT(*) FROM dir_service WHERE id = ?", a, 1, &n);
    if (r != HV_OK)
        return r;
    if (!n)
        return HV_ERR_NOTFOUND;
    json_t *items = json_array();
    r = store_query(c,
                    "SELECT ch.id, ch.at, ch.by_user_id, u.display_name, ch.source, ch.action, "
                    "ch.before_body, ch.after_body FROM dir_change ch LEFT JOIN app_user u ON "
                    "u.id = ch.by_user_id WHERE ch.entity = 'service' AND ch.entity_id = ? "
                    "ORDER BY ch.id DESC LIMIT 200",
                    a, 1, history_row, items);
    if (r != HV_OK) {
        json_decref(items);
        return r;
    }
    *out = json_pack("{s:o}", "items", items);
    return *out ? HV_OK : HV_ERR_NOMEM;
}

/* ---- not verified in a year --------------------------------------------------------- */

/* NOW less MONTHS calendar months (UTC; the 31st becomes the month's last day). */
static int64_t
months_before(int64_t now, int months)
{
    int64_t days = zone_floor_div(now, DAY_MS), ms = now - days * DAY_MS;
    int y, m, d;
    zone_civil_from_days(days, &y, &m, &d);
    int total = y * 12 + (m - 1) - months;
    y = total / 12;
    m = total % 12 + 1;
    while (d > 28 && !zone_valid_date(y, m, d))
        d--;
    return zone_days_from_civil(y, m, d) * DAY_MS + ms;
}

hv_result
dir_editor_unverified(store_conn *c, int months, json_t **out)
{
    *out = NULL;
    if (months < 1 || months > 120)
        months = 12;
    int64_t cutoff = months_before(clock_now_ms(), months);
    json_t *items = json_array();
    store_val a[] = {SV_INTV(cutoff)};
    hv_result r = store_query(
        c,
        "SELECT s.id, s.hsds_id, s.name, o.id, o.name, s.status, s.verified_at, s.assured_date, "
        "s.updated_at FROM dir_service s JOIN dir_organization o ON o.id = s.organization_id "
        "WHERE s.verified_at IS NULL OR s.verified_at < ? ORDER BY COALESCE(s.verified_at, 0), "
        "s.id LIMIT 5000",
        a, 1, list_row, items);
    if (r != HV_OK) {
        json_decref(items);
        return r;
    }
    char iso[40];
    clock_format_iso(cutoff, iso, sizeof iso);
    *out = json_pack("{s:s, s:i, s:I, s:o}", "cutoff", iso, "months", months, "total",
                     (json_int_t)json_array_size(items), "items", items);
    return *out ? HV_OK : HV_ERR_NOMEM;
}
