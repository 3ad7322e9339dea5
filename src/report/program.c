/*
 * program.c - the expansion and deliverables trackers (see program.h): the
 * two descriptors, the rules across fields and rows, the lists with their
 * computed fields, and the summary tables of docs/metrics.md.
 */
#include "report/program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/zone.h"

#define NF(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define RQ    F_REQUIRED

const char *const program_kinds[] = {"lasd_station", "contract_city", "city_police",
                                     "unincorporated", NULL};
const char *const program_statuses[] = {"not_started", "planning", "training", "live", NULL};
const char *const program_deliverable_statuses[] = {"not_started", "in_progress", "blocked", "done",
                                                    NULL};

#define NKINDS    4
#define NSTATUSES 4

static const struct {
    const char *value, *label;
} labels[] = {
    {"lasd_station", "LASD station"},
    {"contract_city", "Contract city"},
    {"city_police", "City with its own police"},
    {"unincorporated", "Unincorporated area"},
    {"not_started", "Not started"},
    {"planning", "Planning"},
    {"training", "Training"},
    {"live", "Live"},
    {"in_progress", "In progress"},
    {"blocked", "Blocked"},
    {"done", "Done"},
};

static const field_desc jurisdiction_fields[] = {
    {"name", FT_TEXT, RQ | F_UNIQUE | F_SEARCH, 1, 120, NULL, NULL,
     "Name, such as \"LASD Lakewood Station\" or \"City of Bellflower\""},
    {"kind", FT_ENUM, RQ, 0, 0, program_kinds, NULL,
     "LASD station, contract city, city with its own police, or unincorporated area"},
    {"station_id", FT_REF, 0, 0, 0, NULL, "station",
     "The law-enforcement station in haven that stands for it, if any"},
    {"served_by_id", FT_REF, 0, 0, 0, NULL, "jurisdiction",
     "For a contract city or unincorporated area: the LASD station (a jurisdiction) serving it"},
    {"population", FT_INT, 0, 0, 20000000, NULL, NULL,
     "Residents, a public rounded figure; a station counts only residents not listed on their "
     "own row"},
    {"status", FT_ENUM, 0, 0, 0, program_statuses, NULL, "Protocol status (default not_started)"},
    {"planned_date", FT_DATE, 0, 0, 0, NULL, NULL, "Planned go-live date"},
    {"go_live_date", FT_DATE, 0, 0, 0, NULL, NULL,
     "The date the protocol went live: required when live, never in the future, and only when "
     "live"},
    {"notes", FT_TEXT, 0, 0, 2000, NULL, NULL, "Notes of the program office"},
};
const record_desc program_jurisdiction_desc = {
    "jurisdiction", "jurisdiction", jurisdiction_fields, NF(jurisdiction_fields), "name", 1};

static const field_desc deliverable_fields[] = {
    {"title", FT_TEXT, RQ | F_SEARCH, 1, 200, NULL, NULL, "The protocol or product"},
    {"description", FT_TEXT, 0, 0, 4000, NULL, NULL, "What it is and what it includes"},
    {"owner", FT_TEXT, RQ | F_SEARCH, 1, 120, NULL, NULL,
     "Who delivers it, such as \"Probation\" or \"Program office\""},
    {"owner_agency_id", FT_REF, 0, 0, 0, NULL, "agency", "The owner's agency in haven, if any"},
    {"due_date", FT_DATE, RQ, 0, 0, NULL, NULL, "Due date"},
    {"status", FT_ENUM, 0, 0, 0, program_deliverable_statuses, NULL,
     "not_started, in_progress, blocked or done (default not_started)"},
    {"completed_on", FT_DATE, 0, 0, 0, NULL, NULL,
     "The date it was done: required when done, never in the future, and only when done"},
};
const record_desc program_deliverable_desc = {
    "deliverable", "deliverable", deliverable_fields, NF(deliverable_fields), "due_date, id", 1};

const char *
program_label(const char *value)
{
    for (size_t i = 0; value && i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].value, value) == 0)
            return labels[i].label;
    return value ? value : "";
}

void
program_today(char *out, size_t outsz)
{
    zone_civil civ;
    int64_t now = clock_now_ms();
    if (zone_to_civil(clock_zone(), now, &civ) != HV_OK) {
        /* an unknown zone cannot be configured (clock_set_zone checks): UTC */
        clock_format_iso(now, out, outsz);
        if (outsz > 10)
            out[10] = '\0';
        return;
    }
    snprintf(out, outsz, "%04d-%02d-%02d", civ.year, civ.month, civ.day);
}

