/* hsds.c - HSDS 3.0 records in and out of the directory (see hsds.h). */
#include "directory/hsds.h"
#include "directory/synonyms.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "directory/hours.h"
#include "directory/taxonomy.h"

/* Where the importer is, for errors: "services[3].service_at_locations[0]". */
typedef struct where {
    const char *file;
    int row; /* 1-based place of the service in the file */
    char path[160];
} where;

typedef struct importer {
    store_conn *c;
    const char *file;
    int64_t user_id, now;
    const char *source;
    const json_t *organizations; /* the file's organizations, by id (may be NULL) */
    hsds_report *rep;
    hv_err *e;
} importer;

static hv_result bad(importer *im, const where *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies the parts into OUT (of SIZE bytes), cut short if need be. */
static void
join3(char *out, size_t size, const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; p && *p && n + 1 < size; p++)
            out[n++] = *p;
    out[n] = 0;
}

static hv_result
bad(importer *im, const where *w, const char *key, const char *fmt, ...)
{
    char field[200], what[160];
    join3(field, sizeof field, w->path, w->path[0] && key ? "." : "", key ? key : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return hv_fail(im->e, HV_ERR_INVALID, field, "%s, row %d, %s: %s", w->file, w->row, field,
                   what);
}

static void sub(where *out, const where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sub(where *out, const where *w, const char *fmt, ...)
{
    *out = *w;
    char tail[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    join3(out->path, sizeof out->path, w->path, w->path[0] ? "." : "", tail);
}

/* ---- reading fields --------------------------------------------------------------- */

/* Optional text KEY of O (NULL when absent or null); refuses other types and
 * text longer than MAX. */
static hv_result
text(importer *im, const where *w, const json_t *o, const char *key, size_t max, int required,
     const char **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return bad(im, w, key, "is required");
        return HV_OK;
    }
    if (!json_is_string(v))
        return bad(im, w, key, "must be text");
    if (json_string_length(v) > max)
        return bad(im, w, key, "is longer than %zu characters", max);
    const char *s = json_string_value(v);
    if (required && !*s)
        return bad(im, w, key, "must not be empty");
    *out = *s ? s : NULL;
    return HV_OK;
}

/* The record's HSDS id (required, at most 200 characters). */
static hv_result
hsds_id(importer *im, const where *w, const json_t *o, const char **out)
{
    return text(im, w, o, "id", 200, 1, out);
}

/* Optional number KEY of O within LO..HI; *SET says whether it was given. */
static hv_result
number(importer *im, const where *w, const json_t *o, const char *key, double lo, double hi,
       double *out, int *set)
{
    const json_t *v = json_object_get(o, key);
    *set = 0;
    if (!v || json_is_null(v))
        return HV_OK;
    double d;
    if (json_is_number(v))
        d = json_number_value(v);
    else if (json_is_string(v)) {
        /* CSV-born JSON often has numbers as text */
        char *end;
        d = strtod(json_string_value(v), &end);
        if (end == json_string_value(v) || *end)
            return bad(im, w, key, "must be a number");
    } else
        return bad(im, w, key, "must be a number");
    if (d < lo || d > hi)
        return bad(im, w, key, "must be from %g to %g", lo, hi);
    *out = d;
    *set = 1;
    return HV_OK;
}

static hv_result
array(importer *im, const where *w, const json_t *o, const char *key, const json_t **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return HV_OK;
    if (!json_is_array(v))
        return bad(im, w, key, "must be a list");
    *out = v;
    return HV_OK;
}

static store_val
tv(const char *s)
{
    return s ? SV_TEXTV(s) : SV_NULLV;
}

/* ---- writing ------------------------------------------------------------------------ */

/* INSERT ... ON CONFLICT (hsds_id) DO UPDATE ... RETURNING id, with the
 * columns COLS (comma-separated, hsds_id first) and values A. */
static hv_result
upsert(importer *im, const char *table, const char *cols, const store_val *a, int n, int64_t *id)
{
    char sql[1400], marks[200] = "", sets[1000] = "";
    size_t ml = 0, sl = 0;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", cols);
    int i = 0;
    for (char *save = NULL, *col = strtok_r(copy, ",", &save); col;
         col = strtok_r(NULL, ",", &save), i++) {
        while (*col == ' ')
            col++;
        ml += (size_t)snprintf(marks + ml, sizeof marks - ml, "%s?", i ? ", " : "");
        if (i > 0 && strcmp(col, "created_at") != 0) /* an update keeps its creation time */
            sl += (size_t)snprintf(sets + sl, sizeof sets - sl, "%s%s = excluded.%s",
                                   sl ? ", " : "", col, col);
    }
    if (i != n)
        return HV_ERR_INVALID;
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (hsds_id) DO UPDATE SET %s RETURNING id",
             table, cols, marks, sets);
    return store_query_int(im->c, sql, a, n, id);
}

/* A detail row (phone, language, accessibility, cost option, document,
 * contact) kept as its HSDS JSON. */
static hv_result
detail(importer *im, const where *w, const char *kind, const json_t *o, const char *parent_hsds,
       int idx, int64_t service_id, int64_t location_id)
{
    if (!json_is_object(o))
        return bad(im, w, NULL, "must be an object");
    const char *id = NULL;
    hv_result r = text(im, w, o, "id", 200, 0, &id);
    if (r != HV_OK)
        return r;
    char gen[300];
    if (!id) {
        snprintf(gen, sizeof gen, "%s/%s/%d", parent_hsds, kind, idx);
        id = gen;
    }
    char *body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (!body)
        return HV_ERR_NOMEM;
    store_val a[] = {SV_TEXTV(id), SV_TEXTV(kind), service_id ? SV_INTV(service_id) : SV_NULLV,
                     location_id ? SV_INTV(location_id) : SV_NULLV, SV_TEXTV(body)};
    int64_t rid = 0;
    r = upsert(im, "dir_detail", "hsds_id, kind, service_id, location_id, body", a, 5, &rid);
    free(body);
    return r;
}

static hv_result
details(importer *im, const where *w, const json_t *o, const char *key, const char *kind,
        const char *parent_hsds, int64_t service_id, int64_t location_id)
{
    const json_t *list;
    hv_result r = array(im, w, o, key, &list);
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d)
    {
        if (r != HV_OK)
            break;
        where dw;
        sub(&dw, w, "%s[%zu]", key, i);
        r = detail(im, &dw, kind, d, parent_hsds, (int)i, service_id, location_id);
    }
    return r;
}

