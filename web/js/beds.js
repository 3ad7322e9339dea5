/*
 * beds.js - /beds, the bed board: each SODA/PAD provider's beds held for the
 * protocol, how many are occupied and how many are free (GET /api/v1/beds).
 */
import { ApiError, get } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, el } from './ui.js';

async function main() {
  const ctx = await initPage({ requires: 'beds.read' });
  if (!ctx) return;
  $('#content').hidden = false;
  let data;
  try {
    data = await get('/api/v1/beds');
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the beds.');
    $('#beds-caption').textContent = 'Beds could not be loaded.';
    return;
  }
  const items = data.items || [];
  $('#beds-body').replaceChildren(...items.map((b) => el('tr', { dataset: { agencyId: String(b.agency_id) } },
    el('th', { scope: 'row', 'data-label': 'Provider' }, b.name),
    el('td', { class: 'num', 'data-label': 'Beds' }, String(b.capacity ?? 0)),
    el('td', { class: 'num', 'data-label': 'Occupied' }, String(b.occupied ?? 0)),
    el('td', { class: `num${(b.free ?? 0) <= 0 ? ' beds-none' : ''}`, 'data-label': 'Free' },
      (b.free ?? 0) <= 0 ? `${b.free ?? 0} (full)` : String(b.free)))));
  const free = items.reduce((s, b) => s + Math.max(0, b.free || 0), 0);
  $('#beds-caption').textContent = items.length
    ? `${items.length} provider${items.length === 1 ? '' : 's'}, ${free} bed${free === 1 ? '' : 's'} free`
    : 'No bed providers yet.';
}

main();
