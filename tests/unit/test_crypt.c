/* test_crypt.c - the key file (creation, mode, reload, rotation, malformed
 * files), encryption round trips and tamper detection, normalisation, blind
 * indexes and audit MACs. Each test gets a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/crypt.h"

typedef struct fixture {
    char dir[64];
    char path[96];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-crypt-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, CRYPT_KEYFILE);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    char p[128];
    unlink(f->path);
    snprintf(p, sizeof p, "%s/%s.tmp", f->dir, CRYPT_KEYFILE);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub/%s", f->dir, CRYPT_KEYFILE);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub", f->dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/real", f->dir);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void
write_keyfile(const fixture *f, const char *text, mode_t mode)
{
    unlink(f->path);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_int_equal(chmod(f->path, mode), 0);
}

static size_t
count_lines_starting(const char *path, const char *prefix)
{
    char line[256];
    size_t n = 0;
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof line, fp) != NULL)
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            n++;
    fclose(fp);
    return n;
}

static void
test_create_mode_0600(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    struct stat st;
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_non_null(k);
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(crypt_active_key_id(k), 1);
    assert_int_equal(count_lines_starting(f->path, "enc 1 "), 1);
    assert_int_equal(count_lines_starting(f->path, "index "), 1);
    assert_int_equal(count_lines_starting(f->path, "audit "), 1);
    assert_int_equal(count_lines_starting(f->path, "#"), 4);
    crypt_free(k);
    crypt_free(NULL);
}

static void
test_creates_missing_dir(void **state)
{
    fixture *f = *state;
    char sub[96];
    struct stat st;
    crypt_keys *k = NULL;
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    assert_int_equal(crypt_load_or_create(sub, &k), HV_OK);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    crypt_free(k);
}

static void
test_reload_same_keys(void **state)
{
    fixture *f = *state;
    crypt_keys *a = NULL, *b = NULL;
    uint8_t *ct = NULL, *pt = NULL;
    size_t ctlen, ptlen;
    uint8_t ia[CRYPT_INDEX_BYTES], ib[CRYPT_INDEX_BYTES];
    uint8_t ma[CRYPT_MAC_BYTES], mb[CRYPT_MAC_BYTES];

    assert_int_equal(crypt_load_or_create(f->dir, &a), HV_OK);
    assert_int_equal(crypt_load_or_create(f->dir, &b), HV_OK);
    assert_int_equal(crypt_encrypt(a, "youth.first_name", "Maria", 5, &ct, &ctlen), HV_OK);
    assert_int_equal(crypt_decrypt(b, "youth.first_name", ct, ctlen, &pt, &ptlen), HV_OK);
    assert_int_equal(ptlen, 5);
    assert_string_equal((char *)pt, "Maria");
    assert_int_equal(crypt_blind_index(a, "youth.name", "Maria", ia), HV_OK);
    assert_int_equal(crypt_blind_index(b, "youth.name", "Maria", ib), HV_OK);
    assert_memory_equal(ia, ib, sizeof ia);
    assert_int_equal(crypt_audit_mac(a, "entry", 5, ma), HV_OK);
    assert_int_equal(crypt_audit_mac(b, "entry", 5, mb), HV_OK);
    assert_memory_equal(ma, mb, sizeof ma);
    free(ct);
    free(pt);
    crypt_free(a);
    crypt_free(b);
}

static void
test_round_trip(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    uint8_t *ct = NULL, *pt = NULL;
    size_t ctlen, ptlen;
    static const uint8_t bin[] = {0, 1, 2, 0, 255, 0};

    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);

    const char *name = "Jos\xc3\xa9 Mar\xc3\xad"
                       "a L\xc3\xb3pez";
    assert_int_equal(crypt_encrypt(k, "youth.last_name", name, strlen(name), &ct, &ctlen), HV_OK);
    assert_int_equal(ctlen, strlen(name) + CRYPT_OVERHEAD);
    assert_int_equal(ct[0], CRYPT_VERSION);
    assert_int_equal(ct[1] | ct[2] | ct[3], 0);
    assert_int_equal(ct[4], 1);
    assert_null(memmem(ct, ctlen, "Mar", 3));
    assert_int_equal(crypt_decrypt(k, "youth.last_name", ct, ctlen, &pt, &ptlen), HV_OK);
    assert_string_equal((char *)pt, name);
    free(pt);

    /* two encryptions of one value differ (random nonce) */
    uint8_t *ct2 = NULL;
    size_t ct2len;
    assert_int_equal(crypt_encrypt(k, "youth.last_name", name, strlen(name), &ct2, &ct2len), HV_OK);
    assert_int_equal(ct2len, ctlen);
    assert_memory_not_equal(ct, ct2, ctlen);
    free(ct2);
    free(ct);

    /* empty and binary values */
    assert_int_equal(crypt_encrypt(k, "youth.note", NULL, 0, &ct, &ctlen), HV_OK);
    assert_int_equal(ctlen, CRYPT_OVERHEAD);
    assert_int_equal(crypt_decrypt(k, "youth.note", ct, ctlen, &pt, &ptlen), HV_OK);
    assert_int_equal(ptlen, 0);
    assert_string_equal((char *)pt, "");
    free(pt);
    free(ct);
    assert_int_equal(crypt_encrypt(k, "youth.blob", bin, sizeof bin, &ct, &ctlen), HV_OK);
    assert_int_equal(crypt_decrypt(k, "youth.blob", ct, ctlen, &pt, &ptlen), HV_OK);
    assert_int_equal(ptlen, sizeof bin);
    assert_memory_equal(pt, bin, sizeof bin);
    assert_int_equal(pt[ptlen], 0);
    free(pt);
    free(ct);

    /* bad arguments */
    assert_int_equal(crypt_encrypt(k, "", "x", 1, &ct, &ctlen), HV_ERR_INVALID);
    assert_null(ct);
    assert_int_equal(crypt_encrypt(k, NULL, "x", 1, &ct, &ctlen), HV_ERR_INVALID);
    assert_int_equal(crypt_encrypt(k, "a", NULL, 1, &ct, &ctlen), HV_ERR_INVALID);
    char longctx[CRYPT_CONTEXT_MAX + 2];
    memset(longctx, 'c', sizeof longctx - 1);
    longctx[sizeof longctx - 1] = '\0';
    assert_int_equal(crypt_encrypt(k, longctx, "x", 1, &ct, &ctlen), HV_ERR_INVALID);
    longctx[CRYPT_CONTEXT_MAX] = '\0';
    assert_int_equal(crypt_encrypt(k, longctx, "x", 1, &ct, &ctlen), HV_OK);
    assert_int_equal(crypt_decrypt(k, longctx, ct, ctlen, &pt, &ptlen), HV_OK);
    free(pt);
    free(ct);
    crypt_free(k);
}

