/*
 * synonyms.h - Spanish words for what a service offers, added to its
 * full-text entry so a youth searching in Spanish finds services written in
 * English.
 *
 * Service records stay as their providers wrote them (mostly English). At
 * index time the service's own words are looked up in a short list of
 * everyday English words for help (shelter, food, clinic, counseling, job,
 * lawyer, ...) and the Spanish words for each are appended to the text the
 * index holds: "refugio" then finds an emergency shelter, "comida" a food
 * pantry. The index's tokenizer folds accents, so "clinica" and "clínica"
 * are one word. Nothing changes at query time: no extra cost per search.
 */
#ifndef HAVEN_SYNONYMS_H
#define HAVEN_SYNONYMS_H

#include "core/buf.h"
#include "core/result.h"

/* Appends to OUT, blank-separated, the Spanish words for the English words
 * of each of the N texts (NULL texts are skipped), each Spanish word once.
 * Words are matched case-insensitively, whole, with a plural "s"/"es"
 * allowed. */
hv_result synonyms_es(const char *const *texts, int n, buf *out);

#endif