/* Schedules are kept whole, to be read by the opening-hours evaluator. */
static hv_result
schedules(importer *im, const where *w, const json_t *o, const char *parent_hsds,
          int64_t service_id, int64_t location_id, int64_t sal_id)
{
    const json_t *list;
    hv_result r = array(im, w, o, "schedules", &list);
    size_t i;
    const json_t *s;
    json_array_foreach(list, i, s)
    {
        if (r != HV_OK)
            break;
        where sw;
        sub(&sw, w, "schedules[%zu]", i);
        if (!json_is_object(s))
            return bad(im, &sw, NULL, "must be an object");
        const char *id = NULL;
        if ((r = text(im, &sw, s, "id", 200, 0, &id)) != HV_OK)
            return r;
        /* the opening-hours evaluator must be able to read it */
        hours_rule rule;
        hv_err he = {0};
        if (hours_parse(s, &rule, &he) != HV_OK)
            return bad(im, &sw, he.field[0] ? he.field : NULL, "%s",
                       he.detail[0] ? he.detail : "is not a schedule haven can read");
        char gen[300];
        if (!id) {
            snprintf(gen, sizeof gen, "%s/schedule/%zu", parent_hsds, i);
            id = gen;
        }
        char *body = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
        if (!body)
            return HV_ERR_NOMEM;
        store_val a[] = {SV_TEXTV(id), service_id ? SV_INTV(service_id) : SV_NULLV,
                         location_id ? SV_INTV(location_id) : SV_NULLV,
                         sal_id ? SV_INTV(sal_id) : SV_NULLV, SV_TEXTV(body)};
        int64_t sid = 0;
        r = upsert(im, "dir_schedule",
                   "hsds_id, service_id, location_id, service_at_location_id, body", a, 5, &sid);
        free(body);
    }
    return r;
}

/* The organization O (an object, or the file's organization named by
 * ORG_ID) → *ID. */
static hv_result
organization(importer *im, const where *w, const json_t *o, int64_t *id)
{
    if (!json_is_object(o))
        return bad(im, w, NULL, "must be an object");
    const char *hid, *name, *alt, *desc, *email, *web;
    hv_result r;
    if ((r = hsds_id(im, w, o, &hid)) != HV_OK ||
        (r = text(im, w, o, "name", 300, 1, &name)) != HV_OK ||
        (r = text(im, w, o, "alternate_name", 300, 0, &alt)) != HV_OK ||
        (r = text(im, w, o, "description", 20000, 0, &desc)) != HV_OK ||
        (r = text(im, w, o, "email", 300, 0, &email)) != HV_OK ||
        (r = text(im, w, o, "website", 1000, 0, &web)) != HV_OK)
        return r;
    if (!web && (r = text(im, w, o, "url", 1000, 0, &web)) != HV_OK)
        return r;
    store_val a[] = {SV_TEXTV(hid), SV_TEXTV(name), tv(alt),          tv(desc),
                     tv(email),     tv(web),        SV_INTV(im->now), SV_INTV(im->now)};
    r = upsert(im, "dir_organization",
               "hsds_id, name, alternate_name, description, email, website, created_at, updated_at",
               a, 8, id);
    if (r == HV_OK)
        im->rep->organizations++;
    return r;
}