static void
test_tamper_every_byte(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    uint8_t *ct = NULL, *pt = (uint8_t *)"sentinel";
    size_t ctlen, ptlen = 99;

    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_encrypt(k, "youth.first_name", "Maria", 5, &ct, &ctlen), HV_OK);
    for (size_t i = 0; i < ctlen; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            ct[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(crypt_decrypt(k, "youth.first_name", ct, ctlen, &pt, &ptlen),
                             HV_ERR_CRYPTO);
            assert_null(pt);
            assert_int_equal(ptlen, 0);
            ct[i] ^= (uint8_t)(1u << bit);
        }
        ct[i] ^= 0xff;
        assert_int_equal(crypt_decrypt(k, "youth.first_name", ct, ctlen, &pt, &ptlen),
                         HV_ERR_CRYPTO);
        ct[i] ^= 0xff;
    }
    /* every truncation, and an extra byte */
    for (size_t n = 0; n < ctlen; n++)
        assert_int_equal(crypt_decrypt(k, "youth.first_name", ct, n, &pt, &ptlen), HV_ERR_CRYPTO);
    uint8_t *longer = malloc(ctlen + 1);
    assert_non_null(longer);
    memcpy(longer, ct, ctlen);
    longer[ctlen] = 0;
    assert_int_equal(crypt_decrypt(k, "youth.first_name", longer, ctlen + 1, &pt, &ptlen),
                     HV_ERR_CRYPTO);
    free(longer);
    assert_int_equal(crypt_decrypt(k, "youth.first_name", NULL, 0, &pt, &ptlen), HV_ERR_CRYPTO);

    /* untouched it still decrypts */
    assert_int_equal(crypt_decrypt(k, "youth.first_name", ct, ctlen, &pt, &ptlen), HV_OK);
    free(pt);
    free(ct);
    crypt_free(k);
}

