/*
 * test_synonyms.c - Spanish words for a service's English ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "directory/synonyms.h"

static char *
es(const char *a, const char *b)
{
    static char text[512];
    buf out;
    buf_init(&out, 4096);
    const char *const texts[] = {a, b};
    assert_int_equal(synonyms_es(texts, 2, &out), HV_OK);
    snprintf(text, sizeof text, "%s", out.data ? out.data : "");
    buf_free(&out);
    return text;
}

static void
test_words(void **state)
{
    (void)state;
    assert_string_equal(es("Emergency Shelter", NULL), "emergencia urgencia refugio albergue");
    /* plurals, case, each word once, punctuation */
    assert_string_equal(es("SHELTERS; shelter, Clinics", "a clinic"), "refugio albergue clinica");
    assert_string_equal(es("Bus passes", NULL), "");
    assert_string_equal(es(NULL, NULL), "");
    /* a word longer than any in the table is not cut into one */
    assert_string_equal(es("sheltersheltersheltersheltershelter", NULL), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_words)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