/* ---- small helpers -------------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static int
is(const char *s, const char *word)
{
    return s && strcmp(s, word) == 0;
}

static int
in_list(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* Days from 1970-01-01 to the valid date "YYYY-MM-DD" S. */
static int64_t
date_days(const char *s)
{
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (s[i] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    return zone_days_from_civil(y, m, d);
}

/* The row as it will be: the stored row of D (ID 0: none) with VALS laid
 * over it. */
static hv_result
row_after(store_conn *c, const record_desc *d, int64_t id, const json_t *vals, json_t **out)
{
    json_t *row = NULL;
    if (id) {
        hv_result r = record_get(c, d, id, &row);
        if (r != HV_OK)
            return r;
    } else if (!(row = json_object())) {
        return HV_ERR_NOMEM;
    }
    json_object_update(row, (json_t *)vals);
    *out = row;
    return HV_OK;
}

/* A missing status on create is not_started; a status cleared is refused. */
static hv_result
default_status(int64_t id, json_t *vals, hv_err *e)
{
    json_t *s = json_object_get(vals, "status");
    if (id && s && json_is_null(s))
        return hv_fail(e, HV_ERR_INVALID, "status", "'status' must not be empty");
    if (!id && (!s || json_is_null(s)))
        json_object_set_new(vals, "status", json_string("not_started"));
    return HV_OK;
}

/* ---- jurisdictions ------------------------------------------------------------ */

static int
is_area(const char *kind)
{
    return is(kind, "contract_city") || is(kind, "unincorporated");
}

typedef struct station_row {
    int found;
    char kind[32], status[32], go_live[16];
} station_row;

static hv_result
station_row_fn(void *ctx, const store_row *row)
{
    station_row *s = ctx;
    const char *v;
    s->found = 1;
    snprintf(s->kind, sizeof s->kind, "%s", (v = store_row_text(row, 0)) ? v : "");
    snprintf(s->status, sizeof s->status, "%s", (v = store_row_text(row, 1)) ? v : "");
    snprintf(s->go_live, sizeof s->go_live, "%s", (v = store_row_text(row, 2)) ? v : "");
    return HV_OK;
}

static hv_result
count(store_conn *c, const char *sql, int64_t id, int64_t *n)
{
    store_val a[] = {SV_INTV(id)};
    *n = 0;
    return store_query_int(c, sql, a, 1, n);
}

/* The rules of docs/metrics.md on jurisdiction ID (0: a new one) as it will
 * be (ROW). */
static hv_result
jurisdiction_check(store_conn *c, int64_t id, const json_t *row, const char *today, hv_err *e)
{
    const char *kind = jstr(row, "kind"), *status = jstr(row, "status");
    const char *live_on = jstr(row, "go_live_date");
    int64_t served_by = jint(row, "served_by_id"), station = jint(row, "station_id"), n = 0;
    int live = is(status, "live");
    hv_result r;

    if (station) {
        r = count(c, "SELECT COUNT(*) FROM station WHERE id = ?", station, &n);
        if (r != HV_OK)
            return r;
        if (n == 0)
            return hv_fail(e, HV_ERR_INVALID, "station_id", "there is no such station");
    }
    station_row sv = {0};
    if (is_area(kind)) {
        if (!served_by)
            return hv_fail(e, HV_ERR_INVALID, "served_by_id",
                           "a contract city or unincorporated area names the LASD station "
                           "that serves it");
        store_val a[] = {SV_INTV(served_by)};
        r = store_query(c, "SELECT kind, status, go_live_date FROM jurisdiction WHERE id = ?", a, 1,
                        station_row_fn, &sv);
        if (r != HV_OK)
            return r;
        if (!sv.found)
            return hv_fail(e, HV_ERR_INVALID, "served_by_id", "there is no such jurisdiction");
        if (!is(sv.kind, "lasd_station"))
            return hv_fail(e, HV_ERR_INVALID, "served_by_id",
                           "'served_by_id' must be an LASD station");
    } else if (served_by) {
        return hv_fail(e, HV_ERR_INVALID, "served_by_id",
                       "only a contract city or unincorporated area is served by a station");
    }

    if (live && !live_on)
        return hv_fail(e, HV_ERR_INVALID, "go_live_date",
                       "a live jurisdiction needs its go-live date");
    if (!live && live_on)
        return hv_fail(e, HV_ERR_INVALID, "go_live_date",
                       "only a live jurisdiction has a go-live date: clear it, or set the "
                       "status to live");
    if (live_on && strcmp(live_on, today) > 0)
        return hv_fail(e, HV_ERR_INVALID, "go_live_date",
                       "'go_live_date' cannot be in the future (today is %s); a date to come "
                       "goes in 'planned_date'",
                       today);
    if (live && is_area(kind)) {
        if (!is(sv.status, "live"))
            return hv_fail(e, HV_ERR_INVALID, "status",
                           "an area cannot be live before the LASD station that serves it");
        if (sv.go_live[0] && strcmp(live_on, sv.go_live) < 0)
            return hv_fail(e, HV_ERR_INVALID, "go_live_date",
                           "'go_live_date' cannot be before the serving station's (%s)",
                           sv.go_live);
    }

    if (id && !is(kind, "lasd_station")) {
        r = count(c, "SELECT COUNT(*) FROM jurisdiction WHERE served_by_id = ?", id, &n);
        if (r != HV_OK)
            return r;
        if (n > 0)
            return hv_fail(e, HV_ERR_INVALID, "kind",
                           "%lld areas are served by this station: it stays an LASD station",
                           (long long)n);
    }
    if (id && is(kind, "lasd_station") && !live) {
        r = count(c, "SELECT COUNT(*) FROM jurisdiction WHERE served_by_id = ? AND status = 'live'",
                  id, &n);
        if (r != HV_OK)
            return r;
        if (n > 0)
            return hv_fail(e, HV_ERR_INVALID, "status",
                           "%lld areas served by this station are live: change them first",
                           (long long)n);
    }
    return HV_OK;
}

hv_result
program_jurisdiction_save(store_conn *c, int64_t id, json_t *vals, const char *today,
                          int64_t *new_id, hv_err *e)
{
    const record_desc *d = &program_jurisdiction_desc;
    json_t *row = NULL;
    hv_result r = default_status(id, vals, e);
    if (r == HV_OK)
        r = row_after(c, d, id, vals, &row);
    if (r == HV_OK)
        r = jurisdiction_check(c, id, row, today, e);
    json_decref(row);
    if (r != HV_OK)
        return r;
    return id ? record_update(c, d, id, vals, e) : record_insert(c, d, vals, new_id, e);
}

hv_result
program_jurisdiction_list(store_conn *c, const program_filter *f, json_t **out, hv_err *e)
{
    char where[128] = "1 = 1";
    store_val args[2] = {SV_NULLV, SV_NULLV};
    int n = 0;
    if (f && f->kind && *f->kind) {
        if (!in_list(program_kinds, f->kind))
            return hv_fail(e, HV_ERR_INVALID, "kind",
                           "'kind' must be lasd_station, contract_city, city_police or "
                           "unincorporated");
        strncat(where, " AND kind = ?", sizeof where - strlen(where) - 1);
        args[n++] = SV_TEXTV(f->kind);
    }
    if (f && f->status && *f->status) {
        if (!in_list(program_statuses, f->status))
            return hv_fail(e, HV_ERR_INVALID, "status",
                           "'status' must be not_started, planning, training or live");
        strncat(where, " AND status = ?", sizeof where - strlen(where) - 1);
        args[n++] = SV_TEXTV(f->status);
    }
    return record_list(c, &program_jurisdiction_desc, where, args, n, f ? f->q : NULL, 100000, out);
}

hv_result
program_jurisdiction_get(store_conn *c, int64_t id, json_t **out)
{
    return record_get(c, &program_jurisdiction_desc, id, out);
}

/* ---- deliverables ------------------------------------------------------------- */

static hv_result
deliverable_check(store_conn *c, const json_t *row, const char *today, hv_err *e)
{
    const char *status = jstr(row, "status"), *done_on = jstr(row, "completed_on");
    int64_t agency = jint(row, "owner_agency_id"), n = 0;
    int done = is(status, "done");
    if (done && !done_on)
        return hv_fail(e, HV_ERR_INVALID, "completed_on",
                       "a done deliverable needs the date it was completed");
    if (!done && done_on)
        return hv_fail(e, HV_ERR_INVALID, "completed_on",
                       "only a done deliverable has a completion date: clear it, or set the "
                       "status to done");
    if (done_on && strcmp(done_on, today) > 0)
        return hv_fail(e, HV_ERR_INVALID, "completed_on",
                       "'completed_on' cannot be in the future (today is %s)", today);
    if (agency) {
        hv_result r = count(c, "SELECT COUNT(*) FROM agency WHERE id = ?", agency, &n);
        if (r != HV_OK)
            return r;
        if (n == 0)
            return hv_fail(e, HV_ERR_INVALID, "owner_agency_id", "there is no such agency");
    }
    return HV_OK;
}

hv_result
program_deliverable_save(store_conn *c, int64_t id, json_t *vals, const char *today,
                         int64_t *new_id, hv_err *e)
{
    const record_desc *d = &program_deliverable_desc;
    json_t *row = NULL;
    hv_result r = default_status(id, vals, e);
    if (r == HV_OK)
        r = row_after(c, d, id, vals, &row);
    if (r == HV_OK)
        r = deliverable_check(c, row, today, e);
    json_decref(row);
    if (r != HV_OK)
        return r;
    return id ? record_update(c, d, id, vals, e) : record_insert(c, d, vals, new_id, e);
}

/* Adds "overdue" and "days_overdue" to deliverable O as of TODAY. */
static void
deliverable_decorate(json_t *o, const char *today)
{
    const char *due = jstr(o, "due_date");
    int late = due && !is(jstr(o, "status"), "done") && strcmp(due, today) < 0;
    json_object_set_new(o, "overdue", json_boolean(late));
    json_object_set_new(o, "days_overdue",
                        json_integer(late ? date_days(today) - date_days(due) : 0));
}

hv_result
program_deliverable_list(store_conn *c, const program_filter *f, const char *today, json_t **out,
                         hv_err *e)
{
    char where[160] = "1 = 1";
    store_val args[2] = {SV_NULLV, SV_NULLV};
    int n = 0;
    if (f && f->status && *f->status) {
        if (!in_list(program_deliverable_statuses, f->status))
            return hv_fail(e, HV_ERR_INVALID, "status",
                           "'status' must be not_started, in_progress, blocked or done");
        strncat(where, " AND status = ?", sizeof where - strlen(where) - 1);
        args[n++] = SV_TEXTV(f->status);
    }
    if (f && f->overdue && *f->overdue) {
        int yes = is(f->overdue, "true") || is(f->overdue, "1");
        if (!yes && !is(f->overdue, "false") && !is(f->overdue, "0"))
            return hv_fail(e, HV_ERR_INVALID, "overdue", "'overdue' must be true or false");
        strncat(where,
                yes ? " AND due_date < ? AND status <> 'done'"
                    : " AND NOT (due_date < ? AND status <> 'done')",
                sizeof where - strlen(where) - 1);
        args[n++] = SV_TEXTV(today);
    }
    json_t *list = NULL;
    hv_result r =
        record_list(c, &program_deliverable_desc, where, args, n, f ? f->q : NULL, 100000, &list);
    if (r != HV_OK)
        return r;
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) deliverable_decorate(o, today);
    *out = list;
    return HV_OK;
}

