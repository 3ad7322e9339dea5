/*
 * service.js - /service?id=: one service of the directory, for someone
 * deciding whether and how to go: what it is, who it is for, cost, languages,
 * hours and whether it is open now, each place with its address, how to get
 * there and a directions link, phones to tap, what to bring, accessibility,
 * and a small map. From GET /api/directory/services/{id}; no sign-in.
 */
import { fmtDays, fmtHoursWords, fmtNextOpen, fmtTime, lang, t, termName } from './i18n.js';
import {
  addressText, callLink, directionsHref, directoryConfig, errorText, initShell, isFreeService, publicGet,
} from './find-shell.js';
import { makeMap, showMarkers } from './find-map.js';
import { $, announce, el, replaceChildren } from './ui.js';

initShell('service_title');

const alertBox = $('#service-alert');
const status = $('#service-status');

/* opened from the results: "back" returns to them as they were (scroll, more results) */
$('#back').addEventListener('click', (e) => {
  if (new URLSearchParams(location.search).get('from') === 'find' && history.length > 1) {
    e.preventDefault();
    history.back();
  }
});

function text(node, value) {
  node.textContent = value || t('not_listed');
}

function agesText(s) {
  const lo = s.minimum_age ?? null, hi = s.maximum_age ?? null;
  if (lo == null && hi == null) return t('all_ages');
  return t('ages', lo, hi);
}

function costText(s) {
  const parts = [];
  if (isFreeService(s)) parts.push(t('free'));
  if (s.fees_description) parts.push(s.fees_description);
  for (const c of s.cost_options || []) {
    /* "Free" again after our own word for it says nothing new */
    if (c.option && !parts.includes(c.option) && !(isFreeService(s) && /^(free|gratis)$/i.test(c.option.trim()))) parts.push(c.option);
  }
  return parts.join(' · ');
}

function languagesText(s) {
  let names = null;
  try {
    names = new Intl.DisplayNames([lang], { type: 'language' });
  } catch {
    names = null;
  }
  return (s.languages || []).map((l) => {
    if (l.code && names) {
      try {
        return names.of(l.code);
      } catch {
        return l.name || l.code;
      }
    }
    return l.name || l.code;
  }).filter(Boolean).join(', ');
}

function scheduleLine(sch) {
  const parts = [];
  if (sch.byday) parts.push(fmtDays(sch.byday));
  if (sch.opens_at && sch.closes_at) parts.push(`${fmtTime(sch.opens_at)} – ${fmtTime(sch.closes_at)}`);
  const line = parts.join(': ');
  if (sch.description) return line ? `${line} (${sch.description})` : sch.description;
  return line;
}

function renderHours(s) {
  const open = $('#service-open');
  replaceChildren(open);
  if (s.open_now === true) {
    open.append(el('span', { class: 'badge badge-ok badge-open' }, t('open_now')));
    if (s.hours_text) open.append(' ', fmtHoursWords(s.hours_text));
  }
  else if (s.open_now === false) {
    open.append(el('span', { class: 'badge badge-off badge-closed' }, t('closed_now')));
    if (s.next_open || s.next_open_at) open.append(' ', fmtNextOpen(s));
  }
  const lines = [];
  for (const sch of s.schedules || []) lines.push(scheduleLine(sch));
  for (const sal of s.service_at_locations || []) {
    for (const sch of sal.schedules || []) lines.push(scheduleLine(sch));
    const loc = sal.location || {};
    if (!(s.schedules || []).length) for (const sch of loc.schedules || []) lines.push(scheduleLine(sch));
  }
  const unique = [...new Set(lines.filter(Boolean))];
  if (!unique.length && s.hours_text) unique.push(fmtHoursWords(s.hours_text));
  replaceChildren($('#service-hours'), (unique.length ? unique : [t('not_listed')]).map((l) => el('li', {}, l)));
}

