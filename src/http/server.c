/*
 * server.c - the libmicrohttpd server behind http.h.
 *
 * One worker pool on epoll. Each request gets an http_req on its first
 * callback; the body is gathered into a bounded buffer; on the last callback
 * the router picks a route (or a static file), the application's before hook
 * runs, then the handler. Every response gets the security headers and the
 * request id. When the request completes its duration and status go to the
 * metrics and, when enabled, one access-log line (no query strings: they may
 * hold search terms).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/static_files.h"

struct http_server {
    struct MHD_Daemon *d;
    http_options opt;
    char addr[80];
    atomic_int inflight;
    atomic_uint_fast64_t seq;
    char rid_prefix[9];
    char csp[640]; /* CSP_FMT with the configured img-src sources */
    static_files *files;
    http_metrics *metrics;
    pthread_mutex_t smu; /* guards the stream list and each stream's flags */
    struct http_stream *streams;
    int streams_closing;
};

/* A response written as it is produced (server-sent events). */
typedef struct http_stream {
    http_server *srv;
    struct MHD_Connection *conn;
    http_stream_fn fn;
    void *ctx;
    void (*free_fn)(void *);
    int suspended; /* parked until http_streams_wake() */
    int pending;   /* woken while producing: try again before parking */
    struct http_stream *next, *prev;
} http_stream;

/* %s%s: more img-src sources (a map tile host), or nothing */
static const char CSP_FMT[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                              "img-src 'self' data:%s%s; font-src 'self'; connect-src 'self'; "
                              "object-src 'none'; base-uri 'none'; form-action 'self'; "
                              "frame-ancestors 'none'";

/* ---- routing ---------------------------------------------------------- */

/* Matches PATH against PATTERN; fills R's params. */
static int
route_match(const char *pattern, const char *path, http_req *r)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = strchr(s, '/');
            size_t n = se ? (size_t)(se - s) : strlen(s);
            if (!pe || n == 0 || n >= sizeof r->params[0] || np >= HTTP_MAX_PARAMS)
                return 0;
            memcpy(r->params[np], s, n);
            r->params[np][n] = '\0';
            np++;
            p = pe + 1;
            s += n;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return 0;
        }
    }
    if (*p || *s)
        return 0;
    r->nparams = np;
    return 1;
}

