/*
 * api_directory.c - the services directory's public read API, base
 * /api/directory, in the shapes of the Open Referral HSDS 3.0 API
 * reference: services (the search engine of src/directory/search.h),
 * organizations, service_at_locations, locations, taxonomies and terms,
 * and haven's Safe Youth Zone sites. No sign-in (the directory is public);
 * answers may be cached for a minute; the search is throttled per client
 * address. Every query parameter is declared in params[] below with its
 * parser; a bad one is a problem+json answer naming it. Reads are not
 * audited (nothing personal is read); the HTTP layer counts them per route
 * in /metrics. docs/directory.md, "The public API".
 */
#include <ctype.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/zone.h"
#include "directory/geo.h"
#include "directory/geocode.h"
#include "directory/hours.h"
#include "directory/hsds.h"
#include "directory/search.h"
#include "directory/zipgeo.h"

#define DIR_CACHE_CONTROL "public, max-age=60"
/* an answer to a search around a person's place (near, proximity, a ZIP
 * code) says where someone is or lives: no cache may keep it */
#define DIR_CACHE_PERSONAL "no-store"
#define DIR_DEFAULT_PER    20

/* ---- answers ------------------------------------------------------------------------ */

static void
send_ok(http_req *r, json_t *body)
{
    http_set_header(r, "Cache-Control", DIR_CACHE_CONTROL);
    http_send_json(r, 200, body);
}

/* An answer to a search around a person's place: never cached. */
static void
send_ok_personal(http_req *r, json_t *body)
{
    http_set_header(r, "Cache-Control", DIR_CACHE_PERSONAL);
    http_send_json(r, 200, body);
}

static void
bad_param(http_req *r, const char *param, const char *detail)
{
    http_send_problem(r, 400, "invalid-parameter", "Invalid query parameter", param, detail);
}

/* The HSDS Page object around CONTENTS. */
static json_t *
page_of(json_t *contents, int64_t total, int page, int per)
{
    int64_t pages = total ? (total + per - 1) / per : 0;
    return json_pack("{s:I, s:I, s:i, s:i, s:b, s:b, s:b, s:o}", "total_items", (json_int_t)total,
                     "total_pages", (json_int_t)pages, "page_number", page, "size",
                     (int)json_array_size(contents), "first_page", page == 1, "last_page",
                     (int64_t)page >= pages, "empty", json_array_size(contents) == 0, "contents",
                     contents);
}

/* ---- query parameters ---------------------------------------------------------------- */

static int
parse_bool(http_req *r, const char *name, int *out)
{
    const char *s = http_query(r, name);
    *out = 0;
    if (!s || !*s)
        return 1;
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
        *out = 1;
    else if (strcmp(s, "false") != 0 && strcmp(s, "0") != 0) {
        bad_param(r, name, "must be true or false");
        return 0;
    }
    return 1;
}

static int
parse_int(http_req *r, const char *name, long lo, long hi, long dflt, long *out)
{
    const char *s = http_query(r, name);
    *out = dflt;
    if (!s || !*s)
        return 1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) {
        char d[96];
        snprintf(d, sizeof d, "must be a whole number from %ld to %ld", lo, hi);
        bad_param(r, name, d);
        return 0;
    }
    *out = v;
    return 1;
}

static int
parse_paging(http_req *r, int *page, int *per)
{
    long p, n;
    if (!parse_int(r, "page", 1, 1000000, 1, &p) ||
        !parse_int(r, "per_page", 1, DIR_SEARCH_MAX_PER_PAGE, DIR_DEFAULT_PER, &n))
        return 0;
    *page = (int)p;
    *per = (int)n;
    return 1;
}

static pthread_mutex_t geo_mu = PTHREAD_MUTEX_INITIALIZER;
static geocoder *geo_client;

/* NEAR: a ZIP code, "lat,lon", or an address (through the geocoder). */
static int
parse_near(http_req *r, const char *name, geo_point *p, int *given)
{
    const char *s = http_query(r, name);
    *given = 0;
    if (!s || !*s)
        return 1;
    *given = 1;
    haven_app *app = api_app(r);
    size_t n = strlen(s);
    int digits = 0;
    while (digits < (int)n && isdigit((unsigned char)s[digits]))
        digits++;
    if (digits == 5 && (n == 5 || (n == 10 && s[5] == '-'))) {
        const zipgeo *z;
        if (zipgeo_shared(zipgeo_path(app->cfg.zip_table), &z) != HV_OK) {
            http_send_problem(r, 503, "unavailable", "ZIP codes unavailable", name,
                              "the ZIP code table could not be read; try an address");
            return 0;
        }
        hv_result res = zipgeo_lookup(z, s, p);
        if (res == HV_ERR_NOTFOUND) {
            bad_param(r, name,
                      "this ZIP code has no area (a P.O. box or a single building); try an "
                      "address");
            return 0;
        }
        if (res != HV_OK) {
            bad_param(r, name, "is not a ZIP code");
            return 0;
        }
        return 1;
    }
    if (digits == (int)n || (n >= 3 && n <= 10 && digits >= 3 && strspn(s, "0123456789-") == n)) {
        bad_param(r, name, "is not a ZIP code (five digits, or ZIP+4)");
        return 0;
    }
    /* a point: "34.05,-118.24" */
    if (strspn(s, "0123456789+-., ") == n) {
        hv_err e = {0};
        if (geo_parse(s, name, p, &e) != HV_OK) {
            bad_param(r, name, e.detail[0] ? e.detail : "is not latitude,longitude");
            return 0;
        }
        return 1;
    }
    /* an address */
    pthread_mutex_lock(&geo_mu);
    if (!geo_client && geocoder_from_config(&app->cfg, &geo_client) != HV_OK)
        geo_client = NULL;
    geocoder *g = geo_client;
    pthread_mutex_unlock(&geo_mu);
    hv_result res = g ? geocode_address(g, s, p) : HV_ERR_UNAVAILABLE;
    if (res == HV_OK)
        return 1;
    if (res == HV_ERR_NOTFOUND)
        bad_param(r, name, "no such place was found; try a ZIP code");
    else if (res == HV_ERR_INVALID)
        bad_param(r, name, "is not an address haven can look up");
    else if (res == HV_ERR_RATE) {
        http_set_header(r, "Retry-After", "1");
        http_send_problem(r, 429, "rate-limited", "Too many requests", name,
                          "addresses are looked up one a second; try again, or use a ZIP code");
    } else
        http_send_problem(r, 503, "unavailable", "Address lookup unavailable", name,
                          "addresses cannot be looked up now; use a ZIP code or your location");
    return 0;
}

