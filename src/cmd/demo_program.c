/*
 * demo_program.c - the demo's expansion and deliverables trackers.
 *
 * Jurisdictions: the stations `haven demo` creates, live since their
 * go-live dates (pointing at the demo's station rows); more LASD stations
 * on the way; the contract cities and unincorporated areas they serve;
 * cities with their own police department. Population figures are public
 * figures rounded to the thousand (2020 census, approximate); an LASD
 * station's own row carries none, its residents are on the rows of the
 * areas it serves. Dates after the pilot are invented for the demo.
 *
 * Deliverables: the protocols and products the Integrated Leadership Team's
 * report back of 26 August 2016 lists, as a work plan with 2025-2027 dates
 * (some done, some overdue in late 2026).
 *
 * Everything goes through program_*_save(), so the demo obeys the same
 * rules as the API.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "report/program.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A row: name, kind, status, population (0: none), planned and go-live
 * dates, the demo station it stands for, the LASD station row serving it. */
static const struct {
    const char *name, *kind, *status;
    int population;
    const char *planned, *live_on, *station, *served_by;
} places[] = {
    /* the pilot and the first expansions: the demo's stations */
    {"LASD Century Station", "lasd_station", "live", 0, NULL, "2014-08-15", "LASD Century Station",
     NULL},
    {"LASD Compton Station", "lasd_station", "live", 0, NULL, "2014-08-15", "LASD Compton Station",
     NULL},
    {"Long Beach", "city_police", "live", 466000, NULL, "2014-08-15", "Long Beach PD", NULL},
    {"LASD Transit Services Bureau", "lasd_station", "live", 0, NULL, "2015-06-19",
     "LASD Transit Bureau – LA Basin", NULL},
    {"LAPD 77th Street Area", "city_police", "live", 175000, NULL, "2015-12-09", "LAPD 77th Street",
     NULL},
    {"LAPD Southeast Area", "city_police", "live", 150000, NULL, "2015-12-09", "LAPD Southeast",
     NULL},
    {"LASD Lancaster Station", "lasd_station", "live", 0, NULL, "2016-05-12",
     "LASD Lancaster Station", NULL},
    {"LASD Palmdale Station", "lasd_station", "live", 0, NULL, "2016-05-12",
     "LASD Palmdale Station", NULL},
    {"LASD Santa Clarita Valley Station", "lasd_station", "live", 0, NULL, "2016-05-12",
     "LASD Santa Clarita Station", NULL},
    /* the areas those stations serve */
    {"City of Lynwood", "contract_city", "live", 67000, NULL, "2014-08-15", NULL,
     "LASD Century Station"},
    {"Florence-Firestone", "unincorporated", "live", 62000, NULL, "2014-08-15", NULL,
     "LASD Century Station"},
    {"Walnut Park", "unincorporated", "live", 16000, NULL, "2014-08-15", NULL,
     "LASD Century Station"},
    {"City of Compton", "contract_city", "live", 96000, NULL, "2014-08-15", NULL,
     "LASD Compton Station"},
    {"Willowbrook", "unincorporated", "live", 36000, NULL, "2014-08-15", NULL,
     "LASD Compton Station"},
    {"East Rancho Dominguez", "unincorporated", "live", 15000, NULL, "2014-08-15", NULL,
     "LASD Compton Station"},
    {"City of Lancaster", "contract_city", "live", 173000, NULL, "2016-05-12", NULL,
     "LASD Lancaster Station"},
    {"Quartz Hill", "unincorporated", "live", 11000, NULL, "2016-05-12", NULL,
     "LASD Lancaster Station"},
    {"City of Palmdale", "contract_city", "live", 169000, NULL, "2016-05-12", NULL,
     "LASD Palmdale Station"},
    {"Lake Los Angeles", "unincorporated", "training", 13000, "2027-01-15", NULL, NULL,
     "LASD Palmdale Station"},
    {"City of Santa Clarita", "contract_city", "live", 229000, NULL, "2016-05-12", NULL,
     "LASD Santa Clarita Valley Station"},
    {"Stevenson Ranch", "unincorporated", "live", 20000, NULL, "2016-05-12", NULL,
     "LASD Santa Clarita Valley Station"},
    /* LASD stations not live yet, and their areas */
    {"LASD Lakewood Station", "lasd_station", "training", 0, "2027-01-15", NULL, NULL, NULL},
    {"City of Lakewood", "contract_city", "training", 82000, "2027-01-15", NULL, NULL,
     "LASD Lakewood Station"},
    {"City of Bellflower", "contract_city", "training", 79000, "2027-01-15", NULL, NULL,
     "LASD Lakewood Station"},
    {"City of Paramount", "contract_city", "training", 54000, "2027-01-15", NULL, NULL,
     "LASD Lakewood Station"},
    {"City of Artesia", "contract_city", "planning", 16000, "2027-03-01", NULL, NULL,
     "LASD Lakewood Station"},
    {"LASD Norwalk Station", "lasd_station", "planning", 0, "2027-04-01", NULL, NULL, NULL},
    {"City of Norwalk", "contract_city", "planning", 102000, "2027-04-01", NULL, NULL,
     "LASD Norwalk Station"},
    {"City of La Mirada", "contract_city", "planning", 48000, "2027-04-01", NULL, NULL,
     "LASD Norwalk Station"},
    {"LASD West Hollywood Station", "lasd_station", "training", 0, "2026-12-01", NULL, NULL, NULL},
    {"City of West Hollywood", "contract_city", "training", 35000, "2026-12-01", NULL, NULL,
     "LASD West Hollywood Station"},
    {"LASD Industry Station", "lasd_station", "planning", 0, "2027-06-01", NULL, NULL, NULL},
    {"City of La Puente", "contract_city", "planning", 38000, "2027-06-01", NULL, NULL,
     "LASD Industry Station"},
    {"Hacienda Heights", "unincorporated", "planning", 54000, "2027-06-01", NULL, NULL,
     "LASD Industry Station"},
    {"Rowland Heights", "unincorporated", "planning", 48000, "2027-06-01", NULL, NULL,
     "LASD Industry Station"},
    {"LASD Carson Station", "lasd_station", "not_started", 0, NULL, NULL, NULL, NULL},
    {"City of Carson", "contract_city", "not_started", 95000, NULL, NULL, NULL,
     "LASD Carson Station"},
    {"LASD Lomita Station", "lasd_station", "not_started", 0, "2027-10-01", NULL, NULL, NULL},
    {"City of Lomita", "contract_city", "not_started", 20000, "2027-10-01", NULL, NULL,
     "LASD Lomita Station"},
    {"City of Rancho Palos Verdes", "contract_city", "not_started", 42000, "2027-10-01", NULL, NULL,
     "LASD Lomita Station"},
    {"LASD East Los Angeles Station", "lasd_station", "planning", 0, "2027-02-15", NULL, NULL,
     NULL},
    {"East Los Angeles", "unincorporated", "planning", 119000, "2027-02-15", NULL, NULL,
     "LASD East Los Angeles Station"},
    /* cities with their own police department */
    {"Inglewood", "city_police", "training", 107000, "2027-01-04", NULL, NULL, NULL},
    {"Pasadena", "city_police", "planning", 138000, "2027-05-01", NULL, NULL, NULL},
    {"Pomona", "city_police", "planning", 152000, "2027-07-01", NULL, NULL, NULL},
    {"Torrance", "city_police", "not_started", 147000, NULL, NULL, NULL, NULL},
    {"Glendale", "city_police", "not_started", 197000, NULL, NULL, NULL, NULL},
};

