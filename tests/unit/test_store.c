/* test_store.c - the store over a real temporary database: opening,
 * migrations (idempotent, refusing a newer schema), transactions (commit,
 * rollback, what readers see), bound value types, blobs, and constraint
 * errors, and group commit (many threads' transactions sharing COMMITs, one
 * member's rollback undoing only its own work). Each test gets a fresh
 * mkdtemp directory. With HAVEN_TEST_DB=postgres (and the server of
 * scripts/pg.sh in HAVEN_TEST_PG_URL or $HAVEN_TEST_PG_DIR/url) the same tests
 * run on PostgreSQL, each on a database of its own. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "unit_util.h"

#include "store/migrations.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char url[512]; /* PostgreSQL: this test's database */
    store *st;
} fixture;

/* ---- PostgreSQL: the maintenance URL and a database per test ------------- */

static char pg_base[512]; /* "" on SQLite */

static void
pg_init(void)
{
    const char *db = getenv("HAVEN_TEST_DB");
    if (!db || strcmp(db, "postgres") != 0)
        return;
    const char *url = getenv("HAVEN_TEST_PG_URL");
    if (url && *url) {
        snprintf(pg_base, sizeof pg_base, "%s", url);
        return;
    }
    const char *dir = getenv("HAVEN_TEST_PG_DIR");
    char p[512];
    snprintf(p, sizeof p, "%s/url", dir ? dir : ".");
    FILE *f = fopen(p, "r");
    if (!f || !fgets(pg_base, sizeof pg_base, f)) {
        fprintf(stderr, "HAVEN_TEST_DB=postgres: no server URL (scripts/pg.sh start)\n");
        exit(1);
    }
    fclose(f);
    pg_base[strcspn(pg_base, "\r\n")] = '\0';
}

static int
pg_admin(const char *sql)
{
    PGconn *pg = PQconnectdb(pg_base);
    PGresult *res = PQexec(pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
    return ok ? 0 : -1;
}

static char pg_template[64]; /* a migrated database the tests' ones copy */

/* Makes a fresh database (a copy of the migrated template when MIGRATED);
 * its URL goes to URL. */
static int
pg_create(char *url, size_t n, int migrated)
{
    static int seq;
    char name[64], sql[160];
    snprintf(name, sizeof name, "haven_unit_%d_%d", (int)getpid(), ++seq);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s%s%s", name,
             migrated && pg_template[0] ? " TEMPLATE " : "", migrated ? pg_template : "");
    if (pg_admin(sql) != 0)
        return -1;
    const char *slash = strrchr(pg_base, '/');
    snprintf(url, n, "%.*s/%s", (int)(slash - pg_base), pg_base, name);
    return 0;
}

static void
pg_drop(const char *url)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", strrchr(url, '/') + 1);
    (void)pg_admin(sql);
}

/* Migrates one database for the tests to copy: much faster than migrating
 * each one. */
