/* test_record.c - records described once: validation of JSON input against
 * a descriptor (required, read-only, create-only, hidden, sensitive, enum
 * and enum lists, bounds, strict UTF-8, unknown keys named), and insert /
 * update / get / list round trips over a real temporary store, with
 * sensitive fields encrypted at rest. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_util.h"

#include "core/crypt.h"
#include "model/record.h"

void record_set_keys(const crypt_keys *k);

static const char *const colours[] = {"red", "green", "blue", NULL};

static const field_desc thing_fields[] = {
    {"name", FT_TEXT, F_REQUIRED | F_SEARCH | F_UNIQUE, 2, 10, NULL, NULL, "Name"},
    {"code", FT_TEXT, F_CREATEONLY, 0, 8, NULL, NULL, "Code"},
    {"count", FT_INT, 0, -5, 100, NULL, NULL, "Count"},
    {"flag", FT_BOOL, 0, 0, 0, NULL, NULL, "Flag"},
    {"born", FT_DATE, 0, 0, 0, NULL, NULL, "Date"},
    {"seen_at", FT_TIME, 0, 0, 0, NULL, NULL, "Time"},
    {"colour", FT_ENUM, 0, 0, 0, colours, NULL, "Colour"},
    {"parent_id", FT_REF, 0, 0, 0, NULL, "thing", "Parent"},
    {"email", FT_EMAIL, F_SEARCH, 0, 64, NULL, NULL, "E-mail"},
    {"secret", FT_TEXT, F_SENSITIVE, 0, 40, NULL, NULL, "Secret"},
    {"hidden", FT_TEXT, F_HIDDEN, 0, 20, NULL, NULL, "Hidden"},
    {"status", FT_TEXT, F_READONLY, 0, 0, NULL, NULL, "Status"},
    {"tags", FT_ENUMLIST, F_VIRTUAL, 2, 3, colours, NULL, "Tags"},
    {"raw", FT_TEXT, F_RAW | F_VIRTUAL, 0, 20, NULL, NULL, "Raw"},
};
static const record_desc thing = {"thing", "thing", thing_fields, 14, "name", 1};

typedef struct fixture {
    char dir[64];
    store *st;
    crypt_keys *k;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-record-XXXXXX");
    if (!mkdtemp(f->dir) || crypt_load_or_create(f->dir, &f->k) != HV_OK ||
        store_open(f->dir, NULL, &f->st) != HV_OK || store_migrate(f->st, NULL) != HV_OK)
        return -1;
    record_set_keys(f->k);
    store_conn *c;
    if (store_begin(f->st, &c) != HV_OK)
        return -1;
    hv_result r = store_exec(
        c,
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, code TEXT, "
        "count INTEGER, flag INTEGER, born TEXT, seen_at INTEGER, colour TEXT, "
        "parent_id INTEGER REFERENCES thing(id), email TEXT, secret BLOB, hidden TEXT, "
        "status TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)",
        NULL, 0, NULL);
    if (r != HV_OK || store_commit(c) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    record_set_keys(NULL);
    store_close(f->st);
    crypt_free(f->k);
    rm_dir(f->dir);
    free(f);
    return 0;
}

/* Parses TEXT as JSON, then through the descriptor. */
static hv_result
parse(const char *text, enum record_mode mode, json_t **out, hv_err *e)
{
    json_error_t jerr;
    json_t *in = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (!in)
        fail_msg("bad test JSON: %s", jerr.text);
    hv_err_clear(e);
    *out = NULL;
    hv_result r = record_parse(&thing, in, mode, out, e);
    json_decref(in);
    return r;
}

/* Expects TEXT to be refused naming FIELD. */
static void
refused(const char *text, enum record_mode mode, const char *field)
{
    json_t *out;
    hv_err e;
    hv_result r = parse(text, mode, &out, &e);
    if (r != HV_ERR_INVALID)
        fail_msg("%s: accepted (%d)", text, (int)r);
    assert_null(out);
    if (field)
        assert_string_equal(e.field, field);
    assert_true(strlen(e.detail) > 0);
}

