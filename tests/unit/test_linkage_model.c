/* test_linkage_model.c - the record-linkage model end to end: EM converging
 * to sensible m and u on synthetic records with known truth, the prior,
 * thresholds and decisions, refinement from labelled pairs, clustering that
 * does not chain two people through one weak link, one new record matched
 * against all (a misspelled nickname finds the earlier youth), and the
 * evaluation and exact-match baseline. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "linkage/lk_internal.h"
#include "linkage/synth.h"

typedef struct loaded {
    lk_data *d;
    uint32_t *truth;
    size_t n;
} loaded;

static int
load_row(const synth_row *r, void *ctx)
{
    loaded *l = ctx;
    hv_err e;
    lk_input in = {.id = r->id,
                   .first = r->first,
                   .last = r->last,
                   .aliases = r->aliases,
                   .dob = r->dob,
                   .age = r->age,
                   .date = r->date,
                   .gender = r->gender,
                   .zip = r->zip,
                   .phone = r->phone};
    if (lk_data_add(l->d, &in, &e) != HV_OK)
        return -1;
    l->truth[l->n++] = r->person;
    return 0;
}

static void
load(loaded *l, size_t n, synth_profile p, uint64_t seed)
{
    l->d = lk_data_new(2026);
    l->truth = malloc(n * sizeof *l->truth);
    l->n = 0;
    assert_non_null(l->d);
    assert_non_null(l->truth);
    assert_int_equal(synth_generate(n, p, seed, load_row, l), HV_OK);
    assert_int_equal(l->n, n);
}

static void
unload(loaded *l)
{
    lk_data_free(l->d);
    free(l->truth);
}

static size_t
true_pairs(const uint32_t *truth, size_t n)
{
    lk_eval ev;
    uint32_t *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = 0;
    lk_evaluate(all, truth, n, &ev);
    free(all);
    return ev.true_pairs;
}

static void
test_em_converges(void **state)
{
    (void)state;
    loaded l;
    load(&l, 6000, SYNTH_EASY, 11);
    lk_options o;
    lk_options_default(&o);
    lk_result r;
    hv_err e;
    assert_int_equal(lk_dedupe(l.d, &o, &r, &e), HV_OK);
    const lk_model *m = &r.model;
    assert_true(m->em_iterations > 1 && m->em_iterations <= 200);
    /* each field's m and u are distributions over its levels */
    for (size_t f = 0; f < LK_FIELDS; f++) {
        double sm = 0, su = 0;
        for (int k = 1; k < lk_fields[f].nlevels; k++) {
            assert_true(m->m[f][k] > 0 && m->u[f][k] > 0);
            sm += m->m[f][k];
            su += m->u[f][k];
        }
        assert_float_equal(sm, 1.0, 1e-6);
        assert_float_equal(su, 1.0, 1e-6);
    }
    /* sensible: agreement is evidence for, disagreement against */
    assert_true(m->m[F_DOB][DOB_EXACT] > 0.6);
    assert_true(m->u[F_DOB][DOB_EXACT] < 0.001);
    assert_true(m->w[F_DOB][DOB_EXACT] > 8);
    assert_true(m->w[F_DOB][DOB_OTHER] < 0);
    assert_true(m->m[F_FIRST][FIRST_EXACT] > 0.6);
    assert_true(m->w[F_FIRST][FIRST_NICK] > 3);
    assert_true(m->w[F_FIRST][FIRST_OTHER] < -1);
    assert_true(m->w[F_LAST][LAST_EXACT] > 3);
    assert_true(m->w[F_LAST][LAST_OTHER] < -1);
    assert_true(m->w[F_ZIP][ZIP_EXACT] > m->w[F_ZIP][ZIP_OTHER]);
    assert_true(m->w[F_PHONE][SAME_EXACT] > 5);
    /* the prior: within a factor of three of the truth */
    double all = 6000.0 * 5999.0 / 2.0;
    double truth = (double)true_pairs(l.truth, l.n) / all;
    assert_true(m->lambda > truth / 3 && m->lambda < truth * 3);
    /* and the persons found */
    lk_eval ev;
    assert_int_equal(lk_evaluate(r.person, l.truth, l.n, &ev), HV_OK);
    assert_true(ev.precision > 0.98);
    assert_true(ev.f1 > 0.95);
    lk_result_free(&r);
    unload(&l);
}

