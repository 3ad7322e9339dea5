/* deliver.c - email, SMS and webhook delivery workers (see deliver.h). */
#include "notify/deliver.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "notify/alert.h"
#include "notify/hub.h"
#include "notify/outbox.h"

#define MAX_WORKERS 64
#define CLAIM_MAX   4
#define IDLE_MS     1000

typedef struct job {
    int64_t id, notification_id, referral_id, alert_id, user_id, attempts, reply_code;
    char channel[12], idem[64], kind[48], priority[12], number[32], ref_state[16];
    char message[700];
    uint8_t *target_ct, *secret_ct, *staging_ct;
    size_t target_len, secret_len, staging_len;
    int contact_removed;
} job;

static struct {
    store *st;
    const crypt_keys *keys;
    const haven_config *cfg;
    pthread_t threads[MAX_WORKERS];
    int nthreads;
    atomic_int stop;
    atomic_int stalled;
    atomic_int_fast64_t heartbeat;
    atomic_uint_fast64_t sent, retried, dead;
} D;

/* ---- tokens, phones -------------------------------------------------------------- */

static hv_result
token_mac(const crypt_keys *k, int64_t id, int64_t exp_s, char hex[33])
{
    char msg[64];
    uint8_t mac[CRYPT_INDEX_BYTES];
    snprintf(msg, sizeof msg, "%lld.%lld", (long long)id, (long long)exp_s);
    hv_result r = crypt_blind_index(k, "notify.ack_link", msg, mac);
    if (r == HV_OK)
        sodium_bin2hex(hex, 33, mac, 16);
    return r;
}

hv_result
deliver_ack_token(const crypt_keys *k, int64_t id, int64_t exp_ms, char *out, size_t n)
{
    char hex[33];
    int64_t exp_s = exp_ms / 1000;
    hv_result r = token_mac(k, id, exp_s, hex);
    if (r == HV_OK)
        snprintf(out, n, "%lld.%lld.%s", (long long)id, (long long)exp_s, hex);
    return r;
}

hv_result
deliver_ack_token_check(const crypt_keys *k, const char *token, int64_t now, int64_t *id)
{
    if (!token || strlen(token) > 80)
        return HV_ERR_INVALID;
    long long a, b;
    char mac[40] = "";
    int used = 0;
    if (sscanf(token, "%lld.%lld.%39[0-9a-f]%n", &a, &b, mac, &used) != 3 ||
        (size_t)used != strlen(token) || strlen(mac) != 32 || a <= 0 || b <= 0)
        return HV_ERR_INVALID;
    char want[33];
    if (token_mac(k, a, b, want) != HV_OK || sodium_memcmp(want, mac, 32) != 0)
        return HV_ERR_INVALID;
    if (now / 1000 > b)
        return HV_ERR_EXPIRED;
    *id = a;
    return HV_OK;
}

hv_result
deliver_phone_e164(const char *in, char *out, size_t n)
{
    char digits[20];
    size_t nd = 0;
    int plus = 0;
    for (const char *p = in; p && *p; p++) {
        if (*p == '+' && nd == 0 && !plus)
            plus = 1;
        else if (*p >= '0' && *p <= '9') {
            if (nd + 1 >= sizeof digits)
                return HV_ERR_INVALID;
            digits[nd++] = *p;
        } else if (!strchr(" -().", *p))
            return HV_ERR_INVALID;
    }
    digits[nd] = '\0';
    if (!plus && nd == 10)
        snprintf(out, n, "+1%s", digits);
    else if (!plus && nd == 11 && digits[0] == '1')
        snprintf(out, n, "+%s", digits);
    else if (plus && nd >= 8 && nd <= 15 && digits[0] != '0')
        snprintf(out, n, "+%s", digits);
    else
        return HV_ERR_INVALID;
    return HV_OK;
}

/* ---- claiming -------------------------------------------------------------------- */

typedef struct job_list {
    job *v;
    int n, cap;
} job_list;

static hv_result
blob_copy(const store_row *row, int col, uint8_t **p, size_t *n)
{
    return store_row_blob_copy(row, col, p, n);
}