typedef struct ids {
    char v[DIR_SEARCH_MAX_TERMS + 1][128];
    int n;
    int toomany;
} ids;

static enum MHD_Result
collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    ids *o = cls;
    if (!key || strcmp(key, o->v[DIR_SEARCH_MAX_TERMS]) != 0 || !value)
        return MHD_YES;
    /* several values, and comma-separated lists */
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len) {
            if (o->n == DIR_SEARCH_MAX_TERMS || len >= sizeof o->v[0])
                o->toomany = 1;
            else
                snprintf(o->v[o->n++], sizeof o->v[0], "%.*s", (int)len, p);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return MHD_YES;
}

/* Every value of NAME (given several times, or comma-separated). */
static int
parse_list(http_req *r, const char *name, ids *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->v[DIR_SEARCH_MAX_TERMS], sizeof out->v[0], "%s", name);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, out);
    if (out->toomany) {
        char d[80];
        snprintf(d, sizeof d, "at most %d values of up to 127 characters", DIR_SEARCH_MAX_TERMS);
        bad_param(r, name, d);
        return 0;
    }
    return 1;
}

static hv_result
take_int(void *ctx, const store_row *row)
{
    *(int64_t *)ctx = store_row_int(row, 0);
    return HV_OK;
}

/* haven's id of the record of TABLE whose HSDS id is HID: 0 when none. */
static hv_result
id_of(store_conn *c, const char *table, const char *hid, int64_t *out)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE hsds_id = ?", table);
    store_val a[] = {SV_TEXTV(hid)};
    *out = 0;
    return store_query(c, sql, a, 1, take_int, out);
}

/* ---- the answers' service shape -------------------------------------------------------- */

static void
set_text(json_t *o, const char *key, const store_row *row, int col)
{
    const char *t = store_row_text(row, col);
    if (t)
        json_object_set_new(o, key, json_string(t));
}

typedef struct page_rows {
    json_t **by_pos; /* the hits' objects, by position */
    const dir_hit *hits;
    int n;
} page_rows;

static int
pos_of(const page_rows *p, int64_t id)
{
    for (int i = 0; i < p->n; i++)
        if (p->hits[i].service_id == id)
            return i;
    return -1;
}

static hv_result
row_min_service(void *ctx, const store_row *row)
{
    page_rows *p = ctx;
    int i = pos_of(p, store_row_int(row, 0));
    if (i < 0)
        return HV_OK;
    json_t *o = json_object();
    set_text(o, "id", row, 1);
    set_text(o, "organization_id", row, 2);
    set_text(o, "name", row, 3);
    set_text(o, "alternate_name", row, 4);
    set_text(o, "description", row, 5);
    set_text(o, "url", row, 6);
    set_text(o, "email", row, 7);
    set_text(o, "status", row, 8);
    set_text(o, "fees_description", row, 9);
    if (!store_row_isnull(row, 10))
        json_object_set_new(o, "minimum_age", json_integer(store_row_int(row, 10)));
    if (!store_row_isnull(row, 11))
        json_object_set_new(o, "maximum_age", json_integer(store_row_int(row, 11)));
    json_object_set_new(o, "free", json_boolean(store_row_int(row, 12)));
    json_object_set_new(
        o, "organization",
        json_pack("{s:s?, s:s?}", "id", store_row_text(row, 2), "name", store_row_text(row, 13)));
    json_object_set_new(o, "phones", json_array());
    p->by_pos[i] = o;
    return HV_OK;
}

static hv_result
row_phone(void *ctx, const store_row *row)
{
    page_rows *p = ctx;
    int i = pos_of(p, store_row_int(row, 0));
    json_t *ph = json_loads(store_row_text(row, 1) ? store_row_text(row, 1) : "null", 0, NULL);
    if (i >= 0 && p->by_pos[i] && json_is_object(ph))
        json_array_append(json_object_get(p->by_pos[i], "phones"), ph);
    json_decref(ph);
    return HV_OK;
}

static hv_result
row_location(void *ctx, const store_row *row)
{
    page_rows *p = ctx;
    int64_t lid = store_row_int(row, 0);
    for (int i = 0; i < p->n; i++) {
        if (p->hits[i].location_id != lid || !p->by_pos[i])
            continue;
        json_t *l = json_object();
        set_text(l, "id", row, 1);
        set_text(l, "name", row, 2);
        json_t *a = json_object();
        set_text(a, "address_1", row, 3);
        set_text(a, "city", row, 4);
        set_text(a, "state_province", row, 5);
        set_text(a, "postal_code", row, 6);
        json_object_set_new(l, "address", a);
        json_object_set_new(l, "safe_youth_zone", json_boolean(store_row_int(row, 7)));
        json_object_set_new(p->by_pos[i], "location", l);
    }
    return HV_OK;
}

