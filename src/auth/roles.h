/*
 * roles.h - the roles a user can hold and the kinds an agency can be, each
 * with its label. Roles are a bit set in a principal; their names are what
 * the API and the database carry.
 */
#ifndef HAVEN_ROLES_H
#define HAVEN_ROLES_H

#include <stdint.h>

typedef enum role {
    ROLE_HOTLINE_WORKER,
    ROLE_RESPONDER,
    ROLE_SUPERVISOR,
    ROLE_ADVOCATE,
    ROLE_CLINICIAN,
    ROLE_OFFICER,
    ROLE_ANALYST,
    ROLE_DIRECTORY_EDITOR,
    ROLE_SITE_STAFF,
    ROLE_ADMINISTRATOR,
    ROLE__MAX
} role;

#define ROLE_BIT(r) (1u << (r))
/* 1 if principal P holds role R (a name without the ROLE_ prefix). */
#define HAS_ROLE(p, r) ((((p)->roles) & ROLE_BIT(ROLE_##r)) != 0)

/* NULL-terminated name lists, usable as field_desc choices. */
extern const char *const role_names[ROLE__MAX + 1];
extern const char *const role_labels[ROLE__MAX];
extern const char *const agency_kind_names[];
extern const char *const agency_kind_labels[];

/* -1 if NAME is not a role. */
int role_parse(const char *name);
/* Roles whose holders must use a second factor. */
uint32_t role_mfa_required_mask(void);

#endif
