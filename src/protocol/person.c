/*
 * person.c - the review queue, merge and unmerge of youth into persons (see
 * person.h, docs/linkage.md "In haven").
 */
#include "protocol/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "model/record.h"
#include "protocol/model.h"
#include "protocol/referral.h"
#include "protocol/suggest.h"
#include "report/facts.h"

/* ---- referrals a viewer may see ---------------------------------------------------------- */

typedef struct ref_ctx {
    store_conn *c;
    const principal *p;
    json_t *items;
    int hidden;
} ref_ctx;

static hv_result
ref_row(void *vctx, const store_row *row)
{
    ref_ctx *x = vctx;
    referral_row rr;
    policy_ctx pc = {0};
    hv_result r = referral_load(x->c, store_row_int(row, 0), &rr);
    if (r != HV_OK)
        return r;
    if (referral_policy_ctx(x->c, x->p, &rr, &pc) != HV_OK ||
        !policy_check(x->p, ACT_READ, OBJ_CASE, &pc)) {
        x->hidden++;
        return HV_OK;
    }
    char at[40];
    clock_format_iso(store_row_int(row, 2), at, sizeof at);
    at[10] = '\0';
    json_array_append_new(x->items, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)rr.id, "number",
                                              store_row_text(row, 1), "date", at));
    return HV_OK;
}

hv_result
person_referrals(store_conn *c, const principal *p, int64_t youth, json_t **items, int *hidden)
{
    ref_ctx x = {c, p, json_array(), 0};
    store_val a[] = {SV_INTV(youth)};
    hv_result r = store_query(c,
                              "SELECT r.id, r.number, r.encountered_at FROM referral r WHERE "
                              "r.youth_id = ? ORDER BY r.encountered_at DESC, r.id DESC LIMIT 50",
                              a, 1, ref_row, &x);
    if (r != HV_OK) {
        json_decref(x.items);
        return r;
    }
    *items = x.items;
    *hidden = x.hidden;
    return HV_OK;
}

static hv_result
person_of(store_conn *c, int64_t youth, int64_t *person)
{
    store_val a[] = {SV_INTV(youth)};
    return store_query_int(c, "SELECT COALESCE(person_id, id) FROM youth WHERE id = ?", a, 1,
                           person);
}

/* One youth as a reviewer sees it: the intake's fields, its person and the
 * referrals P may open. */
static hv_result
youth_side(store_conn *c, const principal *p, int64_t youth, json_t **out)
{
    json_t *o = NULL, *refs = NULL;
    int hidden = 0;
    int64_t person = 0;
    hv_result r = record_get(c, &youth_desc, youth, &o);
    if (r == HV_OK)
        r = person_of(c, youth, &person);
    if (r == HV_OK)
        r = person_referrals(c, p, youth, &refs, &hidden);
    if (r != HV_OK) {
        json_decref(o);
        return r;
    }
    json_object_set_new(o, "person_id", json_integer(person));
    json_object_set_new(o, "referrals", refs);
    json_object_set_new(o, "other_referrals", json_integer(hidden));
    *out = o;
    return HV_OK;
}

/* ---- the queue ------------------------------------------------------------------------------ */

typedef struct pair_ctx {
    store_conn *c;
    const principal *p;
    json_t *items;
} pair_ctx;

#define PAIR_SELECT                                                                                \
    "SELECT id, youth_a, youth_b, probability_ppm, pattern, source, status, created_at, "          \
    "decided_by, decided_at, reason, (SELECT MAX(m.id) FROM link_merge m WHERE m.pair_id = "       \
    "link_pair.id AND m.undone_at IS NULL) FROM link_pair "

