/*
 * safe-places.js - /safe-places: the Safe Youth Zones (fire stations,
 * libraries, community centres where any young person can walk in and ask
 * for help) as a list and a map, open now, and each site's staff contact;
 * the emergency line and crisis hotlines stay at the top of the page. From
 * GET /api/directory/sites (?near=&radius_mi=&open_now=true); the choices
 * live in the URL (?near=&r=&open=1&lang=). No sign-in.
 */
import { fmtDistance, fmtHoursWords, fmtNextOpen, fmtNumber, lang, t } from './i18n.js';
import {
  addressText, callLink, directionsHref, directoryConfig, errorText, initShell, publicGet, updateLangSwitch,
} from './find-shell.js';
import { makeMap, showMarkers } from './find-map.js';
import { $, announce, el, replaceChildren } from './ui.js';

const RADII = [1, 5, 10, 25];
const DEFAULT_RADIUS = 10;

initShell('safe_title');

const form = $('#safe-form');
const alertBox = $('#safe-alert');
const status = $('#safe-status');
const list = $('#sites');
let mapState = null;
let sites = [];
let seq = 0;

function readState(search = location.search) {
  const p = new URLSearchParams(search);
  const r = Number(p.get('r'));
  return {
    near: (p.get('near') || '').slice(0, 200),
    r: RADII.includes(r) ? r : DEFAULT_RADIUS,
    open: p.get('open') === '1',
  };
}

function stateUrl(s) {
  const p = new URLSearchParams();
  if (s.near) p.set('near', s.near);
  if (s.r !== DEFAULT_RADIUS) p.set('r', String(s.r));
  if (s.open) p.set('open', '1');
  p.set('lang', lang);
  return `/safe-places?${p.toString()}`;
}

function fillForm(s) {
  form.elements.near.value = s.near;
  form.elements.radius.value = String(s.r);
  form.elements.open.checked = s.open;
}

/* The sites answer's fields, whichever HSDS-like spelling it uses. */
function siteFields(x) {
  const addr = typeof x.address === 'string' ? x.address : addressText(x.address || (x.addresses || [])[0]);
  const lat = x.latitude ?? x.lat, lon = x.longitude ?? x.lon;
  const contact = x.staff_contact ?? x.syz_contact ?? x.contact ?? null;
  /* a number written in the staff contact becomes a button to call */
  const inContact = typeof contact === 'string' ? /(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}/.exec(contact) : null;
  const phone = x.phone || (x.phones || [])[0] || (contact && typeof contact === 'object' && contact.phone ? { number: contact.phone } : null)
    || (inContact ? { number: inContact[0] } : null);
  return {
    id: x.id, name: x.name || '', type: x.type ? t('site_types')[x.type] || x.type : '', addr, lat, lon,
    open: x.open_now, next: x.next_open || x.next_open_at ? fmtNextOpen(x) : '',
    hours: x.hours_text ? fmtHoursWords(x.hours_text) : '',
    contact: typeof contact === 'string' ? contact : contact ? [contact.name, contact.title, contact.email].filter(Boolean).join(', ') : '',
    phone: typeof phone === 'string' ? { number: phone } : phone,
    distance: x.distance_mi,
  };
}

function siteItem(x, i) {
  const f = siteFields(x);
  const dir = directionsHref(f.addr, Number(f.lat), Number(f.lon));
  return el('li', { class: 'result site', dataset: { id: String(f.id ?? '') } },
    el('h3', { class: 'result-title' }, el('span', { class: 'result-num', 'aria-hidden': 'true' }, fmtNumber(i + 1)), f.name),
    f.type ? el('p', { class: 'result-org' }, f.type) : null,
    el('p', { class: 'result-badges' },
      f.open === true ? el('span', { class: 'badge badge-ok badge-open' }, t('open_now'))
        : f.open === false ? el('span', { class: 'badge badge-off badge-closed' }, f.next || t('closed_now')) : null,
      ' ',
      f.distance != null ? el('span', { class: 'result-distance' }, t('away', fmtDistance(f.distance))) : null),
    f.addr ? el('p', { class: 'result-address' }, f.addr) : null,
    f.hours && typeof f.hours === 'string' ? el('p', { class: 'muted' }, `${t('hours')}: ${f.hours}`) : null,
    f.contact ? el('p', {}, `${t('staff_contact')}: ${f.contact}`) : null,
    el('p', { class: 'service-calls' },
      f.phone && f.phone.number ? callLink(f.phone, { small: true }) : null,
      dir ? el('a', { class: 'btn btn-secondary', href: dir, rel: 'noreferrer noopener', target: '_blank', 'aria-label': t('directions_to', f.addr || f.name) }, t('directions')) : null));
}

function render() {
  replaceChildren(list, sites.map(siteItem));
  if (mapState) {
    showMarkers(mapState, sites.map((x, i) => {
      const f = siteFields(x);
      return { lat: f.lat, lon: f.lon, title: f.name, label: fmtNumber(i + 1), popup: el('div', { class: 'map-popup' }, el('strong', {}, f.name), el('br'), f.addr, f.open === true ? [el('br'), t('open_now')] : null) };
    }));
  }
}

async function load(s) {
  const my = ++seq;
  announce(alertBox, '');
  announce(status, t('searching'));
  const p = new URLSearchParams();
  if (s.near) {
    p.set('near', s.near);
    p.set('radius_mi', String(s.r));
  }
  if (s.open) p.set('open_now', 'true');
  p.set('per_page', '100');
  try {
    const data = await publicGet(`/api/directory/sites?${p.toString()}`);
    if (my !== seq) return;
    sites = Array.isArray(data) ? data : data?.contents || data?.items || [];
    render();
    announce(status, sites.length ? t('sites_found', sites.length) : t('safe_none'));
  } catch (err) {
    if (my !== seq) return;
    sites = [];
    render();
    announce(status, '');
    announce(alertBox, errorText(err));
  }
}

function go(s, push) {
  const url = stateUrl(s);
  if (push && url !== location.pathname + location.search) history.pushState(null, '', url);
  updateLangSwitch();
  load(s);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  go({ near: form.elements.near.value.trim(), r: Number(form.elements.radius.value) || DEFAULT_RADIUS, open: form.elements.open.checked }, true);
});

$('#use-location').addEventListener('click', () => {
  const ls = $('#locate-status');
  if (!navigator.geolocation) {
    announce(ls, t('location_denied'));
    return;
  }
  announce(ls, t('locating'));
  navigator.geolocation.getCurrentPosition((pos) => {
    const near = `${pos.coords.latitude.toFixed(3)},${pos.coords.longitude.toFixed(3)}`;
    form.elements.near.value = near;
    announce(ls, t('located'));
    go({ near, r: Number(form.elements.radius.value) || DEFAULT_RADIUS, open: form.elements.open.checked }, true);
  }, () => announce(ls, t('location_denied')), { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
});

window.addEventListener('popstate', () => {
  const s = readState();
  fillForm(s);
  go(s, false);
});

replaceChildren(form.elements.radius, RADII.map((n) => el('option', { value: String(n), text: t('miles', n) })));
const initial = readState();
fillForm(initial);
directoryConfig().then((cfg) => {
  mapState = makeMap($('#map'), cfg, { label: t('safe_map') });
  $('#map-note').hidden = Boolean(cfg && cfg.tile_url);
  render();
});
load(initial);
