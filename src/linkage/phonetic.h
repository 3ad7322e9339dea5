/*
 * phonetic.h - the New York State Identification and Intelligence System
 * phonetic code (NYSIIS, Taft 1970) of a name, for blocking: names that
 * sound alike get the same code ("BRIAN", "BROWN", "BRUN" -> "BRAN").
 *
 * haven uses NYSIIS rather than Double Metaphone because it was built for
 * exactly this (matching names in state identification records), has one
 * code per name (a blocking key, not a set), and keeps vowel positions as
 * "A", which separates short names better than Soundex.
 */
#ifndef HAVEN_PHONETIC_H
#define HAVEN_PHONETIC_H

#include <stddef.h>
#include <stdint.h>

#define PHONETIC_MAX 6 /* codes are cut to six characters, as in the original */

/* Writes the NYSIIS code of NAME (N bytes; letters are read without regard
 * to case, everything else is skipped) into OUT (at least PHONETIC_MAX + 1
 * bytes), NUL-terminated; returns its length (0 when NAME has no letter). */
size_t phonetic_nysiis(const char *name, size_t n, char *out);

/* The code as a number (five bits a letter), 0 for the empty code. */
uint32_t phonetic_pack(const char *code, size_t n);

#endif
