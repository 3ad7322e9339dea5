/*
 * find-map.js - the public pages' maps (Leaflet, loaded as a classic script
 * before the modules: window.L).
 *
 * A map needs no tiles: without `[directory] tile_url` it is markers on a
 * plain background with a scale, which is enough to see what is near. With
 * a tile URL configured (the CSP's img-src then allows its host) the tiles
 * are drawn under the markers with the configured attribution.
 */
import { lang, t } from './i18n.js';

/* The middle of Los Angeles County, for a map with nothing on it yet. */
const COUNTY_CENTRE = [34.05, -118.25];

/* A Leaflet map in CONTAINER (an element) with the configured tiles or none. */
export function makeMap(container, cfg, { label } = {}) {
  const L = window.L;
  if (!L || !container) return null;
  const map = L.map(container, { scrollWheelZoom: false, zoomControl: true });
  map.setView(COUNTY_CENTRE, 9);
  map.attributionControl.setPrefix('Leaflet');
  if (cfg && cfg.tile_url) {
    L.tileLayer(cfg.tile_url, { attribution: cfg.tile_attribution || '', maxZoom: 19 }).addTo(map);
    container.classList.add('map--tiles');
  } else {
    container.classList.add('map--plain');
    container.dataset.tiles = 'none';
  }
  L.control.scale({ imperial: true, metric: lang === 'es' }).addTo(map);
  if (label) container.setAttribute('aria-label', label);
  container.setAttribute('role', 'region');
  /* Leaflet gives the container tabindex=0 for keyboard panning. */
  return { map, layer: L.featureGroup().addTo(map) };
}

/*
 * Puts a marker for each item with a point: ITEMS are {lat, lon, title,
 * popup (a Node), label (the list's number, optional)}; fits the view to
 * them. Returns how many were placed.
 */
export function showMarkers(m, items, { maxZoom = 14 } = {}) {
  if (!m) return 0;
  const L = window.L;
  m.layer.clearLayers();
  let n = 0;
  for (const it of items) {
    const lat = Number(it.lat), lon = Number(it.lon);
    if (it.lat == null || it.lon == null || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const opts = { title: it.title, alt: it.title, keyboard: true, riseOnHover: true };
    /* numbered like the list, so "3" on the map is the third result */
    if (it.label) {
      const span = document.createElement('span');
      span.textContent = it.label;
      opts.icon = L.divIcon({ className: 'num-marker', html: span, iconSize: [32, 32], iconAnchor: [16, 16], popupAnchor: [0, -14] });
    }
    const marker = L.marker([lat, lon], opts);
    if (it.popup) marker.bindPopup(it.popup);
    marker.addTo(m.layer);
    n++;
  }
  if (n) m.map.fitBounds(m.layer.getBounds(), { padding: [24, 24], maxZoom });
  return n;
}

/* After the container was hidden or resized. */
export function refreshMap(m) {
  if (m) m.map.invalidateSize();
}

export function mapNote() {
  return t('map_no_tiles');
}
