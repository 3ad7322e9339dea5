/* test_geocode.c - the address geocoder client (directory/geocode) against
 * a fake geocoder on loopback: libmicrohttpd in this process, speaking both
 * the Nominatim and the Census shape, checking the query each sends and
 * counting calls. No network beyond 127.0.0.1. Covers matches and no match
 * in both shapes, the User-Agent, the cache (hits, misses, eviction, what
 * is not cached), a slow service past the timeout, errors and wrong shapes,
 * an unreachable service, the rate limit, address checks, and that the
 * address never reaches the log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/config.h"
#include "directory/geocode.h"

/* Los Angeles City Hall, as the fake answers for any found address. */
#define FOUND_LAT 34.05361
#define FOUND_LON -118.24278

static struct fake {
    struct MHD_Daemon *d;
    unsigned short port;
    atomic_int calls;
    atomic_int bad_query; /* a request missing a parameter it must send */
    char ua[256];
    char last_address[512];
} F;

/* What the fake answers for ADDRESS: "nowhere" finds nothing, "slow" waits
 * 1.5 s, "broken" is a 500, "garbage" is not JSON, "wrongshape" is JSON of
 * another shape, "outside" is out of bounds; anything else is found. */
static const char *
answer(const char *address, int census, unsigned *status)
{
    *status = 200;
    if (strcasestr(address, "nowhere"))
        return census ? "{\"result\":{\"input\":{},\"addressMatches\":[]}}" : "[]";
    if (strcasestr(address, "slow")) {
        struct timespec ts = {1, 500000000L};
        nanosleep(&ts, NULL);
    }
    if (strcasestr(address, "broken")) {
        *status = 500;
        return "{\"error\":\"internal\"}";
    }
    if (strcasestr(address, "garbage"))
        return "<html>not json</html>";
    if (strcasestr(address, "wrongshape"))
        return census ? "{\"result\":{\"addressMatches\":{}}}" : "{\"lat\":\"34\"}";
    if (strcasestr(address, "outside"))
        return census
                   ? "{\"result\":{\"addressMatches\":[{\"coordinates\":{\"x\":-118,\"y\":95}}]}}"
                   : "[{\"lat\":\"95\",\"lon\":\"-118\"}]";
    return census
               ? "{\"result\":{\"input\":{\"address\":{}},\"addressMatches\":[{\"matchedAddress\":"
                 "\"200 N SPRING ST, LOS ANGELES, CA, 90012\",\"coordinates\":{\"x\":-118.24278,"
                 "\"y\":34.05361},\"tigerLine\":{\"side\":\"L\"}}]}}"
               : "[{\"place_id\":1,\"lat\":\"34.05361\",\"lon\":\"-118.24278\","
                 "\"display_name\":\"Los Angeles City Hall\"}]";
}

static int
arg_is(struct MHD_Connection *c, const char *k, const char *want)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    return v && strcmp(v, want) == 0;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **ptr)
{
    (void)cls, (void)version, (void)upload_data, (void)upload_data_size, (void)ptr;
    atomic_fetch_add(&F.calls, 1);
    const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(F.ua, sizeof F.ua, "%s", ua ? ua : "");
    int census = strcmp(url, "/geocoder/locations/onelineaddress") == 0;
    const char *address = NULL;
    if (strcmp(method, "GET") != 0) {
        atomic_fetch_add(&F.bad_query, 1);
    } else if (census) {
        address = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "address");
        if (!arg_is(c, "benchmark", "Public_AR_Current") || !arg_is(c, "format", "json"))
            atomic_fetch_add(&F.bad_query, 1);
    } else if (strcmp(url, "/search") == 0) {
        address = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
        if (!arg_is(c, "format", "jsonv2") || !arg_is(c, "limit", "1") ||
            !arg_is(c, "countrycodes", "us"))
            atomic_fetch_add(&F.bad_query, 1);
    }
    unsigned status = 404;
    const char *body = "{}";
    if (address) {
        snprintf(F.last_address, sizeof F.last_address, "%s", address);
        body = answer(address, census, &status);
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static int
fake_start(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    F.d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                           NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!F.d)
        return -1;
    F.port = MHD_get_daemon_info(F.d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return F.port ? 0 : -1;
}

static int
fake_stop(void **state)
{
    (void)state;
    MHD_stop_daemon(F.d);
    return 0;
}

static geocoder *
make(geocode_kind kind, long timeout_ms, long interval_ms, size_t cache)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u/", F.port); /* a trailing slash is fine */
    geocode_options opt = {.kind = kind,
                           .base_url = base,
                           .timeout_ms = timeout_ms,
                           .contact = "https://haven.example.gov",
                           .min_interval_ms = interval_ms,
                           .cache_entries = cache};
    geocoder *g = NULL;
    assert_int_equal(geocoder_new(&opt, &g), HV_OK);
    return g;
}

