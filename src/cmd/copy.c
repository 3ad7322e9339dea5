/*
 * copy.c - `haven copy`: moves a whole installation between databases
 * (SQLite -> PostgreSQL and back) and verifies the result.
 *
 * Generic over the schema: the tables, their columns, primary keys and
 * foreign keys come from the source's catalog (sqlite_master and the
 * table-valued pragmas; pg_class, pg_attribute, pg_index, pg_constraint), so
 * a new migration needs nothing here. Both databases must be at the same
 * schema version. The target must be empty (haven copy creates its tables):
 * rows go in with their ids in one write transaction, tables in foreign-key
 * order (a column referring to its own table is filled in by a second pass),
 * then each id sequence follows the largest id. SQLite's FTS5 shadow tables
 * are skipped; the full-text table's own columns are copied, so the target
 * builds its index from them. The audit log is only ever appended to.
 *
 * The verification reads both sides again: per table the row count and a
 * checksum (BLAKE2b of every row's values, summed lane-wise so the order of
 * rows does not matter), then the target's audit hash chain. Any difference
 * is a non-zero exit.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "auth/audit.h"
#include "cmd/cmd.h"
#include "core/clock.h"

#define MAX_TABLES 160
#define MAX_COLS   96
#define MAX_PK     4
#define MAX_DEPS   24
#define NAME_MAX_  64
#define PARAMS_MAX 900 /* per statement: under PostgreSQL's backend limit (1000) */

typedef enum col_kind { K_INT, K_TEXT, K_BLOB } col_kind;

typedef struct col_def {
    char name[NAME_MAX_];
    col_kind kind;
    int self_ref; /* a foreign key to its own table: second pass */
} col_def;

typedef struct table_def {
    char name[NAME_MAX_];
    int virt; /* SQLite virtual (FTS5) table: rowid is its key */
    int ncols;
    col_def cols[MAX_COLS];
    int npk;
    int pk[MAX_PK];
    int ndeps;
    char deps[MAX_DEPS][NAME_MAX_];
    /* filled by scans */
    int64_t rows;
    uint64_t sum[4];
} table_def;

typedef struct catalog {
    int pg;
    int n;
    table_def *t; /* MAX_TABLES */
} catalog;

/* ---- the catalog ------------------------------------------------------------ */

static void
copy_name(char *dst, const char *src)
{
    snprintf(dst, NAME_MAX_, "%s", src ? src : "");
}

typedef struct names {
    int n;
    char v[MAX_TABLES][NAME_MAX_];
    int virt[MAX_TABLES];
} names;

static hv_result
name_row(void *ctx, const store_row *row)
{
    names *ns = ctx;
    if (ns->n >= MAX_TABLES)
        return HV_ERR_TOOBIG;
    copy_name(ns->v[ns->n], store_row_text(row, 0));
    ns->virt[ns->n] = store_row_columns(row) > 1 && store_row_text(row, 1) &&
                      strncasecmp(store_row_text(row, 1), "CREATE VIRTUAL TABLE", 20) == 0;
    ns->n++;
    return HV_OK;
}

static hv_result
col_row(void *ctx, const store_row *row)
{
    table_def *t = ctx;
    /* name, type, generated (PostgreSQL), position in the primary key (0: none) */
    if (store_row_columns(row) > 2 && store_row_int(row, 2))
        return HV_OK; /* a generated column: the target computes it */
    if (t->ncols >= MAX_COLS)
        return HV_ERR_TOOBIG;
    col_def *cd = &t->cols[t->ncols];
    copy_name(cd->name, store_row_text(row, 0));
    const char *type = store_row_text(row, 1);
    type = type ? type : "";
    if (strcasestr(type, "int"))
        cd->kind = K_INT;
    else if (strcasestr(type, "blob") || strcasestr(type, "bytea"))
        cd->kind = K_BLOB;
    else
        cd->kind = K_TEXT;
    int64_t pkpos = store_row_int(row, 3);
    if (pkpos > 0 && pkpos <= MAX_PK) {
        t->pk[pkpos - 1] = t->ncols;
        if ((int)pkpos > t->npk)
            t->npk = (int)pkpos;
    }
    t->ncols++;
    return HV_OK;
}

