/*
 * admin-audit.js - /admin/audit: the audit log, newest first, a page at a
 * time ("Older entries" asks for entries before the last one shown).
 * ?limit=N sets the page size (default 50).
 */
import { ApiError, get } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, el, timeEl } from './ui.js';

const state = { nextBeforeId: null, count: 0, limit: 50 };

function row(e) {
  const outcome = e.outcome || '';
  const object = e.object_type
    ? `${e.object_type}${e.object_id !== null && e.object_id !== undefined && e.object_id !== '' ? ' ' + e.object_id : ''}`
    : '—';
  return el('tr', { dataset: { auditId: String(e.id) } },
    el('td', { 'data-label': 'Time', class: 'num' }, timeEl(e.at)),
    el('td', { 'data-label': 'Who' }, e.actor_username || (e.actor_user_id ? `User ${e.actor_user_id}` : el('span', { class: 'muted' }, 'No one signed in'))),
    el('td', { 'data-label': 'Action' }, el('span', { class: 'mono' }, e.action)),
    el('td', { 'data-label': 'Object' }, object),
    el('td', { 'data-label': 'Outcome', class: `outcome-${outcome.replace(/[^a-z_-]/gi, '')}` },
      outcome || '—', e.reason ? el('span', { class: 'muted' }, ` (${String(e.reason).replace(/_/g, ' ')})`) : null),
    el('td', { 'data-label': 'Request' }, e.request_id ? el('span', { class: 'mono' }, e.request_id) : '—'),
  );
}

async function loadPage() {
  const params = new URLSearchParams({ limit: String(state.limit) });
  if (state.nextBeforeId !== null) params.set('before_id', String(state.nextBeforeId));
  const older = $('#older');
  older.disabled = true;
  try {
    const data = await get(`/api/v1/audit?${params}`);
    const items = data.items || [];
    $('#audit-body').append(...items.map(row));
    state.count += items.length;
    state.nextBeforeId = data.next_before_id ?? null;
    const more = state.nextBeforeId !== null && items.length > 0;
    older.hidden = !more;
    $('#audit-end').hidden = more;
    $('#audit-caption').textContent = `${state.count} ${state.count === 1 ? 'entry' : 'entries'} shown, newest first`;
    return items.length;
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the audit log.');
    return 0;
  } finally {
    older.disabled = false;
  }
}

async function main() {
  const ctx = await initPage({ requires: 'audit.read' });
  if (!ctx) return;
  const limit = Number(new URLSearchParams(location.search).get('limit'));
  if (Number.isInteger(limit) && limit > 0 && limit <= 500) state.limit = limit;
  $('#older').addEventListener('click', async () => {
    const n = await loadPage();
    if (n) announce($('#list-status'), `${n} older ${n === 1 ? 'entry' : 'entries'} added.`);
  });
  $('#content').hidden = false;
  await loadPage();
}

main();
