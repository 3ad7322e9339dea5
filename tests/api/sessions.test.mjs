// Session lifetime (idle and absolute), ending sessions by disabling a user
// or resetting a password, setting up a second factor, and API tokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer, totpAt } from '../lib/api.mjs';

const MIN = 60000;

describe('session lifetime', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('a session idle for 31 minutes has ended (401); activity keeps it alive', async () => {
    const s = await srv.session('hotline');
    await srv.advance(29 * MIN);
    assert.equal((await srv.get('/api/v1/me', { session: s })).status, 200, 'after 29 idle minutes');
    await srv.advance(29 * MIN);
    assert.equal((await srv.get('/api/v1/me', { session: s })).status, 200, 'the last request reset the idle time');
    await srv.advance(31 * MIN);
    const r = await srv.get('/api/v1/me', { session: s });
    expectProblem(assert, r, 401, 'unauthenticated');
    assert.match(r.headers.get('set-cookie') || '', /^haven_session=;.*Max-Age=0/);
    const w = await srv.post('/api/v1/tokens', { name: 'late' }, { session: s });
    expectProblem(assert, w, 401, 'unauthenticated');
  });

  it('a session ends 12 hours after sign-in however active it is', async () => {
    const s = await srv.session('responder');
    let elapsed = 0;
    while (elapsed + 25 * MIN < 12 * 60 * MIN) {
      await srv.advance(25 * MIN);
      elapsed += 25 * MIN;
      const r = await srv.get('/api/v1/me', { session: s });
      assert.equal(r.status, 200, `still signed in after ${elapsed / MIN} minutes`);
    }
    await srv.advance(12 * 60 * MIN - elapsed + MIN);
    expectProblem(assert, await srv.get('/api/v1/me', { session: s }), 401, 'unauthenticated');
    assert.equal((await srv.login('responder')).status, 200, 'signing in again works');
  });
});

describe('ending sessions', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('disabling a user ends their sessions and tokens, and blocks sign-in (403 /problems/disabled)', async () => {
    const s = await srv.session('officer');
    const t = await srv.post('/api/v1/tokens', { name: 'cad' }, { session: s });
    assert.equal(t.status, 201);
    const id = s.user.id;
    const d = await srv.patch(`/api/v1/users/${id}`, { disabled: true }, { admin: true });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.disabled, true);
    expectProblem(assert, await srv.get('/api/v1/me', { session: s }), 401, 'unauthenticated');
    expectProblem(assert, await srv.get('/api/v1/me', { token: t.body.token }), 401, 'unauthenticated');
    const again = await srv.login('officer');
    expectProblem(assert, again, 403, 'disabled');
    assert.equal(again.setCookie, null);
    const audit = await srv.audit();
    assert.ok(audit.some((e) => e.action === 'user.disable' && e.object_id === String(id) && e.outcome === 'ok'));
    assert.ok(audit.some((e) => e.action === 'session.create' && e.reason === 'disabled' && e.outcome === 'denied'));
  });

  it('a disabled user who is enabled again can sign in; the old session stays ended', async () => {
    const id = await srv.userId('officer');
    const e = await srv.patch(`/api/v1/users/${id}`, { disabled: false }, { admin: true });
    assert.equal(e.status, 200, e.text);
    assert.equal((await srv.login('officer')).status, 200);
  });

  it('an administrator cannot disable their own account', async () => {
    const admin = await srv.session('admin');
    const r = await srv.patch(`/api/v1/users/${admin.user.id}`, { disabled: true }, { session: admin });
    expectProblem(assert, r, 400, 'invalid', 'disabled');
    assert.equal((await srv.get('/api/v1/me', { session: admin })).status, 200);
  });

  it('a password reset by an administrator ends the user\'s sessions; only the new password works', async () => {
    const s1 = await srv.session('analyst');
    const s2 = await srv.session('analyst');
    const r = await srv.post(`/api/v1/users/${s1.user.id}/password`, { new_password: 'reset-by-admin-2026' }, { admin: true });
    assert.equal(r.status, 204, r.text);
    for (const s of [s1, s2]) expectProblem(assert, await srv.get('/api/v1/me', { session: s }), 401, 'unauthenticated');
    expectProblem(assert, await srv.login('analyst'), 401, 'invalid-credentials');
    assert.equal((await srv.login('analyst', { password: 'reset-by-admin-2026' })).status, 200);
  });

  it('a password reset refuses a weak password (400 field new_password)', async () => {
    const id = await srv.userId('analyst');
    expectProblem(assert, await srv.post(`/api/v1/users/${id}/password`, { new_password: 'short' }, { admin: true }), 400, 'invalid', 'new_password');
    expectProblem(assert, await srv.post(`/api/v1/users/${id}/password`, { new_password: 'aaaaaaaaaaaaaaaa' }, { admin: true }), 400, 'invalid', 'new_password');
    assert.equal((await srv.login('analyst', { password: 'reset-by-admin-2026' })).status, 200, 'unchanged');
  });

  it('changing one\'s own password needs the current one and ends one\'s other sessions', async () => {
    const here = await srv.session('editor');
    const there = await srv.session('editor');
    const bad = await srv.post('/api/v1/me/password', { current_password: 'not-it-at-all', new_password: 'editor-new-password-1' }, { session: here });
    expectProblem(assert, bad, 400, 'invalid', 'current_password');
    const weak = await srv.post('/api/v1/me/password', { current_password: 'haven-demo-2026', new_password: 'short' }, { session: here });
    expectProblem(assert, weak, 400, 'invalid', 'new_password');
    const ok = await srv.post('/api/v1/me/password', { current_password: 'haven-demo-2026', new_password: 'editor-new-password-1' }, { session: here });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await srv.get('/api/v1/me', { session: here })).status, 200, 'this session goes on');
    expectProblem(assert, await srv.get('/api/v1/me', { session: there }), 401, 'unauthenticated');
    expectProblem(assert, await srv.login('editor'), 401, 'invalid-credentials');
    assert.equal((await srv.login('editor', { password: 'editor-new-password-1' })).status, 200);
  });
});

