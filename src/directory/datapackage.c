/* datapackage.c - the directory as an HSDS 3.0 CSV data package (see datapackage.h). */
#include "directory/datapackage.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"

/* ---- the tables --------------------------------------------------------------------- */

/* Each HSDS table haven reads and writes: its columns in the order written
 * (HSDS 3.0's, plus haven's schedule extensions bymonth and closed) and the
 * link columns that say where a row hangs (kept out of the nested JSON). */
typedef struct dp_spec {
    const char *name;
    const char *cols;
    const char *links;
} dp_spec;

enum {
    T_ORG,
    T_SVC,
    T_LOC,
    T_SAL,
    T_ADDR,
    T_PHONE,
    T_SCHED,
    T_LANG,
    T_TAX,
    T_TERM,
    T_ATTR,
    T_COST,
    T_ACCESS,
    T_DOC,
    T_CONTACT,
    T__MAX
};

static const dp_spec specs[T__MAX] = {
    [T_ORG] = {"organizations", "id,name,alternate_name,description,email,website", ""},
    [T_SVC] = {"services",
               "id,organization_id,name,alternate_name,description,url,email,status,"
               "interpretation_services,application_process,fees_description,"
               "eligibility_description,minimum_age,maximum_age,alert,assured_date",
               ""},
    [T_LOC] = {"locations",
               "id,location_type,organization_id,name,alternate_name,description,transportation,"
               "latitude,longitude",
               ""},
    [T_SAL] = {"service_at_locations", "id,service_id,location_id,description",
               "service_id,location_id"},
    [T_ADDR] = {"addresses",
                "id,location_id,attention,address_1,address_2,city,region,state_province,"
                "postal_code,country,address_type",
                "location_id"},
    [T_PHONE] = {"phones",
                 "id,location_id,service_id,organization_id,contact_id,service_at_location_id,"
                 "number,extension,type,description",
                 "location_id,service_id,organization_id,contact_id,service_at_location_id"},
    [T_SCHED] = {"schedules",
                 "id,service_id,location_id,service_at_location_id,valid_from,valid_to,dtstart,"
                 "timezone,until,count,wkst,freq,interval,byday,byweekno,bymonthday,byyearday,"
                 "bymonth,description,opens_at,closes_at,schedule_link,attending_type,notes,"
                 "closed",
                 "service_id,location_id,service_at_location_id"},
    [T_LANG] = {"languages", "id,service_id,location_id,phone_id,name,code,note",
                "service_id,location_id,phone_id"},
    [T_TAX] = {"taxonomies", "id,name,description,uri,version", ""},
    [T_TERM] = {"taxonomy_terms",
                "id,code,name,description,parent_id,taxonomy,taxonomy_id,language,term_uri", ""},
    [T_ATTR] = {"attributes", "id,link_id,taxonomy_term_id,link_type,link_entity,value,label",
                "link_id,taxonomy_term_id,link_type,link_entity"},
    [T_COST] = {"cost_options",
                "id,service_id,valid_from,valid_to,option,currency,amount,amount_description",
                "service_id"},
    [T_ACCESS] = {"accessibility", "id,location_id,description,details,url", "location_id"},
    [T_DOC] = {"required_documents", "id,service_id,document,uri", "service_id"},
    [T_CONTACT] = {"contacts",
                   "id,organization_id,service_id,service_at_location_id,location_id,name,title,"
                   "department,email",
                   "organization_id,service_id,service_at_location_id,location_id"},
};

/* Column kinds: numbers, a number or a zone name, booleans; the rest text. */
static const char *const number_cols[] = {"minimum_age", "maximum_age", "latitude", "longitude",
                                          "count",       "interval",    "amount",   NULL};

