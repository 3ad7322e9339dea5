/*
 * user.c - `haven user add|passwd|disable|enable|unlock|totp-code|token`: account
 * work from the command line, for the first administrator and for operators.
 * Every change is audited as done by the system.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/account.h"
#include "auth/audit.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "cmd/cmd.h"
#include "core/clock.h"

static const char user_usage[] =
    "usage: haven user add USERNAME --agency NAME|ID --role ROLE [--role ROLE ...]\n"
    "                      [--name DISPLAY] [--email EMAIL] [--password-stdin] [--data DIR]\n"
    "       haven user passwd USERNAME [--password-stdin] [--data DIR]\n"
    "       haven user disable|enable|unlock USERNAME [--data DIR]\n"
    "       haven user totp-code USERNAME [--data DIR]\n"
    "       haven user token USERNAME --name NAME [--data DIR]\n"
    "\n"
    "Without --password-stdin a strong password is made and printed once.\n"
    "Roles: hotline_worker responder supervisor advocate clinician officer analyst\n"
    "       directory_editor site_staff administrator\n";

typedef struct user_opts {
    const char *data, *agency, *name, *email, *token_name;
    const char *roles[16];
    int nroles;
    int pw_stdin;
} user_opts;

static int
find_agency(store_conn *c, const char *given, int64_t *id)
{
    char *end;
    long long v = strtoll(given, &end, 10);
    if (*end == '\0' && v > 0) {
        *id = v;
        return 0;
    }
    store_val arg = SV_TEXTV(given);
    return store_query_int(c, "SELECT id FROM agency WHERE name = ?", &arg, 1, id) == HV_OK ? 0
                                                                                            : -1;
}

static int
get_password(const user_opts *o, char *pw, size_t pwsz, int *generated)
{
    *generated = 0;
    if (o->pw_stdin) {
        if (cmd_read_line(pw, pwsz) != 0 || !*pw) {
            fprintf(stderr, "haven: no password on standard input\n");
            return -1;
        }
        return 0;
    }
    cmd_random_password(pw);
    *generated = 1;
    return 0;
}

/* Runs the change in one transaction with its audit entry. */
static int
user_change(store *st, const crypt_keys *k, const char *username, const char *action,
            const char *sql_or_null, const char *sql2, const char *password)
{
    store_conn *c;
    int64_t id = 0;
    hv_err e = {0};
    hv_result r = store_begin(st, &c);
    if (r != HV_OK) {
        fprintf(stderr, "haven: %s\n", hv_strerror(r));
        return 1;
    }
    r = account_user_find(c, username, &id);
    if (r == HV_ERR_NOTFOUND) {
        store_rollback(c);
        fprintf(stderr, "haven: no user '%s'\n", username);
        return 1;
    }
    if (r == HV_OK && password)
        r = account_user_set_password(c, id, password, &e);
    store_val arg = SV_INTV(id);
    if (r == HV_OK && sql_or_null)
        r = store_exec(c, sql_or_null, &arg, 1, NULL);
    if (r == HV_OK && sql2)
        r = store_exec(c, sql2, &arg, 1, NULL);
    audit_event ev = {.actor_kind = "system",
                      .action = action,
                      .object_type = "user",
                      .object_id = id,
                      .outcome = "ok",
                      .reason = "cli"};
    if (r == HV_OK)
        r = audit_append(c, k, &ev);
    if (r != HV_OK) {
        store_rollback(c);
        fprintf(stderr, "haven: %s\n", e.detail[0] ? e.detail : hv_strerror(r));
        return 1;
    }
    r = store_commit(c);
    if (r != HV_OK) {
        fprintf(stderr, "haven: %s\n", hv_strerror(r));
        return 1;
    }
    return 0;
}

