/*
 * api_direditor.c - the directory's editors and Safe Youth Zone sites over
 * HTTP (signed in; the public read API is api_directory.c):
 *
 *   /api/v1/directory/services[/{id}[/verify|/history]]  find, read, save, verify
 *   /api/v1/directory/reports/unverified                 not verified in 12 months
 *   /api/v1/directory/import                             an HSDS file from the page
 *   /api/v1/directory/locations/{id}/syz                 flag a Safe Youth Zone
 *   /api/v1/sites[/{id}/staff[/{user_id}]]               sites and their staff
 *
 * Handlers parse, ask the policy (OBJ_DIRECTORY, OBJ_SITE), call
 * directory/editor.c or directory/syz.c, audit and answer. Writes and their
 * audit entries share one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "directory/editor.h"
#include "directory/hsds.h"
#include "directory/syz.h"

static const principal *
who(http_req *r)
{
    return &api_who(r)->p;
}

/* An int query parameter within LO..HI, DEF when absent; -1 after answering 400. */
static int
query_int(http_req *r, const char *name, int lo, int hi, int def)
{
    const char *s = http_query(r, name);
    if (!s || !*s)
        return def;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) {
        char why[96];
        snprintf(why, sizeof why, "give a whole number from %d to %d", lo, hi);
        http_send_problem(r, 400, "invalid", "Invalid request", name, why);
        return -1;
    }
    return (int)v;
}

/* Runs FN on a reader and answers its result (audited as ACTION when not NULL). */
typedef hv_result (*reader_fn)(store_conn *c, http_req *r, int64_t id, json_t **out);

static void
answer_read(http_req *r, reader_fn fn, int64_t id, const char *action, const char *type)
{
    store_conn *c;
    json_t *out = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = fn(c, r, id, &out);
        store_release(c);
    }
    if (r->responded) { /* a bad parameter, answered */
        json_decref(out);
        return;
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    if (action)
        api_audit(r, action, type, id);
    http_send_json(r, 200, out);
}

/* ---- services -------------------------------------------------------------------- */

static hv_result
read_list(store_conn *c, http_req *r, int64_t id, json_t **out)
{
    (void)id;
    int page = query_int(r, "page", 1, 100000, 1);
    int per = query_int(r, "per_page", 1, DIR_EDITOR_PAGE_MAX, 50);
    if (page < 0 || per < 0)
        return HV_OK; /* answered */
    return dir_editor_list(c, http_query(r, "q"), page, per, out);
}

void
api_direditor_list(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_DIRECTORY, &(policy_ctx){0}, 0))
        return;
    const char *q = http_query(r, "q");
    if (q && strlen(q) > 200) {
        http_send_problem(r, 400, "invalid", "Invalid request", "q",
                          "search for 200 characters at most");
        return;
    }
    answer_read(r, read_list, 0, NULL, NULL);
}

static hv_result
read_one(store_conn *c, http_req *r, int64_t id, json_t **out)
{
    (void)r;
    return dir_editor_get(c, id, out);
}

/* Answers one service (STATUS) tagged with its version as the ETag. */
static void
send_service(http_req *r, int status, json_t *o)
{
    char etag[32];
    snprintf(etag, sizeof etag, "\"v%lld\"",
             (long long)json_integer_value(json_object_get(o, "version")));
    http_set_header(r, "ETag", etag);
    http_send_json(r, status, o);
}

void
api_direditor_get(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_READ, OBJ_DIRECTORY, &(policy_ctx){0}, id))
        return;
    store_conn *c;
    json_t *out = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = read_one(c, r, id, &out);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "directory.service.read", "dir_service", id);
    send_service(r, 200, out);
}

/* An edit's If-Match (optional; "*" or the ETag of the service read)
 * against the service's version now. */
static hv_result
check_if_match(http_req *r, store_conn *c, int64_t id, hv_err *e)
{
    const char *im = http_header(r, "If-Match");
    if (!im || strcmp(im, "*") == 0)
        return HV_OK;
    int64_t version = 0;
    hv_result res = dir_editor_version(c, id, &version);
    if (res != HV_OK)
        return res;
    char want[32];
    snprintf(want, sizeof want, "\"v%lld\"", (long long)version);
    if (strncmp(im, "W/", 2) == 0)
        im += 2;
    if (strcmp(im, want) != 0)
        return hv_fail(e, HV_ERR_STALE, "If-Match",
                       "someone else changed this service since you opened it; reload it and "
                       "make your change again");
    return HV_OK;
}

static hv_result
read_history(store_conn *c, http_req *r, int64_t id, json_t **out)
{
    (void)r;
    return dir_editor_history(c, id, out);
}