static int
in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int
is_number_col(const char *name)
{
    for (int i = 0; number_cols[i]; i++)
        if (strcmp(number_cols[i], name) == 0)
            return 1;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

typedef struct prov {
    const json_t *obj;
    int table, line;
    const char *col; /* the column this object stands for, or NULL */
} prov;

typedef struct table {
    int present;
    json_t *rows; /* objects, one per data row */
    int *lines;   /* the CSV line of each */
    size_t nlines, caplines;
    json_t *index; /* id → row */
    /* while parsing */
    char **hdr;
    size_t nhdr, caphdr;
    json_t *cur;
    size_t col;
    int row_line;
} table;

typedef struct dp {
    table t[T__MAX];
    prov *prov;
    size_t nprov, capprov;
    int line, failed;
    int cur_table;
    int64_t skipped;
    hv_err *e;
} dp;

static hv_result dp_bad(dp *d, int t, int line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static hv_result
dp_bad(dp *d, int t, int line, const char *col, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    d->failed = 1;
    if (col)
        return hv_fail(d->e, HV_ERR_INVALID, col, "%s.csv, row %d, column %s: %s", specs[t].name,
                       line, col, what);
    return hv_fail(d->e, HV_ERR_INVALID, NULL, "%s.csv, row %d: %s", specs[t].name, line, what);
}

static hv_result
remember(dp *d, const json_t *o, int t, int line, const char *col)
{
    if (d->nprov == d->capprov) {
        size_t cap = d->capprov ? d->capprov * 2 : 256;
        prov *p = realloc(d->prov, cap * sizeof *p);
        if (!p)
            return HV_ERR_NOMEM;
        d->prov = p;
        d->capprov = cap;
    }
    d->prov[d->nprov++] = (prov){o, t, line, col};
    return HV_OK;
}

static const prov *
provenance(const dp *d, const json_t *o)
{
    for (size_t i = d->nprov; i-- > 0;)
        if (d->prov[i].obj == o)
            return &d->prov[i];
    return NULL;
}

static void
on_field(void *s, size_t len, void *ctx)
{
    dp *d = ctx;
    if (d->failed)
        return;
    table *t = &d->t[d->cur_table];
    if (t->col == 0 && !t->cur)
        t->row_line = d->line;
    if (!t->rows) { /* the header */
        if (t->nhdr == t->caphdr) {
            size_t cap = t->caphdr ? t->caphdr * 2 : 16;
            char **h = realloc(t->hdr, cap * sizeof *h);
            if (!h) {
                d->failed = 1;
                hv_fail(d->e, HV_ERR_NOMEM, NULL, "out of memory");
                return;
            }
            t->hdr = h;
            t->caphdr = cap;
        }
        const char *p = s ? s : "";
        if (t->nhdr == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) { /* a BOM */
            p += 3;
            len -= 3;
        }
        t->hdr[t->nhdr++] = strndup(p, len);
        t->col++;
        return;
    }
    if (!t->cur && !(t->cur = json_object())) {
        d->failed = 1;
        hv_fail(d->e, HV_ERR_NOMEM, NULL, "out of memory");
        return;
    }
    size_t c = t->col++;
    if (c >= t->nhdr) {
        if (len)
            dp_bad(d, d->cur_table, t->row_line, NULL, "has more fields than the header");
        return;
    }
    const char *name = t->hdr[c];
    if (!len || !*name)
        return; /* an empty cell is an absent value */
    json_t *v = NULL;
    if (is_number_col(name) || strcmp(name, "timezone") == 0) {
        /* HSDS's integers (count, interval) as integers, its numbers as
         * reals whatever their digits, so a value reads back the same */
        int whole = strcmp(name, "count") == 0 || strcmp(name, "interval") == 0;
        char *end;
        errno = 0;
        if (whole) {
            long long n = strtoll(s, &end, 10);
            if (end == (char *)s + len && end != s && errno == 0)
                v = json_integer(n);
        } else {
            double x = strtod(s, &end);
            if (end == (char *)s + len && end != s && errno == 0 && x == x && x - x == 0)
                v = json_real(x);
        }
        if (!v && strcmp(name, "timezone") != 0) {
            dp_bad(d, d->cur_table, t->row_line, name,
                   whole ? "must be a whole number" : "must be a number");
            return;
        }
    } else if (strcmp(name, "closed") == 0) {
        if (len == 4 && memcmp(s, "true", 4) == 0)
            v = json_true();
        else if (len == 5 && memcmp(s, "false", 5) == 0)
            v = json_false();
        else {
            dp_bad(d, d->cur_table, t->row_line, name, "must be true or false");
            return;
        }
    }
    if (!v && !(v = json_stringn(s, len))) {
        dp_bad(d, d->cur_table, t->row_line, name, "is not UTF-8 text");
        return;
    }
    json_object_set_new(t->cur, name, v);
}

static void
on_row(int term, void *ctx)
{
    (void)term;
    dp *d = ctx;
    if (d->failed)
        return;
    table *t = &d->t[d->cur_table];
    if (!t->rows) {
        if (!(t->rows = json_array()) || !(t->index = json_object())) {
            d->failed = 1;
            hv_fail(d->e, HV_ERR_NOMEM, NULL, "out of memory");
            return;
        }
        int has_id = 0;
        for (size_t i = 0; i < t->nhdr; i++)
            has_id |= strcmp(t->hdr[i], "id") == 0;
        if (!has_id)
            dp_bad(d, d->cur_table, t->row_line, "id", "the header has no id column");
        t->col = 0;
        return;
    }
    json_t *o = t->cur;
    t->cur = NULL;
    t->col = 0;
    if (!o)
        return;
    int line = t->row_line;
    const char *id = json_string_value(json_object_get(o, "id"));
    if (!id) {
        json_decref(o);
        dp_bad(d, d->cur_table, line, "id", "is required");
        return;
    }
    if (json_object_get(t->index, id)) {
        json_decref(o);
        dp_bad(d, d->cur_table, line, "id", "is the id of an earlier row too");
        return;
    }
    if (t->nlines == t->caplines) {
        size_t cap = t->caplines ? t->caplines * 2 : 64;
        int *l = realloc(t->lines, cap * sizeof *l);
        if (!l) {
            json_decref(o);
            d->failed = 1;
            hv_fail(d->e, HV_ERR_NOMEM, NULL, "out of memory");
            return;
        }
        t->lines = l;
        t->caplines = cap;
    }
    t->lines[t->nlines++] = line;
    json_object_set(t->index, id, o);
    json_array_append_new(t->rows, o);
    if (remember(d, o, d->cur_table, line, NULL) != HV_OK) {
        d->failed = 1;
        hv_fail(d->e, HV_ERR_NOMEM, NULL, "out of memory");
    }
}

/* Parses DIR/NAME.csv into table T (absent: an empty table). */
static hv_result
read_table(dp *d, const char *dir, const char *path, int t)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/%s", dir, path);
    FILE *f = fopen(file, "rb");
    if (!f) {
        if (errno == ENOENT)
            return HV_OK;
        return hv_fail(d->e, HV_ERR_IO, NULL, "%s: cannot be read: %s", path, strerror(errno));
    }
    d->t[t].present = 1;
    d->cur_table = t;
    d->line = 1;
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        return HV_ERR_NOMEM;
    }
    /* fed a line at a time, so each row knows its line */
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int bad = 0;
    while (!d->failed && (n = getline(&line, &cap, f)) > 0) {
        if (csv_parse(&p, line, (size_t)n, on_field, on_row, d) != (size_t)n) {
            bad = 1;
            break;
        }
        d->line++;
    }
    if (!bad && !d->failed && csv_fini(&p, on_field, on_row, d) != 0)
        bad = 1;
    free(line);
    if (bad && !d->failed)
        dp_bad(d, t, d->line, NULL, "is not CSV (%s)", csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(f);
    json_decref(d->t[t].cur);
    d->t[t].cur = NULL;
    if (!d->failed && !d->t[t].rows)
        dp_bad(d, t, 1, NULL, "has no header row");
    return d->failed ? d->e->code ? d->e->code : HV_ERR_INVALID : HV_OK;
}

/* The link column COL of the row (a copy in OUT, "" when empty); the column
 * is removed from the row when it is one of the table's links. */
static void
link_of(json_t *row, int t, const char *col, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(row, col));
    snprintf(out, size, "%s", v ? v : "");
    if (in_list(specs[t].links, col))
        json_object_del(row, col);
}

