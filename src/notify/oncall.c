/* oncall.c - rotations, overrides and coverage as rows (see oncall.h). */
#include "notify/oncall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/zone.h"
#include "model/record.h"
#include "notify/roster.h"

#define MAX_MEMBERS 64
#define HOUR_MS     (3600LL * 1000)

typedef struct rot {
    int64_t id, agency_id, created_at, updated_at;
    char tier[12], name[128], start_date[12], handoff[8];
    roster_rotation spec;
    int64_t member[MAX_MEMBERS];
    int active[MAX_MEMBERS]; /* the member's account is not disabled */
    int n;
} rot;

typedef struct rot_list {
    rot *v;
    int n, cap;
} rot_list;

static int
parse_date(const char *s, int *y, int *m, int *d)
{
    if (!clock_valid_date(s))
        return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 1;
}

static int
parse_hhmm(const char *s, int *h, int *mi)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return 0;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *h = (s[0] - '0') * 10 + (s[1] - '0');
    *mi = (s[3] - '0') * 10 + (s[4] - '0');
    return *h < 24 && *mi < 60;
}

static hv_result
rot_row(void *ctx, const store_row *row)
{
    rot_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        rot *p = realloc(l->v, (size_t)cap * sizeof *p);
        if (!p)
            return HV_ERR_NOMEM;
        l->v = p;
        l->cap = cap;
    }
    rot *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    r->id = store_row_int(row, 0);
    r->agency_id = store_row_int(row, 1);
    snprintf(r->name, sizeof r->name, "%s", store_row_text(row, 2));
    snprintf(r->tier, sizeof r->tier, "%s", store_row_text(row, 3));
    snprintf(r->spec.tz, sizeof r->spec.tz, "%s", store_row_text(row, 4));
    snprintf(r->start_date, sizeof r->start_date, "%s", store_row_text(row, 5));
    snprintf(r->handoff, sizeof r->handoff, "%s", store_row_text(row, 6));
    r->spec.shift_hours = (int)store_row_int(row, 7);
    r->created_at = store_row_int(row, 8);
    r->updated_at = store_row_int(row, 9);
    parse_date(r->start_date, &r->spec.start_year, &r->spec.start_month, &r->spec.start_day);
    parse_hhmm(r->handoff, &r->spec.handoff_hour, &r->spec.handoff_minute);
    return HV_OK;
}

static hv_result
member_row(void *ctx, const store_row *row)
{
    rot *r = ctx;
    if (r->n < MAX_MEMBERS) {
        r->active[r->n] = store_row_int(row, 1) == 0;
        r->member[r->n++] = store_row_int(row, 0);
    }
    return HV_OK;
}

#define ROT_COLS                                                                                   \
    "SELECT id, agency_id, name, tier, time_zone, start_date, handoff, shift_hours, created_at, "  \
    "updated_at FROM rotation "

/* Rotations matching WHERE (with ARGS), members loaded. */
static hv_result
load_rots(store_conn *c, const char *where, const store_val *args, int nargs, rot_list *l)
{
    char sql[512];
    snprintf(sql, sizeof sql, ROT_COLS "%s ORDER BY agency_id, tier = 'backup', id", where);
    hv_result r = store_query(c, sql, args, nargs, rot_row, l);
    for (int i = 0; r == HV_OK && i < l->n; i++) {
        store_val a[] = {SV_INTV(l->v[i].id)};
        r = store_query(c,
                        "SELECT m.user_id, u.disabled FROM rotation_member m JOIN app_user u ON "
                        "u.id = m.user_id WHERE m.rotation_id = ? ORDER BY m.position",
                        a, 1, member_row, &l->v[i]);
        l->v[i].spec.n_members = l->v[i].n > 0 ? l->v[i].n : 1;
    }
    return r;
}

/* Who holds rotation R at AT: an override, else the shift's member. *SHIFT
 * gets the shift index (-1 before the start), *S and *E its span; *OVR 1 if an
 * override decided. */
