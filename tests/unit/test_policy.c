/* test_policy.c - the permission table in auth/policy.c: every role against
 * every object and action that matters, the scopes (any, own agency, case
 * team, self) with and without a context, the second-factor gate, and
 * policy_may_some / policy_may_all. Expectations are written out here, not
 * derived from the table, so a changed rule fails a test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/policy.h"
#include "auth/roles.h"

#define ME     10
#define MY_AG  5
#define OTHER  77
#define ALL_OB OBJ__MAX

static const policy_action acts[] = {ACT_READ, ACT_CREATE, ACT_UPDATE, ACT_ADMIN};

static principal
who(uint32_t roles, int mfa_ok)
{
    return (principal){.user_id = ME, .agency_id = MY_AG, .roles = roles, .mfa_ok = mfa_ok};
}

#define RB(r) ROLE_BIT(ROLE_##r)

/* contexts */
static const policy_ctx ctx_foreign = {.agency_id = OTHER, .user_id = OTHER, .on_case_team = 0};
static const policy_ctx ctx_agency = {.agency_id = MY_AG, .user_id = OTHER, .on_case_team = 0};
static const policy_ctx ctx_team = {.agency_id = OTHER, .user_id = OTHER, .on_case_team = 1};
static const policy_ctx ctx_self = {.agency_id = OTHER, .user_id = ME, .on_case_team = 0};

static void
test_no_principal_denied(void **state)
{
    (void)state;
    principal nobody = who(0xffffffffu, 1);
    nobody.user_id = 0;
    for (int o = 0; o < OBJ__MAX; o++)
        for (size_t a = 0; a < 4; a++) {
            assert_false(policy_check(NULL, acts[a], o, &ctx_self));
            assert_false(policy_check(&nobody, acts[a], o, &ctx_self));
            assert_false(policy_may_some(NULL, acts[a], o));
            assert_false(policy_may_some(&nobody, acts[a], o));
            assert_false(policy_may_all(&nobody, acts[a], o));
        }
    nobody.user_id = -1;
    assert_false(policy_check(&nobody, ACT_READ, OBJ_AGENCY, NULL));
}

static void
test_no_roles_only_self_and_reference(void **state)
{
    (void)state;
    principal p = who(0, 1);
    /* ANY_ROLE rules match any role bit, so no role at all gets nothing */
    assert_false(policy_check(&p, ACT_READ, OBJ_AGENCY, NULL));
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_self));
}

static void
test_reference_data_every_role(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE__MAX; r++) {
        principal p = who(ROLE_BIT(r), 1);
        assert_true(policy_check(&p, ACT_READ, OBJ_AGENCY, NULL));
        assert_true(policy_check(&p, ACT_READ, OBJ_STATION, NULL));
        assert_true(policy_check(&p, ACT_READ, OBJ_AGENCY, &ctx_foreign));
        assert_true(policy_may_all(&p, ACT_READ, OBJ_AGENCY));
        if (r == ROLE_ADMINISTRATOR)
            continue;
        assert_false(policy_check(&p, ACT_CREATE, OBJ_AGENCY, NULL));
        assert_false(policy_check(&p, ACT_UPDATE, OBJ_AGENCY, &ctx_agency));
        assert_false(policy_check(&p, ACT_CREATE, OBJ_STATION, NULL));
        assert_false(policy_check(&p, ACT_UPDATE, OBJ_STATION, &ctx_agency));
        assert_false(policy_check(&p, ACT_READ, OBJ_AUDIT, NULL));
        assert_false(policy_check(&p, ACT_UPDATE, OBJ_CLOCK, NULL));
        assert_false(policy_check(&p, ACT_READ, OBJ_CLOCK, NULL));
        assert_false(policy_check(&p, ACT_CREATE, OBJ_USER, NULL));
        assert_false(policy_check(&p, ACT_ADMIN, OBJ_USER, &ctx_agency));
    }
}

static void
test_reference_data_needs_mfa(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE__MAX; r++) {
        principal p = who(ROLE_BIT(r), 0);
        assert_false(policy_check(&p, ACT_READ, OBJ_AGENCY, NULL));
        assert_false(policy_check(&p, ACT_READ, OBJ_STATION, NULL));
    }
}

