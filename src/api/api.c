/*
 * api.c - the route table, the before hook (sign-in, second-factor gate,
 * CSRF), and helpers every handler uses.
 */
#include "api/api.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define J HTTP_JSON_BODY
#define A HTTP_AUTH

/* method, pattern, handler, flags, tag, summary, request schema, response schema, status */
const http_route api_routes[] = {
    {"GET", "/healthz", api_healthz, 0, "system", "Liveness: the process answers", NULL, "Health",
     200},
    {"GET", "/readyz", api_readyz, 0, "system",
     "Readiness: the database answers and start-up is done", NULL, "Health", 200},
    {"GET", "/metrics", api_metrics, 0, "system", "Prometheus metrics", NULL, NULL, 200},
    {"GET", "/api/v1/openapi.json", api_openapi_get, 0, "system", "This OpenAPI document", NULL,
     NULL, 200},
    {"GET", "/api/directory/config", api_directory_config, 0, "directory",
     "The public directory pages' map settings ([directory] tile_url, tile_attribution; "
     "empty: maps without tiles); no sign-in",
     NULL, "DirectoryConfig", 200},
    {"GET", "/api/v1/meta", api_meta, A, "system",
     "Agency kinds and roles with their labels, for forms", NULL, "Meta", 200},
    {"GET", "/api/v1/test/clock", api_clock_get, A, "system",
     "The server's clock (administrators; only with the test clock enabled)", NULL, "Clock", 200},
    {"POST", "/api/v1/test/clock", api_clock_set, A | J, "system",
     "Set or advance the server's clock (administrators; only with the test clock enabled)",
     "ClockInput", "Clock", 200},

    {"POST", "/api/v1/session", api_session_create, J | HTTP_NO_CSRF, "session",
     "Sign in with user name, password and (when set up) a TOTP code", "LoginInput", "LoginResult",
     200},
    {"DELETE", "/api/v1/session", api_session_delete, A | HTTP_ENROL_OK, "session", "Sign out",
     NULL, NULL, 204},
    {"GET", "/api/v1/me", api_me_get, A | HTTP_ENROL_OK, "session",
     "The signed-in user, their agency, roles, permissions and CSRF token", NULL, "Me", 200},
    {"POST", "/api/v1/me/password", api_me_password, A | J | HTTP_ENROL_OK, "session",
     "Change one's own password", "PasswordChange", NULL, 204},
    {"POST", "/api/v1/me/totp", api_me_totp_begin, A | HTTP_ENROL_OK, "session",
     "Start setting up a second factor: a new TOTP secret", NULL, "TotpSecret", 200},
    {"POST", "/api/v1/me/totp/confirm", api_me_totp_confirm, A | J | HTTP_ENROL_OK, "session",
     "Finish setting up the second factor with a code from the app", "TotpConfirm", "Me", 200},
    {"GET", "/api/v1/tokens", api_tokens_list, A, "session", "One's own API tokens", NULL,
     "TokenList", 200},
    {"POST", "/api/v1/tokens", api_tokens_create, A | J, "session",
     "Create an API token for an integration (shown once)", "TokenInput", "TokenCreated", 201},
    {"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, A, "session", "Revoke an API token", NULL,
     NULL, 204},

    {"GET", "/api/v1/agencies", api_agencies_list, A, "admin", "List agencies", NULL, "AgencyList",
     200},
    {"POST", "/api/v1/agencies", api_agencies_create, A | J, "admin", "Create an agency",
     "AgencyInput", "Agency", 201},
    {"GET", "/api/v1/agencies/{id}", api_agencies_get, A, "admin", "One agency", NULL, "Agency",
     200},
    {"PATCH", "/api/v1/agencies/{id}", api_agencies_update, A | J, "admin", "Change an agency",
     "AgencyPatch", "Agency", 200},
    {"GET", "/api/v1/stations", api_stations_list, A, "admin", "List stations", NULL, "StationList",
     200},
    {"POST", "/api/v1/stations", api_stations_create, A | J, "admin",
     "Create a law-enforcement station", "StationInput", "Station", 201},
    {"GET", "/api/v1/stations/{id}", api_stations_get, A, "admin", "One station", NULL, "Station",
     200},
    {"PATCH", "/api/v1/stations/{id}", api_stations_update, A | J, "admin", "Change a station",
     "StationPatch", "Station", 200},
    {"GET", "/api/v1/users", api_users_list, A, "admin",
     "List users (administrators: all; supervisors: their agency)", NULL, "UserList", 200},
    {"POST", "/api/v1/users", api_users_create, A | J, "admin", "Create a user", "UserInput",
     "User", 201},
    {"GET", "/api/v1/users/{id}", api_users_get, A, "admin", "One user", NULL, "User", 200},
    {"PATCH", "/api/v1/users/{id}", api_users_update, A | J, "admin",
     "Change a user's name, e-mail, agency, roles, or disable them", "UserPatch", "User", 200},
    {"POST", "/api/v1/users/{id}/password", api_users_password, A | J, "admin",
     "Set a new password for a user (also unlocks)", "PasswordReset", NULL, 204},
    {"POST", "/api/v1/users/{id}/unlock", api_users_unlock, A, "admin",
     "Unlock a user locked out by failed sign-ins", NULL, NULL, 204},
    {"POST", "/api/v1/users/{id}/totp/reset", api_users_totp_reset, A, "admin",
     "Remove a user's second factor so they set it up again", NULL, NULL, 204},
    {"GET", "/api/v1/audit", api_audit_list, A, "admin",
     "The audit log, newest first (administrators)", NULL, "AuditList", 200},

    {"POST", "/api/v1/referrals", api_referrals_create, A | J, "protocol",
     "Intake: open a referral from the CSEC Expedited Form (Idempotency-Key makes retries safe)",
     "IntakeInput", "Case", 201},
    {"GET", "/api/v1/referrals", api_referrals_list, A, "protocol",
     "Referrals the caller may see: the dispatch board (open=1, mine=1, state)", NULL, "Board",
     200},
    {"GET", "/api/v1/referrals/{id}", api_referral_get, A, "protocol",
     "The whole case, with an ETag", NULL, "Case", 200},
    {"PATCH", "/api/v1/referrals/{id}", api_referral_update, A | J, "protocol",
     "Change intake details (If-Match required)", "ReferralPatch", "Case", 200},
    {"POST", "/api/v1/referrals/{id}/events", api_referral_event, A | J, "protocol",
     "Move the response on: acknowledge, en_route, arrive, reroute, close (409 when illegal)",
     "ReferralEvent", "Case", 200},
    {"GET", "/api/v1/referrals/{id}/timeline", api_referral_timeline, A, "protocol",
     "Everything that happened on the case, oldest first", NULL, "Timeline", 200},
    {"POST", "/api/v1/referrals/{id}/mdt", api_referral_add, A | J, "protocol",
     "Record the initial or a follow-up MDT", "MdtMeetingInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/consents", api_referral_add, A | J, "protocol",
     "Record a consent or an information-sharing authorisation", "ConsentInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/appointments", api_referral_add, A | J, "protocol",
     "Schedule a Medical Hub or mental-health appointment", "AppointmentInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/placements", api_referral_add, A | J, "protocol",
     "Place the youth (SODA/PAD beds are checked against capacity)", "PlacementInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/contacts", api_referral_add, A | J, "protocol",
     "Log an advocacy contact or a basic need met", "AdvocacyContactInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/status", api_referral_add, A | J, "protocol",
     "Record the 72-hour status or where the youth is now", "StatusInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/detentions", api_referral_add, A | J, "protocol",
     "Record a detention and its reason", "DetentionInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/advocacy/close", api_referral_add, A | J, "protocol",
     "Close the advocacy period", "AdvocacyCloseInput", "Case", 201},
    {"POST", "/api/v1/referrals/{id}/team", api_referral_add, A | J, "protocol",
     "Add a person to the case team (a clinician, an officer, Safe Youth Zone staff, a member)",
     "TeamMemberInput", "Case", 201},
    {"DELETE", "/api/v1/referrals/{id}/team/{user_id}", api_referral_team_remove, A, "protocol",
     "Take a person off the case team (the lead and advocate change by reassignment)", NULL, "Case",
     200},
    {"GET", "/api/v1/referrals/{id}/team/candidates", api_referral_team_candidates, A, "protocol",
     "Active people who could join the case team in a role (role=clinician...)", NULL,
     "TeamCandidates", 200},
    {"PATCH", "/api/v1/appointments/{id}", api_appointment_update, A | J, "protocol",
     "Mark an appointment attended, no-show or cancelled, or reschedule it", "AppointmentPatch",
     "Case", 200},
    {"POST", "/api/v1/placements/{id}/extend", api_placement_extend, A | J, "protocol",
     "Extend a SODA/PAD stay past 30 days, with the reason", "ExtensionInput", "Case", 200},
    {"POST", "/api/v1/placements/{id}/end", api_placement_end, A | J, "protocol", "End a placement",
     "PlacementEndInput", "Case", 200},
    {"GET", "/api/v1/youth/matches", api_youth_matches, A, "protocol",
     "Known youth whose name and date of birth match exactly (first_name, last_name, dob)", NULL,
     "YouthMatches", 200},
    {"POST", "/api/v1/youth/suggestions", api_youth_suggestions, A | J, "linkage",
     "Known youth who may be the one being described, as the hotline worker types (names in the "
     "body only; audited without them)",
     "YouthInput", "YouthSuggestions", 200},
    {"GET", "/api/v1/youth/{id}/linked", api_youth_linked, A, "linkage",
     "The other records of a youth's person (\"also known as\"), with the merges that joined "
     "them",
     NULL, "YouthLinked", 200},
    {"GET", "/api/v1/link/pairs", api_link_pairs_list, A, "linkage",
     "The review queue: pairs of youth records that may be one person, side by side "
     "(?status=pending|unsure|same|different|unmerged; supervisors and administrators)",
     NULL, "LinkPairList", 200},
    {"GET", "/api/v1/link/pairs/{id}", api_link_pair_get, A, "linkage", "One pair, side by side",
     NULL, "LinkPair", 200},
    {"POST", "/api/v1/link/pairs/{id}/decision", api_link_pair_decide, A | J, "linkage",
     "Decide a pair: same (merge the two persons), different, or unsure", "LinkDecisionInput",
     "LinkPair", 200},
    {"POST", "/api/v1/link/merges/{id}/undo", api_link_merge_undo, A | J, "linkage",
     "Unmerge: every record the merge moved goes back to its person before it", "LinkUndoInput",
     "LinkUndone", 200},
    {"POST", "/api/v1/link/scan", api_link_scan, A, "linkage",
     "The batch over all known youth: queue the pairs the start-up deduplication found "
     "(?auto=1 also merges those above the automatic-link threshold)",
     NULL, "LinkScan", 200},
    {"GET", "/api/v1/tasks", api_tasks, A, "protocol",
     "The caller's open referrals and unread notifications", NULL, "Tasks", 200},
    {"GET", "/api/v1/outcomes", api_outcomes_get, A, "outcomes",
     "The outcomes dashboard: de-identified figures for a period (?from=, ?to= as YYYY-MM-DD or "
     "YYYY-MM; ?agency_id=, ?station_id=, ?lead_agency_id= as comma lists)",
     NULL, "Outcomes", 200},
    {"GET", "/api/v1/exports/{report}", api_exports_get, A, "outcomes",
     "A report as a file: report outcomes (with the dashboard's filters) or program; "
     "?format=csv|xlsx; ?table=ID for one table (CSV without it: every table, long format)",
     NULL, NULL, 200},
    {"GET", "/api/v1/notifications", api_notifications_list, A, "protocol",
     "The caller's notifications, newest first (unread=1)", NULL, "NotificationList", 200},
    {"POST", "/api/v1/notifications/{id}/read", api_notification_read, A, "protocol",
     "Mark a notification read", NULL, NULL, 204},
    {"GET", "/api/v1/events", api_events, A, "protocol",
     "Live events (text/event-stream): case changes and notifications; Last-Event-ID replays", NULL,
     NULL, 200},
    {"GET", "/api/v1/beds", api_beds_list, A, "protocol",
     "The bed board: SODA/PAD capacity, occupied and free beds per provider", NULL, "Beds", 200},
    {"PUT", "/api/v1/beds/{id}", api_beds_set, A | J, "protocol",
     "Set a provider's SODA/PAD capacity", "BedCapacityInput", "Beds", 200},
    {"GET", "/api/v1/oncall", api_oncall_list, A, "protocol", "The on-call lists", NULL,
     "OncallList", 200},
    {"POST", "/api/v1/oncall", api_oncall_create, A | J, "protocol",
     "Put a user on an agency's on-call list", "OncallInput", "Created", 201},
    {"DELETE", "/api/v1/oncall/{id}", api_oncall_delete, A, "protocol",
     "Take an entry off an on-call list", NULL, NULL, 204},
    {"GET", "/api/v1/arrests", api_arrests_list, A, "protocol",
     "Arrest records (own agency's stations; administrators all)", NULL, "ArrestList", 200},
    {"POST", "/api/v1/arrests", api_arrests_create, A | J, "protocol", "Record an arrest",
     "ArrestInput", "Arrest", 201},
    {"GET", "/api/v1/oncall/now", api_oncall_now, A, "notify",
     "Who is on call now, per agency: primary and backup (?agency_id=)", NULL, "OncallNow", 200},
    {"GET", "/api/v1/oncall/gaps", api_oncall_gaps, A, "notify",
     "Spans of the next days nobody is on call (?agency_id=, ?days=14)", NULL, "OncallGaps", 200},
    {"GET", "/api/v1/rotations", api_rotations_list, A, "notify", "On-call rotations (?agency_id=)",
     NULL, "RotationList", 200},
    {"POST", "/api/v1/rotations", api_rotations_create, A | J, "notify",
     "Create a rotation: members take shifts from a start date and hand-off time in a time zone",
     "RotationInput", "Rotation", 201},
    {"GET", "/api/v1/rotations/{id}", api_rotation_get, A, "notify", "One rotation", NULL,
     "Rotation", 200},
    {"PUT", "/api/v1/rotations/{id}", api_rotation_update, A | J, "notify", "Replace a rotation",
     "RotationInput", "Rotation", 200},
    {"DELETE", "/api/v1/rotations/{id}", api_rotation_delete, A, "notify", "Delete a rotation",
     NULL, NULL, 204},
    {"GET", "/api/v1/rotations/{id}/shifts", api_rotation_shifts, A, "notify",
     "A rotation's shifts between ?from= and ?to= (default: the next 14 days)", NULL, "ShiftList",
     200},
    {"POST", "/api/v1/rotations/{id}/overrides", api_override_create, A | J, "notify",
     "Put someone else on a rotation for a while", "OverrideInput", "Created", 201},
    {"DELETE", "/api/v1/overrides/{id}", api_override_delete, A, "notify", "Remove an override",
     NULL, NULL, 204},
    {"GET", "/api/v1/escalation-policies", api_policies_list, A, "notify",
     "The escalation policy an agency uses for each alert kind (?agency_id=)", NULL, "PolicyList",
     200},
    {"POST", "/api/v1/escalation-policies", api_policies_create, A | J, "notify",
     "Write an agency's policy for an alert kind", "PolicyInput", "Policy", 201},
    {"PUT", "/api/v1/escalation-policies/{id}", api_policy_update, A | J, "notify",
     "Change a policy", "PolicyInput", "Policy", 200},
    {"DELETE", "/api/v1/escalation-policies/{id}", api_policy_delete, A, "notify",
     "Delete a policy (the built-in default applies again)", NULL, NULL, 204},
    {"GET", "/api/v1/alerts", api_alerts_list, A, "notify",
     "Alerts one was paged for, or one's agency's (supervisors); ?state=all for closed ones", NULL,
     "AlertList", 200},
    {"GET", "/api/v1/alerts/{id}", api_alert_get, A, "notify",
     "One alert with every delivery of its messages", NULL, "Alert", 200},
    {"POST", "/api/v1/alerts/{id}/ack", api_alert_ack, A, "notify",
     "Acknowledge an alert: its escalation stops", NULL, "Alert", 200},
    {"GET", "/api/v1/ack/{token}", api_ack_get, 0, "notify",
     "What a signed acknowledgement link is for (no sign-in; never acknowledges)", NULL, "AckInfo",
     200},
    {"POST", "/api/v1/ack/{token}", api_ack_post, HTTP_NO_CSRF, "notify",
     "Acknowledge through a signed one-time link in a message (no sign-in)", NULL, "AckInfo", 200},
    {"POST", "/api/v1/sms/inbound", api_sms_inbound, HTTP_NO_CSRF, "notify",
     "The SMS provider's inbound webhook (Twilio-signed form): a reply such as 1a acknowledges",
     NULL, NULL, 200},
    {"GET", "/api/v1/me/contacts", api_contacts_list, A, "notify",
     "One's own contact methods (email, SMS, webhook)", NULL, "ContactList", 200},
    {"POST", "/api/v1/me/contacts", api_contacts_create, A | J, "notify",
     "Add a contact method; a code is sent through it (a webhook's secret is shown once)",
     "ContactInput", "Contact", 201},
    {"DELETE", "/api/v1/me/contacts/{id}", api_contact_delete, A, "notify",
     "Remove a contact method", NULL, NULL, 204},
    {"POST", "/api/v1/me/contacts/{id}/verify", api_contact_verify, A | J, "notify",
     "Verify a contact method with the code sent through it", "VerifyInput", "Contact", 200},
    {"POST", "/api/v1/me/contacts/{id}/resend", api_contact_resend, A, "notify",
     "Send a new verification code", NULL, NULL, 204},
    {"GET", "/api/v1/me/rules", api_rules_list, A, "notify",
     "One's notification rules (which method after how many minutes)", NULL, "RuleList", 200},
    {"POST", "/api/v1/me/rules", api_rules_create, A | J, "notify", "Add a notification rule",
     "RuleInput", "Created", 201},
    {"DELETE", "/api/v1/me/rules/{id}", api_rule_delete, A, "notify", "Remove a notification rule",
     NULL, NULL, 204},
    {"GET", "/api/v1/jurisdictions", api_jurisdictions_list, A, "program",
     "The expansion tracker: jurisdictions and their protocol status (?kind=, ?status=, ?q=)", NULL,
     "JurisdictionList", 200},
    {"POST", "/api/v1/jurisdictions", api_jurisdictions_create, A | J, "program",
     "Add a jurisdiction (a live one needs its go-live date; an area names its LASD station)",
     "JurisdictionInput", "Jurisdiction", 201},
    {"GET", "/api/v1/jurisdictions/{id}", api_jurisdiction_get, A, "program", "One jurisdiction",
     NULL, "Jurisdiction", 200},
    {"PATCH", "/api/v1/jurisdictions/{id}", api_jurisdiction_update, A | J, "program",
     "Change a jurisdiction's status, dates, population or notes", "JurisdictionPatch",
     "Jurisdiction", 200},
    {"GET", "/api/v1/deliverables", api_deliverables_list, A, "program",
     "The ILT's deliverables by due date, each with overdue and days_overdue (?status=, "
     "?overdue=true, ?q=)",
     NULL, "DeliverableList", 200},
    {"POST", "/api/v1/deliverables", api_deliverables_create, A | J, "program",
     "Add a deliverable (a done one needs completed_on)", "DeliverableInput", "Deliverable", 201},
    {"GET", "/api/v1/deliverables/{id}", api_deliverable_get, A, "program", "One deliverable", NULL,
     "Deliverable", 200},
    {"PATCH", "/api/v1/deliverables/{id}", api_deliverable_update, A | J, "program",
     "Change a deliverable; mark it done with status done and completed_on", "DeliverablePatch",
     "Deliverable", 200},
    {"GET", "/api/v1/program", api_program_get, A, "program",
     "The expansion and deliverables summary as report tables (docs/metrics.md)", NULL,
     "ProgramReport", 200},

    {"GET", "/api/v1/directory/services", api_direditor_list, A, "directory",
     "Editors: find services by name, organization or HSDS id (?q=, ?page=, ?per_page=)", NULL,
     "DirServiceList", 200},
    {"POST", "/api/v1/directory/services", api_direditor_create, A | J, "directory",
     "Editors: add a service sent as HSDS 3.0 JSON (through the importer, source editor)",
     "DirServiceInput", "DirService", 201},
    {"GET", "/api/v1/directory/services/{id}", api_direditor_get, A, "directory",
     "Editors: one service as HSDS JSON, with its locations and their Safe Youth Zone flags", NULL,
     "DirService", 200},
    {"PUT", "/api/v1/directory/services/{id}", api_direditor_update, A | J, "directory",
     "Editors: replace a service with edited HSDS JSON (kept in its change history); If-Match "
     "with the ETag read makes a concurrent edit a 412",
     "DirServiceInput", "DirService", 200},
    {"POST", "/api/v1/directory/services/{id}/verify", api_direditor_verify, A, "directory",
     "Editors: mark a service verified today (verified_at, assured_date)", NULL, "DirService", 200},
    {"GET", "/api/v1/directory/services/{id}/history", api_direditor_history, A, "directory",
     "Editors: a service's changes, newest first, each with its field-level diff", NULL,
     "DirHistory", 200},
    {"GET", "/api/v1/directory/reports/unverified", api_direditor_unverified, A, "directory",
     "Editors: services not verified in 12 months (?months=) or never, oldest first", NULL,
     "DirUnverified", 200},
    {"POST", "/api/v1/directory/import", api_direditor_import, A | J, "directory",
     "Editors: import an HSDS JSON file from the page; all or nothing, errors name file, row "
     "and field",
     "DirImportInput", "DirImportResult", 200},
    {"PUT", "/api/v1/directory/locations/{id}/syz", api_syz_flag, A | J, "directory",
     "Editors: flag a location as a Safe Youth Zone site (or not), with its staff contact",
     "SiteFlagInput", "SiteList", 200},
    {"GET", "/api/v1/sites", api_syz_sites, A, "directory",
     "Safe Youth Zone sites: all (editors, administrators) or one's own (site staff; ?mine=1)",
     NULL, "SiteList", 200},
    {"POST", "/api/v1/sites/{id}/staff", api_syz_staff_add, A | J, "directory",
     "Administrators: link a site staff user to a Safe Youth Zone site", "SiteStaffInput",
     "SiteList", 200},
    {"DELETE", "/api/v1/sites/{id}/staff/{user_id}", api_syz_staff_remove, A, "directory",
     "Administrators: unlink a site staff user from a site", NULL, "SiteList", 200},
    {"POST", "/api/v1/test/stall", api_test_stall, A | J, "system",
     "Stall the clock scheduler or the delivery workers (administrators; test clock only)",
     "StallInput", NULL, 204},
    /* the services directory, public (api_directory.c; docs/directory.md) */
    {"GET", "/api/directory", api_directory_root, 0, "directory",
     "The directory API's root (HSDS 3.0 API reference)", NULL, "DirectoryRoot", 200},
    {"GET", "/api/directory/", api_directory_root, 0, "directory",
     "The directory API's root (HSDS 3.0 API reference)", NULL, "DirectoryRoot", 200},
    {"GET", "/api/directory/services", api_directory_services, 0, "directory",
     "Search services: words, near a place, open now, age, language, free, taxonomy terms", NULL,
     "DirectoryPage", 200},
    {"GET", "/api/directory/services/{id}", api_directory_service, 0, "directory",
     "One service in full (HSDS id), with open_now and hours_text", NULL, "DirectoryService", 200},
    {"GET", "/api/directory/organizations", api_directory_organizations, 0, "directory",
     "Organizations (search: text in the name)", NULL, "DirectoryPage", 200},
    {"GET", "/api/directory/organizations/{id}", api_directory_organization, 0, "directory",
     "One organization (HSDS id)", NULL, NULL, 200},
    {"GET", "/api/directory/service_at_locations", api_directory_sals, 0, "directory",
     "Services at locations (postcode, proximity)", NULL, "DirectoryPage", 200},
    {"GET", "/api/directory/service_at_locations/{id}", api_directory_sal, 0, "directory",
     "One service at a location (HSDS id)", NULL, NULL, 200},
    {"GET", "/api/directory/taxonomies", api_directory_taxonomies, 0, "directory", "Taxonomies",
     NULL, "DirectoryPage", 200},
    {"GET", "/api/directory/taxonomy_terms", api_directory_terms, 0, "directory",
     "Taxonomy terms (taxonomy_id, parent_id, top_only)", NULL, "DirectoryPage", 200},
    {"GET", "/api/directory/taxonomy_terms/{id}", api_directory_term, 0, "directory",
     "One taxonomy term (HSDS id)", NULL, NULL, 200},
    {"GET", "/api/directory/locations/{id}", api_directory_location, 0, "directory",
     "One location (HSDS id)", NULL, NULL, 200},
    {"GET", "/api/directory/sites", api_directory_sites, 0, "directory",
     "Safe Youth Zone sites: address, hours, open now, staff contact (near, radius_mi, open_now)",
     NULL, "DirectorySites", 200},
};
const int api_nroutes = (int)(sizeof api_routes / sizeof api_routes[0]);

