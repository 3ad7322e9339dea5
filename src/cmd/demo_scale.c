/*
 * demo_scale.c - `haven demo --scale N` (see demo_scale.h): ten years of
 * synthetic history (or back to the first station's go-live, if earlier),
 * written straight into the tables the protocol's workflow fills
 * (src/protocol/referral.c, referral_records.c, deadline.c, timeline.c), in
 * the shape that workflow leaves them in, fast enough for a million
 * referrals.
 *
 * Every referral is closed. Per referral: the youth (new, or one recovered
 * before: about 15% of recoveries are repeats, some youth three times or
 * more), the referral row with every timestamp of the response, five clocks
 * (lead, advocate, Medical Hub exam, 72-hour status, advocacy) met, missed
 * or stopped as the scheduler would have left them, the initial MDT, the
 * exam appointment, the 72-hour status and sometimes the whereabouts, a
 * detention when the MDT chose juvenile hall, ten to twelve timeline entries
 * (with the clocks' warnings and misses),
 * and for some youth arrests for other charges. Per station: arrests of
 * minors for prostitution-related charges, many in the years before its
 * go-live date and few after. Distributions follow the fact sheet
 * (the source documents: average age 15.7, ages 11-17, 131 recoveries of
 * 112 youth, 141 arrests before the protocol and 16 since).
 *
 * Draws come from xoshiro256** seeded with splitmix64: one seed, one
 * history (encryption nonces aside). Times are placed in the county's
 * standard time (UTC-8) for hours of the day and dates.
 */
#include "cmd/demo_scale.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "core/clock.h"
#include "core/zone.h"
#include "protocol/deadline.h"
#include "protocol/routing.h"
#include "report/facts.h"

#define MIN_MS     MINUTE_MS
#define YEAR_MS    (36525LL * DAY_MS / 100)
#define COUNTY_MS  (-8 * HOUR_MS) /* Pacific standard time */
#define BATCH      20000          /* referrals per transaction */
#define MAX_EVENTS 32
#define MAX_OWNED  16
#define HISTORY_MS (3652 * DAY_MS) /* ten years */
#define QUIET_MS   (6 * DAY_MS)    /* the newest encounter: its first days are over */
#define N_OF(a)    (sizeof(a) / sizeof((a)[0]))
#define OPT(x)     ((x) ? SV_INTV(x) : SV_NULLV)

/* ---- the generator ------------------------------------------------------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t
rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* [0, 1) */
static double
rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* [lo, hi] */
static int64_t
rng_range(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int
rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* A triangular draw on [lo, hi] peaking at mode. */
static int64_t
rng_tri(rng *r, double lo, double mode, double hi)
{
    double u = rng_unit(r), f = (mode - lo) / (hi - lo);
    double x = u < f ? lo + sqrt(u * (hi - lo) * (mode - lo))
                     : hi - sqrt((1 - u) * (hi - lo) * (hi - mode));
    return (int64_t)x;
}

/* Poisson with mean LAMBDA (normal approximation above 30). */
static int64_t
rng_poisson(rng *r, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 30) {
        double u1 = rng_unit(r), u2 = rng_unit(r);
        double z = sqrt(-2 * log(u1 > 0 ? u1 : 1e-300)) * cos(2 * M_PI * u2);
        double v = lambda + sqrt(lambda) * z + 0.5;
        return v < 0 ? 0 : (int64_t)v;
    }
    double limit = exp(-lambda), p = rng_unit(r);
    int64_t k = 0;
    while (p > limit) {
        p *= rng_unit(r);
        k++;
    }
    return k;
}

typedef struct choice {
    const char *value;
    int weight;
} choice;

/* A value of the NULL-terminated table C, by weight. */
static const char *
pick(rng *r, const choice *c)
{
    int total = 0;
    for (const choice *p = c; p->value; p++)
        total += p->weight;
    int x = (int)rng_range(r, 0, total - 1);
    for (const choice *p = c; p->value; p++) {
        if (x < p->weight)
            return p->value;
        x -= p->weight;
    }
    return c->value;
}

/* ---- the distributions ----------------------------------------------------- */

/* age at first recovery, 11..17: the fact sheet's average is 15.7 */
static const int age_weights[] = {2, 3, 6, 11, 20, 28, 30};

/* encounters by hour of the day (county time): evenings and nights */
static const int hour_weights[] = {7, 6, 5, 4, 3, 2, 2, 2, 3, 3, 3, 4,
                                   4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 8};

static const choice genders[] = {{"female", 880},
                                 {"male", 80},
                                 {"transgender_female", 20},
                                 {"nonbinary", 5},
                                 {"transgender_male", 5},
                                 {"unknown", 10},
                                 {NULL, 0}};
static const choice languages[] = {{"English", 84}, {"Spanish", 15}, {"Tagalog", 1}, {NULL, 0}};
static const choice identified[] = {{"patrol_contact", 42},
                                    {"operation", 18},
                                    {"missing_recovery", 16},
                                    {"tip_or_call", 13},
                                    {"safe_youth_zone", 4},
                                    {"other", 7},
                                    {NULL, 0}};
static const choice probation[] = {
    {"open_case", 36}, {"prior_history", 16}, {"none", 38}, {"unknown", 10}, {NULL, 0}};
static const choice dcfs[] = {
    {"open_case", 42}, {"prior_history", 24}, {"none", 24}, {"unknown", 10}, {NULL, 0}};
static const choice decisions[] = {
    {"returned_home", 28},       {"relative", 12}, {"soda_pad_bed", 20},
    {"foster_or_group", 12},     {"hospital", 4},  {"juvenile_hall", 12},
    {"left_before_decision", 8}, {"other", 4},     {NULL, 0}};
static const choice jh_reasons[] = {{"warrant", 38},
                                    {"probation_violation", 26},
                                    {"serious_new_offense", 13},
                                    {"danger_to_self_or_others", 10},
                                    {"no_alternative", 8},
                                    {"other", 5},
                                    {NULL, 0}};
static const choice close_reasons[] = {
    {"services_completed", 66}, {"youth_declined", 10}, {"transferred", 10},
    {"youth_awol", 9},          {"other", 5},           {NULL, 0}};

/* the 72-hour status after each initial decision */
static const struct {
    const char *decision;
    choice status[6];
} after_decision[] = {
    {"returned_home",
     {{"home_with_family", 70}, {"runaway_awol", 15}, {"with_relative", 5}, {"unknown", 10}}},
    {"relative",
     {{"with_relative", 70}, {"home_with_family", 10}, {"runaway_awol", 12}, {"unknown", 8}}},
    {"soda_pad_bed",
     {{"soda_pad_bed", 60},
      {"runaway_awol", 20},
      {"foster_or_group_home", 10},
      {"home_with_family", 5},
      {"unknown", 5}}},
    {"foster_or_group", {{"foster_or_group_home", 70}, {"runaway_awol", 20}, {"unknown", 10}}},
    {"hospital",
     {{"hospital", 60},
      {"home_with_family", 15},
      {"foster_or_group_home", 10},
      {"runaway_awol", 10},
      {"unknown", 5}}},
    {"juvenile_hall", {{"detained", 90}, {"home_with_family", 5}, {"unknown", 5}}},
    {NULL,
     {{"runaway_awol", 45}, {"unknown", 30}, {"home_with_family", 15}, {"with_relative", 10}}},
};