static void
test_self_scope(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE__MAX; r++) {
        for (int mfa = 0; mfa <= 1; mfa++) {
            principal p = who(ROLE_BIT(r), mfa);
            /* one's own record: read and update, also before the second factor */
            assert_true(policy_check(&p, ACT_READ, OBJ_USER, &ctx_self));
            assert_true(policy_check(&p, ACT_UPDATE, OBJ_USER, &ctx_self));
            /* never administer or create oneself through the self rule */
            if (r != ROLE_ADMINISTRATOR || !mfa) {
                assert_false(policy_check(&p, ACT_ADMIN, OBJ_USER, &ctx_self));
                assert_false(policy_check(&p, ACT_CREATE, OBJ_USER, &ctx_self));
            }
        }
    }
}

static void
test_self_scope_needs_ctx(void **state)
{
    (void)state;
    principal p = who(RB(HOTLINE_WORKER), 1);
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_USER, NULL));
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_foreign));
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_agency));
    /* a zeroed context is nobody's record */
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &(policy_ctx){0}));
}

static void
test_admin_table(void **state)
{
    (void)state;
    principal p = who(RB(ADMINISTRATOR), 1);
    static const policy_object rcu[] = {OBJ_AGENCY, OBJ_STATION};
    for (size_t i = 0; i < 2; i++) {
        assert_true(policy_check(&p, ACT_READ, rcu[i], &ctx_foreign));
        assert_true(policy_check(&p, ACT_CREATE, rcu[i], NULL));
        assert_true(policy_check(&p, ACT_UPDATE, rcu[i], &ctx_foreign));
        assert_false(policy_check(&p, ACT_ADMIN, rcu[i], &ctx_foreign));
    }
    for (size_t a = 0; a < 4; a++) {
        assert_true(policy_check(&p, acts[a], OBJ_USER, &ctx_foreign));
        assert_true(policy_check(&p, acts[a], OBJ_USER, NULL));
    }
    assert_true(policy_check(&p, ACT_READ, OBJ_AUDIT, NULL));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_AUDIT, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_AUDIT, NULL));
    assert_false(policy_check(&p, ACT_ADMIN, OBJ_AUDIT, NULL));
    assert_true(policy_check(&p, ACT_READ, OBJ_CLOCK, NULL));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_CLOCK, NULL));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_CLOCK, NULL));
    /* de-identified figures and the program office's trackers, yes */
    assert_true(policy_check(&p, ACT_READ, OBJ_AGGREGATE, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_AGGREGATE, NULL));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_PROGRAM, NULL));
    /* the directory and its Safe Youth Zone sites too (issue 6) */
    assert_true(policy_check(&p, ACT_READ, OBJ_DIRECTORY, NULL));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_DIRECTORY, NULL));
    assert_true(policy_check(&p, ACT_CREATE, OBJ_SITE, NULL));
}

static void
test_admin_never_reads_cases(void **state)
{
    (void)state;
    principal p = who(RB(ADMINISTRATOR), 1);
    const policy_ctx *ctxs[] = {NULL, &ctx_foreign, &ctx_agency, &ctx_team, &ctx_self};
    for (size_t c = 0; c < 5; c++)
        for (size_t a = 0; a < 4; a++)
            assert_false(policy_check(&p, acts[a], OBJ_CASE, ctxs[c]));
    assert_false(policy_may_some(&p, ACT_READ, OBJ_CASE));
}

static void
test_admin_needs_mfa(void **state)
{
    (void)state;
    principal p = who(RB(ADMINISTRATOR), 0);
    assert_false(policy_check(&p, ACT_CREATE, OBJ_USER, NULL));
    assert_false(policy_check(&p, ACT_ADMIN, OBJ_USER, &ctx_foreign));
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_foreign));
    assert_false(policy_check(&p, ACT_READ, OBJ_AUDIT, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_CLOCK, NULL));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_AGENCY, NULL));
    assert_false(policy_may_all(&p, ACT_READ, OBJ_USER));
    assert_false(policy_may_some(&p, ACT_READ, OBJ_AUDIT));
    /* but may still see and change their own record to enrol */
    assert_true(policy_check(&p, ACT_READ, OBJ_USER, &ctx_self));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_USER, &ctx_self));
}