static hv_result
job_row(void *ctx, const store_row *row)
{
    job_list *l = ctx;
    if (l->n == l->cap)
        return HV_OK;
    job *j = &l->v[l->n++];
    memset(j, 0, sizeof *j);
    j->id = store_row_int(row, 0);
    snprintf(j->channel, sizeof j->channel, "%s", store_row_text(row, 1));
    j->attempts = store_row_int(row, 2);
    snprintf(j->idem, sizeof j->idem, "%s", store_row_text(row, 3));
    j->reply_code = store_row_isnull(row, 4) ? 0 : store_row_int(row, 4);
    hv_result r = blob_copy(row, 5, &j->target_ct, &j->target_len);
    if (r == HV_OK)
        r = blob_copy(row, 6, &j->secret_ct, &j->secret_len);
    j->contact_removed = !store_row_isnull(row, 7);
    j->notification_id = store_row_int(row, 8);
    snprintf(j->kind, sizeof j->kind, "%s", store_row_text(row, 9));
    snprintf(j->priority, sizeof j->priority, "%s", store_row_text(row, 10));
    snprintf(j->message, sizeof j->message, "%s", store_row_text(row, 11));
    j->referral_id = store_row_isnull(row, 12) ? 0 : store_row_int(row, 12);
    j->alert_id = store_row_isnull(row, 13) ? 0 : store_row_int(row, 13);
    j->user_id = store_row_int(row, 14);
    snprintf(j->number, sizeof j->number, "%s",
             store_row_isnull(row, 15) ? "" : store_row_text(row, 15));
    snprintf(j->ref_state, sizeof j->ref_state, "%s",
             store_row_isnull(row, 16) ? "" : store_row_text(row, 16));
    if (r == HV_OK)
        r = blob_copy(row, 17, &j->staging_ct, &j->staging_len);
    return r;
}

static void
job_free(job *j)
{
    free(j->target_ct);
    free(j->secret_ct);
    free(j->staging_ct);
}

static int64_t
lease_ms(void)
{
    return 2 * D.cfg->notify_timeout_ms + 5000;
}

typedef struct claimed {
    int64_t id[CLAIM_MAX];
    int n;
} claimed;

static hv_result
claimed_row(void *ctx, const store_row *row)
{
    claimed *c = ctx;
    if (c->n < CLAIM_MAX)
        c->id[c->n++] = store_row_int(row, 0);
    return HV_OK;
}

/* Claims up to MAX due rows: one more attempt each, due again when the
 * lease ends. */
static hv_result
claim(int max, job_list *l)
{
    store_conn *c;
    hv_result r = store_begin(D.st, &c);
    if (r != HV_OK)
        return r;
    int64_t now = clock_now_ms();
    store_val a[] = {SV_INTV(now + lease_ms()), SV_INTV(now), SV_INTV(max)};
    claimed ids = {.n = 0};
    r = store_query(c,
                    "UPDATE delivery SET state = 'sending', attempts = attempts + 1, "
                    "next_attempt_at = ? WHERE id IN (SELECT id FROM delivery WHERE "
                    "next_attempt_at IS NOT NULL AND next_attempt_at <= ? ORDER BY "
                    "next_attempt_at LIMIT ? {SKIP_LOCKED}) RETURNING id",
                    a, 3, claimed_row, &ids);
    for (int i = 0; r == HV_OK && i < ids.n; i++) {
        store_val b[] = {SV_INTV(ids.id[i])};
        r = store_query(c,
                        "SELECT d.id, d.channel, d.attempts, d.idem_key, d.reply_code, cm.target, "
                        "cm.secret, cm.removed_at, n.id, n.kind, n.priority, n.message, "
                        "n.referral_id, n.alert_id, n.user_id, r.number, r.state, "
                        "r.staging_address FROM delivery d JOIN contact_method cm ON cm.id = "
                        "d.contact_id JOIN notification n ON n.id = d.notification_id LEFT JOIN "
                        "referral r ON r.id = n.referral_id WHERE d.id = ?",
                        b, 1, job_row, l);
    }
    if (r == HV_OK)
        return store_commit(c);
    store_rollback(c);
    return r;
}

/* ---- rendering -------------------------------------------------------------------- */

static char *
decrypt_text(const char *context, const uint8_t *ct, size_t n)
{
    if (!ct || !n)
        return NULL;
    uint8_t *pt = NULL;
    size_t len = 0;
    if (crypt_decrypt(D.keys, context, ct, n, &pt, &len) != HV_OK)
        return NULL;
    return (char *)pt;
}