static hv_result
find_organization(importer *im, const where *w, const char *org_id, int64_t *id)
{
    size_t i;
    const json_t *o;
    json_array_foreach(im->organizations, i, o)
    {
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (oid && strcmp(oid, org_id) == 0) {
            where ow;
            snprintf(ow.path, sizeof ow.path, "organizations[%zu]", i);
            ow.file = w->file;
            ow.row = (int)i + 1;
            return organization(im, &ow, o, id);
        }
    }
    /* already in the directory from an earlier import? */
    store_val a[] = {SV_TEXTV(org_id)};
    hv_result r =
        store_query_int(im->c, "SELECT id FROM dir_organization WHERE hsds_id = ?", a, 1, id);
    if (r == HV_ERR_NOTFOUND)
        return bad(im, w, "organization_id", "names no organization in the file or the directory");
    return r;
}

/* A location (with its address and coordinates) → *ID. */
static hv_result
location(importer *im, const where *w, const json_t *o, int64_t org_id, int64_t *id)
{
    if (!json_is_object(o))
        return bad(im, w, NULL, "must be an object");
    const char *hid, *type, *name, *alt, *desc, *transport;
    hv_result r;
    if ((r = hsds_id(im, w, o, &hid)) != HV_OK ||
        (r = text(im, w, o, "location_type", 20, 0, &type)) != HV_OK ||
        (r = text(im, w, o, "name", 300, 0, &name)) != HV_OK ||
        (r = text(im, w, o, "alternate_name", 300, 0, &alt)) != HV_OK ||
        (r = text(im, w, o, "description", 20000, 0, &desc)) != HV_OK ||
        (r = text(im, w, o, "transportation", 2000, 0, &transport)) != HV_OK)
        return r;
    if (!type)
        type = "physical";
    if (strcmp(type, "physical") && strcmp(type, "postal") && strcmp(type, "virtual"))
        return bad(im, w, "location_type", "must be physical, postal or virtual");
    double lat = 0, lon = 0;
    int has_lat, has_lon;
    if ((r = number(im, w, o, "latitude", -90, 90, &lat, &has_lat)) != HV_OK ||
        (r = number(im, w, o, "longitude", -180, 180, &lon, &has_lon)) != HV_OK)
        return r;
    if (has_lat != has_lon)
        return bad(im, w, has_lat ? "longitude" : "latitude",
                   "is needed with the other coordinate");
    /* the first physical address (HSDS 3.0: addresses[]; 2.0: physical_address) */
    const json_t *addr = NULL, *list;
    if ((r = array(im, w, o, "addresses", &list)) != HV_OK)
        return r;
    size_t ai = 0;
    where aw = *w;
    if (list) {
        const json_t *a;
        json_array_foreach(list, ai, a)
        {
            const char *t = json_string_value(json_object_get(a, "address_type"));
            if (!addr || (t && strcmp(t, "physical") == 0)) {
                addr = a;
                sub(&aw, w, "addresses[%zu]", ai);
            }
        }
    } else if (json_is_object(json_object_get(o, "physical_address"))) {
        addr = json_object_get(o, "physical_address");
        sub(&aw, w, "physical_address");
    }
    const char *a1 = NULL, *a2 = NULL, *city = NULL, *region = NULL, *postal = NULL,
               *country = NULL;
    if (addr) {
        if (!json_is_object(addr))
            return bad(im, &aw, NULL, "must be an object");
        if ((r = text(im, &aw, addr, "address_1", 300, 0, &a1)) != HV_OK ||
            (r = text(im, &aw, addr, "address_2", 300, 0, &a2)) != HV_OK ||
            (r = text(im, &aw, addr, "city", 100, 0, &city)) != HV_OK ||
            (r = text(im, &aw, addr, "state_province", 100, 0, &region)) != HV_OK ||
            (r = text(im, &aw, addr, "postal_code", 20, 0, &postal)) != HV_OK ||
            (r = text(im, &aw, addr, "country", 2, 0, &country)) != HV_OK)
            return r;
    }
    /* haven's extension: a Safe Youth Zone site, with whom to ask for */
    int syz = 0;
    const char *syz_contact = NULL;
    const json_t *x = json_object_get(o, "x_safe_youth_zone");
    if (x && !json_is_null(x)) {
        where xw;
        sub(&xw, w, "x_safe_youth_zone");
        if (!json_is_object(x))
            return bad(im, &xw, NULL, "must be an object ({\"staff_contact\": ...})");
        if ((r = text(im, &xw, x, "staff_contact", 300, 0, &syz_contact)) != HV_OK)
            return r;
        syz = 1;
    }
    store_val a[] = {SV_TEXTV(hid),
                     org_id ? SV_INTV(org_id) : SV_NULLV,
                     SV_TEXTV(type),
                     tv(name),
                     tv(alt),
                     tv(desc),
                     tv(transport),
                     has_lat ? SV_INTV((int64_t)(lat * 1e6 + (lat >= 0 ? 0.5 : -0.5))) : SV_NULLV,
                     has_lon ? SV_INTV((int64_t)(lon * 1e6 + (lon >= 0 ? 0.5 : -0.5))) : SV_NULLV,
                     tv(a1),
                     tv(a2),
                     tv(city),
                     tv(region),
                     tv(postal),
                     tv(country),
                     SV_INTV(syz),
                     tv(syz_contact),
                     SV_INTV(im->now),
                     SV_INTV(im->now)};
    r = upsert(im, "dir_location",
               "hsds_id, organization_id, location_type, name, alternate_name, description, "
               "transportation, lat_e6, lon_e6, address_1, address_2, city, state_province, "
               "postal_code, country, syz, syz_contact, created_at, updated_at",
               a, 19, id);
    if (r != HV_OK)
        return r;
    im->rep->locations++;
    store_val l[] = {SV_INTV(*id)};
    if ((r = store_exec(im->c,
                        "DELETE FROM dir_detail WHERE location_id = ? AND service_id IS NULL", l, 1,
                        NULL)) != HV_OK ||
        (r = store_exec(im->c,
                        "DELETE FROM dir_schedule WHERE location_id = ? AND service_id IS NULL "
                        "AND service_at_location_id IS NULL",
                        l, 1, NULL)) != HV_OK)
        return r;
    if ((r = details(im, w, o, "phones", "phone", hid, 0, *id)) != HV_OK ||
        (r = details(im, w, o, "accessibility", "accessibility", hid, 0, *id)) != HV_OK ||
        (r = details(im, w, o, "languages", "language", hid, 0, *id)) != HV_OK)
        return r;
    return schedules(im, w, o, hid, 0, *id, 0);
}

