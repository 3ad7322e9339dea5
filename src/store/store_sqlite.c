/*
 * store_sqlite.c - the embedded SQLite backend of store.h.
 *
 * One writer connection guarded by a mutex (writes are serialised: SQLite
 * allows one writer anyway, and doing it here avoids busy loops), and a pool
 * of read-only connections that see WAL snapshots. Prepared statements are
 * cached per connection, keyed by the SQL text. The database is
 * DIR/haven.db in WAL mode with foreign keys on.
 *
 * Group commit. Each sq_begin() opens a SAVEPOINT inside an outer
 * transaction that may already be open; sq_commit() releases the savepoint
 * and then either commits the outer transaction (one fsync) or, when other
 * writers are already queued for the connection, leaves that to the last of
 * them and sleeps until it is done. Nobody returns from sq_commit() before
 * the COMMIT that holds its work is durable, and a failed COMMIT fails every
 * member of the batch, so an acknowledged write is never lost. A member that
 * rolls back undoes only its own savepoint. Under load, one fsync covers many
 * transactions and the pages they share are written once.
 *
 * Checkpoints (copying the WAL back into the database file) run on a thread
 * of their own with its own connection, woken when the WAL passes
 * CHECKPOINT_PAGES, so no writer waits for them.
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/store_impl.h"

#define STMT_CACHE       128
#define CHECKPOINT_PAGES 1000

typedef struct stmt_slot {
    const char *sql; /* points at the caller's (static) SQL text */
    sqlite3_stmt *stmt;
} stmt_slot;

/* A member of the open batch waiting for its COMMIT (lives on its stack). */
typedef struct batch_waiter {
    hv_result result;
    int done;
    pthread_cond_t cv; /* its own, so waking one batch wakes no other */
    struct batch_waiter *next;
} batch_waiter;

struct store_conn {
    const store_ops *ops; /* first: see store_impl.h */
    store *st;
    sqlite3 *db;
    int writer;
    int in_tx;
    struct store_conn *next_free;
    stmt_slot cache[STMT_CACHE];
    struct deferred {
        store_defer_fn fn;
        int64_t key;
    } * defer; /* sq_defer(): run at sq_commit() */
    int ndefer, cdefer;
};

struct store {
    const store_ops *ops; /* first: see store_impl.h */
    char *path;
    store_options opt;
    store_conn *writer;
    pthread_mutex_t wlock;
    atomic_int wqueue;      /* writers waiting for wlock */
    int batch_open;         /* the outer transaction is open (under wlock) */
    int batch_n;            /* released savepoints in it */
    batch_waiter *waiters;  /* their owners, asleep until the COMMIT */
    pthread_mutex_t bmutex; /* guards waiter->done */
    store_conn *readers;
    int nreaders;
    store_conn *free_readers;
    pthread_mutex_t rlock;
    pthread_cond_t rcond;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t transactions, commits;
    /* the checkpointer */
    sqlite3 *ck_db;
    pthread_t ck_thread;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    int ck_running, ck_want, ck_stop;
};

struct store_row {
    const store_ops *ops; /* first: see store_impl.h */
    sqlite3_stmt *stmt;
};

static hv_result
sqlite_result(store_conn *c, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return HV_OK;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return HV_ERR_CONFLICT;
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return HV_ERR_INVALID;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        atomic_fetch_add(&c->st->errors, 1);
        return HV_ERR_BUSY;
    case SQLITE_NOMEM:
        return HV_ERR_NOMEM;
    default:
        break;
    }
    atomic_fetch_add(&c->st->errors, 1);
    log_event(LOG_ERROR, "database error",
              json_pack("{s:i, s:s}", "code", rc, "error", sqlite3_errmsg(c->db)));
    return HV_ERR_DB;
}

/* The dialect tokens of migrations.h for SQLite. */
static const char *const sqlite_tokens[][2] = {
    {"{ID}", "INTEGER PRIMARY KEY"}, {"{BIGINT}", "INTEGER"}, {"{BLOB}", "BLOB"}, {NULL, NULL}};

/* HAVEN_SQL_TRACE=1: every statement's text (with '?' for values, so no
 * personal data) to stderr, for finding out what a request costs. */
