/* taxonomy.c - category taxonomies: Open Eligibility, a county's 211, lookups (see taxonomy.h). */
#include "directory/taxonomy.h"

#include <csv.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char open_eligibility_csv_data[];
extern const size_t open_eligibility_csv_size;

/* ---- lookups and writes -------------------------------------------------------------- */

hv_result
taxonomy_find(store_conn *c, const char *ref, int64_t *id)
{
    store_val a[] = {SV_TEXTV(ref), SV_TEXTV(ref), SV_TEXTV(ref)};
    return store_query_int(c,
                           "SELECT id FROM dir_taxonomy WHERE hsds_id = ? OR name = ? ORDER BY "
                           "CASE WHEN hsds_id = ? THEN 0 ELSE 1 END, id LIMIT 1",
                           a, 3, id);
}

hv_result
taxonomy_put(store_conn *c, const char *hsds_id, const char *name, const char *description,
             const char *uri, const char *version, int64_t *id)
{
    store_val a[] = {SV_TEXTV(hsds_id), SV_TEXTV(name ? name : hsds_id), SV_TEXTV(description),
                     SV_TEXTV(uri), SV_TEXTV(version)};
    return store_query_int(
        c,
        "INSERT INTO dir_taxonomy (hsds_id, name, description, uri, version) VALUES (?, ?, ?, "
        "?, ?) ON CONFLICT (hsds_id) DO UPDATE SET name = excluded.name, description = "
        "COALESCE(excluded.description, dir_taxonomy.description), uri = "
        "COALESCE(excluded.uri, dir_taxonomy.uri), version = COALESCE(excluded.version, "
        "dir_taxonomy.version) RETURNING id",
        a, 5, id);
}

hv_result
taxonomy_term_find(store_conn *c, const char *hsds_id, int64_t taxonomy_id, const char *code,
                   int64_t *id)
{
    hv_result r = HV_ERR_NOTFOUND;
    if (hsds_id) {
        store_val a[] = {SV_TEXTV(hsds_id)};
        r = store_query_int(c, "SELECT id FROM dir_taxonomy_term WHERE hsds_id = ?", a, 1, id);
    }
    if (r == HV_ERR_NOTFOUND && taxonomy_id && code) {
        store_val a[] = {SV_INTV(taxonomy_id), SV_TEXTV(code)};
        r = store_query_int(
            c,
            "SELECT id FROM dir_taxonomy_term WHERE taxonomy_id = ? AND code = ? ORDER BY id "
            "LIMIT 1",
            a, 2, id);
    }
    return r;
}

hv_result
taxonomy_term_put(store_conn *c, const char *hsds_id, int64_t taxonomy_id, const char *code,
                  const char *name, const char *description, const char *language, int64_t *id)
{
    store_val a[] = {SV_TEXTV(hsds_id),     taxonomy_id ? SV_INTV(taxonomy_id) : SV_NULLV,
                     SV_TEXTV(code),        SV_TEXTV(name),
                     SV_TEXTV(description), SV_TEXTV(language)};
    return store_query_int(
        c,
        "INSERT INTO dir_taxonomy_term (hsds_id, taxonomy_id, code, name, description, "
        "language) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hsds_id) DO UPDATE SET taxonomy_id = "
        "COALESCE(excluded.taxonomy_id, dir_taxonomy_term.taxonomy_id), code = "
        "COALESCE(excluded.code, dir_taxonomy_term.code), name = excluded.name, description = "
        "COALESCE(excluded.description, dir_taxonomy_term.description), language = "
        "COALESCE(excluded.language, dir_taxonomy_term.language) RETURNING id",
        a, 6, id);
}

hv_result
taxonomy_term_parent(store_conn *c, int64_t id, int64_t parent_id)
{
    store_val a[] = {parent_id ? SV_INTV(parent_id) : SV_NULLV, SV_INTV(id)};
    return store_exec(c, "UPDATE dir_taxonomy_term SET parent_id = ? WHERE id = ?", a, 2, NULL);
}

void
taxonomy_slug(const char *name, char *out, size_t size)
{
    size_t n = 0;
    int dash = 0;
    for (const char *p = name; *p && n + 1 < size; p++) {
        if (isalnum((unsigned char)*p)) {
            if (dash && n)
                out[n++] = '-';
            dash = 0;
            if (n + 1 < size)
                out[n++] = (char)tolower((unsigned char)*p);
        } else
            dash = 1;
    }
    out[n] = 0;
}