/* where the youth is at the end, after each 72-hour status */
static const struct {
    const char *status;
    choice where[5];
} after_status[] = {
    {"home_with_family", {{"home", 75}, {"runaway_awol", 15}, {"placement", 5}, {"unknown", 5}}},
    {"with_relative", {{"home", 70}, {"placement", 10}, {"runaway_awol", 15}, {"unknown", 5}}},
    {"soda_pad_bed", {{"placement", 60}, {"home", 20}, {"runaway_awol", 15}, {"unknown", 5}}},
    {"foster_or_group_home",
     {{"placement", 60}, {"home", 20}, {"runaway_awol", 15}, {"unknown", 5}}},
    {"hospital", {{"home", 50}, {"placement", 30}, {"hospital", 10}, {"unknown", 10}}},
    {"detained", {{"detained", 50}, {"home", 25}, {"placement", 20}, {"unknown", 5}}},
    {"runaway_awol", {{"runaway_awol", 55}, {"home", 20}, {"placement", 10}, {"unknown", 15}}},
    {NULL, {{"unknown", 50}, {"home", 25}, {"runaway_awol", 25}}},
};

typedef struct charge {
    const char *code, *desc;
    int weight;
} charge;

/* arrests of minors for prostitution and related charges, per station */
static const charge vice_charges[] = {
    {"PC 647(b)", "Prostitution", 70},
    {"PC 653.22", "Loitering with intent to commit prostitution", 26},
    {"PC 653.23(a)", "Supervising or aiding prostitution", 4},
};

/* what youth identified as CSEC are arrested for otherwise (the Board's
 * question: which crimes, how often) */
static const charge other_charges[] = {
    {"WIC 601(a)", "Runaway / beyond parental control", 21},
    {"WIC 777", "Probation violation", 15},
    {"PC 484(a)", "Petty theft", 14},
    {"PC 602", "Trespassing", 9},
    {"CC 13.56.010", "Curfew violation (minors)", 9},
    {"HS 11350", "Possession of a controlled substance", 8},
    {"PC 148(a)(1)", "Resisting, delaying or obstructing an officer", 7},
    {"PC 242", "Battery", 6},
    {"PC 459", "Burglary", 4},
    {"PC 211", "Robbery", 3},
    {"VC 10851", "Vehicle theft", 2},
    {"PC 594", "Vandalism", 2},
};

static const char *const female_names[] = {
    "Aaliyah", "Alexis",  "Amber",   "Ana",     "Ariana",    "Ashley", "Brianna",
    "Crystal", "Daisy",   "Destiny", "Diamond", "Elena",     "Emily",  "Esmeralda",
    "Isabel",  "Jasmine", "Jessica", "Kayla",   "Keisha",    "Leslie", "Maria",
    "Mariah",  "Maya",    "Monique", "Nadia",   "Natalie",   "Paola",  "Sofia",
    "Tiana",   "Vanessa", "Yesenia", "Imani",   "Guadalupe", "Kiara"};
static const char *const male_names[] = {"Andre",  "Angel", "Carlos", "Darius", "David", "Isaiah",
                                         "Jayden", "Jose",  "Malik",  "Marcus", "Luis",  "Tyrone"};
static const char *const last_names[] = {
    "Alvarez",    "Brown",   "Carter",   "Castillo", "Cruz",     "Davis",     "Diaz",
    "Flores",     "Garcia",  "Gonzalez", "Green",    "Harris",   "Hernandez", "Jackson",
    "Johnson",    "Jones",   "Lee",      "Lopez",    "Martinez", "Mendoza",   "Moore",
    "Morales",    "Nguyen",  "Ortiz",    "Perez",    "Ramirez",  "Reyes",     "Rivera",
    "Robinson",   "Sanchez", "Smith",    "Taylor",   "Thomas",   "Torres",    "Walker",
    "Washington", "White",   "Williams", "Young",    "Rodriguez"};
static const char *const streets[] = {"Example Ave & 1st St",        "Demo Blvd & Pine St",
                                      "Sample Rd & Long Beach Blvd", "Placeholder St & Main St",
                                      "Fictional Ave & Oak St",      "Test Blvd & Harbor Way",
                                      "Model Ave & Century Blvd",    "Mock St & Compton Ave",
                                      "Specimen Rd & Sierra Hwy",    "Template Ave & Figueroa St"};

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The county date of instant MS as "YYYY-MM-DD" (years 0-9999). */
static void
county_date(int64_t ms, char out[16])
{
    int y, m, d;
    civil_from_days(zone_floor_div(ms + COUNTY_MS, DAY_MS), &y, &m, &d);
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

/* County midnight of "YYYY-MM-DD", or INT64_MAX when S is no date. */
static int64_t
county_midnight(const char *s)
{
    int y, m, d;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return INT64_MAX;
    return days_from_civil(y, m, d) * DAY_MS - COUNTY_MS;
}

/* ---- the run ------------------------------------------------------------------ */

typedef struct station_info {
    int64_t id, agency_id, go_live; /* go_live: INT64_MAX when none */
    double weight;
} station_info;

/* a youth recovered before, who may be recovered again */
typedef struct past_youth {
    int64_t id, first_at, last_at, born; /* born 0: no date of birth on file */
    int age;                             /* estimated age at the first recovery */
} past_youth;

typedef struct event {
    int64_t at, actor;
    const char *kind;
    char detail[160];
} event;

typedef struct gen {
    store *st;
    const crypt_keys *keys;
    store_conn *c;
    rng r;
    int64_t n, now, from, span, cutoff;
    station_info *stations;
    int nstations;
    double weights;
    int64_t hotline, clinician, ctu, ctu_user, mart, mart_user, advocacy, advocate, syz;
    int64_t next_youth, next_referral, next_mdt, next_appt;
    past_youth *ring;
    int64_t ring_cap, ring_n, ring_at;
    demo_scale_counts k;
    event ev[MAX_EVENTS];
    int nev;
    void *owned[MAX_OWNED];
    int nowned;
} gen;

/* a clock of the referral, planned */
typedef struct clock_row {
    const char *kind;
    int64_t owner, agency, start, due, warn, warned, missed, met;
} clock_row;

/* one referral, planned before it is written */
typedef struct plan {
    int64_t id, youth_id, station_id, ident_agency, lead_agency, lead_user, advocate;
    int age;
    const char *how, *dcfs, *probation, *rule, *decision, *jh_reason, *s72, *where, *why;
    int64_t enc, opened, ack, lead_er, lead_arr, adv_er, adv_arr, mdt_at, det_start, det_end;
    int64_t appt_made, appt_for, exam_at, no_show_at, s72_at, where_at, adv_closed, closed;
    int64_t mdt_id, appt_id;
    char number[32];
    clock_row clocks[5];
    int nclocks;
} plan;

static void add_event(gen *g, int64_t at, int64_t actor, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
add_event(gen *g, int64_t at, int64_t actor, const char *kind, const char *fmt, ...)
{
    if (!at || g->nev == MAX_EVENTS)
        return;
    event *e = &g->ev[g->nev++];
    e->at = at;
    e->actor = actor;
    e->kind = kind;
    e->detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->detail, sizeof e->detail, fmt, ap);
        va_end(ap);
    }
}