static hv_result
fk_row(void *ctx, const store_row *row)
{
    table_def *t = ctx;
    const char *from = store_row_text(row, 0), *to = store_row_text(row, 1);
    if (!from || !to)
        return HV_OK;
    if (strcmp(to, t->name) == 0) {
        for (int i = 0; i < t->ncols; i++)
            if (strcmp(t->cols[i].name, from) == 0)
                t->cols[i].self_ref = 1;
        return HV_OK;
    }
    for (int i = 0; i < t->ndeps; i++)
        if (strcmp(t->deps[i], to) == 0)
            return HV_OK;
    if (t->ndeps >= MAX_DEPS)
        return HV_ERR_TOOBIG;
    copy_name(t->deps[t->ndeps++], to);
    return HV_OK;
}

static int
skip_table(const names *ns, const char *name)
{
    if (strcmp(name, "schema_migrations") == 0)
        return 1; /* each side records its own migrations */
    for (int i = 0; i < ns->n; i++) {
        size_t n = strlen(ns->v[i]);
        /* FTS5's shadow tables (dir_service_fts_data, _idx, _content, ...) */
        if (ns->virt[i] && strncmp(name, ns->v[i], n) == 0 && name[n] == '_')
            return 1;
    }
    return 0;
}

/* Reads ST's tables, columns, keys and foreign keys into CAT. */
static hv_result
catalog_read(store *st, catalog *cat, char *why, size_t whysz)
{
    cat->pg = strcmp(store_backend(st), "postgres") == 0;
    cat->n = 0;
    names *ns = calloc(1, sizeof *ns);
    if (!ns)
        return HV_ERR_NOMEM;
    store_conn *c = NULL;
    hv_result r = store_read(st, &c);
    if (r != HV_OK) {
        free(ns);
        return r;
    }
    if (cat->pg)
        r = store_query(c,
                        "SELECT c.relname, '' FROM pg_class c JOIN pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', "
                        "'p') ORDER BY 1",
                        NULL, 0, name_row, ns);
    else
        r = store_query(c,
                        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT "
                        "LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                        NULL, 0, name_row, ns);
    for (int i = 0; r == HV_OK && i < ns->n; i++) {
        if (skip_table(ns, ns->v[i]))
            continue;
        table_def *t = &cat->t[cat->n];
        memset(t, 0, sizeof *t);
        copy_name(t->name, ns->v[i]);
        t->virt = ns->virt[i];
        store_val a[1] = {SV_TEXTV(t->name)};
        if (t->virt) { /* FTS5: its rowid is the key (the service id) */
            copy_name(t->cols[0].name, "rowid");
            t->cols[0].kind = K_INT;
            t->ncols = 1;
            t->npk = 1;
            t->pk[0] = 0;
        }
        if (cat->pg) {
            r = store_query(c,
                            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
                            "CASE WHEN a.attgenerated <> '' THEN 1 ELSE 0 END, "
                            "COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH "
                            "ORDINALITY AS k(att, n) WHERE i.indrelid = a.attrelid AND "
                            "i.indisprimary AND k.att = a.attnum), 0) "
                            "FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 "
                            "AND NOT a.attisdropped ORDER BY a.attnum",
                            a, 1, col_row, t);
            if (r == HV_OK)
                r = store_query(c,
                                "SELECT a.attname, c2.relname FROM pg_constraint k JOIN pg_class "
                                "c2 ON c2.oid = k.confrelid JOIN pg_attribute a ON a.attrelid = "
                                "k.conrelid AND a.attnum = k.conkey[1] WHERE k.contype = 'f' AND "
                                "k.conrelid = ?::regclass",
                                a, 1, fk_row, t);
        } else {
            r = store_query(c, "SELECT name, type, 0, pk FROM pragma_table_info(?) ORDER BY cid", a,
                            1, col_row, t);
            if (r == HV_OK && !t->virt)
                r = store_query(c, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?)", a,
                                1, fk_row, t);
        }
        if (r == HV_OK && t->npk == 0) {
            snprintf(why, whysz, "table %s has no primary key", t->name);
            r = HV_ERR_INVALID;
        }
        cat->n++;
    }
    store_release(c);
    free(ns);
    return r;
}

