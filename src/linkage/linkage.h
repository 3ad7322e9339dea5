/*
 * linkage.h - probabilistic record linkage of people: which records, typed
 * by different people at different times, with nicknames, aliases, typos,
 * swapped names and wrong dates of birth, are one person (issue #7;
 * docs/linkage.md is the contract).
 *
 * The engine needs no database and no network. Its use:
 *
 *   lk_data *d = lk_data_new(2026);            records, normalised on entry
 *   lk_data_add(d, &input, &e);  ...            one call per record
 *   lk_options o;  lk_options_default(&o);
 *   lk_result r;
 *   lk_dedupe(d, &o, &r, &e);                   model, pairs, persons
 *   lk_match(d, &r.model, &query, hits, 10, &n) one new record against all
 *   lk_result_free(&r);  lk_data_free(d);
 *
 * The model is Fellegi-Sunter: every compared field falls in one of a few
 * levels (exact, nickname, typo, ...), each level has a probability m among
 * records of one person and u among records of different people, and a
 * pair's match weight is log2 of the prior odds times the product of m/u
 * over its fields, adjusted for how common an exactly agreeing name is.
 * u comes from random pairs, m and the prior by expectation-maximisation over
 * the candidate pairs of the blocking rules; no labels are needed.
 *
 * Memory: lk_data owns copies of everything given to it. A built lk_data
 * (after lk_dedupe or lk_data_index) may be read by any number of threads at
 * once (lk_match); adding records needs the caller's exclusive access and
 * drops the index until the next lk_data_index.
 */
#ifndef HAVEN_LINKAGE_H
#define HAVEN_LINKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* ---- records ---------------------------------------------------------- */

/* One record as typed. Any field may be NULL or "" (missing). */
typedef struct lk_input {
    const char *id;      /* the caller's id; copied and given back in results */
    const char *first;   /* given name */
    const char *last;    /* family name */
    const char *aliases; /* other names, separated by ';' or '|': "Kiki;Lucky Jones" */
    const char *dob;     /* date of birth: YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, YYYYMMDD */
    const char *age;     /* estimated age in whole years, used when there is no date of birth */
    const char *date;    /* the record's date (the age is as of it); default: the as-of year */
    const char *gender;  /* F, M, another gender, or unknown */
    const char *zip;     /* five-digit ZIP */
    const char *phone;   /* any phone format; the last seven digits are compared */
} lk_input;

typedef struct lk_data lk_data;

/* A new, empty set of records. AS_OF_YEAR: the year an estimated age is
 * taken to be given in when a record has no date. NULL when out of memory. */
lk_data *lk_data_new(int as_of_year);
void lk_data_free(lk_data *d);
/* Adds one record (normalised and copied); HV_ERR_NOMEM or HV_ERR_TOOBIG
 * (more than 2^31 records). Unreadable dates, ZIPs, phones are missing. */
hv_result lk_data_add(lk_data *d, const lk_input *in, hv_err *e);
size_t lk_data_count(const lk_data *d);
const char *lk_data_id(const lk_data *d, size_t i);
/* Values given but not understood (dates, ages, ZIPs), counted as missing. */
size_t lk_data_unreadable(const lk_data *d);

/* ---- the model -------------------------------------------------------- */

#define LK_FIELDS   6 /* first name, last name, date of birth, gender, ZIP, phone */
#define LK_LEVELS   8 /* at most, per field; level 0 is "missing" */
#define LK_PATTERNS (7 * 5 * 8 * 3 * 4 * 3)

/* A field's comparison: its levels, best first after "missing". */
typedef struct lk_field {
    const char *key;   /* "first_name" */
    const char *label; /* "first name" */
    int nlevels;
    const char *level_key[LK_LEVELS];   /* "exact", "nickname", ... */
    const char *level_words[LK_LEVELS]; /* "agrees exactly", ... */
} lk_field;

extern const lk_field lk_fields[LK_FIELDS];

typedef struct lk_model {
    double lambda;                  /* P(two random records are one person) */
    double m[LK_FIELDS][LK_LEVELS]; /* P(level | match) */
    double u[LK_FIELDS][LK_LEVELS]; /* P(level | non-match) */
    double w[LK_FIELDS][LK_LEVELS]; /* log2(m / u); 0 for "missing" */
    double prior_w;                 /* log2(lambda / (1 - lambda)) */
    int em_iterations;              /* the longest EM session */
    size_t em_pairs;                /* candidate pairs EM saw */
    size_t u_pairs;                 /* random pairs u was counted on */
    size_t labelled;                /* labelled pairs it was refined with */
    float *pattern_w;               /* LK_PATTERNS weights without term frequency */
} lk_model;

/* ---- deduplication ---------------------------------------------------- */

