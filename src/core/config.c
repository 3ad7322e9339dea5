/* config.c - the typed configuration table (see config.h). */
#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum conf_type { CONF_STR, CONF_LONG, CONF_BOOL } conf_type;

typedef struct conf_key {
    const char *section;
    const char *name;
    conf_type type;
    size_t offset;
    size_t size; /* for strings: the buffer size */
    long min, max;
    const char *def;
    const char *help;
} conf_key;

#define OFF(f) offsetof(haven_config, f)
#define SZ(f)  sizeof(((haven_config *)0)->f)
#define STR(s, n, f, d, h)                                                                         \
    {                                                                                              \
        s, n, CONF_STR, OFF(f), SZ(f), 0, 0, d, h                                                  \
    }
#define NUM(s, n, f, lo, hi, d, h)                                                                 \
    {                                                                                              \
        s, n, CONF_LONG, OFF(f), SZ(f), lo, hi, d, h                                               \
    }
#define BOOL(s, n, f, d, h)                                                                        \
    {                                                                                              \
        s, n, CONF_BOOL, OFF(f), SZ(f), 0, 1, d, h                                                 \
    }

static const conf_key conf_keys[] = {
    STR("server", "listen", listen, "127.0.0.1:8080", "address:port to serve on"),
    STR("server", "web_dir", web_dir, "", "directory of web assets (default: built-in path)"),
    NUM("server", "max_body_bytes", max_body_bytes, 1024, 64L << 20, "1048576",
        "largest request body accepted"),
    NUM("server", "max_header_bytes", max_header_bytes, 4096, 1L << 20, "32768",
        "memory for one connection's request line and headers"),
    NUM("server", "max_connections", max_connections, 8, 100000, "1024",
        "simultaneous connections"),
    NUM("server", "per_ip_connections", per_ip_connections, 0, 100000, "0",
        "simultaneous connections from one address (0: no limit)"),
    NUM("server", "request_timeout_s", request_timeout_s, 1, 3600, "30",
        "idle time before a connection is closed"),
    NUM("server", "threads", threads, 0, 256, "0",
        "worker threads (0: eight per core, at least 8)"),
    STR("server", "tls_cert", tls_cert, "", "PEM certificate file: enables built-in TLS"),
    STR("server", "tls_key", tls_key, "", "PEM private key file"),
    BOOL("server", "access_log", access_log, "true", "log one line per request"),
    STR("server", "log_level", log_level, "info", "debug, info, warn or error"),
    BOOL("server", "test_clock", test_clock, "false",
         "allow administrators to set the clock (tests only)"),
    BOOL("server", "trust_proxy", trust_proxy, "false",
         "take the client address from X-Forwarded-For (behind nginx)"),
    NUM("security", "session_idle_minutes", session_idle_minutes, 1, 24 * 60, "30",
        "sign out after this long without a request"),
    NUM("security", "session_absolute_hours", session_absolute_hours, 1, 24 * 30, "12",
        "sign out this long after sign-in, whatever the activity"),
    NUM("security", "login_max_failures", login_max_failures, 1, 100, "5",
        "failed sign-ins before an account locks"),
    NUM("security", "lockout_minutes", lockout_minutes, 1, 24 * 60, "15",
        "how long a locked account stays locked"),
    NUM("security", "login_rate_per_minute", login_rate_per_minute, 1, 100000, "30",
        "sign-in attempts allowed per client address per minute"),
    STR("security", "password_cost", password_cost, "interactive",
        "argon2id cost: interactive, moderate or min (tests only)"),
    NUM("database", "readers", db_readers, 1, 64, "8", "read connections"),
    NUM("database", "busy_timeout_ms", db_busy_timeout_ms, 0, 600000, "5000",
        "wait this long for a lock"),
    BOOL("database", "synchronous_full", db_synchronous_full, "true",
         "fsync every commit (survives power loss, not only crashes)"),
    STR("database", "backend", db_backend, "sqlite",
        "sqlite (a file in the data directory) or postgres (needs url)"),
    STR("database", "url", db_url, "",
        "PostgreSQL connection URL, postgresql://user@host:port/dbname (docs/postgresql.md)"),
    STR("county", "timezone", timezone, "America/Los_Angeles",
        "time zone of the times in notifications (a tz database name)"),
    NUM("report", "suppression_threshold", suppression_threshold, 2, 1000, "11",
        "de-identified figures: counts from 1 to this minus one are suppressed"),
    STR("notify", "public_url", public_url, "http://localhost:8080",
        "haven's address as people reach it: links in messages start with it"),
    NUM("notify", "workers", notify_workers, 1, 64, "8",
        "delivery threads (email, SMS, webhooks); each sends one message at a time"),
    NUM("notify", "max_attempts", notify_max_attempts, 1, 50, "6",
        "tries before a message is dead-lettered (which escalates)"),
    NUM("notify", "retry_base_ms", notify_retry_base_ms, 10, 3600000, "5000",
        "first retry after about this long; doubled each try, with jitter"),
    NUM("notify", "retry_max_ms", notify_retry_max_ms, 10, 86400000, "300000",
        "longest wait between tries"),
    NUM("notify", "timeout_ms", notify_timeout_ms, 100, 120000, "10000",
        "longest one SMTP, SMS or webhook call may take"),
    NUM("notify", "heartbeat_limit_s", notify_heartbeat_limit_s, 2, 3600, "60",
        "a clock scheduler or delivery worker silent this long fails /readyz and alerts"),
    NUM("notify", "ack_link_hours", notify_ack_link_hours, 1, 720, "24",
        "how long an acknowledgement link in a message stays valid"),
    STR("notify", "smtp_url", smtp_url, "smtp://127.0.0.1:25",
        "mail server (smtp:// or smtps://; empty: no email)"),
    STR("notify", "smtp_from", smtp_from, "haven@localhost", "sender address of email"),
    STR("notify", "smtp_username", smtp_username, "", "SMTP user (empty: no authentication)"),
    STR("notify", "smtp_password", smtp_password, "", "SMTP password"),
    STR("notify", "sms_base_url", sms_base_url, "",
        "Twilio-compatible API base, e.g. https://api.twilio.com (empty: no SMS)"),
    STR("notify", "sms_account_sid", sms_account_sid, "", "SMS provider account SID"),
    STR("notify", "sms_auth_token", sms_auth_token, "",
        "SMS provider auth token (also checks inbound signatures)"),
    STR("notify", "sms_from", sms_from, "", "the number SMS are sent from (E.164)"),
    STR("notify", "sms_inbound_url", sms_inbound_url, "",
        "the inbound webhook URL as the provider calls it (default: public_url + "
        "/api/v1/sms/inbound)"),
    STR("directory", "geocoder", geocoder, "none",
        "addresses to coordinates: none, nominatim or census (ZIP codes need none)"),
    STR("directory", "geocoder_url", geocoder_url, "",
        "the geocoder's base URL (empty: the public service of that kind)"),
    NUM("directory", "geocoder_timeout_ms", geocoder_timeout_ms, 100, 60000, "5000",
        "longest one geocoder call may take"),
    STR("directory", "zip_table", zip_table, "",
        "ZIP code table (zip, lat, lon; default: data/zcta.tsv, as web_dir is found)"),
    STR("directory", "tile_url", tile_url, "",
        "map tiles of the public pages: a Leaflet URL template such as "
        "https://{s}.tile.example.org/{z}/{x}/{y}.png (empty: maps without tiles)"),
    STR("directory", "tile_attribution", tile_attribution, "",
        "the credit the tile service requires, shown on the maps (HTML allowed)"),
    NUM("directory", "search_rate_per_minute", search_rate_per_minute, 1, 1000000, "300",
        "public directory searches (and sites lists) per client address a minute"),
};