void
api_direditor_history(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_READ, OBJ_DIRECTORY, &(policy_ctx){0}, id))
        return;
    answer_read(r, read_history, id, "directory.service.history", "dir_service");
}

static hv_result
read_unverified(store_conn *c, http_req *r, int64_t id, json_t **out)
{
    (void)id;
    int months = query_int(r, "months", 1, 120, 12);
    if (months < 0)
        return HV_OK; /* answered */
    return dir_editor_unverified(c, months, out);
}

void
api_direditor_unverified(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_DIRECTORY, &(policy_ctx){0}, 0))
        return;
    answer_read(r, read_unverified, 0, NULL, NULL);
}

/* Saves {"service": {...HSDS...}} as service ID (0: new). */
static void
save(http_req *r, int64_t id)
{
    static const char *const keys[] = {"service", NULL};
    haven_app *app = api_app(r);
    if (!api_allow(r, id ? ACT_UPDATE : ACT_CREATE, OBJ_DIRECTORY, &(policy_ctx){0}, id))
        return;
    hv_err e = {0};
    if (record_known_keys(r->json, keys, &e) != HV_OK) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    const json_t *svc = json_object_get(r->json, "service");
    if (!json_is_object(svc)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "service",
                          "give the service as an HSDS 3.0 service object");
        return;
    }
    store_conn *c;
    json_t *out = NULL;
    int64_t sid = 0;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        if (id)
            res = check_if_match(r, c, id, &e);
        if (res == HV_OK)
            res = dir_editor_save(c, id, svc, who(r)->user_id, &sid, &e);
        audit_event ev = api_event(r, id ? "directory.service.update" : "directory.service.create",
                                   "dir_service", sid);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = dir_editor_get(c, sid, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        json_decref(out);
        http_send_err(r, res, &e);
        return;
    }
    if (!id) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/directory/services/%lld", (long long)sid);
        http_set_header(r, "Location", loc);
    }
    send_service(r, id ? 200 : 201, out);
}

void
api_direditor_create(http_req *r)
{
    save(r, 0);
}

void
api_direditor_update(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id > 0)
        save(r, id);
}

void
api_direditor_verify(http_req *r)
{
    haven_app *app = api_app(r);
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_UPDATE, OBJ_DIRECTORY, &(policy_ctx){0}, id))
        return;
    hv_err e = {0};
    store_conn *c;
    json_t *out = NULL;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = check_if_match(r, c, id, &e);
        if (res == HV_OK)
            res = dir_editor_verify(c, id, who(r)->user_id, &e);
        audit_event ev = api_event(r, "directory.service.verify", "dir_service", id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = dir_editor_get(c, id, &out);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res != HV_OK) {
        json_decref(out);
        http_send_err(r, res, &e);
        return;
    }
    send_service(r, 200, out);
}

/* ---- import from the page ----------------------------------------------------------- */

/* "broken.json, row 4, services[3].x: why" → row 4; 0 when there is none. */
static int
row_of(const char *detail)
{
    const char *p = strstr(detail, ", row ");
    return p ? (int)strtol(p + 6, NULL, 10) : 0;
}

void
api_direditor_import(http_req *r)
{
    static const char *const keys[] = {"file", "data", NULL};
    haven_app *app = api_app(r);
    if (!api_allow(r, ACT_CREATE, OBJ_DIRECTORY, &(policy_ctx){0}, 0))
        return;
    hv_err e = {0};
    if (record_known_keys(r->json, keys, &e) != HV_OK) {
        http_send_err(r, HV_ERR_INVALID, &e);
        return;
    }
    const json_t *f = json_object_get(r->json, "file");
    const json_t *data = json_object_get(r->json, "data");
    if (f && (!json_is_string(f) || json_string_length(f) > 200)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "file",
                          "give the file's name (200 characters at most)");
        return;
    }
    if (!data || json_is_null(data)) {
        http_send_problem(r, 400, "invalid", "Invalid request", "data",
                          "give the file's contents: HSDS 3.0 services as JSON");
        return;
    }
    /* the file's own name, without a path, for messages */
    const char *file = f && json_string_length(f) ? json_string_value(f) : "upload.json";
    const char *slash = strrchr(file, '/');
    if (slash && slash[1])
        file = slash + 1;
    hsds_report rep = {0};
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = hsds_import(c, data, file, who(r)->user_id, "import", &rep, &e);
        audit_event ev = api_event(r, "directory.import", "dir_service", 0);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    if (res == HV_ERR_INVALID) {
        /* the file, the row and the field, for the page to show beside the row */
        json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:[{s:s, s:s}]}", "type",
                              "/problems/invalid", "title", "The file was not imported", "status",
                              400, "detail", e.detail, "request_id", r->request_id, "file", file,
                              "row", row_of(e.detail), "field", e.field, "invalid_params", "name",
                              e.field, "reason", e.detail);
        char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
        json_decref(p);
        if (!text) {
            http_send_err(r, HV_ERR_NOMEM, NULL);
            return;
        }
        http_send_bytes(r, 400, "application/problem+json", text, strlen(text), 1);
        free(text);
        return;
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, 200,
                   json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "file", file, "created",
                             (json_int_t)rep.services_created, "updated",
                             (json_int_t)rep.services_updated, "unchanged",
                             (json_int_t)rep.services_unchanged, "organizations",
                             (json_int_t)rep.organizations, "locations", (json_int_t)rep.locations,
                             "terms", (json_int_t)rep.terms));
}