typedef struct rendered {
    char subject[200];
    buf text, html, sms, json;
    char ack_url[400], case_url[300];
} rendered;

static void
html_escape(buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '"':
            buf_adds(b, "&quot;");
            break;
        default:
            buf_add(b, s, 1);
        }
    }
}

static void
render(const job *j, rendered *m)
{
    buf_init(&m->text, 16384);
    buf_init(&m->html, 32768);
    buf_init(&m->sms, 1600);
    buf_init(&m->json, 16384);
    int verify = strcmp(j->kind, "contact.verify") == 0;
    m->ack_url[0] = m->case_url[0] = '\0';
    const char *base = D.cfg->public_url;
    if (j->referral_id && !verify)
        snprintf(m->case_url, sizeof m->case_url, "%s/case?id=%lld", base,
                 (long long)j->referral_id);
    if (j->alert_id && !verify) {
        char tok[128];
        if (deliver_ack_token(D.keys, j->id,
                              clock_now_ms() + D.cfg->notify_ack_link_hours * 3600LL * 1000, tok,
                              sizeof tok) == HV_OK)
            snprintf(m->ack_url, sizeof m->ack_url, "%s/ack?t=%s", base, tok);
    }
    /* the staging area, while responders are still on their way to it */
    char *staging = NULL;
    if (!verify && (strcmp(j->ref_state, "open") == 0 || strcmp(j->ref_state, "acknowledged") == 0))
        staging = decrypt_text("referral.staging_address", j->staging_ct, j->staging_len);
    int urgent = strcmp(j->priority, "urgent") == 0;
    if (verify)
        snprintf(m->subject, sizeof m->subject, "haven: your verification code");
    else if (j->number[0])
        snprintf(m->subject, sizeof m->subject, "[haven]%s referral %s: %s",
                 urgent ? " URGENT" : "", j->number, j->kind);
    else
        snprintf(m->subject, sizeof m->subject, "[haven]%s %s", urgent ? " URGENT" : "", j->kind);

    buf_addf(&m->text, "%s\n", j->message);
    if (staging)
        buf_addf(&m->text, "\nStaging area: %s\n", staging);
    if (m->case_url[0])
        buf_addf(&m->text, "\nOpen the case: %s\n", m->case_url);
    if (m->ack_url[0])
        buf_addf(&m->text, "Acknowledge: %s\n", m->ack_url);
    buf_adds(&m->text, "\n-- \nhaven, the First Responder Protocol. This message holds no names "
                       "of youth; sign in for the case.\n");

    buf_adds(&m->html, "<!doctype html><html><body style=\"font-family:sans-serif\"><p>");
    html_escape(&m->html, j->message);
    buf_adds(&m->html, "</p>");
    if (staging) {
        buf_adds(&m->html, "<p><strong>Staging area:</strong> ");
        html_escape(&m->html, staging);
        buf_adds(&m->html, "</p>");
    }
    if (m->ack_url[0]) {
        buf_adds(&m->html, "<p><a href=\"");
        html_escape(&m->html, m->ack_url);
        buf_adds(&m->html, "\" style=\"font-size:1.2em;font-weight:bold\">Acknowledge</a></p>");
    }
    if (m->case_url[0]) {
        buf_adds(&m->html, "<p><a href=\"");
        html_escape(&m->html, m->case_url);
        buf_adds(&m->html, "\">Open the case</a></p>");
    }
    buf_adds(&m->html, "</body></html>\n");

    buf_addf(&m->sms, "haven%s: %s", urgent ? " URGENT" : "", j->message);
    if (staging)
        buf_addf(&m->sms, " Staging: %s.", staging);
    if (j->alert_id && j->reply_code)
        buf_addf(&m->sms, " Reply %llda to acknowledge.", (long long)j->reply_code);
    if (m->ack_url[0])
        buf_addf(&m->sms, " %s", m->ack_url);

    char created[40];
    clock_format_iso(clock_now_ms(), created, sizeof created);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "id", j->idem, "type",
                  j->kind, "priority", j->priority, "message", j->message, "referral",
                  j->referral_id ? json_pack("{s:I, s:s}", "id", (json_int_t)j->referral_id,
                                             "number", j->number)
                                 : json_null(),
                  "alert_id", j->alert_id ? json_integer(j->alert_id) : json_null(), "staging_area",
                  staging ? json_string(staging) : json_null(), "case_url",
                  m->case_url[0] ? json_string(m->case_url) : json_null(), "ack_url",
                  m->ack_url[0] ? json_string(m->ack_url) : json_null(), "sent_at", created);
    char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (js)
        buf_adds(&m->json, js);
    free(js);
    json_decref(o);
    if (staging) {
        sodium_memzero(staging, strlen(staging));
        free(staging);
    }
}

