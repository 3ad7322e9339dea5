/*
 * link.c - `haven link`: which records of a CSV file are the same person
 * (the engine is src/linkage/, the contract docs/linkage.md).
 *
 * Reads the CSV with libcsv (a header row, then one record a row; a column
 * map says which column holds what), runs the engine, and writes the pairs
 * at or above the review threshold and every record's person as CSV, and a
 * report in words of what the model learned. `--generate` writes synthetic
 * records with their truth instead; `--truth COLUMN` scores the persons
 * found against it; `--exact` runs the exact-match baseline.
 *
 * Names, dates of birth and phone numbers are read and written only in the
 * files the user names; nothing personal goes to stderr.
 */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/clock.h"
#include "linkage/linkage.h"
#include "linkage/synth.h"

/* The columns a map can name, in lk_input order, then the truth. */
enum col {
    C_ID,
    C_FIRST,
    C_LAST,
    C_ALIASES,
    C_DOB,
    C_AGE,
    C_DATE,
    C_GENDER,
    C_ZIP,
    C_PHONE,
    C_TRUTH,
    C__N
};

static const struct {
    const char *key;
    const char *column; /* default column name */
} cols[C__N] = {
    [C_ID] = {"id", "id"},
    [C_FIRST] = {"first", "first_name"},
    [C_LAST] = {"last", "last_name"},
    [C_ALIASES] = {"aliases", "aliases"},
    [C_DOB] = {"dob", "dob"},
    [C_AGE] = {"age", "age"},
    [C_DATE] = {"date", "date"},
    [C_GENDER] = {"gender", "gender"},
    [C_ZIP] = {"zip", "zip"},
    [C_PHONE] = {"phone", "phone"},
    [C_TRUTH] = {"truth", NULL},
};

static const char usage[] =
    "usage: haven link [options] FILE.csv\n"
    "       haven link --generate N [--profile easy|hard] [--seed S] [--output FILE]\n\n"
    "Finds which records of FILE.csv are the same person, though typed with nicknames,\n"
    "aliases, typos, swapped names or other dates of birth (docs/linkage.md). Writes the\n"
    "pairs worth a look and each record's person as CSV, and says in words what it learned.\n\n"
    "  --map KEY=COLUMN,...  the columns: id, first, last, aliases, dob, age, date, gender,\n"
    "                        zip, phone, truth (default: id, first_name, last_name, aliases,\n"
    "                        dob, age, date, gender, zip, phone; absent columns are missing)\n"
    "  --pairs FILE          the pairs at or above --review (default: FILE-pairs.csv)\n"
    "  --persons FILE        each record's person (default: FILE-persons.csv)\n"
    "  --report FILE         the report (default: standard output)\n"
    "  --auto P              link automatically at or above this probability (0.95)\n"
    "  --review P            ask a person at or above this probability (0.50)\n"
    "  --nonmatch P          certainly two people below this probability (0.01)\n"
    "  --join P              linked groups join at this average probability (0.10)\n"
    "  --labels FILE         labelled pairs to refine the model: id_a,id_b,match (1 or 0)\n"
    "  --truth COLUMN        the column holding the true person: report precision and recall\n"
    "  --exact               the exact-match baseline (same names and date of birth) instead\n"
    "  --as-of YEAR          year an age is as of when a record has no date (this year)\n"
    "  --threads N           worker threads (2)\n"
    "  --candidates FILE     also write every candidate pair (id_a,id_b), for benchmarks\n"
    "  --queries FILE        then match each record of FILE against them one at a time, as\n"
    "                        a hotline search would, and report how long each took\n"
    "  --generate N          write N synthetic records with their truth (column person)\n"
    "  --profile easy|hard   how damaged the synthetic records are (hard)\n"
    "  --seed S              the generator's seed (1)\n"
    "  --output FILE         where --generate writes (default: standard output)\n";

/* ---- CSV out ------------------------------------------------------------ */

/* One field, quoted when it holds a comma, quote, CR or LF (a quote inside
 * doubled), with the formula guard of src/report/export.c: text starting
 * with = + - @ tab or CR gets a leading apostrophe. */
static void
put_field(FILE *f, const char *s, int guard)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (guard && strchr("=+-@\t\r", s[0]) && s[0])
        fputc('\'', f);
    if (!quote) {
        fputs(s, f);
        return;
    }
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void
put_row(FILE *f, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        put_field(f, v[i] ? v[i] : "", 1);
    }
    fputs("\r\n", f);
}

/* ---- CSV in ------------------------------------------------------------- */

typedef struct truth_map {
    char **keys;
    uint32_t *vals;
    size_t nslots, used;
} truth_map;