static json_t *
accepted(const char *text, enum record_mode mode)
{
    json_t *out;
    hv_err e;
    hv_result r = parse(text, mode, &out, &e);
    if (r != HV_OK)
        fail_msg("%s: refused: %s", text, e.detail);
    return out;
}

static void
test_required(void **state)
{
    (void)state;
    refused("{}", REC_CREATE, "name");
    refused("{\"name\": null}", REC_CREATE, "name");
    refused("{\"name\": \"\"}", REC_CREATE, "name");
    refused("{\"name\": \"   \"}", REC_CREATE, "name");
    /* an update need not repeat required fields, but may not empty them */
    json_t *o = accepted("{}", REC_UPDATE);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    refused("{\"name\": \"\"}", REC_UPDATE, "name");
    refused("[1]", REC_CREATE, NULL);
}

static void
test_unknown_and_readonly(void **state)
{
    (void)state;
    refused("{\"name\": \"ok\", \"nmae\": \"x\"}", REC_CREATE, "nmae");
    refused("{\"name\": \"ok\", \"status\": \"x\"}", REC_CREATE, "status");
    refused("{\"name\": \"ok\", \"id\": 4}", REC_CREATE, "id");
    refused("{\"name\": \"ok\", \"created_at\": 4}", REC_UPDATE, "created_at");
    /* create-only: accepted on create, refused on update */
    json_t *o = accepted("{\"name\": \"ok\", \"code\": \"C1\"}", REC_CREATE);
    json_decref(o);
    refused("{\"code\": \"C2\"}", REC_UPDATE, "code");
}

static void
test_text_trim_and_bounds(void **state)
{
    (void)state;
    json_t *o = accepted("{\"name\": \"  ab \\n\"}", REC_CREATE);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "ab");
    json_decref(o);
    refused("{\"name\": \" a \"}", REC_CREATE, "name");
    refused("{\"name\": \"abcdefghijk\"}", REC_CREATE, "name");
    /* bounds count characters, not bytes */
    o = accepted("{\"name\": \"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\"}",
                 REC_CREATE);
    json_decref(o);
    refused("{\"name\": 12}", REC_CREATE, "name");
    refused("{\"name\": \"a\\u0001b\"}", REC_CREATE, "name");
    /* raw text keeps its spaces */
    o = accepted("{\"name\": \"ok\", \"raw\": \"  pw  \"}", REC_CREATE);
    assert_string_equal(json_string_value(json_object_get(o, "raw")), "  pw  ");
    json_decref(o);
}

/* Builds {"name": "<BYTES>"} without going through JSON escapes. */
static hv_result
parse_name_bytes(const char *bytes, hv_err *e)
{
    json_t *in = json_object();
    json_t *out = NULL;
    json_object_set_new(in, "name", json_stringn_nocheck(bytes, strlen(bytes)));
    hv_err_clear(e);
    hv_result r = record_parse(&thing, in, REC_CREATE, &out, e);
    json_decref(in);
    json_decref(out);
    return r;
}

static void
test_utf8_strict(void **state)
{
    (void)state;
    hv_err e;
    static const char *const good[] = {
        "ab",
        "\xc2\x80z",         /* U+0080 */
        "\xdf\xbfz",         /* U+07FF */
        "\xe0\xa0\x80z",     /* U+0800 */
        "\xed\x9f\xbfz",     /* U+D7FF */
        "\xee\x80\x80z",     /* U+E000 */
        "\xef\xbf\xbdz",     /* U+FFFD */
        "\xf0\x90\x80\x80z", /* U+10000 */
        "\xf4\x8f\xbf\xbfz", /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (parse_name_bytes(good[i], &e) != HV_OK)
            fail_msg("valid UTF-8 %zu refused: %s", i, e.detail);
    static const char *const bad[] = {
        "\xc0\xafz",         /* overlong '/' */
        "\xc1\xbfz",         /* overlong */
        "\xe0\x80\xafz",     /* overlong 3-byte */
        "\xe0\x9f\xbfz",     /* overlong U+07FF */
        "\xf0\x80\x80\xafz", /* overlong 4-byte */
        "\xf0\x8f\xbf\xbfz", /* overlong U+FFFF */
        "\xed\xa0\x80z",     /* U+D800 */
        "\xed\xbf\xbfz",     /* U+DFFF */
        "\xed\xb2\x80z",     /* U+DC80 */
        "\xf4\x90\x80\x80z", /* U+110000 */
        "\xf5\x80\x80\x80z", /* beyond */
        "\xf8\x88\x80\x80\x80z",
        "\xffz",
        "\x80z",     /* lone continuation */
        "a\xc3",     /* cut short */
        "\xe2\x82z", /* cut short */
        "\xc3\x28z", /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_name_bytes(bad[i], &e) != HV_ERR_INVALID)
            fail_msg("invalid UTF-8 %zu accepted", i);
        assert_string_equal(e.field, "name");
    }
}

