/*
 * model.c - descriptors of the protocol's records (see model.h). Adding a
 * field is one line here and a column in a migration.
 */
#include "protocol/model.h"

#include <string.h>

#define NF(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *const referral_states[] = {"open",      "acknowledged", "on_scene",
                                       "follow_up", "closed",       NULL};

static const char *const genders[] = {
    "female", "male", "transgender_female", "transgender_male", "nonbinary", "unknown", NULL};

static const char *const identified_hows[] = {
    "patrol_contact",   "operation", "tip_or_call", "safe_youth_zone",
    "missing_recovery", "other",     NULL};

static const char *const involvements[] = {"none", "open_case", "prior_history", "unknown", NULL};

const char *const mdt_decisions[] = {"returned_home",        "relative", "soda_pad_bed",
                                     "foster_or_group",      "hospital", "juvenile_hall",
                                     "left_before_decision", "other",    NULL};

const char *const detention_reasons[] = {"warrant",
                                         "serious_new_offense",
                                         "probation_violation",
                                         "danger_to_self_or_others",
                                         "no_alternative",
                                         "other",
                                         NULL};

const char *const status_72h_values[] = {"home_with_family",     "with_relative", "soda_pad_bed",
                                         "foster_or_group_home", "hospital",      "detained",
                                         "runaway_awol",         "unknown",       NULL};

const char *const whereabouts_values[] = {"home",         "placement", "hospital", "detained",
                                          "runaway_awol", "unknown",   NULL};

const char *const mdt_member_values[] = {
    "youth", "lead", "advocate", "officer", "caregiver", "clinician", "attorney", "other", NULL};

const char *const close_reasons[] = {
    "services_completed", "youth_declined", "transferred", "youth_awol",
    "duplicate",          "not_csec",       "other",       NULL};

static const char *const meeting_kinds[] = {"initial", "follow_up", NULL};
static const char *const consent_kinds[] = {"medical_exam", "mental_health", "info_sharing", NULL};
static const char *const consent_givers[] = {"youth", "parent_or_guardian", "court",
                                             "social_worker", NULL};
static const char *const appointment_kinds[] = {"medical_exam", "mental_health_screening",
                                                "follow_up_care", NULL};
static const char *const appointment_states[] = {"scheduled", "attended", "no_show", "cancelled",
                                                 NULL};
static const char *const placement_kinds[] = {"home",          "relative",   "soda_pad",
                                              "foster_home",   "group_home", "hospital",
                                              "juvenile_hall", "other",      NULL};
static const char *const placement_end_reasons[] = {"moved_on", "returned_home", "awol",
                                                    "detained", "other",         NULL};
static const char *const contact_kinds[] = {"in_person", "phone",      "text", "court",
                                            "mdt",       "basic_need", NULL};
static const char *const needs[] = {"food",  "clothing", "shower",    "sleep",
                                    "phone", "hygiene",  "transport", NULL};
static const char *const events[] = {"acknowledge", "en_route", "arrive", "reroute", "close", NULL};
static const char *const sides[] = {"lead", "advocate", NULL};
static const char *const status_kinds[] = {"status_72h", "whereabouts", NULL};
static const char *const all_statuses[] = {"home_with_family",
                                           "with_relative",
                                           "soda_pad_bed",
                                           "foster_or_group_home",
                                           "hospital",
                                           "detained",
                                           "runaway_awol",
                                           "unknown",
                                           "home",
                                           "placement",
                                           NULL};

