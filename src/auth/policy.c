/*
 * policy.c - the permission table (see policy.h).
 *
 * Read a row as: holders of ROLE may do ACTIONS to OBJECT within SCOPE.
 * Scopes: any object; objects of the holder's own agency; cases whose team
 * the holder is on; the holder's own user record. There is no rule for
 * administrators on cases: running the system does not mean reading a
 * child's file (need to know).
 */
#include "auth/policy.h"

#include <stddef.h>

#include "auth/roles.h"

typedef enum scope { SC_ANY, SC_AGENCY, SC_TEAM, SC_SELF } scope;

#define ANY_ROLE 0xffffffffu
#define R        ACT_READ
#define C        ACT_CREATE
#define U        ACT_UPDATE
#define A        ACT_ADMIN

typedef struct rule {
    uint32_t roles;
    policy_object obj;
    unsigned actions;
    scope sc;
    int without_mfa; /* allowed before the second factor is set up */
} rule;

#define ROLE(r) ROLE_BIT(ROLE_##r)

static const rule rules[] = {
    /* reference data every signed-in user needs for forms */
    {ANY_ROLE, OBJ_AGENCY, R, SC_ANY, 0},
    {ANY_ROLE, OBJ_STATION, R, SC_ANY, 0},
    /* one's own account: also before the second factor, to set it up */
    {ANY_ROLE, OBJ_USER, R | U, SC_SELF, 1},

    /* administration */
    {ROLE(ADMINISTRATOR), OBJ_AGENCY, R | C | U, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_STATION, R | C | U, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_USER, R | C | U | A, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_AUDIT, R, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_CLOCK, R | U, SC_ANY, 0},

    /* supervisors oversee their own agency's people and cases */
    {ROLE(SUPERVISOR), OBJ_USER, R, SC_AGENCY, 0},
    {ROLE(SUPERVISOR), OBJ_CASE, R | U, SC_AGENCY, 0},
    {ROLE(SUPERVISOR), OBJ_AGGREGATE, R, SC_ANY, 0},

    /* starting a response */
    {ROLE(HOTLINE_WORKER), OBJ_CASE, C, SC_ANY, 0},
    {ROLE(OFFICER), OBJ_CASE, C, SC_ANY, 0},
    {ROLE(SITE_STAFF), OBJ_CASE, C, SC_ANY, 0},

    /* the hotline sees and routes every referral */
    {ROLE(HOTLINE_WORKER), OBJ_CASE, R | U, SC_ANY, 0},

    /* working a case: only its team */
    {ROLE(RESPONDER), OBJ_CASE, R | U, SC_TEAM, 0},
    {ROLE(ADVOCATE), OBJ_CASE, R | U, SC_TEAM, 0},
    {ROLE(CLINICIAN), OBJ_CASE, R | U, SC_TEAM, 0},
    {ROLE(OFFICER), OBJ_CASE, R, SC_TEAM, 0},
    {ROLE(SITE_STAFF), OBJ_CASE, R, SC_TEAM, 0},

    /* beds, on-call lists, arrests */
    {ROLE(HOTLINE_WORKER) | ROLE(RESPONDER) | ROLE(ADVOCATE) | ROLE(SUPERVISOR) | ROLE(CLINICIAN),
     OBJ_BEDS, R, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_BEDS, R | U, SC_ANY, 0},
    {ROLE(SUPERVISOR), OBJ_BEDS, U, SC_AGENCY, 0},
    {ROLE(HOTLINE_WORKER) | ROLE(RESPONDER) | ROLE(ADVOCATE) | ROLE(SUPERVISOR), OBJ_ONCALL, R,
     SC_ANY, 0},
    {ROLE(SUPERVISOR), OBJ_ONCALL, C | U, SC_AGENCY, 0},
    {ROLE(ADMINISTRATOR), OBJ_ONCALL, R | C | U, SC_ANY, 0},
    {ROLE(OFFICER), OBJ_ARREST, R | C, SC_AGENCY, 0},
    {ROLE(SUPERVISOR), OBJ_ARREST, R | C, SC_AGENCY, 0},
    {ROLE(ADMINISTRATOR), OBJ_ARREST, R | C, SC_ANY, 0},

    /* figures and the directory */
    {ROLE(ANALYST), OBJ_AGGREGATE, R, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_AGGREGATE, R, SC_ANY, 0},
    /* The trackers are the program office's: analysts and administrators
     * keep them; supervisors read them. */
    {ROLE(ANALYST) | ROLE(ADMINISTRATOR), OBJ_PROGRAM, R | C | U, SC_ANY, 0},
    {ROLE(SUPERVISOR), OBJ_PROGRAM, R, SC_ANY, 0},
    /* The directory: editors and administrators keep it; the staff who
     * refer youth to services read the editors' view (the public reads
     * the public API). */
    {ROLE(DIRECTORY_EDITOR) | ROLE(ADMINISTRATOR), OBJ_DIRECTORY, R | C | U, SC_ANY, 0},
    {ROLE(HOTLINE_WORKER) | ROLE(RESPONDER) | ROLE(ADVOCATE) | ROLE(SUPERVISOR) | ROLE(CLINICIAN),
     OBJ_DIRECTORY, R, SC_ANY, 0},
    /* Safe Youth Zone sites: editors flag a location as a site, an
     * administrator links site staff to it; site staff read their own
     * sites (the handler lists only the sites they are linked to). */
    {ROLE(DIRECTORY_EDITOR), OBJ_SITE, R | U, SC_ANY, 0},
    {ROLE(ADMINISTRATOR), OBJ_SITE, R | C | U, SC_ANY, 0},
    {ROLE(SITE_STAFF), OBJ_SITE, R, SC_SELF, 0},

    /* record linkage (issue #7): supervisors and administrators review
     * uncertain pairs of youth records side by side, merge and unmerge;
     * suggestions at intake follow OBJ_CASE create */
    {ROLE(SUPERVISOR) | ROLE(ADMINISTRATOR), OBJ_LINKAGE, R | U, SC_ANY, 0},
};

