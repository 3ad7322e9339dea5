/* test_audit.c - the audit hash chain over a real temporary store: appends
 * verify; changing any column of any entry, removing entries, or cutting a
 * stored hash short is found and the first broken entry named. Includes
 * audit.c to check the hash input itself (length-prefixed fields, NULL
 * apart from ""). Each test gets a fresh mkdtemp directory and key file. */
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

#include "../../src/auth/audit.c"

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
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-audit-XXXXXX");
    if (!mkdtemp(f->dir) || crypt_load_or_create(f->dir, &f->k) != HV_OK ||
        store_open(f->dir, NULL, &f->st) != HV_OK || store_migrate(f->st, NULL) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    crypt_free(f->k);
    rm_dir(f->dir);
    free(f);
    return 0;
}

/* Appends N varied entries (ids 1..N). */
static void
append_n(fixture *f, int n)
{
    for (int i = 1; i <= n; i++) {
        char rid[32];
        snprintf(rid, sizeof rid, "req-%d", i);
        audit_event ev = {
            .actor_user_id = i % 3 ? i : 0,
            .action = i % 2 ? "user.read" : "session.create",
            .object_type = i % 4 ? "user" : NULL,
            .object_id = i % 4 ? 40 + i : 0,
            .request_id = i % 5 ? rid : NULL,
            .outcome = i % 3 ? "ok" : "denied",
            .reason = i % 3 ? NULL : "bad_password",
        };
        assert_int_equal(audit_record(f->st, f->k, &ev), HV_OK);
    }
}

/* Runs SQL on the writer with the append-only triggers out of the way. */
static void
raw_sql(fixture *f, const char *sql)
{
    store_conn *c;
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(store_exec(c, "DROP TRIGGER IF EXISTS audit_log_no_update", NULL, 0, NULL),
                     HV_OK);
    assert_int_equal(store_exec(c, "DROP TRIGGER IF EXISTS audit_log_no_delete", NULL, 0, NULL),
                     HV_OK);
    assert_int_equal(store_exec(c, sql, NULL, 0, NULL), HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
}

static void
expect_broken(fixture *f, int64_t bad_id, const char *why_part)
{
    audit_report rep;
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_ERR_TAMPER);
    assert_int_equal(rep.bad_id, bad_id);
    if (why_part && !strstr(rep.why, why_part))
        fail_msg("'%s' does not say '%s'", rep.why, why_part);
}

static void
test_empty_log_verifies(void **state)
{
    fixture *f = *state;
    audit_report rep;
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    assert_int_equal(rep.entries, 0);
    assert_int_equal(rep.bad_id, 0);
}

static void
test_append_and_verify(void **state)
{
    fixture *f = *state;
    audit_report rep;
    append_n(f, 25);
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    assert_int_equal(rep.entries, 25);
    assert_int_equal(rep.bad_id, 0);
    /* appending inside a caller's transaction works the same */
    store_conn *c;
    audit_event ev = {
        .actor_user_id = 7, .action = "user.update", .object_type = "user", .object_id = 9};
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(audit_append(c, f->k, &ev), HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    assert_int_equal(rep.entries, 26);
}

typedef struct stored {
    char actor_kind[16], outcome[16], object_id[16];
    int object_id_null, reason_null;
    char prev[HASH_HEX], hash[HASH_HEX];
} stored;

static hv_result
read_entry(void *ctx, const store_row *row)
{
    stored *s = ctx;
    snprintf(s->actor_kind, sizeof s->actor_kind, "%s", store_row_text(row, 0));
    snprintf(s->outcome, sizeof s->outcome, "%s", store_row_text(row, 1));
    s->object_id_null = store_row_isnull(row, 2);
    snprintf(s->object_id, sizeof s->object_id, "%s",
             s->object_id_null ? "" : store_row_text(row, 2));
    s->reason_null = store_row_isnull(row, 3);
    snprintf(s->prev, sizeof s->prev, "%s", store_row_text(row, 4));
    snprintf(s->hash, sizeof s->hash, "%s", store_row_text(row, 5));
    return HV_OK;
}

static stored
entry(fixture *f, int64_t id)
{
    stored s;
    store_conn *c;
    store_val a = SV_INTV(id);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_read(f->st, &c), HV_OK);
    assert_int_equal(store_query(c,
                                 "SELECT actor_kind, outcome, object_id, reason, prev_hash, hash "
                                 "FROM audit_log WHERE id = ?",
                                 &a, 1, read_entry, &s),
                     HV_OK);
    store_release(c);
    return s;
}

