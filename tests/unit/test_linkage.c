/* test_linkage.c - the record-linkage engine's comparisons: Jaro, Jaro-Winkler
 * and optimal string alignment against published values, NYSIIS against the
 * examples of its original description, the shipped nickname list,
 * normalisation of names, dates, ZIPs and phones, and the comparison levels
 * (nicknames, aliases, swapped names, transposed, mistyped and shifted dates,
 * estimated ages, missing values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "linkage/lk_internal.h"
#include "linkage/nickname.h"
#include "linkage/normalize.h"
#include "linkage/phonetic.h"
#include "linkage/strsim.h"

static double
jaro(const char *a, const char *b)
{
    return strsim_jaro(a, strlen(a), b, strlen(b));
}

static double
jw(const char *a, const char *b)
{
    return strsim_jaro_winkler(a, strlen(a), b, strlen(b));
}

static int
osa(const char *a, const char *b)
{
    return strsim_osa(a, strlen(a), b, strlen(b));
}

static void
test_jaro_winkler(void **state)
{
    (void)state;
    /* Winkler (1990) and every implementation since: MARTHA/MARHTA,
     * DWAYNE/DUANE, DIXON/DICKSONX */
    assert_float_equal(jaro("MARTHA", "MARHTA"), 0.944444, 1e-5);
    assert_float_equal(jw("MARTHA", "MARHTA"), 0.961111, 1e-5);
    assert_float_equal(jaro("DWAYNE", "DUANE"), 0.822222, 1e-5);
    assert_float_equal(jw("DWAYNE", "DUANE"), 0.840000, 1e-5);
    assert_float_equal(jaro("DIXON", "DICKSONX"), 0.766667, 1e-5);
    assert_float_equal(jw("DIXON", "DICKSONX"), 0.813333, 1e-5);
    assert_float_equal(jw("SMITH", "SMITH"), 1.0, 1e-12);
    assert_float_equal(jw("ABC", "XYZ"), 0.0, 1e-12);
    assert_float_equal(jw("", ""), 1.0, 1e-12);
    assert_float_equal(jw("A", ""), 0.0, 1e-12);
    /* symmetric */
    assert_float_equal(jw("CRYSTAL", "KRISTAL"), jw("KRISTAL", "CRYSTAL"), 1e-12);
    /* no prefix bonus at or below 0.7 */
    assert_float_equal(jw("ABCDXXXX", "ABCDYYYY"), jaro("ABCDXXXX", "ABCDYYYY"), 1e-12);
}

static void
test_osa(void **state)
{
    (void)state;
    assert_int_equal(osa("KITTEN", "SITTING"), 3);
    assert_int_equal(osa("FLAW", "LAWN"), 2);
    assert_int_equal(osa("AB", "BA"), 1); /* a transposition is one edit */
    assert_int_equal(osa("ABCD", "ACBD"), 1);
    assert_int_equal(osa("CA", "ABC"), 3); /* optimal string alignment, not true DL (2) */
    assert_int_equal(osa("", "ABC"), 3);
    assert_int_equal(osa("SMITH", "SMITH"), 0);
    assert_int_equal(osa("SMITH", "SMYTH"), 1);
    assert_int_equal(osa("JOHNSON", "JONHSON"), 1);
}

static void
check_nysiis(const char *name, const char *want)
{
    char out[PHONETIC_MAX + 1];
    size_t n = phonetic_nysiis(name, strlen(name), out);
    if (strcmp(out, want) != 0)
        fail_msg("NYSIIS(%s) = %s, want %s", name, out, want);
    assert_int_equal(n, strlen(want));
}

