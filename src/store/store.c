/*
 * store.c - store.h over the backends: picks one at store_open() (a
 * PostgreSQL URL in the options selects store_pg.c, anything else the
 * SQLite database in the data directory), then forwards each call to it.
 * Migrations are run here, the same for every backend.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/migrations.h"
#include "store/store_impl.h"

/* Every backend's structs start with their ops (see store_impl.h). */
#define OPS(x) (*(const store_ops *const *)(const void *)(x))

int
store_url_is_postgres(const char *url)
{
    return url && (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0);
}

hv_result
store_open(const char *dir, const store_options *opt, store **out)
{
    if (opt && opt->url && *opt->url) {
        if (!store_url_is_postgres(opt->url))
            return HV_ERR_INVALID;
        return store_pg_ops.open(dir, opt, out);
    }
    return store_sqlite_ops.open(dir, opt, out);
}

void
store_close(store *st)
{
    if (st)
        OPS(st)->close(st);
}

const char *
store_backend(const store *st)
{
    return OPS(st)->name;
}

hv_result
store_read(store *st, store_conn **out)
{
    return OPS(st)->read(st, out);
}

void
store_release(store_conn *c)
{
    if (c)
        OPS(c)->release(c);
}

hv_result
store_begin(store *st, store_conn **out)
{
    return OPS(st)->begin(st, out);
}

hv_result
store_commit(store_conn *c)
{
    return OPS(c)->commit(c);
}

void
store_rollback(store_conn *c)
{
    if (c)
        OPS(c)->rollback(c);
}

hv_result
store_defer(store_conn *c, store_defer_fn fn, int64_t key)
{
    return OPS(c)->defer(c, fn, key);
}

/* Expands {SKIP_LOCKED} and {SKIP_LOCKED OF alias} (store.h) for C's
 * backend: *OUT is NULL when SQL has none, else a malloc'd text. */
static hv_result
expand_locks(store_conn *c, const char *sql, char **out)
{
    static const char tok[] = "{SKIP_LOCKED";
    *out = NULL;
    const char *p = strstr(sql, tok);
    if (!p)
        return HV_OK;
    buf b;
    buf_init(&b, 1 << 22);
    const char *from = sql;
    for (; p; p = strstr(from, tok)) {
        const char *end = strchr(p, '}');
        if (!end) {
            buf_free(&b);
            return HV_ERR_INVALID;
        }
        hv_result r = buf_add(&b, from, (size_t)(p - from));
        if (r == HV_OK && OPS(c)->row_locks) {
            const char *of = p + sizeof tok - 1; /* "" or " OF alias" */
            r = buf_adds(&b, "FOR UPDATE");
            if (r == HV_OK)
                r = buf_add(&b, of, (size_t)(end - of));
            if (r == HV_OK)
                r = buf_adds(&b, " SKIP LOCKED");
        }
        if (r != HV_OK) {
            buf_free(&b);
            return r;
        }
        from = end + 1;
    }
    if (buf_adds(&b, from) != HV_OK || buf_add(&b, " ", 1) != HV_OK) {
        buf_free(&b);
        return HV_ERR_NOMEM;
    }
    *out = buf_take(&b);
    return HV_OK;
}

hv_result
store_exec(store_conn *c, const char *sql, const store_val *args, int nargs, int64_t *changes)
{
    char *x;
    hv_result r = expand_locks(c, sql, &x);
    if (r != HV_OK)
        return r;
    r = OPS(c)->exec(c, x ? x : sql, args, nargs, changes);
    free(x);
    return r;
}

hv_result
store_query(store_conn *c, const char *sql, const store_val *args, int nargs, store_row_fn fn,
            void *ctx)
{
    char *x;
    hv_result r = expand_locks(c, sql, &x);
    if (r != HV_OK)
        return r;
    r = OPS(c)->query(c, x ? x : sql, args, nargs, fn, ctx);
    free(x);
    return r;
}

hv_result
store_lock(store_conn *c, const char *name)
{
    return OPS(c)->lock ? OPS(c)->lock(c, name) : HV_OK;
}

hv_result
store_notify(store_conn *c)
{
    return OPS(c)->notify ? OPS(c)->notify(c) : HV_OK;
}

hv_result
store_listen(store *st, void (*fn)(void *arg), void *arg)
{
    return OPS(st)->listen ? OPS(st)->listen(st, fn, arg) : HV_OK;
}