static void
rendered_free(rendered *m)
{
    buf_free(&m->text);
    buf_free(&m->html);
    buf_free(&m->sms);
    buf_free(&m->json);
}

/* ---- sending ------------------------------------------------------------------------ */

typedef enum send_outcome { SEND_OK, SEND_RETRY, SEND_FATAL } send_outcome;

typedef struct upload {
    const char *p;
    size_t left;
} upload;

static size_t
read_cb(char *out, size_t size, size_t nmemb, void *ctx)
{
    upload *u = ctx;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(out, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static size_t
write_cb(char *in, size_t size, size_t nmemb, void *ctx)
{
    buf *b = ctx;
    (void)buf_add(b, in, size * nmemb);
    return size * nmemb;
}

static void
common_opts(CURL *h)
{
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)D.cfg->notify_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)D.cfg->notify_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
}

static send_outcome
send_email(CURL *h, const job *j, const char *to, const rendered *m, char *err, size_t errsz)
{
    if (!D.cfg->smtp_url[0]) {
        snprintf(err, errsz, "email is not configured ([notify] smtp_url)");
        return SEND_FATAL;
    }
    buf msg;
    buf_init(&msg, 1u << 20);
    char date[64], boundary[80];
    time_t t = (time_t)(clock_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    snprintf(boundary, sizeof boundary, "haven-%s", j->idem);
    buf_addf(&msg,
             "Date: %s\r\nFrom: %s\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@haven>\r\n"
             "X-Haven-Idempotency-Key: %s\r\nAuto-Submitted: auto-generated\r\n"
             "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
             date, D.cfg->smtp_from, to, m->subject, j->idem, j->idem, boundary);
    /* SMTP wants CRLF lines; the parts are UTF-8, 8bit */
    const buf *parts[2] = {&m->text, &m->html};
    const char *types[2] = {"text/plain", "text/html"};
    for (int i = 0; i < 2; i++) {
        buf_addf(
            &msg,
            "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
            boundary, types[i]);
        for (const char *p = parts[i]->data; p && *p; p++) {
            if (*p == '\n')
                buf_adds(&msg, "\r\n");
            else if (*p != '\r')
                buf_add(&msg, p, 1);
        }
        buf_adds(&msg, "\r\n");
    }
    buf_addf(&msg, "--%s--\r\n", boundary);
    char rcpt[300];
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    upload up = {msg.data, msg.len};
    curl_easy_reset(h);
    common_opts(h);
    curl_easy_setopt(h, CURLOPT_URL, D.cfg->smtp_url);
    char from[160];
    snprintf(from, sizeof from, "<%s>", D.cfg->smtp_from);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    if (D.cfg->smtp_username[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, D.cfg->smtp_username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, D.cfg->smtp_password);
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    }
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpts);
    buf_free(&msg);
    if (cc == CURLE_OK)
        return SEND_OK;
    snprintf(err, errsz, "smtp: %s (%ld)", curl_easy_strerror(cc), code);
    /* 5xx to the recipient is permanent; anything else may pass later */
    return cc == CURLE_SEND_ERROR || code < 500 || code >= 600 ? SEND_RETRY : SEND_FATAL;
}

static send_outcome
http_outcome(CURLcode cc, long code, const char *what, const buf *body, char *err, size_t errsz)
{
    if (cc != CURLE_OK) {
        snprintf(err, errsz, "%s: %s", what, curl_easy_strerror(cc));
        return SEND_RETRY;
    }
    if (code >= 200 && code < 300)
        return SEND_OK;
    snprintf(err, errsz, "%s: HTTP %ld %.120s", what, code, body->data ? body->data : "");
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (code == 408 || code == 429 || code >= 500)
        return SEND_RETRY;
    return SEND_FATAL;
}

