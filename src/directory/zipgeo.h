/*
 * zipgeo.h - ZIP code to coordinates, from the packaged table of the Census
 * Bureau's ZIP Code Tabulation Areas (data/zcta.tsv, public domain; see
 * data/README.md for its source and what it does not know).
 *
 * The table is read once into a sorted array of 12-byte rows (about 400 KB
 * for the 33,791 ZCTAs) and answered by binary search: no locks, any number
 * of threads. The coordinates are each area's internal point, in
 * microdegrees (a tenth of a metre).
 */
#ifndef HAVEN_DIRECTORY_ZIPGEO_H
#define HAVEN_DIRECTORY_ZIPGEO_H

#include <stddef.h>

#include "core/result.h"
#include "directory/geo.h"

typedef struct zipgeo zipgeo;

/* The table to read: CONFIGURED ([directory] zip_table) when set, else
 * ./data/zcta.tsv when readable, else the source tree's data/zcta.tsv (as
 * `haven serve` finds web/). */
const char *zipgeo_path(const char *configured);
/* Reads the table at PATH into *OUT (free with zipgeo_free). The file is
 * the header line `zip<TAB>lat<TAB>lon`, then one row per ZIP: five digits,
 * latitude and longitude in decimal degrees. HV_ERR_IO when it cannot be
 * read, HV_ERR_INVALID for a bad row or a ZIP listed twice, HV_ERR_TOOBIG
 * past 16 MB, HV_ERR_NOMEM; ERR gets "PATH:LINE: reason". */
hv_result zipgeo_load(const char *path, zipgeo **out, char *err, size_t errsz);
void zipgeo_free(zipgeo *z);
/* How many ZIPs the table holds. */
size_t zipgeo_count(const zipgeo *z);
/* The coordinates of ZIP ("90012", or ZIP+4 "90012-3405": the first five
 * digits count). HV_ERR_INVALID when ZIP is not of that form,
 * HV_ERR_NOTFOUND when the table has no such ZIP (unassigned, or a P.O.
 * box or single-building ZIP that has no area). */
hv_result zipgeo_lookup(const zipgeo *z, const char *zip, geo_point *out);

/* The process's one table, read at the first call from zipgeo_path(PATH)
 * and kept until zipgeo_shared_free(); later calls return the same table
 * whatever PATH they pass. A failed read is not remembered: the next call
 * tries again (and logs the failure, naming the path, each time). */
hv_result zipgeo_shared(const char *path, const zipgeo **out);
/* Frees the shared table; only when no thread can still be using it
 * (shutdown, tests). */
void zipgeo_shared_free(void);

#endif
