/* test_dir_search.c - the directory search engine (directory/search.c):
 * the text made into a safe FTS5 query, and the engine over a real
 * temporary store: words and relevance, radius, filters, paging, and an
 * import noticed by the next search (the index follows max(dir_change.id)). */
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

#include "directory/hsds.h"
#include "directory/search.h"
#include "directory/synth.h"

static void
test_fts_query(void **state)
{
    (void)state;
    char q[700];
    assert_int_equal(dir_search_fts_query("youth counseling", NULL, q, sizeof q), 2);
    assert_string_equal(q, "\"youth\" \"counseling\"*");
    /* FTS5 syntax is never passed through */
    assert_int_equal(dir_search_fts_query("a OR \"b\" NEAR(c) {name}: d*", NULL, q, sizeof q), 7);
    assert_string_equal(q, "\"a\" \"OR\" \"b\" \"NEAR\" \"c\" \"name\" \"d\"*");
    assert_int_equal(dir_search_fts_query("  \"*^-+ ", NULL, q, sizeof q), 0);
    assert_int_equal(dir_search_fts_query(NULL, NULL, q, sizeof q), 0);
    /* accents stay whole; a column filter */
    assert_int_equal(dir_search_fts_query("Clínica", "name", q, sizeof q), 1);
    assert_string_equal(q, "{name} : (\"Clínica\"*)");
    /* at most 8 words; a long word is cut, never mid-character */
    assert_int_equal(dir_search_fts_query("a b c d e f g h i j", NULL, q, sizeof q), 8);
    char longw[200];
    memset(longw, 'x', 62);
    strcpy(longw + 62, "é tail");
    assert_int_equal(dir_search_fts_query(longw, NULL, q, sizeof q), 2);
    assert_null(strstr(q, "\xc3\""));
}

typedef struct fixture {
    char dir[64];
    store *st;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-dirsearch-XXXXXX");
    if (!mkdtemp(f->dir) || store_open(f->dir, NULL, &f->st) != HV_OK ||
        store_migrate(f->st, NULL) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    dir_search_reset();
    store_close(f->st);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static void
import(store *st, const char *json)
{
    json_error_t je;
    json_t *doc = json_loads(json, 0, &je);
    assert_non_null(doc);
    store_conn *c;
    hsds_report rep;
    hv_err e = {0};
    assert_int_equal(store_begin(st, &c), HV_OK);
    hv_result r = hsds_import(c, doc, "test", 0, "import", &rep, &e);
    if (r != HV_OK)
        fprintf(stderr, "%s\n", e.detail);
    assert_int_equal(r, HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
    json_decref(doc);
}

#define SVC(id, name, desc, lat)                                                                   \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"description\":\"" desc "\","                       \
    "\"organization\":{\"id\":\"o1\",\"name\":\"Org\"},\"service_at_locations\":[{\"id\":\"" id    \
    "-sal\",\"location\":{\"id\":\"" id "-loc\",\"latitude\":" lat ",\"longitude\":-98}}]}"

static void
test_engine(void **state)
{
    fixture *f = *state;
    import(f->st, "[" SVC("a", "Quartz Counseling", "A room.", "39.0") "," SVC(
                      "b", "Quartz Room", "We offer counseling.",
                      "39.01") "," SVC("c", "Far Quartz", "Counseling far away.", "40.0") "]");
    dir_query q = {.text = "counseling", .age = -1, .page = 1, .per_page = 10};
    dir_result r;
    hv_err e = {0};
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.total, 3);
    int64_t first = r.hits[0].service_id;
    assert_true(r.hits[0].score > r.hits[1].score);
    dir_result_free(&r);
    /* the name match first */
    store_conn *c;
    int64_t a = 0;
    assert_int_equal(store_read(f->st, &c), HV_OK);
    store_val hid[] = {SV_TEXTV("a")};
    assert_int_equal(store_query_int(c, "SELECT id FROM dir_service WHERE hsds_id = ?", hid, 1, &a),
                     HV_OK);
    store_release(c);
    assert_int_equal(first, a);
    /* radius: c is 69 miles north */
    q.has_near = 1;
    q.near = (geo_point){39.0, -98.0};
    q.radius_mi = 5;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.total, 2);
    assert_true(r.hits[0].distance_mi >= 0 && r.hits[0].distance_mi < 1);
    dir_result_free(&r);
    /* paging */
    q.per_page = 1;
    q.page = 2;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.total, 2);
    assert_int_equal(r.n, 1);
    dir_result_free(&r);
    q.page = 3;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.n, 0);
    dir_result_free(&r);
    /* a bad query names its parameter */
    q.per_page = 0;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "per_page");
    /* another import: the next search sees it */
    dir_search_stats s0, s1;
    dir_search_get_stats(&s0);
    import(f->st, "[" SVC("d", "Quartz Counseling Annex", "More.", "39.0") "]");
    dir_query q2 = {.text = "quartz", .age = -1, .page = 1, .per_page = 10};
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q2, &r, &e), HV_OK);
    assert_int_equal(r.total, 4);
    dir_result_free(&r);
    dir_search_get_stats(&s1);
    assert_int_equal(s1.builds, s0.builds + 1);
    /* generated services import and search */
    store_conn *w;
    assert_int_equal(store_begin(f->st, &w), HV_OK);
    assert_int_equal(synth_demo(w, 50, &e), HV_OK);
    assert_int_equal(store_commit(w), HV_OK);
    dir_query q3 = {.syz_only = 1, .age = -1, .page = 1, .per_page = 100};
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q3, &r, &e), HV_OK);
    assert_int_equal(r.total, SYNTH_DEMO_SYZ);
    dir_result_free(&r);
}