static send_outcome
send_sms(CURL *h, const job *j, const char *to, const rendered *m, char *ref, size_t refsz,
         char *err, size_t errsz)
{
    if (!D.cfg->sms_base_url[0] || !D.cfg->sms_account_sid[0]) {
        snprintf(err, errsz, "SMS is not configured ([notify] sms_base_url, sms_account_sid)");
        return SEND_FATAL;
    }
    curl_easy_reset(h);
    common_opts(h);
    char url[512], hdr[128];
    snprintf(url, sizeof url, "%s/2010-04-01/Accounts/%s/Messages.json", D.cfg->sms_base_url,
             D.cfg->sms_account_sid);
    char *eto = curl_easy_escape(h, to, 0), *efrom = curl_easy_escape(h, D.cfg->sms_from, 0);
    char *ebody = curl_easy_escape(h, m->sms.data ? m->sms.data : "", 0);
    buf form;
    buf_init(&form, 16384);
    buf_addf(&form, "To=%s&From=%s&Body=%s", eto ? eto : "", efrom ? efrom : "",
             ebody ? ebody : "");
    curl_free(eto);
    curl_free(efrom);
    curl_free(ebody);
    buf resp;
    buf_init(&resp, 65536);
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", j->idem);
    struct curl_slist *hs = curl_slist_append(NULL, hdr);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, D.cfg->sms_account_sid);
    curl_easy_setopt(h, CURLOPT_PASSWORD, D.cfg->sms_auth_token);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    send_outcome o = http_outcome(cc, code, "sms", &resp, err, errsz);
    if (o == SEND_OK) {
        json_t *js = json_loads(resp.data ? resp.data : "", 0, NULL);
        const char *sid = json_string_value(json_object_get(js, "sid"));
        snprintf(ref, refsz, "%s", sid ? sid : "");
        json_decref(js);
    }
    curl_slist_free_all(hs);
    buf_free(&form);
    buf_free(&resp);
    return o;
}

static send_outcome
send_webhook(CURL *h, const job *j, const char *url, const char *secret, const rendered *m,
             char *err, size_t errsz)
{
    curl_easy_reset(h);
    common_opts(h);
    char ts[32], sig[2 * crypto_auth_hmacsha256_BYTES + 1], h1[128], h2[128], h3[128], h4[128];
    snprintf(ts, sizeof ts, "%lld", (long long)(clock_real_ms() / 1000));
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)(secret ? secret : ""),
                                secret ? strlen(secret) : 0);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)(m->json.data ? m->json.data : ""),
                                  m->json.len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof sig, mac, sizeof mac);
    snprintf(h1, sizeof h1, "X-Haven-Timestamp: %s", ts);
    snprintf(h2, sizeof h2, "X-Haven-Signature: v1=%s", sig);
    snprintf(h3, sizeof h3, "Idempotency-Key: %s", j->idem);
    snprintf(h4, sizeof h4, "X-Haven-Delivery: %lld", (long long)j->id);
    struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
    hs = curl_slist_append(hs, h1);
    hs = curl_slist_append(hs, h2);
    hs = curl_slist_append(hs, h3);
    hs = curl_slist_append(hs, h4);
    buf resp;
    buf_init(&resp, 65536);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, m->json.data ? m->json.data : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)m->json.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    send_outcome o = http_outcome(cc, code, "webhook", &resp, err, errsz);
    curl_slist_free_all(hs);
    buf_free(&resp);
    return o;
}

/* ---- recording ------------------------------------------------------------------------ */

static int64_t
backoff_ms(int64_t attempts)
{
    int64_t d = D.cfg->notify_retry_base_ms;
    for (int64_t i = 1; i < attempts && d < D.cfg->notify_retry_max_ms; i++)
        d *= 2;
    if (d > D.cfg->notify_retry_max_ms)
        d = D.cfg->notify_retry_max_ms;
    /* equal jitter: half fixed, half random, so retries of many do not align */
    int64_t half = d / 2;
    return half +
           (half > 0
                ? (int64_t)randombytes_uniform((uint32_t)(half > 0x7fffffff ? 0x7fffffff : half))
                : 0);
}

