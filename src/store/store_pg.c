/*
 * store_pg.c - the PostgreSQL backend of store.h, over libpq.
 *
 * The same shape as store_sqlite.c: one writer connection behind a mutex
 * (writes stay serialised inside one haven process, so a transaction sees a
 * stable world, as on SQLite) and a pool of reader connections. Connections
 * are opened on first use and reopened (PQreset) when the server went away,
 * so haven starts and recovers while PostgreSQL is down; a query on a broken
 * connection fails with HV_ERR_UNAVAILABLE.
 *
 * SQL arrives portable, with '?' placeholders: each text is rewritten once to
 * $1, $2, ... and prepared, and the prepared statement is cached per
 * connection keyed by the text and the kinds of the bound values (an integer
 * is sent as int8, a blob as bytea in binary, text and NULL untyped so the
 * server infers them from the context). Results come back as text; bytea
 * columns are decoded on demand.
 *
 * Transactions: BEGIN ... COMMIT on the writer with synchronous_commit on, so
 * store_commit() returns once the COMMIT is durable. SQLite lets a
 * transaction go on after a statement failed (a unique conflict the caller
 * handles); PostgreSQL aborts the whole transaction. So inside a transaction
 * every statement that writes runs under a SAVEPOINT and a failure rolls back
 * to it: the statement fails, the transaction goes on, as on SQLite.
 *
 * Errors: unique violation (23505) is HV_ERR_CONFLICT, foreign key (23503)
 * HV_ERR_INVALID, serialization failure and deadlock (40001, 40P01) and lock
 * timeouts (55P03) HV_ERR_BUSY, a lost connection HV_ERR_UNAVAILABLE, the
 * rest HV_ERR_DB (logged with the SQLSTATE and the server's message, which
 * never holds values: they are bound).
 */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/store_impl.h"

#define STMT_CACHE 256
#define MAX_PARAMS 1000
#define BYTEAOID   17
#define INT8OID    20
#define TEXTOID    25

typedef struct pg_stmt {
    char *key; /* the caller's SQL text, then NUL, then the kinds of the values */
    size_t keylen;
    int id; /* prepared as "h<id>" */
    int nparams;
} pg_stmt;

struct store_conn {
    const store_ops *ops; /* first: see store_impl.h */
    store *st;
    PGconn *pg;
    int writer;
    int in_tx;
    int notified; /* NOTIFY sent in this transaction */
    int next_id;
    struct store_conn *next_free;
    pg_stmt cache[STMT_CACHE];
    struct deferred {
        store_defer_fn fn;
        int64_t key;
    } * defer;
    int ndefer, cdefer;
};

struct store {
    const store_ops *ops; /* first: see store_impl.h */
    char *url;
    store_options opt;
    store_conn *writer;
    pthread_mutex_t wlock;
    store_conn *readers;
    int nreaders;
    store_conn *free_readers;
    pthread_mutex_t rlock;
    pthread_cond_t rcond;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t transactions, commits;
    int trace;
    /* store_listen(): a thread on a connection of its own */
    pthread_t listener;
    int listening;
    atomic_int listen_stop;
    void (*listen_fn)(void *);
    void *listen_arg;
};

struct store_row {
    const store_ops *ops; /* first: see store_impl.h */
    PGresult *res;
    int row;
    int ncols;
    char **dec; /* decoded bytea columns of this row (NUL-terminated copies) */
    size_t *declen;
};

static const char *const pg_tokens[][2] = {
    {"{ID}", "BIGSERIAL PRIMARY KEY"}, {"{BIGINT}", "BIGINT"}, {"{BLOB}", "BYTEA"}, {NULL, NULL}};

static void pg_rollback(store_conn *c);

/* ---- connections ---------------------------------------------------------- */

static void
notice_ignore(void *arg, const char *message)
{
    (void)arg, (void)message; /* "relation already exists, skipping" and the like */
}

static void
conn_forget_statements(store_conn *c)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        free(c->cache[i].key);
        c->cache[i].key = NULL;
    }
}

/* Makes sure C has a live connection: opens it the first time, resets it
 * when the server went away (every prepared statement is gone then). */