/* The row of table T that LINK names (NULL when LINK is empty); an error
 * naming row LINE's column COL of table FROM when no such row. */
static hv_result
target(dp *d, int from, int line, const char *col, int t, const char *link, json_t **out)
{
    *out = NULL;
    if (!*link)
        return HV_OK;
    *out = json_object_get(d->t[t].index, link);
    if (!*out)
        return dp_bad(d, from, line, col, "names no row of %s.csv", specs[t].name);
    return HV_OK;
}

/* Appends ITEM (a reference is taken) to the list KEY of PARENT. */
static hv_result
append(json_t *parent, const char *key, json_t *item)
{
    json_t *list = json_object_get(parent, key);
    if (!list) {
        if (!(list = json_array()) || json_object_set_new(parent, key, list) != 0)
            return HV_ERR_NOMEM;
    }
    return json_array_append(list, item) == 0 ? HV_OK : HV_ERR_NOMEM;
}

/* Hangs each row of table T on the first of its links that names a row
 * (by KEYS: link column, table, list key … terminated by NULL). A row with
 * no link is skipped (counted) unless REQUIRED, then an error. */
typedef struct hang {
    const char *col;
    int table;
    const char *key;
} hang;

static hv_result
hang_rows(dp *d, int t, const hang *how, int required)
{
    size_t i;
    json_t *row;
    json_array_foreach(d->t[t].rows, i, row)
    {
        int line = d->t[t].lines[i];
        char links[6][256];
        json_t *parent = NULL;
        int k = 0;
        for (; how[k].col; k++)
            link_of(row, t, how[k].col, links[k], sizeof links[k]);
        hv_result r = HV_OK;
        for (k = 0; how[k].col && !parent; k++) {
            if ((r = target(d, t, line, how[k].col, how[k].table, links[k], &parent)) != HV_OK)
                return r;
            if (parent && !how[k].key) { /* a link haven does not keep */
                parent = NULL;
                break;
            }
            if (parent && (r = append(parent, how[k].key, row)) != HV_OK)
                return r;
        }
        if (!parent) {
            if (required)
                return dp_bad(d, t, line, how[0].col, "is required");
            d->skipped++;
        }
    }
    return HV_OK;
}

