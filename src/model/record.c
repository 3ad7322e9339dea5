/*
 * record.c - generic validation, SQL and JSON for records described by
 * record_desc (see record.h). SQL is built from the descriptor, with every
 * value bound, never spliced; column names come only from descriptors.
 */
#include "model/record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/crypt.h"

static const crypt_keys *record_keys; /* for F_SENSITIVE fields */

void record_set_keys(const crypt_keys *k);
void
record_set_keys(const crypt_keys *k)
{
    record_keys = k;
}

const field_desc *
record_field(const record_desc *d, const char *name)
{
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return &d->fields[i];
    return NULL;
}

static int
is_column(const field_desc *f)
{
    return !(f->flags & F_VIRTUAL);
}

/* Counts UTF-8 code points; -1 if S is not valid UTF-8 (RFC 3629: no
 * overlong forms, no UTF-16 surrogates D800..DFFF, nothing above U+10FFFF)
 * or holds control characters other than tab/newline. */
static long
utf8_chars(const char *s)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int len;
        uint32_t cp, min;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n')
                return -1;
            p++;
            n++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return -1;
        }
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += len;
        n++;
    }
    return n;
}

static int
in_choices(const char *const *choices, const char *s)
{
    for (int i = 0; choices && choices[i]; i++)
        if (strcmp(choices[i], s) == 0)
            return 1;
    return 0;
}

static hv_result
parse_text(const field_desc *f, json_t *v, json_t **out, hv_err *e)
{
    if (!json_is_string(v))
        return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be a string", f->name);
    const char *s = json_string_value(v);
    while (!(f->flags & F_RAW) && (*s == ' ' || *s == '\t' || *s == '\n'))
        s++;
    size_t n = strlen(s);
    while (!(f->flags & F_RAW) && n > 0 &&
           (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        n--;
    char *t = strndup(s, n);
    if (!t)
        return HV_ERR_NOMEM;
    long chars = utf8_chars(t);
    hv_result r = HV_OK;
    if (chars < 0)
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' holds invalid characters", f->name);
    else if ((f->flags & F_REQUIRED) && chars == 0)
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must not be empty", f->name);
    else if (chars < f->min)
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be at least %ld characters", f->name,
                    f->min);
    else if (f->max && chars > f->max)
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be at most %ld characters", f->name,
                    f->max);
    else if (f->type == FT_EMAIL && chars > 0) {
        const char *at = strchr(t, '@');
        if (!at || at == t || !strchr(at, '.') || strchr(t, ' ') || strchr(at + 1, '@'))
            r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be an e-mail address", f->name);
    } else if (f->type == FT_DATE && !clock_valid_date(t))
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be a date as YYYY-MM-DD", f->name);
    else if (f->type == FT_ENUM && !in_choices(f->choices, t))
        r = hv_fail(e, HV_ERR_INVALID, f->name, "'%s' is not one of the allowed values", f->name);
    if (r == HV_OK)
        *out = chars == 0 && !(f->flags & F_REQUIRED) ? json_null() : json_string(t);
    free(t);
    return r;
}

static int
is_blank(const field_desc *f, const char *s)
{
    if (!(f->flags & F_RAW))
        s += strspn(s, " \t\n");
    return *s == '\0';
}