int64_t
api_query_id(http_req *r, const char *name)
{
    const char *s = http_query(r, name);
    if (!s || !*s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || v <= 0 ? -1 : (int64_t)v;
}

int64_t
api_path_id(http_req *r)
{
    int64_t id = http_param_id(r, 0);
    if (id <= 0)
        http_send_problem(r, 404, "not-found", "Not found", NULL, "there is no such record");
    return id;
}

void
api_send_items(http_req *r, const char *sql, const store_val *args, int nargs, store_row_fn fn)
{
    json_t *items = json_array();
    store_conn *c;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = store_query(c, sql, args, nargs, fn, items);
        store_release(c);
    }
    if (res != HV_OK) {
        json_decref(items);
        http_send_err(r, res, NULL);
        return;
    }
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

void
api_send_list(http_req *r, api_list_fn fill, int64_t id, const char *action,
              const char *object_type)
{
    store_conn *c;
    json_t *items = NULL;
    hv_result res = store_read(api_app(r)->st, &c);
    if (res == HV_OK) {
        res = fill(c, r, id, &items);
        store_release(c);
    }
    if (res != HV_OK) {
        json_decref(items);
        http_send_err(r, res, NULL);
        return;
    }
    if (action)
        api_audit(r, action, object_type, id);
    http_send_json(r, 200, json_pack("{s:o}", "items", items));
}

haven_app *
api_app(http_req *r)
{
    return r->app;
}

session_info *
api_who(http_req *r)
{
    return r->auth;
}

audit_event
api_event(http_req *r, const char *action, const char *object_type, int64_t object_id)
{
    session_info *si = api_who(r);
    audit_event ev = {
        .actor_user_id = si ? si->p.user_id : 0,
        .actor_kind = si ? (si->token_id ? "token" : "user") : "anonymous",
        .action = action,
        .object_type = object_type,
        .object_id = object_id,
        .request_id = r->request_id,
        .outcome = "ok",
    };
    return ev;
}

void
api_audit(http_req *r, const char *action, const char *object_type, int64_t object_id)
{
    audit_event ev = api_event(r, action, object_type, object_id);
    haven_app *app = api_app(r);
    if (audit_record(app->st, app->keys, &ev) != HV_OK)
        log_event(LOG_ERROR, "audit append failed",
                  json_pack("{s:s, s:s}", "request_id", r->request_id, "action", action));
}

static void
audit_denied(http_req *r, const char *action, const char *object_type, int64_t object_id,
             const char *reason)
{
    audit_event ev = api_event(r, action, object_type, object_id);
    ev.outcome = "denied";
    ev.reason = reason;
    haven_app *app = api_app(r);
    (void)audit_record(app->st, app->keys, &ev);
}

int
api_allow(http_req *r, policy_action act, policy_object obj, const policy_ctx *ctx,
          int64_t object_id)
{
    session_info *si = api_who(r);
    if (si && policy_check(&si->p, act, obj, ctx))
        return 1;
    char action[64];
    const char *verb = act == ACT_READ     ? "read"
                       : act == ACT_CREATE ? "create"
                       : act == ACT_UPDATE ? "update"
                                           : "admin";
    snprintf(action, sizeof action, "%s.%s", policy_object_name(obj), verb);
    audit_denied(r, action, policy_object_name(obj), object_id, "policy");
    http_send_problem(r, 403, "forbidden", "Not allowed", NULL,
                      "your role does not allow this; ask an administrator if you need it");
    return 0;
}

json_t *
api_input(http_req *r, const record_desc *d, enum record_mode mode)
{
    json_t *vals = NULL;
    hv_err e = {0};
    hv_result res = record_parse(d, r->json, mode, &vals, &e);
    if (res != HV_OK) {
        http_send_err(r, res, &e);
        return NULL;
    }
    return vals;
}

static int
same_origin(http_req *r)
{
    const char *origin = http_header(r, "Origin");
    const char *host = http_header(r, "Host");
    if (!origin)
        return 1; /* not a browser cross-site request; the token still applies */
    if (!host)
        return 0;
    const char *p = strstr(origin, "://");
    return p && strcmp(p + 3, host) == 0;
}

int
api_before(http_req *r)
{
    haven_app *app = api_app(r);
    unsigned fl = r->route->flags;
    const char *authz = http_header(r, "Authorization");
    const char *cookie = http_cookie(r, "haven_session");
    session_info *si = calloc(1, sizeof *si);
    int via_cookie = 0;
    hv_result res = HV_ERR_UNAUTH;
    if (!si) {
        http_send_err(r, HV_ERR_NOMEM, NULL);
        return 1;
    }
    if (authz && strncmp(authz, "Bearer ", 7) == 0) {
        res = session_token_lookup(app->st, authz + 7, si);
    } else if (cookie) {
        res = session_lookup(app->st, &app->lim, cookie, si);
        via_cookie = 1;
    }
    if (res == HV_OK) {
        r->auth = si;
    } else {
        free(si);
        si = NULL;
        if (res != HV_ERR_UNAUTH) {
            http_send_err(r, res, NULL);
            return 1;
        }
    }
    if (!(fl & HTTP_AUTH))
        return 0;
    if (!si) {
        if (cookie)
            http_set_header(r, "Set-Cookie",
                            "haven_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        audit_denied(r, "access", "route", 0, "unauthenticated");
        http_send_problem(r, 401, "unauthenticated", "Sign-in required", NULL,
                          "sign in first (your session may have expired)");
        return 1;
    }
    if (si->enrollment_required && !(fl & HTTP_ENROL_OK)) {
        audit_denied(r, "access", "route", 0, "mfa_enrollment_required");
        http_send_problem(r, 403, "totp-enrollment-required", "Second factor required", NULL,
                          "your role needs a second factor: set it up on your account page "
                          "first");
        return 1;
    }
    int safe = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (via_cookie && !safe && !(fl & HTTP_NO_CSRF)) {
        const char *tok = http_header(r, "X-CSRF-Token");
        size_t n = strlen(si->csrf);
        if (!tok || strlen(tok) != n || sodium_memcmp(tok, si->csrf, n) != 0 || !same_origin(r)) {
            audit_denied(r, "access", "route", 0, "csrf");
            http_send_problem(r, 403, "csrf", "Not allowed", "X-CSRF-Token",
                              "the request lacks a valid CSRF token; reload the page");
            return 1;
        }
    }
    return 0;
}