static table_def *
catalog_find(catalog *cat, const char *name)
{
    for (int i = 0; i < cat->n; i++)
        if (strcmp(cat->t[i].name, name) == 0)
            return &cat->t[i];
    return NULL;
}

static int
col_index(const table_def *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* The same tables and columns (by name and kind) on both sides. */
static int
catalog_match(catalog *a, catalog *b, char *why, size_t whysz)
{
    for (int i = 0; i < a->n; i++) {
        table_def *ta = &a->t[i], *tb = catalog_find(b, ta->name);
        if (!tb) {
            snprintf(why, whysz, "table %s is missing from the target", ta->name);
            return 0;
        }
        if (ta->ncols != tb->ncols) {
            snprintf(why, whysz, "table %s has %d columns in the source, %d in the target",
                     ta->name, ta->ncols, tb->ncols);
            return 0;
        }
        for (int j = 0; j < ta->ncols; j++) {
            int k = col_index(tb, ta->cols[j].name);
            if (k < 0 || (tb->cols[k].kind == K_INT) != (ta->cols[j].kind == K_INT)) {
                snprintf(why, whysz, "column %s.%s differs between source and target", ta->name,
                         ta->cols[j].name);
                return 0;
            }
        }
    }
    for (int i = 0; i < b->n; i++)
        if (!catalog_find(a, b->t[i].name)) {
            snprintf(why, whysz, "table %s is missing from the source", b->t[i].name);
            return 0;
        }
    return 1;
}

/* Puts CAT's tables in foreign-key order (every table after those it refers to). */
static int
catalog_order(catalog *cat, char *why, size_t whysz)
{
    table_def *sorted = calloc(MAX_TABLES, sizeof *sorted);
    int *done = calloc(MAX_TABLES, sizeof *done);
    if (!sorted || !done) {
        free(sorted);
        free(done);
        return 0;
    }
    int n = 0, progress = 1;
    while (n < cat->n && progress) {
        progress = 0;
        for (int i = 0; i < cat->n; i++) {
            if (done[i])
                continue;
            int ready = 1;
            for (int d = 0; d < cat->t[i].ndeps && ready; d++)
                for (int j = 0; j < cat->n; j++)
                    if (!done[j] && strcmp(cat->t[j].name, cat->t[i].deps[d]) == 0)
                        ready = 0;
            if (ready) {
                sorted[n++] = cat->t[i];
                done[i] = 1;
                progress = 1;
            }
        }
    }
    int ok = n == cat->n;
    if (ok)
        memcpy(cat->t, sorted, (size_t)n * sizeof *sorted);
    else
        snprintf(why, whysz, "the foreign keys between the tables form a cycle");
    free(sorted);
    free(done);
    return ok;
}

/* ---- scanning a table: keyset pages, a checksum, an optional sink ----------- */

typedef struct cell {
    int null;
    int64_t i;
    uint8_t *p; /* text (NUL-terminated) or blob bytes */
    size_t len;
} cell;

typedef struct page {
    const table_def *t;
    int cap, n;  /* rows */
    cell *cells; /* n * t->ncols */
    uint64_t *sum;
    int64_t *rows;
    int keep; /* copy the cells (a sink will write them) */
    char err[200];
} page;

static void
page_clear(page *pg)
{
    for (int i = 0; i < pg->n * pg->t->ncols; i++)
        free(pg->cells[i].p);
    memset(pg->cells, 0, (size_t)pg->cap * (size_t)pg->t->ncols * sizeof *pg->cells);
    pg->n = 0;
}

static hv_result
page_row(void *ctx, const store_row *row)
{
    page *pg = ctx;
    const table_def *t = pg->t;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    cell *cells = &pg->cells[pg->n * t->ncols];
    for (int i = 0; i < t->ncols; i++) {
        cell *cl = &cells[i];
        uint8_t tag;
        if (store_row_isnull(row, i)) {
            cl->null = 1;
            tag = 'N';
            crypto_generichash_update(&h, &tag, 1);
        } else if (t->cols[i].kind == K_INT) {
            cl->i = store_row_int(row, i);
            uint8_t le[9] = {'I'};
            for (int b = 0; b < 8; b++)
                le[1 + b] = (uint8_t)((uint64_t)cl->i >> (8 * b));
            crypto_generichash_update(&h, le, sizeof le);
        } else {
            size_t n = 0;
            const void *p = store_row_blob(row, i, &n);
            uint8_t hdr[9] = {'S'};
            for (int b = 0; b < 8; b++)
                hdr[1 + b] = (uint8_t)((uint64_t)n >> (8 * b));
            crypto_generichash_update(&h, hdr, sizeof hdr);
            if (n)
                crypto_generichash_update(&h, p, n);
            if (pg->keep || i == t->pk[0] || t->npk > 1) { /* kept: written, or the next key */
                if (!(cl->p = malloc(n + 1)))
                    return HV_ERR_NOMEM;
                if (n)
                    memcpy(cl->p, p, n);
                cl->p[n] = '\0';
                cl->len = n;
            }
        }
    }
    uint8_t d[32];
    crypto_generichash_final(&h, d, sizeof d);
    for (int l = 0; l < 4; l++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++)
            v |= (uint64_t)d[l * 8 + b] << (8 * b);
        pg->sum[l] += v;
    }
    (*pg->rows)++;
    pg->n++;
    return HV_OK;
}