/* Encrypts S for the field CONTEXT as record.c does; the ciphertext is freed
 * with the referral's other owned buffers. */
static hv_result
seal(gen *g, const char *context, const char *s, store_val *out)
{
    uint8_t *ct = NULL;
    size_t n = 0;
    if (g->nowned == MAX_OWNED)
        return HV_ERR_TOOBIG;
    hv_result r = crypt_encrypt(g->keys, context, s, strlen(s), &ct, &n);
    if (r != HV_OK)
        return r;
    g->owned[g->nowned++] = ct;
    *out = SV_BLOBV(ct, n);
    return HV_OK;
}

static void
release_owned(gen *g)
{
    for (int i = 0; i < g->nowned; i++)
        free(g->owned[i]);
    g->nowned = 0;
}

static int64_t
first_user(store_conn *c, int64_t agency, const char *role)
{
    int64_t id = 0;
    store_val a[] = {SV_TEXTV(role), SV_INTV(agency), SV_INTV(agency)};
    if (store_query_int(c,
                        "SELECT u.id FROM app_user u JOIN user_role r ON r.user_id = u.id WHERE "
                        "r.role = ? AND u.disabled = 0 AND (? = 0 OR u.agency_id = ?) ORDER BY "
                        "u.id LIMIT 1",
                        a, 3, &id) != HV_OK)
        return 0;
    return id;
}

static hv_result
station_row(void *ctx, const store_row *row)
{
    gen *g = ctx;
    station_info *s = realloc(g->stations, (size_t)(g->nstations + 1) * sizeof *s);
    if (!s)
        return HV_ERR_NOMEM;
    g->stations = s;
    s += g->nstations++;
    s->id = store_row_int(row, 0);
    s->agency_id = store_row_int(row, 1);
    s->go_live = county_midnight(store_row_text(row, 2));
    s->weight = 0;
    return HV_OK;
}

/* Reads the demo's stations, agencies and users (refusing a database that
 * `haven demo` did not make). */
static hv_result
load_world(gen *g)
{
    store_conn *c = NULL;
    int64_t demo = 0;
    hv_result r = store_read(g->st, &c);
    if (r != HV_OK)
        return r;
    r = store_query_int(c,
                        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND reason "
                        "= 'demo'",
                        NULL, 0, &demo);
    if (r == HV_OK && !demo) {
        fprintf(stderr, "haven: demo --scale adds synthetic history only to a database that "
                        "`haven demo` made; this one was not\n");
        r = HV_ERR_DENIED;
    }
    if (r == HV_OK)
        r = store_query(c, "SELECT id, agency_id, go_live_date FROM station ORDER BY id", NULL, 0,
                        station_row, g);
    if (r == HV_OK && g->nstations == 0) {
        fprintf(stderr, "haven: demo --scale: there are no stations to place referrals at\n");
        r = HV_ERR_NOTFOUND;
    }
    if (r == HV_OK) {
        g->ctu = routing_agency_of_kind(c, "probation_ctu");
        g->mart = routing_agency_of_kind(c, "dcfs_mart");
        g->advocacy = routing_agency_of_kind(c, "advocacy");
        g->syz = routing_agency_of_kind(c, "safe_youth_zone");
        g->ctu_user = g->ctu ? first_user(c, g->ctu, "responder") : 0;
        g->mart_user = g->mart ? first_user(c, g->mart, "responder") : 0;
        g->advocate = g->advocacy ? first_user(c, g->advocacy, "advocate") : 0;
        g->hotline = first_user(c, 0, "hotline_worker");
        g->clinician = first_user(c, 0, "clinician");
        if (!g->mart && !g->ctu) {
            fprintf(stderr, "haven: demo --scale: no Probation CTU or DCFS MART agency\n");
            r = HV_ERR_NOTFOUND;
        } else if (!g->hotline) {
            fprintf(stderr, "haven: demo --scale: no hotline worker to open referrals\n");
            r = HV_ERR_NOTFOUND;
        }
    }
    store_release(c);
    return r;
}

/* The referral's time: more referrals as the years go on (the density
 * doubles over the ten years), evenings and nights more than mornings. */
static int64_t
referral_time(gen *g, int64_t i)
{
    double x = ((double)i + rng_unit(&g->r)) / (double)g->n;
    const double a = 1.0; /* density 1 + a*s on s in [0, 1] */
    double s = (-1 + sqrt(1 + 2 * a * x * (1 + a / 2))) / a;
    int64_t day_span = g->span / DAY_MS;
    int64_t day = (int64_t)(s * (double)day_span);
    if (day >= day_span)
        day = day_span - 1;
    int total = 0, hour = 0;
    for (size_t h = 0; h < N_OF(hour_weights); h++)
        total += hour_weights[h];
    int64_t x2 = rng_range(&g->r, 0, total - 1);
    while (x2 >= hour_weights[hour])
        x2 -= hour_weights[hour++];
    return g->from + day * DAY_MS + hour * HOUR_MS + rng_range(&g->r, 0, HOUR_MS - 1);
}

/* A station for an encounter at T: few referrals before a station's go-live
 * date, none with no go-live date at all. NULL: no station (a Safe Youth
 * Zone's referral). */
static const station_info *
pick_station(gen *g, int64_t t)
{
    double total = 0;
    for (int i = 0; i < g->nstations; i++)
        total += g->stations[i].weight * (t >= g->stations[i].go_live          ? 1.0
                                          : g->stations[i].go_live < INT64_MAX ? 0.02
                                                                               : 0.0);
    if (total <= 0)
        return &g->stations[rng_range(&g->r, 0, g->nstations - 1)];
    double x = rng_unit(&g->r) * total;
    for (int i = 0; i < g->nstations; i++) {
        const station_info *s = &g->stations[i];
        double w = s->weight * (t >= s->go_live ? 1.0 : s->go_live < INT64_MAX ? 0.02 : 0.0);
        if (x < w)
            return s;
        x -= w;
    }
    return &g->stations[g->nstations - 1];
}

static void
ring_push(gen *g, const past_youth *y)
{
    g->ring[g->ring_at] = *y;
    g->ring_at = (g->ring_at + 1) % g->ring_cap;
    if (g->ring_n < g->ring_cap)
        g->ring_n++;
}