/* ---- loading a list ------------------------------------------------------------------ */

typedef struct trow {
    char *f[4]; /* code, name, parent, description */
    int line;
} trow;

typedef struct loader {
    const char *file;
    int col_of[16]; /* header position → field (0..3), -1 ignored */
    int ncols, header_done, line, row_line, failed;
    int nfield;
    trow cur;
    trow *rows;
    size_t n, cap;
    hv_err *e;
} loader;

static const char *const field_names[4] = {"code", "name", "parent", "description"};

static hv_result ld_bad(loader *l, int line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static hv_result
ld_bad(loader *l, int line, const char *col, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    l->failed = 1;
    if (col)
        return hv_fail(l->e, HV_ERR_INVALID, col, "%s, row %d, column %s: %s", l->file, line, col,
                       what);
    return hv_fail(l->e, HV_ERR_INVALID, NULL, "%s, row %d: %s", l->file, line, what);
}

static void
ld_field(void *s, size_t len, void *ctx)
{
    loader *l = ctx;
    if (l->failed)
        return;
    if (l->nfield == 0)
        l->row_line = l->line;
    int k = l->nfield++;
    const char *p = s;
    if (!l->header_done) {
        if (k == 0 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            len -= 3;
        }
        if (k >= 16)
            return;
        l->col_of[k] = -1;
        for (int f = 0; f < 4; f++)
            if ((len == strlen(field_names[f]) && memcmp(p, field_names[f], len) == 0) ||
                (f == 2 && len == 11 && memcmp(p, "parent_code", 11) == 0))
                l->col_of[k] = f;
        l->ncols = k + 1;
        return;
    }
    if (k >= l->ncols || l->col_of[k] < 0 || !len)
        return;
    free(l->cur.f[l->col_of[k]]);
    l->cur.f[l->col_of[k]] = strndup(p, len);
}

static void
ld_row(int term, void *ctx)
{
    (void)term;
    loader *l = ctx;
    if (l->failed)
        return;
    l->nfield = 0;
    if (!l->header_done) {
        l->header_done = 1;
        int seen[4] = {0};
        for (int k = 0; k < l->ncols; k++)
            if (l->col_of[k] >= 0)
                seen[l->col_of[k]] = 1;
        if (!seen[0] || !seen[1])
            ld_bad(l, l->row_line, seen[0] ? "name" : "code", "the header has no such column");
        return;
    }
    l->cur.line = l->row_line;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        trow *r = realloc(l->rows, cap * sizeof *r);
        if (!r) {
            l->failed = 1;
            hv_fail(l->e, HV_ERR_NOMEM, NULL, "out of memory");
            return;
        }
        l->rows = r;
        l->cap = cap;
    }
    l->rows[l->n++] = l->cur;
    memset(&l->cur, 0, sizeof l->cur);
}

static void
ld_free(loader *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int f = 0; f < 4; f++)
            free(l->rows[i].f[f]);
    for (int f = 0; f < 4; f++)
        free(l->cur.f[f]);
    free(l->rows);
}

/* Parses DATA a line at a time (so each row knows its line). */
static hv_result
ld_parse(loader *l, const char *data, size_t len)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0)
        return HV_ERR_NOMEM;
    l->line = 1;
    int bad = 0;
    for (size_t at = 0; at < len && !l->failed && !bad;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) + 1 : len - at;
        if (csv_parse(&p, data + at, n, ld_field, ld_row, l) != n)
            bad = 1;
        at += n;
        if (!bad)
            l->line++;
    }
    if (!bad && !l->failed && csv_fini(&p, ld_field, ld_row, l) != 0)
        bad = 1;
    if (bad && !l->failed)
        ld_bad(l, l->line, NULL, "is not CSV (%s)", csv_strerror(csv_error(&p)));
    csv_free(&p);
    if (!l->failed && !l->header_done)
        ld_bad(l, 1, NULL, "has no header row");
    return l->failed ? (l->e->code ? l->e->code : HV_ERR_INVALID) : HV_OK;
}

/* The row whose code is CODE, or -1. (Lists are a few thousand codes; a
 * linear scan per row is fine.) */
