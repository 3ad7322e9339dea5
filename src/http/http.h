/*
 * http.h - the HTTP layer: a libmicrohttpd server, a router over a table of
 * routes, request bodies with limits, and responses that always carry the
 * security headers. It knows nothing of the protocol, sessions or SQL: the
 * application gives it a route table and a hook that runs before each
 * handler (authentication, CSRF).
 */
#ifndef HAVEN_HTTP_H
#define HAVEN_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct MHD_Connection;
struct MHD_Response;
typedef struct http_req http_req;
typedef struct http_server http_server;

typedef void (*http_handler)(http_req *r);

/* What a route needs before its handler runs (checked by the before hook). */
enum http_route_flags {
    HTTP_PUBLIC = 0,         /* no sign-in */
    HTTP_AUTH = 1 << 0,      /* a signed-in user or API token */
    HTTP_ENROL_OK = 1 << 1,  /* also allowed before the second factor is set up */
    HTTP_NO_CSRF = 1 << 2,   /* a write that needs no CSRF token (sign-in) */
    HTTP_JSON_BODY = 1 << 3, /* the body must be a JSON object */
};

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern; /* "/api/v1/users/{id}" */
    http_handler fn;
    unsigned flags;
    const char *tag;             /* OpenAPI tag */
    const char *summary;         /* one line for the OpenAPI document */
    const char *request_schema;  /* name of a schema in components, or NULL */
    const char *response_schema; /* name of a schema in components, or NULL */
    int success_status;          /* 200, 201, 204 ... */
} http_route;

#define HTTP_MAX_PARAMS  4
#define HTTP_MAX_HEADERS 8

struct http_req {
    struct MHD_Connection *conn;
    http_server *srv;
    const char *method;
    const char *path;
    const http_route *route;
    int route_index; /* -1: none (static file or not found) */
    char params[HTTP_MAX_PARAMS][64];
    int nparams;
    buf body;
    int body_toobig;
    int served_static; /* answered from web/ */
    json_t *json;      /* parsed body, when the route takes JSON */
    char request_id[40];
    char client_ip[64];
    uint64_t start_ns;
    void *app;  /* the application's context */
    void *auth; /* set by the before hook */
    int status; /* of the response sent */
    int responded;
    char *hdr_name[HTTP_MAX_HEADERS];
    char *hdr_value[HTTP_MAX_HEADERS];
    int nhdr;
};

typedef struct http_options {
    const char *listen; /* "127.0.0.1:8080"; port 0 picks a free one */
    const http_route *routes;
    int nroutes;
    void *app;
    /* Runs before each routed handler; returns 0 to go on, or responds
     * itself and returns non-zero. */
    int (*before)(http_req *r);
    const char *web_dir; /* static files, or NULL */
    size_t max_body;
    size_t max_header;
    unsigned max_connections;
    unsigned per_ip_connections;
    unsigned timeout_s;
    unsigned threads;
    const char *tls_cert_pem; /* contents, not paths; both or neither */
    const char *tls_key_pem;
    int access_log;
    int trust_proxy;
    /* More sources for the CSP's img-src (a map tile host such as
     * https://tiles.example.org, a leading "*." allowed),
     * or NULL; copied at start. */
    const char *csp_img_src;
} http_options;

hv_result http_start(const http_options *opt, http_server **out);
/* The address actually bound ("127.0.0.1:43121"). */
const char *http_address(const http_server *s);
/* Stops accepting, waits up to GRACE_MS for in-flight requests, stops. */
void http_stop(http_server *s, int grace_ms);
/* Requests being handled now. */
int http_inflight(const http_server *s);

/* Request inputs. */
const char *http_header(http_req *r, const char *name);
const char *http_query(http_req *r, const char *name);
const char *http_cookie(http_req *r, const char *name);
const char *http_param(http_req *r, int i);
/* Path parameter I as a positive id; 0 if it is not one. */
int64_t http_param_id(http_req *r, int i);
int http_is_tls(http_req *r);

/* Responses: each sends once; later calls are ignored. */
void http_set_header(http_req *r, const char *name, const char *value);
void http_send_json(http_req *r, int status, json_t *body); /* steals BODY */
void http_send_empty(http_req *r, int status);
void http_send_bytes(http_req *r, int status, const char *ctype, const void *data, size_t len,
                     int copy);
/* application/problem+json; TYPE is a slug ("locked") or NULL. */
void http_send_problem(http_req *r, int status, const char *type, const char *title,
                       const char *field, const char *detail);
/* Maps E (or CODE when E has none) to a status and sends it. */
void http_send_err(http_req *r, hv_result code, const hv_err *e);
int http_status_of(hv_result code);

/* A streamed response (server-sent events). FN fills OUT with up to MAX
 * bytes and returns how many; 0 when it has nothing now (the connection is
 * parked until http_streams_wake()); -1 to end the response. FREE_FN(CTX)
 * runs when the connection is gone. */
typedef ssize_t (*http_stream_fn)(void *ctx, char *out, size_t max);
void http_send_stream(http_req *r, const char *ctype, http_stream_fn fn, void *ctx,
                      void (*free_fn)(void *));
/* Lets every parked stream produce again (something changed, or a heartbeat). */
void http_streams_wake(http_server *s);
int http_streams_count(http_server *s);

/* The route table and counters, for /metrics and the OpenAPI document. */
const http_route *http_routes(const http_server *s, int *n);
void http_metrics_text(const http_server *s, buf *out);

#endif
