/*
 * synth.h - synthetic services for the directory: HSDS 3.0 JSON in the
 * shape `haven directory import` reads, for the demo, the tests and the
 * benchmark. Places are Los Angeles County ZIP code areas (points spread
 * around each area's centre); schedules include weekday hours, evenings,
 * weekends, overnight shelters, around the clock and holidays; ages,
 * languages (English, Spanish and others), free and paid services,
 * taxonomy terms, and some locations that are Safe Youth Zones (fire
 * stations, libraries, parks, clinics) with the haven extension
 * `x_safe_youth_zone`. Every name is made up. Same seed, same output.
 */
#ifndef HAVEN_DIRECTORY_SYNTH_H
#define HAVEN_DIRECTORY_SYNTH_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/result.h"
#include "store/store.h"

typedef struct synth_options {
    int64_t count; /* services to make */
    int64_t first; /* number of the first one (ids are svc-<seed>-<n>): for files made in parts */
    uint64_t seed;
    int64_t syz; /* how many of them are Safe Youth Zone sites (taken from the first ones) */
} synth_options;

/* Service number N (from 0) of the set SEED as an HSDS service object (with
 * its organization nested); a Safe Youth Zone site when SYZ. Caller
 * decrefs. */
json_t *synth_service(uint64_t seed, int64_t n, int syz);
/* Writes {"services": [...]} for O to OUT, one service at a time (the
 * whole set is never in memory). HV_ERR_IO on a write error. */
hv_result synth_write(const synth_options *o, FILE *out);

/* The demo's directory (`haven demo`): N services of seed SYNTH_DEMO_SEED,
 * the first SYNTH_DEMO_SYZ of them Safe Youth Zone sites, imported in the
 * caller's write transaction C. */
#define SYNTH_DEMO_SEED     20261
#define SYNTH_DEMO_SERVICES 200
#define SYNTH_DEMO_SYZ      12
hv_result synth_demo(store_conn *c, int64_t n, hv_err *e);

#endif
