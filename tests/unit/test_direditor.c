/* test_direditor.c - the directory editor's field-level diff of two HSDS
 * records (directory/editor.c): changed, added and removed fields by path,
 * lists by index, nested objects, and the limit on entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "directory/editor.h"

static json_t *
diff(const char *a, const char *b, size_t limit)
{
    json_t *ja = a ? json_loads(a, 0, NULL) : NULL, *jb = b ? json_loads(b, 0, NULL) : NULL;
    json_t *out = json_array();
    dir_editor_diff(ja, jb, out, limit);
    json_decref(ja);
    json_decref(jb);
    /* the result must stand alone and print */
    char *s = json_dumps(out, JSON_COMPACT);
    assert_non_null(s);
    free(s);
    return out;
}

static const char *
field(const json_t *changes, size_t i)
{
    return json_string_value(json_object_get(json_array_get(changes, i), "field"));
}

static void
test_fields(void **state)
{
    (void)state;
    json_t *c =
        diff("{\"name\":\"A\",\"maximum_age\":24,\"organization\":{\"id\":\"o\",\"name\":\"X\"},"
             "\"status\":\"active\"}",
             "{\"name\":\"B\",\"maximum_age\":21,\"organization\":{\"id\":\"o\",\"name\":\"Y\"},"
             "\"status\":\"active\",\"phones\":[{\"number\":\"555-0100\"}]}",
             100);
    assert_int_equal(json_array_size(c), 4);
    /* keys in order: maximum_age, name, organization.name, phones */
    assert_string_equal(field(c, 0), "maximum_age");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "before")), 24);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "after")), 21);
    assert_string_equal(field(c, 1), "name");
    assert_string_equal(field(c, 2), "organization.name");
    assert_string_equal(field(c, 3), "phones");
    assert_true(json_is_null(json_object_get(json_array_get(c, 3), "before")));
    json_decref(c);
}

static void
test_lists(void **state)
{
    (void)state;
    json_t *c =
        diff("{\"phones\":[{\"number\":\"1\"},{\"number\":\"2\"}]}",
             "{\"phones\":[{\"number\":\"1\"},{\"number\":\"3\"},{\"number\":\"4\"}]}", 100);
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(field(c, 0), "phones[1].number");
    assert_string_equal(field(c, 1), "phones[2]");
    json_decref(c);
    /* removed */
    c = diff("{\"a\":1,\"b\":2}", "{\"a\":1}", 100);
    assert_int_equal(json_array_size(c), 1);
    assert_string_equal(field(c, 0), "b");
    assert_true(json_is_null(json_object_get(json_array_get(c, 0), "after")));
    json_decref(c);
}

static void
test_whole_and_limit(void **state)
{
    (void)state;
    json_t *c = diff(NULL, "{\"a\":1}", 100);
    assert_int_equal(json_array_size(c), 1);
    assert_string_equal(field(c, 0), "(record)");
    json_decref(c);
    c = diff("{\"a\":1,\"b\":1,\"c\":1}", "{\"a\":2,\"b\":2,\"c\":2}", 2);
    assert_int_equal(json_array_size(c), 2);
    json_decref(c);
    c = diff("{\"a\":[1,2]}", "{\"a\":[1,2]}", 10);
    assert_int_equal(json_array_size(c), 0);
    json_decref(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_whole_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
