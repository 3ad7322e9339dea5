// bench/sse.mjs - intake commit to the server-sent event at a connected client.
//
// Starts haven on the demo data (tests/lib/api.mjs), opens BENCH_STREAMS live
// streams (GET /api/v1/events) for the hotline and the board users - as many
// dispatch boards and task lists as a county would have open - and opens
// BENCH_INTAKES referrals one after another, BENCH_GAP_MS apart. For each it
// takes the time from sending the POST to the referral's `referral.opened`
// case event arriving on the hotline worker's stream. The commit happens
// between sending the request and its answer, so the figure is an upper bound
// of commit-to-event; the time from the answer to the event is printed too
// (negative when the event came first).
//
// usage: node bench/sse.mjs   (from the repository root; HAVEN_BIN as the tests)
import { startServer, sleep } from '../tests/lib/api.mjs';
import { EventStream, Users, demoIds, intake } from '../tests/lib/protocol.mjs';

const STREAMS = Number(process.env.BENCH_STREAMS || 50);
const INTAKES = Number(process.env.BENCH_INTAKES || 400);
const GAP_MS = Number(process.env.BENCH_GAP_MS || 20);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (x) => x.toFixed(2);

const srv = await startServer({ testClock: false });
try {
  const ids = await demoIds(srv);
  const U = new Users(srv);
  const watchers = ['hotline', 'supervisor', 'mart', 'martsuper', 'responder', 'advocate'];
  const main = await EventStream.open(srv, { session: await U.session('hotline') });
  if (main.status !== 200) throw new Error(`GET /events: ${main.status}`);
  const others = [];
  for (let i = 0; i < STREAMS - 1; i++) {
    others.push(await EventStream.open(srv, { session: await U.session(watchers[i % watchers.length]) }));
  }
  const hot = U.as('hotline');
  const sent = [];
  for (let i = 0; i < INTAKES; i++) {
    const t0 = performance.now();
    const r = await hot.post('/api/v1/referrals', intake(ids, Date.now(), { officer_name: `Bench ${i}` }),
      { headers: { Prefer: 'return=minimal' } });
    const t1 = performance.now();
    if (r.status !== 201) throw new Error(`intake ${i}: ${r.status} ${r.text}`);
    /* resolves at once if the event came before the answer, when it comes otherwise */
    const at = main.next((ev) => ev.event === 'case' && ev.data?.kind === 'referral.opened'
      && ev.data.referral_id === r.body.id, 5000).then((ev) => (ev ? ev.at : null));
    sent.push({ t0, t1, at });
    await sleep(GAP_MS);
  }
  const fromSend = [];
  const fromAnswer = [];
  let missing = 0;
  for (const s of sent) {
    const at = await s.at;
    if (at === null) { missing++; continue; }
    fromSend.push(at - s.t0);
    fromAnswer.push(at - s.t1);
  }
  const everyone = others.filter((o) => o.status === 200).length + 1;
  console.log('==================== haven live event bench ====================');
  console.log(`streams open                          ${everyone} (hotline, supervisors, responders, advocates)`);
  console.log(`intakes                               ${INTAKES}, ${GAP_MS} ms apart; events missing ${missing}`);
  console.log(`POST sent -> event at the client      p50 ${f(pct(fromSend, 50))} ms  p99 ${f(pct(fromSend, 99))} ms  max ${f(Math.max(...fromSend))} ms`);
  console.log(`POST answered -> event                p50 ${f(pct(fromAnswer, 50))} ms  p99 ${f(pct(fromAnswer, 99))} ms`);
  console.log('=================================================================');
  main.close();
  for (const o of others) o.close();
} finally {
  await srv.stop();
}
