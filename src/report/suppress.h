/*
 * suppress.h - small-cell suppression of report tables.
 *
 * Primary: a count from 1 to THRESHOLD - 1 is suppressed (0 is shown: it
 * is nobody). Complementary: every sum the table shows is an equation
 * (a count column's cells add up to its total row; in a grid table, each
 * row's cells add up to its total column); an equation with exactly one
 * suppressed member would give it away, so the smallest other member is
 * suppressed too, until no equation has exactly one. Derived cells follow
 * their counts: a share is suppressed with its count or its total; a
 * median or average over fewer than THRESHOLD values is suppressed.
 *
 * Column attributes the tables carry (docs/metrics.md):
 *   "of": K        percent = this row's K / the total row's K
 *   "support": [K…] the number of values behind this cell is the sum of
 *                  this row's K…; suppressed if that is under THRESHOLD or
 *                  any of them is suppressed
 *   "additive": false  a count column whose cells do not add up to its
 *                  total (distinct people), so it makes no equation
 * Table attributes: "grid": {"total": K} — each row's count cells (other
 * than K) add up to its K.
 */
#ifndef HAVEN_SUPPRESS_H
#define HAVEN_SUPPRESS_H

#include <jansson.h>

/* Suppresses TABLE in place; returns the number of cells suppressed. */
int suppress_table(json_t *table, int threshold);

/* Suppresses one headline figure {"type", "value", "support"?} in place. */
void suppress_figure(json_t *figure, int threshold);

#endif