int
model_in(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

#define RO F_READONLY
#define CO F_CREATEONLY
#define RQ F_REQUIRED
#define SE F_SENSITIVE

static const field_desc youth_fields[] = {
    {"first_name", FT_TEXT, SE, 0, 80, NULL, NULL, "First name (may be unknown)"},
    {"last_name", FT_TEXT, SE, 0, 80, NULL, NULL, "Last name (may be unknown)"},
    {"aliases", FT_TEXT, SE, 0, 400, NULL, NULL, "Other names and nicknames, separated by ;"},
    {"dob", FT_DATE, SE, 0, 0, NULL, NULL, "Date of birth"},
    {"estimated_age", FT_INT, 0, 6, 25, NULL, NULL,
     "Estimated age when the date of birth is unknown"},
    {"gender", FT_ENUM, 0, 0, 0, genders, NULL, "Gender"},
    {"language", FT_TEXT, 0, 0, 40, NULL, NULL, "Preferred language"},
};
const record_desc youth_desc = {"youth", "youth", youth_fields, NF(youth_fields), "id", 1};

static const field_desc referral_fields[] = {
    {"number", FT_TEXT, RO, 0, 0, NULL, NULL, "Referral number"},
    {"state", FT_ENUM, RO, 0, 0, referral_states, NULL, "Where the response is"},
    {"version", FT_INT, RO, 0, 0, NULL, NULL, "Changes with every edit (the ETag)"},
    {"youth_id", FT_REF, CO, 0, 0, NULL, "youth", "A youth haven already knows"},
    {"opened_by", FT_REF, RO, 0, 0, NULL, "app_user", "Who opened the referral"},
    {"identifying_agency_id", FT_REF, RQ | CO, 0, 0, NULL, "agency", "Identifying agency"},
    {"station_id", FT_REF, CO, 0, 0, NULL, "station", "Station"},
    {"officer_name", FT_TEXT, 0, 0, 120, NULL, NULL, "Officer"},
    {"officer_badge", FT_TEXT, 0, 0, 40, NULL, NULL, "Officer's badge or serial number"},
    {"officer_phone", FT_TEXT, SE, 0, 40, NULL, NULL, "Officer's call-back number"},
    {"encountered_at", FT_TIME, RQ, 0, 0, NULL, NULL, "Time of the encounter"},
    {"encounter_location", FT_TEXT, SE, 0, 300, NULL, NULL, "Place of the encounter"},
    {"identified_how", FT_ENUM, RQ, 0, 0, identified_hows, NULL, "How the youth was identified"},
    {"staging_address", FT_TEXT, RQ | SE, 3, 300, NULL, NULL, "Staging area: address"},
    {"staging_lat", FT_TEXT, SE, 0, 20, NULL, NULL, "Staging area: latitude"},
    {"staging_lon", FT_TEXT, SE, 0, 20, NULL, NULL, "Staging area: longitude"},
    {"staging_site_id", FT_REF, CO, 0, 0, NULL, "dir_location",
     "Safe Youth Zone site the youth came to: its address is the staging area"},
    {"safety_concerns", FT_TEXT, SE, 0, 4000, NULL, NULL, "Immediate safety concerns"},
    {"medical_concerns", FT_TEXT, SE | F_HEALTH, 0, 4000, NULL, NULL, "Immediate medical concerns"},
    {"dcfs_involvement", FT_ENUM, RQ, 0, 0, involvements, NULL, "Known DCFS involvement"},
    {"probation_involvement", FT_ENUM, RQ, 0, 0, involvements, NULL, "Known Probation involvement"},
    {"other_youth_present", FT_INT, 0, 0, 50, NULL, NULL, "Other youth present"},
    {"lead_agency_id", FT_REF, CO, 0, 0, NULL, "agency", "Lead agency (to override the rules)"},
    {"override_reason", FT_TEXT, CO, 0, 500, NULL, NULL, "Why the rules were overridden"},
    {"routing_rule", FT_TEXT, RO, 0, 0, NULL, NULL, "The rule that chose the lead agency"},
    {"lead_user_id", FT_REF, RO, 0, 0, NULL, "app_user", "Lead responder"},
    {"advocacy_agency_id", FT_REF, RO, 0, 0, NULL, "agency", "Advocacy agency"},
    {"advocate_user_id", FT_REF, RO, 0, 0, NULL, "app_user", "Advocate"},
    {"acknowledged_at", FT_TIME, RO, 0, 0, NULL, NULL, "Lead acknowledged"},
    {"lead_en_route_at", FT_TIME, RO, 0, 0, NULL, NULL, "Lead en route"},
    {"lead_arrived_at", FT_TIME, RO, 0, 0, NULL, NULL, "Lead arrived"},
    {"advocate_notified_at", FT_TIME, RO, 0, 0, NULL, NULL, "Advocate notified"},
    {"advocate_en_route_at", FT_TIME, RO, 0, 0, NULL, NULL, "Advocate en route"},
    {"advocate_arrived_at", FT_TIME, RO, 0, 0, NULL, NULL, "Advocate arrived"},
    {"initial_decision", FT_ENUM, RO, 0, 0, mdt_decisions, NULL, "Initial MDT decision"},
    {"status_72h", FT_ENUM, RO, 0, 0, status_72h_values, NULL, "72-hour status"},
    {"status_72h_at", FT_TIME, RO, 0, 0, NULL, NULL, "72-hour status recorded"},
    {"whereabouts", FT_ENUM, RO, 0, 0, whereabouts_values, NULL, "Where the youth is now"},
    {"whereabouts_at", FT_TIME, RO, 0, 0, NULL, NULL, "Whereabouts recorded"},
    {"advocacy_closed_at", FT_TIME, RO, 0, 0, NULL, NULL, "Advocacy closed"},
    {"closed_at", FT_TIME, RO, 0, 0, NULL, NULL, "Closed"},
    {"close_reason", FT_ENUM, RO, 0, 0, close_reasons, NULL, "Why the case closed"},
};
const record_desc referral_desc = {"referral",          "referral", referral_fields,
                                   NF(referral_fields), "id DESC",  1};

static const field_desc mdt_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"kind", FT_ENUM, RQ | CO, 0, 0, meeting_kinds, NULL, "Initial or follow-up MDT"},
    {"held_at", FT_TIME, RQ, 0, 0, NULL, NULL, "When the MDT met"},
    {"members", FT_TEXT, 0, 0, 200, NULL, NULL,
     "Who took part: youth, lead, advocate, officer, caregiver, clinician, attorney, other "
     "(comma-separated)"},
    {"members_other", FT_TEXT, 0, 0, 300, NULL, NULL, "Others who took part (roles, not names)"},
    {"safety_plan", FT_TEXT, SE, 0, 8000, NULL, NULL, "Safety plan"},
    {"decision", FT_ENUM, 0, 0, 0, mdt_decisions, NULL, "Decision"},
    {"juvenile_hall_reason", FT_ENUM, 0, 0, 0, detention_reasons, NULL,
     "Reason, when the decision is juvenile hall"},
    {"transport", FT_TEXT, 0, 0, 1000, NULL, NULL, "Transport to placement and appointments"},
    {"follow_up_at", FT_TIME, 0, 0, 0, NULL, NULL, "Follow-up MDT"},
    {"notes", FT_TEXT, SE, 0, 8000, NULL, NULL, "Notes"},
    {"recorded_by", FT_REF, RO, 0, 0, NULL, "app_user", "Recorded by"},
};
const record_desc mdt_desc = {"mdt_meeting",  "mdt_meeting", mdt_fields,
                              NF(mdt_fields), "held_at",     1};

