/*
 * api_linkage.c - record linkage inside haven over HTTP (issue #7):
 * suggestions while the hotline worker types, the review queue of uncertain
 * pairs, merge and unmerge, the "also known as" records of a youth, and the
 * batch over all youth.
 *
 * Names travel only in request bodies (never in URLs, logs or audit
 * entries): suggestions are a POST. Every access is audited: who asked and
 * how many results, never what was typed.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/inputs.h"
#include "core/clock.h"
#include "protocol/model.h"
#include "protocol/person.h"
#include "protocol/suggest.h"

static const char *
jtext(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

void
api_youth_suggestions(http_req *r)
{
    if (!api_allow(r, ACT_CREATE, OBJ_CASE, &(policy_ctx){0}, 0))
        return;
    /* the intake form's own youth fields, declared once (protocol/model.c) */
    json_t *vals = api_input(r, &youth_desc, REC_CREATE);
    if (!vals)
        return;
    suggest_query q = {.first_name = jtext(vals, "first_name"),
                       .last_name = jtext(vals, "last_name"),
                       .aliases = jtext(vals, "aliases"),
                       .dob = jtext(vals, "dob"),
                       .gender = jtext(vals, "gender"),
                       .estimated_age =
                           (int)json_integer_value(json_object_get(vals, "estimated_age"))};
    json_t *items = NULL;
    int ready = suggest_ready();
    store_conn *c;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = suggest_sync(c);
        if (res == HV_OK && ready && (q.first_name || q.last_name || q.aliases))
            res = suggest_find(c, &api_who(r)->p, &q, 0.10, 5, &items);
        store_release(c);
    }
    json_decref(vals);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    if (!items)
        items = json_array();
    char why[32];
    snprintf(why, sizeof why, "results:%zu", json_array_size(items));
    audit_event ev = api_event(r, "youth.suggest", "youth", 0);
    ev.reason = why;
    haven_app *app = api_app(r);
    (void)audit_record(app->st, app->keys, &ev);
    http_send_json(r, 200, json_pack("{s:o, s:b}", "items", items, "ready", ready));
}

hv_result
api_intake_pairs(store_conn *c, json_t *vals, json_t *youth, int64_t now)
{
    if (!youth || !suggest_ready())
        return HV_OK;
    suggest_query q = {.first_name = jtext(youth, "first_name"),
                       .last_name = jtext(youth, "last_name"),
                       .aliases = jtext(youth, "aliases"),
                       .dob = jtext(youth, "dob"),
                       .gender = jtext(youth, "gender"),
                       .estimated_age =
                           (int)json_integer_value(json_object_get(youth, "estimated_age"))};
    if (!q.first_name && !q.last_name && !q.aliases)
        return HV_OK;
    int64_t youth_id = json_integer_value(json_object_get(vals, "youth_id"));
    return suggest_queue_new(c, youth_id, &q, now, NULL);
}

void
api_link_pairs_list(http_req *r)
{
    if (!api_allow(r, ACT_READ, OBJ_LINKAGE, &(policy_ctx){0}, 0))
        return;
    const char *status = http_query(r, "status");
    static const char *const statuses[] = {"pending",   "unsure",   "same",
                                           "different", "unmerged", NULL};
    int ok = !status;
    for (int i = 0; !ok && statuses[i]; i++)
        ok = strcmp(status, statuses[i]) == 0;
    if (!ok) {
        http_send_problem(r, 400, "invalid", "Invalid request", "status",
                          "status is pending, unsure, same, different or unmerged");
        return;
    }
    store_conn *c;
    json_t *items = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = person_queue(c, &api_who(r)->p, status, &items);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "link_pair.list", "link_pair", 0);
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

void
api_link_pair_get(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_READ, OBJ_LINKAGE, &(policy_ctx){0}, id))
        return;
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = person_pair(c, &api_who(r)->p, id, &o);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    api_audit(r, "link_pair.read", "link_pair", id);
    http_send_json(r, 200, o);
}

