/*
 * tasks.js - /tasks, "my tasks": the referrals waiting on the signed-in user
 * with their clocks, and unread notifications (GET /api/v1/tasks), each
 * marked read with POST /api/v1/notifications/{id}/read. New notifications
 * arrive on the live stream and the list re-reads itself. With `alerts.read`,
 * the open alerts come first (GET /api/v1/alerts?state=open), each with an
 * Acknowledge button (POST /api/v1/alerts/{id}/ack) and, on demand, the
 * state of its messages (GET /api/v1/alerts/{id}).
 */
import { ApiError, get, post } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, el, localTimeEl, timeEl } from './ui.js';
import { label } from './labels.js';
import { byUrgency, referralCard } from './cards.js';
import { debounce, listen, shortTime, startTicking, syncServerClock } from './live.js';

const state = { seq: 0, alertSeq: 0, alerts: false, openAlerts: new Set() };

/* Messages name times in UTC ("2026-11-23T09:06:53.568Z"): show them in local time. */
export function localTimes(text) {
  return String(text || '').replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/g, (iso) => shortTime(iso));
}

function noteItem(n) {
  const pr = n.priority || 'normal';
  const read = !!n.read_at;
  return el('li', { class: `note note--${pr}${read ? ' note--read' : ''}`, dataset: { notificationId: String(n.id) } },
    el('p', { class: 'note-message' },
      pr !== 'normal' ? el('span', { class: `badge badge-priority priority--${pr}` }, label('priority', pr)) : null,
      ' ', localTimes(n.message) || label('timeline', n.kind)),
    el('p', { class: 'note-meta muted' }, timeEl(n.created_at),
      n.referral_id ? [' · ', el('a', { href: `/case?id=${encodeURIComponent(n.referral_id)}` }, 'Open the case')] : null),
    read ? el('p', { class: 'muted' }, 'Read')
      : el('button', {
        type: 'button', class: 'btn btn-secondary btn-small',
        'aria-label': `Mark as read: ${localTimes(n.message) || n.kind}`,
        onclick: (e) => markRead(n, e.currentTarget),
      }, 'Mark as read'));
}

async function markRead(n, button) {
  button.disabled = true;
  try {
    await post(`/api/v1/notifications/${encodeURIComponent(n.id)}/read`, {});
    announce($('#notes-status'), 'Marked as read.');
    await load();
    const next = document.querySelector('#notes button');
    if (next) next.focus();
  } catch (err) {
    button.disabled = false;
    pageError(err instanceof ApiError ? err.message : 'Could not mark it read.');
  }
}

async function load() {
  const seq = ++state.seq;
  let data;
  try {
    data = await get('/api/v1/tasks');
  } catch (err) {
    if (seq === state.seq) pageError(err instanceof ApiError ? err.message : 'Could not load your tasks.');
    return;
  }
  if (seq !== state.seq) return;
  syncServerClock(data.now);
  const notes = (data.notifications || []).filter((n) => !n.read_at);
  $('#notes').replaceChildren(...notes.map(noteItem));
  $('#notes-summary').textContent = notes.length === 0 ? 'No unread notifications.'
    : notes.length === 1 ? '1 unread notification' : `${notes.length} unread notifications`;
  const refs = [...(data.referrals || [])].sort(byUrgency);
  $('#tasks').replaceChildren(...refs.map(referralCard));
  $('#tasks-summary').textContent = refs.length === 0 ? 'Nothing is waiting on you.'
    : refs.length === 1 ? '1 referral' : `${refs.length} referrals`;
}

/* ---- alerts ---------------------------------------------------------------- */

function alertWhat(a) {
  return localTimes(a.message) || label('alert_kind', a.kind);
}

function deliveriesTable(deliveries) {
  if (!deliveries.length) return el('p', { class: 'muted' }, 'No messages sent yet.');
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'data-table stack deliveries' },
      el('caption', {}, 'Messages sent for this alert'),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'How'), el('th', { scope: 'col' }, 'State'), el('th', { scope: 'col' }, 'Tries'),
        el('th', { scope: 'col' }, 'When'), el('th', { scope: 'col' }, 'Problem'))),
      el('tbody', {}, deliveries.map((d) => el('tr', { dataset: { deliveryId: String(d.id), state: d.state } },
        el('th', { scope: 'row', 'data-label': 'How' }, label('channel', d.channel)),
        el('td', { 'data-label': 'State', class: d.state === 'dead' ? 'outcome-failed' : undefined }, label('delivery_state', d.state)),
        el('td', { 'data-label': 'Tries', class: 'num' }, String(d.attempts ?? 0)),
        el('td', { 'data-label': 'When' }, d.sent_at ? ['Sent ', localTimeEl(d.sent_at)]
          : d.next_attempt_at && (d.state === 'pending' || d.state === 'sending') ? ['Next try ', localTimeEl(d.next_attempt_at)]
            : localTimeEl(d.created_at)),
        el('td', { 'data-label': 'Problem' }, d.last_error || '—'))))));
}