/* The report back's protocols and products: title, owner, the agency of
 * the demo standing for the owner, due date, status, completion date. */
static const struct {
    const char *title, *description, *owner, *agency, *due, *status, *done_on;
} work[] = {
    {"Interagency CSEC protocol under SB 855",
     "Crisis, initial and ongoing MDT response, core practice model, child and family teams.",
     "Program office", "Integrated Leadership Team (Program Office)", "2025-06-30", "done",
     "2025-06-20"},
    {"Probation and DCFS identification and response protocols (CSE-IT)",
     "Internal identification with the CSE-IT, data collection, multidisciplinary response; "
     "specialized advocacy guidance.",
     "Probation", "Probation Child Trafficking Unit", "2025-09-30", "done", "2025-10-14"},
    {"SB 794 policies: screening, services and documentation",
     "Screening to identify CSEC, appropriate services, documentation in the case management "
     "system.",
     "DCFS", "DCFS Multi-Agency Response Team", "2026-06-30", "in_progress", NULL},
    {"Runaway and missing youth procedures",
     "Locating youth missing from care, NCMEC reports, why the youth ran and how they survived, "
     "screening for exploitation while away.",
     "DCFS", "DCFS Multi-Agency Response Team", "2026-12-31", "in_progress", NULL},
    {"Interagency Detention Identification and Response Protocol",
     "Trafficked youth detained in juvenile hall, camp and Dorothy Kirby Center.", "Probation",
     "Probation Child Trafficking Unit", "2026-08-31", "blocked", NULL},
    {"Victim Witness Testimony Protocol",
     "Preparing and supporting a child who testifies against their exploiter.", "Program office",
     "Integrated Leadership Team (Program Office)", "2027-03-31", "not_started", NULL},
    {"STAR and DREAM specialty court protocols",
     "Assessment, multidisciplinary case reviews and tracking of cases.", "Probation",
     "Probation Child Trafficking Unit", "2027-01-31", "in_progress", NULL},
    {"Probation and DCFS Child Trafficking Operational Manual",
     "Referral and assessment, safety planning and case management, enhanced supervision, "
     "AB 12 and ILP services.",
     "Probation", "Probation Child Trafficking Unit", "2026-10-31", "in_progress", NULL},
    {"Executive summaries: 211 portal, Safe Youth Zones, foster care roundtables", NULL,
     "Program office", "Integrated Leadership Team (Program Office)", "2025-11-30", "done",
     "2025-11-24"},
    {"Update of the Law Enforcement First Responder Protocol",
     "Successes, lessons learned and outcomes of the first years.", "Sheriff's Department",
     "Los Angeles County Sheriff's Department", "2026-09-30", "in_progress", NULL},
    {"Training plan to expand the protocol to fire and medical personnel", NULL,
     "Sheriff's Department", "Los Angeles County Sheriff's Department", "2027-06-30", "not_started",
     NULL},
    {"Housing and placement research",
     "Which placements and services engage and stabilise CSEC; with the National Center for "
     "Youth Law.",
     "Probation", "Probation Child Trafficking Unit", "2027-09-30", "in_progress", NULL},
    {"Comprehensive report on the County's CSEC work", NULL, "Program office",
     "Integrated Leadership Team (Program Office)", "2027-12-31", "not_started", NULL},
};

