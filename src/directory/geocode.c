/* geocode.c - addresses to coordinates over HTTP, with a hashed cache (see
 * geocode.h). */
#include "directory/geocode.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_CACHE      256
#define MAX_CACHE          65536
#define MAX_RESPONSE       (1 << 20)
#define FOUND_TTL_MS       (24LL * 3600 * 1000)
#define MISS_TTL_MS        (10LL * 60 * 1000)
#define NOMINATIM_INTERVAL 1000

typedef struct cache_entry {
    uint8_t key[16];  /* keyed BLAKE2b of the normalised address */
    int used;         /* 0: empty slot */
    int found;        /* 0: the service found nothing */
    geo_point p;      /* when found */
    int64_t at_ms;    /* monotonic time of the answer */
    uint64_t touched; /* for least-recently-used eviction */
} cache_entry;

struct geocoder {
    geocode_kind kind;
    char base[256]; /* without a trailing slash */
    char ua[384];
    long timeout_ms;
    long min_interval_ms;
    int curl_ready; /* curl_global_init succeeded */
    uint8_t hash_key[crypto_generichash_KEYBYTES];
    pthread_mutex_t mu; /* guards what follows */
    cache_entry *cache;
    size_t ncache;
    uint64_t tick;
    int64_t last_call_ms; /* monotonic; 0: never */
};

int
geocode_kind_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "none") == 0)
        return GEOCODE_NONE;
    if (strcmp(s, "nominatim") == 0)
        return GEOCODE_NOMINATIM;
    if (strcmp(s, "census") == 0)
        return GEOCODE_CENSUS;
    return -1;
}

hv_result
geocoder_new(const geocode_options *opt, geocoder **out)
{
    const char *base = opt->base_url && *opt->base_url ? opt->base_url
                       : opt->kind == GEOCODE_CENSUS   ? GEOCODE_CENSUS_URL
                                                       : GEOCODE_NOMINATIM_URL;
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return HV_ERR_CONFIG;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    geocoder *g = calloc(1, sizeof *g);
    if (!g)
        return HV_ERR_NOMEM;
    if (blen >= sizeof g->base) {
        free(g);
        return HV_ERR_CONFIG;
    }
    memcpy(g->base, base, blen);
    g->kind = opt->kind;
    g->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
    g->min_interval_ms = opt->min_interval_ms;
    if (g->min_interval_ms < 0)
        g->min_interval_ms =
            opt->kind == GEOCODE_NOMINATIM && strcmp(g->base, GEOCODE_NOMINATIM_URL) == 0
                ? NOMINATIM_INTERVAL
                : 0;
    if (opt->contact && *opt->contact)
        snprintf(g->ua, sizeof g->ua, "haven/%s (CSEC services directory; +%.300s)", HAVEN_VERSION,
                 opt->contact);
    else
        snprintf(g->ua, sizeof g->ua, "haven/%s (CSEC services directory)", HAVEN_VERSION);
    g->ncache = opt->cache_entries ? opt->cache_entries : DEFAULT_CACHE;
    if (g->ncache > MAX_CACHE)
        g->ncache = MAX_CACHE;
    g->cache = calloc(g->ncache, sizeof *g->cache);
    if (!g->cache || sodium_init() < 0) {
        free(g->cache);
        free(g);
        return HV_ERR_NOMEM;
    }
    randombytes_buf(g->hash_key, sizeof g->hash_key);
    pthread_mutex_init(&g->mu, NULL);
    if (g->kind != GEOCODE_NONE) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            geocoder_free(g);
            return HV_ERR_NOMEM;
        }
        g->curl_ready = 1;
    }
    *out = g;
    return HV_OK;
}

hv_result
geocoder_from_config(const haven_config *cfg, geocoder **out)
{
    int kind = geocode_kind_parse(cfg->geocoder);
    if (kind < 0)
        return HV_ERR_CONFIG;
    geocode_options opt = {
        .kind = (geocode_kind)kind,
        .base_url = cfg->geocoder_url,
        .timeout_ms = cfg->geocoder_timeout_ms,
        .contact = cfg->public_url,
        .min_interval_ms = -1,
    };
    return geocoder_new(&opt, out);
}