static void
test_nysiis(void **state)
{
    (void)state;
    /* the examples given with the original rules (Taft 1970), as in the
     * Apache Commons Codec tests */
    check_nysiis("Brian", "BRAN");
    check_nysiis("Brown", "BRAN");
    check_nysiis("Brun", "BRAN");
    check_nysiis("Capp", "CAP");
    check_nysiis("Cope", "CAP");
    check_nysiis("Copp", "CAP");
    check_nysiis("Kipp", "CAP");
    check_nysiis("Dane", "DAN");
    check_nysiis("Dean", "DAN");
    check_nysiis("Dionne", "DAN");
    check_nysiis("Smith", "SNAT");
    check_nysiis("Schmit", "SNAT");
    check_nysiis("Schmidt", "SNAD");
    check_nysiis("Trueman", "TRANAN");
    check_nysiis("Truman", "TRANAN");
    check_nysiis("Dent", "DAD");
    check_nysiis("Knight", "NAGT");
    check_nysiis("", "");
    check_nysiis("o'brien", "OBRAN");
    /* packed codes are equal exactly when the codes are */
    assert_int_equal(phonetic_pack("BRAN", 4), phonetic_pack("BRAN", 4));
    assert_int_not_equal(phonetic_pack("BRAN", 4), phonetic_pack("BRAD", 4));
    assert_int_equal(phonetic_pack("", 0), 0);
}

static void
test_nicknames(void **state)
{
    (void)state;
    const nickname_table *t = nickname_builtin();
    assert_non_null(t);
    assert_int_equal(nickname_group_count(t), 1082); /* one group a line of data/nicknames.csv */
    assert_true(nickname_related(t, "ROBERT", "BOB"));
    assert_true(nickname_related(t, "BOB", "ROBERT"));
    assert_true(nickname_related(t, "MARGARET", "PEGGY"));
    assert_true(nickname_related(t, "WILLIAM", "BILL"));
    assert_true(nickname_related(t, "ELIZABETH", "BETSY"));
    assert_true(nickname_related(t, "KATHERINE", "KATE"));
    assert_false(nickname_related(t, "ROBERT", "MARY"));
    assert_false(nickname_related(t, "ROBERT", "ROBERT")); /* the same name is not a nickname */
    assert_false(nickname_related(t, "ZZZZ", "ROBERT"));
    /* the generator's view: a group's first name and its members */
    size_t g = 0;
    while (g < nickname_group_count(t) && strcmp(nickname_group_name(t, g, 0), "ROBERT") != 0)
        g++;
    assert_true(g < nickname_group_count(t));
    assert_int_equal(nickname_group_size(t, g), 8); /* robert,hob,hobkin,dob,rob,bobby,dobbin,bob */
    assert_string_equal(nickname_group_name(t, g, 7), "BOB");
    assert_null(nickname_group_name(t, g, 8));
    /* a list of one's own */
    nickname_table *own = NULL;
    const char csv[] = "alpha,al\r\n\"beta\",bet,al\n";
    assert_int_equal(nickname_load(csv, sizeof csv - 1, &own), HV_OK);
    assert_int_equal(nickname_group_count(own), 2);
    assert_true(nickname_related(own, "ALPHA", "AL"));
    assert_true(nickname_related(own, "BETA", "AL"));
    assert_false(nickname_related(own, "ALPHA", "BETA"));
    nickname_free(own);
}