static void
pg_make_template(void)
{
    char url[512];
    store *st;
    store_options o = {.busy_timeout_ms = -1, .url = url};
    if (pg_create(url, sizeof url, 0) != 0 || store_open("/tmp", &o, &st) != HV_OK) {
        fprintf(stderr, "cannot make the template database\n");
        exit(1);
    }
    hv_result r = store_migrate(st, NULL);
    store_close(st);
    if (r != HV_OK) {
        fprintf(stderr, "cannot migrate the template database\n");
        exit(1);
    }
    snprintf(pg_template, sizeof pg_template, "%s", strrchr(url, '/') + 1);
}

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    if (pg_base[0] && pg_create(f->url, sizeof f->url, 1) != 0) {
        rm_dir(f->dir);
        free(f);
        return -1;
    }
    store_options opt = {.readers = 2, .busy_timeout_ms = 1000, .synchronous_full = 0};
    opt.url = f->url;
    if (store_open(f->dir, &opt, &f->st) != HV_OK || store_migrate(f->st, NULL) != HV_OK) {
        rm_dir(f->dir);
        free(f);
        return -1;
    }
    store_conn *c;
    if (store_begin(f->st, &c) != HV_OK)
        return -1;
    hv_result r =
        store_exec(c,
                   pg_base[0] ? "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL "
                                "UNIQUE, n BIGINT, b BYTEA, parent BIGINT REFERENCES t(id))"
                              : "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
                                "UNIQUE, n INTEGER, b BLOB, parent INTEGER REFERENCES t(id))",
                   NULL, 0, NULL);
    if (r != HV_OK || store_commit(c) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    if (f->url[0])
        pg_drop(f->url);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static hv_result
insert(store *st, const char *name, int64_t n)
{
    store_conn *c;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return r;
    store_val a[] = {SV_TEXTV(name), SV_INTV(n)};
    r = store_exec(c, "INSERT INTO t (name, n) VALUES (?, ?)", a, 2, NULL);
    if (r != HV_OK) {
        store_rollback(c);
        return r;
    }
    return store_commit(c);
}

static int64_t
count_rows(store *st)
{
    store_conn *c;
    int64_t n = -1;
    assert_int_equal(store_read(st, &c), HV_OK);
    assert_int_equal(store_query_int(c, "SELECT COUNT(*) FROM t", NULL, 0, &n), HV_OK);
    store_release(c);
    return n;
}

static void
test_open_creates_file(void **state)
{
    fixture *f = *state;
    char p[128];
    struct stat sb;
    if (pg_base[0]) {
        assert_string_equal(store_backend(f->st), "postgres");
        assert_int_equal(store_ping(f->st), HV_OK);
        /* a database that does not exist cannot be opened */
        store *st = NULL;
        char url[600];
        snprintf(url, sizeof url, "%s_no_such_db", f->url);
        store_options o = {.url = url};
        assert_int_equal(store_open(f->dir, &o, &st), HV_ERR_DB);
        return;
    }
    snprintf(p, sizeof p, "%s/haven.db", f->dir);
    assert_int_equal(stat(p, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_string_equal(store_backend(f->st), "sqlite");
    assert_int_equal(store_ping(f->st), HV_OK);
    /* a directory that does not exist cannot hold a database */
    store *st = NULL;
    snprintf(p, sizeof p, "%s/no/such/dir", f->dir);
    assert_int_equal(store_open(p, NULL, &st), HV_ERR_DB);
}

static void
test_migrations_idempotent(void **state)
{
    fixture *f = *state;
    int applied = -1, version = -1;
    assert_int_equal(store_schema_version(f->st, &version), HV_OK);
    assert_int_equal(version, store_latest_version());
    assert_true(store_latest_version() >= 1);
    assert_int_equal(store_migrate(f->st, &applied), HV_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(store_migrate(f->st, &applied), HV_OK);
    assert_int_equal(applied, 0);
    /* the migrated schema is there: the audit head row exists */
    store_conn *c;
    int64_t n = 0;
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(store_query_int(c, "SELECT COUNT(*) FROM audit_head", NULL, 0, &n), HV_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_query_int(c, "SELECT COUNT(*) FROM schema_migrations", NULL, 0, &n),
                     HV_OK);
    /* one row per migration (numbers are reserved per branch, so they may
     * have gaps: 7 can land before 6) */
    assert_int_equal(n, migrations_count);
    store_release(c);
}

static void
test_migrate_fresh_and_reopen(void **state)
{
    fixture *f = *state;
    char dir[128];
    store *st = NULL;
    int applied = -1;
    snprintf(dir, sizeof dir, "%s", f->dir);
    /* a second store on another fresh directory applies every step */
    char fresh[64] = "/tmp/haven-store2-XXXXXX";
    char url[512] = "";
    assert_non_null(mkdtemp(fresh));
    if (pg_base[0])
        assert_int_equal(pg_create(url, sizeof url, 0), 0);
    store_options o = {.busy_timeout_ms = -1, .url = url};
    assert_int_equal(store_open(fresh, &o, &st), HV_OK);
    assert_int_equal(store_migrate(st, &applied), HV_OK);
    assert_int_equal(applied, migrations_count);
    store_close(st);
    /* reopening finds it up to date */
    assert_int_equal(store_open(fresh, &o, &st), HV_OK);
    assert_int_equal(store_migrate(st, &applied), HV_OK);
    assert_int_equal(applied, 0);
    store_close(st);
    if (url[0])
        pg_drop(url);
    rm_dir(fresh);
}

static void
test_refuses_newer_schema(void **state)
{
    fixture *f = *state;
    store_conn *c;
    int applied = -1;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    store_val a[] = {SV_INTV(store_latest_version() + 1)};
    assert_int_equal(store_exec(c,
                                "INSERT INTO schema_migrations (version, name, applied_at) "
                                "VALUES (?, 'from the future', 0)",
                                a, 1, NULL),
                     HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
    assert_int_equal(store_migrate(f->st, &applied), HV_ERR_CONFLICT);
}

static void
test_commit_and_readers(void **state)
{
    fixture *f = *state;
    store_conn *w, *r;
    int64_t n = -1;
    assert_int_equal(store_begin(f->st, &w), HV_OK);
    store_val a[] = {SV_TEXTV("alpha"), SV_INTV(1)};
    assert_int_equal(store_exec(w, "INSERT INTO t (name, n) VALUES (?, ?)", a, 2, NULL), HV_OK);
    /* the writer sees its own change; a reader does not until commit */
    assert_int_equal(store_query_int(w, "SELECT COUNT(*) FROM t", NULL, 0, &n), HV_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_read(f->st, &r), HV_OK);
    assert_int_equal(store_query_int(r, "SELECT COUNT(*) FROM t", NULL, 0, &n), HV_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_commit(w), HV_OK);
    assert_int_equal(store_query_int(r, "SELECT COUNT(*) FROM t", NULL, 0, &n), HV_OK);
    assert_int_equal(n, 1);
    /* readers are read-only */
    assert_int_equal(store_exec(r, "INSERT INTO t (name) VALUES ('x')", NULL, 0, NULL), HV_ERR_DB);
    store_release(r);
    assert_int_equal(count_rows(f->st), 1);
}

static void
test_rollback(void **state)
{
    fixture *f = *state;
    store_conn *w;
    assert_int_equal(insert(f->st, "kept", 1), HV_OK);
    assert_int_equal(store_begin(f->st, &w), HV_OK);
    assert_int_equal(store_exec(w, "INSERT INTO t (name) VALUES ('dropped')", NULL, 0, NULL),
                     HV_OK);
    assert_int_equal(store_exec(w, "DELETE FROM t WHERE name = 'kept'", NULL, 0, NULL), HV_OK);
    store_rollback(w);
    assert_int_equal(count_rows(f->st), 1);
    /* releasing the writer without committing rolls back too */
    assert_int_equal(store_begin(f->st, &w), HV_OK);
    assert_int_equal(store_exec(w, "INSERT INTO t (name) VALUES ('dropped')", NULL, 0, NULL),
                     HV_OK);
    store_release(w);
    assert_int_equal(count_rows(f->st), 1);
    /* and the writer can be had again afterwards */
    assert_int_equal(insert(f->st, "second", 2), HV_OK);
    assert_int_equal(count_rows(f->st), 2);
}

typedef struct seen {
    int rows;
    int64_t i;
    char text[64];
    int null_n, null_b;
    uint8_t blob[16];
    size_t bloblen;
    int cols;
    char colname[16];
} seen;

static hv_result
grab(void *ctx, const store_row *row)
{
    seen *s = ctx;
    s->rows++;
    s->cols = store_row_columns(row);
    snprintf(s->colname, sizeof s->colname, "%s", store_row_name(row, 0));
    snprintf(s->text, sizeof s->text, "%s", store_row_text(row, 0));
    s->null_n = store_row_isnull(row, 1);
    s->i = store_row_isnull(row, 1) ? 0 : store_row_int(row, 1);
    s->null_b = store_row_isnull(row, 2);
    const void *b = store_row_blob(row, 2, &s->bloblen);
    if (b && s->bloblen <= sizeof s->blob)
        memcpy(s->blob, b, s->bloblen);
    return HV_OK;
}

static void
test_bound_types(void **state)
{
    fixture *f = *state;
    store_conn *c;
    seen s;
    static const uint8_t bin[] = {0, 1, 0xff, 0, 'x', 0};
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    store_val a[] = {SV_TEXTV("caf\xc3\xa9 'quoted'; DROP TABLE t; --"), SV_INTV(INT64_MIN),
                     SV_BLOBV(bin, sizeof bin)};
    assert_int_equal(store_exec(c, "INSERT INTO t (name, n, b) VALUES (?, ?, ?)", a, 3, NULL),
                     HV_OK);
    store_val b[] = {SV_TEXTV("max"), SV_INTV(INT64_MAX), SV_NULLV};
    assert_int_equal(store_exec(c, "INSERT INTO t (name, n, b) VALUES (?, ?, ?)", b, 3, NULL),
                     HV_OK);
    /* text with an explicit length takes only that many bytes */
    store_val cc[] = {{.type = SV_TEXT, .p = "partial-and-more", .len = 7}, SV_TEXTV(NULL)};
    assert_int_equal(store_exec(c, "INSERT INTO t (name, n) VALUES (?, ?)", cc, 2, NULL), HV_OK);
    assert_int_equal(store_commit(c), HV_OK);

    assert_int_equal(store_read(f->st, &c), HV_OK);
    memset(&s, 0, sizeof s);
    store_val q1 = SV_INTV(1);
    assert_int_equal(store_query(c, "SELECT name, n, b FROM t WHERE id = ?", &q1, 1, grab, &s),
                     HV_OK);
    assert_int_equal(s.rows, 1);
    assert_int_equal(s.cols, 3);
    assert_string_equal(s.colname, "name");
    assert_string_equal(s.text, "caf\xc3\xa9 'quoted'; DROP TABLE t; --");
    assert_int_equal(s.i, INT64_MIN);
    assert_false(s.null_b);
    assert_int_equal(s.bloblen, sizeof bin);
    assert_memory_equal(s.blob, bin, sizeof bin);

    memset(&s, 0, sizeof s);
    store_val q2 = SV_TEXTV("max");
    assert_int_equal(store_query(c, "SELECT name, n, b FROM t WHERE name = ?", &q2, 1, grab, &s),
                     HV_OK);
    assert_int_equal(s.i, INT64_MAX);
    assert_true(s.null_b);
    assert_int_equal(s.bloblen, 0);

    memset(&s, 0, sizeof s);
    store_val q3 = SV_TEXTV("partial");
    assert_int_equal(store_query(c, "SELECT name, n, b FROM t WHERE name = ?", &q3, 1, grab, &s),
                     HV_OK);
    assert_int_equal(s.rows, 1);
    assert_true(s.null_n);
    store_release(c);
}

typedef struct blobs {
    uint8_t *data;
    size_t len;
    int isnull;
} blobs;

static hv_result
copy_blob(void *ctx, const store_row *row)
{
    blobs *b = ctx;
    b->isnull = store_row_isnull(row, 0);
    return store_row_blob_copy(row, 0, &b->data, &b->len);
}

static void
test_blob_round_trip(void **state)
{
    fixture *f = *state;
    store_conn *c;
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    store_val a[] = {SV_TEXTV("big"), SV_BLOBV(big, sizeof big)};
    assert_int_equal(store_exec(c, "INSERT INTO t (name, b) VALUES (?, ?)", a, 2, NULL), HV_OK);
    store_val e[] = {SV_TEXTV("empty"), SV_BLOBV("", 0)};
    assert_int_equal(store_exec(c, "INSERT INTO t (name, b) VALUES (?, ?)", e, 2, NULL), HV_OK);
    assert_int_equal(store_exec(c, "INSERT INTO t (name) VALUES ('none')", NULL, 0, NULL), HV_OK);
    assert_int_equal(store_commit(c), HV_OK);

    assert_int_equal(store_read(f->st, &c), HV_OK);
    blobs b = {0};
    assert_int_equal(store_query(c, "SELECT b FROM t WHERE name = 'big'", NULL, 0, copy_blob, &b),
                     HV_OK);
    assert_int_equal(b.len, sizeof big);
    assert_memory_equal(b.data, big, sizeof big);
    free(b.data);
    memset(&b, 0, sizeof b);
    assert_int_equal(store_query(c, "SELECT b FROM t WHERE name = 'empty'", NULL, 0, copy_blob, &b),
                     HV_OK);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    free(b.data);
    memset(&b, 0, sizeof b);
    assert_int_equal(store_query(c, "SELECT b FROM t WHERE name = 'none'", NULL, 0, copy_blob, &b),
                     HV_OK);
    assert_true(b.isnull);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    store_release(c);
}

static void
test_constraint_errors(void **state)
{
    fixture *f = *state;
    store_conn *c;
    int64_t changes = -1;
    assert_int_equal(insert(f->st, "unique", 1), HV_OK);
    assert_int_equal(insert(f->st, "unique", 2), HV_ERR_CONFLICT);
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    /* a missing parent: foreign keys are on */
    assert_int_equal(
        store_exec(c, "INSERT INTO t (name, parent) VALUES ('child', 999)", NULL, 0, NULL),
        HV_ERR_INVALID);
    /* NOT NULL is a database error, not a conflict */
    assert_int_equal(store_exec(c, "INSERT INTO t (name) VALUES (NULL)", NULL, 0, NULL), HV_ERR_DB);
    /* a primary key clash is a conflict */
    assert_int_equal(store_exec(c, "INSERT INTO t (id, name) VALUES (1, 'again')", NULL, 0, NULL),
                     HV_ERR_CONFLICT);
    /* the transaction is still usable after a failed statement */
    assert_int_equal(store_exec(c, "UPDATE t SET n = 5 WHERE name = 'unique'", NULL, 0, &changes),
                     HV_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(store_exec(c, "UPDATE t SET n = 5 WHERE name = 'nobody'", NULL, 0, &changes),
                     HV_OK);
    assert_int_equal(changes, 0);
    assert_int_equal(store_commit(c), HV_OK);
    assert_int_equal(count_rows(f->st), 1);
}

static void
test_bad_sql_counts_errors(void **state)
{
    fixture *f = *state;
    store_conn *c;
    uint64_t before = store_error_count(f->st);
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(store_query(c, "SELECT nope FROM nowhere", NULL, 0, NULL, NULL), HV_ERR_DB);
    assert_non_null(store_errmsg(c));
    store_release(c);
    assert_true(store_error_count(f->st) > before);
}

static hv_result
stop_after_two(void *ctx, const store_row *row)
{
    (void)row;
    int *n = ctx;
    return ++*n == 2 ? HV_ERR_TOOBIG : HV_OK;
}

static void
test_callback_stops_query(void **state)
{
    fixture *f = *state;
    store_conn *c;
    int n = 0;
    int64_t v = -1;
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof name, "r%d", i);
        assert_int_equal(insert(f->st, name, i), HV_OK);
    }
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(store_query(c, "SELECT id FROM t ORDER BY id", NULL, 0, stop_after_two, &n),
                     HV_ERR_TOOBIG);
    assert_int_equal(n, 2);
    /* the same statement runs again from the start */
    n = 0;
    assert_int_equal(store_query(c, "SELECT id FROM t ORDER BY id", NULL, 0, stop_after_two, &n),
                     HV_ERR_TOOBIG);
    assert_int_equal(n, 2);
    assert_int_equal(store_query(c, "SELECT id FROM t ORDER BY id", NULL, 0, NULL, NULL), HV_OK);
    /* query_int: the first row's first column, or NOTFOUND */
    assert_int_equal(store_query_int(c, "SELECT n FROM t ORDER BY n DESC", NULL, 0, &v), HV_OK);
    assert_int_equal(v, 4);
    v = -1;
    assert_int_equal(store_query_int(c, "SELECT n FROM t WHERE n > 100", NULL, 0, &v),
                     HV_ERR_NOTFOUND);
    assert_int_equal(v, -1);
    store_release(c);
}

static void
test_many_statements_cached(void **state)
{
    fixture *f = *state;
    store_conn *c;
    /* more distinct statements than the per-connection cache holds */
    char sql[300][64];
    assert_int_equal(store_read(f->st, &c), HV_OK);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 300; i++) {
            int64_t v = -1;
            snprintf(sql[i], sizeof sql[i], "SELECT %d + 0", i);
            assert_int_equal(store_query_int(c, sql[i], NULL, 0, &v), HV_OK);
            assert_int_equal(v, i);
        }
    store_release(c);
}

static hv_result
grab_text(void *ctx, const store_row *row)
{
    snprintf(ctx, 32, "%s", store_row_text(row, 0) ? store_row_text(row, 0) : "(null)");
    return HV_OK;
}

/* Values whose type only the context gives, a comparison read as an
 * integer, and explicit ids followed by assigned ones: the same on both
 * backends. */
static void
test_portable_values(void **state)
{
    fixture *f = *state;
    store_conn *c;
    int64_t v = -1;
    char text[32] = "";
    assert_int_equal(store_read(f->st, &c), HV_OK);
    store_val null1[] = {SV_NULLV};
    assert_int_equal(
        store_query_int(c, "SELECT CASE WHEN ? IS NULL THEN 1 ELSE 0 END", null1, 1, &v), HV_OK);
    assert_int_equal(v, 1);
    store_val t1[] = {SV_TEXTV("abc")};
    assert_int_equal(store_query(c, "SELECT ?", t1, 1, grab_text, text), HV_OK);
    assert_string_equal(text, "abc");
    assert_int_equal(store_query_int(c, "SELECT (2 > 1)", NULL, 0, &v), HV_OK);
    assert_int_equal(v, 1);
    store_val big[] = {SV_INTV(1700000000000LL)};
    assert_int_equal(store_query_int(c, "SELECT ? + 1", big, 1, &v), HV_OK);
    assert_int_equal(v, 1700000000001LL);
    store_release(c);

    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(
        store_exec(c, "INSERT INTO t (id, name) VALUES (100, 'chosen')", NULL, 0, NULL), HV_OK);
    assert_int_equal(store_ids_follow(c, "t"), HV_OK);
    assert_int_equal(store_ids_follow(c, "t; DROP TABLE t"), HV_ERR_INVALID);
    assert_int_equal(
        store_query_int(c, "INSERT INTO t (name) VALUES ('assigned') RETURNING id", NULL, 0, &v),
        HV_OK);
    assert_int_equal(v, 101);
    assert_int_equal(store_commit(c), HV_OK);
}

int main(void);

/* ---- group commit ---------------------------------------------------------------- */

#define GC_THREADS 8
#define GC_EACH    40

typedef struct gc_arg {
    store *st;
    int n;
    int committed, refused;
} gc_arg;

/* Each transaction inserts two rows; every fifth is rolled back after its
 * inserts, every seventh hits a unique-constraint error and rolls back. */
static void *
gc_worker(void *p)
{
    gc_arg *a = p;
    for (int i = 0; i < GC_EACH; i++) {
        store_conn *c;
        if (store_begin(a->st, &c) != HV_OK)
            continue;
        char name[64];
        snprintf(name, sizeof name, "w%d-%d", a->n, i);
        store_val v[] = {SV_TEXTV(name), SV_INTV(a->n)};
        hv_result r = store_exec(c, "INSERT INTO t (name, n) VALUES (?, ?)", v, 2, NULL);
        snprintf(name, sizeof name, "w%d-%d-b", a->n, i);
        if (r == HV_OK)
            r = store_exec(c, "INSERT INTO t (name, n) VALUES (?, ?)", v, 2, NULL);
        if (r == HV_OK && i % 7 == 3) /* a duplicate: the statement fails, the tx goes on */
            r = store_exec(c, "INSERT INTO t (name, n) VALUES (?, ?)", v, 2, NULL);
        if (r == HV_OK && i % 5 == 4) {
            store_rollback(c);
            a->refused++;
        } else if (r != HV_OK) {
            store_rollback(c);
            a->refused++;
        } else if (store_commit(c) == HV_OK) {
            a->committed++;
        }
    }
    return NULL;
}

static void
test_group_commit_threads(void **state)
{
    fixture *f = *state;
    pthread_t th[GC_THREADS];
    gc_arg args[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        args[i] = (gc_arg){.st = f->st, .n = i};
        assert_int_equal(pthread_create(&th[i], NULL, gc_worker, &args[i]), 0);
    }
    int committed = 0, refused = 0;
    for (int i = 0; i < GC_THREADS; i++) {
        pthread_join(th[i], NULL);
        committed += args[i].committed;
        refused += args[i].refused;
    }
    assert_int_equal(committed + refused, GC_THREADS * GC_EACH);
    /* every committed transaction is counted, in no more COMMITs than that */
    assert_true(store_transaction_count(f->st) >= (uint64_t)committed);
    assert_true(store_commit_count(f->st) <= store_transaction_count(f->st));
    assert_true(refused > 0 && committed > 0);
    /* exactly the committed transactions' rows are there, both of each */
    assert_int_equal(count_rows(f->st), 2 * committed);
    store_conn *r;
    int64_t orphans = -1;
    assert_int_equal(store_read(f->st, &r), HV_OK);
    assert_int_equal(store_query_int(r,
                                     "SELECT COUNT(*) FROM t a WHERE a.name NOT LIKE '%-b' AND "
                                     "NOT EXISTS (SELECT 1 FROM t b WHERE b.name = a.name || "
                                     "'-b')",
                                     NULL, 0, &orphans),
                     HV_OK);
    store_release(r);
    assert_int_equal(orphans, 0);
}

/* A transaction that commits while another writer is queued still returns
 * only once its rows are visible to a reader. */
typedef struct gc_pair {
    store *st;
    int seen_after_commit;
} gc_pair;

static void *
gc_committer(void *p)
{
    gc_pair *g = p;
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "v%d", i);
        store_conn *c;
        if (store_begin(g->st, &c) != HV_OK)
            return NULL;
        store_val v[] = {SV_TEXTV(name)};
        if (store_exec(c, "INSERT INTO t (name) VALUES (?)", v, 1, NULL) != HV_OK ||
            store_commit(c) != HV_OK)
            return NULL;
        store_conn *r;
        int64_t n = 0;
        if (store_read(g->st, &r) != HV_OK)
            return NULL;
        (void)store_query_int(r, "SELECT COUNT(*) FROM t WHERE name = ?", v, 1, &n);
        store_release(r);
        g->seen_after_commit += n == 1;
    }
    return NULL;
}

static void
test_group_commit_visible_on_return(void **state)
{
    fixture *f = *state;
    gc_pair g = {.st = f->st};
    gc_arg noise = {.st = f->st, .n = 99};
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, gc_committer, &g), 0);
    assert_int_equal(pthread_create(&b, NULL, gc_worker, &noise), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(g.seen_after_commit, 50);
}

