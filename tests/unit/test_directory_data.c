/* test_directory_data.c - taxonomies (Open Eligibility, CSV lists with AIRS
 * code hierarchy and their refusals), the data package reader on the
 * fixture, and the export of a service, against a real database in a
 * mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "directory/datapackage.h"
#include "directory/hsds.h"
#include "directory/taxonomy.h"
#include "unit_util.h"

typedef struct fixture {
    char dir[64];
    store *st;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-dirdata-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    if (store_open(f->dir, NULL, &f->st) != HV_OK || store_migrate(f->st, NULL) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static int64_t
count(store *st, const char *sql)
{
    store_conn *c;
    int64_t n = -1;
    assert_int_equal(store_read(st, &c), HV_OK);
    assert_int_equal(store_query_int(c, sql, NULL, 0, &n), HV_OK);
    store_release(c);
    return n;
}

static void
test_open_eligibility_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(taxonomy_defaults(f->st), HV_OK);
    int64_t n = count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term");
    assert_true(n > 100);
    assert_int_equal(taxonomy_defaults(f->st), HV_OK);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term"), n);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term t JOIN "
                                  "dir_taxonomy_term p ON p.id = t.parent_id WHERE p.code = '1'"),
                     11);
    store_conn *c;
    int loaded = -1;
    hv_err e = {0};
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(taxonomy_open_eligibility(c, &loaded, &e), HV_OK);
    assert_int_equal(loaded, 0);
    int64_t id = 0;
    assert_int_equal(taxonomy_find(c, "Open Eligibility", &id), HV_OK);
    int64_t by_id = 0;
    assert_int_equal(taxonomy_find(c, TAXONOMY_OE_ID, &by_id), HV_OK);
    assert_int_equal(id, by_id);
    int64_t term = 0;
    assert_int_equal(taxonomy_term_find(c, NULL, id, "20203", &term), HV_OK);
    assert_int_equal(taxonomy_term_find(c, NULL, id, "no-such-code", &term), HV_ERR_NOTFOUND);
    store_rollback(c);
}

static void
test_slug(void **state)
{
    (void)state;
    char s[64];
    taxonomy_slug("211 LA County", s, sizeof s);
    assert_string_equal(s, "211-la-county");
    taxonomy_slug("  --Los Ángeles / 211  ", s, sizeof s);
    assert_string_equal(s, "los-ngeles-211");
    taxonomy_slug("!!!", s, sizeof s);
    assert_string_equal(s, "");
    taxonomy_slug("abcdefghij", s, 5);
    assert_string_equal(s, "abcd");
}

/* Loads TEXT as taxonomy "t" (derived parents) and returns the result. */
static hv_result
load(fixture *f, const char *text, hv_err *e, taxonomy_report *rep)
{
    store_conn *c;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    hv_result r = taxonomy_load_csv(c, "t.csv", text, strlen(text), "t", "T", 1, rep, e);
    if (r == HV_OK)
        assert_int_equal(store_commit(c), HV_OK);
    else
        store_rollback(c);
    return r;
}

static void
test_load_hierarchy(void **state)
{
    fixture *f = *state;
    hv_err e = {0};
    taxonomy_report rep;
    const char *text = "\xEF\xBB\xBF"
                       "description,code,name,parent_code\r\n"
                       "top,B,Basic Needs,\r\n"
                       ",BD,Food,\r\n"
                       ",BD-1800.2000-620,Pantries for youth,\r\n"
                       "\"two\nlines\",BD-1800.2000-620.15,Teen pantries,\r\n"
                       ",X,Elsewhere,\r\n"
                       ",Y-100,Under X by name,X\r\n";
    assert_int_equal(load(f, text, &e, &rep), HV_OK);
    assert_int_equal(rep.created, 6);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term t JOIN dir_taxonomy_term "
                                  "p ON p.id = t.parent_id WHERE t.code = 'BD-1800.2000-620' AND "
                                  "p.code = 'BD'"),
                     1);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term t JOIN dir_taxonomy_term "
                                  "p ON p.id = t.parent_id WHERE t.code = 'BD-1800.2000-620.15' "
                                  "AND p.code = 'BD-1800.2000-620'"),
                     1);
    assert_int_equal(count(f->st,
                           "SELECT COUNT(*) FROM dir_taxonomy_term t JOIN dir_taxonomy_term "
                           "p ON p.id = t.parent_id WHERE t.code = 'Y-100' AND p.code = 'X'"),
                     1);
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM dir_taxonomy_term WHERE code = 'BD-1800.2000-620.15' "
                     "AND description = 'two\nlines'"),
        1);
    /* again: unchanged; a renamed term: updated */
    assert_int_equal(load(f, text, &e, &rep), HV_OK);
    assert_int_equal(rep.unchanged, 6);
    assert_int_equal(load(f,
                          "code,name,parent_code\nB,Basic Needs,\nBD,Food and Meals,\n"
                          "BD-1800.2000-620,Pantries for youth,\nBD-1800.2000-620.15,Teen "
                          "pantries,\nX,Elsewhere,\nY-100,Under X by name,X\n",
                          &e, &rep),
                     HV_OK);
    assert_int_equal(rep.updated, 3); /* BD renamed; two descriptions dropped */
}

