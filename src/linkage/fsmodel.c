/*
 * fsmodel.c - the Fellegi-Sunter model: u from random pairs, m and the
 * prior by expectation-maximisation, the weights, and refinement from
 * labelled pairs.
 *
 * u. Two records drawn at random are almost never one person, so the levels
 * of random pairs give u. An exact agreement is rarer than a sample can
 * count well (two random dates of birth agree about once in 8,000 pairs,
 * two phones once in millions), so the "exact" level's u is computed from
 * the values themselves: the sum over values of the squared share of
 * records holding it. The other levels share the rest in the proportions
 * the sample found (with half a pair added to each, so none is zero).
 *
 * m. Candidate pairs are a mixture of matches and non-matches. EM alternates
 * between the probability that each pair is a match, given m, u and the
 * share of matches, and new m and share from those probabilities, with u
 * held fixed. It works on counts of comparison patterns (at most
 * LK_PATTERNS of them), not on pairs, so an iteration costs microseconds.
 * As in Splink, one EM session is run per blocking rule, over that rule's
 * pairs, with the fields the rule blocks on left out: among the pairs a rule
 * finds, its own fields agree for matches and non-matches alike, so they
 * cannot be learned there. Each field's m is the average over the sessions
 * that learned it, weighted by the matches each session expects.
 *
 * The prior. lambda, the probability that two records picked at random are
 * one person, is the expected number of matches among all candidate pairs
 * over the number of all pairs of records (pairs no rule finds are taken as
 * non-matches), found by iterating that fixed point.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/lk_internal.h"

#define EM_MAX_ITER  200
#define EM_TOLERANCE 1e-7
#define P_FLOOR      1e-9
#define M_FLOOR      1e-3

static uint8_t pattern_lv[LK_PATTERNS][LK_FIELDS];

static pthread_once_t patterns_once = PTHREAD_ONCE_INIT;

static void
patterns_fill(void)
{
    for (unsigned p = 0; p < LK_PATTERNS; p++)
        lk_pattern_levels((uint16_t)p, pattern_lv[p]);
}

hv_result
lk_model_init(lk_model *m)
{
    memset(m, 0, sizeof *m);
    m->pattern_w = calloc(LK_PATTERNS, sizeof *m->pattern_w);
    if (!m->pattern_w)
        return HV_ERR_NOMEM;
    pthread_once(&patterns_once, patterns_fill);
    /* a starting point EM moves away from: the best level most likely */
    for (size_t f = 0; f < LK_FIELDS; f++) {
        int L = lk_fields[f].nlevels;
        double sum = 0;
        for (int l = 1; l < L; l++) {
            m->m[f][l] = l == 1 ? 0.7 : 0.3 / (double)(L - 2);
            m->u[f][l] = 1.0 / (double)(L - 1);
            sum += m->m[f][l];
        }
        for (int l = 1; l < L; l++)
            m->m[f][l] /= sum;
    }
    m->lambda = 1e-6;
    return HV_OK;
}

void
lk_model_free(lk_model *m)
{
    free(m->pattern_w);
    m->pattern_w = NULL;
}

static uint64_t
next_random(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15ULL;
    return lk_mix(*s);
}

