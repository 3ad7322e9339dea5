/*
 * api_outcomes.c - the outcomes dashboard's figures (GET /api/v1/outcomes)
 * and the exports of every report table (GET /api/v1/exports/{report}).
 * Aggregates only, de-identified before they leave src/report.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/zone.h"
#include "report/export.h"
#include "report/facts.h"
#include "report/program.h"
#include "report/outcomes.h"

/* "YYYY-MM-DD", or "YYYY-MM" (its first day, or its last when END). */
static int
parse_day(const char *s, int end, int32_t *day)
{
    int y, m, d, n = 0;
    size_t len = strlen(s);
    if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
        zone_valid_date(y, m, d)) {
        *day = (int32_t)zone_days_from_civil(y, m, d);
        return 1;
    }
    if (len == 7 && sscanf(s, "%4d-%2d%n", &y, &m, &n) == 2 && n == 7 && zone_valid_date(y, m, 1)) {
        if (!end) {
            *day = (int32_t)zone_days_from_civil(y, m, 1);
        } else {
            int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
            *day = (int32_t)zone_days_from_civil(ny, nm, 1) - 1;
        }
        return 1;
    }
    return 0;
}

/* A comma list of ids into SET (at most OUTCOMES_MAX_IDS). */
static int
parse_ids(const char *s, int64_t *set, int *n)
{
    *n = 0;
    while (*s) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || v <= 0 || *n >= OUTCOMES_MAX_IDS)
            return 0;
        set[(*n)++] = v;
        if (*end == ',')
            end++;
        else if (*end)
            return 0;
        s = end;
    }
    return 1;
}

/* Reads the filters of R; on a bad one answers 400 naming it and returns 0. */
static int
read_filter(http_req *r, outcomes_filter *f)
{
    memset(f, 0, sizeof *f);
    f->from_day = INT32_MIN;
    f->to_day = INT32_MAX;
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    if (from && *from && !parse_day(from, 0, &f->from_day)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "from",
                          "from must be a date (YYYY-MM-DD) or a month (YYYY-MM)");
        return 0;
    }
    if (to && *to && !parse_day(to, 1, &f->to_day)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "to",
                          "to must be a date (YYYY-MM-DD) or a month (YYYY-MM)");
        return 0;
    }
    if (f->from_day != INT32_MIN && f->to_day != INT32_MAX && f->to_day < f->from_day) {
        http_send_problem(r, 400, "invalid", "Invalid request", "to",
                          "the period ends before it starts");
        return 0;
    }
    static const struct {
        const char *name;
        size_t set, n;
    } lists[] = {
        {"agency_id", offsetof(outcomes_filter, agency), offsetof(outcomes_filter, nagency)},
        {"station_id", offsetof(outcomes_filter, station), offsetof(outcomes_filter, nstation)},
        {"lead_agency_id", offsetof(outcomes_filter, lead), offsetof(outcomes_filter, nlead)},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        const char *v = http_query(r, lists[i].name);
        if (v && *v &&
            !parse_ids(v, (int64_t *)((char *)f + lists[i].set), (int *)((char *)f + lists[i].n))) {
            char detail[160];
            snprintf(detail, sizeof detail, "%s must be a comma-separated list of at most %d ids",
                     lists[i].name, OUTCOMES_MAX_IDS);
            http_send_problem(r, 400, "invalid", "Invalid request", lists[i].name, detail);
            return 0;
        }
    }
    return 1;
}

static json_t *
ids_json(const int64_t *set, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(set[i]));
    return a;
}

/* The dashboard document for R's filters, or NULL after answering an error. */
static json_t *
outcomes_for(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_AGGREGATE, &(policy_ctx){0}, 0))
        return NULL;
    outcomes_filter f;
    if (!read_filter(r, &f))
        return NULL;
    haven_app *app = api_app(r);
    json_t *doc = NULL;
    hv_err e = {0};
    hv_result res =
        outcomes_document(app->outcomes, app->st, &f, (int)app->cfg.suppression_threshold,
                          facts_day(clock_now_ms()), &doc, &e);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return NULL;
    }
    char now[40];
    clock_format_iso(clock_now_ms(), now, sizeof now);
    json_object_set_new(doc, "generated_at", json_string(now));
    json_object_set_new(doc, "filter",
                        json_pack("{s:o, s:o, s:o}", "agency_id", ids_json(f.agency, f.nagency),
                                  "station_id", ids_json(f.station, f.nstation), "lead_agency_id",
                                  ids_json(f.lead, f.nlead)));
    return doc;
}