static int
trace_stmt(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)p;
    const char *sql = x;
    fprintf(stderr, "sql %s %s\n", (const char *)ctx, sql && strncmp(sql, "--", 2) ? sql : "?");
    return 0;
}

static hv_result
conn_open(store *st, store_conn *c, int writer)
{
    int flags = (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                SQLITE_OPEN_NOMUTEX;
    memset(c, 0, sizeof *c);
    c->ops = &store_sqlite_ops;
    c->st = st;
    c->writer = writer;
    if (sqlite3_open_v2(st->path, &c->db, flags, NULL) != SQLITE_OK) {
        log_event(LOG_ERROR, "cannot open database",
                  json_pack("{s:s}", "error", c->db ? sqlite3_errmsg(c->db) : "out of memory"));
        sqlite3_close(c->db);
        c->db = NULL;
        return HV_ERR_DB;
    }
    sqlite3_busy_timeout(c->db, st->opt.busy_timeout_ms);
    const char *trace = getenv("HAVEN_SQL_TRACE");
    if (trace && *trace == '1')
        sqlite3_trace_v2(c->db, SQLITE_TRACE_STMT, trace_stmt, writer ? "w" : "r");
    char pragmas[256];
    /* The writer's temp_store is FILE: every write runs inside a SAVEPOINT
     * (group commit), so each page a transaction touches goes to the
     * sub-journal, and an in-memory sub-journal is a chunk list that each
     * statement's release walks from the start: a large import (a directory
     * of 25,000 services) became quadratic (the second 25,000 took 270 s
     * instead of 35 s). A file sub-journal stays in memory up to 64 KiB and
     * truncates in O(1). Readers keep MEMORY (their sorts). */
    if (writer)
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s; "
                 "PRAGMA temp_store=FILE; PRAGMA cache_size=-16384;",
                 st->opt.synchronous_full ? "FULL" : "NORMAL");
    else
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA foreign_keys=ON; PRAGMA query_only=1; PRAGMA temp_store=MEMORY;");
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        log_event(LOG_ERROR, "cannot configure database",
                  json_pack("{s:s}", "error", msg ? msg : "?"));
        sqlite3_free(msg);
        sqlite3_close(c->db);
        c->db = NULL;
        return HV_ERR_DB;
    }
    return HV_OK;
}

static void
conn_close(store_conn *c)
{
    if (!c->db)
        return;
    for (int i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(c->cache[i].stmt);
    free(c->defer);
    c->defer = NULL;
    c->ndefer = c->cdefer = 0;
    sqlite3_close(c->db);
    c->db = NULL;
}

/* Process-wide SQLite settings, once, before the first connection: no
 * memory statistics (they take a global mutex on every allocation, which the
 * HTTP threads then queue on). */
static void
sqlite_setup(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_initialize();
}

static void writer_lock(store *st);
static void sq_close(store *st);
static void sq_rollback(store_conn *c);
static hv_result sq_exec(store_conn *c, const char *sql, const store_val *args, int nargs,
                         int64_t *changes);
static hv_result sq_query(store_conn *c, const char *sql, const store_val *args, int nargs,
                          store_row_fn fn, void *ctx);
static hv_result batch_end(store *st, int commit);

static int
checkpoint(store *st)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(st->ck_db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log_event(LOG_ERROR, "checkpoint failed",
                  json_pack("{s:i, s:s}", "code", rc, "error", sqlite3_errmsg(st->ck_db)));
    return rc;
}

/* Copies the WAL into the database: first alongside the writers, then the
 * rest with the writers held back for a moment (the open batch committed
 * first), so the WAL is wholly copied before the next write, which can then
 * start it over from the beginning instead of letting it grow. */
static void *
checkpointer(void *arg)
{
    store *st = arg;
    pthread_mutex_lock(&st->ck_mu);
    for (;;) {
        while (!st->ck_want && !st->ck_stop)
            pthread_cond_wait(&st->ck_cv, &st->ck_mu);
        if (st->ck_stop)
            break;
        st->ck_want = 0;
        pthread_mutex_unlock(&st->ck_mu);
        (void)checkpoint(st);
        writer_lock(st);
        if (st->batch_open)
            (void)batch_end(st, st->batch_n > 0);
        (void)checkpoint(st);
        pthread_mutex_unlock(&st->wlock);
        pthread_mutex_lock(&st->ck_mu);
    }
    pthread_mutex_unlock(&st->ck_mu);
    return NULL;
}

/* After each COMMIT on the writer: wake the checkpointer when the WAL is long. */
static int
wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db, (void)name;
    store *st = arg;
    if (pages >= CHECKPOINT_PAGES) {
        pthread_mutex_lock(&st->ck_mu);
        st->ck_want = 1;
        pthread_cond_signal(&st->ck_cv);
        pthread_mutex_unlock(&st->ck_mu);
    }
    return SQLITE_OK;
}