async function loadDeliveries(a, body) {
  try {
    const full = await get(`/api/v1/alerts/${encodeURIComponent(a.id)}`);
    body.replaceChildren(deliveriesTable(full.deliveries || []));
  } catch (err) {
    body.replaceChildren(el('p', { class: 'muted' }, err instanceof ApiError ? err.message : 'Could not load the messages.'));
  }
}

function alertItem(a) {
  const pr = a.priority || 'normal';
  const details = el('details', { class: 'form-details' },
    el('summary', { class: 'form-summary' }, 'Messages sent'),
    el('div', { class: 'deliveries-body' }, el('p', { class: 'muted' }, 'Loading…')));
  details.addEventListener('toggle', () => {
    if (details.open) {
      state.openAlerts.add(a.id);
      loadDeliveries(a, details.querySelector('.deliveries-body'));
    } else {
      state.openAlerts.delete(a.id);
    }
  });
  if (state.openAlerts.has(a.id)) details.open = true;
  const acked = a.state !== 'triggered';
  return el('li', { class: `note note--${pr === 'normal' ? 'high' : pr} alert-item`, dataset: { alertId: String(a.id), state: a.state } },
    el('p', { class: 'note-message' },
      el('span', { class: 'badge badge-priority' }, label('alert_kind', a.kind)), ' ', alertWhat(a)),
    el('p', { class: 'note-meta muted' },
      label('alert_state', a.state), ' · raised ', localTimeEl(a.created_at),
      a.step !== undefined && a.step !== null ? ` · step ${Number(a.step) + 1}` : null,
      a.round ? `, round ${Number(a.round) + 1}` : null,
      a.next_at && !acked ? [' · next step ', localTimeEl(a.next_at)] : null,
      a.referral_id ? [' · ', el('a', { href: `/case?id=${encodeURIComponent(a.referral_id)}` },
        a.referral_number ? `Open case ${a.referral_number}` : 'Open the case')] : null),
    acked ? el('p', { class: 'muted' }, 'Acknowledged ', localTimeEl(a.acked_at), a.ack_via ? ` ${label('ack_via', a.ack_via)}` : '')
      : el('button', {
        type: 'button', class: 'btn btn-small',
        'aria-label': `Acknowledge: ${alertWhat(a)}`,
        onclick: (e) => ackAlert(a, e.currentTarget),
      }, 'Acknowledge'),
    details);
}

async function ackAlert(a, button) {
  button.disabled = true;
  announce($('#alerts-alert'), '');
  try {
    await post(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, {});
    announce($('#alerts-status'), 'Acknowledged. The escalation has stopped.');
    await loadAlerts();
    const next = document.querySelector('#alerts button.btn:not(.btn-secondary)');
    if (next) next.focus();
    else $('#alerts-heading').focus();
  } catch (err) {
    button.disabled = false;
    announce($('#alerts-alert'), err instanceof ApiError ? err.message : 'Could not acknowledge the alert.');
  }
}

async function loadAlerts() {
  if (!state.alerts) return;
  const seq = ++state.alertSeq;
  let data;
  try {
    data = await get('/api/v1/alerts?state=open');
  } catch (err) {
    if (seq === state.alertSeq) $('#alerts-summary').textContent = err instanceof ApiError ? err.message : 'Could not load alerts.';
    return;
  }
  if (seq !== state.alertSeq) return;
  const alerts = [...(data.items || [])].sort((x, y) => String(y.created_at).localeCompare(String(x.created_at)));
  $('#alerts').replaceChildren(...alerts.map(alertItem));
  const waiting = alerts.filter((x) => x.state === 'triggered').length;
  $('#alerts-summary').textContent = alerts.length === 0 ? 'No open alerts.'
    : waiting === 0 ? `${alerts.length} open, all acknowledged.`
      : waiting === 1 ? '1 alert waits for an acknowledgement.' : `${waiting} alerts wait for an acknowledgement.`;
}

async function main() {
  const ctx = await initPage({ requires: 'tasks.read' });
  if (!ctx) return;
  $('#content').hidden = false;
  state.alerts = (ctx.me.can || []).includes('alerts.read');
  $('#alerts-section').hidden = !state.alerts;
  $('#alerts-heading').setAttribute('tabindex', '-1');
  startTicking();
  const reload = debounce(() => Promise.all([load(), loadAlerts()]), 100);
  listen({
    onNotification: reload,
    onCase: reload,
    onReconnect: reload,
    onState: (s) => announce($('#live-state'), s === 'live' ? 'Live: new notifications appear by themselves.'
      : 'Live updates lost; reconnecting…'),
  });
  await Promise.all([load(), loadAlerts()]);
}

main();
