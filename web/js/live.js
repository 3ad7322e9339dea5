/*
 * live.js - what the protocol's pages share for being live: the server's
 * clock (times left are counted from the server's `now`, not the device's),
 * countdowns that tick every second ("41 min left", "12 min overdue"), and
 * the server-sent event stream (GET /api/v1/events) that tells a page to
 * re-read what changed.
 */
import { COUNTY_TZ, el } from './ui.js';
import { label } from './labels.js';

/* ---- the server's clock ------------------------------------------------- */

let skewMs = 0; /* server time - device time, from the last answer with `now` */

/* Notes the server's NOW (ISO string or ms) from an answer just received. */
export function syncServerClock(now) {
  const t = typeof now === 'number' ? now : Date.parse(now);
  if (Number.isFinite(t)) skewMs = t - Date.now();
}

export function serverNow() {
  return Date.now() + skewMs;
}

/* ---- countdowns --------------------------------------------------------- */

/* 125 min -> "2 h 5 min"; 3000 min -> "2 d 2 h". */
function amount(totalMin) {
  if (totalMin < 60) return `${totalMin} min`;
  if (totalMin < 48 * 60) {
    const h = Math.floor(totalMin / 60);
    const m = totalMin % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(totalMin / (24 * 60));
  const h = Math.floor((totalMin % (24 * 60)) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/* MS until due (negative: past due) -> {text, overdue}. */
export function describeLeft(ms) {
  if (ms > 0) return { text: `${amount(Math.ceil(ms / 60000))} left`, overdue: false };
  const over = Math.floor(-ms / 60000);
  return { text: over < 1 ? 'due now: under 1 min overdue' : `${amount(over)} overdue`, overdue: true };
}

const shortFmt = new Intl.DateTimeFormat('en-US', {
  timeZone: COUNTY_TZ, month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
});

/* "Nov 23, 2:14 AM" in county time. */
export function shortTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '') : shortFmt.format(d);
}

function paint(node) {
  const due = Date.parse(node.dataset.due);
  if (!Number.isFinite(due)) return;
  const { text, overdue } = describeLeft(due - serverNow());
  if (node.textContent !== text) node.textContent = text;
  node.classList.toggle('countdown--overdue', overdue);
  const item = node.closest('.clock');
  if (item) item.classList.toggle('clock--overdue', overdue);
}

/*
 * One clock as a list item: its label and, while it runs (or is missed and
 * not yet met), a countdown; otherwise how it ended.
 */
export function clockItem(c) {
  const name = c.label || label('clock_kind', c.kind);
  const running = c.state === 'running' || c.state === 'missed';
  let status;
  if (running && c.due_at) {
    status = el('span', { class: 'countdown', dataset: { due: c.due_at } });
    paint(status);
  } else if (c.state === 'met') {
    status = el('span', { class: 'clock-done' },
      c.met_late ? `Met late, ${shortTime(c.met_at)}` : `Met ${c.met_at ? shortTime(c.met_at) : ''}`.trim());
  } else if (c.state === 'stopped') {
    status = el('span', { class: 'clock-done' }, 'Stopped');
  } else {
    status = el('span', { class: 'clock-done' }, label('clock_state', c.state));
  }
  const item = el('li', { class: `clock clock--${c.state}`, dataset: { kind: c.kind || '' } },
    el('span', { class: 'clock-label' }, name),
    ' ', status,
    running && c.due_at ? el('span', { class: 'clock-due' }, `due ${shortTime(c.due_at)}`) : null);
  if (running && c.due_at) paint(status);
  return item;
}

let ticking = false;
/* Repaints every countdown in the page once a second. */
export function startTicking() {
  if (ticking) return;
  ticking = true;
  setInterval(() => {
    for (const node of document.querySelectorAll('.countdown[data-due]')) paint(node);
  }, 1000);
}

/* ---- live events -------------------------------------------------------- */

/* FN, called at most once per WAIT ms after the last call. */
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

/*
 * Listens to GET /api/v1/events. onCase({referral_id, kind}),
 * onNotification(notification), onReconnect() after the stream was lost and
 * came back (things may have changed meanwhile), onState('live' |
 * 'reconnecting'). Returns a function that stops listening.
 */
export function listen({ onCase, onNotification, onReconnect, onState } = {}) {
  if (typeof EventSource === 'undefined') return () => {};
  let es = null;
  let lost = false;
  let stopped = false;
  let retry = null;
  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  };
  const connect = () => {
    es = new EventSource('/api/v1/events');
    es.addEventListener('open', () => {
      if (onState) onState('live');
      if (lost && onReconnect) onReconnect();
      lost = false;
    });
    es.addEventListener('case', (e) => {
      const d = parse(e);
      if (d && onCase) onCase(d);
    });
    es.addEventListener('notification', (e) => {
      const d = parse(e);
      if (d && onNotification) onNotification(d);
    });
    es.addEventListener('error', () => {
      if (stopped) return;
      lost = true;
      if (onState) onState('reconnecting');
      /* The browser retries by itself unless the answer was not a stream. */
      if (es.readyState === EventSource.CLOSED) {
        clearTimeout(retry);
        retry = setTimeout(connect, 10000);
      }
    });
  };
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    if (es) es.close();
  };
  window.addEventListener('pagehide', stop);
  connect();
  return stop;
}
