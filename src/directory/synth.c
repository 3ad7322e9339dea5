/*
 * synth.c - synthetic directory services (see synth.h). A small
 * deterministic generator (splitmix64 per service), so service N of a seed
 * is the same whatever part of the set a file holds.
 */
#include "directory/synth.h"

#include "directory/hsds.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Los Angeles County ZIP code areas and their internal points (from
 * data/zcta.tsv). */
static const struct {
    const char *zip;
    double lat, lon;
} zips[] = {
    {"90001", 33.973665, -118.249039}, {"90002", 33.948987, -118.24678},
    {"90003", 33.964131, -118.272783}, {"90011", 34.00709, -118.258681},
    {"90012", 34.065975, -118.238642}, {"90013", 34.044685, -118.240022},
    {"90015", 34.039309, -118.266255}, {"90017", 34.053098, -118.264505},
    {"90019", 34.049841, -118.33846},  {"90021", 34.029036, -118.23787},
    {"90026", 34.078991, -118.263804}, {"90028", 34.099811, -118.326837},
    {"90031", 34.084197, -118.208567}, {"90033", 34.05038, -118.211991},
    {"90037", 34.00266, -118.287507},  {"90038", 34.088017, -118.327168},
    {"90042", 34.114708, -118.192098}, {"90044", 33.952653, -118.292013},
    {"90057", 34.061735, -118.276757}, {"90059", 33.927469, -118.248796},
    {"90061", 33.92128, -118.274186},  {"90063", 34.045248, -118.18578},
    {"90220", 33.87978, -118.229679},  {"90221", 33.885811, -118.206459},
    {"90222", 33.91224, -118.237607},  {"90242", 33.921793, -118.140588},
    {"90250", 33.913651, -118.350946}, {"90255", 33.979248, -118.217438},
    {"90262", 33.923831, -118.201352}, {"90280", 33.944159, -118.192761},
    {"90301", 33.956464, -118.358681}, {"90401", 34.016099, -118.492454},
    {"90501", 33.833744, -118.314022}, {"90502", 33.833181, -118.292062},
    {"90601", 34.007937, -118.030324}, {"90650", 33.90779, -118.082487},
    {"90706", 33.887821, -118.12725},  {"90712", 33.849034, -118.147902},
    {"90731", 33.732353, -118.278151}, {"90744", 33.777214, -118.259604},
    {"90802", 33.751353, -118.20682},  {"90804", 33.781686, -118.148365},
    {"90806", 33.80887, -118.178486},  {"90810", 33.819841, -118.222378},
    {"90813", 33.782259, -118.196793}, {"91001", 34.194489, -118.138263},
    {"91103", 34.167361, -118.164144}, {"91205", 34.13658, -118.245839},
    {"91303", 34.19829, -118.602203},  {"91331", 34.255294, -118.419703},
    {"91342", 34.326584, -118.382261}, {"91340", 34.28667, -118.434817},
    {"91402", 34.222506, -118.444689}, {"91405", 34.202494, -118.448048},
    {"91601", 34.168253, -118.372286}, {"91702", 34.281525, -117.80009},
    {"91706", 34.09741, -117.968269},  {"91731", 34.078573, -118.043456},
    {"91744", 34.0313, -117.936777},   {"91766", 34.042286, -117.756106},
    {"91768", 34.064363, -117.79093},  {"93534", 34.71766, -118.15232},
    {"93535", 34.698392, -117.889945}, {"93550", 34.410334, -118.059957},
    {"93551", 34.589618, -118.227381}, {"91350", 34.430599, -118.502774},
    {"91351", 34.433727, -118.458061}, {"91321", 34.363715, -118.487039},
};
#define NZIPS ((int)(sizeof zips / sizeof zips[0]))

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t
next(rng *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int
pick(rng *g, int n)
{
    return (int)(next(g) % (uint64_t)n);
}

/* 1 with probability P. */
static int
chance(rng *g, double p)
{
    return (double)(next(g) >> 11) * 0x1.0p-53 < p;
}

static double
gauss(rng *g)
{
    double u = ((double)(next(g) >> 11) + 0.5) * 0x1.0p-53;
    double v = ((double)(next(g) >> 11) + 0.5) * 0x1.0p-53;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

#define N(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* kinds of service: name, words for the description, and the shipped Open
 * Eligibility term (data/open-eligibility.csv) that says what it is */
static const struct {
    const char *name;
    const char *what;
    const char *term_id, *term_code, *term_name;
} kinds[] = {
    {"Youth Counseling", "individual and group counseling with licensed counselors",
     "open-eligibility:1060601", "1060601", "Counseling"},
    {"Drop-In Center", "a safe place to rest, eat, shower and talk with an advocate",
     "open-eligibility:10106", "10106", "Immediate Safety"},
    {"Emergency Shelter", "emergency beds for the night and a warm meal", "open-eligibility:10104",
     "10104", "Emergency Shelter"},
    {"Food Pantry", "groceries and hot meals for families and youth", "open-eligibility:10202",
     "10202", "Food Pantry"},
    {"Legal Aid Clinic", "free legal advice on immigration, record sealing and benefits",
     "open-eligibility:11101", "11101", "Advocacy & Legal Aid"},
    {"Teen Health Clinic", "confidential medical care, testing and vaccines",
     "open-eligibility:10605", "10605", "Medical Care"},
    {"Crisis Line", "someone to talk to at any hour, by phone or text", "open-eligibility:1080501",
     "1080501", "Help Hotlines"},
    {"Job Training", "paid internships, résumé help and job readiness classes",
     "open-eligibility:11003", "11003", "Job Training"},
    {"Tutoring Program", "homework help and tutoring after school", "open-eligibility:10903",
     "10903", "More Education"},
    {"Mental Health Services", "therapy and psychiatric care for young people",
     "open-eligibility:10606", "10606", "Mental Health Care"},
    {"Substance Use Program", "outpatient treatment and peer support for substance use",
     "open-eligibility:10601", "10601", "Addiction & Recovery"},
    {"Housing Navigation", "help finding transitional and permanent housing",
     "open-eligibility:10301", "10301", "Help Find Housing"},
    {"Clothing Closet", "clothes, shoes and hygiene kits at no cost", "open-eligibility:10402",
     "10402", "Clothing"},
    {"Case Management", "a case manager who helps with benefits, school and ID",
     "open-eligibility:10803", "10803", "Navigating the System"},
    {"Survivor Advocacy", "advocates for survivors of exploitation and trafficking",
     "open-eligibility:20203", "20203", "Trafficking Survivors"},
    {"Transportation Help", "bus passes and rides to appointments", "open-eligibility:10501",
     "10501", "Bus Passes"},
};

static const char *const adjectives[] = {
    "Harbor",   "Sunrise",    "Bright Path", "Open Door", "Northstar", "Cedar",    "Valley",
    "Hillside", "Lighthouse", "Pathways",    "Hope",      "Unity",     "Westside", "Eastside",
    "Mesa",     "Oak Grove",  "Riverbend",   "Coastal",   "Summit",    "Mariposa", "Esperanza",
};
static const char *const org_kinds[] = {"Youth Services", "Community Center", "Family Services",
                                        "Health Center",  "Outreach",         "Foundation",
                                        "Collective",     "Alliance"};
/* sentences; "help" and "youth" are common on purpose (the benchmark's
 * common words), the last ones rare */
static const char *const extras[] = {
    "We help youth and families across the county.",
    "Walk in or call ahead; no appointment needed.",
    "Staff speak several languages.",
    "Youth ages 12 to 24 are welcome.",
    "Bring an ID if you have one; you will not be turned away without it.",
    "Services are confidential.",
    "We can help you apply for benefits.",
    "Peer mentors with lived experience help youth find their way.",
    "Parents and caregivers can get help too.",
    "Café open during hours.",
};
static const char *const rare[] = {"acupuncture", "tattoo removal", "doula support",
                                   "equine therapy", "braille tutoring"};

static const char *const langs[][2] = {{"zh", "Chinese"}, {"ko", "Korean"},   {"vi", "Vietnamese"},
                                       {"tl", "Tagalog"}, {"hy", "Armenian"}, {"ru", "Russian"},
                                       {"fa", "Persian"}, {"km", "Khmer"},    {"ar", "Arabic"}};

/* Safe Youth Zone site kinds */
static const struct {
    const char *name, *what;
} syz_kinds[] = {
    {"Fire Station", "A fire station where any youth can ask for help, day or night"},
    {"Public Library", "A public library whose staff can call an advocate for you"},
    {"Park Recreation Center", "A park recreation center with trained staff"},
    {"Community Clinic", "A community clinic that is a Safe Youth Zone"},
};

static void
add_schedule(json_t *list, const char *id, const char *byday, const char *opens, const char *closes,
             const char *desc)
{
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "freq", "WEEKLY", "byday",
                          byday, "opens_at", opens, "closes_at", closes, "description", desc);
    json_array_append_new(list, s);
}

/* A schedule: office hours, evenings, weekends, overnight, around the
 * clock, split shifts; sometimes a holiday closure. */
static json_t *
schedules(rng *g, const char *sid, int kind, int syz)
{
    json_t *l = json_array();
    char id[96];
    snprintf(id, sizeof id, "%s-sch-1", sid);
    int k = syz ? (pick(g, 2) ? 4 : 0) : pick(g, 10);
    if (syz && kind == 0)
        k = 4; /* fire stations: always open */
    if (kind == 6)
        k = 4; /* crisis lines: around the clock */
    switch (k) {
    case 0:
    case 1:
    case 2:
        add_schedule(l, id, "MO,TU,WE,TH,FR", "09:00", "17:00", "Weekdays 9 to 5");
        break;
    case 3:
        add_schedule(l, id, "MO,TU,WE,TH,FR", "08:30", "12:00", "Weekday mornings");
        snprintf(id, sizeof id, "%s-sch-2", sid);
        add_schedule(l, id, "MO,TU,WE,TH", "13:00", "19:00", "Afternoons and evenings");
        break;
    case 4:
        add_schedule(l, id, "MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00", "Open 24 hours");
        break;
    case 5:
        add_schedule(l, id, "MO,TU,WE,TH,FR,SA,SU", "20:00", "08:00", "Overnight, 8 pm to 8 am");
        break;
    case 6:
        add_schedule(l, id, "SA,SU", "10:00", "16:00", "Weekends");
        break;
    case 7:
        add_schedule(l, id, "TU,TH", "15:00", "21:00", "Tuesday and Thursday evenings");
        break;
    case 8:
        add_schedule(l, id, "MO,WE,FR", "10:00", "18:00", "Monday, Wednesday, Friday");
        break;
    default:
        add_schedule(l, id, "MO,TU,WE,TH,FR,SA", "07:00", "22:00", "Every day but Sunday");
        break;
    }
    if (k != 4 && chance(g, 0.3)) {
        snprintf(id, sizeof id, "%s-sch-x", sid);
        json_array_append_new(l, json_pack("{s:s, s:b, s:s, s:s, s:s}", "id", id, "closed", 1,
                                           "freq", "YEARLY", "dtstart", "2020-12-25", "description",
                                           "Closed on Christmas Day"));
    }
    return l;
}

static json_t *
phone(const char *id, rng *g)
{
    char num[32];
    /* 555-01xx numbers are reserved for fiction */
    snprintf(num, sizeof num, "(%03d) 555-01%02d", 200 + pick(g, 700), pick(g, 100));
    return json_pack("[{s:s, s:s, s:s}]", "id", id, "number", num, "type", "voice");
}

static json_t *
location(rng *g, const char *sid, int idx, int syz, int syz_kind, int64_t n)
{
    int z = pick(g, NZIPS);
    /* spread around the area's centre: about 1.5 miles either way */
    double lat = zips[z].lat + gauss(g) * 0.02;
    double lon = zips[z].lon + gauss(g) * 0.024;
    char id[96], aid[112], street[96], name[160];
    snprintf(id, sizeof id, "%s-loc-%d", sid, idx);
    snprintf(aid, sizeof aid, "%s-addr", id);
    static const char *const streets[] = {
        "Main St",      "Broadway",     "Vermont Ave", "Central Ave", "Pico Blvd",
        "Olympic Blvd", "Atlantic Ave", "Pacific Ave", "Sunset Blvd", "Figueroa St"};
    snprintf(street, sizeof street, "%d %s", 100 + pick(g, 9800), streets[pick(g, N(streets))]);
    if (syz)
        snprintf(name, sizeof name, "%s %" PRId64, syz_kinds[syz_kind].name, 10 + n);
    else
        snprintf(name, sizeof name, "%s %s", adjectives[pick(g, N(adjectives))],
                 idx ? "Annex" : "Center");
    json_t *loc =
        json_pack("{s:s, s:s, s:s, s:f, s:f, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}], s:s}", "id",
                  id, "location_type", "physical", "name", name, "latitude", round(lat * 1e6) / 1e6,
                  "longitude", round(lon * 1e6) / 1e6, "addresses", "id", aid, "address_1", street,
                  "city", "Los Angeles County", "state_province", "CA", "postal_code", zips[z].zip,
                  "country", "US", "address_type", "physical", "transportation",
                  pick(g, 2) ? "Near a Metro bus stop" : "Street parking; bus lines nearby");
    if (syz) {
        char contact[96];
        snprintf(contact, sizeof contact, "Site lead, desk phone (213) 555-01%02d", pick(g, 100));
        json_object_set_new(loc, "x_safe_youth_zone", json_pack("{s:s}", "staff_contact", contact));
    }
    return loc;
}

json_t *
synth_service(uint64_t seed, int64_t n, int syz)
{
    rng g = {seed * 0x100000001b3ull ^ (uint64_t)n * 0x9e3779b97f4a7c15ull};
    (void)next(&g);
    char sid[64], oid[64], name[300], desc[1200], org_name[160];
    snprintf(sid, sizeof sid, "svc-%" PRIu64 "-%" PRId64, seed, n);
    int kind = pick(&g, N(kinds));
    int syz_kind = (int)(n % N(syz_kinds));
    /* about four services an organization */
    int64_t org = n / 4;
    rng og = {seed ^ (uint64_t)org * 0xd1342543de82ef95ull};
    snprintf(oid, sizeof oid, "org-%" PRIu64 "-%" PRId64, seed, org);
    snprintf(org_name, sizeof org_name, "%s %s (synthetic)", adjectives[pick(&og, N(adjectives))],
             org_kinds[pick(&og, N(org_kinds))]);
    size_t dl;
    if (syz) {
        snprintf(name, sizeof name, "Safe Youth Zone: %s %" PRId64, syz_kinds[syz_kind].name,
                 10 + n);
        dl = (size_t)snprintf(desc, sizeof desc,
                              "%s. Any youth who feels unsafe can walk in and ask for help; "
                              "staff will keep you safe and call an advocate.",
                              syz_kinds[syz_kind].what);
        snprintf(org_name, sizeof org_name, "Safe Youth Zone Network (synthetic)");
        snprintf(oid, sizeof oid, "org-%" PRIu64 "-syz", seed);
    } else {
        snprintf(name, sizeof name, "%s %s", adjectives[pick(&g, N(adjectives))], kinds[kind].name);
        dl = (size_t)snprintf(desc, sizeof desc, "%s.", kinds[kind].what);
        desc[0] = (char)(desc[0] - 'a' + 'A');
        int extra = 1 + pick(&g, 3);
        for (int i = 0; i < extra && dl < sizeof desc - 200; i++)
            dl += (size_t)snprintf(desc + dl, sizeof desc - dl, " %s", extras[pick(&g, N(extras))]);
        if (chance(&g, 0.002))
            dl += (size_t)snprintf(desc + dl, sizeof desc - dl, " We also offer %s.",
                                   rare[pick(&g, N(rare))]);
    }
    (void)dl;
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "id", sid, "name", name,
                          "description", desc, "status", "active", "organization", "id", oid,
                          "name", org_name, "description", "A synthetic organization.");
    /* ages */
    int ages = syz ? 0 : pick(&g, 5);
    static const int age_lo[] = {0, 12, 16, 0, 18}, age_hi[] = {0, 24, 24, 17, 25};
    if (ages) {
        if (age_lo[ages])
            json_object_set_new(s, "minimum_age", json_integer(age_lo[ages]));
        json_object_set_new(s, "maximum_age", json_integer(age_hi[ages]));
    }
    /* cost */
    if (syz || chance(&g, 0.6)) {
        json_object_set_new(s, "fees_description", json_string("Free of charge"));
        char cid[80];
        snprintf(cid, sizeof cid, "%s-cost", sid);
        json_object_set_new(s, "cost_options",
                            json_pack("[{s:s, s:i, s:s, s:s}]", "id", cid, "amount", 0, "currency",
                                      "USD", "option", "Free"));
    } else {
        json_object_set_new(s, "fees_description",
                            json_string("Sliding scale fees; Medi-Cal accepted"));
    }
    /* languages */
    json_t *ll = json_array();
    char lid[96];
    snprintf(lid, sizeof lid, "%s-lang-en", sid);
    json_array_append_new(ll,
                          json_pack("{s:s, s:s, s:s}", "id", lid, "name", "English", "code", "en"));
    if (syz || chance(&g, 0.5)) {
        snprintf(lid, sizeof lid, "%s-lang-es", sid);
        json_array_append_new(
            ll, json_pack("{s:s, s:s, s:s}", "id", lid, "name", "Spanish", "code", "es"));
    }
    if (chance(&g, 0.2)) {
        int k = pick(&g, N(langs));
        snprintf(lid, sizeof lid, "%s-lang-%s", sid, langs[k][0]);
        json_array_append_new(
            ll, json_pack("{s:s, s:s, s:s}", "id", lid, "name", langs[k][1], "code", langs[k][0]));
    }
    json_object_set_new(s, "languages", ll);
    /* taxonomy terms: the kind's, sometimes one more */
    json_t *attrs = json_array();
    int k2 = syz ? 14 : pick(&g, N(kinds));
    int terms[2] = {syz ? 1 : kind, k2};
    for (int i = 0; i < (terms[1] != terms[0] && chance(&g, 0.5) ? 2 : 1); i++) {
        char aid[96];
        snprintf(aid, sizeof aid, "%s-attr-%d", sid, i);
        json_array_append_new(
            attrs, json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "id", aid, "taxonomy_term", "id",
                             kinds[terms[i]].term_id, "code", kinds[terms[i]].term_code, "name",
                             kinds[terms[i]].term_name, "taxonomy", "Open Eligibility"));
    }
    json_object_set_new(s, "attributes", attrs);
    char pid[80];
    snprintf(pid, sizeof pid, "%s-phone", sid);
    json_object_set_new(s, "phones", phone(pid, &g));
    /* where: mostly one location, some two, crisis lines none */
    json_t *sals = json_array();
    int nloc = kind == 6 && !syz ? 0 : (chance(&g, 0.15) ? 2 : 1);
    for (int i = 0; i < nloc; i++) {
        char salid[96];
        snprintf(salid, sizeof salid, "%s-sal-%d", sid, i);
        json_array_append_new(sals, json_pack("{s:s, s:o}", "id", salid, "location",
                                              location(&g, sid, i, syz, syz_kind, n)));
    }
    json_object_set_new(s, "service_at_locations", sals);
    json_object_set_new(s, "schedules", schedules(&g, sid, syz ? syz_kind : kind, syz));
    return s;
}

