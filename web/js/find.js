/*
 * find.js - /find: search the services directory without signing in.
 *
 * One box for what, one for where (ZIP, address, or the phone's location),
 * a distance, and a few filters (open now, free, the youth's age, language,
 * kind of help). Every choice lives in the URL (?q=&near=&r=&open=1&free=1
 * &age=&language=&cat=&page=&lang=), so a search can be shared and the back
 * button works; nothing is kept anywhere else. Results come from GET
 * /api/directory/services as a list and as markers on a map. "More results"
 * adds the next page; ?page=N shows the first N pages at once.
 */
import { fmtDistance, fmtHoursWords, fmtNextOpen, fmtNumber, lang, t, termName } from './i18n.js';
import {
  addressText, callLink, directoryConfig, errorText, initShell, isFreeService, publicGet, updateLangSwitch,
} from './find-shell.js';
import { makeMap, showMarkers } from './find-map.js';
import { $, announce, el, replaceChildren } from './ui.js';

const PER_PAGE = 10;
const RADII = [1, 5, 10, 25];
const DEFAULT_RADIUS = 5;
/* Languages people in the county ask for, by ISO 639-1 code. */
const LANGUAGE_CODES = ['en', 'es', 'zh', 'ko', 'vi', 'tl', 'hy', 'fa', 'ru', 'ar', 'km', 'ja'];

initShell('find_title');

const form = $('#find-form');
const alertBox = $('#find-alert');
const status = $('#find-status');
const list = $('#results');
const moreBtn = $('#more');
const locateStatus = $('#locate-status');

let mapState = null;
let shown = [];   /* services on the page now */
let loaded = 0;   /* pages loaded */
let total = 0;
let seq = 0;      /* answers to an older search are dropped */

/* ---- the URL is the state --------------------------------------------- */

export function readState(search = location.search) {
  const p = new URLSearchParams(search);
  const r = Number(p.get('r'));
  const age = p.get('age');
  const page = Math.min(Math.max(parseInt(p.get('page') || '1', 10) || 1, 1), 20);
  return {
    q: (p.get('q') || '').slice(0, 200),
    near: (p.get('near') || '').slice(0, 200),
    r: RADII.includes(r) ? r : DEFAULT_RADIUS,
    open: p.get('open') === '1',
    free: p.get('free') === '1',
    age: age && /^\d{1,3}$/.test(age) ? age : '',
    language: /^[a-z]{2}$/.test(p.get('language') || '') ? p.get('language') : '',
    cat: (p.get('cat') || '').slice(0, 100),
    page,
  };
}

/* The page's URL for STATE (empty values left out; the language kept). */
export function stateUrl(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.near) p.set('near', s.near);
  if (s.r !== DEFAULT_RADIUS) p.set('r', String(s.r));
  if (s.open) p.set('open', '1');
  if (s.free) p.set('free', '1');
  if (s.age) p.set('age', s.age);
  if (s.language) p.set('language', s.language);
  if (s.cat) p.set('cat', s.cat);
  if (s.page > 1) p.set('page', String(s.page));
  p.set('lang', lang);
  return `/find?${p.toString()}`;
}

function formState() {
  const f = form.elements;
  return {
    q: f.q.value.trim(),
    near: f.near.value.trim(),
    r: Number(f.radius.value) || DEFAULT_RADIUS,
    open: f.open.checked,
    free: f.free.checked,
    age: f.age.value.trim(),
    language: f.language.value,
    cat: f.category.value,
    page: 1,
  };
}

function fillForm(s) {
  const f = form.elements;
  f.q.value = s.q;
  f.near.value = s.near;
  f.radius.value = String(s.r);
  f.open.checked = s.open;
  f.free.checked = s.free;
  f.age.value = s.age;
  f.language.value = s.language;
  if (s.cat && ![...f.category.options].some((o) => o.value === s.cat)) {
    f.category.append(el('option', { value: s.cat, text: s.cat }));
  }
  f.category.value = s.cat;
  if (s.age || s.language || s.cat) $('#more-filters').open = true;
}

function hasSearch(s) {
  return Boolean(s.q || s.near || s.open || s.free || s.age || s.language || s.cat);
}

/* The API query for STATE, pages FROM..(FROM+COUNT-1) of PER_PAGE. */
export function apiQuery(s, page, perPage) {
  const p = new URLSearchParams();
  if (s.q) p.set('search', s.q);
  if (s.near) {
    p.set('near', s.near);
    p.set('radius_mi', String(s.r));
  }
  if (s.open) p.set('open_now', 'true');
  if (s.free) p.set('free', 'true');
  if (s.age) p.set('age', s.age);
  if (s.language) p.set('language', s.language);
  if (s.cat) p.set('taxonomy_term_id', s.cat);
  p.set('page', String(page));
  p.set('per_page', String(perPage));
  return `/api/directory/services?${p.toString()}`;
}

