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
#include "cmd/demo_scale.h"
#include "core/clock.h"
#include "notify/oncall.h"
#include "core/encode.h"
#include "directory/synth.h"
#include "auth/roles.h"
#include "protocol/model.h"
#include "protocol/referral.h"
#include "directory/syz.h"

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
    {"mart", "Demo MART Responder", "responder", 5, 0},
    {"martsuper", "Demo MART Supervisor", "supervisor", 5, 1},
};

/* On call now: CTU responder, MART responder, the advocate (user indexes). */
static const struct {
    int agency, user;
} demo_oncall[] = {{4, 3}, {5, 10}, {6, 4}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- synthetic cases at every stage ------------------------------------------- */

static principal
as_user(int64_t user, int64_t agency, const char *role_name)
{
    return (principal){.user_id = user,
                       .agency_id = agency,
                       .roles = ROLE_BIT(role_parse(role_name)),
                       .mfa_ok = 1};
}

static hv_result
demo_event(store_conn *c, const principal *p, int64_t id, const char *ev, const char *as,
           int64_t at, hv_err *e)
{
    json_t *v = json_pack("{s:s}", "event", ev);
    if (as)
        json_object_set_new(v, "as", json_string(as));
    if (strcmp(ev, "close") == 0)
        json_object_set_new(v, "close_reason", json_string("services_completed"));
    hv_result r = referral_event(c, p, id, v, at, e);
    json_decref(v);
    return r;
}

/* Validates V as the API would (times become milliseconds); steals V. */
static json_t *
parsed(const record_desc *d, json_t *v, hv_err *e)
{
    json_t *out = NULL;
    hv_result r = record_parse(d, v, REC_CREATE, &out, e);
    json_decref(v);
    return r == HV_OK ? out : NULL;
}

static hv_result
demo_add(store_conn *c, const principal *p, int64_t id, const char *what, json_t *v, int64_t at,
         hv_err *e)
{
    static const struct {
        const char *what;
        const record_desc *d;
    } descs[] = {{"mdt", &mdt_desc},
                 {"consent", &consent_desc},
                 {"appointment", &appointment_desc},
                 {"placement", &placement_desc},
                 {"detention", &detention_desc},
                 {"contact", &contact_desc},
                 {"status", &status_input_desc}};
    const record_desc *d = NULL;
    for (size_t i = 0; i < N(descs); i++)
        if (strcmp(descs[i].what, what) == 0)
            d = descs[i].d;
    json_t *vals = d ? parsed(d, v, e) : NULL;
    if (!vals)
        return HV_ERR_INVALID;
    hv_result r = referral_add(c, p, id, what, vals, at, NULL, e);
    json_decref(vals);
    return r;
}

static json_t *
iso(int64_t ms)
{
    char s[40];
    clock_format_iso(ms, s, sizeof s);
    return json_string(s);
}

static hv_result
demo_cases(store_conn *c, const int64_t *agency, const int64_t *user, const int64_t *station,
           hv_err *e)
{
    const int64_t MIN = 60000, HOUR = 60 * MIN, DAY = 24 * HOUR;
    int64_t now = clock_now_ms();
    principal hot = as_user(user[2], agency[3], "hotline_worker");
    principal ctu = as_user(user[3], agency[4], "responder");
    principal mart = as_user(user[10], agency[5], "responder");
    principal adv = as_user(user[4], agency[6], "advocate");
    principal doc = as_user(user[5], agency[7], "clinician");
    /* minutes ago the call came in, how far the case got, who leads */
    static const struct {
        int64_t ago_min;
        int stage; /* 0 open, 1 acknowledged, 2 on scene, 3 MDT, 4 exam + status, 5 closed */
        int probation;
        const char *decision;
    } cases[] = {
        {12, 0, 0, NULL},
        {105, 0, 1, NULL},
        {40, 1, 1, NULL},
        {75, 2, 0, NULL},
        {2 * 24 * 60, 3, 1, "soda_pad_bed"},
        {10 * 24 * 60, 4, 0, "returned_home"},
        {6 * 24 * 60, 4, 1, "juvenile_hall"},
        {45 * 24 * 60, 5, 0, "relative"},
    };
    hv_result r = HV_OK;
    for (size_t i = 0; r == HV_OK && i < N(cases); i++) {
        int64_t t0 = now - cases[i].ago_min * MIN;
        char last[32];
        snprintf(last, sizeof last, "Youth %02zu", i + 1);
        json_t *youth =
            json_pack("{s:s, s:s, s:i, s:s, s:s}", "first_name", "Demo", "last_name", last,
                      "estimated_age", 14 + (int)(i % 4), "gender", i % 3 ? "female" : "male",
                      "language", i % 2 ? "English" : "Spanish");
        json_t *v = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
                              "identifying_agency_id", (json_int_t)agency[0], "station_id",
                              (json_int_t)station[i % 2], "officer_name", "Deputy Example",
                              "officer_badge", "D-0000", "encountered_at", iso(t0 - 10 * MIN),
                              "encounter_location", "Demo Blvd & Example Ave", "identified_how",
                              i % 2 ? "patrol_contact" : "operation", "staging_address",
                              i % 2 ? "LASD Century Station, 11703 S Alameda St (demo)"
                                    : "LASD Compton Station, 301 S Willowbrook Ave (demo)",
                              "safety_concerns", "Synthetic demo record: no real person.",
                              "medical_concerns", "Synthetic demo record: none known.",
                              "dcfs_involvement", "unknown", "probation_involvement",
                              cases[i].probation ? "open_case" : "none", "other_youth_present", 0);
        int64_t id = 0;
        json_t *pv = parsed(&referral_desc, v, e);
        json_t *py = parsed(&youth_desc, youth, e);
        r = pv && py ? referral_open(c, &hot, pv, py, t0, &id, e) : HV_ERR_INVALID;
        json_decref(pv);
        json_decref(py);
        const principal *lead = cases[i].probation ? &ctu : &mart;
        int stage = cases[i].stage;
        int64_t t = t0;
        if (r == HV_OK && stage >= 1)
            r = demo_event(c, lead, id, "acknowledge", NULL, t += 4 * MIN, e);
        if (r == HV_OK && stage >= 1)
            r = demo_event(c, lead, id, "en_route", "lead", t += 2 * MIN, e);
        if (r == HV_OK && stage >= 2) {
            r = demo_event(c, lead, id, "arrive", "lead", t += 50 * MIN, e);
            if (r == HV_OK)
                r = demo_event(c, &adv, id, "arrive", "advocate", t += 10 * MIN, e);
        }
        if (r == HV_OK && stage >= 3) {
            int jh = strcmp(cases[i].decision, "juvenile_hall") == 0;
            json_t *m = json_pack(
                "{s:s, s:o, s:s, s:s, s:s, s:s, s:o}", "kind", "initial", "held_at",
                iso(t += 30 * MIN), "members", "youth, lead, advocate, officer", "safety_plan",
                "Synthetic demo safety plan.", "decision", cases[i].decision, "transport",
                "Advocate drives the youth (demo).", "follow_up_at", iso(t0 + 14 * DAY));
            if (jh)
                json_object_set_new(m, "juvenile_hall_reason", json_string("warrant"));
            r = demo_add(c, lead, id, "mdt", m, t, e);
            if (r == HV_OK)
                r = demo_add(c, lead, id, "consent",
                             json_pack("{s:s, s:s, s:o}", "kind", "medical_exam", "given_by",
                                       "youth", "given_at", iso(t)),
                             t, e);
            if (r == HV_OK)
                r = demo_add(c, &doc, id, "appointment",
                             json_pack("{s:s, s:o, s:s}", "kind", "medical_exam", "scheduled_for",
                                       iso(t0 + 48 * HOUR), "location", "Demo Medical Hub"),
                             t, e);
            if (r == HV_OK && strcmp(cases[i].decision, "soda_pad_bed") == 0)
                r = demo_add(c, lead, id, "placement",
                             json_pack("{s:s, s:I, s:o}", "kind", "soda_pad", "provider_agency_id",
                                       (json_int_t)agency[9], "started_at", iso(t + HOUR)),
                             t + HOUR, e);
            if (r == HV_OK && jh)
                r = demo_add(
                    c, lead, id, "detention",
                    json_pack("{s:o, s:s}", "started_at", iso(t + HOUR), "reason", "warrant"),
                    t + HOUR, e);
            if (r == HV_OK)
                r = demo_add(c, &adv, id, "contact",
                             json_pack("{s:o, s:s, s:s}", "at", iso(t + 2 * HOUR), "kind",
                                       "basic_need", "need", "food"),
                             t + 2 * HOUR, e);
        }
        if (r == HV_OK && stage >= 4) {
            /* the exam attended, the 72-hour status recorded */
            int64_t appt = 0;
            store_val a[] = {SV_INTV(id)};
            r = store_query_int(c, "SELECT MAX(id) FROM appointment WHERE referral_id = ?", a, 1,
                                &appt);
            int64_t rid = 0;
            json_t *upd = json_pack("{s:s}", "state", "attended");
            if (r == HV_OK)
                r = referral_appointment_update(c, &doc, appt, upd, t0 + 48 * HOUR, &rid, e);
            json_decref(upd);
            if (r == HV_OK)
                r = demo_add(c, lead, id, "status",
                             json_pack("{s:s, s:s}", "kind", "status_72h", "status",
                                       strcmp(cases[i].decision, "juvenile_hall") == 0
                                           ? "detained"
                                           : "home_with_family"),
                             t0 + 70 * HOUR, e);
        }
        if (r == HV_OK && stage >= 5)
            r = demo_event(c, lead, id, "close", NULL, t0 + 40 * DAY, e);
    }
    return r;
}