static hv_result
assemble(dp *d, json_t **doc)
{
    hv_result r;
    /* addresses and accessibility on locations */
    static const hang on_loc[] = {{"location_id", T_LOC, "addresses"}, {NULL, 0, NULL}};
    static const hang acc_loc[] = {{"location_id", T_LOC, "accessibility"}, {NULL, 0, NULL}};
    if ((r = hang_rows(d, T_ADDR, on_loc, 1)) != HV_OK ||
        (r = hang_rows(d, T_ACCESS, acc_loc, 1)) != HV_OK)
        return r;
    /* contacts on services, then phones on contacts, services, locations */
    static const hang contact[] = {
        {"service_id", T_SVC, "contacts"}, {"organization_id", T_ORG, NULL}, {NULL, 0, NULL}};
    /* an organization's contacts: skipped (haven keeps services' only) */
    size_t i;
    json_t *row;
    json_array_foreach(d->t[T_CONTACT].rows, i, row)
    {
        char s[256], o[256], sal[256], loc[256];
        json_t *p = NULL;
        link_of(row, T_CONTACT, "service_id", s, sizeof s);
        link_of(row, T_CONTACT, "organization_id", o, sizeof o);
        link_of(row, T_CONTACT, "service_at_location_id", sal, sizeof sal);
        link_of(row, T_CONTACT, "location_id", loc, sizeof loc);
        if ((r = target(d, T_CONTACT, d->t[T_CONTACT].lines[i], "service_id", T_SVC, s, &p)) !=
            HV_OK)
            return r;
        if (p && (r = append(p, contact[0].key, row)) != HV_OK)
            return r;
        if (!p)
            d->skipped++;
    }
    static const hang phone[] = {
        {"contact_id", T_CONTACT, "phones"},     {"service_id", T_SVC, "phones"},
        {"location_id", T_LOC, "phones"},        {"organization_id", T_ORG, NULL},
        {"service_at_location_id", T_SAL, NULL}, {NULL, 0, NULL}};
    static const hang lang[] = {{"service_id", T_SVC, "languages"},
                                {"location_id", T_LOC, "languages"},
                                {"phone_id", T_PHONE, NULL},
                                {NULL, 0, NULL}};
    static const hang cost[] = {{"service_id", T_SVC, "cost_options"}, {NULL, 0, NULL}};
    static const hang docs[] = {{"service_id", T_SVC, "required_documents"}, {NULL, 0, NULL}};
    /* phones of an organization or of a service at a location: skipped */
    json_array_foreach(d->t[T_PHONE].rows, i, row)
    {
        char l[5][256];
        json_t *p = NULL;
        for (int k = 0; k < 5; k++)
            link_of(row, T_PHONE, phone[k].col, l[k], sizeof l[k]);
        for (int k = 0; k < 5 && !p; k++) {
            if ((r = target(d, T_PHONE, d->t[T_PHONE].lines[i], phone[k].col, phone[k].table, l[k],
                            &p)) != HV_OK)
                return r;
            if (p && !phone[k].key) {
                p = NULL;
                break;
            }
            if (p && (r = append(p, phone[k].key, row)) != HV_OK)
                return r;
        }
        if (!p)
            d->skipped++;
    }
    if ((r = hang_rows(d, T_LANG, lang, 0)) != HV_OK ||
        (r = hang_rows(d, T_COST, cost, 1)) != HV_OK || (r = hang_rows(d, T_DOC, docs, 1)) != HV_OK)
        return r;
    /* services at locations, with their location */
    json_array_foreach(d->t[T_SAL].rows, i, row)
    {
        int line = d->t[T_SAL].lines[i];
        char s[256], l[256];
        json_t *svc, *loc;
        link_of(row, T_SAL, "service_id", s, sizeof s);
        link_of(row, T_SAL, "location_id", l, sizeof l);
        if (!*s)
            return dp_bad(d, T_SAL, line, "service_id", "is required");
        if (!*l)
            return dp_bad(d, T_SAL, line, "location_id", "is required");
        if ((r = target(d, T_SAL, line, "service_id", T_SVC, s, &svc)) != HV_OK ||
            (r = target(d, T_SAL, line, "location_id", T_LOC, l, &loc)) != HV_OK)
            return r;
        json_object_set(row, "location", loc);
        if ((r = append(svc, "service_at_locations", row)) != HV_OK)
            return r;
    }
    /* schedules: on a service at a location, a service, or a location */
    static const hang sched[] = {{"service_at_location_id", T_SAL, "schedules"},
                                 {"service_id", T_SVC, "schedules"},
                                 {"location_id", T_LOC, "schedules"},
                                 {NULL, 0, NULL}};
    if ((r = hang_rows(d, T_SCHED, sched, 0)) != HV_OK)
        return r;
    /* a service's organization, nested */
    json_array_foreach(d->t[T_SVC].rows, i, row)
    {
        const char *o = json_string_value(json_object_get(row, "organization_id"));
        json_t *org = o ? json_object_get(d->t[T_ORG].index, o) : NULL;
        if (org)
            json_object_set(row, "organization", org);
    }
    /* attributes: a service's categories */
    json_array_foreach(d->t[T_ATTR].rows, i, row)
    {
        int line = d->t[T_ATTR].lines[i];
        char link[256], term[256], type[64], entity[64];
        link_of(row, T_ATTR, "link_id", link, sizeof link);
        link_of(row, T_ATTR, "taxonomy_term_id", term, sizeof term);
        link_of(row, T_ATTR, "link_type", type, sizeof type);
        link_of(row, T_ATTR, "link_entity", entity, sizeof entity);
        const char *kind = *entity ? entity : type;
        if (*kind && strcmp(kind, "service") != 0) {
            d->skipped++;
            continue;
        }
        if (!*link)
            return dp_bad(d, T_ATTR, line, "link_id", "is required");
        if (!*term)
            return dp_bad(d, T_ATTR, line, "taxonomy_term_id", "is required");
        json_t *svc, *t = json_object_get(d->t[T_TERM].index, term);
        if ((r = target(d, T_ATTR, line, "link_id", T_SVC, link, &svc)) != HV_OK)
            return r;
        if (t)
            json_object_set(row, "taxonomy_term", t);
        else { /* a term of a taxonomy already in the directory */
            json_t *ref = json_pack("{ss}", "id", term);
            if (!ref || json_object_set_new(row, "taxonomy_term", ref) != 0 ||
                remember(d, ref, T_ATTR, line, "taxonomy_term_id") != HV_OK)
                return HV_ERR_NOMEM;
        }
        if ((r = append(svc, "attributes", row)) != HV_OK)
            return r;
    }
    *doc = json_pack("{sOsOsOsO}", "organizations", d->t[T_ORG].rows, "services", d->t[T_SVC].rows,
                     "taxonomies", d->t[T_TAX].rows, "taxonomy_terms", d->t[T_TERM].rows);
    return *doc ? HV_OK : HV_ERR_NOMEM;
}

