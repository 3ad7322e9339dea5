/*
 * demo.c - `haven demo`: Los Angeles County's structure from the source
 * documents (stations and their go-live dates, the agencies of the
 * protocol) and one synthetic user per role. No real person's data.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/account.h"
#include "auth/audit.h"
#include "cmd/cmd.h"
#include "core/encode.h"

#define DEMO_PASSWORD "haven-demo-2026"
/* The demo's second-factor secret (base32), printed for the demo only. */
#define DEMO_TOTP_SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static const struct {
    const char *name, *kind;
} demo_agencies[] = {
    {"Los Angeles County Sheriff's Department", "law_enforcement"},
    {"Long Beach Police Department", "law_enforcement"},
    {"Los Angeles Police Department", "law_enforcement"},
    {"DCFS Child Protection Hotline", "hotline"},
    {"Probation Child Trafficking Unit", "probation_ctu"},
    {"DCFS Multi-Agency Response Team", "dcfs_mart"},
    {"Harbor Light Advocacy (demo)", "advocacy"},
    {"DHS Medical Hubs", "medical"},
    {"DMH Children's Mental Health", "mental_health"},
    {"Safe Harbor SODA/PAD Beds (demo)", "placement_provider"},
    {"Safe Youth Zone: Demo Fire Station 12", "safe_youth_zone"},
    {"Integrated Leadership Team (Program Office)", "program_office"},
};

static const struct {
    int agency; /* index into demo_agencies */
    const char *name, *jurisdiction, *go_live;
} demo_stations[] = {
    {0, "LASD Century Station", "Lynwood and unincorporated South Los Angeles", "2014-08-15"},
    {0, "LASD Compton Station", "City of Compton and unincorporated areas", "2014-08-15"},
    {1, "Long Beach PD", "City of Long Beach", "2014-08-15"},
    {0, "LASD Transit Bureau – LA Basin", "Metro transit, Los Angeles basin", "2015-06-19"},
    {2, "LAPD 77th Street", "LAPD 77th Street Area", "2015-12-09"},
    {2, "LAPD Southeast", "LAPD Southeast Area", "2015-12-09"},
    {0, "LASD Lancaster Station", "City of Lancaster and Antelope Valley", "2016-05-12"},
    {0, "LASD Palmdale Station", "City of Palmdale and Antelope Valley", "2016-05-12"},
    {0, "LASD Santa Clarita Station", "Santa Clarita Valley", "2016-05-12"},
};

