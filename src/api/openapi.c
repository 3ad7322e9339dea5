/*
 * openapi.c - the OpenAPI 3.1 document, generated from the route table and
 * the record descriptors, so it cannot drift from the code. Shapes that are
 * not records are written out below.
 */
#include <string.h>

#include "api/api.h"
#include "api/inputs.h"
#include "auth/account.h"
#include "protocol/model.h"

static const char fixed_schemas[] =
    "{"
    "\"Problem\":{\"type\":\"object\",\"description\":\"RFC 9457 problem details\","
    "\"properties\":{\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
    "\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"},"
    "\"field\":{\"type\":\"string\",\"description\":\"the offending input field\"},"
    "\"invalid_params\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
    "{\"name\":{\"type\":\"string\"},\"reason\":{\"type\":\"string\"}}}},"
    "\"request_id\":{\"type\":\"string\"}},\"required\":[\"type\",\"title\",\"status\"]},"
    "\"Health\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},"
    "\"database\":{\"type\":\"string\"}}},"
    "\"DirectoryConfig\":{\"type\":\"object\",\"properties\":{\"tile_url\":{\"type\":"
    "\"string\",\"description\":\"Leaflet tile URL template; empty: maps without tiles\"},"
    "\"tile_attribution\":{\"type\":\"string\"}}},"
    "\"Labelled\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
    "{\"value\":{\"type\":\"string\"},\"label\":{\"type\":\"string\"}}}},"
    "\"Meta\":{\"type\":\"object\",\"properties\":{\"agency_kinds\":{\"$ref\":"
    "\"#/components/schemas/Labelled\"},\"roles\":{\"$ref\":\"#/components/schemas/Labelled\"}}},"
    "\"Clock\":{\"type\":\"object\",\"properties\":{\"now\":{\"type\":\"string\",\"format\":"
    "\"date-time\"},\"now_ms\":{\"type\":\"integer\"},\"offset_ms\":{\"type\":\"integer\"}}},"
    "\"ClockInput\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":"
    "{\"now\":{\"type\":\"string\",\"format\":\"date-time\"},\"advance_ms\":{\"type\":"
    "\"integer\"},\"reset\":{\"type\":\"boolean\"}}},"
    "\"Me\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"username\":{\"type\":\"string\"},\"display_name\":{\"type\":\"string\"},"
    "\"email\":{\"type\":[\"string\",\"null\"]},\"agency\":{\"type\":\"object\",\"properties\":"
    "{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"kind\":{\"type\":"
    "\"string\"}}},\"roles\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"totp_enabled\":{\"type\":\"boolean\"},\"totp_required\":{\"type\":\"boolean\"},"
    "\"totp_enrollment_required\":{\"type\":\"boolean\"},\"csrf_token\":{\"type\":\"string\","
    "\"description\":\"send as X-CSRF-Token on writes made with the session cookie\"},"
    "\"can\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}},"
    "\"LoginResult\":{\"type\":\"object\",\"properties\":{\"user\":{\"$ref\":"
    "\"#/components/schemas/Me\"},\"csrf_token\":{\"type\":\"string\"}}},"
    "\"TotpSecret\":{\"type\":\"object\",\"properties\":{\"secret\":{\"type\":\"string\","
    "\"description\":\"base32, for manual entry\"},\"otpauth_uri\":{\"type\":\"string\"}}},"
    "\"Token\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":"
    "{\"type\":\"string\"},\"created_at\":{\"type\":\"string\"},\"last_used_at\":{\"type\":"
    "[\"string\",\"null\"]},\"revoked_at\":{\"type\":[\"string\",\"null\"]}}},"
    "\"TokenList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/Token\"}}}},"
    "\"TokenCreated\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"name\":{\"type\":\"string\"},\"token\":{\"type\":\"string\",\"description\":"
    "\"shown once; send as Authorization: Bearer\"}}},"
    "\"AuditEntry\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"at\":{\"type\":\"string\"},\"actor_user_id\":{\"type\":[\"integer\",\"null\"]},"
    "\"actor_username\":{\"type\":[\"string\",\"null\"]},\"actor_kind\":{\"type\":\"string\"},"
    "\"action\":{\"type\":\"string\"},\"object_type\":{\"type\":[\"string\",\"null\"]},"
    "\"object_id\":{\"type\":[\"string\",\"null\"]},\"request_id\":{\"type\":[\"string\","
    "\"null\"]},\"outcome\":{\"type\":\"string\"},\"reason\":{\"type\":[\"string\",\"null\"]}}},"
    "\"AuditList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/AuditEntry\"}},\"next_before_id\":{\"type\":[\"integer\","
    "\"null\"]}}}"
    "}";