#define CONF_NKEYS (sizeof conf_keys / sizeof conf_keys[0])

static const conf_key *
config_find(const char *section, const char *name)
{
    for (size_t i = 0; i < CONF_NKEYS; i++)
        if (strcmp(conf_keys[i].section, section) == 0 && strcmp(conf_keys[i].name, name) == 0)
            return &conf_keys[i];
    return NULL;
}

static hv_result
config_apply(haven_config *cfg, const conf_key *k, const char *value, char *err, size_t errsz)
{
    char *field = (char *)cfg + k->offset;
    switch (k->type) {
    case CONF_STR:
        if (strlen(value) >= k->size) {
            snprintf(err, errsz, "key '%s': value longer than %zu characters", k->name,
                     k->size - 1);
            return HV_ERR_CONFIG;
        }
        memcpy(field, value, strlen(value) + 1);
        return HV_OK;
    case CONF_LONG: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end != '\0') {
            snprintf(err, errsz, "key '%s': '%s' is not a whole number", k->name, value);
            return HV_ERR_CONFIG;
        }
        if (v < k->min || v > k->max) {
            snprintf(err, errsz, "key '%s': %ld is outside %ld..%ld", k->name, v, k->min, k->max);
            return HV_ERR_CONFIG;
        }
        *(long *)field = v;
        return HV_OK;
    }
    case CONF_BOOL:
        if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcmp(value, "1") ||
            !strcasecmp(value, "on")) {
            *(int *)field = 1;
        } else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcmp(value, "0") ||
                   !strcasecmp(value, "off")) {
            *(int *)field = 0;
        } else {
            snprintf(err, errsz, "key '%s': '%s' is not true or false", k->name, value);
            return HV_ERR_CONFIG;
        }
        return HV_OK;
    }
    return HV_ERR_CONFIG;
}