describe('second factor', () => {
  let srv;
  let agency;
  before(async () => {
    srv = await startServer();
    agency = await srv.agencyId({ kind: 'probation_ctu' });
  });
  after(async () => { await srv?.cleanup(); });

  let secret;
  let user;
  let s;
  let confirmStep;

  it('a new supervisor (created with the admin token) signs in with the password only', async () => {
    const c = await srv.post('/api/v1/users', {
      username: 'new.supervisor', display_name: 'New Supervisor', agency_id: agency,
      roles: ['supervisor'], password: 'supervisor-pass-2026',
    }, { admin: true });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.totp_enabled, false);
    user = c.body;
    s = await srv.session('new.supervisor', { password: 'supervisor-pass-2026', totp: false });
  });

  it('/me says totp_enrollment_required', async () => {
    const me = await srv.get('/api/v1/me', { session: s });
    assert.equal(me.status, 200);
    assert.equal(me.body.totp_enrollment_required, true);
    assert.equal(me.body.totp_required, true);
    assert.equal(me.body.totp_enabled, false);
    assert.deepEqual(me.body.can, [], 'no permissions until the second factor is set up');
  });

  it('until then other requests answer 403 /problems/totp-enrollment-required', async () => {
    expectProblem(assert, await srv.get('/api/v1/agencies', { session: s }), 403, 'totp-enrollment-required');
    expectProblem(assert, await srv.get('/api/v1/users', { session: s }), 403, 'totp-enrollment-required');
    expectProblem(assert, await srv.post('/api/v1/tokens', { name: 'dodge' }, { session: s }), 403, 'totp-enrollment-required');
  });

  it('POST /api/v1/me/totp gives a secret and an otpauth URI', async () => {
    const r = await srv.post('/api/v1/me/totp', undefined, { session: s });
    assert.equal(r.status, 200, r.text);
    assert.match(r.body.secret, /^[A-Z2-7]{32}$/);
    assert.match(r.body.otpauth_uri, /^otpauth:\/\/totp\//);
    assert.ok(r.body.otpauth_uri.includes(`secret=${r.body.secret}`));
    secret = r.body.secret;
  });

  it('a wrong code does not confirm it', async () => {
    const step = Math.floor((await srv.now()) / 30000);
    const valid = new Set([-1, 0, 1].map((d) => totpAt(secret, step + d)));
    const wrong = ['123456', '654321', '000000'].find((c) => !valid.has(c));
    expectProblem(assert, await srv.post('/api/v1/me/totp/confirm', { code: wrong }, { session: s }), 400, 'invalid', 'code');
    expectProblem(assert, await srv.get('/api/v1/agencies', { session: s }), 403, 'totp-enrollment-required');
  });

  it('confirming with a code computed from the secret lets the session through', async () => {
    const now = await srv.now();
    confirmStep = Math.floor(now / 30000);
    const r = await srv.post('/api/v1/me/totp/confirm', { code: totpAt(secret, confirmStep) }, { session: s });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.totp_enabled, true);
    assert.equal(r.body.totp_enrollment_required, false);
    srv.usedStep('new.supervisor', confirmStep);
    assert.equal((await srv.get('/api/v1/agencies', { session: s })).status, 200);
    const users = await srv.get('/api/v1/users', { session: s });
    assert.equal(users.status, 200, users.text);
    expectProblem(assert, await srv.post('/api/v1/me/totp', undefined, { session: s }), 409, 'conflict');
  });

  it('the next sign-in needs the code', async () => {
    const none = await srv.login('new.supervisor', { password: 'supervisor-pass-2026', totp: false });
    expectProblem(assert, none, 401, 'totp-required', 'totp');
    const replay = await srv.login('new.supervisor', { password: 'supervisor-pass-2026', totp: totpAt(secret, confirmStep) });
    expectProblem(assert, replay, 401, 'totp-required', 'totp');
    const ok = await srv.login('new.supervisor', { password: 'supervisor-pass-2026', secret, totp: true });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.user.totp_enrollment_required, false);
  });

  it('an administrator\'s TOTP reset makes the user set it up again', async () => {
    const r = await srv.post(`/api/v1/users/${user.id}/totp/reset`, undefined, { admin: true });
    assert.equal(r.status, 204, r.text);
    const u = await srv.get(`/api/v1/users/${user.id}`, { admin: true });
    assert.equal(u.body.totp_enabled, false);
    const again = await srv.session('new.supervisor', { password: 'supervisor-pass-2026', totp: false });
    assert.equal(again.body.user.totp_enrollment_required, true);
    expectProblem(assert, await srv.get('/api/v1/agencies', { session: again }), 403, 'totp-enrollment-required');
  });

  it('a role that needs a second factor, granted to a signed-in user, is not usable before enrolment', async () => {
    const h = await srv.session('clinician');
    const id = h.user.id;
    const p = await srv.patch(`/api/v1/users/${id}`, { roles: ['clinician', 'supervisor'] }, { admin: true });
    assert.equal(p.status, 200, p.text);
    // The live session now holds the supervisor role; it was made without a
    // second factor, so supervisor powers must wait for enrolment (or the
    // session must end).
    const r = await srv.get('/api/v1/users', { session: h });
    assert.ok([401, 403].includes(r.status), `GET /api/v1/users with a session that never passed a second factor: ${r.status} ${r.text.slice(0, 200)}`);
    const fresh = await srv.session('clinician');
    assert.equal(fresh.body.user.totp_enrollment_required, true, 'a new sign-in must enrol');
  });
});