static hv_result
take_text(void *ctx, const store_row *row)
{
    const char *t = store_row_text(row, 0);
    *(char **)ctx = t ? strdup(t) : NULL;
    return HV_OK;
}

/* The taxonomy term T (HSDS 3.0: {id, code, name, description, taxonomy,
 * taxonomy_id, parent_id, language}) → *ID. The taxonomy is found by its
 * id or name (made when new, never renamed here); the term by its id, else
 * by its code in that taxonomy, so a service may name a term of a loaded
 * taxonomy (Open Eligibility, a county's 211) by code alone. A term found
 * by id is updated with the fields given; one found by code is only
 * linked. A parent_id naming a term in the directory is kept. */
static hv_result
term(importer *im, const where *w, const json_t *t, int64_t *id)
{
    if (!json_is_object(t))
        return bad(im, w, NULL, "must be an object");
    const char *hid, *code, *name, *desc, *tax_id_s, *tax_name, *lang, *parent;
    hv_result r;
    if ((r = text(im, w, t, "id", 200, 0, &hid)) != HV_OK ||
        (r = text(im, w, t, "code", 100, 0, &code)) != HV_OK ||
        (r = text(im, w, t, "name", 300, 0, &name)) != HV_OK ||
        (r = text(im, w, t, "description", 2000, 0, &desc)) != HV_OK ||
        (r = text(im, w, t, "language", 20, 0, &lang)) != HV_OK ||
        (r = text(im, w, t, "taxonomy_id", 200, 0, &tax_id_s)) != HV_OK ||
        (r = text(im, w, t, "taxonomy", 200, 0, &tax_name)) != HV_OK ||
        (r = text(im, w, t, "parent_id", 200, 0, &parent)) != HV_OK)
        return r;
    int64_t tax = 0;
    const char *ref = tax_id_s ? tax_id_s : tax_name;
    if (ref) {
        r = taxonomy_find(im->c, ref, &tax);
        if (r == HV_ERR_NOTFOUND && tax_id_s && tax_name)
            r = taxonomy_find(im->c, tax_name, &tax);
        if (r == HV_ERR_NOTFOUND)
            r = taxonomy_put(im->c, ref, tax_name ? tax_name : ref, NULL, NULL, NULL, &tax);
        if (r != HV_OK)
            return r;
    }
    int64_t found = 0;
    r = taxonomy_term_find(im->c, hid, tax, code, &found);
    if (r == HV_ERR_NOTFOUND) {
        if (!hid && !(code && ref))
            return bad(im, w, "id", "is required (or a code and a taxonomy)");
        if (!name)
            return bad(im, w, hid ? "id" : "code",
                       "names no term in the file or the directory (a new term needs a name)");
        /* no id: the taxonomy's id and the code, as a taxonomy import makes */
        char gen[420], *tax_hid = NULL;
        if (!hid) {
            store_val a[] = {SV_INTV(tax)};
            r = store_query(im->c, "SELECT hsds_id FROM dir_taxonomy WHERE id = ?", a, 1, take_text,
                            &tax_hid);
            snprintf(gen, sizeof gen, "%s:%s", tax_hid ? tax_hid : ref, code);
            free(tax_hid);
        }
        if (r == HV_OK || r == HV_ERR_NOTFOUND)
            r = taxonomy_term_put(im->c, hid ? hid : gen, tax, code, name, desc, lang, id);
    } else if (r == HV_OK) {
        *id = found;
        if (name && hid) { /* found by its id: what is given is the news */
            store_val a[] = {SV_INTV(found), SV_TEXTV(hid)};
            int64_t same_id = 0;
            r = store_query_int(
                im->c, "SELECT COUNT(*) FROM dir_taxonomy_term WHERE id = ? AND hsds_id = ?", a, 2,
                &same_id);
            if (r == HV_OK && same_id)
                r = taxonomy_term_put(im->c, hid, tax, code, name, desc, lang, id);
        }
    }
    if (r != HV_OK)
        return r;
    if (parent) {
        int64_t pid = 0;
        r = taxonomy_term_find(im->c, parent, 0, NULL, &pid);
        if (r == HV_OK && pid != *id)
            r = taxonomy_term_parent(im->c, *id, pid);
        else if (r == HV_ERR_NOTFOUND || r == HV_OK)
            r = HV_OK;
        if (r != HV_OK)
            return r;
    }
    im->rep->terms++;
    return HV_OK;
}