/* A service with two places in the radius counts once, at the nearer one,
 * query after query (the index's reused scratch); a parent term finds its
 * child's services; the warm-up builds the index before the first search. */
static void
test_multi_terms_warm(void **state)
{
    fixture *f = *state;
    import(f->st,
           "[{\"id\":\"m\",\"name\":\"Basalt Two Sites\",\"organization\":{\"id\":\"o1\","
           "\"name\":\"Org\"},\"attributes\":[{\"id\":\"at-p\",\"taxonomy_term\":{\"id\":\"tp\","
           "\"name\":\"Parent\",\"taxonomy\":\"T\"}}],\"service_at_locations\":["
           "{\"id\":\"m-1\",\"location\":{\"id\":\"m-l1\",\"latitude\":39.02,\"longitude\":-98}},"
           "{\"id\":\"m-2\",\"location\":{\"id\":\"m-l2\",\"latitude\":39.001,\"longitude\":-98}}"
           "]},"
           "{\"id\":\"k\",\"name\":\"Basalt Child\",\"organization\":{\"id\":\"o1\","
           "\"name\":\"Org\"},\"attributes\":[{\"id\":\"at-c\",\"taxonomy_term\":{\"id\":\"tc\","
           "\"name\":\"Child\",\"taxonomy\":\"T\",\"parent_id\":\"tp\"}}],"
           "\"service_at_locations\":[{\"id\":\"k-1\",\"location\":{\"id\":\"k-l1\","
           "\"latitude\":39.0,\"longitude\":-98.001}}]}]");
    dir_search_stats s0, s1;
    dir_search_get_stats(&s0);
    assert_int_equal(dir_search_warm(f->st, "America/Los_Angeles"), HV_OK);
    dir_query q = {.text = "basalt",
                   .has_near = 1,
                   .near = {39.0, -98.0},
                   .radius_mi = 5,
                   .age = -1,
                   .page = 1,
                   .per_page = 10};
    dir_result r;
    hv_err e = {0};
    for (int round = 0; round < 3; round++) {
        assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
        assert_int_equal(r.total, 2);
        for (int i = 0; i < r.n; i++)
            assert_true(r.hits[i].distance_mi < 0.2); /* m at its nearer place */
        dir_result_free(&r);
    }
    dir_search_get_stats(&s1);
    assert_int_equal(s1.builds, s0.builds + 1); /* the warm-up's, used by the searches */
    /* the terms' internal ids */
    store_conn *c;
    int64_t tp = 0, tc = 0;
    assert_int_equal(store_read(f->st, &c), HV_OK);
    store_val a[] = {SV_TEXTV("tp")}, b[] = {SV_TEXTV("tc")};
    assert_int_equal(
        store_query_int(c, "SELECT id FROM dir_taxonomy_term WHERE hsds_id = ?", a, 1, &tp), HV_OK);
    assert_int_equal(
        store_query_int(c, "SELECT id FROM dir_taxonomy_term WHERE hsds_id = ?", b, 1, &tc), HV_OK);
    store_release(c);
    q.terms[0] = tp;
    q.nterms = 1;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.total, 2); /* the parent's own service and its child's */
    dir_result_free(&r);
    q.terms[0] = tc;
    assert_int_equal(dir_search_run(f->st, "America/Los_Angeles", &q, &r, &e), HV_OK);
    assert_int_equal(r.total, 1);
    dir_result_free(&r);
    dir_search_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fts_query),
        cmocka_unit_test_setup_teardown(test_engine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_terms_warm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