void
geocoder_free(geocoder *g)
{
    if (!g)
        return;
    if (g->curl_ready)
        curl_global_cleanup();
    sodium_memzero(g->hash_key, sizeof g->hash_key);
    pthread_mutex_destroy(&g->mu);
    free(g->cache);
    free(g);
}

geocode_kind
geocoder_kind(const geocoder *g)
{
    return g ? g->kind : GEOCODE_NONE;
}

/* ADDRESS trimmed, runs of blanks made one space, into OUT (the text sent)
 * and lowercased into FOLD (what the cache key is made of). -1 when it is
 * empty, too long or holds a control character. */
static int
normalise(const char *address, char *out, char *fold, size_t outsz)
{
    size_t n = 0;
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)address; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            space = n > 0;
            continue;
        }
        if (*p < 0x20 || *p == 0x7f)
            return -1;
        if (n + (size_t)space + 1 >= outsz)
            return -1;
        if (space) {
            out[n] = fold[n] = ' ';
            n++;
            space = 0;
        }
        out[n] = (char)*p;
        fold[n] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        n++;
    }
    out[n] = fold[n] = '\0';
    return n > 0 ? 0 : -1;
}

/* The cache slot holding KEY, or NULL. Under g->mu. */
static cache_entry *
cache_find(geocoder *g, const uint8_t *key, int64_t now)
{
    for (size_t i = 0; i < g->ncache; i++) {
        cache_entry *c = &g->cache[i];
        if (!c->used || memcmp(c->key, key, sizeof c->key) != 0)
            continue;
        if (now - c->at_ms > (c->found ? FOUND_TTL_MS : MISS_TTL_MS)) {
            c->used = 0;
            return NULL;
        }
        c->touched = ++g->tick;
        return c;
    }
    return NULL;
}

static void
cache_put(geocoder *g, const uint8_t *key, int found, geo_point p, int64_t now)
{
    pthread_mutex_lock(&g->mu);
    cache_entry *slot = NULL;
    for (size_t i = 0; i < g->ncache; i++) {
        cache_entry *c = &g->cache[i];
        if (c->used && memcmp(c->key, key, sizeof c->key) == 0) {
            slot = c;
            break;
        }
        if (!c->used) {
            if (!slot || slot->used)
                slot = c; /* the first empty slot */
        } else if (!slot || (slot->used && c->touched < slot->touched)) {
            slot = c; /* else the least recently used */
        }
    }
    memcpy(slot->key, key, sizeof slot->key);
    slot->used = 1;
    slot->found = found;
    slot->p = p;
    slot->at_ms = now;
    slot->touched = ++g->tick;
    pthread_mutex_unlock(&g->mu);
}

/* A coordinate as Nominatim writes it (a string) or as a number. */
static int
json_degrees(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n == 0 || n > 32 || strspn(s, "+-0123456789.") != n)
        return -1;
    char *end;
    *out = strtod(s, &end);
    return *end == '\0' ? 0 : -1;
}

hv_result
geocode_parse(geocode_kind kind, const char *body, size_t len, geo_point *out)
{
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    hv_result rc = HV_ERR_UNAVAILABLE;
    const json_t *lat = NULL, *lon = NULL;
    if (!root)
        return rc;
    if (kind == GEOCODE_NOMINATIM) {
        if (!json_is_array(root))
            goto done;
        if (json_array_size(root) == 0) {
            rc = HV_ERR_NOTFOUND;
            goto done;
        }
        const json_t *first = json_array_get(root, 0);
        lat = json_object_get(first, "lat");
        lon = json_object_get(first, "lon");
    } else if (kind == GEOCODE_CENSUS) {
        const json_t *m = json_object_get(json_object_get(root, "result"), "addressMatches");
        if (!json_is_array(m))
            goto done;
        if (json_array_size(m) == 0) {
            rc = HV_ERR_NOTFOUND;
            goto done;
        }
        const json_t *c = json_object_get(json_array_get(m, 0), "coordinates");
        lon = json_object_get(c, "x");
        lat = json_object_get(c, "y");
    } else {
        goto done;
    }
    geo_point p;
    if (json_degrees(lat, &p.lat) == 0 && json_degrees(lon, &p.lon) == 0 && geo_valid(p)) {
        *out = p;
        rc = HV_OK;
    }
done:
    json_decref(root);
    return rc;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
    buf *b = ctx;
    return buf_add(b, data, size * nmemb) == HV_OK ? size * nmemb : 0;
}