static void
test_supervisor_own_agency(void **state)
{
    (void)state;
    principal p = who(RB(SUPERVISOR), 1);
    assert_true(policy_check(&p, ACT_READ, OBJ_USER, &ctx_agency));
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_foreign));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_USER, &ctx_agency));
    assert_false(policy_check(&p, ACT_ADMIN, OBJ_USER, &ctx_agency));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_USER, &ctx_agency));
    assert_true(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_agency));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_CASE, &ctx_agency));
    assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_foreign));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_CASE, NULL));
    assert_false(policy_check(&p, ACT_CREATE, OBJ_CASE, &ctx_agency));
    assert_true(policy_check(&p, ACT_READ, OBJ_AGGREGATE, NULL));
    assert_false(policy_check(&p, ACT_READ, OBJ_AUDIT, NULL));
    /* the directory, to refer youth to services; not to edit it */
    assert_true(policy_check(&p, ACT_READ, OBJ_DIRECTORY, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_DIRECTORY, NULL));
    assert_false(policy_check(&p, ACT_READ, OBJ_SITE, NULL));
}

static void
test_own_agency_without_ctx_denies(void **state)
{
    (void)state;
    principal p = who(RB(SUPERVISOR), 1);
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, NULL));
    assert_false(policy_check(&p, ACT_READ, OBJ_CASE, NULL));
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_CASE, NULL));
    /* the caller must filter a list by agency: may_some says yes, may_all no */
    assert_true(policy_may_some(&p, ACT_READ, OBJ_USER));
    assert_false(policy_may_all(&p, ACT_READ, OBJ_USER));
}

static void
test_own_agency_zero_is_no_agency(void **state)
{
    (void)state;
    principal p = who(RB(SUPERVISOR), 1);
    p.agency_id = 0;
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &(policy_ctx){0}));
    assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &(policy_ctx){0}));
    p.agency_id = -3;
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &(policy_ctx){.agency_id = -3}));
}

static void
test_supervisor_needs_mfa(void **state)
{
    (void)state;
    principal p = who(RB(SUPERVISOR), 0);
    assert_false(policy_check(&p, ACT_READ, OBJ_USER, &ctx_agency));
    assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_agency));
    assert_false(policy_check(&p, ACT_READ, OBJ_AGGREGATE, NULL));
}

static void
test_case_creators(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE__MAX; r++) {
        principal p = who(ROLE_BIT(r), 1);
        int expect = r == ROLE_HOTLINE_WORKER || r == ROLE_OFFICER || r == ROLE_SITE_STAFF;
        assert_int_equal(policy_check(&p, ACT_CREATE, OBJ_CASE, NULL), expect);
        assert_int_equal(policy_may_all(&p, ACT_CREATE, OBJ_CASE), expect);
        p.mfa_ok = 0;
        assert_false(policy_check(&p, ACT_CREATE, OBJ_CASE, NULL));
    }
}

static void
test_case_team(void **state)
{
    (void)state;
    static const struct {
        role r;
        int read, update;
    } rows[] = {
        {ROLE_RESPONDER, 1, 1},        {ROLE_ADVOCATE, 1, 1},   {ROLE_CLINICIAN, 1, 1},
        {ROLE_OFFICER, 1, 0},          {ROLE_SITE_STAFF, 1, 0}, {ROLE_ANALYST, 0, 0},
        {ROLE_DIRECTORY_EDITOR, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        principal p = who(ROLE_BIT(rows[i].r), 1);
        assert_int_equal(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_team), rows[i].read);
        assert_int_equal(policy_check(&p, ACT_UPDATE, OBJ_CASE, &ctx_team), rows[i].update);
        assert_false(policy_check(&p, ACT_ADMIN, OBJ_CASE, &ctx_team));
        /* off the team, even in one's own agency, and with no context: no */
        assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_agency));
        assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_foreign));
        assert_false(policy_check(&p, ACT_READ, OBJ_CASE, NULL));
        assert_false(policy_may_all(&p, ACT_READ, OBJ_CASE));
        assert_int_equal(policy_may_some(&p, ACT_READ, OBJ_CASE), rows[i].read);
        p.mfa_ok = 0;
        assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_team));
    }
}