static int
user_add(store *st, const crypt_keys *k, const char *username, const user_opts *o)
{
    char pw[300];
    int generated;
    if (!o->agency || o->nroles == 0) {
        fprintf(stderr, "haven: user add needs --agency and at least one --role\n%s", user_usage);
        return 2;
    }
    if (get_password(o, pw, sizeof pw, &generated) != 0)
        return 1;
    store_conn *c;
    int64_t agency = 0, id = 0;
    hv_err e = {0};
    hv_result r = store_begin(st, &c);
    if (r != HV_OK) {
        fprintf(stderr, "haven: %s\n", hv_strerror(r));
        return 1;
    }
    if (find_agency(c, o->agency, &agency) != 0) {
        store_rollback(c);
        fprintf(stderr, "haven: no agency '%s'\n", o->agency);
        return 1;
    }
    json_t *in = json_pack("{s:s, s:s, s:I, s:[], s:s}", "username", username, "display_name",
                           o->name ? o->name : username, "agency_id", (json_int_t)agency, "roles",
                           "password", pw);
    for (int i = 0; i < o->nroles; i++)
        json_array_append_new(json_object_get(in, "roles"), json_string(o->roles[i]));
    if (o->email)
        json_object_set_new(in, "email", json_string(o->email));
    json_t *vals = NULL;
    r = record_parse(&account_user_desc, in, REC_CREATE, &vals, &e);
    json_decref(in);
    if (r == HV_OK)
        r = account_user_create(c, vals, &id, &e);
    json_decref(vals);
    audit_event ev = {.actor_kind = "system",
                      .action = "user.create",
                      .object_type = "user",
                      .object_id = id,
                      .outcome = "ok",
                      .reason = "cli"};
    if (r == HV_OK)
        r = audit_append(c, k, &ev);
    if (r != HV_OK) {
        store_rollback(c);
        fprintf(stderr, "haven: cannot add user '%s': %s\n", username,
                e.detail[0] ? e.detail : hv_strerror(r));
        return 1;
    }
    if ((r = store_commit(c)) != HV_OK) {
        fprintf(stderr, "haven: %s\n", hv_strerror(r));
        return 1;
    }
    printf("user '%s' added (id %lld)\n", username, (long long)id);
    if (generated)
        printf("password: %s\n(shown once; the user should change it after signing in)\n", pw);
    return 0;
}

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static hv_result
blob_row(void *ctx, const store_row *row)
{
    blob *b = ctx;
    return store_row_blob_copy(row, 0, &b->p, &b->n);
}

static int
user_totp_code(store *st, const crypt_keys *k, const char *username)
{
    store_conn *c;
    int64_t id = 0;
    blob b = {0};
    uint8_t *secret = NULL;
    size_t slen = 0;
    hv_result r = store_read(st, &c);
    if (r != HV_OK)
        return 1;
    r = account_user_find(c, username, &id);
    store_val arg = SV_INTV(id);
    if (r == HV_OK)
        r = store_query(c, "SELECT totp_secret FROM app_user WHERE id = ? AND totp_enabled = 1",
                        &arg, 1, blob_row, &b);
    store_release(c);
    if (r != HV_OK || !b.p) {
        fprintf(stderr, "haven: user '%s' has no second factor\n", username);
        free(b.p);
        return 1;
    }
    r = crypt_decrypt(k, "app_user.totp", b.p, b.n, &secret, &slen);
    free(b.p);
    uint32_t code = 0;
    if (r == HV_OK)
        r = totp_code(secret, slen, TOTP_SHA1, clock_now_ms() / 1000, 30, 6, &code);
    free(secret);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot read the second factor: %s\n", hv_strerror(r));
        return 1;
    }
    printf("%06u\n", code);
    return 0;
}

