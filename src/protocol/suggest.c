/*
 * suggest.c - the known youth in memory and suggestions at intake (see
 * suggest.h, docs/linkage.md "In haven").
 *
 * Two record sets: MAIN, every youth at start, indexed by the engine's
 * blocking rules and deduplicated once (which also estimates the model by
 * EM); RECENT, the youth written since, compared one by one with
 * lk_match_scan (a few thousand at most between starts). A youth edited
 * since start is marked stale in MAIN and found in RECENT. A small database
 * is padded with synthetic records (never shown) so the model and the name
 * frequencies are estimated on enough records.
 */
#include "protocol/suggest.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "linkage/synth.h"
#include "protocol/person.h"

#define PAD_TO     20000 /* records the model is estimated on, at least */
#define PAD_SEED   7     /* the padding is always the same */
#define RECENT_MAX 200000

typedef struct recset {
    lk_data *d;
    int64_t *ids;   /* youth id per record; 0: synthetic padding */
    int64_t *upd;   /* updated_at per record */
    uint8_t *stale; /* 1: a newer version is in RECENT */
    size_t n, cap;
} recset;

static struct {
    pthread_rwlock_t lock; /* MAIN, RECENT, the model */
    pthread_mutex_t sync;  /* one suggest_sync at a time */
    store *st;
    const crypt_keys *keys;
    recset main, recent;
    lk_result res;
    int have_res;
    int64_t max_id, max_upd; /* the newest youth seen */
    pthread_t warm;
    int warming;
    atomic_int ready;
    atomic_int stopping; /* suggest_stop: the warm-up gives up */
} S = {.lock = PTHREAD_RWLOCK_INITIALIZER, .sync = PTHREAD_MUTEX_INITIALIZER};

/* ---- records ------------------------------------------------------------------------ */

static int
as_of_year(void)
{
    char iso[40];
    clock_format_iso(clock_now_ms(), iso, sizeof iso);
    return (int)strtol(iso, NULL, 10); /* "YYYY-..." */
}

/* The engine's gender codes for the intake's choices. */
static const char *
lk_gender(const char *g)
{
    if (!g)
        return NULL;
    if (strcmp(g, "female") == 0 || strcmp(g, "transgender_female") == 0)
        return "F";
    if (strcmp(g, "male") == 0 || strcmp(g, "transgender_male") == 0)
        return "M";
    if (strcmp(g, "nonbinary") == 0)
        return "another";
    return NULL;
}

static hv_result
recset_grow(recset *s)
{
    if (s->n < s->cap)
        return HV_OK;
    size_t cap = s->cap ? s->cap * 2 : 1024;
    int64_t *ids = realloc(s->ids, cap * sizeof *ids);
    if (ids)
        s->ids = ids;
    int64_t *upd = realloc(s->upd, cap * sizeof *upd);
    if (upd)
        s->upd = upd;
    uint8_t *st = realloc(s->stale, cap);
    if (st)
        s->stale = st;
    if (!ids || !upd || !st)
        return HV_ERR_NOMEM;
    s->cap = cap;
    return HV_OK;
}

static void
recset_free(recset *s)
{
    lk_data_free(s->d);
    free(s->ids);
    free(s->upd);
    free(s->stale);
    memset(s, 0, sizeof *s);
}

static hv_result
recset_add(recset *s, int64_t id, int64_t upd, const lk_input *in)
{
    hv_err e = {0};
    hv_result r = recset_grow(s);
    if (r == HV_OK)
        r = lk_data_add(s->d, in, &e);
    if (r != HV_OK)
        return r;
    s->ids[s->n] = id;
    s->upd[s->n] = upd;
    s->stale[s->n] = 0;
    s->n++;
    return HV_OK;
}

