/* metrics.c - per-route counters and histograms (see metrics.h). */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                               409, 413, 415, 423, 429, 500, 503, 0};
#define NSTATUS (int)(sizeof statuses / sizeof statuses[0]) /* last: other */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define NBOUNDS (int)(sizeof bounds / sizeof bounds[0])

typedef struct series {
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t buckets[NBOUNDS];
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_ns;
} series;

struct http_metrics {
    int nroutes;
    series *s; /* nroutes + 2: static, unmatched */
};

http_metrics *
metrics_new(int nroutes)
{
    http_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nroutes = nroutes;
    m->s = calloc((size_t)nroutes + 2, sizeof *m->s);
    if (!m->s) {
        free(m);
        return NULL;
    }
    return m;
}

void
metrics_free(http_metrics *m)
{
    if (!m)
        return;
    free(m->s);
    free(m);
}

void
metrics_observe(http_metrics *m, int route_index, const char *name, int status, uint64_t dur_ns)
{
    int i = route_index >= 0 ? route_index : m->nroutes + (strcmp(name, "static") == 0 ? 0 : 1);
    series *s = &m->s[i];
    int k = 0;
    while (statuses[k] && statuses[k] != status)
        k++;
    atomic_fetch_add_explicit(&s->by_status[k], 1, memory_order_relaxed);
    double secs = (double)dur_ns / 1e9;
    for (int b = 0; b < NBOUNDS; b++)
        if (secs <= bounds[b]) {
            atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, dur_ns, memory_order_relaxed);
}

static void
route_label(const http_route *routes, int nroutes, int i, char *out, size_t outsz)
{
    if (i < nroutes)
        snprintf(out, outsz, "method=\"%s\",route=\"%s\"", routes[i].method, routes[i].pattern);
    else
        snprintf(out, outsz, "method=\"\",route=\"%s\"", i == nroutes ? "static" : "unmatched");
}

void
metrics_render(const http_metrics *m, const http_route *routes, int nroutes, buf *out)
{
    char label[300];
    buf_adds(out, "# HELP haven_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE haven_http_requests_total counter\n");
    for (int i = 0; i < m->nroutes + 2; i++) {
        route_label(routes, nroutes, i, label, sizeof label);
        for (int k = 0; k < NSTATUS; k++) {
            uint64_t v = atomic_load(&m->s[i].by_status[k]);
            if (!v)
                continue;
            if (statuses[k])
                buf_addf(out, "haven_http_requests_total{%s,status=\"%d\"} %llu\n", label,
                         statuses[k], (unsigned long long)v);
            else
                buf_addf(out, "haven_http_requests_total{%s,status=\"other\"} %llu\n", label,
                         (unsigned long long)v);
        }
    }
    buf_adds(out, "# HELP haven_http_request_duration_seconds Time to handle a request.\n"
                  "# TYPE haven_http_request_duration_seconds histogram\n");
    for (int i = 0; i < m->nroutes + 2; i++) {
        uint64_t count = atomic_load(&m->s[i].count);
        if (!count)
            continue;
        route_label(routes, nroutes, i, label, sizeof label);
        uint64_t cum = 0;
        for (int b = 0; b < NBOUNDS; b++) {
            cum += atomic_load(&m->s[i].buckets[b]);
            buf_addf(out, "haven_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", label,
                     bounds[b], (unsigned long long)cum);
        }
        buf_addf(out, "haven_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", label,
                 (unsigned long long)count);
        buf_addf(out, "haven_http_request_duration_seconds_sum{%s} %.6f\n", label,
                 (double)atomic_load(&m->s[i].sum_ns) / 1e9);
        buf_addf(out, "haven_http_request_duration_seconds_count{%s} %llu\n", label,
                 (unsigned long long)count);
    }
}