static hv_result
record(const job *j, send_outcome o, const char *ref, const char *err)
{
    store_conn *c;
    hv_result r = store_begin(D.st, &c);
    if (r != HV_OK)
        return r;
    int64_t now = clock_now_ms();
    if (o == SEND_OK) {
        store_val a[] = {SV_INTV(now), SV_TEXTV(ref && *ref ? ref : NULL), SV_INTV(j->id)};
        r = store_exec(c,
                       "UPDATE delivery SET state = 'sent', sent_at = ?, next_attempt_at = NULL, "
                       "provider_ref = ?, last_error = NULL WHERE id = ?",
                       a, 3, NULL);
        store_val v[] = {SV_INTV(j->notification_id)};
        if (r == HV_OK && strcmp(j->kind, "contact.verify") == 0)
            r = store_exec(c,
                           "UPDATE notification SET message = 'verification code sent' WHERE id "
                           "= ?",
                           v, 1, NULL);
    } else if (o == SEND_RETRY && j->attempts < D.cfg->notify_max_attempts) {
        store_val a[] = {SV_INTV(now + backoff_ms(j->attempts)), SV_TEXTV(err), SV_INTV(j->id)};
        r = store_exec(c,
                       "UPDATE delivery SET state = 'pending', next_attempt_at = ?, last_error = ? "
                       "WHERE id = ?",
                       a, 3, NULL);
    } else {
        /* dead: the alert goes on to its next step now, and the person is told
         * in the app that a way of reaching them failed */
        store_val a[] = {SV_TEXTV(err), SV_INTV(j->id)};
        r = store_exec(c,
                       "UPDATE delivery SET state = 'dead', next_attempt_at = NULL, last_error = "
                       "? WHERE id = ?",
                       a, 2, NULL);
        if (r == HV_OK && j->alert_id)
            r = alert_escalate_now(c, j->alert_id, now);
        char msg[300];
        snprintf(msg, sizeof msg,
                 "A %s message from haven could not be delivered after %lld tries. Check your "
                 "contact methods on the account page.",
                 j->channel, (long long)j->attempts);
        outbox_msg m = {.user_id = j->user_id,
                        .referral_id = j->referral_id,
                        .kind = "delivery.failed",
                        .pr = NP_HIGH,
                        .message = msg,
                        .in_app_only = 1};
        if (r == HV_OK && strcmp(j->kind, "contact.verify") != 0)
            r = outbox_send(c, &m, now, NULL);
    }
    if (r == HV_OK)
        r = store_commit(c);
    else
        store_rollback(c);
    if (r == HV_OK) {
        if (o == SEND_OK)
            atomic_fetch_add(&D.sent, 1);
        else if (o == SEND_RETRY && j->attempts < D.cfg->notify_max_attempts)
            atomic_fetch_add(&D.retried, 1);
        else {
            atomic_fetch_add(&D.dead, 1);
            hub_publish();
        }
    }
    return r;
}

static void
run_job(CURL *h, job *j)
{
    char err[300] = "", ref[80] = "";
    send_outcome o = SEND_FATAL;
    if (j->contact_removed) {
        snprintf(err, sizeof err, "the contact method was removed");
    } else {
        char *target = decrypt_text("contact.target", j->target_ct, j->target_len);
        char *secret = decrypt_text("contact.secret", j->secret_ct, j->secret_len);
        if (!target) {
            snprintf(err, sizeof err, "the contact method could not be read");
        } else {
            rendered m;
            render(j, &m);
            if (strcmp(j->channel, "email") == 0)
                o = send_email(h, j, target, &m, err, sizeof err);
            else if (strcmp(j->channel, "sms") == 0)
                o = send_sms(h, j, target, &m, ref, sizeof ref, err, sizeof err);
            else if (strcmp(j->channel, "webhook") == 0)
                o = send_webhook(h, j, target, secret, &m, err, sizeof err);
            else
                snprintf(err, sizeof err, "unknown channel");
            rendered_free(&m);
        }
        if (target) {
            sodium_memzero(target, strlen(target));
            free(target);
        }
        if (secret) {
            sodium_memzero(secret, strlen(secret));
            free(secret);
        }
    }
    if (o != SEND_OK)
        log_event(LOG_WARN, "delivery failed",
                  json_pack("{s:I, s:s, s:I, s:s}", "delivery", (json_int_t)j->id, "channel",
                            j->channel, "attempt", (json_int_t)j->attempts, "error", err));
    hv_result r = record(j, o, ref, err);
    if (r != HV_OK)
        log_event(LOG_ERROR, "delivery result not recorded",
                  json_pack("{s:I, s:s}", "delivery", (json_int_t)j->id, "error", hv_strerror(r)));
}