static int
user_token(store *st, const crypt_keys *k, const char *username, const char *name)
{
    store_conn *c;
    int64_t id = 0, tid = 0;
    char token[SESSION_TOKEN_MAX];
    if (!name) {
        fprintf(stderr, "haven: user token needs --name\n");
        return 2;
    }
    hv_result r = store_begin(st, &c);
    if (r != HV_OK)
        return 1;
    r = account_user_find(c, username, &id);
    if (r == HV_OK)
        r = session_token_create(c, id, name, token, &tid);
    audit_event ev = {.actor_kind = "system",
                      .action = "token.create",
                      .object_type = "api_token",
                      .object_id = tid,
                      .outcome = "ok",
                      .reason = "cli"};
    if (r == HV_OK)
        r = audit_append(c, k, &ev);
    if (r != HV_OK) {
        store_rollback(c);
        fprintf(stderr, "haven: cannot create a token for '%s': %s\n", username, hv_strerror(r));
        return 1;
    }
    if (store_commit(c) != HV_OK)
        return 1;
    printf("%s\n", token);
    return 0;
}

int
cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},  {"agency", required_argument, NULL, 'a'},
        {"role", required_argument, NULL, 'r'},  {"name", required_argument, NULL, 'n'},
        {"email", required_argument, NULL, 'e'}, {"password-stdin", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    user_opts o = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:a:r:n:e:ph", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o.data = optarg;
            break;
        case 'a':
            o.agency = optarg;
            break;
        case 'r':
            if (o.nroles < 16)
                o.roles[o.nroles++] = optarg;
            break;
        case 'n':
            o.name = optarg;
            o.token_name = optarg;
            break;
        case 'e':
            o.email = optarg;
            break;
        case 'p':
            o.pw_stdin = 1;
            break;
        case 'h':
            fputs(user_usage, stdout);
            return 0;
        default:
            fputs(user_usage, stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        fputs(user_usage, stderr);
        return 2;
    }
    const char *verb = argv[optind], *username = argv[optind + 1];
    haven_config cfg;
    config_defaults(&cfg);
    cmd_password_cost(&cfg);
    store *st;
    crypt_keys *keys;
    if (cmd_open(cmd_data_dir(o.data), &cfg, 0, &st, &keys) != 0)
        return 1;
    int rc;
    char pw[300];
    int generated = 0;
    if (strcmp(verb, "add") == 0) {
        rc = user_add(st, keys, username, &o);
    } else if (strcmp(verb, "passwd") == 0) {
        rc = get_password(&o, pw, sizeof pw, &generated) != 0
                 ? 1
                 : user_change(st, keys, username, "user.password_reset",
                               "UPDATE session SET revoked = 1 WHERE user_id = ?", NULL, pw);
        if (rc == 0)
            printf("password for '%s' changed%s%s\n", username, generated ? ": " : "",
                   generated ? pw : "");
    } else if (strcmp(verb, "disable") == 0) {
        rc = user_change(st, keys, username, "user.disable",
                         "UPDATE app_user SET disabled = 1 WHERE id = ?",
                         "UPDATE session SET revoked = 1 WHERE user_id = ?", NULL);
        if (rc == 0)
            printf("user '%s' disabled and signed out\n", username);
    } else if (strcmp(verb, "enable") == 0) {
        rc = user_change(st, keys, username, "user.enable",
                         "UPDATE app_user SET disabled = 0 WHERE id = ?", NULL, NULL);
        if (rc == 0)
            printf("user '%s' enabled\n", username);
    } else if (strcmp(verb, "unlock") == 0) {
        rc = user_change(st, keys, username, "user.unlock",
                         "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                         NULL, NULL);
        if (rc == 0)
            printf("user '%s' unlocked\n", username);
    } else if (strcmp(verb, "totp-code") == 0) {
        rc = user_totp_code(st, keys, username);
    } else if (strcmp(verb, "token") == 0) {
        rc = user_token(st, keys, username, o.token_name);
    } else {
        fprintf(stderr, "haven: unknown user command '%s'\n%s", verb, user_usage);
        rc = 2;
    }
    store_close(st);
    crypt_free(keys);
    return rc;
}
