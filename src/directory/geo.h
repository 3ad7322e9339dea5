/*
 * geo.h - points on the Earth for the services directory: great-circle
 * distance (haversine on a sphere of the mean Earth radius), the bounding box
 * of a radius (a cheap prefilter on indexed lat/lon columns before the exact
 * distance), and "lat,lon" text with bounds checks.
 *
 * Pure functions, no state. Degrees in and out; WGS 84 coordinates taken as
 * lying on a sphere (at most about 0.5% off the ellipsoid, far below what a
 * ZIP centroid or a "within 5 miles" search can tell).
 */
#ifndef HAVEN_DIRECTORY_GEO_H
#define HAVEN_DIRECTORY_GEO_H

#include "core/err.h"
#include "core/result.h"

#define GEO_EARTH_RADIUS_KM 6371.0088 /* IUGG mean radius */
#define GEO_KM_PER_MILE     1.609344  /* the international mile */
/* The largest radius geo_box_around accepts: half the Earth's circumference,
 * past which every point is within reach. */
#define GEO_MAX_RADIUS_KM 20015.0

typedef struct geo_point {
    double lat; /* -90..90, north positive */
    double lon; /* -180..180, east positive */
} geo_point;

/* A box of latitudes and longitudes that contains every point within a
 * radius of a centre. When the circle crosses the 180th meridian the box
 * wraps: min_lon > max_lon, and a point is inside when lon >= min_lon OR
 * lon <= max_lon (the SQL prefilter must say so). A circle over a pole
 * covers every longitude (-180..180). */
typedef struct geo_box {
    double min_lat, max_lat;
    double min_lon, max_lon;
    int wraps; /* 1: the longitude range crosses the 180th meridian */
} geo_box;

/* 1 when P is a finite point with lat in -90..90 and lon in -180..180. */
int geo_valid(geo_point p);
/* Great-circle distance between A and B in kilometres / miles. */
double geo_distance_km(geo_point a, geo_point b);
double geo_distance_mi(geo_point a, geo_point b);
double geo_km_from_mi(double mi);
double geo_mi_from_km(double km);
/* Fills BOX with a box containing every point within RADIUS_KM (0 to
 * GEO_MAX_RADIUS_KM) of CENTRE, with a margin of about a centimetre so a
 * point exactly on the circle is never cut off by rounding. HV_ERR_INVALID
 * for an invalid centre or radius. */
hv_result geo_box_around(geo_point centre, double radius_km, geo_box *box);
/* 1 when P is inside BOX (the test the SQL prefilter makes). */
int geo_box_contains(const geo_box *box, geo_point p);
/* Parses "lat,lon" (decimal degrees, optional blanks around each number,
 * e.g. "34.0537,-118.2428"; no exponents, hex, inf or nan) into OUT.
 * HV_ERR_INVALID when it is not two numbers or they are out of bounds; E
 * (may be NULL) then names FIELD (may be NULL) and says what is wrong
 * without quoting the value, which can be a person's whereabouts. */
hv_result geo_parse(const char *s, const char *field, geo_point *out, hv_err *e);

#endif
