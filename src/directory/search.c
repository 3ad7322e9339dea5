/*
 * search.c - the directory's search engine (see search.h and
 * docs/directory.md, "Search"): an in-memory index of the services built
 * from the database, filters first, then the words.
 */
#include "directory/search.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "directory/hours.h"

/* ---- the index ------------------------------------------------------------------- */

#define CELL_E6    25000 /* grid cells of 0.025 degrees (about 1.7 by 1.4 miles here) */
#define LANG_BITS  64
#define TERM_CACHE 96 /* words kept (three bitmaps each) */
#define NO_AGE     (-1)
#define COLS       3 /* a word's match sets: any column, name, organization/categories */

typedef struct ruleset {
    uint32_t off, n; /* into idx->rules */
    hours_week week; /* of idx->first_day */
} ruleset;

typedef struct svc {
    /* what every candidate reads (filters, order, relevance), in the
     * first 32 bytes */
    uint64_t langs;
    int16_t min_age, max_age;
    uint8_t free, active, syz;
    uint32_t name_rank;
    uint32_t nsal, nterm;
    float dl; /* words in its full-text document */
    /* the rest */
    int64_t id, org_id, updated_at;
    uint32_t term_off; /* into idx->terms */
    uint32_t sal_off;  /* into idx->sals */
    int32_t rs;        /* the service's own schedules (ruleset), or -1 */
    int32_t first_pt;  /* its first place with a point (else its first place), or -1 */
} svc;

typedef struct sal {
    uint32_t svc; /* index into idx->svcs */
    int64_t location_id;
    int32_t lat_e6, lon_e6;
    uint8_t has_point, syz;
    int32_t rs; /* the schedules that apply here (ruleset), or -1: never open */
} sal;

/* A located service-at-location in the grid, with everything the radius
 * loop tests packed beside the key (32 bytes, read in order). */
typedef struct cell_entry {
    uint64_t key; /* (lat cell + 2^20) << 32 | (lon cell + 2^20) */
    int32_t lat_e6, lon_e6;
    uint32_t svc;       /* index into idx->svcs */
    uint32_t sal;       /* index into idx->sals */
    int32_t rs;         /* the sal's ruleset, or -1 */
    uint8_t syz, multi; /* a Safe Youth Zone; the service has several places */
} cell_entry;

typedef struct cand_t {
    uint32_t svc;
    int32_t sal; /* -1: none */
    double dist;
    double score;
    uint32_t rank;
    int open;
} cand_t;
typedef cand_t cand;

typedef struct term_set {
    char word[128]; /* the quoted FTS5 word ("help"*) */
    uint64_t *bits[COLS];
    uint32_t n; /* services matching in any column */
    uint64_t used;
} term_set;

typedef struct dir_index {
    atomic_int refs;
    int64_t generation, first_day; /* first_day: the week the masks are of */
    int pg;                        /* the full text is PostgreSQL's tsvector, not FTS5 */
    char tz[64];
    svc *svcs;
    uint32_t nsvc;
    int32_t *slot_of; /* service id -> index, or -1 */
    int64_t max_id;
    sal *sals;
    uint32_t nsal;
    cell_entry *cells; /* sals with a point, by cell */
    uint32_t ncells;
    int64_t *terms; /* every service's term ids, sorted per service */
    uint32_t nterms;
    int64_t *term_tax;    /* term id -> taxonomy id (0: none) */
    int64_t *term_parent; /* term id -> parent term id (0: none) */
    int64_t max_term;
    char lang_codes[LANG_BITS][8];
    int nlang;
    hours_rule *rules;
    uint32_t nrules;
    ruleset *rsets;
    uint32_t nrs;
    double avgdl;
    pthread_mutex_t cache_mu; /* guards tcache and the scratch below */
    term_set tcache[TERM_CACHE];
    uint64_t tick;
    /* a query's scratch, reused (queries on one index hold cache_mu):
     * service -> its candidate + 1 when seen_at[] is this query's epoch */
    uint32_t *seen, *seen_at, epoch;
    cand_t *cv;
    uint32_t cv_cap;
} dir_index;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_built = PTHREAD_COND_INITIALIZER; /* a build ended */
static dir_index *g_idx;
static int g_building;
static atomic_uint_fast64_t g_searches, g_builds, g_walks;

static void
index_free(dir_index *x)
{
    if (!x)
        return;
    for (int i = 0; i < TERM_CACHE; i++)
        for (int c = 0; c < COLS; c++)
            free(x->tcache[i].bits[c]);
    pthread_mutex_destroy(&x->cache_mu);
    free(x->svcs);
    free(x->slot_of);
    free(x->sals);
    free(x->cells);
    free(x->terms);
    free(x->term_tax);
    free(x->term_parent);
    free(x->rules);
    free(x->rsets);
    free(x->seen);
    free(x->seen_at);
    free(x->cv);
    free(x);
}

static void
index_release(dir_index *x)
{
    if (x && atomic_fetch_sub(&x->refs, 1) == 1)
        index_free(x);
}

/* ---- building ------------------------------------------------------------------- */

