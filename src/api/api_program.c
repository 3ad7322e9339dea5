/*
 * api_program.c - the program office's trackers over HTTP: jurisdictions
 * (the expansion tracker), deliverables (the ILT dashboard) and their
 * summary as a report document (GET /api/v1/program).
 *
 * Every access asks the policy about OBJ_PROGRAM and is audited: reads in
 * their own transaction, writes in the same transaction as the change. The
 * rules themselves live in report/program.c; "today" is the county's date,
 * read once per request.
 */
#include <string.h>

#include "api/api.h"
#include "report/program.h"

static void
filter_of(http_req *r, program_filter *f)
{
    *f = (program_filter){.kind = http_query(r, "kind"),
                          .status = http_query(r, "status"),
                          .overdue = http_query(r, "overdue"),
                          .q = http_query(r, "q")};
}

/* Answers the list of jurisdictions (DELIVERABLES 0) or deliverables. */
static void
list(http_req *r, int deliverables)
{
    const char *what = deliverables ? "deliverable" : "jurisdiction";
    if (!api_allow(r, ACT_READ, OBJ_PROGRAM, &(policy_ctx){0}, 0))
        return;
    char today[16];
    program_today(today, sizeof today);
    program_filter f;
    filter_of(r, &f);
    store_conn *c;
    json_t *items = NULL;
    hv_err e = {0};
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = deliverables ? program_deliverable_list(c, &f, today, &items, &e)
                           : program_jurisdiction_list(c, &f, &items, &e);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    char action[48];
    snprintf(action, sizeof action, "%s.list", what);
    api_audit(r, action, what, 0);
    http_send_json(r, 200, json_pack("{s:o, s:s}", "items", items, "today", today));
}

static void
get_one(http_req *r, int deliverables)
{
    const char *what = deliverables ? "deliverable" : "jurisdiction";
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_READ, OBJ_PROGRAM, &(policy_ctx){0}, id))
        return;
    char today[16];
    program_today(today, sizeof today);
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = deliverables ? program_deliverable_get(c, id, today, &o)
                           : program_jurisdiction_get(c, id, &o);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    char action[48];
    snprintf(action, sizeof action, "%s.read", what);
    api_audit(r, action, what, id);
    http_send_json(r, 200, o);
}

/* Creates (ID 0) or changes a jurisdiction or deliverable with its audit
 * entry in one transaction, and answers with it. */
static void
save(http_req *r, int deliverables, int64_t id)
{
    const record_desc *d = deliverables ? &program_deliverable_desc : &program_jurisdiction_desc;
    haven_app *app = api_app(r);
    if (!api_allow(r, id ? ACT_UPDATE : ACT_CREATE, OBJ_PROGRAM, &(policy_ctx){0}, id))
        return;
    json_t *vals = api_input(r, d, id ? REC_UPDATE : REC_CREATE);
    if (!vals)
        return;
    char today[16], action[48];
    program_today(today, sizeof today);
    snprintf(action, sizeof action, "%s.%s", d->name, id ? "update" : "create");
    hv_err e = {0};
    json_t *out = NULL;
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = deliverables ? program_deliverable_save(c, id, vals, today, &id, &e)
                           : program_jurisdiction_save(c, id, vals, today, &id, &e);
        audit_event ev = api_event(r, action, d->name, id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = deliverables ? program_deliverable_get(c, id, today, &out)
                               : program_jurisdiction_get(c, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        json_decref(out);
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, strstr(action, "create") ? 201 : 200, out);
}

void
api_jurisdictions_list(http_req *r)
{
    list(r, 0);
}

void
api_jurisdictions_create(http_req *r)
{
    save(r, 0, 0);
}

void
api_jurisdiction_get(http_req *r)
{
    get_one(r, 0);
}

void
api_jurisdiction_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0)
        save(r, 0, id);
}

void
api_deliverables_list(http_req *r)
{
    list(r, 1);
}

void
api_deliverables_create(http_req *r)
{
    save(r, 1, 0);
}

void
api_deliverable_get(http_req *r)
{
    get_one(r, 1);
}

void
api_deliverable_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0)
        save(r, 1, id);
}

void
api_program_get(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_PROGRAM, &(policy_ctx){0}, 0))
        return;
    char today[16];
    program_today(today, sizeof today);
    store_conn *c;
    json_t *doc = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = program_report(c, today, &doc);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "program.read", "program", 0);
    http_send_json(r, 200, doc);
}

/* The OpenAPI shapes of the routes above (called by api_openapi()). */
void
api_program_schemas(json_t *schemas)
{
    static const struct {
        const char *name;
        const record_desc *d;
    } recs[] = {{"Jurisdiction", &program_jurisdiction_desc},
                {"Deliverable", &program_deliverable_desc}};
    char key[64], refpath[96];
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        json_t *out = record_schema(recs[i].d, 0);
        if (recs[i].d == &program_deliverable_desc) {
            json_t *props = json_object_get(out, "properties");
            json_object_set_new(props, "overdue",
                                json_pack("{s:s, s:s}", "type", "boolean", "description",
                                          "due before today (county date) and not done"));
            json_object_set_new(props, "days_overdue",
                                json_pack("{s:s, s:s}", "type", "integer", "description",
                                          "whole days past the due date; 0 when not overdue"));
        }
        json_object_set_new(schemas, recs[i].name, out);
        snprintf(key, sizeof key, "%sInput", recs[i].name);
        json_object_set_new(schemas, key, record_schema(recs[i].d, 1));
        snprintf(key, sizeof key, "%sPatch", recs[i].name);
        json_object_set_new(schemas, key, record_schema(recs[i].d, 2));
        snprintf(key, sizeof key, "%sList", recs[i].name);
        snprintf(refpath, sizeof refpath, "#/components/schemas/%s", recs[i].name);
        json_object_set_new(schemas, key,
                            json_pack("{s:s, s:{s:{s:s, s:{s:s}}, s:{s:s, s:s}}}", "type", "object",
                                      "properties", "items", "type", "array", "items", "$ref",
                                      refpath, "today", "type", "string", "format", "date"));
    }
    json_object_set_new(
        schemas, "ProgramReport",
        json_pack("{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:{s:s}}}}",
                  "type", "object", "description",
                  "a report document (docs/metrics.md): tables expansion_status, coverage, "
                  "expansion_timeline, deliverables and deliverables_status",
                  "properties", "title", "type", "string", "subtitle", "type", "string", "as_of",
                  "type", "string", "format", "date", "generated_at", "type", "string", "format",
                  "date-time", "tables", "type", "array", "items", "type", "object"));
}
