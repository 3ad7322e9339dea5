/*
 * review.js - /review, the record-linkage review queue for supervisors and
 * administrators (docs/linkage.md "In haven"): pairs of youth records that
 * may be one child (GET /api/v1/link/pairs?status=), side by side with the
 * comparison in words; "Same person" merges (POST .../decision), "Different
 * people" and "Not sure" record the decision; a merge can be undone with a
 * reason (POST /api/v1/link/merges/{id}/undo).
 */
import { ApiError, get, post } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, el } from './ui.js';
import { options } from './labels.js';

const state = { seq: 0 };

const ROWS = [
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['aliases', 'Other names'],
  ['dob', 'Date of birth'],
  ['estimated_age', 'Estimated age'],
  ['gender', 'Gender'],
  ['language', 'Language'],
];

const genderLabel = (g) => options('gender').find((o) => o.value === g)?.label || g;

function cell(side, key) {
  const v = side[key];
  if (v === null || v === undefined || v === '') return el('td', { class: 'muted' }, 'not given');
  return el('td', {}, key === 'gender' ? genderLabel(v) : String(v));
}

function referralsCell(side) {
  const refs = side.referrals || [];
  const parts = refs.map((r) => el('li', {}, el('a', { href: `/case?id=${encodeURIComponent(r.id)}` }, r.number), ` (${r.date})`));
  if (side.other_referrals) parts.push(el('li', { class: 'muted' }, `${side.other_referrals} you may not open`));
  return el('td', {}, parts.length ? el('ul', { class: 'plain-list' }, ...parts) : 'none');
}

function decisionButtons(p, reason) {
  const decide = async (decision, button) => {
    button.disabled = true;
    try {
      await post(`/api/v1/link/pairs/${p.id}/decision`, { decision, reason: reason.value.trim() || undefined });
      announce($('#review-status'), decision === 'same'
        ? 'Merged: the two records are now one person.'
        : decision === 'different' ? 'Recorded: two different people.' : 'Recorded: not sure. The pair stays under "not sure".');
      await load();
    } catch (err) {
      button.disabled = false;
      announce($('#review-status'), err instanceof ApiError ? err.message : 'The decision was not saved. Try again.');
    }
  };
  const btn = (text, decision, cls) => el('button', {
    type: 'button', class: `btn btn-small ${cls}`, onclick: (e) => decide(decision, e.currentTarget),
  }, text);
  return el('div', { class: 'actions' },
    btn('Same person', 'same', ''),
    btn('Different people', 'different', 'btn-secondary'),
    btn('Not sure', 'unsure', 'btn-secondary'));
}

function undoButton(p, reason) {
  return el('div', { class: 'actions' }, el('button', {
    type: 'button', class: 'btn btn-small btn-secondary',
    onclick: async (e) => {
      const why = reason.value.trim();
      if (why.length < 3) {
        announce($('#review-status'), 'Say why the merge is undone (in the reason box).');
        reason.focus();
        return;
      }
      e.currentTarget.disabled = true;
      try {
        await post(`/api/v1/link/merges/${p.merge_id}/undo`, { reason: why });
        announce($('#review-status'), 'Unmerged: each record is back with the person it had before.');
        await load();
      } catch (err) {
        e.currentTarget.disabled = false;
        announce($('#review-status'), err instanceof ApiError ? err.message : 'The merge was not undone. Try again.');
      }
    },
  }, 'Undo the merge'));
}

function pairItem(p) {
  const reasonId = `reason-${p.id}`;
  const reason = el('textarea', { id: reasonId, rows: '2', maxlength: '500' });
  const open = p.status === 'pending' || p.status === 'unsure';
  return el('li', { class: 'panel pair', dataset: { pairId: String(p.id) } },
    el('h2', { class: 'pair-heading' }, `${Math.round(p.probability * 100)}% likely one person`,
      el('span', { class: 'muted' }, ` · found ${p.source === 'intake' ? 'at intake' : 'by the batch'}`)),
    el('ul', { class: 'match-reasons' }, ...(p.reasons || []).map((r) => el('li', {}, r))),
    el('table', { class: 'table pair-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, ''),
        el('th', { scope: 'col' }, `Record ${p.a.id}`), el('th', { scope: 'col' }, `Record ${p.b.id}`))),
      el('tbody', {},
        ...ROWS.map(([k, l]) => el('tr', {}, el('th', { scope: 'row' }, l), cell(p.a, k), cell(p.b, k))),
        el('tr', {}, el('th', { scope: 'row' }, 'Referrals'), referralsCell(p.a), referralsCell(p.b)))),
    p.status !== 'pending' ? el('p', { class: 'muted' }, `Decision: ${p.status}${p.reason ? ` (${p.reason})` : ''}`) : null,
    open || p.merge_id ? el('div', { class: 'field' }, el('label', { for: reasonId }, open ? 'Reason (optional)' : 'Why undo the merge'), reason) : null,
    open ? decisionButtons(p, reason) : null,
    !open && p.merge_id ? undoButton(p, reason) : null);
}

async function load() {
  const seq = ++state.seq;
  const status = $('#status-filter').value;
  let data;
  try {
    data = await get(`/api/v1/link/pairs?status=${encodeURIComponent(status)}`);
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the pairs. Reload the page.');
    return;
  }
  if (seq !== state.seq) return;
  const items = data.items || [];
  $('#review-summary').textContent = items.length === 0 ? 'No pairs here.'
    : items.length === 1 ? '1 pair.' : `${items.length} pairs, most likely first.`;
  $('#pairs').replaceChildren(...items.map(pairItem));
}

async function main() {
  const ctx = await initPage({ requires: 'linkage.review' });
  if (!ctx) return;
  const wanted = new URLSearchParams(location.search).get('status');
  if (wanted && [...$('#status-filter').options].some((o) => o.value === wanted)) $('#status-filter').value = wanted;
  $('#status-filter').addEventListener('change', load);
  $('#content').hidden = false;
  await load();
}

main();