hv_result
program_deliverable_get(store_conn *c, int64_t id, const char *today, json_t **out)
{
    hv_result r = record_get(c, &program_deliverable_desc, id, out);
    if (r == HV_OK)
        deliverable_decorate(*out, today);
    return r;
}

/* ---- the summary ------------------------------------------------------------ */

static json_t *
column(const char *key, const char *label, const char *type)
{
    return json_pack("{s:s, s:s, s:s}", "key", key, "label", label, "type", type);
}

static json_t *
table_new(const char *id, const char *title, const char *chart, json_t *columns)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:[], s:[]}", "id", id, "title", title, "chart", chart,
                     "columns", columns, "rows", "notes");
}

static void
table_row(json_t *table, json_t *row)
{
    json_array_append_new(json_object_get(table, "rows"), row);
}

static void
table_note(json_t *table, const char *text)
{
    json_array_append_new(json_object_get(table, "notes"), json_string(text));
}

/* N / D as a share from 0 to 1, or null when D is 0 (nothing to share). */
static json_t *
share(int64_t n, int64_t d)
{
    return d > 0 ? json_real((double)n / (double)d) : json_null();
}

static int
index_of(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

typedef struct tally {
    int64_t by_status[NSTATUSES];
    int64_t n, live, population, population_live, no_population;
} tally;

static json_t *
expansion_status(const tally *t)
{
    json_t *cols = json_array();
    json_array_append_new(cols, column("label", "Kind", "text"));
    for (int s = 0; s < NSTATUSES; s++)
        json_array_append_new(
            cols, column(program_statuses[s], program_label(program_statuses[s]), "count"));
    json_array_append_new(cols, column("total", "All", "count"));
    json_t *tb =
        table_new("expansion_status", "Jurisdictions by kind and protocol status", "bar", cols);
    for (int k = 0; k <= NKINDS; k++) {
        json_t *row = json_pack("{s:s}", "label",
                                k < NKINDS ? program_label(program_kinds[k]) : "All jurisdictions");
        for (int s = 0; s < NSTATUSES; s++)
            json_object_set_new(row, program_statuses[s], json_integer(t[k].by_status[s]));
        json_object_set_new(row, "total", json_integer(t[k].n));
        if (k < NKINDS)
            table_row(tb, row);
        else
            json_object_set_new(tb, "total", row);
    }
    return tb;
}

static json_t *
coverage(const tally *t)
{
    json_t *cols = json_pack(
        "[o, o, o, o, o, o, o]", column("label", "Kind", "text"),
        column("jurisdictions", "Jurisdictions", "count"), column("live", "Live", "count"),
        column("share_live", "Share live", "percent"), column("population", "Residents", "count"),
        column("population_live", "Residents where live", "count"),
        column("population_share", "Residents covered", "percent"));
    json_t *tb =
        table_new("coverage", "Coverage: jurisdictions live and residents covered", "hbar", cols);
    for (int k = 0; k <= NKINDS; k++) {
        json_t *row = json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:o}", "label",
                                k < NKINDS ? program_label(program_kinds[k]) : "All jurisdictions",
                                "jurisdictions", (json_int_t)t[k].n, "live", (json_int_t)t[k].live,
                                "share_live", share(t[k].live, t[k].n), "population",
                                (json_int_t)t[k].population, "population_live",
                                (json_int_t)t[k].population_live, "population_share",
                                share(t[k].population_live, t[k].population));
        if (k < NKINDS)
            table_row(tb, row);
        else
            json_object_set_new(tb, "total", row);
    }
    table_note(tb, "Residents are public, rounded figures. An LASD station's own row counts only "
                   "residents not listed on a row of their own, so nobody is counted twice.");
    if (t[NKINDS].no_population) {
        char note[160];
        snprintf(note, sizeof note,
                 "%lld jurisdictions have no resident figure: they count as jurisdictions but "
                 "in neither residents column.",
                 (long long)t[NKINDS].no_population);
        table_note(tb, note);
    }
    return tb;
}