static hv_result
conn_ensure(store_conn *c)
{
    store *st = c->st;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return HV_OK;
    if (c->pg) {
        conn_forget_statements(c);
        PQreset(c->pg);
    } else {
        const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
        const char *vals[] = {st->url, "haven", "UTF8", NULL};
        c->pg = PQconnectdbParams(keys, vals, 1);
    }
    if (!c->pg)
        return HV_ERR_NOMEM;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        atomic_fetch_add(&st->errors, 1);
        log_event(LOG_ERROR, "cannot connect to postgresql",
                  json_pack("{s:s}", "error", PQerrorMessage(c->pg)));
        return HV_ERR_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, notice_ignore, NULL);
    char set[200];
    snprintf(set, sizeof set,
             "SET synchronous_commit = on; SET lock_timeout = %d; SET client_min_messages = "
             "warning; SET default_transaction_read_only = %s",
             st->opt.busy_timeout_ms, c->writer ? "off" : "on"); /* readers read only */
    PGresult *res = PQexec(c->pg, set);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        atomic_fetch_add(&st->errors, 1);
        log_event(LOG_ERROR, "cannot configure the postgresql connection",
                  json_pack("{s:s}", "error", PQerrorMessage(c->pg)));
        return HV_ERR_DB;
    }
    return HV_OK;
}

static void
conn_close(store_conn *c)
{
    conn_forget_statements(c);
    free(c->defer);
    c->defer = NULL;
    c->ndefer = c->cdefer = 0;
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
}

static void pg_close(store *st);

static hv_result
pg_open(const char *dir, const store_options *opt, store **out)
{
    (void)dir;
    store *st = calloc(1, sizeof *st);
    if (!st)
        return HV_ERR_NOMEM;
    st->ops = &store_pg_ops;
    st->opt.readers = 8;
    st->opt.busy_timeout_ms = 5000;
    st->opt.synchronous_full = 1;
    if (opt->readers > 0)
        st->opt.readers = opt->readers;
    if (opt->busy_timeout_ms >= 0)
        st->opt.busy_timeout_ms = opt->busy_timeout_ms;
    const char *trace = getenv("HAVEN_SQL_TRACE");
    st->trace = trace && *trace == '1';
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->rlock, NULL);
    pthread_cond_init(&st->rcond, NULL);
    st->url = strdup(opt->url);
    st->writer = calloc(1, sizeof *st->writer);
    st->readers = calloc((size_t)st->opt.readers, sizeof *st->readers);
    if (!st->url || !st->writer || !st->readers) {
        pg_close(st);
        return HV_ERR_NOMEM;
    }
    st->writer->ops = &store_pg_ops;
    st->writer->st = st;
    st->writer->writer = 1;
    for (int i = 0; i < st->opt.readers; i++) {
        store_conn *c = &st->readers[i];
        c->ops = &store_pg_ops;
        c->st = st;
        c->next_free = st->free_readers;
        st->free_readers = c;
        st->nreaders++;
    }
    /* connect the writer now: a wrong URL or password shows at start */
    hv_result r = conn_ensure(st->writer);
    if (r != HV_OK) {
        pg_close(st);
        return r == HV_ERR_NOMEM ? r : HV_ERR_DB;
    }
    *out = st;
    return HV_OK;
}

static void
pg_close(store *st)
{
    if (!st)
        return;
    if (st->listening) {
        atomic_store(&st->listen_stop, 1);
        pthread_join(st->listener, NULL);
        st->listening = 0;
    }
    if (st->readers) {
        pthread_mutex_lock(&st->rlock);
        for (;;) {
            int n = 0;
            for (store_conn *c = st->free_readers; c; c = c->next_free)
                n++;
            if (n >= st->nreaders)
                break;
            pthread_cond_wait(&st->rcond, &st->rlock);
        }
        pthread_mutex_unlock(&st->rlock);
        for (int i = 0; i < st->nreaders; i++)
            conn_close(&st->readers[i]);
    }
    if (st->writer) {
        pthread_mutex_lock(&st->wlock);
        conn_close(st->writer);
        pthread_mutex_unlock(&st->wlock);
    }
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->rlock);
    pthread_cond_destroy(&st->rcond);
    free(st->readers);
    free(st->writer);
    free(st->url);
    free(st);
}

static hv_result
pg_read(store *st, store_conn **out)
{
    pthread_mutex_lock(&st->rlock);
    while (!st->free_readers)
        pthread_cond_wait(&st->rcond, &st->rlock);
    store_conn *c = st->free_readers;
    st->free_readers = c->next_free;
    pthread_mutex_unlock(&st->rlock);
    c->next_free = NULL;
    *out = c;
    return HV_OK;
}