static hv_result
rot_user_at(store_conn *c, const rot *r, int64_t at, int64_t *user, int64_t *idx, int64_t *s,
            int64_t *e, int *ovr)
{
    *user = 0;
    *ovr = 0;
    *idx = -1;
    *s = *e = 0;
    if (r->n > 0 && roster_shift_at(&r->spec, at, idx, s, e) == HV_OK && *idx >= 0)
        *user = r->member[roster_member_of(&r->spec, *idx)];
    if (*idx < 0)
        *s = *e = 0; /* before the first shift: no shift holds AT */
    int64_t o = 0;
    store_val a[] = {SV_INTV(r->id), SV_INTV(at), SV_INTV(at)};
    hv_result q = store_query_int(c,
                                  "SELECT user_id FROM rotation_override WHERE rotation_id = ? "
                                  "AND start_at <= ? AND end_at > ? ORDER BY id DESC LIMIT 1",
                                  a, 3, &o);
    if (q == HV_OK) {
        *user = o;
        *ovr = 1;
    } else if (q != HV_ERR_NOTFOUND) {
        return q;
    }
    return HV_OK;
}

static int
user_active(store_conn *c, int64_t user)
{
    int64_t n = 0;
    store_val a[] = {SV_INTV(user)};
    return user > 0 &&
           store_query_int(c, "SELECT COUNT(*) FROM app_user WHERE id = ? AND disabled = 0", a, 1,
                           &n) == HV_OK &&
           n > 0;
}

static int64_t
list_user(store_conn *c, int64_t agency_id, int offset)
{
    int64_t id = 0;
    store_val a[] = {SV_INTV(agency_id), SV_INTV(offset)};
    if (store_query_int(c,
                        "SELECT o.user_id FROM oncall o JOIN app_user u ON u.id = o.user_id WHERE "
                        "o.agency_id = ? AND u.disabled = 0 ORDER BY o.position, o.id LIMIT 1 "
                        "OFFSET ?",
                        a, 2, &id) != HV_OK)
        return 0;
    return id;
}

hv_result
oncall_user(store_conn *c, int64_t agency_id, oncall_tier tier, int64_t at, int64_t *user_id)
{
    *user_id = 0;
    rot_list l = {0};
    store_val a[] = {SV_INTV(agency_id)};
    hv_result r = load_rots(c, "WHERE agency_id = ?", a, 1, &l);
    int have_primary = 0;
    int64_t primary = 0, next_in_primary = 0;
    for (int i = 0; r == HV_OK && i < l.n; i++) {
        const rot *ro = &l.v[i];
        int is_backup = strcmp(ro->tier, "backup") == 0;
        int64_t u, idx, s, e;
        int ovr;
        if ((r = rot_user_at(c, ro, at, &u, &idx, &s, &e, &ovr)) != HV_OK)
            break;
        if (!is_backup) {
            have_primary = 1;
            if (!primary && user_active(c, u)) {
                primary = u;
                if (ro->n > 1 && idx >= 0) {
                    int64_t nx = ro->member[roster_member_of(&ro->spec, idx + 1)];
                    if (nx != u && user_active(c, nx))
                        next_in_primary = nx;
                }
            }
        } else if (tier == ONCALL_BACKUP && user_active(c, u) && u != primary) {
            *user_id = u;
            break;
        }
    }
    free(l.v);
    if (r != HV_OK || *user_id)
        return r;
    if (tier == ONCALL_PRIMARY)
        *user_id = have_primary ? primary : list_user(c, agency_id, 0);
    else
        *user_id = have_primary ? next_in_primary : list_user(c, agency_id, 1);
    return HV_OK;
}

/* ---- rotations as records ----------------------------------------------------------- */

