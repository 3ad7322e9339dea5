/*
 * serve.c - `haven serve`: open the data, start the HTTP server, wait for
 * SIGTERM or SIGINT, then stop accepting, let in-flight requests finish and
 * close the database.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "directory/search.h"
#include "report/outcomes.h"
#include "notify/deliver.h"
#include "notify/hub.h"
#include "protocol/scheduler.h"
#include "protocol/suggest.h"
#include "protocol/watchdog.h"
#include "cmd/cmd.h"
#include "core/clock.h"
#include "core/log.h"
#include "directory/tiles.h"

/* store_listen(): another process committed a change. */
static void
wake_hub(void *arg)
{
    (void)arg;
    hub_publish();
}

static const char serve_usage[] =
    "usage: haven serve [--data DIR] [--database URL] [--listen ADDR:PORT] [--config FILE]\n"
    "                   [--web DIR] [--test-clock]\n"
    "\n"
    "Serves haven over HTTP (or HTTPS when tls_cert and tls_key are set).\n"
    "  --data DIR          database and key file (default ./var, or $HAVEN_DATA)\n"
    "  --database URL      a PostgreSQL database, postgresql://... (or $HAVEN_DATABASE_URL,\n"
    "                      or [database] url); the key file stays in the data directory\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080, or $HAVEN_LISTEN);\n"
    "                      port 0 picks a free port, logged in the \"listening\" line\n"
    "  --config FILE       INI settings; `haven help config` lists every key\n"
    "  --web DIR           web assets (default ./web, else the source tree's web/)\n"
    "  --test-clock        let administrators set the clock (tests only)\n";

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = n >= 0 && n < (1 << 20) ? malloc((size_t)n + 1) : NULL;
    if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
        data[n] = '\0';
    } else {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

static const char *
default_web_dir(void)
{
    if (access("./web/index.html", R_OK) == 0)
        return "./web";
    return HAVEN_SOURCE_DIR "/web";
}

int
cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},   {"database", required_argument, NULL, 'D'},
        {"listen", required_argument, NULL, 'l'}, {"config", required_argument, NULL, 'c'},
        {"web", required_argument, NULL, 'w'},    {"test-clock", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *listen = NULL, *config = NULL, *web = NULL;
    int test_clock = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:D:l:c:w:th", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'D':
            cmd_set_database(optarg);
            break;
        case 'l':
            listen = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'w':
            web = optarg;
            break;
        case 't':
            test_clock = 1;
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return 0;
        default:
            fputs(serve_usage, stderr);
            return 2;
        }
    }
    static haven_app app; /* lives as long as the server */
    char err[512];
    config_defaults(&app.cfg);
    if (config && config_load(&app.cfg, config, err, sizeof err) != HV_OK) {
        fprintf(stderr, "haven: %s\n", err);
        return 2;
    }
    if (!listen)
        listen = getenv("HAVEN_LISTEN");
    if (listen && *listen && config_set(&app.cfg, "server", "listen", listen, err, sizeof err)) {
        fprintf(stderr, "haven: --listen: %s\n", err);
        return 2;
    }
    if (web && config_set(&app.cfg, "server", "web_dir", web, err, sizeof err)) {
        fprintf(stderr, "haven: --web: %s\n", err);
        return 2;
    }
    if (test_clock)
        app.cfg.test_clock = 1;
    if (clock_set_zone(app.cfg.timezone) != HV_OK) {
        fprintf(stderr,
                "haven: [county] timezone: '%s' is not a time zone installed here (e.g. "
                "America/Los_Angeles; Debian's tzdata package has them)\n",
                app.cfg.timezone);
        return 2;
    }
    /* the public pages' map tiles: the CSP's img-src allows their host only */
    static char tile_src[TILES_URL_MAX + 8];
    hv_err terr = {0};
    if (tiles_csp_source(app.cfg.tile_url, tile_src, sizeof tile_src, &terr) != HV_OK ||
        tiles_check_attribution(app.cfg.tile_attribution, &terr) != HV_OK) {
        fprintf(stderr, "haven: [directory] %s: %s\n", terr.field, terr.detail);
        return 2;
    }
    log_set_level((log_level)log_level_parse(app.cfg.log_level));
    clock_enable_test(app.cfg.test_clock);
    cmd_password_cost(&app.cfg);
    app.started_ms = clock_real_ms();
    app.lim = (session_limits){
        .idle_ms = app.cfg.session_idle_minutes * 60000,
        .absolute_ms = app.cfg.session_absolute_hours * 3600000,
        .max_failures = (int)app.cfg.login_max_failures,
        .lockout_ms = app.cfg.lockout_minutes * 60000,
    };

    /* Signals are taken by sigwait() below; every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *dir = cmd_data_dir(data);
    if (cmd_open(dir, &app.cfg, 1, &app.st, &app.keys) != 0)
        return 1;

    char *cert = NULL, *key = NULL;
    if (app.cfg.tls_cert[0] || app.cfg.tls_key[0]) {
        cert = read_file(app.cfg.tls_cert);
        key = read_file(app.cfg.tls_key);
        if (!cert || !key) {
            fprintf(stderr, "haven: cannot read tls_cert '%s' and tls_key '%s'\n", app.cfg.tls_cert,
                    app.cfg.tls_key);
            free(cert);
            free(key);
            store_close(app.st);
            crypt_free(app.keys);
            return 1;
        }
    }
    http_options ho = {
        .listen = app.cfg.listen,
        .routes = api_routes,
        .nroutes = api_nroutes,
        .app = &app,
        .before = api_before,
        .web_dir = app.cfg.web_dir[0] ? app.cfg.web_dir : default_web_dir(),
        .max_body = (size_t)app.cfg.max_body_bytes,
        .max_header = (size_t)app.cfg.max_header_bytes,
        .max_connections = (unsigned)app.cfg.max_connections,
        .per_ip_connections = (unsigned)app.cfg.per_ip_connections,
        .timeout_s = (unsigned)app.cfg.request_timeout_s,
        .threads = (unsigned)app.cfg.threads,
        .tls_cert_pem = cert,
        .tls_key_pem = key,
        .access_log = app.cfg.access_log,
        .trust_proxy = app.cfg.trust_proxy,
        .csp_img_src = tile_src,
    };
    if (outcomes_new(&app.outcomes) != HV_OK) {
        fprintf(stderr, "haven: out of memory\n");
        free(cert);
        free(key);
        store_close(app.st);
        crypt_free(app.keys);
        return 1;
    }
    if (http_start(&ho, &app.http) != HV_OK) {
        fprintf(stderr, "haven: cannot serve on %s\n", app.cfg.listen);
        outcomes_free(app.outcomes);
        free(cert);
        free(key);
        store_close(app.st);
        crypt_free(app.keys);
        return 1;
    }
    /* clocks that came due while haven was stopped fire on the first pass */
    if (scheduler_start(app.st, app.keys) != HV_OK || api_events_start(&app) != HV_OK ||
        deliver_start(app.st, app.keys, &app.cfg) != HV_OK ||
        watchdog_start(app.st, app.keys, app.cfg.notify_heartbeat_limit_s * 1000) != HV_OK) {
        fprintf(stderr, "haven: cannot start the clock and event threads\n");
        http_stop(app.http, 0);
        outcomes_free(app.outcomes);
        store_close(app.st);
        crypt_free(app.keys);
        free(cert);
        free(key);
        return 1;
    }
    /* other haven processes on the same PostgreSQL wake our streams and workers */
    if (store_listen(app.st, wake_hub, NULL) != HV_OK)
        log_event(LOG_WARN, "cannot listen for other processes' changes", NULL);
    /* the outcomes rollup into memory, beside the first requests */
    (void)outcomes_warm(app.outcomes, app.st);
    /* the directory's search index, likewise (docs/directory.md, "Search") */
    (void)dir_search_warm(app.st, app.cfg.timezone);
    /* the known youth into memory for suggestions at intake (docs/linkage.md) */
    (void)suggest_start(app.st, app.keys);
    atomic_store(&app.ready, 1);
    log_event(LOG_INFO, "listening",
              json_pack("{s:s, s:s, s:s, s:b, s:b, s:I}", "addr", http_address(app.http), "version",
                        HAVEN_VERSION, "database", store_backend(app.st), "tls", cert != NULL,
                        "test_clock", app.cfg.test_clock, "start_ms",
                        (json_int_t)(clock_real_ms() - app.started_ms)));

    int sig = 0;
    sigwait(&sigs, &sig);
    log_event(LOG_INFO, "stopping",
              json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "inflight",
                        http_inflight(app.http)));
    atomic_store(&app.ready, 0);
    watchdog_stop();
    scheduler_stop();
    deliver_stop();
    api_events_stop();
    http_stop(app.http, 10000);
    suggest_stop();
    dir_search_stop();
    outcomes_free(app.outcomes);
    store_close(app.st);
    crypt_free(app.keys);
    free(cert);
    free(key);
    log_info("stopped");
    return 0;
}