static hv_result
pair_row(void *vctx, const store_row *row)
{
    pair_ctx *x = vctx;
    json_t *a = NULL, *b = NULL;
    hv_result r = youth_side(x->c, x->p, store_row_int(row, 1), &a);
    if (r == HV_OK)
        r = youth_side(x->c, x->p, store_row_int(row, 2), &b);
    if (r != HV_OK) {
        json_decref(a);
        return r;
    }
    /* the pattern back in words: "first_name=nickname,..." */
    json_t *words = json_array();
    const char *pat = store_row_text(row, 4);
    char buf[200];
    snprintf(buf, sizeof buf, "%s", pat ? pat : "");
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        for (int f = 0; f < LK_FIELDS; f++)
            if (strcmp(lk_fields[f].key, tok) == 0)
                for (int l = 1; l < lk_fields[f].nlevels; l++)
                    if (strcmp(lk_fields[f].level_key[l], eq + 1) == 0) {
                        char s[160];
                        snprintf(s, sizeof s, "%s %s", lk_fields[f].label,
                                 lk_fields[f].level_words[l]);
                        s[0] = (char)(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 32 : s[0]);
                        json_array_append_new(words, json_string(s));
                    }
    }
    json_t *o = json_pack(
        "{s:I, s:f, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)store_row_int(row, 0), "probability", (double)store_row_int(row, 3) / 1e6,
        "pattern", pat ? pat : "", "reasons", words, "source", store_row_text(row, 5), "status",
        store_row_text(row, 6), "created_at", record_time_col(row, 7), "decided_by",
        store_row_isnull(row, 8) ? json_null() : json_integer(store_row_int(row, 8)), "decided_at",
        record_time_col(row, 9), "reason",
        store_row_text(row, 10) ? json_string(store_row_text(row, 10)) : json_null(), "merge_id",
        store_row_isnull(row, 11) ? json_null() : json_integer(store_row_int(row, 11)), "a", a, "b",
        b);
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(x->items, o);
    return HV_OK;
}

hv_result
person_queue(store_conn *c, const principal *p, const char *status, json_t **out)
{
    pair_ctx x = {c, p, json_array()};
    store_val a[] = {SV_TEXTV(status ? status : "pending")};
    hv_result r = store_query(c,
                              PAIR_SELECT "WHERE status = ? ORDER BY probability_ppm DESC, id "
                                          "LIMIT 100",
                              a, 1, pair_row, &x);
    if (r != HV_OK) {
        json_decref(x.items);
        return r;
    }
    *out = x.items;
    return HV_OK;
}

hv_result
person_pair(store_conn *c, const principal *p, int64_t pair_id, json_t **out)
{
    pair_ctx x = {c, p, json_array()};
    store_val a[] = {SV_INTV(pair_id)};
    hv_result r = store_query(c, PAIR_SELECT "WHERE id = ?", a, 1, pair_row, &x);
    if (r == HV_OK && json_array_size(x.items) == 0)
        r = HV_ERR_NOTFOUND;
    if (r != HV_OK) {
        json_decref(x.items);
        return r;
    }
    *out = json_incref(json_array_get(x.items, 0));
    json_decref(x.items);
    return HV_OK;
}

/* ---- merge and unmerge ----------------------------------------------------------------------- */

typedef struct idvec {
    int64_t *ids;
    size_t n, cap;
} idvec;

static hv_result
collect(void *ctx, const store_row *row)
{
    idvec *v = ctx;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        int64_t *t = realloc(v->ids, cap * sizeof *t);
        if (!t)
            return HV_ERR_NOMEM;
        v->ids = t;
        v->cap = cap;
    }
    v->ids[v->n++] = store_row_int(row, 0);
    return HV_OK;
}

/* Asks for the rollup rows of every referral of the youth MERGE_ID moved
 * (facts_refresh renumbers both persons' recoveries). */
static hv_result
touch_facts(store_conn *c, int64_t merge_id)
{
    idvec v = {0};
    store_val a[] = {SV_INTV(merge_id)};
    hv_result r = store_query(c,
                              "SELECT r.id FROM referral r JOIN link_merge_member m ON "
                              "m.youth_id = r.youth_id WHERE m.merge_id = ?",
                              a, 1, collect, &v);
    for (size_t i = 0; r == HV_OK && i < v.n; i++)
        r = facts_touch(c, v.ids[i]);
    free(v.ids);
    return r;
}

