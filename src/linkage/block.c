/*
 * block.c - blocking: which pairs are compared at all. Comparing every pair
 * of a million records is half a trillion comparisons; instead each rule
 * below gives every record a key, and only records sharing a key (a block)
 * are compared. The rules are unioned, so a pair is found when any one rule
 * puts it in one block: a typo in the last name hides it from the rules on
 * the last name, not from those on the date of birth. A pair several rules
 * find is scored once, by the first of them (each rule skips pairs an
 * earlier rule already holds).
 *
 * The index is, per rule, each record's key and the records sorted by key
 * (an LSD radix sort): a block is a run of equal keys, and one new record's
 * blocks are found by binary search (lk_match). Blocks larger than
 * max_block are dropped from their rule (the key of their records is set to
 * 0) and counted: such a key says too little to be worth the pairs.
 */
#include <stdlib.h>
#include <string.h>

#include "linkage/lk_internal.h"

enum {
    R_NAMES,
    R_LAST_YEAR_MONTH,
    R_FIRST_MD_INITIAL,
    R_DOB_FIRST_INITIAL,
    R_LAST_ZIP,
    R_PHONE,
    R_LAST_MD,
    R_DOB_INITIALS,
    R_FIRST_YM_INITIAL,
    R_FIRST_ZIP_INITIAL,
};

#define B(f) (1u << (f))

/* The rules, in the order pairs are credited to them. Each pairs two or three
 * fields that rarely fail together; the union survives one error in any
 * field and most combinations of two. Day and month are taken in either
 * order wherever a date is part of a key, so a transposed date keeps it. */
static const struct {
    const char *words;
    unsigned fields;
} rules[LK_RULES] = {
    [R_NAMES] = {"phonetic first and last name, in either order", B(F_FIRST) | B(F_LAST)},
    [R_LAST_YEAR_MONTH] = {"phonetic last name, year and month of birth", B(F_LAST) | B(F_DOB)},
    [R_FIRST_MD_INITIAL] = {"phonetic first name, day and month of birth, last initial",
                            B(F_FIRST) | B(F_DOB) | B(F_LAST)},
    [R_DOB_FIRST_INITIAL] = {"date of birth and first initial", B(F_DOB) | B(F_FIRST)},
    [R_LAST_ZIP] = {"phonetic last name and ZIP code", B(F_LAST) | B(F_ZIP)},
    [R_PHONE] = {"phone number", B(F_PHONE)},
    [R_LAST_MD] = {"phonetic last name, day and month of birth", B(F_LAST) | B(F_DOB)},
    [R_DOB_INITIALS] = {"date of birth and both initials, in either order",
                        B(F_DOB) | B(F_FIRST) | B(F_LAST)},
    [R_FIRST_YM_INITIAL] = {"phonetic first name, year and month of birth, last initial",
                            B(F_FIRST) | B(F_DOB) | B(F_LAST)},
    [R_FIRST_ZIP_INITIAL] = {"phonetic first name, ZIP code, last initial",
                             B(F_FIRST) | B(F_ZIP) | B(F_LAST)},
};

size_t
lk_rule_count(void)
{
    return LK_RULES;
}

const char *
lk_rule_words(size_t r)
{
    return r < LK_RULES ? rules[r].words : NULL;
}

unsigned
lk_rule_fields(size_t r)
{
    return rules[r].fields;
}

/* Day and month in either order (so a transposed date keeps its key): the
 * smaller as the "month", the larger as the "day". */
static uint32_t
md_any(uint32_t dob)
{
    uint32_t m = dob / 100 % 100, d = dob % 100;
    return m < d ? m * 100 + d : d * 100 + m;
}

static uint32_t
dob_any(uint32_t dob)
{
    return dob / 10000 * 10000 + md_any(dob);
}

static uint32_t
key2(size_t rule, uint64_t a, uint64_t b)
{
    uint64_t h = lk_mix(lk_mix((uint64_t)rule << 56 ^ a) ^ b);
    return (uint32_t)(h ^ h >> 32) | 1;
}