/* ---- the form's choices ------------------------------------------------- */

function fillChoices() {
  const radius = form.elements.radius;
  replaceChildren(radius, RADII.map((n) => el('option', { value: String(n), text: t('miles', n) })));
  radius.value = String(DEFAULT_RADIUS);
  let names = null;
  try {
    names = new Intl.DisplayNames([lang], { type: 'language' });
  } catch {
    names = null;
  }
  const langSelect = form.elements.language;
  replaceChildren(langSelect, [
    el('option', { value: '', text: t('any_language') }),
    ...LANGUAGE_CODES.map((c) => el('option', { value: c, text: names ? names.of(c) : c })),
  ]);
  replaceChildren(form.elements.category, [el('option', { value: '', text: t('any_category') })]);
}

const termsOf = (data) => (Array.isArray(data) ? data : data?.contents || data?.items || [])
  .filter((x) => x && x.id && x.name);

/*
 * The kinds of help: the taxonomies' top terms. A top term that is only a
 * heading (Open Eligibility's "Human Services" facet) is shown as a group of
 * its children (Emergency, Food, Housing, ...), which are what people pick.
 */
async function loadCategories() {
  try {
    const top = termsOf(await publicGet('/api/directory/taxonomy_terms?top_only=true&per_page=100')).slice(0, 12);
    const kids = await Promise.all(top.map((x) => publicGet(`/api/directory/taxonomy_terms?parent_id=${encodeURIComponent(x.id)}&per_page=100`)
      .then(termsOf).catch(() => [])));
    const select = form.elements.category;
    const keep = select.value;
    const opt = (x) => el('option', { value: String(x.id), text: termName(x.name) });
    replaceChildren(select, [
      el('option', { value: '', text: t('any_category') }),
      ...top.filter((x, i) => !kids[i].length).map(opt),
      ...top.map((x, i) => (kids[i].length ? el('optgroup', { label: termName(x.name) }, kids[i].map(opt)) : null)).filter(Boolean),
    ]);
    if (keep && ![...select.options].some((o) => o.value === keep)) {
      select.append(el('option', { value: keep, text: keep }));
    }
    select.value = keep;
  } catch {
    /* the search works without the category list */
  }
}

/* ---- results ----------------------------------------------------------- */

function firstPhone(s) {
  if (s.phones && s.phones.length) return s.phones[0];
  for (const sal of s.service_at_locations || []) {
    const ph = sal?.location?.phones;
    if (ph && ph.length) return ph[0];
  }
  return null;
}

function pointOf(s) {
  if (s.latitude != null && s.longitude != null) return { lat: s.latitude, lon: s.longitude };
  for (const sal of s.service_at_locations || []) {
    const loc = sal?.location;
    if (loc && loc.latitude != null && loc.longitude != null) return { lat: loc.latitude, lon: loc.longitude };
  }
  return null;
}

function firstAddress(s) {
  if (s.location && s.location.address) return addressText(s.location.address);
  for (const sal of s.service_at_locations || []) {
    const a = sal?.location?.addresses?.[0];
    if (a) return addressText(a);
  }
  return '';
}

function serviceHref(s) {
  return `/service?id=${encodeURIComponent(s.id)}&from=find&lang=${lang}`;
}

function openBadge(s) {
  if (s.open_now === true) {
    const until = s.hours_text ? fmtHoursWords(s.hours_text) : '';
    return [el('span', { class: 'badge badge-ok badge-open' }, t('open_now')), until ? el('span', { class: 'result-hours' }, until) : null];
  }
  if (s.open_now === false) {
    const next = s.next_open || s.next_open_at ? fmtNextOpen(s) : t('closed_now');
    return el('span', { class: 'badge badge-off badge-closed' }, next);
  }
  return null;
}

/* Nodes with a space between them (read apart, not "Open nowFree"). */
function spaced(nodes) {
  return nodes.filter(Boolean).flatMap((n, i) => (i ? [' ', n] : [n]));
}

function resultItem(s, index) {
  const phone = firstPhone(s);
  const meta = [];
  if (s.distance_mi != null) meta.push(el('span', { class: 'result-distance' }, t('away', fmtDistance(s.distance_mi))));
  const addr = firstAddress(s);
  return el('li', { class: 'result', dataset: { id: String(s.id) } },
    el('h3', { class: 'result-title' },
      el('span', { class: 'result-num', 'aria-hidden': 'true' }, fmtNumber(index + 1)),
      el('a', { href: serviceHref(s) }, s.name || '')),
    s.organization?.name ? el('p', { class: 'result-org' }, s.organization.name) : null,
    el('p', { class: 'result-badges' }, spaced([...[openBadge(s)].flat(), isFreeService(s) ? el('span', { class: 'badge badge-free' }, t('free')) : null, ...meta])),
    addr ? el('p', { class: 'result-address' }, addr) : null,
    phone ? el('p', { class: 'result-call' }, callLink(phone, { small: true })) : null);
}

