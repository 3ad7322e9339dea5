/* outcomes.c - the outcomes dashboard's figures (see outcomes.h, docs/metrics.md). */
#include "report/outcomes.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/zone.h"
#include "protocol/model.h"
#include "report/suppress.h"

/* ---- the in-memory copy ----------------------------------------------------------- */

enum { CL_NONE, CL_ON_TIME, CL_LATE, CL_MISSED, CL_OPEN, CL_STOPPED };
static const char *const clock_states[] = {"",     "on_time", "late", "missed",
                                           "open", "stopped", NULL};

typedef struct fact {
    int32_t day; /* INT32_MIN: no referral with this id */
    int32_t person, ident, station, lead;
    int8_t age;                            /* -1 unknown */
    uint8_t nth, decision, jh, s72, where; /* choice index + 1; 0: none */
    uint8_t clock[4];
    uint16_t month;     /* months since 1970-01 (in the struct's padding) */
    int32_t minutes[4]; /* -1: not met */
} fact;

typedef struct arrest {
    int32_t day, station, person; /* person 0: not known */
    int16_t charge;               /* index into charges */
    int8_t age;                   /* -1 unknown */
} arrest;

typedef struct named {
    int64_t id, agency;
    int32_t go_live; /* county day; INT32_MIN none */
    char *name;
} named;

struct outcomes {
    pthread_rwlock_t lock;
    pthread_mutex_t sync_lock;
    fact *facts; /* by referral id */
    int64_t nfacts, cap;
    int64_t seq;
    arrest *arrests;
    int64_t narrests, acap, arrest_id;
    char **charge_code, **charge_desc;
    int ncharges, ccap;
    named *agencies, *stations;
    int nagencies, nstations;
    int32_t max_person;
    int32_t min_day, max_day; /* of every referral and arrest held */
    /* arrests by person (CSR), rebuilt when arrests or people change */
    int32_t *by_person_start, *by_person;
    int by_person_dirty;
    pthread_t warm;
    int warming;
    store *warm_store;
    /* scratch for one document (under the write-free read lock, so each
     * document allocates its own; see doc_scratch) */
};

hv_result
outcomes_new(outcomes **out)
{
    outcomes *o = calloc(1, sizeof *o);
    if (!o)
        return HV_ERR_NOMEM;
    pthread_rwlock_init(&o->lock, NULL);
    pthread_mutex_init(&o->sync_lock, NULL);
    o->by_person_dirty = 1;
    o->min_day = INT32_MAX;
    o->max_day = INT32_MIN;
    *out = o;
    return HV_OK;
}

static void
free_named(named *n, int count)
{
    for (int i = 0; i < count; i++)
        free(n[i].name);
    free(n);
}

void
outcomes_free(outcomes *o)
{
    if (!o)
        return;
    if (o->warming)
        pthread_join(o->warm, NULL);
    free(o->facts);
    free(o->arrests);
    for (int i = 0; i < o->ncharges; i++) {
        free(o->charge_code[i]);
        free(o->charge_desc[i]);
    }
    free(o->charge_code);
    free(o->charge_desc);
    free_named(o->agencies, o->nagencies);
    free_named(o->stations, o->nstations);
    free(o->by_person_start);
    free(o->by_person);
    pthread_rwlock_destroy(&o->lock);
    pthread_mutex_destroy(&o->sync_lock);
    free(o);
}

static int
choice_index(const char *const *choices, const char *v)
{
    for (int i = 0; v && choices[i]; i++)
        if (strcmp(choices[i], v) == 0)
            return i + 1;
    return 0;
}

static int32_t
date_day(const char *s)
{
    int y, m, d;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || !zone_valid_date(y, m, d))
        return INT32_MIN;
    return (int32_t)zone_days_from_civil(y, m, d);
}