function locationBlock(sal) {
  const loc = sal.location || {};
  const addr = (loc.addresses || []).find((a) => a.address_type !== 'postal') || (loc.addresses || [])[0];
  const addrText = addressText(addr);
  const lat = loc.latitude != null ? Number(loc.latitude) : NaN;
  const lon = loc.longitude != null ? Number(loc.longitude) : NaN;
  const dir = directionsHref(addrText, lat, lon);
  const access = (loc.accessibility || []).map((a) => [a.description, a.details].filter(Boolean).join(': ')).filter(Boolean);
  const phones = (loc.phones || []).filter((p) => p.number);
  return el('div', { class: 'service-location' },
    el('h3', {}, loc.name || (loc.location_type === 'virtual' ? t('virtual') : t('where_title'))),
    addrText ? el('p', { class: 'service-address' }, addrText) : null,
    el('h4', {}, t('how_to_get')),
    el('p', { class: 'service-transport' }, loc.transportation || t('not_listed')),
    dir ? el('p', {}, el('a', { class: 'btn btn-secondary', href: dir, rel: 'noreferrer noopener', target: '_blank', 'aria-label': t('directions_to', addrText || loc.name || '') }, t('directions'))) : null,
    phones.length ? el('div', { class: 'service-calls' }, phones.map((p) => callLink(p, { small: true }))) : null,
    access.length ? el('div', {}, el('h4', {}, t('accessibility')), el('ul', { class: 'plain-list' }, access.map((a) => el('li', {}, a)))) : null);
}

function renderContact(s) {
  const items = [];
  for (const c of s.contacts || []) {
    const who = [c.name, c.title].filter(Boolean).join(', ');
    items.push(el('p', {}, who, c.email ? [' · ', el('a', { href: `mailto:${c.email}` }, c.email)] : null));
  }
  if (s.email) items.push(el('p', {}, `${t('email')}: `, el('a', { href: `mailto:${s.email}` }, s.email)));
  if (s.url && /^https?:\/\//i.test(s.url)) items.push(el('p', {}, `${t('website')}: `, el('a', { href: s.url, rel: 'noreferrer noopener' }, s.url)));
  if (items.length) {
    replaceChildren($('#service-contact'), items);
    $('#contact-section').hidden = false;
  }
}

function render(s) {
  $('#service-name').textContent = s.name || t('service_title');
  document.title = `${s.name || t('service_title')} · haven`;
  $('#service-org').textContent = s.organization?.name ? `${t('organization')}: ${s.organization.name}` : '';
  replaceChildren($('#service-badges'),
    s.open_now === true ? el('span', { class: 'badge badge-ok badge-open' }, t('open_now')) : null,
    isFreeService(s) ? el('span', { class: 'badge badge-free' }, t('free')) : null);
  const phones = (s.phones || []).filter((p) => p.number);
  replaceChildren($('#service-calls'), phones.map((p) => callLink(p)));
  text($('#service-description'), s.description);
  text($('#service-ages'), agesText(s));
  text($('#service-cost'), costText(s));
  text($('#service-languages'), languagesText(s));
  text($('#service-categories'), [...new Set((s.attributes || []).map((a) => a.taxonomy_term?.name).filter(Boolean).map(termName))].join(', '));
  renderHours(s);
  const sals = s.service_at_locations || [];
  replaceChildren($('#service-locations'), sals.map(locationBlock));
  const docs = (s.required_documents || []).map((d) => d.document || d.name).filter(Boolean);
  replaceChildren($('#service-bring'), (docs.length ? docs : [t('nothing_to_bring')]).map((d) => el('li', {}, d)));
  renderContact(s);
  $('#service').hidden = false;
  const points = sals.map((sal) => sal.location).filter((l) => l && l.latitude != null && l.longitude != null)
    .map((l) => ({ lat: l.latitude, lon: l.longitude, title: l.name || s.name || '', popup: el('div', {}, l.name || s.name || '', el('br'), addressText((l.addresses || [])[0])) }));
  const mapNode = $('#service-map');
  if (!points.length) {
    mapNode.hidden = true;
    return;
  }
  directoryConfig().then((cfg) => {
    const m = makeMap(mapNode, cfg, { label: t('location_map') });
    $('#map-note').hidden = Boolean(cfg && cfg.tile_url);
    showMarkers(m, points, { maxZoom: 15 });
  });
}

async function load() {
  const id = new URLSearchParams(location.search).get('id');
  if (!id) {
    announce(alertBox, t('no_id'));
    return;
  }
  try {
    render(await publicGet(`/api/directory/services/${encodeURIComponent(id)}`));
  } catch (err) {
    announce(alertBox, err && err.status === 404 ? t('no_service') : errorText(err));
  }
  announce(status, '');
}

load();