static void
test_hard_beats_exact(void **state)
{
    (void)state;
    loaded l;
    load(&l, 8000, SYNTH_HARD, 5);
    lk_options o;
    lk_options_default(&o);
    lk_result r;
    hv_err e;
    assert_int_equal(lk_dedupe(l.d, &o, &r, &e), HV_OK);
    lk_eval model, exact;
    assert_int_equal(lk_evaluate(r.person, l.truth, l.n, &model), HV_OK);
    uint32_t *base = malloc(l.n * sizeof *base);
    size_t nb = 0;
    assert_int_equal(lk_exact_baseline(l.d, base, &nb), HV_OK);
    assert_int_equal(lk_evaluate(base, l.truth, l.n, &exact), HV_OK);
    assert_true(model.f1 > 0.93);
    assert_true(exact.f1 < 0.3);
    assert_true(exact.precision > 0.95); /* exact matches are rarely wrong, just rare */
    free(base);
    lk_result_free(&r);
    unload(&l);
}

static void
test_thresholds(void **state)
{
    (void)state;
    assert_float_equal(lk_probability(0), 0.5, 1e-12);
    assert_float_equal(lk_probability(lk_weight_of(0.95)), 0.95, 1e-12);
    assert_float_equal(lk_weight_of(0.5), 0.0, 1e-12);
    assert_true(lk_weight_of(0.01) < -6 && lk_weight_of(0.01) > -7);
    loaded l;
    load(&l, 3000, SYNTH_HARD, 9);
    lk_options o;
    lk_options_default(&o);
    o.auto_p = 0.99;
    o.review_p = 0.6;
    lk_result r;
    hv_err e;
    assert_int_equal(lk_dedupe(l.d, &o, &r, &e), HV_OK);
    size_t links = 0, reviews = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        const lk_pair *p = &r.pairs[i];
        assert_true(p->a < p->b);
        double pr = lk_probability(p->weight);
        if (p->decision == LK_LINK) {
            assert_true(pr >= 0.99 - 1e-9);
            links++;
        } else {
            assert_int_equal(p->decision, LK_REVIEW);
            assert_true(pr >= 0.6 - 1e-9 && pr < 0.99 + 1e-9);
            reviews++;
        }
        if (i > 0)
            assert_true(r.pairs[i - 1].a < p->a ||
                        (r.pairs[i - 1].a == p->a && r.pairs[i - 1].b < p->b));
    }
    assert_int_equal(links, r.stats.links);
    assert_int_equal(reviews, r.stats.reviews);
    assert_int_equal(r.stats.scored,
                     r.stats.links + r.stats.reviews + r.stats.possible + r.stats.nonmatches);
    /* linked pairs end in one person */
    for (size_t i = 0; i < r.npairs; i++)
        if (r.pairs[i].decision == LK_LINK && r.pairs[i].weight > lk_weight_of(0.99) + 8)
            assert_int_equal(r.person[r.pairs[i].a], r.person[r.pairs[i].b]);
    lk_result_free(&r);
    unload(&l);
}

/* Three records named alike: A and B share a phone (a strong link); B has no
 * date of birth, so it also links, weakly, to C, whose date of birth differs
 * from A's. A and C must not become one person through that weak link. */
