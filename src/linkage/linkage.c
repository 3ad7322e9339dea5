/*
 * linkage.c - deduplication end to end (index, u, EM, scoring, persons),
 * one record against all, and evaluation (see linkage.h).
 *
 * Candidate pairs are never stored: a training pass over a sample of each
 * rule's blocks counts comparison patterns for EM, then a scoring pass over
 * every block keeps only the pairs at or above the review threshold. Both
 * passes share the blocks out to worker threads in chunks of whole blocks.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "linkage/lk_internal.h"

#define CHUNK 4096

void
lk_options_default(lk_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 2;
    o->auto_p = 0.95;
    o->review_p = 0.50;
    o->nonmatch_p = 0.01;
    o->join_p = 0.10;
    o->max_block = 1500;
    o->train_pairs = 300000;
    o->u_pairs = 400000;
    o->seed = 7;
}

void
lk_result_free(lk_result *r)
{
    if (!r)
        return;
    lk_model_free(&r->model);
    free(r->pairs);
    free(r->person);
    memset(r, 0, sizeof *r);
}

/* ---- work shared out to threads ----------------------------------------- */

typedef struct chunk {
    uint32_t rule;
    uint32_t lo, hi; /* positions in order[rule], whole blocks */
} chunk;

typedef struct worker worker;

typedef struct job {
    lk_data *d;
    const lk_model *model;
    chunk *chunks;
    size_t nchunks;
    atomic_size_t next;
    int training;
    double rate[LK_RULES];
    uint64_t seed;
    double w_review, w_auto, w_nonmatch;
} job;

struct worker {
    job *j;
    hv_result r;
    /* training */
    double (*hist)[LK_PATTERNS]; /* [LK_RULES]: every pair of the rule's sampled blocks */
    double (*uni)[LK_PATTERNS];  /* [LK_RULES]: only pairs no earlier rule holds */
    /* scoring */
    lk_pair *pairs;
    size_t npairs, cap;
    size_t scored, links, reviews, possible, nonmatches;
    size_t rule_pairs[LK_RULES];
};

static int
held_earlier(const lk_data *d, size_t r, uint32_t a, uint32_t b)
{
    const uint32_t *ka = &LK_KEY(d, a, 0), *kb = &LK_KEY(d, b, 0);
    for (size_t q = 0; q < r; q++)
        if (ka[q] && ka[q] == kb[q])
            return 1;
    return 0;
}

static int
sampled(const job *j, size_t r, uint32_t key)
{
    if (j->rate[r] >= 1.0)
        return 1;
    return (double)(lk_mix(key ^ j->seed) >> 11) * 0x1.0p-53 < j->rate[r];
}

static hv_result
keep_pair(worker *w, uint32_t a, uint32_t b, float weight, uint16_t pattern, uint8_t decision)
{
    if (w->npairs == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 65536;
        lk_pair *p = realloc(w->pairs, cap * sizeof *p);
        if (!p)
            return HV_ERR_NOMEM;
        w->pairs = p;
        w->cap = cap;
    }
    w->pairs[w->npairs++] = (lk_pair){a, b, weight, pattern, decision};
    return HV_OK;
}

static void
do_block(worker *w, size_t r, const uint32_t *rec, size_t s)
{
    job *j = w->j;
    const lk_data *d = j->d;
    for (size_t x = 0; x < s; x++) {
        for (size_t y = x + 1; y < s; y++) {
            uint32_t a = rec[x] < rec[y] ? rec[x] : rec[y];
            uint32_t b = rec[x] < rec[y] ? rec[y] : rec[x];
            int dup = held_earlier(d, r, a, b);
            if (!j->training && dup)
                continue;
            uint8_t lv[LK_FIELDS];
            uint16_t p = lk_compare(d, &d->recs[a], d, &d->recs[b], lv);
            if (j->training) {
                w->hist[r][p] += 1;
                if (!dup)
                    w->uni[r][p] += 1;
                continue;
            }
            double wt = lk_pair_weight(j->model, &d->recs[a], p, lv);
            w->scored++;
            w->rule_pairs[r]++;
            uint8_t dec;
            if (wt >= j->w_auto) {
                dec = LK_LINK;
                w->links++;
            } else if (wt >= j->w_review) {
                dec = LK_REVIEW;
                w->reviews++;
            } else if (wt >= j->w_nonmatch) {
                w->possible++;
                continue;
            } else {
                w->nonmatches++;
                continue;
            }
            if (keep_pair(w, a, b, (float)wt, p, dec) != HV_OK) {
                w->r = HV_ERR_NOMEM;
                return;
            }
        }
    }
}