/* Starts the checkpoint thread; without it SQLite's own automatic
 * checkpoints (run by the committing writer) stay on. */
static void
checkpointer_start(store *st)
{
    if (sqlite3_open_v2(st->path, &st->ck_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(st->ck_db);
        st->ck_db = NULL;
        return;
    }
    sqlite3_busy_timeout(st->ck_db, 100);
    /* a first read puts the connection in WAL mode (checkpoints need that) */
    if (sqlite3_exec(st->ck_db, "PRAGMA journal_mode=WAL; SELECT 1 FROM sqlite_master LIMIT 1",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(st->ck_db);
        st->ck_db = NULL;
        return;
    }
    if (pthread_create(&st->ck_thread, NULL, checkpointer, st) != 0) {
        sqlite3_close(st->ck_db);
        st->ck_db = NULL;
        return;
    }
    st->ck_running = 1;
    sqlite3_wal_hook(st->writer->db, wal_grew, st);
}

static void
checkpointer_stop(store *st)
{
    if (st->ck_running) {
        sqlite3_wal_hook(st->writer->db, NULL, NULL);
        pthread_mutex_lock(&st->ck_mu);
        st->ck_stop = 1;
        pthread_cond_signal(&st->ck_cv);
        pthread_mutex_unlock(&st->ck_mu);
        pthread_join(st->ck_thread, NULL);
        st->ck_running = 0;
    }
    sqlite3_close(st->ck_db);
    st->ck_db = NULL;
}

static hv_result
sq_open(const char *dir, const store_options *opt, store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    store *st = calloc(1, sizeof *st);
    if (!st)
        return HV_ERR_NOMEM;
    st->ops = &store_sqlite_ops;
    st->opt.readers = 8;
    st->opt.busy_timeout_ms = 5000;
    st->opt.synchronous_full = 1;
    st->opt.batch_max = 32;
    if (opt) {
        if (opt->batch_max > 0)
            st->opt.batch_max = opt->batch_max;
        if (opt->readers > 0)
            st->opt.readers = opt->readers;
        if (opt->busy_timeout_ms >= 0)
            st->opt.busy_timeout_ms = opt->busy_timeout_ms;
        st->opt.synchronous_full = opt->synchronous_full;
    }
    size_t n = strlen(dir) + sizeof "/haven.db";
    st->path = malloc(n);
    if (!st->path) {
        free(st);
        return HV_ERR_NOMEM;
    }
    snprintf(st->path, n, "%s/haven.db", dir);
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->bmutex, NULL);
    pthread_mutex_init(&st->rlock, NULL);
    pthread_cond_init(&st->rcond, NULL);
    pthread_mutex_init(&st->ck_mu, NULL);
    pthread_cond_init(&st->ck_cv, NULL);
    st->writer = calloc(1, sizeof *st->writer);
    st->readers = calloc((size_t)st->opt.readers, sizeof *st->readers);
    if (!st->writer || !st->readers)
        goto nomem;
    if (conn_open(st, st->writer, 1) != HV_OK)
        goto fail;
    for (int i = 0; i < st->opt.readers; i++) {
        if (conn_open(st, &st->readers[i], 0) != HV_OK)
            goto fail;
        st->nreaders++;
        st->readers[i].next_free = st->free_readers;
        st->free_readers = &st->readers[i];
    }
    checkpointer_start(st);
    *out = st;
    return HV_OK;
nomem:
    sq_close(st);
    return HV_ERR_NOMEM;
fail:
    sq_close(st);
    return HV_ERR_DB;
}

static void
sq_close(store *st)
{
    if (!st)
        return;
    if (st->readers) {
        /* wait for every borrowed reader to come back */
        pthread_mutex_lock(&st->rlock);
        for (;;) {
            int free_count = 0;
            for (store_conn *c = st->free_readers; c; c = c->next_free)
                free_count++;
            if (free_count >= st->nreaders)
                break;
            pthread_cond_wait(&st->rcond, &st->rlock);
        }
        pthread_mutex_unlock(&st->rlock);
        for (int i = 0; i < st->nreaders; i++)
            conn_close(&st->readers[i]);
    }
    if (st->writer) {
        /* before taking wlock: a checkpoint under way may be waiting for it */
        if (st->writer->db)
            checkpointer_stop(st);
        pthread_mutex_lock(&st->wlock);
        conn_close(st->writer);
        pthread_mutex_unlock(&st->wlock);
    }
    pthread_mutex_destroy(&st->ck_mu);
    pthread_cond_destroy(&st->ck_cv);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->bmutex);
    pthread_mutex_destroy(&st->rlock);
    pthread_cond_destroy(&st->rcond);
    free(st->readers);
    free(st->writer);
    free(st->path);
    free(st);
}

