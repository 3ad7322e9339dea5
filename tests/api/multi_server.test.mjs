// Several haven servers on one PostgreSQL (docs/postgresql.md, "Several
// servers"): two `haven serve` processes on two ports over one database and
// one data directory (the same haven.key). A session made on one serves on
// the other; an intake on one appears live on the other's event stream
// (LISTEN/NOTIFY); both deliver notifications and fire clocks at once without
// doing anything twice (FOR UPDATE SKIP LOCKED); one is killed with SIGKILL in
// the middle of delivery and clock firing, and the other delivers every
// pending message and fires every clock, each once; the audit chain stays one
// chain. PostgreSQL only: skipped unless HAVEN_TEST_DB=postgres.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Server, haven, sleep, startServer } from '../lib/api.mjs';
import { databaseFor, ON_PG, psql } from '../lib/pgdb.mjs';
import { EventStream, MIN, Users, demoIds, intake } from '../lib/protocol.mjs';
import { startSmsStub, startSmtp, startWebhook } from '../lib/receivers.mjs';

const REF = '/api/v1/referrals';

function notifyConfig(smtp, sms) {
  return `[notify]
smtp_url = smtp://127.0.0.1:${smtp.port}
public_url = http://haven.test
sms_base_url = ${sms.url}
sms_account_sid = ${sms.accountSid}
sms_auth_token = ${sms.authToken}
sms_from = +12135550000
sms_inbound_url = http://haven.test/api/v1/sms/inbound
retry_base_ms = 100
retry_max_ms = 300
max_attempts = 5
timeout_ms = 5000
workers = 2
`;
}

/** A second server on A's data directory (so its database and key). */
async function twin(a) {
  const root = await mkdtemp(path.join(tmpdir(), 'haven-api-twin-'));
  const b = new Server(a.opts, a.dataDir, root);
  b.webDir = a.webDir;
  b.configFile = a.configFile;
  b.adminToken = a.adminToken;
  await b.spawn();
  b.cleanupRoot = root;
  return b;
}

/** Rows of SQL on the servers' database, as arrays of strings. */
const rows = (srv, sql) => psql(sql, databaseFor(srv.dataDir)).trim().split('\n').filter(Boolean)
  .map((l) => l.split('|'));

/** Polls FN until it returns a truthy value or MS pass. */
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