/* ---- several processes on one database (store_lock, {SKIP_LOCKED}, notify) -- */

typedef struct ids4 {
    int64_t id[8];
    int n;
} ids4;

static hv_result
id_row(void *ctx, const store_row *row)
{
    ids4 *x = ctx;
    if (x->n < 8)
        x->id[x->n++] = store_row_int(row, 0);
    return HV_OK;
}

static void
test_skip_locked_claims(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "row%d", i);
        assert_int_equal(insert(f->st, name, i), HV_OK);
    }
    const char *claim = "SELECT id FROM t WHERE n >= 0 ORDER BY id LIMIT 4 {SKIP_LOCKED}";
    store_conn *w1, *w2;
    ids4 a = {.n = 0}, b = {.n = 0};
    assert_int_equal(store_begin(f->st, &w1), HV_OK);
    assert_int_equal(store_query(w1, claim, NULL, 0, id_row, &a), HV_OK);
    assert_int_equal(a.n, 4);
    if (!pg_base[0]) { /* SQLite: the token is gone, the one writer serialises */
        store_rollback(w1);
        return;
    }
    /* a second "process" on the same database skips the rows the first holds */
    store *st2;
    store_options o = {.readers = 1, .busy_timeout_ms = 500, .url = f->url};
    assert_int_equal(store_open(f->dir, &o, &st2), HV_OK);
    assert_int_equal(store_begin(st2, &w2), HV_OK);
    assert_int_equal(store_query(w2, claim, NULL, 0, id_row, &b), HV_OK);
    assert_int_equal(b.n, 4);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            assert_true(a.id[i] != b.id[j]);
    /* a named lock: the second waits, times out, and gets it once the first ends */
    assert_int_equal(store_lock(w1, "counter"), HV_OK);
    assert_int_equal(store_lock(w2, "counter"), HV_ERR_BUSY);
    store_rollback(w2);
    assert_int_equal(store_commit(w1), HV_OK);
    assert_int_equal(store_begin(st2, &w2), HV_OK);
    assert_int_equal(store_lock(w2, "counter"), HV_OK);
    store_rollback(w2);
    store_close(st2);
}