static json_t *
ref(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", path);
}

static void
add_record(json_t *schemas, const char *name, const record_desc *d)
{
    char key[64];
    json_object_set_new(schemas, name, record_schema(d, 0));
    snprintf(key, sizeof key, "%sInput", name);
    json_object_set_new(schemas, key, record_schema(d, 1));
    snprintf(key, sizeof key, "%sPatch", name);
    json_object_set_new(schemas, key, record_schema(d, 2));
    snprintf(key, sizeof key, "%sList", name);
    json_object_set_new(schemas, key,
                        json_pack("{s:s, s:{s:{s:s, s:o}}}", "type", "object", "properties",
                                  "items", "type", "array", "items", ref(name)));
}

static json_t *
problem_response(const char *why)
{
    return json_pack("{s:s, s:{s:{s:o}}}", "description", why, "content",
                     "application/problem+json", "schema", ref("Problem"));
}

/* List routes that filter by the query parameter "q" (record_list() over the
 * descriptor's F_SEARCH fields). */
static const struct {
    const char *pattern;
    const char *what;
} searches[] = {
    {"/api/v1/users", "text in user name, display name or e-mail (case-insensitive)"},
    {"/api/v1/agencies", "text in the agency name (case-insensitive)"},
    {"/api/v1/stations", "text in the station name or jurisdiction (case-insensitive)"},
};