hv_result
oncall_rotation_check(const json_t *body, hv_err *e)
{
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!name || !*name || strlen(name) > 120)
        return hv_fail(e, HV_ERR_INVALID, "name", "a name of 1 to 120 characters is required");
    if (!json_is_integer(json_object_get(body, "agency_id")))
        return hv_fail(e, HV_ERR_INVALID, "agency_id", "the agency is required");
    const char *tier = json_string_value(json_object_get(body, "tier"));
    if (tier && strcmp(tier, "primary") && strcmp(tier, "backup"))
        return hv_fail(e, HV_ERR_INVALID, "tier", "primary or backup");
    const char *tz = json_string_value(json_object_get(body, "time_zone"));
    if (json_object_get(body, "time_zone") && (!tz || !zone_valid(tz)))
        return hv_fail(e, HV_ERR_INVALID, "time_zone",
                       "a time zone of the tz database, such as America/Los_Angeles");
    int y, m, d, h, mi;
    const char *sd = json_string_value(json_object_get(body, "start_date"));
    if (!sd || !parse_date(sd, &y, &m, &d))
        return hv_fail(e, HV_ERR_INVALID, "start_date", "a date as YYYY-MM-DD");
    const char *ho = json_string_value(json_object_get(body, "handoff"));
    if (!ho || !parse_hhmm(ho, &h, &mi))
        return hv_fail(e, HV_ERR_INVALID, "handoff", "a local time as HH:MM (24-hour)");
    const json_t *sh = json_object_get(body, "shift_hours");
    if (!json_is_integer(sh) || json_integer_value(sh) < 1 || json_integer_value(sh) > 672)
        return hv_fail(e, HV_ERR_INVALID, "shift_hours",
                       "hours from 1 to 672 (24: daily, 168: weekly)");
    const json_t *ms = json_object_get(body, "member_ids");
    if (!json_is_array(ms) || json_array_size(ms) < 1 || json_array_size(ms) > MAX_MEMBERS)
        return hv_fail(e, HV_ERR_INVALID, "member_ids", "one to 64 members, in turn order");
    size_t i;
    const json_t *v;
    json_array_foreach(ms, i, v) if (!json_is_integer(v)) return hv_fail(
        e, HV_ERR_INVALID, "member_ids", "member_ids holds user ids");
    static const char *const known[] = {"agency_id",   "name",       "tier",
                                        "time_zone",   "start_date", "handoff",
                                        "shift_hours", "member_ids", NULL};
    return record_known_keys(body, known, e);
}

hv_result
oncall_rotation_save(store_conn *c, int64_t id, const json_t *body, int64_t now, int64_t *out,
                     hv_err *e)
{
    int64_t agency = json_integer_value(json_object_get(body, "agency_id"));
    const char *tier = json_string_value(json_object_get(body, "tier"));
    const char *tz = json_string_value(json_object_get(body, "time_zone"));
    const json_t *ms = json_object_get(body, "member_ids");
    size_t i;
    const json_t *v;
    hv_result r = HV_OK;
    json_array_foreach(ms, i, v)
    {
        int64_t n = 0;
        store_val a[] = {SV_INTV(json_integer_value(v)), SV_INTV(agency)};
        r = store_query_int(c,
                            "SELECT COUNT(*) FROM app_user WHERE id = ? AND agency_id = ? AND "
                            "disabled = 0",
                            a, 2, &n);
        if (r != HV_OK)
            return r;
        if (!n)
            return hv_fail(e, HV_ERR_INVALID, "member_ids",
                           "every member must be an active user of the rotation's agency");
    }
    store_val a[] = {SV_INTV(agency),
                     SV_TEXTV(json_string_value(json_object_get(body, "name"))),
                     SV_TEXTV(tier ? tier : "primary"),
                     SV_TEXTV(tz ? tz : clock_zone()),
                     SV_TEXTV(json_string_value(json_object_get(body, "start_date"))),
                     SV_TEXTV(json_string_value(json_object_get(body, "handoff"))),
                     SV_INTV(json_integer_value(json_object_get(body, "shift_hours"))),
                     SV_INTV(now),
                     SV_INTV(id ? id : now)};
    if (id) {
        int64_t n = 0;
        r = store_exec(c,
                       "UPDATE rotation SET agency_id = ?, name = ?, tier = ?, time_zone = ?, "
                       "start_date = ?, handoff = ?, shift_hours = ?, updated_at = ? WHERE id = ?",
                       a, 9, &n);
        if (r == HV_OK && !n)
            return HV_ERR_NOTFOUND;
        store_val d[] = {SV_INTV(id)};
        if (r == HV_OK)
            r = store_exec(c, "DELETE FROM rotation_member WHERE rotation_id = ?", d, 1, NULL);
    } else {
        r = store_query_int(c,
                            "INSERT INTO rotation (agency_id, name, tier, time_zone, start_date, "
                            "handoff, shift_hours, updated_at, created_at) VALUES (?, ?, ?, ?, ?, "
                            "?, ?, ?, ?) RETURNING id",
                            a, 9, &id);
    }
    json_array_foreach(ms, i, v)
    {
        if (r != HV_OK)
            break;
        store_val m[] = {SV_INTV(id), SV_INTV((int64_t)i), SV_INTV(json_integer_value(v))};
        r = store_exec(c,
                       "INSERT INTO rotation_member (rotation_id, position, user_id) VALUES (?, ?, "
                       "?)",
                       m, 3, NULL);
    }
    if (r == HV_OK)
        *out = id;
    return r;
}

