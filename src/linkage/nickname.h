/*
 * nickname.h - first names people use for one another ("Bob" for
 * "Robert", "Peggy" for "Margaret") from the shipped list
 * data/nicknames.csv (Apache-2.0, see data/README.md), compiled into haven.
 *
 * Each line of the list is a group: a name and the names used for it. Two
 * names are related when some group holds both. Names are looked up
 * normalised (norm_name: upper-case ASCII letters).
 */
#ifndef HAVEN_NICKNAME_H
#define HAVEN_NICKNAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

typedef struct nickname_table nickname_table;

/* Builds a table from CSV text in the list's layout (one group a line).
 * HV_ERR_INVALID when the text is not CSV, HV_ERR_NOMEM. */
hv_result nickname_load(const char *csv, size_t len, nickname_table **out);
void nickname_free(nickname_table *t);

/* The compiled-in list, built on first use (thread-safe) and kept for the
 * life of the process; NULL only if memory ran out. */
const nickname_table *nickname_builtin(void);

/* The groups holding NAME (normalised, N bytes) as a sorted array in
 * *GROUPS; returns their number (0: the name is not in the list). The
 * array belongs to the table. */
size_t nickname_groups(const nickname_table *t, const char *name, size_t n,
                       const uint16_t **groups);

/* 1 when two sorted group lists share a group. */
int nickname_share(const uint16_t *a, size_t na, const uint16_t *b, size_t nb);

/* 1 when A and B (normalised) are different names of one group. */
int nickname_related(const nickname_table *t, const char *a, const char *b);

/* The groups, for the synthetic generator: how many, and each one's names
 * (the first is the group's name; normalised, NUL-terminated). */
size_t nickname_group_count(const nickname_table *t);
size_t nickname_group_size(const nickname_table *t, size_t g);
const char *nickname_group_name(const nickname_table *t, size_t g, size_t k);

#endif