static void
pg_release(store_conn *c)
{
    if (c->writer) {
        pg_rollback(c);
        return;
    }
    store *st = c->st;
    pthread_mutex_lock(&st->rlock);
    c->next_free = st->free_readers;
    st->free_readers = c;
    pthread_cond_signal(&st->rcond);
    pthread_mutex_unlock(&st->rlock);
}

/* ---- results and errors ----------------------------------------------------- */

/* Maps a failed result (or a NULL one) to hv_result; logs what is not a
 * plain constraint conflict. */
static hv_result
pg_error(store_conn *c, PGresult *res, const char *sql)
{
    store *st = c->st;
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        atomic_fetch_add(&st->errors, 1);
        log_event(LOG_ERROR, "postgresql connection lost",
                  json_pack("{s:s}", "error", c->pg ? PQerrorMessage(c->pg) : "?"));
        return HV_ERR_UNAVAILABLE;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state) {
        if (strcmp(state, "23505") == 0)
            return HV_ERR_CONFLICT;
        if (strcmp(state, "23503") == 0)
            return HV_ERR_INVALID;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0) {
            atomic_fetch_add(&st->errors, 1);
            return HV_ERR_BUSY;
        }
    }
    atomic_fetch_add(&st->errors, 1);
    /* the statement's text has '?' or $n for values: no personal data */
    char head[160];
    snprintf(head, sizeof head, "%s", sql ? sql : "");
    log_event(LOG_ERROR, "database error",
              json_pack("{s:s, s:s, s:s}", "code", state ? state : "?", "error",
                        res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), "sql", head));
    return HV_ERR_DB;
}

/* Runs a command with no parameters (BEGIN, SAVEPOINT, a migration script). */
static hv_result
run_simple(store_conn *c, const char *sql)
{
    if (c->st->trace)
        fprintf(stderr, "sql %s %s\n", c->writer ? "w" : "r", sql);
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    hv_result r = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? HV_OK : pg_error(c, res, sql);
    PQclear(res);
    return r;
}

/* ---- statements --------------------------------------------------------------- */

/* Rewrites '?' outside quotes and comments to $1, $2, ...; *N gets the count. */
static char *
rewrite_placeholders(const char *sql, int *n)
{
    buf b;
    buf_init(&b, 1 << 22);
    int count = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        char ch = *p;
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '-' && p[1] == '-') {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (buf_add(&b, p, len) != HV_OK)
                goto err;
            p += len - 1;
            continue;
        } else if (ch == '?') {
            char num[16];
            snprintf(num, sizeof num, "$%d", ++count);
            if (buf_adds(&b, num) != HV_OK)
                goto err;
            continue;
        }
        if (buf_add(&b, &ch, 1) != HV_OK)
            goto err;
    }
    if (!b.data && buf_add(&b, "", 0) != HV_OK)
        goto err;
    *n = count;
    return buf_take(&b);
err:
    buf_free(&b);
    return NULL;
}

static char
kind_of(const store_val *v)
{
    switch (v->type) {
    case SV_INT:
        return 'i';
    case SV_TEXT:
        return 't';
    case SV_BLOB:
        return 'b';
    default:
        return 'n';
    }
}