/* The hotline takes every call and may reroute any referral: it sees them all. */
static void
test_hotline_sees_every_case(void **state)
{
    (void)state;
    principal p = who(ROLE_BIT(ROLE_HOTLINE_WORKER), 1);
    assert_true(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_foreign));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_CASE, &ctx_agency));
    assert_true(policy_check(&p, ACT_CREATE, OBJ_CASE, NULL));
    assert_true(policy_may_all(&p, ACT_READ, OBJ_CASE));
    assert_false(policy_check(&p, ACT_ADMIN, OBJ_CASE, &ctx_team));
    p.mfa_ok = 0;
    assert_false(policy_check(&p, ACT_READ, OBJ_CASE, &ctx_team));
}

static void
test_analyst_and_directory(void **state)
{
    (void)state;
    principal an = who(RB(ANALYST), 1);
    assert_true(policy_check(&an, ACT_READ, OBJ_AGGREGATE, NULL));
    assert_false(policy_check(&an, ACT_UPDATE, OBJ_AGGREGATE, NULL));
    assert_false(policy_check(&an, ACT_READ, OBJ_USER, &ctx_agency));
    assert_false(policy_check(&an, ACT_READ, OBJ_DIRECTORY, NULL));
    assert_false(policy_check(&an, ACT_READ, OBJ_CASE, &ctx_agency));
    /* the program office keeps the expansion and deliverables trackers */
    assert_true(policy_check(&an, ACT_READ, OBJ_PROGRAM, NULL));
    assert_true(policy_check(&an, ACT_CREATE, OBJ_PROGRAM, NULL));
    assert_true(policy_check(&an, ACT_UPDATE, OBJ_PROGRAM, NULL));
    principal sup = who(RB(SUPERVISOR), 1);
    assert_true(policy_check(&sup, ACT_READ, OBJ_PROGRAM, NULL));
    assert_false(policy_check(&sup, ACT_UPDATE, OBJ_PROGRAM, NULL));
    principal de = who(RB(DIRECTORY_EDITOR), 1);
    assert_true(policy_check(&de, ACT_READ, OBJ_DIRECTORY, NULL));
    assert_true(policy_check(&de, ACT_CREATE, OBJ_DIRECTORY, NULL));
    assert_true(policy_check(&de, ACT_UPDATE, OBJ_DIRECTORY, &ctx_foreign));
    assert_false(policy_check(&de, ACT_ADMIN, OBJ_DIRECTORY, NULL));
    assert_false(policy_check(&de, ACT_READ, OBJ_AGGREGATE, NULL));
    de.mfa_ok = 0;
    assert_false(policy_check(&de, ACT_UPDATE, OBJ_DIRECTORY, NULL));
}

static void
test_roles_combine(void **state)
{
    (void)state;
    principal p = who(RB(OFFICER) | RB(SUPERVISOR), 1);
    /* officer: read only on the team; supervisor: update in own agency */
    assert_false(policy_check(&p, ACT_UPDATE, OBJ_CASE, &ctx_team));
    assert_true(policy_check(&p, ACT_UPDATE, OBJ_CASE, &ctx_agency));
    assert_true(policy_check(&p, ACT_CREATE, OBJ_CASE, NULL));
    assert_true(policy_check(&p, ACT_READ, OBJ_AGGREGATE, NULL));
}

static void
test_combined_actions_need_every_action(void **state)
{
    (void)state;
    principal off = who(RB(OFFICER), 1);
    /* an officer may read a team case but not update it: asking for both is no */
    assert_false(policy_check(&off, ACT_READ | ACT_UPDATE, OBJ_CASE, &ctx_team));
    principal adm = who(RB(ADMINISTRATOR), 1);
    assert_false(policy_check(&adm, ACT_READ | ACT_ADMIN, OBJ_AUDIT, NULL));
    assert_true(policy_check(&adm, ACT_READ | ACT_UPDATE, OBJ_CLOCK, NULL));
    /* no action at all is never allowed */
    assert_false(policy_check(&adm, 0, OBJ_USER, NULL));
    assert_false(policy_may_some(&adm, 0, OBJ_USER));
    assert_false(policy_may_all(&adm, 0, OBJ_USER));
}

