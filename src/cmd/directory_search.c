/*
 * directory_search.c - `haven directory generate N` (synthetic HSDS
 * services, src/directory/synth.h) and `haven directory search-bench`
 * (the search engine timed directly against the raw FTS5 query on the
 * same database; bench/directory.sh runs it).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/clock.h"
#include "directory/search.h"
#include "directory/synth.h"
#include "directory/zipgeo.h"

static int
parse_count(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == 0 || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int
cmd_directory_generate(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven directory generate N [--seed S] [--first K] [--syz M] [--out FILE]\n\n"
        "Writes N synthetic HSDS 3.0 services (Los Angeles County places, schedules,\n"
        "ages, languages, fees, taxonomy terms) as JSON for `haven directory import`,\n"
        "to stdout or FILE. The same seed gives the same services; --first K starts at\n"
        "service number K (to write a large set in parts); the first M services (of the\n"
        "whole set) are Safe Youth Zone sites (default 0).\n";
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'}, {"first", required_argument, NULL, 'f'},
        {"syz", required_argument, NULL, 'z'},  {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    synth_options o = {.seed = 1};
    const char *out = NULL;
    int64_t v;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:f:z:o:h", opts, NULL)) != -1) {
        if (ch == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (ch == 'o') {
            out = optarg;
            continue;
        }
        if ((ch != 's' && ch != 'f' && ch != 'z') || parse_count(optarg, &v) != 0) {
            fputs(usage, stderr);
            return 2;
        }
        if (ch == 's')
            o.seed = (uint64_t)v;
        else if (ch == 'f')
            o.first = v;
        else
            o.syz = v;
    }
    /* argv: directory generate N */
    if (argc - optind != 2 || strcmp(argv[optind], "generate") != 0 ||
        parse_count(argv[optind + 1], &o.count) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "haven: cannot write '%s'\n", out);
        return 1;
    }
    hv_result r = synth_write(&o, f);
    if (out && fclose(f) != 0)
        r = HV_ERR_IO;
    if (r != HV_OK) {
        fprintf(stderr, "haven: generate: %s\n", hv_strerror(r));
        return 1;
    }
    return 0;
}

/* ---- search-bench ------------------------------------------------------------------ */

typedef struct bench_q {
    const char *kind; /* "text+radius+open", "common words", "rare words", "filters only" */
    const char *text; /* or NULL */
    const char *zip;  /* or NULL */
    int open, age, free_only;
    const char *lang;
} bench_q;

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static hv_result
bench_count(void *ctx, const store_row *row)
{
    (void)row;
    (*(int64_t *)ctx)++;
    return HV_OK;
}

/* The raw FTS5 query for TEXT (the engine's own quoting), ranked top 20
 * or every match unranked; milliseconds. */
static double
raw_fts(store *st, const char *text, int ranked)
{
    char fq[700];
    if (dir_search_fts_query(text, NULL, fq, sizeof fq) == 0)
        return 0;
    store_conn *c;
    if (store_read(st, &c) != HV_OK)
        return -1;
    store_val a[] = {SV_TEXTV(fq)};
    int64_t n = 0;
    uint64_t t0 = clock_mono_ns();
    store_query(c,
                ranked ? "SELECT rowid FROM dir_service_fts WHERE dir_service_fts MATCH ? "
                         "ORDER BY rank LIMIT 20"
                       : "SELECT rowid FROM dir_service_fts WHERE dir_service_fts MATCH ?",
                a, 1, bench_count, &n);
    double ms = (double)(clock_mono_ns() - t0) / 1e6;
    store_release(c);
    return ms;
}

