/*
 * api_system.c - health, readiness, metrics, the OpenAPI document, the
 * settable test clock, and the metadata forms need.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "notify/deliver.h"
#include "protocol/scheduler.h"
#include "protocol/watchdog.h"
#include "auth/account.h"
#include "auth/roles.h"
#include "core/clock.h"

void
api_healthz(http_req *r)
{
    http_send_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void
api_readyz(http_req *r)
{
    haven_app *app = api_app(r);
    if (!atomic_load(&app->ready) || store_ping(app->st) != HV_OK) {
        http_send_json(r, 503,
                       json_pack("{s:s, s:s}", "status", "unavailable", "database",
                                 atomic_load(&app->ready) ? "down" : "starting"));
        return;
    }
    /* the clock thread and the delivery workers must be making progress:
     * stalled, deadlines would pass unnoticed and pages would not go out */
    int64_t beat = scheduler_heartbeat_ms();
    int cs = watchdog_clocks_stalled(), ds = watchdog_delivery_stalled();
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "status", cs || ds ? "unavailable" : "ok",
                          "database", "ok", "clocks",
                          cs         ? "stalled"
                          : beat > 0 ? "ok"
                                     : "starting",
                          "delivery", ds ? "stalled" : "ok");
    http_send_json(r, cs || ds ? 503 : 200, o);
}

void
api_metrics(http_req *r)
{
    haven_app *app = api_app(r);
    buf b;
    buf_init(&b, 8u << 20);
    http_metrics_text(app->http, &b);
    buf_addf(&b,
             "# HELP haven_database_errors_total Database errors since start.\n"
             "# TYPE haven_database_errors_total counter\n"
             "haven_database_errors_total %llu\n"
             "# HELP haven_uptime_seconds Seconds since the server started.\n"
             "# TYPE haven_uptime_seconds gauge\n"
             "haven_uptime_seconds %.3f\n"
             "# HELP haven_http_inflight Requests being handled now.\n"
             "# TYPE haven_http_inflight gauge\n"
             "haven_http_inflight %d\n"
             "# HELP haven_database_transactions_total Write transactions committed since start.\n"
             "# TYPE haven_database_transactions_total counter\n"
             "haven_database_transactions_total %llu\n"
             "# HELP haven_database_commits_total Durable COMMITs since start (group commit puts "
             "several transactions in one).\n"
             "# TYPE haven_database_commits_total counter\n"
             "haven_database_commits_total %llu\n",
             (unsigned long long)store_error_count(app->st),
             (double)(clock_real_ms() - app->started_ms) / 1000.0, http_inflight(app->http),
             (unsigned long long)store_transaction_count(app->st),
             (unsigned long long)store_commit_count(app->st));
    deliver_stats ds;
    deliver_get_stats(&ds);
    buf_addf(&b,
             "# HELP haven_deliveries_total Email, SMS and webhook messages since start, by "
             "outcome (retried: a try failed and another is due; dead: no tries left).\n"
             "# TYPE haven_deliveries_total counter\n"
             "haven_deliveries_total{outcome=\"sent\"} %llu\n"
             "haven_deliveries_total{outcome=\"retried\"} %llu\n"
             "haven_deliveries_total{outcome=\"dead\"} %llu\n",
             (unsigned long long)ds.sent, (unsigned long long)ds.retried,
             (unsigned long long)ds.dead);
    if (!b.data) {
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return;
    }
    http_send_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len, 1);
    buf_free(&b);
}

void
api_openapi_get(http_req *r)
{
    json_t *doc = api_openapi();
    if (!doc) {
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return;
    }
    http_send_json(r, 200, doc);
}

static json_t *
clock_json(void)
{
    char iso[40];
    int64_t now = clock_now_ms();
    clock_format_iso(now, iso, sizeof iso);
    return json_pack("{s:s, s:I, s:I}", "now", iso, "now_ms", (json_int_t)now, "offset_ms",
                     (json_int_t)(now - clock_real_ms()));
}

void
api_clock_get(http_req *r)
{
    if (!clock_test_enabled()) {
        http_send_problem(r, 404, "not-found", "Not found", NULL,
                          "the test clock is not enabled on this server");
        return;
    }
    if (!api_allow(r, ACT_READ, OBJ_CLOCK, NULL, 0))
        return;
    http_send_json(r, 200, clock_json());
}

void
api_clock_set(http_req *r)
{
    if (!clock_test_enabled()) {
        http_send_problem(r, 404, "not-found", "Not found", NULL,
                          "the test clock is not enabled on this server");
        return;
    }
    if (!api_allow(r, ACT_UPDATE, OBJ_CLOCK, NULL, 0))
        return;
    json_t *now = json_object_get(r->json, "now");
    json_t *adv = json_object_get(r->json, "advance_ms");
    json_t *reset = json_object_get(r->json, "reset");
    const char *key;
    json_t *v;
    json_object_foreach(r->json, key, v)
    {
        if (strcmp(key, "now") && strcmp(key, "advance_ms") && strcmp(key, "reset")) {
            hv_err e = {0};
            hv_fail(&e, HV_ERR_INVALID, key, "unknown field '%s'", key);
            http_send_err(r, e.code, &e);
            return;
        }
    }
    if (now) {
        int64_t ms;
        if (!json_is_string(now) || clock_parse_iso(json_string_value(now), &ms) != HV_OK) {
            http_send_problem(r, 400, "invalid", "Invalid request", "now",
                              "'now' must be a time as 2026-01-31T13:45:00Z");
            return;
        }
        clock_set(ms);
    } else if (adv) {
        if (!json_is_integer(adv)) {
            http_send_problem(r, 400, "invalid", "Invalid request", "advance_ms",
                              "'advance_ms' must be a whole number of milliseconds");
            return;
        }
        clock_advance(json_integer_value(adv));
    } else if (json_is_true(reset)) {
        clock_reset();
    } else {
        http_send_problem(r, 400, "invalid", "Invalid request", "now",
                          "give 'now', 'advance_ms' or 'reset': true");
        return;
    }
    api_audit(r, "clock.update", "clock", 0);
    api_fire_clocks(api_app(r));
    http_send_json(r, 200, clock_json());
}

static json_t *
labelled(const char *const *names, const char *const *labels)
{
    json_t *a = json_array();
    for (int i = 0; names[i]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "value", names[i], "label", labels[i]));
    return a;
}

void
api_meta(http_req *r)
{
    http_send_json(r, 200,
                   json_pack("{s:o, s:o}", "agency_kinds",
                             labelled(agency_kind_names, agency_kind_labels), "roles",
                             labelled(role_names, role_labels)));
}
