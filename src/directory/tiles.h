/*
 * tiles.h - the map tiles of the public directory pages (/find, /service,
 * /safe-places). The pages draw their maps with Leaflet and need no tiles:
 * with `[directory] tile_url` empty (the default) a map is markers on a
 * plain background with a scale. A county that has a tile service sets
 * tile_url to a Leaflet URL template ("https://{s}.tile.example.org/{z}/{x}/{y}.png")
 * and tile_attribution to the credit it must show; the server's
 * Content-Security-Policy then allows images from that host, and only it.
 *
 * Pure functions, no state.
 */
#ifndef HAVEN_DIRECTORY_TILES_H
#define HAVEN_DIRECTORY_TILES_H

#include <stddef.h>

#include "core/err.h"
#include "core/result.h"

#define TILES_URL_MAX 240

/*
 * Checks the template URL and writes the CSP source that allows it to OUT:
 * "https://tiles.example.org", "https://tiles.example.org:8443", or
 * or, when the host starts with Leaflet's "{s}." subdomain placeholder, the
 * same with "*." before the host ("https:" "//" "*.tile.example.org"). An empty URL is HV_OK with
 * OUT "" (no tiles). Refused (HV_ERR_INVALID, field "tile_url"): not http(s), longer than
 * TILES_URL_MAX, a host that is not letters, digits, dots and hyphens (or
 * has a placeholder other than a leading "{s}."), a path without {z}, {x}
 * and {y}, or any character a CSP header or an HTML attribute could be
 * broken with (blanks, quotes, ';', ',', '<', '>', '\\').
 */
hv_result tiles_csp_source(const char *url, char *out, size_t outsz, hv_err *e);

/* Checks the attribution: at most 300 bytes, no control characters. */
hv_result tiles_check_attribution(const char *text, hv_err *e);

#endif
