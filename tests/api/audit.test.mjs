// The audit log: `haven audit verify` passes on an honest log and names what
// was changed, removed or forged; the database refuses edits; and neither
// the audit log nor the server's log holds passwords, names or searches.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { DEMO_PASSWORD, copyData, expectProblem, haven, sqlite, startServer } from '../lib/api.mjs';

const DEMO_DISPLAY_NAMES = ['Demo Administrator', 'Demo CTU Supervisor', 'Demo Hotline Worker',
  'Demo CTU Responder', 'Demo Advocate', 'Demo Medical Hub Clinician', 'Demo Patrol Deputy',
  'Demo Program Analyst', 'Demo Directory Editor'];

const verify = (dir) => haven(['audit', 'verify', '--data', dir]);

describe('audit log integrity', () => {
  let srv;
  const copies = [];
  let deniedId;
  let lastId;
  before(async () => {
    srv = await startServer();
    // some activity of every kind: sign-ins good and bad, writes, denials
    await srv.login('hotline', { password: 'wrong-password-here' });
    const h = await srv.session('hotline');
    await srv.get('/api/v1/audit', { session: h });
    await srv.post('/api/v1/agencies', { name: 'Audited Agency', kind: 'advocacy' }, { admin: true });
    await srv.session('admin');
    await srv.get('/api/v1/users', { admin: true });
  });
  after(async () => {
    await srv?.cleanup();
    for (const c of copies) await rm(c.root, { recursive: true, force: true });
  });

  it('`haven audit verify` exits 0 while the server runs', async () => {
    const r = await verify(srv.dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /intact: \d+ entries verified/);
    const n = Number(/intact: (\d+)/.exec(r.stdout)[1]);
    assert.ok(n >= 15, `${n} entries`);
  });

  it('and after the server stopped', async () => {
    const items = await srv.audit(500);
    deniedId = items.find((e) => e.outcome === 'denied').id;
    await srv.stop();
    const r = await verify(srv.dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const count = await sqlite(srv.db, 'SELECT MAX(id) FROM audit_log;');
    lastId = Number(count.stdout.trim());
    assert.ok(lastId > 10);
  });

  async function copy() {
    const c = await copyData(srv.dataDir);
    copies.push(c);
    return c;
  }

  it('the database itself refuses to change or delete audit entries', async () => {
    const c = await copy();
    const u = await sqlite(c.db, "UPDATE audit_log SET outcome='ok' WHERE id=3;");
    assert.notEqual(u.code, 0);
    assert.match(u.stderr, /append-only/);
    const d = await sqlite(c.db, 'DELETE FROM audit_log WHERE id=3;');
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /append-only/);
    assert.equal((await verify(c.dir)).code, 0);
  });

  it('a changed entry (entry 3) makes verify exit 1 and name "entry 3"', async () => {
    const c = await copy();
    const t = await sqlite(c.db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET reason='edited' WHERE id=3;");
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /entry 3\b/);
    assert.match(r.stdout, /changed/);
  });

  it('a denial rewritten as "ok" is caught and named', async () => {
    const c = await copy();
    const t = await sqlite(c.db, `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome='ok' WHERE id=${deniedId};`);
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`entry ${deniedId}\\b`));
  });

  it('an entry whose hash was recomputed by someone without the key is still caught', async () => {
    const c = await copy();
    // change a field and also "fix" prev_hash links by copying hashes around
    const t = await sqlite(c.db, 'DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_user_id = 1, hash = (SELECT hash FROM audit_log WHERE id = 2) WHERE id = 4;');
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /entry 4\b/);
  });

  it('a deleted middle entry makes verify exit 1 and name the gap', async () => {
    const c = await copy();
    const t = await sqlite(c.db, 'DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id=5;');
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /missing/);
    assert.match(r.stdout, /\b5\b/);
  });

  it('a deleted last entry makes verify exit 1', async () => {
    const c = await copy();
    const t = await sqlite(c.db, `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id=${lastId};`);
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`\\b${lastId}\\b`));
  });

  it('a forged entry added at the end makes verify exit 1', async () => {
    const c = await copy();
    const t = await sqlite(c.db, `INSERT INTO audit_log (id, at, actor_user_id, actor_kind, action, outcome, prev_hash, hash)
      SELECT ${lastId + 1}, at + 1, 1, 'user', 'user.create', 'ok', hash, hash FROM audit_log WHERE id = ${lastId};`);
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
  });

  it('the server goes on appending to an intact chain after a restart', async () => {
    await srv.restart();
    await srv.post('/api/v1/agencies', { name: 'After Restart Agency', kind: 'medical' }, { admin: true });
    await srv.login('responder', { password: 'still-wrong-password' });
    const r = await verify(srv.dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('the brief\'s tamper recipe on a log that starts with failures', () => {
  let srv;
  let c;
  before(async () => {
    // an empty database: entries 1..3 are failed sign-ins, so setting
    // entry 3's outcome to 'ok' is a real change
    srv = await startServer({ demo: false, adminToken: false });
    for (let i = 0; i < 4; i++) {
      expectProblem(assert, await srv.login(`ghost${i}`, { password: 'whatever-password' }), 401, 'invalid-credentials');
    }
    await srv.stop();
  });
  after(async () => {
    await srv?.cleanup();
    if (c) await rm(c.root, { recursive: true, force: true });
  });

  it('DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome=\'ok\' WHERE id=3 → exit 1 naming entry 3', async () => {
    assert.equal((await verify(srv.dataDir)).code, 0);
    c = await copyData(srv.dataDir);
    const before0 = await sqlite(c.db, 'SELECT outcome FROM audit_log WHERE id=3;');
    assert.equal(before0.stdout.trim(), 'failed');
    const t = await sqlite(c.db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome='ok' WHERE id=3;");
    assert.equal(t.code, 0, t.stderr);
    const r = await verify(c.dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /entry 3\b/);
  });
});

describe('no secrets or names in the audit log or the server log', () => {
  let srv;
  const secrets = ['Wr0ng-Secret-Password!', 'typed-my-password-here-123', 'Quintessa', 'Zebrafish',
    'zebrafish-initial-pass-1', 'zebrafish-reset-pass-2', 'quintessa@example.org'];
  before(async () => {
    srv = await startServer();
    await srv.session('hotline');
    await srv.login('hotline', { password: 'Wr0ng-Secret-Password!' });
    // someone types their password into the user name field
    await srv.login('typed-my-password-here-123', { password: DEMO_PASSWORD });
    await srv.session('admin');
    const agency = await srv.agencyId({ kind: 'advocacy' });
    const u = await srv.post('/api/v1/users', {
      username: 'qzx', display_name: 'Quintessa Zebrafish', email: 'quintessa@example.org', agency_id: agency,
      roles: ['advocate'], password: 'zebrafish-initial-pass-1',
    }, { admin: true });
    assert.equal(u.status, 201, u.text);
    await srv.session('qzx', { password: 'zebrafish-initial-pass-1' });
    await srv.post(`/api/v1/users/${u.body.id}/password`, { new_password: 'zebrafish-reset-pass-2' }, { admin: true });
    await srv.patch(`/api/v1/users/${u.body.id}`, { display_name: 'Quintessa Zebrafish II' }, { admin: true });
    await srv.post('/api/v1/users', { username: 'weak', display_name: 'Quintessa Weak', agency_id: agency, roles: ['advocate'], password: 'Zebrafish' }, { admin: true });
    const hs = await srv.session('hotline');
    await srv.post('/api/v1/me/password', { current_password: 'Wr0ng-Secret-Password!', new_password: 'zebrafish-initial-pass-1' }, { session: hs });
    const q = await srv.get('/api/v1/users?q=Demo', { admin: true });
    assert.equal(q.status, 200);
    assert.ok(q.body.items.length >= 9, 'the search found the demo users');
    await srv.get('/api/v1/agencies?q=Sheriff', { admin: true });
    await srv.get('/api/v1/users?q=Zebrafish', { admin: true });
  });
  after(async () => { await srv?.cleanup(); });

  it('the audit log (sqlite dump) holds no password, display name or search term', async () => {
    const dump = await sqlite(srv.db, '.dump audit_log');
    assert.equal(dump.code, 0, dump.stderr);
    assert.match(dump.stdout, /INSERT INTO audit_log/);
    for (const s of [DEMO_PASSWORD, ...DEMO_DISPLAY_NAMES, ...secrets, 'Sheriff', 'Demo']) {
      assert.ok(!dump.stdout.includes(s), `audit log contains ${JSON.stringify(s)}`);
    }
  });

  it('the audit API shows none of them either', async () => {
    const r = await srv.get('/api/v1/audit?limit=500', { admin: true });
    for (const s of [DEMO_PASSWORD, ...DEMO_DISPLAY_NAMES, ...secrets, 'Sheriff']) {
      assert.ok(!r.text.includes(s), `audit API shows ${JSON.stringify(s)}`);
    }
  });

  it('the server log holds no password, display name or query string', async () => {
    await srv.get('/healthz'); // let the previous lines flush
    const log = srv.stderr;
    const line = srv.logs().find((l) => l.msg === 'request' && l.method === 'GET' && l.route === '/api/v1/users');
    assert.ok(line, 'the search was logged');
    assert.ok(!JSON.stringify(line).includes('Demo'));
    for (const s of [DEMO_PASSWORD, ...DEMO_DISPLAY_NAMES, ...secrets, 'Sheriff', 'Demo', 'q=', '?']) {
      assert.ok(!log.includes(s), `server log contains ${JSON.stringify(s)}`);
    }
    assert.doesNotMatch(log, /hv[st]_[A-Za-z0-9_-]{20,}/, 'no session or API token in the log');
  });
});

describe('concurrent activity', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('many simultaneous writes, sign-ins and denials leave one unbroken chain', async () => {
    const hs = await srv.session('hotline');
    const jobs = [];
    for (let i = 0; i < 15; i++) {
      jobs.push(srv.post('/api/v1/agencies', { name: `Concurrent Agency ${i}`, kind: 'advocacy' }, { admin: true }).then((r) => r.status));
      jobs.push(srv.login('responder', { password: i % 2 ? 'haven-demo-2026' : 'wrong-password-c' }).then((r) => r.status));
      jobs.push(srv.get('/api/v1/audit', { session: hs }).then((r) => r.status));
      jobs.push(srv.get('/api/v1/users', { admin: true }).then((r) => r.status));
    }
    const statuses = await Promise.all(jobs);
    assert.ok(!statuses.includes(500) && !statuses.includes(503), statuses.join());
    assert.equal(statuses.filter((s) => s === 201).length, 15);
    const items = await srv.audit(500);
    const ids = items.map((e) => e.id).sort((a, b) => a - b);
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, 'ids have no gaps');
    assert.equal(items.filter((e) => e.action === 'agency.create').length, 15);
    const r = await verify(srv.dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
