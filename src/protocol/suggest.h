/*
 * suggest.h - "this may be a youth we have met before": every known youth
 * held in memory for the record-linkage engine (src/linkage), so the intake
 * can suggest earlier youth while the hotline worker types (issue #7;
 * docs/linkage.md, "In haven").
 *
 * The names, aliases and dates of birth are decrypted into memory on a
 * thread at start (like the outcomes warm-up) and never written anywhere:
 * the server persists no blocking key, hashed or not. Youth written since,
 * by this process or another, are picked up before each suggestion by id
 * and updated_at, and compared one by one until the next start.
 *
 * One index per process (a documented global): suggest_start() once,
 * suggest_stop() at the end; the other calls are safe from any thread.
 */
#ifndef HAVEN_SUGGEST_H
#define HAVEN_SUGGEST_H

#include <jansson.h>
#include <stdint.h>

#include "auth/policy.h"
#include "core/crypt.h"
#include "core/err.h"
#include "linkage/linkage.h"
#include "store/store.h"

/* The youth a query describes, as the intake form has it (any may be NULL). */
typedef struct suggest_query {
    const char *first_name, *last_name, *aliases, *dob, *gender;
    int estimated_age; /* 0: not given */
} suggest_query;

/* Starts loading every youth into memory on a thread of its own. */
hv_result suggest_start(store *st, const crypt_keys *keys);
/* Waits for the loading thread and frees the index. */
void suggest_stop(void);
/* 1 once the index is loaded. */
int suggest_ready(void);
/* Waits up to MS milliseconds for the index (tools, tests); 1 if ready. */
int suggest_wait(int ms);

/* Brings the index up to date with youth written since it last looked
 * (new ids, newer updated_at), on connection C. */
hv_result suggest_sync(store_conn *c);

/* The best MAX known youth for Q at or above MIN_P, as JSON items for P:
 * youth_id, person_id, probability, reasons in words, gender, estimated
 * age, and the referrals P may see (number, date); never a name. */
hv_result suggest_find(store_conn *c, const principal *p, const suggest_query *q, double min_p,
                       int max, json_t **out);

/* After youth YOUTH_ID was created from Q (inside the intake's write
 * transaction C): queues the pairs with the known youth at or above the
 * review threshold for a person to decide. *QUEUED (may be NULL) their
 * number. */
hv_result suggest_queue_new(store_conn *c, int64_t youth_id, const suggest_query *q, int64_t now,
                            int *queued);

/* The engine's thresholds (docs/linkage.md): review and automatic link. */
#define SUGGEST_REVIEW_P 0.50
#define SUGGEST_AUTO_P   0.95
/* The share of youth at intake met before (fact sheet: 131 recoveries of
 * 112 individuals): the prior of a suggestion, spread over the records. */
#define SUGGEST_REPEAT 0.15

/* For the batch over all youth (review_scan): calls FN for every pair the
 * start-up deduplication found at or above the review threshold, with the
 * two youth ids, the probability and the pattern in words (level keys). */
hv_result suggest_pairs(int (*fn)(int64_t a, int64_t b, double p, const char *pattern, void *ctx),
                        void *ctx);

/* The pattern's levels as "first_name=nickname,dob=transposed,..." (fields
 * not missing), and as sentences appended to the JSON array WORDS. */
void suggest_pattern_keys(uint16_t pattern, char *out, size_t n);
void suggest_pattern_words(uint16_t pattern, json_t *words);

#endif