static void
test_empty_optional_becomes_null(void **state)
{
    (void)state;
    static const char *const fields[] = {"code",   "count",     "flag",  "born",   "seen_at",
                                         "colour", "parent_id", "email", "secret", "tags"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"name\": \"ok\", \"%s\": \"\"}", fields[i]);
        json_t *o = accepted(text, REC_CREATE);
        json_t *v = json_object_get(o, fields[i]);
        if (!json_is_null(v))
            fail_msg("'%s': \"\" did not become null", fields[i]);
        json_decref(o);
        snprintf(text, sizeof text, "{\"name\": \"ok\", \"%s\": \" \\t \"}", fields[i]);
        o = accepted(text, REC_CREATE);
        assert_true(json_is_null(json_object_get(o, fields[i])));
        json_decref(o);
    }
    /* raw text is kept as given; only "" is no value */
    json_t *o = accepted("{\"name\": \"ok\", \"raw\": \"\"}", REC_CREATE);
    assert_true(json_is_null(json_object_get(o, "raw")));
    json_decref(o);
}

static void
test_numbers_and_bools(void **state)
{
    (void)state;
    json_t *o = accepted("{\"name\": \"ok\", \"count\": -5, \"flag\": true}", REC_CREATE);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), -5);
    assert_true(json_is_true(json_object_get(o, "flag")));
    json_decref(o);
    o = accepted("{\"count\": 100, \"flag\": false}", REC_UPDATE);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 100);
    assert_true(json_is_false(json_object_get(o, "flag")));
    json_decref(o);
    refused("{\"count\": -6}", REC_UPDATE, "count");
    refused("{\"count\": 101}", REC_UPDATE, "count");
    refused("{\"count\": 1.5}", REC_UPDATE, "count");
    refused("{\"count\": \"7\"}", REC_UPDATE, "count");
    refused("{\"flag\": 1}", REC_UPDATE, "flag");
    refused("{\"flag\": \"true\"}", REC_UPDATE, "flag");
    refused("{\"parent_id\": 0}", REC_UPDATE, "parent_id");
    refused("{\"parent_id\": -1}", REC_UPDATE, "parent_id");
}

static void
test_dates_times_email(void **state)
{
    (void)state;
    json_t *o = accepted("{\"born\": \"2012-02-29\", \"seen_at\": \"2026-01-31T13:45:00Z\", "
                         "\"email\": \"a.b@example.org\"}",
                         REC_UPDATE);
    assert_string_equal(json_string_value(json_object_get(o, "born")), "2012-02-29");
    assert_int_equal(json_integer_value(json_object_get(o, "seen_at")), 1769867100000LL);
    json_decref(o);
    refused("{\"born\": \"2013-02-29\"}", REC_UPDATE, "born");
    refused("{\"born\": \"29/02/2012\"}", REC_UPDATE, "born");
    refused("{\"seen_at\": \"2026-01-31\"}", REC_UPDATE, "seen_at");
    refused("{\"seen_at\": 1769867100000}", REC_UPDATE, "seen_at");
    refused("{\"email\": \"nobody\"}", REC_UPDATE, "email");
    refused("{\"email\": \"@example.org\"}", REC_UPDATE, "email");
    refused("{\"email\": \"a@b@example.org\"}", REC_UPDATE, "email");
    refused("{\"email\": \"a b@example.org\"}", REC_UPDATE, "email");
}