/* Picks a youth recovered before who is still a minor at P->enc, or 0. */
static past_youth *
repeat_youth(gen *g, int64_t enc)
{
    for (int tries = 0; g->ring_n && tries < 4; tries++) {
        past_youth *y = &g->ring[rng_range(&g->r, 0, g->ring_n - 1)];
        if (enc - y->last_at < 21 * DAY_MS)
            continue;
        int age = y->born ? (int)((enc - y->born) / YEAR_MS) : y->age;
        if (age <= 17 && age >= 11)
            return y;
    }
    return NULL;
}

/* A new youth: synthetic name and date of birth, encrypted as record.c
 * encrypts them, with the blind indexes referral.c computes. */
static hv_result
new_youth(gen *g, plan *p, past_youth *out)
{
    rng *r = &g->r;
    int total = 0, age = 11;
    for (size_t i = 0; i < N_OF(age_weights); i++)
        total += age_weights[i];
    int64_t x = rng_range(r, 0, total - 1);
    for (size_t i = 0; i < N_OF(age_weights) && x >= age_weights[i]; i++) {
        x -= age_weights[i];
        age++;
    }
    const char *gender = pick(r, genders);
    int male = strcmp(gender, "male") == 0 || strcmp(gender, "transgender_male") == 0 ||
               (strcmp(gender, "nonbinary") == 0 && rng_chance(r, 0.5));
    const char *first = male ? male_names[rng_range(r, 0, N_OF(male_names) - 1)]
                             : female_names[rng_range(r, 0, N_OF(female_names) - 1)];
    const char *last =
        rng_chance(r, 0.06) ? NULL : last_names[rng_range(r, 0, N_OF(last_names) - 1)];
    int64_t born = p->enc - age * YEAR_MS - rng_range(r, 1, YEAR_MS - DAY_MS);
    int has_dob = rng_chance(r, 0.8);
    char dob[16], name[200];
    county_date(born, dob);
    snprintf(name, sizeof name, "%s %s", first, last ? last : "");
    uint8_t nk[CRYPT_INDEX_BYTES], dk[CRYPT_INDEX_BYTES];
    store_val fn, ln = SV_NULLV, db = SV_NULLV;
    hv_result res = seal(g, "youth.first_name", first, &fn);
    if (res == HV_OK && last)
        res = seal(g, "youth.last_name", last, &ln);
    if (res == HV_OK && has_dob)
        res = seal(g, "youth.dob", dob, &db);
    if (res == HV_OK)
        res = crypt_blind_index(g->keys, "youth.name", name, nk);
    if (res == HV_OK && has_dob)
        res = crypt_blind_index(g->keys, "youth.dob", dob, dk);
    if (res != HV_OK)
        return res;
    int64_t id = g->next_youth++;
    store_val a[] = {SV_INTV(id),
                     fn,
                     ln,
                     db,
                     SV_BLOBV(nk, sizeof nk),
                     has_dob ? SV_BLOBV(dk, sizeof dk) : SV_NULLV,
                     SV_INTV(age),
                     SV_TEXTV(gender),
                     SV_TEXTV(pick(r, languages)),
                     SV_INTV(p->opened),
                     SV_INTV(p->opened)};
    res = store_exec(g->c,
                     "INSERT INTO youth (id, first_name, last_name, dob, name_key, dob_key, "
                     "estimated_age, gender, language, created_at, updated_at) VALUES (?, ?, ?, "
                     "?, ?, ?, ?, ?, ?, ?, ?)",
                     a, N_OF(a), NULL);
    if (res != HV_OK)
        return res;
    g->k.youth++;
    p->youth_id = id;
    p->age = age;
    *out = (past_youth){id, p->enc, p->enc, has_dob ? born : 0, age};
    return HV_OK;
}

static const char *
status_after(rng *r, const char *decision)
{
    size_t i = 0;
    while (after_decision[i].decision &&
           (!decision || strcmp(after_decision[i].decision, decision) != 0))
        i++;
    return pick(r, after_decision[i].status);
}

static const char *
where_after(rng *r, const char *status)
{
    size_t i = 0;
    while (after_status[i].status && (!status || strcmp(after_status[i].status, status) != 0))
        i++;
    return pick(r, after_status[i].where);
}

static int64_t
max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* The response's times, decisions and statuses. */
static void
plan_case(gen *g, plan *p)
{
    rng *r = &g->r;
    p->opened = p->enc + rng_range(r, 5, 40) * MIN_MS;
    p->ack =
        p->opened + (rng_chance(r, 0.93) ? rng_range(r, 1, 12) : rng_range(r, 13, 45)) * MIN_MS;
    /* the lead at the staging area: mostly 30-80 minutes after the call */
    double u = rng_unit(r);
    p->lead_arr = u < 0.015  ? 0
                  : u < 0.06 ? p->opened + rng_range(r, 15, 29) * MIN_MS
                  : u < 0.93 ? p->opened + rng_tri(r, 28, 44, 81) * MIN_MS
                             : p->opened + rng_range(r, 91, 200) * MIN_MS;
    if (p->lead_arr && p->lead_arr <= p->ack + 4 * MIN_MS)
        p->lead_arr = p->ack + rng_range(r, 5, 20) * MIN_MS;
    p->lead_er = p->lead_arr && rng_chance(r, 0.15) ? p->ack + rng_range(r, 1, 4) * MIN_MS : 0;
    /* the advocate, notified at the acknowledgement */
    if (p->advocate || g->advocacy) {
        u = rng_unit(r);
        p->adv_arr = u < 0.03  ? 0
                     : u < 0.9 ? p->ack + rng_tri(r, 28, 46, 82) * MIN_MS
                               : p->ack + rng_range(r, 91, 200) * MIN_MS;
        p->adv_er = p->adv_arr && rng_chance(r, 0.05) ? p->ack + rng_range(r, 2, 10) * MIN_MS : 0;
    }
    /* the initial MDT, once the lead is there */
    if (p->lead_arr) {
        p->mdt_at = max64(p->lead_arr, p->adv_arr) + rng_range(r, 15, 90) * MIN_MS;
        p->decision = pick(r, decisions);
        if (strcmp(p->decision, "juvenile_hall") == 0) {
            p->jh_reason = pick(r, jh_reasons);
            p->det_start = p->mdt_at + rng_range(r, 30, 120) * MIN_MS;
            p->det_end = p->det_start + rng_range(r, 1, 21) * DAY_MS;
        }
        /* the Medical Hub exam: mostly within 72 hours, some late, some never */
        p->appt_made = p->mdt_at + rng_range(r, 10, 120) * MIN_MS;
        u = rng_unit(r);
        p->appt_for = p->enc + (u < 0.80   ? rng_range(r, 16, 58)
                                : u < 0.84 ? rng_range(r, 59, 71)
                                : u < 0.90 ? rng_range(r, 73, 240)
                                           : rng_range(r, 20, 60)) *
                                   HOUR_MS;
        if (p->appt_for <= p->appt_made)
            p->appt_for = p->appt_made + rng_range(r, 2, 20) * HOUR_MS;
        if (u < 0.90)
            p->exam_at = p->appt_for + rng_range(r, 0, 40) * MIN_MS;
        else
            p->no_show_at = p->appt_for + rng_range(r, 1, 4) * HOUR_MS;
    }
    /* the 72-hour status */
    u = rng_unit(r);
    if (u < 0.95)
        p->s72_at = p->enc + (u < 0.84   ? rng_range(r, 20, 58)
                              : u < 0.88 ? rng_range(r, 59, 71)
                                         : rng_range(r, 73, 130)) *
                                 HOUR_MS;
    p->s72 = p->s72_at ? status_after(r, p->decision) : NULL;
    /* advocacy: up to 90 days */
    u = rng_unit(r);
    p->adv_closed = u < 0.78   ? p->opened + rng_range(r, 14, 82) * DAY_MS
                    : u < 0.82 ? p->opened + rng_range(r, 83, 89) * DAY_MS
                    : u < 0.88 ? p->opened + rng_range(r, 91, 150) * DAY_MS
                               : 0;
    /* the close, after everything else */
    int64_t last = max64(max64(max64(p->lead_arr, p->adv_arr), max64(p->mdt_at, p->det_start)),
                         max64(max64(p->exam_at, p->no_show_at), max64(p->s72_at, p->adv_closed)));
    p->closed =
        max64(last + rng_range(r, 1, 21) * DAY_MS, p->opened + rng_range(r, 21, 80) * DAY_MS);
    if (p->closed > g->cutoff) {
        /* the newest cases: what would come after now did not happen */
        p->closed = g->cutoff;
        int64_t *opt[] = {&p->adv_closed, &p->exam_at, &p->no_show_at, &p->s72_at, &p->det_end};
        for (size_t i = 0; i < N_OF(opt); i++)
            if (*opt[i] >= p->closed)
                *opt[i] = 0;
        if (!p->s72_at)
            p->s72 = NULL;
    }
    if (p->closed - max64(last, p->s72_at) > 2 * HOUR_MS && rng_chance(r, 0.55)) {
        p->where_at = p->closed - rng_range(r, 1, 60) * MIN_MS;
        p->where = where_after(r, p->s72);
    }
    p->why = p->s72 && strcmp(p->s72, "runaway_awol") == 0 && rng_chance(r, 0.6)
                 ? "youth_awol"
                 : pick(r, close_reasons);
}