/* A document's own taxonomies and terms ({"taxonomies": [...],
 * "taxonomy_terms": [...]}, as the CSV data package and the export have
 * them), before its services; a term's parent_id must name a term of the
 * list or the directory. */
static hv_result
taxonomy_lists(importer *im, const json_t *doc)
{
    const json_t *taxes = json_object_get(doc, "taxonomies");
    const json_t *terms = json_object_get(doc, "taxonomy_terms");
    where top = {.file = im->file, .row = 0, .path = ""};
    if (taxes && !json_is_array(taxes))
        return bad(im, &top, "taxonomies", "must be a list");
    if (terms && !json_is_array(terms))
        return bad(im, &top, "taxonomy_terms", "must be a list");
    size_t i;
    const json_t *x;
    hv_result r = HV_OK;
    json_array_foreach(taxes, i, x)
    {
        where w = {.file = im->file, .row = (int)i + 1};
        snprintf(w.path, sizeof w.path, "taxonomies[%zu]", i);
        if (!json_is_object(x))
            return bad(im, &w, NULL, "must be an object");
        const char *hid, *name, *desc, *uri, *version;
        int64_t tid;
        if ((r = hsds_id(im, &w, x, &hid)) != HV_OK ||
            (r = text(im, &w, x, "name", 300, 1, &name)) != HV_OK ||
            (r = text(im, &w, x, "description", 2000, 0, &desc)) != HV_OK ||
            (r = text(im, &w, x, "uri", 1000, 0, &uri)) != HV_OK ||
            (r = text(im, &w, x, "version", 100, 0, &version)) != HV_OK ||
            (r = taxonomy_put(im->c, hid, name, desc, uri, version, &tid)) != HV_OK)
            return r;
    }
    json_array_foreach(terms, i, x)
    {
        where w = {.file = im->file, .row = (int)i + 1};
        snprintf(w.path, sizeof w.path, "taxonomy_terms[%zu]", i);
        int64_t tid;
        if ((r = term(im, &w, x, &tid)) != HV_OK)
            return r;
    }
    /* parents, once every term of the list is in */
    json_array_foreach(terms, i, x)
    {
        where w = {.file = im->file, .row = (int)i + 1};
        snprintf(w.path, sizeof w.path, "taxonomy_terms[%zu]", i);
        const char *parent = json_string_value(json_object_get(x, "parent_id"));
        if (!parent)
            continue;
        int64_t tid, pid;
        const char *hid = json_string_value(json_object_get(x, "id"));
        const char *code = json_string_value(json_object_get(x, "code"));
        if ((r = taxonomy_term_find(im->c, hid, 0, code, &tid)) != HV_OK)
            return r == HV_ERR_NOTFOUND ? bad(im, &w, "id", "names no term") : r;
        r = taxonomy_term_find(im->c, parent, 0, NULL, &pid);
        if (r == HV_ERR_NOTFOUND)
            return bad(im, &w, "parent_id", "names no term in the file or the directory");
        if (r == HV_OK && pid == tid)
            return bad(im, &w, "parent_id", "names the term itself");
        if (r != HV_OK || (r = taxonomy_term_parent(im->c, tid, pid)) != HV_OK)
            return r;
    }
    return HV_OK;
}

/* Free of charge: a cost option of amount 0, or fees that say so. */
static int
is_free(const char *fees, const json_t *costs)
{
    size_t i;
    const json_t *c;
    json_array_foreach(costs, i, c)
    {
        const json_t *amt = json_object_get(c, "amount");
        if (json_is_number(amt) && json_number_value(amt) == 0)
            return 1;
    }
    if (!fees)
        return 0;
    static const char *const words[] = {"free",   "no cost",   "no charge",
                                        "gratis", "sin costo", NULL};
    for (int k = 0; words[k]; k++) {
        size_t n = strlen(words[k]);
        for (const char *p = fees; *p; p++)
            if (strncasecmp(p, words[k], n) == 0 && (p == fees || !isalpha((unsigned char)p[-1])) &&
                !isalpha((unsigned char)p[n]))
                return 1;
    }
    return 0;
}