typedef struct reader {
    lk_data *d;
    const char *path;
    char *names[C__N]; /* the column each key reads */
    int explicit_[C__N];
    int idx[C__N]; /* column index of each key, -1 absent */
    char **field;  /* the current row's fields */
    size_t nfield, capfield;
    size_t *flen;
    size_t row;
    int header_done;
    int failed;
    char why[256];
    uint32_t *truth;
    size_t ntruth, captruth;
    truth_map tm;
    uint32_t next_truth;
    uint32_t next_truth_indexed; /* truth values below this have indexed records */
    /* --queries: each row is matched against the records instead of added */
    struct query_run *q;
} reader;

typedef struct query_run {
    const lk_model *model;
    const uint32_t *truth; /* of the indexed records, or NULL */
    double min_p;
    double *ms;
    size_t n, cap;
    size_t found;      /* a hit at or above min_p */
    size_t right;      /* the best hit is the query's true person */
    size_t with_truth; /* queries whose person has an indexed record */
} query_run;

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int
truth_of(reader *rd, const char *s, uint32_t *out)
{
    truth_map *m = &rd->tm;
    if (m->used * 2 >= m->nslots) {
        size_t ns = m->nslots ? m->nslots * 2 : 4096;
        char **k = calloc(ns, sizeof *k);
        uint32_t *v = calloc(ns, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        for (size_t i = 0; i < m->nslots; i++) {
            if (!m->keys[i])
                continue;
            size_t s2 = hash_str(m->keys[i]) & (ns - 1);
            while (k[s2])
                s2 = (s2 + 1) & (ns - 1);
            k[s2] = m->keys[i];
            v[s2] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->nslots = ns;
    }
    size_t slot = hash_str(s) & (m->nslots - 1);
    while (m->keys[slot]) {
        if (strcmp(m->keys[slot], s) == 0) {
            *out = m->vals[slot];
            return 0;
        }
        slot = (slot + 1) & (m->nslots - 1);
    }
    m->keys[slot] = strdup(s);
    if (!m->keys[slot])
        return -1;
    m->vals[slot] = rd->next_truth++;
    m->used++;
    *out = m->vals[slot];
    return 0;
}

static void
truth_free(truth_map *m)
{
    for (size_t i = 0; i < m->nslots; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

static void
fail(reader *rd, const char *why, const char *subject)
{
    if (!rd->failed)
        snprintf(rd->why, sizeof rd->why, "%s%s%s%s", why, subject ? " '" : "",
                 subject ? subject : "", subject ? "'" : "");
    rd->failed = 1;
}

static void
on_field(void *s, size_t len, void *data)
{
    reader *rd = data;
    if (rd->failed)
        return;
    if (rd->nfield == rd->capfield) {
        size_t cap = rd->capfield ? rd->capfield * 2 : 16;
        char **f = realloc(rd->field, cap * sizeof *f);
        size_t *l = f ? realloc(rd->flen, cap * sizeof *l) : NULL;
        if (!f || !l) {
            if (f)
                rd->field = f;
            fail(rd, "out of memory", NULL);
            return;
        }
        for (size_t i = rd->capfield; i < cap; i++) {
            f[i] = NULL;
            l[i] = 0;
        }
        rd->field = f;
        rd->flen = l;
        rd->capfield = cap;
    }
    char *copy = realloc(rd->field[rd->nfield], len + 1);
    if (!copy) {
        fail(rd, "out of memory", NULL);
        return;
    }
    memcpy(copy, s ? s : "", len);
    copy[len] = '\0';
    rd->field[rd->nfield] = copy;
    rd->flen[rd->nfield] = len;
    rd->nfield++;
}

static const char *
value(reader *rd, enum col c)
{
    int i = rd->idx[c];
    return i >= 0 && (size_t)i < rd->nfield ? rd->field[i] : NULL;
}

/* Matches one query row against the indexed records, timing it. */
static void
query_one(reader *rd, const lk_input *in)
{
    query_run *q = rd->q;
    lk_hit hits[10];
    size_t n = 0;
    hv_err e;
    hv_err_clear(&e);
    uint64_t t0 = clock_mono_ns();
    if (lk_match(rd->d, q->model, in, q->min_p, hits, 10, &n, &e) != HV_OK) {
        fail(rd, e.detail, NULL);
        return;
    }
    double ms = (double)(clock_mono_ns() - t0) / 1e6;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        double *m = realloc(q->ms, cap * sizeof *m);
        if (!m) {
            fail(rd, "out of memory", NULL);
            return;
        }
        q->ms = m;
        q->cap = cap;
    }
    q->ms[q->n++] = ms;
    q->found += n > 0;
    const char *t = rd->idx[C_TRUTH] >= 0 ? value(rd, C_TRUTH) : NULL;
    uint32_t want;
    if (t && q->truth && truth_of(rd, t, &want) == 0 && want < rd->next_truth_indexed) {
        q->with_truth++;
        q->right += n > 0 && q->truth[hits[0].record] == want;
    }
}

static void
on_row(int c, void *data)
{
    (void)c;
    reader *rd = data;
    if (rd->failed)
        return;
    rd->row++;
    if (!rd->header_done) {
        for (size_t k = 0; k < C__N; k++) {
            rd->idx[k] = -1;
            for (size_t i = 0; rd->names[k] && i < rd->nfield; i++)
                if (strcmp(rd->field[i], rd->names[k]) == 0)
                    rd->idx[k] = (int)i;
            if (rd->idx[k] < 0 && rd->explicit_[k])
                fail(rd, "the header has no column", rd->names[k]);
        }
        rd->header_done = 1;
        rd->nfield = 0;
        return;
    }
    if (rd->nfield == 1 && rd->flen[0] == 0) { /* a blank line */
        rd->nfield = 0;
        return;
    }
    char rowid[32];
    const char *id = value(rd, C_ID);
    if (!id) {
        snprintf(rowid, sizeof rowid, "%zu", rd->row - 1);
        id = rowid;
    }
    lk_input in = {
        .id = id,
        .first = value(rd, C_FIRST),
        .last = value(rd, C_LAST),
        .aliases = value(rd, C_ALIASES),
        .dob = value(rd, C_DOB),
        .age = value(rd, C_AGE),
        .date = value(rd, C_DATE),
        .gender = value(rd, C_GENDER),
        .zip = value(rd, C_ZIP),
        .phone = value(rd, C_PHONE),
    };
    hv_err e;
    hv_err_clear(&e);
    if (rd->q) {
        query_one(rd, &in);
        rd->nfield = 0;
        return;
    }
    if (lk_data_add(rd->d, &in, &e) != HV_OK) {
        fail(rd, e.detail, NULL);
        return;
    }
    if (rd->idx[C_TRUTH] >= 0) {
        const char *t = value(rd, C_TRUTH);
        uint32_t v;
        if (rd->ntruth == rd->captruth) {
            size_t cap = rd->captruth ? rd->captruth * 2 : 65536;
            uint32_t *n = realloc(rd->truth, cap * sizeof *n);
            if (!n) {
                fail(rd, "out of memory", NULL);
                return;
            }
            rd->truth = n;
            rd->captruth = cap;
        }
        if (truth_of(rd, t ? t : "", &v) != 0) {
            fail(rd, "out of memory", NULL);
            return;
        }
        rd->truth[rd->ntruth++] = v;
    }
    rd->nfield = 0;
}

static void
reader_free_rows(reader *rd)
{
    for (size_t i = 0; i < rd->capfield; i++)
        free(rd->field ? rd->field[i] : NULL);
    free(rd->field);
    free(rd->flen);
    rd->field = NULL;
    rd->flen = NULL;
    rd->capfield = rd->nfield = 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int
read_csv(reader *rd)
{
    FILE *f = fopen(rd->path, "rb");
    if (!f) {
        fprintf(stderr, "haven: cannot open '%s': %s\n", rd->path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return -1;
    }
    static char chunk[1 << 20];
    size_t n;
    int bad = 0;
    while (!rd->failed && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (csv_parse(&p, chunk, n, on_field, on_row, rd) != n) {
            bad = 1;
            break;
        }
    if (!bad && !rd->failed && csv_fini(&p, on_field, on_row, rd) != 0)
        bad = 1;
    if (ferror(f))
        fail(rd, "read error", NULL);
    if (bad)
        fail(rd, csv_strerror(csv_error(&p)), NULL);
    csv_free(&p);
    fclose(f);
    if (rd->failed) {
        fprintf(stderr, "haven: cannot read '%s' (row %zu): %s\n", rd->path, rd->row, rd->why);
        return -1;
    }
    if (!rd->header_done) {
        fprintf(stderr, "haven: '%s' has no header row\n", rd->path);
        return -1;
    }
    return 0;
}

static int
parse_map(reader *rd, char *map)
{
    for (char *tok = strtok(map, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        size_t k;
        if (!eq) {
            fprintf(stderr, "haven: --map wants KEY=COLUMN, not '%s'\n", tok);
            return -1;
        }
        *eq = '\0';
        for (k = 0; k < C__N && strcmp(cols[k].key, tok) != 0; k++)
            ;
        if (k == C__N) {
            fprintf(stderr,
                    "haven: --map: unknown key '%s' (id, first, last, aliases, dob, age, "
                    "date, gender, zip, phone, truth)\n",
                    tok);
            return -1;
        }
        rd->names[k] = eq + 1;
        rd->explicit_[k] = 1;
    }
    return 0;
}

/* ---- the generator -------------------------------------------------------- */

static int
emit_synth(const synth_row *r, void *ctx)
{
    FILE *f = ctx;
    char person[16];
    snprintf(person, sizeof person, "P%07u", (unsigned)r->person);
    const char *v[] = {r->id,  person,    r->first, r->last,  r->aliases, r->dob,
                       r->age, r->gender, r->zip,   r->phone, r->date};
    put_row(f, v, sizeof v / sizeof *v);
    return ferror(f) ? -1 : 0;
}

static int
generate(size_t n, const char *profile, uint64_t seed, const char *output)
{
    synth_profile p;
    if (strcmp(profile, "easy") == 0)
        p = SYNTH_EASY;
    else if (strcmp(profile, "hard") == 0)
        p = SYNTH_HARD;
    else {
        fprintf(stderr, "haven: --profile is easy or hard, not '%s'\n", profile);
        return 2;
    }
    FILE *f = output ? fopen(output, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "haven: cannot write '%s': %s\n", output, strerror(errno));
        return 1;
    }
    static const char *const head[] = {"id",  "person", "first_name", "last_name", "aliases", "dob",
                                       "age", "gender", "zip",        "phone",     "date"};
    put_row(f, head, sizeof head / sizeof *head);
    hv_result r = synth_generate(n, p, seed, emit_synth, f);
    int bad = r != HV_OK || fflush(f) != 0 || ferror(f);
    if (output && fclose(f) != 0)
        bad = 1;
    if (bad) {
        fprintf(stderr, "haven: cannot generate records: %s\n",
                r != HV_OK ? hv_strerror(r) : "write error");
        return 1;
    }
    return 0;
}

/* ---- the report ------------------------------------------------------------ */

/* 1234567 -> "1,234,567" */
static const char *
count(char *buf, size_t n, double v)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%.0f", v);
    size_t len = strlen(raw), k = 0;
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        if (i && (len - i) % 3 == 0 && raw[i - 1] != '-')
            buf[k++] = ',';
        buf[k++] = raw[i];
    }
    buf[k] = '\0';
    return buf;
}

/* A factor in words: "180", "2.5", "1,200". */
static const char *
factor(char *buf, size_t n, double v)
{
    if (v >= 100)
        return count(buf, n, v >= 1000 ? (double)(long long)(v / 10 + 0.5) * 10 : v);
    snprintf(buf, n, v >= 10 ? "%.0f" : "%.1f", v);
    return buf;
}

static const char *
percent(char *buf, size_t n, double p)
{
    p *= 100;
    snprintf(buf, n, p >= 10 ? "%.1f%%" : p >= 0.1 ? "%.2f%%" : "%.2g%%", p);
    return buf;
}

static void
report_model(FILE *f, const lk_model *m, const lk_stats *st)
{
    char a[32], b[32], c[32];
    fprintf(f, "What the model learned\n");
    fprintf(f,
            "  Estimated without labels%s: u from %s random pairs of records, m by\n"
            "  expectation-maximisation over %s candidate pairs (one session per blocking rule,\n"
            "  at most %d iterations).\n",
            m->labelled ? " and refined with labelled pairs" : "",
            count(a, sizeof a, (double)m->u_pairs), count(b, sizeof b, (double)m->em_pairs),
            m->em_iterations);
    double odds = (1 - m->lambda) / m->lambda;
    fprintf(f, "  Two records picked at random are the same person about 1 time in %s.\n",
            count(a, sizeof a, odds));
    for (size_t fi = 0; fi < LK_FIELDS; fi++) {
        const lk_field *fd = &lk_fields[fi];
        for (int l = 1; l < fd->nlevels; l++) {
            double bf = m->m[fi][l] / m->u[fi][l];
            const char *dir = bf >= 1 ? "more" : "less";
            double x = bf >= 1 ? bf : 1 / bf;
            fprintf(f,
                    "  a %s that %s is %s times %s likely among matches than non-matches (%s of "
                    "matches, %s of non-matches)\n",
                    fd->label, fd->level_words[l], factor(c, sizeof c, x), dir,
                    percent(a, sizeof a, m->m[fi][l]), percent(b, sizeof b, m->u[fi][l]));
        }
    }
    fprintf(f,
            "  A missing value on either side counts for nothing either way. An exact first or\n"
            "  last name counts for more when the name is rare and for less when it is common.\n");
    (void)st;
}

static double
peak_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_maxrss / 1024.0;
}

/* ---- outputs ------------------------------------------------------------------ */

static FILE *
open_out(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "haven: cannot write '%s': %s\n", path, strerror(errno));
    return f;
}

static int
close_out(FILE *f, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "haven: cannot write '%s'\n", path);
        return -1;
    }
    return 0;
}