void
config_defaults(haven_config *cfg)
{
    char err[64];
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < CONF_NKEYS; i++)
        (void)config_apply(cfg, &conf_keys[i], conf_keys[i].def, err, sizeof err);
}

/* Keys whose value must be one of a few words; checked before anything is
 * stored, so a refused value leaves the configuration as it was. */
static const struct {
    const char *name;
    const char *const words[5];
    const char *say;
} conf_words[] = {
    {"log_level", {"debug", "info", "warn", "error", NULL}, "debug, info, warn or error"},
    {"password_cost", {"interactive", "moderate", "min", NULL}, "interactive, moderate or min"},
    {"geocoder", {"none", "nominatim", "census", NULL}, "none, nominatim or census"},
};

hv_result
config_set(haven_config *cfg, const char *section, const char *key, const char *value, char *err,
           size_t errsz)
{
    const conf_key *k = config_find(section, key);
    if (!k) {
        snprintf(err, errsz, "unknown key '%s' in section [%s]", key, section);
        return HV_ERR_CONFIG;
    }
    for (size_t i = 0; i < sizeof conf_words / sizeof conf_words[0]; i++) {
        if (strcmp(k->name, conf_words[i].name) != 0)
            continue;
        int ok = 0;
        for (size_t j = 0; conf_words[i].words[j]; j++)
            ok |= strcmp(value, conf_words[i].words[j]) == 0;
        if (!ok) {
            snprintf(err, errsz, "key '%s': '%s' is not %s", k->name, value, conf_words[i].say);
            return HV_ERR_CONFIG;
        }
    }
    return config_apply(cfg, k, value, err, errsz);
}

typedef struct config_parse {
    haven_config *cfg;
    char *err;
    size_t errsz;
    const char *path;
    int failed;
    FILE *f;
    int lineno;   /* counted by the reader: libinih's handler is not told */
    int read_err; /* errno of a failed read, or 0 */
    int err_line; /* line of the error in ERR, or 0 */
} config_parse;

/* The name before '=' or ':' on LINE (for errors), cut to fit OUT. */
static void
config_line_key(const char *line, char *out, size_t outsz)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strcspn(line, "=:\r\n");
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, line, n);
    out[n] = '\0';
}

/* Hands libinih one line. A line longer than its buffer is refused (fgets
 * would split it, and the rest would be read as a line of its own); a
 * failed read (a directory, an I/O error) ends the parse and is reported. */
