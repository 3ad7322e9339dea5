// Sign-in, the session cookie, sign-out, CSRF, lockout and the per-address
// sign-in rate limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEMO_PASSWORD, DEMO_TOTP_SECRET, expectProblem, startServer, totpAt } from '../lib/api.mjs';

describe('sign-in and sign-out', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('a wrong password answers 401 /problems/invalid-credentials', async () => {
    const r = await srv.login('hotline', { password: 'not-the-password-1' });
    expectProblem(assert, r, 401, 'invalid-credentials');
    assert.equal(r.setCookie, null, 'no session cookie on failure');
  });

  it('an unknown user gets the very same answer as a wrong password', async () => {
    const wrong = await srv.login('hotline', { password: 'not-the-password-1' });
    const unknown = await srv.login('nobody-at-all', { password: 'not-the-password-1' });
    expectProblem(assert, unknown, 401, 'invalid-credentials');
    assert.equal(unknown.body.detail, wrong.body.detail);
    assert.equal(unknown.body.title, wrong.body.title);
    assert.equal(unknown.body.field, wrong.body.field);
  });

  it('admin without a TOTP code answers 401 /problems/totp-required naming field "totp"', async () => {
    const r = await srv.login('admin', { totp: false });
    expectProblem(assert, r, 401, 'totp-required', 'totp');
    assert.equal(r.setCookie, null);
  });

  it('admin with a wrong TOTP code is refused', async () => {
    const { code } = await srv.totpFor('admin');
    const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
    const r = await srv.login('admin', { totp: wrong });
    expectProblem(assert, r, 401, 'totp-required', 'totp');
  });

  it('admin with the right code signs in (200), and the same code cannot be used twice', async () => {
    const { code, step } = await srv.totpFor('admin');
    const r = await srv.login('admin', { totp: code });
    assert.equal(r.status, 200, r.text);
    srv.usedStep('admin', step);
    assert.equal(r.body.user.username, 'admin');
    assert.ok(r.body.user.roles.includes('administrator'));
    assert.equal(typeof r.body.csrf_token, 'string');
    assert.ok(r.body.csrf_token.length >= 16);
    const again = await srv.login('admin', { totp: code });
    expectProblem(assert, again, 401, 'totp-required', 'totp');
  });

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/, and not Secure over plain http', async () => {
    const s = await srv.session('hotline');
    const attrs = s.setCookie.split(';').map((x) => x.trim().toLowerCase());
    assert.match(s.setCookie, /^haven_session=hvs_[A-Za-z0-9_-]{20,};/);
    assert.ok(attrs.includes('httponly'), s.setCookie);
    assert.ok(attrs.includes('samesite=strict'), s.setCookie);
    assert.ok(attrs.includes('path=/'), s.setCookie);
    assert.ok(!attrs.includes('secure'), `no Secure over http: ${s.setCookie}`);
    const maxAge = attrs.find((a) => a.startsWith('max-age='));
    assert.equal(maxAge, `max-age=${12 * 3600}`, 'lives as long as the absolute session limit');
  });

  it('GET /api/v1/me works with the cookie and shows the user and the CSRF token', async () => {
    const s = await srv.session('responder');
    const r = await srv.get('/api/v1/me', { session: s });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.username, 'responder');
    assert.deepEqual(r.body.roles, ['responder']);
    assert.equal(r.body.csrf_token, s.csrf);
    assert.equal(r.body.totp_enrollment_required, false);
    assert.equal(typeof r.body.agency.id, 'number');
  });

  it('GET /api/v1/me without a session answers 401 /problems/unauthenticated', async () => {
    expectProblem(assert, await srv.get('/api/v1/me'), 401, 'unauthenticated');
    const bogus = await srv.get('/api/v1/me', { headers: { Cookie: 'haven_session=hvs_forged' } });
    expectProblem(assert, bogus, 401, 'unauthenticated');
    assert.match(bogus.headers.get('set-cookie') || '', /haven_session=;.*Max-Age=0/, 'a bad cookie is cleared');
  });

  it('sign-out needs the CSRF token, answers 204, clears the cookie, and ends the session', async () => {
    const s = await srv.session('advocate');
    const noCsrf = await srv.del('/api/v1/session', { session: s, csrf: false });
    expectProblem(assert, noCsrf, 403, 'csrf');
    assert.equal((await srv.get('/api/v1/me', { session: s })).status, 200, 'still signed in');
    const out = await srv.del('/api/v1/session', { session: s });
    assert.equal(out.status, 204, out.text);
    assert.match(out.headers.get('set-cookie') || '', /^haven_session=;.*Max-Age=0/);
    expectProblem(assert, await srv.get('/api/v1/me', { session: s }), 401, 'unauthenticated');
  });

  it('a missing or empty user name or password is a 400, not a sign-in attempt', async () => {
    expectProblem(assert, await srv.post('/api/v1/session', { username: 'hotline' }), 400, 'invalid', 'password');
    expectProblem(assert, await srv.post('/api/v1/session', { password: DEMO_PASSWORD }), 400, 'invalid', 'username');
    expectProblem(assert, await srv.post('/api/v1/session', { username: 'hotline', password: '' }), 400, 'invalid', 'password');
  });
});

