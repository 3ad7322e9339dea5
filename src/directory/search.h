/*
 * search.h - the directory's search engine: services near a place, open
 * now, for an age, a language, free, in taxonomy terms, matching words.
 *
 * The engine keeps a compact in-memory index of the services (per service:
 * organization, ages, free, languages as bits, taxonomy terms, status,
 * updated_at, name order; per service-at-location: the point in
 * microdegrees in a grid of cells, Safe Youth Zone flag, the opening rules
 * and this week's 7 x 96 slot mask). The index is built from the database
 * and belongs to one value of max(dir_change.id): every import and edit
 * writes a dir_change row, so a search that sees the value move builds a
 * new index (searches meanwhile keep using the old one) and drops the old
 * one when its last user is done.
 *
 * A search filters first (place, open, age, language, free, taxonomy,
 * organization, modified_after, Safe Youth Zone) in memory, then asks the
 * full-text index only about the words: each word's matches (in any
 * column, in the name, in the organization and categories) are read once
 * per index generation and kept as bitmaps, so a common word costs one
 * walk of its doclist and then nothing. Relevance is BM25 (k1 1.2, b 0.75)
 * computed here over the survivors only, with the term frequency of a
 * column taken as present or not (name 10, categories/organization 3,
 * description 1). See docs/directory.md, "Search".
 *
 * Thread safety: dir_search_run() may be called from any number of
 * threads.
 */
#ifndef HAVEN_DIRECTORY_SEARCH_H
#define HAVEN_DIRECTORY_SEARCH_H

#include <stdint.h>

#include "core/err.h"
#include "directory/geo.h"
#include "store/store.h"

#define DIR_SEARCH_MAX_TERMS    8 /* taxonomy terms ANDed */
#define DIR_SEARCH_MAX_WORDS    8 /* words of the text used */
#define DIR_SEARCH_MAX_PER_PAGE 100
#define DIR_SEARCH_MAX_RADIUS   100.0 /* miles */

typedef enum dir_sort { DIR_SORT_RELEVANCE = 0, DIR_SORT_DISTANCE, DIR_SORT_NAME } dir_sort;

typedef struct dir_query {
    const char *text; /* the user's words, or NULL */
    int has_near;     /* near/radius_mi given */
    geo_point near;
    double radius_mi;     /* with has_near */
    int has_open_at;      /* open_now / open_at given */
    int64_t open_at_ms;   /* the instant */
    int age;              /* the youth's age, or -1 */
    const char *language; /* ISO 639-1 code (lowercase), or NULL */
    int free_only;
    int syz_only;                        /* only services offered at a Safe Youth Zone */
    int64_t terms[DIR_SEARCH_MAX_TERMS]; /* internal taxonomy term ids, all needed */
    int nterms;
    int64_t taxonomy_id;       /* internal; 0: any */
    int64_t organization_id;   /* internal; 0: any */
    int64_t modified_after_ms; /* 0: any */
    int page;                  /* from 1 */
    int per_page;              /* 1..DIR_SEARCH_MAX_PER_PAGE */
} dir_query;

typedef struct dir_hit {
    int64_t service_id;
    int64_t location_id; /* the location that answered (nearest, open), or 0 */
    double distance_mi;  /* with near; else -1 */
    double score;        /* relevance (0 without text) */
    int open;            /* at the query's instant, or now */
    double lat, lon;     /* the location's point, when it has one */
    int has_point;
    int has_hours;     /* schedules apply (else open is 0 and nothing is known) */
    int64_t next_open; /* hours_state's, at the query's instant (HOURS_NEVER: none) */
    int64_t next_close;
} dir_hit;

typedef struct dir_result {
    int64_t total; /* every service that matches */
    dir_hit *hits; /* the page asked for (malloc'd; dir_result_free) */
    int n;
    int64_t generation; /* the max(dir_change.id) the index belongs to */
} dir_result;

/* Runs Q against the directory in ST (borrowing a reader), building or
 * refreshing the process's index first when the directory changed.
 * DEFAULT_TZ is the county's zone (schedules without a zone). HV_OK with
 * *OUT (free it with dir_result_free); HV_ERR_INVALID (E names the
 * parameter) for a bad query; HV_ERR_DB, HV_ERR_NOMEM. */
hv_result dir_search_run(store *st, const char *default_tz, const dir_query *q, dir_result *out,
                         hv_err *e);
void dir_result_free(dir_result *r);

/* Turns TEXT into a safe FTS5 query: each word a quoted string, ANDed,
 * the last one a prefix ("youth" "counsel"*); FTS5 syntax in TEXT is never
 * passed through. COLUMNS (e.g. "name", or NULL for all) adds a column
 * filter. Returns the number of words (0: nothing to search for). */
int dir_search_fts_query(const char *text, const char *columns, char *out, size_t outsz);

/* Drops the process's index (tests, shutdown). */
void dir_search_reset(void);

/* Builds the index on a thread of its own (`haven serve` at start), so the
 * first searcher does not pay the build; searches meanwhile build or wait
 * as usual. dir_search_stop() joins that thread and drops the index: call
 * it before closing ST. */
hv_result dir_search_warm(store *st, const char *default_tz);
void dir_search_stop(void);

/* Counters for /metrics. */
typedef struct dir_search_stats {
    uint64_t searches, builds, term_walks;
    int64_t services; /* in the current index */
} dir_search_stats;
void dir_search_get_stats(dir_search_stats *s);

#endif