static json_t *
operation(const http_route *rt)
{
    json_t *op = json_pack("{s:s, s:[s]}", "summary", rt->summary, "tags", rt->tag);
    char opid[160];
    size_t k = 0;
    for (const char *p = rt->method; *p && k < 10; p++)
        opid[k++] = (char)(*p | 0x20);
    for (const char *p = rt->pattern; *p && k < sizeof opid - 1; p++)
        opid[k++] = (*p == '/' || *p == '{' || *p == '}' || *p == '.' || *p == '-') ? '_' : *p;
    opid[k] = '\0';
    json_object_set_new(op, "operationId", json_string(opid));

    json_t *params = json_array();
    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        json_array_append_new(params, json_pack("{s:s#, s:s, s:b, s:{s:s}}", "name", p + 1,
                                                (int)(e - p - 1), "in", "path", "required", 1,
                                                "schema", "type", "integer"));
    }
    if (strncmp(rt->pattern, "/api/directory", 14) == 0)
        api_directory_openapi_params(rt, params);
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++)
        if (strcmp(rt->pattern, searches[i].pattern) == 0 && strcmp(rt->method, "GET") == 0)
            json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", "q", "in",
                                                    "query", "description", searches[i].what,
                                                    "schema", "type", "string"));
    if (strcmp(rt->pattern, "/api/v1/audit") == 0) {
        json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s}}", "name", "before_id", "in",
                                                "query", "schema", "type", "integer"));
        json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:i, s:i}}", "name", "limit",
                                                "in", "query", "schema", "type", "integer",
                                                "minimum", 1, "maximum", 500));
    }
    /* query parameters and headers of the protocol's routes */
    static const struct {
        const char *method, *pattern, *name, *in, *type, *desc;
    } extra[] = {
        {"GET", "/api/v1/referrals", "open", "query", "boolean", "only referrals not closed"},
        {"GET", "/api/v1/referrals", "mine", "query", "boolean",
         "only where the caller is lead or advocate"},
        {"GET", "/api/v1/referrals", "state", "query", "string", "one state"},
        {"POST", "/api/v1/referrals", "Idempotency-Key", "header", "string",
         "a retry with the same key and body returns the same referral (200)"},
        {"POST", "/api/v1/referrals", "Prefer", "header", "string",
         "return=minimal answers 201 with only id, number and version (RFC 7240); otherwise "
         "the whole case"},
        {"PATCH", "/api/v1/referrals/{id}", "If-Match", "header", "string",
         "the ETag of the case as read (required)"},
        {"POST", "/api/v1/referrals/{id}/events", "If-Match", "header", "string",
         "the ETag of the case as read (optional)"},
        {"GET", "/api/v1/youth/matches", "first_name", "query", "string", "first name"},
        {"GET", "/api/v1/youth/matches", "last_name", "query", "string", "last name"},
        {"GET", "/api/v1/youth/matches", "dob", "query", "string", "date of birth, YYYY-MM-DD"},
        {"GET", "/api/v1/link/pairs", "status", "query", "string",
         "pending (default), unsure, same, different or unmerged"},
        {"POST", "/api/v1/link/scan", "auto", "query", "string",
         "1: also merge pairs at or above the automatic-link probability (0.95)"},
        {"GET", "/api/v1/notifications", "unread", "query", "boolean", "only unread ones"},
        {"GET", "/api/v1/referrals/{id}/team/candidates", "role", "query", "string",
         "clinician, officer, site_staff, or member (the default: anyone active)"},
        {"GET", "/api/v1/events", "Last-Event-ID", "header", "string",
         "the last event id seen, to replay what was missed"},
        {"GET", "/api/v1/arrests", "q", "query", "string", "text in charge code or description"},
        {"GET", "/api/v1/jurisdictions", "kind", "query", "string",
         "lasd_station, contract_city, city_police or unincorporated"},
        {"GET", "/api/v1/jurisdictions", "status", "query", "string",
         "not_started, planning, training or live"},
        {"GET", "/api/v1/jurisdictions", "q", "query", "string", "text in the name"},
        {"GET", "/api/v1/deliverables", "status", "query", "string",
         "not_started, in_progress, blocked or done"},
        {"GET", "/api/v1/deliverables", "overdue", "query", "boolean",
         "true: only overdue ones; false: only those not overdue"},
        {"GET", "/api/v1/deliverables", "q", "query", "string", "text in the title or owner"},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcmp(rt->method, extra[i].method) == 0 && strcmp(rt->pattern, extra[i].pattern) == 0)
            json_array_append_new(params,
                                  json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", extra[i].name, "in",
                                            extra[i].in, "description", extra[i].desc, "schema",
                                            "type", extra[i].type));
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);

    if (rt->request_schema)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
                                      "application/json", "schema", ref(rt->request_schema)));
    json_t *responses = json_object();
    char status[8];
    snprintf(status, sizeof status, "%d", rt->success_status);
    json_t *ok = json_pack("{s:s}", "description", "success");
    if (rt->response_schema)
        json_object_set_new(
            ok, "content",
            json_pack("{s:{s:o}}", "application/json", "schema", ref(rt->response_schema)));
    else if (strcmp(rt->pattern, "/api/v1/events") == 0)
        json_object_set_new(
            ok, "content",
            json_pack("{s:{s:{s:s}}}", "text/event-stream", "schema", "type", "string"));
    else if (strcmp(rt->pattern, "/metrics") == 0)
        json_object_set_new(ok, "content",
                            json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string"));
    json_object_set_new(responses, status, ok);
    if (rt->request_schema)
        json_object_set_new(responses, "400", problem_response("invalid input; names the field"));
    if (rt->flags & HTTP_AUTH) {
        json_object_set_new(responses, "401", problem_response("not signed in"));
        json_object_set_new(responses, "403", problem_response("not allowed"));
    }
    if (strchr(rt->pattern, '{'))
        json_object_set_new(responses, "404", problem_response("no such record"));
    if (strcmp(rt->pattern, "/api/v1/ack/{token}") == 0) {
        json_object_set_new(responses, "400", problem_response("not an acknowledgement link"));
        json_object_set_new(responses, "410", problem_response("the link expired or was used"));
    }
    if (strcmp(rt->pattern, "/api/v1/session") == 0 && strcmp(rt->method, "POST") == 0) {
        json_object_set_new(responses, "401",
                            problem_response("wrong credentials, or a TOTP code is needed "
                                             "(type /problems/totp-required, field totp)"));
        json_object_set_new(responses, "423", problem_response("account locked"));
        json_object_set_new(responses, "429", problem_response("too many attempts"));
    }
    if (strcmp(rt->tag, "protocol") == 0 && strcmp(rt->method, "GET") != 0) {
        json_object_set_new(responses, "409",
                            problem_response("not allowed in the referral's state; says why"));
        json_object_set_new(responses, "412", problem_response("If-Match does not match"));
    }
    if (strcmp(rt->pattern, "/api/v1/referrals/{id}") == 0 && strcmp(rt->method, "PATCH") == 0)
        json_object_set_new(responses, "428", problem_response("If-Match is required"));
    if (strcmp(rt->tag, "program") == 0 && strcmp(rt->method, "GET") == 0 &&
        (strcmp(rt->pattern, "/api/v1/jurisdictions") == 0 ||
         strcmp(rt->pattern, "/api/v1/deliverables") == 0))
        json_object_set_new(responses, "400",
                            problem_response("a filter that is not one; names the parameter"));
    if (strncmp(rt->pattern, "/api/v1/jurisdictions", 21) == 0 && strcmp(rt->method, "GET") != 0)
        json_object_set_new(responses, "409",
                            problem_response("a jurisdiction of that name exists (field name)"));
    if (strcmp(rt->pattern, "/readyz") == 0)
        json_object_set_new(responses, "503", json_pack("{s:s}", "description", "not ready"));
    json_object_set_new(op, "responses", responses);
    if (rt->flags & HTTP_AUTH)
        json_object_set_new(op, "security", json_pack("[{s:[]}, {s:[]}]", "session", "bearer"));
    else
        json_object_set_new(op, "security", json_array());
    return op;
}