/* growable array helper: *P of *CAP elements of SIZE, room for N+1 */
static int
grow(void **p, uint32_t *cap, uint32_t n, size_t size)
{
    if (n < *cap)
        return 0;
    uint32_t nc = *cap ? *cap * 2 : 1024;
    void *q = realloc(*p, (size_t)nc * size);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

typedef struct builder {
    dir_index *x;
    uint32_t cap_svc, cap_sal, cap_terms, cap_rules, cap_rs, cap_salids;
    int64_t *sal_ids; /* the service_at_location id of each idx->sals entry */
    hv_result err;
} builder;

static hv_result
row_service(void *ctx, const store_row *row)
{
    builder *b = ctx;
    dir_index *x = b->x;
    if (grow((void **)&x->svcs, &b->cap_svc, x->nsvc, sizeof(svc)))
        return HV_ERR_NOMEM;
    svc *s = &x->svcs[x->nsvc++];
    memset(s, 0, sizeof *s);
    s->id = store_row_int(row, 0);
    s->org_id = store_row_int(row, 1);
    s->updated_at = store_row_int(row, 2);
    s->free = (uint8_t)(store_row_int(row, 3) != 0);
    s->min_age = store_row_isnull(row, 4) ? NO_AGE : (int16_t)store_row_int(row, 4);
    s->max_age = store_row_isnull(row, 5) ? NO_AGE : (int16_t)store_row_int(row, 5);
    const char *st = store_row_text(row, 6);
    s->active = (uint8_t)(st && strcmp(st, "active") == 0);
    s->rs = -1;
    if (s->id > x->max_id)
        x->max_id = s->id;
    return HV_OK;
}

static int32_t
slot(const dir_index *x, int64_t id)
{
    return id > 0 && id <= x->max_id ? x->slot_of[id] : -1;
}

static hv_result
row_name_order(void *ctx, const store_row *row)
{
    builder *b = ctx;
    int32_t i = slot(b->x, store_row_int(row, 0));
    if (i >= 0)
        b->x->svcs[i].name_rank = (uint32_t)store_row_int(row, 1);
    return HV_OK;
}

static hv_result
row_language(void *ctx, const store_row *row)
{
    builder *b = ctx;
    dir_index *x = b->x;
    int32_t i = slot(x, store_row_int(row, 0));
    const char *code = store_row_text(row, 1);
    if (i < 0 || !code || strlen(code) >= sizeof x->lang_codes[0])
        return HV_OK;
    int k = 0;
    while (k < x->nlang && strcmp(x->lang_codes[k], code) != 0)
        k++;
    if (k == x->nlang) {
        if (x->nlang == LANG_BITS)
            return HV_OK; /* past 64 codes: not filterable (logged once by the caller) */
        snprintf(x->lang_codes[x->nlang++], sizeof x->lang_codes[0], "%s", code);
    }
    x->svcs[i].langs |= 1ull << k;
    return HV_OK;
}

static hv_result
row_term(void *ctx, const store_row *row)
{
    builder *b = ctx;
    dir_index *x = b->x;
    int32_t i = slot(x, store_row_int(row, 0));
    if (i < 0)
        return HV_OK;
    if (grow((void **)&x->terms, &b->cap_terms, x->nterms, sizeof(int64_t)))
        return HV_ERR_NOMEM;
    svc *s = &x->svcs[i];
    if (s->nterm == 0)
        s->term_off = x->nterms;
    x->terms[x->nterms++] = store_row_int(row, 1);
    s->nterm++;
    return HV_OK;
}

static hv_result
row_term_tax(void *ctx, const store_row *row)
{
    builder *b = ctx;
    int64_t id = store_row_int(row, 0);
    if (id > 0 && id <= b->x->max_term) {
        b->x->term_tax[id] = store_row_isnull(row, 1) ? 0 : store_row_int(row, 1);
        b->x->term_parent[id] = store_row_isnull(row, 2) ? 0 : store_row_int(row, 2);
    }
    return HV_OK;
}

static hv_result
row_sal(void *ctx, const store_row *row)
{
    builder *b = ctx;
    dir_index *x = b->x;
    int32_t i = slot(x, store_row_int(row, 1));
    if (i < 0)
        return HV_OK;
    if (grow((void **)&x->sals, &b->cap_sal, x->nsal, sizeof(sal)))
        return HV_ERR_NOMEM;
    sal *l = &x->sals[x->nsal];
    memset(l, 0, sizeof *l);
    l->svc = (uint32_t)i;
    l->location_id = store_row_int(row, 2);
    l->has_point = (uint8_t)(!store_row_isnull(row, 3) && !store_row_isnull(row, 4));
    l->lat_e6 = (int32_t)store_row_int(row, 3);
    l->lon_e6 = (int32_t)store_row_int(row, 4);
    l->syz = (uint8_t)(store_row_int(row, 5) != 0);
    l->rs = -1;
    svc *s = &x->svcs[i];
    if (s->nsal == 0)
        s->sal_off = x->nsal;
    s->nsal++;
    if (l->syz)
        s->syz = 1;
    if (grow((void **)&b->sal_ids, &b->cap_salids, x->nsal, sizeof(int64_t)))
        return HV_ERR_NOMEM;
    b->sal_ids[x->nsal] = store_row_int(row, 0);
    x->nsal++;
    return HV_OK;
}

typedef struct sched_row {
    int64_t svc, loc, sal;
    char *body;
} sched_row;

typedef struct sched_rows {
    sched_row *v;
    uint32_t n, cap;
} sched_rows;

static hv_result
row_schedule(void *ctx, const store_row *row)
{
    sched_rows *sr = ctx;
    if (grow((void **)&sr->v, &sr->cap, sr->n, sizeof(sched_row)))
        return HV_ERR_NOMEM;
    const char *body = store_row_text(row, 3);
    sched_row *r = &sr->v[sr->n];
    r->svc = store_row_isnull(row, 0) ? 0 : store_row_int(row, 0);
    r->loc = store_row_isnull(row, 1) ? 0 : store_row_int(row, 1);
    r->sal = store_row_isnull(row, 2) ? 0 : store_row_int(row, 2);
    r->body = strdup(body ? body : "{}");
    if (!r->body)
        return HV_ERR_NOMEM;
    sr->n++;
    return HV_OK;
}

static uint64_t
fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The ruleset of the schedules whose rows are LIST (indexes into SR, -1
 * ended through NEXT), shared with any identical one seen before. */
typedef struct rs_key {
    uint64_t h;
    char *key;
    int32_t rs;
} rs_key;

typedef struct rs_table {
    rs_key *v;
    uint32_t cap; /* power of two */
    uint32_t n;
} rs_table;

static int32_t
ruleset_of(builder *b, rs_table *t, const sched_rows *sr, const int32_t *list, int nlist)
{
    dir_index *x = b->x;
    if (nlist <= 0)
        return -1;
    /* the key: the bodies without their ids and words */
    char *key = NULL;
    size_t klen = 0;
    FILE *m = open_memstream(&key, &klen);
    if (!m)
        return b->err = HV_ERR_NOMEM, -1;
    for (int i = 0; i < nlist; i++) {
        json_t *o = json_loads(sr->v[list[i]].body, 0, NULL);
        if (o) {
            json_object_del(o, "id");
            json_object_del(o, "description");
            json_object_del(o, "service_id");
            json_object_del(o, "location_id");
            json_object_del(o, "service_at_location_id");
            json_object_del(o, "notes");
            json_dumpf(o, m, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(o);
        }
        fputc('\n', m);
    }
    fclose(m);
    uint64_t h = fnv(key);
    if ((t->n + 1) * 2 > t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 1024;
        rs_key *nv = calloc(nc, sizeof *nv);
        if (!nv) {
            free(key);
            return b->err = HV_ERR_NOMEM, -1;
        }
        for (uint32_t i = 0; i < t->cap; i++)
            if (t->v[i].key) {
                uint32_t j = (uint32_t)t->v[i].h & (nc - 1);
                while (nv[j].key)
                    j = (j + 1) & (nc - 1);
                nv[j] = t->v[i];
            }
        free(t->v);
        t->v = nv;
        t->cap = nc;
    }
    uint32_t j = (uint32_t)h & (t->cap - 1);
    while (t->v[j].key) {
        if (t->v[j].h == h && strcmp(t->v[j].key, key) == 0) {
            free(key);
            return t->v[j].rs;
        }
        j = (j + 1) & (t->cap - 1);
    }
    /* a new one: parse its rules, make this week's mask */
    if (grow((void **)&x->rsets, &b->cap_rs, x->nrs, sizeof(ruleset))) {
        free(key);
        return b->err = HV_ERR_NOMEM, -1;
    }
    ruleset *rs = &x->rsets[x->nrs];
    memset(rs, 0, sizeof *rs);
    rs->off = x->nrules;
    for (int i = 0; i < nlist && rs->n < HOURS_RULES_MAX; i++) {
        json_t *o = json_loads(sr->v[list[i]].body, 0, NULL);
        if (!o)
            continue;
        if (grow((void **)&x->rules, &b->cap_rules, x->nrules, sizeof(hours_rule))) {
            json_decref(o);
            free(key);
            return b->err = HV_ERR_NOMEM, -1;
        }
        if (hours_parse(o, &x->rules[x->nrules], NULL) == HV_OK) {
            x->nrules++;
            rs->n++;
        }
        json_decref(o);
    }
    if (hours_week_mask(x->rules + rs->off, (int)rs->n, x->tz, x->first_day, &rs->week) != HV_OK) {
        memset(&rs->week, 0, sizeof rs->week);
        rs->week.first_day = HOURS_NO_DAY; /* never matches: evaluated exactly */
    }
    t->v[j].h = h;
    t->v[j].key = key;
    t->v[j].rs = (int32_t)x->nrs;
    t->n++;
    return (int32_t)x->nrs++;
}

static int
cmp_cell(const void *a, const void *b)
{
    const cell_entry *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

static uint64_t
cell_key(int64_t lat_cell, int64_t lon_cell)
{
    return ((uint64_t)(lat_cell + (1 << 20)) << 32) | (uint64_t)(lon_cell + (1 << 20));
}

static int64_t
cell_of(int64_t e6)
{
    return e6 >= 0 ? e6 / CELL_E6 : -((-e6 + CELL_E6 - 1) / CELL_E6);
}

static hv_result fts_doc_lengths(store_conn *c, dir_index *x);

/* The schedules that apply at a service-at-location: its own, else the
 * service's, else the location's (HSDS lets a schedule hang off any of
 * the three). */
static hv_result
attach_schedules(builder *b, store_conn *c)
{
    dir_index *x = b->x;
    sched_rows sr = {0};
    hv_result r = store_query(c,
                              "SELECT service_id, location_id, service_at_location_id, body "
                              "FROM dir_schedule",
                              NULL, 0, row_schedule, &sr);
    /* lists by owner */
    int64_t max_svc = x->max_id, max_sal = 0, max_loc = 0;
    for (uint32_t i = 0; r == HV_OK && i < sr.n; i++) {
        if (sr.v[i].sal > max_sal)
            max_sal = sr.v[i].sal;
        if (sr.v[i].loc > max_loc)
            max_loc = sr.v[i].loc;
    }
    int32_t *next = NULL, *h_svc = NULL, *h_sal = NULL, *h_loc = NULL;
    rs_table t = {0};
    if (r == HV_OK) {
        next = malloc(((size_t)sr.n + 1) * sizeof *next);
        h_svc = malloc(((size_t)max_svc + 1) * sizeof *h_svc);
        h_sal = malloc(((size_t)max_sal + 1) * sizeof *h_sal);
        h_loc = malloc(((size_t)max_loc + 1) * sizeof *h_loc);
        if (!next || !h_svc || !h_sal || !h_loc)
            r = HV_ERR_NOMEM;
    }
    if (r == HV_OK) {
        memset(h_svc, 0xff, ((size_t)max_svc + 1) * sizeof *h_svc);
        memset(h_sal, 0xff, ((size_t)max_sal + 1) * sizeof *h_sal);
        memset(h_loc, 0xff, ((size_t)max_loc + 1) * sizeof *h_loc);
        for (uint32_t i = sr.n; i-- > 0;) {
            int32_t *head = sr.v[i].sal   ? &h_sal[sr.v[i].sal]
                            : sr.v[i].svc ? (sr.v[i].svc <= max_svc ? &h_svc[sr.v[i].svc] : NULL)
                            : sr.v[i].loc ? &h_loc[sr.v[i].loc]
                                          : NULL;
            if (!head)
                continue;
            next[i] = *head;
            *head = (int32_t)i;
        }
    }
    int32_t list[HOURS_RULES_MAX];
    for (uint32_t i = 0; r == HV_OK && i < x->nsvc; i++) {
        svc *s = &x->svcs[i];
        int n = 0;
        for (int32_t k = h_svc[s->id]; k >= 0 && n < HOURS_RULES_MAX; k = next[k])
            list[n++] = k;
        s->rs = ruleset_of(b, &t, &sr, list, n);
    }
    for (uint32_t i = 0; r == HV_OK && b->err == HV_OK && i < x->nsal; i++) {
        sal *l = &x->sals[i];
        int n = 0;
        int64_t sid = b->sal_ids[i];
        if (sid > 0 && sid <= max_sal)
            for (int32_t k = h_sal[sid]; k >= 0 && n < HOURS_RULES_MAX; k = next[k])
                list[n++] = k;
        if (n) {
            l->rs = ruleset_of(b, &t, &sr, list, n);
            continue;
        }
        if (x->svcs[l->svc].rs >= 0) {
            l->rs = x->svcs[l->svc].rs;
            continue;
        }
        if (l->location_id > 0 && l->location_id <= max_loc)
            for (int32_t k = h_loc[l->location_id]; k >= 0 && n < HOURS_RULES_MAX; k = next[k])
                list[n++] = k;
        l->rs = ruleset_of(b, &t, &sr, list, n);
    }
    if (r == HV_OK)
        r = b->err;
    for (uint32_t i = 0; i < t.cap; i++)
        free(t.v[i].key);
    free(t.v);
    for (uint32_t i = 0; i < sr.n; i++)
        free(sr.v[i].body);
    free(sr.v);
    free(next);
    free(h_svc);
    free(h_sal);
    free(h_loc);
    return r;
}

/* ---- full text (SQLite FTS5, PostgreSQL tsvector) ---------------------------------- */
/*
 * Everything that speaks to the full-text index is in the functions below,
 * for both backends. They answer two questions: which services match one
 * word in a set of columns, and how many words each service's document
 * holds. SQLite: an FTS5 MATCH with a column filter, and FTS5's docsize
 * table. PostgreSQL (migration 5's dir_service_fts.search_vector, weights A
 * name, B organization and terms, C description): search_vector @@
 * to_tsquery('english', 'word':*) with the weights as the column filter
 * ('word':*A for the name, 'word':*B for the organization and terms), and
 * length(search_vector) (distinct lexemes) as the document's length.
 */

/* Reads the words' document lengths from FTS5's docsize table (a varint
 * per column) for BM25's length normalisation. */
static hv_result
row_docsize(void *ctx, const store_row *row)
{
    dir_index *x = ctx;
    int32_t i = slot(x, store_row_int(row, 0));
    size_t len = 0;
    const unsigned char *p = store_row_blob(row, 1, &len);
    if (i < 0 || !p)
        return HV_OK;
    uint64_t total = 0;
    size_t k = 0;
    while (k < len) {
        uint64_t v = 0;
        int shift = 0;
        while (k < len && shift < 63) {
            unsigned char ch = p[k++];
            v |= (uint64_t)(ch & 0x7f) << shift;
            shift += 7;
            if (!(ch & 0x80))
                break;
        }
        total += v;
    }
    x->svcs[i].dl = (float)total;
    return HV_OK;
}

static hv_result
row_doclen_pg(void *ctx, const store_row *row)
{
    dir_index *x = ctx;
    int32_t i = slot(x, store_row_int(row, 0));
    if (i >= 0)
        x->svcs[i].dl = (float)store_row_int(row, 1);
    return HV_OK;
}

static hv_result
fts_doc_lengths(store_conn *c, dir_index *x)
{
    if (!x->nsvc)
        return HV_OK;
    hv_result r = x->pg ? store_query(c, "SELECT rowid, length(search_vector) FROM dir_service_fts",
                                      NULL, 0, row_doclen_pg, x)
                        : store_query(c, "SELECT id, sz FROM dir_service_fts_docsize", NULL, 0,
                                      row_docsize, x);
    double sum = 0;
    for (uint32_t i = 0; i < x->nsvc; i++)
        sum += x->svcs[i].dl;
    x->avgdl = sum > 0 ? sum / x->nsvc : 1;
    return r;
}

typedef struct walk {
    const dir_index *x;
    uint64_t *bits;
    uint32_t n;
} walk;

static hv_result
row_match(void *ctx, const store_row *row)
{
    walk *w = ctx;
    int64_t id = store_row_int(row, 0);
    if (id > 0 && id <= w->x->max_id && w->x->slot_of[id] >= 0) {
        uint32_t i = (uint32_t)w->x->slot_of[id];
        w->bits[i >> 6] |= 1ull << (i & 63);
        w->n++;
    }
    return HV_OK;
}

/* The services whose COLUMNS (NULL: any) hold WORD (a quoted FTS5 word,
 * maybe with *): an unranked walk of the word's doclist, into BITS. */
static hv_result
fts_word_matches_pg(store_conn *c, const dir_index *x, const char *word, const char *columns,
                    uint64_t *bits, uint32_t *n)
{
    /* "help"* -> 'help':* (the word holds only letters, digits and bytes
     * past ASCII: nothing to escape); the column group as a weight */
    const char *a = strchr(word, '"'), *b = a ? strchr(a + 1, '"') : NULL;
    if (!a || !b)
        return HV_ERR_INVALID;
    int star = b[1] == '*';
    const char *weight = !columns ? "" : strcmp(columns, "name") == 0 ? "A" : "B";
    char q[300];
    snprintf(q, sizeof q, "'%.*s'%s%s%s", (int)(b - a - 1), a + 1, star || *weight ? ":" : "",
             star ? "*" : "", weight);
    store_val v[] = {SV_TEXTV(q)};
    walk w = {x, bits, 0};
    atomic_fetch_add(&g_walks, 1);
    /* a stop word ("the") leaves no lexeme: it constrains nothing (FTS5
     * has no stop words, so it matched there) */
    int64_t nodes = 0;
    hv_result r =
        store_query_int(c, "SELECT numnode(to_tsquery('english', dir_fold(?)))", v, 1, &nodes);
    if (r == HV_OK && nodes == 0) {
        if (!columns)
            for (uint32_t i = 0; i < x->nsvc; i++)
                bits[i >> 6] |= 1ull << (i & 63);
        *n = columns ? 0 : x->nsvc;
        return HV_OK;
    }
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT rowid FROM dir_service_fts "
                        "WHERE search_vector @@ to_tsquery('english', dir_fold(?))",
                        v, 1, row_match, &w);
    *n = w.n;
    return r;
}

static hv_result
fts_word_matches(store_conn *c, const dir_index *x, const char *word, const char *columns,
                 uint64_t *bits, uint32_t *n)
{
    if (x->pg)
        return fts_word_matches_pg(c, x, word, columns, bits, n);
    char q[300];
    if (columns)
        snprintf(q, sizeof q, "{%.40s} : %.120s", columns, word);
    else
        snprintf(q, sizeof q, "%.120s", word);
    store_val a[] = {SV_TEXTV(q)};
    walk w = {x, bits, 0};
    atomic_fetch_add(&g_walks, 1);
    hv_result r = store_query(c, "SELECT rowid FROM dir_service_fts WHERE dir_service_fts MATCH ?",
                              a, 1, row_match, &w);
    *n = w.n;
    return r;
}

/* ---- building the index ------------------------------------------------------------ */

static hv_result
row_generation(void *ctx, const store_row *row)
{
    *(int64_t *)ctx = store_row_isnull(row, 0) ? 0 : store_row_int(row, 0);
    return HV_OK;
}

static hv_result
generation_of(store_conn *c, int64_t *gen)
{
    *gen = 0;
    return store_query(c, "SELECT MAX(id) FROM dir_change", NULL, 0, row_generation, gen);
}

static hv_result
row_max(void *ctx, const store_row *row)
{
    *(int64_t *)ctx = store_row_isnull(row, 0) ? 0 : store_row_int(row, 0);
    return HV_OK;
}

static hv_result
index_build(store_conn *c, int sqlite, const char *tz, int64_t gen, int64_t first_day,
            dir_index **out)
{
    dir_index *x = calloc(1, sizeof *x);
    if (!x)
        return HV_ERR_NOMEM;
    atomic_init(&x->refs, 1);
    pthread_mutex_init(&x->cache_mu, NULL);
    x->generation = gen;
    x->first_day = first_day;
    x->pg = !sqlite;
    snprintf(x->tz, sizeof x->tz, "%s", tz);
    builder b = {.x = x};
    hv_result r = store_query(c,
                              "SELECT id, organization_id, updated_at, free, minimum_age, "
                              "maximum_age, status FROM dir_service ORDER BY id",
                              NULL, 0, row_service, &b);
    if (r == HV_OK) {
        x->slot_of = malloc(((size_t)x->max_id + 1) * sizeof *x->slot_of);
        if (!x->slot_of)
            r = HV_ERR_NOMEM;
        else {
            memset(x->slot_of, 0xff, ((size_t)x->max_id + 1) * sizeof *x->slot_of);
            for (uint32_t i = 0; i < x->nsvc; i++)
                x->slot_of[x->svcs[i].id] = (int32_t)i;
        }
    }
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT id, ROW_NUMBER() OVER (ORDER BY lower(name), id) FROM dir_service",
                        NULL, 0, row_name_order, &b);
    if (r == HV_OK)
        r = store_query(c, "SELECT service_id, code FROM dir_language ORDER BY code", NULL, 0,
                        row_language, &b);
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT service_id, term_id FROM dir_service_term "
                        "ORDER BY service_id, term_id",
                        NULL, 0, row_term, &b);
    if (r == HV_OK)
        r = store_query(c, "SELECT MAX(id) FROM dir_taxonomy_term", NULL, 0, row_max, &x->max_term);
    if (r == HV_OK) {
        x->term_tax = calloc((size_t)x->max_term + 1, sizeof *x->term_tax);
        x->term_parent = calloc((size_t)x->max_term + 1, sizeof *x->term_parent);
        if (!x->term_tax || !x->term_parent)
            r = HV_ERR_NOMEM;
    }
    if (r == HV_OK)
        r = store_query(c, "SELECT id, taxonomy_id, parent_id FROM dir_taxonomy_term", NULL, 0,
                        row_term_tax, &b);
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT sl.id, sl.service_id, l.id, l.lat_e6, l.lon_e6, l.syz "
                        "FROM dir_service_at_location sl JOIN dir_location l ON "
                        "l.id = sl.location_id ORDER BY sl.service_id, sl.id",
                        NULL, 0, row_sal, &b);
    if (r == HV_OK)
        r = attach_schedules(&b, c);
    if (r == HV_OK)
        r = fts_doc_lengths(c, x);
    /* each service's place to show without near */
    for (uint32_t i = 0; r == HV_OK && i < x->nsvc; i++) {
        svc *sv = &x->svcs[i];
        sv->first_pt = sv->nsal ? (int32_t)sv->sal_off : -1;
        for (uint32_t m = 0; m < sv->nsal; m++)
            if (x->sals[sv->sal_off + m].has_point) {
                sv->first_pt = (int32_t)(sv->sal_off + m);
                break;
            }
    }
    /* the grid */
    if (r == HV_OK && x->nsal) {
        x->cells = malloc((size_t)x->nsal * sizeof *x->cells);
        if (!x->cells)
            r = HV_ERR_NOMEM;
        for (uint32_t i = 0; r == HV_OK && i < x->nsal; i++) {
            const sal *l = &x->sals[i];
            if (l->has_point)
                x->cells[x->ncells++] =
                    (cell_entry){cell_key(cell_of(l->lat_e6), cell_of(l->lon_e6)),
                                 l->lat_e6,
                                 l->lon_e6,
                                 l->svc,
                                 i,
                                 l->rs,
                                 l->syz,
                                 (uint8_t)(x->svcs[l->svc].nsal > 1)};
        }
        if (r == HV_OK)
            qsort(x->cells, x->ncells, sizeof *x->cells, cmp_cell);
    }
    free(b.sal_ids);
    if (r != HV_OK) {
        index_free(x);
        return r;
    }
    *out = x;
    return HV_OK;
}

