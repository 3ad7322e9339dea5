/*
 * geocode.h - an address to coordinates, through a configurable geocoder
 * over HTTP (libcurl), for the directory's "near this address" search.
 *
 * Two shapes of service are spoken ([directory] geocoder):
 *   nominatim  GET {base}/search?format=jsonv2&q=ADDRESS&limit=1&countrycodes=us
 *              answers a JSON array; [0].lat and [0].lon (strings or numbers)
 *   census     GET {base}/geocoder/locations/onelineaddress?address=ADDRESS
 *                  &benchmark=Public_AR_Current&format=json
 *              answers result.addressMatches[0].coordinates.x (lon) / .y (lat)
 * Each call sends a User-Agent naming haven (and the county's public_url,
 * as Nominatim's usage policy asks), gives up after the configured timeout,
 * and follows at most three redirects, over http and https only.
 *
 * The address may be a youth's: it is never logged, and the small in-memory
 * cache keeps only a keyed hash of it (BLAKE2b under a key made at start and
 * never stored), never the text. Answers are cached for a day, "no such
 * address" for ten minutes; failures are not cached.
 *
 * A geocoder is safe to share between threads (one curl handle per call,
 * the cache behind a mutex).
 */
#ifndef HAVEN_DIRECTORY_GEOCODE_H
#define HAVEN_DIRECTORY_GEOCODE_H

#include <stddef.h>

#include "core/config.h"
#include "core/result.h"
#include "directory/geo.h"

typedef enum geocode_kind { GEOCODE_NONE, GEOCODE_NOMINATIM, GEOCODE_CENSUS } geocode_kind;

#define GEOCODE_NOMINATIM_URL "https://nominatim.openstreetmap.org"
#define GEOCODE_CENSUS_URL    "https://geocoding.geo.census.gov"
#define GEOCODE_MAX_ADDRESS   300 /* bytes of an address, after trimming */

typedef struct geocode_options {
    geocode_kind kind;
    const char *base_url; /* NULL or "": the public service of KIND */
    long timeout_ms;      /* 0: 5000 */
    const char *contact;  /* added to the User-Agent (public_url), or NULL */
    /* Fewest milliseconds between two calls to the service; a call sooner
     * is refused with HV_ERR_RATE. -1: 1000 for the public Nominatim (its
     * usage policy allows one request a second), else 0 (no limit). */
    long min_interval_ms;
    size_t cache_entries; /* 0: 256 */
} geocode_options;

typedef struct geocoder geocoder;

/* Makes a geocoder from OPT into *OUT (free with geocoder_free).
 * HV_ERR_CONFIG when the base URL is not http:// or https://. */
hv_result geocoder_new(const geocode_options *opt, geocoder **out);
/* The same from the [directory] keys of CFG (and [notify] public_url). */
hv_result geocoder_from_config(const haven_config *cfg, geocoder **out);
void geocoder_free(geocoder *g);
geocode_kind geocoder_kind(const geocoder *g);
/* "none", "nominatim" or "census" to a kind; -1 when none of them. */
int geocode_kind_parse(const char *s);

/* The coordinates of ADDRESS (one line, e.g. "500 W Temple St, Los Angeles,
 * CA 90012"), best match only. Returns
 *   HV_OK              OUT filled
 *   HV_ERR_INVALID     ADDRESS is empty, longer than GEOCODE_MAX_ADDRESS
 *                      bytes, or holds control characters
 *   HV_ERR_NOTFOUND    the service found no such place
 *   HV_ERR_UNAVAILABLE no geocoder is configured (kind none), or the service
 *                      failed: unreachable, timed out, not 200, or an answer
 *                      of the wrong shape (logged with the HTTP status and
 *                      curl's code, never the address)
 *   HV_ERR_RATE        sooner than min_interval_ms after the last call
 *   HV_ERR_NOMEM */
hv_result geocode_address(geocoder *g, const char *address, geo_point *out);

/* Reads a service's answer BODY (LEN bytes) of the shape of KIND: HV_OK with
 * OUT, HV_ERR_NOTFOUND for an empty match list, HV_ERR_UNAVAILABLE for any
 * other shape or coordinates out of bounds. (The parser geocode_address
 * uses; a fuzz target calls it directly.) */
hv_result geocode_parse(geocode_kind kind, const char *body, size_t len, geo_point *out);

#endif