/* "Opens Mon 9:00" / "Open until 17:00" in the county's wall clock. */
static void
hours_words(const char *tz, const dir_hit *h, char *out, size_t n)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    zone_civil c;
    out[0] = 0;
    if (!h->has_hours)
        return;
    if (h->open) {
        if (h->next_close == HOURS_NEVER)
            snprintf(out, n, "Open 24 hours");
        else if (zone_to_civil(tz, h->next_close, &c) == HV_OK)
            snprintf(out, n, "Open until %s %d:%02d", wd[c.wday], c.hour, c.minute);
    } else if (h->next_open != HOURS_NEVER && zone_to_civil(tz, h->next_open, &c) == HV_OK) {
        snprintf(out, n, "Opens %s %d:%02d", wd[c.wday], c.hour, c.minute);
    }
}

/* The contents of a page of hits: each service (minimal, or full) with
 * distance_mi, open_now, next_open, latitude/longitude. */
static hv_result
build_contents(store_conn *c, const char *tz, const dir_result *res, int full, json_t **out)
{
    page_rows p = {calloc((size_t)res->n + 1, sizeof(json_t *)), res->hits, res->n};
    if (!p.by_pos)
        return HV_ERR_NOMEM;
    hv_result r = HV_OK;
    if (res->n > 0 && !full) {
        char in[DIR_SEARCH_MAX_PER_PAGE * 3 + 8];
        size_t l = 0;
        store_val a[DIR_SEARCH_MAX_PER_PAGE], b[DIR_SEARCH_MAX_PER_PAGE];
        int nb = 0;
        for (int i = 0; i < res->n; i++) {
            l += (size_t)snprintf(in + l, sizeof in - l, "%s?", i ? "," : "");
            a[i] = SV_INTV(res->hits[i].service_id);
            if (res->hits[i].location_id)
                b[nb++] = SV_INTV(res->hits[i].location_id);
        }
        char sql[1400];
        snprintf(sql, sizeof sql,
                 "SELECT s.id, s.hsds_id, o.hsds_id, s.name, s.alternate_name, s.description, "
                 "s.url, s.email, s.status, s.fees_description, s.minimum_age, s.maximum_age, "
                 "s.free, o.name FROM dir_service s JOIN dir_organization o ON "
                 "o.id = s.organization_id WHERE s.id IN (%s)",
                 in);
        r = store_query(c, sql, a, res->n, row_min_service, &p);
        if (r == HV_OK) {
            snprintf(sql, sizeof sql,
                     "SELECT service_id, body FROM dir_detail WHERE kind = 'phone' AND "
                     "service_id IN (%s) ORDER BY id",
                     in);
            r = store_query(c, sql, a, res->n, row_phone, &p);
        }
        if (r == HV_OK && nb) {
            l = 0;
            for (int i = 0; i < nb; i++)
                l += (size_t)snprintf(in + l, sizeof in - l, "%s?", i ? "," : "");
            snprintf(sql, sizeof sql,
                     "SELECT id, hsds_id, name, address_1, city, state_province, postal_code, "
                     "syz FROM dir_location WHERE id IN (%s)",
                     in);
            r = store_query(c, sql, b, nb, row_location, &p);
        }
    }
    for (int i = 0; r == HV_OK && full && i < res->n; i++)
        r = hsds_export_service(c, res->hits[i].service_id, &p.by_pos[i]);
    json_t *list = json_array();
    for (int i = 0; i < res->n; i++) {
        json_t *o = p.by_pos[i];
        if (!o)
            continue; /* gone since the index was built */
        const dir_hit *h = &res->hits[i];
        if (h->distance_mi >= 0)
            json_object_set_new(o, "distance_mi", json_real(round(h->distance_mi * 100) / 100));
        json_object_set_new(o, "open_now", json_boolean(h->open));
        char words[64];
        hours_words(tz, h, words, sizeof words);
        if (!h->open && words[0])
            json_object_set_new(o, "next_open", json_string(words));
        if (words[0])
            json_object_set_new(o, "hours_text", json_string(words));
        if (h->has_point) {
            json_object_set_new(o, "latitude", json_real(h->lat));
            json_object_set_new(o, "longitude", json_real(h->lon));
        }
        json_array_append_new(list, o);
    }
    free(p.by_pos);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

/* ---- GET /api/directory/ ---------------------------------------------------------- */

void
api_directory_root(http_req *r)
{
    send_ok(r, json_pack("{s:s, s:s, s:s, s:s}", "version", "3.0", "profile",
                         "https://openreferral.org/", "openapi_url", "/api/v1/openapi.json",
                         "description",
                         "the county's CSEC services directory (HSDS 3.0 API reference shapes, "
                         "read only, no sign-in)"));
}

/* ---- GET /api/directory/services ----------------------------------------------------- */

static int
throttled(http_req *r)
{
    char key[96];
    snprintf(key, sizeof key, "dir:%s", r->client_ip);
    if (throttle_allow(key, (int)api_app(r)->cfg.search_rate_per_minute, 60000, clock_real_ms()))
        return 0;
    http_set_header(r, "Retry-After", "60");
    http_send_problem(r, 429, "rate-limited", "Too many requests", NULL,
                      "too many searches from this address; wait a minute and try again");
    return 1;
}

/* Reads the search's parameters into Q (strings point into the request).
 * Returns 0 after answering an error. */
static int
parse_search(http_req *r, store_conn *c, dir_query *q, int *full)
{
    memset(q, 0, sizeof *q);
    q->age = -1;
    const char *s = http_query(r, "search");
    if (s && strlen(s) > 200) {
        bad_param(r, "search", "at most 200 characters");
        return 0;
    }
    q->text = s && *s ? s : NULL;
    if (!parse_paging(r, &q->page, &q->per_page))
        return 0;
    int minimal = 0, open_now = 0;
    if (!parse_bool(r, "minimal", &minimal) || !parse_bool(r, "full", full) ||
        !parse_bool(r, "open_now", &open_now) || !parse_bool(r, "free", &q->free_only) ||
        !parse_bool(r, "syz", &q->syz_only))
        return 0;
    if (minimal)
        *full = 0;
    if (!parse_near(r, "near", &q->near, &q->has_near))
        return 0;
    const char *rad = http_query(r, "radius_mi");
    q->radius_mi = 5;
    if (rad && *rad) {
        char *end;
        double v = strtod(rad, &end);
        if (*end || !(v > 0 && v <= DIR_SEARCH_MAX_RADIUS)) {
            bad_param(r, "radius_mi", "must be a number of miles more than 0 and at most 100");
            return 0;
        }
        if (!q->has_near) {
            bad_param(r, "radius_mi", "needs near (a ZIP code, an address or lat,lon)");
            return 0;
        }
        q->radius_mi = v;
    }
    const char *at = http_query(r, "open_at");
    if (at && *at) {
        if (clock_parse_iso(at, &q->open_at_ms) != HV_OK) {
            bad_param(r, "open_at", "must be a time like 2026-11-23T18:30:00-08:00");
            return 0;
        }
        q->has_open_at = 1;
    } else if (open_now) {
        q->has_open_at = 1;
        q->open_at_ms = clock_now_ms();
    }
    long age;
    if (!parse_int(r, "age", 0, 120, -1, &age))
        return 0;
    q->age = (int)age;
    const char *lang = http_query(r, "language");
    if (lang && *lang) {
        size_t n = strlen(lang);
        if (n < 2 || n > 3 ||
            strspn(lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != n) {
            bad_param(r, "language", "must be an ISO 639-1 code such as es");
            return 0;
        }
        static _Thread_local char lower[4];
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)lang[i]);
        q->language = lower;
    }
    const char *ma = http_query(r, "modified_after");
    if (ma && *ma) {
        if (clock_parse_iso(ma, &q->modified_after_ms) != HV_OK) {
            bad_param(r, "modified_after", "must be a time like 2026-01-01T00:00:00Z");
            return 0;
        }
    }
    /* HSDS ids to haven's: an id the directory lacks matches nothing (-1) */
    ids terms;
    if (!parse_list(r, "taxonomy_term_id", &terms))
        return 0;
    for (int i = 0; i < terms.n; i++) {
        int64_t id = 0;
        if (id_of(c, "dir_taxonomy_term", terms.v[i], &id) != HV_OK) {
            http_send_err(r, HV_ERR_DB, NULL);
            return 0;
        }
        q->terms[q->nterms++] = id ? id : -1;
    }
    const char *tax = http_query(r, "taxonomy_id");
    if (tax && *tax) {
        if (id_of(c, "dir_taxonomy", tax, &q->taxonomy_id) != HV_OK) {
            http_send_err(r, HV_ERR_DB, NULL);
            return 0;
        }
        if (!q->taxonomy_id)
            q->taxonomy_id = -1;
    }
    const char *org = http_query(r, "organization_id");
    if (org && *org) {
        if (id_of(c, "dir_organization", org, &q->organization_id) != HV_OK) {
            http_send_err(r, HV_ERR_DB, NULL);
            return 0;
        }
        if (!q->organization_id)
            q->organization_id = -1;
    }
    return 1;
}