static void
test_normalize(void **state)
{
    (void)state;
    char out[NORM_NAME_MAX + 1];
    assert_int_equal(norm_name("José", strlen("José"), out), 4);
    assert_string_equal(out, "JOSE");
    norm_name("Núñez-O'Brien", strlen("Núñez-O'Brien"), out);
    assert_string_equal(out, "NUNEZOBRIEN");
    norm_name("  de la Cruz ", 13, out);
    assert_string_equal(out, "DELACRUZ");
    norm_name("Łukasz Żółć", strlen("Łukasz Żółć"), out);
    assert_string_equal(out, "LUKASZZOLC");
    norm_name("Straße", strlen("Straße"), out);
    assert_string_equal(out, "STRASSE");
    assert_int_equal(norm_name("123 !?", 6, out), 0);
    norm_name("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26, out);
    assert_int_equal(strlen(out), NORM_NAME_MAX);

    assert_int_equal(norm_date("2009-02-28"), 20090228);
    assert_int_equal(norm_date("2009/02/28"), 20090228);
    assert_int_equal(norm_date("02/28/2009"), 20090228);
    assert_int_equal(norm_date("20090228"), 20090228);
    assert_int_equal(norm_date("2008-02-29"), 20080229);
    assert_int_equal(norm_date("2009-02-29"), 0); /* not a day */
    assert_int_equal(norm_date("2009-13-01"), 0);
    assert_int_equal(norm_date("yesterday"), 0);
    assert_int_equal(norm_date(NULL), 0);
    assert_int_equal(norm_age("15"), 15);
    assert_int_equal(norm_age(" 7 "), 7);
    assert_int_equal(norm_age("15.5"), -1);
    assert_int_equal(norm_age("200"), -1);
    assert_int_equal(norm_gender("F"), 1);
    assert_int_equal(norm_gender("female"), 1);
    assert_int_equal(norm_gender("M"), 2);
    assert_int_equal(norm_gender("nonbinary"), 3);
    assert_int_equal(norm_gender("unknown"), 0);
    assert_int_equal(norm_gender(""), 0);
    assert_int_equal(norm_zip("90012"), 90012);
    assert_int_equal(norm_zip("90012-1234"), 90012);
    assert_int_equal(norm_zip("9001"), 0);
    assert_int_equal(norm_zip("LA"), 0);
    assert_int_equal(norm_phone("(213) 555-0143"), 5550143);
    assert_int_equal(norm_phone("+1 213 555 0143"), 5550143);
    assert_int_equal(norm_phone("555-0143"), 5550143);
    assert_int_equal(norm_phone("0143"), 0);
}

/* ---- comparison levels ------------------------------------------------- */

typedef struct two_recs {
    lk_data *d;
} two_recs;

static void
add(lk_data *d, const char *first, const char *last, const char *aliases, const char *dob,
    const char *age)
{
    hv_err e;
    lk_input in = {.id = "x",
                   .first = first,
                   .last = last,
                   .aliases = aliases,
                   .dob = dob,
                   .age = age,
                   .date = "2024-06-01",
                   .gender = "F",
                   .zip = "90012"};
    assert_int_equal(lk_data_add(d, &in, &e), HV_OK);
}

/* The levels of record 0 against record 1. */
static void
levels(lk_data *d, uint8_t lv[LK_FIELDS])
{
    lk_compare(d, &d->recs[0], d, &d->recs[1], lv);
    uint8_t back[LK_FIELDS];
    lk_compare(d, &d->recs[1], d, &d->recs[0], back);
    assert_memory_equal(lv, back, LK_FIELDS); /* comparisons are symmetric */
}

static void
pair_levels(const char *f1, const char *l1, const char *a1, const char *dob1, const char *age1,
            const char *f2, const char *l2, const char *a2, const char *dob2, const char *age2,
            uint8_t lv[LK_FIELDS])
{
    lk_data *d = lk_data_new(2024);
    add(d, f1, l1, a1, dob1, age1);
    add(d, f2, l2, a2, dob2, age2);
    levels(d, lv);
    lk_data_free(d);
}

static void
test_name_levels(void **state)
{
    (void)state;
    uint8_t lv[LK_FIELDS];
    pair_levels("Maria", "Garcia", NULL, NULL, NULL, "MARIA", "garcia", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_EXACT);
    assert_int_equal(lv[F_LAST], LAST_EXACT);
    pair_levels("Robert", "Lee", NULL, NULL, NULL, "Bob", "Lee", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_NICK);
    pair_levels("Margaret", "Lee", NULL, NULL, NULL, "Peggy", "Lee", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_NICK);
    /* an alias of one is the other's first name */
    pair_levels("Kiki", "Lee", "Jasmine", NULL, NULL, "Jasmine", "Lee", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_NICK);
    /* an alias with a last name: "Kiki Jones" */
    pair_levels("Jasmine", "Lee", "Kiki Jones", NULL, NULL, "Kiki", "Jones", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_NICK);
    assert_int_equal(lv[F_LAST], LAST_CLOSE);
    /* first and last name swapped, even with a typo */
    pair_levels("Garcia", "Maria", NULL, NULL, NULL, "Maria", "Garcia", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_SWAP);
    assert_int_equal(lv[F_LAST], LAST_EXACT);
    pair_levels("Garcia", "Maira", NULL, NULL, NULL, "Maria", "Garcia", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_SWAP);
    assert_int_equal(lv[F_LAST], LAST_CLOSE);
    /* typos */
    pair_levels("Jasmine", "Johnson", NULL, NULL, NULL, "Jazmine", "Jonhson", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_CLOSE);
    assert_int_equal(lv[F_LAST], LAST_CLOSE);
    pair_levels("Christina", "Rodriguez", NULL, NULL, NULL, "Kristina", "Rodrigues", NULL, NULL,
                NULL, lv);
    assert_true(lv[F_FIRST] == FIRST_CLOSE || lv[F_FIRST] == FIRST_SIMILAR ||
                lv[F_FIRST] == FIRST_NICK);
    assert_int_equal(lv[F_LAST], LAST_CLOSE);
    pair_levels("Maria", "Garcia", NULL, NULL, NULL, "Destiny", "Washington", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_FIRST], FIRST_OTHER);
    assert_int_equal(lv[F_LAST], LAST_OTHER);
    /* missing on either side: level 0 */
    pair_levels("Maria", NULL, NULL, NULL, NULL, "Maria", "Garcia", NULL, NULL, NULL, lv);
    assert_int_equal(lv[F_LAST], 0);
    assert_int_equal(lv[F_DOB], 0);
    assert_int_equal(lv[F_PHONE], 0);
}