/* Finds the route; *PATH_KNOWN tells whether another method would match. */
static int
route_find(http_server *s, http_req *r, int *path_known, char *allow, size_t allowsz)
{
    *path_known = 0;
    allow[0] = '\0';
    int found = -1;
    for (int i = 0; i < s->opt.nroutes; i++) {
        const http_route *rt = &s->opt.routes[i];
        if (!route_match(rt->pattern, r->path, r))
            continue;
        if (strcmp(rt->method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            if (found < 0)
                found = i;
        }
        *path_known = 1;
        size_t used = strlen(allow);
        snprintf(allow + used, allowsz - used, "%s%s", used ? ", " : "", rt->method);
    }
    if (found >= 0)
        route_match(s->opt.routes[found].pattern, r->path, r);
    return found;
}

/* ---- inputs ----------------------------------------------------------- */

const char *
http_header(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_query(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_cookie(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *
http_param(http_req *r, int i)
{
    return i >= 0 && i < r->nparams ? r->params[i] : NULL;
}

int64_t
http_param_id(http_req *r, int i)
{
    const char *s = http_param(r, i);
    int64_t v = 0;
    if (!s || !*s || strlen(s) > 15)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int
http_is_tls(http_req *r)
{
    if (r->srv->opt.tls_cert_pem)
        return 1;
    if (r->srv->opt.trust_proxy) {
        const char *proto = http_header(r, "X-Forwarded-Proto");
        return proto && strcmp(proto, "https") == 0;
    }
    return 0;
}

/* ---- responses -------------------------------------------------------- */

void
http_set_header(http_req *r, const char *name, const char *value)
{
    if (r->nhdr >= HTTP_MAX_HEADERS)
        return;
    r->hdr_name[r->nhdr] = strdup(name);
    r->hdr_value[r->nhdr] = strdup(value);
    r->nhdr++;
}

static void
send_response(http_req *r, int status, struct MHD_Response *resp, const char *ctype, int api)
{
    if (!resp) {
        r->status = 500;
        r->responded = 1;
        return;
    }
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Content-Security-Policy", r->srv->csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(), microphone=(), payment=(), geolocation=(self)");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    if (http_is_tls(r))
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
    /* API answers are no-store unless the handler chose (one header, never
     * "no-store, public, max-age=60") */
    int own_cache = 0;
    for (int i = 0; i < r->nhdr; i++)
        own_cache |= r->hdr_name[i] && strcasecmp(r->hdr_name[i], "Cache-Control") == 0;
    if (api && !own_cache)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (int i = 0; i < r->nhdr; i++)
        if (r->hdr_name[i] && r->hdr_value[i])
            MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->responded = 1;
}

void
http_send_bytes(http_req *r, int status, const char *ctype, const void *data, size_t len, int copy)
{
    if (r->responded)
        return;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    send_response(r, status, resp, ctype, 1);
}

/* ---- streams ---------------------------------------------------------- */

/* MHD asks for more bytes: produce them, or park the connection until
 * something changes (MHD's prescribed pattern: suspend and return 0). */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    http_stream *st = cls;
    http_server *s = st->srv;
    for (;;) {
        pthread_mutex_lock(&s->smu);
        int closing = s->streams_closing;
        st->pending = 0;
        pthread_mutex_unlock(&s->smu);
        if (closing)
            return MHD_CONTENT_READER_END_OF_STREAM;
        ssize_t n = st->fn(st->ctx, out, max);
        if (n > 0)
            return n;
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&s->smu);
        if (st->pending || s->streams_closing) {
            pthread_mutex_unlock(&s->smu);
            continue;
        }
        st->suspended = 1;
        MHD_suspend_connection(st->conn);
        pthread_mutex_unlock(&s->smu);
        return 0;
    }
}

static void
stream_free(void *cls)
{
    http_stream *st = cls;
    http_server *s = st->srv;
    pthread_mutex_lock(&s->smu);
    if (st->prev)
        st->prev->next = st->next;
    else
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    pthread_mutex_unlock(&s->smu);
    if (st->free_fn)
        st->free_fn(st->ctx);
    free(st);
}

void
http_send_stream(http_req *r, const char *ctype, http_stream_fn fn, void *ctx,
                 void (*free_fn)(void *))
{
    if (r->responded) {
        if (free_fn)
            free_fn(ctx);
        return;
    }
    http_stream *st = calloc(1, sizeof *st);
    if (!st) {
        if (free_fn)
            free_fn(ctx);
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return;
    }
    http_server *s = r->srv;
    *st = (http_stream){.srv = s, .conn = r->conn, .fn = fn, .ctx = ctx, .free_fn = free_fn};
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, stream_read, st, stream_free);
    if (!resp) {
        free(st);
        if (free_fn)
            free_fn(ctx);
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return;
    }
    pthread_mutex_lock(&s->smu);
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    pthread_mutex_unlock(&s->smu);
    http_set_header(r, "X-Accel-Buffering", "no");
    send_response(r, 200, resp, ctype, 1);
}

void
http_streams_wake(http_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->smu);
    for (http_stream *st = s->streams; st; st = st->next) {
        st->pending = 1;
        if (st->suspended) {
            st->suspended = 0;
            MHD_resume_connection(st->conn);
        }
    }
    pthread_mutex_unlock(&s->smu);
}

int
http_streams_count(http_server *s)
{
    int n = 0;
    pthread_mutex_lock(&s->smu);
    for (http_stream *st = s->streams; st; st = st->next)
        n++;
    pthread_mutex_unlock(&s->smu);
    return n;
}

void
http_send_json(http_req *r, int status, json_t *body)
{
    if (r->responded) {
        json_decref(body);
        return;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        http_send_problem(r, 500, NULL, "Internal error", NULL, "the response could not be made");
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    send_response(r, status, resp, "application/json", 1);
}

void
http_send_empty(http_req *r, int status)
{
    if (r->responded)
        return;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    send_response(r, status, resp, NULL, 1);
}

void
http_send_problem(http_req *r, int status, const char *type, const char *title, const char *field,
                  const char *detail)
{
    if (r->responded)
        return;
    char typebuf[96];
    if (type)
        snprintf(typebuf, sizeof typebuf, "/problems/%s", type);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type ? typebuf : "about:blank",
                          "title", title ? title : "Error", "status", status, "detail",
                          detail ? detail : "", "request_id", r->request_id);
    if (field && *field) {
        json_object_set_new(p, "field", json_string(field));
        json_object_set_new(
            p, "invalid_params",
            json_pack("[{s:s, s:s}]", "name", field, "reason", detail ? detail : "invalid"));
    }
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!text) {
        http_send_bytes(r, 500, "text/plain", "internal error", 14, 0);
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    send_response(r, status, resp, "application/problem+json", 1);
}