hv_result
store_ids_follow(store_conn *c, const char *table)
{
    for (const char *p = table; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return HV_ERR_INVALID;
    return OPS(c)->ids_follow ? OPS(c)->ids_follow(c, table) : HV_OK;
}

static hv_result
query_int_row(void *ctx, const store_row *row)
{
    int64_t **out = ctx;
    **out = store_row_int(row, 0);
    *out = NULL;            /* mark found */
    return HV_ERR_CONFLICT; /* stop after the first row */
}

hv_result
store_query_int(store_conn *c, const char *sql, const store_val *args, int nargs, int64_t *out)
{
    int64_t *slot = out;
    hv_result r = store_query(c, sql, args, nargs, query_int_row, &slot);
    if (slot == NULL)
        return HV_OK;
    return r == HV_OK ? HV_ERR_NOTFOUND : r;
}

int
store_row_columns(const store_row *r)
{
    return OPS(r)->row_columns(r);
}

const char *
store_row_name(const store_row *r, int col)
{
    return OPS(r)->row_name(r, col);
}

int
store_row_isnull(const store_row *r, int col)
{
    return OPS(r)->row_isnull(r, col);
}

int64_t
store_row_int(const store_row *r, int col)
{
    return OPS(r)->row_int(r, col);
}

const char *
store_row_text(const store_row *r, int col)
{
    return OPS(r)->row_text(r, col);
}

const void *
store_row_blob(const store_row *r, int col, size_t *len)
{
    return OPS(r)->row_blob(r, col, len);
}

const char *
store_errmsg(store_conn *c)
{
    return OPS(c)->errmsg(c);
}

hv_result
store_ping(store *st)
{
    return OPS(st)->ping(st);
}

uint64_t
store_error_count(const store *st)
{
    return OPS(st)->error_count(st);
}

uint64_t
store_transaction_count(const store *st)
{
    return OPS(st)->transaction_count(st);
}

uint64_t
store_commit_count(const store *st)
{
    return OPS(st)->commit_count(st);
}

char *
store_expand(const char *sql, const char *const map[][2])
{
    buf b;
    buf_init(&b, 1 << 20);
    for (const char *p = sql; *p;) {
        int hit = 0;
        for (size_t i = 0; map[i][0]; i++) {
            size_t n = strlen(map[i][0]);
            if (strncmp(p, map[i][0], n) == 0) {
                if (buf_adds(&b, map[i][1]) != HV_OK)
                    goto err;
                p += n;
                hit = 1;
                break;
            }
        }
        if (!hit) {
            if (buf_add(&b, p, 1) != HV_OK)
                goto err;
            p++;
        }
    }
    if (!b.data && buf_add(&b, "", 0) != HV_OK)
        goto err;
    return buf_take(&b);
err:
    buf_free(&b);
    return NULL;
}

/* ---- migrations ---------------------------------------------------------- */

int
store_latest_version(void)
{
    return migrations[migrations_count - 1].version;
}

hv_result
store_schema_version(store *st, int *version)
{
    store_conn *c;
    int64_t v = 0;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return r;
    r = store_exec(c,
                   "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                   NULL, 0, NULL);
    if (r == HV_OK)
        r = store_query_int(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0,
                            &v);
    if (r != HV_OK) {
        store_rollback(c);
        return r;
    }
    r = store_commit(c);
    *version = (int)v;
    return r;
}

hv_result
store_migrate(store *st, int *applied)
{
    int current = 0, count = 0;
    hv_result r = store_schema_version(st, &current);
    if (r != HV_OK)
        return r;
    if (current > store_latest_version()) {
        log_event(LOG_ERROR, "database is newer than this program",
                  json_pack("{s:i, s:i}", "schema", current, "known", store_latest_version()));
        return HV_ERR_CONFLICT;
    }
    int pg = strcmp(store_backend(st), "postgres") == 0;
    for (int i = 0; i < migrations_count; i++) {
        const migration *m = &migrations[i];
        if (m->version <= current)
            continue;
        store_conn *c;
        if ((r = store_begin(st, &c)) != HV_OK)
            return r;
        const char *extra = pg ? m->pg_extra : m->sqlite_extra;
        r = OPS(c)->script(c, m->sql);
        if (r == HV_OK && extra)
            r = OPS(c)->script(c, extra);
        if (r == HV_OK) {
            store_val args[] = {SV_INTV(m->version), SV_TEXTV(m->name), SV_INTV(clock_now_ms())};
            r = store_exec(c,
                           "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                           "(?, ?, ?)",
                           args, 3, NULL);
        }
        if (r != HV_OK) {
            store_rollback(c);
            return r;
        }
        if ((r = store_commit(c)) != HV_OK)
            return r;
        log_event(LOG_INFO, "migration applied",
                  json_pack("{s:i, s:s}", "version", m->version, "name", m->name));
        count++;
    }
    if (applied)
        *applied = count;
    return HV_OK;
}