/* Runs FN in a write transaction with its audit entry; answers the pair or
 * the youth's linked records. */
void
api_link_pair_decide(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_UPDATE, OBJ_LINKAGE, &(policy_ctx){0}, id))
        return;
    json_t *vals = api_input(r, &input_link_decision, REC_CREATE);
    if (!vals)
        return;
    haven_app *app = api_app(r);
    const principal *p = &api_who(r)->p;
    const char *decision = jtext(vals, "decision");
    hv_err e = {0};
    int64_t merge = 0, now = clock_now_ms();
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = person_decide(c, p, id, decision, jtext(vals, "reason"), now, &merge, &e);
        audit_event ev = api_event(r, "link_pair.decide", "link_pair", id);
        ev.reason = decision;
        if (res == HV_OK)
            res = audit_append(c, app->keys, &ev);
        if (res == HV_OK && merge) {
            audit_event mv = api_event(r, "person.merge", "link_merge", merge);
            res = audit_append(c, app->keys, &mv);
        }
        if (res == HV_OK)
            res = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(vals);
    if (res == HV_OK && (res = store_read(app->st, &c)) == HV_OK) {
        res = person_pair(c, p, id, &o);
        store_release(c);
    }
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return;
    }
    http_send_json(r, 200, o);
}

void
api_link_merge_undo(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0 || !api_allow(r, ACT_UPDATE, OBJ_LINKAGE, &(policy_ctx){0}, id))
        return;
    json_t *vals = api_input(r, &input_link_undo, REC_CREATE);
    if (!vals)
        return;
    haven_app *app = api_app(r);
    hv_err e = {0};
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = person_unmerge(c, &api_who(r)->p, id, jtext(vals, "reason"), clock_now_ms(), &e);
        audit_event ev = api_event(r, "person.unmerge", "link_merge", id);
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
    http_send_json(r, 200, json_pack("{s:I, s:b}", "merge_id", (json_int_t)id, "undone", 1));
}

void
api_youth_linked(http_req *r)
{
    int64_t id = api_path_id(r);
    if (id <= 0)
        return;
    /* the caller may see the youth when they may read one of its referrals,
     * or review pairs */
    haven_app *app = api_app(r);
    const principal *p = &api_who(r)->p;
    store_conn *c;
    json_t *o = NULL;
    hv_result res = store_read(app->st, &c);
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    json_t *refs = NULL;
    int hidden = 0;
    int may = policy_check(p, ACT_READ, OBJ_LINKAGE, NULL);
    if (!may && (res = person_referrals(c, p, id, &refs, &hidden)) == HV_OK)
        may = json_array_size(refs) > 0;
    json_decref(refs);
    if (res == HV_OK && may)
        res = person_linked(c, p, id, &o);
    store_release(c);
    if (res == HV_OK && !may) {
        (void)api_allow(r, ACT_READ, OBJ_LINKAGE, NULL, id); /* denies, audits, answers */
        return;
    }
    if (res != HV_OK) {
        http_send_err(r, res, NULL);
        return;
    }
    json_object_set_new(o, "can_review",
                        json_boolean(policy_check(p, ACT_UPDATE, OBJ_LINKAGE, NULL)));
    api_audit(r, "youth.linked", "youth", id);
    http_send_json(r, 200, o);
}