/* Arrests of minors per station, years before and after go-live (synthetic). */
static hv_result
demo_arrests(store_conn *c, const int64_t *station, hv_err *e)
{
    static const struct {
        const char *code, *desc;
    } charges[] = {
        {"PC 647(b)", "Prostitution"},
        {"PC 653.22", "Loitering with intent to commit prostitution"},
        {"PC 459", "Burglary"},
        {"PC 484", "Petty theft"},
        {"HS 11377", "Possession of a controlled substance"},
    };
    hv_result r = HV_OK;
    unsigned seed = 7;
    for (int s = 0; r == HV_OK && s < 4; s++) {
        for (int year = 2012; r == HV_OK && year <= 2016; year++) {
            int before = year < 2015;
            int count = before ? 6 + s : 1 + (s % 2);
            for (int k = 0; r == HV_OK && k < count; k++) {
                seed = seed * 1103515245u + 12345u;
                int ch = (int)((seed >> 16) % 5);
                if (before && k % 2 == 0)
                    ch = 0;
                char day[16];
                snprintf(day, sizeof day, "%04d-%02d-%02d", year, 1 + (int)((seed >> 8) % 12),
                         1 + (int)((seed >> 4) % 28));
                json_t *v = json_pack("{s:I, s:s, s:s, s:s, s:i}", "station_id",
                                      (json_int_t)station[s], "arrested_on", day, "charge_code",
                                      charges[ch].code, "charge_description", charges[ch].desc,
                                      "age_at_arrest", 13 + (int)((seed >> 12) % 5));
                int64_t id;
                r = record_insert(c, &arrest_desc, v, &id, e);
                json_decref(v);
            }
        }
    }
    return r;
}

