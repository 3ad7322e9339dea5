/*
 * metrics.h - request counters and latency histograms per route, in
 * Prometheus text format. Lock-free: every counter is atomic.
 */
#ifndef HAVEN_METRICS_H
#define HAVEN_METRICS_H

#include <stdint.h>

#include "core/buf.h"
#include "http/http.h"

typedef struct http_metrics http_metrics;

http_metrics *metrics_new(int nroutes);
void metrics_free(http_metrics *m);
/* ROUTE_INDEX -1 counts under NAME ("static" or "unmatched"). */
void metrics_observe(http_metrics *m, int route_index, const char *name, int status,
                     uint64_t dur_ns);
void metrics_render(const http_metrics *m, const http_route *routes, int nroutes, buf *out);

#endif
