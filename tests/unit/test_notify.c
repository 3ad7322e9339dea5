/* test_notify.c - the pure parts of notification delivery and escalation:
 * signed one-time acknowledgement links (valid, forged, expired,
 * malformed), phone numbers to E.164, and the checks on an escalation
 * policy body naming the offending field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/crypt.h"
#include "notify/alert.h"
#include "notify/deliver.h"
#include "unit_util.h"

#define NOW 1790000000000LL

typedef struct fix {
    char dir[64];
    crypt_keys *k;
} fix;

static int
setup(void **state)
{
    fix *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-notify-XXXXXX");
    if (!mkdtemp(f->dir) || crypt_load_or_create(f->dir, &f->k) != HV_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fix *f = *state;
    crypt_free(f->k);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static void
test_ack_token(void **state)
{
    fix *f = *state;
    char tok[128];
    int64_t id = 0;
    assert_int_equal(deliver_ack_token(f->k, 42, NOW + 3600000, tok, sizeof tok), HV_OK);
    assert_int_equal(deliver_ack_token_check(f->k, tok, NOW, &id), HV_OK);
    assert_int_equal(id, 42);
    /* expired an hour later */
    assert_int_equal(deliver_ack_token_check(f->k, tok, NOW + 3600000 + 1000, &id), HV_ERR_EXPIRED);
    /* another delivery's id with this MAC is forged */
    char forged[128];
    snprintf(forged, sizeof forged, "43%s", strchr(tok, '.'));
    assert_int_equal(deliver_ack_token_check(f->k, forged, NOW, &id), HV_ERR_INVALID);
    /* a later expiry with this MAC is forged */
    char *dot = strchr(tok, '.');
    snprintf(forged, sizeof forged, "42.%lld%s", (long long)(NOW / 1000 + 999999),
             strchr(dot + 1, '.'));
    assert_int_equal(deliver_ack_token_check(f->k, forged, NOW, &id), HV_ERR_INVALID);
    /* a flipped MAC digit */
    snprintf(forged, sizeof forged, "%s", tok);
    size_t n = strlen(forged);
    forged[n - 1] = forged[n - 1] == 'a' ? 'b' : 'a';
    assert_int_equal(deliver_ack_token_check(f->k, forged, NOW, &id), HV_ERR_INVALID);
    const char *bad[] = {
        "", "1", "1.2", "1.2.3", "x.y.zz", "-1.5.0123456789abcdef0123456789abcdef", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(deliver_ack_token_check(f->k, bad[i], NOW, &id), HV_ERR_INVALID);
    assert_int_equal(deliver_ack_token_check(f->k, NULL, NOW, &id), HV_ERR_INVALID);
}

static void
test_phone(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(deliver_phone_e164("(213) 555-0101", out, sizeof out), HV_OK);
    assert_string_equal(out, "+12135550101");
    assert_int_equal(deliver_phone_e164("1 213 555 0101", out, sizeof out), HV_OK);
    assert_string_equal(out, "+12135550101");
    assert_int_equal(deliver_phone_e164("+44 20 7946 0958", out, sizeof out), HV_OK);
    assert_string_equal(out, "+442079460958");
    const char *bad[] = {"",
                         "12",
                         "555-0101",
                         "+0123456789",
                         "213-555-0101 ext 4",
                         "+1 (213) x",
                         "++12135550101",
                         "1234567890123456789",
                         NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(deliver_phone_e164(bad[i], out, sizeof out), HV_ERR_INVALID);
}

static void
expect_field(const char *json, const char *field)
{
    json_t *b = json_loads(json, 0, NULL);
    assert_non_null(b);
    hv_err e = {0};
    assert_int_equal(alert_policy_check(b, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, field);
    json_decref(b);
}

static void
test_policy_check(void **state)
{
    (void)state;
    json_t *ok = json_loads("{\"name\": \"p\", \"kind\": \"clock.missed\", \"repeat\": 2, "
                            "\"ack_timeout_minutes\": 30, \"steps\": [{\"delay_minutes\": 5, "
                            "\"targets\": [{\"type\": \"oncall\"}, {\"type\": \"role\", "
                            "\"role\": \"supervisor\", \"scope\": \"any\"}, {\"type\": \"user\", "
                            "\"user_id\": 3}]}]}",
                            0, NULL);
    hv_err e = {0};
    assert_int_equal(alert_policy_check(ok, &e), HV_OK);
    json_decref(ok);
    expect_field("{\"kind\": \"clock.missed\", \"steps\": []}", "name");
    expect_field("{\"name\": \"p\", \"kind\": \"nope\", \"steps\": []}", "kind");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"repeat\": 11, \"steps\": []}", "repeat");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"ack_timeout_minutes\": 0, \"steps\": []}",
                 "ack_timeout_minutes");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"steps\": []}", "steps");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"steps\": [{\"delay_minutes\": 0, "
                 "\"targets\": [{\"type\": \"oncall\"}]}]}",
                 "steps");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"steps\": [{\"delay_minutes\": 5, "
                 "\"targets\": [{\"type\": \"pager\"}]}]}",
                 "steps");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"steps\": [{\"delay_minutes\": 5, "
                 "\"targets\": [{\"type\": \"role\"}]}]}",
                 "steps");
    expect_field("{\"name\": \"p\", \"kind\": \"*\", \"steps\": [{\"delay_minutes\": 5, "
                 "\"targets\": [{\"type\": \"role\", \"role\": \"supervisor\", \"scope\": "
                 "\"world\"}]}]}",
                 "steps");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ack_token, setup, teardown),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_policy_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
