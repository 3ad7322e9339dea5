/* test_suppress.c - small-cell suppression of report tables: primary cells,
 * complementary cells along columns and grid rows, derived shares, medians
 * and changes, and headline figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/suppress.h"

static json_t *
load(const char *text)
{
    json_error_t err;
    json_t *t = json_loads(text, 0, &err);
    if (!t)
        fail_msg("bad fixture JSON: %s", err.text);
    return t;
}

static json_t *
cell(json_t *t, int row, const char *key)
{
    json_t *r = row < 0 ? json_object_get(t, "total")
                        : json_array_get(json_object_get(t, "rows"), (size_t)row);
    return json_object_get(r, key);
}

#define DIST                                                                                       \
    "{\"id\":\"t\",\"columns\":[{\"key\":\"label\",\"type\":\"text\"},{\"key\":\"n\",\"type\":"    \
    "\"count\"},{\"key\":\"share\",\"type\":\"percent\",\"of\":\"n\"}],"

static void
test_nothing_small(void **state)
{
    (void)state;
    json_t *t = load(DIST "\"rows\":[{\"label\":\"a\",\"n\":20,\"share\":0.5},{\"label\":\"b\","
                          "\"n\":0,\"share\":0},{\"label\":\"c\",\"n\":20,\"share\":0.5}],"
                          "\"total\":{\"label\":\"T\",\"n\":40,\"share\":1}}");
    assert_int_equal(suppress_table(t, 11), 0);
    assert_int_equal(json_integer_value(cell(t, 1, "n")), 0);
    assert_null(json_object_get(json_array_get(json_object_get(t, "rows"), 0), "suppressed"));
    json_decref(t);
}

static void
test_primary_and_complement(void **state)
{
    (void)state;
    /* one small cell (3) would be the total minus the others: the smallest
     * other cell that holds someone (12, not the 0) is hidden with it */
    json_t *t = load(DIST "\"rows\":[{\"label\":\"a\",\"n\":30,\"share\":0.6},{\"label\":\"b\","
                          "\"n\":3,\"share\":0.06},{\"label\":\"c\",\"n\":0,\"share\":0},"
                          "{\"label\":\"d\",\"n\":12,\"share\":0.24}],"
                          "\"total\":{\"label\":\"T\",\"n\":45,\"share\":1}}");
    assert_int_equal(suppress_table(t, 11), 4);
    assert_true(json_is_null(cell(t, 1, "n")));
    assert_true(json_is_null(cell(t, 1, "share")));
    assert_true(json_is_null(cell(t, 3, "n")));
    assert_true(json_is_null(cell(t, 3, "share")));
    assert_int_equal(json_integer_value(cell(t, 0, "n")), 30);
    assert_int_equal(json_integer_value(cell(t, 2, "n")), 0);
    assert_int_equal(json_integer_value(cell(t, -1, "n")), 45);
    json_t *list = json_object_get(json_array_get(json_object_get(t, "rows"), 1), "suppressed");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_array_get(list, 0)), "n");
    json_decref(t);
}

static void
test_two_small_need_no_complement(void **state)
{
    (void)state;
    json_t *t = load(DIST "\"rows\":[{\"label\":\"a\",\"n\":30},{\"label\":\"b\",\"n\":3},"
                          "{\"label\":\"c\",\"n\":4}],\"total\":{\"label\":\"T\",\"n\":37}}");
    suppress_table(t, 11);
    assert_int_equal(json_integer_value(cell(t, 0, "n")), 30);
    assert_true(json_is_null(cell(t, 1, "n")));
    assert_true(json_is_null(cell(t, 2, "n")));
    json_decref(t);
}

static void
test_small_total_hides_shares(void **state)
{
    (void)state;
    /* a total under the threshold hides itself, so every share (n / total)
     * would give it away and goes too */
    json_t *t = load(DIST "\"rows\":[{\"label\":\"a\",\"n\":0,\"share\":0},{\"label\":\"b\","
                          "\"n\":7,\"share\":1}],\"total\":{\"label\":\"T\",\"n\":7,\"share\":1}}");
    suppress_table(t, 11);
    assert_true(json_is_null(cell(t, -1, "n")));
    assert_true(json_is_null(cell(t, 1, "n")));
    assert_true(json_is_null(cell(t, 0, "share")));
    assert_int_equal(json_integer_value(cell(t, 0, "n")), 0);
    json_decref(t);
}