static hv_result
write_referral(gen *g, const plan *p)
{
    char badge[16], staging[160];
    snprintf(badge, sizeof badge, "D-%04d", (int)rng_range(&g->r, 1000, 9999));
    snprintf(staging, sizeof staging, "Station %lld staging area, %s (demo)",
             (long long)p->station_id, streets[rng_range(&g->r, 0, N_OF(streets) - 1)]);
    store_val loc, stg;
    hv_result r = seal(g, "referral.encounter_location",
                       streets[rng_range(&g->r, 0, N_OF(streets) - 1)], &loc);
    if (r == HV_OK)
        r = seal(g, "referral.staging_address", staging, &stg);
    if (r != HV_OK)
        return r;
    int64_t version = 1 + g->nev;
    store_val a[] = {SV_INTV(p->id),
                     SV_TEXTV(p->number),
                     SV_TEXTV("closed"),
                     SV_INTV(version),
                     SV_INTV(p->youth_id),
                     SV_INTV(g->hotline),
                     SV_INTV(p->ident_agency),
                     OPT(p->station_id),
                     SV_TEXTV("Deputy Example (demo)"),
                     SV_TEXTV(badge),
                     SV_INTV(p->enc),
                     loc,
                     SV_TEXTV(p->how),
                     stg,
                     SV_TEXTV(p->dcfs),
                     SV_TEXTV(p->probation),
                     SV_INTV(rng_chance(&g->r, 0.15) ? rng_range(&g->r, 1, 3) : 0),
                     SV_INTV(p->lead_agency),
                     SV_TEXTV(p->rule),
                     OPT(p->lead_user),
                     OPT(g->advocacy),
                     OPT(p->advocate),
                     SV_INTV(p->ack),
                     OPT(p->lead_er),
                     OPT(p->lead_arr),
                     g->advocacy ? SV_INTV(p->ack) : SV_NULLV,
                     OPT(p->adv_er),
                     OPT(p->adv_arr),
                     SV_TEXTV(p->decision),
                     SV_TEXTV(p->s72),
                     OPT(p->s72_at),
                     SV_TEXTV(p->where),
                     OPT(p->where_at),
                     OPT(p->adv_closed),
                     SV_INTV(p->closed),
                     SV_TEXTV(p->why),
                     SV_INTV(p->opened),
                     SV_INTV(p->closed)};
    return store_exec(
        g->c,
        "INSERT INTO referral (id, number, state, version, youth_id, opened_by, "
        "identifying_agency_id, station_id, officer_name, officer_badge, encountered_at, "
        "encounter_location, identified_how, staging_address, dcfs_involvement, "
        "probation_involvement, other_youth_present, lead_agency_id, routing_rule, lead_user_id, "
        "advocacy_agency_id, advocate_user_id, acknowledged_at, lead_en_route_at, "
        "lead_arrived_at, advocate_notified_at, advocate_en_route_at, advocate_arrived_at, "
        "initial_decision, status_72h, status_72h_at, whereabouts, whereabouts_at, "
        "advocacy_closed_at, closed_at, close_reason, created_at, updated_at) VALUES (?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?)",
        a, N_OF(a), NULL);
}

/* One clock as the scheduler leaves it once the case is closed: met (in
 * time or late), or stopped by the close (missed first when past due); a
 * warning when it ran past its warning time, the miss when past due. */
static void
plan_clock(gen *g, plan *p, const char *kind, int64_t owner, int64_t agency, int64_t start,
           int64_t met)
{
    const deadline_kind *dk = deadline_kind_find(kind);
    clock_row *k = &p->clocks[p->nclocks++];
    int64_t end = met ? met : p->closed;
    *k = (clock_row){.kind = kind, .owner = owner, .agency = agency, .start = start, .met = met};
    k->due = start + dk->duration_ms;
    k->warn = max64(k->due - dk->warn_before_ms, start);
    k->warned = k->warn < k->due && end > k->warn ? k->warn + rng_range(&g->r, 5, 300) : 0;
    k->missed = end > k->due ? k->due + rng_range(&g->r, 5, 300) : 0;
    if (k->missed && k->missed >= end)
        k->missed = end - 1;
    if (k->warned && ((k->missed && k->warned >= k->missed) || k->warned >= end))
        k->warned = 0;
    char due_iso[40];
    clock_format_iso(k->due, due_iso, sizeof due_iso);
    add_event(g, k->warned, 0, "clock.warning", "{\"clock\":\"%s\",\"due_at\":\"%s\"}", kind,
              due_iso);
    add_event(g, k->missed, 0, "clock.missed",
              "{\"clock\":\"%s\",\"due_at\":\"%s\",\"supervisors_notified\":1}", kind, due_iso);
}