hv_result
oncall_rotation_delete(store_conn *c, int64_t id)
{
    store_val a[] = {SV_INTV(id)};
    int64_t n = 0;
    hv_result r = store_exec(c, "DELETE FROM rotation_override WHERE rotation_id = ?", a, 1, NULL);
    if (r == HV_OK)
        r = store_exec(c, "DELETE FROM rotation_member WHERE rotation_id = ?", a, 1, NULL);
    if (r == HV_OK)
        r = store_exec(c, "DELETE FROM rotation WHERE id = ?", a, 1, &n);
    return r == HV_OK && !n ? HV_ERR_NOTFOUND : r;
}

hv_result
oncall_rotation_agency(store_conn *c, int64_t id, int64_t *agency_id)
{
    store_val a[] = {SV_INTV(id)};
    return store_query_int(c, "SELECT agency_id FROM rotation WHERE id = ?", a, 1, agency_id);
}

static hv_result
name_row(void *ctx, const store_row *row)
{
    json_object_set_new(ctx, "display_name", json_string(store_row_text(row, 0)));
    return HV_OK;
}

/* {user_id, display_name} for USER (null for 0). */
static json_t *
user_json(store_conn *c, int64_t user)
{
    if (!user)
        return json_null();
    json_t *o = json_pack("{s:I, s:n}", "user_id", (json_int_t)user, "display_name");
    store_val a[] = {SV_INTV(user)};
    /* display names are staff names, not case data */
    (void)store_query(c, "SELECT display_name FROM app_user WHERE id = ?", a, 1, name_row, o);
    return o;
}

static hv_result
override_json(void *ctx, const store_row *row)
{
    json_t *o =
        json_pack("{s:I, s:I, s:o, s:o, s:o}", "id", (json_int_t)store_row_int(row, 0), "user_id",
                  (json_int_t)store_row_int(row, 1), "start_at", record_time_col(row, 2), "end_at",
                  record_time_col(row, 3), "reason",
                  store_row_isnull(row, 4) ? json_null() : json_string(store_row_text(row, 4)));
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(ctx, o);
    return HV_OK;
}

static json_t *
time_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char s[40];
    clock_format_iso(ms, s, sizeof s);
    return json_string(s);
}