static const char protocol_fixed[] =
    "{"
    "\"Created\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}},"
    "\"ProtocolClock\":{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\"},"
    "\"label\":{\"type\":\"string\"},\"state\":{\"type\":\"string\",\"enum\":[\"running\","
    "\"met\",\"missed\",\"stopped\"]},\"due_at\":{\"type\":\"string\"},\"ms_left\":{\"type\":"
    "[\"integer\",\"null\"]},\"overdue\":{\"type\":\"boolean\"}}},"
    "\"TimelineEntry\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"at\":{\"type\":\"string\"},\"actor\":{\"type\":\"string\"},\"kind\":{\"type\":"
    "\"string\"},\"detail\":{\"type\":\"object\"}}},"
    "\"Timeline\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/TimelineEntry\"}}}},"
    "\"Notification\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"referral_id\":{\"type\":[\"integer\",\"null\"]},\"kind\":{\"type\":\"string\"},"
    "\"priority\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"},\"created_at\":"
    "{\"type\":\"string\"},\"read_at\":{\"type\":[\"string\",\"null\"]}}},"
    "\"NotificationList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/Notification\"}}}},"
    "\"BoardItem\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"number\":{\"type\":\"string\"},\"state\":{\"type\":\"string\"},\"staging_address\":"
    "{\"type\":[\"string\",\"null\"]},\"clocks\":{\"type\":\"array\",\"items\":{\"$ref\":"
    "\"#/components/schemas/ProtocolClock\"}}}},"
    "\"Board\":{\"type\":\"object\",\"properties\":{\"now\":{\"type\":\"string\"},"
    "\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/BoardItem\"}}}},"
    "\"Tasks\":{\"type\":\"object\",\"properties\":{\"now\":{\"type\":\"string\"},"
    "\"referrals\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/BoardItem\"}},"
    "\"notifications\":{\"type\":\"array\",\"items\":{\"$ref\":"
    "\"#/components/schemas/Notification\"}}}},"
    "\"Beds\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"agency_id\":{\"type\":\"integer\"},\"name\":"
    "{\"type\":\"string\"},\"capacity\":{\"type\":\"integer\"},\"occupied\":{\"type\":"
    "\"integer\"},\"free\":{\"type\":\"integer\"}}}}}},"
    "\"YouthMatches\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"properties\":{\"youth_id\":{\"type\":\"integer\"},"
    "\"referral_count\":{\"type\":\"integer\"},\"last_referral_number\":{\"type\":"
    "[\"string\",\"null\"]}}}}}},"
    "\"OncallList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"agency_id\":{\"type\":\"integer\"},\"user_id\":{\"type\":\"integer\"},"
    "\"display_name\":{\"type\":\"string\"},\"position\":{\"type\":\"integer\"}}}}}},"
    "\"TeamCandidates\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"display_name\":{\"type\":\"string\"},\"agency\":{\"type\":[\"string\",\"null\"]}}}}}}"
    "}";