static void
assert_found(geo_point p)
{
    assert_true(fabs(p.lat - FOUND_LAT) < 1e-9 && fabs(p.lon - FOUND_LON) < 1e-9);
}

static void
check_kind(geocode_kind kind)
{
    geocoder *g = make(kind, 2000, 0, 0);
    geo_point p = {0, 0};
    int before = atomic_load(&F.calls);
    assert_int_equal(geocode_address(g, "200 N Spring St, Los Angeles, CA 90012", &p), HV_OK);
    assert_found(p);
    assert_int_equal(atomic_load(&F.calls), before + 1);
    assert_int_equal(atomic_load(&F.bad_query), 0);
    /* the address arrives whole, escaped and unescaped again */
    assert_string_equal(F.last_address, "200 N Spring St, Los Angeles, CA 90012");
    assert_true(strncmp(F.ua, "haven/", 6) == 0);
    assert_non_null(strstr(F.ua, "+https://haven.example.gov"));
    /* the same address, in other case and spacing: from the cache */
    p = (geo_point){0, 0};
    assert_int_equal(geocode_address(g, "  200 n SPRING st,   los angeles, ca 90012 ", &p), HV_OK);
    assert_found(p);
    assert_int_equal(atomic_load(&F.calls), before + 1);
    /* no such place, remembered too */
    p = (geo_point){1, 2};
    assert_int_equal(geocode_address(g, "1 nowhere lane", &p), HV_ERR_NOTFOUND);
    assert_int_equal(geocode_address(g, "1 Nowhere Lane", &p), HV_ERR_NOTFOUND);
    assert_int_equal(atomic_load(&F.calls), before + 2);
    assert_true(p.lat == 1 && p.lon == 2); /* untouched */
    /* characters that need escaping reach the service as typed */
    assert_int_equal(geocode_address(g, "Calle 5 #12 & Ave Niños/Oeste?x=1", &p), HV_OK);
    assert_string_equal(F.last_address, "Calle 5 #12 & Ave Niños/Oeste?x=1");
    assert_int_equal(atomic_load(&F.bad_query), 0);
    geocoder_free(g);
}

static void
test_nominatim(void **state)
{
    (void)state;
    check_kind(GEOCODE_NOMINATIM);
}

static void
test_census(void **state)
{
    (void)state;
    check_kind(GEOCODE_CENSUS);
}

/* Failures answer HV_ERR_UNAVAILABLE and are not cached: the next call
 * asks again. */
static void
test_failures(void **state)
{
    (void)state;
    static const char *const failing[] = {"9 broken st", "9 garbage st", "9 wrongshape st",
                                          "9 outside st"};
    for (int k = 0; k < 2; k++) {
        geocoder *g = make(k ? GEOCODE_CENSUS : GEOCODE_NOMINATIM, 2000, 0, 0);
        for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
            geo_point p = {1, 2};
            int before = atomic_load(&F.calls);
            assert_int_equal(geocode_address(g, failing[i], &p), HV_ERR_UNAVAILABLE);
            assert_int_equal(geocode_address(g, failing[i], &p), HV_ERR_UNAVAILABLE);
            assert_int_equal(atomic_load(&F.calls), before + 2);
            assert_true(p.lat == 1 && p.lon == 2);
        }
        geocoder_free(g);
    }
}