/* ---- Safe Youth Zones ----------------------------------------------------------------- */

static const field_desc flag_fields[] = {
    {"syz", FT_BOOL, F_REQUIRED, 0, 0, NULL, NULL, "A Safe Youth Zone site"},
    {"contact", FT_TEXT, 0, 0, 200, NULL, NULL,
     "How to reach the site's staff (a desk or duty phone, not a person's own)"},
    {"agency_id", FT_REF, 0, 0, 0, NULL, "agency", "The agency that runs the site"},
};
static const record_desc flag_desc = {"syz_flag", "syz_flag", flag_fields, 3, NULL, 0};

static const field_desc link_fields[] = {
    {"user_id", FT_REF, F_REQUIRED, 0, 0, NULL, "app_user", "A user with the role site_staff"},
};
static const record_desc link_desc = {"syz_link", "syz_link", link_fields, 1, NULL, 0};

/* Runs WRITE in a transaction with its audit entry and answers the sites
 * list (all of them). */
typedef hv_result (*site_write_fn)(store_conn *c, http_req *r, int64_t id, json_t *vals, hv_err *e);

static void
site_write(http_req *r, site_write_fn fn, int64_t id, json_t *vals, const char *action,
           const char *type)
{
    haven_app *app = api_app(r);
    hv_err e = {0};
    store_conn *c;
    json_t *out = NULL;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = fn(c, r, id, vals, &e);
        audit_event ev = api_event(r, action, type, id);
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK)
            res = syz_sites(c, 0, &out);
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
    http_send_json(r, 200, json_pack("{s:o}", "items", out));
}

static hv_result
do_flag(store_conn *c, http_req *r, int64_t id, json_t *vals, hv_err *e)
{
    return syz_flag(c, id, json_is_true(json_object_get(vals, "syz")),
                    json_string_value(json_object_get(vals, "contact")),
                    json_integer_value(json_object_get(vals, "agency_id")), who(r)->user_id, e);
}

void
api_syz_flag(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_UPDATE, OBJ_SITE, &(policy_ctx){0}, id))
        return;
    json_t *vals = api_input(r, &flag_desc, REC_CREATE);
    if (vals)
        site_write(r, do_flag, id, vals, "site.flag", "dir_location");
}

static hv_result
do_link(store_conn *c, http_req *r, int64_t id, json_t *vals, hv_err *e)
{
    return syz_link(c, id, json_integer_value(json_object_get(vals, "user_id")), who(r)->user_id,
                    e);
}

void
api_syz_staff_add(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_CREATE, OBJ_SITE, &(policy_ctx){0}, id))
        return;
    json_t *vals = api_input(r, &link_desc, REC_CREATE);
    if (vals)
        site_write(r, do_link, id, vals, "site.staff.add", "dir_location");
}

static hv_result
do_unlink(store_conn *c, http_req *r, int64_t id, json_t *vals, hv_err *e)
{
    (void)vals;
    int64_t user = http_param_id(r, 1);
    if (user <= 0)
        return hv_fail(e, HV_ERR_NOTFOUND, NULL, "there is no such user");
    return syz_unlink(c, id, user, e);
}

void
api_syz_staff_remove(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_UPDATE, OBJ_SITE, &(policy_ctx){0}, id))
        return;
    site_write(r, do_unlink, id, NULL, "site.staff.remove", "dir_location");
}

static hv_result
read_sites(store_conn *c, http_req *r, int64_t id, json_t **out)
{
    json_t *items = NULL;
    hv_result res = syz_sites(c, id, &items);
    (void)r;
    if (res == HV_OK)
        *out = json_pack("{s:o}", "items", items);
    return res;
}