/* Appends S to SQL (size SZ); quoted as an identifier when QUOTE, after
 * ", " when COMMA. */
static void
append(char *sql, size_t sz, int comma, int quote, const char *s)
{
    size_t n = strlen(sql);
    if (n < sz)
        snprintf(sql + n, sz - n, "%s%s%s%s", comma ? ", " : "", quote ? "\"" : "", s,
                 quote ? "\"" : "");
}

static store_val
cell_val(const cell *cl, col_kind kind)
{
    if (cl->null)
        return SV_NULLV;
    if (kind == K_INT)
        return SV_INTV(cl->i);
    if (kind == K_BLOB)
        return SV_BLOBV(cl->p ? (const void *)cl->p : "", cl->len);
    store_val v = {.type = SV_TEXT, .p = cl->p ? (const char *)cl->p : "", .len = cl->len};
    return v;
}

typedef hv_result (*sink_fn)(void *ctx, page *pg);

/* Reads every row of T from ST in primary-key order, PER rows at a time,
 * summing the rows into T->sum and T->rows; SINK (may be NULL) gets each page. */
static hv_result
scan(store *st, table_def *t, int per, sink_fn sink, void *sctx, char *why, size_t whysz)
{
    char *sql = malloc(16384);
    page pg = {.t = t, .cap = per, .sum = t->sum, .rows = &t->rows};
    pg.cells = calloc((size_t)per * (size_t)t->ncols, sizeof *pg.cells);
    cell *last = calloc(MAX_PK, sizeof *last);
    if (!sql || !pg.cells || !last) {
        free(sql);
        free(pg.cells);
        free(last);
        return HV_ERR_NOMEM;
    }
    pg.keep = sink != NULL;
    memset(t->sum, 0, sizeof t->sum);
    t->rows = 0;
    char cols[8192] = "", keys[512] = "", marks[64] = "";
    for (int i = 0; i < t->ncols; i++)
        append(cols, sizeof cols, i, 1, t->cols[i].name);
    for (int k = 0; k < t->npk; k++) {
        append(keys, sizeof keys, k, 1, t->cols[t->pk[k]].name);
        append(marks, sizeof marks, k, 0, "?");
    }
    int have_last = 0;
    hv_result r = HV_OK;
    for (;;) {
        snprintf(sql, 16384, "SELECT %s FROM \"%s\"%s%s%s%s%s ORDER BY %s LIMIT %d", cols, t->name,
                 have_last ? " WHERE (" : "", have_last ? keys : "", have_last ? ") > (" : "",
                 have_last ? marks : "", have_last ? ")" : "", keys, per);
        store_val args[MAX_PK];
        for (int k = 0; k < t->npk; k++)
            args[k] = cell_val(&last[k], t->cols[t->pk[k]].kind);
        store_conn *c = NULL;
        if ((r = store_read(st, &c)) != HV_OK)
            break;
        r = store_query(c, sql, args, have_last ? t->npk : 0, page_row, &pg);
        if (r != HV_OK)
            snprintf(why, whysz, "reading %s: %s", t->name, store_errmsg(c));
        store_release(c);
        if (r != HV_OK)
            break;
        int got = pg.n;
        if (got > 0 && sink && (r = sink(sctx, &pg)) != HV_OK) {
            snprintf(why, whysz, "writing %s: %s", t->name, pg.err);
            page_clear(&pg);
            break;
        }
        if (got > 0) {
            for (int k = 0; k < t->npk; k++) {
                free(last[k].p);
                last[k] = pg.cells[(got - 1) * t->ncols + t->pk[k]];
                pg.cells[(got - 1) * t->ncols + t->pk[k]].p = NULL; /* moved */
            }
            have_last = 1;
        }
        page_clear(&pg);
        if (got < per)
            break;
    }
    for (int k = 0; k < MAX_PK; k++)
        free(last[k].p);
    free(last);
    free(pg.cells);
    free(sql);
    return r;
}