static long
find_code(const loader *l, const char *code, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->rows[i].f[0]) == len && strncmp(l->rows[i].f[0], code, len) == 0)
            return (long)i;
    return -1;
}

/* AIRS/211: the nearest ancestor of CODE in the list (-1: at the top). */
static long
derive_parent(const loader *l, const char *code)
{
    size_t len = strlen(code);
    while (len > 1) {
        size_t cut = len;
        while (cut > 0 && code[cut - 1] != '.' && code[cut - 1] != '-')
            cut--;
        if (cut > 0)
            len = cut - 1; /* "BD-1800.2000" → "BD-1800" */
        else
            len = len - 1; /* "BD" → "B" */
        long i = find_code(l, code, len);
        if (i >= 0)
            return i;
    }
    return -1;
}

/* A term as it is, to tell an unchanged row. */
typedef struct term_now {
    int64_t taxonomy_id;
    char *code, *name, *description;
} term_now;

static char *
dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static hv_result
take_term(void *ctx, const store_row *row)
{
    term_now *t = ctx;
    t->taxonomy_id = store_row_isnull(row, 0) ? 0 : store_row_int(row, 0);
    t->code = dup_or_null(store_row_text(row, 1));
    t->name = dup_or_null(store_row_text(row, 2));
    t->description = dup_or_null(store_row_text(row, 3));
    return HV_OK;
}

static int
eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

hv_result
taxonomy_load_csv(store_conn *c, const char *file, const char *data, size_t len,
                  const char *hsds_id, const char *name, int derive, taxonomy_report *rep,
                  hv_err *e)
{
    memset(rep, 0, sizeof *rep);
    loader l = {.file = file, .e = e};
    hv_result r = ld_parse(&l, data, len);
    for (size_t i = 0; r == HV_OK && i < l.n; i++) {
        trow *t = &l.rows[i];
        if (!t->f[0])
            r = ld_bad(&l, t->line, "code", "is required");
        else if (!t->f[1])
            r = ld_bad(&l, t->line, "name", "is required");
        else if (strlen(t->f[0]) > 100)
            r = ld_bad(&l, t->line, "code", "is longer than 100 characters");
        else if (strlen(t->f[1]) > 300)
            r = ld_bad(&l, t->line, "name", "is longer than 300 characters");
        else if (find_code(&l, t->f[0], strlen(t->f[0])) != (long)i)
            r = ld_bad(&l, t->line, "code", "is the code of an earlier row too");
    }
    /* parents: named, or from the code */
    long *parent = r == HV_OK ? calloc(l.n ? l.n : 1, sizeof *parent) : NULL;
    if (r == HV_OK && !parent)
        r = HV_ERR_NOMEM;
    for (size_t i = 0; r == HV_OK && i < l.n; i++) {
        trow *t = &l.rows[i];
        parent[i] = -1;
        if (t->f[2]) {
            parent[i] = find_code(&l, t->f[2], strlen(t->f[2]));
            if (parent[i] < 0)
                r = ld_bad(&l, t->line, derive ? "parent_code" : "parent",
                           "names no code in the file");
            else if ((size_t)parent[i] == i)
                r = ld_bad(&l, t->line, derive ? "parent_code" : "parent", "names the row itself");
        } else if (derive)
            parent[i] = derive_parent(&l, t->f[0]);
    }
    /* no loops */
    for (size_t i = 0; r == HV_OK && i < l.n; i++) {
        long at = parent[i];
        for (size_t steps = 0; at >= 0 && steps <= l.n; steps++)
            at = parent[at];
        if (at >= 0)
            r = ld_bad(&l, l.rows[i].line, derive ? "parent_code" : "parent",
                       "makes a loop of parents");
    }
    int64_t tax_id = 0;
    int64_t *ids = r == HV_OK ? calloc(l.n ? l.n : 1, sizeof *ids) : NULL;
    if (r == HV_OK && !ids)
        r = HV_ERR_NOMEM;
    if (r == HV_OK)
        r = taxonomy_put(c, hsds_id, name, NULL, NULL, NULL, &tax_id);
    for (size_t i = 0; r == HV_OK && i < l.n; i++) {
        trow *t = &l.rows[i];
        char tid[420];
        snprintf(tid, sizeof tid, "%s:%s", hsds_id, t->f[0]);
        int64_t before = 0;
        store_val a[] = {SV_TEXTV(tid)};
        int existed = store_query_int(c, "SELECT id FROM dir_taxonomy_term WHERE hsds_id = ?", a, 1,
                                      &before) == HV_OK;
        int same = 0;
        if (existed) {
            store_val b[] = {SV_INTV(before)};
            term_now now = {0};
            r = store_query(c,
                            "SELECT taxonomy_id, code, name, description FROM dir_taxonomy_term "
                            "WHERE id = ?",
                            b, 1, take_term, &now);
            same = r == HV_OK && now.taxonomy_id == tax_id && eq(now.code, t->f[0]) &&
                   eq(now.name, t->f[1]) && eq(now.description, t->f[3]);
            free(now.code);
            free(now.name);
            free(now.description);
        }
        if (r == HV_OK)
            r = taxonomy_term_put(c, tid, tax_id, t->f[0], t->f[1], t->f[3], NULL, &ids[i]);
        if (r == HV_OK && t->f[3] == NULL) { /* a description removed from the list */
            store_val d[] = {SV_INTV(ids[i])};
            r = store_exec(c, "UPDATE dir_taxonomy_term SET description = NULL WHERE id = ?", d, 1,
                           NULL);
        }
        if (r != HV_OK)
            break;
        if (!existed)
            rep->created++;
        else if (same)
            rep->unchanged++;
        else
            rep->updated++;
    }
    for (size_t i = 0; r == HV_OK && i < l.n; i++) {
        int64_t want = parent[i] >= 0 ? ids[parent[i]] : 0, now = 0;
        store_val a[] = {SV_INTV(ids[i])};
        hv_result q = store_query_int(
            c, "SELECT COALESCE(parent_id, 0) FROM dir_taxonomy_term WHERE id = ?", a, 1, &now);
        if (q != HV_OK)
            r = q;
        else if (now != want) {
            r = taxonomy_term_parent(c, ids[i], want);
            if (rep->unchanged > 0 && r == HV_OK) {
                rep->unchanged--;
                rep->updated++;
            }
        }
    }
    if (r != HV_OK && !e->detail[0])
        hv_fail(e, r, NULL, "%s: the taxonomy could not be written", file);
    free(parent);
    free(ids);
    ld_free(&l);
    return r;
}