static void
test_may_some(void **state)
{
    (void)state;
    principal hw = who(RB(HOTLINE_WORKER), 1);
    /* the self rule does not count: it is no reason to show a users menu */
    assert_false(policy_may_some(&hw, ACT_READ, OBJ_USER));
    assert_true(policy_may_some(&hw, ACT_READ, OBJ_CASE));
    assert_true(policy_may_some(&hw, ACT_CREATE, OBJ_CASE));
    assert_true(policy_may_some(&hw, ACT_READ, OBJ_AGENCY));
    assert_false(policy_may_some(&hw, ACT_READ, OBJ_AUDIT));
    principal adm = who(RB(ADMINISTRATOR), 1);
    assert_true(policy_may_some(&adm, ACT_ADMIN, OBJ_USER));
    assert_true(policy_may_some(&adm, ACT_READ, OBJ_AUDIT));
    hw.mfa_ok = 0;
    assert_false(policy_may_some(&hw, ACT_READ, OBJ_CASE));
}

static void
test_may_all(void **state)
{
    (void)state;
    principal adm = who(RB(ADMINISTRATOR), 1);
    assert_true(policy_may_all(&adm, ACT_READ, OBJ_USER));
    assert_true(policy_may_all(&adm, ACT_ADMIN, OBJ_USER));
    assert_true(policy_may_all(&adm, ACT_READ, OBJ_AUDIT));
    assert_false(policy_may_all(&adm, ACT_READ, OBJ_CASE));
    principal sup = who(RB(SUPERVISOR), 1);
    assert_false(policy_may_all(&sup, ACT_READ, OBJ_USER));
    assert_false(policy_may_all(&sup, ACT_READ, OBJ_CASE));
    assert_true(policy_may_all(&sup, ACT_READ, OBJ_AGGREGATE));
    principal an = who(RB(ANALYST), 1);
    assert_true(policy_may_all(&an, ACT_READ, OBJ_AGGREGATE));
    principal hw = who(RB(HOTLINE_WORKER), 1);
    assert_false(policy_may_all(&hw, ACT_READ, OBJ_USER));
    assert_false(policy_may_all(&hw, ACT_UPDATE, OBJ_USER));
}

static void
test_unknown_object(void **state)
{
    (void)state;
    principal adm = who(0xffffffffu, 1);
    assert_false(policy_check(&adm, ACT_READ, ALL_OB, NULL));
    assert_false(policy_may_some(&adm, ACT_READ, ALL_OB));
    assert_string_equal(policy_object_name(OBJ_AGENCY), "agency");
    assert_string_equal(policy_object_name(OBJ_CASE), "case");
    assert_string_equal(policy_object_name(OBJ_DIRECTORY), "directory");
    assert_string_equal(policy_object_name(ALL_OB), "unknown");
    for (int o = 0; o < OBJ__MAX; o++)
        assert_string_not_equal(policy_object_name(o), "unknown");
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_principal_denied),
        cmocka_unit_test(test_no_roles_only_self_and_reference),
        cmocka_unit_test(test_reference_data_every_role),
        cmocka_unit_test(test_reference_data_needs_mfa),
        cmocka_unit_test(test_self_scope),
        cmocka_unit_test(test_self_scope_needs_ctx),
        cmocka_unit_test(test_admin_table),
        cmocka_unit_test(test_admin_never_reads_cases),
        cmocka_unit_test(test_admin_needs_mfa),
        cmocka_unit_test(test_supervisor_own_agency),
        cmocka_unit_test(test_own_agency_without_ctx_denies),
        cmocka_unit_test(test_own_agency_zero_is_no_agency),
        cmocka_unit_test(test_supervisor_needs_mfa),
        cmocka_unit_test(test_case_creators),
        cmocka_unit_test(test_case_team),
        cmocka_unit_test(test_hotline_sees_every_case),
        cmocka_unit_test(test_analyst_and_directory),
        cmocka_unit_test(test_roles_combine),
        cmocka_unit_test(test_combined_actions_need_every_action),
        cmocka_unit_test(test_may_some),
        cmocka_unit_test(test_may_all),
        cmocka_unit_test(test_unknown_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