static void
dp_free(dp *d)
{
    for (int t = 0; t < T__MAX; t++) {
        json_decref(d->t[t].rows);
        json_decref(d->t[t].index);
        json_decref(d->t[t].cur);
        free(d->t[t].lines);
        for (size_t i = 0; i < d->t[t].nhdr; i++)
            free(d->t[t].hdr[i]);
        free(d->t[t].hdr);
    }
    free(d->prov);
}

int
datapackage_is(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The file of table T: the datapackage.json resource named so, else NAME.csv. */
static void
table_path(const json_t *pkg, int t, char *out, size_t size)
{
    snprintf(out, size, "%s.csv", specs[t].name);
    size_t i;
    const json_t *res;
    json_array_foreach(json_object_get(pkg, "resources"), i, res)
    {
        const char *name = json_string_value(json_object_get(res, "name"));
        const char *path = json_string_value(json_object_get(res, "path"));
        if (name && path && strcmp(name, specs[t].name) == 0 && !strstr(path, "..") &&
            path[0] != '/')
            snprintf(out, size, "%s", path);
    }
}

static hv_result
read_all(dp *d, const char *dir, json_t **doc)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/datapackage.json", dir);
    json_error_t jerr;
    json_t *pkg = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (!pkg)
        return hv_fail(d->e, HV_ERR_INVALID, NULL, "datapackage.json, line %d: %s", jerr.line,
                       jerr.text);
    hv_result r = HV_OK;
    for (int t = 0; t < T__MAX && r == HV_OK; t++) {
        char path[512];
        table_path(pkg, t, path, sizeof path);
        r = read_table(d, dir, path, t);
        if (r == HV_OK && !d->t[t].rows && !(d->t[t].rows = json_array()))
            r = HV_ERR_NOMEM;
        if (r == HV_OK && !d->t[t].index && !(d->t[t].index = json_object()))
            r = HV_ERR_NOMEM;
    }
    json_decref(pkg);
    if (r == HV_OK && !d->t[T_SVC].present)
        r = hv_fail(d->e, HV_ERR_INVALID, NULL, "services.csv: is missing from the data package");
    if (r == HV_OK)
        r = assemble(d, doc);
    return r;
}