/* The notification routes' shapes (docs/notifications.md). */
static const char notify_fixed[] =
    "{\"Person\":{\"type\":[\"object\",\"null\"],\"properties\":{\"user_id\":{\"type\":"
    "\"integer\"},\"display_name\":{\"type\":\"string\"}}},"
    "\"RotationInput\":{\"type\":\"object\",\"required\":[\"agency_id\",\"name\",\"start_date\","
    "\"handoff\",\"shift_hours\",\"member_ids\"],\"properties\":{\"agency_id\":{\"type\":"
    "\"integer\"},\"name\":{\"type\":\"string\",\"maxLength\":120},\"tier\":{\"enum\":["
    "\"primary\",\"backup\"]},\"time_zone\":{\"type\":\"string\",\"description\":\"tz database "
    "name; default the county's\"},\"start_date\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"handoff\":{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"},\"shift_hours\":"
    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":672},\"member_ids\":{\"type\":\"array\","
    "\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":64}}},"
    "\"Rotation\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"agency_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"tier\":{\"type\":"
    "\"string\"},\"time_zone\":{\"type\":\"string\"},\"start_date\":{\"type\":\"string\"},"
    "\"handoff\":{\"type\":\"string\"},\"shift_hours\":{\"type\":\"integer\"},\"member_ids\":"
    "{\"type\":\"array\"},\"members\":{\"type\":\"array\",\"items\":{\"$ref\":"
    "\"#/components/schemas/Person\"}},\"overrides\":{\"type\":\"array\"},\"on_call_now\":"
    "{\"$ref\":\"#/components/schemas/Person\"}}},"
    "\"RotationList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/Rotation\"}}}},"
    "\"ShiftList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"index\":{\"type\":\"integer\"},\"start\":{\"type\":"
    "\"string\"},\"end\":{\"type\":\"string\"},\"user\":{\"$ref\":"
    "\"#/components/schemas/Person\"}}}}}},"
    "\"OverrideInput\":{\"type\":\"object\",\"required\":[\"user_id\",\"start_at\",\"end_at\"],"
    "\"properties\":{\"user_id\":{\"type\":\"integer\"},\"start_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"},\"end_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"reason\":{\"type\":\"string\",\"maxLength\":200}}},"
    "\"OncallNow\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"agency_id\":{\"type\":\"integer\"},\"agency_name\":"
    "{\"type\":\"string\"},\"primary\":{\"$ref\":\"#/components/schemas/Person\"},\"backup\":"
    "{\"$ref\":\"#/components/schemas/Person\"},\"rotations\":{\"type\":\"array\"}}}}}},"
    "\"OncallGaps\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"agency_id\":{\"type\":\"integer\"},\"start\":{\"type\":"
    "\"string\"},\"end\":{\"type\":\"string\"},\"hours\":{\"type\":\"number\"}}}}}},"
    "\"PolicyInput\":{\"type\":\"object\",\"required\":[\"agency_id\",\"kind\",\"name\","
    "\"steps\"],\"properties\":{\"agency_id\":{\"type\":\"integer\"},\"kind\":{\"enum\":[\"*\","
    "\"referral.assigned\",\"clock.warning\",\"clock.missed\",\"delivery.failed\","
    "\"system.stalled\"]},\"name\":{\"type\":\"string\"},\"repeat\":{\"type\":\"integer\","
    "\"minimum\":0,\"maximum\":10},\"ack_timeout_minutes\":{\"type\":\"integer\",\"minimum\":1,"
    "\"maximum\":1440},\"steps\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":10,\"items\":"
    "{\"type\":\"object\",\"required\":[\"delay_minutes\",\"targets\"],\"properties\":"
    "{\"delay_minutes\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1440,\"description\":"
    "\"wait after this step before the next\"},\"targets\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"type\":{\"enum\":[\"owner\",\"oncall\",\"backup\","
    "\"role\",\"user\"]},\"role\":{\"type\":\"string\"},\"user_id\":{\"type\":\"integer\"}}}}}}}}},"
    "\"Policy\":{\"allOf\":[{\"$ref\":\"#/components/schemas/PolicyInput\"},{\"type\":\"object\","
    "\"properties\":{\"id\":{\"type\":[\"integer\",\"null\"],\"description\":\"null: the "
    "built-in default\"}}}]},"
    "\"PolicyList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/Policy\"}}}},"
    "\"Alert\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"referral_id\":{\"type\":[\"integer\",\"null\"]},\"referral_number\":{\"type\":\"string\"},"
    "\"kind\":{\"type\":\"string\"},\"priority\":{\"type\":\"string\"},\"message\":{\"type\":"
    "\"string\"},\"state\":{\"enum\":[\"triggered\",\"acknowledged\",\"resolved\"]},\"step\":"
    "{\"type\":\"integer\"},\"round\":{\"type\":\"integer\"},\"next_at\":{\"type\":[\"string\","
    "\"null\"]},\"acked_at\":{\"type\":[\"string\",\"null\"]},\"ack_via\":{\"type\":[\"string\","
    "\"null\"]},\"deliveries\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
    "{\"channel\":{\"enum\":[\"email\",\"sms\",\"webhook\"]},\"state\":{\"enum\":[\"pending\","
    "\"sending\",\"sent\",\"dead\",\"cancelled\"]},\"attempts\":{\"type\":\"integer\"},"
    "\"last_error\":{\"type\":[\"string\",\"null\"]}}}}}},"
    "\"AlertList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/Alert\"}}}},"
    "\"AckInfo\":{\"type\":\"object\",\"properties\":{\"alert\":{\"type\":\"object\"},\"used\":"
    "{\"type\":\"boolean\"}}},"
    "\"ContactInput\":{\"type\":\"object\",\"required\":[\"kind\",\"target\"],\"properties\":"
    "{\"kind\":{\"enum\":[\"email\",\"sms\",\"webhook\"]},\"target\":{\"type\":\"string\","
    "\"description\":\"address, mobile number or URL\"},\"label\":{\"type\":\"string\","
    "\"maxLength\":60}}},"
    "\"Contact\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":"
    "{\"type\":\"string\"},\"label\":{\"type\":[\"string\",\"null\"]},\"target\":{\"type\":"
    "\"string\"},\"verified\":{\"type\":\"boolean\"},\"secret\":{\"type\":\"string\","
    "\"description\":\"a webhook's signing secret, in the creating answer only\"}}},"
    "\"ContactList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/Contact\"}}}},"
    "\"VerifyInput\":{\"type\":\"object\",\"required\":[\"code\"],\"properties\":{\"code\":"
    "{\"type\":\"string\",\"pattern\":\"^[0-9]{6}$\"}}},"
    "\"RuleInput\":{\"type\":\"object\",\"required\":[\"contact_id\",\"delay_minutes\"],"
    "\"properties\":{\"contact_id\":{\"type\":\"integer\"},\"delay_minutes\":{\"type\":"
    "\"integer\",\"minimum\":0,\"maximum\":120}}},"
    "\"RuleList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"contact_id\":{\"type\":"
    "\"integer\"},\"delay_minutes\":{\"type\":\"integer\"}}}}}},"
    "\"StallInput\":{\"type\":\"object\",\"properties\":{\"component\":{\"enum\":[\"scheduler\","
    "\"delivery\"]},\"stalled\":{\"type\":\"boolean\"}}}"
    "}";

