/*
 * data.c - the record set: records normalised as they are added, their ids
 * and aliases in pools, and how often each name occurs (the term
 * frequencies that make a common surname count for less than a rare one).
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/lk_internal.h"
#include "linkage/phonetic.h"

#define LK_MAX_RECORDS ((size_t)1 << 31)
#define LK_MAX_ALIASES 8

uint64_t
lk_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

uint64_t
lk_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return lk_mix(h) | 1; /* never 0: 0 marks an empty slot */
}

lk_data *
lk_data_new(int as_of_year)
{
    lk_data *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->as_of_year = as_of_year;
    d->nick = nickname_builtin();
    return d;
}

void
lk_index_drop(lk_data *d)
{
    free(d->keyrow);
    d->keyrow = NULL;
    for (size_t r = 0; r < LK_RULES; r++) {
        free(d->order[r]);
        free(d->skey[r]);
        d->order[r] = NULL;
        d->skey[r] = NULL;
        d->norder[r] = 0;
    }
    free(d->first_freq.keys);
    free(d->first_freq.counts);
    free(d->last_freq.keys);
    free(d->last_freq.counts);
    memset(&d->first_freq, 0, sizeof d->first_freq);
    memset(&d->last_freq, 0, sizeof d->last_freq);
    d->indexed = 0;
}

void
lk_data_free(lk_data *d)
{
    if (!d)
        return;
    lk_index_drop(d);
    free(d->recs);
    free(d->aliases);
    free(d->ids);
    free(d);
}

size_t
lk_data_count(const lk_data *d)
{
    return d->n;
}

const char *
lk_data_id(const lk_data *d, size_t i)
{
    return i < d->n ? d->ids + d->recs[i].id_off : NULL;
}

size_t
lk_data_unreadable(const lk_data *d)
{
    return d->unreadable;
}

static int
given(const char *s)
{
    if (!s)
        return 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 1;
    return 0;
}

void
lk_rec_fill(lk_rec *r, const lk_input *in, int as_of_year, const nickname_table *nick,
            size_t *unreadable)
{
    char code[PHONETIC_MAX + 1];
    size_t n;
    memset(r, 0, sizeof *r);
    if (in->first)
        r->flen = (uint8_t)norm_name(in->first, strlen(in->first), r->first);
    if (in->last)
        r->llen = (uint8_t)norm_name(in->last, strlen(in->last), r->last);
    n = phonetic_nysiis(r->first, r->flen, code);
    r->fph = phonetic_pack(code, n);
    n = phonetic_nysiis(r->last, r->llen, code);
    r->lph = phonetic_pack(code, n);
    r->nnick = (uint8_t)nickname_groups(nick, r->first, r->flen, &r->nick);
    r->dob = norm_date(in->dob);
    if (!r->dob && given(in->dob))
        (*unreadable)++;
    if (r->dob) {
        r->byear = (int16_t)norm_year(r->dob);
    } else {
        int age = norm_age(in->age);
        if (age < 0 && given(in->age))
            (*unreadable)++;
        uint32_t when = norm_date(in->date);
        int year = when ? norm_year(when) : as_of_year;
        if (age >= 0 && year > age) {
            r->byear = (int16_t)(year - age);
            r->byear_est = 1;
        }
    }
    r->gender = (uint8_t)norm_gender(in->gender);
    r->zip = norm_zip(in->zip);
    if (!r->zip && given(in->zip))
        (*unreadable)++;
    r->phone = norm_phone(in->phone);
}

static hv_result
grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return HV_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return HV_ERR_NOMEM;
    *p = q;
    *cap = c;
    return HV_OK;
}

/* Splits ALIASES at ';' or '|' into R's aliases ("first" or "first last"). */
static hv_result
add_aliases(lk_data *d, lk_rec *r, const char *aliases)
{
    r->alias_off = (uint32_t)d->nalias;
    const char *p = aliases;
    while (p && *p && r->nalias < LK_MAX_ALIASES) {
        size_t len = strcspn(p, ";|");
        const char *sp = NULL;
        /* the last space of the part separates a first from a last name */
        size_t b = 0, e = len;
        while (b < e && p[b] == ' ')
            b++;
        while (e > b && p[e - 1] == ' ')
            e--;
        for (size_t i = b; i < e; i++)
            if (p[i] == ' ')
                sp = p + i;
        lk_alias a;
        memset(&a, 0, sizeof a);
        if (sp) {
            a.flen = (uint8_t)norm_name(p + b, (size_t)(sp - (p + b)), a.first);
            a.llen = (uint8_t)norm_name(sp + 1, (size_t)(p + e - sp - 1), a.last);
        } else {
            a.flen = (uint8_t)norm_name(p + b, e - b, a.first);
        }
        if (a.flen > 0) {
            if (grow((void **)&d->aliases, &d->alias_cap, d->nalias + 1, sizeof *d->aliases))
                return HV_ERR_NOMEM;
            d->aliases[d->nalias++] = a;
            r->nalias++;
        }
        p += len;
        if (*p)
            p++;
    }
    return HV_OK;
}