static void
test_grid(void **state)
{
    (void)state;
    /* rows add up to their total column, columns to the total row: the
     * lone 2 in row "a" takes a partner in its row, and that partner's
     * column then needs one too */
    json_t *t = load(
        "{\"id\":\"g\",\"grid\":{\"total\":\"total\"},\"columns\":[{\"key\":\"label\",\"type\":"
        "\"text\"},{\"key\":\"y1\",\"type\":\"count\"},{\"key\":\"y2\",\"type\":\"count\"},{"
        "\"key\":"
        "\"y3\",\"type\":\"count\"},{\"key\":\"total\",\"type\":\"count\"}],\"rows\":["
        "{\"label\":\"a\",\"y1\":2,\"y2\":40,\"y3\":50,\"total\":92},"
        "{\"label\":\"b\",\"y1\":30,\"y2\":20,\"y3\":60,\"total\":110},"
        "{\"label\":\"c\",\"y1\":25,\"y2\":35,\"y3\":45,\"total\":105}],"
        "\"total\":{\"label\":\"T\",\"y1\":57,\"y2\":95,\"y3\":155,\"total\":307}}");
    suppress_table(t, 11);
    const char *keys[] = {"y1", "y2", "y3", "total"};
    /* no row and no column has exactly one hidden cell */
    for (int r = -1; r < 3; r++) {
        int hidden = 0;
        for (int k = 0; k < 4; k++)
            hidden += json_is_null(cell(t, r, keys[k]));
        assert_int_not_equal(hidden, 1);
    }
    for (int k = 0; k < 4; k++) {
        int hidden = 0;
        for (int r = -1; r < 3; r++)
            hidden += json_is_null(cell(t, r, keys[k]));
        assert_int_not_equal(hidden, 1);
    }
    assert_true(json_is_null(cell(t, 0, "y1")));
    assert_true(json_is_null(cell(t, 0, "y2")));
    assert_int_equal(json_integer_value(cell(t, -1, "total")), 307);
    json_decref(t);
}

static void
test_support_and_non_additive(void **state)
{
    (void)state;
    json_t *t = load(
        "{\"id\":\"r\",\"columns\":[{\"key\":\"label\",\"type\":\"text\"},{\"key\":\"before\","
        "\"type\":\"count\"},{\"key\":\"after\",\"type\":\"count\"},{\"key\":\"change\",\"type\":"
        "\"percent\",\"depends\":[\"before\",\"after\"]},{\"key\":\"youth\",\"type\":\"count\","
        "\"additive\":false},{\"key\":\"median\",\"type\":\"minutes\",\"values\":[\"youth\"]}],"
        "\"rows\":[{\"label\":\"a\",\"before\":40,\"after\":4,\"change\":-0.9,\"youth\":12,"
        "\"median\":50},{\"label\":\"b\",\"before\":20,\"after\":15,\"change\":-0.25,\"youth\":"
        "3,\"median\":40}],\"total\":{\"label\":\"T\",\"before\":60,\"after\":19,\"change\":-0.68,"
        "\"youth\":14,\"median\":45}}");
    suppress_table(t, 11);
    /* after = 4 is hidden, so is its complement (b's 15) and both changes */
    assert_true(json_is_null(cell(t, 0, "after")));
    assert_true(json_is_null(cell(t, 1, "after")));
    assert_true(json_is_null(cell(t, 0, "change")));
    assert_true(json_is_null(cell(t, 1, "change")));
    assert_int_equal(json_integer_value(cell(t, -1, "after")), 19);
    /* youth do not add up: b's 3 is hidden, nothing else for it */
    assert_true(json_is_null(cell(t, 1, "youth")));
    assert_int_equal(json_integer_value(cell(t, 0, "youth")), 12);
    assert_true(json_is_null(cell(t, 1, "median")));
    assert_int_equal(json_integer_value(cell(t, 0, "median")), 50);
    json_decref(t);
}

