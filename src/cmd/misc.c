/*
 * misc.c - `haven migrate`, `haven audit verify`, `haven key rotate`,
 * `haven version` and `haven help`.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "cmd/cmd.h"
#include "core/clock.h"
#include "report/facts.h"

/* `haven NOUN VERB [--data DIR]`: parses the options and checks VERB; 0 if
 * the command goes on, else -1 with the exit status in *RC. */
static int
verb_only(int argc, char **argv, const char *usage, const char *verb, const char **data, int *rc)
{
    int first = cmd_data_only(argc, argv, usage, data, rc);
    if (first < 0)
        return -1;
    if (argc - first != 1 || strcmp(argv[first], verb) != 0) {
        fputs(usage, stderr);
        *rc = 2;
        return -1;
    }
    return 0;
}

/* Opens the data directory DATA (made if CREATE) with the default settings. */
static int
open_data(const char *data, int create, store **st, crypt_keys **keys)
{
    haven_config cfg;
    config_defaults(&cfg);
    return cmd_open(cmd_data_dir(data), &cfg, create, st, keys);
}

int
cmd_migrate(int argc, char **argv)
{
    static const char usage[] = "usage: haven migrate [--data DIR] [--database URL]\n\n"
                                "Applies every schema migration not yet applied, each in its own\n"
                                "transaction, and prints the schema version.\n";
    const char *data = NULL;
    int rc = 0;
    if (cmd_data_only(argc, argv, usage, &data, &rc) < 0)
        return rc;
    store *st;
    crypt_keys *keys;
    if (open_data(data, 1, &st, &keys) != 0)
        return 1;
    int version = 0;
    store_schema_version(st, &version);
    printf("schema version %d (%s)\n", version, store_backend(st));
    store_close(st);
    crypt_free(keys);
    return 0;
}

int
cmd_audit(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven audit verify [--data DIR]\n\n"
        "Checks the audit log's hash chain. Exits 0 if every entry is intact; otherwise\n"
        "exits 1 and names the first entry that was changed, removed or added by hand.\n";
    const char *data = NULL;
    int rc = 0;
    if (verb_only(argc, argv, usage, "verify", &data, &rc) < 0)
        return rc;
    store *st;
    crypt_keys *keys;
    if (open_data(data, 0, &st, &keys) != 0)
        return 1;
    audit_report rep;
    hv_result r = audit_verify(st, keys, &rep);
    store_close(st);
    crypt_free(keys);
    if (r == HV_OK) {
        printf("audit log intact: %lld entries verified\n", (long long)rep.entries);
        return 0;
    }
    if (r == HV_ERR_TAMPER) {
        printf("audit log BROKEN at entry %lld: %s\n", (long long)rep.bad_id, rep.why);
        return 1;
    }
    fprintf(stderr, "haven: cannot verify the audit log: %s\n", hv_strerror(r));
    return 1;
}

int
cmd_facts(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven facts rebuild [--data DIR]\n\n"
        "Recomputes the outcomes rollup (one row per referral, docs/metrics.md) from the\n"
        "case records, in one transaction. haven keeps it current on every write; run this\n"
        "after loading data by other means. Servers pick the new rows up by themselves.\n";
    const char *data = NULL;
    int rc = 0;
    if (verb_only(argc, argv, usage, "rebuild", &data, &rc) < 0)
        return rc;
    store *st;
    crypt_keys *keys;
    if (open_data(data, 0, &st, &keys) != 0)
        return 1;
    int64_t t0 = clock_mono_ms(), rows = 0;
    store_conn *c = NULL;
    hv_result r = store_begin(st, &c);
    if (r == HV_OK) {
        r = facts_rebuild(c, keys, &rows);
        if (r == HV_OK)
            r = store_commit(c);
        else
            store_rollback(c);
    }
    store_close(st);
    crypt_free(keys);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot rebuild the outcomes rollup: %s\n", hv_strerror(r));
        return 1;
    }
    printf("outcomes rollup rebuilt: %lld referrals in %.1f s\n", (long long)rows,
           (double)(clock_mono_ms() - t0) / 1000.0);
    return 0;
}

int
cmd_key(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven key rotate [--data DIR]\n\n"
        "Adds a new encryption key to DIR/haven.key and makes it the one new writes use.\n"
        "Older keys stay in the file so existing data still decrypts. See docs/keys.md.\n";
    const char *data = NULL;
    int rc = 0;
    if (verb_only(argc, argv, usage, "rotate", &data, &rc) < 0)
        return rc;
    if (sodium_init() < 0)
        return 1;
    uint32_t id = 0;
    hv_result r = crypt_rotate(cmd_data_dir(data), &id);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot rotate the key: %s\n", hv_strerror(r));
        return 1;
    }
    printf("new encryption key %u is now active; restart haven servers to use it\n", id);
    return 0;
}

int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("haven %s (SQLite %s, libmicrohttpd %s, jansson %s, libsodium %s)\n", HAVEN_VERSION,
           sqlite3_libversion(), MHD_get_version(), JANSSON_VERSION, sodium_version_string());
    return 0;
}

static void
emit_line(const char *line, void *ctx)
{
    (void)ctx;
    puts(line);
}

int
cmd_help(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "config") == 0) {
        haven_config cfg;
        config_defaults(&cfg);
        puts("# haven configuration (INI); these are the defaults.");
        config_describe(&cfg, emit_line, NULL);
        return 0;
    }
    fputs("usage: haven COMMAND [options]\n"
          "\n"
          "haven runs a county's First Responder Protocol for commercially sexually\n"
          "exploited children: intake, routing, the protocol's clocks, the team, the audit.\n"
          "\n"
          "commands:\n"
          "  serve         serve the web application and API\n"
          "  migrate       bring the database schema up to date\n"
          "  demo          create a database with synthetic demo data\n"
          "  user          add a user, set a password, disable, enable, unlock, tokens\n"
          "  audit verify  check the audit log's hash chain\n"
          "  key rotate    add a new field-encryption key\n"
          "  facts rebuild recompute the outcomes rollup from the case records\n"
          "  directory import FILE  HSDS 3.0 services into the services directory\n"
          "  directory export|taxonomy  the directory out as HSDS JSON or CSV; a 211 taxonomy in\n"
          "  directory generate N   synthetic HSDS services (JSON) for demos and benchmarks\n"
          "  link          find which records of a CSV file are the same person\n"
          "  copy          move the whole database to another (SQLite <-> PostgreSQL), verified\n"
          "  version       print the version\n"
          "  help [config] this text, or every configuration key\n"
          "\n"
          "Every command takes --help; those that use the database take --data DIR\n"
          "(default ./var, or $HAVEN_DATA).\n",
          stdout);
    return 0;
}