hv_result
synth_write(const synth_options *o, FILE *out)
{
    if (fputs("{\"services\": [\n", out) == EOF)
        return HV_ERR_IO;
    for (int64_t i = 0; i < o->count; i++) {
        int64_t n = o->first + i;
        json_t *s = synth_service(o->seed, n, n < o->syz);
        if (!s)
            return HV_ERR_NOMEM;
        if (i && fputs(",\n", out) == EOF) {
            json_decref(s);
            return HV_ERR_IO;
        }
        int rc = json_dumpf(s, out, JSON_COMPACT | JSON_REAL_PRECISION(10));
        json_decref(s);
        if (rc != 0)
            return HV_ERR_IO;
    }
    if (fputs("\n]}\n", out) == EOF || fflush(out) == EOF)
        return HV_ERR_IO;
    return HV_OK;
}

hv_result
synth_demo(store_conn *c, int64_t n, hv_err *e)
{
    json_t *list = json_array();
    for (int64_t i = 0; i < n; i++)
        json_array_append_new(list, synth_service(SYNTH_DEMO_SEED, i, i < SYNTH_DEMO_SYZ));
    json_t *doc = json_pack("{s:o}", "services", list);
    hsds_report rep;
    hv_result r = hsds_import(c, doc, "demo directory", 0, "import", &rep, e);
    json_decref(doc);
    return r;
}
