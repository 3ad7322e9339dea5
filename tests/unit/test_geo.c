/* test_geo.c - places for the services directory: great-circle distances
 * against independent figures, radius boxes that hold their whole circle
 * (also across the 180th meridian and over a pole), "lat,lon" parsing and
 * its errors, and the packaged ZIP table (data/zcta.tsv): lookups, ZIP+4,
 * unknown and malformed ZIPs, and a loader that names the bad line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "directory/geo.h"
#include "directory/zipgeo.h"

#define DEG (M_PI / 180.0)

/* Independent figures: City Hall of Los Angeles (200 N Spring St) and of
 * Long Beach (411 W Ocean Blvd). The WGS 84 geodesic between them is
 * 31.9707 km (GeographicLib 2.0, Karney's algorithm): 19.87 miles; on the
 * sphere 19.91. (A straight line; by road it is about 25 miles.) */
static const geo_point LA_CITY_HALL = {34.05361, -118.24278};
static const geo_point LB_CITY_HALL = {33.76807, -118.19566};

static void
test_distance_known(void **state)
{
    (void)state;
    double km = geo_distance_km(LA_CITY_HALL, LB_CITY_HALL);
    double mi = geo_distance_mi(LA_CITY_HALL, LB_CITY_HALL);
    assert_true(fabs(mi - 19.913) < 0.005);
    assert_true(fabs(km - 32.047) < 0.005);
    /* within the sphere's 0.5% of the ellipsoid's geodesic */
    assert_true(fabs(km - 31.9707) / 31.9707 < 0.005);
    /* the textbook case (Rosetta Code "Haversine formula": BNA to LAX,
     * 2887.2599506071106 km on a sphere of radius 6372.8 km) */
    geo_point bna = {36.12, -86.67}, lax = {33.94, -118.40};
    double rosetta = geo_distance_km(bna, lax) * 6372.8 / GEO_EARTH_RADIUS_KM;
    assert_true(fabs(rosetta - 2887.2599506071106) < 1e-6);
    /* symmetric, zero at one point, half the circumference at antipodes */
    assert_true(fabs(geo_distance_km(LB_CITY_HALL, LA_CITY_HALL) - km) < 1e-9);
    assert_true(geo_distance_km(LA_CITY_HALL, LA_CITY_HALL) == 0.0);
    geo_point a = {10, 20}, b = {-10, -160};
    assert_true(fabs(geo_distance_km(a, b) - M_PI * GEO_EARTH_RADIUS_KM) < 1e-3);
    /* one degree of latitude, and across the 180th meridian */
    geo_point p = {0, 179.5}, q = {0, -179.5}, n = {1, 179.5};
    assert_true(fabs(geo_distance_km(p, q) - geo_distance_km(p, n)) < 1e-9);
    assert_true(fabs(geo_distance_km(p, n) - GEO_EARTH_RADIUS_KM * DEG) < 1e-9);
    assert_true(fabs(geo_km_from_mi(5) - 8.04672) < 1e-12);
    assert_true(fabs(geo_mi_from_km(geo_km_from_mi(20.5)) - 20.5) < 1e-12);
}

/* The point DIST_KM from C on bearing BRG (radians), on the sphere. */
static geo_point
destination(geo_point c, double dist_km, double brg)
{
    double d = dist_km / GEO_EARTH_RADIUS_KM, la = c.lat * DEG, lo = c.lon * DEG;
    double la2 = asin(sin(la) * cos(d) + cos(la) * sin(d) * cos(brg));
    double lo2 = lo + atan2(sin(brg) * sin(d) * cos(la), cos(d) - sin(la) * sin(la2));
    lo2 = fmod(lo2 + 3 * M_PI, 2 * M_PI) - M_PI;
    return (geo_point){la2 / DEG, lo2 / DEG};
}

static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double
uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_rand(s) >> 11) / 9007199254740992.0;
}

/* Every point on and inside the circle lies in the box: random centres
 * (many near the poles and the 180th meridian), radii from a metre to
 * 2,000 km, points on the circle at random bearings and at the box's four
 * extreme bearings. */
