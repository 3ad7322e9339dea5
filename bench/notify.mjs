// bench/notify.mjs - notification delivery to real receivers on loopback.
//
// Starts haven on the demo data with an SMTP server (tests/lib/smtp_sink.py,
// aiosmtpd) and a webhook receiver; the on-call MART responder has a
// verified email address and a verified webhook, so every intake routed to
// MART is one notification delivered twice (email and webhook). Three phases,
// BENCH_TOTAL notifications in all (default 10,000):
//   1. throughput: a burst of intakes as fast as one client sends them, then
//      the time until the receivers hold every message;
//   2. latency at a fixed 100 notifications per second: intake answered
//      (the commit is before the answer) to receipt at each receiver;
//   3. the same rate with haven killed (SIGKILL) half way and started again:
//      every acknowledged intake's messages counted at the receivers, by
//      idempotency key: lost, and received more than once.
//
// usage: node bench/notify.mjs   (from the repository root; HAVEN_BIN as the tests)
import { startServer, sleep } from '../tests/lib/api.mjs';
import { Users, demoIds, intake } from '../tests/lib/protocol.mjs';
import { startSmtp, startWebhook } from '../tests/lib/receivers.mjs';

const TOTAL = Number(process.env.BENCH_TOTAL || 10000);
const RATE = Number(process.env.BENCH_RATE || 100);
const BURST = Math.round(TOTAL * 0.2);
const STEADY = Math.round(TOTAL * 0.3);
const KILLED = TOTAL - BURST - STEADY;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

const smtp = await startSmtp();
const hook = await startWebhook({ secret: 'unused' });
const srv = await startServer({
  testClock: false,
  config: `[notify]\nsmtp_url = smtp://127.0.0.1:${smtp.port}\nworkers = ${process.env.BENCH_WORKERS || 8}\npublic_url = http://haven.bench\n`,
});
const numberOfMail = (m) => (m.subject.match(/referral (R-\d+-\d+)/) || [])[1];
const numberOfHook = (q) => q.json?.referral?.number;