static void *
work(void *arg)
{
    worker *w = arg;
    job *j = w->j;
    const lk_data *d = j->d;
    for (;;) {
        size_t c = atomic_fetch_add(&j->next, 1);
        if (c >= j->nchunks || w->r != HV_OK)
            break;
        const chunk *ch = &j->chunks[c];
        const uint32_t *order = d->order[ch->rule];
        const uint32_t *keys = d->skey[ch->rule];
        for (uint32_t i = ch->lo; i < ch->hi;) {
            uint32_t e = i + 1;
            while (e < ch->hi && keys[e] == keys[i])
                e++;
            if (e - i > 1 && (!j->training || sampled(j, ch->rule, keys[i])))
                do_block(w, ch->rule, order + i, e - i);
            i = e;
        }
    }
    return NULL;
}

static hv_result
make_chunks(const lk_data *d, chunk **out, size_t *n)
{
    size_t cap = 64, k = 0;
    chunk *c = malloc(cap * sizeof *c);
    if (!c)
        return HV_ERR_NOMEM;
    for (size_t r = 0; r < LK_RULES; r++) {
        const uint32_t *keys = d->skey[r];
        for (size_t lo = 0; lo < d->norder[r];) {
            size_t hi = lo + CHUNK < d->norder[r] ? lo + CHUNK : d->norder[r];
            while (hi < d->norder[r] && keys[hi] == keys[hi - 1])
                hi++;
            if (k == cap) {
                chunk *t = realloc(c, cap * 2 * sizeof *c);
                if (!t) {
                    free(c);
                    return HV_ERR_NOMEM;
                }
                c = t;
                cap *= 2;
            }
            c[k++] = (chunk){(uint32_t)r, (uint32_t)lo, (uint32_t)hi};
            lo = hi;
        }
    }
    *out = c;
    *n = k;
    return HV_OK;
}

static hv_result
run(job *j, worker *ws, int threads)
{
    pthread_t tid[64];
    int started = 0;
    atomic_store(&j->next, 0);
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, work, &ws[t]) != 0)
            break;
        started = t;
    }
    work(&ws[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < threads; t++)
        if (ws[t].r != HV_OK)
            return ws[t].r;
    return HV_OK;
}