static void
test_box_holds_circle(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int wrapped = 0, polar = 0;
    for (int i = 0; i < 20000; i++) {
        geo_point c;
        switch (i % 4) {
        case 0:
            c = (geo_point){uniform(&seed, -89, 89), uniform(&seed, -180, 180)};
            break;
        case 1: /* near a pole */
            c = (geo_point){uniform(&seed, 80, 90) * (i % 8 == 1 ? 1 : -1),
                            uniform(&seed, -180, 180)};
            break;
        case 2: /* near the 180th meridian */
            c = (geo_point){uniform(&seed, -70, 70),
                            uniform(&seed, 175, 180) * (i % 8 == 2 ? 1 : -1)};
            break;
        default: /* Los Angeles County */
            c = (geo_point){uniform(&seed, 33.3, 34.9), uniform(&seed, -118.95, -117.65)};
        }
        double r = exp(uniform(&seed, log(0.001), log(2000.0)));
        geo_box box;
        assert_int_equal(geo_box_around(c, r, &box), HV_OK);
        wrapped += box.wraps;
        polar += box.min_lon == -180.0 && box.max_lon == 180.0;
        assert_true(box.min_lat <= c.lat && c.lat <= box.max_lat);
        assert_true(geo_box_contains(&box, c));
        for (int k = 0; k < 12; k++) {
            double brg = k < 4 ? k * M_PI / 2 : uniform(&seed, 0, 2 * M_PI);
            geo_point p = destination(c, r, brg);
            assert_true(fabs(geo_distance_km(c, p) - r) < 1e-6);
            if (!geo_box_contains(&box, p))
                fail_msg("(%.6f,%.6f) r=%.6f km: bearing %.4f point (%.9f,%.9f) outside "
                         "[%.9f,%.9f]x[%.9f,%.9f]",
                         c.lat, c.lon, r, brg, p.lat, p.lon, box.min_lat, box.max_lat, box.min_lon,
                         box.max_lon);
        }
    }
    assert_true(wrapped > 100);
    assert_true(polar > 100);
}

/* The box is tight: its edges are the circle's northmost, southmost and
 * widest points, not more than a few centimetres out. */
static void
test_box_tight(void **state)
{
    (void)state;
    geo_point c = LA_CITY_HALL;
    double r = geo_km_from_mi(5);
    geo_box box;
    assert_int_equal(geo_box_around(c, r, &box), HV_OK);
    assert_int_equal(box.wraps, 0);
    geo_point north = {box.max_lat, c.lon}, south = {box.min_lat, c.lon};
    assert_true(fabs(geo_distance_km(c, north) - r) < 1e-4);
    assert_true(fabs(geo_distance_km(c, south) - r) < 1e-4);
    /* the widest longitude is reached at the latitude asin(sin(lat)/cos(d)) */
    double d = r / GEO_EARTH_RADIUS_KM;
    double lat_t = asin(sin(c.lat * DEG) / cos(d)) / DEG;
    geo_point east = {lat_t, box.max_lon}, west = {lat_t, box.min_lon};
    assert_true(fabs(geo_distance_km(c, east) - r) < 1e-4);
    assert_true(fabs(geo_distance_km(c, west) - r) < 1e-4);
    /* a point just outside the circle to the north is outside the box */
    geo_point out = {box.max_lat + 1e-5, c.lon};
    assert_false(geo_box_contains(&box, out));
    /* 5 miles from LA City Hall holds Chinatown, not Long Beach */
    assert_true(geo_box_contains(&box, (geo_point){34.0623, -118.2383}));
    assert_false(geo_box_contains(&box, LB_CITY_HALL));
}

