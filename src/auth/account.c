/* account.c - agencies, stations and users (see account.h). */
#include "auth/account.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/roles.h"
#include "core/clock.h"

static const field_desc agency_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_UNIQUE, 2, 160, NULL, NULL, "Agency name"},
    {"kind", FT_ENUM, F_REQUIRED, 0, 0, agency_kind_names, NULL, "Kind of agency"},
    {"active", FT_BOOL, 0, 0, 0, NULL, NULL, "Active (inactive agencies keep their history)"},
};
const record_desc account_agency_desc = {"agency", "agency", agency_fields, 3, "name", 1};

static const field_desc station_fields[] = {
    {"agency_id", FT_REF, F_REQUIRED, 0, 0, NULL, "agency", "Law-enforcement agency"},
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_UNIQUE, 2, 160, NULL, NULL, "Station name"},
    {"jurisdiction", FT_TEXT, F_SEARCH, 0, 200, NULL, NULL, "Area the station serves"},
    {"go_live_date", FT_DATE, 0, 0, 0, NULL, NULL, "Date the protocol went live here"},
};
const record_desc account_station_desc = {"station", "station", station_fields, 4, "name", 1};

static const field_desc user_fields[] = {
    {"username", FT_TEXT, F_REQUIRED | F_CREATEONLY | F_SEARCH | F_UNIQUE, 3, 64, NULL, NULL,
     "Sign-in name (a-z, 0-9, . _ -)"},
    {"display_name", FT_TEXT, F_REQUIRED | F_SEARCH, 1, 120, NULL, NULL, "Name shown to others"},
    {"email", FT_EMAIL, F_SEARCH, 0, 254, NULL, NULL, "Work e-mail"},
    {"agency_id", FT_REF, F_REQUIRED, 0, 0, NULL, "agency", "Agency"},
    {"roles", FT_ENUMLIST, F_REQUIRED | F_VIRTUAL, 1, ROLE__MAX, role_names, NULL, "Roles"},
    {"password", FT_TEXT, F_REQUIRED | F_VIRTUAL | F_CREATEONLY | F_HIDDEN | F_RAW, 1, 256, NULL,
     NULL, "Initial password (at least 12 characters)"},
    {"disabled", FT_BOOL, 0, 0, 0, NULL, NULL, "Disabled users cannot sign in"},
    {"totp_enabled", FT_BOOL, F_READONLY, 0, 0, NULL, NULL, "Second factor set up"},
    {"locked_until", FT_TIME, F_READONLY, 0, 0, NULL, NULL, "Locked after failed sign-ins until"},
    {"last_login_at", FT_TIME, F_READONLY, 0, 0, NULL, NULL, "Last sign-in"},
    {"password_hash", FT_TEXT, F_READONLY | F_HIDDEN, 0, 0, NULL, NULL, "argon2id hash"},
};
const record_desc account_user_desc = {"user", "app_user", user_fields, 11, "username", 1};

int
account_username_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '.' || ch == '_' ||
              ch == '-'))
            return 0;
    }
    return 1;
}