void
api_directory_services(http_req *r)
{
    if (throttled(r))
        return;
    haven_app *app = api_app(r);
    store_conn *c;
    hv_result res = store_read(app->st, &c);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    dir_query q;
    int full = 0;
    int ok = parse_search(r, c, &q, &full);
    store_release(c);
    if (!ok)
        return;
    dir_result out;
    hv_err e = {0};
    res = dir_search_run(app->st, app->cfg.timezone, &q, &out, &e);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    json_t *contents = NULL;
    res = store_read(app->st, &c);
    if (res == HV_OK) {
        res = build_contents(c, app->cfg.timezone, &out, full, &contents);
        store_release(c);
    }
    int64_t total = out.total;
    dir_result_free(&out);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    if (q.has_near)
        send_ok_personal(r, page_of(contents, total, q.page, q.per_page));
    else
        send_ok(r, page_of(contents, total, q.page, q.per_page));
}

/* ---- one record by HSDS id ------------------------------------------------------------ */

typedef hv_result (*export_fn)(store_conn *c, int64_t id, json_t **out);

static void
send_one(http_req *r, const char *table, export_fn fn, int with_hours)
{
    haven_app *app = api_app(r);
    const char *hid = http_param(r, 0);
    store_conn *c;
    hv_result res = store_read(app->st, &c);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    int64_t id = 0;
    json_t *o = NULL;
    res = id_of(c, table, hid ? hid : "", &id);
    if (res == HV_OK && !id)
        res = HV_ERR_NOTFOUND;
    if (res == HV_OK)
        res = fn(c, id, &o);
    store_release(c);
    if (res == HV_ERR_NOTFOUND) {
        http_send_problem(r, 404, "not-found", "Not found", "id",
                          "there is no such record in the directory");
        return;
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    if (with_hours) {
        /* open now and the hours in words */
        const json_t *sch = json_object_get(o, "schedules");
        hours_rule rules[HOURS_RULES_MAX];
        int n = 0;
        size_t i;
        const json_t *s;
        json_array_foreach(sch, i, s)
        {
            if (n < HOURS_RULES_MAX && hours_parse(s, &rules[n], NULL) == HV_OK)
                n++;
        }
        if (n == 0) {
            /* the first location's, as the search does */
            const json_t *sal = json_array_get(json_object_get(o, "service_at_locations"), 0);
            const json_t *ls = json_object_get(sal, "schedules");
            if (!json_array_size(ls))
                ls = json_object_get(json_object_get(sal, "location"), "schedules");
            json_array_foreach(ls, i, s)
            {
                if (n < HOURS_RULES_MAX && hours_parse(s, &rules[n], NULL) == HV_OK)
                    n++;
            }
        }
        hours_state st;
        dir_hit h = {.next_open = HOURS_NEVER, .next_close = HOURS_NEVER};
        if (n && hours_open_at(rules, n, app->cfg.timezone, clock_now_ms(), &st) == HV_OK) {
            h.has_hours = 1;
            h.open = st.open;
            h.next_open = st.next_open;
            h.next_close = st.next_close;
        }
        char words[64];
        hours_words(app->cfg.timezone, &h, words, sizeof words);
        json_object_set_new(o, "open_now", json_boolean(h.open));
        if (words[0])
            json_object_set_new(o, "hours_text", json_string(words));
        if (!h.open && words[0])
            json_object_set_new(o, "next_open", json_string(words));
    }
    send_ok(r, o);
}

void
api_directory_service(http_req *r)
{
    send_one(r, "dir_service", hsds_export_service, 1);
}

void
api_directory_organization(http_req *r)
{
    send_one(r, "dir_organization", hsds_export_organization, 0);
}

void
api_directory_location(http_req *r)
{
    send_one(r, "dir_location", hsds_export_location, 0);
}

void
api_directory_term(http_req *r)
{
    send_one(r, "dir_taxonomy_term", hsds_export_term, 0);
}

static hv_result
export_sal(store_conn *c, int64_t id, json_t **out)
{
    int64_t svc = 0, loc = 0;
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query(c, "SELECT service_id FROM dir_service_at_location WHERE id = ?", a,
                              1, take_int, &svc);
    if (r == HV_OK)
        r = store_query(c, "SELECT location_id FROM dir_service_at_location WHERE id = ?", a, 1,
                        take_int, &loc);
    if (r != HV_OK)
        return r;
    json_t *s = NULL, *l = NULL;
    if ((r = hsds_export_service(c, svc, &s)) != HV_OK)
        return r;
    if ((r = hsds_export_location(c, loc, &l)) != HV_OK) {
        json_decref(s);
        return r;
    }
    json_t *o = json_object();
    const json_t *sal;
    size_t i;
    json_array_foreach(json_object_get(s, "service_at_locations"), i, sal)
    {
        if (json_equal(json_object_get(json_object_get(sal, "location"), "id"),
                       json_object_get(l, "id"))) {
            json_object_update(o, (json_t *)sal);
            break;
        }
    }
    json_object_del(s, "service_at_locations");
    json_object_set_new(o, "service_id", json_incref(json_object_get(s, "id")));
    json_object_set_new(o, "location_id", json_incref(json_object_get(l, "id")));
    json_object_set_new(o, "service", s);
    json_object_set_new(o, "location", l);
    *out = o;
    return HV_OK;
}

void
api_directory_sal(http_req *r)
{
    send_one(r, "dir_service_at_location", export_sal, 0);
}

/* ---- lists: organizations, taxonomies, terms, service_at_locations ---------------------- */

typedef struct list_ctx {
    json_t *items;
    store_conn *c;
    export_fn fn;
    hv_result err;
} list_ctx;

static hv_result
row_export(void *ctx, const store_row *row)
{
    list_ctx *l = ctx;
    json_t *o = NULL;
    hv_result r = l->fn(l->c, store_row_int(row, 0), &o);
    if (r == HV_OK)
        json_array_append_new(l->items, o);
    return r == HV_ERR_NOTFOUND ? HV_OK : r;
}

/* A page of records: COUNT_SQL, then ROWS_SQL (ending in LIMIT ? OFFSET ?),
 * both with ARGS (at most PAGE_ARGS_MAX), each row given to ROW with FN. */
#define PAGE_ARGS_MAX 10
static void
send_rows(http_req *r, const char *count_sql, const char *rows_sql, const store_val *args,
          int nargs, store_row_fn row, export_fn fn, int personal)
{
    int page, per;
    if (!parse_paging(r, &page, &per))
        return;
    if (nargs > PAGE_ARGS_MAX) {
        http_send_err(r, HV_ERR_INVALID, NULL);
        return;
    }
    haven_app *app = api_app(r);
    store_conn *c;
    hv_result res = store_read(app->st, &c);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    int64_t total = 0;
    res = store_query(c, count_sql, args, nargs, take_int, &total);
    store_val a[PAGE_ARGS_MAX + 2];
    for (int i = 0; i < nargs; i++)
        a[i] = args[i];
    a[nargs] = SV_INTV(per);
    a[nargs + 1] = SV_INTV((int64_t)(page - 1) * per);
    list_ctx l = {json_array(), c, fn, HV_OK};
    if (res == HV_OK)
        res = store_query(c, rows_sql, a, nargs + 2, row, &l);
    store_release(c);
    if (res != HV_OK) {
        json_decref(l.items);
        http_send_err(r, res, NULL);
        return;
    }
    if (personal)
        send_ok_personal(r, page_of(l.items, total, page, per));
    else
        send_ok(r, page_of(l.items, total, page, per));
}

/* A page of records whose ids IDS_SQL selects, each exported by FN. */
static void
send_page(http_req *r, const char *count_sql, const char *ids_sql, store_val *args, int nargs,
          export_fn fn, int personal)
{
    send_rows(r, count_sql, ids_sql, args, nargs, row_export, fn, personal);
}

void
api_directory_organizations(http_req *r)
{
    const char *s = http_query(r, "search");
    char like[220];
    snprintf(like, sizeof like, "%%%.200s%%", s && *s ? s : "");
    store_val a[] = {SV_TEXTV(like)};
    send_page(r, "SELECT COUNT(*) FROM dir_organization WHERE name LIKE ?",
              "SELECT id FROM dir_organization WHERE name LIKE ? ORDER BY name, id LIMIT ? "
              "OFFSET ?",
              a, 1, hsds_export_organization, 0);
}

static hv_result
row_taxonomy(void *ctx, const store_row *row)
{
    list_ctx *l = ctx;
    json_t *o = json_object();
    set_text(o, "id", row, 1);
    set_text(o, "name", row, 2);
    set_text(o, "description", row, 3);
    set_text(o, "uri", row, 4);
    set_text(o, "version", row, 5);
    json_array_append_new(l->items, o);
    return HV_OK;
}

void
api_directory_taxonomies(http_req *r)
{
    send_rows(r, "SELECT COUNT(*) FROM dir_taxonomy",
              "SELECT id, hsds_id, name, description, uri, version FROM dir_taxonomy "
              "ORDER BY name, id LIMIT ? OFFSET ?",
              NULL, 0, row_taxonomy, NULL, 0);
}

void
api_directory_terms(http_req *r)
{
    int top = 0;
    if (!parse_bool(r, "top_only", &top))
        return;
    haven_app *app = api_app(r);
    const char *tax = http_query(r, "taxonomy_id"), *parent = http_query(r, "parent_id");
    int64_t tax_id = 0, parent_id = 0;
    store_conn *c;
    hv_result res = store_read(app->st, &c);
    if (res == HV_OK) {
        if (tax && *tax)
            res = id_of(c, "dir_taxonomy", tax, &tax_id);
        if (res == HV_OK && parent && *parent)
            res = id_of(c, "dir_taxonomy_term", parent, &parent_id);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    /* an id the directory lacks matches nothing */
    if (tax && *tax && !tax_id)
        tax_id = -1;
    if (parent && *parent && !parent_id)
        parent_id = -1;
    store_val a[] = {SV_INTV(tax_id), SV_INTV(tax_id), SV_INTV(parent_id), SV_INTV(parent_id),
                     SV_INTV(top)};
#define TERM_WHERE                                                                                 \
    " WHERE (? = 0 OR taxonomy_id = ?) AND (? = 0 OR parent_id = ?) AND (? = 0 OR parent_id IS "   \
    "NULL)"
    send_page(r, "SELECT COUNT(*) FROM dir_taxonomy_term" TERM_WHERE,
              "SELECT id FROM dir_taxonomy_term" TERM_WHERE " ORDER BY name, id LIMIT ? OFFSET ?",
              a, 5, hsds_export_term, 0);
#undef TERM_WHERE
}

/* ---- service_at_locations: postcode, proximity ------------------------------------------ */

void
api_directory_sals(http_req *r)
{
    const char *pc = http_query(r, "postcode");
    const char *prox = http_query(r, "proximity");
    geo_point p = {0, 0};
    double radius = 5;
    int has_prox = 0;
    if (prox && *prox) {
        hv_err e = {0};
        if (geo_parse(prox, "proximity", &p, &e) != HV_OK) {
            bad_param(r, "proximity", "must be latitude,longitude");
            return;
        }
        has_prox = 1;
        const char *rad = http_query(r, "radius_mi");
        if (rad && *rad) {
            char *end;
            radius = strtod(rad, &end);
            if (*end || !(radius > 0 && radius <= DIR_SEARCH_MAX_RADIUS)) {
                bad_param(r, "radius_mi", "must be a number of miles more than 0 and at most 100");
                return;
            }
        }
    }
    if (pc && strlen(pc) > 20) {
        bad_param(r, "postcode", "is not a postal code");
        return;
    }
    geo_box b = {-90, 90, -180, 180, 0};
    if (has_prox && geo_box_around(p, geo_km_from_mi(radius), &b) != HV_OK) {
        bad_param(r, "proximity", "must be latitude,longitude");
        return;
    }
    /* the box in SQL (an index range), the exact circle is not needed for
     * a list of this size: the order is by distance when proximity is given */
    int64_t la0 = (int64_t)floor(b.min_lat * 1e6), la1 = (int64_t)ceil(b.max_lat * 1e6);
    int64_t lo0 = (int64_t)floor(b.min_lon * 1e6), lo1 = (int64_t)ceil(b.max_lon * 1e6);
    if (b.wraps) {
        lo0 = -180000000;
        lo1 = 180000000;
    }
    store_val a[] = {SV_TEXTV(pc && *pc ? pc : NULL),
                     SV_TEXTV(pc && *pc ? pc : NULL),
                     SV_INTV(has_prox),
                     SV_INTV(la0),
                     SV_INTV(la1),
                     SV_INTV(lo0),
                     SV_INTV(lo1)};
#define SAL_WHERE                                                                                  \
    " FROM dir_service_at_location sl JOIN dir_location l ON l.id = sl.location_id"                \
    " WHERE (? IS NULL OR l.postal_code = ?) AND (? = 0 OR (l.lat_e6 BETWEEN ? AND ? AND"          \
    " l.lon_e6 BETWEEN ? AND ?))"
    send_page(r, "SELECT COUNT(*)" SAL_WHERE,
              "SELECT sl.id" SAL_WHERE " ORDER BY sl.id LIMIT ? OFFSET ?", a, 7, export_sal,
              has_prox || (pc && *pc));
#undef SAL_WHERE
}

/* ---- Safe Youth Zone sites --------------------------------------------------------------- */

typedef struct site {
    int64_t id;
    json_t *o;
    double dist;
    int open;
} site;

typedef struct sites_ctx {
    site *v;
    int n, cap;
    hv_result err;
} sites_ctx;

static hv_result
row_site(void *ctx, const store_row *row)
{
    sites_ctx *s = ctx;
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 64;
        site *nv = realloc(s->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return HV_ERR_NOMEM;
        s->v = nv;
        s->cap = nc;
    }
    json_t *o = json_object();
    set_text(o, "id", row, 1);
    set_text(o, "name", row, 2);
    /* the kind of site, from its name (fire station, library, park, clinic) */
    const char *name = store_row_text(row, 2);
    static const char *const kinds[][2] = {{"fire", "fire_station"}, {"librar", "library"},
                                           {"park", "park"},         {"clinic", "clinic"},
                                           {"recreation", "park"},   {NULL, NULL}};
    const char *type = "other";
    for (int k = 0; name && kinds[k][0]; k++)
        if (strcasestr(name, kinds[k][0])) {
            type = kinds[k][1];
            break;
        }
    json_object_set_new(o, "type", json_string(type));
    json_t *a = json_object();
    set_text(a, "address_1", row, 3);
    set_text(a, "city", row, 4);
    set_text(a, "state_province", row, 5);
    set_text(a, "postal_code", row, 6);
    json_object_set_new(o, "address", a);
    if (!store_row_isnull(row, 7) && !store_row_isnull(row, 8)) {
        json_object_set_new(o, "latitude", json_real(store_row_int(row, 7) / 1e6));
        json_object_set_new(o, "longitude", json_real(store_row_int(row, 8) / 1e6));
    }
    set_text(o, "staff_contact", row, 9);
    s->v[s->n++] = (site){store_row_int(row, 0), o, -1, 0};
    return HV_OK;
}

static int
cmp_site(const void *a, const void *b)
{
    const site *x = a, *y = b;
    return x->dist < y->dist ? -1 : x->dist > y->dist;
}

typedef struct rules_ctx {
    hours_rule *rules;
    int n;
    json_t *list;
} rules_ctx;

static hv_result
row_rule(void *ctx, const store_row *row)
{
    rules_ctx *rc = ctx;
    json_t *s = json_loads(store_row_text(row, 0) ? store_row_text(row, 0) : "null", 0, NULL);
    if (json_is_object(s) && rc->n < HOURS_RULES_MAX &&
        hours_parse(s, &rc->rules[rc->n], NULL) == HV_OK) {
        rc->n++;
        json_array_append(rc->list, s);
    }
    json_decref(s);
    return HV_OK;
}

void
api_directory_sites(http_req *r)
{
    if (throttled(r))
        return;
    haven_app *app = api_app(r);
    geo_point p;
    int has_near = 0, open_now = 0;
    if (!parse_near(r, "near", &p, &has_near) || !parse_bool(r, "open_now", &open_now))
        return;
    double radius = 5;
    const char *rad = http_query(r, "radius_mi");
    if (rad && *rad) {
        char *end;
        radius = strtod(rad, &end);
        if (*end || !(radius > 0 && radius <= DIR_SEARCH_MAX_RADIUS) || !has_near) {
            bad_param(r, "radius_mi",
                      has_near ? "must be a number of miles more than 0 and at most 100"
                               : "needs near (a ZIP code, an address or lat,lon)");
            return;
        }
    }
    store_conn *c;
    hv_result res = store_read(app->st, &c);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    sites_ctx s = {0};
    res = store_query(c,
                      "SELECT id, hsds_id, name, address_1, city, state_province, postal_code, "
                      "lat_e6, lon_e6, syz_contact FROM dir_location WHERE syz = 1 ORDER BY name, "
                      "id",
                      NULL, 0, row_site, &s);
    int64_t now = clock_now_ms();
    json_t *items = json_array();
    for (int i = 0; res == HV_OK && i < s.n; i++) {
        site *t = &s.v[i];
        json_t *lat = json_object_get(t->o, "latitude");
        if (has_near) {
            if (!lat)
                goto drop;
            geo_point q = {json_real_value(lat),
                           json_real_value(json_object_get(t->o, "longitude"))};
            t->dist = geo_distance_mi(p, q);
            if (t->dist > radius)
                goto drop;
            json_object_set_new(t->o, "distance_mi", json_real(round(t->dist * 100) / 100));
        }
        /* its hours: the location's schedules, else those of what is offered there */
        hours_rule rules[HOURS_RULES_MAX];
        rules_ctx rc = {rules, 0, json_array()};
        store_val a[] = {SV_INTV(t->id)};
        res = store_query(c, "SELECT body FROM dir_schedule WHERE location_id = ? ORDER BY id", a,
                          1, row_rule, &rc);
        if (res == HV_OK && rc.n == 0)
            res = store_query(c,
                              "SELECT body FROM dir_schedule WHERE service_at_location_id IN "
                              "(SELECT id FROM dir_service_at_location WHERE location_id = ?) OR "
                              "service_id IN (SELECT service_id FROM dir_service_at_location "
                              "WHERE location_id = ?) ORDER BY id",
                              (store_val[]){SV_INTV(t->id), SV_INTV(t->id)}, 2, row_rule, &rc);
        hours_state st;
        dir_hit h = {.next_open = HOURS_NEVER, .next_close = HOURS_NEVER};
        if (rc.n && hours_open_at(rules, rc.n, app->cfg.timezone, now, &st) == HV_OK) {
            h.has_hours = 1;
            h.open = st.open;
            h.next_open = st.next_open;
            h.next_close = st.next_close;
        }
        json_object_set_new(t->o, "schedules", rc.list);
        if (open_now && !h.open)
            goto drop;
        char words[64];
        hours_words(app->cfg.timezone, &h, words, sizeof words);
        json_object_set_new(t->o, "open_now", json_boolean(h.open));
        if (words[0])
            json_object_set_new(t->o, "hours_text", json_string(words));
        t->open = 1; /* kept */
        continue;
    drop:
        json_decref(t->o);
        t->o = NULL;
    }
    if (has_near)
        qsort(s.v, (size_t)s.n, sizeof *s.v, cmp_site);
    for (int i = 0; i < s.n; i++)
        if (s.v[i].o && s.v[i].open)
            json_array_append(items, s.v[i].o);
    store_release(c);
    for (int i = 0; i < s.n; i++)
        json_decref(s.v[i].o);
    free(s.v);
    if (res != HV_OK) {
        json_decref(items);
        http_send_err(r, res, NULL);
        return;
    }
    json_t *body =
        json_pack("{s:I, s:o}", "total_items", (json_int_t)json_array_size(items), "items", items);
    if (has_near)
        send_ok_personal(r, body);
    else
        send_ok(r, body);
}

/* ---- the OpenAPI document ---------------------------------------------------------------- */

/* Every query parameter of the routes above: the one declaration the
 * document is made from (the parsers above read the same names). */
static const struct {
    const char *pattern, *name, *type, *desc;
} dir_params[] = {
    {"/api/directory/services", "search", "string",
     "words (ANDed; the last one a prefix), stemmed, accents ignored; at most 200 characters"},
    {"/api/directory/services", "near", "string",
     "a ZIP code, 'lat,lon', or an address (through the configured geocoder); the answer is "
     "Cache-Control: no-store"},
    {"/api/directory/services", "radius_mi", "number", "miles around near (default 5, max 100)"},
    {"/api/directory/services", "open_now", "boolean", "only services open now"},
    {"/api/directory/services", "open_at", "string",
     "only services open at this RFC 3339 time (instead of open_now)"},
    {"/api/directory/services", "age", "integer", "the youth's age in years (0-120)"},
    {"/api/directory/services", "language", "string", "ISO 639-1 code (es, zh, ...)"},
    {"/api/directory/services", "free", "boolean", "only free services"},
    {"/api/directory/services", "syz", "boolean", "only services at Safe Youth Zone sites"},
    {"/api/directory/services", "taxonomy_term_id", "string",
     "HSDS term ids, repeated or comma-separated: every one is needed (AND); a term also matches "
     "the services tagged with its descendants"},
    {"/api/directory/services", "taxonomy_id", "string", "a term of this taxonomy (HSDS id)"},
    {"/api/directory/services", "organization_id", "string", "HSDS id of the organization"},
    {"/api/directory/services", "modified_after", "string", "RFC 3339 time"},
    {"/api/directory/services", "minimal", "boolean", "the short shape (the default)"},
    {"/api/directory/services", "full", "boolean", "every service in full HSDS shape"},
    {"/api/directory/organizations", "search", "string", "text in the name"},
    {"/api/directory/service_at_locations", "postcode", "string",
     "the location's postal code (the answer is Cache-Control: no-store)"},
    {"/api/directory/service_at_locations", "proximity", "string",
     "'lat,lon' (the answer is Cache-Control: no-store)"},
    {"/api/directory/service_at_locations", "radius_mi", "number",
     "miles around proximity (default 5)"},
    {"/api/directory/taxonomy_terms", "taxonomy_id", "string", "HSDS id of the taxonomy"},
    {"/api/directory/taxonomy_terms", "parent_id", "string", "HSDS id of the parent term"},
    {"/api/directory/taxonomy_terms", "top_only", "boolean", "only terms without a parent"},
    {"/api/directory/sites", "near", "string",
     "a ZIP code, 'lat,lon', or an address; the answer is Cache-Control: no-store"},
    {"/api/directory/sites", "radius_mi", "number", "miles around near (default 5)"},
    {"/api/directory/sites", "open_now", "boolean", "only sites open now"},
};

void
api_directory_openapi_params(const http_route *rt, json_t *params)
{
    /* path ids are HSDS ids: strings */
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "in")), "path") == 0)
            json_object_set_new(p, "schema", json_pack("{s:s}", "type", "string"));
    }
    for (size_t k = 0; k < sizeof dir_params / sizeof dir_params[0]; k++)
        if (strcmp(rt->pattern, dir_params[k].pattern) == 0)
            json_array_append_new(params,
                                  json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", dir_params[k].name,
                                            "in", "query", "description", dir_params[k].desc,
                                            "schema", "type", dir_params[k].type));
    int paged = strcmp(rt->pattern, "/api/directory/services") == 0 ||
                strcmp(rt->pattern, "/api/directory/organizations") == 0 ||
                strcmp(rt->pattern, "/api/directory/service_at_locations") == 0 ||
                strcmp(rt->pattern, "/api/directory/taxonomies") == 0 ||
                strcmp(rt->pattern, "/api/directory/taxonomy_terms") == 0;
    if (paged) {
        json_array_append_new(params,
                              json_pack("{s:s, s:s, s:{s:s, s:i}}", "name", "page", "in", "query",
                                        "schema", "type", "integer", "minimum", 1));
        json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:i, s:i}}", "name", "per_page",
                                                "in", "query", "schema", "type", "integer",
                                                "minimum", 1, "maximum", DIR_SEARCH_MAX_PER_PAGE));
    }
}