static int
write_pairs(const char *path, const lk_data *d, const lk_result *res)
{
    FILE *f = open_out(path);
    if (!f)
        return -1;
    fputs("id_a,id_b,match_weight,match_probability,decision,first_name,last_name,dob,gender,"
          "zip,phone\r\n",
          f);
    for (size_t i = 0; i < res->npairs; i++) {
        const lk_pair *p = &res->pairs[i];
        uint8_t lv[LK_FIELDS];
        lk_pattern_levels(p->pattern, lv);
        char w[32], pr[32];
        snprintf(w, sizeof w, "%.2f", p->weight);
        snprintf(pr, sizeof pr, "%.6f", lk_probability(p->weight));
        const char *v[5 + LK_FIELDS] = {lk_data_id(d, p->a), lk_data_id(d, p->b), w, pr,
                                        p->decision == LK_LINK ? "link" : "review"};
        for (size_t k = 0; k < LK_FIELDS; k++)
            v[5 + k] = lk_fields[k].level_key[lv[k]];
        put_row(f, v, 5 + LK_FIELDS);
    }
    return close_out(f, path);
}

static int
write_persons(const char *path, const lk_data *d, const uint32_t *person, size_t npersons)
{
    uint32_t *size = calloc(npersons + 1, sizeof *size);
    if (!size)
        return -1;
    size_t n = lk_data_count(d);
    for (size_t i = 0; i < n; i++)
        size[person[i]]++;
    FILE *f = open_out(path);
    if (!f) {
        free(size);
        return -1;
    }
    fputs("id,person,records\r\n", f);
    for (size_t i = 0; i < n; i++) {
        char p[16], s[16];
        snprintf(p, sizeof p, "%u", (unsigned)person[i] + 1);
        snprintf(s, sizeof s, "%u", (unsigned)size[person[i]]);
        const char *v[] = {lk_data_id(d, i), p, s};
        put_row(f, v, 3);
    }
    free(size);
    return close_out(f, path);
}