static atomic_int heard;

static void
hear(void *arg)
{
    (void)arg;
    atomic_fetch_add(&heard, 1);
}

static int
wait_heard(int above, int ms)
{
    for (int i = 0; i < ms / 10 && atomic_load(&heard) <= above; i++)
        usleep(10000);
    return atomic_load(&heard);
}

static void
test_notify_listen(void **state)
{
    fixture *f = *state;
    store_conn *w;
    atomic_store(&heard, 0);
    assert_int_equal(store_listen(f->st, hear, NULL), HV_OK);
    if (!pg_base[0]) { /* SQLite: one process, nothing to hear; notify is free */
        assert_int_equal(store_begin(f->st, &w), HV_OK);
        assert_int_equal(store_notify(w), HV_OK);
        assert_int_equal(store_commit(w), HV_OK);
        assert_int_equal(atomic_load(&heard), 0);
        return;
    }
    int base = wait_heard(0, 3000); /* once when the listener connects */
    assert_true(base >= 1);
    /* a second "process" notifies: heard after its commit, not after a rollback */
    store *st2;
    store_options o = {.readers = 1, .busy_timeout_ms = 500, .url = f->url};
    assert_int_equal(store_open(f->dir, &o, &st2), HV_OK);
    assert_int_equal(store_begin(st2, &w), HV_OK);
    assert_int_equal(store_notify(w), HV_OK);
    store_rollback(w);
    usleep(300000);
    assert_int_equal(atomic_load(&heard), base);
    assert_int_equal(store_begin(st2, &w), HV_OK);
    assert_int_equal(store_notify(w), HV_OK);
    assert_int_equal(store_notify(w), HV_OK); /* once per transaction */
    assert_int_equal(store_commit(w), HV_OK);
    assert_true(wait_heard(base, 3000) > base);
    store_close(st2);
}

int
main(void)
{
    pg_init();
    if (pg_base[0])
        pg_make_template();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_fresh_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_and_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sql_counts_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_stops_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_statements_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_portable_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_visible_on_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_locked_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_listen, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (pg_template[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_template);
        (void)pg_admin(sql);
    }
    return failed;
}
