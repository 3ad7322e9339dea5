/* tiles.c - the map tile template and its CSP source (see tiles.h). */
#include "directory/tiles.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Characters a path or query of the template may hold: RFC 3986's
 * unreserved and sub-delimiters but ',' and ';' and quotes, plus Leaflet's
 * braces. */
static int
path_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return strchr("-._~/?#[]@!$&()*+=:%{}", c) != NULL && c != '\0';
}

static int
host_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

hv_result
tiles_csp_source(const char *url, char *out, size_t outsz, hv_err *e)
{
    if (outsz)
        out[0] = '\0';
    if (!url || !url[0])
        return HV_OK;
    size_t len = strlen(url);
    if (len > TILES_URL_MAX)
        return hv_fail(e, HV_ERR_INVALID, "tile_url", "must be at most %d characters",
                       TILES_URL_MAX);
    const char *p;
    if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return hv_fail(e, HV_ERR_INVALID, "tile_url", "must start with https:// (or http://)");
    size_t scheme_len = (size_t)(p - url);
    int wildcard = 0;
    if (strncmp(p, "{s}.", 4) == 0) {
        wildcard = 1;
        p += 4;
    }
    const char *host = p;
    while (*p && host_char_ok((unsigned char)*p))
        p++;
    size_t host_len = (size_t)(p - host);
    if (host_len == 0 || host[0] == '.' || host[0] == '-' || host[host_len - 1] == '.' ||
        (!memchr(host, '.', host_len) &&
         !(host_len == 9 && strncasecmp(host, "localhost", 9) == 0)))
        return hv_fail(e, HV_ERR_INVALID, "tile_url",
                       "needs a host name (letters, digits, dots; \"{s}.\" may lead)");
    const char *port = p;
    if (*p == ':') {
        p++;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 6) {
            p++;
            digits++;
        }
        if (digits == 0 || digits > 5)
            return hv_fail(e, HV_ERR_INVALID, "tile_url", "has a bad port");
    }
    size_t port_len = (size_t)(p - port);
    if (*p != '/')
        return hv_fail(e, HV_ERR_INVALID, "tile_url",
                       "needs a path after the host, e.g. /{z}/{x}/{y}.png");
    for (const char *q = p; *q; q++)
        if (!path_char_ok((unsigned char)*q))
            return hv_fail(e, HV_ERR_INVALID, "tile_url",
                           "may not hold blanks, quotes, commas, semicolons or angle brackets");
    if (!strstr(p, "{z}") || !strstr(p, "{x}") || !strstr(p, "{y}"))
        return hv_fail(e, HV_ERR_INVALID, "tile_url", "needs {z}, {x} and {y} in its path");
    int n = snprintf(out, outsz, "%.*s%s%.*s%.*s", (int)scheme_len, url, wildcard ? "*." : "",
                     (int)host_len, host, (int)port_len, port);
    if (n < 0 || (size_t)n >= outsz) {
        if (outsz)
            out[0] = '\0';
        return hv_fail(e, HV_ERR_INVALID, "tile_url", "is too long");
    }
    for (char *c = out; *c && c < out + scheme_len; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return HV_OK;
}

hv_result
tiles_check_attribution(const char *text, hv_err *e)
{
    if (!text)
        return HV_OK;
    if (strlen(text) > 300)
        return hv_fail(e, HV_ERR_INVALID, "tile_attribution", "must be at most 300 bytes");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return hv_fail(e, HV_ERR_INVALID, "tile_attribution",
                           "may not hold control characters");
    return HV_OK;
}
