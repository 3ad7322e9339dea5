/*
 * board.js - /board, the dispatch board: every open referral the caller may
 * see (GET /api/v1/referrals?open=1) with its clocks counting down each
 * second, kept current by the live stream: any `case` event re-reads the
 * list (at most every 100 ms), so a new referral shows within a second.
 */
import { ApiError, get } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce } from './ui.js';
import { byUrgency, referralCard } from './cards.js';
import { debounce, listen, startTicking, syncServerClock } from './live.js';

const state = { seq: 0, known: null };

async function load() {
  const seq = ++state.seq;
  let data;
  try {
    data = await get('/api/v1/referrals?open=1');
  } catch (err) {
    if (seq === state.seq) pageError(err instanceof ApiError ? err.message : 'Could not load the board.');
    return;
  }
  if (seq !== state.seq) return; /* a newer read answered first */
  syncServerClock(data.now);
  const items = [...(data.items || [])].sort(byUrgency);
  const board = $('#board');
  board.replaceChildren(...items.map(referralCard));
  const n = items.length;
  $('#board-summary').textContent = n === 0 ? 'No open referrals.'
    : n === 1 ? '1 open referral' : `${n} open referrals, most urgent first`;
  /* Say so when a referral arrives (not on the first read). */
  const ids = new Set(items.map((r) => r.id));
  if (state.known) {
    const fresh = items.filter((r) => !state.known.has(r.id));
    if (fresh.length) {
      announce($('#live-state'), fresh.length === 1
        ? `New referral ${fresh[0].number || fresh[0].id}.` : `${fresh.length} new referrals.`);
    }
  }
  state.known = ids;
  pageError('');
}

async function main() {
  const ctx = await initPage({ requires: 'referrals.board' });
  if (!ctx) return;
  if ((ctx.me.can || []).includes('referrals.create')) $('#new-intake').hidden = false;
  $('#content').hidden = false;
  startTicking();
  const reload = debounce(load, 100);
  listen({
    onCase: reload,
    onReconnect: reload,
    onState: (s) => announce($('#live-state'), s === 'live' ? 'Live: the board updates by itself.'
      : 'Live updates lost; reconnecting… The board may be out of date.'),
  });
  await load();
}

main();
