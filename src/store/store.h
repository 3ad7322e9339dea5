/*
 * store.h - the database interface every domain module uses.
 *
 * One interface, two backends: SQLite (store_sqlite.c, the default) and
 * PostgreSQL (store_pg.c, chosen by a postgresql:// URL in the options). SQL given to
 * store_exec()/store_query() is portable: '?' placeholders, INSERT ...
 * RETURNING for new ids, integer milliseconds for times, 0/1 for booleans.
 * Nothing dialect-specific leaves the backend.
 *
 * Connections are borrowed: store_read() lends a read connection (release it
 * with store_release()); store_begin() lends the single writer inside a
 * transaction (end it with store_commit() or store_rollback()). Writes are
 * serialised through that one writer, so a transaction sees a stable world.
 */
#ifndef HAVEN_STORE_H
#define HAVEN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

typedef struct store store;
typedef struct store_conn store_conn;
typedef struct store_row store_row;

typedef enum store_vtype { SV_NULL, SV_INT, SV_TEXT, SV_BLOB } store_vtype;

/* A bound parameter. Text with len == (size_t)-1 is NUL-terminated. */
typedef struct store_val {
    store_vtype type;
    int64_t i;
    const void *p;
    size_t len;
} store_val;

#define SV_NULLV       ((store_val){.type = SV_NULL})
#define SV_INTV(x)     ((store_val){.type = SV_INT, .i = (int64_t)(x)})
#define SV_TEXTV(s)    store_text(s)
#define SV_BLOBV(b, n) ((store_val){.type = SV_BLOB, .p = (b), .len = (n)})

/* Text, or SQL NULL when S is NULL. */
static inline store_val
store_text(const char *s)
{
    store_val v = {.type = s ? SV_TEXT : SV_NULL, .p = s, .len = (size_t)-1};
    return v;
}

typedef struct store_options {
    int readers;          /* read connections in the pool (default 8) */
    int busy_timeout_ms;  /* wait for locks this long (default 5000) */
    int synchronous_full; /* 1: fsync on every commit (default 1) */
    int batch_max;        /* most transactions one group commit holds (default 32) */
    const char *url;      /* postgresql://... selects PostgreSQL; NULL or "": SQLite */
} store_options;

/* Called once per result row; the row and its strings live only during the
 * call. Return HV_OK to go on, anything else stops the query and is returned. */
typedef hv_result (*store_row_fn)(void *ctx, const store_row *row);

/* Opens (creating if missing) the database in data directory DIR, or, when
 * OPT->url is a PostgreSQL URL, connects to that database (which must exist;
 * DIR is then unused). */
hv_result store_open(const char *dir, const store_options *opt, store **out);
/* Closes every connection; waits for borrowed ones to come back. */
void store_close(store *st);
/* "sqlite" or "postgres". */
const char *store_backend(const store *st);
/* 1 when URL names a PostgreSQL database (postgresql:// or postgres://). */
int store_url_is_postgres(const char *url);

hv_result store_read(store *st, store_conn **out);
void store_release(store_conn *c);
hv_result store_begin(store *st, store_conn **out);
/* Commits and returns the connection; returns once the commit is durable
 * (under load, one COMMIT covers several transactions: see store_sqlite.c).
 * On failure the transaction is rolled back, the connection returned, and
 * the error given. */
hv_result store_commit(store_conn *c);
void store_rollback(store_conn *c);

/* Work deferred to the end of the write transaction on C: FN(C, KEY) runs
 * once per distinct (FN, KEY) just before store_commit() makes the
 * transaction durable, inside it, so what it writes commits with the rest
 * (a failure fails the commit). For rollups that must see every change a
 * transaction made, whatever order the changes were made in. Dropped on
 * rollback. */
typedef hv_result (*store_defer_fn)(store_conn *c, int64_t key);
hv_result store_defer(store_conn *c, store_defer_fn fn, int64_t key);