static hv_result
sq_read(store *st, store_conn **out)
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
sq_release(store_conn *c)
{
    if (!c)
        return;
    if (c->writer) {
        sq_rollback(c);
        return;
    }
    store *st = c->st;
    pthread_mutex_lock(&st->rlock);
    c->next_free = st->free_readers;
    st->free_readers = c;
    pthread_cond_signal(&st->rcond);
    pthread_mutex_unlock(&st->rlock);
}

/* Takes the writer, counting this thread among the queued writers while it
 * waits (an open batch is left for the last of them to end). */
static void
writer_lock(store *st)
{
    atomic_fetch_add(&st->wqueue, 1);
    pthread_mutex_lock(&st->wlock);
    atomic_fetch_sub(&st->wqueue, 1);
}

/* Ends the open batch with COMMIT (or ROLLBACK when COMMIT is 0) and wakes
 * every member with the outcome. Called with wlock held. */
static hv_result
batch_end(store *st, int commit)
{
    store_conn *c = st->writer;
    hv_result r = HV_ERR_DB;
    if (!sqlite3_get_autocommit(c->db)) {
        r = commit ? sq_exec(c, "COMMIT", NULL, 0, NULL) : HV_ERR_DB;
        if (r != HV_OK)
            (void)sq_exec(c, "ROLLBACK", NULL, 0, NULL);
    }
    if (r == HV_OK) {
        atomic_fetch_add(&st->commits, 1);
        atomic_fetch_add(&st->transactions, (uint64_t)st->batch_n);
    }
    st->batch_open = 0;
    st->batch_n = 0;
    pthread_mutex_lock(&st->bmutex);
    for (batch_waiter *w = st->waiters; w;) {
        batch_waiter *next = w->next; /* W may be gone once woken */
        w->result = r;
        w->done = 1;
        pthread_cond_signal(&w->cv);
        w = next;
    }
    st->waiters = NULL;
    pthread_mutex_unlock(&st->bmutex);
    return r;
}

/* Gives up wlock after a transaction ended. The batch stays open for the next
 * queued writer, or is ended here when nobody is queued or it is full. */
static void
batch_leave(store *st)
{
    if (st->batch_open) {
        if (sqlite3_get_autocommit(st->writer->db))
            (void)batch_end(st, 0); /* SQLite itself rolled the batch back */
        else if (atomic_load(&st->wqueue) == 0 || st->batch_n >= st->opt.batch_max)
            (void)batch_end(st, st->batch_n > 0);
    }
    pthread_mutex_unlock(&st->wlock);
}

static hv_result
sq_begin(store *st, store_conn **out)
{
    writer_lock(st);
    store_conn *c = st->writer;
    hv_result r = HV_OK;
    if (!st->batch_open) {
        if ((r = sq_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL)) == HV_OK)
            st->batch_open = 1;
    }
    if (r == HV_OK)
        r = sq_exec(c, "SAVEPOINT tx", NULL, 0, NULL);
    if (r != HV_OK) {
        batch_leave(st);
        return r;
    }
    c->in_tx = 1;
    *out = c;
    return HV_OK;
}