/* The report documents (docs/metrics.md, "Table format"). */
static const char *const report_fixed =
    "{"
    "\"ReportTable\":{\"type\":\"object\",\"required\":[\"id\",\"title\",\"columns\",\"rows\"],"
    "\"properties\":{\"id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"chart\":"
    "{\"enum\":[\"bar\",\"hbar\",\"pie\",\"line\",\"timeline\",\"none\"]},\"columns\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
    "\"label\":{\"type\":\"string\"},\"type\":{\"enum\":[\"text\",\"count\",\"number\","
    "\"percent\",\"minutes\",\"hours\",\"date\"]}}}},\"rows\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"description\":\"cells by column key; a suppressed cell is null and "
    "named in suppressed\",\"properties\":{\"suppressed\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"string\"}}}}},\"total\":{\"type\":\"object\"},\"notes\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\"}}}},"
    "\"Outcomes\":{\"type\":\"object\",\"properties\":{\"period\":{\"type\":\"object\","
    "\"properties\":{\"from\":{\"type\":\"string\",\"format\":\"date\"},\"to\":{\"type\":"
    "\"string\",\"format\":\"date\"}}},\"filter\":{\"type\":\"object\"},\"threshold\":"
    "{\"type\":\"integer\"},\"generated_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"headline\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"key\":"
    "{\"type\":\"string\"},\"label\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
    "\"value\":{\"type\":[\"number\",\"null\"]},\"suppressed\":{\"type\":\"boolean\"}}}},"
    "\"tables\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/ReportTable\"}}}}"
    "}";