/* Finds or prepares SQL on C for values of the kinds in KINDS. */
static hv_result
conn_prepare(store_conn *c, const char *sql, const char *kinds, pg_stmt **out)
{
    size_t sl = strlen(sql), kl = strlen(kinds);
    uint32_t h = 2166136261u;
    for (const char *p = sql; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (const char *p = kinds; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    int start = (int)(h % STMT_CACHE), victim = start;
    for (int i = 0; i < 8; i++) {
        pg_stmt *s = &c->cache[(start + i) % STMT_CACHE];
        if (s->key && s->keylen == sl + 1 + kl && memcmp(s->key, sql, sl + 1) == 0 &&
            memcmp(s->key + sl + 1, kinds, kl) == 0) {
            *out = s;
            return HV_OK;
        }
        if (!s->key) {
            victim = (start + i) % STMT_CACHE;
            break;
        }
    }
    int n = 0;
    char *text = rewrite_placeholders(sql, &n);
    if (!text)
        return HV_ERR_NOMEM;
    if (n > MAX_PARAMS) {
        free(text);
        return HV_ERR_TOOBIG;
    }
    Oid types[MAX_PARAMS];
    for (int i = 0; i < n; i++)
        types[i] = (size_t)i < kl && kinds[i] == 'i'   ? INT8OID
                   : (size_t)i < kl && kinds[i] == 'b' ? BYTEAOID
                                                       : 0;
    pg_stmt *s = &c->cache[victim];
    char name[24];
    if (s->key) {
        snprintf(name, sizeof name, "DEALLOCATE h%d", s->id);
        PQclear(PQexec(c->pg, name));
        free(s->key);
        s->key = NULL;
    }
    int id = ++c->next_id;
    snprintf(name, sizeof name, "h%d", id);
    if (c->st->trace)
        fprintf(stderr, "sql %s prepare %s\n", c->writer ? "w" : "r", text);
    /* a failed PREPARE aborts the transaction it is in: guard it */
    int sp = c->in_tx;
    if (sp && run_simple(c, "SAVEPOINT hv_prep") != HV_OK) {
        free(text);
        return HV_ERR_DB;
    }
    PGresult *res = PQprepare(c->pg, name, text, n, types);
    /* a text or NULL value where nothing gives its type (SELECT ?, ? IS
     * NULL): the server names it; say text, as SQLite would take it */
    for (int tries = 0; tries < n && PQresultStatus(res) != PGRES_COMMAND_OK; tries++) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *dollar = msg ? strchr(msg, '$') : NULL;
        long k = dollar ? strtol(dollar + 1, NULL, 10) : 0;
        if (!state || strcmp(state, "42P18") != 0 || k < 1 || k > n || types[k - 1] != 0)
            break;
        types[k - 1] = TEXTOID;
        PQclear(res);
        if (sp)
            (void)run_simple(c, "ROLLBACK TO SAVEPOINT hv_prep");
        res = PQprepare(c->pg, name, text, n, types);
    }
    hv_result r = PQresultStatus(res) == PGRES_COMMAND_OK ? HV_OK : pg_error(c, res, sql);
    PQclear(res);
    if (sp && PQstatus(c->pg) == CONNECTION_OK) {
        if (r != HV_OK)
            (void)run_simple(c, "ROLLBACK TO SAVEPOINT hv_prep");
        (void)run_simple(c, "RELEASE SAVEPOINT hv_prep");
    }
    free(text);
    if (r != HV_OK)
        return r;
    s->key = malloc(sl + 1 + kl);
    if (!s->key) {
        snprintf(name, sizeof name, "DEALLOCATE h%d", id);
        PQclear(PQexec(c->pg, name));
        return HV_ERR_NOMEM;
    }
    memcpy(s->key, sql, sl + 1);
    memcpy(s->key + sl + 1, kinds, kl);
    s->keylen = sl + 1 + kl;
    s->id = id;
    s->nparams = n;
    *out = s;
    return HV_OK;
}

/* Does SQL change anything (so needs a savepoint inside a transaction)? */
static int
writes(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) != 0;
}

static void
row_clear(store_row *row)
{
    if (row->dec)
        for (int i = 0; i < row->ncols; i++) {
            free(row->dec[i]);
            row->dec[i] = NULL;
        }
}