/* The id of the row of TABLE named NAME, 0 if none. */
static int64_t
id_by_name(store_conn *c, const char *table, const char *name)
{
    char sql[96];
    int64_t id = 0;
    store_val a[] = {SV_TEXTV(name)};
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE name = ?", table);
    if (name && store_query_int(c, sql, a, 1, &id) != HV_OK)
        id = 0;
    return id;
}

hv_result
demo_program(store_conn *c, hv_err *e)
{
    char today[16];
    program_today(today, sizeof today);
    hv_result r = HV_OK;
    for (size_t i = 0; r == HV_OK && i < N(places); i++) {
        json_t *v = json_pack("{s:s, s:s, s:s}", "name", places[i].name, "kind", places[i].kind,
                              "status", places[i].status);
        if (places[i].population)
            json_object_set_new(v, "population", json_integer(places[i].population));
        if (places[i].planned)
            json_object_set_new(v, "planned_date", json_string(places[i].planned));
        if (places[i].live_on)
            json_object_set_new(v, "go_live_date", json_string(places[i].live_on));
        int64_t station = id_by_name(c, "station", places[i].station);
        if (station)
            json_object_set_new(v, "station_id", json_integer(station));
        if (places[i].served_by)
            json_object_set_new(v, "served_by_id",
                                json_integer(id_by_name(c, "jurisdiction", places[i].served_by)));
        int64_t id = 0;
        r = program_jurisdiction_save(c, 0, v, today, &id, e);
        json_decref(v);
    }
    for (size_t i = 0; r == HV_OK && i < N(work); i++) {
        json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "title", work[i].title, "owner",
                              work[i].owner, "due_date", work[i].due, "status", work[i].status);
        if (work[i].description)
            json_object_set_new(v, "description", json_string(work[i].description));
        if (work[i].done_on)
            json_object_set_new(v, "completed_on", json_string(work[i].done_on));
        int64_t agency = id_by_name(c, "agency", work[i].agency);
        if (agency)
            json_object_set_new(v, "owner_agency_id", json_integer(agency));
        int64_t id = 0;
        r = program_deliverable_save(c, 0, v, today, &id, e);
        json_decref(v);
    }
    return r;
}