describe('CSRF', () => {
  let srv;
  let s;
  let other;
  let selfPath;
  before(async () => {
    srv = await startServer();
    s = await srv.session('hotline');
    other = await srv.session('clinician');
    selfPath = `/api/v1/users/${s.user.id}`;
  });
  after(async () => { await srv?.cleanup(); });

  it('a cookie-authenticated POST without X-CSRF-Token answers 403 /problems/csrf', async () => {
    const r = await srv.post('/api/v1/tokens', { name: 'x' }, { session: s, csrf: false });
    expectProblem(assert, r, 403, 'csrf');
  });

  it('a cookie-authenticated PATCH without X-CSRF-Token answers 403 /problems/csrf', async () => {
    const r = await srv.patch(selfPath, { email: 'a@example.org' }, { session: s, csrf: false });
    expectProblem(assert, r, 403, 'csrf');
  });

  it('a wrong token answers 403, and so does another session\'s token', async () => {
    expectProblem(assert, await srv.post('/api/v1/tokens', { name: 'x' }, { session: s, csrf: 'wrong' }), 403, 'csrf');
    expectProblem(assert, await srv.post('/api/v1/tokens', { name: 'x' }, { session: s, csrf: `${s.csrf}x` }), 403, 'csrf');
    expectProblem(assert, await srv.post('/api/v1/tokens', { name: 'x' }, { session: s, csrf: other.csrf }), 403, 'csrf');
  });

  it('the right token from a cross-site Origin answers 403', async () => {
    const r = await srv.patch(selfPath, { email: 'a@example.org' },
      { session: s, headers: { Origin: 'https://evil.example' } });
    expectProblem(assert, r, 403, 'csrf');
    const r2 = await srv.patch(selfPath, { email: 'a@example.org' },
      { session: s, headers: { Origin: `http://127.0.0.1:${srv.port + 1}` } });
    expectProblem(assert, r2, 403, 'csrf');
  });

  it('none of the refused writes happened', async () => {
    const me = await srv.get('/api/v1/me', { session: s });
    assert.equal(me.body.email, null);
    const toks = await srv.get('/api/v1/tokens', { session: s });
    assert.deepEqual(toks.body.items, []);
  });

  it('the right token works (same Origin, or none)', async () => {
    const r = await srv.patch(selfPath, { email: 'hotline@example.org' },
      { session: s, headers: { Origin: srv.url } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.email, 'hotline@example.org');
    const t = await srv.post('/api/v1/tokens', { name: 'laptop' }, { session: s });
    assert.equal(t.status, 201, t.text);
  });

  it('writes with a bearer token need no CSRF token', async () => {
    const r = await srv.post('/api/v1/agencies', { name: 'CSRF-free Agency', kind: 'advocacy' }, { admin: true });
    assert.equal(r.status, 201, r.text);
  });
});

describe('lockout after failed sign-ins', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  async function lockOut(user) {
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const r = await srv.login(user, { password: `wrong-password-${i}` });
      answers.push(r);
      if (r.status === 423) break;
    }
    return answers;
  }

  it('the 5th wrong password locks the account: 423 /problems/locked saying until when', async () => {
    const answers = await lockOut('advocate');
    const statuses = answers.map((a) => a.status);
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
    const locked = answers[answers.length - 1];
    assert.ok(answers.length <= 6, `locked by the 6th attempt at the latest: ${statuses}`);
    expectProblem(assert, locked, 423, 'locked');
    assert.match(locked.body.detail, /locked until \d{2}:\d{2} UTC/);
  });

  it('then even the right password answers 423', async () => {
    const r = await srv.login('advocate');
    expectProblem(assert, r, 423, 'locked');
    assert.match(r.body.detail, /locked .*until \d{2}:\d{2} UTC/);
    assert.equal(r.setCookie, null);
  });

  it('the lock time shown is 15 minutes after the server\'s now', async () => {
    const now = await srv.now();
    const r = await srv.login('advocate');
    const [, hh, mm] = /until (\d{2}):(\d{2}) UTC/.exec(r.body.detail);
    const until = new Date(now + 15 * 60000);
    const shown = Number(hh) * 60 + Number(mm);
    const expect = until.getUTCHours() * 60 + until.getUTCMinutes();
    assert.ok(Math.abs(shown - expect) <= 1 || Math.abs(shown - expect) === 1439, `${r.body.detail} vs ${until.toISOString()}`);
  });

  it('the lock shows on the user record for an administrator', async () => {
    const id = await srv.userId('advocate');
    const u = await srv.get(`/api/v1/users/${id}`, { admin: true });
    assert.equal(u.status, 200);
    assert.ok(u.body.locked_until, u.text);
  });

  it('16 minutes later (test clock) the right password works', async () => {
    await srv.advance(16 * 60000);
    const r = await srv.login('advocate');
    assert.equal(r.status, 200, r.text);
  });

  it('an administrator\'s unlock (POST /api/v1/users/{id}/unlock) clears a lock at once', async () => {
    const answers = await lockOut('clinician');
    assert.equal(answers[answers.length - 1].status, 423);
    expectProblem(assert, await srv.login('clinician'), 423, 'locked');
    const id = await srv.userId('clinician');
    const u = await srv.post(`/api/v1/users/${id}/unlock`, undefined, { admin: true });
    assert.equal(u.status, 204, u.text);
    const r = await srv.login('clinician');
    assert.equal(r.status, 200, r.text);
  });

  it('a successful sign-in resets the count of failures', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await srv.login('officer', { password: 'nope-nope-nope' })).status, 401);
    assert.equal((await srv.login('officer')).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await srv.login('officer', { password: 'nope-nope-nope' })).status, 401);
    assert.equal((await srv.login('officer')).status, 200, 'not locked: the count started again');
  });

  it('wrong TOTP codes count as failures too', async () => {
    const step = Math.floor((await srv.now()) / 30000);
    const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpAt(DEMO_TOTP_SECRET, step + d)));
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !valid.has(c));
    let last;
    for (let i = 0; i < 6; i++) {
      last = await srv.login('supervisor', { totp: wrong });
      if (last.status === 423) break;
    }
    expectProblem(assert, last, 423, 'locked');
    expectProblem(assert, await srv.login('supervisor'), 423, 'locked');
    const id = await srv.userId('supervisor');
    assert.equal((await srv.post(`/api/v1/users/${id}/unlock`, undefined, { admin: true })).status, 204);
    assert.equal((await srv.login('supervisor')).status, 200);
  });

  it('failed sign-ins and the lock are in the audit log', async () => {
    const items = await srv.audit();
    const id = await srv.userId('advocate');
    const mine = items.filter((e) => e.action === 'session.create' && e.object_id === String(id));
    assert.ok(mine.some((e) => e.outcome === 'failed' && e.reason === 'bad_password'));
    assert.ok(mine.some((e) => e.outcome === 'failed' && e.reason === 'locked_now'));
    assert.ok(mine.some((e) => e.outcome === 'denied' && e.reason === 'locked'));
    assert.ok(mine.some((e) => e.outcome === 'ok'));
  });
});