static void
test_enum_and_enumlist(void **state)
{
    (void)state;
    json_t *o =
        accepted("{\"colour\": \"green\", \"tags\": [\"red\", \"blue\", \"red\"]}", REC_UPDATE);
    assert_string_equal(json_string_value(json_object_get(o, "colour")), "green");
    json_t *tags = json_object_get(o, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "red");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "blue");
    json_decref(o);
    refused("{\"colour\": \"Green\"}", REC_UPDATE, "colour");
    refused("{\"colour\": \"purple\"}", REC_UPDATE, "colour");
    refused("{\"tags\": [\"red\", \"pink\"]}", REC_UPDATE, "tags");
    refused("{\"tags\": [\"red\", 1]}", REC_UPDATE, "tags");
    refused("{\"tags\": \"red\"}", REC_UPDATE, "tags");
    refused("{\"tags\": [\"red\"]}", REC_UPDATE, "tags");
    /* the minimum counts distinct values: a repeat does not make two */
    refused("{\"tags\": [\"red\", \"red\"]}", REC_UPDATE, "tags");
    /* and the maximum too: four values with a repeat are three */
    o = accepted("{\"tags\": [\"red\", \"green\", \"blue\", \"green\"]}", REC_UPDATE);
    assert_int_equal(json_array_size(json_object_get(o, "tags")), 3);
    json_decref(o);
}

static hv_result
insert_json(fixture *f, const char *text, int64_t *id, hv_err *e)
{
    json_t *vals;
    hv_result r = parse(text, REC_CREATE, &vals, e);
    if (r != HV_OK)
        return r;
    store_conn *c;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    r = record_insert(c, &thing, vals, id, e);
    json_decref(vals);
    if (r != HV_OK) {
        store_rollback(c);
        return r;
    }
    return store_commit(c);
}

static json_t *
get(fixture *f, int64_t id)
{
    store_conn *c;
    json_t *o = NULL;
    assert_int_equal(store_read(f->st, &c), HV_OK);
    hv_result r = record_get(c, &thing, id, &o);
    store_release(c);
    return r == HV_OK ? o : NULL;
}

static void
test_insert_get_round_trip(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id = 0;
    assert_int_equal(
        insert_json(f,
                    "{\"name\": \"Alpha\", \"code\": \"A1\", \"count\": 3, \"flag\": true, "
                    "\"born\": \"2011-04-02\", \"seen_at\": \"2026-01-31T13:45:00.250Z\", "
                    "\"colour\": \"red\", \"email\": \"x@example.org\", \"secret\": "
                    "\"Mar\u00eda L\u00f3pez\", \"hidden\": \"h\", \"tags\": [\"red\", "
                    "\"blue\"], \"raw\": \"pw\"}",
                    &id, &e),
        HV_OK);
    assert_true(id > 0);
    json_t *o = get(f, id);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "id")), id);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "Alpha");
    assert_string_equal(json_string_value(json_object_get(o, "code")), "A1");
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 3);
    assert_true(json_is_true(json_object_get(o, "flag")));
    assert_string_equal(json_string_value(json_object_get(o, "born")), "2011-04-02");
    assert_string_equal(json_string_value(json_object_get(o, "seen_at")),
                        "2026-01-31T13:45:00.250Z");
    assert_string_equal(json_string_value(json_object_get(o, "colour")), "red");
    assert_true(json_is_null(json_object_get(o, "parent_id")));
    assert_string_equal(json_string_value(json_object_get(o, "secret")), "Mar\xc3\xad"
                                                                         "a L\xc3\xb3pez");
    /* hidden and virtual fields never come out */
    assert_null(json_object_get(o, "hidden"));
    assert_null(json_object_get(o, "tags"));
    assert_null(json_object_get(o, "raw"));
    assert_true(json_is_string(json_object_get(o, "created_at")));
    assert_true(json_is_string(json_object_get(o, "updated_at")));
    json_decref(o);
    assert_null(get(f, id + 100));
}