static void
test_defaults_and_links(void **state)
{
    fixture *f = *state;
    audit_event anon = {.action = "session.create", .outcome = NULL};
    audit_event user = {.actor_user_id = 3, .action = "user.read", .object_id = 12};
    audit_event sys = {.actor_kind = "system", .action = "key.rotate", .outcome = "failed"};
    assert_int_equal(audit_record(f->st, f->k, &anon), HV_OK);
    assert_int_equal(audit_record(f->st, f->k, &user), HV_OK);
    assert_int_equal(audit_record(f->st, f->k, &sys), HV_OK);
    stored a = entry(f, 1), b = entry(f, 2), c = entry(f, 3);
    assert_string_equal(a.actor_kind, "anonymous");
    assert_string_equal(a.outcome, "ok");
    assert_true(a.object_id_null);
    assert_true(a.reason_null);
    assert_string_equal(a.prev, "");
    assert_int_equal(strlen(a.hash), 64);
    assert_string_equal(b.actor_kind, "user");
    assert_string_equal(b.object_id, "12");
    assert_string_equal(b.prev, a.hash);
    assert_string_equal(c.actor_kind, "system");
    assert_string_equal(c.outcome, "failed");
    assert_string_equal(c.prev, b.hash);
}

static void
test_triggers_refuse_edits(void **state)
{
    fixture *f = *state;
    store_conn *c;
    append_n(f, 2);
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(store_exec(c, "UPDATE audit_log SET outcome = 'ok'", NULL, 0, NULL),
                     HV_ERR_DB);
    assert_int_equal(store_exec(c, "DELETE FROM audit_log", NULL, 0, NULL), HV_ERR_DB);
    store_rollback(c);
    audit_report rep;
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
}

/* Each column of entry 3 of 5, changed in turn. */
static void
test_tamper_every_column(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *set;
        const char *why;
    } cases[] = {
        {"at = at + 1", "changed"},
        {"actor_user_id = 99", "changed"},
        {"actor_user_id = 3", "changed"},
        {"actor_kind = 'system'", "changed"},
        {"action = 'user.update'", "changed"},
        {"object_type = 'agency'", "changed"},
        {"object_type = NULL", "changed"},
        {"object_id = '4'", "changed"},
        {"object_id = NULL", "changed"},
        {"request_id = 'req-x'", "changed"},
        {"outcome = 'ok'", "changed"},
        {"reason = 'locked'", "changed"},
        {"reason = NULL", "changed"},
        {"prev_hash = hash", "does not link"},
        {"hash = upper(hash)", "changed"},
        {"hash = replace(hash, substr(hash, 1, 1), 'x')", "changed"},
        {"at = 'not a number'", "changed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* a fresh chain for each case */
        fixture *g;
        assert_int_equal(setup((void **)&g), 0);
        append_n(g, 5);
        char sql[256];
        /* entry 3: actor NULL, reason "bad_password", outcome "denied" */
        snprintf(sql, sizeof sql, "UPDATE audit_log SET %s WHERE id = 3", cases[i].set);
        raw_sql(g, sql);
        expect_broken(g, 3, cases[i].why);
        void *gs = g;
        teardown(&gs);
    }
    (void)f;
}

static void
test_renumbered_entry(void **state)
{
    fixture *f = *state;
    append_n(f, 5);
    raw_sql(f, "UPDATE audit_log SET id = 30 WHERE id = 5");
    expect_broken(f, 30, "missing");
}

static void
test_removed_middle(void **state)
{
    fixture *f = *state;
    append_n(f, 6);
    raw_sql(f, "DELETE FROM audit_log WHERE id = 4");
    expect_broken(f, 5, "entries 4..4 are missing");
}

static void
test_removed_tail(void **state)
{
    fixture *f = *state;
    append_n(f, 6);
    raw_sql(f, "DELETE FROM audit_log WHERE id >= 5");
    expect_broken(f, 6, "removed");
}

static void
test_removed_first(void **state)
{
    fixture *f = *state;
    append_n(f, 3);
    raw_sql(f, "DELETE FROM audit_log WHERE id = 1");
    expect_broken(f, 2, "missing");
}

static void
test_short_hash(void **state)
{
    fixture *f = *state;
    append_n(f, 4);
    /* a stored hash cut short must be refused without reading past it
     * (AddressSanitizer catches an over-read in the sanitizer build) */
    raw_sql(f, "UPDATE audit_log SET hash = substr(hash, 1, 10) WHERE id = 2");
    expect_broken(f, 2, "changed");
    raw_sql(f, "UPDATE audit_log SET hash = '' WHERE id = 2");
    expect_broken(f, 2, NULL);
    /* and one too long */
    raw_sql(f, "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 3) || 'ab' "
               "WHERE id = 2");
    expect_broken(f, 2, NULL);
}

static void
test_null_differs_from_empty(void **state)
{
    fixture *f = *state;
    append_n(f, 3);
    stored e1 = entry(f, 1);
    assert_true(e1.reason_null);
    raw_sql(f, "UPDATE audit_log SET reason = '' WHERE id = 1");
    expect_broken(f, 1, "changed");
}

static void
test_bytes_cannot_move_between_fields(void **state)
{
    fixture *f = *state;
    /* with fields only joined by 0x1f, "a\x1fb" + "c" and "a" + "b\x1fc"
     * gave the same hash */
    audit_event ev = {.actor_user_id = 1, .action = "user.read\x1fuser", .object_type = "x"};
    assert_int_equal(audit_record(f->st, f->k, &ev), HV_OK);
    audit_report rep;
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    raw_sql(f, "UPDATE audit_log SET action = 'user.read', object_type = 'user' || char(31) || 'x' "
               "WHERE id = 1");
    expect_broken(f, 1, "changed");
}