/* Runs SQL with ARGS on C; on success *RES holds the result. */
static hv_result
run(store_conn *c, const char *sql, const store_val *args, int nargs, PGresult **res)
{
    *res = NULL;
    hv_result r = conn_ensure(c);
    if (r != HV_OK)
        return r;
    if (nargs > MAX_PARAMS)
        return HV_ERR_TOOBIG;
    char kinds[MAX_PARAMS + 1];
    for (int i = 0; i < nargs; i++)
        kinds[i] = kind_of(&args[i]);
    kinds[nargs] = '\0';
    pg_stmt *s;
    if ((r = conn_prepare(c, sql, kinds, &s)) != HV_OK)
        return r;
    const char **values = calloc((size_t)s->nparams + 1, sizeof *values);
    int *lengths = calloc((size_t)s->nparams + 1, sizeof *lengths);
    int *formats = calloc((size_t)s->nparams + 1, sizeof *formats);
    char(*ints)[24] = calloc((size_t)s->nparams + 1, sizeof *ints);
    char **copies = calloc((size_t)s->nparams + 1, sizeof *copies);
    if (!values || !lengths || !formats || !ints || !copies) {
        r = HV_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < s->nparams && i < nargs; i++) {
        const store_val *v = &args[i];
        switch (v->type) {
        case SV_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)v->i);
            values[i] = ints[i];
            break;
        case SV_TEXT:
            if (v->len == (size_t)-1) {
                values[i] = v->p;
            } else {
                if (!(copies[i] = malloc(v->len + 1))) {
                    r = HV_ERR_NOMEM;
                    goto out;
                }
                memcpy(copies[i], v->p, v->len);
                copies[i][v->len] = '\0';
                values[i] = copies[i];
            }
            break;
        case SV_BLOB:
            values[i] = v->p ? v->p : "";
            lengths[i] = (int)v->len;
            formats[i] = 1;
            break;
        default:
            values[i] = NULL;
            break;
        }
    }
    int sp = c->in_tx && writes(sql);
    if (sp && (r = run_simple(c, "SAVEPOINT hv_stmt")) != HV_OK)
        goto out;
    char name[24];
    snprintf(name, sizeof name, "h%d", s->id);
    if (c->st->trace)
        fprintf(stderr, "sql %s %s\n", c->writer ? "w" : "r", sql);
    *res = PQexecPrepared(c->pg, name, s->nparams, values, lengths, formats, 0);
    ExecStatusType es = PQresultStatus(*res);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        r = pg_error(c, *res, sql);
        PQclear(*res);
        *res = NULL;
        if (sp && PQstatus(c->pg) == CONNECTION_OK) {
            (void)run_simple(c, "ROLLBACK TO SAVEPOINT hv_stmt");
            (void)run_simple(c, "RELEASE SAVEPOINT hv_stmt");
        }
        goto out;
    }
    if (sp && (r = run_simple(c, "RELEASE SAVEPOINT hv_stmt")) != HV_OK) {
        PQclear(*res);
        *res = NULL;
    }
out:
    if (copies)
        for (int i = 0; i < s->nparams; i++)
            free(copies[i]);
    free(copies);
    free(ints);
    free(formats);
    free(lengths);
    free(values);
    return r;
}

static hv_result
pg_query(store_conn *c, const char *sql, const store_val *args, int nargs, store_row_fn fn,
         void *ctx)
{
    PGresult *res;
    hv_result r = run(c, sql, args, nargs, &res);
    if (r != HV_OK)
        return r;
    if (fn) {
        store_row row = {.ops = &store_pg_ops, .res = res, .ncols = PQnfields(res)};
        int n = PQntuples(res);
        for (int i = 0; i < n && r == HV_OK; i++) {
            row.row = i;
            r = fn(ctx, &row);
            row_clear(&row);
        }
        free(row.dec);
        free(row.declen);
    }
    PQclear(res);
    return r;
}

static hv_result
pg_exec(store_conn *c, const char *sql, const store_val *args, int nargs, int64_t *changes)
{
    PGresult *res;
    hv_result r = run(c, sql, args, nargs, &res);
    if (r != HV_OK)
        return r;
    if (changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return HV_OK;
}

static hv_result
pg_ids_follow(store_conn *c, const char *table)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST(COALESCE(MAX(id), 0), "
             "1), COALESCE(MAX(id), 0) > 0) FROM %s",
             table, table);
    return pg_query(c, sql, NULL, 0, NULL, NULL);
}

static hv_result
pg_script(store_conn *c, const char *text)
{
    char *sql = store_expand(text, pg_tokens);
    if (!sql)
        return HV_ERR_NOMEM;
    PGresult *res = PQexec(c->pg, sql);
    free(sql);
    hv_result r = HV_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_event(LOG_ERROR, "migration failed",
                  json_pack("{s:s}", "error", PQresultErrorMessage(res)));
        atomic_fetch_add(&c->st->errors, 1);
        r = HV_ERR_DB;
    }
    PQclear(res);
    return r;
}

/* ---- transactions ---------------------------------------------------------------- */

static hv_result
pg_begin(store *st, store_conn **out)
{
    pthread_mutex_lock(&st->wlock);
    store_conn *c = st->writer;
    hv_result r = conn_ensure(c);
    if (r == HV_OK)
        r = run_simple(c, "BEGIN");
    if (r != HV_OK) {
        pthread_mutex_unlock(&st->wlock);
        return r;
    }
    c->in_tx = 1;
    c->notified = 0;
    *out = c;
    return HV_OK;
}

