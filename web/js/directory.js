/*
 * directory.js - /directory, the services directory for its editors (and,
 * read-only, for staff who refer youth to services): search the services
 * (GET /api/v1/directory/services), the "not verified in 12 months" list
 * (GET /api/v1/directory/reports/unverified), the Safe Youth Zone sites and
 * their staff (GET /api/v1/sites) and, for editors, importing an
 * HSDS JSON file (POST /api/v1/directory/import). A refused file is shown
 * record by record with the server's message beside the record and field it
 * names; nothing was written, so the editor fixes it and imports again.
 */
import { ApiError, get, post } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, el, localTime } from './ui.js';

const PER_PAGE = 50;
const state = { q: '', page: 1, total: 0, seq: 0, canWrite: false };

const serviceLink = (s) => el('a', { href: `/directory-service?id=${encodeURIComponent(s.id)}` }, s.name);
const verified = (s) => (s.verified_at ? localTime(s.verified_at) : el('span', { class: 'muted' }, 'Never'));

async function loadList() {
  const seq = ++state.seq;
  const params = new URLSearchParams({ page: String(state.page), per_page: String(PER_PAGE) });
  if (state.q) params.set('q', state.q);
  let data;
  try {
    data = await get(`/api/v1/directory/services?${params}`);
  } catch (err) {
    if (seq === state.seq) pageError(err instanceof ApiError ? err.message : 'Could not load the services.');
    return;
  }
  if (seq !== state.seq) return;
  state.total = data.total;
  $('#services-body').replaceChildren(...data.items.map((s) => el('tr', { dataset: { serviceId: String(s.id) } },
    el('th', { scope: 'row' }, serviceLink(s)),
    el('td', {}, s.organization ? s.organization.name : '—'),
    el('td', {}, s.status),
    el('td', {}, verified(s)))));
  const pages = Math.max(1, Math.ceil(data.total / PER_PAGE));
  const what = state.q ? `matching “${state.q}”` : 'in the directory';
  $('#services-caption').textContent = data.total === 0 ? `No services ${what}.`
    : `${data.total} service${data.total === 1 ? '' : 's'} ${what}, page ${state.page} of ${pages}`;
  announce($('#list-status'), $('#services-caption').textContent);
  $('#prev-page').disabled = state.page <= 1;
  $('#next-page').disabled = state.page >= pages;
  pageError('');
}

async function loadStale() {
  let data;
  try {
    data = await get('/api/v1/directory/reports/unverified');
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the list.');
    return;
  }
  $('#stale-body').replaceChildren(...data.items.map((s) => el('tr', { dataset: { serviceId: String(s.id) } },
    el('td', {}, verified(s)),
    el('th', { scope: 'row' }, serviceLink(s)),
    el('td', {}, s.organization ? s.organization.name : '—'))));
  $('#stale-caption').textContent = data.total === 0
    ? 'Every service was verified in the last 12 months.'
    : `${data.total} service${data.total === 1 ? '' : 's'} not verified since ${localTime(data.cutoff)}, oldest first`;
}

async function loadSites() {
  let data;
  try {
    data = await get('/api/v1/sites');
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the sites.');
    return;
  }
  $('#sites-body').replaceChildren(...data.items.map((s) => el('tr', { dataset: { siteId: String(s.id) } },
    el('th', { scope: 'row' }, s.service_id
      ? el('a', { href: `/directory-service?id=${encodeURIComponent(s.service_id)}` }, s.name || `Site ${s.id}`)
      : s.name || `Site ${s.id}`),
    el('td', { 'data-label': 'Address' }, s.staging_address),
    el('td', { 'data-label': 'Contact' }, s.contact || '—'),
    el('td', { 'data-label': 'Site staff' }, s.staff.length ? s.staff.map((u) => u.display_name).join(', ')
      : el('span', { class: 'muted' }, 'Nobody linked')))));
  $('#sites-caption').textContent = data.items.length === 0 ? 'No Safe Youth Zone sites yet.'
    : `${data.items.length} Safe Youth Zone site${data.items.length === 1 ? '' : 's'}`;
}

