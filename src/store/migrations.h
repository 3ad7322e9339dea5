/*
 * migrations.h - the numbered schema migrations, shared by every backend.
 *
 * SQL here is portable except for a few tokens each backend expands:
 *   {ID}      an auto-assigned 64-bit primary key
 *   {BIGINT}  a 64-bit integer column
 *   {BLOB}    a byte string column
 * Times are {BIGINT} milliseconds since the epoch; booleans are 0/1 integers.
 * Anything a single backend needs alone goes in its *_extra text.
 */
#ifndef HAVEN_MIGRATIONS_H
#define HAVEN_MIGRATIONS_H

typedef struct migration {
    int version;
    const char *name;
    const char *sql;          /* portable, with tokens */
    const char *sqlite_extra; /* SQLite only (may be NULL) */
    const char *pg_extra;     /* PostgreSQL only (may be NULL) */
} migration;

extern const migration migrations[];
extern const int migrations_count;

#endif