static void
test_box_edges(void **state)
{
    (void)state;
    geo_box box;
    /* Adak, Alaska (ZIP 99546): 100 km crosses the 180th meridian */
    geo_point adak = {51.85567, -176.668632};
    assert_int_equal(geo_box_around(adak, 300, &box), HV_OK);
    assert_int_equal(box.wraps, 1);
    assert_true(box.min_lon > 0 && box.max_lon < 0);
    assert_true(geo_box_contains(&box, (geo_point){51.9, 179.9}));
    assert_true(geo_box_contains(&box, (geo_point){51.9, -176.0}));
    assert_false(geo_box_contains(&box, (geo_point){51.9, 0.0}));
    /* over the north pole: every longitude */
    assert_int_equal(geo_box_around((geo_point){89.9, 10}, 50, &box), HV_OK);
    assert_true(box.min_lon == -180.0 && box.max_lon == 180.0 && box.max_lat == 90.0);
    assert_int_equal(box.wraps, 0);
    /* radius 0 is the point itself (and its centimetre) */
    assert_int_equal(geo_box_around(LA_CITY_HALL, 0, &box), HV_OK);
    assert_true(geo_box_contains(&box, LA_CITY_HALL));
    assert_true(box.max_lat - box.min_lat < 1e-6);
    /* the whole Earth */
    assert_int_equal(geo_box_around(LA_CITY_HALL, GEO_MAX_RADIUS_KM, &box), HV_OK);
    assert_true(box.min_lat == -90.0 && box.max_lat == 90.0);
    /* refused */
    assert_int_equal(geo_box_around(LA_CITY_HALL, -1, &box), HV_ERR_INVALID);
    assert_int_equal(geo_box_around(LA_CITY_HALL, GEO_MAX_RADIUS_KM + 1, &box), HV_ERR_INVALID);
    assert_int_equal(geo_box_around(LA_CITY_HALL, NAN, &box), HV_ERR_INVALID);
    assert_int_equal(geo_box_around((geo_point){91, 0}, 1, &box), HV_ERR_INVALID);
    assert_int_equal(geo_box_around((geo_point){0, -180.5}, 1, &box), HV_ERR_INVALID);
    assert_int_equal(geo_box_around((geo_point){NAN, 0}, 1, &box), HV_ERR_INVALID);
}

static void
test_parse(void **state)
{
    (void)state;
    geo_point p;
    hv_err e;
    hv_err_clear(&e);
    assert_int_equal(geo_parse("34.0537,-118.2428", "near", &p, &e), HV_OK);
    assert_true(p.lat == 34.0537 && p.lon == -118.2428);
    assert_int_equal(geo_parse(" 34.0537 , -118.2428 ", "near", &p, &e), HV_OK);
    assert_true(p.lat == 34.0537 && p.lon == -118.2428);
    assert_int_equal(geo_parse("+90,180", NULL, &p, NULL), HV_OK);
    assert_int_equal(geo_parse("-90,-180", NULL, &p, NULL), HV_OK);
    assert_int_equal(geo_parse("0,0", NULL, &p, NULL), HV_OK);
    assert_int_equal(geo_parse("34,-118", NULL, &p, NULL), HV_OK);
    assert_int_equal(geo_parse(".5,-.5", NULL, &p, NULL), HV_OK);
    assert_true(p.lat == 0.5 && p.lon == -0.5);

    static const char *const bad[] = {
        "",          "34",
        "34,",       ",-118",
        "34;-118",   "34 -118",
        "34,-118,0", "34,-118,",
        "nan,0",     "0,nan",
        "inf,0",     "1e1,0",
        "0x10,0",    "34.0.1,2",
        "-,1",       ".,1",
        "34,-118x",  "3 4,-118",
        "++1,0",     "1,--2",
        "\t,\t",     "1234567890123456789012345678901234567890,0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hv_err_clear(&e);
        p = (geo_point){1, 2};
        if (geo_parse(bad[i], "near", &p, &e) != HV_ERR_INVALID)
            fail_msg("'%s' was accepted", bad[i]);
        assert_string_equal(e.field, "near");
        assert_true(strstr(e.detail, "latitude,longitude") != NULL);
        assert_true(p.lat == 1 && p.lon == 2); /* untouched */
    }
    assert_int_equal(geo_parse(NULL, "near", &p, &e), HV_ERR_INVALID);

    hv_err_clear(&e);
    assert_int_equal(geo_parse("90.0001,0", "near", &p, &e), HV_ERR_INVALID);
    assert_string_equal(e.detail, "latitude must be between -90 and 90");
    assert_int_equal(geo_parse("-91,0", "near", &p, &e), HV_ERR_INVALID);
    assert_int_equal(geo_parse("0,180.5", "near", &p, &e), HV_ERR_INVALID);
    assert_string_equal(e.detail, "longitude must be between -180 and 180");
    /* the value itself is never quoted back */
    assert_int_equal(geo_parse("34.05371,-218.24281", "near", &p, &e), HV_ERR_INVALID);
    assert_null(strstr(e.detail, "34.05371"));
    assert_null(strstr(e.detail, "218.24281"));
}