/* ---- writing pages into the target ------------------------------------------- */

typedef struct fixup {
    int64_t id;
    int col;
    int64_t value;
} fixup;

typedef struct writer {
    store_conn *c; /* the target's write transaction */
    const table_def *t;
    fixup *fix;
    size_t nfix, capfix;
} writer;

/* One INSERT of the page's rows, inside the target's transaction. */
static hv_result
write_page(void *ctx, page *pg)
{
    writer *w = ctx;
    const table_def *t = pg->t;
    size_t nargs = (size_t)pg->n * (size_t)t->ncols;
    store_val *args = calloc(nargs, sizeof *args);
    size_t sqlsz = 256 + (size_t)t->ncols * 72 + nargs * 3 + (size_t)pg->n * 4;
    char *sql = malloc(sqlsz);
    if (!args || !sql) {
        free(args);
        free(sql);
        return HV_ERR_NOMEM;
    }
    snprintf(sql, sqlsz, "INSERT INTO \"%s\" (", t->name);
    for (int i = 0; i < t->ncols; i++)
        append(sql, sqlsz, i, 1, t->cols[i].name);
    append(sql, sqlsz, 0, 0, ") VALUES ");
    hv_result r = HV_OK;
    for (int row = 0; row < pg->n && r == HV_OK; row++) {
        append(sql, sqlsz, row, 0, "(");
        for (int i = 0; i < t->ncols; i++) {
            cell *cl = &pg->cells[row * t->ncols + i];
            store_val v = cell_val(cl, t->cols[i].kind);
            if (t->cols[i].self_ref && !cl->null) { /* its row may come later: second pass */
                if (w->nfix == w->capfix) {
                    size_t cap = w->capfix ? w->capfix * 2 : 64;
                    fixup *f = realloc(w->fix, cap * sizeof *f);
                    if (!f) {
                        r = HV_ERR_NOMEM;
                        break;
                    }
                    w->fix = f;
                    w->capfix = cap;
                }
                w->fix[w->nfix++] = (fixup){pg->cells[row * t->ncols + t->pk[0]].i, i, cl->i};
                v = SV_NULLV;
            }
            args[(size_t)row * (size_t)t->ncols + (size_t)i] = v;
            append(sql, sqlsz, i, 0, "?");
        }
        append(sql, sqlsz, 0, 0, ")");
    }
    if (r == HV_OK) {
        r = store_exec(w->c, sql, args, (int)nargs, NULL);
        if (r != HV_OK)
            snprintf(pg->err, sizeof pg->err, "%s", store_errmsg(w->c));
    }
    free(args);
    free(sql);
    return r;
}

/* ---- the command -------------------------------------------------------------- */

static int
is_dir_arg(const char *s)
{
    return !store_url_is_postgres(s);
}

