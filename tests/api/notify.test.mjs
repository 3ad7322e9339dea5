// Notifications end to end (docs/notifications.md): contact methods verified
// through real receivers (an SMTP server on loopback, a Twilio-shaped SMS
// stub, a webhook receiver), escalation that fires each step on time with
// the settable clock, acknowledgement in the app, by link and by SMS reply,
// the acknowledgement timeout, retries and dead letters when the provider is
// down, SIGKILL in the middle of delivery, rotations across midnight and a
// daylight-saving change, and the watchdog.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sleep, startServer } from '../lib/api.mjs';
import { MIN, Users, demoIds, intake } from '../lib/protocol.mjs';
import { startSmsStub, startSmtp, startWebhook, webhookSignature } from '../lib/receivers.mjs';

const REF = '/api/v1/referrals';

function notifyConfig(smtp, sms, extra = '') {
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
max_attempts = 3
timeout_ms = 1500
${extra}`;
}

/** Adds and verifies an email and an SMS method for USER (codes read at the receivers). */
async function reachable(U, user, smtp, sms, { email, phone }) {
  const out = {};
  if (email) {
    const r = await U.as(user).post('/api/v1/me/contacts', { kind: 'email', target: email });
    assert.equal(r.status, 201, r.text);
    const mails = await smtp.waitFor((m) => m.some((x) => x.rcpt_tos.includes(email) && /code is/.test(x.text)));
    const code = mails.filter((x) => x.rcpt_tos.includes(email)).pop().text.match(/code is (\d{6})/)[1];
    const v = await U.as(user).post(`/api/v1/me/contacts/${r.body.id}/verify`, { code });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.verified, true);
    out.email = r.body.id;
  }
  if (phone) {
    const r = await U.as(user).post('/api/v1/me/contacts', { kind: 'sms', target: phone });
    assert.equal(r.status, 201, r.text);
    const msgs = await sms.waitFor((m) => m.some((x) => x.to === r.body.target && /code is/.test(x.body)));
    const code = msgs.filter((x) => x.to === r.body.target).pop().body.match(/code is (\d{6})/)[1];
    const v = await U.as(user).post(`/api/v1/me/contacts/${r.body.id}/verify`, { code });
    assert.equal(v.status, 200, v.text);
    out.sms = r.body.id;
    out.phone = r.body.target;
  }
  return out;
}

describe('notifications: contact methods', () => {
  let srv; let U; let smtp; let sms; let hook;
  before(async () => {
    smtp = await startSmtp();
    sms = await startSmsStub();
    hook = await startWebhook({ secret: 'unused' });
    srv = await startServer({ config: notifyConfig(smtp, sms) });
    U = new Users(srv);
  });
  after(async () => { try { await srv?.cleanup(); } finally { await smtp?.stop(); await sms?.stop(); await hook?.stop(); } });

  it('an email method is verified with the code that arrives by email; a wrong code counts', async () => {
    const r = await U.as('mart').post('/api/v1/me/contacts', { kind: 'email', target: 'mart@example.org', label: 'work' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.verified, false);
    const mails = await smtp.waitFor((m) => m.some((x) => x.rcpt_tos.includes('mart@example.org')));
    const code = mails[0].text.match(/code is (\d{6})/)[1];
    const bad = await U.as('mart').post(`/api/v1/me/contacts/${r.body.id}/verify`, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'code');
    const ok = await U.as('mart').post(`/api/v1/me/contacts/${r.body.id}/verify`, { code });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.verified, true);
    // the code is not kept in the in-app list
    const notes = (await U.as('mart').get('/api/v1/notifications')).body.items;
    assert.ok(!notes.some((n) => n.message.includes(code)));
  });

  it('bad input names the field', async () => {
    for (const [body, field] of [
      [{ kind: 'fax', target: 'x' }, 'kind'],
      [{ kind: 'email', target: 'not-an-address' }, 'target'],
      [{ kind: 'sms', target: '12' }, 'target'],
      [{ kind: 'webhook', target: 'ftp://x.example' }, 'target'],
      [{ kind: 'email', target: 'a@b.example', extra: 1 }, 'extra'],
    ]) {
      const r = await U.as('mart').post('/api/v1/me/contacts', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.body.field, field);
      assert.match(r.headers.get('content-type'), /problem\+json/);
    }
  });

  it('an SMS method gets its code by SMS through the provider API; a webhook gets a secret once and a signed code', async () => {
    await reachable(U, 'mart', smtp, sms, { phone: '(213) 555-0101' });
    const w = await U.as('mart').post('/api/v1/me/contacts', { kind: 'webhook', target: `${hook.url}/hook` });
    assert.equal(w.status, 201, w.text);
    assert.match(w.body.secret, /^[0-9a-f]{64}$/);
    const reqs = await hook.waitFor((q) => q.length > 0);
    const q = reqs[0];
    assert.equal(q.headers['x-haven-signature'], `v1=${webhookSignature(w.body.secret, q.headers['x-haven-timestamp'], q.body)}`);
    assert.match(q.json.message, /code is \d{6}/);
    const list = await U.as('mart').get('/api/v1/me/contacts');
    assert.ok(list.body.items.every((c) => !('secret' in c)), 'the secret is shown once');
  });

  it('rules: which method after how many minutes; only one\'s own methods', async () => {
    const list = (await U.as('mart').get('/api/v1/me/contacts')).body.items;
    const r = await U.as('mart').post('/api/v1/me/rules', { contact_id: list[0].id, delay_minutes: 0 });
    assert.equal(r.status, 201, r.text);
    const bad = await U.as('mart').post('/api/v1/me/rules', { contact_id: list[0].id, delay_minutes: 500 });
    assert.equal(bad.body.field, 'delay_minutes');
    const theirs = await U.as('responder').post('/api/v1/me/rules', { contact_id: list[0].id, delay_minutes: 0 });
    assert.equal(theirs.status, 400);
    assert.equal(theirs.body.field, 'contact_id');
    assert.equal((await U.as('mart').get('/api/v1/me/rules')).body.items.length, 1);
    assert.equal((await U.as('mart').del(`/api/v1/me/rules/${r.body.id}`)).status, 204);
  });
});

describe('notifications: nobody acknowledges, each step on time', () => {
  let srv; let U; let ids; let smtp; let sms; let a; let ack;
  before(async () => {
    smtp = await startSmtp();
    sms = await startSmsStub();
    srv = await startServer({ config: notifyConfig(smtp, sms) });
    U = new Users(srv);
    ids = await demoIds(srv);
    await U.session('martsuper');
    await reachable(U, 'mart', smtp, sms, { email: 'mart@example.org', phone: '+12135550101' });
    await reachable(U, 'martsuper', smtp, sms, { email: 'martsuper@example.org' });
    // a MART rotation: mart is on call, martsuper the backup rotation
    const today = new Date(await srv.now()).toISOString().slice(0, 10);
    const mk = async (tier, members) => {
      const r = await U.as('martsuper').post('/api/v1/rotations', {
        agency_id: ids.mart, name: `MART ${tier}`, tier, start_date: today, handoff: '00:00',
        shift_hours: 168, member_ids: members,
      });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    await mk('primary', [ids.user.mart]);
    await mk('backup', [ids.user.martsuper]);
  });
  after(async () => { try { await srv?.cleanup(); } finally { await smtp?.stop(); await sms?.stop(); } });

  it('the intake pages the on-call MART responder by email and SMS at once, with no youth data', async () => {
    const now = await srv.now();
    const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
    assert.equal(r.status, 201, r.text);
    a = r.body.referral;
    const mails = await smtp.waitFor((m) => m.some((x) => x.rcpt_tos.includes('mart@example.org') && x.text.includes(a.number)));
    const mail = mails.find((x) => x.text.includes(a.number));
    assert.match(mail.subject, /URGENT/);
    assert.match(mail.text, /Staging area: LASD Century Station/);
    assert.match(mail.text, /by \w{3} \d+ \w{3} \d\d:\d\d P[SD]T/, 'the time due, in the county zone');
    assert.match(mail.text, /http:\/\/haven\.test\/case\?id=/);
    assert.match(mail.text, /http:\/\/haven\.test\/ack\?t=/);
    assert.ok(mail.html.includes('Acknowledge'));
    assert.ok(mail.idempotency_key, 'the idempotency key travels with the message');
    for (const secret of ['Test', 'Youth', '2010-04-01', 'asthma']) {
      assert.ok(!mail.text.includes(secret), `no "${secret}" in the email`);
    }
    const texts = await sms.waitFor((m) => m.some((x) => x.to === '+12135550101' && x.body.includes(a.number)));
    const text = texts.find((x) => x.body.includes(a.number));
    assert.match(text.body, /Reply \d+a to acknowledge/);
    assert.ok(!/Youth|2010-04-01/.test(text.body));
    assert.ok(text.idempotencyKey);
    const alerts = (await U.as('mart').get('/api/v1/alerts')).body.items;
    assert.equal(alerts.find((x) => x.referral_id === a.id).state, 'triggered');
    assert.deepEqual((await U.as('martsuper').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id), [], 'no escalation yet');
  });

  it('5 minutes on: the responder again and the backup', async () => {
    await srv.advance(5 * MIN + 1000);
    const notes = (await U.as('martsuper').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id);
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.equal(notes[0].kind, 'referral.assigned', 'the backup is paged as a responder');
    assert.match(notes[0].message, /Not acknowledged yet \(step 2\)/);
    const again = (await U.as('mart').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id && n.kind === 'referral.assigned');
    assert.equal(again.length, 2);
    await smtp.waitFor((m) => m.some((x) => x.rcpt_tos.includes('martsuper@example.org') && x.text.includes(a.number)));
  });

  it('10 more minutes: the supervisors; the supervisor acknowledges from the link and it stops', async () => {
    await srv.advance(10 * MIN);
    const esc = (await U.as('martsuper').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id && n.kind === 'referral.escalation');
    assert.equal(esc.length, 1);
    const mails = await smtp.waitFor((m) => m.filter((x) => x.rcpt_tos.includes('martsuper@example.org') && x.text.includes(a.number)).length >= 2);
    const link = mails.filter((x) => x.rcpt_tos.includes('martsuper@example.org')).pop().text.match(/ack\?t=(\S+)/)[1];
    const info = await srv.get(`/api/v1/ack/${link}`);
    assert.equal(info.status, 200, info.text);
    assert.equal(info.body.alert.state, 'triggered', 'looking at the link does not acknowledge');
    const okr = await srv.post(`/api/v1/ack/${link}`, {});
    assert.equal(okr.status, 200, okr.text);
    assert.equal(okr.body.alert.state, 'acknowledged');
    assert.equal((await srv.post(`/api/v1/ack/${link}`, {})).status, 410, 'a link works once');
    // a supervisor of the lead agency acknowledging the page acknowledges the referral
    const cs = await U.as('martsuper').get(`${REF}/${a.id}`);
    assert.equal(cs.body.referral.state, 'acknowledged');
    assert.ok(cs.body.timeline.some((t) => t.kind === 'referral.acknowledged'));
    const count = async () => (await U.as('martsuper').get('/api/v1/notifications')).body.items
      .filter((n) => n.referral_id === a.id && n.kind !== 'alert.reminder').length;
    const before2 = await count();
    await srv.advance(15 * MIN);
    assert.equal(await count(), before2, 'no step after the acknowledgement');
    const al = (await U.as('martsuper').get(`/api/v1/alerts/${okr.body.alert.id}`)).body;
    assert.equal(al.ack_via, 'link');
    assert.equal(al.acked_by, ids.user.martsuper);
    assert.ok(al.deliveries.every((d) => ['sent', 'cancelled'].includes(d.state)), JSON.stringify(al.deliveries));
    const audit = await srv.audit(100);
    assert.ok(audit.some((e) => e.action === 'alert.ack' && e.actor_kind === 'link'));
  });

  it('acknowledged is not done: before the 90 minutes are up the one who acknowledged is reminded', async () => {
    // 30 minutes in; the lead clock is due at 90: the reminder comes by the policy's 30-minute timeout
    await srv.advance(31 * MIN);
    const rem = (await U.as('martsuper').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id && n.kind === 'alert.reminder');
    assert.equal(rem.length, 1);
    assert.match(rem[0].message, /Acknowledged, but not done/);
    // arriving meets the clock and resolves the alert
    const arrived = await U.as('mart').post(`${REF}/${a.id}/events`, { event: 'arrive', as: 'lead' });
    assert.equal(arrived.status, 200, arrived.text);
    const all = (await U.as('martsuper').get('/api/v1/alerts?state=all')).body.items.filter((x) => x.referral_id === a.id && x.kind === 'referral.assigned');
    assert.ok(all.every((x) => x.state === 'resolved'), JSON.stringify(all));
  });

  it('an SMS reply acknowledges; a forged one is refused', async () => {
    const now = await srv.now();
    const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
    const b = r.body.referral;
    const texts = await sms.waitFor((m) => m.some((x) => x.body.includes(b.number)));
    const code = texts.find((x) => x.body.includes(b.number)).body.match(/Reply (\d+)a/)[1];
    const url = 'http://haven.test/api/v1/sms/inbound';
    const forged = await sms.reply({ from: '+12135550101', to: '+12135550000', body: `${code}a`, webhookUrl: `${srv.url}/api/v1/sms/inbound`, signUrl: url, signWith: 'wrong' });
    assert.equal(forged.status, 403);
    // the stub signs for the URL haven is configured with, and posts to haven's real address
    const resp = await sms.reply({ from: '+1 213 555 0101', to: '+12135550000', body: ` ${code}A `, webhookUrl: `${srv.url}/api/v1/sms/inbound`, signUrl: url });
    assert.equal(resp.status, 200, resp.text);
    assert.match(resp.text, /<Response><Message>Acknowledged/);
    const al = (await U.as('mart').get('/api/v1/alerts?state=all')).body.items.find((x) => x.referral_id === b.id);
    assert.equal(al.state, 'acknowledged');
    assert.equal(al.ack_via, 'sms');
    assert.equal((await U.as('mart').get(`${REF}/${b.id}`)).body.referral.state, 'acknowledged', 'the lead\'s reply acknowledges the referral');
  });
});

describe('notifications: the provider is down', () => {
  let srv; let U; let ids; let smtp; let sms;
  before(async () => {
    smtp = await startSmtp();
    sms = await startSmsStub();
    srv = await startServer({ config: notifyConfig(smtp, sms) });
    U = new Users(srv);
    ids = await demoIds(srv);
    await U.session('martsuper');
    await reachable(U, 'mart', smtp, sms, { phone: '+12135550101' });
  });
  after(async () => { try { await srv?.cleanup(); } finally { await smtp?.stop(); await sms?.stop(); } });

  it('retries with backoff, dead-letters after the last try, and the escalation moves on at once', async () => {
    sms.setMode('error');
    const now = await srv.now();
    const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
    const a = r.body.referral;
    const alertOf = async () => (await U.as('mart').get('/api/v1/alerts')).body.items.find((x) => x.referral_id === a.id);
    let al;
    for (let i = 0; i < 100; i++) {
      al = (await U.as('mart').get(`/api/v1/alerts/${(await alertOf()).id}`)).body;
      if (al.deliveries.some((d) => d.state === 'dead')) break;
      await sleep(100);
    }
    const d = al.deliveries.find((x) => x.channel === 'sms' && x.user_id === ids.user.mart);
    assert.equal(d.state, 'dead', JSON.stringify(al.deliveries));
    assert.equal(d.attempts, 3);
    assert.match(d.last_error, /HTTP 500/);
    assert.equal(sms.requests.filter((q) => q.status === 500).length >= 3, true);
    // the next step ran at once: the supervisors and the backup are told within seconds, not 5 minutes
    let told = [];
    for (let i = 0; i < 50 && !told.length; i++) {
      told = (await U.as('mart').get('/api/v1/notifications')).body.items.filter((n) => n.referral_id === a.id && /step 2/.test(n.message));
      if (!told.length) await sleep(100);
    }
    assert.equal(told.length, 1, 'step 2 fired after the dead letter');
    const failed = (await U.as('mart').get('/api/v1/notifications')).body.items.filter((n) => n.kind === 'delivery.failed');
    assert.ok(failed.length >= 1, 'the person is told a way of reaching them failed');
    const metrics = (await srv.get('/metrics')).text;
    assert.match(metrics, /haven_deliveries_total\{outcome="dead"\} [1-9]/);
    assert.match(metrics, /haven_deliveries_total\{outcome="retried"\} [1-9]/);
    sms.setMode('ok');
  });
});

describe('notifications: SIGKILL in the middle of delivery', () => {
  let srv; let U; let ids; let smtp; let sms; let hook; let secret;
  before(async () => {
    smtp = await startSmtp();
    sms = await startSmsStub();
    hook = await startWebhook({ secret: 'x' });
    srv = await startServer({ config: notifyConfig(smtp, sms).replace('timeout_ms = 1500', 'timeout_ms = 5000') });
    U = new Users(srv);
    ids = await demoIds(srv);
    await reachable(U, 'mart', smtp, sms, { email: 'mart@example.org' });
    const w = await U.as('mart').post('/api/v1/me/contacts', { kind: 'webhook', target: `${hook.url}/mart` });
    secret = w.body.secret;
    const q = await hook.waitFor((x) => x.length > 0);
    const code = q[0].json.message.match(/code is (\d{6})/)[1];
    assert.equal((await U.as('mart').post(`/api/v1/me/contacts/${w.body.id}/verify`, { code })).status, 200);
  });
  after(async () => { try { await srv?.cleanup(); } finally { await smtp?.stop(); await sms?.stop(); await hook?.stop(); } });

  it('after a restart every pending message goes out, and nothing arrives twice as a new alert', async () => {
    hook.setMode('timeout'); // the webhook hangs: haven is mid-send when it dies
    const now = await srv.now();
    const numbers = [];
    for (let i = 0; i < 5; i++) {
      const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
      numbers.push(r.body.referral.number);
    }
    await hook.waitFor((q) => q.filter((x) => x.json?.referral).length >= 1);
    await srv.kill();
    hook.setMode('ok');
    await srv.restart();
    const webhooks = await hook.waitFor((q) => numbers.every((n) => q.some((x) => x.json?.referral?.number === n)), 20000);
    const mails = await smtp.waitFor((m) => numbers.every((n) => m.some((x) => x.text.includes(n))), 20000);
    const keysOf = (list) => list.map((x) => x.idempotency_key ?? x.headers['idempotency-key']);
    const mailKeys = keysOf(mails.filter((x) => numbers.some((n) => x.text.includes(n))));
    assert.equal(new Set(mailKeys).size, numbers.length, 'one email per alert');
    const hookKeys = keysOf(webhooks.filter((x) => x.json?.referral));
    assert.equal(new Set(hookKeys).size, numbers.length, 'one webhook key per alert: repeats carry the same key');
    for (const x of webhooks.filter((y) => y.json?.referral)) {
      assert.equal(x.headers['x-haven-signature'], `v1=${webhookSignature(secret, x.headers['x-haven-timestamp'], x.body)}`, 'signed');
    }
  });
});

describe('notifications: rotations across midnight and a daylight-saving change', () => {
  let srv; let U; let ids;
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
    await U.session('martsuper');
  });
  after(async () => { await srv?.cleanup(); });

  it('a daily rotation hands off at local midnight; the fall-back day lasts 25 hours', async () => {
    for (const x of (await U.as('martsuper').get(`/api/v1/rotations?agency_id=${ids.mart}`)).body.items) {
      assert.equal((await U.as('martsuper').del(`/api/v1/rotations/${x.id}`)).status, 204);
    }
    const r = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.mart, name: 'MART nights', tier: 'primary', time_zone: 'America/Los_Angeles',
      start_date: '2026-10-30', handoff: '00:00', shift_hours: 24, member_ids: [ids.user.mart, ids.user.martsuper],
    });
    assert.equal(r.status, 201, r.text);
    const sh = await U.as('martsuper').get(`/api/v1/rotations/${r.body.id}/shifts?from=2026-10-31T00:00:00Z&to=2026-11-03T00:00:00Z`);
    assert.equal(sh.status, 200, sh.text);
    const starts = sh.body.items.map((s) => s.start);
    assert.ok(starts.includes('2026-10-31T07:00:00.000Z'), starts.join());
    assert.ok(starts.includes('2026-11-01T07:00:00.000Z'), 'midnight PDT');
    assert.ok(starts.includes('2026-11-02T08:00:00.000Z'), 'midnight PST: the shift of 1 November lasts 25 hours');
    const nov1 = sh.body.items.find((s) => s.start === '2026-11-01T07:00:00.000Z');
    assert.equal(Date.parse(nov1.end) - Date.parse(nov1.start), 25 * 60 * MIN);
    const who = async (at) => {
      await srv.post('/api/v1/test/clock', { now: at }, { admin: true });
      const n = await U.as('martsuper').get(`/api/v1/oncall/now?agency_id=${ids.mart}`);
      assert.equal(n.status, 200, n.text);
      return n.body.items[0].primary.user_id;
    };
    assert.equal(await who('2026-11-01T06:59:00Z'), ids.user.martsuper, '23:59 on 31 October: index 1');
    assert.equal(await who('2026-11-01T07:00:00Z'), ids.user.mart, 'midnight hand-off');
    assert.equal(await who('2026-11-02T07:30:00Z'), ids.user.mart, '23:30 PST on 1 November: still the same shift');
    assert.equal(await who('2026-11-02T08:00:00Z'), ids.user.martsuper, 'midnight PST');
    // spring forward: 8 March 2027 starts 23 hours after 7 March
    const sp = await U.as('martsuper').get(`/api/v1/rotations/${r.body.id}/shifts?from=2027-03-13T00:00:00Z&to=2027-03-16T00:00:00Z`);
    const mar14 = sp.body.items.find((s) => s.start === '2027-03-14T08:00:00.000Z');
    assert.ok(mar14, sp.text);
    assert.equal(Date.parse(mar14.end) - Date.parse(mar14.start), 23 * 60 * MIN);
  });

  it('an override wins; a rotation starting later leaves a gap the coverage check reports', async () => {
    const now = await srv.now();
    const start = new Date(now + 3 * 24 * 60 * MIN).toISOString().slice(0, 10);
    const later = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.mart, name: 'later', start_date: start, handoff: '08:00', shift_hours: 12, member_ids: [ids.user.mart],
    });
    assert.equal(later.status, 201, later.text);
    const all = (await U.as('martsuper').get(`/api/v1/rotations?agency_id=${ids.mart}`)).body.items;
    for (const x of all.filter((y) => y.id !== later.body.id)) {
      assert.equal((await U.as('martsuper').del(`/api/v1/rotations/${x.id}`)).status, 204);
    }
    const gaps = await U.as('martsuper').get(`/api/v1/oncall/gaps?agency_id=${ids.mart}&days=14`);
    assert.equal(gaps.status, 200, gaps.text);
    assert.equal(gaps.body.items.length, 1);
    assert.ok(gaps.body.items[0].hours > 48 && gaps.body.items[0].hours < 96, JSON.stringify(gaps.body.items));
    const o = await U.as('martsuper').post(`/api/v1/rotations/${later.body.id}/overrides`, {
      user_id: ids.user.martsuper, start_at: new Date(now - MIN).toISOString(), end_at: new Date(now + 4 * 24 * 60 * MIN).toISOString(), reason: 'covering',
    });
    assert.equal(o.status, 201, o.text);
    const n = await U.as('martsuper').get(`/api/v1/oncall/now?agency_id=${ids.mart}`);
    assert.equal(n.body.items[0].primary.user_id, ids.user.martsuper);
    assert.deepEqual((await U.as('martsuper').get(`/api/v1/oncall/gaps?agency_id=${ids.mart}`)).body.items, []);
  });

  it('rotations and policies: validation names the field; only the agency\'s supervisors and administrators may change them', async () => {
    const bad = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.mart, name: 'x', start_date: '2026-02-30', handoff: '00:00', shift_hours: 24, member_ids: [ids.user.mart],
    });
    assert.equal(bad.body.field, 'start_date');
    const zone = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.mart, name: 'x', time_zone: 'Mars/Olympus', start_date: '2026-02-03', handoff: '00:00', shift_hours: 24, member_ids: [ids.user.mart],
    });
    assert.equal(zone.body.field, 'time_zone');
    const other = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.mart, name: 'x', start_date: '2026-02-03', handoff: '00:00', shift_hours: 24, member_ids: [ids.user.responder],
    });
    assert.equal(other.body.field, 'member_ids', 'members come from the agency');
    const ctu = await U.as('martsuper').post('/api/v1/rotations', {
      agency_id: ids.ctu, name: 'x', start_date: '2026-02-03', handoff: '00:00', shift_hours: 24, member_ids: [ids.user.responder],
    });
    assert.equal(ctu.status, 403, 'not another agency');
    const resp = await U.as('mart').post('/api/v1/escalation-policies', {
      agency_id: ids.mart, kind: 'referral.assigned', name: 'x', steps: [{ delay_minutes: 5, targets: [{ type: 'oncall' }] }],
    });
    assert.equal(resp.status, 403, 'a responder may not');
    const pol = await U.as('martsuper').post('/api/v1/escalation-policies', {
      agency_id: ids.mart, kind: 'referral.assigned', name: 'MART paging', repeat: 1, ack_timeout_minutes: 20,
      steps: [{ delay_minutes: 3, targets: [{ type: 'oncall' }] }, { delay_minutes: 5, targets: [{ type: 'role', role: 'supervisor' }] }],
    });
    assert.equal(pol.status, 201, pol.text);
    assert.equal(pol.body.steps.length, 2);
    const list = (await U.as('martsuper').get(`/api/v1/escalation-policies?agency_id=${ids.mart}`)).body.items;
    assert.equal(list.find((p) => p.applies_to === 'referral.assigned').name, 'MART paging');
    assert.equal(list.find((p) => p.applies_to === 'clock.missed').id, null, 'built-in elsewhere');
    const badp = await U.as('martsuper').post('/api/v1/escalation-policies', {
      agency_id: ids.mart, kind: 'clock.missed', name: 'y', steps: [{ delay_minutes: 0, targets: [{ type: 'oncall' }] }],
    });
    assert.equal(badp.body.field, 'steps');
  });
});

describe('notifications: the watchdog', () => {
  let srv; let U;
  before(async () => {
    srv = await startServer({ config: '[notify]\nheartbeat_limit_s = 2\nsmtp_url =\n' });
    U = new Users(srv);
    await U.session('supervisor');
  });
  after(async () => {
    await srv.post('/api/v1/test/stall', { component: 'scheduler', stalled: false }, { admin: true });
    await srv?.cleanup();
  });

  it('a stalled scheduler fails /readyz and alerts, and recovers', async () => {
    assert.equal((await srv.get('/readyz')).status, 200);
    assert.equal((await srv.post('/api/v1/test/stall', { component: 'scheduler', stalled: true }, { admin: true })).status, 204);
    let ready;
    // generous: on a loaded 2-core machine the heartbeat's age is real time
    for (let i = 0; i < 200; i++) {
      ready = await srv.get('/readyz');
      if (ready.status === 503) break;
      await sleep(100);
    }
    assert.equal(ready.status, 503);
    assert.equal(ready.body.clocks, 'stalled');
    const alerts = (await srv.get('/api/v1/alerts?state=all', { admin: true })).body.items;
    assert.ok(alerts.some((a) => a.kind === 'system.stalled'), JSON.stringify(alerts));
    await srv.post('/api/v1/test/stall', { component: 'scheduler', stalled: false }, { admin: true });
    for (let i = 0; i < 200; i++) {
      ready = await srv.get('/readyz');
      if (ready.status === 200) break;
      await sleep(100);
    }
    assert.equal(ready.status, 200);
    const after2 = (await srv.get('/api/v1/alerts?state=all', { admin: true })).body.items.find((a) => a.kind === 'system.stalled');
    assert.equal(after2.state, 'resolved');
  });
});
