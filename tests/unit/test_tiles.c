/* test_tiles.c - the public directory pages' map tiles: the tile URL
 * template is checked and turned into the one CSP img-src source that
 * allows it (with "*." for Leaflet's {s} subdomains); anything that could
 * break the CSP header or the page is refused naming tile_url. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "directory/tiles.h"

static void
ok(const char *url, const char *want)
{
    char out[TILES_URL_MAX + 8];
    hv_err e = {0};
    hv_result r = tiles_csp_source(url, out, sizeof out, &e);
    if (r != HV_OK)
        fail_msg("'%s' refused: %s", url, e.detail);
    assert_string_equal(out, want);
}

static void
bad(const char *url)
{
    char out[TILES_URL_MAX + 8] = "x";
    hv_err e = {0};
    if (tiles_csp_source(url, out, sizeof out, &e) != HV_ERR_INVALID)
        fail_msg("'%s' accepted", url);
    assert_string_equal(e.field, "tile_url");
    assert_string_equal(out, "");
}

static void
test_sources(void **state)
{
    (void)state;
    ok("", "");
    ok(NULL, "");
    ok("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org");
    ok("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org");
    ok("HTTPS://Tiles.Example.org:8443/osm/{z}/{x}/{y}.png?key=abc&v=1",
       "https://Tiles.Example.org:8443");
    ok("http://localhost:8081/{z}/{x}/{y}.png", "http://localhost:8081");
    ok("https://maps.example.gov/tiles/{z}/{x}/{y}@2x.png", "https://maps.example.gov");
}

static void
test_refused(void **state)
{
    (void)state;
    bad("ftp://tiles.example.org/{z}/{x}/{y}.png");
    bad("//tiles.example.org/{z}/{x}/{y}.png");
    bad("tiles.example.org/{z}/{x}/{y}.png");
    bad("https:///{z}/{x}/{y}.png");
    bad("https://tiles/{z}/{x}/{y}.png");
    bad("https://.example.org/{z}/{x}/{y}.png");
    bad("https://tiles.example.org");
    bad("https://tiles.example.org/{z}/{x}.png");
    bad("https://tiles.example.org:/{z}/{x}/{y}.png");
    bad("https://tiles.example.org:1234567/{z}/{x}/{y}.png");
    bad("https://tiles.{s}.example.org/{z}/{x}/{y}.png");
    bad("https://tiles.example.org/{z}/{x}/{y}.png; script-src *");
    bad("https://tiles.example.org/{z}/{x}/{y}.png,evil");
    bad("https://tiles.example.org/{z}/{x}/{y}.png'");
    bad("https://tiles.example.org/{z}/{x}/{y}.png\"");
    bad("https://tiles.example.org/{z}/{x}/{y}.png<script>");
    bad("https://tiles.example.org/{z} /{x}/{y}.png");
    bad("https://tiles.example.org/{z}/{x}/{y}.png\r\nX-Evil: 1");
    bad("https://tiles.example.org;/{z}/{x}/{y}.png");
    bad("https://user@tiles.example.org/{z}/{x}/{y}.png");
    char longer[TILES_URL_MAX + 40];
    memset(longer, 'a', sizeof longer);
    memcpy(longer, "https://t.example.org/{z}/{x}/{y}/", 34);
    longer[sizeof longer - 1] = '\0';
    bad(longer);
}

static void
test_small_output(void **state)
{
    (void)state;
    char out[12];
    hv_err e = {0};
    assert_int_equal(
        tiles_csp_source("https://tiles.example.org/{z}/{x}/{y}.png", out, sizeof out, &e),
        HV_ERR_INVALID);
    assert_string_equal(out, "");
}

static void
test_attribution(void **state)
{
    (void)state;
    hv_err e = {0};
    assert_int_equal(tiles_check_attribution("", &e), HV_OK);
    assert_int_equal(
        tiles_check_attribution("&copy; <a href=\"https://osm.org/copyright\">OSM</a>", &e), HV_OK);
    assert_int_equal(tiles_check_attribution("a\nb", &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "tile_attribution");
    char longer[400];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(tiles_check_attribution(longer, &e), HV_ERR_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_small_output),
        cmocka_unit_test(test_attribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