static int
file_exists(const char *dir, const char *name)
{
    char p[4096];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

/* Opens SRC (a data directory or a PostgreSQL URL); CREATE makes a missing
 * directory and database. */
static int
open_side(const char *where, int create, store **st)
{
    if (is_dir_arg(where)) {
        if (!create && !file_exists(where, "haven.db")) {
            fprintf(stderr, "haven: no database in '%s'\n", where);
            return 1;
        }
        if (create && mkdir(where, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "haven: cannot create '%s': %s\n", where, strerror(errno));
            return 1;
        }
    }
    store_options opt = {.readers = 2,
                         .busy_timeout_ms = 5000,
                         .synchronous_full = 1,
                         .url = is_dir_arg(where) ? NULL : where};
    hv_result r = store_open(is_dir_arg(where) ? where : ".", &opt, st);
    if (r != HV_OK) {
        /* never the URL itself: it may hold a password */
        fprintf(stderr, "haven: cannot open the %s database: %s\n",
                is_dir_arg(where) ? "SQLite" : "PostgreSQL", hv_strerror(r));
        return 1;
    }
    return 0;
}

static int
copy_key(const char *from, const char *to)
{
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/haven.key", from);
    snprintf(dst, sizeof dst, "%s/haven.key", to);
    FILE *in = fopen(src, "rb");
    if (!in)
        return -1;
    mode_t old = umask(077);
    FILE *out = fopen(dst, "wbx");
    umask(old);
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    chmod(dst, 0600);
    return rc;
}

/* Target must be empty except for the row migration 1 seeds in audit_head. */
static int
target_empty(store *st, catalog *cat, char *why, size_t whysz)
{
    store_conn *c = NULL;
    if (store_read(st, &c) != HV_OK) {
        snprintf(why, whysz, "cannot read the target");
        return 0;
    }
    int ok = 1;
    for (int i = 0; i < cat->n && ok; i++) {
        char sql[200];
        int64_t n = 0;
        if (strcmp(cat->t[i].name, "audit_head") == 0)
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_head WHERE last_id <> 0");
        else
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM \"%s\"", cat->t[i].name);
        if (store_query_int(c, sql, NULL, 0, &n) != HV_OK || n != 0) {
            snprintf(why, whysz,
                     "the target is not empty (table %s has %lld rows): copy into a new database "
                     "(haven copy creates the tables; do not run haven migrate, demo or serve on "
                     "it first)",
                     cat->t[i].name, (long long)n);
            ok = 0;
        }
    }
    store_release(c);
    return ok;
}

static void
hex8(const uint64_t sum[4], char out[17])
{
    uint64_t x = sum[0] ^ sum[1] ^ sum[2] ^ sum[3];
    snprintf(out, 17, "%016llx", (unsigned long long)x);
}