static void
test_wrong_context(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    uint8_t *ct = NULL, *pt = NULL;
    size_t ctlen, ptlen;

    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_encrypt(k, "youth.first_name", "Maria", 5, &ct, &ctlen), HV_OK);
    assert_int_equal(crypt_decrypt(k, "youth.last_name", ct, ctlen, &pt, &ptlen), HV_ERR_CRYPTO);
    assert_int_equal(crypt_decrypt(k, "youth.first_nam", ct, ctlen, &pt, &ptlen), HV_ERR_CRYPTO);
    assert_int_equal(crypt_decrypt(k, "youth.first_name ", ct, ctlen, &pt, &ptlen), HV_ERR_CRYPTO);
    assert_null(pt);
    free(ct);
    crypt_free(k);
}

static void
test_rotate(void **state)
{
    fixture *f = *state;
    crypt_keys *k1 = NULL, *k2 = NULL, *k3 = NULL;
    uint8_t *old_ct = NULL, *new_ct = NULL, *pt = NULL;
    size_t old_len, new_len, ptlen;
    uint32_t id = 0;
    struct stat st;
    uint8_t i1[CRYPT_INDEX_BYTES], i2[CRYPT_INDEX_BYTES];

    assert_int_equal(crypt_rotate(f->dir, &id), HV_ERR_NOTFOUND);
    assert_int_equal(crypt_load_or_create(f->dir, &k1), HV_OK);
    assert_int_equal(crypt_encrypt(k1, "youth.dob", "2011-04-02", 10, &old_ct, &old_len), HV_OK);
    assert_int_equal(crypt_blind_index(k1, "youth.name", "maria lopez", i1), HV_OK);

    assert_int_equal(crypt_rotate(f->dir, &id), HV_OK);
    assert_int_equal(id, 2);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_lines_starting(f->path, "enc "), 2);

    assert_int_equal(crypt_load_or_create(f->dir, &k2), HV_OK);
    assert_int_equal(crypt_active_key_id(k2), 2);
    assert_int_equal(crypt_encrypt(k2, "youth.dob", "2011-04-02", 10, &new_ct, &new_len), HV_OK);
    assert_int_equal(new_ct[4], 2);
    /* old data still decrypts with the new load */
    assert_int_equal(crypt_decrypt(k2, "youth.dob", old_ct, old_len, &pt, &ptlen), HV_OK);
    assert_string_equal((char *)pt, "2011-04-02");
    free(pt);
    assert_int_equal(crypt_decrypt(k2, "youth.dob", new_ct, new_len, &pt, &ptlen), HV_OK);
    free(pt);
    /* the old load does not know key 2 */
    assert_int_equal(crypt_decrypt(k1, "youth.dob", new_ct, new_len, &pt, &ptlen), HV_ERR_CRYPTO);
    /* blind indexes do not change with rotation */
    assert_int_equal(crypt_blind_index(k2, "youth.name", "maria lopez", i2), HV_OK);
    assert_memory_equal(i1, i2, sizeof i1);

    assert_int_equal(crypt_rotate(f->dir, NULL), HV_OK);
    assert_int_equal(crypt_load_or_create(f->dir, &k3), HV_OK);
    assert_int_equal(crypt_active_key_id(k3), 3);
    assert_int_equal(crypt_decrypt(k3, "youth.dob", old_ct, old_len, &pt, &ptlen), HV_OK);
    free(pt);
    assert_int_equal(crypt_decrypt(k3, "youth.dob", new_ct, new_len, &pt, &ptlen), HV_OK);
    free(pt);

    free(old_ct);
    free(new_ct);
    crypt_free(k1);
    crypt_free(k2);
    crypt_free(k3);
}