/* Decrypts column COL of ROW (field "youth.NAME") into a malloc'd string. */
static char *
open_col(const store_row *row, int col, const char *context)
{
    size_t len;
    const void *ct = store_row_blob(row, col, &len);
    uint8_t *pt = NULL;
    size_t ptlen;
    if (!ct || !S.keys || crypt_decrypt(S.keys, context, ct, len, &pt, &ptlen) != HV_OK)
        return NULL;
    return (char *)pt;
}

static void
close_col(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

#define YOUTH_SELECT                                                                               \
    "SELECT id, first_name, last_name, aliases, dob, estimated_age, gender, created_at, "          \
    "updated_at FROM youth "

typedef struct load_ctx {
    recset *into;
    int edits; /* rows may be new versions of records already held */
    hv_result r;
} load_ctx;

/* Marks youth ID stale in S (by binary search in MAIN, which is in id
 * order; by a scan of RECENT, which is small). */
static void
mark_stale(int64_t id)
{
    size_t lo = 0, hi = S.main.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t v = S.main.ids[mid];
        if (v == 0 || v > id) /* padding sorts last */
            hi = mid;
        else if (v < id)
            lo = mid + 1;
        else {
            S.main.stale[mid] = 1;
            break;
        }
    }
    for (size_t i = 0; i < S.recent.n; i++)
        if (S.recent.ids[i] == id)
            S.recent.stale[i] = 1;
}

static hv_result
load_row(void *vctx, const store_row *row)
{
    load_ctx *x = vctx;
    if (atomic_load(&S.stopping))
        return HV_ERR_UNAVAILABLE;
    int64_t id = store_row_int(row, 0), upd = store_row_int(row, 8);
    char *first = open_col(row, 1, "youth.first_name");
    char *last = open_col(row, 2, "youth.last_name");
    char *aliases = open_col(row, 3, "youth.aliases");
    char *dob = open_col(row, 4, "youth.dob");
    char age[12] = "", date[40];
    if (!store_row_isnull(row, 5))
        snprintf(age, sizeof age, "%lld", (long long)store_row_int(row, 5));
    clock_format_iso(store_row_int(row, 7), date, sizeof date);
    date[10] = '\0';
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    lk_input in = {.id = idtxt,
                   .first = first,
                   .last = last,
                   .aliases = aliases,
                   .dob = dob,
                   .age = age[0] ? age : NULL,
                   .date = date,
                   .gender = lk_gender(store_row_text(row, 6))};
    if (x->edits)
        mark_stale(id);
    x->r = recset_add(x->into, id, upd, &in);
    close_col(first), close_col(last), close_col(aliases), close_col(dob);
    if (id > S.max_id)
        S.max_id = id;
    if (upd > S.max_upd)
        S.max_upd = upd;
    return x->r;
}

static int
pad_row(const synth_row *row, void *ctx)
{
    load_ctx *x = ctx;
    lk_input in = {.id = row->id,
                   .first = row->first,
                   .last = row->last,
                   .aliases = row->aliases,
                   .dob = row->dob,
                   .age = row->age,
                   .date = row->date,
                   .gender = row->gender};
    x->r = recset_add(x->into, 0, 0, &in);
    return x->r != HV_OK;
}

/* ---- the warm-up ---------------------------------------------------------------------- */

/* Synthetic records for the model when the youth show too few duplicates. */
static int
synth_add(const synth_row *row, void *ctx)
{
    hv_err e = {0};
    lk_input in = {.id = row->id,
                   .first = row->first,
                   .last = row->last,
                   .aliases = row->aliases,
                   .dob = row->dob,
                   .age = row->age,
                   .date = row->date,
                   .gender = row->gender};
    return lk_data_add(ctx, &in, &e) != HV_OK;
}

/*
 * The model suggestions use. The prior: a youth at intake has been met
 * before with probability SUGGEST_REPEAT (the fact sheet's 131 recoveries of
 * 112 individuals), spread over the N records indexed, rather than the
 * share of matching pairs EM finds among the records themselves (which
 * answers another question: how many duplicates the table holds). And m:
 * where EM found matches for fewer than 1 % of the records (a table whose
 * repeats were attached to the known youth at intake holds few duplicate
 * records to learn from), m comes from EM over the synthetic generator's
 * hard profile instead; u stays the real records' own.
 */
