/* inputs.c - declared request bodies (see inputs.h). */
#include "api/inputs.h"

static const field_desc login_fields[] = {
    {"username", FT_TEXT, F_REQUIRED, 1, 64, NULL, NULL, "User name"},
    {"password", FT_TEXT, F_REQUIRED | F_RAW, 1, 256, NULL, NULL, "Password"},
    {"totp", FT_TEXT, 0, 0, 16, NULL, NULL, "6-digit code from the authenticator app"},
};
const record_desc input_login = {"login", NULL, login_fields, 3, NULL, 0};

static const field_desc password_change_fields[] = {
    {"current_password", FT_TEXT, F_REQUIRED | F_RAW, 1, 256, NULL, NULL, "Current password"},
    {"new_password", FT_TEXT, F_REQUIRED | F_RAW, 1, 256, NULL, NULL,
     "New password (at least 12 characters)"},
};
const record_desc input_password_change = {
    "password change", NULL, password_change_fields, 2, NULL, 0};

static const field_desc password_reset_fields[] = {
    {"new_password", FT_TEXT, F_REQUIRED | F_RAW, 1, 256, NULL, NULL,
     "New password (at least 12 characters)"},
};
const record_desc input_password_reset = {
    "password reset", NULL, password_reset_fields, 1, NULL, 0};

static const field_desc totp_confirm_fields[] = {
    {"code", FT_TEXT, F_REQUIRED, 6, 16, NULL, NULL, "6-digit code from the authenticator app"},
};
const record_desc input_totp_confirm = {"totp confirm", NULL, totp_confirm_fields, 1, NULL, 0};

static const field_desc token_fields[] = {
    {"name", FT_TEXT, F_REQUIRED, 1, 80, NULL, NULL, "What the token is for"},
};
const record_desc input_token = {"token", NULL, token_fields, 1, NULL, 0};

/* record linkage (issue #7): a reviewer's decision on a pair, an unmerge */
static const char *const link_decisions[] = {"same", "different", "unsure", NULL};
static const field_desc link_decision_fields[] = {
    {"decision", FT_ENUM, F_REQUIRED, 0, 0, link_decisions, NULL,
     "same (one person: merge), different (two people), unsure (leave for later)"},
    {"reason", FT_TEXT, 0, 0, 500, NULL, NULL, "Why (kept with the decision)"},
};
const record_desc input_link_decision = {"link decision", NULL, link_decision_fields, 2, NULL, 0};

static const field_desc link_undo_fields[] = {
    {"reason", FT_TEXT, F_REQUIRED, 3, 500, NULL, NULL, "Why the merge is undone"},
};
const record_desc input_link_undo = {"unmerge", NULL, link_undo_fields, 1, NULL, 0};