try {
  const ids = await demoIds(srv);
  const U = new Users(srv);
  const mart = U.as('mart');
  // a verified email address and webhook for the on-call MART responder
  const e = await mart.post('/api/v1/me/contacts', { kind: 'email', target: 'mart@example.org' });
  const mails = await smtp.waitFor((m) => m.some((x) => /code is/.test(x.text)));
  await mart.post(`/api/v1/me/contacts/${e.body.id}/verify`, { code: mails[0].text.match(/code is (\d{6})/)[1] });
  const w = await mart.post('/api/v1/me/contacts', { kind: 'webhook', target: `${hook.url}/mart` });
  const q = await hook.waitFor((x) => x.length > 0);
  await mart.post(`/api/v1/me/contacts/${w.body.id}/verify`, { code: q[0].json.message.match(/code is (\d{6})/)[1] });

  const hot = U.as('hotline');
  const sent = new Map(); // number -> answered at (epoch ms)
  let seq = 0;
  const one = async () => {
    const i = seq++;
    const r = await hot.post('/api/v1/referrals', intake(ids, Date.now(), { officer_name: `Bench ${i}` }),
      { headers: { Prefer: 'return=minimal', 'Idempotency-Key': `bench-notify-${i}` } });
    if (r.status !== 201) throw new Error(`intake ${i}: ${r.status} ${r.text}`);
    sent.set(r.body.number, performance.timeOrigin + performance.now());
    return r.body.number;
  };
  const allIn = (numbers) => async () => {
    const m = await smtp.messages();
    const gotMail = new Set(m.map(numberOfMail));
    const gotHook = new Set(hook.requests.map(numberOfHook));
    return numbers.every((n) => gotMail.has(n) && gotHook.has(n));
  };
  const waitAll = async (numbers, timeoutMs) => {
    const check = allIn(numbers);
    const t = Date.now();
    while (!(await check())) {
      if (Date.now() - t > timeoutMs) return false;
      await sleep(50);
    }
    return true;
  };

  // 1. burst
  const t0 = performance.now();
  const burst = [];
  for (let i = 0; i < BURST; i += 8) {
    burst.push(...await Promise.all(Array.from({ length: Math.min(8, BURST - i) }, one)));
  }
  const tSent = performance.now();
  const okBurst = await waitAll(burst, 120000);
  const tDone = performance.now();

  // 2. steady rate
  const paced = async (n, onHalf) => {
    const out = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (onHalf && i === Math.floor(n / 2)) await onHalf();
      out.push(await one());
    }
    return out;
  };
  const steady = await paced(STEADY);
  await waitAll(steady, 60000);
  const m2 = await smtp.messages();
  const mailLat = [];
  const hookLat = [];
  const steadySet = new Set(steady);
  for (const m of m2) {
    const n = numberOfMail(m);
    if (steadySet.has(n)) mailLat.push(m.at - sent.get(n));
  }
  for (const x of hook.requests) {
    const n = numberOfHook(x);
    if (steadySet.has(n)) hookLat.push(x.at - sent.get(n));
  }

  // 3. SIGKILL half way
  let downMs = 0;
  const killed = await paced(KILLED, async () => {
    const k = performance.now();
    await srv.kill();
    await srv.restart();
    downMs = performance.now() - k;
  });
  await waitAll(killed, 120000);
  await sleep(2000); // anything late or repeated arrives now
  const m3 = await smtp.messages();
  const count = (list, num, key) => {
    const per = new Map();
    for (const x of list) {
      const n = num(x);
      if (!n) continue;
      const k = key(x);
      if (!per.has(n)) per.set(n, new Map());
      per.get(n).set(k, (per.get(n).get(k) || 0) + 1);
    }
    return per;
  };
  const mailPer = count(m3, numberOfMail, (x) => x.idempotency_key);
  const hookPer = count(hook.requests, numberOfHook, (x) => x.headers['idempotency-key']);
  const tally = (per, numbers) => {
    let lost = 0; let repeats = 0; let newAlerts = 0;
    for (const n of numbers) {
      const keys = per.get(n);
      if (!keys) { lost++; continue; }
      if (keys.size > 1) newAlerts += keys.size - 1; // the same alert as a second, different message
      for (const c of keys.values()) repeats += c - 1; // the same message again, same key
    }
    return { lost, repeats, newAlerts };
  };
  const everything = [...burst, ...steady, ...killed];
  const mt = tally(mailPer, everything);
  const ht = tally(hookPer, everything);

  const secs = (tDone - t0) / 1000;
  console.log('==================== haven notification delivery bench ====================');
  console.log(`notifications                 ${everything.length} (each to email and webhook: ${everything.length * 2} messages)`);
  console.log(`1. burst of ${BURST}           sent in ${((tSent - t0) / 1000).toFixed(1)} s; all received after ${secs.toFixed(1)} s${okBurst ? '' : ' (TIMED OUT)'}`);
  console.log(`   throughput                 ${(BURST / secs).toFixed(0)} notifications/s, ${(2 * BURST / secs).toFixed(0)} messages/s`);
  console.log(`2. ${STEADY} at ${RATE}/s        commit -> receipt  email p50 ${f(pct(mailLat, 50))} ms p99 ${f(pct(mailLat, 99))} ms max ${f(Math.max(...mailLat))} ms`);
  console.log(`                               commit -> receipt  webhook p50 ${f(pct(hookLat, 50))} ms p99 ${f(pct(hookLat, 99))} ms max ${f(Math.max(...hookLat))} ms`);
  console.log(`3. ${KILLED} at ${RATE}/s, SIGKILL half way (down ${downMs.toFixed(0)} ms)`);
  console.log(`   email                      lost ${mt.lost}, received twice (same key) ${mt.repeats}, duplicated as a new alert ${mt.newAlerts}`);
  console.log(`   webhook                    lost ${ht.lost}, received twice (same key) ${ht.repeats}, duplicated as a new alert ${ht.newAlerts}`);
  console.log('============================================================================');
} finally {
  await srv.stop().catch(() => {});
  await smtp.stop();
  await hook.stop();
}