hv_result
datapackage_read(const char *dir, json_t **doc, int64_t *skipped, hv_err *e)
{
    dp d = {.e = e};
    hv_result r = read_all(&d, dir, doc);
    if (skipped)
        *skipped = d.skipped;
    dp_free(&d);
    return r;
}

/* The importer's error ("datapackage, row 2, services[1].service_at_locations[0].location.latitude:
 * must be …") turned into the file, line and column it came from. */
static void
locate(const dp *d, const json_t *doc, hv_err *e)
{
    char *p = strstr(e->detail, ", row ");
    if (!p)
        return;
    char *path = strstr(p + 6, ", ");
    if (!path)
        return;
    path += 2;
    char *colon = strstr(path, ": ");
    if (!colon)
        return;
    char steps[256], what[256];
    snprintf(steps, sizeof steps, "%.*s", (int)(colon - path), path);
    snprintf(what, sizeof what, "%s", colon + 2);
    const json_t *node = doc;
    const prov *last = NULL;
    const char *rest = NULL;
    for (char *save = NULL, *tok = strtok_r(steps, ".", &save); tok && node;
         tok = strtok_r(NULL, ".", &save)) {
        char *br = strchr(tok, '[');
        size_t idx = br ? strtoul(br + 1, NULL, 10) : 0;
        if (br)
            *br = 0;
        const json_t *next = json_object_get(node, tok);
        if (br)
            next = json_array_get(next, idx);
        const prov *pv = next ? provenance(d, next) : NULL;
        if (pv) {
            last = pv;
            rest = NULL;
        } else if (!rest)
            rest = tok;
        node = next;
    }
    if (!last)
        return;
    char col[64];
    if (last->col)
        snprintf(col, sizeof col, "%s", last->col);
    else if (rest && (strcmp(rest, "organization") == 0 || strcmp(rest, "location") == 0 ||
                      strcmp(rest, "taxonomy_term") == 0))
        snprintf(col, sizeof col, "%s_id", rest);
    else
        snprintf(col, sizeof col, "%s", rest ? rest : "id");
    hv_err copy = *e;
    hv_fail(e, copy.code, col, "%s.csv, row %d, column %s: %s", specs[last->table].name, last->line,
            col, what);
}

hv_result
datapackage_import(store_conn *c, const char *dir, int64_t user_id, const char *source,
                   hsds_report *rep, int64_t *skipped, hv_err *e)
{
    dp d = {.e = e};
    json_t *doc = NULL;
    memset(rep, 0, sizeof *rep);
    hv_result r = read_all(&d, dir, &doc);
    if (skipped)
        *skipped = d.skipped;
    if (r == HV_OK) {
        r = hsds_import(c, doc, "datapackage", user_id, source, rep, e);
        if (r != HV_OK)
            locate(&d, doc, e);
    }
    json_decref(doc);
    dp_free(&d);
    return r;
}

/* ---- writing ------------------------------------------------------------------------ */

typedef struct out {
    buf b[T__MAX];
    json_t *seen[T__MAX]; /* ids written */
} out;

static hv_result
cell(buf *b, const json_t *v)
{
    char num[64];
    const char *s = NULL;
    size_t n = 0;
    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
    } else if (json_is_integer(v)) {
        n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        for (int prec = 6; prec <= 17; prec++) { /* the shortest that reads back the same */
            n = (size_t)snprintf(num, sizeof num, "%.*g", prec, x);
            if (strtod(num, NULL) == x)
                break;
        }
        s = num;
    } else if (json_is_boolean(v)) {
        s = json_is_true(v) ? "true" : "false";
        n = strlen(s);
    }
    if (!s)
        return HV_OK;
    int quote = n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ');
    if (!quote)
        return buf_add(b, s, n);
    hv_result r = buf_add(b, "\"", 1);
    for (size_t i = 0; i < n && r == HV_OK; i++)
        r = s[i] == '"' ? buf_add(b, "\"\"", 2) : buf_add(b, s + i, 1);
    return r == HV_OK ? buf_add(b, "\"", 1) : r;
}