uint32_t
lk_block_key(const lk_rec *r, size_t rule)
{
    unsigned fi = (unsigned char)r->first[0], li = (unsigned char)r->last[0];
    switch (rule) {
    case R_NAMES:
        if (!r->fph || !r->lph)
            return 0;
        return r->fph < r->lph ? key2(rule, r->fph, r->lph) : key2(rule, r->lph, r->fph);
    case R_LAST_YEAR_MONTH:
        return r->lph && r->dob ? key2(rule, r->lph, dob_any(r->dob) / 100) : 0;
    case R_FIRST_MD_INITIAL:
        return r->fph && r->dob && r->llen ? key2(rule, r->fph, md_any(r->dob) << 8 | li) : 0;
    case R_DOB_FIRST_INITIAL:
        return r->dob && r->flen ? key2(rule, dob_any(r->dob), fi) : 0;
    case R_LAST_ZIP:
        return r->lph && r->zip ? key2(rule, r->lph, r->zip) : 0;
    case R_PHONE:
        return r->phone ? key2(rule, r->phone, 0) : 0;
    case R_LAST_MD:
        return r->lph && r->dob ? key2(rule, r->lph, md_any(r->dob)) : 0;
    case R_DOB_INITIALS:
        if (!r->dob || !r->flen || !r->llen)
            return 0;
        return key2(rule, dob_any(r->dob), fi < li ? fi << 8 | li : li << 8 | fi);
    case R_FIRST_YM_INITIAL:
        return r->fph && r->dob && r->llen ? key2(rule, r->fph, (dob_any(r->dob) / 100) << 8 | li)
                                           : 0;
    case R_FIRST_ZIP_INITIAL:
        return r->fph && r->zip && r->llen ? key2(rule, r->fph, (uint64_t)r->zip << 8 | li) : 0;
    default:
        return 0;
    }
}

typedef struct kv {
    uint32_t k;
    uint32_t i;
} kv;

/* LSD radix sort on the 32-bit key, 16 bits a pass (two passes: the sorted
 * data ends back in A). */
static hv_result
radix_sort(kv *a, size_t n)
{
    kv *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = malloc(65536 * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return HV_ERR_NOMEM;
    }
    kv *src = a, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[src[i].k >> shift & 0xFFFF]++;
        size_t sum = 0;
        for (size_t b = 0; b < 65536; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[src[i].k >> shift & 0xFFFF]++] = src[i];
        kv *t = src;
        src = dst;
        dst = t;
    }
    free(tmp);
    free(count);
    return HV_OK;
}

static hv_result
index_rule(lk_data *d, size_t r, kv *a)
{
    size_t n = d->n, m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = lk_block_key(&d->recs[i], r);
        LK_KEY(d, i, r) = k;
        if (k)
            a[m++] = (kv){k, (uint32_t)i};
    }
    if (radix_sort(a, m) != HV_OK)
        return HV_ERR_NOMEM;
    uint32_t *order = malloc((m ? m : 1) * sizeof *order);
    uint32_t *skey = malloc((m ? m : 1) * sizeof *skey);
    if (!order || !skey) {
        free(order);
        free(skey);
        return HV_ERR_NOMEM;
    }
    size_t k = 0, pairs = 0, skipped = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && a[j].k == a[i].k)
            j++;
        if (j - i > d->max_block) {
            for (size_t x = i; x < j; x++)
                LK_KEY(d, a[x].i, r) = 0;
            skipped++;
        } else {
            /* a record alone in its block stays: a query may share it */
            for (size_t x = i; x < j; x++) {
                order[k] = a[x].i;
                skey[k++] = a[x].k;
            }
            pairs += (j - i) * (j - i - 1) / 2;
        }
        i = j;
    }
    d->order[r] = order;
    d->skey[r] = skey;
    d->norder[r] = k;
    d->rule_candidates[r] = pairs;
    d->blocks_skipped += skipped;
    return HV_OK;
}

hv_result
lk_data_index(lk_data *d, const lk_options *o)
{
    lk_index_drop(d);
    d->max_block = o->max_block ? o->max_block : 1500;
    d->blocks_skipped = 0;
    kv *a = NULL;
    if (lk_freq_build(d) != HV_OK)
        goto err;
    d->keyrow = malloc((d->n ? d->n : 1) * LK_RULES * sizeof *d->keyrow);
    a = malloc((d->n ? d->n : 1) * sizeof *a);
    if (!d->keyrow || !a)
        goto err;
    for (size_t r = 0; r < LK_RULES; r++)
        if (index_rule(d, r, a) != HV_OK)
            goto err;
    free(a);
    d->indexed = 1;
    return HV_OK;
err:
    free(a);
    lk_index_drop(d);
    return HV_ERR_NOMEM;
}
