/*
 * audit.c - appending to and verifying the audit hash chain (see audit.h).
 *
 * The chain head (last id and hash) lives in audit_head, updated in the same
 * transaction as the append: it serialises appends on every backend and
 * lets verify notice entries removed from the end.
 */
#include "auth/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"

#define HASH_HEX 65

typedef struct audit_row {
    int64_t id, at, actor;
    const char *actor_kind, *action, *object_type, *object_id, *request_id, *outcome, *reason;
    const char *prev_hash;
} audit_row;

/* Adds one field to the hash input: "N" for NULL, else "S<length>:" and the
 * bytes, so no choice of field contents can move a byte from one field to
 * the next, and NULL differs from "". */
static hv_result
hash_field(buf *b, const char *s)
{
    if (!s)
        return buf_adds(b, "N");
    size_t n = strlen(s);
    hv_result r = buf_addf(b, "S%zu:", n);
    return r == HV_OK ? buf_add(b, s, n) : r;
}

static hv_result
hash_int(buf *b, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    return hash_field(b, num);
}

/* hash = hex(BLAKE2b-256[audit key](input)). Version 2 (written now): "v2"
 * then every field length-prefixed (hash_field). Version 1 (entries written
 * before it) joined the fields with 0x1f and wrote NULL as "", which let
 * ("a\x1fb", "c") and ("a", "b\x1fc"), or NULL and "", hash alike; it is
 * only checked for entries whose stored hash does not match version 2. */
static hv_result
audit_hash(const crypt_keys *k, const audit_row *r, int version, char out[HASH_HEX])
{
    buf b;
    uint8_t mac[32];
    buf_init(&b, 1 << 16);
    if (version == 1) {
        buf_addf(&b, "v1\x1f%lld\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
                 (long long)r->id, (long long)r->at, (long long)r->actor, r->actor_kind, r->action,
                 r->object_type ? r->object_type : "", r->object_id ? r->object_id : "",
                 r->request_id ? r->request_id : "", r->outcome, r->reason ? r->reason : "",
                 r->prev_hash);
    } else {
        const char *const text[] = {r->actor_kind, r->action,  r->object_type, r->object_id,
                                    r->request_id, r->outcome, r->reason,      r->prev_hash};
        hv_result res = buf_adds(&b, "v2");
        if (res == HV_OK)
            res = hash_int(&b, r->id);
        if (res == HV_OK)
            res = hash_int(&b, r->at);
        if (res == HV_OK)
            res = hash_int(&b, r->actor);
        for (size_t i = 0; res == HV_OK && i < sizeof text / sizeof text[0]; i++)
            res = hash_field(&b, text[i]);
        if (res != HV_OK) {
            buf_free(&b);
            return res;
        }
    }
    if (!b.data) {
        buf_free(&b);
        return HV_ERR_NOMEM;
    }
    hv_result res = crypt_audit_mac(k, b.data, b.len, mac);
    buf_free(&b);
    if (res != HV_OK)
        return res;
    sodium_bin2hex(out, HASH_HEX, mac, sizeof mac);
    return HV_OK;
}

typedef struct head {
    int64_t last_id;
    char last_hash[HASH_HEX];
} head;

static hv_result
head_row(void *ctx, const store_row *row)
{
    head *h = ctx;
    h->last_id = store_row_int(row, 0);
    snprintf(h->last_hash, sizeof h->last_hash, "%s",
             store_row_text(row, 1) ? store_row_text(row, 1) : "");
    return HV_OK;
}