static void
test_refuses_open_mode(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    crypt_free(k);
    k = NULL;

    static const mode_t bad[] = {0644, 0640, 0604, 0660, 0602, 0620};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(chmod(f->path, bad[i]), 0);
        assert_int_equal(crypt_load_or_create(f->dir, &k), HV_ERR_CONFIG);
        assert_null(k);
        assert_int_equal(crypt_rotate(f->dir, NULL), HV_ERR_CONFIG);
    }
    assert_int_equal(chmod(f->path, 0400), 0);
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    crypt_free(k);
}

static void
test_refuses_symlink(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    char real[96];
    snprintf(real, sizeof real, "%s/real", f->dir);
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    crypt_free(k);
    k = NULL;
    assert_int_equal(rename(f->path, real), 0);
    assert_int_equal(symlink(real, f->path), 0);
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_ERR_CONFIG);
    assert_null(k);
}

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

static void
test_parse(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;

    /* comments, blank lines, CRLF, tabs, several enc keys: the last one is active */
    write_keyfile(f,
                  "# a comment\n\n  # indented comment\r\n"
                  "enc 7 " HEX_A "\r\n"
                  "index\t" HEX_B "\n"
                  "enc 3 " HEX_B "\n"
                  "audit " HEX_A,
                  0600);
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_active_key_id(k), 3);
    crypt_free(k);
    k = NULL;
    /* rotation takes max + 1, not last + 1, and adds the missing newline */
    uint32_t id = 0;
    assert_int_equal(crypt_rotate(f->dir, &id), HV_OK);
    assert_int_equal(id, 8);
    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_active_key_id(k), 8);
    crypt_free(k);
    k = NULL;

    static const char *const bad[] = {
        "",
        "# only comments\n",
        "index " HEX_B "\naudit " HEX_A "\n",                                   /* no enc */
        "enc 1 " HEX_A "\naudit " HEX_A "\n",                                   /* no index */
        "enc 1 " HEX_A "\nindex " HEX_B "\n",                                   /* no audit */
        "enc 1 " HEX_A "\nenc 1 " HEX_B "\nindex " HEX_B "\naudit " HEX_A "\n", /* dup id */
        "enc 1 " HEX_A "\nindex " HEX_B "\nindex " HEX_B "\naudit " HEX_A "\n", /* dup index */
        "enc 0 " HEX_A "\nindex " HEX_B "\naudit " HEX_A "\n",                  /* id 0 */
        "enc 4294967295 " HEX_A "\nindex " HEX_B "\naudit " HEX_A "\n",         /* id max */
        "enc x1 " HEX_A "\nindex " HEX_B "\naudit " HEX_A "\n",
        "enc 1 " HEX_A "00\nindex " HEX_B "\naudit " HEX_A "\n", /* long key */
        "enc 1 " HEX_A "\nindex " HEX_B "\naudit 00\n",          /* short key */
        "enc 1 zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "index " HEX_B "\naudit " HEX_A "\n",
        "enc 1 " HEX_A " extra\nindex " HEX_B "\naudit " HEX_A "\n",
        "enc 1 " HEX_A "\nindex " HEX_B "\naudit " HEX_A "\nsecret " HEX_A "\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_keyfile(f, bad[i], 0600);
        assert_int_equal(crypt_load_or_create(f->dir, &k), HV_ERR_CONFIG);
        assert_null(k);
    }
}