/* The timeline date of jurisdiction O: its go-live date when live, else its
 * planned date (NULL when it has none). */
static const char *
timeline_date(const json_t *o)
{
    return is(jstr(o, "status"), "live") ? jstr(o, "go_live_date") : jstr(o, "planned_date");
}

static int
by_timeline(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = strcmp(timeline_date(x), timeline_date(y));
    return d ? d : strcmp(jstr(x, "name"), jstr(y, "name"));
}

static hv_result
expansion_timeline(const json_t *list, json_t **out)
{
    size_t n = json_array_size(list), k = 0, undated = 0;
    json_t **dated = calloc(n ? n : 1, sizeof *dated);
    if (!dated)
        return HV_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(list, i);
        if (timeline_date(o))
            dated[k++] = o;
        else
            undated++;
    }
    qsort(dated, k, sizeof *dated, by_timeline);
    json_t *cols = json_pack("[o, o, o, o, o]", column("label", "Jurisdiction", "text"),
                             column("kind", "Kind", "text"), column("status", "Status", "text"),
                             column("date", "Date", "date"), column("date_is", "Date is", "text"));
    json_t *tb = table_new("expansion_timeline", "Expansion timeline: go-live and planned dates",
                           "timeline", cols);
    for (size_t i = 0; i < k; i++) {
        int live = is(jstr(dated[i], "status"), "live");
        table_row(tb,
                  json_pack("{s:s, s:s, s:s, s:s, s:s}", "label", jstr(dated[i], "name"), "kind",
                            program_label(jstr(dated[i], "kind")), "status",
                            program_label(jstr(dated[i], "status")), "date",
                            timeline_date(dated[i]), "date_is", live ? "Went live" : "Planned"));
    }
    free(dated);
    table_note(tb, "A live jurisdiction is placed at its go-live date, any other at its planned "
                   "date.");
    if (undated) {
        char note[128];
        snprintf(note, sizeof note, "%zu jurisdictions have no date yet and are not shown.",
                 undated);
        table_note(tb, note);
    }
    *out = tb;
    return HV_OK;
}