static void
test_share_of_hidden_members(void **state)
{
    (void)state;
    /* share met = on time / (on time + late + missed): it gives away the
     * sum of the hidden late and missed, so it shows only when that sum is
     * nobody or at least the threshold */
    json_t *t =
        load("{\"id\":\"rt\",\"grid\":{\"total\":\"clocks\"},\"columns\":[{\"key\":\"label\","
             "\"type\":\"text\"},{\"key\":\"on_time\",\"type\":\"count\"},{\"key\":\"late\","
             "\"type\":\"count\"},{\"key\":\"missed\",\"type\":\"count\"},{\"key\":\"clocks\","
             "\"type\":\"count\"},{\"key\":\"share\",\"type\":\"percent\",\"support\":[\"on_time\","
             "\"late\",\"missed\"],\"depends\":[\"on_time\"]},{\"key\":\"median\",\"type\":"
             "\"minutes\",\"values\":[\"on_time\",\"late\"]}],\"rows\":["
             "{\"label\":\"a\",\"on_time\":100,\"late\":5,\"missed\":20,\"clocks\":125,"
             "\"share\":0.8,\"median\":40},"
             "{\"label\":\"b\",\"on_time\":100,\"late\":3,\"missed\":4,\"clocks\":107,"
             "\"share\":0.93,\"median\":41},"
             "{\"label\":\"c\",\"on_time\":6,\"late\":0,\"missed\":0,\"clocks\":6,"
             "\"share\":1,\"median\":42}]}");
    suppress_table(t, 11);
    /* a: late hidden, missed its complement: 25 hidden, known anyway */
    assert_true(json_is_null(cell(t, 0, "late")));
    assert_true(json_is_null(cell(t, 0, "missed")));
    assert_true(json_is_number(cell(t, 0, "share")));
    assert_true(json_is_number(cell(t, 0, "median")));
    /* b: 3 + 4 hidden would be given away: the share goes */
    assert_true(json_is_null(cell(t, 1, "share")));
    assert_true(json_is_number(cell(t, 1, "median")));
    /* c: six clocks: neither share nor median */
    assert_true(json_is_null(cell(t, 2, "share")));
    assert_true(json_is_null(cell(t, 2, "median")));
    json_decref(t);
}

static void
test_figures(void **state)
{
    (void)state;
    json_t *a = json_pack("{s:s, s:i}", "type", "count", "value", 5);
    json_t *b = json_pack("{s:s, s:i}", "type", "count", "value", 0);
    json_t *c = json_pack("{s:s, s:f, s:i}", "type", "number", "value", 15.2, "support", 6);
    json_t *d = json_pack("{s:s, s:f, s:i}", "type", "number", "value", 15.2, "support", 60);
    suppress_figure(a, 11);
    suppress_figure(b, 11);
    suppress_figure(c, 11);
    suppress_figure(d, 11);
    assert_true(json_is_null(json_object_get(a, "value")));
    assert_true(json_is_true(json_object_get(a, "suppressed")));
    assert_int_equal(json_integer_value(json_object_get(b, "value")), 0);
    assert_true(json_is_null(json_object_get(c, "value")));
    assert_null(json_object_get(c, "support"));
    assert_true(json_is_number(json_object_get(d, "value")));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

static void
test_malformed(void **state)
{
    (void)state;
    json_t *t = load("{\"id\":\"x\",\"columns\":[],\"rows\":[]}");
    assert_int_equal(suppress_table(t, 11), 0);
    json_decref(t);
    t = load("{\"id\":\"x\"}");
    assert_int_equal(suppress_table(t, 11), 0);
    json_decref(t);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_small),
        cmocka_unit_test(test_primary_and_complement),
        cmocka_unit_test(test_two_small_need_no_complement),
        cmocka_unit_test(test_small_total_hides_shares),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_support_and_non_additive),
        cmocka_unit_test(test_share_of_hidden_members),
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