int
http_status_of(hv_result code)
{
    switch (code) {
    case HV_OK:
        return 200;
    case HV_ERR_INVALID:
        return 400;
    case HV_ERR_UNAUTH:
        return 401;
    case HV_ERR_DENIED:
        return 403;
    case HV_ERR_NOTFOUND:
        return 404;
    case HV_ERR_CONFLICT:
        return 409;
    case HV_ERR_STALE:
        return 412;
    case HV_ERR_TOOBIG:
        return 413;
    case HV_ERR_NEEDMATCH:
        return 428;
    case HV_ERR_EXPIRED:
        return 410;
    case HV_ERR_LOCKED:
        return 423;
    case HV_ERR_RATE:
        return 429;
    case HV_ERR_BUSY:
    case HV_ERR_UNAVAILABLE:
        return 503;
    default:
        return 500;
    }
}

static const char *
title_of(int status)
{
    switch (status) {
    case 400:
        return "Invalid request";
    case 401:
        return "Sign-in required";
    case 403:
        return "Not allowed";
    case 404:
        return "Not found";
    case 405:
        return "Method not allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 412:
        return "Changed since read";
    case 413:
        return "Request too large";
    case 415:
        return "Unsupported media type";
    case 423:
        return "Account locked";
    case 428:
        return "If-Match required";
    case 429:
        return "Too many requests";
    case 503:
        return "Service unavailable";
    default:
        return "Internal error";
    }
}

void
http_send_err(http_req *r, hv_result code, const hv_err *e)
{
    int status = http_status_of(code);
    const char *detail = e && e->detail[0] ? e->detail : hv_strerror(code);
    const char *type = e && e->type ? e->type : NULL;
    if (status >= 500) {
        /* the words of an internal failure stay in the log */
        log_event(LOG_ERROR, "request failed",
                  json_pack("{s:s, s:s}", "request_id", r->request_id, "error", hv_strerror(code)));
        detail = "something went wrong on the server; the request id identifies it in the log";
        type = NULL;
    }
    if (!type) {
        switch (code) {
        case HV_ERR_INVALID:
            type = "invalid";
            break;
        case HV_ERR_UNAUTH:
            type = "unauthenticated";
            break;
        case HV_ERR_DENIED:
            type = "forbidden";
            break;
        case HV_ERR_NOTFOUND:
            type = "not-found";
            break;
        case HV_ERR_CONFLICT:
            type = "conflict";
            break;
        case HV_ERR_TOOBIG:
            type = "too-large";
            break;
        case HV_ERR_RATE:
            type = "rate-limited";
            break;
        default:
            break;
        }
    }
    http_send_problem(r, status, type, title_of(status), e ? e->field : NULL, detail);
}

/* ---- the request cycle ------------------------------------------------ */

static void
client_ip(http_server *s, http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->client_ip, sizeof r->client_ip, "unknown");
    if (s->opt.trust_proxy) {
        const char *xff = http_header(r, "X-Forwarded-For");
        if (xff) {
            /* the last entry is the one our proxy added; those before it are
             * whatever the client sent */
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            last += strspn(last, " \t");
            size_t n = strcspn(last, " \t");
            if (n > 0 && n < sizeof r->client_ip) {
                memcpy(r->client_ip, last, n);
                r->client_ip[n] = '\0';
                return;
            }
        }
    }
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ci->client_addr;
        inet_ntop(AF_INET, &in->sin_addr, r->client_ip, sizeof r->client_ip);
    } else if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, r->client_ip, sizeof r->client_ip);
    }
}