static hv_result
suggest_model(lk_model *model, const lk_data *d)
{
    double n = (double)lk_data_count(d);
    double expected = model->lambda * n * (n - 1) / 2;
    if (expected < 0.01 * n) {
        lk_data *sd = lk_data_new(as_of_year());
        lk_result sr;
        hv_err e = {0};
        hv_result r = sd ? HV_OK : HV_ERR_NOMEM;
        if (r == HV_OK)
            r = synth_generate(PAD_TO * 2, SYNTH_HARD, PAD_SEED + 1, synth_add, sd);
        lk_options o;
        lk_options_default(&o);
        o.threads = 2;
        if (r == HV_OK && (r = lk_dedupe(sd, &o, &sr, &e)) == HV_OK) {
            memcpy(model->m, sr.model.m, sizeof model->m);
            lk_result_free(&sr);
        }
        lk_data_free(sd);
        if (r != HV_OK)
            return r;
        log_event(LOG_INFO, "youth index: m from the synthetic profile",
                  json_pack("{s:f}", "expected_matches", expected));
    }
    model->lambda = n > 1 ? SUGGEST_REPEAT / n : 0.5;
    /* recompute the weights from m, u and the prior (no labelled pairs) */
    return lk_model_refine(model, d, NULL, NULL, 0, 100.0);
}

static void *
warm_main(void *arg)
{
    (void)arg;
    int64_t t0 = clock_mono_ms();
    recset m = {0};
    lk_result res;
    int have = 0;
    hv_err e = {0};
    m.d = lk_data_new(as_of_year());
    hv_result r = m.d ? HV_OK : HV_ERR_NOMEM;
    store_conn *c = NULL;
    int64_t youth = 0;
    /* the newest youth seen is read under the lock: syncs wait for the warm-up */
    pthread_mutex_lock(&S.sync);
    if (r == HV_OK && (r = store_read(S.st, &c)) == HV_OK) {
        load_ctx x = {.into = &m};
        r = store_query(c, YOUTH_SELECT "ORDER BY id", NULL, 0, load_row, &x);
        store_release(c);
        youth = (int64_t)m.n;
    }
    if (r == HV_OK && m.n < PAD_TO) {
        load_ctx x = {.into = &m};
        r = synth_generate(PAD_TO - m.n, SYNTH_HARD, PAD_SEED, pad_row, &x);
    }
    if (r == HV_OK && atomic_load(&S.stopping))
        r = HV_ERR_UNAVAILABLE;
    if (r == HV_OK) {
        lk_options o;
        lk_options_default(&o);
        o.threads = 2;
        o.auto_p = SUGGEST_AUTO_P;
        o.review_p = SUGGEST_REVIEW_P;
        r = lk_dedupe(m.d, &o, &res, &e);
        have = r == HV_OK;
    }
    if (r == HV_OK)
        r = suggest_model(&res.model, m.d);
    recset rc = {.d = r == HV_OK ? lk_data_new(as_of_year()) : NULL};
    if (r == HV_OK && !rc.d)
        r = HV_ERR_NOMEM;
    if (r == HV_OK) {
        pthread_rwlock_wrlock(&S.lock);
        S.main = m;
        S.recent = rc;
        S.res = res;
        S.have_res = have;
        pthread_rwlock_unlock(&S.lock);
        atomic_store(&S.ready, 1);
    }
    pthread_mutex_unlock(&S.sync);
    if (r != HV_OK) {
        if (have)
            lk_result_free(&res);
        recset_free(&m);
        recset_free(&rc);
        if (!atomic_load(&S.stopping))
            log_event(LOG_ERROR, "youth index failed", json_pack("{s:s}", "error", hv_strerror(r)));
        return NULL;
    }
    log_event(LOG_INFO, "youth index ready",
              json_pack("{s:I, s:I, s:I}", "youth", (json_int_t)youth, "records", (json_int_t)m.n,
                        "ms", (json_int_t)(clock_mono_ms() - t0)));
    return NULL;
}