/* Runs a statement; *changes (may be NULL) gets the number of rows changed.
 * A unique-constraint failure is HV_ERR_CONFLICT. */
hv_result store_exec(store_conn *c, const char *sql, const store_val *args, int nargs,
                     int64_t *changes);
/* Runs a query, calling FN for each row (FN may be NULL to just run it). */
hv_result store_query(store_conn *c, const char *sql, const store_val *args, int nargs,
                      store_row_fn fn, void *ctx);
/* Explicit ids were written into TABLE's id column (bulk generators do):
 * make the ids the database assigns from now on follow the largest one.
 * PostgreSQL moves the table's sequence; SQLite needs nothing. TABLE is a
 * name from the code (letters and '_'), never input. */
hv_result store_ids_follow(store_conn *c, const char *table);
/* Runs a query expected to give one integer (count, id); HV_ERR_NOTFOUND if no row. */
hv_result store_query_int(store_conn *c, const char *sql, const store_val *args, int nargs,
                          int64_t *out);

int store_row_columns(const store_row *r);
const char *store_row_name(const store_row *r, int col);
int store_row_isnull(const store_row *r, int col);
int64_t store_row_int(const store_row *r, int col);
/* NULL for SQL NULL. */
const char *store_row_text(const store_row *r, int col);
const void *store_row_blob(const store_row *r, int col, size_t *len);
/* A malloc'd copy of a blob column (*OUT NULL for SQL NULL); caller frees. */
hv_result store_row_blob_copy(const store_row *r, int col, uint8_t **out, size_t *len);

/* The last error message of this connection, for logs (never personal data:
 * values are bound, not written into SQL). */
const char *store_errmsg(store_conn *c);

/* ---- several processes on one database ----------------------------------
 *
 * With PostgreSQL several haven processes may share one database. What must
 * happen once across all of them is coordinated here; on SQLite one process
 * owns the database and its single writer already serialises every write
 * transaction, so these cost nothing there.
 *
 * Claiming rows: inside a write transaction, a SELECT (or the sub-SELECT of
 * an UPDATE) ending in {SKIP_LOCKED} or {SKIP_LOCKED OF alias} locks the rows
 * it returns until the transaction ends and skips rows another transaction
 * holds (PostgreSQL's FOR UPDATE [OF alias] SKIP LOCKED; nothing on SQLite). A
 * row another process changed since the statement began is re-checked
 * against the WHERE clause, so a claimed row is claimed once. */

/* Holds the lock named NAME (a name from the code) until the transaction on
 * C ends: transactions taking the same name run one after the other across
 * processes (a counter read then written, the audit chain's head). Take it
 * before reading what it protects. PostgreSQL: a transaction advisory lock. */
hv_result store_lock(store_conn *c, const char *name);
/* This transaction changed what other processes show live (case events,
 * notifications, deliveries): once it commits, every process's
 * store_listen() callback runs. PostgreSQL: NOTIFY inside the transaction. */
hv_result store_notify(store_conn *c);
/* Calls FN(ARG) from a thread of its own whenever a transaction that called
 * store_notify() commits (in any process, this one included), and once more
 * after its connection came back from a failure (notices may have been lost
 * then). Until store_close(). SQLite: nothing (one process). */
hv_result store_listen(store *st, void (*fn)(void *arg), void *arg);

/* Cheap liveness check for /readyz. */
hv_result store_ping(store *st);
/* Count of database errors since start, for /metrics. */
uint64_t store_error_count(const store *st);
/* Write transactions committed, and the durable COMMITs that held them. */
uint64_t store_transaction_count(const store *st);
uint64_t store_commit_count(const store *st);

/* Applies every migration not yet applied, each in its own transaction.
 * *applied (may be NULL) gets how many were applied now. */
hv_result store_migrate(store *st, int *applied);
/* The schema version recorded in the database (0 if none). */
hv_result store_schema_version(store *st, int *version);
/* The newest migration this binary knows. */
int store_latest_version(void);

#endif
