/*
 * main.c - the haven program: a thin dispatcher over the subcommands in
 * cmd/ (after curl's src/tool_*.c over lib/).
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

#include "cmd/cmd.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"serve", cmd_serve}, {"migrate", cmd_migrate},     {"demo", cmd_demo},
    {"user", cmd_user},   {"audit", cmd_audit},         {"key", cmd_key},
    {"facts", cmd_facts}, {"directory", cmd_directory}, {"link", cmd_link},
    {"copy", cmd_copy},   {"version", cmd_version},     {"--version", cmd_version},
    {"help", cmd_help},   {"--help", cmd_help},         {"-h", cmd_help},
};

int
main(int argc, char **argv)
{
    if (argc < 2)
        return cmd_help(argc, argv), 2;
    /* times in messages are the county's (serve may set another from its config) */
    (void)clock_set_zone("America/Los_Angeles");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "haven: unknown command '%s' (try 'haven help')\n", argv[1]);
    return 2;
}
