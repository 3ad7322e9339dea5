/*
 * sqlite_loop.c - the reference for bench/intake.sh: a plain C loop of
 * single-row durable SQLite inserts (WAL, synchronous=FULL, one transaction
 * and so one fsync per row), rows about the size of an intake. Prints
 * "rows_per_s <n>".
 *
 * usage: sqlite_loop DB ROWS ROW_BYTES
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: sqlite_loop DB ROWS ROW_BYTES\n");
        return 2;
    }
    long rows = strtol(argv[2], NULL, 10), size = strtol(argv[3], NULL, 10);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t "
                 "(id INTEGER PRIMARY KEY, at INTEGER, body BLOB)",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t (at, body) VALUES (?, ?)", -1, &st, NULL);
    char *body = malloc((size_t)size);
    memset(body, 'x', (size_t)size);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < rows; i++) {
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_blob(st, 2, body, (int)size, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            return 1;
        sqlite3_reset(st);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("rows_per_s %.1f\n", (double)rows / s);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(body);
    return 0;
}
