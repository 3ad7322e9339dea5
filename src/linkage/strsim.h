/*
 * strsim.h - string similarity for names: Jaro, Jaro-Winkler and the
 * optimal string alignment distance (Damerau-Levenshtein where each
 * substring is edited at most once: adjacent transpositions count as one
 * edit, but "CA" -> "ABC" is 3, not 2).
 *
 * Strings are bytes (haven compares normalised names: A-Z only). Inputs
 * longer than STRSIM_MAX bytes are compared on their first STRSIM_MAX.
 * No allocation, no state: any thread may call them.
 */
#ifndef HAVEN_STRSIM_H
#define HAVEN_STRSIM_H

#include <stddef.h>

#define STRSIM_MAX 64

/* Jaro similarity in [0, 1]; two empty strings are 1, one empty 0. */
double strsim_jaro(const char *a, size_t la, const char *b, size_t lb);

/* Jaro-Winkler: Jaro plus 0.1 per common leading character (up to 4) times
 * (1 - Jaro), applied when Jaro is above 0.7 (Winkler 1990; the same
 * definition as DuckDB's jaro_winkler_similarity). */
double strsim_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and transpositions of adjacent characters, each costing 1. */
int strsim_osa(const char *a, size_t la, const char *b, size_t lb);

#endif