static hv_result
parse_value(const field_desc *f, json_t *v, json_t **out, hv_err *e)
{
    if (json_is_null(v)) {
        if (f->flags & F_REQUIRED)
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' is required", f->name);
        *out = json_null();
        return HV_OK;
    }
    /* an empty string (blank, unless kept raw) means "no value" whatever the
     * field's type: null when optional */
    if (json_is_string(v) && is_blank(f, json_string_value(v))) {
        if (f->flags & F_REQUIRED)
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must not be empty", f->name);
        *out = json_null();
        return HV_OK;
    }
    switch (f->type) {
    case FT_TEXT:
    case FT_EMAIL:
    case FT_DATE:
    case FT_ENUM:
        return parse_text(f, v, out, e);
    case FT_INT:
    case FT_REF:
        if (!json_is_integer(v))
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be a whole number", f->name);
        if (f->type == FT_REF && json_integer_value(v) <= 0)
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be an id", f->name);
        if (f->type == FT_INT &&
            (json_integer_value(v) < f->min || (f->max && json_integer_value(v) > f->max)))
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be between %ld and %ld", f->name,
                           f->min, f->max);
        *out = json_integer(json_integer_value(v));
        return HV_OK;
    case FT_BOOL:
        if (!json_is_boolean(v))
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be true or false", f->name);
        *out = json_boolean(json_is_true(v));
        return HV_OK;
    case FT_TIME: {
        int64_t ms;
        if (!json_is_string(v) || clock_parse_iso(json_string_value(v), &ms) != HV_OK)
            return hv_fail(e, HV_ERR_INVALID, f->name,
                           "'%s' must be a time as 2026-01-31T13:45:00Z", f->name);
        *out = json_integer(ms);
        return HV_OK;
    }
    case FT_ENUMLIST: {
        if (!json_is_array(v))
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must be a list", f->name);
        /* a bound on the work; the counts are checked on the distinct values */
        if (json_array_size(v) > 4096)
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must hold %ld to %ld values", f->name,
                           f->min, f->max);
        json_t *list = json_array();
        if (!list)
            return HV_ERR_NOMEM;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item) || !in_choices(f->choices, json_string_value(item))) {
                json_decref(list);
                return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' holds a value that is not allowed",
                               f->name);
            }
            int dup = 0;
            size_t j;
            json_t *seen;
            json_array_foreach(list, j, seen) dup |= json_equal(seen, item);
            if (!dup)
                json_array_append(list, item);
        }
        if ((long)json_array_size(list) < f->min ||
            (f->max && (long)json_array_size(list) > f->max)) {
            json_decref(list);
            return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' must hold %ld to %ld values", f->name,
                           f->min, f->max);
        }
        *out = list;
        return HV_OK;
    }
    }
    return HV_ERR_INVALID;
}

hv_result
record_parse(const record_desc *d, json_t *in, enum record_mode mode, json_t **out, hv_err *e)
{
    if (!json_is_object(in))
        return hv_fail(e, HV_ERR_INVALID, NULL, "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v)
    {
        const field_desc *f = record_field(d, key);
        if (!f || (f->flags & F_READONLY))
            return hv_fail(e, HV_ERR_INVALID, key, "unknown or read-only field '%s'", key);
        if (mode == REC_UPDATE && (f->flags & F_CREATEONLY))
            return hv_fail(e, HV_ERR_INVALID, key, "'%s' cannot be changed", key);
    }
    json_t *res = json_object();
    if (!res)
        return HV_ERR_NOMEM;
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (f->flags & F_READONLY)
            continue;
        v = json_object_get(in, f->name);
        if (!v) {
            if (mode == REC_CREATE && (f->flags & F_REQUIRED)) {
                json_decref(res);
                return hv_fail(e, HV_ERR_INVALID, f->name, "'%s' is required", f->name);
            }
            continue;
        }
        json_t *norm = NULL;
        hv_result r = parse_value(f, v, &norm, e);
        if (r != HV_OK) {
            json_decref(res);
            return r;
        }
        json_object_set_new(res, f->name, norm);
    }
    *out = res;
    return HV_OK;
}

/* Binds one validated JSON value for field F into ARG; encrypted bytes are
 * parked in *OWNED for the caller to free. */
static hv_result
bind_value(const record_desc *d, const field_desc *f, json_t *v, store_val *arg, void **owned)
{
    *owned = NULL;
    if (json_is_null(v)) {
        *arg = SV_NULLV;
    } else if (json_is_string(v)) {
        if (f->flags & F_SENSITIVE) {
            char context[128];
            uint8_t *ct;
            size_t ctlen;
            if (!record_keys)
                return HV_ERR_CONFIG;
            snprintf(context, sizeof context, "%s.%s", d->table, f->name);
            const char *s = json_string_value(v);
            hv_result r = crypt_encrypt(record_keys, context, s, strlen(s), &ct, &ctlen);
            if (r != HV_OK)
                return r;
            *owned = ct;
            *arg = SV_BLOBV(ct, ctlen);
        } else {
            *arg = SV_TEXTV(json_string_value(v));
        }
    } else if (json_is_boolean(v)) {
        *arg = SV_INTV(json_is_true(v) ? 1 : 0);
    } else if (json_is_integer(v)) {
        *arg = SV_INTV(json_integer_value(v));
    } else {
        return HV_ERR_INVALID;
    }
    return HV_OK;
}