/* ---- Open Eligibility ---------------------------------------------------------------- */

hv_result
taxonomy_open_eligibility(store_conn *c, int *loaded, hv_err *e)
{
    if (loaded)
        *loaded = 0;
    int64_t id = 0;
    store_val a[] = {SV_TEXTV(TAXONOMY_OE_ID)};
    hv_result r = store_query_int(
        c,
        "SELECT COUNT(*) FROM dir_taxonomy_term t JOIN dir_taxonomy x ON x.id = t.taxonomy_id "
        "WHERE x.hsds_id = ?",
        a, 1, &id);
    if (r != HV_OK || id > 0)
        return r;
    taxonomy_report rep;
    r = taxonomy_load_csv(c, "open-eligibility.csv", (const char *)open_eligibility_csv_data,
                          open_eligibility_csv_size, TAXONOMY_OE_ID, TAXONOMY_OE_NAME, 0, &rep, e);
    if (r == HV_OK) {
        int64_t tid;
        r = taxonomy_put(c, TAXONOMY_OE_ID, TAXONOMY_OE_NAME,
                         "Open Eligibility: human services and human situations (CC BY-SA 3.0)",
                         "http://openeligibility.org", NULL, &tid);
    }
    if (r == HV_OK && loaded)
        *loaded = 1;
    return r;
}

hv_result
taxonomy_defaults(store *st)
{
    /* a read first: once loaded, starting takes no write lock */
    store_conn *c = NULL;
    int64_t n = 0;
    store_val a[] = {SV_TEXTV(TAXONOMY_OE_ID)};
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    r = store_query_int(c, "SELECT COUNT(*) FROM dir_taxonomy WHERE hsds_id = ?", a, 1, &n);
    store_release(c);
    if (r != HV_OK || n > 0)
        return r;
    hv_err e = {0};
    if ((r = store_begin(st, &c)) != HV_OK)
        return r;
    r = taxonomy_open_eligibility(c, NULL, &e);
    if (r == HV_OK)
        return store_commit(c);
    store_rollback(c);
    return r;
}