void
api_link_scan(http_req *r)
{
    if (!api_allow(r, ACT_UPDATE, OBJ_LINKAGE, &(policy_ctx){0}, 0))
        return;
    haven_app *app = api_app(r);
    const char *autolink = http_query(r, "auto");
    int64_t queued = 0, merged = 0;
    if (!suggest_ready()) {
        http_send_problem(r, 503, "unavailable", "Not ready", NULL,
                          "the youth index is still loading; try again in a moment");
        return;
    }
    store_conn *c;
    hv_result res = store_begin(app->st, &c);
    if (res == HV_OK) {
        res = person_scan(c, autolink && strcmp(autolink, "1") == 0, clock_now_ms(), &queued,
                          &merged);
        audit_event ev = api_event(r, "link.scan", "link_pair", 0);
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
    http_send_json(
        r, 200,
        json_pack("{s:I, s:I}", "queued", (json_int_t)queued, "merged", (json_int_t)merged));
}

/* The shapes of the linkage routes for the OpenAPI document. */
static const char linkage_fixed[] =
    "{\"YouthSuggestion\":{\"type\":\"object\",\"properties\":{\"youth_id\":{\"type\":"
    "\"integer\"},\"person_id\":{\"type\":\"integer\"},\"probability\":{\"type\":\"number\"},"
    "\"match_weight\":{\"type\":\"number\"},\"reasons\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"string\"},\"description\":\"the comparison in words, one sentence per field\"},"
    "\"estimated_age\":{\"type\":[\"integer\",\"null\"]},\"gender\":{\"type\":[\"string\","
    "\"null\"]},\"referrals\":{\"type\":\"array\",\"items\":{\"$ref\":"
    "\"#/components/schemas/LinkReferral\"}},\"other_referrals\":{\"type\":\"integer\","
    "\"description\":\"referrals of this youth the caller may not open\"}}},"
    "\"LinkReferral\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"number\":{\"type\":\"string\"},\"date\":{\"type\":\"string\",\"format\":\"date\"}}},"
    "\"YouthSuggestions\":{\"type\":\"object\",\"properties\":{\"ready\":{\"type\":\"boolean\","
    "\"description\":\"false while the youth index loads at start (no items yet)\"},\"items\":"
    "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/YouthSuggestion\"}}}},"
    "\"LinkSide\":{\"type\":\"object\",\"description\":\"a youth record as the intake has it, "
    "with its person and the referrals the reviewer may open\"},"
    "\"LinkPair\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"probability\":{\"type\":\"number\"},\"pattern\":{\"type\":\"string\"},\"reasons\":"
    "{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"source\":{\"enum\":[\"intake\","
    "\"batch\"]},\"status\":{\"enum\":[\"pending\",\"unsure\",\"same\",\"different\","
    "\"unmerged\"]},\"merge_id\":{\"type\":[\"integer\",\"null\"]},\"a\":{\"$ref\":"
    "\"#/components/schemas/LinkSide\"},\"b\":{\"$ref\":\"#/components/schemas/LinkSide\"}}},"
    "\"LinkPairList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"$ref\":\"#/components/schemas/LinkPair\"}}}},"
    "\"LinkUndone\":{\"type\":\"object\",\"properties\":{\"merge_id\":{\"type\":\"integer\"},"
    "\"undone\":{\"type\":\"boolean\"}}},"
    "\"LinkScan\":{\"type\":\"object\",\"properties\":{\"queued\":{\"type\":\"integer\"},"
    "\"merged\":{\"type\":\"integer\"}}},"
    "\"YouthLinked\":{\"type\":\"object\",\"properties\":{\"youth_id\":{\"type\":\"integer\"},"
    "\"person_id\":{\"type\":\"integer\"},\"can_review\":{\"type\":\"boolean\"},\"items\":"
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"youth_id\":{\"type\":"
    "\"integer\"},\"first_name\":{\"type\":\"string\"},\"last_name\":{\"type\":\"string\"},"
    "\"aliases\":{\"type\":\"string\"},\"merge_id\":{\"type\":[\"integer\",\"null\"]},"
    "\"referrals\":{\"type\":\"array\",\"items\":{\"$ref\":"
    "\"#/components/schemas/LinkReferral\"}}}}}}}"
    "}";

void
api_linkage_schemas(json_t *schemas)
{
    json_t *fixed = json_loads(linkage_fixed, 0, NULL);
    json_object_update_missing(schemas, fixed);
    json_decref(fixed);
    json_object_set_new(schemas, "LinkDecisionInput", record_schema(&input_link_decision, 1));
    json_object_set_new(schemas, "LinkUndoInput", record_schema(&input_link_undo, 1));
}
