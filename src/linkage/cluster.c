/*
 * cluster.c - from scored pairs to persons, without chaining.
 *
 * Linking every pair above the automatic threshold and taking connected
 * components would let one weak link join two people: A-B strong, B-C
 * barely above the line, and A and C, who share nothing, become one
 * person. So:
 *
 *  1. Components over the pairs at or above the automatic-link weight.
 *  2. A component of two is a person. A larger one is rebuilt inside
 *     itself by average linkage: every pair of its records is compared
 *     (also the pairs no blocking rule produced), its links are taken
 *     strongest first, and the two groups a link would join are joined only
 *     if the average match weight over all pairs across them is at least the
 *     join weight (probability 0.10 by default: on average no worse than
 *     1 to 9 odds), or if the link itself is very strong (STRONG above the
 *     automatic weight). A weak link alone never merges two groups whose
 *     other records disagree: A-B strong, B-C barely linked, A-C a clear
 *     non-match average out below the join weight, and C stays apart.
 *     The average, not the worst pair, decides, because records of one
 *     person that each carry a different error (an alias here, a wrong date
 *     of birth there) can disagree with each other as much as two people do,
 *     and still agree with the rest.
 *  3. Components of more than CHECK_MAX records (a sign of a broken
 *     blocking key, not of a person with that many records) are kept as
 *     they are and counted as unchecked.
 */
#include <stdlib.h>
#include <string.h>

#include "linkage/lk_internal.h"

#define CHECK_MAX 256
#define STRONG    8.0 /* a link this far above the automatic weight joins on its own */

static uint32_t
uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void
uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b) {
        if (a < b)
            parent[b] = a;
        else
            parent[a] = b;
    }
}

typedef struct edge {
    float w;
    uint16_t x, y;
} edge;

static int
by_weight_desc(const void *a, const void *b)
{
    float x = ((const edge *)a)->w, y = ((const edge *)b)->w;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Rebuilds the component MEMBERS (S records) in PARENT; returns 1 if it
 * ended as more than one group. */
static int
split_component(const lk_data *d, const lk_model *m, const uint32_t *members, size_t s,
                double w_auto, double w_join, uint32_t *parent, float *w, edge *edges,
                uint32_t *local)
{
    size_t ne = 0;
    for (size_t i = 0; i < s; i++) {
        local[i] = (uint32_t)i;
        for (size_t j = i + 1; j < s; j++) {
            const lk_rec *a = &d->recs[members[i]], *b = &d->recs[members[j]];
            uint8_t lv[LK_FIELDS];
            uint16_t p = lk_compare(d, a, d, b, lv);
            float x = (float)lk_pair_weight(m, a, p, lv);
            w[i * s + j] = w[j * s + i] = x;
            if (x >= w_auto)
                edges[ne++] = (edge){x, (uint16_t)i, (uint16_t)j};
        }
    }
    qsort(edges, ne, sizeof *edges, by_weight_desc);
    for (size_t k = 0; k < ne; k++) {
        uint32_t gx = uf_find(local, edges[k].x), gy = uf_find(local, edges[k].y);
        if (gx == gy)
            continue;
        double sum = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < s; i++) {
            if (uf_find(local, (uint32_t)i) != gx)
                continue;
            for (size_t j = 0; j < s; j++) {
                if (uf_find(local, (uint32_t)j) != gy)
                    continue;
                sum += w[i * s + j];
                cnt++;
            }
        }
        if ((cnt && sum / (double)cnt >= w_join) || edges[k].w >= w_auto + STRONG)
            uf_union(local, gx, gy);
    }
    int groups = 0;
    for (size_t i = 0; i < s; i++) {
        uint32_t g = uf_find(local, (uint32_t)i);
        if (g == i)
            groups++;
        parent[members[i]] = members[g];
    }
    return groups > 1;
}

hv_result
lk_cluster(const lk_data *d, const lk_model *m, const lk_pair *pairs, size_t npairs, double w_auto,
           double w_join, uint32_t *person, size_t *npersons, size_t *split, size_t *unchecked)
{
    size_t n = d->n;
    hv_result r = HV_ERR_NOMEM;
    uint32_t *parent = malloc((n + 1) * sizeof *parent);
    uint32_t *start = calloc(n + 2, sizeof *start);
    uint32_t *members = malloc((n + 1) * sizeof *members);
    float *w = malloc((size_t)CHECK_MAX * CHECK_MAX * sizeof *w);
    edge *edges = malloc((size_t)CHECK_MAX * CHECK_MAX / 2 * sizeof *edges);
    uint32_t *local = malloc(CHECK_MAX * sizeof *local);
    if (!parent || !start || !members || !w || !edges || !local)
        goto out;
    *split = *unchecked = 0;
    for (size_t i = 0; i < n; i++)
        parent[i] = (uint32_t)i;
    for (size_t k = 0; k < npairs; k++)
        if (pairs[k].weight >= w_auto)
            uf_union(parent, pairs[k].a, pairs[k].b);
    /* group the records by component root (counting sort) */
    for (size_t i = 0; i < n; i++)
        start[uf_find(parent, (uint32_t)i) + 1]++;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    uint32_t *fill = person; /* borrowed as a cursor until the numbering below */
    memcpy(fill, start, n * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        uint32_t root = uf_find(parent, (uint32_t)i);
        members[fill[root]++] = (uint32_t)i;
    }
    for (size_t root = 0; root < n; root++) {
        size_t s = start[root + 1] - start[root];
        if (s <= 2)
            continue;
        if (s > CHECK_MAX) {
            (*unchecked)++;
            continue;
        }
        *split += (size_t)split_component(d, m, members + start[root], s, w_auto, w_join, parent, w,
                                          edges, local);
    }
    /* number persons in record order */
    for (size_t i = 0; i < n; i++)
        person[i] = UINT32_MAX;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t root = parent[i];
        while (parent[root] != root)
            root = parent[root];
        if (person[root] == UINT32_MAX)
            person[root] = (uint32_t)next++;
        person[i] = person[root];
    }
    *npersons = next;
    r = HV_OK;
out:
    free(parent);
    free(start);
    free(members);
    free(w);
    free(edges);
    free(local);
    return r;
}