static hv_result
demo_fill(store_conn *c, const crypt_keys *k, const char *password)
{
    int64_t agency_ids[N(demo_agencies)];
    int64_t user_ids[N(demo_users)];
    int64_t station_ids[N(demo_stations)];
    hv_err e = {0};
    hv_result r = HV_OK;
    for (size_t i = 0; r == HV_OK && i < N(demo_agencies); i++) {
        json_t *v =
            json_pack("{s:s, s:s}", "name", demo_agencies[i].name, "kind", demo_agencies[i].kind);
        r = record_insert(c, &account_agency_desc, v, &agency_ids[i], &e);
        json_decref(v);
    }
    for (size_t i = 0; r == HV_OK && i < N(demo_stations); i++) {
        int64_t id = 0;
        json_t *v = json_pack("{s:I, s:s, s:s, s:s}", "agency_id",
                              (json_int_t)agency_ids[demo_stations[i].agency], "name",
                              demo_stations[i].name, "jurisdiction", demo_stations[i].jurisdiction,
                              "go_live_date", demo_stations[i].go_live);
        r = record_insert(c, &account_station_desc, v, &id, &e);
        station_ids[i] = id;
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
        user_ids[i] = id;
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
    for (size_t i = 0; r == HV_OK && i < N(demo_oncall); i++) {
        store_val a[] = {SV_INTV(agency_ids[demo_oncall[i].agency]),
                         SV_INTV(user_ids[demo_oncall[i].user]), SV_INTV(clock_now_ms())};
        r = store_exec(c,
                       "INSERT INTO oncall (agency_id, user_id, position, created_at) VALUES (?, "
                       "?, 1, ?)",
                       a, 3, NULL);
    }
    /* weekly rotations handing off Mondays at 08:00 county time */
    static const struct {
        int agency;
        const char *name, *tier;
        int users[2];
    } demo_rotations[] = {{4, "CTU weekly", "primary", {3, -1}},
                          {5, "MART weekly", "primary", {10, -1}},
                          {5, "MART backup", "backup", {11, -1}},
                          {6, "Advocates weekly", "primary", {4, -1}}};
    for (size_t i = 0; r == HV_OK && i < N(demo_rotations); i++) {
        json_t *members = json_array();
        for (int m = 0; m < 2 && demo_rotations[i].users[m] >= 0; m++)
            json_array_append_new(members, json_integer(user_ids[demo_rotations[i].users[m]]));
        json_t *v =
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:o}", "agency_id",
                      (json_int_t)agency_ids[demo_rotations[i].agency], "name",
                      demo_rotations[i].name, "tier", demo_rotations[i].tier, "start_date",
                      "2026-01-05", "handoff", "08:00", "shift_hours", 168, "member_ids", members);
        int64_t rid = 0;
        r = oncall_rotation_save(c, 0, v, clock_now_ms(), &rid, &e);
        json_decref(v);
    }
    if (r == HV_OK) {
        store_val a[] = {SV_INTV(agency_ids[9]), SV_INTV(6), SV_INTV(clock_now_ms())};
        r = store_exec(
            c, "INSERT INTO bed_capacity (agency_id, capacity, updated_at) VALUES (?, ?, ?)", a, 3,
            NULL);
    }
    if (r == HV_OK)
        r = demo_cases(c, agency_ids, user_ids, station_ids, &e);
    if (r == HV_OK)
        r = demo_arrests(c, station_ids, &e);
    if (r == HV_OK)
        r = demo_program(c, &e);
    if (r == HV_OK) /* the services directory, Safe Youth Zones among them */
        r = synth_demo(c, SYNTH_DEMO_SERVICES, &e);
    /* the site staff user works at the demo's own Safe Youth Zone */
    for (size_t i = 0; r == HV_OK && i < N(demo_users); i++)
        if (strcmp(demo_users[i].username, "sitestaff") == 0)
            r = syz_demo(c, user_ids[i], agency_ids[demo_users[i].agency], &e);
    if (r != HV_OK && e.detail[0])
        fprintf(stderr, "haven: demo data: %s\n", e.detail);
    return r;
}

