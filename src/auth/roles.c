/* roles.c - role and agency-kind names and labels (see roles.h). */
#include "auth/roles.h"

#include <string.h>

const char *const role_names[ROLE__MAX + 1] = {
    [ROLE_HOTLINE_WORKER] = "hotline_worker",
    [ROLE_RESPONDER] = "responder",
    [ROLE_SUPERVISOR] = "supervisor",
    [ROLE_ADVOCATE] = "advocate",
    [ROLE_CLINICIAN] = "clinician",
    [ROLE_OFFICER] = "officer",
    [ROLE_ANALYST] = "analyst",
    [ROLE_DIRECTORY_EDITOR] = "directory_editor",
    [ROLE_SITE_STAFF] = "site_staff",
    [ROLE_ADMINISTRATOR] = "administrator",
    [ROLE__MAX] = NULL,
};

const char *const role_labels[ROLE__MAX] = {
    [ROLE_HOTLINE_WORKER] = "Hotline worker",
    [ROLE_RESPONDER] = "Responder (CTU / MART)",
    [ROLE_SUPERVISOR] = "Supervisor",
    [ROLE_ADVOCATE] = "Advocate",
    [ROLE_CLINICIAN] = "Clinician",
    [ROLE_OFFICER] = "Law-enforcement officer",
    [ROLE_ANALYST] = "Analyst (aggregates only)",
    [ROLE_DIRECTORY_EDITOR] = "Services directory editor",
    [ROLE_SITE_STAFF] = "Safe Youth Zone site staff",
    [ROLE_ADMINISTRATOR] = "Administrator",
};

const char *const agency_kind_names[] = {
    "law_enforcement",
    "hotline",
    "probation_ctu",
    "dcfs_mart",
    "advocacy",
    "medical",
    "mental_health",
    "placement_provider",
    "safe_youth_zone",
    "program_office",
    NULL,
};

const char *const agency_kind_labels[] = {
    "Law enforcement",
    "Child Protection Hotline",
    "Probation CTU",
    "DCFS MART",
    "Advocacy agency",
    "Medical (DHS Medical Hub)",
    "Mental health",
    "Placement provider",
    "Safe Youth Zone site",
    "Program office",
    NULL,
};

int
role_parse(const char *name)
{
    for (int i = 0; i < ROLE__MAX; i++)
        if (name && strcmp(role_names[i], name) == 0)
            return i;
    return -1;
}

uint32_t
role_mfa_required_mask(void)
{
    return ROLE_BIT(ROLE_ADMINISTRATOR) | ROLE_BIT(ROLE_SUPERVISOR);
}