hv_result
suggest_start(store *st, const crypt_keys *keys)
{
    S.st = st;
    S.keys = keys;
    if (pthread_create(&S.warm, NULL, warm_main, NULL) != 0)
        return HV_ERR_NOMEM;
    S.warming = 1;
    return HV_OK;
}

void
suggest_stop(void)
{
    atomic_store(&S.stopping, 1);
    if (S.warming)
        pthread_join(S.warm, NULL);
    S.warming = 0;
    atomic_store(&S.ready, 0);
    pthread_rwlock_wrlock(&S.lock);
    if (S.have_res)
        lk_result_free(&S.res);
    S.have_res = 0;
    recset_free(&S.main);
    recset_free(&S.recent);
    S.max_id = S.max_upd = 0;
    pthread_rwlock_unlock(&S.lock);
    atomic_store(&S.stopping, 0);
}

int
suggest_ready(void)
{
    return atomic_load(&S.ready);
}

int
suggest_wait(int ms)
{
    for (int waited = 0; !suggest_ready() && waited < ms; waited += 10)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    return suggest_ready();
}

hv_result
suggest_sync(store_conn *c)
{
    if (!suggest_ready())
        return HV_OK;
    /* the usual answer, nothing new, from two index lookups and no lock */
    int64_t max_id = 0, max_upd = 0;
    hv_result r = store_query_int(c, "SELECT COALESCE(MAX(id), 0) FROM youth", NULL, 0, &max_id);
    if (r == HV_OK)
        r = store_query_int(c, "SELECT COALESCE(MAX(updated_at), 0) FROM youth", NULL, 0, &max_upd);
    if (r != HV_OK)
        return r;
    pthread_mutex_lock(&S.sync);
    if (max_id > S.max_id || max_upd > S.max_upd) {
        store_val a[] = {SV_INTV(S.max_id), SV_INTV(S.max_upd), SV_INTV(S.max_id)};
        pthread_rwlock_wrlock(&S.lock);
        if (S.recent.n < RECENT_MAX) {
            load_ctx x = {.into = &S.recent, .edits = 1};
            /* new youth by id, edited ones by updated_at (two indexes) */
            r = store_query(c, YOUTH_SELECT "WHERE id > ? ORDER BY id", a, 1, load_row, &x);
            if (r == HV_OK)
                r = store_query(c, YOUTH_SELECT "WHERE updated_at > ? AND id <= ? ORDER BY id",
                                a + 1, 2, load_row, &x);
        }
        pthread_rwlock_unlock(&S.lock);
    }
    pthread_mutex_unlock(&S.sync);
    return r;
}

/* ---- words ------------------------------------------------------------------------------ */

void
suggest_pattern_keys(uint16_t pattern, char *out, size_t n)
{
    uint8_t lv[LK_FIELDS];
    lk_pattern_levels(pattern, lv);
    size_t len = 0;
    out[0] = '\0';
    for (int f = 0; f < LK_FIELDS && len < n; f++)
        if (lv[f])
            len += (size_t)snprintf(out + len, n - len, "%s%s=%s", len ? "," : "", lk_fields[f].key,
                                    lk_fields[f].level_key[lv[f]]);
}

void
suggest_pattern_words(uint16_t pattern, json_t *words)
{
    uint8_t lv[LK_FIELDS];
    lk_pattern_levels(pattern, lv);
    for (int f = 0; f < LK_FIELDS; f++) {
        if (!lv[f])
            continue;
        char s[160];
        snprintf(s, sizeof s, "%s %s", lk_fields[f].label, lk_fields[f].level_words[lv[f]]);
        s[0] = (char)(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 32 : s[0]);
        json_array_append_new(words, json_string(s));
    }
}