/* The service as last imported (its change history's newest body). */
static hv_result
last_body(importer *im, int64_t id, char **out)
{
    *out = NULL;
    store_val a[] = {SV_INTV(id)};
    return store_query(
        im->c,
        "SELECT after_body FROM dir_change WHERE entity = 'service' AND entity_id = ? "
        "ORDER BY id DESC LIMIT 1",
        a, 1, take_text, out);
}

/* The text the full-text index holds for a service. */
static hv_result
index_service(importer *im, int64_t id, const char *name, const char *alt, const char *desc,
              const char *org, const char *terms)
{
    char names[700];
    snprintf(names, sizeof names, "%s%s%s", name, alt ? " " : "", alt ? alt : "");
    /* the categories column also carries the Spanish words for what the
     * service offers (synonyms.h), so a search in Spanish finds it */
    buf words;
    buf_init(&words, 64 * 1024);
    hv_result r = terms ? buf_adds(&words, terms) : HV_OK;
    const char *const texts[] = {names, desc, terms};
    if (r == HV_OK)
        r = synonyms_es(texts, 3, &words);
    store_val d[] = {SV_INTV(id)};
    store_val a[] = {SV_INTV(id), SV_TEXTV(names), tv(desc), tv(org), tv(words.data)};
    if (r == HV_OK)
        r = store_exec(im->c, "DELETE FROM dir_service_fts WHERE rowid = ?", d, 1, NULL);
    if (r == HV_OK)
        r = store_exec(
            im->c,
            "INSERT INTO dir_service_fts (rowid, name, description, organization, terms) "
            "VALUES (?, ?, ?, ?, ?)",
            a, 5, NULL);
    buf_free(&words);
    return r;
}

