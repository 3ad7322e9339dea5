/*
 * cmd.h - the subcommands of the haven program and what they share:
 * finding the data directory, opening the database and the key file.
 */
#ifndef HAVEN_CMD_H
#define HAVEN_CMD_H

#include "core/config.h"
#include "core/crypt.h"
#include "core/err.h"
#include "store/store.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_directory(int argc, char **argv);
/* directory generate / search-bench (directory_search.c) */
int cmd_directory_generate(int argc, char **argv);
int cmd_directory_search_bench(int argc, char **argv);
int cmd_link(int argc, char **argv);
/* haven copy: one installation's database into another (copy.c) */
int cmd_copy(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* --database URL given on the command line (kept, not copied): it comes
 * before $HAVEN_DATABASE_URL and the config file's [database] url. */
void cmd_set_database(const char *url);
/* --data, else $HAVEN_DATA, else ./var. */
const char *cmd_data_dir(const char *given);
/* Opens the key file and the database in DIR and applies migrations. With
 * CREATE, makes DIR (mode 0700) and a new database when missing; without,
 * a missing database is an error. Prints a message and returns non-zero on
 * failure. */
int cmd_open(const char *dir, const haven_config *cfg, int create, store **st, crypt_keys **keys);
/* Sets the argon2id cost from CFG, overridden by $HAVEN_PASSWORD_COST. */
void cmd_password_cost(const haven_config *cfg);
/* Reads one line (without its newline) from stdin into OUT. */
int cmd_read_line(char *out, size_t outsz);
/* Parses --data DIR, --database URL and --help for a command whose only
 * options are those;
 * returns the index of the first other argument, or -1 with the exit
 * status in *RC (--help printed USAGE, a bad option printed it to stderr). */
int cmd_data_only(int argc, char **argv, const char *usage, const char **data, int *rc);
/* A random password of 20 characters from an unambiguous alphabet. */
void cmd_random_password(char out[24]);

/* The demo's expansion and deliverables trackers (demo_program.c), in the
 * caller's write transaction, after the demo's agencies and stations. */
hv_result demo_program(store_conn *c, hv_err *e);

#endif
