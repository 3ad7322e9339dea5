/*
 * find-shell.js - what the public directory pages (/find, /service,
 * /safe-places) share: the language (i18n.js) applied to the page, the
 * language switch that keeps the query, the "Quick exit" button, the public
 * API calls with their errors in the page's language, tap-to-call links, and
 * the directory's map settings.
 *
 * No sign-in, no cookies of ours, no storage: the URL is the only memory.
 */
import { ApiError, get } from './api.js';
import { applyI18n, lang, pickLang, setLang, t, urlInLang } from './i18n.js';
import { $, el } from './ui.js';

/* Where "Quick exit" goes: a neutral site with nothing to explain. */
export const NEUTRAL_URL = 'https://www.weather.gov/';

export function quickExit() {
  /* blank the page at once, then leave without a history entry here */
  document.title = '';
  document.body.replaceChildren();
  location.replace(NEUTRAL_URL);
}

/* Sets the language, fills the page's words, wires the header. TITLE_KEY names <title>. */
export function initShell(titleKey) {
  setLang(pickLang());
  applyI18n();
  if (titleKey) document.title = `${t(titleKey)} · haven`;
  updateLangSwitch();
  const exit = $('#quick-exit');
  if (exit) exit.addEventListener('click', quickExit);
  let lastEsc = 0;
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const now = Date.now();
    if (now - lastEsc < 1000) quickExit();
    lastEsc = now;
  });
  /* links between the public pages keep the language */
  for (const a of document.querySelectorAll('a[data-keep-lang]')) {
    const u = new URL(a.getAttribute('href'), location.origin);
    u.searchParams.set('lang', lang);
    a.setAttribute('href', u.pathname + u.search);
  }
}

/* The switch points at this very URL (query kept) in the other language. */
export function updateLangSwitch() {
  const sw = $('#lang-switch');
  if (!sw) return;
  const other = lang === 'es' ? 'en' : 'es';
  sw.href = urlInLang(other);
  sw.hreflang = other;
  sw.lang = other;
  sw.textContent = t('switch_to');
}

/* GET a public directory path; never sends anyone to the sign-in page. */
export function publicGet(path) {
  return get(path, { redirectOn401: false });
}

/* An error from publicGet as words in the page's language. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t('err_generic');
  if (err.status === 0) return t('err_network');
  const fields = err.fieldErrors.map((f) => f.name);
  if (fields.includes('near')) return /address/i.test(err.message) ? t('err_zip_area') : t('err_near');
  if (fields.includes('age')) return t('err_age');
  if (fields.includes('radius_mi')) return t('err_radius');
  return t('err_generic');
}

/* "(213) 555-0100 ext. 2" -> "tel:2135550100,2"; null when there are no digits. */
export function telHref(number, ext) {
  const raw = String(number || '');
  const plus = raw.trim().startsWith('+') ? '+' : '';
  const digits = raw.replace(/\D/g, '');
  if (!digits) return null;
  const x = String(ext || '').replace(/\D/g, '');
  return `tel:${plus}${digits}${x ? ',' + x : ''}`;
}

/* A big tap-to-call link for PHONE ({number, extension}). */
export function callLink(phone, { small = false } = {}) {
  const href = telHref(phone.number, phone.extension);
  if (!href) return el('span', { text: phone.number || '' });
  return el('a', { class: small ? 'btn btn-secondary btn-call' : 'btn btn-call', href }, t('call', phone.number));
}

let configPromise = null;
/* {tile_url, tile_attribution} of [directory]; no tiles when it cannot be read. */
export function directoryConfig() {
  if (!configPromise) {
    configPromise = publicGet('/api/directory/config').catch(() => ({ tile_url: '', tile_attribution: '' }));
  }
  return configPromise;
}

/* One line of an HSDS address. */
export function addressText(a) {
  if (!a) return '';
  const street = [a.address_1, a.address_2].filter(Boolean).join(', ');
  const cityLine = [a.city, [a.state_province, a.postal_code].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return [street, cityLine].filter(Boolean).join(', ');
}

/* A directions link to ADDRESS (text) or a point: opens the phone's maps. */
export function directionsHref(address, lat, lon) {
  const dest = address || (Number.isFinite(lat) && Number.isFinite(lon) ? `${lat},${lon}` : '');
  if (!dest) return null;
  return `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(dest)}`;
}

/* Free: haven's `free` flag, a cost option of 0, or fees that say so. */
export function isFreeService(s) {
  if (s.free === true) return true;
  if ((s.cost_options || []).some((c) => c && c.amount !== undefined && c.amount !== null && Number(c.amount) === 0)) return true;
  return /\b(free|no cost|no charge|gratis|sin costo)\b/i.test(s.fees_description || '');
}
