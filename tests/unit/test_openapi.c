/* test_openapi.c - the OpenAPI document generated from the route table:
 * valid JSON, OpenAPI 3.1, every route present with its method, every path
 * parameter declared, query parameters documented, every $ref resolving. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"

static int
setup(void **state)
{
    json_t *doc = api_openapi();
    if (!doc)
        return -1;
    *state = doc;
    return 0;
}

static int
teardown(void **state)
{
    json_decref(*state);
    return 0;
}

static json_t *
op_of(json_t *doc, const http_route *rt)
{
    char method[16];
    size_t k = 0;
    for (const char *p = rt->method; *p && k < sizeof method - 1; p++)
        method[k++] = (char)tolower((unsigned char)*p);
    method[k] = '\0';
    return json_object_get(json_object_get(json_object_get(doc, "paths"), rt->pattern), method);
}

static json_t *
param(json_t *op, const char *name, const char *in)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(op, "parameters"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
            strcmp(json_string_value(json_object_get(p, "in")), in) == 0)
            return p;
    }
    return NULL;
}

static void
test_valid_json(void **state)
{
    json_t *doc = *state;
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    json_error_t err;
    json_t *again = json_loads(text, 0, &err);
    assert_non_null(again);
    assert_true(json_equal(doc, again));
    json_decref(again);
    free(text);
}

static void
test_version_and_info(void **state)
{
    json_t *doc = *state;
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    assert_non_null(v);
    assert_memory_equal(v, "3.1.", 4);
    json_t *info = json_object_get(doc, "info");
    assert_string_equal(json_string_value(json_object_get(info, "title")), "haven API");
    assert_string_equal(json_string_value(json_object_get(info, "version")), HAVEN_VERSION);
    assert_true(json_is_object(json_object_get(json_object_get(doc, "components"), "schemas")));
    json_t *sec = json_object_get(json_object_get(doc, "components"), "securitySchemes");
    assert_non_null(json_object_get(sec, "session"));
    assert_non_null(json_object_get(sec, "bearer"));
}

static void
test_every_route_documented(void **state)
{
    json_t *doc = *state;
    size_t ops = 0;
    assert_true(api_nroutes > 10);
    for (int i = 0; i < api_nroutes; i++) {
        const http_route *rt = &api_routes[i];
        json_t *op = op_of(doc, rt);
        if (!op)
            fail_msg("%s %s is missing", rt->method, rt->pattern);
        assert_string_equal(json_string_value(json_object_get(op, "summary")), rt->summary);
        char status[8];
        snprintf(status, sizeof status, "%d", rt->success_status);
        assert_non_null(json_object_get(json_object_get(op, "responses"), status));
        if (rt->request_schema)
            assert_non_null(json_object_get(op, "requestBody"));
        json_t *security = json_object_get(op, "security");
        assert_true(json_is_array(security));
        if (rt->flags & HTTP_AUTH) {
            assert_int_equal(json_array_size(security), 2);
            assert_non_null(json_object_get(json_object_get(op, "responses"), "401"));
        } else {
            assert_int_equal(json_array_size(security), 0);
        }
    }
    /* and nothing that is not a route */
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item) ops += json_object_size(item);
    assert_int_equal(ops, (size_t)api_nroutes);
}

static void
test_operation_ids_unique(void **state)
{
    json_t *doc = *state;
    json_t *seen = json_object();
    for (int i = 0; i < api_nroutes; i++) {
        json_t *op = op_of(doc, &api_routes[i]);
        const char *id = json_string_value(json_object_get(op, "operationId"));
        assert_non_null(id);
        if (json_object_get(seen, id))
            fail_msg("operationId '%s' is used twice", id);
        json_object_set_new(seen, id, json_true());
    }
    json_decref(seen);
}

