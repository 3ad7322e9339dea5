/* test_config.c - the typed configuration table: defaults, bounds, value
 * types, unknown keys, files read with libinih, and errors that name the
 * file, line and key. A refused value or file leaves the configuration as it
 * was. Each test gets a fresh mkdtemp directory. */
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

#include "core/config.h"

typedef struct fixture {
    char dir[64];
    char path[96];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-config-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/haven.ini", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    char sub[128];
    unlink(f->path);
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    rmdir(sub);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void
write_file(const fixture *f, const char *text)
{
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void
test_defaults(void **state)
{
    (void)state;
    haven_config c;
    memset(&c, 0x5a, sizeof c);
    config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.web_dir, "");
    assert_int_equal(c.max_body_bytes, 1048576);
    assert_int_equal(c.max_header_bytes, 32768);
    assert_int_equal(c.max_connections, 1024);
    assert_int_equal(c.per_ip_connections, 0);
    assert_int_equal(c.request_timeout_s, 30);
    assert_int_equal(c.threads, 0);
    assert_string_equal(c.tls_cert, "");
    assert_int_equal(c.access_log, 1);
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.test_clock, 0);
    assert_int_equal(c.trust_proxy, 0);
    assert_int_equal(c.session_idle_minutes, 30);
    assert_int_equal(c.session_absolute_hours, 12);
    assert_int_equal(c.login_max_failures, 5);
    assert_int_equal(c.lockout_minutes, 15);
    assert_int_equal(c.login_rate_per_minute, 30);
    assert_string_equal(c.password_cost, "interactive");
    assert_int_equal(c.db_readers, 8);
    assert_int_equal(c.db_busy_timeout_ms, 5000);
    assert_int_equal(c.db_synchronous_full, 1);
}