static int
by_records(const void *x, const void *y)
{
    const lk_pair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

hv_result
lk_dedupe(lk_data *d, const lk_options *o, lk_result *out, hv_err *e)
{
    memset(out, 0, sizeof *out);
    int threads = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
    int64_t t0 = clock_mono_ms(), t = t0;
    lk_stats *st = &out->stats;
    worker *ws = calloc((size_t)threads, sizeof *ws);
    chunk *chunks = NULL;
    size_t nchunks = 0;
    hv_result r = HV_ERR_NOMEM;
    if (!ws || lk_model_init(&out->model) != HV_OK)
        goto err;
    if ((r = lk_data_index(d, o)) != HV_OK || (r = make_chunks(d, &chunks, &nchunks)) != HV_OK)
        goto err;
    st->records = d->n;
    st->blocks_skipped = d->blocks_skipped;
    for (size_t q = 0; q < LK_RULES; q++)
        st->candidates += d->rule_candidates[q];
    st->ms_index = (double)(clock_mono_ms() - t);
    t = clock_mono_ms();

    lk_model *m = &out->model;
    lk_estimate_u(m, d, o->u_pairs, o->seed);
    st->ms_u = (double)(clock_mono_ms() - t);
    t = clock_mono_ms();

    /* training pass: pattern counts per rule on a sample of blocks */
    job j = {
        .d = d, .model = m, .chunks = chunks, .nchunks = nchunks, .training = 1, .seed = o->seed};
    for (size_t q = 0; q < LK_RULES; q++) {
        double c = (double)d->rule_candidates[q];
        j.rate[q] = c > (double)o->train_pairs ? (double)o->train_pairs / c : 1.0;
    }
    r = HV_ERR_NOMEM;
    for (int k = 0; k < threads; k++) {
        ws[k].j = &j;
        ws[k].hist = calloc(LK_RULES, sizeof *ws[k].hist);
        ws[k].uni = calloc(LK_RULES, sizeof *ws[k].uni);
        if (!ws[k].hist || !ws[k].uni)
            goto err;
    }
    if ((r = run(&j, ws, threads)) != HV_OK)
        goto err;
    double uni[LK_PATTERNS] = {0};
    for (int k = 1; k < threads; k++)
        for (size_t q = 0; q < LK_RULES; q++)
            for (size_t p = 0; p < LK_PATTERNS; p++) {
                ws[0].hist[q][p] += ws[k].hist[q][p];
                ws[0].uni[q][p] += ws[k].uni[q][p];
            }
    for (size_t q = 0; q < LK_RULES; q++)
        for (size_t p = 0; p < LK_PATTERNS; p++) {
            uni[p] += ws[0].uni[q][p] / j.rate[q];
            m->em_pairs += (size_t)ws[0].hist[q][p];
        }
    lk_estimate_m(m, (const double(*)[LK_PATTERNS])ws[0].hist, LK_RULES);
    double all = (double)d->n * (double)(d->n > 0 ? d->n - 1 : 0) / 2.0;
    lk_estimate_lambda(m, uni, all);
    lk_model_weights(m);
    if (o->nlabels &&
        (r = lk_model_refine(m, d, o->labels, o->label_match, o->nlabels, 100.0)) != HV_OK)
        goto err;
    st->ms_em = (double)(clock_mono_ms() - t);
    t = clock_mono_ms();

    /* scoring pass: every candidate pair once */
    j.training = 0;
    j.w_auto = lk_weight_of(o->auto_p);
    j.w_review = lk_weight_of(o->review_p);
    j.w_nonmatch = lk_weight_of(o->nonmatch_p);
    if ((r = run(&j, ws, threads)) != HV_OK)
        goto err;
    size_t total = 0;
    for (int k = 0; k < threads; k++)
        total += ws[k].npairs;
    out->pairs = malloc((total ? total : 1) * sizeof *out->pairs);
    if (!out->pairs) {
        r = HV_ERR_NOMEM;
        goto err;
    }
    for (int k = 0; k < threads; k++) {
        if (ws[k].npairs)
            memcpy(out->pairs + out->npairs, ws[k].pairs, ws[k].npairs * sizeof *out->pairs);
        out->npairs += ws[k].npairs;
        st->scored += ws[k].scored;
        st->links += ws[k].links;
        st->reviews += ws[k].reviews;
        st->possible += ws[k].possible;
        st->nonmatches += ws[k].nonmatches;
        for (size_t q = 0; q < LK_RULES; q++)
            st->rule_pairs[q] += ws[k].rule_pairs[q];
    }
    qsort(out->pairs, out->npairs, sizeof *out->pairs, by_records);
    st->ms_score = (double)(clock_mono_ms() - t);
    t = clock_mono_ms();

    out->person = malloc((d->n ? d->n : 1) * sizeof *out->person);
    if (!out->person) {
        r = HV_ERR_NOMEM;
        goto err;
    }
    r = lk_cluster(d, m, out->pairs, out->npairs, j.w_auto, lk_weight_of(o->join_p), out->person,
                   &out->npersons, &st->split_clusters, &st->unchecked_clusters);
    if (r != HV_OK)
        goto err;
    st->persons = out->npersons;
    st->ms_cluster = (double)(clock_mono_ms() - t);
    st->ms_total = (double)(clock_mono_ms() - t0);
    r = HV_OK;
err:
    for (int k = 0; ws && k < threads; k++) {
        free(ws[k].hist);
        free(ws[k].uni);
        free(ws[k].pairs);
    }
    free(ws);
    free(chunks);
    if (r != HV_OK) {
        lk_result_free(out);
        return hv_fail(e, r, NULL, "record linkage failed: %s", hv_strerror(r));
    }
    return HV_OK;
}

hv_result
lk_candidates(const lk_data *d, int (*fn)(uint32_t a, uint32_t b, void *ctx), void *ctx)
{
    if (!d->indexed)
        return HV_ERR_UNAVAILABLE;
    for (size_t r = 0; r < LK_RULES; r++) {
        const uint32_t *order = d->order[r];
        const uint32_t *keys = d->skey[r];
        for (size_t i = 0; i < d->norder[r];) {
            size_t e = i + 1;
            while (e < d->norder[r] && keys[e] == keys[i])
                e++;
            for (size_t x = i; x < e; x++)
                for (size_t y = x + 1; y < e; y++) {
                    uint32_t a = order[x] < order[y] ? order[x] : order[y];
                    uint32_t b = order[x] < order[y] ? order[y] : order[x];
                    if (!held_earlier(d, r, a, b) && fn(a, b, ctx) != 0)
                        return HV_ERR_IO;
                }
            i = e;
        }
    }
    return HV_OK;
}

/* ---- one record against all --------------------------------------------- */

/* The first position in order[r] whose key is KEY, or norder when none. */
static size_t
find_block(const lk_data *d, size_t r, uint32_t key, size_t *end)
{
    const uint32_t *keys = d->skey[r];
    size_t lo = 0, hi = d->norder[r];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t e = lo;
    while (e < d->norder[r] && keys[e] == key)
        e++;
    *end = e;
    return lo;
}

static int
by_weight(const void *x, const void *y)
{
    const lk_hit *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight < b->weight ? 1 : -1;
    return a->record < b->record ? -1 : a->record > b->record;
}

hv_result
lk_match(const lk_data *d, const lk_model *model, const lk_input *query, double min_p, lk_hit *hits,
         size_t max, size_t *n, hv_err *e)
{
    *n = 0;
    if (!d->indexed)
        return hv_fail(e, HV_ERR_UNAVAILABLE, NULL, "the records are not indexed yet");
    /* the query as a one-record set, so aliases and comparisons work alike */
    lk_data *q = lk_data_new(d->as_of_year);
    if (!q || lk_data_add(q, query, e) != HV_OK) {
        lk_data_free(q);
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory matching a record");
    }
    lk_rec *qr = &q->recs[0];
    /* term frequencies are the index's */
    q->u_exact[F_FIRST] = d->u_exact[F_FIRST];
    q->u_exact[F_LAST] = d->u_exact[F_LAST];
    lk_rec_tf(d, qr);
    double w_min = lk_weight_of(min_p);
    size_t lo[LK_RULES], end[LK_RULES], total = 0;
    for (size_t rule = 0; rule < LK_RULES; rule++) {
        uint32_t key = lk_block_key(qr, rule);
        lo[rule] = end[rule] = 0;
        if (key)
            lo[rule] = find_block(d, rule, key, &end[rule]);
        total += end[rule] - lo[rule];
    }
    /* records already compared: an open-addressing set of record + 1 */
    size_t nslots = 64;
    while (nslots < total * 2)
        nslots *= 2;
    size_t cap = 256, cnt = 0;
    lk_hit *all = malloc(cap * sizeof *all);
    uint32_t *seen = calloc(nslots, sizeof *seen);
    hv_result r = HV_ERR_NOMEM;
    if (!all || !seen)
        goto out;
    for (size_t rule = 0; rule < LK_RULES; rule++) {
        for (size_t i = lo[rule]; i < end[rule]; i++) {
            uint32_t rec = d->order[rule][i];
            size_t slot = lk_mix(rec) & (nslots - 1);
            while (seen[slot] && seen[slot] != rec + 1)
                slot = (slot + 1) & (nslots - 1);
            if (seen[slot])
                continue;
            seen[slot] = rec + 1;
            uint8_t lv[LK_FIELDS];
            uint16_t p = lk_compare(q, qr, d, &d->recs[rec], lv);
            double w = lk_pair_weight(model, qr, p, lv);
            if (w < w_min)
                continue;
            if (cnt == cap) {
                lk_hit *t = realloc(all, cap * 2 * sizeof *t);
                if (!t)
                    goto out;
                all = t;
                cap *= 2;
            }
            all[cnt++] = (lk_hit){rec, (float)w, (float)lk_probability(w), p};
        }
    }
    qsort(all, cnt, sizeof *all, by_weight);
    *n = cnt < max ? cnt : max;
    memcpy(hits, all, *n * sizeof *hits);
    r = HV_OK;
out:
    free(all);
    free(seen);
    lk_data_free(q);
    if (r != HV_OK)
        return hv_fail(e, r, NULL, "out of memory matching a record");
    return HV_OK;
}

hv_result
lk_match_scan(const lk_data *tf, const lk_data *d, const lk_model *model, const lk_input *query,
              double min_p, lk_hit *hits, size_t max, size_t *n, hv_err *e)
{
    *n = 0;
    if (!tf->indexed)
        return hv_fail(e, HV_ERR_UNAVAILABLE, NULL, "the records are not indexed yet");
    lk_data *q = lk_data_new(tf->as_of_year);
    if (!q || lk_data_add(q, query, e) != HV_OK) {
        lk_data_free(q);
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory matching a record");
    }
    lk_rec *qr = &q->recs[0];
    q->u_exact[F_FIRST] = tf->u_exact[F_FIRST];
    q->u_exact[F_LAST] = tf->u_exact[F_LAST];
    lk_rec_tf(tf, qr);
    double w_min = lk_weight_of(min_p);
    for (size_t i = 0; i < d->n; i++) {
        uint8_t lv[LK_FIELDS];
        uint16_t p = lk_compare(q, qr, d, &d->recs[i], lv);
        double w = lk_pair_weight(model, qr, p, lv);
        if (w < w_min)
            continue;
        lk_hit h = {(uint32_t)i, (float)w, (float)lk_probability(w), p};
        /* keep the best MAX, by weight, in HITS (insertion: MAX is small) */
        size_t k = *n < max ? (*n)++ : max;
        while (k > 0 && by_weight(&h, &hits[k - 1]) < 0) {
            if (k < max)
                hits[k] = hits[k - 1];
            k--;
        }
        if (k < max)
            hits[k] = h;
    }
    lk_data_free(q);
    return HV_OK;
}

/* ---- evaluation ------------------------------------------------------- */

typedef struct two {
    uint32_t x, y;
} two;

static int
by_two(const void *p, const void *q)
{
    const two *a = p, *b = q;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return a->y < b->y ? -1 : a->y > b->y;
}

static size_t
pairs_in_runs(const two *v, size_t n, int both)
{
    size_t total = 0;
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && v[k].x == v[i].x && (!both || v[k].y == v[i].y))
            k++;
        total += (k - i) * (k - i - 1) / 2;
        i = k;
    }
    return total;
}