typedef struct cand_out {
    FILE *f;
    const lk_data *d;
} cand_out;

static int
emit_candidate(uint32_t a, uint32_t b, void *ctx)
{
    cand_out *co = ctx;
    const char *v[] = {lk_data_id(co->d, a), lk_data_id(co->d, b)};
    put_row(co->f, v, 2);
    return ferror(co->f) ? -1 : 0;
}

/* Labelled pairs: id_a,id_b,match by record id. */
typedef struct labels {
    uint32_t (*pairs)[2];
    uint8_t *match;
    size_t n, cap;
    char *cur[3];
    size_t nf;
    size_t row;
    int bad;
    const lk_data *d;
    truth_map ids; /* id -> record index + 1 */
} labels;

static void
label_field(void *s, size_t len, void *data)
{
    labels *l = data;
    if (l->nf < 3) {
        free(l->cur[l->nf]);
        l->cur[l->nf] = strndup(s ? s : "", len);
    }
    l->nf++;
}

static uint32_t
id_index(truth_map *m, const char *id)
{
    if (!m->nslots)
        return UINT32_MAX;
    size_t s = hash_str(id) & (m->nslots - 1);
    while (m->keys[s]) {
        if (strcmp(m->keys[s], id) == 0)
            return m->vals[s];
        s = (s + 1) & (m->nslots - 1);
    }
    return UINT32_MAX;
}