static void
test_hash_input_unambiguous(void **state)
{
    fixture *f = *state;
    char h1[HASH_HEX], h2[HASH_HEX];
    audit_row a = {.id = 1,
                   .at = 2,
                   .actor = 3,
                   .actor_kind = "user",
                   .action = "ab",
                   .object_type = "c",
                   .outcome = "ok",
                   .prev_hash = ""};
    audit_row b = a;
    b.action = "a";
    b.object_type = "bc";
    assert_int_equal(audit_hash(f->k, &a, 2, h1), HV_OK);
    assert_int_equal(audit_hash(f->k, &b, 2, h2), HV_OK);
    assert_string_not_equal(h1, h2);
    /* NULL is not "" */
    b = a;
    b.object_type = "";
    a.object_type = NULL;
    assert_int_equal(audit_hash(f->k, &a, 2, h1), HV_OK);
    assert_int_equal(audit_hash(f->k, &b, 2, h2), HV_OK);
    assert_string_not_equal(h1, h2);
    /* (the old form could not tell these apart) */
    assert_int_equal(audit_hash(f->k, &a, 1, h1), HV_OK);
    assert_int_equal(audit_hash(f->k, &b, 1, h2), HV_OK);
    assert_string_equal(h1, h2);
    /* integers are fields too: id 12 at 3 is not id 1 at 23 */
    audit_row c = a, d = a;
    c.id = 12;
    c.at = 3;
    d.id = 1;
    d.at = 23;
    assert_int_equal(audit_hash(f->k, &c, 2, h1), HV_OK);
    assert_int_equal(audit_hash(f->k, &d, 2, h2), HV_OK);
    assert_string_not_equal(h1, h2);
    /* same input, same hash; 64 lowercase hex digits */
    assert_int_equal(audit_hash(f->k, &c, 2, h2), HV_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
}

/* Writes an entry the way version 1 did, for the compatibility test. */
static void
append_v1(fixture *f, int64_t id, const char *action, const char *prev, char hash[HASH_HEX])
{
    audit_row r = {.id = id,
                   .at = 1000 + id,
                   .actor = 0,
                   .actor_kind = "anonymous",
                   .action = action,
                   .outcome = "ok",
                   .prev_hash = prev};
    assert_int_equal(audit_hash(f->k, &r, 1, hash), HV_OK);
    store_conn *c;
    store_val a[] = {SV_INTV(id), SV_INTV(r.at), SV_TEXTV(action), SV_TEXTV(prev), SV_TEXTV(hash)};
    assert_int_equal(store_begin(f->st, &c), HV_OK);
    assert_int_equal(store_exec(c,
                                "INSERT INTO audit_log (id, at, actor_kind, action, outcome, "
                                "prev_hash, hash) VALUES (?, ?, 'anonymous', ?, 'ok', ?, ?)",
                                a, 5, NULL),
                     HV_OK);
    store_val h[] = {SV_INTV(id), SV_TEXTV(hash)};
    assert_int_equal(
        store_exec(c, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", h, 2, NULL),
        HV_OK);
    assert_int_equal(store_commit(c), HV_OK);
}

static void
test_old_entries_still_verify(void **state)
{
    fixture *f = *state;
    char h1[HASH_HEX], h2[HASH_HEX];
    audit_report rep;
    append_v1(f, 1, "session.create", "", h1);
    append_v1(f, 2, "user.read", h1, h2);
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    assert_int_equal(rep.entries, 2);
    /* new entries (version 2) chain on from them */
    append_n(f, 0);
    audit_event ev = {.actor_user_id = 4, .action = "user.update"};
    assert_int_equal(audit_record(f->st, f->k, &ev), HV_OK);
    assert_string_equal(entry(f, 3).prev, h2);
    assert_int_equal(audit_verify(f->st, f->k, &rep), HV_OK);
    assert_int_equal(rep.entries, 3);
    /* a change to an old entry is still found */
    raw_sql(f, "UPDATE audit_log SET action = 'user.update' WHERE id = 2");
    expect_broken(f, 2, "changed");
}

static void
test_other_key_fails(void **state)
{
    fixture *f = *state;
    crypt_keys *other = NULL;
    char sub[128], key[160];
    audit_report rep;
    append_n(f, 2);
    snprintf(sub, sizeof sub, "%s/k2", f->dir);
    assert_int_equal(crypt_load_or_create(sub, &other), HV_OK);
    assert_int_equal(audit_verify(f->st, other, &rep), HV_ERR_TAMPER);
    assert_int_equal(rep.bad_id, 1);
    crypt_free(other);
    snprintf(key, sizeof key, "%s/haven.key", sub);
    unlink(key);
    rmdir(sub);
}

static void
test_head_removed(void **state)
{
    fixture *f = *state;
    append_n(f, 3);
    raw_sql(f, "DELETE FROM audit_head");
    expect_broken(f, 0, "removed");
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_log_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse_edits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_every_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renumbered_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_differs_from_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_cannot_move_between_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_input_unambiguous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_entries_still_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_key_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_removed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