/* ---- matching ---------------------------------------------------------------------------- */

typedef struct cand {
    int64_t youth;
    float probability, weight;
    uint16_t pattern;
} cand;

static int
by_prob(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight < b->weight ? 1 : -1;
    return a->youth < b->youth ? 1 : a->youth > b->youth ? -1 : 0;
}

/* The best MAX youth for Q (never padding, never stale): into OUT, *N. */
static hv_result
match(const suggest_query *q, double min_p, cand *out, int max, int *n)
{
    *n = 0;
    char age[12] = "", today[40];
    if (q->estimated_age > 0)
        snprintf(age, sizeof age, "%d", q->estimated_age);
    clock_format_iso(clock_now_ms(), today, sizeof today);
    today[10] = '\0';
    lk_input in = {.id = "query",
                   .first = q->first_name,
                   .last = q->last_name,
                   .aliases = q->aliases,
                   .dob = q->dob,
                   .age = age[0] ? age : NULL,
                   .date = today,
                   .gender = lk_gender(q->gender)};
    /* more than MAX from each set: padding and stale records are dropped after */
    enum { WANT = 64 };
    lk_hit hm[WANT], hr[WANT];
    size_t nm = 0, nr = 0;
    hv_err e = {0};
    pthread_rwlock_rdlock(&S.lock);
    hv_result r = HV_OK;
    if (S.have_res) {
        r = lk_match(S.main.d, &S.res.model, &in, min_p, hm, WANT, &nm, &e);
        if (r == HV_OK && S.recent.n)
            r = lk_match_scan(S.main.d, S.recent.d, &S.res.model, &in, min_p, hr, WANT, &nr, &e);
    }
    cand all[2 * WANT];
    int k = 0;
    for (size_t i = 0; r == HV_OK && i < nm; i++) {
        uint32_t rec = hm[i].record;
        if (S.main.ids[rec] && !S.main.stale[rec])
            all[k++] = (cand){S.main.ids[rec], hm[i].probability, hm[i].weight, hm[i].pattern};
    }
    for (size_t i = 0; r == HV_OK && i < nr; i++) {
        uint32_t rec = hr[i].record;
        if (!S.recent.stale[rec])
            all[k++] = (cand){S.recent.ids[rec], hr[i].probability, hr[i].weight, hr[i].pattern};
    }
    pthread_rwlock_unlock(&S.lock);
    if (r != HV_OK)
        return r;
    qsort(all, (size_t)k, sizeof *all, by_prob);
    for (int i = 0; i < k && *n < max; i++)
        out[(*n)++] = all[i];
    return HV_OK;
}

typedef struct youth_info {
    int64_t person;
    json_t *age, *gender;
} youth_info;

static hv_result
info_row(void *vctx, const store_row *row)
{
    youth_info *y = vctx;
    y->person = store_row_int(row, 0);
    y->age = store_row_isnull(row, 1) ? json_null() : json_integer(store_row_int(row, 1));
    y->gender = store_row_text(row, 2) ? json_string(store_row_text(row, 2)) : json_null();
    return HV_OK;
}