hv_result
person_merge(store_conn *c, int64_t pair_id, int64_t a, int64_t b, int64_t by, const char *reason,
             int64_t now, int64_t *merge_id, hv_err *e)
{
    int64_t pa = 0, pb = 0, id = 0;
    hv_result r = person_of(c, a, &pa);
    if (r == HV_OK)
        r = person_of(c, b, &pb);
    if (r == HV_ERR_NOTFOUND)
        return hv_fail(e, r, NULL, "there is no such youth");
    if (r != HV_OK)
        return r;
    if (pa == pb)
        return hv_fail(e, HV_ERR_CONFLICT, NULL, "the two records are one person already");
    /* the older person stays: the lower id */
    int64_t into = pa < pb ? pa : pb, from = pa < pb ? pb : pa;
    store_val m[] = {pair_id ? SV_INTV(pair_id) : SV_NULLV, SV_INTV(into),
                     by ? SV_INTV(by) : SV_NULLV, SV_INTV(now), SV_TEXTV(reason)};
    r = store_query_int(c,
                        "INSERT INTO link_merge (pair_id, person_id, merged_by, merged_at, reason) "
                        "VALUES (?, ?, ?, ?, ?) RETURNING id",
                        m, 5, &id);
    store_val f[] = {SV_INTV(id), SV_INTV(from)};
    if (r == HV_OK)
        r = store_exec(
            c,
            "INSERT INTO link_merge_member (merge_id, youth_id, old_person_id) SELECT ?, "
            "id, person_id FROM youth WHERE COALESCE(person_id, id) = ?",
            f, 2, NULL);
    store_val u[] = {SV_INTV(into), SV_INTV(id)};
    if (r == HV_OK)
        r = store_exec(c,
                       "UPDATE youth SET person_id = ? WHERE id IN (SELECT youth_id FROM "
                       "link_merge_member WHERE merge_id = ?)",
                       u, 2, NULL);
    if (r == HV_OK)
        r = touch_facts(c, id);
    if (r == HV_OK && merge_id)
        *merge_id = id;
    return r;
}

hv_result
person_decide(store_conn *c, const principal *p, int64_t pair_id, const char *decision,
              const char *reason, int64_t now, int64_t *merge_id, hv_err *e)
{
    *merge_id = 0;
    if (strcmp(decision, PERSON_SAME) != 0 && strcmp(decision, PERSON_DIFFERENT) != 0 &&
        strcmp(decision, PERSON_UNSURE) != 0)
        return hv_fail(e, HV_ERR_INVALID, "decision", "the decision is same, different or unsure");
    int64_t a = 0, b = 0;
    store_val id[] = {SV_INTV(pair_id)};
    hv_result r = store_query_int(c,
                                  "SELECT youth_a FROM link_pair WHERE id = ? AND status IN "
                                  "('pending', 'unsure')",
                                  id, 1, &a);
    if (r == HV_ERR_NOTFOUND) {
        int64_t n = 0;
        if (store_query_int(c, "SELECT COUNT(*) FROM link_pair WHERE id = ?", id, 1, &n) == HV_OK &&
            n)
            return hv_fail(e, HV_ERR_CONFLICT, "decision", "this pair is decided already");
        return hv_fail(e, r, NULL, "there is no such pair");
    }
    if (r == HV_OK)
        r = store_query_int(c, "SELECT youth_b FROM link_pair WHERE id = ?", id, 1, &b);
    int64_t pa = 0, pb = 0;
    if (r == HV_OK && strcmp(decision, PERSON_SAME) == 0 && (r = person_of(c, a, &pa)) == HV_OK &&
        (r = person_of(c, b, &pb)) == HV_OK && pa != pb) /* else: joined through another pair */
        r = person_merge(c, pair_id, a, b, p->user_id, reason, now, merge_id, e);
    store_val v[] = {SV_TEXTV(decision), SV_INTV(p->user_id), SV_INTV(now), SV_TEXTV(reason),
                     SV_INTV(pair_id)};
    if (r == HV_OK)
        r = store_exec(c,
                       "UPDATE link_pair SET status = ?, decided_by = ?, decided_at = ?, reason = "
                       "? WHERE id = ?",
                       v, 5, NULL);
    return r;
}