static void
request_id(http_server *s, http_req *r)
{
    const char *given = http_header(r, "X-Request-Id");
    if (given) {
        size_t n = strlen(given);
        int ok = n >= 8 && n < sizeof r->request_id;
        for (size_t i = 0; ok && i < n; i++) {
            char ch = given[i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '_';
        }
        if (ok) {
            memcpy(r->request_id, given, n + 1);
            return;
        }
    }
    snprintf(r->request_id, sizeof r->request_id, "%s-%06llx", s->rid_prefix,
             (unsigned long long)atomic_fetch_add(&s->seq, 1));
}

static void
serve_static(http_server *s, http_req *r)
{
    const static_file *f = static_find(s->files, r->path);
    if (!f || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))) {
        const static_file *nf =
            strncmp(r->path, "/api/", 5) ? static_find(s->files, "/404.html") : NULL;
        if (f) {
            http_set_header(r, "Allow", "GET, HEAD");
            http_send_problem(r, 405, "method-not-allowed", title_of(405), NULL,
                              "only GET and HEAD are allowed here");
        } else if (nf) {
            struct MHD_Response *resp =
                MHD_create_response_from_buffer(nf->len, nf->data, MHD_RESPMEM_PERSISTENT);
            send_response(r, 404, resp, nf->ctype, 0);
        } else {
            http_send_problem(r, 404, "not-found", title_of(404), NULL,
                              "there is nothing at this address");
        }
        return;
    }
    r->served_static = 1;
    const char *inm = http_header(r, "If-None-Match");
    struct MHD_Response *resp;
    int status = 200;
    if (inm && strstr(inm, f->etag)) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        resp = MHD_create_response_from_buffer(f->len, f->data, MHD_RESPMEM_PERSISTENT);
    }
    if (resp) {
        MHD_add_response_header(resp, "ETag", f->etag);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
    }
    send_response(r, status, resp, status == 200 ? f->ctype : NULL, 0);
}

static int
parse_json_body(http_req *r)
{
    const char *ctype = http_header(r, "Content-Type");
    if (r->body.len == 0) {
        http_send_problem(r, 400, "invalid", title_of(400), NULL, "the request needs a JSON body");
        return -1;
    }
    if (!ctype || strncmp(ctype, "application/json", 16) != 0) {
        http_send_problem(r, 415, "unsupported-media-type", title_of(415), NULL,
                          "send the body as application/json");
        return -1;
    }
    json_error_t jerr;
    r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!r->json) {
        char detail[256];
        snprintf(detail, sizeof detail, "the body is not valid JSON (line %d, column %d: %s)",
                 jerr.line, jerr.column, jerr.text);
        http_send_problem(r, 400, "malformed-json", title_of(400), NULL, detail);
        return -1;
    }
    if (!json_is_object(r->json)) {
        http_send_problem(r, 400, "invalid", title_of(400), NULL, "the body must be a JSON object");
        return -1;
    }
    return 0;
}

static void
dispatch(http_server *s, http_req *r)
{
    if (r->body_toobig) {
        char detail[128];
        snprintf(detail, sizeof detail, "the body is larger than the limit of %zu bytes",
                 s->opt.max_body);
        http_send_problem(r, 413, "too-large", title_of(413), NULL, detail);
        return;
    }
    if (r->route_index < 0) {
        int known = 0;
        char allow[128];
        r->route_index = route_find(s, r, &known, allow, sizeof allow);
        if (r->route_index < 0 && known) {
            http_set_header(r, "Allow", allow);
            http_send_problem(r, 405, "method-not-allowed", title_of(405), NULL,
                              "this address does not take that method");
            return;
        }
    }
    if (r->route_index < 0) {
        serve_static(s, r);
        return;
    }
    r->route = &s->opt.routes[r->route_index];
    if (s->opt.before && s->opt.before(r) != 0)
        return;
    if ((r->route->flags & HTTP_JSON_BODY) && parse_json_body(r) != 0)
        return;
    r->route->fn(r);
    if (!r->responded)
        http_send_problem(r, 500, NULL, title_of(500), NULL, "no response was made");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server *s = cls;
    http_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->conn = conn;
        r->srv = s;
        r->method = method;
        r->path = url;
        r->app = s->opt.app;
        r->route_index = -1;
        r->start_ns = clock_mono_ns();
        buf_init(&r->body, s->opt.max_body);
        atomic_fetch_add(&s->inflight, 1);
        *con_cls = r;
        request_id(s, r);
        client_ip(s, r);
        const char *cl = http_header(r, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->opt.max_body)
            r->body_toobig = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_toobig && buf_add(&r->body, upload_data, *upload_size) != HV_OK)
            r->body_toobig = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (!r->responded)
        dispatch(s, r);
    return MHD_YES;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    http_server *s = cls;
    http_req *r = *con_cls;
    if (!r)
        return;
    uint64_t dur = clock_mono_ns() - r->start_ns;
    int status = r->responded ? r->status : 0;
    const char *route = r->route ? r->route->pattern : r->served_static ? "static" : "unmatched";
    metrics_observe(s->metrics, r->route ? r->route_index : -1, route, status, dur);
    if (s->opt.access_log)
        log_event(LOG_INFO, "request",
                  json_pack("{s:s, s:s, s:s, s:i, s:f, s:b}", "request_id", r->request_id, "method",
                            r->method, "route", route, "status", status, "ms", (double)dur / 1e6,
                            "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    json_decref(r->json);
    buf_free(&r->body);
    for (int i = 0; i < r->nhdr; i++) {
        free(r->hdr_name[i]);
        free(r->hdr_value[i]);
    }
    free(r->auth);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_event(LOG_WARN, "http", json_pack("{s:s}", "detail", msg));
}

static hv_result
parse_listen(const char *listen, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return HV_ERR_CONFIG;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return HV_ERR_CONFIG;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1)
        return HV_ERR_CONFIG;
    return HV_OK;
}