static void
test_load_refusals(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *text, *detail;
    } cases[] = {
        {"code,name\nA,One\nA,Two\n",
         "t.csv, row 3, column code: is the code of an earlier row too"},
        {"code,name\nA,One\nB,\n", "t.csv, row 3, column name: is required"},
        {"code,name,parent_code\nA,One,B\nB,Two,A\n",
         "t.csv, row 2, column parent_code: makes a loop of parents"},
        {"code,name,parent_code\nA,One,A\n",
         "t.csv, row 2, column parent_code: names the row itself"},
        {"code,name,parent_code\nA,One,Q\n",
         "t.csv, row 2, column parent_code: names no code in the file"},
        {"name,description\nOne,x\n", "t.csv, row 1, column code: the header has no such column"},
        {"code,name\nA,\"One\n", "t.csv, row 3: is not CSV"},
        {"", "t.csv, row 1: has no header row"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hv_err e = {0};
        taxonomy_report rep;
        assert_int_equal(load(f, cases[i].text, &e, &rep), HV_ERR_INVALID);
        if (strncmp(e.detail, cases[i].detail, strlen(cases[i].detail)) != 0)
            fail_msg("case %zu: %s", i, e.detail);
    }
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM dir_taxonomy WHERE hsds_id = 't'"), 0);
}

static void
test_package_and_export(void **state)
{
    fixture *f = *state;
    json_t *doc = NULL;
    int64_t skipped = -1;
    hv_err e = {0};
    assert_int_equal(
        datapackage_read(HAVEN_SOURCE_DIR "/tests/fixtures/hsds/datapackage", &doc, &skipped, &e),
        HV_OK);
    assert_int_equal(skipped, 3);
    json_t *services = json_object_get(doc, "services");
    assert_int_equal(json_array_size(services), 5);
    json_t *shelter = json_array_get(services, 0);
    assert_string_equal(json_string_value(json_object_get(shelter, "id")), "svc-puente-shelter");
    assert_non_null(json_object_get(shelter, "organization"));
    json_t *sal = json_array_get(json_object_get(shelter, "service_at_locations"), 0);
    assert_null(json_object_get(sal, "service_id")); /* links become nesting */
    assert_int_equal(json_array_size(json_object_get(sal, "schedules")), 2);
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(sal, "schedules"), 1), "closed")));
    assert_true(json_is_real(json_object_get(json_object_get(sal, "location"), "latitude")));

    store_conn *c;
    hsds_report rep;
    assert_int_equal(taxonomy_defaults(f->st), HV_OK);
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(hsds_import(c, doc, "pkg", 0, "import", &rep, &e), HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
    json_decref(doc);

    assert_int_equal(store_read(f->st, &c), HV_OK);
    int64_t id = 0;
    store_val a[] = {SV_TEXTV("svc-justicia-legal")};
    assert_int_equal(store_query_int(c, "SELECT id FROM dir_service WHERE hsds_id = ?", a, 1, &id),
                     HV_OK);
    json_t *s = NULL;
    assert_int_equal(hsds_export_service(c, id, &s), HV_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(s, "organization"), "id")),
        "org-justicia");
    json_t *contact = json_array_get(json_object_get(s, "contacts"), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(contact, "phones"), 0), "number")),
                        "555-0161");
    assert_null(json_object_get(json_array_get(json_object_get(s, "phones"), 0), "service_id"));
    assert_int_equal(json_array_size(json_object_get(s, "attributes")), 2);
    json_decref(s);
    assert_int_equal(hsds_export_service(c, 999999, &s), HV_ERR_NOTFOUND);
    store_release(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_eligibility_once, setup, teardown),
        cmocka_unit_test(test_slug),
        cmocka_unit_test_setup_teardown(test_load_hierarchy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_package_and_export, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