/* A service slower than the timeout: given up on in about the timeout. */
static void
test_timeout(void **state)
{
    (void)state;
    geocoder *g = make(GEOCODE_NOMINATIM, 300, 0, 0);
    geo_point p;
    int64_t t0 = clock_mono_ms();
    assert_int_equal(geocode_address(g, "1 slow street", &p), HV_ERR_UNAVAILABLE);
    int64_t took = clock_mono_ms() - t0;
    assert_true(took >= 250 && took < 1200);
    geocoder_free(g);
}

/* Nothing listening: refused at once, HV_ERR_UNAVAILABLE. */
static void
test_unreachable(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    close(s); /* a port that was free a moment ago, with no listener */
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", ntohs(sa.sin_port));
    geocode_options opt = {.kind = GEOCODE_CENSUS, .base_url = base, .timeout_ms = 1000};
    geocoder *g = NULL;
    assert_int_equal(geocoder_new(&opt, &g), HV_OK);
    geo_point p;
    assert_int_equal(geocode_address(g, "200 N Spring St", &p), HV_ERR_UNAVAILABLE);
    geocoder_free(g);
}

/* A cache of two: the least recently used address goes first. */
static void
test_cache_eviction(void **state)
{
    (void)state;
    geocoder *g = make(GEOCODE_NOMINATIM, 2000, 0, 2);
    geo_point p;
    int base = atomic_load(&F.calls);
    assert_int_equal(geocode_address(g, "1 First St", &p), HV_OK);
    assert_int_equal(geocode_address(g, "2 Second St", &p), HV_OK);
    assert_int_equal(geocode_address(g, "1 First St", &p), HV_OK); /* hit; Second is older */
    assert_int_equal(atomic_load(&F.calls), base + 2);
    assert_int_equal(geocode_address(g, "3 Third St", &p), HV_OK); /* evicts Second */
    assert_int_equal(atomic_load(&F.calls), base + 3);
    assert_int_equal(geocode_address(g, "1 First St", &p), HV_OK);
    assert_int_equal(atomic_load(&F.calls), base + 3);
    assert_int_equal(geocode_address(g, "2 Second St", &p), HV_OK);
    assert_int_equal(atomic_load(&F.calls), base + 4);
    geocoder_free(g);
}

/* A minimum interval between calls: a second call sooner is refused, a
 * cached answer is not a call. */
static void
test_rate(void **state)
{
    (void)state;
    geocoder *g = make(GEOCODE_NOMINATIM, 2000, 60000, 0);
    geo_point p;
    assert_int_equal(geocode_address(g, "1 First St", &p), HV_OK);
    assert_int_equal(geocode_address(g, "2 Second St", &p), HV_ERR_RATE);
    assert_int_equal(geocode_address(g, "1 first st", &p), HV_OK);
    geocoder_free(g);
}

