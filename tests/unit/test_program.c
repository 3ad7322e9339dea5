/* test_program.c - the program office's trackers (report/program.c) over a
 * real temporary store: the rules across fields and rows, each refusal
 * naming its field; overdue and days overdue across months, years and a
 * leap day; and the summary tables on a small known set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_util.h"

#include "report/program.h"

typedef struct fixture {
    char dir[64];
    store *st;
    store_conn *c;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-program-XXXXXX");
    if (!mkdtemp(f->dir) || store_open(f->dir, NULL, &f->st) != HV_OK ||
        store_migrate(f->st, NULL) != HV_OK || store_begin(f->st, &f->c) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    store_rollback(f->c);
    store_close(f->st);
    rm_dir(f->dir);
    free(f);
    return 0;
}

/* Saves jurisdiction JSON (a literal) as of 2026-05-01; returns the result,
 * the new id in *ID and the refusal in E. */
static hv_result
place(fixture *f, int64_t id, const char *json, int64_t *new_id, hv_err *e)
{
    json_t *in = json_loads(json, 0, NULL), *vals = NULL;
    assert_non_null(in);
    hv_result r =
        record_parse(&program_jurisdiction_desc, in, id ? REC_UPDATE : REC_CREATE, &vals, e);
    json_decref(in);
    if (r == HV_OK)
        r = program_jurisdiction_save(f->c, id, vals, "2026-05-01", new_id, e);
    json_decref(vals);
    return r;
}

static int64_t
place_ok(fixture *f, const char *json)
{
    hv_err e = {0};
    int64_t id = 0;
    hv_result r = place(f, 0, json, &id, &e);
    if (r != HV_OK)
        fail_msg("%s: %s (%s)", json, e.detail, e.field);
    return id;
}

