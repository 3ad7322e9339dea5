/*
 * directory.c - `haven directory import|export|taxonomy import`: HSDS 3.0
 * services into and out of the services directory, as JSON or as a CSV
 * data package, and a county's 211 taxonomy in (see
 * src/directory/hsds.h, datapackage.h, taxonomy.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "directory/datapackage.h"
#include "directory/hsds.h"
#include "directory/taxonomy.h"

static const char usage[] =
    "usage: haven directory import PATH [--data DIR]\n"
    "       haven directory export --format json|csv --out PATH [--data DIR]\n"
    "       haven directory taxonomy import FILE --name NAME [--id ID] [--data DIR]\n\n"
    "import: HSDS 3.0 services into the services directory. PATH is a JSON file (a\n"
    "list of services, or {\"services\": [...], \"organizations\": [...], \"taxonomies\":\n"
    "[...], \"taxonomy_terms\": [...]}) or a folder holding an HSDS CSV data package\n"
    "(datapackage.json, services.csv, locations.csv, ...). All or nothing: the first\n"
    "bad record stops the import, names the file, the row and the field (the column),\n"
    "and nothing is written. Importing the same data again changes nothing.\n\n"
    "export: every service, in full, as HSDS JSON (one file) or as a CSV data package\n"
    "(a folder, made if missing). Importing an export gives the same directory.\n\n"
    "taxonomy import: a county's licensed 211 taxonomy from CSV with the columns\n"
    "code,name,parent_code,description; a term with no parent_code hangs under the\n"
    "nearest code its own is made from (BD-1800.2000 under BD-1800, under BD, under\n"
    "B). --id gives the taxonomy's HSDS id (default: made from the name).\n";

typedef struct opts {
    const char *data, *format, *out, *name, *id;
} opts;

/* Options anywhere among the words; returns the number of words left in
 * WORDS, or -1 with *RC set. */
static int
parse(int argc, char **argv, opts *o, char **words, int *rc)
{
    static const struct option longs[] = {
        {"data", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'},
        {"id", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch, n = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "d:f:o:n:i:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->data = optarg;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 'i':
            o->id = optarg;
            break;
        default:
            fputs(usage, ch == 'h' ? stdout : stderr);
            *rc = ch == 'h' ? 0 : 2;
            return -1;
        }
    }
    for (int i = optind; i < argc && n < 4; i++)
        words[n++] = argv[i];
    return n;
}

static int
open_db(const opts *o, store **st, crypt_keys **keys)
{
    haven_config cfg;
    config_defaults(&cfg);
    return cmd_open(cmd_data_dir(o->data), &cfg, 0, st, keys);
}

static int
do_import(const opts *o, const char *path)
{
    int package = datapackage_is(path);
    json_t *doc = NULL;
    if (!package) {
        json_error_t jerr;
        doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            fprintf(stderr, "haven: %s, line %d, column %d: not JSON: %s\n", path, jerr.line,
                    jerr.column, jerr.text);
            return 1;
        }
    }
    store *st;
    crypt_keys *keys;
    if (open_db(o, &st, &keys) != 0) {
        json_decref(doc);
        return 1;
    }
    store_conn *c = NULL;
    hsds_report rep;
    int64_t skipped = 0;
    hv_err e = {0};
    hv_result r = store_begin(st, &c);
    if (r == HV_OK) {
        r = package ? datapackage_import(c, path, 0, "import", &rep, &skipped, &e)
                    : hsds_import(c, doc, path, 0, "import", &rep, &e);
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
           path, (long long)rep.services_created, (long long)rep.services_updated,
           (long long)rep.services_unchanged, (long long)rep.organizations,
           (long long)rep.locations, (long long)rep.terms);
    if (skipped)
        printf("%lld rows skipped: they belong to records haven does not keep (an organization's "
               "phones or contacts, a phone's languages, attributes of other records)\n",
               (long long)skipped);
    return 0;
}