hv_result
lk_evaluate(const uint32_t *person, const uint32_t *truth, size_t n, lk_eval *out)
{
    memset(out, 0, sizeof *out);
    two *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return HV_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = (two){person[i], truth[i]};
    qsort(v, n, sizeof *v, by_two);
    out->found_pairs = pairs_in_runs(v, n, 0);
    out->correct_pairs = pairs_in_runs(v, n, 1);
    for (size_t i = 0; i < n; i++)
        v[i] = (two){truth[i], 0};
    qsort(v, n, sizeof *v, by_two);
    out->true_pairs = pairs_in_runs(v, n, 0);
    free(v);
    out->precision = out->found_pairs ? (double)out->correct_pairs / (double)out->found_pairs : 1;
    out->recall = out->true_pairs ? (double)out->correct_pairs / (double)out->true_pairs : 1;
    double s = out->precision + out->recall;
    out->f1 = s > 0 ? 2 * out->precision * out->recall / s : 0;
    return HV_OK;
}

typedef struct keyed {
    uint64_t k;
    uint32_t i;
} keyed;

static int
by_key(const void *p, const void *q)
{
    const keyed *a = p, *b = q;
    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

hv_result
lk_exact_baseline(const lk_data *d, uint32_t *person, size_t *npersons)
{
    keyed *v = malloc((d->n ? d->n : 1) * sizeof *v);
    if (!v)
        return HV_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        const lk_rec *r = &d->recs[i];
        person[i] = UINT32_MAX;
        if (!r->flen || !r->llen || !r->dob)
            continue;
        uint64_t h = lk_hash(r->first, r->flen) ^ lk_mix(lk_hash(r->last, r->llen) + r->dob);
        v[k++] = (keyed){h, (uint32_t)i};
    }
    qsort(v, k, sizeof *v, by_key);
    /* the first record of each group stands for it */
    for (size_t i = 0; i < k;) {
        size_t e = i;
        while (e < k && v[e].k == v[i].k)
            e++;
        for (size_t x = i; x < e; x++)
            person[v[x].i] = v[i].i;
        i = e;
    }
    free(v);
    size_t next = 0;
    uint32_t *num = malloc((d->n ? d->n : 1) * sizeof *num);
    if (!num)
        return HV_ERR_NOMEM;
    for (size_t i = 0; i < d->n; i++)
        num[i] = UINT32_MAX;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t rep = person[i] == UINT32_MAX ? (uint32_t)i : person[i];
        if (num[rep] == UINT32_MAX)
            num[rep] = (uint32_t)next++;
        person[i] = num[rep];
    }
    free(num);
    *npersons = next;
    return HV_OK;
}