static void
refused(fixture *f, int64_t id, const char *json, const char *field)
{
    hv_err e = {0};
    int64_t nid = 0;
    assert_int_equal(place(f, id, json, &nid, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, field);
}

static void
test_jurisdiction_rules(void **state)
{
    fixture *f = *state;
    int64_t st = place_ok(f, "{\"name\":\"S1\",\"kind\":\"lasd_station\",\"status\":\"live\","
                             "\"go_live_date\":\"2020-01-01\"}");
    int64_t planned =
        place_ok(f, "{\"name\":\"S2\",\"kind\":\"lasd_station\",\"planned_date\":\"2027-01-01\"}");
    char json[256];
    refused(f, 0, "{\"name\":\"x\",\"kind\":\"lasd_station\",\"status\":\"live\"}", "go_live_date");
    refused(f, 0,
            "{\"name\":\"x\",\"kind\":\"lasd_station\",\"status\":\"live\","
            "\"go_live_date\":\"2026-05-02\"}",
            "go_live_date");
    refused(f, 0, "{\"name\":\"x\",\"kind\":\"city_police\",\"go_live_date\":\"2026-01-02\"}",
            "go_live_date");
    refused(f, 0, "{\"name\":\"x\",\"kind\":\"contract_city\"}", "served_by_id");
    refused(f, 0, "{\"name\":\"x\",\"kind\":\"unincorporated\",\"served_by_id\":99}",
            "served_by_id");
    refused(f, 0, "{\"name\":\"x\",\"kind\":\"lasd_station\",\"station_id\":99}", "station_id");
    snprintf(json, sizeof json, "{\"name\":\"x\",\"kind\":\"city_police\",\"served_by_id\":%lld}",
             (long long)st);
    refused(f, 0, json, "served_by_id");
    /* an area of a station not live is not live */
    snprintf(json, sizeof json,
             "{\"name\":\"A1\",\"kind\":\"contract_city\",\"served_by_id\":%lld,"
             "\"status\":\"live\",\"go_live_date\":\"2026-01-01\"}",
             (long long)planned);
    refused(f, 0, json, "status");
    /* nor live before its station */
    snprintf(json, sizeof json,
             "{\"name\":\"A1\",\"kind\":\"contract_city\",\"served_by_id\":%lld,"
             "\"status\":\"live\",\"go_live_date\":\"2019-12-31\"}",
             (long long)st);
    refused(f, 0, json, "go_live_date");
    snprintf(json, sizeof json,
             "{\"name\":\"A1\",\"kind\":\"contract_city\",\"served_by_id\":%lld,"
             "\"status\":\"live\",\"go_live_date\":\"2020-01-01\",\"population\":1000}",
             (long long)st);
    int64_t area = place_ok(f, json);
    /* an area is not served by an area */
    snprintf(json, sizeof json,
             "{\"name\":\"A2\",\"kind\":\"unincorporated\",\"served_by_id\":%lld}",
             (long long)area);
    refused(f, 0, json, "served_by_id");
    /* the station keeps its kind and stays live while the area is live */
    refused(f, st, "{\"kind\":\"city_police\"}", "kind");
    refused(f, st, "{\"status\":\"training\",\"go_live_date\":null}", "status");
    refused(f, st, "{\"status\":null}", "status");
    /* a change without a status keeps it */
    hv_err e = {0};
    assert_int_equal(place(f, st, "{\"notes\":\"ok\"}", NULL, &e), HV_OK);
    json_t *o = NULL;
    assert_int_equal(program_jurisdiction_get(f->c, st, &o), HV_OK);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "live");
    json_decref(o);
    /* the area can go back, and then the station */
    assert_int_equal(place(f, area, "{\"status\":\"training\",\"go_live_date\":null}", NULL, &e),
                     HV_OK);
    assert_int_equal(place(f, st, "{\"status\":\"training\",\"go_live_date\":null}", NULL, &e),
                     HV_OK);
    /* a name twice */
    int64_t nid = 0;
    assert_int_equal(place(f, 0, "{\"name\":\"S1\",\"kind\":\"city_police\"}", &nid, &e),
                     HV_ERR_CONFLICT);
    assert_string_equal(e.field, "name");
    /* list filters */
    program_filter flt = {.kind = "county"};
    json_t *list = NULL;
    assert_int_equal(program_jurisdiction_list(f->c, &flt, &list, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "kind");
    flt = (program_filter){.kind = "lasd_station", .status = "training"};
    assert_int_equal(program_jurisdiction_list(f->c, &flt, &list, &e), HV_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

static int64_t
work(fixture *f, const char *due, const char *status, const char *done_on)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "title", "T", "owner", "DCFS", "due_date", due,
                          "status", status);
    if (done_on)
        json_object_set_new(v, "completed_on", json_string(done_on));
    hv_err e = {0};
    int64_t id = 0;
    hv_result r = program_deliverable_save(f->c, 0, v, "2028-03-01", &id, &e);
    json_decref(v);
    if (r != HV_OK)
        fail_msg("%s %s: %s", due, status, e.detail);
    return id;
}

static void
days_late(fixture *f, int64_t id, const char *today, int overdue, long long days)
{
    json_t *o = NULL;
    assert_int_equal(program_deliverable_get(f->c, id, today, &o), HV_OK);
    assert_int_equal(json_is_true(json_object_get(o, "overdue")), overdue);
    assert_int_equal(json_integer_value(json_object_get(o, "days_overdue")), days);
    json_decref(o);
}

static void
test_deliverable_overdue(void **state)
{
    fixture *f = *state;
    int64_t a = work(f, "2025-12-31", "in_progress", NULL);
    int64_t b = work(f, "2028-02-28", "blocked", NULL);
    int64_t c = work(f, "2020-01-01", "done", "2020-02-01");
    days_late(f, a, "2025-12-31", 0, 0);
    days_late(f, a, "2026-01-01", 1, 1);
    days_late(f, a, "2026-03-01", 1, 60);
    days_late(f, a, "2027-01-01", 1, 366);
    days_late(f, b, "2028-03-01", 1, 2); /* 2028 is a leap year */
    days_late(f, c, "2028-03-01", 0, 0);

    hv_err e = {0};
    json_t *v = json_pack("{s:s}", "status", "done");
    assert_int_equal(program_deliverable_save(f->c, a, v, "2026-01-01", NULL, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "completed_on");
    json_decref(v);
    v = json_pack("{s:s}", "completed_on", "2025-12-01");
    assert_int_equal(program_deliverable_save(f->c, a, v, "2026-01-01", NULL, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "completed_on");
    json_decref(v);
    v = json_pack("{s:s, s:s}", "status", "done", "completed_on", "2026-01-02");
    assert_int_equal(program_deliverable_save(f->c, a, v, "2026-01-01", NULL, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "completed_on");
    json_decref(v);
    v = json_pack("{s:I}", "owner_agency_id", (json_int_t)42);
    assert_int_equal(program_deliverable_save(f->c, a, v, "2026-01-01", NULL, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "owner_agency_id");
    json_decref(v);

    program_filter flt = {.overdue = "true"};
    json_t *list = NULL;
    assert_int_equal(program_deliverable_list(f->c, &flt, "2028-03-01", &list, &e), HV_OK);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    flt.overdue = "yes";
    assert_int_equal(program_deliverable_list(f->c, &flt, "2028-03-01", &list, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "overdue");
}

static json_t *
table(json_t *doc, const char *id)
{
    json_t *tables = json_object_get(doc, "tables");
    for (size_t i = 0; i < json_array_size(tables); i++) {
        json_t *t = json_array_get(tables, i);
        if (strcmp(json_string_value(json_object_get(t, "id")), id) == 0)
            return t;
    }
    fail_msg("no table %s", id);
    return NULL;
}

static long long
cell(json_t *t, size_t row, const char *key)
{
    json_t *r = row == (size_t)-1 ? json_object_get(t, "total")
                                  : json_array_get(json_object_get(t, "rows"), row);
    return json_integer_value(json_object_get(r, key));
}

static void
test_report(void **state)
{
    fixture *f = *state;
    int64_t st = place_ok(f, "{\"name\":\"S\",\"kind\":\"lasd_station\",\"status\":\"live\","
                             "\"go_live_date\":\"2015-03-01\"}");
    char json[256];
    snprintf(json, sizeof json,
             "{\"name\":\"C\",\"kind\":\"contract_city\",\"served_by_id\":%lld,"
             "\"status\":\"live\",\"go_live_date\":\"2015-03-01\",\"population\":3000}",
             (long long)st);
    place_ok(f, json);
    snprintf(json, sizeof json,
             "{\"name\":\"U\",\"kind\":\"unincorporated\",\"served_by_id\":%lld,"
             "\"status\":\"planning\",\"planned_date\":\"2027-01-01\",\"population\":1000}",
             (long long)st);
    place_ok(f, json);
    place_ok(f, "{\"name\":\"P\",\"kind\":\"city_police\",\"population\":6000}");
    work(f, "2026-01-01", "in_progress", NULL);
    work(f, "2026-06-01", "done", "2026-02-01");

    json_t *doc = NULL;
    assert_int_equal(program_report(f->c, "2026-05-01", &doc), HV_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "as_of")), "2026-05-01");

    json_t *es = table(doc, "expansion_status");
    assert_int_equal(cell(es, 0, "live"), 1);
    assert_int_equal(cell(es, 2, "not_started"), 1);
    assert_int_equal(cell(es, 3, "planning"), 1);
    assert_int_equal(cell(es, (size_t)-1, "total"), 4);
    assert_int_equal(cell(es, (size_t)-1, "live"), 2);

    json_t *cov = table(doc, "coverage");
    json_t *total = json_object_get(cov, "total");
    assert_int_equal(cell(cov, (size_t)-1, "population"), 10000);
    assert_int_equal(cell(cov, (size_t)-1, "population_live"), 3000);
    assert_float_equal(json_real_value(json_object_get(total, "population_share")), 0.3, 1e-9);
    assert_float_equal(json_real_value(json_object_get(total, "share_live")), 0.5, 1e-9);
    /* no residents on the station's row: no share */
    json_t *stations = json_array_get(json_object_get(cov, "rows"), 0);
    assert_true(json_is_null(json_object_get(stations, "population_share")));
    assert_int_equal(json_array_size(json_object_get(cov, "notes")), 2);

    json_t *tl = table(doc, "expansion_timeline");
    json_t *rows = json_object_get(tl, "rows");
    assert_int_equal(json_array_size(rows), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "label")), "C");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "label")), "S");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 2), "date_is")),
                        "Planned");

    json_t *dl = table(doc, "deliverables");
    assert_int_equal(cell(dl, 0, "days_overdue"), 120);
    assert_int_equal(cell(dl, 1, "days_overdue"), 0);
    json_t *ds = table(doc, "deliverables_status");
    assert_int_equal(cell(ds, 1, "overdue"), 1);
    assert_int_equal(cell(ds, 3, "n"), 1);
    assert_int_equal(cell(ds, (size_t)-1, "overdue"), 1);
    json_decref(doc);

    assert_string_equal(program_label("city_police"), "City with its own police");
    assert_string_equal(program_label("other"), "other");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jurisdiction_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deliverable_overdue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