static const field_desc consent_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"kind", FT_ENUM, RQ | CO, 0, 0, consent_kinds, NULL, "What is consented to"},
    {"given_by", FT_ENUM, RQ | CO, 0, 0, consent_givers, NULL, "Who gave it"},
    {"agency_ids", FT_TEXT, CO, 0, 400, NULL, NULL,
     "For information sharing: the agencies it covers (comma-separated ids)"},
    {"given_at", FT_TIME, RQ | CO, 0, 0, NULL, NULL, "When it was given"},
    {"revoked_at", FT_TIME, RO, 0, 0, NULL, NULL, "When it was revoked"},
    {"recorded_by", FT_REF, RO, 0, 0, NULL, "app_user", "Recorded by"},
};
const record_desc consent_desc = {"consent",          "consent", consent_fields,
                                  NF(consent_fields), "id",      1};

static const field_desc appointment_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"kind", FT_ENUM, RQ | CO, 0, 0, appointment_kinds, NULL, "Kind of appointment"},
    {"scheduled_for", FT_TIME, RQ, 0, 0, NULL, NULL, "When"},
    {"location", FT_TEXT, 0, 0, 200, NULL, NULL, "Where (e.g. the Medical Hub)"},
    {"state", FT_ENUM, 0, 0, 0, appointment_states, NULL,
     "Scheduled, attended, no-show, cancelled"},
    {"attended_at", FT_TIME, RO, 0, 0, NULL, NULL, "Attended"},
    {"reschedule_count", FT_INT, RO, 0, 0, NULL, NULL, "Times rescheduled"},
    {"outcome", FT_TEXT, SE | F_HEALTH, 0, 4000, NULL, NULL, "Outcome (health detail)"},
};
const record_desc appointment_desc = {"appointment",          "appointment",   appointment_fields,
                                      NF(appointment_fields), "scheduled_for", 1};

