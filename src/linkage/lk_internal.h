/*
 * lk_internal.h - what the files of src/linkage share and nothing else sees:
 * the normalised record, the record set with its blocking index and name
 * frequencies, and the internal functions of compare.c, block.c, fsmodel.c
 * and cluster.c. The public interface is linkage.h.
 */
#ifndef HAVEN_LK_INTERNAL_H
#define HAVEN_LK_INTERNAL_H

#include <stdint.h>

#include "linkage/linkage.h"
#include "linkage/nickname.h"
#include "linkage/normalize.h"

enum lk_field_id { F_FIRST, F_LAST, F_DOB, F_GENDER, F_ZIP, F_PHONE };

/* Level numbers, per field (0 is always "missing"). */
enum { FIRST_EXACT = 1, FIRST_NICK, FIRST_SWAP, FIRST_CLOSE, FIRST_SIMILAR, FIRST_OTHER, FIRST_N };
enum { LAST_EXACT = 1, LAST_CLOSE, LAST_SIMILAR, LAST_OTHER, LAST_N };
enum {
    DOB_EXACT = 1,
    DOB_SWAP,    /* day and month transposed */
    DOB_TYPO,    /* one digit of YYYYMMDD differs */
    DOB_YEAR,    /* same day and month, a year apart */
    DOB_AGE_OK,  /* an estimated age within a year of the other */
    DOB_OTHER,   /* two dates that differ otherwise */
    DOB_AGE_FAR, /* an estimated age more than a year off */
    DOB_N
};
enum { SAME_EXACT = 1, SAME_OTHER, SAME_N };        /* gender, phone */
enum { ZIP_EXACT = 1, ZIP_AREA, ZIP_OTHER, ZIP_N }; /* ZIP: area = first three digits */

typedef struct lk_alias {
    char first[NORM_NAME_MAX + 1];
    char last[NORM_NAME_MAX + 1];
    uint8_t flen, llen;
} lk_alias;

typedef struct lk_rec {
    char first[NORM_NAME_MAX + 1];
    char last[NORM_NAME_MAX + 1];
    uint8_t flen, llen, nalias;
    uint8_t gender;     /* norm_gender */
    uint8_t byear_est;  /* 1: byear is an estimate from an age */
    uint8_t nnick;      /* nickname groups of the first name */
    int16_t byear;      /* birth year (from the date, else estimated), 0 unknown */
    uint32_t alias_off; /* aliases: d->aliases[alias_off .. + nalias) */
    uint32_t fph, lph;  /* packed NYSIIS of first and last name, 0 none */
    uint32_t dob;       /* YYYYMMDD, 0 missing */
    uint32_t zip, phone;
    uint32_t id_off;      /* into d->ids */
    float tfw_first;      /* term-frequency adjustment of an exact first name */
    float tfw_last;       /* ... of an exact last name */
    const uint16_t *nick; /* nickname groups (the table's memory) */
} lk_rec;

#define LK_RULES 10
/* Record I's key under rule R. Keys are 32-bit hashes: two values that
 * collide share a block, which costs a comparison and nothing else, since
 * blocks are defined by these keys alone. */
#define LK_KEY(d, i, r) ((d)->keyrow[(size_t)(i)*LK_RULES + (r)])

/* name -> count, by a 64-bit hash of the name */
typedef struct lk_freq {
    uint64_t *keys;
    uint32_t *counts;
    size_t nslots, used;
} lk_freq;

struct lk_data {
    int as_of_year;
    lk_rec *recs;
    size_t n, cap;
    lk_alias *aliases;
    size_t nalias, alias_cap;
    char *ids;
    size_t ids_len, ids_cap;
    size_t unreadable;
    const nickname_table *nick;

    /* the index (lk_data_index) */
    int indexed;
    size_t max_block;
    uint32_t *keyrow;          /* LK_KEY: per record and rule; 0: none, or its block too big */
    uint32_t *order[LK_RULES]; /* records with a key, sorted by key */
    uint32_t *skey[LK_RULES];  /* their keys, in that order */
    size_t norder[LK_RULES];
    size_t rule_candidates[LK_RULES]; /* sum of n(n-1)/2 over kept blocks */
    size_t blocks_skipped;
    lk_freq first_freq, last_freq;
    size_t first_n, last_n;    /* records with the name */
    double u_exact[LK_FIELDS]; /* P(exact | random pair with both values) */
};

/* data.c */
void lk_index_drop(lk_data *d);
uint64_t lk_hash(const char *s, size_t n);
uint64_t lk_mix(uint64_t x);
uint32_t lk_freq_get(const lk_freq *f, uint64_t key);
/* Fills a record from input (no aliases, no id); counts unreadable values. */
void lk_rec_fill(lk_rec *r, const lk_input *in, int as_of_year, const nickname_table *nick,
                 size_t *unreadable);
/* TF weights of R against D's frequencies. */
void lk_rec_tf(const lk_data *d, lk_rec *r);
hv_result lk_freq_build(lk_data *d);

/* compare.c: the levels of A (in DA) against B (in DB); returns the pattern. */
uint16_t lk_compare(const lk_data *da, const lk_rec *a, const lk_data *db, const lk_rec *b,
                    uint8_t lv[LK_FIELDS]);
uint16_t lk_pattern_of(const uint8_t lv[LK_FIELDS]);
/* The weight of a compared pair: the pattern's and the term-frequency parts. */
double lk_pair_weight(const lk_model *m, const lk_rec *a, uint16_t pattern,
                      const uint8_t lv[LK_FIELDS]);

/* block.c */
unsigned lk_rule_fields(size_t r); /* bit (1 << field) for each field the rule uses */
uint32_t lk_block_key(const lk_rec *r, size_t rule);

/* fsmodel.c */
hv_result lk_model_init(lk_model *m);
void lk_model_free(lk_model *m);
void lk_estimate_u(lk_model *m, const lk_data *d, size_t npairs, uint64_t seed);
/* HIST[r][p]: candidate pairs of rule r (all of them, sampled) with pattern p. */
void lk_estimate_m(lk_model *m, const double (*hist)[LK_PATTERNS], size_t nrules);
/* UNION[p]: distinct candidate pairs (scaled for sampling); TOTAL: all pairs. */
void lk_estimate_lambda(lk_model *m, const double *uni, double total);
void lk_model_weights(lk_model *m);

/* cluster.c: persons from the pairs (at or above review) */
hv_result lk_cluster(const lk_data *d, const lk_model *m, const lk_pair *pairs, size_t npairs,
                     double w_auto, double w_join, uint32_t *person, size_t *npersons,
                     size_t *split, size_t *unchecked);

#endif