static void
test_no_chaining(void **state)
{
    (void)state;
    lk_data *d = lk_data_new(2024);
    hv_err e;
    lk_input a = {.id = "A",
                  .first = "Maria",
                  .last = "Garcia",
                  .dob = "2005-01-01",
                  .gender = "F",
                  .zip = "90001",
                  .phone = "213 555 0101"};
    lk_input b = {.id = "B",
                  .first = "Maria",
                  .last = "Garcia",
                  .gender = "F",
                  .zip = "90001",
                  .phone = "213 555 0101"};
    lk_input c = {.id = "C",
                  .first = "Maria",
                  .last = "Garcia",
                  .dob = "2009-08-17",
                  .gender = "F",
                  .zip = "90001"};
    assert_int_equal(lk_data_add(d, &a, &e), HV_OK);
    assert_int_equal(lk_data_add(d, &b, &e), HV_OK);
    assert_int_equal(lk_data_add(d, &c, &e), HV_OK);
    /* a model by hand: names and ZIP agreeing are strong, dates and phones
     * disagreeing are stronger against */
    lk_model m;
    assert_int_equal(lk_model_init(&m), HV_OK);
    m.lambda = 0.01;
    for (size_t f = 0; f < LK_FIELDS; f++)
        for (int k = 1; k < lk_fields[f].nlevels; k++) {
            m.m[f][k] = 0.5;
            m.u[f][k] = 0.5;
        }
    m.m[F_FIRST][FIRST_EXACT] = 0.9;
    m.u[F_FIRST][FIRST_EXACT] = 0.1;
    m.m[F_LAST][LAST_EXACT] = 0.9;
    m.u[F_LAST][LAST_EXACT] = 0.1;
    m.m[F_PHONE][SAME_EXACT] = 0.9;
    m.u[F_PHONE][SAME_EXACT] = 0.01;
    m.m[F_ZIP][ZIP_EXACT] = 0.3;
    m.u[F_ZIP][ZIP_EXACT] = 0.01;
    m.m[F_DOB][DOB_OTHER] = 0.000001;
    m.u[F_DOB][DOB_OTHER] = 0.99;
    m.m[F_PHONE][SAME_OTHER] = 0.01;
    m.u[F_PHONE][SAME_OTHER] = 0.99;
    lk_model_weights(&m);
    uint8_t lv[LK_FIELDS];
    uint16_t pab = lk_compare(d, &d->recs[0], d, &d->recs[1], lv);
    double wab = lk_pair_weight(&m, &d->recs[0], pab, lv);
    uint16_t pbc = lk_compare(d, &d->recs[1], d, &d->recs[2], lv);
    double wbc = lk_pair_weight(&m, &d->recs[1], pbc, lv);
    uint16_t pac = lk_compare(d, &d->recs[0], d, &d->recs[2], lv);
    double wac = lk_pair_weight(&m, &d->recs[0], pac, lv);
    double w_auto = lk_weight_of(0.95);
    assert_true(wab >= w_auto && wbc >= w_auto); /* both links are above the line */
    assert_true(wbc < w_auto + 1);               /* B-C only just */
    assert_true(wab > wbc && wab < w_auto + 8);  /* A-B strong, but not overwhelming */
    assert_true(wac < lk_weight_of(0.01));       /* A and C are clearly two people */
    lk_pair pairs[2] = {{0, 1, (float)wab, pab, LK_LINK}, {1, 2, (float)wbc, pbc, LK_LINK}};
    uint32_t person[3];
    size_t np = 0, split = 0, unchecked = 0;
    assert_int_equal(
        lk_cluster(d, &m, pairs, 2, w_auto, lk_weight_of(0.10), person, &np, &split, &unchecked),
        HV_OK);
    assert_int_not_equal(person[0], person[2]);
    assert_int_equal(np, 2);
    assert_int_equal(split, 1);
    /* connected components alone (a join weight nothing fails) would chain them */
    assert_int_equal(lk_cluster(d, &m, pairs, 2, w_auto, -1e9, person, &np, &split, &unchecked),
                     HV_OK);
    assert_int_equal(person[0], person[2]);
    assert_int_equal(np, 1);
    lk_model_free(&m);
    lk_data_free(d);
}