/* One row of table T from OBJ, then pairs of link column and value (a
 * NULL value: empty) ended by NULL; a row whose id was written already is
 * left out. */
static hv_result
put_row(out *o, int t, const json_t *obj, ...)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    if (id) {
        if (json_object_get(o->seen[t], id))
            return HV_OK;
        json_object_set_new(o->seen[t], id, json_true());
    }
    char cols[400];
    snprintf(cols, sizeof cols, "%s", specs[t].cols);
    hv_result r = HV_OK;
    int first = 1;
    for (char *save = NULL, *col = strtok_r(cols, ",", &save); col && r == HV_OK;
         col = strtok_r(NULL, ",", &save)) {
        if (!first)
            r = buf_add(&o->b[t], ",", 1);
        first = 0;
        /* a link given wins over the record's own key */
        const json_t *v = json_object_get(obj, col);
        json_t *link = NULL;
        va_list ap;
        va_start(ap, obj);
        for (const char *k; (k = va_arg(ap, const char *));) {
            const char *val = va_arg(ap, const char *);
            if (strcmp(k, col) == 0) {
                v = link = val ? json_string(val) : NULL;
                break;
            }
        }
        va_end(ap);
        if (r == HV_OK && v)
            r = cell(&o->b[t], v);
        json_decref(link);
    }
    return r == HV_OK ? buf_add(&o->b[t], "\r\n", 2) : r;
}

static const char *
id_of(const json_t *o)
{
    return json_string_value(json_object_get(o, "id"));
}

static hv_result
put_list(out *o, int t, const json_t *parent, const char *key, const char *link,
         const char *link_val)
{
    size_t i;
    const json_t *v;
    hv_result r = HV_OK;
    json_array_foreach(json_object_get(parent, key), i, v)
    {
        if (r == HV_OK)
            r = put_row(o, t, v, link, link_val, NULL);
        if (r == HV_OK && t == T_CONTACT) {
            size_t j;
            const json_t *ph;
            json_array_foreach(json_object_get(v, "phones"), j, ph)
            {
                if (r == HV_OK)
                    r = put_row(o, T_PHONE, ph, "contact_id", id_of(v), NULL);
            }
        }
    }
    return r;
}

static hv_result
put_location(out *o, const json_t *loc)
{
    const char *lid = id_of(loc);
    if (json_object_get(o->seen[T_LOC], lid))
        return HV_OK;
    hv_result r = put_row(o, T_LOC, loc, NULL);
    if (r == HV_OK)
        r = put_list(o, T_ADDR, loc, "addresses", "location_id", lid);
    if (r == HV_OK)
        r = put_list(o, T_PHONE, loc, "phones", "location_id", lid);
    if (r == HV_OK)
        r = put_list(o, T_LANG, loc, "languages", "location_id", lid);
    if (r == HV_OK)
        r = put_list(o, T_ACCESS, loc, "accessibility", "location_id", lid);
    if (r == HV_OK)
        r = put_list(o, T_SCHED, loc, "schedules", "location_id", lid);
    return r;
}

static hv_result
put_service(out *o, const json_t *s)
{
    const char *sid = id_of(s);
    hv_result r = HV_OK;
    const json_t *org = json_object_get(s, "organization");
    if (org)
        r = put_row(o, T_ORG, org, NULL);
    if (r == HV_OK)
        r = put_row(o, T_SVC, s, NULL);
    static const struct {
        int t;
        const char *key;
    } lists[] = {{T_PHONE, "phones"},      {T_SCHED, "schedules"},        {T_LANG, "languages"},
                 {T_COST, "cost_options"}, {T_DOC, "required_documents"}, {T_CONTACT, "contacts"}};
    for (size_t k = 0; r == HV_OK && k < sizeof lists / sizeof lists[0]; k++)
        r = put_list(o, lists[k].t, s, lists[k].key, "service_id", sid);
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(s, "attributes"), i, v)
    {
        if (r == HV_OK)
            r = put_row(o, T_ATTR, v, "link_id", sid, "taxonomy_term_id",
                        id_of(json_object_get(v, "taxonomy_term")), "link_type", "service",
                        "link_entity", "service", NULL);
    }
    json_array_foreach(json_object_get(s, "service_at_locations"), i, v)
    {
        const json_t *loc = json_object_get(v, "location");
        if (r == HV_OK)
            r = put_location(o, loc);
        if (r == HV_OK)
            r = put_row(o, T_SAL, v, "service_id", sid, "location_id", id_of(loc), NULL);
        if (r == HV_OK)
            r = put_list(o, T_SCHED, v, "schedules", "service_at_location_id", id_of(v));
    }
    return r;
}