/* The first column field given in VALS that has FLAG (or, with FLAG 0, is of
 * TYPE): the one a constraint failure most likely concerns. */
static const char *
given_field(const record_desc *d, json_t *vals, unsigned flag, field_type type)
{
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (!json_object_get(vals, f->name) || !is_column(f))
            continue;
        if (flag ? (f->flags & flag) != 0 : f->type == type)
            return f->name;
    }
    return NULL;
}

static hv_result
write_row(store_conn *c, const record_desc *d, int64_t id, json_t *vals, int64_t *new_id, hv_err *e)
{
    buf sql;
    store_val args[64];
    void *owned[64];
    int n = 0;
    hv_result r = HV_OK;
    int64_t now = clock_now_ms();
    buf_init(&sql, 16384);
    if (id)
        buf_addf(&sql, "UPDATE %s SET ", d->table);
    else
        buf_addf(&sql, "INSERT INTO %s (", d->table);
    for (int i = 0; i < d->nfields && n < 60; i++) {
        const field_desc *f = &d->fields[i];
        json_t *v = json_object_get(vals, f->name);
        if (!v || !is_column(f))
            continue;
        if ((r = bind_value(d, f, v, &args[n], &owned[n])) != HV_OK)
            goto out;
        buf_addf(&sql, id ? "%s%s = ?" : "%s%s", n ? ", " : "", f->name);
        n++;
    }
    if (d->timestamps) {
        if (id) {
            buf_addf(&sql, "%supdated_at = ?", n ? ", " : "");
            owned[n] = NULL;
            args[n++] = SV_INTV(now);
        } else {
            buf_addf(&sql, "%screated_at, updated_at", n ? ", " : "");
            owned[n] = NULL;
            args[n++] = SV_INTV(now);
            owned[n] = NULL;
            args[n++] = SV_INTV(now);
        }
    }
    if (n == 0) {
        r = hv_fail(e, HV_ERR_INVALID, NULL, "nothing to change");
        goto out;
    }
    if (id) {
        buf_adds(&sql, " WHERE id = ?");
        owned[n] = NULL;
        args[n++] = SV_INTV(id);
        int64_t changes = 0;
        r = store_exec(c, sql.data, args, n, &changes);
        if (r == HV_OK && changes == 0)
            r = HV_ERR_NOTFOUND;
    } else {
        buf_adds(&sql, ") VALUES (");
        for (int i = 0; i < n; i++)
            buf_adds(&sql, i ? ", ?" : "?");
        buf_adds(&sql, ") RETURNING id");
        r = store_query_int(c, sql.data, args, n, new_id);
    }
    if (r == HV_ERR_CONFLICT) {
        const char *uf = given_field(d, vals, F_UNIQUE, FT_TEXT);
        hv_fail(e, r, uf, "a %s with this %s already exists", d->name, uf ? uf : "value");
    } else if (r == HV_ERR_INVALID) {
        hv_fail(e, r, given_field(d, vals, 0, FT_REF), "a referenced record does not exist");
    }
out:
    for (int i = 0; i < n; i++)
        free(owned[i]);
    buf_free(&sql);
    return r;
}

hv_result
record_insert(store_conn *c, const record_desc *d, json_t *vals, int64_t *id, hv_err *e)
{
    return write_row(c, d, 0, vals, id, e);
}

hv_result
record_update(store_conn *c, const record_desc *d, int64_t id, json_t *vals, hv_err *e)
{
    return write_row(c, d, id, vals, NULL, e);
}

static void
select_columns(const record_desc *d, buf *sql)
{
    buf_adds(sql, "SELECT id");
    for (int i = 0; i < d->nfields; i++)
        if (is_column(&d->fields[i]) && !(d->fields[i].flags & F_HIDDEN))
            buf_addf(sql, ", %s", d->fields[i].name);
    if (d->timestamps)
        buf_adds(sql, ", created_at, updated_at");
    buf_addf(sql, " FROM %s", d->table);
}