const TABS = { all: null, stale: loadStale, sites: loadSites };

function showTab(which) {
  for (const name of Object.keys(TABS)) {
    $(`#panel-${name}`).hidden = name !== which;
    $(`#tab-${name}`).setAttribute('aria-pressed', String(name === which));
  }
  if (TABS[which]) TABS[which]();
}

/* ---- import ---------------------------------------------------------------------- */

/* The file's services, for listing them by row (as the server counts rows). */
function servicesOf(doc) {
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === 'object') return doc.services || doc.contents || [];
  return [];
}

function showRows(doc, problem) {
  const list = $('#import-rows');
  const rows = servicesOf(doc);
  list.replaceChildren(...rows.map((s, i) => {
    const row = i + 1;
    const bad = problem && problem.row === row;
    const title = (s && typeof s === 'object' && s.name) ? s.name : '(no name)';
    return el('li', { class: `record${bad ? ' field--invalid' : ''}`, dataset: { row: String(row) } },
      el('p', { class: 'record-title' }, `Row ${row}: ${title}`),
      bad ? el('p', { class: 'field-error', id: `import-row-${row}-error` },
        el('span', { class: 'mono' }, problem.field || ''), ': ', problem.reason) : null);
  }));
  list.hidden = rows.length === 0;
  const badItem = problem && list.querySelector(`[data-row="${problem.row}"]`);
  if (badItem) badItem.scrollIntoView({ block: 'nearest' });
}

async function importFile(ev) {
  ev.preventDefault();
  const input = $('#import-file');
  const alert = $('#import-alert');
  announce(alert, '');
  announce($('#import-status'), '');
  const file = input.files && input.files[0];
  if (!file) {
    announce(alert, 'Choose an HSDS JSON file first.');
    input.focus();
    return;
  }
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    announce(alert, `${file.name} is not JSON: check the file and try again.`);
    $('#import-rows').hidden = true;
    return;
  }
  const button = $('#import-form button[type=submit]');
  button.disabled = true;
  try {
    const r = await post('/api/v1/directory/import', { file: file.name, data: doc });
    showRows(doc, null);
    announce($('#import-status'), `${r.file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged.`);
    loadList();
  } catch (err) {
    if (err instanceof ApiError && err.problem && err.problem.row) {
      const p = err.problem;
      const reason = (p.detail || '').replace(/^.*?: /, '');
      announce(alert, `Nothing was imported. ${p.file}, row ${p.row}: ${reason}`);
      showRows(doc, { row: p.row, field: p.field, reason });
    } else {
      announce(alert, err instanceof ApiError ? `Nothing was imported. ${err.message}` : 'The import failed.');
    }
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const ctx = await initPage({ requires: 'directory.read' });
  if (!ctx) return;
  state.canWrite = (ctx.me.can || []).includes('directory.write');
  $('#new-service').hidden = !state.canWrite;
  $('#import-panel').hidden = !state.canWrite;
  $('#content').hidden = false;
  $('#search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.q = $('#q').value.trim();
    state.page = 1;
    loadList();
  });
  $('#prev-page').addEventListener('click', () => { state.page -= 1; loadList(); });
  $('#next-page').addEventListener('click', () => { state.page += 1; loadList(); });
  $('#tab-all').addEventListener('click', () => showTab('all'));
  $('#tab-stale').addEventListener('click', () => showTab('stale'));
  $('#tab-sites').hidden = !(ctx.me.can || []).includes('sites.write');
  $('#tab-sites').addEventListener('click', () => showTab('sites'));
  $('#import-form').addEventListener('submit', importFile);
  const view = new URLSearchParams(location.search).get('view');
  if (view === 'stale' || (view === 'sites' && !$('#tab-sites').hidden)) showTab(view);
  await loadList();
}

main();
