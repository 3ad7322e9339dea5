/*
 * ack.js - /ack?t=TOKEN: acknowledges one alert from the link in an email or
 * text message, without signing in. Opening the page only reads the alert
 * (GET /api/v1/ack/{token}): mail scanners fetch links, so nothing happens
 * until the person presses Acknowledge (POST /api/v1/ack/{token}). An
 * expired or used link answers 410, a malformed one 400.
 *
 * No layout init here: that would send a signed-out person to /login.
 */
import { ApiError, get, post } from './api.js';
import { $, announce, el, localTimeEl } from './ui.js';
import { label } from './labels.js';

const USED = 'This link has already been used or has expired, so it cannot acknowledge anything now. '
  + 'If the alert still needs you, sign in to haven and acknowledge it under My tasks.';
const MALFORMED = 'This link is not complete or not valid. Open the whole link from your message, '
  + 'or sign in to haven and acknowledge the alert under My tasks.';

/* Tokens are URL-safe text; anything else is a damaged link. */
export function tokenFrom(search = location.search) {
  const t = (new URLSearchParams(search).get('t') || '').trim();
  return /^[A-Za-z0-9._~-]{8,512}$/.test(t) ? t : null;
}

function explain(err) {
  if (err instanceof ApiError) {
    if (err.status === 410) return USED;
    if (err.status === 400 || err.status === 404) return MALFORMED;
    return err.message;
  }
  return 'Something went wrong in this page. Reload it and try again.';
}

function fail(message) {
  $('#ack-loading').hidden = true;
  $('#ack-form').hidden = true;
  announce($('#page-alert'), message);
  $('#ack-next').hidden = false;
}

function showAlert(a) {
  $('#ack-loading').hidden = true;
  $('#ack-what').textContent = label('alert_kind', a.kind);
  const rows = [
    ['Referral', a.referral_number || '—'],
    ['What', label('alert_kind', a.kind)],
    ['State', label('alert_state', a.state)],
  ];
  if (a.acked_at) rows.push(['Acknowledged', localTimeEl(a.acked_at)]);
  $('#ack-facts').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('#ack-message').textContent = a.message || '';
  $('#ack-alert').hidden = false;
}

async function main() {
  const token = tokenFrom();
  if (!token) {
    fail(MALFORMED);
    return;
  }
  const path = `/api/v1/ack/${encodeURIComponent(token)}`;
  let data;
  try {
    data = await get(path, { redirectOn401: false });
  } catch (err) {
    fail(explain(err));
    return;
  }
  const a = data.alert || {};
  showAlert(a);
  if (data.used) {
    fail(a.state === 'triggered' ? USED : 'This alert is already acknowledged. Nothing more to do here.');
    return;
  }
  if (a.state !== 'triggered') {
    $('#ack-next').hidden = false;
    announce($('#ack-status'), a.state === 'resolved' ? 'This alert is resolved. Nothing more to do here.'
      : 'Someone has already acknowledged this alert. Nothing more to do here.');
    return;
  }
  const form = $('#ack-form');
  form.hidden = false;
  const button = form.querySelector('button');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    announce($('#page-alert'), '');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const res = await post(path, {}, { redirectOn401: false });
      if (res && res.alert) showAlert(res.alert);
      form.hidden = true;
      $('#ack-next').hidden = false;
      announce($('#ack-status'), 'Acknowledged. Thank you — the escalation has stopped.');
      $('#ack-status').setAttribute('tabindex', '-1');
      $('#ack-status').focus();
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && (err.status === 410 || err.status === 400)) form.hidden = true;
      announce($('#page-alert'), explain(err));
    } finally {
      form.removeAttribute('aria-busy');
    }
  });
  button.focus();
}

main();