static void
test_address_checks(void **state)
{
    (void)state;
    geocoder *g = make(GEOCODE_NOMINATIM, 2000, 0, 0);
    geo_point p;
    int before = atomic_load(&F.calls);
    char longest[GEOCODE_MAX_ADDRESS + 2];
    memset(longest, 'a', sizeof longest);
    longest[GEOCODE_MAX_ADDRESS + 1] = '\0';
    assert_int_equal(geocode_address(g, longest, &p), HV_ERR_INVALID);
    longest[GEOCODE_MAX_ADDRESS] = '\0';
    assert_int_equal(geocode_address(g, longest, &p), HV_OK);
    /* blanks around do not count towards the limit */
    char padded[GEOCODE_MAX_ADDRESS + 8];
    snprintf(padded, sizeof padded, "  %s  ", longest);
    assert_int_equal(geocode_address(g, padded, &p), HV_OK);
    static const char *const bad[] = {"", "   ", "\t", "1 Main St\n", "1 Main\rSt", "1 Main\x7fSt"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(geocode_address(g, bad[i], &p), HV_ERR_INVALID);
    assert_int_equal(geocode_address(g, NULL, &p), HV_ERR_INVALID);
    assert_int_equal(atomic_load(&F.calls), before + 1);
    geocoder_free(g);

    /* no geocoder configured */
    geocode_options none = {.kind = GEOCODE_NONE};
    assert_int_equal(geocoder_new(&none, &g), HV_OK);
    assert_int_equal(geocoder_kind(g), GEOCODE_NONE);
    assert_int_equal(geocode_address(g, "200 N Spring St", &p), HV_ERR_UNAVAILABLE);
    assert_int_equal(geocode_address(g, "", &p), HV_ERR_INVALID);
    geocoder_free(g);
    assert_int_equal(geocode_address(NULL, "200 N Spring St", &p), HV_ERR_UNAVAILABLE);
}

/* The address is never written to the log, even when the call fails. */
static void
test_never_logs_address(void **state)
{
    (void)state;
    char path[] = "/tmp/haven-geocode-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    geocoder *g = make(GEOCODE_CENSUS, 2000, 0, 0);
    geo_point p;
    hv_result r1 = geocode_address(g, "4417 Marigold Broken Lane", &p);
    hv_result r2 = geocode_address(g, "4417 Marigold Garbage Lane", &p);
    hv_result r3 = geocode_address(g, "4417 Marigold Lane", &p);
    geocoder_free(g);
    fflush(stderr);
    dup2(saved, STDERR_FILENO); /* before any assertion, which would print there */
    close(saved);
    assert_int_equal(r1, HV_ERR_UNAVAILABLE);
    assert_int_equal(r2, HV_ERR_UNAVAILABLE);
    assert_int_equal(r3, HV_OK);
    char logged[4096] = "";
    ssize_t n = pread(fd, logged, sizeof logged - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0); /* the failures were logged */
    logged[n] = '\0';
    assert_non_null(strstr(logged, "geocoder failed"));
    assert_non_null(strstr(logged, "\"status\":500"));
    assert_non_null(strstr(logged, "\"reason\":\"unexpected answer\""));
    assert_null(strstr(logged, "Marigold"));
    assert_null(strstr(logged, "4417"));
}

static void
test_parse_shapes(void **state)
{
    (void)state;
    geo_point p;
#define PARSE(kind, s) geocode_parse(kind, s, strlen(s), &p)
    assert_int_equal(PARSE(GEOCODE_NOMINATIM, "[{\"lat\":\"34.5\",\"lon\":\"-118.25\"}]"), HV_OK);
    assert_true(p.lat == 34.5 && p.lon == -118.25);
    assert_int_equal(PARSE(GEOCODE_NOMINATIM, "[{\"lat\":34.5,\"lon\":-118.25},{}]"), HV_OK);
    assert_int_equal(PARSE(GEOCODE_NOMINATIM, "[]"), HV_ERR_NOTFOUND);
    assert_int_equal(PARSE(GEOCODE_CENSUS, "{\"result\":{\"addressMatches\":[{\"coordinates\":"
                                           "{\"x\":-118.25,\"y\":34.5}}]}}"),
                     HV_OK);
    assert_true(p.lat == 34.5 && p.lon == -118.25);
    assert_int_equal(PARSE(GEOCODE_CENSUS, "{\"result\":{\"addressMatches\":[]}}"),
                     HV_ERR_NOTFOUND);
    static const char *const nom_bad[] = {
        "",
        "{}",
        "[1]",
        "[{}]",
        "[{\"lat\":\"34\"}]",
        "[{\"lat\":\"34\",\"lon\":\"x\"}]",
        "[{\"lat\":\"nan\",\"lon\":\"1\"}]",
        "[{\"lat\":\"1e1\",\"lon\":\"1\"}]",
        "[{\"lat\":\"\",\"lon\":\"1\"}]",
        "[{\"lat\":\"34\",\"lon\":\"-200\"}]",
        "[{\"lat\":true,\"lon\":1}]",
        "[{\"lat\":\"34\",\"lat\":\"35\",\"lon\":\"1\"}]",
        "[{\"lat\":\"34\",\"lon\":\"1\"}",
    };
    for (size_t i = 0; i < sizeof nom_bad / sizeof nom_bad[0]; i++)
        if (PARSE(GEOCODE_NOMINATIM, nom_bad[i]) != HV_ERR_UNAVAILABLE)
            fail_msg("nominatim '%s' was accepted", nom_bad[i]);
    static const char *const census_bad[] = {
        "[]",
        "{\"result\":{}}",
        "{\"result\":[]}",
        "{\"result\":{\"addressMatches\":[{}]}}",
        "{\"result\":{\"addressMatches\":[{\"coordinates\":{\"x\":1}}]}}",
        "{\"result\":{\"addressMatches\":[{\"coordinates\":{\"x\":-118,\"y\":-91}}]}}",
        "{\"result\":{\"addressMatches\":[{\"coordinates\":[1,2]}]}}",
    };
    for (size_t i = 0; i < sizeof census_bad / sizeof census_bad[0]; i++)
        if (PARSE(GEOCODE_CENSUS, census_bad[i]) != HV_ERR_UNAVAILABLE)
            fail_msg("census '%s' was accepted", census_bad[i]);
    assert_int_equal(PARSE(GEOCODE_NONE, "[]"), HV_ERR_UNAVAILABLE);
    /* a NUL inside the body */
    assert_int_equal(geocode_parse(GEOCODE_NOMINATIM, "[]\0[1]", 6, &p), HV_ERR_UNAVAILABLE);
#undef PARSE
}

static void
test_config(void **state)
{
    (void)state;
    haven_config cfg;
    char err[256];
    config_defaults(&cfg);
    assert_string_equal(cfg.geocoder, "none");
    assert_string_equal(cfg.geocoder_url, "");
    assert_int_equal(cfg.geocoder_timeout_ms, 5000);
    assert_string_equal(cfg.zip_table, "");
    assert_int_equal(config_set(&cfg, "directory", "geocoder", "google", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_string_equal(err, "key 'geocoder': 'google' is not none, nominatim or census");
    assert_int_equal(config_set(&cfg, "directory", "geocoder_timeout_ms", "10", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_int_equal(config_set(&cfg, "directory", "geocoder", "census", err, sizeof err), HV_OK);

    geocoder *g = NULL;
    assert_int_equal(geocoder_from_config(&cfg, &g), HV_OK);
    assert_int_equal(geocoder_kind(g), GEOCODE_CENSUS);
    geocoder_free(g);
    assert_int_equal(
        config_set(&cfg, "directory", "geocoder_url", "ftp://geo.example", err, sizeof err), HV_OK);
    assert_int_equal(geocoder_from_config(&cfg, &g), HV_ERR_CONFIG);

    /* from the config, against the fake */
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", F.port);
    assert_int_equal(config_set(&cfg, "directory", "geocoder", "nominatim", err, sizeof err),
                     HV_OK);
    assert_int_equal(config_set(&cfg, "directory", "geocoder_url", base, err, sizeof err), HV_OK);
    assert_int_equal(geocoder_from_config(&cfg, &g), HV_OK);
    geo_point p;
    assert_int_equal(geocode_address(g, "200 N Spring St", &p), HV_OK);
    assert_found(p);
    /* not the public Nominatim: no interval between calls */
    assert_int_equal(geocode_address(g, "201 N Spring St", &p), HV_OK);
    geocoder_free(g);

    assert_int_equal(geocode_kind_parse("none"), GEOCODE_NONE);
    assert_int_equal(geocode_kind_parse("nominatim"), GEOCODE_NOMINATIM);
    assert_int_equal(geocode_kind_parse("census"), GEOCODE_CENSUS);
    assert_int_equal(geocode_kind_parse("Census"), -1);
    assert_int_equal(geocode_kind_parse(NULL), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nominatim),
        cmocka_unit_test(test_census),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_cache_eviction),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_address_checks),
        cmocka_unit_test(test_never_logs_address),
        cmocka_unit_test(test_parse_shapes),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, fake_start, fake_stop);
}