/* ---- the query's words ------------------------------------------------------------- */

int
dir_search_fts_query(const char *text, const char *columns, char *out, size_t outsz)
{
    char words[DIR_SEARCH_MAX_WORDS][64];
    int n = 0;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p && n < DIR_SEARCH_MAX_WORDS) {
        /* a word: letters and digits (any byte past ASCII is part of one) */
        while (*p && !(*p >= 0x80 || (*p >= '0' && *p <= '9') ||
                       ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
            p++;
        size_t k = 0;
        while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
                      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))) {
            if (k < sizeof words[0] - 1)
                words[n][k++] = (char)*p;
            p++;
        }
        /* never cut a UTF-8 sequence in two */
        while (k > 0 && ((unsigned char)words[n][k - 1] & 0xc0) == 0x80 && k == sizeof words[0] - 1)
            k--;
        while (k > 0 && ((unsigned char)words[n][k - 1] & 0xc0) == 0xc0)
            k--;
        words[n][k] = 0;
        if (k)
            n++;
    }
    size_t l = 0;
    out[0] = 0;
    if (columns && n)
        l += (size_t)snprintf(out + l, l < outsz ? outsz - l : 0, "{%s} : (", columns);
    for (int i = 0; i < n; i++)
        l += (size_t)snprintf(out + l, l < outsz ? outsz - l : 0, "%s\"%s\"%s", i ? " " : "",
                              words[i], i == n - 1 ? "*" : "");
    if (columns && n)
        l += (size_t)snprintf(out + l, l < outsz ? outsz - l : 0, ")");
    if (l >= outsz)
        return 0;
    return n;
}