void
api_outcomes_get(http_req *r)
{
    json_t *doc = outcomes_for(r);
    if (!doc)
        return;
    api_audit(r, "outcomes.read", "outcomes", 0);
    http_send_json(r, 200, doc);
}

/* ---- exports ---------------------------------------------------------------------- */

/* The trackers' summary document, or NULL after answering an error. */
static json_t *
program_for(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_PROGRAM, &(policy_ctx){0}, 0))
        return NULL;
    char today[16];
    program_today(today, sizeof today);
    store_conn *c = NULL;
    json_t *doc = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = program_report(c, today, &doc);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return NULL;
    }
    return doc;
}

static void
send_file(http_req *r, buf *b, const char *ctype, const char *name)
{
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    http_set_header(r, "Content-Disposition", disp);
    http_set_header(r, "Cache-Control", "no-store");
    http_send_bytes(r, 200, ctype, b->data, b->len, 1);
}

void
api_exports_get(http_req *r)
{
    const char *report = http_param(r, 0);
    const char *format = http_query(r, "format");
    const char *table_id = http_query(r, "table");
    if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "format",
                          "format must be csv or xlsx");
        return;
    }
    json_t *doc = NULL;
    char base[96];
    if (report && strcmp(report, "outcomes") == 0) {
        if (!(doc = outcomes_for(r)))
            return;
        const char *from =
            json_string_value(json_object_get(json_object_get(doc, "period"), "from"));
        const char *to = json_string_value(json_object_get(json_object_get(doc, "period"), "to"));
        json_object_set_new(doc, "title", json_string("CSEC First Responder Protocol: outcomes"));
        snprintf(base, sizeof base, "haven-outcomes-%s-to-%s", from ? from : "", to ? to : "");
    } else if (report && strcmp(report, "program") == 0) {
        if (!(doc = program_for(r)))
            return;
        snprintf(base, sizeof base, "haven-program");
    } else {
        http_send_problem(r, 404, "not_found", "Not found", NULL,
                          "there is no such report (outcomes, program)");
        return;
    }
    json_t *one = NULL;
    if (table_id && *table_id) {
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(doc, "tables"), i, t)
        {
            const char *id = json_string_value(json_object_get(t, "id"));
            if (id && strcmp(id, table_id) == 0)
                one = t;
        }
        if (!one) {
            json_decref(doc);
            http_send_problem(r, 400, "invalid", "Invalid request", "table",
                              "the report has no table with that id");
            return;
        }
    }
    buf b;
    buf_init(&b, 64u << 20);
    hv_err e = {0};
    hv_result res;
    char name[160];
    const char *ctype;
    if (strcmp(format, "csv") == 0) {
        res = one ? export_csv_table(one, &b, &e) : export_csv_doc(doc, &b, &e);
        snprintf(name, sizeof name, "%s%s%s.csv", base, one ? "-" : "", one ? table_id : "");
        ctype = "text/csv; charset=utf-8";
    } else {
        json_t *sub = doc;
        if (one) {
            sub = json_deep_copy(doc);
            json_t *only = json_array();
            json_array_append(only, one);
            json_object_set_new(sub, "tables", only);
        }
        res = export_xlsx_doc(sub, &b, &e);
        if (sub != doc)
            json_decref(sub);
        snprintf(name, sizeof name, "%s%s%s.xlsx", base, one ? "-" : "", one ? table_id : "");
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    json_decref(doc);
    if (res != HV_OK) {
        buf_free(&b);
        http_send_err(r, res, &e);
        return;
    }
    api_audit(r, "export.download", report, 0);
    send_file(r, &b, ctype, name);
    buf_free(&b);
}