void
lk_estimate_u(lk_model *m, const lk_data *d, size_t npairs, uint64_t seed)
{
    double count[LK_FIELDS][LK_LEVELS] = {{0}};
    double dob_dates = 0; /* sampled pairs where both have a date of birth */
    uint64_t s = seed ^ 0x5DEECE66DULL;
    size_t n = d->n;
    m->u_pairs = 0;
    for (size_t k = 0; n > 1 && k < npairs; k++) {
        size_t i = next_random(&s) % n, j = next_random(&s) % n;
        if (i == j)
            continue;
        uint8_t lv[LK_FIELDS];
        lk_compare(d, &d->recs[i], d, &d->recs[j], lv);
        for (size_t f = 0; f < LK_FIELDS; f++)
            count[f][lv[f]]++;
        if (d->recs[i].dob && d->recs[j].dob)
            dob_dates++;
        m->u_pairs++;
    }
    for (size_t f = 0; f < LK_FIELDS; f++) {
        int L = lk_fields[f].nlevels;
        double total = 0;
        for (int l = 1; l < L; l++)
            total += count[f][l] + 0.5;
        if (total <= 0)
            continue;
        double share = 1.0; /* of pairs where the exact level can occur */
        if (f == F_DOB)
            share = total > (L - 1) * 0.5 ? dob_dates / (total - (L - 1) * 0.5) : 1.0;
        double exact = d->u_exact[f] * share;
        double rest = total - (count[f][1] + 0.5);
        for (int l = 1; l < L; l++) {
            if (l == 1 && exact > 0)
                m->u[f][l] = exact;
            else if (exact > 0)
                m->u[f][l] = (count[f][l] + 0.5) / rest * (1.0 - exact);
            else
                m->u[f][l] = (count[f][l] + 0.5) / total;
        }
    }
}

/* One session: EM over HIST with the fields in MASK left out. Returns the
 * expected number of matches; fills M (per field and level) and *ITER. */
static double
em_session(const lk_model *model, const double *hist, unsigned mask, double m[LK_FIELDS][LK_LEVELS],
           int *iter)
{
    memcpy(m, model->m, sizeof model->m);
    double lambda = 0.1, matches = 0;
    *iter = 0;
    for (int it = 0; it < EM_MAX_ITER; it++) {
        double e[LK_FIELDS][LK_LEVELS] = {{0}}, sum_p = 0, sum_c = 0;
        for (unsigned p = 0; p < LK_PATTERNS; p++) {
            double c = hist[p];
            if (c <= 0)
                continue;
            const uint8_t *lv = pattern_lv[p];
            double bm = lambda, bu = 1.0 - lambda;
            for (size_t f = 0; f < LK_FIELDS; f++) {
                if (mask >> f & 1 || lv[f] == 0)
                    continue;
                bm *= m[f][lv[f]];
                bu *= model->u[f][lv[f]];
            }
            double post = bm / (bm + bu);
            for (size_t f = 0; f < LK_FIELDS; f++)
                if (!(mask >> f & 1) && lv[f])
                    e[f][lv[f]] += post * c;
            sum_p += post * c;
            sum_c += c;
        }
        if (sum_c <= 0)
            return 0;
        double delta = fabs(sum_p / sum_c - lambda);
        lambda = sum_p / sum_c;
        matches = sum_p;
        for (size_t f = 0; f < LK_FIELDS; f++) {
            if (mask >> f & 1)
                continue;
            int L = lk_fields[f].nlevels;
            double tot = 0;
            for (int l = 1; l < L; l++)
                tot += e[f][l];
            if (tot <= 0)
                continue;
            for (int l = 1; l < L; l++) {
                double v = (e[f][l] + 1e-3) / (tot + 1e-3 * (L - 1));
                if (fabs(v - m[f][l]) > delta)
                    delta = fabs(v - m[f][l]);
                m[f][l] = v;
            }
        }
        *iter = it + 1;
        if (delta < EM_TOLERANCE)
            break;
    }
    return matches;
}

void
lk_estimate_m(lk_model *model, const double (*hist)[LK_PATTERNS], size_t nrules)
{
    double acc[LK_FIELDS][LK_LEVELS] = {{0}}, weight[LK_FIELDS] = {0};
    model->em_iterations = 0;
    for (size_t r = 0; r < nrules; r++) {
        double m[LK_FIELDS][LK_LEVELS];
        int iter;
        unsigned mask = lk_rule_fields(r);
        double matches = em_session(model, hist[r], mask, m, &iter);
        if (iter > model->em_iterations)
            model->em_iterations = iter;
        if (matches < 1)
            continue;
        for (size_t f = 0; f < LK_FIELDS; f++) {
            if (mask >> f & 1)
                continue;
            for (int l = 1; l < lk_fields[f].nlevels; l++)
                acc[f][l] += matches * m[f][l];
            weight[f] += matches;
        }
    }
    for (size_t f = 0; f < LK_FIELDS; f++) {
        if (weight[f] <= 0)
            continue;
        /* no level is impossible among matches (people mistype everything
         * sometimes): each keeps at least M_FLOOR, so one field alone cannot
         * veto a pair that agrees on the rest */
        double sum = 0;
        for (int l = 1; l < lk_fields[f].nlevels; l++)
            sum += model->m[f][l] = fmax(acc[f][l] / weight[f], M_FLOOR);
        for (int l = 1; l < lk_fields[f].nlevels; l++)
            model->m[f][l] /= sum;
    }
}

