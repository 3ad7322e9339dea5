/*
 * directory.c - `haven directory import FILE`: HSDS 3.0 services into the
 * services directory, all or nothing (see src/directory/hsds.h).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "directory/hsds.h"

int
cmd_directory(int argc, char **argv)
{
    static const char usage[] =
        "usage: haven directory import FILE [--data DIR]\n\n"
        "Imports HSDS 3.0 services (JSON: a list of services, or {\"services\": [...],\n"
        "\"organizations\": [...]}) into the services directory. All or nothing: the first\n"
        "bad record stops the import, names the file, the row and the field, and nothing is\n"
        "written. Importing the same file again changes nothing; a changed record is\n"
        "updated and its change kept in the history.\n";
    if (argc >= 2 && strcmp(argv[1], "generate") == 0)
        return cmd_directory_generate(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "search-bench") == 0)
        return cmd_directory_search_bench(argc, argv);
    const char *data = NULL;
    int rc = 0;
    int first = cmd_data_only(argc, argv, usage, &data, &rc);
    if (first < 0)
        return rc;
    if (argc - first != 2 || strcmp(argv[first], "import") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    const char *file = argv[first + 1];
    json_error_t jerr;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        fprintf(stderr, "haven: %s, line %d, column %d: not JSON: %s\n", file, jerr.line,
                jerr.column, jerr.text);
        return 1;
    }
    haven_config cfg;
    config_defaults(&cfg);
    store *st;
    crypt_keys *keys;
    if (cmd_open(cmd_data_dir(data), &cfg, 0, &st, &keys) != 0) {
        json_decref(doc);
        return 1;
    }
    store_conn *c = NULL;
    hsds_report rep;
    hv_err e = {0};
    hv_result r = store_begin(st, &c);
    if (r == HV_OK) {
        r = hsds_import(c, doc, file, 0, "import", &rep, &e);
        if (r == HV_OK)
            r = store_commit(c);
        else
            store_rollback(c);
    }
    json_decref(doc);
    store_close(st);
    crypt_free(keys);
    if (r != HV_OK) {
        fprintf(stderr, "haven: nothing imported: %s\n", e.detail[0] ? e.detail : hv_strerror(r));
        return 1;
    }
    printf("imported %s: %lld services created, %lld updated, %lld unchanged; %lld organizations, "
           "%lld locations, %lld taxonomy terms written\n",
           file, (long long)rep.services_created, (long long)rep.services_updated,
           (long long)rep.services_unchanged, (long long)rep.organizations,
           (long long)rep.locations, (long long)rep.terms);
    return 0;
}