static const field_desc placement_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"kind", FT_ENUM, RQ | CO, 0, 0, placement_kinds, NULL, "Kind of placement"},
    {"provider_agency_id", FT_REF, CO, 0, 0, NULL, "agency", "Bed provider (for SODA/PAD)"},
    {"started_at", FT_TIME, RQ | CO, 0, 0, NULL, NULL, "Entered"},
    {"ended_at", FT_TIME, RO, 0, 0, NULL, NULL, "Left"},
    {"end_reason", FT_ENUM, RO, 0, 0, placement_end_reasons, NULL, "Why the stay ended"},
    {"extended_until", FT_TIME, RO, 0, 0, NULL, NULL, "Stay extended until"},
    {"extension_reason", FT_TEXT, RO, 0, 0, NULL, NULL, "Why the stay was extended"},
};
const record_desc placement_desc = {"placement",          "placement",  placement_fields,
                                    NF(placement_fields), "started_at", 1};

static const field_desc contact_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"at", FT_TIME, RQ, 0, 0, NULL, NULL, "When"},
    {"kind", FT_ENUM, RQ, 0, 0, contact_kinds, NULL, "Kind of contact"},
    {"need", FT_ENUM, 0, 0, 0, needs, NULL, "Basic need met (for basic-need contacts)"},
    {"note", FT_TEXT, SE, 0, 4000, NULL, NULL, "Note"},
    {"by_user_id", FT_REF, RO, 0, 0, NULL, "app_user", "Recorded by"},
};
const record_desc contact_desc = {
    "advocacy_contact", "advocacy_contact", contact_fields, NF(contact_fields), "at", 1};

static const field_desc detention_fields[] = {
    {"referral_id", FT_REF, RO, 0, 0, NULL, "referral", "Referral"},
    {"started_at", FT_TIME, RQ, 0, 0, NULL, NULL, "Detained"},
    {"ended_at", FT_TIME, 0, 0, 0, NULL, NULL, "Released"},
    {"reason", FT_ENUM, RQ, 0, 0, detention_reasons, NULL, "Reason for detention"},
};
const record_desc detention_desc = {"detention",          "detention",  detention_fields,
                                    NF(detention_fields), "started_at", 1};

static const field_desc arrest_fields[] = {
    {"station_id", FT_REF, RQ, 0, 0, NULL, "station", "Arresting station"},
    {"arrested_on", FT_DATE, RQ, 0, 0, NULL, NULL, "Date of arrest"},
    {"charge_code", FT_TEXT, RQ | F_SEARCH, 1, 20, NULL, NULL, "Charge code (e.g. PC 647(b))"},
    {"charge_description", FT_TEXT, RQ | F_SEARCH, 1, 200, NULL, NULL, "Charge"},
    {"age_at_arrest", FT_INT, 0, 6, 25, NULL, NULL, "Age at arrest"},
    {"youth_id", FT_REF, 0, 0, 0, NULL, "youth", "Youth, when known"},
    {"referral_id", FT_REF, 0, 0, 0, NULL, "referral", "Referral, when known"},
};
const record_desc arrest_desc = {"arrest",          "arrest",           arrest_fields,
                                 NF(arrest_fields), "arrested_on DESC", 1};