int
cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},  {"database", required_argument, NULL, 'D'},
        {"scale", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *data = NULL;
    long long scale = 0;
    unsigned long long seed = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:D:h", opts, NULL)) != -1) {
        char *end = NULL;
        if (ch == 'd') {
            data = optarg;
        } else if (ch == 'D') {
            cmd_set_database(optarg);
        } else if (ch == 'n' && (scale = strtoll(optarg, &end, 10)) >= 1 &&
                   scale <= DEMO_SCALE_MAX && *end == '\0') {
            continue;
        } else if (ch == 's' && optarg[0] >= '0' && optarg[0] <= '9' &&
                   (seed = strtoull(optarg, &end, 10), *end == '\0')) {
            continue;
        } else {
            FILE *out = ch == 'h' ? stdout : stderr;
            if (ch == 'n' || ch == 's')
                fprintf(stderr, "haven: demo: '%s' is not a valid %s\n", optarg,
                        ch == 'n' ? "number of referrals (1 to 20000000)" : "seed");
            fputs("usage: haven demo [--data DIR] [--database URL] [--scale N [--seed S]]\n\n"
                  "Creates a database with Los Angeles County's stations and agencies and one\n"
                  "synthetic demo user per role (password $HAVEN_DEMO_PASSWORD, "
                  "default\n" DEMO_PASSWORD
                  "). Leaves a database that already has users unchanged.\n\n"
                  "--scale N adds N closed referrals of synthetic history since the first\n"
                  "go-live, at least ten years (youth, clocks, MDTs, statuses, timelines,\n"
                  "arrests), also to a demo database made before; the same --seed (default 1)\n"
                  "draws the same history.\n",
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
        if (scale)
            r = demo_scale(st, keys, scale, seed, NULL);
        else
            printf("haven: '%s' already has data; the demo left it unchanged\n", dir);
        store_close(st);
        crypt_free(keys);
        return r == HV_OK ? 0 : 1;
    }
    if (r == HV_OK)
        r = demo_fill(c, keys, password);
    if (r == HV_OK)
        r = store_commit(c);
    else if (c && users == 0)
        store_rollback(c);
    if (r == HV_OK && scale)
        r = demo_scale(st, keys, scale, seed, NULL);
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