hv_result
http_start(const http_options *opt, http_server **out)
{
    struct sockaddr_in sa;
    if (parse_listen(opt->listen, &sa) != HV_OK) {
        log_event(LOG_ERROR, "bad listen address",
                  json_pack("{s:s, s:s}", "listen", opt->listen, "expected", "ADDR:PORT"));
        return HV_ERR_CONFIG;
    }
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return HV_ERR_NOMEM;
    s->opt = *opt;
    const char *img = opt->csp_img_src ? opt->csp_img_src : "";
    int cn = snprintf(s->csp, sizeof s->csp, CSP_FMT, img[0] ? " " : "", img);
    if (cn < 0 || (size_t)cn >= sizeof s->csp || strpbrk(img, ";,'\"\r\n")) {
        log_event(LOG_ERROR, "bad img-src for the content security policy", NULL);
        free(s);
        return HV_ERR_CONFIG;
    }
    pthread_mutex_init(&s->smu, NULL);
    uint8_t rnd[4];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(s->rid_prefix, sizeof s->rid_prefix, rnd, sizeof rnd);
    if (opt->web_dir && opt->web_dir[0] && static_load(opt->web_dir, &s->files) != HV_OK) {
        log_event(LOG_ERROR, "cannot read web assets", json_pack("{s:s}", "web_dir", opt->web_dir));
        free(s);
        return HV_ERR_CONFIG;
    }
    s->metrics = metrics_new(opt->nroutes);
    if (!s->metrics) {
        static_free(s->files);
        free(s);
        return HV_ERR_NOMEM;
    }
    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (opt->tls_cert_pem)
        flags |= MHD_USE_TLS;
    /* handlers block on fsync and on the one writer: more threads than cores
     * keep the disk busy and let group commit gather transactions */
    unsigned threads = opt->threads ? opt->threads : 8 * (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 8)
        threads = 8;
    struct MHD_OptionItem ops[16];
    int n = 0;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &sa};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, opt->max_connections, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, opt->timeout_s, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, opt->max_header, NULL};
    if (opt->per_ip_connections)
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                           opt->per_ip_connections, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    if (opt->tls_cert_pem) {
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)opt->tls_cert_pem};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)opt->tls_key_pem};
    }
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, ops,
                            MHD_OPTION_END);
    if (!s->d) {
        log_event(LOG_ERROR, "cannot listen", json_pack("{s:s}", "listen", opt->listen));
        metrics_free(s->metrics);
        static_free(s->files);
        free(s);
        return HV_ERR_IO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    snprintf(s->addr, sizeof s->addr, "%s:%u", host, di ? (unsigned)di->port : 0);
    *out = s;
    return HV_OK;
}

const char *
http_address(const http_server *s)
{
    return s->addr;
}

int
http_inflight(const http_server *s)
{
    return atomic_load(&((http_server *)s)->inflight);
}

void
http_stop(http_server *s, int grace_ms)
{
    if (!s)
        return;
    MHD_quiesce_daemon(s->d);
    /* open streams end now, so their requests finish */
    pthread_mutex_lock(&s->smu);
    s->streams_closing = 1;
    pthread_mutex_unlock(&s->smu);
    http_streams_wake(s);
    int64_t until = clock_mono_ms() + grace_ms;
    while (http_inflight(s) > 0 && clock_mono_ms() < until)
        usleep(10000);
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->smu);
    metrics_free(s->metrics);
    static_free(s->files);
    free(s);
}

const http_route *
http_routes(const http_server *s, int *n)
{
    *n = s->opt.nroutes;
    return s->opt.routes;
}

void
http_metrics_text(const http_server *s, buf *out)
{
    metrics_render(s->metrics, s->opt.routes, s->opt.nroutes, out);
}