void
api_directory_schemas(json_t *schemas)
{
    json_object_set_new(schemas, "DirectoryRoot",
                        json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "type", "object",
                                  "properties", "version", "type", "string", "profile", "type",
                                  "string", "openapi_url", "type", "string"));
    json_object_set_new(
        schemas, "DirectoryPage",
        json_pack("{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, "
                  "s:{s:s, s:{s:s}}}}",
                  "type", "object", "description",
                  "the HSDS Page object; a service of /services adds distance_mi (with near), "
                  "open_now, next_open / hours_text (\"Opens Mon 9:00\"), latitude and "
                  "longitude of the location that answered",
                  "properties", "total_items", "type", "integer", "total_pages", "type", "integer",
                  "page_number", "type", "integer", "size", "type", "integer", "first_page", "type",
                  "boolean", "last_page", "type", "boolean", "empty", "type", "boolean", "contents",
                  "type", "array", "items", "type", "object"));
    json_object_set_new(schemas, "DirectoryService",
                        json_pack("{s:s, s:s}", "type", "object", "description",
                                  "an HSDS 3.0 service in full, plus open_now and hours_text"));
    json_object_set_new(
        schemas, "DirectorySites",
        json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, "
                  "s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}}}}",
                  "type", "object", "properties", "total_items", "type", "integer", "items", "type",
                  "array", "items", "type", "object", "properties", "id", "type", "string", "name",
                  "type", "string", "type", "type", "string", "latitude", "type", "number",
                  "longitude", "type", "number", "open_now", "type", "boolean", "hours_text",
                  "type", "string", "staff_contact", "type", "string"));
}