/* The packaged table, read once for the ZIP tests. */
static int
zip_setup(void **state)
{
    zipgeo *z = NULL;
    char err[512];
    hv_result rc = zipgeo_load(zipgeo_path(NULL), &z, err, sizeof err);
    if (rc != HV_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = z;
    return 0;
}

static int
zip_teardown(void **state)
{
    zipgeo_free(*state);
    return 0;
}

static void
test_zip_lookup(void **state)
{
    const zipgeo *z = *state;
    geo_point p;
    assert_int_equal(zipgeo_count(z), 33791);
    /* Los Angeles (Florence-Graham) and downtown Long Beach */
    assert_int_equal(zipgeo_lookup(z, "90001", &p), HV_OK);
    assert_true(p.lat == 33.973665 && p.lon == -118.249039);
    geo_point lb;
    assert_int_equal(zipgeo_lookup(z, "90802", &lb), HV_OK);
    assert_true(lb.lat == 33.751353 && lb.lon == -118.20682);
    /* downtown Long Beach's ZIP centre is within two miles of its City Hall */
    assert_true(geo_distance_mi(lb, LB_CITY_HALL) < 2.0);
    assert_true(fabs(geo_distance_mi(p, lb) - 15.55) < 0.01);
    /* the first and last rows, a leading zero, the territories */
    assert_int_equal(zipgeo_lookup(z, "00601", &p), HV_OK);
    assert_true(p.lat == 18.180555 && p.lon == -66.749961);
    assert_int_equal(zipgeo_lookup(z, "99929", &p), HV_OK);
    assert_int_equal(zipgeo_lookup(z, "96799", &p), HV_OK); /* American Samoa */
    assert_true(p.lat < 0);
    /* ZIP+4: the first five digits count */
    assert_int_equal(zipgeo_lookup(z, "90802-4604", &p), HV_OK);
    assert_true(p.lat == lb.lat && p.lon == lb.lon);
    /* no area: never assigned, or P.O. boxes only (LA's main post office) */
    assert_int_equal(zipgeo_lookup(z, "00000", &p), HV_ERR_NOTFOUND);
    assert_int_equal(zipgeo_lookup(z, "99999", &p), HV_ERR_NOTFOUND);
    assert_int_equal(zipgeo_lookup(z, "90053", &p), HV_ERR_NOTFOUND);
    /* not a ZIP */
    static const char *const bad[] = {
        "",       "9000",      "900011",      "9000a",      " 90001",     "90001 ", "-9000",
        "90001-", "90001-123", "90001-12345", "90001+1234", "90001-12a4", "９0001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (zipgeo_lookup(z, bad[i], &p) != HV_ERR_INVALID)
            fail_msg("'%s' was taken for a ZIP", bad[i]);
    assert_int_equal(zipgeo_lookup(z, NULL, &p), HV_ERR_INVALID);
    assert_int_equal(zipgeo_lookup(NULL, "90001", &p), HV_ERR_NOTFOUND);
}

/* Every ZCTA of the range Los Angeles County's ZIPs fall in (900xx-935xx,
 * shared with neighbouring counties) is a valid point in California. */
static void
test_zip_table_sane(void **state)
{
    const zipgeo *z = *state;
    char zip[6];
    int la = 0;
    for (int v = 90001; v <= 93599; v++) {
        geo_point p;
        snprintf(zip, sizeof zip, "%05d", v);
        if (zipgeo_lookup(z, zip, &p) != HV_OK)
            continue;
        la++;
        assert_true(geo_valid(p));
        assert_true(p.lat > 32.5 && p.lat < 42.0 && p.lon > -124.5 && p.lon < -114.0);
    }
    assert_true(la > 400);
}

static void
test_zip_shared(void **state)
{
    (void)state;
    const zipgeo *a = NULL, *b = NULL;
    assert_int_equal(zipgeo_shared(NULL, &a), HV_OK);
    assert_non_null(a);
    assert_int_equal(zipgeo_shared("/nonexistent/ignored-once-loaded", &b), HV_OK);
    assert_ptr_equal(a, b);
    zipgeo_shared_free();
    /* a failed read is not remembered, and leaves no table */
    assert_int_equal(zipgeo_shared("/nonexistent/zcta.tsv", &b), HV_ERR_IO);
    assert_null(b);
    assert_int_equal(zipgeo_shared(NULL, &b), HV_OK);
    assert_non_null(b);
    zipgeo_shared_free();
}

/* Writes TEXT to a temporary file, loads it, and returns the result; ERR
 * gets the loader's message with the temporary path cut off. */
static hv_result
load_text(const char *text, char *err, size_t errsz, size_t *count)
{
    char path[] = "/tmp/haven-zcta-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    zipgeo *z = NULL;
    char full[512] = "";
    hv_result rc = zipgeo_load(path, &z, full, sizeof full);
    unlink(path);
    const char *rest = strncmp(full, path, strlen(path)) == 0 ? full + strlen(path) : full;
    snprintf(err, errsz, "%s", rest);
    *count = zipgeo_count(z);
    zipgeo_free(z);
    return rc;
}

static void
test_zip_loader_errors(void **state)
{
    (void)state;
    char err[512];
    size_t n = 0;
    assert_int_equal(
        load_text("zip\tlat\tlon\n90001\t33.9\t-118.2\n90002\t33.9\t-118.2", err, sizeof err, &n),
        HV_OK);
    assert_int_equal(n, 2);
    /* CRLF, rows out of order */
    assert_int_equal(load_text("zip\tlat\tlon\r\n90002\t33.9\t-118.2\r\n90001\t33.9\t-118.2\r\n",
                               err, sizeof err, &n),
                     HV_OK);
    assert_int_equal(n, 2);

    struct {
        const char *text, *msg;
    } cases[] = {
        {"", ":1: the first line must be \"zip<TAB>lat<TAB>lon\""},
        {"zip,lat,lon\n90001,1,2\n", ":1: the first line must be \"zip<TAB>lat<TAB>lon\""},
        {"zip\tlat\tlon\n", ": no rows"},
        {"zip\tlat\tlon\n90001\t1\t2\n\n90002\t1\t2\n", ":3: expected three tab-separated fields"},
        {"zip\tlat\tlon\n90001\t1\n", ":2: expected three tab-separated fields"},
        {"zip\tlat\tlon\n90001\t1\t2\t3\n", ":2: expected three tab-separated fields"},
        {"zip\tlat\tlon\n9001\t1\t2\n", ":2: field 'zip': expected five digits"},
        {"zip\tlat\tlon\n90001\t1\t2\n9000x\t1\t2\n", ":3: field 'zip': expected five digits"},
        {"zip\tlat\tlon\n90001\t91\t2\n", ":2: field 'lat': expected degrees from -90 to 90"},
        {"zip\tlat\tlon\n90001\tnan\t2\n", ":2: field 'lat': expected degrees from -90 to 90"},
        {"zip\tlat\tlon\n90001\t\t2\n", ":2: field 'lat': expected degrees from -90 to 90"},
        {"zip\tlat\tlon\n90001\t1\t-180.1\n", ":2: field 'lon': expected degrees from -180 to 180"},
        {"zip\tlat\tlon\n90001\t1\t1e2\n", ":2: field 'lon': expected degrees from -180 to 180"},
        {"zip\tlat\tlon\n90001\t1\t2\n90002\t1\t2\n90001\t3\t4\n", ": zip 90001 is listed twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hv_result rc = load_text(cases[i].text, err, sizeof err, &n);
        if (rc != HV_ERR_INVALID || strcmp(err, cases[i].msg) != 0)
            fail_msg("case %zu: %s: '%s', wanted '%s'", i, hv_strerror(rc), err, cases[i].msg);
        assert_int_equal(n, 0);
    }

    zipgeo *z = NULL;
    assert_int_equal(zipgeo_load("/nonexistent/zcta.tsv", &z, err, sizeof err), HV_ERR_IO);
    assert_string_equal(err, "/nonexistent/zcta.tsv: cannot open: No such file or directory");
    assert_int_equal(zipgeo_load("/tmp", &z, err, sizeof err), HV_ERR_IO);
    assert_string_equal(err, "/tmp: cannot read: not a regular file");
    assert_null(z);
}

static void
test_zip_path(void **state)
{
    (void)state;
    assert_string_equal(zipgeo_path("/etc/haven/zcta.tsv"), "/etc/haven/zcta.tsv");
    const char *p = zipgeo_path("");
    assert_true(strstr(p, "data/zcta.tsv") != NULL);
    assert_int_equal(access(p, R_OK), 0);
    assert_string_equal(zipgeo_path(NULL), p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_known),
        cmocka_unit_test(test_box_holds_circle),
        cmocka_unit_test(test_box_tight),
        cmocka_unit_test(test_box_edges),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_zip_path),
        cmocka_unit_test_setup_teardown(test_zip_lookup, zip_setup, zip_teardown),
        cmocka_unit_test_setup_teardown(test_zip_table_sane, zip_setup, zip_teardown),
        cmocka_unit_test(test_zip_shared),
        cmocka_unit_test(test_zip_loader_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