int
cmd_directory_search_bench(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven directory search-bench [--rounds R] [--data DIR]\n\n"
        "Times the directory search engine on a mix of queries (words with a radius and\n"
        "open now around several ZIP codes, common and rare words, filters only) against\n"
        "the raw FTS5 query for the same words on the same database, and prints\n"
        "p50/p95/p99 and the ratios (bench/directory.sh).\n";
    static const struct option opts[] = {{"rounds", required_argument, NULL, 'r'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int64_t rounds = 5;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "r:d:h", opts, NULL)) != -1) {
        if (ch == 'd')
            data = optarg;
        else if (ch == 'r' && parse_count(optarg, &rounds) == 0 && rounds > 0)
            ;
        else {
            fputs(usage, ch == 'h' ? stdout : stderr);
            return ch == 'h' ? 0 : 2;
        }
    }
    haven_config cfg;
    config_defaults(&cfg);
    store *st;
    crypt_keys *keys;
    if (cmd_open(cmd_data_dir(data), &cfg, 0, &st, &keys) != 0)
        return 1;
    const zipgeo *z = NULL;
    if (zipgeo_shared(zipgeo_path(cfg.zip_table), &z) != HV_OK) {
        fprintf(stderr, "haven: no ZIP table\n");
        store_close(st);
        crypt_free(keys);
        return 1;
    }
    static const char *const zips_[] = {"90011", "90802", "91331", "90044", "91702", "93534"};
    static const char *const words[] = {"counseling", "shelter", "legal aid",    "food pantry",
                                        "help",       "youth",   "mental health"};
    static const char *const rare[] = {"acupuncture", "tattoo", "doula", "braille"};
    bench_q qs[128];
    int nq = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 7; j++)
            qs[nq++] = (bench_q){"text+radius+open", words[j], zips_[i], 1, -1, 0, NULL};
    static const char *const common[] = {"help", "youth", "services", "free"};
    for (int j = 0; j < 4; j++)
        qs[nq++] = (bench_q){"common words (no place)", common[j], NULL, 0, -1, 0, NULL};
    for (int j = 0; j < 4; j++)
        qs[nq++] = (bench_q){"rare words (no place)", rare[j], NULL, 0, -1, 0, NULL};
    for (int i = 0; i < 6; i++)
        qs[nq++] = (bench_q){"filters only", NULL, zips_[i], 1, 16, 1, "es"};

    /* the first search builds the index */
    uint64_t t0 = clock_mono_ns();
    dir_query q0 = {.age = -1, .page = 1, .per_page = 20};
    dir_result res;
    hv_err e = {0};
    if (dir_search_run(st, cfg.timezone, &q0, &res, &e) != HV_OK) {
        fprintf(stderr, "haven: search failed: %s\n", e.detail);
        store_close(st);
        crypt_free(keys);
        return 1;
    }
    double build_ms = (double)(clock_mono_ns() - t0) / 1e6;
    printf("index build: %.0f ms for %lld services\n", build_ms, (long long)res.total);
    dir_result_free(&res);

    enum { KINDS = 4 };
    static const char *const kinds[KINDS] = {"text+radius+open", "common words (no place)",
                                             "rare words (no place)", "filters only"};
    int cap = (int)(nq * rounds);
    double *lat[KINDS], *first = calloc((size_t)nq, sizeof(double));
    int nlat[KINDS] = {0};
    for (int k = 0; k < KINDS; k++)
        lat[k] = calloc((size_t)cap, sizeof(double));
    /* per distinct text: engine and raw times, for the ratios */
    double ratio_rank[64], ratio_unrank[64];
    int nratio = 0;
    for (int64_t round = 0; round <= rounds; round++) {
        for (int i = 0; i < nq; i++) {
            dir_query q = {.text = qs[i].text,
                           .age = qs[i].age,
                           .language = qs[i].lang,
                           .free_only = qs[i].free_only,
                           .page = 1,
                           .per_page = 20};
            if (qs[i].zip) {
                q.has_near = 1;
                q.radius_mi = 5;
                zipgeo_lookup(z, qs[i].zip, &q.near);
            }
            if (qs[i].open) {
                q.has_open_at = 1;
                q.open_at_ms = clock_now_ms();
            }
            uint64_t a = clock_mono_ns();
            hv_result r = dir_search_run(st, cfg.timezone, &q, &res, &e);
            double ms = (double)(clock_mono_ns() - a) / 1e6;
            if (r != HV_OK) {
                fprintf(stderr, "haven: search failed: %s\n", hv_strerror(r));
                continue;
            }
            dir_result_free(&res);
            int k = 0;
            while (strcmp(kinds[k], qs[i].kind) != 0)
                k++;
            /* the first round reads each word's matches (once per index):
             * reported apart, as "first" */
            if (round == 0)
                first[i] = ms;
            else
                lat[k][nlat[k]++] = ms;
        }
    }
    printf("%-26s %6s %8s %8s %8s %10s\n", "queries (warm)", "n", "p50 ms", "p95 ms", "p99 ms",
           "cold max");
    for (int k = 0; k < KINDS; k++) {
        double fmax = 0;
        for (int i = 0; i < nq; i++)
            if (strcmp(qs[i].kind, kinds[k]) == 0 && first[i] > fmax)
                fmax = first[i];
        printf("%-26s %6d %8.3f %8.3f %8.3f %10.3f\n", kinds[k], nlat[k], pct(lat[k], nlat[k], 0.5),
               pct(lat[k], nlat[k], 0.95), pct(lat[k], nlat[k], 0.99), fmax);
    }
    /* the same words: the engine (no filters) against raw FTS5 */
    const char *texts[16];
    int nt = 0;
    for (int j = 0; j < 7; j++)
        texts[nt++] = words[j];
    for (int j = 0; j < 4; j++)
        texts[nt++] = common[j];
    for (int j = 0; j < 4; j++)
        texts[nt++] = rare[j];
    printf("\n%-16s %10s %10s %12s %10s %10s\n", "words", "engine ms", "fts rank ms", "fts all ms",
           "x ranked", "x all");
    for (int t = 0; t < nt; t++) {
        double eng[9], rk[9], un[9];
        for (int rep = 0; rep < 9; rep++) {
            dir_query q = {.text = texts[t], .age = -1, .page = 1, .per_page = 20};
            uint64_t a = clock_mono_ns();
            if (dir_search_run(st, cfg.timezone, &q, &res, &e) == HV_OK)
                dir_result_free(&res);
            eng[rep] = (double)(clock_mono_ns() - a) / 1e6;
            rk[rep] = raw_fts(st, texts[t], 1);
            un[rep] = raw_fts(st, texts[t], 0);
        }
        double me = pct(eng, 9, 0.5), mr = pct(rk, 9, 0.5), mu = pct(un, 9, 0.5);
        ratio_rank[nratio] = me / mr;
        ratio_unrank[nratio++] = me / mu;
        printf("%-16s %10.3f %10.3f %12.3f %10.2f %10.2f\n", texts[t], me, mr, mu, me / mr,
               me / mu);
    }
    double worst_r = 0, worst_u = 0;
    for (int i = 0; i < nratio; i++) {
        if (ratio_rank[i] > worst_r)
            worst_r = ratio_rank[i];
        if (ratio_unrank[i] > worst_u)
            worst_u = ratio_unrank[i];
    }
    printf("worst engine/raw ratio: %.2f (ranked top 20), %.2f (every match, unranked)\n", worst_r,
           worst_u);
    dir_search_stats ss;
    dir_search_get_stats(&ss);
    printf("searches %llu, index builds %llu, word walks %llu\n", (unsigned long long)ss.searches,
           (unsigned long long)ss.builds, (unsigned long long)ss.term_walks);
    for (int k = 0; k < KINDS; k++)
        free(lat[k]);
    free(first);
    dir_search_reset();
    store_close(st);
    crypt_free(keys);
    return 0;
}