static void
test_refine(void **state)
{
    (void)state;
    loaded l;
    load(&l, 3000, SYNTH_EASY, 21);
    lk_options o;
    lk_options_default(&o);
    lk_result r;
    hv_err e;
    assert_int_equal(lk_dedupe(l.d, &o, &r, &e), HV_OK);
    /* label 400 true pairs as matches: m moves toward their levels */
    uint32_t(*pairs)[2] = calloc(400, sizeof *pairs);
    uint8_t *match = calloc(400, 1);
    size_t k = 0;
    for (size_t i = 0; i + 1 < l.n && k < 400; i++)
        if (l.truth[i] == l.truth[i + 1]) {
            pairs[k][0] = (uint32_t)i;
            pairs[k][1] = (uint32_t)i + 1;
            match[k++] = 1;
        }
    assert_true(k > 100);
    double before = r.model.m[F_DOB][DOB_EXACT];
    double counted = 0;
    for (size_t i = 0; i < k; i++) {
        uint8_t lv[LK_FIELDS];
        lk_compare(l.d, &l.d->recs[pairs[i][0]], l.d, &l.d->recs[pairs[i][1]], lv);
        counted += lv[F_DOB] == DOB_EXACT;
    }
    double nonmissing = 0;
    for (size_t i = 0; i < k; i++) {
        uint8_t lv[LK_FIELDS];
        lk_compare(l.d, &l.d->recs[pairs[i][0]], l.d, &l.d->recs[pairs[i][1]], lv);
        nonmissing += lv[F_DOB] != 0;
    }
    assert_int_equal(lk_model_refine(&r.model, l.d, (const uint32_t(*)[2])pairs, match, k, 100),
                     HV_OK);
    double want = (counted + 100 * before) / (nonmissing + 100);
    assert_float_equal(r.model.m[F_DOB][DOB_EXACT], want, 1e-9);
    assert_int_equal(r.model.labelled, k);
    free(pairs);
    free(match);
    lk_result_free(&r);
    unload(&l);
}

static void
test_match_one(void **state)
{
    (void)state;
    loaded l;
    load(&l, 20000, SYNTH_HARD, 3);
    hv_err e;
    /* the youth met before */
    lk_input known = {.id = "known",
                      .first = "Margaret",
                      .last = "Okonkwo",
                      .dob = "2009-04-12",
                      .gender = "F",
                      .zip = "90744"};
    assert_int_equal(lk_data_add(l.d, &known, &e), HV_OK);
    size_t known_index = lk_data_count(l.d) - 1;
    lk_options o;
    lk_options_default(&o);
    lk_result r;
    assert_int_equal(lk_dedupe(l.d, &o, &r, &e), HV_OK);
    /* the hotline worker types a misspelled nickname and a transposed date */
    lk_input q = {.first = "Pegy", .last = "Okonkwo", .dob = "2009-12-04", .gender = "F"};
    lk_hit hits[5];
    size_t n = 0;
    int64_t t0 = clock_mono_ms();
    assert_int_equal(lk_match(l.d, &r.model, &q, 0.5, hits, 5, &n, &e), HV_OK);
    int64_t ms = clock_mono_ms() - t0;
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, known_index);
    assert_true(hits[0].probability > 0.5);
    assert_true(ms < 50);
    /* hits are best first and at or above the floor */
    for (size_t i = 1; i < n; i++)
        assert_true(hits[i - 1].weight >= hits[i].weight);
    /* Peggy is a nickname of Margaret: the first name's level says so */
    lk_input q2 = {.first = "Peggy", .last = "Okonkwo", .dob = "2009-04-12"};
    assert_int_equal(lk_match(l.d, &r.model, &q2, 0.5, hits, 5, &n, &e), HV_OK);
    assert_true(n >= 1);
    uint8_t lv[LK_FIELDS];
    lk_pattern_levels(hits[0].pattern, lv);
    assert_int_equal(lv[F_FIRST], FIRST_NICK);
    /* nobody like this */
    lk_input q3 = {.first = "Zebulon", .last = "Quackenbush", .dob = "1950-01-01"};
    assert_int_equal(lk_match(l.d, &r.model, &q3, 0.5, hits, 5, &n, &e), HV_OK);
    assert_int_equal(n, 0);
    lk_result_free(&r);
    unload(&l);
}