static hv_result
sq_defer(store_conn *c, store_defer_fn fn, int64_t key)
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

/* Runs the deferred work (which may defer more: the list is read by index). */
static hv_result
run_deferred(store_conn *c)
{
    hv_result r = HV_OK;
    for (int i = 0; r == HV_OK && i < c->ndefer; i++)
        r = c->defer[i].fn(c, c->defer[i].key);
    c->ndefer = 0;
    return r;
}

static hv_result
sq_commit(store_conn *c)
{
    store *st = c->st;
    hv_result r = run_deferred(c);
    if (r != HV_OK) {
        sq_rollback(c);
        return r;
    }
    r = sq_exec(c, "RELEASE tx", NULL, 0, NULL);
    if (r != HV_OK || sqlite3_get_autocommit(c->db)) {
        sq_rollback(c);
        return r != HV_OK ? r : HV_ERR_DB;
    }
    c->in_tx = 0;
    batch_waiter me = {.result = HV_ERR_DB};
    pthread_cond_init(&me.cv, NULL);
    me.next = st->waiters;
    st->waiters = &me;
    st->batch_n++;
    if (atomic_load(&st->wqueue) > 0 && st->batch_n < st->opt.batch_max) {
        /* a queued writer will commit this batch; sleep until it has */
        pthread_mutex_unlock(&st->wlock);
        pthread_mutex_lock(&st->bmutex);
        while (!me.done)
            pthread_cond_wait(&me.cv, &st->bmutex);
        pthread_mutex_unlock(&st->bmutex);
        pthread_cond_destroy(&me.cv);
        return me.result;
    }
    (void)batch_end(st, 1);
    pthread_mutex_unlock(&st->wlock);
    pthread_cond_destroy(&me.cv);
    return me.result;
}

static void
sq_rollback(store_conn *c)
{
    if (!c)
        return;
    c->ndefer = 0;
    if (c->in_tx && !sqlite3_get_autocommit(c->db)) {
        (void)sq_exec(c, "ROLLBACK TO tx", NULL, 0, NULL);
        (void)sq_exec(c, "RELEASE tx", NULL, 0, NULL);
    }
    c->in_tx = 0;
    batch_leave(c->st);
}