static const struct {
    const char *username, *display, *role;
    int agency;
    int totp;
} demo_users[] = {
    {"admin", "Demo Administrator", "administrator", 11, 1},
    {"supervisor", "Demo CTU Supervisor", "supervisor", 4, 1},
    {"hotline", "Demo Hotline Worker", "hotline_worker", 3, 0},
    {"responder", "Demo CTU Responder", "responder", 4, 0},
    {"advocate", "Demo Advocate", "advocate", 6, 0},
    {"clinician", "Demo Medical Hub Clinician", "clinician", 7, 0},
    {"officer", "Demo Patrol Deputy", "officer", 0, 0},
    {"analyst", "Demo Program Analyst", "analyst", 11, 0},
    {"editor", "Demo Directory Editor", "directory_editor", 11, 0},
    {"sitestaff", "Demo Safe Youth Zone Staff", "site_staff", 10, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static hv_result
demo_fill(store_conn *c, const crypt_keys *k, const char *password)
{
    int64_t agency_ids[N(demo_agencies)];
    hv_err e = {0};
    hv_result r = HV_OK;
    for (size_t i = 0; r == HV_OK && i < N(demo_agencies); i++) {
        json_t *v =
            json_pack("{s:s, s:s}", "name", demo_agencies[i].name, "kind", demo_agencies[i].kind);
        r = record_insert(c, &account_agency_desc, v, &agency_ids[i], &e);
        json_decref(v);
    }
    for (size_t i = 0; r == HV_OK && i < N(demo_stations); i++) {
        int64_t id;
        json_t *v = json_pack("{s:I, s:s, s:s, s:s}", "agency_id",
                              (json_int_t)agency_ids[demo_stations[i].agency], "name",
                              demo_stations[i].name, "jurisdiction", demo_stations[i].jurisdiction,
                              "go_live_date", demo_stations[i].go_live);
        r = record_insert(c, &account_station_desc, v, &id, &e);
        json_decref(v);
    }
    uint8_t secret[20];
    size_t slen = 0;
    if (r == HV_OK)
        r = encode_base32_decode(DEMO_TOTP_SECRET, secret, sizeof secret, &slen);
    for (size_t i = 0; r == HV_OK && i < N(demo_users); i++) {
        int64_t id = 0;
        json_t *v = json_pack("{s:s, s:s, s:I, s:[s], s:s}", "username", demo_users[i].username,
                              "display_name", demo_users[i].display, "agency_id",
                              (json_int_t)agency_ids[demo_users[i].agency], "roles",
                              demo_users[i].role, "password", password);
        r = account_user_create(c, v, &id, &e);
        json_decref(v);
        if (r == HV_OK && demo_users[i].totp) {
            uint8_t *ct = NULL;
            size_t ctlen = 0;
            r = crypt_encrypt(k, "app_user.totp", secret, slen, &ct, &ctlen);
            store_val args[] = {SV_BLOBV(ct, ctlen), SV_INTV(id)};
            if (r == HV_OK)
                r = store_exec(c,
                               "UPDATE app_user SET totp_secret = ?, totp_enabled = 1 WHERE id = ?",
                               args, 2, NULL);
            free(ct);
        }
        audit_event ev = {.actor_kind = "system",
                          .action = "user.create",
                          .object_type = "user",
                          .object_id = id,
                          .outcome = "ok",
                          .reason = "demo"};
        if (r == HV_OK)
            r = audit_append(c, k, &ev);
    }
    if (r != HV_OK && e.detail[0])
        fprintf(stderr, "haven: demo data: %s\n", e.detail);
    return r;
}

int
cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (ch == 'd') {
            data = optarg;
        } else {
            FILE *out = ch == 'h' ? stdout : stderr;
            fputs("usage: haven demo [--data DIR]\n\n"
                  "Creates a database with Los Angeles County's stations and agencies and one\n"
                  "synthetic demo user per role (password $HAVEN_DEMO_PASSWORD, "
                  "default\n" DEMO_PASSWORD
                  "). Leaves a database that already has users unchanged.\n",
                  out);
            return ch == 'h' ? 0 : 2;
        }
    }
    const char *dir = cmd_data_dir(data);
    const char *password = getenv("HAVEN_DEMO_PASSWORD");
    if (!password || !*password)
        password = DEMO_PASSWORD;
    haven_config cfg;
    config_defaults(&cfg);
    cmd_password_cost(&cfg);
    store *st;
    crypt_keys *keys;
    if (cmd_open(dir, &cfg, 1, &st, &keys) != 0)
        return 1;
    store_conn *c = NULL;
    int64_t users = 0;
    hv_result r = store_begin(st, &c);
    if (r == HV_OK)
        r = store_query_int(c, "SELECT COUNT(*) FROM app_user", NULL, 0, &users);
    if (r == HV_OK && users > 0) {
        store_rollback(c);
        printf("haven: '%s' already has data; the demo left it unchanged\n", dir);
        store_close(st);
        crypt_free(keys);
        return 0;
    }
    if (r == HV_OK)
        r = demo_fill(c, keys, password);
    if (r == HV_OK)
        r = store_commit(c);
    else if (c && users == 0)
        store_rollback(c);
    store_close(st);
    crypt_free(keys);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot create the demo data: %s\n", hv_strerror(r));
        return 1;
    }
    printf("Demo data created in %s (synthetic: no real person's data).\n\n", dir);
    printf("Demo sign-ins (password for all: %s):\n", password);
    for (size_t i = 0; i < N(demo_users); i++)
        printf("  %-11s %-28s %s\n", demo_users[i].username, demo_users[i].display,
               demo_users[i].totp ? "second factor required" : "");
    printf("\nadmin and supervisor need a 6-digit code: add the secret %s to an\n"
           "authenticator app, or print the current code with\n"
           "  haven user totp-code admin --data %s\n",
           DEMO_TOTP_SECRET, dir);
    return 0;
}
