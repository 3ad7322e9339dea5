/*
 * config.h - haven's settings as one typed table (after Redis's
 * static_configs[]): each key has a type, a default and bounds. A config file
 * (INI, read with libinih) overrides defaults; command-line flags and
 * environment variables override the file. Errors name file, line and key.
 */
#ifndef HAVEN_CONFIG_H
#define HAVEN_CONFIG_H

#include <stddef.h>

#include "core/result.h"

typedef struct haven_config {
    /* [server] */
    char listen[128];
    char web_dir[512];
    long max_body_bytes;
    long max_header_bytes;
    long max_connections;
    long per_ip_connections;
    long request_timeout_s;
    long threads;
    char tls_cert[512];
    char tls_key[512];
    int access_log;
    char log_level[16];
    int test_clock;
    int trust_proxy;
    /* [security] */
    long session_idle_minutes;
    long session_absolute_hours;
    long login_max_failures;
    long lockout_minutes;
    long login_rate_per_minute;
    char password_cost[16];
    /* [database] */
    long db_readers;
    long db_busy_timeout_ms;
    int db_synchronous_full;
    char db_backend[16];
    char db_url[512];
    /* [county] */
    char timezone[64];
    /* [report] */
    long suppression_threshold;
    /* [notify] */
    char public_url[256];
    long notify_workers;
    long notify_max_attempts;
    long notify_retry_base_ms;
    long notify_retry_max_ms;
    long notify_timeout_ms;
    long notify_heartbeat_limit_s;
    long notify_ack_link_hours;
    char smtp_url[256];
    char smtp_from[128];
    char smtp_username[128];
    char smtp_password[128];
    char sms_base_url[256];
    char sms_account_sid[64];
    char sms_auth_token[128];
    char sms_from[32];
    char sms_inbound_url[256];
    /* [directory] */
    char geocoder[16];
    char geocoder_url[256];
    long geocoder_timeout_ms;
    char zip_table[512];
    char tile_url[256];         /* checked by tiles_csp_source at start */
    char tile_attribution[320]; /* checked by tiles_check_attribution */
    long search_rate_per_minute;
} haven_config;

/* Fills CFG with every default. */
void config_defaults(haven_config *cfg);
/* Reads PATH over CFG. On error CFG is left unchanged and ERR gets
 * "PATH:LINE: key 'x': reason" (or "PATH: reason" when the file cannot be
 * opened or read, e.g. a directory). Lines longer than libinih's buffer are
 * refused, naming the line and key. */
hv_result config_load(haven_config *cfg, const char *path, char *err, size_t errsz);
/* Sets one value by section and key, with the table's checks; a refused
 * value leaves CFG unchanged. */
hv_result config_set(haven_config *cfg, const char *section, const char *key, const char *value,
                     char *err, size_t errsz);
/* Writes every key and its value as INI text to OUT (for `haven help config`). */
void config_describe(const haven_config *cfg, void (*emit)(const char *line, void *ctx), void *ctx);

#endif
