/*
 * api_resources.c - what the protocol draws on besides cases: the SODA/PAD
 * bed board and capacities, the on-call lists, and arrest records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "protocol/model.h"

/* ---- beds ------------------------------------------------------------------------ */

static hv_result
bed_row(void *ctx, const store_row *row)
{
    int64_t cap = store_row_int(row, 2), used = store_row_int(row, 3);
    json_t *o =
        json_pack("{s:I, s:s, s:I, s:I, s:I}", "agency_id", (json_int_t)store_row_int(row, 0),
                  "name", store_row_text(row, 1), "capacity", (json_int_t)cap, "occupied",
                  (json_int_t)used, "free", (json_int_t)(cap > used ? cap - used : 0));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

void
api_beds_list(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_BEDS, &(policy_ctx){0}, 0))
        return;
    api_send_items(r,
                   "SELECT a.id, a.name, COALESCE(b.capacity, 0), (SELECT COUNT(*) FROM placement "
                   "p WHERE p.provider_agency_id = a.id AND p.kind = 'soda_pad' AND p.ended_at IS "
                   "NULL) FROM agency a LEFT JOIN bed_capacity b ON b.agency_id = a.id WHERE "
                   "a.kind = 'placement_provider' AND a.active = 1 ORDER BY a.name",
                   NULL, 0, bed_row);
}

void
api_beds_set(http_req *r)
{
    int64_t agency = api_path_id(r);
    if (agency <= 0 ||
        !api_allow(r, ACT_UPDATE, OBJ_BEDS, &(policy_ctx){.agency_id = agency}, agency))
        return;
    json_t *vals = api_input(r, &capacity_input_desc, REC_CREATE);
    if (!vals)
        return;
    haven_app *app = api_app(r);
    int64_t cap = json_integer_value(json_object_get(vals, "capacity"));
    json_decref(vals);
    store_conn *c;
    hv_err e = {0};
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        int64_t n = 0;
        store_val k[] = {SV_INTV(agency)};
        res = store_query_int(c,
                              "SELECT COUNT(*) FROM agency WHERE id = ? AND kind = "
                              "'placement_provider'",
                              k, 1, &n);
        if (res == HV_OK && !n)
            res = hv_fail(&e, HV_ERR_NOTFOUND, NULL, "there is no such bed provider");
        store_val a[] = {SV_INTV(agency), SV_INTV(cap), SV_INTV(clock_now_ms())};
        if (res == HV_OK)
            res = store_exec(c, "DELETE FROM bed_capacity WHERE agency_id = ?", a, 1, NULL);
        if (res == HV_OK)
            res = store_exec(c,
                             "INSERT INTO bed_capacity (agency_id, capacity, updated_at) VALUES "
                             "(?, ?, ?)",
                             a, 3, NULL);
        audit_event ev = api_event(r, "beds.update", "agency", agency);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    api_beds_list(r);
}

/* ---- on-call lists ---------------------------------------------------------------- */

static hv_result
oncall_row(void *ctx, const store_row *row)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:I, s:s, s:I}", "id", (json_int_t)store_row_int(row, 0),
                          "agency_id", (json_int_t)store_row_int(row, 1), "agency_name",
                          store_row_text(row, 2), "user_id", (json_int_t)store_row_int(row, 3),
                          "display_name", store_row_text(row, 4), "position",
                          (json_int_t)store_row_int(row, 5));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new((json_t *)ctx, o);
    return HV_OK;
}

void
api_oncall_list(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_ONCALL, &(policy_ctx){0}, 0))
        return;
    api_send_items(r,
                   "SELECT o.id, o.agency_id, a.name, o.user_id, u.display_name, o.position FROM "
                   "oncall o JOIN agency a ON a.id = o.agency_id JOIN app_user u ON u.id = "
                   "o.user_id ORDER BY a.name, o.position, o.id",
                   NULL, 0, oncall_row);
}