hv_result
lk_data_add(lk_data *d, const lk_input *in, hv_err *e)
{
    if (d->n >= LK_MAX_RECORDS)
        return hv_fail(e, HV_ERR_TOOBIG, NULL, "more than %zu records", LK_MAX_RECORDS);
    if (grow((void **)&d->recs, &d->cap, d->n + 1, sizeof *d->recs))
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory adding a record");
    lk_rec *r = &d->recs[d->n];
    lk_rec_fill(r, in, d->as_of_year, d->nick, &d->unreadable);
    const char *id = in->id ? in->id : "";
    size_t idlen = strlen(id);
    if (grow((void **)&d->ids, &d->ids_cap, d->ids_len + idlen + 1, 1) ||
        add_aliases(d, r, in->aliases) != HV_OK)
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory adding a record");
    r->id_off = (uint32_t)d->ids_len;
    memcpy(d->ids + d->ids_len, id, idlen + 1);
    d->ids_len += idlen + 1;
    d->n++;
    if (d->indexed)
        lk_index_drop(d);
    return HV_OK;
}

/* ---- frequencies -------------------------------------------------------- */

static hv_result
freq_init(lk_freq *f, size_t n)
{
    f->nslots = 1024;
    while (f->nslots < n * 2)
        f->nslots *= 2;
    f->keys = calloc(f->nslots, sizeof *f->keys);
    f->counts = calloc(f->nslots, sizeof *f->counts);
    f->used = 0;
    return f->keys && f->counts ? HV_OK : HV_ERR_NOMEM;
}

static void
freq_add(lk_freq *f, uint64_t key)
{
    size_t s = key & (f->nslots - 1);
    while (f->keys[s] && f->keys[s] != key)
        s = (s + 1) & (f->nslots - 1);
    if (!f->keys[s]) {
        f->keys[s] = key;
        f->used++;
    }
    f->counts[s]++;
}

uint32_t
lk_freq_get(const lk_freq *f, uint64_t key)
{
    if (!f->nslots)
        return 0;
    size_t s = key & (f->nslots - 1);
    while (f->keys[s]) {
        if (f->keys[s] == key)
            return f->counts[s];
        s = (s + 1) & (f->nslots - 1);
    }
    return 0;
}

static double
freq_sumsq(const lk_freq *f, size_t total)
{
    double s = 0;
    for (size_t i = 0; i < f->nslots; i++)
        if (f->keys[i])
            s += (double)f->counts[i] * (double)f->counts[i];
    return total ? s / ((double)total * (double)total) : 0;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sum of squared shares of the non-zero values of one field. */
static hv_result
value_sumsq(const lk_data *d, size_t off, size_t width, double *out)
{
    uint32_t *v = malloc((d->n + 1) * sizeof *v);
    if (!v)
        return HV_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t x = 0;
        memcpy(&x, (const char *)&d->recs[i] + off, width);
        if (x)
            v[k++] = x;
    }
    qsort(v, k, sizeof *v, cmp_u32);
    double s = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && v[j] == v[i])
            j++;
        s += (double)(j - i) * (double)(j - i);
        i = j;
    }
    free(v);
    *out = k ? s / ((double)k * (double)k) : 0;
    return HV_OK;
}

void
lk_rec_tf(const lk_data *d, lk_rec *r)
{
    r->tfw_first = r->tfw_last = 0;
    if (r->flen && d->first_n) {
        double c = lk_freq_get(&d->first_freq, lk_hash(r->first, r->flen));
        double tf = (c < 1 ? 1 : c) / (double)d->first_n;
        r->tfw_first = (float)log2(d->u_exact[F_FIRST] / tf);
    }
    if (r->llen && d->last_n) {
        double c = lk_freq_get(&d->last_freq, lk_hash(r->last, r->llen));
        double tf = (c < 1 ? 1 : c) / (double)d->last_n;
        r->tfw_last = (float)log2(d->u_exact[F_LAST] / tf);
    }
}

hv_result
lk_freq_build(lk_data *d)
{
    if (freq_init(&d->first_freq, d->n) || freq_init(&d->last_freq, d->n))
        return HV_ERR_NOMEM;
    d->first_n = d->last_n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const lk_rec *r = &d->recs[i];
        if (r->flen) {
            freq_add(&d->first_freq, lk_hash(r->first, r->flen));
            d->first_n++;
        }
        if (r->llen) {
            freq_add(&d->last_freq, lk_hash(r->last, r->llen));
            d->last_n++;
        }
    }
    d->u_exact[F_FIRST] = freq_sumsq(&d->first_freq, d->first_n);
    d->u_exact[F_LAST] = freq_sumsq(&d->last_freq, d->last_n);
    if (value_sumsq(d, offsetof(lk_rec, dob), 4, &d->u_exact[F_DOB]) ||
        value_sumsq(d, offsetof(lk_rec, gender), 1, &d->u_exact[F_GENDER]) ||
        value_sumsq(d, offsetof(lk_rec, zip), 4, &d->u_exact[F_ZIP]) ||
        value_sumsq(d, offsetof(lk_rec, phone), 4, &d->u_exact[F_PHONE]))
        return HV_ERR_NOMEM;
    for (size_t i = 0; i < d->n; i++)
        lk_rec_tf(d, &d->recs[i]);
    return HV_OK;
}