hv_result
person_unmerge(store_conn *c, const principal *p, int64_t merge_id, const char *reason, int64_t now,
               hv_err *e)
{
    int64_t person = 0, moved = 0;
    store_val id[] = {SV_INTV(merge_id)};
    hv_result r = store_query_int(c,
                                  "SELECT person_id FROM link_merge WHERE id = ? AND undone_at IS "
                                  "NULL",
                                  id, 1, &person);
    if (r == HV_ERR_NOTFOUND) {
        int64_t n = 0;
        if (store_query_int(c, "SELECT COUNT(*) FROM link_merge WHERE id = ?", id, 1, &n) ==
                HV_OK &&
            n)
            return hv_fail(e, HV_ERR_CONFLICT, NULL, "this merge was undone already");
        return hv_fail(e, r, NULL, "there is no such merge");
    }
    /* every youth it moved must still be where it put them */
    store_val q[] = {SV_INTV(merge_id), SV_INTV(person)};
    if (r == HV_OK)
        r = store_query_int(c,
                            "SELECT COUNT(*) FROM link_merge_member m JOIN youth y ON y.id = "
                            "m.youth_id WHERE m.merge_id = ? AND COALESCE(y.person_id, y.id) <> ?",
                            q, 2, &moved);
    if (r != HV_OK)
        return r;
    if (moved)
        return hv_fail(e, HV_ERR_CONFLICT, NULL,
                       "a later merge moved these records again: undo that one first");
    store_val u[] = {SV_INTV(merge_id), SV_INTV(merge_id)};
    r = store_exec(c,
                   "UPDATE youth SET person_id = (SELECT m.old_person_id FROM link_merge_member m "
                   "WHERE m.merge_id = ? AND m.youth_id = youth.id) WHERE id IN (SELECT youth_id "
                   "FROM link_merge_member WHERE merge_id = ?)",
                   u, 2, NULL);
    store_val d[] = {SV_INTV(p->user_id), SV_INTV(now), SV_TEXTV(reason), SV_INTV(merge_id)};
    if (r == HV_OK)
        r = store_exec(c,
                       "UPDATE link_merge SET undone_by = ?, undone_at = ?, undo_reason = ? WHERE "
                       "id = ?",
                       d, 4, NULL);
    /* the pair is no longer "same": a person said otherwise */
    if (r == HV_OK)
        r = store_exec(c,
                       "UPDATE link_pair SET status = 'unmerged' WHERE id = (SELECT pair_id FROM "
                       "link_merge WHERE id = ?)",
                       u, 1, NULL);
    if (r == HV_OK)
        r = touch_facts(c, merge_id);
    return r;
}

/* ---- also known as ------------------------------------------------------------------------- */

typedef struct linked_ctx {
    store_conn *c;
    const principal *p;
    json_t *items;
    hv_result r;
} linked_ctx;

static hv_result
linked_row(void *vctx, const store_row *row)
{
    linked_ctx *x = vctx;
    int64_t youth = store_row_int(row, 0);
    json_t *y = NULL, *refs = NULL;
    int hidden = 0;
    hv_result r = record_get(x->c, &youth_desc, youth, &y);
    if (r == HV_OK)
        r = person_referrals(x->c, x->p, youth, &refs, &hidden);
    if (r != HV_OK) {
        json_decref(y);
        return r;
    }
    /* the names are what "also known as" is for; the rest stays on its own case */
    json_t *o = json_pack(
        "{s:I, s:O*, s:O*, s:O*, s:o, s:i, s:o}", "youth_id", (json_int_t)youth, "first_name",
        json_object_get(y, "first_name"), "last_name", json_object_get(y, "last_name"), "aliases",
        json_object_get(y, "aliases"), "referrals", refs, "other_referrals", hidden, "merge_id",
        store_row_isnull(row, 1) ? json_null() : json_integer(store_row_int(row, 1)));
    json_decref(y);
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(x->items, o);
    return HV_OK;
}