static hv_result
service(importer *im, const where *w, const json_t *s)
{
    if (!json_is_object(s))
        return bad(im, w, NULL, "must be an object");
    const char *hid, *name, *alt, *desc, *url, *email, *status, *interp, *apply, *fees, *elig,
        *alert, *assured;
    hv_result r;
    if ((r = hsds_id(im, w, s, &hid)) != HV_OK ||
        (r = text(im, w, s, "name", 300, 1, &name)) != HV_OK ||
        (r = text(im, w, s, "alternate_name", 300, 0, &alt)) != HV_OK ||
        (r = text(im, w, s, "description", 20000, 0, &desc)) != HV_OK ||
        (r = text(im, w, s, "url", 1000, 0, &url)) != HV_OK ||
        (r = text(im, w, s, "email", 300, 0, &email)) != HV_OK ||
        (r = text(im, w, s, "status", 30, 0, &status)) != HV_OK ||
        (r = text(im, w, s, "interpretation_services", 2000, 0, &interp)) != HV_OK ||
        (r = text(im, w, s, "application_process", 5000, 0, &apply)) != HV_OK ||
        (r = text(im, w, s, "fees_description", 2000, 0, &fees)) != HV_OK ||
        (r = text(im, w, s, "eligibility_description", 5000, 0, &elig)) != HV_OK ||
        (r = text(im, w, s, "alert", 2000, 0, &alert)) != HV_OK ||
        (r = text(im, w, s, "assured_date", 10, 0, &assured)) != HV_OK)
        return r;
    if (!status)
        status = "active";
    if (strcmp(status, "active") && strcmp(status, "inactive") && strcmp(status, "defunct") &&
        strcmp(status, "temporarily closed"))
        return bad(im, w, "status", "must be active, inactive, defunct or temporarily closed");
    if (assured && !clock_valid_date(assured))
        return bad(im, w, "assured_date", "must be a date (YYYY-MM-DD)");
    double min_age = 0, max_age = 0;
    int has_min, has_max;
    if ((r = number(im, w, s, "minimum_age", 0, 120, &min_age, &has_min)) != HV_OK ||
        (r = number(im, w, s, "maximum_age", 0, 120, &max_age, &has_max)) != HV_OK)
        return r;
    if (has_min && has_max && min_age > max_age)
        return bad(im, w, "maximum_age", "is below minimum_age");
    const json_t *costs, *sals, *attrs, *langs;
    if ((r = array(im, w, s, "cost_options", &costs)) != HV_OK ||
        (r = array(im, w, s, "service_at_locations", &sals)) != HV_OK ||
        (r = array(im, w, s, "attributes", &attrs)) != HV_OK ||
        (r = array(im, w, s, "languages", &langs)) != HV_OK)
        return r;

    /* the organization: nested, or named by id */
    int64_t org_id = 0;
    const char *org_name = NULL;
    const json_t *org = json_object_get(s, "organization");
    if (org && !json_is_null(org)) {
        where ow;
        sub(&ow, w, "organization");
        if ((r = organization(im, &ow, org, &org_id)) != HV_OK)
            return r;
        org_name = json_string_value(json_object_get(org, "name"));
    } else {
        const char *oid;
        if ((r = text(im, w, s, "organization_id", 200, 1, &oid)) != HV_OK ||
            (r = find_organization(im, w, oid, &org_id)) != HV_OK)
            return r;
    }

    /* unchanged since the last import: nothing to write */
    char *body = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS), *before = NULL;
    if (!body)
        return HV_ERR_NOMEM;
    int64_t existing = 0;
    store_val h[] = {SV_TEXTV(hid)};
    r = store_query_int(im->c, "SELECT id FROM dir_service WHERE hsds_id = ?", h, 1, &existing);
    if (r == HV_ERR_NOTFOUND)
        r = HV_OK;
    if (r == HV_OK && existing)
        r = last_body(im, existing, &before);
    if (r == HV_OK && before && strcmp(before, body) == 0) {
        im->rep->services_unchanged++;
        free(body);
        free(before);
        return HV_OK;
    }

    int64_t id = 0;
    store_val a[] = {SV_TEXTV(hid),
                     SV_INTV(org_id),
                     SV_TEXTV(name),
                     tv(alt),
                     tv(desc),
                     tv(url),
                     tv(email),
                     SV_TEXTV(status),
                     tv(interp),
                     tv(apply),
                     tv(fees),
                     SV_INTV(is_free(fees, costs)),
                     tv(elig),
                     has_min ? SV_INTV((int64_t)min_age) : SV_NULLV,
                     has_max ? SV_INTV((int64_t)max_age) : SV_NULLV,
                     tv(alert),
                     tv(assured),
                     SV_INTV(im->now),
                     SV_INTV(im->now),
                     SV_INTV(im->now)};
    if (r == HV_OK)
        r = upsert(im, "dir_service",
                   "hsds_id, organization_id, name, alternate_name, description, url, email, "
                   "status, interpretation_services, application_process, fees_description, "
                   "free, eligibility_description, minimum_age, maximum_age, alert, assured_date, "
                   "verified_at, created_at, updated_at",
                   a, 20, &id);
    /* what hangs off it is written again from the file */
    store_val sid[] = {SV_INTV(id)};
    static const char *const clear[] = {
        "DELETE FROM dir_detail WHERE service_id = ?",
        "DELETE FROM dir_schedule WHERE service_id = ?",
        "DELETE FROM dir_schedule WHERE service_at_location_id IN (SELECT id FROM "
        "dir_service_at_location WHERE service_id = ?)",
        "DELETE FROM dir_service_at_location WHERE service_id = ?",
        "DELETE FROM dir_language WHERE service_id = ?",
        "DELETE FROM dir_service_term WHERE service_id = ?",
    };
    /* (a new service has nothing to clear: skipping it keeps a large first
     * import linear; dir_schedule has no index on service_at_location_id) */
    for (size_t k = 0; r == HV_OK && existing && k < sizeof clear / sizeof clear[0]; k++)
        r = store_exec(im->c, clear[k], sid, 1, NULL);
    if (r == HV_OK &&
        ((r = details(im, w, s, "phones", "phone", hid, id, 0)) != HV_OK ||
         (r = details(im, w, s, "cost_options", "cost_option", hid, id, 0)) != HV_OK ||
         (r = details(im, w, s, "required_documents", "required_document", hid, id, 0)) != HV_OK ||
         (r = details(im, w, s, "contacts", "contact", hid, id, 0)) != HV_OK ||
         (r = details(im, w, s, "languages", "language", hid, id, 0)) != HV_OK ||
         (r = schedules(im, w, s, hid, id, 0, 0)) != HV_OK)) {
        /* r says why */
    }
    /* languages, as codes for the filter */
    size_t i;
    const json_t *l;
    json_array_foreach(langs, i, l)
    {
        if (r != HV_OK)
            break;
        where lw;
        sub(&lw, w, "languages[%zu]", i);
        const char *code = NULL;
        if ((r = text(im, &lw, l, "code", 20, 0, &code)) != HV_OK)
            break;
        if (!code) {
            r = bad(im, &lw, "code", "is required (an ISO 639 code such as es)");
            break;
        }
        char lower[24];
        size_t n = 0;
        for (; code[n] && n < sizeof lower - 1; n++)
            lower[n] = (char)tolower((unsigned char)code[n]);
        lower[n] = 0;
        store_val a2[] = {SV_INTV(id), SV_TEXTV(lower)};
        r = store_exec(im->c,
                       "INSERT INTO dir_language (service_id, code) VALUES (?, ?) ON CONFLICT DO "
                       "NOTHING",
                       a2, 2, NULL);
    }
    /* taxonomy terms */
    char terms[2000] = "";
    size_t tl = 0;
    const json_t *at;
    json_array_foreach(attrs, i, at)
    {
        if (r != HV_OK)
            break;
        where tw;
        sub(&tw, w, "attributes[%zu].taxonomy_term", i);
        const json_t *t = json_object_get(at, "taxonomy_term");
        if (!t) {
            r = bad(im, &tw, NULL, "is required");
            break;
        }
        int64_t term_id = 0;
        if ((r = term(im, &tw, t, &term_id)) != HV_OK)
            break;
        store_val a2[] = {SV_INTV(id), SV_INTV(term_id)};
        r = store_exec(im->c,
                       "INSERT INTO dir_service_term (service_id, term_id) VALUES (?, ?) ON "
                       "CONFLICT DO NOTHING",
                       a2, 2, NULL);
        const char *tn = json_string_value(json_object_get(t, "name"));
        if (tn && tl < sizeof terms - 1)
            tl += (size_t)snprintf(terms + tl, sizeof terms - tl, "%s%s", tl ? " " : "", tn);
    }
    /* where it is offered */
    const json_t *sal;
    json_array_foreach(sals, i, sal)
    {
        if (r != HV_OK)
            break;
        where sw;
        sub(&sw, w, "service_at_locations[%zu]", i);
        if (!json_is_object(sal)) {
            r = bad(im, &sw, NULL, "must be an object");
            break;
        }
        const char *salid, *saldesc;
        const json_t *loc = json_object_get(sal, "location");
        if ((r = hsds_id(im, &sw, sal, &salid)) != HV_OK ||
            (r = text(im, &sw, sal, "description", 2000, 0, &saldesc)) != HV_OK)
            break;
        if (!loc) {
            r = bad(im, &sw, "location", "is required");
            break;
        }
        where lw;
        sub(&lw, &sw, "location");
        int64_t loc_id = 0, sal_id = 0;
        if ((r = location(im, &lw, loc, org_id, &loc_id)) != HV_OK)
            break;
        store_val a2[] = {SV_TEXTV(salid), SV_INTV(id), SV_INTV(loc_id), tv(saldesc)};
        if ((r = upsert(im, "dir_service_at_location",
                        "hsds_id, service_id, location_id, description", a2, 4, &sal_id)) != HV_OK)
            break;
        r = schedules(im, &sw, sal, salid, 0, 0, sal_id);
    }
    if (r == HV_OK)
        r = index_service(im, id, name, alt, desc, org_name, terms);
    if (r == HV_OK) {
        store_val c[] = {SV_INTV(id),
                         SV_INTV(im->now),
                         im->user_id ? SV_INTV(im->user_id) : SV_NULLV,
                         SV_TEXTV(im->source),
                         SV_TEXTV(existing ? "updated" : "created"),
                         tv(before),
                         SV_TEXTV(body)};
        r = store_exec(im->c,
                       "INSERT INTO dir_change (entity, entity_id, at, by_user_id, source, action, "
                       "before_body, after_body) VALUES ('service', ?, ?, ?, ?, ?, ?, ?)",
                       c, 7, NULL);
    }
    if (r == HV_OK) {
        if (existing)
            im->rep->services_updated++;
        else
            im->rep->services_created++;
    }
    free(body);
    free(before);
    return r;
}