static int
month_of(int32_t day)
{
    int y, m, d;
    zone_civil_from_days(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

/* Sync reads into these, then applies them under the write lock. */
typedef struct pending {
    fact *f;
    int64_t *id;
    int64_t n, cap;
    int64_t seq;
    arrest *a;
    int64_t na, acap, arrest_id;
    outcomes *o; /* for charge codes (sync_lock held) */
    hv_result r;
} pending;

static hv_result
read_fact(void *ctx, const store_row *row)
{
    pending *p = ctx;
    if (p->n == p->cap) {
        int64_t cap = p->cap ? p->cap * 2 : 1024;
        fact *f = realloc(p->f, (size_t)cap * sizeof *f);
        int64_t *id = f ? realloc(p->id, (size_t)cap * sizeof *id) : NULL;
        if (f)
            p->f = f;
        if (!f || !id)
            return HV_ERR_NOMEM;
        p->id = id;
        p->cap = cap;
    }
    fact *f = &p->f[p->n];
    p->id[p->n++] = store_row_int(row, 0);
    int64_t seq = store_row_int(row, 1);
    if (seq > p->seq)
        p->seq = seq;
    f->day = (int32_t)store_row_int(row, 2);
    int mo = month_of(f->day) - 1970 * 12;
    f->month = (uint16_t)(mo < 0 ? 0 : mo > UINT16_MAX ? UINT16_MAX : mo);
    f->ident = (int32_t)store_row_int(row, 3);
    f->station = store_row_isnull(row, 4) ? 0 : (int32_t)store_row_int(row, 4);
    f->lead = (int32_t)store_row_int(row, 5);
    f->person = (int32_t)store_row_int(row, 6);
    int64_t nth = store_row_int(row, 7);
    f->nth = (uint8_t)(nth > 255 ? 255 : nth < 1 ? 1 : nth);
    f->age = store_row_isnull(row, 8) ? -1 : (int8_t)store_row_int(row, 8);
    f->decision = (uint8_t)choice_index(mdt_decisions, store_row_text(row, 9));
    f->jh = (uint8_t)choice_index(detention_reasons, store_row_text(row, 10));
    f->s72 = (uint8_t)choice_index(status_72h_values, store_row_text(row, 11));
    f->where = (uint8_t)choice_index(whereabouts_values, store_row_text(row, 12));
    for (int k = 0; k < 4; k++) {
        int st = choice_index(clock_states, store_row_text(row, 13 + 2 * k)) - 1;
        f->clock[k] = (uint8_t)(st < 0 ? CL_NONE : st);
        f->minutes[k] =
            store_row_isnull(row, 14 + 2 * k) ? -1 : (int32_t)store_row_int(row, 14 + 2 * k);
    }
    return HV_OK;
}

static int
charge_index(outcomes *o, const char *code, const char *desc)
{
    if (!code)
        code = "";
    for (int i = 0; i < o->ncharges; i++)
        if (strcmp(o->charge_code[i], code) == 0)
            return i;
    if (o->ncharges == o->ccap) {
        int cap = o->ccap ? o->ccap * 2 : 32;
        char **c = realloc(o->charge_code, (size_t)cap * sizeof *c);
        if (!c)
            return -1;
        o->charge_code = c;
        char **d = realloc(o->charge_desc, (size_t)cap * sizeof *d);
        if (!d)
            return -1;
        o->charge_desc = d;
        o->ccap = cap;
    }
    o->charge_code[o->ncharges] = strdup(code);
    o->charge_desc[o->ncharges] = strdup(desc ? desc : code);
    return o->ncharges++;
}

static hv_result
read_arrest(void *ctx, const store_row *row)
{
    pending *p = ctx;
    if (p->na == p->acap) {
        int64_t cap = p->acap ? p->acap * 2 : 1024;
        arrest *a = realloc(p->a, (size_t)cap * sizeof *a);
        if (!a)
            return HV_ERR_NOMEM;
        p->a = a;
        p->acap = cap;
    }
    int ch = charge_index(p->o, store_row_text(row, 3), store_row_text(row, 4));
    if (ch < 0 || ch > INT16_MAX)
        return HV_ERR_NOMEM;
    p->arrest_id = store_row_int(row, 0);
    p->a[p->na++] = (arrest){
        .station = (int32_t)store_row_int(row, 1),
        .day = date_day(store_row_text(row, 2)),
        .charge = (int16_t)ch,
        .age = store_row_isnull(row, 5) ? -1 : (int8_t)store_row_int(row, 5),
        .person = store_row_isnull(row, 6) ? 0 : (int32_t)store_row_int(row, 6),
    };
    return HV_OK;
}

typedef struct names_ctx {
    named *n;
    int count, cap;
} names_ctx;

static hv_result
read_named(void *ctx, const store_row *row)
{
    names_ctx *x = ctx;
    if (x->count == x->cap) {
        int cap = x->cap ? x->cap * 2 : 32;
        named *n = realloc(x->n, (size_t)cap * sizeof *n);
        if (!n)
            return HV_ERR_NOMEM;
        x->n = n;
        x->cap = cap;
    }
    const char *name = store_row_text(row, 1);
    x->n[x->count++] = (named){
        .id = store_row_int(row, 0),
        .name = strdup(name ? name : "?"),
        .agency = store_row_columns(row) > 2 ? store_row_int(row, 2) : 0,
        .go_live = store_row_columns(row) > 3 ? date_day(store_row_text(row, 3)) : INT32_MIN,
    };
    return HV_OK;
}

/* Arrests grouped by person (counting sort), for the charges of identified
 * youth. Called with the write lock held. */
static hv_result
index_by_person(outcomes *o)
{
    if (!o->by_person_dirty)
        return HV_OK;
    free(o->by_person_start);
    free(o->by_person);
    o->by_person_start = calloc((size_t)o->max_person + 2, sizeof *o->by_person_start);
    o->by_person = malloc((size_t)(o->narrests ? o->narrests : 1) * sizeof *o->by_person);
    if (!o->by_person_start || !o->by_person)
        return HV_ERR_NOMEM;
    for (int64_t i = 0; i < o->narrests; i++)
        if (o->arrests[i].person > 0)
            o->by_person_start[o->arrests[i].person + 1]++;
    for (int32_t p = 0; p <= o->max_person; p++)
        o->by_person_start[p + 1] += o->by_person_start[p];
    int32_t *fill = malloc(((size_t)o->max_person + 1) * sizeof *fill);
    if (!fill)
        return HV_ERR_NOMEM;
    memcpy(fill, o->by_person_start, ((size_t)o->max_person + 1) * sizeof *fill);
    for (int64_t i = 0; i < o->narrests; i++)
        if (o->arrests[i].person > 0)
            o->by_person[fill[o->arrests[i].person]++] = (int32_t)i;
    free(fill);
    o->by_person_dirty = 0;
    return HV_OK;
}

hv_result
outcomes_sync(outcomes *o, store *st)
{
    pthread_mutex_lock(&o->sync_lock);
    store_conn *c = NULL;
    hv_result r = store_read(st, &c);
    if (r != HV_OK) {
        pthread_mutex_unlock(&o->sync_lock);
        return r;
    }
    pending p = {.o = o, .seq = o->seq, .arrest_id = o->arrest_id};
    names_ctx ag = {0}, sta = {0};
    store_val a[] = {SV_INTV(o->seq)};
    r = store_query(c,
                    "SELECT referral_id, seq, day, identifying_agency_id, station_id, "
                    "lead_agency_id, person_id, nth, age, decision, jh_reason, status_72h, "
                    "whereabouts, lead_state, lead_minutes, advocate_state, advocate_minutes, "
                    "exam_state, exam_minutes, s72_state, s72_minutes FROM referral_fact WHERE "
                    "seq > ? ORDER BY seq",
                    a, 1, read_fact, &p);
    store_val b[] = {SV_INTV(o->arrest_id)};
    if (r == HV_OK)
        r = store_query(c,
                        "SELECT id, station_id, arrested_on, charge_code, charge_description, "
                        "age_at_arrest, youth_id FROM arrest WHERE id > ? ORDER BY id",
                        b, 1, read_arrest, &p);
    if (r == HV_OK)
        r = store_query(c, "SELECT id, name FROM agency ORDER BY name", NULL, 0, read_named, &ag);
    if (r == HV_OK)
        r = store_query(c, "SELECT id, name, agency_id, go_live_date FROM station ORDER BY name",
                        NULL, 0, read_named, &sta);
    store_release(c);

    if (r == HV_OK) {
        pthread_rwlock_wrlock(&o->lock);
        for (int64_t i = 0; r == HV_OK && i < p.n; i++) {
            int64_t id = p.id[i];
            if (id < 0 || id > INT32_MAX) {
                r = HV_ERR_INVALID;
                break;
            }
            if (id >= o->cap) {
                int64_t cap = o->cap ? o->cap : 1024;
                while (cap <= id)
                    cap *= 2;
                fact *f = realloc(o->facts, (size_t)cap * sizeof *f);
                if (!f) {
                    r = HV_ERR_NOMEM;
                    break;
                }
                for (int64_t j = o->cap; j < cap; j++)
                    f[j].day = INT32_MIN;
                o->facts = f;
                o->cap = cap;
            }
            o->facts[id] = p.f[i];
            if (p.f[i].day < o->min_day)
                o->min_day = p.f[i].day;
            if (p.f[i].day > o->max_day)
                o->max_day = p.f[i].day;
            if (id >= o->nfacts)
                o->nfacts = id + 1;
            if (p.f[i].person > o->max_person)
                o->max_person = p.f[i].person;
        }
        if (r == HV_OK && p.na) {
            if (o->narrests + p.na > o->acap) {
                int64_t cap = o->acap ? o->acap : 1024;
                while (cap < o->narrests + p.na)
                    cap *= 2;
                arrest *na = realloc(o->arrests, (size_t)cap * sizeof *na);
                if (!na)
                    r = HV_ERR_NOMEM;
                else {
                    o->arrests = na;
                    o->acap = cap;
                }
            }
            if (r == HV_OK) {
                memcpy(o->arrests + o->narrests, p.a, (size_t)p.na * sizeof *p.a);
                o->narrests += p.na;
                for (int64_t i = 0; i < p.na; i++) {
                    if (p.a[i].person > o->max_person)
                        o->max_person = p.a[i].person;
                    if (p.a[i].day != INT32_MIN && p.a[i].day < o->min_day)
                        o->min_day = p.a[i].day;
                    if (p.a[i].day > o->max_day)
                        o->max_day = p.a[i].day;
                }
            }
        }
        if (r == HV_OK) {
            o->seq = p.seq;
            o->arrest_id = p.arrest_id;
            if (p.n || p.na)
                o->by_person_dirty = 1;
            free_named(o->agencies, o->nagencies);
            free_named(o->stations, o->nstations);
            o->agencies = ag.n;
            o->nagencies = ag.count;
            o->stations = sta.n;
            o->nstations = sta.count;
            ag.n = sta.n = NULL;
            ag.count = sta.count = 0;
            r = index_by_person(o);
        }
        pthread_rwlock_unlock(&o->lock);
    }
    free_named(ag.n, ag.count);
    free_named(sta.n, sta.count);
    free(p.f);
    free(p.id);
    free(p.a);
    pthread_mutex_unlock(&o->sync_lock);
    return r;
}

static void *
warm_main(void *arg)
{
    outcomes *o = arg;
    (void)outcomes_sync(o, o->warm_store);
    return NULL;
}

hv_result
outcomes_warm(outcomes *o, store *st)
{
    o->warm_store = st;
    if (pthread_create(&o->warm, NULL, warm_main, o) != 0)
        return HV_ERR_NOMEM;
    o->warming = 1;
    return HV_OK;
}

/* ---- one document ------------------------------------------------------------------- */

/* Arrests "for prostitution and related charges" (docs/metrics.md). */
static const char *const related_charges[] = {"PC 647(b)", "PC 653.22", "PC 653.23", NULL};

static int
related_charge(const char *code)
{
    for (int i = 0; related_charges[i]; i++)
        if (strncmp(code, related_charges[i], strlen(related_charges[i])) == 0)
            return 1;
    return 0;
}

/* Labels for people of the choice values (the pages' labels.js says the same). */
static const struct {
    const char *value, *label;
} labels[] = {
    {"returned_home", "Returned home"},
    {"relative", "Placed with a relative"},
    {"soda_pad_bed", "SODA/PAD bed"},
    {"foster_or_group", "Foster or group home"},
    {"hospital", "Hospital"},
    {"juvenile_hall", "Juvenile hall"},
    {"left_before_decision", "Left before a decision"},
    {"warrant", "Warrant"},
    {"serious_new_offense", "Serious new offense"},
    {"probation_violation", "Probation violation"},
    {"danger_to_self_or_others", "Danger to self or others"},
    {"no_alternative", "No alternative placement"},
    {"home_with_family", "Home with family"},
    {"with_relative", "With a relative"},
    {"foster_or_group_home", "Foster or group home"},
    {"detained", "Detained"},
    {"runaway_awol", "Runaway / AWOL"},
    {"unknown", "Unknown"},
    {"home", "Home"},
    {"placement", "In a placement"},
    {"other", "Other"},
};

static const char *
label_of(const char *v)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].value, v) == 0)
            return labels[i].label;
    return v;
}