static hv_result
pg_defer(store_conn *c, store_defer_fn fn, int64_t key)
{
    if (!c->in_tx)
        return fn(c, key);
    for (int i = 0; i < c->ndefer; i++)
        if (c->defer[i].fn == fn && c->defer[i].key == key)
            return HV_OK;
    if (c->ndefer == c->cdefer) {
        int n = c->cdefer ? c->cdefer * 2 : 8;
        struct deferred *d = realloc(c->defer, (size_t)n * sizeof *d);
        if (!d)
            return HV_ERR_NOMEM;
        c->defer = d;
        c->cdefer = n;
    }
    c->defer[c->ndefer++] = (struct deferred){fn, key};
    return HV_OK;
}

static hv_result
pg_commit(store_conn *c)
{
    store *st = c->st;
    hv_result r = HV_OK;
    for (int i = 0; r == HV_OK && i < c->ndefer; i++)
        r = c->defer[i].fn(c, c->defer[i].key);
    c->ndefer = 0;
    if (r != HV_OK) {
        pg_rollback(c);
        return r;
    }
    if (PQtransactionStatus(c->pg) != PQTRANS_INTRANS) {
        pg_rollback(c); /* a failed statement outside a savepoint aborted it */
        return HV_ERR_DB;
    }
    if (st->trace)
        fprintf(stderr, "sql w COMMIT\n");
    PGresult *res = PQexec(c->pg, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        r = pg_error(c, res, "COMMIT");
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        r = HV_ERR_DB; /* the server rolled it back */
    PQclear(res);
    if (r == HV_OK) {
        atomic_fetch_add(&st->commits, 1);
        atomic_fetch_add(&st->transactions, 1);
    } else if (c->pg && PQstatus(c->pg) == CONNECTION_OK &&
               PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PQclear(PQexec(c->pg, "ROLLBACK"));
    }
    c->in_tx = 0;
    pthread_mutex_unlock(&st->wlock);
    return r;
}

static void
pg_rollback(store_conn *c)
{
    c->ndefer = 0;
    if (c->in_tx && c->pg && PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        (void)run_simple(c, "ROLLBACK");
    c->in_tx = 0;
    pthread_mutex_unlock(&c->st->wlock);
}

/* ---- rows ----------------------------------------------------------------------- */

static int
pg_row_columns(const store_row *r)
{
    return r->ncols;
}

static const char *
pg_row_name(const store_row *r, int col)
{
    return PQfname(r->res, col);
}

static int
pg_row_isnull(const store_row *r, int col)
{
    return PQgetisnull(r->res, r->row, col);
}

static int64_t
pg_row_int(const store_row *r, int col)
{
    if (PQgetisnull(r->res, r->row, col))
        return 0;
    const char *v = PQgetvalue(r->res, r->row, col);
    if (PQftype(r->res, col) == 16) /* bool */
        return *v == 't';
    return strtoll(v, NULL, 10);
}

/* The bytes of a bytea column, decoded once per row (NUL-terminated). */
static const char *
decoded(const store_row *cr, int col, size_t *len)
{
    store_row *r = (store_row *)cr; /* the cache is the row's own */
    if (!r->dec) {
        r->dec = calloc((size_t)r->ncols, sizeof *r->dec);
        r->declen = calloc((size_t)r->ncols, sizeof *r->declen);
        if (!r->dec || !r->declen)
            return NULL;
    }
    if (!r->dec[col]) {
        size_t n = 0;
        unsigned char *raw =
            PQunescapeBytea((const unsigned char *)PQgetvalue(r->res, r->row, col), &n);
        if (!raw)
            return NULL;
        r->dec[col] = malloc(n + 1);
        if (r->dec[col]) {
            memcpy(r->dec[col], raw, n);
            r->dec[col][n] = '\0';
            r->declen[col] = n;
        }
        PQfreemem(raw);
        if (!r->dec[col])
            return NULL;
    }
    *len = r->declen[col];
    return r->dec[col];
}

static const char *
pg_row_text(const store_row *r, int col)
{
    if (PQgetisnull(r->res, r->row, col))
        return NULL;
    if (PQftype(r->res, col) == BYTEAOID) {
        size_t n;
        return decoded(r, col, &n);
    }
    return PQgetvalue(r->res, r->row, col);
}

static const void *
pg_row_blob(const store_row *r, int col, size_t *len)
{
    *len = 0;
    if (PQgetisnull(r->res, r->row, col))
        return NULL;
    if (PQftype(r->res, col) == BYTEAOID)
        return decoded(r, col, len);
    *len = (size_t)PQgetlength(r->res, r->row, col);
    return PQgetvalue(r->res, r->row, col);
}

/* ---- several processes ------------------------------------------------------------- */

/* store_lock(): a transaction advisory lock keyed by a 64-bit hash of NAME. */
static hv_result
pg_lock(store_conn *c, const char *name)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    store_val a[] = {SV_INTV((int64_t)h)};
    return pg_query(c, "SELECT pg_advisory_xact_lock(?)", a, 1, NULL, NULL);
}

/* store_notify(): PostgreSQL delivers it at COMMIT and drops it on
 * ROLLBACK; sent once per transaction. Outside a write transaction there is
 * nothing to tell. */
static hv_result
pg_notify(store_conn *c)
{
    if (!c->in_tx || c->notified)
        return HV_OK;
    hv_result r = run_simple(c, "NOTIFY haven_changed");
    if (r == HV_OK)
        c->notified = 1;
    return r;
}

static void
nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *
listen_loop(void *arg)
{
    store *st = arg;
    PGconn *pg = NULL;
    while (!atomic_load(&st->listen_stop)) {
        if (!pg || PQstatus(pg) != CONNECTION_OK) {
            if (pg)
                PQfinish(pg);
            const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
            const char *vals[] = {st->url, "haven-listen", "UTF8", NULL};
            pg = PQconnectdbParams(keys, vals, 1);
            PGresult *res =
                pg && PQstatus(pg) == CONNECTION_OK ? PQexec(pg, "LISTEN haven_changed") : NULL;
            int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
            if (!ok) {
                for (int i = 0; i < 10 && !atomic_load(&st->listen_stop); i++)
                    nap_ms(100); /* the server is away: try again in a second */
                continue;
            }
            st->listen_fn(st->listen_arg); /* what changed while we were not listening */
        }
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        if (!PQconsumeInput(pg)) {
            log_event(LOG_WARN, "postgresql listener lost its connection",
                      json_pack("{s:s}", "error", PQerrorMessage(pg)));
            PQfinish(pg);
            pg = NULL;
            continue;
        }
        int got = 0;
        for (PGnotify *n; (n = PQnotifies(pg)) != NULL; got = 1)
            PQfreemem(n);
        if (got)
            st->listen_fn(st->listen_arg);
    }
    if (pg)
        PQfinish(pg);
    return NULL;
}

static hv_result
pg_listen(store *st, void (*fn)(void *), void *arg)
{
    if (st->listening)
        return HV_ERR_INVALID;
    st->listen_fn = fn;
    st->listen_arg = arg;
    atomic_store(&st->listen_stop, 0);
    if (pthread_create(&st->listener, NULL, listen_loop, st) != 0)
        return HV_ERR_NOMEM;
    st->listening = 1;
    return HV_OK;
}

/* ---- the rest ----------------------------------------------------------------------- */

static const char *
pg_errmsg(store_conn *c)
{
    return c->pg ? PQerrorMessage(c->pg) : "not connected";
}

static hv_result
pg_ping(store *st)
{
    store_conn *c;
    int64_t one = 0;
    hv_result r = pg_read(st, &c);
    if (r != HV_OK)
        return r;
    r = store_query_int(c, "SELECT 1", NULL, 0, &one);
    pg_release(c);
    return r == HV_OK && one == 1 ? HV_OK : HV_ERR_UNAVAILABLE;
}

static uint64_t
pg_error_count(const store *st)
{
    return atomic_load(&((store *)st)->errors);
}

static uint64_t
pg_transaction_count(const store *st)
{
    return atomic_load(&((store *)st)->transactions);
}

static uint64_t
pg_commit_count(const store *st)
{
    return atomic_load(&((store *)st)->commits);
}

const store_ops store_pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .read = pg_read,
    .release = pg_release,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .defer = pg_defer,
    .exec = pg_exec,
    .query = pg_query,
    .script = pg_script,
    .ids_follow = pg_ids_follow,
    .row_columns = pg_row_columns,
    .row_name = pg_row_name,
    .row_isnull = pg_row_isnull,
    .row_int = pg_row_int,
    .row_text = pg_row_text,
    .row_blob = pg_row_blob,
    .errmsg = pg_errmsg,
    .row_locks = 1,
    .lock = pg_lock,
    .notify = pg_notify,
    .listen = pg_listen,
    .ping = pg_ping,
    .error_count = pg_error_count,
    .transaction_count = pg_transaction_count,
    .commit_count = pg_commit_count,
};