void
api_oncall_create(http_req *r)
{
    json_t *vals = api_input(r, &oncall_desc, REC_CREATE);
    if (!vals)
        return;
    int64_t agency = json_integer_value(json_object_get(vals, "agency_id"));
    if (!api_allow(r, ACT_CREATE, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}, 0)) {
        json_decref(vals);
        return;
    }
    haven_app *app = api_app(r);
    if (!json_object_get(vals, "position"))
        json_object_set_new(vals, "position", json_integer(100));
    json_object_set_new(vals, "created_at", json_integer(clock_now_ms()));
    store_conn *c;
    hv_err e = {0};
    int64_t id = 0;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        int64_t n = 0;
        store_val a[] = {SV_INTV(json_integer_value(json_object_get(vals, "user_id"))),
                         SV_INTV(agency)};
        res = store_query_int(c, "SELECT COUNT(*) FROM app_user WHERE id = ? AND agency_id = ?", a,
                              2, &n);
        if (res == HV_OK && !n)
            res = hv_fail(&e, HV_ERR_INVALID, "user_id", "the user is not in that agency");
        store_val b[] = {SV_INTV(agency),
                         SV_INTV(json_integer_value(json_object_get(vals, "user_id"))),
                         SV_INTV(json_integer_value(json_object_get(vals, "position"))),
                         SV_INTV(clock_now_ms())};
        if (res == HV_OK)
            res = store_query_int(c,
                                  "INSERT INTO oncall (agency_id, user_id, position, created_at) "
                                  "VALUES (?, ?, ?, ?) RETURNING id",
                                  b, 4, &id);
        if (res == HV_ERR_CONFLICT)
            hv_fail(&e, res, "user_id", "that user is already on this agency's list");
        audit_event ev = api_event(r, "oncall.create", "agency", agency);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void
api_oncall_delete(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    haven_app *app = api_app(r);
    store_conn *c;
    int64_t agency = 0;
    store_val a[] = {SV_INTV(id)};
    if (store_read(app->st, &c) == HV_OK) {
        store_query_int(c, "SELECT agency_id FROM oncall WHERE id = ?", a, 1, &agency);
        store_release(c);
    }
    if (!agency) {
        http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such entry");
        return;
    }
    if (!api_allow(r, ACT_UPDATE, OBJ_ONCALL, &(policy_ctx){.agency_id = agency}, id))
        return;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = store_exec(c, "DELETE FROM oncall WHERE id = ?", a, 1, NULL);
        audit_event ev = api_event(r, "oncall.delete", "agency", agency);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    http_send_empty(r, 204);
}

/* ---- arrests ---------------------------------------------------------------------- */

void
api_arrests_list(http_req *r)
{
    const principal *p = &api_who(r)->p;
    if (!policy_may_some(p, ACT_READ, OBJ_ARREST)) {
        api_allow(r, ACT_READ, OBJ_ARREST, NULL, 0);
        return;
    }
    int all = policy_may_all(p, ACT_READ, OBJ_ARREST);
    store_conn *c;
    json_t *items = NULL;
    store_val a[] = {SV_INTV(p->agency_id)};
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = record_list(c, &arrest_desc,
                          all ? NULL : "station_id IN (SELECT id FROM station WHERE agency_id = ?)",
                          all ? NULL : a, all ? 0 : 1, http_query(r, "q"), 5000, &items);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "arrest.list", "arrest", 0);
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

void
api_arrests_create(http_req *r)
{
    json_t *vals = api_input(r, &arrest_desc, REC_CREATE);
    if (!vals)
        return;
    haven_app *app = api_app(r);
    int64_t agency = 0;
    store_conn *c;
    store_val a[] = {SV_INTV(json_integer_value(json_object_get(vals, "station_id")))};
    if (store_read(app->st, &c) == HV_OK) {
        store_query_int(c, "SELECT agency_id FROM station WHERE id = ?", a, 1, &agency);
        store_release(c);
    }
    if (!agency) {
        json_decref(vals);
        http_send_problem(r, 400, "invalid", "Invalid request", "station_id",
                          "there is no such station");
        return;
    }
    if (!api_allow(r, ACT_CREATE, OBJ_ARREST, &(policy_ctx){.agency_id = agency}, 0)) {
        json_decref(vals);
        return;
    }
    const char *on = json_string_value(json_object_get(vals, "arrested_on"));
    char today[40];
    clock_format_iso(clock_now_ms(), today, sizeof today);
    if (on && strncmp(on, today, 10) > 0) {
        json_decref(vals);
        http_send_problem(r, 400, "invalid", "Invalid request", "arrested_on",
                          "an arrest cannot be in the future");
        return;
    }
    hv_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = record_insert(c, &arrest_desc, vals, &id, &e);
        audit_event ev = api_event(r, "arrest.create", "arrest", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = record_get(c, &arrest_desc, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, 201, out);
}