static json_t *
deliverables_tables(const json_t *list, json_t **status_table)
{
    json_t *cols =
        json_pack("[o, o, o, o, o, o]", column("label", "Deliverable", "text"),
                  column("owner", "Owner", "text"), column("due", "Due", "date"),
                  column("status", "Status", "text"), column("completed", "Completed", "date"),
                  column("days_overdue", "Days overdue", "count"));
    json_t *tb = table_new("deliverables", "Protocol deliverables", "none", cols);
    int64_t n[NSTATUSES + 1] = {0}, late[NSTATUSES + 1] = {0};
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)list, i, o)
    {
        const char *done_on = jstr(o, "completed_on");
        table_row(tb, json_pack("{s:s, s:s, s:s, s:s, s:o, s:O}", "label", jstr(o, "title"),
                                "owner", jstr(o, "owner"), "due", jstr(o, "due_date"), "status",
                                program_label(jstr(o, "status")), "completed",
                                done_on ? json_string(done_on) : json_null(), "days_overdue",
                                json_object_get(o, "days_overdue")));
        int s = index_of(program_deliverable_statuses, jstr(o, "status"));
        int is_late = json_is_true(json_object_get(o, "overdue"));
        if (s >= 0) {
            n[s]++;
            late[s] += is_late;
        }
        n[NSTATUSES]++;
        late[NSTATUSES] += is_late;
    }
    table_note(tb, "Overdue: due before today (county date) and not done. Days overdue is 0 for "
                   "a deliverable that is not overdue.");

    json_t *st = table_new("deliverables_status", "Deliverables by status", "bar",
                           json_pack("[o, o, o]", column("label", "Status", "text"),
                                     column("n", "Deliverables", "count"),
                                     column("overdue", "Overdue", "count")));
    for (int s = 0; s <= NSTATUSES; s++) {
        json_t *row = json_pack("{s:s, s:I, s:I}", "label",
                                s < NSTATUSES ? program_label(program_deliverable_statuses[s])
                                              : "All deliverables",
                                "n", (json_int_t)n[s], "overdue", (json_int_t)late[s]);
        if (s < NSTATUSES)
            table_row(st, row);
        else
            json_object_set_new(st, "total", row);
    }
    *status_table = st;
    return tb;
}