static const field_desc oncall_fields[] = {
    {"agency_id", FT_REF, RQ, 0, 0, NULL, "agency", "Agency"},
    {"user_id", FT_REF, RQ, 0, 0, NULL, "app_user", "On-call user"},
    {"position", FT_INT, 0, 1, 100, NULL, NULL, "Order on the list (1 is called first)"},
};
const record_desc oncall_desc = {
    "oncall", "oncall", oncall_fields, NF(oncall_fields), "agency_id, position", 0};

static const field_desc event_fields[] = {
    {"event", FT_ENUM, RQ, 0, 0, events, NULL, "What happened"},
    {"as", FT_ENUM, 0, 0, 0, sides, NULL, "For en_route and arrive: lead or advocate"},
    {"reason", FT_TEXT, 0, 0, 500, NULL, NULL, "For reroute: why"},
    {"close_reason", FT_ENUM, 0, 0, 0, close_reasons, NULL, "For close: why"},
    {"lead_agency_id", FT_REF, 0, 0, 0, NULL, "agency", "For reroute: the new lead agency"},
};
const record_desc event_input_desc = {"referral_event", NULL, event_fields,
                                      NF(event_fields), NULL, 0};

static const field_desc status_fields[] = {
    {"kind", FT_ENUM, RQ, 0, 0, status_kinds, NULL,
     "The 72-hour status, or where the youth is now"},
    {"status", FT_ENUM, RQ, 0, 0, all_statuses, NULL, "The status"},
};
const record_desc status_input_desc = {"status", NULL, status_fields, NF(status_fields), NULL, 0};

static const field_desc extend_fields[] = {
    {"until", FT_TIME, RQ, 0, 0, NULL, NULL, "New end of the stay"},
    {"reason", FT_TEXT, RQ, 3, 500, NULL, NULL, "Why the stay is longer than 30 days"},
};
const record_desc extend_input_desc = {"extension",       NULL, extend_fields,
                                       NF(extend_fields), NULL, 0};

static const field_desc end_fields[] = {
    {"ended_at", FT_TIME, RQ, 0, 0, NULL, NULL, "Left"},
    {"reason", FT_ENUM, RQ, 0, 0, placement_end_reasons, NULL, "Why"},
};
const record_desc end_input_desc = {"placement_end", NULL, end_fields, NF(end_fields), NULL, 0};

static const field_desc capacity_fields[] = {
    {"capacity", FT_INT, RQ, 0, 500, NULL, NULL,
     "SODA/PAD beds this provider holds for the protocol"},
};
const record_desc capacity_input_desc = {"bed_capacity",      NULL, capacity_fields,
                                         NF(capacity_fields), NULL, 0};

/* Who may join a case team by hand (lead and advocate come by the protocol's
 * events), and the role a user must hold for each. */
const char *const team_roles[] = {"clinician", "officer", "site_staff", "member", NULL};
static const field_desc team_fields[] = {
    {"user_id", FT_INT, RQ, 1, 2147483647, NULL, NULL, "The person to add"},
    {"case_role", FT_ENUM, RQ, 0, 0, team_roles, NULL,
     "clinician (Medical Hub), officer, site_staff, or member (anyone else the MDT names)"},
};
const record_desc team_input_desc = {"team_member", NULL, team_fields, NF(team_fields), NULL, 0};

static const field_desc close_adv_fields[] = {
    {"closed_at", FT_TIME, RQ, 0, 0, NULL, NULL, "Advocacy closed"},
};
const record_desc close_advocacy_input_desc = {"advocacy_close",     NULL, close_adv_fields,
                                               NF(close_adv_fields), NULL, 0};