static void
test_dob_levels(void **state)
{
    (void)state;
    uint8_t lv[LK_FIELDS];
    const char *f = "Ana", *l = "Ruiz";
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, "03/07/2009", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_EXACT);
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, "2009-07-03", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_SWAP);
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, "2009-03-01", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_TYPO);
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, "2008-03-07", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_TYPO); /* 2009 -> 2008 is also one digit */
    pair_levels(f, l, NULL, "2010-03-07", NULL, f, l, NULL, "2009-03-07", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_YEAR); /* two digits, one year */
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, "2011-11-21", NULL, lv);
    assert_int_equal(lv[F_DOB], DOB_OTHER);
    /* an estimated age, as of the record's date (2024-06-01) */
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, NULL, "15", lv);
    assert_int_equal(lv[F_DOB], DOB_AGE_OK);
    pair_levels(f, l, NULL, NULL, "14", f, l, NULL, NULL, "15", lv);
    assert_int_equal(lv[F_DOB], DOB_AGE_OK);
    pair_levels(f, l, NULL, "2009-03-07", NULL, f, l, NULL, NULL, "12", lv);
    assert_int_equal(lv[F_DOB], DOB_AGE_FAR);
    pair_levels(f, l, NULL, NULL, NULL, f, l, NULL, "2009-03-07", NULL, lv);
    assert_int_equal(lv[F_DOB], 0);
    /* an unreadable date counts as missing, and is counted */
    lk_data *d = lk_data_new(2024);
    add(d, f, l, NULL, "31/31/2009", NULL);
    add(d, f, l, NULL, "2009-03-07", NULL);
    levels(d, lv);
    assert_int_equal(lv[F_DOB], 0);
    assert_int_equal(lk_data_unreadable(d), 1);
    lk_data_free(d);
}

static void
test_patterns(void **state)
{
    (void)state;
    uint8_t lv[LK_FIELDS] = {FIRST_SWAP, LAST_SIMILAR, DOB_AGE_FAR,
                             SAME_OTHER, ZIP_AREA,     SAME_EXACT};
    uint8_t back[LK_FIELDS];
    uint16_t p = lk_pattern_of(lv);
    assert_true(p < LK_PATTERNS);
    lk_pattern_levels(p, back);
    assert_memory_equal(lv, back, LK_FIELDS);
    uint8_t top[LK_FIELDS] = {FIRST_N - 1, LAST_N - 1, DOB_N - 1,
                              SAME_N - 1,  ZIP_N - 1,  SAME_N - 1};
    assert_int_equal(lk_pattern_of(top), LK_PATTERNS - 1);
    for (size_t f = 0; f < LK_FIELDS; f++)
        assert_true(lk_fields[f].nlevels <= LK_LEVELS);
}

int main(void);

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jaro_winkler), cmocka_unit_test(test_osa),
        cmocka_unit_test(test_nysiis),       cmocka_unit_test(test_nicknames),
        cmocka_unit_test(test_normalize),    cmocka_unit_test(test_name_levels),
        cmocka_unit_test(test_dob_levels),   cmocka_unit_test(test_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