static hv_result
rot_json(store_conn *c, const rot *ro, int64_t at, json_t **out)
{
    json_t *members = json_array();
    for (int i = 0; i < ro->n; i++)
        json_array_append_new(members, user_json(c, ro->member[i]));
    json_t *ovr = json_array();
    store_val a[] = {SV_INTV(ro->id), SV_INTV(at)};
    hv_result r = store_query(c,
                              "SELECT o.id, o.user_id, o.start_at, o.end_at, o.reason, "
                              "u.display_name FROM rotation_override o JOIN app_user u ON u.id = "
                              "o.user_id WHERE o.rotation_id = ? AND o.end_at > ? ORDER BY "
                              "o.start_at",
                              a, 2, override_json, ovr);
    int64_t u = 0, idx, s, e;
    int o = 0;
    if (r == HV_OK)
        r = rot_user_at(c, ro, at, &u, &idx, &s, &e, &o);
    if (r != HV_OK) {
        json_decref(members);
        json_decref(ovr);
        return r;
    }
    json_t *now = user_json(c, u);
    if (json_is_object(now)) {
        json_object_set_new(now, "shift_start", time_json(s));
        json_object_set_new(now, "shift_end", time_json(e));
        json_object_set_new(now, "override", json_boolean(o));
    }
    json_t *member_ids = json_array();
    for (int i = 0; i < ro->n; i++)
        json_array_append_new(member_ids, json_integer(ro->member[i]));
    *out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)ro->id, "agency_id", (json_int_t)ro->agency_id, "name", ro->name,
                     "tier", ro->tier, "time_zone", ro->spec.tz, "start_date", ro->start_date,
                     "handoff", ro->handoff, "shift_hours", ro->spec.shift_hours, "member_ids",
                     member_ids, "members", members, "overrides", ovr, "on_call_now", now,
                     "updated_at", time_json(ro->updated_at));
    return *out ? HV_OK : HV_ERR_NOMEM;
}

hv_result
oncall_rotation_get(store_conn *c, int64_t id, int64_t at, json_t **out)
{
    rot_list l = {0};
    store_val a[] = {SV_INTV(id)};
    hv_result r = load_rots(c, "WHERE id = ?", a, 1, &l);
    if (r == HV_OK && l.n == 0)
        r = HV_ERR_NOTFOUND;
    if (r == HV_OK)
        r = rot_json(c, &l.v[0], at, out);
    free(l.v);
    return r;
}

hv_result
oncall_rotations(store_conn *c, int64_t agency_id, int64_t at, json_t **out)
{
    rot_list l = {0};
    store_val a[] = {SV_INTV(agency_id), SV_INTV(agency_id)};
    hv_result r = load_rots(c, "WHERE (? = 0 OR agency_id = ?)", a, 2, &l);
    json_t *list = json_array();
    for (int i = 0; r == HV_OK && i < l.n; i++) {
        json_t *o = NULL;
        r = rot_json(c, &l.v[i], at, &o);
        if (r == HV_OK)
            json_array_append_new(list, o);
    }
    free(l.v);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

hv_result
oncall_override_add(store_conn *c, int64_t rotation_id, int64_t user_id, int64_t start, int64_t end,
                    const char *reason, int64_t by, int64_t now, int64_t *id, hv_err *e)
{
    if (end <= start)
        return hv_fail(e, HV_ERR_INVALID, "end_at", "the end must be after the start");
    if (end - start > 90LL * 24 * HOUR_MS)
        return hv_fail(e, HV_ERR_INVALID, "end_at", "an override lasts at most 90 days");
    int64_t agency = 0, n = 0;
    hv_result r = oncall_rotation_agency(c, rotation_id, &agency);
    if (r != HV_OK)
        return r;
    store_val a[] = {SV_INTV(user_id), SV_INTV(agency)};
    if ((r = store_query_int(c,
                             "SELECT COUNT(*) FROM app_user WHERE id = ? AND agency_id = ? AND "
                             "disabled = 0",
                             a, 2, &n)) != HV_OK)
        return r;
    if (!n)
        return hv_fail(e, HV_ERR_INVALID, "user_id",
                       "the person must be an active user of the rotation's agency");
    store_val b[] = {SV_INTV(rotation_id), SV_INTV(user_id), SV_INTV(start), SV_INTV(end),
                     SV_TEXTV(reason),     SV_INTV(by),      SV_INTV(now)};
    return store_query_int(c,
                           "INSERT INTO rotation_override (rotation_id, user_id, start_at, end_at, "
                           "reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                           "RETURNING id",
                           b, 7, id);
}

hv_result
oncall_override_delete(store_conn *c, int64_t id, int64_t *rotation_id)
{
    store_val a[] = {SV_INTV(id)};
    hv_result r = store_query_int(c, "SELECT rotation_id FROM rotation_override WHERE id = ?", a, 1,
                                  rotation_id);
    if (r == HV_OK)
        r = store_exec(c, "DELETE FROM rotation_override WHERE id = ?", a, 1, NULL);
    return r;
}

/* ---- now, shifts, gaps ------------------------------------------------------------------ */

typedef struct agency_ids {
    int64_t id[256];
    char name[256][64];
    int n;
} agency_ids;

static hv_result
agency_row(void *ctx, const store_row *row)
{
    agency_ids *a = ctx;
    if (a->n < 256) {
        a->id[a->n] = store_row_int(row, 0);
        snprintf(a->name[a->n], sizeof a->name[0], "%s", store_row_text(row, 1));
        a->n++;
    }
    return HV_OK;
}

static hv_result
agencies_with_oncall(store_conn *c, int64_t agency_id, agency_ids *out)
{
    store_val a[] = {SV_INTV(agency_id), SV_INTV(agency_id)};
    return store_query(c,
                       "SELECT id, name FROM agency WHERE (? = 0 OR id = ?) AND active = 1 AND "
                       "(id IN (SELECT agency_id FROM rotation) OR id IN (SELECT agency_id FROM "
                       "oncall)) ORDER BY name",
                       a, 2, agency_row, out);
}

hv_result
oncall_now(store_conn *c, int64_t agency_id, int64_t at, json_t **out)
{
    agency_ids *ag = calloc(1, sizeof *ag);
    if (!ag)
        return HV_ERR_NOMEM;
    hv_result r = agencies_with_oncall(c, agency_id, ag);
    json_t *list = json_array();
    for (int i = 0; r == HV_OK && i < ag->n; i++) {
        int64_t p = 0, b = 0;
        r = oncall_user(c, ag->id[i], ONCALL_PRIMARY, at, &p);
        if (r == HV_OK)
            r = oncall_user(c, ag->id[i], ONCALL_BACKUP, at, &b);
        json_t *rots = NULL;
        if (r == HV_OK)
            r = oncall_rotations(c, ag->id[i], at, &rots);
        if (r == HV_OK)
            json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:o, s:o}", "agency_id",
                                                  (json_int_t)ag->id[i], "agency_name", ag->name[i],
                                                  "primary", user_json(c, p), "backup",
                                                  user_json(c, b), "rotations", rots));
    }
    free(ag);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}

