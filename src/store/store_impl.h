/*
 * store_impl.h - what a backend of store.h provides (internal to src/store/).
 *
 * store.c implements store.h by calling through the backend's store_ops.
 * Every backend's struct store, struct store_conn and struct store_row begin
 * with a `const store_ops *ops` member, so store.c finds the backend from any
 * of the three without knowing their layout.
 */
#ifndef HAVEN_STORE_IMPL_H
#define HAVEN_STORE_IMPL_H

#include "store/store.h"

typedef struct store_ops {
    const char *name; /* store_backend(): "sqlite" or "postgres" */
    hv_result (*open)(const char *dir, const store_options *opt, store **out);
    void (*close)(store *st);
    hv_result (*read)(store *st, store_conn **out);
    void (*release)(store_conn *c);
    hv_result (*begin)(store *st, store_conn **out);
    hv_result (*commit)(store_conn *c);
    void (*rollback)(store_conn *c);
    hv_result (*defer)(store_conn *c, store_defer_fn fn, int64_t key);
    hv_result (*exec)(store_conn *c, const char *sql, const store_val *args, int nargs,
                      int64_t *changes);
    hv_result (*query)(store_conn *c, const char *sql, const store_val *args, int nargs,
                       store_row_fn fn, void *ctx);
    hv_result (*ids_follow)(store_conn *c, const char *table); /* NULL: nothing to do */
    /* Runs a migration script (several statements, dialect tokens unexpanded). */
    hv_result (*script)(store_conn *c, const char *text);
    int (*row_columns)(const store_row *r);
    const char *(*row_name)(const store_row *r, int col);
    int (*row_isnull)(const store_row *r, int col);
    int64_t (*row_int)(const store_row *r, int col);
    const char *(*row_text)(const store_row *r, int col);
    const void *(*row_blob)(const store_row *r, int col, size_t *len);
    const char *(*errmsg)(store_conn *c);
    int row_locks; /* 1: {SKIP_LOCKED} is FOR UPDATE ... SKIP LOCKED; 0: nothing */
    hv_result (*lock)(store_conn *c, const char *name);            /* NULL: nothing to do */
    hv_result (*notify)(store_conn *c);                            /* NULL: nothing to do */
    hv_result (*listen)(store *st, void (*fn)(void *), void *arg); /* NULL: nothing */
    hv_result (*ping)(store *st);
    uint64_t (*error_count)(const store *st);
    uint64_t (*transaction_count)(const store *st);
    uint64_t (*commit_count)(const store *st);
} store_ops;

extern const store_ops store_sqlite_ops;
extern const store_ops store_pg_ops;

/* Expands the dialect tokens of migrations.h ({ID}, {BIGINT}, {BLOB}) with
 * MAP (NULL-terminated pairs token, text). Caller frees; NULL when out of
 * memory. */
char *store_expand(const char *sql, const char *const map[][2]);

#endif