static int
in_set(const int64_t *set, int n, int64_t v)
{
    if (n == 0)
        return 1;
    for (int i = 0; i < n; i++)
        if (set[i] == v)
            return 1;
    return 0;
}

static void
day_text(int32_t day, char out[11])
{
    int y, m, d;
    zone_civil_from_days(day, &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* ---- tables --------------------------------------------------------------------------- */

static json_t *
table_new(const char *id, const char *title, const char *chart)
{
    return json_pack("{s:s, s:s, s:s, s:[], s:[], s:[]}", "id", id, "title", title, "chart", chart,
                     "columns", "rows", "notes");
}

static json_t *
table_col(json_t *t, const char *key, const char *label, const char *type)
{
    json_t *c = json_pack("{s:s, s:s, s:s}", "key", key, "label", label, "type", type);
    json_array_append_new(json_object_get(t, "columns"), c);
    return c;
}

static json_t *
table_row(json_t *t, const char *label)
{
    json_t *r = json_pack("{s:s}", "label", label);
    json_array_append_new(json_object_get(t, "rows"), r);
    return r;
}

static void
table_note(json_t *t, const char *note)
{
    json_array_append_new(json_object_get(t, "notes"), json_string(note));
}

static json_t *
table_total(json_t *t, const char *label)
{
    json_t *r = json_pack("{s:s}", "label", label);
    json_object_set_new(t, "total", r);
    return r;
}

static double
share(int64_t n, int64_t of)
{
    return of > 0 ? (double)n / (double)of : 0;
}

/* A label / count / share table over COUNTS[i] for rows NAMES[i]. */
static json_t *
distribution(const char *id, const char *title, const char *chart, const char *what,
             const char *const *names, const int64_t *counts, int n, int skip_zero)
{
    json_t *t = table_new(id, title, chart);
    table_col(t, "label", what, "text");
    table_col(t, "n", "Recoveries", "count");
    json_object_set_new(table_col(t, "share", "Share", "percent"), "of", json_string("n"));
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += counts[i];
    for (int i = 0; i < n; i++) {
        if (skip_zero && counts[i] == 0)
            continue;
        json_t *r = table_row(t, names[i]);
        json_object_set_new(r, "n", json_integer(counts[i]));
        json_object_set_new(r, "share", json_real(share(counts[i], total)));
    }
    json_t *tr = table_total(t, "Total");
    json_object_set_new(tr, "n", json_integer(total));
    json_object_set_new(tr, "share", json_real(total ? 1.0 : 0.0));
    return t;
}

static int
cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Minutes to a clock being met, counted by value: a median over a million
 * clocks is then one walk over the counts, not a sort. Minutes from
 * MINUTES_CAP on (past two months) are rare and kept in a list. */
#define MINUTES_CAP 90000
typedef struct minutes_hist {
    uint32_t *count; /* MINUTES_CAP */
    int32_t *big;    /* values >= MINUTES_CAP */
    int64_t n, nbig, cbig;
} minutes_hist;

static int
hist_add(minutes_hist *h, int32_t m)
{
    h->n++;
    if (m < MINUTES_CAP) {
        h->count[m]++;
        return 1;
    }
    if (h->nbig == h->cbig) {
        int64_t cap = h->cbig ? h->cbig * 2 : 64;
        int32_t *b = realloc(h->big, (size_t)cap * sizeof *b);
        if (!b)
            return 0;
        h->big = b;
        h->cbig = cap;
    }
    h->big[h->nbig++] = m;
    return 1;
}

/* The value of rank I (0-based) of H; the big list must be sorted. */
static int32_t
hist_rank(const minutes_hist *h, int64_t i)
{
    int64_t seen = 0;
    for (int32_t m = 0; m < MINUTES_CAP; m++) {
        seen += h->count[m];
        if (seen > i)
            return m;
    }
    return h->big[i - seen];
}

/* Median of H; -1 when empty. */
static double
median(minutes_hist *h)
{
    if (h->n == 0)
        return -1;
    if (h->nbig > 1)
        qsort(h->big, (size_t)h->nbig, sizeof *h->big, cmp_i32);
    int32_t a = hist_rank(h, (h->n - 1) / 2), b = hist_rank(h, h->n / 2);
    return (a + b) / 2.0;
}

/* Everything counted in one pass, before it becomes tables. */
typedef struct tally {
    int64_t recoveries, unique, age_known, age_sum, repeats;
    int64_t age[20];                 /* 0: under 10, 1..8: 10..17, 9: 18 or older, 10: unknown */
    int64_t *by_agency, *by_station; /* by index into o->agencies / o->stations; [n]: none */
    int64_t decision[16], jh[16], s72[16], where[16];
    int64_t clock[4][6];
    minutes_hist minutes[4];
    int64_t nth[3];
    int64_t *months;
    int nmonths, first_month;
    int32_t *persons; /* the cohort: unique individuals */
    int32_t *last;    /* by person: latest referral id in the period (0: none) */
} tally;

static void
tally_free(tally *t)
{
    free(t->by_agency);
    free(t->by_station);
    for (int k = 0; k < 4; k++) {
        free(t->minutes[k].count);
        free(t->minutes[k].big);
    }
    free(t->months);
    free(t->persons);
    free(t->last);
}

static hv_result
count_referrals(const outcomes *o, const outcomes_filter *f, int32_t from, int32_t to, tally *t)
{
    t->by_agency = calloc((size_t)o->nagencies + 1, sizeof *t->by_agency);
    t->by_station = calloc((size_t)o->nstations + 1, sizeof *t->by_station);
    t->first_month = month_of(from);
    t->nmonths = month_of(to) - t->first_month + 1;
    if (t->nmonths < 1 || t->nmonths > 2400)
        return HV_ERR_INVALID;
    t->months = calloc((size_t)t->nmonths, sizeof *t->months);
    t->last = calloc((size_t)o->max_person + 1, sizeof *t->last);
    t->persons = malloc(((size_t)o->max_person + 1) * sizeof *t->persons);
    for (int k = 0; k < 4; k++)
        t->minutes[k].count = calloc(MINUTES_CAP, sizeof *t->minutes[k].count);
    if (!t->by_agency || !t->by_station || !t->months || !t->last || !t->persons ||
        !t->minutes[0].count || !t->minutes[1].count || !t->minutes[2].count ||
        !t->minutes[3].count)
        return HV_ERR_NOMEM;
    /* small id → index maps for agencies and stations */
    int64_t max_a = 0, max_s = 0;
    for (int i = 0; i < o->nagencies; i++)
        max_a = o->agencies[i].id > max_a ? o->agencies[i].id : max_a;
    for (int i = 0; i < o->nstations; i++)
        max_s = o->stations[i].id > max_s ? o->stations[i].id : max_s;
    int *aidx = malloc(((size_t)max_a + 1) * sizeof *aidx);
    int *sidx = malloc(((size_t)max_s + 1) * sizeof *sidx);
    if (!aidx || !sidx) {
        free(aidx);
        free(sidx);
        return HV_ERR_NOMEM;
    }
    for (int64_t i = 0; i <= max_a; i++)
        aidx[i] = o->nagencies;
    for (int64_t i = 0; i <= max_s; i++)
        sidx[i] = o->nstations;
    for (int i = 0; i < o->nagencies; i++)
        aidx[o->agencies[i].id] = i;
    for (int i = 0; i < o->nstations; i++)
        sidx[o->stations[i].id] = i;

    for (int64_t id = 0; id < o->nfacts; id++) {
        const fact *x = &o->facts[id];
        if (x->day < from || x->day > to || x->day == INT32_MIN)
            continue;
        if (!in_set(f->agency, f->nagency, x->ident) ||
            !in_set(f->station, f->nstation, x->station) || !in_set(f->lead, f->nlead, x->lead))
            continue;
        t->recoveries++;
        if (x->person > 0 && x->person <= o->max_person) {
            int32_t prev = t->last[x->person];
            if (!prev)
                t->persons[t->unique++] = x->person;
            if (!prev || o->facts[prev].day < x->day || (o->facts[prev].day == x->day && prev < id))
                t->last[x->person] = (int32_t)id;
        }
        if (x->age < 0)
            t->age[10]++;
        else {
            t->age[x->age < 10 ? 0 : x->age > 17 ? 9 : x->age - 9]++;
            t->age_known++;
            t->age_sum += x->age;
        }
        t->by_agency[x->ident >= 0 && x->ident <= max_a ? aidx[x->ident] : o->nagencies]++;
        t->by_station[x->station > 0 && x->station <= max_s ? sidx[x->station] : o->nstations]++;
        t->decision[x->decision & 15]++;
        if (x->decision == choice_index(mdt_decisions, "juvenile_hall"))
            t->jh[x->jh & 15]++;
        t->s72[x->s72 & 15]++;
        for (int k = 0; k < 4; k++) {
            t->clock[k][x->clock[k] % 6]++;
            if ((x->clock[k] == CL_ON_TIME || x->clock[k] == CL_LATE) && x->minutes[k] >= 0 &&
                !hist_add(&t->minutes[k], x->minutes[k])) {
                free(aidx);
                free(sidx);
                return HV_ERR_NOMEM;
            }
        }
        t->nth[x->nth >= 3 ? 2 : x->nth - 1]++;
        if (x->nth >= 2)
            t->repeats++;
        int mi = x->month + 1970 * 12 - t->first_month;
        if (mi >= 0 && mi < t->nmonths)
            t->months[mi]++;
    }
    /* where each youth is now: from their latest recovery in the period */
    for (int64_t i = 0; i < t->unique; i++)
        t->where[o->facts[t->last[t->persons[i]]].where & 15]++;
    free(aidx);
    free(sidx);
    return HV_OK;
}

/* Rows for the values of CHOICES counted in COUNTS (index + 1; 0: none),
 * and "Not recorded" for 0. */
static json_t *
choice_table(const char *id, const char *title, const char *chart, const char *what,
             const char *const *choices, const int64_t *counts, const char *none_label)
{
    const char *names[17];
    int64_t n[17];
    int k = 0;
    for (int i = 0; choices[i] && k < 15; i++) {
        names[k] = label_of(choices[i]);
        n[k++] = counts[i + 1];
    }
    if (none_label) {
        names[k] = none_label;
        n[k++] = counts[0];
    }
    return distribution(id, title, chart, what, names, n, k, 1);
}

static json_t *
find_table(json_t *tables, const char *id)
{
    size_t i;
    json_t *t;
    json_array_foreach(tables, i, t) if (strcmp(json_string_value(json_object_get(t, "id")), id) ==
                                         0) return t;
    return NULL;
}

static hv_result
document(outcomes *o, const outcomes_filter *f, int threshold, int32_t today, json_t **out)
{
    int32_t from = f->from_day != INT32_MIN  ? f->from_day
                   : o->min_day != INT32_MAX ? o->min_day
                                             : today;
    int32_t to = f->to_day != INT32_MAX ? f->to_day : today;
    if (to < from)
        to = from;
    tally t = {0};
    hv_result r = count_referrals(o, f, from, to, &t);
    if (r != HV_OK) {
        tally_free(&t);
        return r;
    }
    json_t *tables = json_array();
    char buf[160];

    /* recoveries by month */
    json_t *tm = table_new("recoveries_by_month", "Recoveries by month", "line");
    table_col(tm, "label", "Month", "text");
    table_col(tm, "n", "Recoveries", "count");
    for (int i = 0; i < t.nmonths; i++) {
        int mi = t.first_month + i;
        snprintf(buf, sizeof buf, "%04d-%02d", mi / 12, mi % 12 + 1);
        json_object_set_new(table_row(tm, buf), "n", json_integer(t.months[i]));
    }
    json_object_set_new(table_total(tm, "Total"), "n", json_integer(t.recoveries));
    json_array_append_new(tables, tm);

    /* age */
    const char *age_names[11] = {"Under 10", "10", "11", "12",          "13",       "14",
                                 "15",       "16", "17", "18 or older", "Not known"};
    json_t *ta = distribution("age", "Age at recovery", "bar", "Age", age_names, t.age, 11, 0);
    table_note(ta, "Age on the day of recovery, from the date of birth (else the estimated age).");
    json_array_append_new(tables, ta);

    /* identification by agency and station */
    {
        const char **names = calloc((size_t)o->nstations + o->nagencies + 2, sizeof *names);
        int64_t *n = calloc((size_t)o->nstations + o->nagencies + 2, sizeof *n);
        if (!names || !n) {
            free(names);
            free(n);
            tally_free(&t);
            json_decref(tables);
            return HV_ERR_NOMEM;
        }
        int k = 0;
        for (int i = 0; i < o->nagencies; i++)
            if (t.by_agency[i]) {
                names[k] = o->agencies[i].name;
                n[k++] = t.by_agency[i];
            }
        json_array_append_new(tables, distribution("identification_agency",
                                                   "Law-enforcement identification: agency", "hbar",
                                                   "Agency", names, n, k, 0));
        k = 0;
        for (int i = 0; i < o->nstations; i++)
            if (t.by_station[i]) {
                names[k] = o->stations[i].name;
                n[k++] = t.by_station[i];
            }
        if (t.by_station[o->nstations]) {
            names[k] = "No station given";
            n[k++] = t.by_station[o->nstations];
        }
        json_array_append_new(tables, distribution("identification_station",
                                                   "Law-enforcement identification: station",
                                                   "hbar", "Station", names, n, k, 0));
        free(names);
        free(n);
    }

    json_array_append_new(tables, choice_table("initial_decision", "Initial MDT decision", "pie",
                                               "Decision", mdt_decisions, t.decision,
                                               "No MDT decision recorded"));
    json_t *tj = choice_table("juvenile_hall_reason", "Juvenile hall reason", "hbar", "Reason",
                              detention_reasons, t.jh, "Reason not recorded");
    table_note(tj, "Recoveries whose initial MDT decision was juvenile hall.");
    json_array_append_new(tables, tj);
    json_array_append_new(tables, choice_table("status_72h", "72-hour status", "pie", "Status",
                                               status_72h_values, t.s72, "Not recorded"));
    json_t *tw = choice_table("whereabouts", "Where are the youth now?", "pie", "Whereabouts",
                              whereabouts_values, t.where, "Not recorded");
    json_object_set_new(json_array_get(json_object_get(tw, "columns"), 1), "label",
                        json_string("Youth"));
    table_note(tw, "Each youth once, as last recorded on their latest recovery in the period.");
    json_array_append_new(tables, tw);

    /* response times */
    {
        static const char *const names[4] = {"Lead responder at the staging area (90 minutes)",
                                             "Advocate at the staging area (90 minutes)",
                                             "Medical exam (72 hours)",
                                             "72-hour status (72 hours)"};
        json_t *tr = table_new("response_times", "Response-time compliance", "hbar");
        table_col(tr, "label", "Clock", "text");
        table_col(tr, "on_time", "Met on time", "count");
        table_col(tr, "late", "Met late", "count");
        table_col(tr, "missed", "Missed", "count");
        table_col(tr, "open", "Still running", "count");
        table_col(tr, "clocks", "Clocks", "count");
        json_t *c = table_col(tr, "share_met", "Share met on time", "percent");
        json_object_set_new(c, "support", json_pack("[s,s,s]", "on_time", "late", "missed"));
        json_object_set_new(c, "depends", json_pack("[s]", "on_time"));
        c = table_col(tr, "median_minutes", "Median minutes to met", "minutes");
        json_object_set_new(c, "values", json_pack("[s,s]", "on_time", "late"));
        json_object_set_new(tr, "grid", json_pack("{s:s}", "total", "clocks"));
        json_object_set_new(tr, "chart_key", json_string("share_met"));
        for (int k = 0; k < 4; k++) {
            json_t *row = table_row(tr, names[k]);
            int64_t on = t.clock[k][CL_ON_TIME], late = t.clock[k][CL_LATE],
                    miss = t.clock[k][CL_MISSED], open = t.clock[k][CL_OPEN];
            json_object_set_new(row, "on_time", json_integer(on));
            json_object_set_new(row, "late", json_integer(late));
            json_object_set_new(row, "missed", json_integer(miss));
            json_object_set_new(row, "open", json_integer(open));
            json_object_set_new(row, "clocks", json_integer(on + late + miss + open));
            json_object_set_new(row, "share_met",
                                on + late + miss ? json_real(share(on, on + late + miss))
                                                 : json_null());
            double med = median(&t.minutes[k]);
            json_object_set_new(row, "median_minutes", med >= 0 ? json_real(med) : json_null());
        }
        table_note(tr, "Share met on time: of the clocks that ended (met on time, met late or "
                       "missed); clocks the protocol stopped before they were due are left out.");
        json_array_append_new(tables, tr);
    }

    /* repeat recoveries */
    {
        const char *names[3] = {"First recovery", "Second recovery", "Third or later"};
        json_t *tr = distribution("repeat_recoveries", "Repeat recoveries", "bar", "Recovery",
                                  names, t.nth, 3, 0);
        table_note(tr, "A youth's recoveries counted in order over all of haven's history, "
                       "so a first recovery before the period makes one in it a repeat.");
        json_array_append_new(tables, tr);
    }

    /* arrests: per station and year, before and after go-live, charges */
    int y0, y1, mm, dd;
    zone_civil_from_days(from, &y0, &mm, &dd);
    zone_civil_from_days(to, &y1, &mm, &dd);
    if (y1 - y0 > 60)
        y0 = y1 - 60;
    int ny = y1 - y0 + 1;
    int ns = o->nstations;
    int64_t *grid = calloc((size_t)ns * (size_t)ny + 1, sizeof *grid);
    int64_t *before = calloc((size_t)ns + 1, sizeof *before);
    int64_t *after = calloc((size_t)ns + 1, sizeof *after);
    int32_t *wlen = calloc((size_t)ns + 1, sizeof *wlen);
    int64_t *ch_arrests = calloc((size_t)o->ncharges + 1, sizeof *ch_arrests);
    int64_t *ch_youth = calloc((size_t)o->ncharges + 1, sizeof *ch_youth);
    int32_t *ch_last = calloc((size_t)o->ncharges + 1, sizeof *ch_last);
    char *related = calloc((size_t)o->ncharges + 1, 1);
    int *sel = calloc((size_t)ns + 1, sizeof *sel);
    if (!grid || !before || !after || !wlen || !ch_arrests || !ch_youth || !ch_last || !related ||
        !sel)
        r = HV_ERR_NOMEM;
    for (int i = 0; r == HV_OK && i < o->ncharges; i++)
        related[i] = (char)related_charge(o->charge_code[i]);
    /* the stations in the filter; each one's equal windows around go-live */
    for (int s = 0; r == HV_OK && s < ns; s++) {
        const named *st = &o->stations[s];
        sel[s] =
            in_set(f->station, f->nstation, st->id) && in_set(f->agency, f->nagency, st->agency);
        if (st->go_live != INT32_MIN && st->go_live <= to)
            wlen[s] = to - st->go_live + 1;
    }
    int64_t years_total[61] = {0};
    int64_t max_s = 0;
    for (int s = 0; s < ns; s++)
        max_s = o->stations[s].id > max_s ? o->stations[s].id : max_s;
    int *sidx = calloc((size_t)max_s + 1, sizeof *sidx); /* station id -> index + 1 */
    if (!sidx)
        r = HV_ERR_NOMEM;
    for (int s = 0; r == HV_OK && s < ns; s++)
        sidx[o->stations[s].id] = s + 1;
    for (int64_t i = 0; r == HV_OK && i < o->narrests; i++) {
        const arrest *a = &o->arrests[i];
        if (a->day == INT32_MIN || !related[a->charge] || a->age < 0 || a->age >= 18)
            continue;
        if (a->station <= 0 || a->station > max_s || !sidx[a->station])
            continue;
        int s = sidx[a->station] - 1;
        if (!sel[s])
            continue;
        if (a->day >= from && a->day <= to) {
            int y, m2, d2;
            zone_civil_from_days(a->day, &y, &m2, &d2);
            if (y >= y0 && y <= y1)
                grid[(size_t)s * (size_t)ny + (size_t)(y - y0)]++;
        }
        if (wlen[s] > 0) {
            int32_t g = o->stations[s].go_live;
            if (a->day >= g && a->day <= to)
                after[s]++;
            else if (a->day < g && a->day >= g - wlen[s])
                before[s]++;
        }
    }
    if (r == HV_OK) {
        json_t *tg = table_new("arrests_by_station_year",
                               "Arrests of minors for prostitution and related charges, by "
                               "station and year",
                               "bar");
        table_col(tg, "label", "Station", "text");
        for (int y = y0; y <= y1; y++) {
            snprintf(buf, sizeof buf, "y%d", y);
            char lab[8];
            snprintf(lab, sizeof lab, "%d", y);
            table_col(tg, buf, lab, "count");
        }
        table_col(tg, "total", "Total", "count");
        json_object_set_new(tg, "grid", json_pack("{s:s}", "total", "total"));
        json_object_set_new(tg, "chart_key", json_string("total"));
        int64_t all = 0;
        for (int s = 0; s < ns; s++) {
            if (!sel[s])
                continue;
            json_t *row = table_row(tg, o->stations[s].name);
            int64_t sum = 0;
            for (int y = 0; y < ny; y++) {
                snprintf(buf, sizeof buf, "y%d", y0 + y);
                int64_t v = grid[(size_t)s * (size_t)ny + (size_t)y];
                json_object_set_new(row, buf, json_integer(v));
                sum += v;
                if (y < 61)
                    years_total[y] += v;
            }
            json_object_set_new(row, "total", json_integer(sum));
            all += sum;
        }
        json_t *tot = table_total(tg, "Total");
        for (int y = 0; y < ny && y < 61; y++) {
            snprintf(buf, sizeof buf, "y%d", y0 + y);
            json_object_set_new(tot, buf, json_integer(years_total[y]));
        }
        json_object_set_new(tot, "total", json_integer(all));
        table_note(tg, "Charges PC 647(b), PC 653.22 and PC 653.23; arrests of youth under 18 at "
                       "the arresting station, in the period. The lead-agency filter does not "
                       "apply to arrests.");
        json_array_append_new(tables, tg);

        json_t *tb = table_new("arrests_before_after",
                               "Arrests of minors for prostitution and related charges before and "
                               "since each station's go-live",
                               "hbar");
        table_col(tb, "label", "Station", "text");
        table_col(tb, "go_live", "Go-live", "date");
        table_col(tb, "window_days", "Days in each window", "number");
        table_col(tb, "before", "Arrests before", "count");
        table_col(tb, "after", "Arrests since", "count");
        json_t *c = table_col(tb, "change", "Change", "percent");
        json_object_set_new(c, "depends", json_pack("[s,s]", "before", "after"));
        json_object_set_new(tb, "chart_key", json_pack("[s,s]", "before", "after"));
        int64_t sb = 0, sa = 0;
        for (int s = 0; s < ns; s++) {
            if (!sel[s] || wlen[s] <= 0)
                continue;
            json_t *row = table_row(tb, o->stations[s].name);
            char d[11];
            day_text(o->stations[s].go_live, d);
            json_object_set_new(row, "go_live", json_string(d));
            json_object_set_new(row, "window_days", json_integer(wlen[s]));
            json_object_set_new(row, "before", json_integer(before[s]));
            json_object_set_new(row, "after", json_integer(after[s]));
            json_object_set_new(row, "change",
                                before[s]
                                    ? json_real((double)(after[s] - before[s]) / (double)before[s])
                                    : json_null());
            sb += before[s];
            sa += after[s];
        }
        json_t *tot2 = table_total(tb, "Total");
        json_object_set_new(tot2, "before", json_integer(sb));
        json_object_set_new(tot2, "after", json_integer(sa));
        json_object_set_new(tot2, "change",
                            sb ? json_real((double)(sa - sb) / (double)sb) : json_null());
        table_note(tb, "For each station live by the end of the period: arrests from its go-live "
                       "to the end of the period, against the same number of days just before "
                       "go-live.");
        json_array_append_new(tables, tb);

        /* charges of the identified youth */
        int64_t arrested = 0, any_arrests = 0;
        for (int64_t i = 0; i < t.unique; i++) {
            int32_t p = t.persons[i];
            int counted = 0;
            for (int32_t j = o->by_person_start[p]; j < o->by_person_start[p + 1]; j++) {
                const arrest *a = &o->arrests[o->by_person[j]];
                if (a->day == INT32_MIN || a->day > to || (a->age >= 18))
                    continue;
                ch_arrests[a->charge]++;
                any_arrests++;
                if (ch_last[a->charge] != p) {
                    ch_last[a->charge] = p;
                    ch_youth[a->charge]++;
                }
                counted = 1;
            }
            arrested += counted;
        }
        json_t *tc = table_new(
            "charges", "Charges CSEC-identified minors are arrested for, with prevalence", "hbar");
        table_col(tc, "label", "Charge", "text");
        table_col(tc, "description", "Description", "text");
        table_col(tc, "arrests", "Arrests", "count");
        json_object_set_new(table_col(tc, "youth", "Youth arrested", "count"), "additive",
                            json_false());
        c = table_col(tc, "prevalence", "Prevalence", "percent");
        json_object_set_new(c, "depends", json_pack("[s]", "youth"));
        json_object_set_new(tc, "chart_key", json_string("youth"));
        /* ranked by youth, then arrests */
        int *order = malloc(((size_t)o->ncharges + 1) * sizeof *order);
        int no = 0;
        for (int i = 0; order && i < o->ncharges; i++)
            if (ch_arrests[i])
                order[no++] = i;
        for (int i = 1; i < no; i++)
            for (int j = i; j > 0; j--) {
                int a = order[j - 1], b = order[j];
                if (ch_youth[b] > ch_youth[a] ||
                    (ch_youth[b] == ch_youth[a] && ch_arrests[b] > ch_arrests[a])) {
                    order[j - 1] = b;
                    order[j] = a;
                } else
                    break;
            }
        for (int i = 0; i < no; i++) {
            int ch = order[i];
            json_t *row = table_row(tc, o->charge_code[ch]);
            json_object_set_new(row, "description", json_string(o->charge_desc[ch]));
            json_object_set_new(row, "arrests", json_integer(ch_arrests[ch]));
            json_object_set_new(row, "youth", json_integer(ch_youth[ch]));
            json_object_set_new(row, "prevalence", json_real(share(ch_youth[ch], t.unique)));
        }
        free(order);
        json_t *tot3 = table_total(tc, "Any charge");
        json_object_set_new(tot3, "description", json_string("Youth arrested for anything"));
        json_object_set_new(tot3, "arrests", json_integer(any_arrests));
        json_object_set_new(tot3, "youth", json_integer(arrested));
        json_object_set_new(tot3, "prevalence", json_real(share(arrested, t.unique)));
        snprintf(buf, sizeof buf,
                 "Prevalence: the share of the period's %lld unique individuals arrested at "
                 "least once for the charge, while a minor, up to the end of the period.",
                 (long long)t.unique);
        table_note(tc, buf);
        json_array_append_new(tables, tc);
    }
    free(grid);
    free(before);
    free(after);
    free(wlen);
    free(ch_arrests);
    free(ch_youth);
    free(ch_last);
    free(related);
    free(sel);
    free(sidx);
    if (r != HV_OK) {
        tally_free(&t);
        json_decref(tables);
        return r;
    }

    /* de-identify every table, then take the headline from them */
    size_t i;
    json_t *tbl;
    json_array_foreach(tables, i, tbl) suppress_table(tbl, threshold);

    json_t *headline = json_array();
    json_t *age_total = json_object_get(json_object_get(find_table(tables, "age"), "total"), "n");
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:O}", "key", "recoveries", "label",
                                              "Recoveries", "type", "count", "value", age_total));
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:I}", "key", "unique_individuals",
                                              "label", "Unique individuals", "type", "count",
                                              "value", (json_int_t)t.unique));
    json_array_append_new(
        headline,
        json_pack("{s:s, s:s, s:s, s:o, s:I}", "key", "average_age", "label", "Average age", "type",
                  "number", "value",
                  t.age_known ? json_real((double)t.age_sum / (double)t.age_known) : json_null(),
                  "support", (json_int_t)t.age_known));
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:I}", "key", "repeat_recoveries",
                                              "label", "Repeat recoveries", "type", "count",
                                              "value", (json_int_t)t.repeats));
    json_t *rt = find_table(tables, "response_times");
    for (int k = 0; k < 3; k += 2) {
        json_t *row = json_array_get(json_object_get(rt, "rows"), (size_t)k);
        json_array_append_new(
            headline,
            json_pack("{s:s, s:s, s:s, s:O}", "key", k == 0 ? "lead_met" : "exam_met", "label",
                      k == 0 ? "Responders at the staging area within 90 minutes"
                             : "Medical exams within 72 hours",
                      "type", "percent", "value", json_object_get(row, "share_met")));
    }
    json_t *ba = json_object_get(find_table(tables, "arrests_before_after"), "total");
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:O}", "key", "arrests_before",
                                              "label", "Arrests before the protocol", "type",
                                              "count", "value", json_object_get(ba, "before")));
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:O}", "key", "arrests_since",
                                              "label", "Arrests since the protocol", "type",
                                              "count", "value", json_object_get(ba, "after")));
    json_array_append_new(headline, json_pack("{s:s, s:s, s:s, s:O}", "key", "arrests_change",
                                              "label", "Change in arrests", "type", "percent",
                                              "value", json_object_get(ba, "change")));
    json_array_foreach(headline, i, tbl)
    {
        if (json_is_null(json_object_get(tbl, "value")) &&
            strcmp(json_string_value(json_object_get(tbl, "key")), "average_age") != 0)
            json_object_set_new(tbl, "suppressed", json_true());
        suppress_figure(tbl, threshold);
    }
    /* repeat recoveries = recoveries - first recoveries: hidden with either */
    json_t *first = json_object_get(
        json_array_get(json_object_get(find_table(tables, "repeat_recoveries"), "rows"), 0), "n");
    if (json_is_null(first) || json_is_null(age_total)) {
        json_t *h = json_array_get(headline, 3);
        json_object_set_new(h, "value", json_null());
        json_object_set_new(h, "suppressed", json_true());
    }

    char fd[11], td[11];
    day_text(from, fd);
    day_text(to, td);
    *out = json_pack("{s:{s:s, s:s}, s:i, s:o, s:o}", "period", "from", fd, "to", td, "threshold",
                     threshold, "headline", headline, "tables", tables);
    tally_free(&t);
    return *out ? HV_OK : HV_ERR_NOMEM;
}

hv_result
outcomes_document(outcomes *o, store *st, const outcomes_filter *f, int threshold, int32_t today,
                  json_t **doc, hv_err *e)
{
    hv_result r = outcomes_sync(o, st);
    if (r != HV_OK)
        return hv_fail(e, r, NULL, "the figures could not be brought up to date");
    pthread_rwlock_rdlock(&o->lock);
    r = document(o, f, threshold, today, doc);
    pthread_rwlock_unlock(&o->lock);
    if (r != HV_OK)
        return hv_fail(e, r, NULL, "the figures could not be computed");
    return HV_OK;
}