hv_result
hsds_import(store_conn *c, const json_t *doc, const char *file, int64_t user_id, const char *source,
            hsds_report *rep, hv_err *e)
{
    memset(rep, 0, sizeof *rep);
    importer im = {.c = c,
                   .file = file ? file : "input",
                   .user_id = user_id,
                   .now = clock_now_ms(),
                   .source = source ? source : "import",
                   .rep = rep,
                   .e = e};
    const json_t *services = doc;
    where top = {.file = im.file, .row = 0, .path = ""};
    if (json_is_object(doc)) {
        services = json_object_get(doc, "services");
        im.organizations = json_object_get(doc, "organizations");
        if (im.organizations && !json_is_array(im.organizations))
            return bad(&im, &top, "organizations", "must be a list");
        /* the API reference's paged answer: {"contents": [...]} */
        if (!services)
            services = json_object_get(doc, "contents");
    }
    if (!json_is_array(services))
        return bad(&im, &top, "services", "must be a list of HSDS services");
    if (json_is_object(doc)) {
        hv_result r = taxonomy_lists(&im, doc);
        if (r != HV_OK) {
            if (!e->detail[0])
                hv_fail(e, r, NULL, "%s: the taxonomies could not be written", im.file);
            return r;
        }
    }
    size_t i;
    const json_t *s;
    json_array_foreach(services, i, s)
    {
        where w = {.file = im.file, .row = (int)i + 1};
        snprintf(w.path, sizeof w.path, "services[%zu]", i);
        hv_result r = service(&im, &w, s);
        if (r != HV_OK) {
            if (!e->detail[0])
                hv_fail(e, r, w.path, "%s, row %d: the record could not be written", im.file,
                        w.row);
            return r;
        }
    }
    return HV_OK;
}