static int
do_export(const opts *o)
{
    int csv = o->format && strcmp(o->format, "csv") == 0;
    if (!o->out || !o->format || (!csv && strcmp(o->format, "json") != 0)) {
        fputs(usage, stderr);
        return 2;
    }
    store *st;
    crypt_keys *keys;
    if (open_db(o, &st, &keys) != 0)
        return 1;
    store_conn *c = NULL;
    hv_err e = {0};
    json_t *doc = NULL;
    hv_result r = store_read(st, &c);
    if (r == HV_OK) {
        if (csv)
            r = datapackage_write(c, o->out, &e);
        else if ((r = datapackage_json(c, &doc)) == HV_OK &&
                 json_dump_file(doc, o->out, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) != 0)
            r = hv_fail(&e, HV_ERR_IO, NULL, "%s: cannot be written", o->out);
        store_release(c);
    }
    size_t n = json_array_size(json_object_get(doc, "services"));
    json_decref(doc);
    store_close(st);
    crypt_free(keys);
    if (r != HV_OK) {
        fprintf(stderr, "haven: nothing exported: %s\n", e.detail[0] ? e.detail : hv_strerror(r));
        return 1;
    }
    if (csv)
        printf("exported the directory to %s as an HSDS CSV data package\n", o->out);
    else
        printf("exported %zu services to %s as HSDS JSON\n", n, o->out);
    return 0;
}

static int
do_taxonomy(const opts *o, const char *file)
{
    if (!o->name || !*o->name) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "haven: cannot open '%s'\n", file);
        return 1;
    }
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    char chunk[65536];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    int bad = ferror(f);
    fclose(f);
    if (mem)
        fclose(mem);
    if (!mem || bad) {
        fprintf(stderr, "haven: cannot read '%s'\n", file);
        free(data);
        return 1;
    }
    char id[200];
    if (o->id)
        snprintf(id, sizeof id, "%s", o->id);
    else
        taxonomy_slug(o->name, id, sizeof id);
    if (!id[0]) {
        fprintf(stderr, "haven: --name has no letters or digits to make an id from (give --id)\n");
        free(data);
        return 2;
    }
    store *st;
    crypt_keys *keys;
    if (open_db(o, &st, &keys) != 0) {
        free(data);
        return 1;
    }
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    store_conn *c = NULL;
    hv_err e = {0};
    taxonomy_report rep;
    hv_result r = store_begin(st, &c);
    if (r == HV_OK) {
        r = taxonomy_load_csv(c, base, data, len, id, o->name, 1, &rep, &e);
        if (r == HV_OK)
            r = store_commit(c);
        else
            store_rollback(c);
    }
    free(data);
    store_close(st);
    crypt_free(keys);
    if (r != HV_OK) {
        fprintf(stderr, "haven: nothing imported: %s\n", e.detail[0] ? e.detail : hv_strerror(r));
        return 1;
    }
    printf("imported taxonomy \"%s\" (%s): %lld terms created, %lld updated, %lld unchanged\n",
           o->name, id, (long long)rep.created, (long long)rep.updated, (long long)rep.unchanged);
    return 0;
}

int
cmd_directory(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "generate") == 0) /* directory_search.c */
        return cmd_directory_generate(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "search-bench") == 0)
        return cmd_directory_search_bench(argc, argv);
    opts o = {0};
    char *w[4];
    int rc = 0;
    int n = parse(argc, argv, &o, w, &rc);
    if (n < 0)
        return rc;
    if (n == 2 && strcmp(w[0], "import") == 0)
        return do_import(&o, w[1]);
    if (n == 1 && strcmp(w[0], "export") == 0)
        return do_export(&o);
    if (n == 3 && strcmp(w[0], "taxonomy") == 0 && strcmp(w[1], "import") == 0)
        return do_taxonomy(&o, w[2]);
    fputs(usage, stderr);
    return 2;
}