hv_result
person_linked(store_conn *c, const principal *p, int64_t youth_id, json_t **out)
{
    int64_t person = 0;
    hv_result r = person_of(c, youth_id, &person);
    if (r != HV_OK)
        return r;
    linked_ctx x = {c, p, json_array(), HV_OK};
    store_val a[] = {SV_INTV(youth_id), SV_INTV(person), SV_INTV(youth_id)};
    /* each other youth, with the newest live merge that moved it or this
     * youth (the one to undo first) */
    r = store_query(c,
                    "SELECT y.id, (SELECT MAX(mm.merge_id) FROM link_merge_member mm JOIN "
                    "link_merge m ON m.id = mm.merge_id WHERE m.undone_at IS NULL AND mm.youth_id "
                    "IN (y.id, ?)) FROM youth y WHERE COALESCE(y.person_id, y.id) = ? AND y.id "
                    "<> ? ORDER BY y.id",
                    a, 3, linked_row, &x);
    if (r != HV_OK) {
        json_decref(x.items);
        return r;
    }
    *out = json_pack("{s:I, s:I, s:o}", "youth_id", (json_int_t)youth_id, "person_id",
                     (json_int_t)person, "items", x.items);
    return *out ? HV_OK : HV_ERR_NOMEM;
}

/* ---- the batch ------------------------------------------------------------------------------ */

typedef struct scan_ctx {
    store_conn *c;
    int auto_link;
    int64_t now, queued, merged;
    hv_result r;
} scan_ctx;

static int
scan_pair(int64_t a, int64_t b, double p, const char *pattern, void *vctx)
{
    scan_ctx *x = vctx;
    int64_t lo = a < b ? a : b, hi = a < b ? b : a, changed = 0, pair = 0;
    int link = x->auto_link && p >= SUGGEST_AUTO_P;
    store_val v[] = {SV_INTV(lo),       SV_INTV(hi),     SV_INTV((int64_t)(p * 1e6 + 0.5)),
                     SV_TEXTV(pattern), SV_INTV(x->now), SV_INTV(lo),
                     SV_INTV(hi)};
    x->r = store_exec(x->c,
                      "INSERT INTO link_pair (youth_a, youth_b, probability_ppm, pattern, source, "
                      "status, created_at) SELECT ?, ?, ?, ?, 'batch', 'pending', ? WHERE (SELECT "
                      "COALESCE(person_id, id) FROM youth WHERE id = ?) <> (SELECT "
                      "COALESCE(person_id, id) FROM youth WHERE id = ?) ON CONFLICT (youth_a, "
                      "youth_b) DO NOTHING",
                      v, 7, &changed);
    if (x->r != HV_OK || !changed)
        return x->r != HV_OK;
    x->queued++;
    if (!link)
        return 0;
    store_val k[] = {SV_INTV(lo), SV_INTV(hi)};
    hv_err e = {0};
    if ((x->r = store_query_int(x->c, "SELECT id FROM link_pair WHERE youth_a = ? AND youth_b = ?",
                                k, 2, &pair)) == HV_OK &&
        (x->r = person_merge(x->c, pair, lo, hi, 0, "automatic link", x->now, NULL, &e)) == HV_OK) {
        store_val s[] = {SV_INTV(x->now), SV_INTV(pair)};
        x->r = store_exec(x->c,
                          "UPDATE link_pair SET status = 'same', decided_at = ?, reason = "
                          "'automatic link' WHERE id = ?",
                          s, 2, NULL);
        x->merged++;
        x->queued--;
    } else if (x->r == HV_ERR_CONFLICT) {
        x->r = HV_OK; /* one person already, through another pair */
    }
    return x->r != HV_OK;
}

hv_result
person_scan(store_conn *c, int auto_link, int64_t now, int64_t *queued, int64_t *merged)
{
    scan_ctx x = {c, auto_link, now, 0, 0, HV_OK};
    hv_result r = suggest_pairs(scan_pair, &x);
    if (r == HV_OK)
        r = x.r;
    *queued = x.queued;
    *merged = x.merged;
    return r;
}