/* The match sets of one word ("help" or "help"*), from the cache or one
 * walk per column group. The caller holds x->cache_mu for as long as it
 * uses the entry (an entry is only evicted under that lock). */
static const char *const col_groups[COLS] = {NULL, "name", "organization terms"};

static hv_result
word_sets(store_conn *c, dir_index *x, const char *word, term_set **out)
{
    term_set *t = NULL, *lru = &x->tcache[0];
    for (int i = 0; i < TERM_CACHE; i++) {
        if (x->tcache[i].bits[0] && strcmp(x->tcache[i].word, word) == 0) {
            t = &x->tcache[i];
            break;
        }
        if (x->tcache[i].used < lru->used)
            lru = &x->tcache[i];
    }
    if (t) {
        t->used = ++x->tick;
        *out = t;
        return HV_OK;
    }
    t = lru;
    size_t words = ((size_t)x->nsvc + 63) / 64 + 1;
    for (int k = 0; k < COLS; k++) {
        if (!t->bits[k] && !(t->bits[k] = malloc(words * sizeof(uint64_t))))
            return HV_ERR_NOMEM;
        memset(t->bits[k], 0, words * sizeof(uint64_t));
    }
    t->word[0] = 0;
    hv_result r = HV_OK;
    for (int k = 0; r == HV_OK && k < COLS; k++) {
        uint32_t n = 0;
        r = fts_word_matches(c, x, word, col_groups[k], t->bits[k], &n);
        if (k == 0)
            t->n = n;
    }
    if (r != HV_OK)
        return r;
    snprintf(t->word, sizeof t->word, "%.120s", word);
    t->used = ++x->tick;
    *out = t;
    return HV_OK;
}