static void
label_row(int c, void *data)
{
    (void)c;
    labels *l = data;
    size_t nf = l->nf;
    l->nf = 0;
    if (l->row++ == 0 || nf < 3 || l->bad)
        return; /* header */
    uint32_t a = id_index(&l->ids, l->cur[0]), b = id_index(&l->ids, l->cur[1]);
    if (a == UINT32_MAX || b == UINT32_MAX || a == b)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        uint32_t(*p)[2] = realloc(l->pairs, cap * sizeof *p);
        uint8_t *m = p ? realloc(l->match, cap) : NULL;
        if (!p || !m) {
            if (p)
                l->pairs = p;
            l->bad = 1;
            return;
        }
        l->pairs = p;
        l->match = m;
        l->cap = cap;
    }
    l->pairs[l->n][0] = a < b ? a : b;
    l->pairs[l->n][1] = a < b ? b : a;
    l->match[l->n++] = l->cur[2][0] == '1' || l->cur[2][0] == 'y' || l->cur[2][0] == 'Y' ||
                       l->cur[2][0] == 't' || l->cur[2][0] == 'T';
}

static int
read_labels(const char *path, const lk_data *d, labels *l)
{
    memset(l, 0, sizeof *l);
    l->d = d;
    size_t n = lk_data_count(d);
    l->ids.nslots = 1024;
    while (l->ids.nslots < n * 2)
        l->ids.nslots *= 2;
    l->ids.keys = calloc(l->ids.nslots, sizeof *l->ids.keys);
    l->ids.vals = calloc(l->ids.nslots, sizeof *l->ids.vals);
    if (!l->ids.keys || !l->ids.vals)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *id = lk_data_id(d, i);
        size_t s = hash_str(id) & (l->ids.nslots - 1);
        while (l->ids.keys[s])
            s = (s + 1) & (l->ids.nslots - 1);
        l->ids.keys[s] = (char *)id; /* borrowed: not freed below */
        l->ids.vals[s] = (uint32_t)i;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "haven: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[65536];
    size_t got;
    int bad = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, label_field, label_row, l) != got) {
            bad = 1;
            break;
        }
    if (!bad)
        csv_fini(&p, label_field, label_row, l);
    csv_free(&p);
    fclose(f);
    for (size_t i = 0; i < 3; i++)
        free(l->cur[i]);
    free(l->ids.keys);
    free(l->ids.vals);
    if (bad || l->bad) {
        fprintf(stderr, "haven: cannot read the labels in '%s'\n", path);
        return -1;
    }
    return 0;
}