hv_result
program_report(store_conn *c, const char *today, json_t **doc)
{
    json_t *places = NULL, *items = NULL, *timeline = NULL, *status_table = NULL;
    hv_err e = {0};
    hv_result r = program_jurisdiction_list(c, NULL, &places, &e);
    if (r == HV_OK)
        r = program_deliverable_list(c, NULL, today, &items, &e);
    if (r == HV_OK)
        r = expansion_timeline(places, &timeline);
    if (r != HV_OK) {
        json_decref(places);
        json_decref(items);
        return r;
    }
    tally t[NKINDS + 1];
    memset(t, 0, sizeof t);
    size_t i;
    json_t *o;
    json_array_foreach(places, i, o)
    {
        int k = index_of(program_kinds, jstr(o, "kind"));
        int s = index_of(program_statuses, jstr(o, "status"));
        int live = is(jstr(o, "status"), "live");
        json_t *pop = json_object_get(o, "population");
        if (k < 0 || s < 0)
            continue; /* not written through the API: cannot happen */
        for (int w = 0; w < 2; w++) {
            tally *x = &t[w ? NKINDS : k];
            x->by_status[s]++;
            x->n++;
            x->live += live;
            if (json_is_integer(pop)) {
                x->population += json_integer_value(pop);
                if (live)
                    x->population_live += json_integer_value(pop);
            } else {
                x->no_population++;
            }
        }
    }
    char subtitle[96], now[40];
    snprintf(subtitle, sizeof subtitle, "Expansion and deliverables as of %s (county date)", today);
    clock_format_iso(clock_now_ms(), now, sizeof now);
    json_t *dl = deliverables_tables(items, &status_table);
    *doc = json_pack("{s:s, s:s, s:s, s:s, s:[o, o, o, o, o]}", "title",
                     "Protocol expansion and deliverables", "subtitle", subtitle, "as_of", today,
                     "generated_at", now, "tables", expansion_status(t), coverage(t), timeline, dl,
                     status_table);
    json_decref(places);
    json_decref(items);
    return *doc ? HV_OK : HV_ERR_NOMEM;
}
