/*
 * normalize.h - turning what people type into values the linkage engine
 * compares: names as upper-case ASCII letters (accents folded: "José
 * Núñez" -> "JOSE", "NUNEZ"; spaces, hyphens, apostrophes and digits
 * dropped), dates of birth as YYYYMMDD, genders, ZIP codes and phone
 * numbers. Each returns "missing" rather than failing: linkage treats an
 * unreadable value like an absent one.
 */
#ifndef HAVEN_NORMALIZE_H
#define HAVEN_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#define NORM_NAME_MAX 23 /* letters kept of a name (longer names are cut) */

/* Writes the normalised name of S (N bytes of UTF-8) into OUT (at least
 * NORM_NAME_MAX + 1 bytes), NUL-terminated; returns its length (0: none). */
size_t norm_name(const char *s, size_t n, char *out);

/* A date as YYYYMMDD from "YYYY-MM-DD", "YYYY/MM/DD", "MM/DD/YYYY" or
 * "YYYYMMDD" (a real calendar day, years 1900-2100); 0 when missing or not
 * a date. */
uint32_t norm_date(const char *s);

/* Whole years 0-120, or -1. */
int norm_age(const char *s);

/* 1 female, 2 male, 3 another gender given; 0 missing or unknown. */
int norm_gender(const char *s);

/* A five-digit ZIP code as a number (the first five digits of ZIP+4);
 * 0 when missing or not five digits. */
uint32_t norm_zip(const char *s);

/* The last seven digits of a phone number with at least seven digits, as a
 * number (so "(213) 555-0143", "+1 213 555 0143" and "555-0143" agree); 0
 * when missing. */
uint32_t norm_phone(const char *s);

/* The year of a YYYYMMDD date. */
static inline int
norm_year(uint32_t ymd)
{
    return (int)(ymd / 10000);
}

#endif