typedef struct row_ctx {
    const record_desc *d;
    json_t *list;
} row_ctx;

static json_t *
time_json(int64_t ms)
{
    char iso[40];
    clock_format_iso(ms, iso, sizeof iso);
    return json_string(iso);
}

static hv_result
row_to_json(void *ctx, const store_row *row)
{
    row_ctx *rc = ctx;
    const record_desc *d = rc->d;
    json_t *o = json_object();
    int col = 0;
    json_object_set_new(o, "id", json_integer(store_row_int(row, col++)));
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (!is_column(f) || (f->flags & F_HIDDEN))
            continue;
        json_t *v;
        if (store_row_isnull(row, col)) {
            v = json_null();
        } else if (f->flags & F_SENSITIVE) {
            char context[128];
            size_t len;
            uint8_t *pt = NULL;
            size_t ptlen;
            const void *ct = store_row_blob(row, col, &len);
            snprintf(context, sizeof context, "%s.%s", d->table, f->name);
            if (record_keys && crypt_decrypt(record_keys, context, ct, len, &pt, &ptlen) == HV_OK)
                v = json_stringn((const char *)pt, ptlen);
            else
                v = json_null();
            free(pt);
        } else {
            switch (f->type) {
            case FT_INT:
            case FT_REF:
                v = json_integer(store_row_int(row, col));
                break;
            case FT_BOOL:
                v = json_boolean(store_row_int(row, col));
                break;
            case FT_TIME:
                v = time_json(store_row_int(row, col));
                break;
            default:
                v = json_string(store_row_text(row, col));
                break;
            }
        }
        json_object_set_new(o, f->name, v);
        col++;
    }
    if (d->timestamps) {
        json_object_set_new(o, "created_at", time_json(store_row_int(row, col++)));
        json_object_set_new(o, "updated_at", time_json(store_row_int(row, col++)));
    }
    json_array_append_new(rc->list, o);
    return HV_OK;
}

hv_result
record_get(store_conn *c, const record_desc *d, int64_t id, json_t **out)
{
    json_t *list = NULL;
    store_val arg = SV_INTV(id);
    hv_result r = record_list(c, d, "id = ?", &arg, 1, NULL, 1, &list);
    if (r != HV_OK)
        return r;
    if (json_array_size(list) == 0) {
        json_decref(list);
        return HV_ERR_NOTFOUND;
    }
    *out = json_incref(json_array_get(list, 0));
    json_decref(list);
    return HV_OK;
}

hv_result
record_list(store_conn *c, const record_desc *d, const char *where, const store_val *args,
            int nargs, const char *q, int limit, json_t **out)
{
    buf sql;
    store_val all[32];
    int n = 0;
    char *pattern = NULL;
    if (nargs < 0 || nargs > 16 || (nargs > 0 && !args))
        return HV_ERR_INVALID;
    buf_init(&sql, 16384);
    select_columns(d, &sql);
    for (int i = 0; i < nargs; i++)
        all[n++] = args[i];
    buf_adds(&sql, " WHERE 1 = 1");
    if (where)
        buf_addf(&sql, " AND (%s)", where);
    if (q && *q) {
        size_t ql = strlen(q);
        pattern = malloc(ql * 2 + 3);
        if (!pattern) {
            buf_free(&sql);
            return HV_ERR_NOMEM;
        }
        /* a LIKE pattern with % and _ escaped, lowercased for a portable
         * case-insensitive match */
        size_t k = 0;
        pattern[k++] = '%';
        for (size_t i = 0; i < ql; i++) {
            if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
                pattern[k++] = '\\';
            pattern[k++] = (char)tolower((unsigned char)q[i]);
        }
        pattern[k++] = '%';
        pattern[k] = '\0';
        int any = 0;
        for (int i = 0; i < d->nfields && n < 30; i++) {
            if (!(d->fields[i].flags & F_SEARCH))
                continue;
            buf_addf(&sql, "%s LOWER(%s) LIKE ? ESCAPE '\\'", any ? " OR" : " AND (",
                     d->fields[i].name);
            all[n++] = SV_TEXTV(pattern);
            any = 1;
        }
        if (any)
            buf_adds(&sql, ")");
    }
    buf_addf(&sql, " ORDER BY %s LIMIT %d", d->order_by ? d->order_by : "id",
             limit > 0 ? limit : 1000);
    row_ctx rc = {d, json_array()};
    hv_result r = store_query(c, sql.data, all, n, row_to_json, &rc);
    free(pattern);
    buf_free(&sql);
    if (r != HV_OK) {
        json_decref(rc.list);
        return r;
    }
    *out = rc.list;
    return HV_OK;
}