typedef struct raw_secret {
    int isblob;
    size_t len;
    int has_plain;
} raw_secret;

static hv_result
peek_secret(void *ctx, const store_row *row)
{
    raw_secret *s = ctx;
    size_t len;
    const void *p = store_row_blob(row, 0, &len);
    s->len = len;
    s->has_plain = p && memmem(p, len, "Maria", 5) != NULL;
    return HV_OK;
}

static void
test_sensitive_encrypted_at_rest(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id = 0;
    assert_int_equal(insert_json(f, "{\"name\": \"Beta\", \"secret\": \"Maria\"}", &id, &e), HV_OK);
    store_conn *c;
    raw_secret s = {0};
    store_val a = SV_INTV(id);
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(
        store_query(c, "SELECT secret FROM thing WHERE id = ?", &a, 1, peek_secret, &s), HV_OK);
    store_release(c);
    assert_int_equal(s.len, 5 + CRYPT_OVERHEAD);
    assert_false(s.has_plain);
    /* without the keys the field cannot be read: it comes out null */
    record_set_keys(NULL);
    json_t *o = get(f, id);
    assert_true(json_is_null(json_object_get(o, "secret")));
    json_decref(o);
    record_set_keys(f->k);
    o = get(f, id);
    assert_string_equal(json_string_value(json_object_get(o, "secret")), "Maria");
    json_decref(o);
    /* and cannot be written */
    record_set_keys(NULL);
    assert_int_equal(insert_json(f, "{\"name\": \"Gamma\", \"secret\": \"x\"}", &id, &e),
                     HV_ERR_CONFIG);
    record_set_keys(f->k);
}

static void
test_update(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id = 0;
    assert_int_equal(
        insert_json(f, "{\"name\": \"Delta\", \"count\": 1, \"email\": \"d@e.org\"}", &id, &e),
        HV_OK);
    json_t *vals = accepted("{\"count\": 2, \"email\": \"\", \"secret\": \"new\"}", REC_UPDATE);
    store_conn *c;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(record_update(c, &thing, id, vals, &e), HV_OK);
    assert_int_equal(record_update(c, &thing, id + 50, vals, &e), HV_ERR_NOTFOUND);
    assert_int_equal(store_commit(c), HV_OK);
    json_decref(vals);
    json_t *o = get(f, id);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 2);
    assert_true(json_is_null(json_object_get(o, "email")));
    assert_string_equal(json_string_value(json_object_get(o, "secret")), "new");
    assert_string_equal(json_string_value(json_object_get(o, "name")), "Delta");
    json_decref(o);
}

static void
test_constraint_errors_name_field(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id = 0;
    assert_int_equal(insert_json(f, "{\"name\": \"Same\"}", &id, &e), HV_OK);
    assert_int_equal(insert_json(f, "{\"name\": \"Same\"}", &id, &e), HV_ERR_CONFLICT);
    assert_string_equal(e.field, "name");
    assert_non_null(strstr(e.detail, "a thing with this name already exists"));
    assert_int_equal(insert_json(f, "{\"name\": \"Child\", \"parent_id\": 999}", &id, &e),
                     HV_ERR_INVALID);
    assert_string_equal(e.field, "parent_id");
}

