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
 *   "support": [K…] a share's denominator is this row's K… summed: the
 *                  share is suppressed if that is under THRESHOLD, or if the
 *                  sum of the hidden ones among them (which the share gives
 *                  away) is from 1 to THRESHOLD - 1
 *   "values": [K…]  a median or an average over this row's K… values:
 *                  suppressed if there are fewer than THRESHOLD
 *   "depends": [K…] suppressed if any of this row's K… is
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