/* ---- running a query --------------------------------------------------------------- */

typedef struct qctx {
    const dir_index *x;
    const dir_query *q;
    uint64_t lang_bit; /* 0 with a language no service has */
    int want_lang;
    int mask_ok; /* the instant is in the masks' week */
    int slot;
    int64_t at;
    term_set *w[DIR_SEARCH_MAX_WORDS];
    double idf[DIR_SEARCH_MAX_WORDS]; /* each word's, once a query */
    int nw;
} qctx;

static int
test_bit(const uint64_t *b, uint32_t i)
{
    return (int)((b[i >> 6] >> (i & 63)) & 1);
}

/* Whether term T is WANT or one of its descendants (a filter on a parent
 * term finds the services tagged with its narrower terms). */
static int
term_under(const dir_index *x, int64_t t, int64_t want)
{
    for (int depth = 0; t > 0 && depth < 32; depth++) {
        if (t == want)
            return 1;
        t = t <= x->max_term ? x->term_parent[t] : 0;
    }
    return 0;
}

static int
svc_passes(const qctx *k, uint32_t i)
{
    const svc *s = &k->x->svcs[i];
    const dir_query *q = k->q;
    if (!s->active)
        return 0;
    if (q->age >= 0) {
        if (s->min_age != NO_AGE && q->age < s->min_age)
            return 0;
        if (s->max_age != NO_AGE && q->age > s->max_age)
            return 0;
    }
    if (k->want_lang && !(s->langs & k->lang_bit))
        return 0;
    if (q->free_only && !s->free)
        return 0;
    if (q->organization_id && s->org_id != q->organization_id)
        return 0;
    if (q->modified_after_ms && s->updated_at <= q->modified_after_ms)
        return 0;
    const int64_t *t = k->x->terms + s->term_off;
    for (int j = 0; j < q->nterms; j++) {
        int found = 0;
        for (uint32_t m = 0; m < s->nterm && !found; m++)
            found = term_under(k->x, t[m], q->terms[j]);
        if (!found)
            return 0;
    }
    if (q->taxonomy_id) {
        int found = 0;
        for (uint32_t m = 0; m < s->nterm && !found; m++)
            found = t[m] > 0 && t[m] <= k->x->max_term && k->x->term_tax[t[m]] == q->taxonomy_id;
        if (!found)
            return 0;
    }
    for (int j = 0; j < k->nw; j++)
        if (!test_bit(k->w[j]->bits[0], i))
            return 0;
    return 1;
}