typedef struct lk_options {
    int threads;        /* worker threads (default 2) */
    double auto_p;      /* link automatically at or above (default 0.95) */
    double review_p;    /* a person should look at or above (default 0.50) */
    double nonmatch_p;  /* below: certainly two people, counted apart in stats (default 0.01) */
    double join_p;      /* groups of linked records join at this average probability (0.10) */
    size_t max_block;   /* a block with more records is skipped for its rule (default 1500) */
    size_t train_pairs; /* candidate pairs sampled per rule for EM (default 300,000) */
    size_t u_pairs;     /* random pairs for u (default 400,000) */
    uint64_t seed;      /* sampling seed */
    /* labelled pairs (record indexes; 1 one person, 0 two) refine m and u
     * after EM (lk_model_refine, with the estimate counting as 100 pairs) */
    const uint32_t (*labels)[2];
    const uint8_t *label_match;
    size_t nlabels;
} lk_options;

void lk_options_default(lk_options *o);

enum lk_decision { LK_NONMATCH = 0, LK_POSSIBLE = 1, LK_REVIEW = 2, LK_LINK = 3 };

typedef struct lk_pair {
    uint32_t a, b;    /* record indexes, a < b */
    float weight;     /* match weight, log2 of the odds */
    uint16_t pattern; /* the comparison levels, see lk_pattern_levels */
    uint8_t decision; /* enum lk_decision */
} lk_pair;

typedef struct lk_stats {
    size_t records, candidates, scored;
    size_t links, reviews, possible, nonmatches; /* scored pairs by decision */
    size_t blocks_skipped;                       /* over max_block */
    size_t persons, split_clusters, unchecked_clusters;
    double ms_index, ms_u, ms_em, ms_score, ms_cluster, ms_total;
    size_t rule_pairs[16]; /* candidate pairs each rule added (new ones only) */
} lk_stats;

typedef struct lk_result {
    lk_model model;
    lk_pair *pairs; /* every pair at or above review_p, by (a, b) */
    size_t npairs;
    uint32_t *person; /* per record: its person, numbered from 0 in record order */
    size_t npersons;
    lk_stats stats;
} lk_result;

/* Builds the index, estimates the model, scores every candidate pair and
 * groups records into persons. Fills OUT (free with lk_result_free). */
hv_result lk_dedupe(lk_data *d, const lk_options *o, lk_result *out, hv_err *e);
void lk_result_free(lk_result *r);

/* Refines M and U of MODEL with labelled pairs (record indexes and 1 for one
 * person, 0 for two): each level's probability becomes a blend of the
 * estimate and the labelled count, weighted by how many labelled pairs
 * there are against PRIOR_PAIRS. Recomputes the weights. */
hv_result lk_model_refine(lk_model *model, const lk_data *d, const uint32_t (*pairs)[2],
                          const uint8_t *is_match, size_t n, double prior_pairs);

/* The levels of a pattern, one per field. */
void lk_pattern_levels(uint16_t pattern, uint8_t levels[LK_FIELDS]);
/* Weight to probability. */
double lk_probability(double weight);
double lk_weight_of(double probability);

/* The blocking rules, for reports. */
size_t lk_rule_count(void);
const char *lk_rule_words(size_t r);

/* ---- one record against all ------------------------------------------- */

typedef struct lk_hit {
    uint32_t record;
    float weight;
    float probability;
    uint16_t pattern;
} lk_hit;

/* Builds (or rebuilds) the blocking index; lk_dedupe does it itself. */
hv_result lk_data_index(lk_data *d, const lk_options *o);

/* Compares QUERY with the indexed records sharing a blocking key with it and
 * writes the best MAX (by weight, at or above MIN_P) into HITS; *N their
 * number. Reads D and MODEL only: any number of threads may call it. */
hv_result lk_match(const lk_data *d, const lk_model *model, const lk_input *query, double min_p,
                   lk_hit *hits, size_t max, size_t *n, hv_err *e);

/* Compares QUERY with every record of D, without an index (for a few
 * thousand records added since TF was indexed), with the term frequencies
 * of the indexed TF; the best MAX at or above MIN_P into HITS by weight
 * (records are D's), *N their number. Reads only. */
hv_result lk_match_scan(const lk_data *tf, const lk_data *d, const lk_model *model,
                        const lk_input *query, double min_p, lk_hit *hits, size_t max, size_t *n,
                        hv_err *e);

/* Calls FN for every candidate pair of an indexed D once (each rule's new
 * pairs, in rule order), single-threaded; stops when FN returns non-zero.
 * For benchmarks that score the same pairs elsewhere. */
hv_result lk_candidates(const lk_data *d, int (*fn)(uint32_t a, uint32_t b, void *ctx), void *ctx);

/* ---- evaluation ------------------------------------------------------- */

typedef struct lk_eval {
    double precision, recall, f1;
    size_t true_pairs, found_pairs, correct_pairs;
} lk_eval;

/* Pairwise precision, recall and F1 of PERSON (per record, found) against
 * TRUTH (per record, the true person), N records. */
hv_result lk_evaluate(const uint32_t *person, const uint32_t *truth, size_t n, lk_eval *out);

/* The exact-match baseline: one person per identical (first, last, date of
 * birth) after normalisation; records missing any of the three are alone.
 * PERSON gets N numbers; *NPERSONS their count. */
hv_result lk_exact_baseline(const lk_data *d, uint32_t *person, size_t *npersons);

#endif