/* Finds or prepares SQL on connection C. */
static hv_result
conn_prepare(store_conn *c, const char *sql, sqlite3_stmt **out)
{
    uint32_t h = 2166136261u;
    for (const char *p = sql; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    int start = (int)(h % STMT_CACHE);
    int victim = start;
    for (int i = 0; i < 8; i++) {
        stmt_slot *s = &c->cache[(start + i) % STMT_CACHE];
        if (s->stmt && (s->sql == sql || strcmp(s->sql, sql) == 0)) {
            *out = s->stmt;
            return HV_OK;
        }
        if (!s->stmt) {
            victim = (start + i) % STMT_CACHE;
            break;
        }
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    if (rc != SQLITE_OK) {
        log_event(LOG_ERROR, "cannot prepare statement",
                  json_pack("{s:s}", "error", sqlite3_errmsg(c->db)));
        atomic_fetch_add(&c->st->errors, 1);
        return HV_ERR_DB;
    }
    stmt_slot *s = &c->cache[victim];
    if (s->stmt)
        sqlite3_finalize(s->stmt);
    /* keep our own copy: callers may pass SQL built at run time */
    s->stmt = stmt;
    s->sql = sqlite3_sql(stmt);
    *out = stmt;
    return HV_OK;
}

static hv_result
conn_bind(store_conn *c, sqlite3_stmt *stmt, const store_val *args, int nargs)
{
    for (int i = 0; i < nargs; i++) {
        int rc;
        switch (args[i].type) {
        case SV_INT:
            rc = sqlite3_bind_int64(stmt, i + 1, args[i].i);
            break;
        case SV_TEXT:
            rc = sqlite3_bind_text(stmt, i + 1, args[i].p,
                                   args[i].len == (size_t)-1 ? -1 : (int)args[i].len,
                                   SQLITE_TRANSIENT);
            break;
        case SV_BLOB:
            rc = sqlite3_bind_blob(stmt, i + 1, args[i].p, (int)args[i].len, SQLITE_TRANSIENT);
            break;
        default:
            rc = sqlite3_bind_null(stmt, i + 1);
            break;
        }
        if (rc != SQLITE_OK)
            return sqlite_result(c, rc);
    }
    return HV_OK;
}

static hv_result
sq_query(store_conn *c, const char *sql, const store_val *args, int nargs, store_row_fn fn,
         void *ctx)
{
    sqlite3_stmt *stmt;
    hv_result r = conn_prepare(c, sql, &stmt);
    if (r != HV_OK)
        return r;
    r = conn_bind(c, stmt, args, nargs);
    if (r == HV_OK) {
        store_row row = {&store_sqlite_ops, stmt};
        for (;;) {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_ROW) {
                if (fn && (r = fn(ctx, &row)) != HV_OK)
                    break;
                continue;
            }
            if (rc != SQLITE_DONE)
                r = sqlite_result(c, sqlite3_extended_errcode(c->db));
            break;
        }
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return r;
}

static hv_result
sq_exec(store_conn *c, const char *sql, const store_val *args, int nargs, int64_t *changes)
{
    hv_result r = sq_query(c, sql, args, nargs, NULL, NULL);
    if (r == HV_OK && changes)
        *changes = sqlite3_changes64(c->db);
    return r;
}

static int
sq_row_columns(const store_row *r)
{
    return sqlite3_column_count(r->stmt);
}

static const char *
sq_row_name(const store_row *r, int col)
{
    return sqlite3_column_name(r->stmt, col);
}

static int
sq_row_isnull(const store_row *r, int col)
{
    return sqlite3_column_type(r->stmt, col) == SQLITE_NULL;
}

static int64_t
sq_row_int(const store_row *r, int col)
{
    return sqlite3_column_int64(r->stmt, col);
}

static const char *
sq_row_text(const store_row *r, int col)
{
    return (const char *)sqlite3_column_text(r->stmt, col);
}

static const void *
sq_row_blob(const store_row *r, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(r->stmt, col);
    *len = (size_t)sqlite3_column_bytes(r->stmt, col);
    return p;
}

static const char *
sq_errmsg(store_conn *c)
{
    return sqlite3_errmsg(c->db);
}

static hv_result
sq_ping(store *st)
{
    store_conn *c;
    int64_t one = 0;
    hv_result r = sq_read(st, &c);
    if (r != HV_OK)
        return r;
    r = store_query_int(c, "SELECT 1", NULL, 0, &one);
    sq_release(c);
    return r == HV_OK && one == 1 ? HV_OK : HV_ERR_UNAVAILABLE;
}

static uint64_t
sq_error_count(const store *st)
{
    return atomic_load(&((store *)st)->errors);
}

static uint64_t
sq_transaction_count(const store *st)
{
    return atomic_load(&((store *)st)->transactions);
}

static uint64_t
sq_commit_count(const store *st)
{
    return atomic_load(&((store *)st)->commits);
}

static hv_result
sq_script(store_conn *c, const char *text)
{
    char *sql = store_expand(text, sqlite_tokens);
    if (!sql)
        return HV_ERR_NOMEM;
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    free(sql);
    if (rc != SQLITE_OK) {
        log_event(LOG_ERROR, "migration failed", json_pack("{s:s}", "error", msg ? msg : "?"));
        sqlite3_free(msg);
        atomic_fetch_add(&c->st->errors, 1);
        return HV_ERR_DB;
    }
    return HV_OK;
}

const store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .read = sq_read,
    .release = sq_release,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .defer = sq_defer,
    .exec = sq_exec,
    .query = sq_query,
    .script = sq_script,
    .row_columns = sq_row_columns,
    .row_name = sq_row_name,
    .row_isnull = sq_row_isnull,
    .row_int = sq_row_int,
    .row_text = sq_row_text,
    .row_blob = sq_row_blob,
    .errmsg = sq_errmsg,
    .ping = sq_ping,
    .error_count = sq_error_count,
    .transaction_count = sq_transaction_count,
    .commit_count = sq_commit_count,
};