static hv_result
set_roles(store_conn *c, int64_t id, json_t *roles)
{
    store_val arg = SV_INTV(id);
    hv_result r = store_exec(c, "DELETE FROM user_role WHERE user_id = ?", &arg, 1, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(roles, i, v)
    {
        if (r != HV_OK)
            break;
        store_val args[] = {SV_INTV(id), SV_TEXTV(json_string_value(v))};
        r = store_exec(c, "INSERT INTO user_role (user_id, role) VALUES (?, ?)", args, 2, NULL);
    }
    return r;
}

hv_result
account_user_create(store_conn *c, json_t *vals, int64_t *id, hv_err *e)
{
    const char *username = json_string_value(json_object_get(vals, "username"));
    const char *pw = json_string_value(json_object_get(vals, "password"));
    const char *why = NULL;
    char hash[128];
    if (!username || !account_username_valid(username))
        return hv_fail(e, HV_ERR_INVALID, "username",
                       "'username' must be 3 to 64 of a-z, 0-9, '.', '_' and '-'");
    if (!pw || password_check_policy(pw, &why) != HV_OK)
        return hv_fail(e, HV_ERR_INVALID, "password", "%s", why ? why : "password is required");
    hv_result r = password_hash(pw, hash);
    if (r != HV_OK)
        return r;
    json_t *row = json_deep_copy(vals);
    json_object_del(row, "password");
    json_object_del(row, "roles");
    json_object_set_new(row, "password_hash", json_string(hash));
    r = record_insert(c, &account_user_desc, row, id, e);
    json_decref(row);
    if (r == HV_ERR_CONFLICT)
        return hv_fail(e, r, "username", "the user name '%s' is taken", username);
    if (r == HV_ERR_INVALID)
        return hv_fail(e, r, "agency_id", "there is no such agency");
    if (r != HV_OK)
        return r;
    return set_roles(c, *id, json_object_get(vals, "roles"));
}

hv_result
account_user_update(store_conn *c, int64_t id, json_t *vals, hv_err *e)
{
    json_t *row = json_deep_copy(vals);
    json_t *roles = json_object_get(vals, "roles");
    json_object_del(row, "roles");
    hv_result r = HV_OK;
    if (json_object_size(row) > 0) {
        r = record_update(c, &account_user_desc, id, row, e);
    } else {
        int64_t one;
        store_val arg = SV_INTV(id);
        r = store_query_int(c, "SELECT 1 FROM app_user WHERE id = ?", &arg, 1, &one);
    }
    json_decref(row);
    if (r == HV_OK && roles)
        r = set_roles(c, id, roles);
    if (r == HV_OK && json_is_true(json_object_get(vals, "disabled"))) {
        /* a disabled user is signed out everywhere at once */
        store_val arg = SV_INTV(id);
        r = store_exec(c, "UPDATE session SET revoked = 1 WHERE user_id = ?", &arg, 1, NULL);
    }
    return r;
}

hv_result
account_user_set_password(store_conn *c, int64_t id, const char *pw, hv_err *e)
{
    const char *why = NULL;
    char hash[128];
    if (password_check_policy(pw, &why) != HV_OK)
        return hv_fail(e, HV_ERR_INVALID, "new_password", "%s", why);
    hv_result r = password_hash(pw, hash);
    if (r != HV_OK)
        return r;
    int64_t changes = 0;
    store_val args[] = {SV_TEXTV(hash), SV_INTV(clock_now_ms()), SV_INTV(id)};
    r = store_exec(c,
                   "UPDATE app_user SET password_hash = ?, failed_logins = 0, locked_until = NULL, "
                   "updated_at = ? WHERE id = ?",
                   args, 3, &changes);
    if (r == HV_OK && changes == 0)
        r = HV_ERR_NOTFOUND;
    return r;
}

hv_result
account_user_unlock(store_conn *c, int64_t id)
{
    int64_t changes = 0;
    store_val arg = SV_INTV(id);
    hv_result r =
        store_exec(c, "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                   &arg, 1, &changes);
    return r == HV_OK && changes == 0 ? HV_ERR_NOTFOUND : r;
}

hv_result
account_user_reset_totp(store_conn *c, int64_t id)
{
    int64_t changes = 0;
    store_val arg = SV_INTV(id);
    hv_result r = store_exec(c,
                             "UPDATE app_user SET totp_secret = NULL, totp_pending = NULL, "
                             "totp_enabled = 0, totp_last_step = 0 WHERE id = ?",
                             &arg, 1, &changes);
    return r == HV_OK && changes == 0 ? HV_ERR_NOTFOUND : r;
}

static hv_result
role_row(void *ctx, const store_row *row)
{
    json_array_append_new(ctx, json_string(store_row_text(row, 0)));
    return HV_OK;
}

static hv_result
add_roles(store_conn *c, json_t *user)
{
    json_t *roles = json_array();
    store_val arg = SV_INTV(json_integer_value(json_object_get(user, "id")));
    hv_result r = store_query(c, "SELECT role FROM user_role WHERE user_id = ? ORDER BY role", &arg,
                              1, role_row, roles);
    json_object_set_new(user, "roles", roles);
    return r;
}

hv_result
account_user_get(store_conn *c, int64_t id, json_t **out)
{
    json_t *u;
    hv_result r = record_get(c, &account_user_desc, id, &u);
    if (r != HV_OK)
        return r;
    if ((r = add_roles(c, u)) != HV_OK) {
        json_decref(u);
        return r;
    }
    *out = u;
    return HV_OK;
}

hv_result
account_user_list(store_conn *c, int64_t agency_id, const char *q, json_t **out)
{
    json_t *list;
    store_val arg = SV_INTV(agency_id);
    hv_result r = record_list(c, &account_user_desc, agency_id > 0 ? "agency_id = ?" : NULL, &arg,
                              agency_id > 0 ? 1 : 0, q, 1000, &list);
    if (r != HV_OK)
        return r;
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u) if ((r = add_roles(c, u)) != HV_OK) break;
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

hv_result
account_user_find(store_conn *c, const char *username, int64_t *id)
{
    store_val arg = SV_TEXTV(username);
    return store_query_int(c, "SELECT id FROM app_user WHERE username = ?", &arg, 1, id);
}

hv_result
account_user_agency(store_conn *c, int64_t id, int64_t *agency_id)
{
    store_val arg = SV_INTV(id);
    return store_query_int(c, "SELECT agency_id FROM app_user WHERE id = ?", &arg, 1, agency_id);
}

static hv_result
role_bits_row(void *ctx, const store_row *row)
{
    int ro = role_parse(store_row_text(row, 0));
    if (ro >= 0)
        *(uint32_t *)ctx |= ROLE_BIT(ro);
    return HV_OK;
}

hv_result
account_user_roles(store_conn *c, int64_t id, uint32_t *roles)
{
    *roles = 0;
    store_val arg = SV_INTV(id);
    return store_query(c, "SELECT role FROM user_role WHERE user_id = ?", &arg, 1, role_bits_row,
                       roles);
}