void
lk_estimate_lambda(lk_model *m, const double *uni, double total)
{
    double bf[LK_PATTERNS];
    for (unsigned p = 0; p < LK_PATTERNS; p++) {
        double b = 1;
        for (size_t f = 0; f < LK_FIELDS; f++) {
            uint8_t l = pattern_lv[p][f];
            if (l)
                b *= fmax(m->m[f][l], P_FLOOR) / fmax(m->u[f][l], P_FLOOR);
        }
        bf[p] = b;
    }
    double lambda = 1e-6;
    for (int it = 0; it < 100 && total > 0; it++) {
        double e = 0;
        for (unsigned p = 0; p < LK_PATTERNS; p++)
            if (uni[p] > 0)
                e += uni[p] * (lambda * bf[p] / (lambda * bf[p] + 1 - lambda));
        double next = e / total;
        if (next <= 0)
            break;
        int done = fabs(next - lambda) < lambda * 1e-6;
        lambda = next;
        if (done)
            break;
    }
    m->lambda = fmin(fmax(lambda, 1e-15), 0.5);
}

void
lk_model_weights(lk_model *m)
{
    m->prior_w = log2(m->lambda / (1.0 - m->lambda));
    for (size_t f = 0; f < LK_FIELDS; f++) {
        m->w[f][0] = 0;
        for (int l = 1; l < lk_fields[f].nlevels; l++)
            m->w[f][l] = log2(fmax(m->m[f][l], P_FLOOR) / fmax(m->u[f][l], P_FLOOR));
    }
    for (unsigned p = 0; p < LK_PATTERNS; p++) {
        double w = m->prior_w;
        for (size_t f = 0; f < LK_FIELDS; f++)
            w += m->w[f][pattern_lv[p][f]];
        m->pattern_w[p] = (float)w;
    }
}

hv_result
lk_model_refine(lk_model *model, const lk_data *d, const uint32_t (*pairs)[2],
                const uint8_t *is_match, size_t n, double prior_pairs)
{
    double cm[LK_FIELDS][LK_LEVELS] = {{0}}, cu[LK_FIELDS][LK_LEVELS] = {{0}};
    for (size_t k = 0; k < n; k++) {
        if (pairs[k][0] >= d->n || pairs[k][1] >= d->n)
            return HV_ERR_INVALID;
        uint8_t lv[LK_FIELDS];
        lk_compare(d, &d->recs[pairs[k][0]], d, &d->recs[pairs[k][1]], lv);
        for (size_t f = 0; f < LK_FIELDS; f++)
            (is_match[k] ? cm : cu)[f][lv[f]]++;
    }
    for (size_t f = 0; f < LK_FIELDS; f++) {
        int L = lk_fields[f].nlevels;
        double tm = 0, tu = 0;
        for (int l = 1; l < L; l++) {
            tm += cm[f][l];
            tu += cu[f][l];
        }
        for (int l = 1; l < L; l++) {
            if (tm > 0)
                model->m[f][l] = (cm[f][l] + prior_pairs * model->m[f][l]) / (tm + prior_pairs);
            if (tu > 0)
                model->u[f][l] = (cu[f][l] + prior_pairs * model->u[f][l]) / (tu + prior_pairs);
        }
    }
    model->labelled = n;
    lk_model_weights(model);
    return HV_OK;
}

double
lk_probability(double w)
{
    return 1.0 / (1.0 + exp2(-w));
}

double
lk_weight_of(double p)
{
    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;
    return log2(p / (1.0 - p));
}