static hv_result
write_clocks(gen *g, const plan *p)
{
    hv_result r = HV_OK;
    for (int i = 0; r == HV_OK && i < p->nclocks; i++) {
        const clock_row *k = &p->clocks[i];
        store_val a[] = {SV_INTV(p->id),    SV_TEXTV(k->kind),
                         OPT(k->owner),     OPT(k->agency),
                         SV_INTV(k->start), SV_INTV(k->due),
                         SV_INTV(k->warn),  SV_TEXTV(k->met ? "met" : "stopped"),
                         OPT(k->warned),    OPT(k->missed),
                         OPT(k->met),       k->met ? SV_NULLV : SV_INTV(p->closed)};
        r = store_exec(g->c,
                       "INSERT INTO deadline (referral_id, kind, owner_user_id, owner_agency_id, "
                       "started_at, due_at, warn_at, state, warned_at, missed_at, met_at, "
                       "stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       a, N_OF(a), NULL);
    }
    return r;
}

static hv_result
write_status(gen *g, const plan *p, const char *kind, const char *status, int64_t at)
{
    store_val a[] = {SV_INTV(p->id), SV_TEXTV(kind), SV_TEXTV(status), SV_INTV(at),
                     OPT(p->lead_user)};
    return store_exec(g->c,
                      "INSERT INTO status_history (referral_id, kind, status, at, by_user_id) "
                      "VALUES (?, ?, ?, ?, ?)",
                      a, N_OF(a), NULL);
}

/* The MDT, the exam, the detention, the statuses. */
static hv_result
write_records(gen *g, plan *p)
{
    hv_result r = HV_OK;
    if (p->mdt_at) {
        store_val a[] = {
            SV_INTV(p->mdt_id),
            SV_INTV(p->id),
            SV_TEXTV("initial"),
            SV_INTV(p->mdt_at),
            SV_TEXTV(p->adv_arr ? "youth, lead, advocate, officer" : "youth, lead, officer"),
            SV_TEXTV(p->decision),
            SV_TEXTV(p->jh_reason),
            OPT(p->lead_user),
            SV_INTV(p->mdt_at),
            SV_INTV(p->mdt_at)};
        r = store_exec(g->c,
                       "INSERT INTO mdt_meeting (id, referral_id, kind, held_at, members, "
                       "decision, juvenile_hall_reason, recorded_by, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       a, N_OF(a), NULL);
    }
    if (r == HV_OK && p->appt_made) {
        const char *state = p->exam_at ? "attended" : p->no_show_at ? "no_show" : "cancelled";
        int64_t changed = p->exam_at ? p->exam_at : p->no_show_at ? p->no_show_at : p->closed;
        store_val a[] = {SV_INTV(p->appt_id),
                         SV_INTV(p->id),
                         SV_TEXTV("medical_exam"),
                         SV_INTV(p->appt_for),
                         SV_TEXTV("Medical Hub (demo)"),
                         SV_TEXTV(state),
                         OPT(p->exam_at),
                         SV_INTV(p->appt_made),
                         SV_INTV(changed)};
        r = store_exec(g->c,
                       "INSERT INTO appointment (id, referral_id, kind, scheduled_for, location, "
                       "state, attended_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                       "?, ?)",
                       a, N_OF(a), NULL);
    }
    if (r == HV_OK && p->det_start) {
        store_val a[] = {SV_INTV(p->id),        SV_INTV(p->det_start),
                         OPT(p->det_end),       SV_TEXTV(p->jh_reason),
                         SV_INTV(p->det_start), SV_INTV(p->det_end ? p->det_end : p->det_start)};
        r = store_exec(g->c,
                       "INSERT INTO detention (referral_id, started_at, ended_at, reason, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                       a, N_OF(a), NULL);
    }
    if (r == HV_OK && p->s72_at)
        r = write_status(g, p, "status_72h", p->s72, p->s72_at);
    if (r == HV_OK && p->where_at)
        r = write_status(g, p, "whereabouts", p->where, p->where_at);
    return r;
}

/* The timeline in the order things happened (by the time, then as added). */
static hv_result
write_events(gen *g, const plan *p)
{
    for (int i = 1; i < g->nev; i++) {
        event e = g->ev[i];
        int j = i;
        for (; j > 0 && g->ev[j - 1].at > e.at; j--)
            g->ev[j] = g->ev[j - 1];
        g->ev[j] = e;
    }
    for (int i = 0; i < g->nev; i++) {
        const event *e = &g->ev[i];
        store_val a[] = {SV_INTV(p->id), SV_INTV(e->at), OPT(e->actor), SV_TEXTV(e->kind),
                         e->detail[0] ? SV_TEXTV(e->detail) : SV_NULLV};
        hv_result r = store_exec(g->c,
                                 "INSERT INTO case_event (referral_id, at, actor_user_id, kind, "
                                 "detail) VALUES (?, ?, ?, ?, ?)",
                                 a, N_OF(a), NULL);
        if (r != HV_OK)
            return r;
    }
    g->k.events += g->nev;
    return HV_OK;
}

static const charge *
pick_charge(rng *r, const charge *list, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += list[i].weight;
    int x = (int)rng_range(r, 0, total - 1);
    for (size_t i = 0; i < n; i++) {
        if (x < list[i].weight)
            return &list[i];
        x -= list[i].weight;
    }
    return list;
}

static hv_result
write_arrest(gen *g, int64_t station, int64_t at, const charge *ch, int age, int64_t youth,
             int64_t referral)
{
    char day[16];
    county_date(at, day);
    store_val a[] = {SV_INTV(station),   SV_TEXTV(day), SV_TEXTV(ch->code),
                     SV_TEXTV(ch->desc), SV_INTV(age),  OPT(youth),
                     OPT(referral),      SV_INTV(at),   SV_INTV(at)};
    hv_result r = store_exec(g->c,
                             "INSERT INTO arrest (station_id, arrested_on, charge_code, "
                             "charge_description, age_at_arrest, youth_id, referral_id, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             a, N_OF(a), NULL);
    if (r == HV_OK)
        g->k.arrests++;
    return r;
}

/* Some youth are arrested for other things in the year and a half before
 * their recovery or the year after (as minors only). */
static hv_result
write_youth_arrests(gen *g, const plan *p, const past_youth *y)
{
    rng *r = &g->r;
    if (!rng_chance(r, 0.22))
        return HV_OK;
    int count = 1 + (rng_chance(r, 0.35) ? 1 + rng_chance(r, 0.3) : 0);
    hv_result res = HV_OK;
    for (int i = 0; res == HV_OK && i < count; i++) {
        int64_t at = p->enc + rng_range(r, -540, 365) * DAY_MS;
        if (at > g->cutoff - DAY_MS)
            continue;
        int age = y->born ? (int)(zone_floor_div(at - y->born, YEAR_MS)) : p->age;
        if (age < 10 || age > 17)
            continue;
        int64_t station =
            p->station_id ? p->station_id : g->stations[rng_range(r, 0, g->nstations - 1)].id;
        res = write_arrest(g, station, at, pick_charge(r, other_charges, N_OF(other_charges)), age,
                           y->id, at >= p->enc ? p->id : 0);
    }
    return res;
}

/* An id in JSON: the number, or null for none. */
static void
json_id(int64_t id, char out[24])
{
    if (id)
        snprintf(out, 24, "%lld", (long long)id);
    else
        snprintf(out, 24, "null");
}

/* Plans and writes referral number I of the run. */
static hv_result
one_referral(gen *g, int64_t i)
{
    rng *r = &g->r;
    plan p = {0};
    g->nev = 0;
    p.enc = referral_time(g, i);
    p.id = g->next_referral++;
    p.how = pick(r, identified);
    const station_info *s = NULL;
    if (strcmp(p.how, "safe_youth_zone") == 0 && g->syz) {
        p.ident_agency = g->syz;
    } else {
        s = pick_station(g, p.enc);
        p.station_id = s->id;
        p.ident_agency = s->agency_id;
        if (strcmp(p.how, "safe_youth_zone") == 0)
            p.how = "tip_or_call";
    }
    p.probation = pick(r, probation);
    p.dcfs = pick(r, dcfs);
    int ctu = strcmp(p.probation, "open_case") == 0 && g->ctu;
    p.lead_agency = ctu || !g->mart ? g->ctu : g->mart;
    p.lead_user = ctu || !g->mart ? g->ctu_user : g->mart_user;
    p.rule = ctu || !g->mart ? "open_probation_case_to_ctu" : "default_to_mart";
    p.advocate = g->advocate;
    plan_case(g, &p);
    char iso[40];
    clock_format_iso(p.opened, iso, sizeof iso);
    snprintf(p.number, sizeof p.number, "R-%.4s-%06lld", iso, (long long)p.id);

    /* the youth: one recovered before, or new */
    hv_result res = HV_OK;
    past_youth *again = rng_chance(r, 0.17) ? repeat_youth(g, p.enc) : NULL;
    past_youth y;
    if (again) {
        again->last_at = p.enc;
        y = *again;
        p.youth_id = y.id;
        p.age = y.born ? (int)((p.enc - y.born) / YEAR_MS) : y.age;
    } else {
        res = new_youth(g, &p, &y);
    }
    if (res == HV_OK)
        ring_push(g, &y);
    if (p.mdt_at)
        p.mdt_id = g->next_mdt++;
    if (p.appt_made)
        p.appt_id = g->next_appt++;

    /* the timeline, as the workflow writes it */
    char lead[24], adv[24];
    json_id(p.lead_user, lead);
    json_id(p.advocate, adv);
    add_event(g, p.opened, g->hotline, "referral.opened",
              "{\"number\":\"%s\",\"lead_agency_id\":%lld,\"routing_rule\":\"%s\","
              "\"lead_user_id\":%s}",
              p.number, (long long)p.lead_agency, p.rule, lead);
    add_event(g, p.ack, p.lead_user, "referral.acknowledged", "{\"advocate_user_id\":%s}", adv);
    add_event(g, p.lead_er, p.lead_user, "lead.en_route", NULL);
    add_event(g, p.lead_arr, p.lead_user, "lead.arrived", NULL);
    add_event(g, p.adv_er, p.advocate, "advocate.en_route", NULL);
    add_event(g, p.adv_arr, p.advocate, "advocate.arrived", NULL);
    add_event(g, p.mdt_at, p.lead_user, "mdt.initial", "{\"mdt_id\":%lld,\"decision\":\"%s\"}",
              (long long)p.mdt_id, p.decision ? p.decision : "");
    add_event(g, p.det_start, p.lead_user, "detention.recorded", "{\"reason\":\"%s\"}",
              p.jh_reason ? p.jh_reason : "");
    if (p.appt_made) {
        char when[40];
        clock_format_iso(p.appt_for, when, sizeof when);
        add_event(g, p.appt_made, g->clinician, "appointment.scheduled",
                  "{\"appointment\":\"medical_exam\",\"scheduled_for\":\"%s\","
                  "\"appointment_id\":%lld}",
                  when, (long long)p.appt_id);
    }
    add_event(g, p.exam_at, g->clinician, "appointment.attended",
              "{\"appointment\":\"medical_exam\",\"appointment_id\":%lld}", (long long)p.appt_id);
    add_event(g, p.no_show_at, g->clinician, "appointment.no_show",
              "{\"appointment\":\"medical_exam\",\"appointment_id\":%lld}", (long long)p.appt_id);
    add_event(g, p.s72_at, p.lead_user, "status.72h", "{\"status\":\"%s\"}", p.s72 ? p.s72 : "");
    add_event(g, p.where_at, p.lead_user, "status.whereabouts", "{\"status\":\"%s\"}",
              p.where ? p.where : "");
    add_event(g, p.adv_closed, p.advocate, "advocacy.closed", NULL);
    add_event(g, p.closed, p.lead_user, "referral.closed", "{\"close_reason\":\"%s\"}", p.why);

    plan_clock(g, &p, "lead_response", p.lead_user, p.lead_agency, p.opened, p.lead_arr);
    if (g->advocacy)
        plan_clock(g, &p, "advocate_response", p.advocate, g->advocacy, p.ack, p.adv_arr);
    plan_clock(g, &p, "medical_hub", p.lead_user, p.lead_agency, p.enc, p.exam_at);
    plan_clock(g, &p, "status_72h", p.lead_user, p.lead_agency, p.enc, p.s72_at);
    plan_clock(g, &p, "advocacy", p.advocate, g->advocacy ? g->advocacy : p.lead_agency, p.opened,
               p.adv_closed);

    if (res == HV_OK)
        res = write_referral(g, &p);
    if (res == HV_OK)
        res = write_clocks(g, &p);
    if (res == HV_OK)
        res = write_records(g, &p);
    if (res == HV_OK)
        res = write_events(g, &p);
    if (res == HV_OK)
        res = write_youth_arrests(g, &p, &y);
    if (res == HV_OK)
        g->k.referrals++;
    release_owned(g);
    return res;
}

static hv_result
next_id(store_conn *c, const char *sql, int64_t *out)
{
    return store_query_int(c, sql, NULL, 0, out);
}

/* Referrals FROM..TO-1 of the run in one transaction. */
static hv_result
write_batch(gen *g, int64_t from, int64_t to)
{
    hv_result r = store_begin(g->st, &g->c);
    if (r != HV_OK)
        return r;
    if ((r = next_id(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM youth", &g->next_youth)) ==
            HV_OK &&
        (r = next_id(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM referral", &g->next_referral)) ==
            HV_OK &&
        (r = next_id(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM mdt_meeting", &g->next_mdt)) ==
            HV_OK)
        r = next_id(g->c, "SELECT COALESCE(MAX(id), 0) + 1 FROM appointment", &g->next_appt);
    for (int64_t i = from; r == HV_OK && i < to; i++)
        r = one_referral(g, i);
    /* the ids above were chosen here: later ones follow them (PostgreSQL) */
    static const char *const chosen[] = {"youth", "referral", "mdt_meeting", "appointment"};
    for (size_t t = 0; r == HV_OK && t < sizeof chosen / sizeof chosen[0]; t++)
        r = store_ids_follow(g->c, chosen[t]);
    if (r == HV_OK)
        return store_commit(g->c);
    store_rollback(g->c);
    return r;
}

/* Arrests of minors for prostitution-related charges at every station, by
 * month, from five years before its go-live date (or before the history,
 * for a station not live then): about as many a year as the station
 * referred youth in its first years, and one in twenty-five of that after
 * (the fact sheet: 141 before, 16 since; the motion: 94 in the year before,
 * 2 in the first year). */
static hv_result
write_station_arrests(gen *g)
{
    rng *r = &g->r;
    hv_result res = store_begin(g->st, &g->c);
    if (res != HV_OK)
        return res;
    double per_year = (double)g->n * YEAR_MS / (double)g->span;
    for (int i = 0; res == HV_OK && i < g->nstations; i++) {
        const station_info *s = &g->stations[i];
        double pre = 0.6 * per_year * s->weight / g->weights, post = pre / 25;
        int64_t begin = (s->go_live < g->from ? s->go_live : g->from) - 5 * YEAR_MS;
        for (int64_t m = begin; res == HV_OK && m < g->cutoff; m += 30 * DAY_MS) {
            int64_t end = m + 30 * DAY_MS < g->cutoff ? m + 30 * DAY_MS : g->cutoff;
            double live_share = s->go_live <= m ? 1
                                : s->go_live >= end
                                    ? 0
                                    : (double)(end - s->go_live) / (double)(end - m);
            double lambda =
                ((1 - live_share) * pre + live_share * post) * (double)(end - m) / (double)YEAR_MS;
            int64_t count = rng_poisson(r, lambda);
            for (int64_t k = 0; res == HV_OK && k < count; k++) {
                int64_t at = m + rng_range(r, 0, end - m - 1);
                int total = 0, age = 11;
                for (size_t a = 0; a < N_OF(age_weights); a++)
                    total += age_weights[a];
                int64_t x = rng_range(r, 0, total - 1);
                for (size_t a = 0; a < N_OF(age_weights) && x >= age_weights[a]; a++) {
                    x -= age_weights[a];
                    age++;
                }
                res = write_arrest(g, s->id, at, pick_charge(r, vice_charges, N_OF(vice_charges)),
                                   age, 0, 0);
            }
        }
    }
    if (res == HV_OK) {
        audit_event ev = {.actor_kind = "system",
                          .action = "demo.scale",
                          .object_type = "referral",
                          .outcome = "ok",
                          .reason = "demo"};
        res = audit_append(g->c, g->keys, &ev);
    }
    if (res == HV_OK)
        return store_commit(g->c);
    store_rollback(g->c);
    return res;
}

hv_result
demo_scale(store *st, const crypt_keys *keys, int64_t n, uint64_t seed, demo_scale_counts *out)
{
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return HV_ERR_NOMEM;
    int64_t t0 = clock_mono_ms();
    g->st = st;
    g->keys = keys;
    g->n = n;
    rng_seed(&g->r, seed);
    /* from the start of today (county time): runs on one day draw the same */
    g->now = zone_floor_div(clock_now_ms() + COUNTY_MS, DAY_MS) * DAY_MS - COUNTY_MS;
    g->from = g->now - HISTORY_MS;
    g->span = HISTORY_MS - QUIET_MS;
    g->cutoff = g->now - 10 * MIN_MS;
    hv_result r = n > 0 && n <= DEMO_SCALE_MAX ? load_world(g) : HV_ERR_INVALID;
    if (r == HV_OK) {
        /* the history goes back to the protocol's first go-live when that
         * is longer ago than ten years (the fact sheet's period is 2014-16) */
        int64_t first = g->from;
        for (int i = 0; i < g->nstations; i++)
            if (g->stations[i].go_live > 0 && g->stations[i].go_live < first)
                first = g->stations[i].go_live;
        if (first < g->from) {
            g->from = zone_floor_div(first + COUNTY_MS, DAY_MS) * DAY_MS - COUNTY_MS;
            g->span = g->now - g->from - QUIET_MS;
        }
        /* busier stations and quieter ones, the same for one seed */
        for (int i = 0; i < g->nstations; i++) {
            g->stations[i].weight = 0.4 + 1.6 * rng_unit(&g->r);
            g->weights += g->stations[i].weight;
        }
        /* youth recovered within about the last year may be recovered again */
        g->ring_cap = n / 10 > 16 ? n / 10 : 16;
        g->ring = calloc((size_t)g->ring_cap, sizeof *g->ring);
        if (!g->ring)
            r = HV_ERR_NOMEM;
    }
    int next_tenth = 1;
    for (int64_t i = 0; r == HV_OK && i < n;) {
        /* a batch ends at the next tenth, for the progress line */
        int64_t tenth = n * next_tenth / 10, to = i + BATCH;
        if (to > tenth && tenth > i)
            to = tenth;
        if (to > n)
            to = n;
        r = write_batch(g, i, to);
        i = to;
        while (r == HV_OK && next_tenth <= 10 && i >= n * next_tenth / 10) {
            fprintf(stderr, "demo --scale: %d%% (%lld referrals, %.1f s)\n", next_tenth * 10,
                    (long long)i, (double)(clock_mono_ms() - t0) / 1000);
            next_tenth++;
        }
    }
    if (r == HV_OK)
        r = write_station_arrests(g);
    if (r == HV_OK) {
        int64_t t1 = clock_mono_ms();
        r = store_begin(st, &g->c);
        if (r == HV_OK) {
            r = facts_rebuild(g->c, keys, &g->k.facts);
            if (r == HV_OK)
                r = store_commit(g->c);
            else
                store_rollback(g->c);
        }
        if (r == HV_OK)
            fprintf(stderr, "demo --scale: outcomes rollup rebuilt: %lld rows in %.1f s\n",
                    (long long)g->k.facts, (double)(clock_mono_ms() - t1) / 1000);
    }
    g->k.seconds = (double)(clock_mono_ms() - t0) / 1000;
    if (r == HV_OK)
        fprintf(stderr,
                "demo --scale: %lld referrals, %lld youth, %lld events, %lld arrests in %.1f s\n",
                (long long)g->k.referrals, (long long)g->k.youth, (long long)g->k.events,
                (long long)g->k.arrests, g->k.seconds);
    else if (r != HV_ERR_DENIED)
        fprintf(stderr, "haven: demo --scale stopped after %lld referrals: %s\n",
                (long long)g->k.referrals, hv_strerror(r));
    if (out)
        *out = g->k;
    free(g->ring);
    free(g->stations);
    free(g);
    return r;
}