/* The protocol's records, inputs and composite answers. */
static void
protocol_schemas(json_t *schemas)
{
    json_t *fixed = json_loads(protocol_fixed, 0, NULL);
    json_object_update_missing(schemas, fixed);
    json_decref(fixed);
    fixed = json_loads(notify_fixed, 0, NULL);
    json_object_update_missing(schemas, fixed);
    json_decref(fixed);
    fixed = json_loads(report_fixed, 0, NULL);
    json_object_update_missing(schemas, fixed);
    json_decref(fixed);
    add_record(schemas, "Youth", &youth_desc);
    add_record(schemas, "Referral", &referral_desc);
    add_record(schemas, "MdtMeeting", &mdt_desc);
    add_record(schemas, "Consent", &consent_desc);
    add_record(schemas, "Appointment", &appointment_desc);
    add_record(schemas, "Placement", &placement_desc);
    add_record(schemas, "AdvocacyContact", &contact_desc);
    add_record(schemas, "Detention", &detention_desc);
    add_record(schemas, "Arrest", &arrest_desc);
    add_record(schemas, "Oncall", &oncall_desc);
    json_object_set_new(schemas, "ReferralEvent", record_schema(&event_input_desc, 1));
    json_object_set_new(schemas, "StatusInput", record_schema(&status_input_desc, 1));
    json_object_set_new(schemas, "ExtensionInput", record_schema(&extend_input_desc, 1));
    json_object_set_new(schemas, "PlacementEndInput", record_schema(&end_input_desc, 1));
    json_object_set_new(schemas, "BedCapacityInput", record_schema(&capacity_input_desc, 1));
    json_object_set_new(schemas, "AdvocacyCloseInput",
                        record_schema(&close_advocacy_input_desc, 1));
    json_object_set_new(schemas, "TeamMemberInput", record_schema(&team_input_desc, 1));
    /* intake: the referral's fields plus the youth as an object */
    json_t *intake = record_schema(&referral_desc, 1);
    json_t *props = json_object_get(intake, "properties");
    if (props)
        json_object_set_new(props, "youth", ref("YouthInput"));
    json_object_set_new(schemas, "IntakeInput", intake);
    json_t *list = json_pack("{s:s, s:o}", "type", "array", "items", json_object());
    json_object_set_new(
        schemas, "Case",
        json_pack(
            "{s:s, s:s, s:{s:{s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
            "s:o, s:{s:s}, s:{s:s, s:s}, s:o}}",
            "type", "object", "description",
            "the whole case as the caller may see it; health fields are null and listed "
            "in referral.redacted when no authorisation covers the caller",
            "properties", "now", "type", "string", "referral", ref("Referral"), "youth",
            ref("Youth"), "team", json_deep_copy(list), "clocks",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("ProtocolClock")), "mdt",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("MdtMeeting")), "consents",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("Consent")), "appointments",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("Appointment")), "placements",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("Placement")), "contacts",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("AdvocacyContact")), "detentions",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("Detention")), "statuses",
            json_deep_copy(list), "timeline",
            json_pack("{s:s, s:o}", "type", "array", "items", ref("TimelineEntry")),
            "health_visible", "type", "boolean", "can_update", "type", "boolean", "description",
            "the caller may record on the case", "allowed_events", json_deep_copy(list)));
    json_decref(list);
}