#define NRULES (sizeof rules / sizeof rules[0])

static int
rule_applies(const rule *ru, const principal *p, policy_action act, policy_object obj)
{
    /* ACT must be one action the rule grants: a request for several at once
     * is not allowed by a rule that grants only one of them */
    return ru->obj == obj && act != 0 && (ru->actions & (unsigned)act) == (unsigned)act &&
           (ru->roles & p->roles) && (p->mfa_ok || ru->without_mfa);
}

int
policy_check(const principal *p, policy_action act, policy_object obj, const policy_ctx *ctx)
{
    if (!p || p->user_id <= 0)
        return 0;
    for (size_t i = 0; i < NRULES; i++) {
        const rule *ru = &rules[i];
        if (!rule_applies(ru, p, act, obj))
            continue;
        switch (ru->sc) {
        case SC_ANY:
            return 1;
        case SC_AGENCY:
            if (ctx && ctx->agency_id == p->agency_id && p->agency_id > 0)
                return 1;
            break;
        case SC_TEAM:
            if (ctx && ctx->on_case_team)
                return 1;
            break;
        case SC_SELF:
            if (ctx && ctx->user_id == p->user_id)
                return 1;
            break;
        }
    }
    return 0;
}

int
policy_may_some(const principal *p, policy_action act, policy_object obj)
{
    if (!p || p->user_id <= 0)
        return 0;
    for (size_t i = 0; i < NRULES; i++)
        if (rule_applies(&rules[i], p, act, obj) && rules[i].sc != SC_SELF)
            return 1;
    return 0;
}

int
policy_may_all(const principal *p, policy_action act, policy_object obj)
{
    if (!p || p->user_id <= 0)
        return 0;
    for (size_t i = 0; i < NRULES; i++)
        if (rule_applies(&rules[i], p, act, obj) && rules[i].sc == SC_ANY)
            return 1;
    return 0;
}

const char *
policy_object_name(policy_object obj)
{
    static const char *const names[OBJ__MAX] = {
        "agency",    "station", "user",   "audit",  "clock",   "case", "aggregate",
        "directory", "beds",    "arrest", "oncall", "program", "site", "linkage",
    };
    return obj < OBJ__MAX ? names[obj] : "unknown";
}
