/*
 * tasks.js - /tasks, "my tasks": the referrals waiting on the signed-in user
 * with their clocks, and unread notifications (GET /api/v1/tasks), each
 * marked read with POST /api/v1/notifications/{id}/read. New notifications
 * arrive on the live stream and the list re-reads itself.
 */
import { ApiError, get, post } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, el, timeEl } from './ui.js';
import { label } from './labels.js';
import { byUrgency, referralCard } from './cards.js';
import { debounce, listen, shortTime, startTicking, syncServerClock } from './live.js';

const state = { seq: 0 };

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

async function main() {
  const ctx = await initPage({ requires: 'tasks.read' });
  if (!ctx) return;
  $('#content').hidden = false;
  startTicking();
  const reload = debounce(load, 100);
  listen({
    onNotification: reload,
    onCase: reload,
    onReconnect: reload,
    onState: (s) => announce($('#live-state'), s === 'live' ? 'Live: new notifications appear by themselves.'
      : 'Live updates lost; reconnecting…'),
  });
  await load();
}

main();