static void
test_evaluate(void **state)
{
    (void)state;
    /* truth: {0,1,2} {3,4}; found: {0,1} {2,3,4} */
    uint32_t truth[5] = {7, 7, 7, 9, 9};
    uint32_t found[5] = {0, 0, 1, 1, 1};
    lk_eval ev;
    assert_int_equal(lk_evaluate(found, truth, 5, &ev), HV_OK);
    assert_int_equal(ev.true_pairs, 4);    /* 3 + 1 */
    assert_int_equal(ev.found_pairs, 4);   /* 1 + 3 */
    assert_int_equal(ev.correct_pairs, 2); /* 0-1, 3-4 */
    assert_float_equal(ev.precision, 0.5, 1e-12);
    assert_float_equal(ev.recall, 0.5, 1e-12);
    assert_float_equal(ev.f1, 0.5, 1e-12);
    /* the baseline: only identical names and dates join */
    lk_data *d = lk_data_new(2024);
    hv_err e;
    lk_input a = {.id = "1", .first = "José", .last = "Núñez", .dob = "2008-05-05"};
    lk_input b = {.id = "2", .first = "JOSE", .last = "NUNEZ", .dob = "05/05/2008"};
    lk_input c = {.id = "3", .first = "Jose", .last = "Nunez"};
    lk_input x = {.id = "4", .first = "Joe", .last = "Nunez", .dob = "2008-05-05"};
    assert_int_equal(lk_data_add(d, &a, &e), HV_OK);
    assert_int_equal(lk_data_add(d, &b, &e), HV_OK);
    assert_int_equal(lk_data_add(d, &c, &e), HV_OK);
    assert_int_equal(lk_data_add(d, &x, &e), HV_OK);
    uint32_t person[4];
    size_t np = 0;
    assert_int_equal(lk_exact_baseline(d, person, &np), HV_OK);
    assert_int_equal(np, 3);
    assert_int_equal(person[0], person[1]);
    assert_int_not_equal(person[0], person[2]);
    assert_int_not_equal(person[0], person[3]);
    assert_string_equal(lk_data_id(d, 3), "4");
    lk_data_free(d);
}

static void
test_synth_repeatable(void **state)
{
    (void)state;
    loaded a, b, c;
    load(&a, 500, SYNTH_HARD, 77);
    load(&b, 500, SYNTH_HARD, 77);
    load(&c, 500, SYNTH_HARD, 78);
    assert_memory_equal(a.truth, b.truth, 500 * sizeof *a.truth);
    assert_memory_equal(a.d->recs, b.d->recs, 500 * sizeof *a.d->recs);
    assert_memory_not_equal(a.d->recs, c.d->recs, 500 * sizeof *a.d->recs);
    unload(&a);
    unload(&b);
    unload(&c);
}

static void
test_tiny(void **state)
{
    (void)state;
    /* no records, one record, two: nothing breaks, nothing is invented */
    for (size_t n = 0; n <= 2; n++) {
        lk_data *d = lk_data_new(2024);
        hv_err e;
        for (size_t i = 0; i < n; i++) {
            lk_input in = {
                .id = i ? "b" : "a", .first = "Ana", .last = "Ruiz", .dob = "2010-01-02"};
            assert_int_equal(lk_data_add(d, &in, &e), HV_OK);
        }
        lk_options o;
        lk_options_default(&o);
        lk_result r;
        assert_int_equal(lk_dedupe(d, &o, &r, &e), HV_OK);
        assert_int_equal(r.stats.records, n);
        assert_true(r.npersons <= n);
        lk_input q = {.first = "Ana", .last = "Ruiz", .dob = "2010-01-02"};
        lk_hit hits[2];
        size_t nh = 9;
        assert_int_equal(lk_match(d, &r.model, &q, 0.5, hits, 2, &nh, &e), HV_OK);
        assert_true(nh <= n);
        lk_result_free(&r);
        lk_data_free(d);
    }
}

int main(void);

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_em_converges), cmocka_unit_test(test_hard_beats_exact),
        cmocka_unit_test(test_thresholds),   cmocka_unit_test(test_no_chaining),
        cmocka_unit_test(test_refine),       cmocka_unit_test(test_match_one),
        cmocka_unit_test(test_evaluate),     cmocka_unit_test(test_synth_repeatable),
        cmocka_unit_test(test_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