static const char *
kind_name(geocode_kind kind)
{
    return kind == GEOCODE_CENSUS ? "census" : kind == GEOCODE_NOMINATIM ? "nominatim" : "none";
}

/* One call to the service for the normalised ADDRESS. */
static hv_result
geocode_fetch(geocoder *g, const char *address, geo_point *out)
{
    hv_result rc = HV_ERR_NOMEM;
    buf url, body;
    buf_init(&url, 4096);
    buf_init(&body, MAX_RESPONSE);
    struct curl_slist *hs = NULL;
    char *q = NULL;
    CURL *h = curl_easy_init();
    if (!h)
        goto err;
    q = curl_easy_escape(h, address, 0);
    if (!q)
        goto err;
    hv_result b =
        g->kind == GEOCODE_CENSUS
            ? buf_addf(&url,
                       "%s/geocoder/locations/onelineaddress?address=%s"
                       "&benchmark=Public_AR_Current&format=json",
                       g->base, q)
            : buf_addf(&url, "%s/search?format=jsonv2&q=%s&limit=1&countrycodes=us", g->base, q);
    if (b != HV_OK)
        goto err;
    hs = curl_slist_append(NULL, "Accept: application/json");
    if (!hs)
        goto err;
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, g->ua);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, g->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, g->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_OK && status == 200)
        rc = geocode_parse(g->kind, body.data ? body.data : "", body.len, out);
    else
        rc = HV_ERR_UNAVAILABLE;
    if (rc == HV_ERR_UNAVAILABLE)
        /* the URL holds the address: only the kind and the codes are logged */
        log_event(LOG_WARN, "geocoder failed",
                  json_pack("{s:s, s:s, s:i, s:s}", "geocoder", kind_name(g->kind), "reason",
                            cc != CURLE_OK  ? "no answer"
                            : status != 200 ? "http status"
                                            : "unexpected answer",
                            "status", (int)status, "curl", curl_easy_strerror(cc)));
err:
    curl_slist_free_all(hs);
    curl_free(q);
    if (h)
        curl_easy_cleanup(h);
    buf_free(&url);
    buf_free(&body);
    return rc;
}

hv_result
geocode_address(geocoder *g, const char *address, geo_point *out)
{
    char text[GEOCODE_MAX_ADDRESS + 1], fold[GEOCODE_MAX_ADDRESS + 1];
    if (!address || normalise(address, text, fold, sizeof text) != 0)
        return HV_ERR_INVALID;
    if (!g || g->kind == GEOCODE_NONE)
        return HV_ERR_UNAVAILABLE;
    uint8_t key[16];
    crypto_generichash(key, sizeof key, (const unsigned char *)fold, strlen(fold), g->hash_key,
                       sizeof g->hash_key);
    sodium_memzero(fold, sizeof fold);
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&g->mu);
    cache_entry *c = cache_find(g, key, now);
    if (c) {
        hv_result rc = c->found ? HV_OK : HV_ERR_NOTFOUND;
        if (c->found)
            *out = c->p;
        pthread_mutex_unlock(&g->mu);
        sodium_memzero(text, sizeof text);
        return rc;
    }
    if (g->min_interval_ms > 0 && g->last_call_ms && now - g->last_call_ms < g->min_interval_ms) {
        pthread_mutex_unlock(&g->mu);
        sodium_memzero(text, sizeof text);
        return HV_ERR_RATE;
    }
    g->last_call_ms = now ? now : 1;
    pthread_mutex_unlock(&g->mu);

    geo_point p = {0, 0};
    hv_result rc = geocode_fetch(g, text, &p);
    sodium_memzero(text, sizeof text);
    if (rc == HV_OK || rc == HV_ERR_NOTFOUND)
        cache_put(g, key, rc == HV_OK, p, clock_mono_ms());
    if (rc == HV_OK)
        *out = p;
    return rc;
}