static char *
config_reader(char *str, int num, void *stream)
{
    config_parse *p = stream;
    if (p->failed)
        return NULL;
    char *line = fgets(str, num, p->f);
    if (!line) {
        if (ferror(p->f))
            p->read_err = errno ? errno : EIO;
        return NULL;
    }
    p->lineno++;
    if (!strchr(line, '\n') && !feof(p->f)) {
        int c = getc(p->f);
        if (c != '\n' && c != EOF) {
            char key[64];
            config_line_key(line, key, sizeof key);
            if (*key)
                snprintf(p->err, p->errsz, "%s:%d: key '%s': line longer than %d characters",
                         p->path, p->lineno, key, num - 1);
            else
                snprintf(p->err, p->errsz, "%s:%d: line longer than %d characters", p->path,
                         p->lineno, num - 1);
            p->failed = 1;
            p->err_line = p->lineno;
            return NULL;
        }
        if (c == EOF && ferror(p->f)) {
            p->read_err = errno ? errno : EIO;
            return NULL;
        }
    }
    return line;
}

static int
config_handler(void *user, const char *section, const char *name, const char *value)
{
    config_parse *p = user;
    int lineno = p->lineno;
    char why[256];
    if (p->failed)
        return 0;
    if (config_set(p->cfg, section, name, value, why, sizeof why) != HV_OK) {
        snprintf(p->err, p->errsz, "%s:%d: %s", p->path, lineno, why);
        p->failed = 1;
        p->err_line = lineno;
        return 0;
    }
    return 1;
}

hv_result
config_load(haven_config *cfg, const char *path, char *err, size_t errsz)
{
    /* read into a copy: on any error CFG is left as it was */
    haven_config tmp = *cfg;
    config_parse p = {&tmp, err, errsz, path, 0, fopen(path, "r"), 0, 0, 0};
    if (!p.f) {
        snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
        return HV_ERR_CONFIG;
    }
    errno = 0;
    int rc = ini_parse_stream(config_reader, &p, config_handler, &p);
    if (!p.read_err && ferror(p.f))
        p.read_err = EIO;
    fclose(p.f);
    /* libinih goes on after a syntax error: an earlier one is reported
     * rather than a bad key after it */
    if (p.failed && !(rc > 0 && p.err_line > 0 && rc < p.err_line))
        return HV_ERR_CONFIG;
    if (p.read_err) {
        snprintf(err, errsz, "%s: cannot read: %s", path, strerror(p.read_err));
        return HV_ERR_CONFIG;
    }
    if (rc != 0) {
        snprintf(err, errsz, "%s:%d: syntax error", path, rc);
        return HV_ERR_CONFIG;
    }
    *cfg = tmp;
    return HV_OK;
}

void
config_describe(const haven_config *cfg, void (*emit)(const char *line, void *ctx), void *ctx)
{
    const char *section = "";
    char line[1024];
    for (size_t i = 0; i < CONF_NKEYS; i++) {
        const conf_key *k = &conf_keys[i];
        const char *field = (const char *)cfg + k->offset;
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            snprintf(line, sizeof line, "\n[%s]", section);
            emit(line, ctx);
        }
        snprintf(line, sizeof line, "# %s", k->help);
        emit(line, ctx);
        switch (k->type) {
        case CONF_STR:
            /* secrets are never printed, only whether they are set */
            if ((strstr(k->name, "password") || strstr(k->name, "token") ||
                 strcmp(k->name, "url") == 0 /* [database] url may hold a password */) &&
                strcmp(k->name, "password_cost") != 0 && *field)
                snprintf(line, sizeof line, "%s = (set, not shown)", k->name);
            else
                snprintf(line, sizeof line, "%s = %s", k->name, field);
            break;
        case CONF_LONG:
            snprintf(line, sizeof line, "%s = %ld", k->name, *(const long *)field);
            break;
        case CONF_BOOL:
            snprintf(line, sizeof line, "%s = %s", k->name, *(const int *)field ? "true" : "false");
            break;
        }
        emit(line, ctx);
    }
}