json_t *
api_openapi(void)
{
    json_error_t jerr;
    json_t *schemas = json_loads(fixed_schemas, 0, &jerr);
    if (!schemas)
        return NULL;
    add_record(schemas, "Agency", &account_agency_desc);
    add_record(schemas, "Station", &account_station_desc);
    add_record(schemas, "User", &account_user_desc);
    protocol_schemas(schemas);
    api_program_schemas(schemas);
    api_direditor_schemas(schemas);
    api_linkage_schemas(schemas);
    api_directory_schemas(schemas);
    json_object_set_new(schemas, "LoginInput", record_schema(&input_login, 1));
    json_object_set_new(schemas, "PasswordChange", record_schema(&input_password_change, 1));
    json_object_set_new(schemas, "PasswordReset", record_schema(&input_password_reset, 1));
    json_object_set_new(schemas, "TotpConfirm", record_schema(&input_totp_confirm, 1));
    json_object_set_new(schemas, "TokenInput", record_schema(&input_token, 1));

    json_t *paths = json_object();
    for (int i = 0; i < api_nroutes; i++) {
        const http_route *rt = &api_routes[i];
        json_t *item = json_object_get(paths, rt->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        char method[16];
        size_t k = 0;
        for (const char *p = rt->method; *p && k < sizeof method - 1; p++)
            method[k++] = (char)(*p | 0x20);
        method[k] = '\0';
        json_object_set_new(item, method, operation(rt));
    }
    return json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:o, s:{s:{s:s, s:s, s:s, s:s}, "
        "s:{s:s, s:s, s:s}}}}",
        "openapi", "3.1.0", "info", "title", "haven API", "version", HAVEN_VERSION, "description",
        "The case system for a county's First Responder Protocol for commercially sexually "
        "exploited children. JSON over HTTPS; errors are application/problem+json naming the "
        "offending field. Writes made with the session cookie need the X-CSRF-Token header.",
        "servers", "url", "/", "paths", paths, "components", "schemas", schemas, "securitySchemes",
        "session", "type", "apiKey", "in", "cookie", "name", "haven_session", "description",
        "set by POST /api/v1/session", "bearer", "type", "http", "scheme", "bearer", "description",
        "an API token from POST /api/v1/tokens");
}
