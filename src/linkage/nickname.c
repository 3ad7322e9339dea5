/*
 * nickname.c - the nickname groups (see nickname.h): the CSV is read with
 * libcsv into (name, group) rows, sorted, and kept as one array of names
 * with their groups and an open-addressing hash from name to row.
 */
#include "linkage/nickname.h"

#include <csv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/normalize.h"

/* From the build (CMakeLists.txt turns data/nicknames.csv into bytes). */
extern const unsigned char nickname_csv_data[];
extern const size_t nickname_csv_size;

typedef struct nick_name {
    char name[NORM_NAME_MAX + 1];
    uint32_t goff; /* its groups: groups[goff .. goff + ng) */
    uint16_t ng;
} nick_name;

typedef struct member {
    uint16_t group;
    uint16_t pos; /* place on the line */
    char name[NORM_NAME_MAX + 1];
} member;

struct nickname_table {
    nick_name *names;
    size_t nnames;
    uint16_t *groups;
    uint32_t *slots; /* hash: index + 1 into names, 0 empty */
    size_t nslots;
    member *members; /* sorted by group, then place: the lines again */
    size_t nmembers;
    uint32_t *line; /* line g's members: members[line[g] .. line[g + 1]) */
    size_t nlines;
};

typedef struct loader {
    member *rows;
    size_t n, cap;
    uint16_t group, pos;
    int oom;
} loader;

static void
on_field(void *s, size_t len, void *data)
{
    loader *l = data;
    member m = {.group = l->group, .pos = l->pos++};
    if (norm_name(s, len, m.name) == 0 || l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        member *r = realloc(l->rows, cap * sizeof *r);
        if (!r) {
            l->oom = 1;
            return;
        }
        l->rows = r;
        l->cap = cap;
    }
    l->rows[l->n++] = m;
}

static void
on_row(int c, void *data)
{
    (void)c;
    loader *l = data;
    if (l->pos > 0 && l->group < UINT16_MAX)
        l->group++;
    l->pos = 0;
}

static int
by_name(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (int)x->group - (int)y->group;
}

static int
by_line(const void *a, const void *b)
{
    const member *x = a, *y = b;
    return x->group != y->group ? (int)x->group - (int)y->group : (int)x->pos - (int)y->pos;
}

static uint64_t
hash_name(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

hv_result
nickname_load(const char *csv, size_t len, nickname_table **out)
{
    *out = NULL;
    struct csv_parser p;
    loader l = {0};
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return HV_ERR_NOMEM;
    int bad = csv_parse(&p, csv, len, on_field, on_row, &l) != len;
    bad = bad || csv_fini(&p, on_field, on_row, &l) != 0;
    csv_free(&p);
    if (l.oom || bad) {
        free(l.rows);
        return l.oom ? HV_ERR_NOMEM : HV_ERR_INVALID;
    }
    nickname_table *t = calloc(1, sizeof *t);
    if (!t) {
        free(l.rows);
        return HV_ERR_NOMEM;
    }
    t->members = l.rows;
    t->nmembers = l.n;
    t->nlines = l.group;
    qsort(l.rows, l.n, sizeof *l.rows, by_name);
    t->names = calloc(l.n + 1, sizeof *t->names);
    t->groups = calloc(l.n + 1, sizeof *t->groups);
    t->nslots = 64;
    while (t->nslots < l.n * 2)
        t->nslots *= 2;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    t->line = calloc(t->nlines + 1, sizeof *t->line);
    if (!t->names || !t->groups || !t->slots || !t->line) {
        nickname_free(t);
        return HV_ERR_NOMEM;
    }
    size_t ng = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (i > 0 && strcmp(l.rows[i].name, l.rows[i - 1].name) == 0) {
            if (l.rows[i].group != l.rows[i - 1].group) {
                t->groups[ng++] = l.rows[i].group;
                t->names[t->nnames - 1].ng++;
            }
            continue;
        }
        nick_name *nm = &t->names[t->nnames++];
        memcpy(nm->name, l.rows[i].name, sizeof nm->name);
        nm->goff = (uint32_t)ng;
        nm->ng = 1;
        t->groups[ng++] = l.rows[i].group;
        size_t nlen = strlen(nm->name);
        size_t s = hash_name(nm->name, nlen) & (t->nslots - 1);
        while (t->slots[s])
            s = (s + 1) & (t->nslots - 1);
        t->slots[s] = (uint32_t)t->nnames;
    }
    /* the lines, for the generator */
    qsort(t->members, t->nmembers, sizeof *t->members, by_line);
    for (size_t i = 0, g = 0; g <= t->nlines; g++) {
        while (i < t->nmembers && t->members[i].group < g)
            i++;
        t->line[g] = (uint32_t)i;
    }
    *out = t;
    return HV_OK;
}

void
nickname_free(nickname_table *t)
{
    if (!t)
        return;
    free(t->names);
    free(t->groups);
    free(t->slots);
    free(t->members);
    free(t->line);
    free(t);
}

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static nickname_table *builtin;

static void
load_builtin(void)
{
    (void)nickname_load((const char *)nickname_csv_data, nickname_csv_size, &builtin);
}

const nickname_table *
nickname_builtin(void)
{
    pthread_once(&builtin_once, load_builtin);
    return builtin;
}

size_t
nickname_groups(const nickname_table *t, const char *name, size_t n, const uint16_t **groups)
{
    *groups = NULL;
    if (!t || n == 0)
        return 0;
    size_t s = hash_name(name, n) & (t->nslots - 1);
    for (; t->slots[s]; s = (s + 1) & (t->nslots - 1)) {
        const nick_name *nm = &t->names[t->slots[s] - 1];
        if (strncmp(nm->name, name, n) == 0 && nm->name[n] == '\0') {
            *groups = t->groups + nm->goff;
            return nm->ng;
        }
    }
    return 0;
}

int
nickname_share(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j])
            return 1;
        if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return 0;
}

int
nickname_related(const nickname_table *t, const char *a, const char *b)
{
    const uint16_t *ga, *gb;
    size_t na = nickname_groups(t, a, strlen(a), &ga);
    size_t nb = nickname_groups(t, b, strlen(b), &gb);
    return strcmp(a, b) != 0 && nickname_share(ga, na, gb, nb);
}

size_t
nickname_group_count(const nickname_table *t)
{
    return t ? t->nlines : 0;
}

size_t
nickname_group_size(const nickname_table *t, size_t g)
{
    return g < t->nlines ? t->line[g + 1] - t->line[g] : 0;
}

const char *
nickname_group_name(const nickname_table *t, size_t g, size_t k)
{
    if (k >= nickname_group_size(t, g))
        return NULL;
    return t->members[t->line[g] + k].name;
}
