/*
 * api_dirpages.c - what the public directory pages (/find, /service,
 * /safe-places) need from the server besides the directory's search API:
 * the map settings. Public (no sign-in): they hold no personal data.
 */
#include "api/api.h"

/* GET /api/directory/config: {tile_url, tile_attribution}; empty: no tiles. */
void
api_directory_config(http_req *r)
{
    haven_app *app = api_app(r);
    http_send_json(r, 200,
                   json_pack("{s:s, s:s}", "tile_url", app->cfg.tile_url, "tile_attribution",
                             app->cfg.tile_attribution));
}