static void
test_path_parameters_declared(void **state)
{
    json_t *doc = *state;
    for (int i = 0; i < api_nroutes; i++) {
        const http_route *rt = &api_routes[i];
        json_t *op = op_of(doc, rt);
        int in_pattern = 0;
        for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
            const char *e = strchr(p, '}');
            assert_non_null(e);
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(e - p - 1), p + 1);
            json_t *decl = param(op, name, "path");
            if (!decl)
                fail_msg("%s %s: path parameter '%s' is not declared", rt->method, rt->pattern,
                         name);
            assert_true(json_is_true(json_object_get(decl, "required")));
            assert_non_null(json_object_get(decl, "schema"));
            in_pattern++;
        }
        /* every declared path parameter is in the pattern */
        size_t k;
        json_t *p;
        int declared = 0;
        json_array_foreach(json_object_get(op, "parameters"), k, p)
        {
            if (strcmp(json_string_value(json_object_get(p, "in")), "path") == 0)
                declared++;
        }
        assert_int_equal(declared, in_pattern);
    }
}

static void
test_query_parameters(void **state)
{
    json_t *doc = *state;
    static const char *const searchable[] = {"/api/v1/users", "/api/v1/agencies",
                                             "/api/v1/stations"};
    int found = 0;
    for (int i = 0; i < api_nroutes; i++) {
        const http_route *rt = &api_routes[i];
        json_t *op = op_of(doc, rt);
        for (size_t s = 0; s < 3; s++) {
            if (strcmp(rt->pattern, searchable[s]) != 0)
                continue;
            json_t *q = param(op, "q", "query");
            if (strcmp(rt->method, "GET") == 0) {
                if (!q)
                    fail_msg("GET %s does not document 'q'", rt->pattern);
                assert_string_equal(
                    json_string_value(json_object_get(json_object_get(q, "schema"), "type")),
                    "string");
                assert_non_null(json_object_get(q, "description"));
                found++;
            } else {
                assert_null(q);
            }
        }
        if (strcmp(rt->pattern, "/api/v1/audit") == 0) {
            assert_non_null(param(op, "before_id", "query"));
            assert_non_null(param(op, "limit", "query"));
        }
    }
    assert_int_equal(found, 3);
}

static void
check_refs(json_t *schemas, json_t *node)
{
    if (json_is_object(node)) {
        const char *key;
        json_t *v;
        json_object_foreach(node, key, v)
        {
            if (strcmp(key, "$ref") == 0) {
                const char *ref = json_string_value(v);
                const char *prefix = "#/components/schemas/";
                assert_non_null(ref);
                assert_memory_equal(ref, prefix, strlen(prefix));
                if (!json_object_get(schemas, ref + strlen(prefix)))
                    fail_msg("$ref '%s' does not resolve", ref);
            } else {
                check_refs(schemas, v);
            }
        }
    } else if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) check_refs(schemas, v);
    }
}

static void
test_refs_resolve(void **state)
{
    json_t *doc = *state;
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    check_refs(schemas, doc);
    for (int i = 0; i < api_nroutes; i++) {
        if (api_routes[i].request_schema)
            assert_non_null(json_object_get(schemas, api_routes[i].request_schema));
        if (api_routes[i].response_schema)
            assert_non_null(json_object_get(schemas, api_routes[i].response_schema));
    }
}

static void
test_record_schemas(void **state)
{
    json_t *doc = *state;
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *user = json_object_get(json_object_get(schemas, "User"), "properties");
    json_t *input = json_object_get(json_object_get(schemas, "UserInput"), "properties");
    /* hidden fields never appear in output; read-only never in input */
    assert_null(json_object_get(user, "password"));
    assert_null(json_object_get(user, "password_hash"));
    assert_non_null(json_object_get(input, "password"));
    assert_null(json_object_get(input, "totp_enabled"));
    assert_non_null(json_object_get(user, "totp_enabled"));
    assert_null(json_object_get(
        json_object_get(json_object_get(schemas, "UserPatch"), "properties"), "username"));
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_json),
        cmocka_unit_test(test_version_and_info),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_operation_ids_unique),
        cmocka_unit_test(test_path_parameters_declared),
        cmocka_unit_test(test_query_parameters),
        cmocka_unit_test(test_refs_resolve),
        cmocka_unit_test(test_record_schemas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
