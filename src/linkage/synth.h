/*
 * synth.h - synthetic person records with known truth, in the style of
 * FEBRL (Christen's Freely Extensible Biomedical Record Linkage generator):
 * persons drawn from name and date distributions, several records each,
 * every record but a person's first changed by typos, OCR and phonetic
 * errors, nicknames, aliases, swapped names, wrong, shifted or missing
 * dates of birth (then an estimated age), moves and missing values.
 * Everything comes from one seed: the same seed gives the same records.
 * docs/linkage.md lists the two profiles' rates.
 */
#ifndef HAVEN_SYNTH_H
#define HAVEN_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

typedef enum synth_profile { SYNTH_EASY, SYNTH_HARD } synth_profile;

typedef struct synth_row {
    uint32_t person; /* the truth: records of one person share it */
    char id[16];
    char first[40], last[40], aliases[80];
    char dob[40], age[12], gender[4], zip[16], phone[20], date[40];
} synth_row;

/* Calls EMIT for each of N records; stops early when EMIT returns non-zero
 * (and returns HV_ERR_IO). HV_ERR_NOMEM when the nickname list is missing. */
hv_result synth_generate(size_t n, synth_profile profile, uint64_t seed,
                         int (*emit)(const synth_row *row, void *ctx), void *ctx);

#endif