describe('API tokens', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('a signed-in user makes a token, shown once; GET /api/v1/me with Bearer works', async () => {
    const s = await srv.session('advocate');
    const t = await srv.post('/api/v1/tokens', { name: 'case import' }, { session: s });
    assert.equal(t.status, 201, t.text);
    assert.match(t.body.token, /^hvt_[A-Za-z0-9_-]{40,}$/);
    assert.equal(t.body.name, 'case import');
    const me = await srv.get('/api/v1/me', { token: t.body.token });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.username, 'advocate');
    const list = await srv.get('/api/v1/tokens', { session: s });
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 1);
    assert.equal(list.body.items[0].id, t.body.id);
    assert.equal(list.body.items[0].revoked_at, null);
    assert.ok(!list.text.includes(t.body.token), 'the list never shows the token');
    assert.ok(!list.text.includes(t.body.token.slice(4, 20)));

    const del = await srv.del(`/api/v1/tokens/${t.body.id}`, { session: s });
    assert.equal(del.status, 204, del.text);
    expectProblem(assert, await srv.get('/api/v1/me', { token: t.body.token }), 401, 'unauthenticated');
    const after2 = await srv.get('/api/v1/tokens', { session: s });
    assert.ok(after2.body.items[0].revoked_at, 'the list shows it revoked');
    expectProblem(assert, await srv.del(`/api/v1/tokens/${t.body.id}`, { session: s }), 404, 'not-found');
  });

  it('a token cannot make more tokens, and one cannot revoke another user\'s token', async () => {
    const a = await srv.session('advocate');
    const b = await srv.session('clinician');
    const t = await srv.post('/api/v1/tokens', { name: 'a' }, { session: a });
    expectProblem(assert, await srv.post('/api/v1/tokens', { name: 'b' }, { token: t.body.token }), 403, 'forbidden');
    expectProblem(assert, await srv.del(`/api/v1/tokens/${t.body.id}`, { session: b }), 404, 'not-found');
    assert.equal((await srv.get('/api/v1/me', { token: t.body.token })).status, 200, 'still valid');
    const own = await srv.del(`/api/v1/tokens/${t.body.id}`, { token: t.body.token });
    assert.equal(own.status, 204, 'a token may revoke itself');
    expectProblem(assert, await srv.get('/api/v1/me', { token: t.body.token }), 401, 'unauthenticated');
  });

  it('a malformed or unknown bearer token answers 401', async () => {
    for (const tok of ['hvt_unknown', 'hvs_notatoken', 'x', `hvt_${'a'.repeat(100)}`]) {
      expectProblem(assert, await srv.get('/api/v1/me', { token: tok }), 401, 'unauthenticated');
    }
  });

  it('token use and revocation are audited', async () => {
    const items = await srv.audit();
    assert.ok(items.some((e) => e.action === 'token.create' && e.actor_username === 'advocate'));
    assert.ok(items.some((e) => e.action === 'token.revoke' && e.actor_username === 'advocate' && e.outcome === 'ok'));
  });
});