static int
pass_with(CURL *h, int max)
{
    job v[CLAIM_MAX];
    job_list l = {v, 0, max < CLAIM_MAX ? max : CLAIM_MAX};
    hv_result r = claim(l.cap, &l);
    if (r != HV_OK) {
        for (int i = 0; i < l.n; i++)
            job_free(&v[i]);
        return 0;
    }
    for (int i = 0; i < l.n; i++) {
        run_job(h, &v[i]);
        job_free(&v[i]);
    }
    return l.n;
}

int
deliver_pass(int max)
{
    if (!D.st)
        return 0;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    int n = pass_with(h, max);
    curl_easy_cleanup(h);
    return n;
}

/* When the next row is due (0: none), read on a reader. */
static int64_t
next_due(void)
{
    store_conn *c;
    int64_t at = 0;
    if (store_read(D.st, &c) != HV_OK)
        return 0;
    if (store_query_int(c,
                        "SELECT next_attempt_at FROM delivery WHERE next_attempt_at IS NOT NULL "
                        "ORDER BY next_attempt_at LIMIT 1",
                        NULL, 0, &at) != HV_OK)
        at = 0;
    store_release(c);
    return at;
}

static void *
worker(void *arg)
{
    (void)arg;
    CURL *h = curl_easy_init();
    uint64_t seen = hub_generation();
    while (!atomic_load(&D.stop)) {
        if (atomic_load(&D.stalled)) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        atomic_store(&D.heartbeat, clock_mono_ms());
        if (h && pass_with(h, CLAIM_MAX) > 0)
            continue;
        int64_t wait = IDLE_MS, at = next_due();
        if (at) {
            int64_t d = at - clock_now_ms();
            if (d <= 0)
                continue;
            if (d < wait)
                wait = d;
        }
        seen = hub_wait(seen, (int)wait);
    }
    if (h)
        curl_easy_cleanup(h);
    return NULL;
}

hv_result
deliver_start(store *st, const crypt_keys *k, const haven_config *cfg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return HV_ERR_IO;
    D.st = st;
    D.keys = k;
    D.cfg = cfg;
    atomic_store(&D.stop, 0);
    atomic_store(&D.heartbeat, clock_mono_ms());
    /* one process on SQLite: rows left "sending" by a crash are due now */
    if (strcmp(store_backend(st), "sqlite") == 0) {
        store_conn *c;
        if (store_begin(st, &c) == HV_OK) {
            store_val a[] = {SV_INTV(clock_now_ms())};
            if (store_exec(c,
                           "UPDATE delivery SET next_attempt_at = ? WHERE state = 'sending' AND "
                           "next_attempt_at IS NOT NULL",
                           a, 1, NULL) == HV_OK)
                store_commit(c);
            else
                store_rollback(c);
        }
    }
    int n = (int)cfg->notify_workers;
    for (int i = 0; i < n && i < MAX_WORKERS; i++) {
        if (pthread_create(&D.threads[i], NULL, worker, NULL) != 0)
            break;
        D.nthreads++;
    }
    return D.nthreads > 0 ? HV_OK : HV_ERR_NOMEM;
}

void
deliver_stop(void)
{
    atomic_store(&D.stop, 1);
    hub_publish();
    for (int i = 0; i < D.nthreads; i++)
        pthread_join(D.threads[i], NULL);
    D.nthreads = 0;
    D.st = NULL;
    curl_global_cleanup();
}

int64_t
deliver_heartbeat_ms(void)
{
    return atomic_load(&D.heartbeat);
}

void
deliver_stall(int on)
{
    atomic_store(&D.stalled, on ? 1 : 0);
}

void
deliver_get_stats(deliver_stats *out)
{
    out->sent = atomic_load(&D.sent);
    out->retried = atomic_load(&D.retried);
    out->dead = atomic_load(&D.dead);
}