void
api_syz_sites(http_req *r)
{
    const principal *p = who(r);
    /* everyone's sites for those who keep them; else one's own */
    int64_t only = policy_check(p, ACT_READ, OBJ_SITE, &(policy_ctx){0}) ? 0 : p->user_id;
    const char *mine = http_query(r, "mine");
    if (mine && strcmp(mine, "1") == 0)
        only = p->user_id;
    if (only && !api_allow(r, ACT_READ, OBJ_SITE, &(policy_ctx){.user_id = p->user_id}, p->user_id))
        return;
    answer_read(r, read_sites, only, "site.list", "dir_location");
}

/* ---- OpenAPI -------------------------------------------------------------------------- */

void
api_direditor_schemas(json_t *schemas)
{
    static const char fixed[] =
        "{\"DirServiceInput\":{\"type\":\"object\",\"required\":[\"service\"],\"properties\":"
        "{\"service\":{\"type\":\"object\",\"description\":\"one HSDS 3.0 service (the API "
        "reference's shape, with organization, service_at_locations, phones, schedules, "
        "languages, cost_options ...)\"}}},"
        "\"DirServiceSummary\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"hsds_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"organization\":"
        "{\"type\":\"object\"},\"status\":{\"type\":\"string\"},\"verified_at\":{\"type\":"
        "[\"string\",\"null\"],\"format\":\"date-time\"},\"assured_date\":{\"type\":[\"string\","
        "\"null\"],\"format\":\"date\"},\"updated_at\":{\"type\":\"string\",\"format\":"
        "\"date-time\"}}},"
        "\"DirServiceList\":{\"type\":\"object\",\"properties\":{\"total\":{\"type\":\"integer\"},"
        "\"page\":{\"type\":\"integer\"},\"per_page\":{\"type\":\"integer\"},\"items\":{\"type\":"
        "\"array\",\"items\":{\"$ref\":\"#/components/schemas/DirServiceSummary\"}}}},"
        "\"DirService\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"version\":{\"type\":\"integer\",\"description\":\"the newest change's id: the ETag "
        "is \\\"v<version>\\\", for If-Match\"},"
        "\"hsds_id\":{\"type\":\"string\"},\"verified_at\":{\"type\":[\"string\",\"null\"]},"
        "\"assured_date\":{\"type\":[\"string\",\"null\"]},\"service\":{\"type\":\"object\","
        "\"description\":\"the HSDS 3.0 service as last imported or saved\"},\"locations\":"
        "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"description\":\"haven's location "
        "id, address, syz flag, syz_contact and linked staff\"}}}},"
        "\"DirHistory\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
        "\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"at\":"
        "{\"type\":\"string\",\"format\":\"date-time\"},\"by\":{\"type\":[\"object\",\"null\"]},"
        "\"source\":{\"type\":\"string\"},\"action\":{\"type\":\"string\",\"enum\":[\"created\","
        "\"updated\",\"verified\"]},\"changes\":{\"type\":\"array\",\"items\":{\"type\":"
        "\"object\",\"properties\":{\"field\":{\"type\":\"string\"},\"before\":{},\"after\":{}}}}"
        "}}}}},"
        "\"DirUnverified\":{\"type\":\"object\",\"properties\":{\"cutoff\":{\"type\":\"string\","
        "\"format\":\"date-time\"},\"months\":{\"type\":\"integer\"},\"total\":{\"type\":"
        "\"integer\"},\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
        "DirServiceSummary\"}}}},"
        "\"DirImportInput\":{\"type\":\"object\",\"required\":[\"data\"],\"properties\":{\"file\":"
        "{\"type\":\"string\",\"description\":\"the file's name, for messages\"},\"data\":"
        "{\"description\":\"the file: HSDS services as a list, {services, organizations} or "
        "{contents}\"}}},"
        "\"DirImportResult\":{\"type\":\"object\",\"properties\":{\"file\":{\"type\":\"string\"},"
        "\"created\":{\"type\":\"integer\"},\"updated\":{\"type\":\"integer\"},\"unchanged\":"
        "{\"type\":\"integer\"},\"organizations\":{\"type\":\"integer\"},\"locations\":{\"type\":"
        "\"integer\"},\"terms\":{\"type\":\"integer\"}}},"
        "\"SiteList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
        "\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":"
        "{\"type\":[\"string\",\"null\"]},\"staging_address\":{\"type\":\"string\"},\"contact\":"
        "{\"type\":[\"string\",\"null\"]},\"latitude\":{\"type\":[\"number\",\"null\"]},"
        "\"longitude\":{\"type\":[\"number\",\"null\"]},\"staff\":{\"type\":\"array\"}}}}}}}";
    json_t *o = json_loads(fixed, 0, NULL);
    if (o)
        json_object_update_missing(schemas, o);
    json_decref(o);
    json_object_set_new(schemas, "SiteFlagInput", record_schema(&flag_desc, 1));
    json_object_set_new(schemas, "SiteStaffInput", record_schema(&link_desc, 1));
}