hv_result
suggest_find(store_conn *c, const principal *p, const suggest_query *q, double min_p, int max,
             json_t **out)
{
    *out = NULL;
    if (max > 20)
        max = 20;
    cand best[40];
    int n = 0, shown = 0;
    hv_result r = match(q, min_p, best, 40, &n);
    json_t *items = json_array();
    for (int i = 0; r == HV_OK && i < n && shown < max; i++) {
        youth_info y = {0};
        store_val a[] = {SV_INTV(best[i].youth)};
        r = store_query(c,
                        "SELECT COALESCE(person_id, id), estimated_age, gender FROM youth WHERE "
                        "id = ?",
                        a, 1, info_row, &y);
        if (r != HV_OK || !y.person)
            continue; /* gone */
        /* one suggestion per person: its best-matching record */
        int seen = 0;
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) seen |=
            json_integer_value(json_object_get(it, "person_id")) == y.person;
        if (seen) {
            json_decref(y.age), json_decref(y.gender);
            continue;
        }
        json_t *refs = NULL, *words = json_array();
        int hidden = 0;
        if ((r = person_referrals(c, p, best[i].youth, &refs, &hidden)) != HV_OK) {
            json_decref(y.age), json_decref(y.gender), json_decref(words);
            break;
        }
        suggest_pattern_words(best[i].pattern, words);
        json_array_append_new(
            items, json_pack("{s:I, s:I, s:f, s:f, s:o, s:o, s:o, s:o, s:i}", "youth_id",
                             (json_int_t)best[i].youth, "person_id", (json_int_t)y.person,
                             "probability", (double)best[i].probability, "match_weight",
                             (double)best[i].weight, "reasons", words, "estimated_age", y.age,
                             "gender", y.gender, "referrals", refs, "other_referrals", hidden));
        shown++;
    }
    if (r != HV_OK) {
        json_decref(items);
        return r;
    }
    *out = items;
    return HV_OK;
}

/* ---- the review queue at intake ------------------------------------------------------ */

hv_result
suggest_queue_new(store_conn *c, int64_t youth_id, const suggest_query *q, int64_t now, int *queued)
{
    if (queued)
        *queued = 0;
    cand best[10];
    int n = 0;
    hv_result r = match(q, SUGGEST_REVIEW_P, best, 10, &n);
    for (int i = 0; r == HV_OK && i < n; i++) {
        if (best[i].youth == youth_id)
            continue;
        char pattern[160];
        suggest_pattern_keys(best[i].pattern, pattern, sizeof pattern);
        int64_t a = best[i].youth < youth_id ? best[i].youth : youth_id;
        int64_t b = best[i].youth < youth_id ? youth_id : best[i].youth;
        int64_t changed = 0;
        store_val v[] = {
            SV_INTV(a),        SV_INTV(b),   SV_INTV((int64_t)(best[i].probability * 1e6 + 0.5)),
            SV_TEXTV(pattern), SV_INTV(now), SV_INTV(a),
            SV_INTV(b)};
        /* not when the two are one person already */
        r = store_exec(c,
                       "INSERT INTO link_pair (youth_a, youth_b, probability_ppm, pattern, source, "
                       "status, created_at) SELECT ?, ?, ?, ?, 'intake', 'pending', ? WHERE "
                       "(SELECT COALESCE(person_id, id) FROM youth WHERE id = ?) <> (SELECT "
                       "COALESCE(person_id, id) FROM youth WHERE id = ?) ON CONFLICT (youth_a, "
                       "youth_b) DO NOTHING",
                       v, 7, &changed);
        if (r == HV_OK && queued)
            *queued += (int)changed;
    }
    return r;
}

hv_result
suggest_pairs(int (*fn)(int64_t a, int64_t b, double p, const char *pattern, void *ctx), void *ctx)
{
    if (!suggest_ready())
        return HV_ERR_UNAVAILABLE;
    pthread_rwlock_rdlock(&S.lock);
    for (size_t i = 0; S.have_res && i < S.res.npairs; i++) {
        const lk_pair *pr = &S.res.pairs[i];
        int64_t a = S.main.ids[pr->a], b = S.main.ids[pr->b];
        if (!a || !b || S.main.stale[pr->a] || S.main.stale[pr->b])
            continue;
        char pattern[160];
        suggest_pattern_keys(pr->pattern, pattern, sizeof pattern);
        if (fn(a, b, lk_probability(pr->weight), pattern, ctx))
            break;
    }
    pthread_rwlock_unlock(&S.lock);
    return HV_OK;
}
