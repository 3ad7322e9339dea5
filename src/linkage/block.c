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

static const struct {
    const char *words;
    unsigned fields;
} rules[LK_RULES] = {
    {"phonetic first and last name, in either order", 1u << F_FIRST | 1u << F_LAST},
    {"phonetic last name and year of birth", 1u << F_LAST | 1u << F_DOB},
    {"phonetic first name and day and month of birth", 1u << F_FIRST | 1u << F_DOB},
    {"date of birth and first initial", 1u << F_DOB | 1u << F_FIRST},
    {"date of birth and last initial", 1u << F_DOB | 1u << F_LAST},
    {"phonetic last name and ZIP code", 1u << F_LAST | 1u << F_ZIP},
    {"phone number", 1u << F_PHONE},
    {"phonetic last name and day and month of birth", 1u << F_LAST | 1u << F_DOB},
    {"date of birth and both initials, in either order",
     1u << F_DOB | 1u << F_FIRST | 1u << F_LAST},
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

static uint64_t
key2(size_t rule, uint64_t a, uint64_t b)
{
    return lk_mix(lk_mix((uint64_t)rule << 56 ^ a) ^ b) | 1;
}

uint64_t
lk_block_key(const lk_rec *r, size_t rule)
{
    switch (rule) {
    case 0:
        if (!r->fph || !r->lph)
            return 0;
        return r->fph < r->lph ? key2(rule, r->fph, r->lph) : key2(rule, r->lph, r->fph);
    case 1:
        return r->lph && r->dob ? key2(rule, r->lph, r->dob / 10000) : 0;
    case 2:
        return r->fph && r->dob ? key2(rule, r->fph, r->dob % 10000) : 0;
    case 3:
        return r->dob && r->flen ? key2(rule, r->dob, (unsigned char)r->first[0]) : 0;
    case 4:
        return r->dob && r->llen ? key2(rule, r->dob, (unsigned char)r->last[0]) : 0;
    case 5:
        return r->lph && r->zip ? key2(rule, r->lph, r->zip) : 0;
    case 6:
        return r->phone ? key2(rule, r->phone, 0) : 0;
    case 7:
        return r->lph && r->dob ? key2(rule, r->lph, r->dob % 10000) : 0;
    case 8: {
        if (!r->dob || !r->flen || !r->llen)
            return 0;
        unsigned a = (unsigned char)r->first[0], b = (unsigned char)r->last[0];
        return key2(rule, r->dob, a < b ? a << 8 | b : b << 8 | a);
    }
    default:
        return 0;
    }
}

typedef struct kv {
    uint64_t k;
    uint32_t i;
} kv;

/* LSD radix sort on the 64-bit key, 16 bits a pass. */
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
    for (int shift = 0; shift < 64; shift += 16) {
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
    /* four passes: the sorted data is back in A */
    free(tmp);
    free(count);
    return HV_OK;
}

static hv_result
index_rule(lk_data *d, size_t r)
{
    size_t n = d->n;
    uint64_t *keys = malloc((n ? n : 1) * sizeof *keys);
    kv *a = malloc((n ? n : 1) * sizeof *a);
    if (!keys || !a) {
        free(keys);
        free(a);
        return HV_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        keys[i] = lk_block_key(&d->recs[i], r);
        if (keys[i])
            a[m++] = (kv){keys[i], (uint32_t)i};
    }
    if (radix_sort(a, m) != HV_OK) {
        free(keys);
        free(a);
        return HV_ERR_NOMEM;
    }
    uint32_t *order = malloc((m ? m : 1) * sizeof *order);
    if (!order) {
        free(keys);
        free(a);
        return HV_ERR_NOMEM;
    }
    size_t k = 0, pairs = 0, skipped = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && a[j].k == a[i].k)
            j++;
        if (j - i > d->max_block) {
            for (size_t x = i; x < j; x++)
                keys[a[x].i] = 0;
            skipped++;
        } else if (j - i > 1) {
            for (size_t x = i; x < j; x++)
                order[k++] = a[x].i;
            pairs += (j - i) * (j - i - 1) / 2;
        } else {
            order[k++] = a[i].i; /* alone in its block, but a query may share it */
        }
        i = j;
    }
    free(a);
    d->keys[r] = keys;
    d->order[r] = order;
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
    if (lk_freq_build(d) != HV_OK)
        goto err;
    for (size_t r = 0; r < LK_RULES; r++)
        if (index_rule(d, r) != HV_OK)
            goto err;
    d->indexed = 1;
    return HV_OK;
err:
    lk_index_drop(d);
    return HV_ERR_NOMEM;
}