function popupFor(s) {
  return el('div', { class: 'map-popup' },
    el('a', { href: serviceHref(s) }, s.name || ''),
    s.distance_mi != null ? el('div', {}, t('away', fmtDistance(s.distance_mi))) : null,
    s.open_now === true ? el('div', {}, t('open_now')) : null);
}

function render(append) {
  if (!append) replaceChildren(list);
  const start = append ? list.children.length : 0;
  for (let i = start; i < shown.length; i++) list.append(resultItem(shown[i], i));
  moreBtn.hidden = shown.length >= total;
  if (mapState) {
    showMarkers(mapState, shown.map((s, i) => {
      const pt = pointOf(s);
      return pt ? { ...pt, title: s.name || '', label: fmtNumber(i + 1), popup: popupFor(s) } : {};
    }));
  }
}

function summary() {
  if (!total) return t('found_none');
  return shown.length < total ? `${t('found', total)} ${t('showing', fmtNumber(shown.length), fmtNumber(total))}` : t('found', total);
}

async function search(s) {
  const my = ++seq;
  announce(alertBox, '');
  if (!hasSearch(s)) {
    shown = [];
    total = 0;
    loaded = 0;
    render(false);
    moreBtn.hidden = true;
    announce(status, '');
    return;
  }
  announce(status, t('searching'));
  try {
    const page = await publicGet(apiQuery(s, 1, PER_PAGE * s.page));
    if (my !== seq) return;
    shown = page?.contents || [];
    total = Number(page?.total_items ?? shown.length);
    loaded = s.page;
    render(false);
    announce(status, summary());
  } catch (err) {
    if (my !== seq) return;
    shown = [];
    total = 0;
    render(false);
    moreBtn.hidden = true;
    announce(status, '');
    announce(alertBox, errorText(err));
  }
}

async function more() {
  const s = readState();
  const my = seq;
  moreBtn.disabled = true;
  try {
    const page = await publicGet(apiQuery(s, loaded + 1, PER_PAGE));
    if (my !== seq) return;
    const firstNew = shown.length;
    shown = shown.concat(page?.contents || []);
    total = Number(page?.total_items ?? shown.length);
    loaded += 1;
    /* the URL remembers how far the list goes, without a new history entry */
    history.replaceState(null, '', stateUrl({ ...s, page: loaded }));
    updateLangSwitch();
    render(true);
    announce(status, summary());
    const link = list.children[firstNew]?.querySelector('a');
    if (link) link.focus();
  } catch (err) {
    announce(alertBox, errorText(err));
  } finally {
    moreBtn.disabled = false;
  }
}

/* ---- wiring ------------------------------------------------------------ */

function go(s, push) {
  const url = stateUrl(s);
  if (push && url !== location.pathname + location.search) history.pushState(null, '', url);
  updateLangSwitch();
  return search(s);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const s = formState();
  if (s.age && !(/^\d{1,3}$/.test(s.age) && Number(s.age) <= 120)) {
    announce(alertBox, t('err_age'));
    form.elements.age.focus();
    return;
  }
  go(s, true);
});

$('#clear').addEventListener('click', () => {
  fillForm(readState('?'));
  announce(locateStatus, '');
  go(readState('?'), true);
  form.elements.q.focus();
});

moreBtn.addEventListener('click', more);

$('#use-location').addEventListener('click', () => {
  if (!navigator.geolocation) {
    announce(locateStatus, t('location_denied'));
    return;
  }
  announce(locateStatus, t('locating'));
  navigator.geolocation.getCurrentPosition((pos) => {
    /* three decimals (about 100 m) is enough for "near" and keeps less of a person's whereabouts */
    const near = `${pos.coords.latitude.toFixed(3)},${pos.coords.longitude.toFixed(3)}`;
    form.elements.near.value = near;
    announce(locateStatus, t('located'));
    go({ ...formState(), near }, true);
  }, () => announce(locateStatus, t('location_denied')), { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
});

window.addEventListener('popstate', () => {
  const s = readState();
  fillForm(s);
  go(s, false);
});

fillChoices();
const initial = readState();
fillForm(initial);
directoryConfig().then((cfg) => {
  mapState = makeMap($('#map'), cfg, { label: t('map_label') });
  $('#map-note').hidden = Boolean(cfg && cfg.tile_url);
  if (shown.length) render(false);
});
loadCategories();
search(initial);