static void
test_numbers_and_bounds(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "server", "max_body_bytes", "1024", err, sizeof err), HV_OK);
    assert_int_equal(c.max_body_bytes, 1024);
    assert_int_equal(config_set(&c, "server", "max_body_bytes", "67108864", err, sizeof err),
                     HV_OK);
    assert_int_equal(c.max_body_bytes, 64L << 20);
    assert_int_equal(config_set(&c, "server", "max_body_bytes", "1023", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_non_null(strstr(err, "key 'max_body_bytes'"));
    assert_non_null(strstr(err, "1023 is outside 1024..67108864"));
    assert_int_equal(c.max_body_bytes, 64L << 20);
    assert_int_equal(config_set(&c, "server", "max_body_bytes", "67108865", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_int_equal(config_set(&c, "database", "readers", "0", err, sizeof err), HV_ERR_CONFIG);
    assert_int_equal(config_set(&c, "database", "readers", "64", err, sizeof err), HV_OK);
    assert_int_equal(c.db_readers, 64);
    assert_int_equal(config_set(&c, "security", "login_max_failures", "-1", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_int_equal(c.login_max_failures, 5);
}

static void
test_not_numbers(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    config_defaults(&c);
    static const char *const bad[] = {"", "abc", "12abc", "1.5", "0x10", "99999999999999999999999",
                                      " "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(config_set(&c, "server", "threads", bad[i], err, sizeof err),
                         HV_ERR_CONFIG);
        assert_non_null(strstr(err, "key 'threads'"));
        assert_int_equal(c.threads, 0);
    }
}

static void
test_booleans(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    config_defaults(&c);
    static const char *const yes[] = {"true", "TRUE", "yes", "On", "1"};
    static const char *const no[] = {"false", "No", "off", "0", "FALSE"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(config_set(&c, "server", "trust_proxy", yes[i], err, sizeof err), HV_OK);
        assert_int_equal(c.trust_proxy, 1);
        assert_int_equal(config_set(&c, "server", "trust_proxy", no[i], err, sizeof err), HV_OK);
        assert_int_equal(c.trust_proxy, 0);
    }
    assert_int_equal(config_set(&c, "server", "trust_proxy", "maybe", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_non_null(strstr(err, "key 'trust_proxy': 'maybe' is not true or false"));
    assert_int_equal(config_set(&c, "server", "trust_proxy", "2", err, sizeof err), HV_ERR_CONFIG);
    assert_int_equal(c.trust_proxy, 0);
}

static void
test_strings(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    char longv[200];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "server", "listen", "0.0.0.0:443", err, sizeof err), HV_OK);
    assert_string_equal(c.listen, "0.0.0.0:443");
    memset(longv, 'x', sizeof c.listen - 1);
    longv[sizeof c.listen - 1] = '\0';
    assert_int_equal(config_set(&c, "server", "listen", longv, err, sizeof err), HV_OK);
    longv[sizeof c.listen - 1] = 'x';
    longv[sizeof c.listen] = '\0';
    assert_int_equal(config_set(&c, "server", "listen", longv, err, sizeof err), HV_ERR_CONFIG);
    assert_non_null(strstr(err, "key 'listen': value longer than 127 characters"));
    assert_int_equal(strlen(c.listen), sizeof c.listen - 1);
}

static void
test_unknown_key(void **state)
{
    (void)state;
    haven_config c, before;
    char err[256];
    config_defaults(&c);
    before = c;
    assert_int_equal(config_set(&c, "server", "listne", "x", err, sizeof err), HV_ERR_CONFIG);
    assert_string_equal(err, "unknown key 'listne' in section [server]");
    /* the right key in the wrong section is unknown too */
    assert_int_equal(config_set(&c, "database", "listen", "x", err, sizeof err), HV_ERR_CONFIG);
    assert_string_equal(err, "unknown key 'listen' in section [database]");
    assert_int_equal(config_set(&c, "", "listen", "x", err, sizeof err), HV_ERR_CONFIG);
    assert_memory_equal(&c, &before, sizeof c);
}

static void
test_words_refused_before_stored(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "server", "log_level", "debug", err, sizeof err), HV_OK);
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(config_set(&c, "server", "log_level", "verbose", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_string_equal(err, "key 'log_level': 'verbose' is not debug, info, warn or error");
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(config_set(&c, "server", "log_level", "INFO", err, sizeof err), HV_ERR_CONFIG);
    assert_string_equal(c.log_level, "debug");

    assert_int_equal(config_set(&c, "security", "password_cost", "min", err, sizeof err), HV_OK);
    assert_int_equal(config_set(&c, "security", "password_cost", "cheap", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_non_null(strstr(err, "key 'password_cost': 'cheap' is not interactive"));
    assert_string_equal(c.password_cost, "min");
    assert_int_equal(config_set(&c, "security", "password_cost", "", err, sizeof err),
                     HV_ERR_CONFIG);
    assert_string_equal(c.password_cost, "min");
}

static void
test_load_file(void **state)
{
    fixture *f = *state;
    haven_config c;
    char err[256] = "";
    config_defaults(&c);
    write_file(f, "; haven\n"
                  "[server]\n"
                  "listen = 0.0.0.0:9000\n"
                  "threads=8\n"
                  "access_log : off\n"
                  "log_level = warn ; inline comment\n"
                  "\n"
                  "[security]\n"
                  "# another comment\n"
                  "lockout_minutes = 60\r\n"
                  "[database]\n"
                  "synchronous_full = no");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_OK);
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.access_log, 0);
    assert_string_equal(c.log_level, "warn");
    assert_int_equal(c.lockout_minutes, 60);
    assert_int_equal(c.db_synchronous_full, 0);
    /* untouched keys keep their values */
    assert_int_equal(c.max_body_bytes, 1048576);
}

static void
test_load_error_names_file_line_key(void **state)
{
    fixture *f = *state;
    haven_config c, before;
    char err[256], want[256];
    config_defaults(&c);
    before = c;
    write_file(f, "[server]\nthreads = 4\n\n# comment\nmax_connections = 3\nlisten = x:1\n");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:5: key 'max_connections': 3 is outside 8..100000", f->path);
    assert_string_equal(err, want);
    /* nothing from the file was kept, not even the good line before */
    assert_memory_equal(&c, &before, sizeof c);

    write_file(f, "[server]\nthreads = 4\n[nope]\nthreads = 4\n");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:4: unknown key 'threads' in section [nope]", f->path);
    assert_string_equal(err, want);

    write_file(f, "[server]\nlog_level = loud\n");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:2: key 'log_level': 'loud' is not debug, info, warn or error",
             f->path);
    assert_string_equal(err, want);
    assert_memory_equal(&c, &before, sizeof c);
}

static void
test_load_syntax_error(void **state)
{
    fixture *f = *state;
    haven_config c, before;
    char err[256], want[256];
    config_defaults(&c);
    before = c;
    write_file(f, "[server]\nthreads = 2\nthis line has no equals sign\n");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:3: syntax error", f->path);
    assert_string_equal(err, want);
    assert_memory_equal(&c, &before, sizeof c);
    write_file(f, "[server\nthreads = 2\n");
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:1: syntax error", f->path);
    assert_string_equal(err, want);
}

static void
test_load_missing_file(void **state)
{
    fixture *f = *state;
    haven_config c;
    char err[256], want[256];
    config_defaults(&c);
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", f->path);
    assert_string_equal(err, want);
}

static void
test_load_directory(void **state)
{
    fixture *f = *state;
    haven_config c, before;
    char err[256] = "", sub[128];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    config_defaults(&c);
    before = c;
    assert_int_equal(config_load(&c, sub, err, sizeof err), HV_ERR_CONFIG);
    assert_memory_equal(err, sub, strlen(sub));
    assert_non_null(strstr(err, "Is a directory"));
    assert_memory_equal(&c, &before, sizeof c);
}

static void
test_load_long_line(void **state)
{
    fixture *f = *state;
    haven_config c, before;
    char err[512] = "", want[256];
    /* a value longer than libinih's line buffer (200) but within the
     * field (web_dir holds 511) */
    char text[1024];
    char val[400];
    memset(val, 'a', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    snprintf(text, sizeof text, "[server]\nthreads = 2\nweb_dir = /srv/%s\nthreads = 3\n", val);
    write_file(f, text);
    config_defaults(&c);
    before = c;
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:3: key 'web_dir': line longer than", f->path);
    assert_memory_equal(err, want, strlen(want));
    assert_memory_equal(&c, &before, sizeof c);

    /* a long line that would split into "key = value" pieces is refused
     * rather than read as two settings */
    char piece[260];
    memset(piece, ' ', sizeof piece);
    memcpy(piece, "# ", 2);
    memcpy(piece + 190, "\nthreads=9", 10);
    piece[sizeof piece - 1] = '\0';
    /* (that one has a real newline: it is two lines and fine) */
    snprintf(text, sizeof text, "[server]\n%s\n", piece);
    write_file(f, text);
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_OK);
    assert_int_equal(c.threads, 9);
    config_defaults(&c);
    char comment[300];
    memset(comment, 'c', sizeof comment);
    memcpy(comment, "# ", 2);
    memcpy(comment + 220, "threads=9", 9);
    comment[sizeof comment - 1] = '\0';
    snprintf(text, sizeof text, "[server]\n%s\n", comment);
    write_file(f, text);
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_ERR_CONFIG);
    snprintf(want, sizeof want, "%s:2: ", f->path);
    assert_memory_equal(err, want, strlen(want));
    assert_non_null(strstr(err, "line longer than"));
    assert_int_equal(c.threads, 0);
}

static void
test_line_at_limit(void **state)
{
    fixture *f = *state;
    haven_config c;
    char err[256] = "";
    /* "web_dir = /" plus padding to exactly 199 characters before the
     * newline: the longest line libinih's 200-byte buffer holds */
    char text[512], line[256];
    memset(line, 'b', sizeof line);
    memcpy(line, "web_dir = /", 11);
    line[199] = '\0';
    snprintf(text, sizeof text, "[server]\n%s\nthreads = 5\n", line);
    write_file(f, text);
    config_defaults(&c);
    assert_int_equal(config_load(&c, f->path, err, sizeof err), HV_OK);
    assert_int_equal(strlen(c.web_dir), 199 - 10);
    assert_int_equal(c.threads, 5);
}

static void
emit(const char *line, void *ctx)
{
    char *all = ctx;
    strncat(all, line, 8191 - strlen(all));
    strncat(all, "\n", 8191 - strlen(all));
}

static void
test_describe(void **state)
{
    (void)state;
    haven_config c;
    char err[256];
    static char all[8192];
    all[0] = '\0';
    config_defaults(&c);
    assert_int_equal(config_set(&c, "server", "threads", "7", err, sizeof err), HV_OK);
    config_describe(&c, emit, all);
    assert_non_null(strstr(all, "\n[server]\n"));
    assert_non_null(strstr(all, "\n[security]\n"));
    assert_non_null(strstr(all, "\n[database]\n"));
    assert_non_null(strstr(all, "\nthreads = 7\n"));
    assert_non_null(strstr(all, "\nlisten = 127.0.0.1:8080\n"));
    assert_non_null(strstr(all, "\nsynchronous_full = true\n"));
    assert_non_null(strstr(all, "\n# argon2id cost"));
}

static void
test_describe_round_trips(void **state)
{
    fixture *f = *state;
    haven_config a, b;
    char err[256];
    static char all[8192];
    all[0] = '\0';
    config_defaults(&a);
    assert_int_equal(config_set(&a, "server", "threads", "3", err, sizeof err), HV_OK);
    assert_int_equal(config_set(&a, "database", "readers", "9", err, sizeof err), HV_OK);
    config_describe(&a, emit, all);
    write_file(f, all);
    config_defaults(&b);
    assert_int_equal(config_load(&b, f->path, err, sizeof err), HV_OK);
    assert_memory_equal(&a, &b, sizeof a);
}

int main(void);
int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_numbers_and_bounds),
        cmocka_unit_test(test_not_numbers),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_words_refused_before_stored),
        cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_error_names_file_line_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_round_trips, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