int
cmd_copy(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven copy --from DIR|URL --to DIR|URL [--data DIR] [--check]\n\n"
        "Moves a whole installation from one database to another: a data directory's SQLite\n"
        "database (DIR) or a PostgreSQL database (URL, postgresql://...). Both must be at the\n"
        "same schema version; the target must be new and empty (haven copy creates its\n"
        "tables). Stop every haven server on the source first. Rows keep their ids; the copy\n"
        "is one transaction. Then both sides are read again and compared, table by table\n"
        "(row counts and checksums), and the target's audit hash chain is verified.\n"
        "Exits 0 only when everything matches.\n\n"
        "  --from, --to  the source and the target\n"
        "  --data DIR    where haven.key is (default: whichever of --from/--to is a\n"
        "                directory); a target directory without one gets a copy\n"
        "  --check       copy nothing: compare an earlier copy with its source again\n"
        "See docs/postgresql.md, \"Moving from SQLite\".\n";
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"data", required_argument, NULL, 'd'}, {"check", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *to = NULL, *keydir = NULL;
    int check = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "f:t:d:ch", opts, NULL)) != -1) {
        if (ch == 'f')
            from = optarg;
        else if (ch == 't')
            to = optarg;
        else if (ch == 'd')
            keydir = optarg;
        else if (ch == 'c')
            check = 1;
        else {
            fputs(usage, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : 2;
        }
    }
    if (!from || !to || optind != argc || !*from || !*to) {
        fputs(usage, stderr);
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    if (!keydir) {
        if (is_dir_arg(from))
            keydir = from;
        else if (is_dir_arg(to))
            keydir = to;
    }
    if (!keydir || !file_exists(keydir, "haven.key")) {
        fprintf(stderr, "haven: no key file: give --data DIR with the installation's haven.key\n");
        return 1;
    }
    if (is_dir_arg(from) && is_dir_arg(to) && strcmp(from, to) == 0) {
        fprintf(stderr, "haven: --from and --to are the same\n");
        return 1;
    }
    int rc = 1;
    store *src = NULL, *dst = NULL;
    crypt_keys *keys = NULL;
    catalog a = {0}, b = {0};
    char why[400] = "";
    a.t = calloc(MAX_TABLES, sizeof *a.t);
    b.t = calloc(MAX_TABLES, sizeof *b.t);
    if (!a.t || !b.t)
        goto out;
    if (open_side(from, 0, &src) != 0 || open_side(to, !check, &dst) != 0)
        goto out;
    int vs = 0, vt = 0;
    if (store_schema_version(src, &vs) != HV_OK || store_schema_version(dst, &vt) != HV_OK) {
        fprintf(stderr, "haven: cannot read the schema versions\n");
        goto out;
    }
    if (!check && vt == 0 && vs == store_latest_version()) {
        if (store_migrate(dst, NULL) != HV_OK || store_schema_version(dst, &vt) != HV_OK) {
            fprintf(stderr, "haven: cannot create the tables in the target\n");
            goto out;
        }
    }
    if (vs != vt) {
        fprintf(stderr,
                "haven: the source is at schema version %d, the target at %d: both must be at "
                "the same (run `haven migrate` on the source first; this haven knows %d)\n",
                vs, vt, store_latest_version());
        goto out;
    }
    if (catalog_read(src, &a, why, sizeof why) != HV_OK ||
        catalog_read(dst, &b, why, sizeof why) != HV_OK) {
        fprintf(stderr, "haven: cannot read the catalog: %s\n", why[0] ? why : "database error");
        goto out;
    }
    if (!catalog_match(&a, &b, why, sizeof why) || !catalog_order(&a, why, sizeof why)) {
        fprintf(stderr, "haven: the databases differ: %s\n", why);
        goto out;
    }
    if (is_dir_arg(to) && strcmp(keydir, to) != 0 && !file_exists(to, "haven.key")) {
        if (copy_key(keydir, to) != 0) {
            fprintf(stderr, "haven: cannot copy haven.key to '%s'\n", to);
            goto out;
        }
        printf("key file copied to %s/haven.key\n", to);
    }
    if (crypt_load_or_create(keydir, &keys) != HV_OK) {
        fprintf(stderr, "haven: cannot use the key file '%s/haven.key'\n", keydir);
        goto out;
    }
    int64_t t0 = clock_mono_ms(), total = 0;
    uint64_t(*srcsum)[4] = calloc((size_t)a.n, sizeof *srcsum);
    int64_t *srcrows = calloc((size_t)a.n, sizeof *srcrows);
    if (!srcsum || !srcrows) {
        free(srcsum);
        free(srcrows);
        goto out;
    }
    hv_result r = HV_OK;
    if (!check) {
        if (!target_empty(dst, &a, why, sizeof why)) {
            fprintf(stderr, "haven: %s\n", why);
            free(srcsum);
            free(srcrows);
            goto out;
        }
        writer w = {0};
        if ((r = store_begin(dst, &w.c)) == HV_OK) {
            if (catalog_find(&a, "audit_head"))
                r = store_exec(w.c, "DELETE FROM audit_head", NULL, 0, NULL);
            for (int i = 0; i < a.n && r == HV_OK; i++) {
                table_def *t = &a.t[i];
                int per = PARAMS_MAX / t->ncols;
                w.t = t;
                w.nfix = 0;
                r = scan(src, t, per < 1 ? 1 : per, write_page, &w, why, sizeof why);
                for (size_t f = 0; r == HV_OK && f < w.nfix; f++) {
                    char sql[300];
                    snprintf(sql, sizeof sql, "UPDATE \"%s\" SET \"%s\" = ? WHERE \"%s\" = ?",
                             t->name, t->cols[w.fix[f].col].name, t->cols[t->pk[0]].name);
                    store_val args[2] = {SV_INTV(w.fix[f].value), SV_INTV(w.fix[f].id)};
                    r = store_exec(w.c, sql, args, 2, NULL);
                    if (r != HV_OK)
                        snprintf(why, sizeof why, "writing %s: %s", t->name, store_errmsg(w.c));
                }
                if (r == HV_OK && t->npk == 1 && strcmp(t->cols[t->pk[0]].name, "id") == 0 &&
                    t->cols[t->pk[0]].kind == K_INT)
                    r = store_ids_follow(w.c, t->name);
                srcrows[i] = t->rows;
                memcpy(srcsum[i], t->sum, sizeof srcsum[i]);
                total += t->rows;
            }
            if (r == HV_OK)
                r = store_commit(w.c);
            else
                store_rollback(w.c);
        }
        free(w.fix);
        if (r != HV_OK) {
            fprintf(stderr, "haven: the copy failed and was rolled back: %s (%s)\n",
                    why[0] ? why : "database error", hv_strerror(r));
            free(srcsum);
            free(srcrows);
            goto out;
        }
        printf("copied %lld rows in %d tables from %s to %s in %.1f s\n", (long long)total, a.n,
               store_backend(src), store_backend(dst), (double)(clock_mono_ms() - t0) / 1000.0);
    } else {
        for (int i = 0; i < a.n && r == HV_OK; i++) {
            r = scan(src, &a.t[i], 1000, NULL, NULL, why, sizeof why);
            srcrows[i] = a.t[i].rows;
            memcpy(srcsum[i], a.t[i].sum, sizeof srcsum[i]);
        }
        if (r != HV_OK) {
            fprintf(stderr, "haven: cannot read the source: %s\n", why);
            free(srcsum);
            free(srcrows);
            goto out;
        }
    }
    /* the verification report: the target read again, table by table */
    printf("%-28s %12s %12s  %-16s %-16s %s\n", "table", "source rows", "target rows", "source sum",
           "target sum", "");
    int bad = 0;
    for (int i = 0; i < a.n; i++) {
        table_def *t = &a.t[i];
        uint64_t ssum[4];
        memcpy(ssum, srcsum[i], sizeof ssum);
        r = scan(dst, t, 1000, NULL, NULL, why, sizeof why);
        char hs[17], ht[17];
        hex8(ssum, hs);
        hex8(t->sum, ht);
        int same = r == HV_OK && t->rows == srcrows[i] && memcmp(ssum, t->sum, sizeof ssum) == 0;
        bad += !same;
        printf("%-28s %12lld %12lld  %-16s %-16s %s\n", t->name, (long long)srcrows[i],
               (long long)t->rows, hs, r == HV_OK ? ht : "(unreadable)", same ? "ok" : "DIFFERS");
    }
    free(srcsum);
    free(srcrows);
    audit_report rep = {0};
    hv_result ar = audit_verify(dst, keys, &rep);
    if (ar == HV_OK)
        printf("audit log on the target: intact, %lld entries verified\n", (long long)rep.entries);
    else if (ar == HV_ERR_TAMPER)
        printf("audit log on the target: BROKEN at entry %lld: %s\n", (long long)rep.bad_id,
               rep.why);
    else
        printf("audit log on the target: cannot verify: %s\n", hv_strerror(ar));
    if (bad || ar != HV_OK) {
        printf("verification FAILED: %d table(s) differ%s\n", bad,
               ar != HV_OK ? ", the audit log does not verify" : "");
        goto out;
    }
    printf("verification passed: %d tables identical\n", a.n);
    rc = 0;
out:
    if (src)
        store_close(src);
    if (dst)
        store_close(dst);
    crypt_free(keys);
    free(a.t);
    free(b.t);
    return rc;
}