static const char *
field_type(const char *col)
{
    if (is_number_col(col))
        return strcmp(col, "count") == 0 || strcmp(col, "interval") == 0 ? "integer" : "number";
    if (strcmp(col, "closed") == 0)
        return "boolean";
    if (strcmp(col, "timezone") == 0)
        return "any";
    return "string";
}

static json_t *
package_json(void)
{
    json_t *res = json_array();
    for (int t = 0; t < T__MAX; t++) {
        json_t *fields = json_array();
        char cols[400];
        snprintf(cols, sizeof cols, "%s", specs[t].cols);
        for (char *save = NULL, *col = strtok_r(cols, ",", &save); col;
             col = strtok_r(NULL, ",", &save))
            json_array_append_new(fields,
                                  json_pack("{ssss}", "name", col, "type", field_type(col)));
        char path[64];
        snprintf(path, sizeof path, "%s.csv", specs[t].name);
        json_array_append_new(res, json_pack("{sssssssssssss{soss}}", "name", specs[t].name, "path",
                                             path, "profile", "tabular-data-resource", "format",
                                             "csv", "mediatype", "text/csv", "encoding", "utf-8",
                                             "schema", "fields", fields, "primaryKey", "id"));
    }
    return json_pack("{ssssssssso}", "name", "haven-directory", "title",
                     "haven services directory (HSDS 3.0)", "profile", "tabular-data-package",
                     "hsds_version", "3.0", "resources", res);
}

static hv_result
write_file(const char *dir, const char *name, const char *data, size_t len, hv_err *e)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return hv_fail(e, HV_ERR_IO, NULL, "%s: cannot be written: %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return hv_fail(e, HV_ERR_IO, NULL, "%s: cannot be written", path);
    }
    return HV_OK;
}

hv_result
datapackage_json(store_conn *c, json_t **doc)
{
    json_t *services = NULL, *tax = NULL, *terms = NULL;
    hv_result r = hsds_export_all(c, &services);
    if (r == HV_OK)
        r = hsds_export_taxonomies(c, &tax, &terms);
    if (r == HV_OK && !(*doc = json_pack("{soso so}", "services", services, "taxonomies", tax,
                                         "taxonomy_terms", terms)))
        r = HV_ERR_NOMEM;
    if (r != HV_OK) {
        json_decref(services);
        json_decref(tax);
        json_decref(terms);
    }
    return r;
}

hv_result
datapackage_write(store_conn *c, const char *dir, hv_err *e)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return hv_fail(e, HV_ERR_IO, NULL, "%s: cannot be made: %s", dir, strerror(errno));
    json_t *doc = NULL;
    hv_result r = datapackage_json(c, &doc);
    if (r != HV_OK)
        return hv_fail(e, r, NULL, "the directory could not be read");
    out o;
    memset(&o, 0, sizeof o);
    for (int t = 0; t < T__MAX; t++) {
        buf_init(&o.b[t], (size_t)1 << 30);
        o.seen[t] = json_object();
        r = buf_adds(&o.b[t], specs[t].cols);
        if (r == HV_OK)
            r = buf_add(&o.b[t], "\r\n", 2);
    }
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "taxonomies"), i, v)
    {
        if (r == HV_OK)
            r = put_row(&o, T_TAX, v, NULL);
    }
    json_array_foreach(json_object_get(doc, "taxonomy_terms"), i, v)
    {
        if (r == HV_OK)
            r = put_row(&o, T_TERM, v, NULL);
    }
    json_array_foreach(json_object_get(doc, "services"), i, v)
    {
        if (r == HV_OK)
            r = put_service(&o, v);
    }
    for (int t = 0; t < T__MAX && r == HV_OK; t++) {
        char name[64];
        snprintf(name, sizeof name, "%s.csv", specs[t].name);
        r = write_file(dir, name, o.b[t].data, o.b[t].len, e);
    }
    if (r == HV_OK) {
        json_t *pkg = package_json();
        char *text = pkg ? json_dumps(pkg, JSON_INDENT(2)) : NULL;
        r = text ? write_file(dir, "datapackage.json", text, strlen(text), e) : HV_ERR_NOMEM;
        free(text);
        json_decref(pkg);
    }
    for (int t = 0; t < T__MAX; t++) {
        buf_free(&o.b[t]);
        json_decref(o.seen[t]);
    }
    json_decref(doc);
    if (r != HV_OK && !e->detail[0])
        hv_fail(e, r, NULL, "%s: the data package could not be written", dir);
    return r;
}