/* Open at the query's instant under ruleset RS (-1: never). */
static int
rs_open(const qctx *k, int32_t rs, int64_t at)
{
    if (rs < 0)
        return 0;
    const ruleset *r = &k->x->rsets[rs];
    if (k->mask_ok && at == k->at && r->week.first_day == k->x->first_day) {
        if (!hours_week_test(&r->week, k->slot))
            return 0;
        if (r->week.exact)
            return 1;
    }
    hours_state st;
    if (hours_open_at(k->x->rules + r->off, (int)r->n, k->x->tz, at, &st) != HV_OK)
        return 0;
    return st.open;
}

static double
score_of(const qctx *k, uint32_t i)
{
    const dir_index *x = k->x;
    double score = 0;
    double dl = x->svcs[i].dl > 0 ? x->svcs[i].dl : x->avgdl;
    const double k1 = 1.2, b = 0.75;
    double norm = k1 * (1 - b + b * dl / x->avgdl);
    for (int j = 0; j < k->nw; j++) {
        const term_set *t = k->w[j];
        int in_name = test_bit(t->bits[1], i), in_other = test_bit(t->bits[2], i);
        double tf = 10.0 * in_name + 3.0 * in_other + (in_name || in_other ? 0 : 1.0);
        score += k->idf[j] * tf * (k1 + 1) / (tf + norm);
    }
    return score;
}