static const char *
schema_type(field_type t)
{
    switch (t) {
    case FT_INT:
    case FT_REF:
        return "integer";
    case FT_BOOL:
        return "boolean";
    case FT_ENUMLIST:
        return "array";
    default:
        return "string";
    }
}

json_t *
record_schema(const record_desc *d, int input)
{
    json_t *props = json_object(), *required = json_array();
    if (!input)
        json_object_set_new(props, "id", json_pack("{s:s}", "type", "integer"));
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (input && (f->flags & F_READONLY))
            continue;
        if (input == 2 && (f->flags & F_CREATEONLY))
            continue;
        if (!input && (f->flags & F_HIDDEN))
            continue;
        json_t *p = json_pack("{s:s}", "type", schema_type(f->type));
        if (f->label)
            json_object_set_new(p, "description", json_string(f->label));
        if (f->type == FT_DATE)
            json_object_set_new(p, "format", json_string("date"));
        if (f->type == FT_TIME)
            json_object_set_new(p, "format", json_string("date-time"));
        if (f->type == FT_EMAIL)
            json_object_set_new(p, "format", json_string("email"));
        if ((f->type == FT_TEXT || f->type == FT_EMAIL) && f->max)
            json_object_set_new(p, "maxLength", json_integer(f->max));
        if (f->choices) {
            json_t *en = json_array();
            for (int k = 0; f->choices[k]; k++)
                json_array_append_new(en, json_string(f->choices[k]));
            if (f->type == FT_ENUMLIST)
                json_object_set_new(p, "items",
                                    json_pack("{s:s, s:o}", "type", "string", "enum", en));
            else
                json_object_set_new(p, "enum", en);
        }
        if (!(f->flags & F_REQUIRED) && f->type != FT_ENUMLIST) {
            json_t *types = json_pack("[s, s]", schema_type(f->type), "null");
            json_object_set_new(p, "type", types);
        }
        json_object_set_new(props, f->name, p);
        if (input == 1 && (f->flags & F_REQUIRED))
            json_array_append_new(required, json_string(f->name));
    }
    if (!input && d->timestamps) {
        json_object_set_new(props, "created_at",
                            json_pack("{s:s, s:s}", "type", "string", "format", "date-time"));
        json_object_set_new(props, "updated_at",
                            json_pack("{s:s, s:s}", "type", "string", "format", "date-time"));
    }
    json_t *s = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
                          "additionalProperties", 0);
    if (json_array_size(required))
        json_object_set_new(s, "required", required);
    else
        json_decref(required);
    return s;
}

void
record_redact(const record_desc *d, json_t *o, unsigned flags)
{
    json_t *names = NULL;
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (!(f->flags & flags) || !json_object_get(o, f->name))
            continue;
        json_object_set_new(o, f->name, json_null());
        if (!names)
            names = json_array();
        json_array_append_new(names, json_string(f->name));
    }
    if (names)
        json_object_set_new(o, "redacted", names);
}

json_t *
record_time_col(const store_row *row, int col)
{
    return store_row_isnull(row, col) ? json_null() : time_json(store_row_int(row, col));
}

hv_result
record_known_keys(const json_t *in, const char *const *names, hv_err *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        const char *const *n = names;
        while (*n && strcmp(*n, key) != 0)
            n++;
        if (!*n)
            return hv_fail(e, HV_ERR_INVALID, key, "unknown field");
    }
    return HV_OK;
}