static void
test_normalise(void **state)
{
    (void)state;
    char out[64];
    crypt_normalise(" Maria  LOPEZ ", out, sizeof out);
    assert_string_equal(out, "maria lopez");
    crypt_normalise("\t\n  Jos\xc3\x89\t \r\nDE  la  CRUZ\n", out, sizeof out);
    assert_string_equal(out, "jos\xc3\x89 de la cruz"); /* non-ASCII left as is */
    crypt_normalise("", out, sizeof out);
    assert_string_equal(out, "");
    crypt_normalise("   ", out, sizeof out);
    assert_string_equal(out, "");
    crypt_normalise(NULL, out, sizeof out);
    assert_string_equal(out, "");
    /* truncation keeps whole characters and always terminates */
    crypt_normalise("ABCDEF", out, 4);
    assert_string_equal(out, "abc");
    crypt_normalise("ab\xc3\xa9", out, 4);
    assert_string_equal(out, "ab");
    crypt_normalise("ab cd", out, 4);
    assert_string_equal(out, "ab");
    crypt_normalise("ABC", out, 1);
    assert_string_equal(out, "");
}

static void
test_blind_index(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    uint8_t a[CRYPT_INDEX_BYTES], b[CRYPT_INDEX_BYTES], c[CRYPT_INDEX_BYTES];

    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_blind_index(k, "youth.name", " Maria  LOPEZ ", a), HV_OK);
    assert_int_equal(crypt_blind_index(k, "youth.name", "maria lopez", b), HV_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(crypt_blind_index(k, "parent.name", "maria lopez", c), HV_OK);
    assert_memory_not_equal(a, c, sizeof a);
    assert_int_equal(crypt_blind_index(k, "youth.name", "maria lopes", c), HV_OK);
    assert_memory_not_equal(a, c, sizeof a);
    /* the separator keeps context and value apart */
    assert_int_equal(crypt_blind_index(k, "youth.namem", "aria lopez", c), HV_OK);
    assert_memory_not_equal(a, c, sizeof a);
    assert_int_equal(crypt_blind_index(k, "", "maria lopez", c), HV_ERR_INVALID);
    assert_int_equal(crypt_blind_index(k, "youth.name", NULL, c), HV_ERR_INVALID);
    crypt_free(k);
    k = NULL;

    /* another key file gives another index */
    char sub[96];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    assert_int_equal(crypt_load_or_create(sub, &k), HV_OK);
    assert_int_equal(crypt_blind_index(k, "youth.name", "maria lopez", c), HV_OK);
    assert_memory_not_equal(a, c, sizeof a);
    crypt_free(k);
}

static void
test_audit_mac(void **state)
{
    fixture *f = *state;
    crypt_keys *k = NULL;
    uint8_t a[CRYPT_MAC_BYTES], b[CRYPT_MAC_BYTES], c[CRYPT_MAC_BYTES];
    uint8_t idx[CRYPT_INDEX_BYTES];

    assert_int_equal(crypt_load_or_create(f->dir, &k), HV_OK);
    assert_int_equal(crypt_audit_mac(k, "entry 1|prev", 12, a), HV_OK);
    assert_int_equal(crypt_audit_mac(k, "entry 1|prev", 12, b), HV_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(crypt_audit_mac(k, "entry 2|prev", 12, c), HV_OK);
    assert_memory_not_equal(a, c, sizeof a);
    assert_int_equal(crypt_audit_mac(k, NULL, 0, c), HV_OK);
    assert_int_equal(crypt_audit_mac(k, NULL, 1, c), HV_ERR_INVALID);
    /* the audit key is not the index key */
    assert_int_equal(crypt_blind_index(k, "x", "y", idx), HV_OK);
    static const char xy[] = "x\0y";
    assert_int_equal(crypt_audit_mac(k, xy, 3, c), HV_OK);
    assert_memory_not_equal(idx, c, sizeof c);
    crypt_free(k);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_mode_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creates_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_same_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_open_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normalise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_mac, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