/* Calls FN for each shift of RO overlapping [FROM, TO) with its holder. */
typedef hv_result (*shift_fn)(void *ctx, int64_t s, int64_t e, int64_t user, int64_t index);

static hv_result
each_shift(const rot *ro, int64_t from, int64_t to, shift_fn fn, void *ctx)
{
    if (ro->n == 0)
        return HV_OK;
    int64_t idx, s, e;
    hv_result r = roster_shift_at(&ro->spec, from, &idx, &s, &e);
    if (r != HV_OK)
        return r;
    if (idx < 0) {
        idx = 0;
        if ((r = roster_shift_start(&ro->spec, 0, &s)) != HV_OK)
            return r;
    }
    for (int guard = 0; guard < 20000 && s < to; guard++, idx++) {
        if ((r = roster_shift_start(&ro->spec, idx + 1, &e)) != HV_OK)
            return r;
        if (e > from &&
            (r = fn(ctx, s, e, ro->member[roster_member_of(&ro->spec, idx)], idx)) != HV_OK)
            return r;
        s = e;
    }
    return HV_OK;
}

typedef struct spans {
    roster_span *v;
    int n, cap;
    store_conn *c;
    const rot *ro; /* the rotation each_shift walks */
    json_t *list;
} spans;

static hv_result
spans_add(spans *sp, int64_t s, int64_t e)
{
    if (sp->n == sp->cap) {
        int cap = sp->cap ? sp->cap * 2 : 64;
        roster_span *p = realloc(sp->v, (size_t)cap * sizeof *p);
        if (!p)
            return HV_ERR_NOMEM;
        sp->v = p;
        sp->cap = cap;
    }
    sp->v[sp->n++] = (roster_span){s, e};
    return HV_OK;
}