describe('per-address sign-in rate limit', () => {
  let srv;
  before(async () => { srv = await startServer({ config: { raw: '[security]\nlogin_rate_per_minute = 3\n' } }); });
  after(async () => { await srv?.cleanup(); });

  it('the 4th attempt within a minute answers 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await srv.login('hotline', { password: `wrong-${i}-password` });
      assert.equal(r.status, 401, `attempt ${i + 1}: ${r.text}`);
    }
    const fourth = await srv.login('hotline');
    expectProblem(assert, fourth, 429, 'rate-limited');
    const ra = fourth.headers.get('retry-after');
    assert.ok(ra && /^\d+$/.test(ra) && Number(ra) > 0 && Number(ra) <= 60, `Retry-After: ${ra}`);
    assert.equal(fourth.setCookie, null);
    expectProblem(assert, await srv.login('responder'), 429, 'rate-limited');
  });

  it('the limit is on sign-ins only: other requests still answer', async () => {
    assert.equal((await srv.get('/healthz')).status, 200);
    assert.equal((await srv.get('/api/v1/agencies', { admin: true })).status, 200);
  });
});

describe('client address and scheme behind a proxy', () => {
  let direct;
  let proxied;
  let plain;
  before(async () => {
    plain = await startServer();
    direct = await startServer({ config: { raw: '[security]\nlogin_rate_per_minute = 3\n' } });
    proxied = await startServer({ config: { raw: '[server]\ntrust_proxy = true\n[security]\nlogin_rate_per_minute = 3\n' } });
  });
  after(async () => {
    await plain?.cleanup();
    await direct?.cleanup();
    await proxied?.cleanup();
  });

  it('without trust_proxy, X-Forwarded-For is ignored: rotating it does not escape the rate limit', async () => {
    const answers = [];
    for (let i = 1; i <= 4; i++) {
      answers.push((await direct.login('hotline', { password: 'wrong-password-x', headers: { 'X-Forwarded-For': `203.0.113.${i}` } })).status);
    }
    assert.deepEqual(answers, [401, 401, 401, 429]);
  });

  it('without trust_proxy, X-Forwarded-Proto: https neither sets Secure nor HSTS', async () => {
    const s = await plain.login('responder', { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.7' } });
    assert.equal(s.status, 200, s.text);
    assert.ok(!/;\s*Secure/i.test(s.setCookie), s.setCookie);
    assert.equal(s.headers.get('strict-transport-security'), null);
  });

  it('with trust_proxy, X-Forwarded-Proto: https makes the cookie Secure and adds HSTS', async () => {
    const s = await proxied.login('responder', { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.8' } });
    assert.equal(s.status, 200, s.text);
    assert.match(s.setCookie, /;\s*Secure/i);
    assert.match(s.headers.get('strict-transport-security') || '', /max-age=\d+/);
    const plain = await proxied.get('/healthz', { headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(plain.headers.get('strict-transport-security'), null);
  });

  it('with trust_proxy, the limit is per forwarded address', async () => {
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await proxied.login('hotline', { password: 'wrong-password-y', headers: { 'X-Forwarded-For': '192.0.2.10' } })).status);
    assert.deepEqual(a, [401, 401, 401, 429]);
    const other = await proxied.login('hotline', { password: 'wrong-password-y', headers: { 'X-Forwarded-For': '192.0.2.11' } });
    assert.equal(other.status, 401, 'another address has its own allowance');
  });

  it('with trust_proxy, a client cannot pick its address by sending its own X-Forwarded-For', async () => {
    // nginx's usual `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`
    // appends the address it saw to whatever the client sent; only that last
    // entry is the proxy's word. Four attempts from 192.0.2.50, each with a
    // different made-up first entry, are four attempts from one address.
    const a = [];
    for (let i = 1; i <= 4; i++) {
      a.push((await proxied.login('responder', { password: 'wrong-password-z', headers: { 'X-Forwarded-For': `10.9.8.${i}, 192.0.2.50` } })).status);
    }
    assert.deepEqual(a, [401, 401, 401, 429], 'spoofed X-Forwarded-For entries escaped the per-address limit');
  });
});