static char *
beside(const char *path, const char *suffix)
{
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".csv") == 0)
        n -= 4;
    char *s = malloc(n + strlen(suffix) + 1);
    if (s) {
        memcpy(s, path, n);
        strcpy(s + n, suffix);
    }
    return s;
}

static int
parse_p(const char *s, const char *opt, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || v <= 0 || v >= 1) {
        fprintf(stderr, "haven: %s takes a probability between 0 and 1, not '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int
parse_size(const char *s, const char *opt, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || v < lo || v > hi) {
        fprintf(stderr, "haven: %s takes a number from %zu to %zu, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int
cmd_link(int argc, char **argv)
{
    enum {
        O_MAP = 256,
        O_PAIRS,
        O_PERSONS,
        O_REPORT,
        O_AUTO,
        O_REVIEW,
        O_NONMATCH,
        O_LABELS,
        O_TRUTH,
        O_EXACT,
        O_ASOF,
        O_THREADS,
        O_CANDIDATES,
        O_GENERATE,
        O_PROFILE,
        O_SEED,
        O_OUTPUT,
        O_QUERIES,
        O_JOIN,
        O_HELP
    };
    static const struct option opts[] = {
        {"map", required_argument, NULL, O_MAP},
        {"pairs", required_argument, NULL, O_PAIRS},
        {"persons", required_argument, NULL, O_PERSONS},
        {"report", required_argument, NULL, O_REPORT},
        {"auto", required_argument, NULL, O_AUTO},
        {"review", required_argument, NULL, O_REVIEW},
        {"nonmatch", required_argument, NULL, O_NONMATCH},
        {"labels", required_argument, NULL, O_LABELS},
        {"truth", required_argument, NULL, O_TRUTH},
        {"exact", no_argument, NULL, O_EXACT},
        {"as-of", required_argument, NULL, O_ASOF},
        {"threads", required_argument, NULL, O_THREADS},
        {"candidates", required_argument, NULL, O_CANDIDATES},
        {"generate", required_argument, NULL, O_GENERATE},
        {"profile", required_argument, NULL, O_PROFILE},
        {"seed", required_argument, NULL, O_SEED},
        {"output", required_argument, NULL, O_OUTPUT},
        {"queries", required_argument, NULL, O_QUERIES},
        {"join", required_argument, NULL, O_JOIN},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    lk_options o;
    lk_options_default(&o);
    reader rd;
    memset(&rd, 0, sizeof rd);
    for (size_t k = 0; k < C__N; k++)
        rd.names[k] = (char *)cols[k].column;
    char *map = NULL;
    const char *pairs_path = NULL, *persons_path = NULL, *report_path = NULL, *labels_path = NULL,
               *cand_path = NULL, *profile = "hard", *output = NULL, *queries_path = NULL;
    int exact = 0, generate_n = 0;
    size_t gen_n = 0, threads = 2, seed = 1, as_of = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case O_MAP:
            map = optarg;
            break;
        case O_PAIRS:
            pairs_path = optarg;
            break;
        case O_PERSONS:
            persons_path = optarg;
            break;
        case O_REPORT:
            report_path = optarg;
            break;
        case O_AUTO:
            bad = parse_p(optarg, "--auto", &o.auto_p);
            break;
        case O_REVIEW:
            bad = parse_p(optarg, "--review", &o.review_p);
            break;
        case O_NONMATCH:
            bad = parse_p(optarg, "--nonmatch", &o.nonmatch_p);
            break;
        case O_LABELS:
            labels_path = optarg;
            break;
        case O_TRUTH:
            rd.names[C_TRUTH] = optarg;
            rd.explicit_[C_TRUTH] = 1;
            break;
        case O_EXACT:
            exact = 1;
            break;
        case O_ASOF:
            bad = parse_size(optarg, "--as-of", 1900, 2100, &as_of);
            break;
        case O_THREADS:
            bad = parse_size(optarg, "--threads", 1, 64, &threads);
            break;
        case O_CANDIDATES:
            cand_path = optarg;
            break;
        case O_GENERATE:
            generate_n = 1;
            bad = parse_size(optarg, "--generate", 1, 100000000, &gen_n);
            break;
        case O_PROFILE:
            profile = optarg;
            break;
        case O_SEED:
            bad = parse_size(optarg, "--seed", 0, SIZE_MAX, &seed);
            break;
        case O_OUTPUT:
            output = optarg;
            break;
        case O_QUERIES:
            queries_path = optarg;
            break;
        case O_JOIN:
            bad = parse_p(optarg, "--join", &o.join_p);
            break;
        case O_HELP:
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (generate_n)
        return generate(gen_n, profile, seed, output);
    if (argc - optind != 1) {
        fputs(usage, stderr);
        return 2;
    }
    if (exact && (queries_path || labels_path)) {
        fprintf(stderr, "haven: --exact takes neither --queries nor --labels\n");
        return 2;
    }
    if (!(o.nonmatch_p < o.review_p && o.review_p <= o.auto_p)) {
        fprintf(stderr, "haven: thresholds must be --nonmatch < --review <= --auto\n");
        return 2;
    }
    o.threads = (int)threads;
    rd.path = argv[optind];
    if (map && parse_map(&rd, map) != 0)
        return 2;
    if (!as_of) {
        time_t now = (time_t)(clock_now_ms() / 1000);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        as_of = (size_t)tmv.tm_year + 1900;
    }

    int rc = 1;
    char *own_pairs = NULL, *own_persons = NULL;
    FILE *rep = NULL;
    lk_result res;
    memset(&res, 0, sizeof res);
    uint32_t *person = NULL;
    size_t npersons = 0;
    hv_err e;
    hv_err_clear(&e);
    int64_t t0 = clock_mono_ms();
    rd.d = lk_data_new((int)as_of);
    if (!rd.d || read_csv(&rd) != 0)
        goto out;
    double ms_read = (double)(clock_mono_ms() - t0);
    size_t n = lk_data_count(rd.d);
    if (n < 2) {
        fprintf(stderr, "haven: '%s' holds %zu record(s): nothing to link\n", rd.path, n);
        goto out;
    }
    if (!pairs_path)
        pairs_path = own_pairs = beside(rd.path, "-pairs.csv");
    if (!persons_path)
        persons_path = own_persons = beside(rd.path, "-persons.csv");
    if (!pairs_path || !persons_path)
        goto out;

    if (exact) {
        person = malloc(n * sizeof *person);
        if (!person || lk_exact_baseline(rd.d, person, &npersons) != HV_OK)
            goto out;
    } else {
        labels l;
        memset(&l, 0, sizeof l);
        if (labels_path) {
            if (read_labels(labels_path, rd.d, &l) != 0)
                goto out;
            o.labels = (const uint32_t(*)[2])l.pairs;
            o.label_match = l.match;
            o.nlabels = l.n;
        }
        hv_result r = lk_dedupe(rd.d, &o, &res, &e);
        free(l.pairs);
        free(l.match);
        if (r != HV_OK) {
            fprintf(stderr, "haven: %s\n", e.detail);
            goto out;
        }
        person = res.person;
        npersons = res.npersons;
        if (write_pairs(pairs_path, rd.d, &res) != 0)
            goto out;
    }
    if (write_persons(persons_path, rd.d, person, npersons) != 0)
        goto out;
    query_run qrun;
    memset(&qrun, 0, sizeof qrun);
    if (queries_path) {
        qrun.model = &res.model;
        qrun.truth = rd.idx[C_TRUTH] >= 0 ? rd.truth : NULL;
        qrun.min_p = o.review_p;
        reader qr;
        memset(&qr, 0, sizeof qr);
        memcpy(qr.names, rd.names, sizeof qr.names);
        memcpy(qr.explicit_, rd.explicit_, sizeof qr.explicit_);
        qr.path = queries_path;
        qr.d = rd.d;
        qr.q = &qrun;
        qr.tm = rd.tm; /* the truth values, shared (and given back below) */
        qr.next_truth = qr.next_truth_indexed = rd.next_truth;
        int bad = read_csv(&qr);
        rd.tm = qr.tm;
        rd.next_truth = qr.next_truth;
        reader_free_rows(&qr);
        if (bad != 0) {
            free(qrun.ms);
            goto out;
        }
    }
    if (cand_path) {
        cand_out co = {open_out(cand_path), rd.d};
        if (!co.f)
            goto out;
        fputs("id_a,id_b\r\n", co.f);
        lk_candidates(rd.d, emit_candidate, &co);
        if (close_out(co.f, cand_path) != 0)
            goto out;
    }

    rep = report_path ? open_out(report_path) : stdout;
    if (!rep)
        goto out;
    char a[32], b[32], c[32];
    double secs = (double)(clock_mono_ms() - t0) / 1000.0;
    fprintf(rep,
            "haven link: %s records from %s in %.1f s (%s, %d thread%s, peak memory %.0f MB)\n\n",
            count(a, sizeof a, (double)n), rd.path, secs,
            exact ? "exact-match baseline" : "Fellegi-Sunter", o.threads, o.threads == 1 ? "" : "s",
            peak_mb());
    fprintf(rep, "Persons\n  %s records are %s persons.\n", count(a, sizeof a, (double)n),
            count(b, sizeof b, (double)npersons));
    if (exact) {
        fprintf(rep,
                "  Records were joined only when first name, last name and date of birth agree\n"
                "  exactly (after case, accents and punctuation are set aside).\n");
    } else {
        const lk_stats *st = &res.stats;
        fprintf(rep,
                "  %s pairs were linked automatically (match probability at least %.2f) and %s\n"
                "  pairs need a person to decide (%.2f to %.2f); both are in %s.\n",
                count(a, sizeof a, (double)st->links), o.auto_p,
                count(b, sizeof b, (double)st->reviews), o.review_p, o.auto_p, pairs_path);
        fprintf(rep,
                "  %s pairs were probably not the same person and %s certainly not (below %.2f).\n",
                count(a, sizeof a, (double)st->possible),
                count(b, sizeof b, (double)st->nonmatches), o.nonmatch_p);
        if (st->split_clusters)
            fprintf(
                rep,
                "  %s groups of linked records were kept apart where one link would have joined\n"
                "  records that certainly differ or disagree on average.\n",
                count(a, sizeof a, (double)st->split_clusters));
        if (st->unchecked_clusters)
            fprintf(rep, "  %s groups of more than 256 records were not checked for chaining.\n",
                    count(a, sizeof a, (double)st->unchecked_clusters));
        fputc('\n', rep);
        report_model(rep, &res.model, st);
        fprintf(rep, "\nBlocking (which pairs were compared)\n");
        fprintf(rep,
                "  %s candidate pairs from %zu rules; a pair any rule finds is compared once:\n",
                count(a, sizeof a, (double)st->scored), lk_rule_count());
        for (size_t r = 0; r < lk_rule_count(); r++)
            fprintf(rep, "    %-50s %s new pairs\n", lk_rule_words(r),
                    count(a, sizeof a, (double)st->rule_pairs[r]));
        if (st->blocks_skipped)
            fprintf(rep, "  %s blocks of more than %zu records were skipped by their rule.\n",
                    count(a, sizeof a, (double)st->blocks_skipped), o.max_block);
        fprintf(
            rep,
            "\nTime\n  read %.2f s, index %.2f s, u %.2f s, EM %.2f s, scoring %.2f s (%s "
            "pairs/s), "
            "persons %.2f s\n",
            ms_read / 1000, st->ms_index / 1000, st->ms_u / 1000, st->ms_em / 1000,
            st->ms_score / 1000,
            count(c, sizeof c, st->ms_score > 0 ? (double)st->scored / (st->ms_score / 1000) : 0),
            st->ms_cluster / 1000);
    }
    if (queries_path && qrun.n) {
        qsort(qrun.ms, qrun.n, sizeof *qrun.ms, cmp_double);
        fprintf(
            rep,
            "\nOne record against all\n  %s records of %s matched one at a time against the %s: "
            "median %.2f ms, 95th percentile %.2f ms, slowest %.2f ms.\n  %s had a match at or "
            "above %.2f.\n",
            count(a, sizeof a, (double)qrun.n), queries_path, count(b, sizeof b, (double)n),
            qrun.ms[qrun.n / 2], qrun.ms[(size_t)((double)qrun.n * 0.95)], qrun.ms[qrun.n - 1],
            count(c, sizeof c, (double)qrun.found), o.review_p);
        if (qrun.with_truth)
            fprintf(rep,
                    "  The best match was the same true person for %s of the %s whose person "
                    "has other records (%.1f%%).\n",
                    count(a, sizeof a, (double)qrun.right),
                    count(b, sizeof b, (double)qrun.with_truth),
                    100.0 * (double)qrun.right / (double)qrun.with_truth);
    }
    free(qrun.ms);
    if (lk_data_unreadable(rd.d))
        fprintf(rep,
                "\n%s values (dates, ages or ZIP codes) could not be read and count as missing.\n",
                count(a, sizeof a, (double)lk_data_unreadable(rd.d)));
    if (rd.idx[C_TRUTH] >= 0) {
        lk_eval ev;
        if (lk_evaluate(person, rd.truth, n, &ev) == HV_OK)
            fprintf(rep,
                    "\nAgainst the truth (column %s)\n  precision %.4f, recall %.4f, F1 %.4f "
                    "(pairs of records: %s true, %s found, %s correct)\n",
                    rd.names[C_TRUTH], ev.precision, ev.recall, ev.f1,
                    count(a, sizeof a, (double)ev.true_pairs),
                    count(b, sizeof b, (double)ev.found_pairs),
                    count(c, sizeof c, (double)ev.correct_pairs));
    }
    rc = 0;
    if (report_path && close_out(rep, report_path) != 0)
        rc = 1;
out:
    if (exact)
        free(person);
    lk_result_free(&res);
    lk_data_free(rd.d);
    reader_free_rows(&rd);
    free(rd.truth);
    truth_free(&rd.tm);
    free(own_pairs);
    free(own_persons);
    return rc;
}
