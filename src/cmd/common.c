/* common.c - what the subcommands share (see cmd.h). */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/password.h"
#include "cmd/cmd.h"
#include "directory/taxonomy.h"
#include "report/facts.h"
#include "model/record.h"

void record_set_keys(const crypt_keys *k);
void referral_set_keys(const crypt_keys *k);

const char *
cmd_data_dir(const char *given)
{
    if (given && *given)
        return given;
    const char *env = getenv("HAVEN_DATA");
    return env && *env ? env : "./var";
}

void
cmd_password_cost(const haven_config *cfg)
{
    const char *cost = getenv("HAVEN_PASSWORD_COST");
    if (!cost || !*cost)
        cost = cfg ? cfg->password_cost : "interactive";
    if (strcmp(cost, "min") == 0)
        password_set_cost(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
    else if (strcmp(cost, "moderate") == 0)
        password_set_cost(crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE);
    else
        password_set_cost(crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int
cmd_open(const char *dir, const haven_config *cfg, int create, store **st, crypt_keys **keys)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "haven: libsodium failed to start\n");
        return 1;
    }
    if (!create) {
        char db[4096];
        struct stat sb;
        snprintf(db, sizeof db, "%s/haven.db", dir);
        if (stat(db, &sb) != 0) {
            fprintf(stderr,
                    "haven: no database in '%s' (give --data, or create one with `haven demo` "
                    "or `haven migrate`)\n",
                    dir);
            return 1;
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "haven: cannot create data directory '%s': %s\n", dir, strerror(errno));
        return 1;
    }
    hv_result r = crypt_load_or_create(dir, keys);
    if (r != HV_OK) {
        fprintf(stderr,
                "haven: cannot use the key file '%s/haven.key': %s (it must exist with mode "
                "0600, or not exist yet)\n",
                dir, hv_strerror(r));
        return 1;
    }
    record_set_keys(*keys);
    referral_set_keys(*keys);
    facts_set_keys(*keys);
    store_options opt = {
        .readers = cfg ? (int)cfg->db_readers : 8,
        .busy_timeout_ms = cfg ? (int)cfg->db_busy_timeout_ms : 5000,
        .synchronous_full = cfg ? cfg->db_synchronous_full : 1,
    };
    r = store_open(dir, &opt, st);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot open the database in '%s': %s\n", dir, hv_strerror(r));
        crypt_free(*keys);
        return 1;
    }
    r = store_migrate(*st, NULL);
    if (r == HV_OK) /* the directory's shipped taxonomy, once */
        r = taxonomy_defaults(*st);
    if (r != HV_OK) {
        fprintf(stderr, "haven: cannot bring the database schema up to date: %s\n", hv_strerror(r));
        store_close(*st);
        crypt_free(*keys);
        return 1;
    }
    return 0;
}

int
cmd_read_line(char *out, size_t outsz)
{
    if (!fgets(out, (int)outsz, stdin))
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

void
cmd_random_password(char out[24])
{
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
}

/* See cmd.h. */
int
cmd_data_only(int argc, char **argv, const char *usage, const char **data, int *rc)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (ch == 'd') {
            *data = optarg;
        } else {
            fputs(usage, ch == 'h' ? stdout : stderr);
            *rc = ch == 'h' ? 0 : 2;
            return -1;
        }
    }
    return optind;
}