hv_result
audit_append(store_conn *c, const crypt_keys *k, const audit_event *ev)
{
    head h = {0, ""};
    /* one link at a time across processes (store.h) */
    hv_result r = store_lock(c, "audit.head");
    if (r == HV_OK)
        r = store_query(c, "SELECT last_id, last_hash FROM audit_head WHERE id = 1", NULL, 0,
                        head_row, &h);
    if (r != HV_OK)
        return r;
    char object_id[24] = "";
    if (ev->object_id)
        snprintf(object_id, sizeof object_id, "%lld", (long long)ev->object_id);
    audit_row row = {
        .id = h.last_id + 1,
        .at = clock_now_ms(),
        .actor = ev->actor_user_id,
        .actor_kind = ev->actor_kind ? ev->actor_kind : (ev->actor_user_id ? "user" : "anonymous"),
        .action = ev->action,
        .object_type = ev->object_type,
        .object_id = ev->object_id ? object_id : NULL,
        .request_id = ev->request_id,
        .outcome = ev->outcome ? ev->outcome : "ok",
        .reason = ev->reason,
        .prev_hash = h.last_hash,
    };
    char hash[HASH_HEX];
    if ((r = audit_hash(k, &row, 2, hash)) != HV_OK)
        return r;
    store_val args[] = {
        SV_INTV(row.id),
        SV_INTV(row.at),
        row.actor ? SV_INTV(row.actor) : SV_NULLV,
        SV_TEXTV(row.actor_kind),
        SV_TEXTV(row.action),
        SV_TEXTV(row.object_type),
        SV_TEXTV(row.object_id),
        SV_TEXTV(row.request_id),
        SV_TEXTV(row.outcome),
        SV_TEXTV(row.reason),
        SV_TEXTV(row.prev_hash),
        SV_TEXTV(hash),
    };
    r = store_exec(c,
                   "INSERT INTO audit_log (id, at, actor_user_id, actor_kind, action, "
                   "object_type, object_id, request_id, outcome, reason, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   args, 12, NULL);
    if (r != HV_OK)
        return r;
    store_val hargs[] = {SV_INTV(row.id), SV_TEXTV(hash)};
    return store_exec(c, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", hargs, 2,
                      NULL);
}

hv_result
audit_record(store *st, const crypt_keys *k, const audit_event *ev)
{
    store_conn *c;
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return r;
    if ((r = audit_append(c, k, ev)) != HV_OK) {
        store_rollback(c);
        return r;
    }
    return store_commit(c);
}

typedef struct verify_ctx {
    const crypt_keys *k;
    audit_report *rep;
    int64_t expect_id;
    char prev[HASH_HEX];
} verify_ctx;

static hv_result
verify_row(void *ctx, const store_row *row)
{
    verify_ctx *v = ctx;
    audit_row r = {
        .id = store_row_int(row, 0),
        .at = store_row_int(row, 1),
        .actor = store_row_isnull(row, 2) ? 0 : store_row_int(row, 2),
        .actor_kind = store_row_text(row, 3),
        .action = store_row_text(row, 4),
        .object_type = store_row_text(row, 5),
        .object_id = store_row_text(row, 6),
        .request_id = store_row_text(row, 7),
        .outcome = store_row_text(row, 8),
        .reason = store_row_text(row, 9),
        .prev_hash = store_row_text(row, 10),
    };
    const char *stored = store_row_text(row, 11);
    v->rep->entries++;
    if (r.id != v->expect_id) {
        v->rep->bad_id = r.id;
        snprintf(v->rep->why, sizeof v->rep->why,
                 "entry %lld follows entry %lld: entries %lld..%lld are missing", (long long)r.id,
                 (long long)(v->expect_id - 1), (long long)v->expect_id, (long long)(r.id - 1));
        return HV_ERR_TAMPER;
    }
    if (!r.actor_kind || !r.action || !r.outcome || !r.prev_hash || !stored) {
        v->rep->bad_id = r.id;
        snprintf(v->rep->why, sizeof v->rep->why, "entry %lld has empty required fields",
                 (long long)r.id);
        return HV_ERR_TAMPER;
    }
    if (strcmp(r.prev_hash, v->prev) != 0) {
        v->rep->bad_id = r.id;
        snprintf(v->rep->why, sizeof v->rep->why, "entry %lld does not link to the entry before it",
                 (long long)r.id);
        return HV_ERR_TAMPER;
    }
    /* the stored hash is checked for its length before it is compared, so a
     * short one is never read past its end */
    int ok = strlen(stored) == HASH_HEX - 1;
    char hash[HASH_HEX];
    for (int version = 2; ok && version >= 1; version--) {
        hv_result res = audit_hash(v->k, &r, version, hash);
        if (res != HV_OK)
            return res;
        if (sodium_memcmp(hash, stored, HASH_HEX - 1) == 0)
            break;
        if (version == 1)
            ok = 0;
    }
    if (!ok) {
        v->rep->bad_id = r.id;
        snprintf(v->rep->why, sizeof v->rep->why, "entry %lld was changed after it was written",
                 (long long)r.id);
        return HV_ERR_TAMPER;
    }
    memcpy(v->prev, stored, HASH_HEX);
    v->expect_id++;
    return HV_OK;
}

hv_result
audit_verify(store *st, const crypt_keys *k, audit_report *rep)
{
    memset(rep, 0, sizeof *rep);
    verify_ctx v = {k, rep, 1, ""};
    store_conn *c;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return r;
    r = store_query(c,
                    "SELECT id, at, actor_user_id, actor_kind, action, object_type, object_id, "
                    "request_id, outcome, reason, prev_hash, hash FROM audit_log ORDER BY id",
                    NULL, 0, verify_row, &v);
    if (r == HV_OK) {
        head h = {0, ""};
        r = store_query(c, "SELECT last_id, last_hash FROM audit_head WHERE id = 1", NULL, 0,
                        head_row, &h);
        if (r == HV_OK && (h.last_id != v.expect_id - 1 || strcmp(h.last_hash, v.prev) != 0)) {
            rep->bad_id = h.last_id;
            snprintf(rep->why, sizeof rep->why,
                     "the log ends at entry %lld but its head records entry %lld: entries at "
                     "the end were removed",
                     (long long)(v.expect_id - 1), (long long)h.last_id);
            r = HV_ERR_TAMPER;
        }
    }
    store_release(c);
    return r;
}
