/* geo.c - distances, radius boxes and "lat,lon" parsing (see geo.h). */
#include "directory/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)
/* about a centimetre: keeps a point exactly on the circle inside the box */
#define BOX_MARGIN_KM 1e-5

int
geo_valid(geo_point p)
{
    return isfinite(p.lat) && isfinite(p.lon) && p.lat >= -90.0 && p.lat <= 90.0 &&
           p.lon >= -180.0 && p.lon <= 180.0;
}

double
geo_distance_km(geo_point a, geo_point b)
{
    double dlat = (b.lat - a.lat) * DEG, dlon = (b.lon - a.lon) * DEG;
    double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
    double h = s1 * s1 + cos(a.lat * DEG) * cos(b.lat * DEG) * s2 * s2;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
}

double
geo_distance_mi(geo_point a, geo_point b)
{
    return geo_distance_km(a, b) / GEO_KM_PER_MILE;
}

double
geo_km_from_mi(double mi)
{
    return mi * GEO_KM_PER_MILE;
}

double
geo_mi_from_km(double km)
{
    return km / GEO_KM_PER_MILE;
}

/* The box of a spherical cap (J. P. Matuschek, "Finding Points Within a
 * Distance of a Latitude/Longitude Using Bounding Coordinates"): latitudes
 * by the angular radius; longitudes by the meridians tangent to the circle,
 * unless the cap holds a pole, when every longitude is in reach. */
hv_result
geo_box_around(geo_point centre, double radius_km, geo_box *box)
{
    if (!geo_valid(centre) || !isfinite(radius_km) || radius_km < 0 ||
        radius_km > GEO_MAX_RADIUS_KM)
        return HV_ERR_INVALID;
    double r = (radius_km + BOX_MARGIN_KM) / GEO_EARTH_RADIUS_KM;
    double lat = centre.lat * DEG, lon = centre.lon * DEG;
    double lo = lat - r, hi = lat + r;
    memset(box, 0, sizeof *box);
    if (lo > -M_PI / 2 && hi < M_PI / 2) {
        double dlon = asin(sin(r) / cos(lat));
        double wlo = lon - dlon, whi = lon + dlon;
        if (wlo < -M_PI) {
            wlo += 2 * M_PI;
            box->wraps = 1;
        }
        if (whi > M_PI) {
            whi -= 2 * M_PI;
            box->wraps = 1;
        }
        box->min_lon = wlo / DEG;
        box->max_lon = whi / DEG;
    } else {
        box->min_lon = -180.0;
        box->max_lon = 180.0;
    }
    box->min_lat = fmax(lo / DEG, -90.0);
    box->max_lat = fmin(hi / DEG, 90.0);
    return HV_OK;
}

int
geo_box_contains(const geo_box *box, geo_point p)
{
    if (p.lat < box->min_lat || p.lat > box->max_lat)
        return 0;
    if (box->wraps)
        return p.lon >= box->min_lon || p.lon <= box->max_lon;
    return p.lon >= box->min_lon && p.lon <= box->max_lon;
}

/* One decimal number at *S: blanks, an optional sign, digits with at most
 * one point (at least one digit), blanks. Advances *S past it. */
static int
parse_number(const char **s, double *out)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *start = p;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0, point = 0;
    for (;; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !point)
            point = 1;
        else
            break;
    }
    size_t n = (size_t)(p - start);
    if (!digits || n >= 32)
        return -1;
    char tmp[32];
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    while (*p == ' ' || *p == '\t')
        p++;
    *s = p;
    return 0;
}

hv_result
geo_parse(const char *s, const char *field, geo_point *out, hv_err *e)
{
    geo_point p;
    if (!s || parse_number(&s, &p.lat) != 0 || *s++ != ',' || parse_number(&s, &p.lon) != 0 ||
        *s != '\0')
        return hv_fail(e, HV_ERR_INVALID, field,
                       "expected \"latitude,longitude\" in decimal degrees, e.g. "
                       "\"34.0537,-118.2428\"");
    if (!(p.lat >= -90.0 && p.lat <= 90.0))
        return hv_fail(e, HV_ERR_INVALID, field, "latitude must be between -90 and 90");
    if (!(p.lon >= -180.0 && p.lon <= 180.0))
        return hv_fail(e, HV_ERR_INVALID, field, "longitude must be between -180 and 180");
    *out = p;
    return HV_OK;
}