describe('several servers on one PostgreSQL', { skip: !ON_PG && 'PostgreSQL only (HAVEN_TEST_DB=postgres)' }, () => {
  let a; let b; let ids; let smtp; let sms; let hook;
  before(async () => {
    smtp = await startSmtp();
    sms = await startSmsStub();
    hook = await startWebhook({ secret: 'x' });
    a = await startServer({ config: notifyConfig(smtp, sms) });
    b = await twin(a);
    ids = await demoIds(a);
  });
  after(async () => {
    try {
      await b?.stop().catch(() => {});
      if (b?.cleanupRoot) await rm(b.cleanupRoot, { recursive: true, force: true });
      await a?.cleanup();
    } finally {
      await smtp?.stop(); await sms?.stop(); await hook?.stop();
    }
  });

  it('a session made on one server serves on the other; an intake on one is live on the other\'s stream', async () => {
    const s = await a.session('hotline');
    const me = await b.get('/api/v1/me', { session: s });
    assert.equal(me.status, 200, me.text);
    const es = await EventStream.open(b, { session: s });
    assert.equal(es.status, 200);
    try {
      await sleep(300);
      const now = await a.now();
      const r = await a.post(REF, intake(ids, now), { session: s });
      assert.equal(r.status, 201, r.text);
      // well before the stream's own 5 s wake-up: the other process told it
      const ev = await es.next((e) => e.event === 'case' && e.data.referral_id === r.body.referral.id, 2000);
      assert.ok(ev, `the intake on A reached B's stream:\n${es.raw}`);
      // and the other way round, onto a stream on A
      const es2 = await EventStream.open(a, { session: s });
      try {
        await sleep(300);
        const r2 = await b.post(REF, intake(ids, now), { session: s });
        assert.equal(r2.status, 201, r2.text);
        assert.ok(await es2.next((e) => e.event === 'case' && e.data.referral_id === r2.body.referral.id, 2000),
          `the intake on B reached A's stream:\n${es2.raw}`);
        assert.notEqual(r.body.referral.number, r2.body.referral.number);
      } finally { es2.close(); }
    } finally { es.close(); }
  });

  it('intakes on both at once: distinct numbers, one audit chain', async () => {
    const U = new Users(a);
    const V = new Users(b);
    const now = await a.now();
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? U : V).as('hotline')
      .post(REF, intake(ids, now))));
    for (const r of made) assert.equal(r.status, 201, r.text);
    const numbers = made.map((r) => r.body.referral.number);
    assert.equal(new Set(numbers).size, numbers.length, `distinct numbers: ${numbers}`);
    const v = await haven(['audit', 'verify', '--data', a.dataDir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('SIGKILL in the middle of delivery and clock firing: the other server delivers every message and fires every clock, once', async () => {
    const U = new Users(a);
    const V = new Users(b);
    // mart is reached by email and by a webhook that hangs: a server is mid-send when it dies
    const m = await U.as('mart').post('/api/v1/me/contacts', { kind: 'email', target: 'mart-multi@example.org' });
    assert.equal(m.status, 201, m.text);
    const mails0 = await smtp.waitFor((q) => q.some((x) => x.rcpt_tos.includes('mart-multi@example.org')), 10000);
    const code = mails0.find((x) => x.rcpt_tos.includes('mart-multi@example.org')).text.match(/code is (\d{6})/)[1];
    assert.equal((await V.as('mart').post(`/api/v1/me/contacts/${m.body.id}/verify`, { code })).status, 200);
    const w = await U.as('mart').post('/api/v1/me/contacts', { kind: 'webhook', target: `${hook.url}/mart` });
    assert.equal(w.status, 201, w.text);
    const q0 = await hook.waitFor((x) => x.length > 0, 10000);
    const hcode = q0[0].json.message.match(/code is (\d{6})/)[1];
    assert.equal((await V.as('mart').post(`/api/v1/me/contacts/${w.body.id}/verify`, { code: hcode })).status, 200);

    hook.setMode('timeout');
    const now = await a.now();
    const refs = [];
    for (let i = 0; i < 6; i++) {
      const r = await (i % 2 ? U : V).as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
      assert.equal(r.status, 201, r.text);
      refs.push(r.body.referral);
    }
    await hook.waitFor((q) => q.filter((x) => x.json?.referral).length >= 1, 15000);
    // clocks come due on both at once (each fires what is due as its clock
    // moves), and A dies in the middle of firing and sending
    await Promise.all([a.advance(61 * MIN), b.advance(61 * MIN)]);
    await a.kill();
    hook.setMode('ok');
    // B's clock past the lease of what A had claimed
    await b.advance(MIN);
    const ours = refs.map((r) => r.id).join(',');
    await until(() => {
      const [[left]] = rows(b, `SELECT count(*) FROM delivery WHERE state IN ('pending', 'sending')`);
      return left === '0';
    }, 40000, 'every delivery sent');
    await until(() => {
      const [[left]] = rows(b, `SELECT count(*) FROM deadline WHERE referral_id IN (${ours}) AND next_fire_at IS NOT NULL AND next_fire_at <= ${now + 61 * MIN}`);
      return left === '0';
    }, 20000, 'every due clock fired');

    // each clock event once per clock (kind, clock, due time)
    const fired = rows(b, `SELECT referral_id, kind, detail, count(*) FROM case_event WHERE referral_id IN (${ours}) AND kind LIKE 'clock.%' GROUP BY referral_id, kind, detail`);
    assert.ok(fired.length >= refs.length, `a warning on every case: ${JSON.stringify(fired)}`);
    for (const f of fired) assert.equal(f[3], '1', `fired once: ${f.join(' ')}`);
    const warned = rows(b, `SELECT count(DISTINCT referral_id) FROM case_event WHERE referral_id IN (${ours}) AND kind = 'clock.warning'`);
    assert.equal(warned[0][0], String(refs.length), 'every case was warned');
    const dead = rows(b, "SELECT count(*) FROM delivery WHERE state = 'dead'");
    assert.equal(dead[0][0], '0', 'nothing given up');

    // every email delivery arrived, once, but for what A had sent and not yet
    // recorded when it died (at most one per worker of A: each sends one at a
    // time): those go again with the same idempotency key
    const keys = rows(b, `SELECT d.idem_key FROM delivery d JOIN contact_method cm ON cm.id = d.contact_id WHERE cm.kind = 'email' AND d.state = 'sent' AND d.notification_id IN (SELECT id FROM notification WHERE referral_id IN (${ours}))`).map((r) => r[0]);
    assert.ok(keys.length >= refs.length, `emails for every case: ${keys.length}`);
    const mkey = (x) => x.idempotency_key ?? x.headers?.['idempotency-key'];
    const mails = await smtp.waitFor((q) => keys.every((k) => q.some((x) => mkey(x) === k)), 10000);
    const twice = keys.filter((k) => mails.filter((x) => mkey(x) === k).length > 1);
    assert.ok(twice.length <= 2, `emails that arrived more than once: ${twice.length} of ${keys.length}`);
    for (const k of twice) assert.equal(mails.filter((x) => mkey(x) === k).length, 2, `email ${k}`);
    // every webhook delivery arrived; the hung ones were tried again with the
    // same key, each try a claim of its own (never more arrivals than claims)
    const hk = rows(b, `SELECT d.idem_key, d.attempts, d.state FROM delivery d JOIN contact_method cm ON cm.id = d.contact_id WHERE cm.kind = 'webhook' AND d.notification_id IN (SELECT id FROM notification WHERE referral_id IN (${ours}))`);
    assert.ok(hk.length >= refs.length, `webhooks for every case: ${hk.length}`);
    const keyOf = (x) => x.idempotency_key ?? x.headers['idempotency-key'];
    const hooks = await hook.waitFor((q) => hk.every(([k]) => q.some((x) => keyOf(x) === k)), 10000);
    for (const [k, attempts, state] of hk) {
      assert.equal(state, 'sent', `webhook ${k}`);
      const n = hooks.filter((x) => keyOf(x) === k).length;
      assert.ok(n >= 1 && n <= Number(attempts), `webhook ${k}: ${n} arrivals, ${attempts} claims`);
    }

    const v = await haven(['audit', 'verify', '--data', b.dataDir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