static hv_result
covered_shift(void *ctx, int64_t s, int64_t e, int64_t user, int64_t index)
{
    (void)user;
    spans *sp = ctx;
    return sp->ro->active[roster_member_of(&sp->ro->spec, index)] ? spans_add(sp, s, e) : HV_OK;
}

static hv_result
override_span(void *ctx, const store_row *row)
{
    spans *sp = ctx;
    if (!user_active(sp->c, store_row_int(row, 2)))
        return HV_OK;
    return spans_add(sp, store_row_int(row, 0), store_row_int(row, 1));
}

static hv_result
shift_json(void *ctx, int64_t s, int64_t e, int64_t user, int64_t index)
{
    spans *sp = ctx;
    json_t *u = user_json(sp->c, user);
    json_t *o = json_pack("{s:I, s:o, s:o, s:o}", "index", (json_int_t)index, "start", time_json(s),
                          "end", time_json(e), "user", u);
    if (!o)
        return HV_ERR_NOMEM;
    json_array_append_new(sp->list, o);
    return HV_OK;
}

hv_result
oncall_shifts(store_conn *c, int64_t rotation_id, int64_t from, int64_t to, json_t **out)
{
    if (to <= from || to - from > 93LL * 24 * HOUR_MS)
        return HV_ERR_INVALID;
    rot_list l = {0};
    store_val a[] = {SV_INTV(rotation_id)};
    hv_result r = load_rots(c, "WHERE id = ?", a, 1, &l);
    if (r == HV_OK && l.n == 0)
        r = HV_ERR_NOTFOUND;
    spans sp = {.c = c, .list = json_array()};
    if (r == HV_OK)
        r = each_shift(&l.v[0], from, to, shift_json, &sp);
    free(l.v);
    if (r != HV_OK) {
        json_decref(sp.list);
        return r;
    }
    *out = sp.list;
    return HV_OK;
}

hv_result
oncall_gaps(store_conn *c, int64_t agency_id, int64_t from, int64_t to, json_t **out)
{
    if (to <= from || to - from > 93LL * 24 * HOUR_MS)
        return HV_ERR_INVALID;
    agency_ids *ag = calloc(1, sizeof *ag);
    if (!ag)
        return HV_ERR_NOMEM;
    hv_result r = agencies_with_oncall(c, agency_id, ag);
    json_t *list = json_array();
    for (int i = 0; r == HV_OK && i < ag->n; i++) {
        rot_list l = {0};
        store_val a[] = {SV_INTV(ag->id[i])};
        r = load_rots(c, "WHERE agency_id = ? AND tier = 'primary'", a, 1, &l);
        if (r == HV_OK && l.n == 0) {
            free(l.v);
            continue; /* only the on-call list: always someone, while it has an active user */
        }
        spans sp = {.c = c};
        for (int k = 0; r == HV_OK && k < l.n; k++) {
            sp.ro = &l.v[k];
            r = each_shift(&l.v[k], from, to, covered_shift, &sp);
            store_val o[] = {SV_INTV(l.v[k].id), SV_INTV(to), SV_INTV(from)};
            if (r == HV_OK)
                r = store_query(c,
                                "SELECT start_at, end_at, user_id FROM rotation_override WHERE "
                                "rotation_id = ? AND start_at < ? AND end_at > ?",
                                o, 3, override_span, &sp);
        }
        free(l.v);
        roster_span gaps[64];
        int ng = r == HV_OK ? roster_gaps(sp.v, sp.n, from, to, gaps, 64) : 0;
        for (int g = 0; g < ng && g < 64; g++)
            json_array_append_new(
                list, json_pack("{s:I, s:s, s:o, s:o, s:f}", "agency_id", (json_int_t)ag->id[i],
                                "agency_name", ag->name[i], "start", time_json(gaps[g].start),
                                "end", time_json(gaps[g].end), "hours",
                                (double)(gaps[g].end - gaps[g].start) / (double)HOUR_MS));
        free(sp.v);
    }
    free(ag);
    if (r != HV_OK) {
        json_decref(list);
        return r;
    }
    *out = list;
    return HV_OK;
}