static int
cmp_cand(const cand *a, const cand *b, int text, int near)
{
    if (text && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (near && a->dist != b->dist)
        return a->dist < b->dist ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return 0;
}

typedef struct cvec {
    cand *v;
    uint32_t n, cap;
} cvec; /* borrowed from the index (x->cv) for the query, under cache_mu */

static int
push(cvec *c, cand x)
{
    if (grow((void **)&c->v, &c->cap, c->n, sizeof(cand)))
        return -1;
    c->v[c->n++] = x;
    return 0;
}

/* qsort_r's argument: bit 0 text, bit 1 near */
static int
cmp_cand_q(const void *a, const void *b, void *how)
{
    int h = *(const int *)how;
    return cmp_cand(a, b, h & 1, (h >> 1) & 1);
}

/* Keeps the best K of V (in place, sorted): a bounded selection so a
 * common word's 100,000 hits cost no full sort. */
static void
top_k(cand *v, uint32_t n, uint32_t k, int text, int near)
{
    if (k >= n || n <= 4096) {
        int how = text | near << 1;
        qsort_r(v, n, sizeof *v, cmp_cand_q, &how);
        return;
    }
    /* a max-heap of the best K at the front of V (the worst on top) */
    for (uint32_t i = 0; i < n; i++) {
        cand c = v[i];
        uint32_t m;
        if (i < k) {
            m = i;
            while (m > 0 && cmp_cand(&v[(m - 1) / 2], &c, text, near) < 0) {
                v[m] = v[(m - 1) / 2];
                m = (m - 1) / 2;
            }
            v[m] = c;
            continue;
        }
        if (cmp_cand(&c, &v[0], text, near) >= 0)
            continue;
        m = 0;
        for (;;) {
            uint32_t l = 2 * m + 1, r = l + 1, big = m;
            const cand *bigc = &c;
            if (l < k && cmp_cand(&v[l], bigc, text, near) > 0) {
                big = l;
                bigc = &v[l];
            }
            if (r < k && cmp_cand(&v[r], bigc, text, near) > 0)
                big = r;
            if (big == m)
                break;
            v[m] = v[big];
            m = big;
        }
        v[m] = c;
    }
    int how = text | near << 1;
    qsort_r(v, k, sizeof *v, cmp_cand_q, &how);
}

/* The index for now: the current one, or a new one when the directory
 * changed or the week turned. */
static hv_result
index_get(store *st, store_conn *c, const char *tz, dir_index **out)
{
    int64_t gen = 0, first_day = 0;
    int slot_now;
    hv_result r = generation_of(c, &gen);
    if (r != HV_OK)
        return r;
    if (hours_slot(tz, clock_now_ms(), &first_day, &slot_now) != HV_OK)
        first_day = 0;
    pthread_mutex_lock(&g_mu);
    /* no index yet and one being built (the warm-up at start): wait for it
     * rather than build a second one beside it */
    while (!g_idx && g_building)
        pthread_cond_wait(&g_built, &g_mu);
    dir_index *x = g_idx;
    if (x && x->generation == gen && x->first_day == first_day && strcmp(x->tz, tz) == 0) {
        atomic_fetch_add(&x->refs, 1);
        pthread_mutex_unlock(&g_mu);
        *out = x;
        return HV_OK;
    }
    if (x && g_building) {
        /* another thread is building the new one: answer from this one */
        atomic_fetch_add(&x->refs, 1);
        pthread_mutex_unlock(&g_mu);
        *out = x;
        return HV_OK;
    }
    g_building = 1;
    pthread_mutex_unlock(&g_mu);
    int64_t t0 = clock_mono_ms();
    dir_index *nx = NULL;
    r = index_build(c, strcmp(store_backend(st), "sqlite") == 0, tz, gen, first_day, &nx);
    pthread_mutex_lock(&g_mu);
    g_building = 0;
    pthread_cond_broadcast(&g_built);
    if (r != HV_OK) {
        pthread_mutex_unlock(&g_mu);
        return r;
    }
    atomic_fetch_add(&g_builds, 1);
    dir_index *old = g_idx;
    g_idx = nx;
    atomic_fetch_add(&nx->refs, 1); /* the caller's */
    pthread_mutex_unlock(&g_mu);
    index_release(old);
    log_event(LOG_INFO, "directory index built",
              json_pack("{s:I, s:I, s:I, s:I, s:I}", "generation", (json_int_t)gen, "services",
                        (json_int_t)nx->nsvc, "locations", (json_int_t)nx->nsal, "schedule_sets",
                        (json_int_t)nx->nrs, "ms", (json_int_t)(clock_mono_ms() - t0)));
    *out = nx;
    return HV_OK;
}

static void
fill_point(const dir_index *x, dir_hit *h, int32_t salix)
{
    if (salix >= 0 && x->sals[salix].has_point) {
        h->lat = x->sals[salix].lat_e6 / 1e6;
        h->lon = x->sals[salix].lon_e6 / 1e6;
        h->has_point = 1;
        h->location_id = x->sals[salix].location_id;
    } else if (salix >= 0) {
        h->location_id = x->sals[salix].location_id;
    }
}

static hv_result
run(store_conn *c, dir_index *x, const dir_query *q, dir_result *out, hv_err *e)
{
    qctx k = {.x = x, .q = q};
    (void)e;
    /* the language */
    if (q->language && *q->language) {
        k.want_lang = 1;
        for (int i = 0; i < x->nlang; i++)
            if (strcmp(x->lang_codes[i], q->language) == 0)
                k.lang_bit = 1ull << i;
    }
    /* the instant */
    k.at = q->has_open_at ? q->open_at_ms : clock_now_ms();
    int64_t fd = 0;
    if (hours_slot(x->tz, k.at, &fd, &k.slot) == HV_OK && fd == x->first_day)
        k.mask_ok = 1;
    /* the words: their sets, under the cache lock for the whole query */
    char fq[700];
    pthread_mutex_lock(&x->cache_mu);
    hv_result r = HV_OK;
    if (q->text && dir_search_fts_query(q->text, NULL, fq, sizeof fq) > 0) {
        /* one set per word */
        char one[DIR_SEARCH_MAX_WORDS][80];
        int nw = 0;
        const char *p = fq;
        while (*p && nw < DIR_SEARCH_MAX_WORDS) {
            const char *a = strchr(p, '"');
            if (!a)
                break;
            const char *b = strchr(a + 1, '"');
            if (!b)
                break;
            int star = b[1] == '*';
            snprintf(one[nw], sizeof one[nw], "%.*s%s", (int)(b - a + 1), a, star ? "*" : "");
            nw++;
            p = b + 1 + star;
        }
        for (int i = 0; r == HV_OK && i < nw; i++)
            r = word_sets(c, (dir_index *)x, one[i], &k.w[k.nw++]);
        for (int j = 0; r == HV_OK && j < k.nw; j++) {
            double N = x->nsvc, n = k.w[j]->n;
            k.idf[j] = log((N - n + 0.5) / (n + 0.5));
            if (k.idf[j] <= 0)
                k.idf[j] = 1e-6;
        }
    }
    cvec cv = {x->cv, 0, x->cv_cap};
    int text = k.nw > 0, near = q->has_near;
    if (r == HV_OK && near) {
        geo_box box;
        double km = geo_km_from_mi(q->radius_mi);
        if (geo_box_around(q->near, km, &box) != HV_OK)
            r = HV_ERR_INVALID;
        int64_t la0 = cell_of((int64_t)floor(box.min_lat * 1e6)),
                la1 = cell_of((int64_t)ceil(box.max_lat * 1e6));
        int64_t lo0 = cell_of((int64_t)floor(box.min_lon * 1e6)),
                lo1 = cell_of((int64_t)ceil(box.max_lon * 1e6));
        if (box.wraps) {
            lo0 = cell_of(-180000000);
            lo1 = cell_of(180000000);
        }
        int64_t blat0 = (int64_t)floor(box.min_lat * 1e6), blat1 = (int64_t)ceil(box.max_lat * 1e6);
        int64_t blon0 = (int64_t)floor(box.min_lon * 1e6), blon1 = (int64_t)ceil(box.max_lon * 1e6);
        /* miles a degree on haven's sphere; the flat distance is within
         * 2% of the great circle for radii up to 100 miles below 60 degrees
         * of latitude, so it only sorts out the points clearly inside or
         * outside: those within 5% of the edge are measured exactly */
        const double deg_mi = GEO_EARTH_RADIUS_KM / GEO_KM_PER_MILE * M_PI / 180.0;
        double coslat = cos(q->near.lat * M_PI / 180.0);
        double r_in2 = pow(q->radius_mi * 0.95, 2), r_out2 = pow(q->radius_mi * 1.05, 2);
        if (fabs(q->near.lat) > 60) /* far north or south: always the great circle */
            r_in2 = 0, r_out2 = INFINITY;
        /* services with several places count once: seen[] (valid where
         * seen_at[] is this query's epoch) says where their candidate is */
        if (r == HV_OK && !x->seen) {
            x->seen = malloc(((size_t)x->nsvc + 1) * sizeof *x->seen);
            x->seen_at = calloc((size_t)x->nsvc + 1, sizeof *x->seen_at);
            if (!x->seen || !x->seen_at)
                r = HV_ERR_NOMEM;
        }
        uint32_t epoch = r == HV_OK ? ++x->epoch : 1;
        if (r == HV_OK && epoch == 0) { /* wrapped: start the stamps again */
            memset(x->seen_at, 0, ((size_t)x->nsvc + 1) * sizeof *x->seen_at);
            epoch = x->epoch = 1;
        }
        for (int64_t la = la0; r == HV_OK && la <= la1; la++) {
            uint64_t kmin = cell_key(la, lo0), kmax = cell_key(la, lo1);
            uint32_t lo = 0, hi = x->ncells;
            while (lo < hi) {
                uint32_t mid = (lo + hi) / 2;
                if (x->cells[mid].key < kmin)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (uint32_t ci = lo; ci < x->ncells && x->cells[ci].key <= kmax; ci++) {
                const cell_entry *l = &x->cells[ci];
                /* cheapest first: the box in integers, the Safe Youth Zone
                 * flag, the words' bits, the distance, the week mask; the
                 * service's own filters (another cache line) last */
                if (l->lat_e6 < blat0 || l->lat_e6 > blat1 ||
                    (!box.wraps && (l->lon_e6 < blon0 || l->lon_e6 > blon1)))
                    continue;
                if (q->syz_only && !l->syz)
                    continue;
                int words_ok = 1;
                for (int j = 0; j < k.nw && words_ok; j++)
                    words_ok = test_bit(k.w[j]->bits[0], l->svc);
                if (!words_ok)
                    continue;
                /* a flat-earth distance first; the great circle near the edge */
                double dy = (l->lat_e6 / 1e6 - q->near.lat) * deg_mi;
                double dx = (l->lon_e6 / 1e6 - q->near.lon) * deg_mi * coslat;
                double d2 = dx * dx + dy * dy;
                if (!box.wraps && d2 > r_out2)
                    continue;
                geo_point pt = {l->lat_e6 / 1e6, l->lon_e6 / 1e6};
                double d = -1;
                if (box.wraps || d2 >= r_in2) { /* near the edge: measure */
                    d = geo_distance_mi(q->near, pt);
                    if (d > q->radius_mi)
                        continue;
                }
                int open = -1;
                if (q->has_open_at) {
                    if (!rs_open(&k, l->rs, k.at))
                        continue;
                    open = 1;
                }
                if (!svc_passes(&k, l->svc))
                    continue;
                if (d < 0) /* survivors get the exact distance */
                    d = geo_distance_mi(q->near, pt);
                /* one per service: its nearest location that passed */
                if (l->multi) {
                    if (x->seen_at[l->svc] == epoch) {
                        cand *prev = &cv.v[x->seen[l->svc]];
                        if (d < prev->dist) {
                            prev->dist = d;
                            prev->sal = (int32_t)l->sal;
                        }
                        continue;
                    }
                    x->seen_at[l->svc] = epoch;
                    x->seen[l->svc] = cv.n;
                }
                if (push(&cv, (cand){l->svc, (int32_t)l->sal, d, text ? score_of(&k, l->svc) : 0,
                                     x->svcs[l->svc].name_rank, open})) {
                    r = HV_ERR_NOMEM;
                    break;
                }
            }
        }
    } else if (r == HV_OK) {
        /* every service, or with words only those that hold them all */
        size_t nwords = ((size_t)x->nsvc + 63) / 64;
        for (size_t wi = 0; r == HV_OK && wi < nwords; wi++) {
            uint64_t m = ~0ull;
            for (int j = 0; j < k.nw; j++)
                m &= k.w[j]->bits[0][wi];
            if (wi == nwords - 1 && x->nsvc % 64)
                m &= (1ull << (x->nsvc % 64)) - 1;
            while (m) {
                uint32_t i = (uint32_t)(wi * 64 + (size_t)__builtin_ctzll(m));
                m &= m - 1;
                if (!svc_passes(&k, i))
                    continue;
                const svc *s = &x->svcs[i];
                int32_t best = -1;
                int open = -1;
                if (q->syz_only || q->has_open_at) {
                    for (uint32_t m2 = 0; m2 < s->nsal; m2++) {
                        const sal *l = &x->sals[s->sal_off + m2];
                        if (q->syz_only && !l->syz)
                            continue;
                        if (q->has_open_at && !rs_open(&k, l->rs, k.at))
                            continue;
                        best = (int32_t)(s->sal_off + m2);
                        break;
                    }
                    if (best < 0 && !(s->nsal == 0 && !q->syz_only && rs_open(&k, s->rs, k.at)))
                        continue;
                    if (q->has_open_at)
                        open = 1;
                } else {
                    best = s->first_pt;
                }
                /* relevance now, while the service is in the cache */
                if (push(&cv,
                         (cand){i, best, -1, text ? score_of(&k, i) : 0, s->name_rank, open})) {
                    r = HV_ERR_NOMEM;
                    break;
                }
            }
        }
    }
    /* the page */
    if (r == HV_OK) {
        out->total = cv.n;
        out->generation = x->generation;
    }
    uint64_t from = (uint64_t)(q->page - 1) * (uint64_t)q->per_page;
    uint64_t want = from + (uint64_t)q->per_page;
    if (r == HV_OK && from < cv.n) {
        top_k(cv.v, cv.n, (uint32_t)(want < cv.n ? want : cv.n), text, near);
        uint32_t n = (uint32_t)((want < cv.n ? want : cv.n) - from);
        out->hits = calloc(n, sizeof *out->hits);
        if (!out->hits)
            r = HV_ERR_NOMEM;
        for (uint32_t i = 0; r == HV_OK && i < n; i++) {
            const cand *cd = &cv.v[from + i];
            dir_hit *h = &out->hits[i];
            h->service_id = x->svcs[cd->svc].id;
            h->distance_mi = near ? cd->dist : -1;
            h->score = cd->score;
            fill_point(x, h, cd->sal);
            /* the page's hours, exactly: open, and when that changes */
            int32_t rs = cd->sal >= 0 ? x->sals[cd->sal].rs : x->svcs[cd->svc].rs;
            h->next_open = h->next_close = HOURS_NEVER;
            hours_state hs;
            if (rs >= 0 && x->rsets[rs].n > 0 &&
                hours_open_at(x->rules + x->rsets[rs].off, (int)x->rsets[rs].n, x->tz, k.at, &hs) ==
                    HV_OK) {
                h->has_hours = 1;
                h->open = hs.open;
                h->next_open = hs.next_open;
                h->next_close = hs.next_close;
            }
        }
        if (r == HV_OK)
            out->n = (int)n;
    }
    /* the candidates' array stays with the index for the next query */
    x->cv = cv.v;
    x->cv_cap = cv.cap;
    pthread_mutex_unlock(&x->cache_mu);
    return r;
}

hv_result
dir_search_run(store *st, const char *default_tz, const dir_query *q, dir_result *out, hv_err *e)
{
    memset(out, 0, sizeof *out);
    if (q->page < 1)
        return hv_fail(e, HV_ERR_INVALID, "page", "must be 1 or more");
    if (q->per_page < 1 || q->per_page > DIR_SEARCH_MAX_PER_PAGE)
        return hv_fail(e, HV_ERR_INVALID, "per_page", "must be from 1 to %d",
                       DIR_SEARCH_MAX_PER_PAGE);
    if (q->has_near && !(q->radius_mi > 0 && q->radius_mi <= DIR_SEARCH_MAX_RADIUS))
        return hv_fail(e, HV_ERR_INVALID, "radius_mi", "must be more than 0 and at most %g",
                       DIR_SEARCH_MAX_RADIUS);
    if (q->nterms < 0 || q->nterms > DIR_SEARCH_MAX_TERMS)
        return hv_fail(e, HV_ERR_INVALID, "taxonomy_term_id", "at most %d terms",
                       DIR_SEARCH_MAX_TERMS);
    atomic_fetch_add(&g_searches, 1);
    store_conn *c;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    dir_index *x = NULL;
    r = index_get(st, c, default_tz && *default_tz ? default_tz : "UTC", &x);
    if (r == HV_OK)
        r = run(c, x, q, out, e);
    store_release(c);
    index_release(x);
    if (r != HV_OK)
        dir_result_free(out);
    return r;
}

void
dir_result_free(dir_result *r)
{
    free(r->hits);
    r->hits = NULL;
    r->n = 0;
}

void
dir_search_reset(void)
{
    pthread_mutex_lock(&g_mu);
    dir_index *x = g_idx;
    g_idx = NULL;
    pthread_mutex_unlock(&g_mu);
    index_release(x);
}

/* ---- warming at start ---------------------------------------------------------------- */

static pthread_t g_warm;
static int g_warming;
static store *g_warm_store;
static char g_warm_tz[64];

static void *
warm_main(void *arg)
{
    (void)arg;
    store_conn *c;
    if (store_read(g_warm_store, &c) != HV_OK)
        return NULL;
    dir_index *x = NULL;
    if (index_get(g_warm_store, c, g_warm_tz, &x) == HV_OK)
        index_release(x);
    store_release(c);
    return NULL;
}

hv_result
dir_search_warm(store *st, const char *default_tz)
{
    if (g_warming)
        return HV_OK;
    g_warm_store = st;
    snprintf(g_warm_tz, sizeof g_warm_tz, "%s", default_tz && *default_tz ? default_tz : "UTC");
    if (pthread_create(&g_warm, NULL, warm_main, NULL) != 0)
        return HV_ERR_NOMEM;
    g_warming = 1;
    return HV_OK;
}

void
dir_search_stop(void)
{
    if (g_warming) {
        pthread_join(g_warm, NULL);
        g_warming = 0;
    }
    dir_search_reset();
}

void
dir_search_get_stats(dir_search_stats *s)
{
    s->searches = atomic_load(&g_searches);
    s->builds = atomic_load(&g_builds);
    s->term_walks = atomic_load(&g_walks);
    pthread_mutex_lock(&g_mu);
    s->services = g_idx ? g_idx->nsvc : 0;
    pthread_mutex_unlock(&g_mu);
}