static void
test_list_and_search(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id;
    const char *names[] = {"Carrot", "apple", "Banana", "50%_off"};
    for (int i = 0; i < 4; i++) {
        char text[96];
        snprintf(text, sizeof text, "{\"name\": \"%s\", \"count\": %d}", names[i], i);
        assert_int_equal(insert_json(f, text, &id, &e), HV_OK);
    }
    store_conn *c;
    json_t *list = NULL;
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(record_list(c, &thing, NULL, NULL, 0, NULL, 0, &list), HV_OK);
    assert_int_equal(json_array_size(list), 4);
    /* ordered by name (SQLite's binary order) */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
                        "50%_off");
    json_decref(list);
    /* case-insensitive substring on F_SEARCH fields */
    assert_int_equal(record_list(c, &thing, NULL, NULL, 0, "AN", 0, &list), HV_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
                        "Banana");
    json_decref(list);
    /* LIKE wildcards in q are literal */
    assert_int_equal(record_list(c, &thing, NULL, NULL, 0, "%", 0, &list), HV_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(record_list(c, &thing, NULL, NULL, 0, "_", 0, &list), HV_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* a condition with bound arguments, and a limit */
    store_val a = SV_INTV(1);
    assert_int_equal(record_list(c, &thing, "count >= ?", &a, 1, NULL, 2, &list), HV_OK);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    store_release(c);
}

static void
test_list_argument_count(void **state)
{
    fixture *f = *state;
    store_conn *c;
    json_t *list = NULL;
    store_val args[17];
    for (int i = 0; i < 17; i++)
        args[i] = SV_INTV(i);
    assert_int_equal(store_read(f->st, &c), HV_OK);
    /* refused before anything is allocated (the sanitizer build checks for
     * leaks) */
    assert_int_equal(record_list(c, &thing, "id IN (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", args, 17,
                                 NULL, 0, &list),
                     HV_ERR_INVALID);
    assert_null(list);
    assert_int_equal(record_list(c, &thing, NULL, args, -1, NULL, 0, &list), HV_ERR_INVALID);
    assert_int_equal(record_list(c, &thing, "id = ?", NULL, 1, NULL, 0, &list), HV_ERR_INVALID);
    assert_int_equal(
        record_list(c, &thing, "id IN (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", args, 16, NULL, 0, &list),
        HV_OK);
    json_decref(list);
    store_release(c);
}

static void
test_nothing_to_change(void **state)
{
    fixture *f = *state;
    hv_err e;
    int64_t id = 0;
    assert_int_equal(insert_json(f, "{\"name\": \"Eps\"}", &id, &e), HV_OK);
    /* only virtual fields: no column to write, but the timestamp moves */
    json_t *vals = accepted("{\"tags\": [\"red\", \"blue\"]}", REC_UPDATE);
    store_conn *c;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(record_update(c, &thing, id, vals, &e), HV_OK);
    store_rollback(c);
    json_decref(vals);
}

static void
test_schema(void **state)
{
    (void)state;
    json_t *out = record_schema(&thing, 0), *in = record_schema(&thing, 1),
           *patch = record_schema(&thing, 2);
    json_t *op = json_object_get(out, "properties"), *ip = json_object_get(in, "properties"),
           *pp = json_object_get(patch, "properties");
    assert_non_null(json_object_get(op, "id"));
    assert_non_null(json_object_get(op, "status"));
    assert_null(json_object_get(op, "hidden"));
    assert_null(json_object_get(ip, "status"));
    assert_non_null(json_object_get(ip, "code"));
    assert_null(json_object_get(pp, "code"));
    assert_non_null(json_object_get(op, "created_at"));
    assert_true(json_is_false(json_object_get(in, "additionalProperties")));
    json_t *req = json_object_get(in, "required");
    assert_int_equal(json_array_size(req), 1);
    assert_string_equal(json_string_value(json_array_get(req, 0)), "name");
    assert_null(json_object_get(patch, "required"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ip, "name"), "maxLength")),
                     10);
    json_t *colour = json_object_get(ip, "colour");
    assert_int_equal(json_array_size(json_object_get(colour, "enum")), 3);
    json_decref(out);
    json_decref(in);
    json_decref(patch);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_unknown_and_readonly),
        cmocka_unit_test(test_text_trim_and_bounds),
        cmocka_unit_test(test_utf8_strict),
        cmocka_unit_test(test_empty_optional_becomes_null),
        cmocka_unit_test(test_numbers_and_bools),
        cmocka_unit_test(test_dates_times_email),
        cmocka_unit_test(test_enum_and_enumlist),
        cmocka_unit_test_setup_teardown(test_insert_get_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sensitive_encrypted_at_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_errors_name_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_argument_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_change, setup, teardown),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
