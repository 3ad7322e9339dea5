/* contact.c - contact methods and notification rules (see contact.h). */
#include "notify/contact.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/record.h"
#include "notify/deliver.h"
#include "notify/outbox.h"

#define CODE_TTL_MS  (15LL * 60 * 1000)
#define CODE_TRIES   5
#define CONTACTS_MAX 10

static hv_result
code_hash(const crypt_keys *k, int64_t id, const char *code, char out[65])
{
    char msg[64];
    uint8_t h[CRYPT_INDEX_BYTES];
    snprintf(msg, sizeof msg, "%lld:%s", (long long)id, code);
    hv_result r = crypt_blind_index(k, "contact.verify", msg, h);
    if (r == HV_OK)
        sodium_bin2hex(out, 65, h, sizeof h);
    return r;
}

/* A new code for method ID: stored hashed, sent through the method itself. */
static hv_result
send_code(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id, const char *kind,
          int64_t now)
{
    char code[8], hash[65], msg[160], idem[48];
    snprintf(code, sizeof code, "%06u", (unsigned)randombytes_uniform(1000000));
    hv_result r = code_hash(k, id, code, hash);
    if (r != HV_OK)
        return r;
    store_val a[] = {SV_TEXTV(hash), SV_INTV(now + CODE_TTL_MS), SV_INTV(id)};
    if ((r = store_exec(c,
                        "UPDATE contact_method SET verify_hash = ?, verify_expires_at = ?, "
                        "verify_attempts = 0 WHERE id = ?",
                        a, 3, NULL)) != HV_OK)
        return r;
    snprintf(msg, sizeof msg,
             "Your haven verification code is %s. It expires in 15 minutes. If you did not ask "
             "for it, tell your administrator.",
             code);
    /* not shown in the app (kind contact.verify) and wiped once sent */
    outbox_msg m = {.user_id = user_id,
                    .kind = "contact.verify",
                    .pr = NP_HIGH,
                    .message = msg,
                    .in_app_only = 1};
    int64_t nid = 0;
    if ((r = outbox_send(c, &m, now, &nid)) != HV_OK)
        return r;
    uint8_t rnd[12];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(idem, sizeof idem, rnd, sizeof rnd);
    store_val d[] = {SV_INTV(nid), SV_INTV(id),    SV_TEXTV(kind),
                     SV_INTV(now), SV_TEXTV(idem), SV_INTV(now)};
    return store_exec(c,
                      "INSERT INTO delivery (notification_id, contact_id, channel, state, "
                      "next_attempt_at, idem_key, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                      d, 6, NULL);
}

static int
valid_email(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@') || !strchr(at, '.'))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\\\"", *p))
            return 0;
    return at[strlen(at) - 1] != '.';
}

static int
valid_url(const char *s)
{
    size_t n = strlen(s);
    if (n > 500 || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;
    return n > 10;
}

hv_result
contact_add(store_conn *c, const crypt_keys *k, int64_t user_id, const char *kind,
            const char *target, const char *label, int64_t now, int64_t *id, char **secret,
            hv_err *e)
{
    char norm[520];
    uint8_t key[CRYPT_INDEX_BYTES];
    int is_sms = 0;
    if (!kind || (strcmp(kind, "email") && strcmp(kind, "sms") && strcmp(kind, "webhook")))
        return hv_fail(e, HV_ERR_INVALID, "kind", "email, sms or webhook");
    if (!target || !*target)
        return hv_fail(e, HV_ERR_INVALID, "target", "say where to send");
    if (label && strlen(label) > 60)
        return hv_fail(e, HV_ERR_INVALID, "label", "at most 60 characters");
    if (strcmp(kind, "email") == 0) {
        if (!valid_email(target))
            return hv_fail(e, HV_ERR_INVALID, "target",
                           "an email address such as name@example.org");
        snprintf(norm, sizeof norm, "%s", target);
    } else if (strcmp(kind, "sms") == 0) {
        if (deliver_phone_e164(target, norm, sizeof norm) != HV_OK)
            return hv_fail(e, HV_ERR_INVALID, "target",
                           "a mobile number, such as +1 213 555 0100 or (213) 555-0100");
        is_sms = 1;
    } else {
        if (!valid_url(target))
            return hv_fail(e, HV_ERR_INVALID, "target", "an http:// or https:// URL");
        snprintf(norm, sizeof norm, "%s", target);
    }
    int64_t n = 0;
    store_val u[] = {SV_INTV(user_id)};
    hv_result r = store_query_int(c,
                                  "SELECT COUNT(*) FROM contact_method WHERE user_id = ? AND "
                                  "removed_at IS NULL",
                                  u, 1, &n);
    if (r != HV_OK)
        return r;
    if (n >= CONTACTS_MAX)
        return hv_fail(e, HV_ERR_CONFLICT, "kind", "at most 10 contact methods per person");
    uint8_t *ct = NULL, *sct = NULL;
    size_t ctlen = 0, sctlen = 0;
    char sec[65] = "";
    if ((r = crypt_encrypt(k, "contact.target", norm, strlen(norm), &ct, &ctlen)) != HV_OK)
        return r;
    if (strcmp(kind, "webhook") == 0) {
        uint8_t rnd[32];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(sec, sizeof sec, rnd, sizeof rnd);
        r = crypt_encrypt(k, "contact.secret", sec, strlen(sec), &sct, &sctlen);
    }
    if (r == HV_OK && is_sms)
        r = crypt_blind_index(k, "contact.phone", norm, key);
    store_val a[] = {SV_INTV(user_id),
                     SV_TEXTV(kind),
                     SV_TEXTV(label && *label ? label : NULL),
                     SV_BLOBV(ct, ctlen),
                     is_sms ? SV_BLOBV(key, sizeof key) : SV_NULLV,
                     sct ? SV_BLOBV(sct, sctlen) : SV_NULLV,
                     SV_INTV(now)};
    if (r == HV_OK)
        r = store_query_int(c,
                            "INSERT INTO contact_method (user_id, kind, label, target, target_key, "
                            "secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                            a, 7, id);
    free(ct);
    free(sct);
    if (r == HV_OK)
        r = send_code(c, k, user_id, *id, kind, now);
    if (r == HV_OK && secret && sec[0])
        *secret = strdup(sec);
    sodium_memzero(sec, sizeof sec);
    return r;
}

typedef struct verify_row {
    int found;
    char kind[12], hash[80];
    int64_t expires, attempts, verified;
} verify_row;

static hv_result
verify_row_fn(void *ctx, const store_row *row)
{
    verify_row *v = ctx;
    v->found = 1;
    snprintf(v->kind, sizeof v->kind, "%s", store_row_text(row, 0));
    snprintf(v->hash, sizeof v->hash, "%s", store_row_isnull(row, 1) ? "" : store_row_text(row, 1));
    v->expires = store_row_isnull(row, 2) ? 0 : store_row_int(row, 2);
    v->attempts = store_row_int(row, 3);
    v->verified = store_row_isnull(row, 4) ? 0 : store_row_int(row, 4);
    return HV_OK;
}

static hv_result
load_own(store_conn *c, int64_t user_id, int64_t id, verify_row *v)
{
    memset(v, 0, sizeof *v);
    store_val a[] = {SV_INTV(id), SV_INTV(user_id)};
    hv_result r = store_query(c,
                              "SELECT kind, verify_hash, verify_expires_at, verify_attempts, "
                              "verified_at FROM contact_method WHERE id = ? AND user_id = ? AND "
                              "removed_at IS NULL",
                              a, 2, verify_row_fn, v);
    return r == HV_OK && !v->found ? HV_ERR_NOTFOUND : r;
}

hv_result
contact_verify(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id, const char *code,
               int64_t now, hv_err *e)
{
    verify_row v;
    hv_result r = load_own(c, user_id, id, &v);
    if (r != HV_OK)
        return r;
    if (v.verified)
        return HV_OK;
    if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return hv_fail(e, HV_ERR_INVALID, "code", "the six digits of the code");
    if (!v.hash[0] || v.attempts >= CODE_TRIES)
        return hv_fail(e, HV_ERR_CONFLICT, "code", "too many tries: ask for a new code");
    if (now > v.expires)
        return hv_fail(e, HV_ERR_EXPIRED, "code", "the code has expired: ask for a new one");
    char want[65];
    if ((r = code_hash(k, id, code, want)) != HV_OK)
        return r;
    store_val a[] = {SV_INTV(id)};
    if (sodium_memcmp(want, v.hash, 64) != 0) {
        /* the failed try counts even though the request fails: commit it */
        r = store_exec(c,
                       "UPDATE contact_method SET verify_attempts = verify_attempts + 1 WHERE id "
                       "= ?",
                       a, 1, NULL);
        if (r == HV_OK)
            hv_fail(e, HV_ERR_INVALID, "code", "that is not the code we sent");
        return r == HV_OK ? HV_ERR_UNAUTH : r;
    }
    store_val b[] = {SV_INTV(now), SV_INTV(id)};
    return store_exec(c,
                      "UPDATE contact_method SET verified_at = ?, verify_hash = NULL, "
                      "verify_expires_at = NULL WHERE id = ?",
                      b, 2, NULL);
}

hv_result
contact_resend(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id, int64_t now,
               hv_err *e)
{
    verify_row v;
    hv_result r = load_own(c, user_id, id, &v);
    if (r != HV_OK)
        return r;
    if (v.verified)
        return hv_fail(e, HV_ERR_CONFLICT, "id", "this method is verified already");
    if (v.expires && v.expires - CODE_TTL_MS > now - 30000)
        return hv_fail(e, HV_ERR_RATE, "id", "wait half a minute before asking again");
    return send_code(c, k, user_id, id, v.kind, now);
}

hv_result
contact_remove(store_conn *c, int64_t user_id, int64_t id, int64_t now)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(now), SV_INTV(id), SV_INTV(user_id)};
    hv_result r = store_exec(c,
                             "UPDATE contact_method SET removed_at = ? WHERE id = ? AND user_id = "
                             "? AND removed_at IS NULL",
                             a, 3, &n);
    if (r == HV_OK && !n)
        return HV_ERR_NOTFOUND;
    store_val b[] = {SV_INTV(id)};
    if (r == HV_OK)
        r = store_exec(c, "DELETE FROM notify_rule WHERE contact_id = ?", b, 1, NULL);
    return r;
}

typedef struct list_ctx {
    const crypt_keys *k;
    json_t *list;
} list_ctx;

static hv_result
contact_row(void *ctx, const store_row *row)
{
    list_ctx *l = ctx;
    size_t n = 0;
    const void *ct = store_row_blob(row, 3, &n);
    uint8_t *pt = NULL;
    size_t len = 0;
    if (!ct || crypt_decrypt(l->k, "contact.target", ct, n, &pt, &len) != HV_OK)
        pt = NULL;
    json_t *o =
        json_pack("{s:I, s:s, s:o, s:s, s:b, s:o, s:o}", "id", (json_int_t)store_row_int(row, 0),
                  "kind", store_row_text(row, 1), "label",
                  store_row_isnull(row, 2) ? json_null() : json_string(store_row_text(row, 2)),
                  "target", pt ? (const char *)pt : "", "verified", !store_row_isnull(row, 4),
                  "verified_at", record_time_col(row, 4), "created_at", record_time_col(row, 5));
    if (pt) {
        sodium_memzero(pt, len);
        free(pt);
    }
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(l->list, o);
    return HV_OK;
}

hv_result
contact_list(store_conn *c, const crypt_keys *k, int64_t user_id, int64_t id, json_t **out)
{
    list_ctx l = {k, json_array()};
    store_val a[] = {SV_INTV(user_id), SV_INTV(id), SV_INTV(id)};
    hv_result r = store_query(c,
                              "SELECT id, kind, label, target, verified_at, created_at FROM "
                              "contact_method WHERE user_id = ? AND removed_at IS NULL AND (? = 0 "
                              "OR id = ?) ORDER BY id",
                              a, 3, contact_row, &l);
    if (r != HV_OK) {
        json_decref(l.list);
        return r;
    }
    *out = l.list;
    return HV_OK;
}

typedef struct phone_hit {
    int64_t user, contact;
} phone_hit;

static hv_result
phone_row(void *ctx, const store_row *row)
{
    phone_hit *h = ctx;
    h->user = store_row_int(row, 0);
    h->contact = store_row_int(row, 1);
    return HV_OK;
}

hv_result
contact_by_phone(store_conn *c, const crypt_keys *k, const char *e164, int64_t *user_id,
                 int64_t *contact_id)
{
    uint8_t key[CRYPT_INDEX_BYTES];
    hv_result r = crypt_blind_index(k, "contact.phone", e164, key);
    if (r != HV_OK)
        return r;
    phone_hit h = {0, 0};
    store_val a[] = {SV_BLOBV(key, sizeof key)};
    r = store_query(c,
                    "SELECT user_id, id FROM contact_method WHERE target_key = ? AND kind = 'sms' "
                    "AND removed_at IS NULL AND verified_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                    a, 1, phone_row, &h);
    if (r == HV_OK && !h.user)
        return HV_ERR_NOTFOUND;
    *user_id = h.user;
    *contact_id = h.contact;
    return r;
}

hv_result
contact_rule_add(store_conn *c, int64_t user_id, int64_t contact_id, int64_t delay, int64_t now,
                 int64_t *id, hv_err *e)
{
    if (delay < 0 || delay > 120)
        return hv_fail(e, HV_ERR_INVALID, "delay_minutes", "minutes from 0 to 120");
    int64_t n = 0;
    store_val a[] = {SV_INTV(contact_id), SV_INTV(user_id)};
    hv_result r = store_query_int(c,
                                  "SELECT COUNT(*) FROM contact_method WHERE id = ? AND user_id = "
                                  "? AND removed_at IS NULL",
                                  a, 2, &n);
    if (r != HV_OK)
        return r;
    if (!n)
        return hv_fail(e, HV_ERR_INVALID, "contact_id", "one of your contact methods");
    store_val u[] = {SV_INTV(user_id)};
    if ((r = store_query_int(c, "SELECT COUNT(*) FROM notify_rule WHERE user_id = ?", u, 1, &n)) !=
        HV_OK)
        return r;
    if (n >= 20)
        return hv_fail(e, HV_ERR_CONFLICT, "contact_id", "at most 20 rules per person");
    store_val b[] = {SV_INTV(user_id), SV_INTV(contact_id), SV_INTV(delay), SV_INTV(now)};
    return store_query_int(c,
                           "INSERT INTO notify_rule (user_id, contact_id, delay_minutes, "
                           "created_at) VALUES (?, ?, ?, ?) RETURNING id",
                           b, 4, id);
}

hv_result
contact_rule_remove(store_conn *c, int64_t user_id, int64_t id)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(id), SV_INTV(user_id)};
    hv_result r = store_exec(c, "DELETE FROM notify_rule WHERE id = ? AND user_id = ?", a, 2, &n);
    return r == HV_OK && !n ? HV_ERR_NOTFOUND : r;
}

static hv_result
rule_row(void *ctx, const store_row *row)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)store_row_int(row, 0),
                          "contact_id", (json_int_t)store_row_int(row, 1), "delay_minutes",
                          (json_int_t)store_row_int(row, 2), "kind", store_row_text(row, 3));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(ctx, o);
    return HV_OK;
}

hv_result
contact_rules(store_conn *c, int64_t user_id, json_t **out)
{
    json_t *list = json_array();
    store_val a[] = {SV_INTV(user_id)};
    hv_result r = store_query(c,
                              "SELECT r.id, r.contact_id, r.delay_minutes, m.kind FROM "
                              "notify_rule r JOIN contact_method m ON m.id = r.contact_id WHERE "
                              "r.user_id = ? ORDER BY r.delay_minutes, r.id",
                              a, 1, rule_row, list);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}
