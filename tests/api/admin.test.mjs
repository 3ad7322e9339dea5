// Administration: agencies, stations and users, each change audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';

describe('agencies', () => {
  let srv;
  let created;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('POST /api/v1/agencies creates one (201) and answers with it', async () => {
    const r = await srv.post('/api/v1/agencies', { name: '  Westside Advocacy Project  ', kind: 'advocacy' }, { admin: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.body.id, 'number');
    assert.equal(r.body.name, 'Westside Advocacy Project', 'trimmed');
    assert.equal(r.body.kind, 'advocacy');
    assert.equal(r.body.active, true);
    assert.ok(Date.parse(r.body.created_at));
    created = r.body;
  });

  it('GET /api/v1/agencies/{id} and the list show it; ?q= searches by name', async () => {
    const g = await srv.get(`/api/v1/agencies/${created.id}`, { admin: true });
    assert.deepEqual(g.body, created);
    const list = await srv.get('/api/v1/agencies', { admin: true });
    assert.ok(list.body.items.some((a) => a.id === created.id));
    assert.ok(list.body.items.length >= 13);
    const q = await srv.get('/api/v1/agencies?q=Westside', { admin: true });
    assert.deepEqual(q.body.items.map((a) => a.id), [created.id]);
    const none = await srv.get('/api/v1/agencies?q=zzzz-nothing', { admin: true });
    assert.deepEqual(none.body.items, []);
  });

  it('PATCH changes only what it names', async () => {
    const r = await srv.patch(`/api/v1/agencies/${created.id}`, { active: false }, { admin: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.active, false);
    assert.equal(r.body.name, 'Westside Advocacy Project');
    assert.equal(r.body.kind, 'advocacy');
    const r2 = await srv.patch(`/api/v1/agencies/${created.id}`, { name: 'Westside Advocacy', kind: 'mental_health' }, { admin: true });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(r2.body.name, 'Westside Advocacy');
    assert.equal(r2.body.kind, 'mental_health');
    assert.equal(r2.body.active, false);
    assert.ok(Date.parse(r2.body.updated_at) >= Date.parse(created.updated_at));
  });

  it('PATCH of an agency that does not exist answers 404', async () => {
    expectProblem(assert, await srv.patch('/api/v1/agencies/99999', { name: 'Ghost Agency' }, { admin: true }), 404, 'not-found');
  });

  it('an empty PATCH changes nothing', async () => {
    const before0 = (await srv.get(`/api/v1/agencies/${created.id}`, { admin: true })).body;
    const r = await srv.patch(`/api/v1/agencies/${created.id}`, {}, { admin: true });
    assert.ok(r.status === 400 || r.status === 200, r.text);
    const after0 = (await srv.get(`/api/v1/agencies/${created.id}`, { admin: true })).body;
    assert.deepEqual({ ...after0, updated_at: null }, { ...before0, updated_at: null });
  });

  it('GET /api/v1/meta lists the agency kinds and roles with labels', async () => {
    const r = await srv.get('/api/v1/meta', { admin: true });
    assert.equal(r.status, 200);
    assert.ok(r.body.agency_kinds.some((k) => k.value === 'law_enforcement' && k.label));
    assert.equal(r.body.roles.length, 10);
    assert.ok(r.body.roles.some((k) => k.value === 'administrator'));
  });
});

describe('stations', () => {
  let srv;
  let le;
  let hotlineAgency;
  let st;
  before(async () => {
    srv = await startServer();
    le = await srv.agencyId({ kind: 'law_enforcement' });
    hotlineAgency = await srv.agencyId({ kind: 'hotline' });
  });
  after(async () => { await srv?.cleanup(); });

  it('a station of a law-enforcement agency is created (201)', async () => {
    const r = await srv.post('/api/v1/stations', {
      agency_id: le, name: 'LASD Test Station', jurisdiction: 'Somewhere', go_live_date: '2017-03-01',
    }, { admin: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.agency_id, le);
    assert.equal(r.body.go_live_date, '2017-03-01');
    st = r.body;
    const g = await srv.get(`/api/v1/stations/${st.id}`, { admin: true });
    assert.deepEqual(g.body, st);
  });

  it('a station of the hotline agency answers 400 naming agency_id', async () => {
    const r = await srv.post('/api/v1/stations', { agency_id: hotlineAgency, name: 'Hotline Station' }, { admin: true });
    expectProblem(assert, r, 400, 'invalid', 'agency_id');
  });

  it('a station of an agency that does not exist answers 400 naming agency_id', async () => {
    expectProblem(assert, await srv.post('/api/v1/stations', { agency_id: 99999, name: 'Nowhere Station' }, { admin: true }), 400, 'invalid', 'agency_id');
  });

  it('moving a station to a non-law-enforcement agency answers 400 naming agency_id', async () => {
    expectProblem(assert, await srv.patch(`/api/v1/stations/${st.id}`, { agency_id: hotlineAgency }, { admin: true }), 400, 'invalid', 'agency_id');
    const g = await srv.get(`/api/v1/stations/${st.id}`, { admin: true });
    assert.equal(g.body.agency_id, le);
  });

  it('PATCH changes the go-live date and can clear the jurisdiction', async () => {
    const r = await srv.patch(`/api/v1/stations/${st.id}`, { go_live_date: '2018-01-31', jurisdiction: null }, { admin: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.go_live_date, '2018-01-31');
    assert.equal(r.body.jurisdiction, null);
    assert.equal(r.body.name, 'LASD Test Station');
  });

  it('the same station name twice in one agency answers 409', async () => {
    expectProblem(assert, await srv.post('/api/v1/stations', { agency_id: le, name: 'LASD Test Station' }, { admin: true }), 409, 'conflict');
  });

  it('the demo stations are listed with their go-live dates', async () => {
    const r = await srv.get('/api/v1/stations', { admin: true });
    const century = r.body.items.find((s) => s.name === 'LASD Century Station');
    assert.ok(century);
    assert.equal(century.go_live_date, '2014-08-15');
  });
});

describe('users', () => {
  let srv;
  let agency;
  let other;
  let u;
  before(async () => {
    srv = await startServer();
    agency = await srv.agencyId({ kind: 'dcfs_mart' });
    other = await srv.agencyId({ kind: 'medical' });
  });
  after(async () => { await srv?.cleanup(); });

  it('POST /api/v1/users creates a user with roles (201), no password in the answer', async () => {
    const r = await srv.post('/api/v1/users', {
      username: 'mart.worker', display_name: 'Mart Worker', email: 'mart@example.org', agency_id: agency,
      roles: ['responder', 'advocate', 'responder'], password: 'mart-worker-pass-2026',
    }, { admin: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.username, 'mart.worker');
    assert.deepEqual(r.body.roles, ['advocate', 'responder']);
    assert.equal(r.body.disabled, false);
    assert.equal(r.body.totp_enabled, false);
    assert.equal(r.body.agency_id, agency);
    assert.ok(!('password' in r.body) && !('password_hash' in r.body));
    u = r.body;
  });

  it('the new user signs in, and /me shows the roles and agency', async () => {
    const s = await srv.session('mart.worker', { password: 'mart-worker-pass-2026' });
    assert.deepEqual(s.user.roles, ['advocate', 'responder']);
    assert.equal(s.user.agency.id, agency);
    assert.equal(s.user.display_name, 'Mart Worker');
  });

  it('PATCH changes roles, name, e-mail and agency', async () => {
    const r = await srv.patch(`/api/v1/users/${u.id}`, {
      roles: ['analyst'], display_name: 'Mart Analyst', email: null, agency_id: other,
    }, { admin: true });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.roles, ['analyst']);
    assert.equal(r.body.display_name, 'Mart Analyst');
    assert.equal(r.body.email, null);
    assert.equal(r.body.agency_id, other);
    const s = await srv.session('mart.worker', { password: 'mart-worker-pass-2026' });
    assert.deepEqual(s.user.roles, ['analyst']);
    assert.equal(s.user.agency.id, other);
  });

  it('PATCH with only roles works, and an empty roles list answers 400', async () => {
    const r = await srv.patch(`/api/v1/users/${u.id}`, { roles: ['analyst', 'directory_editor'] }, { admin: true });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.roles, ['analyst', 'directory_editor']);
    expectProblem(assert, await srv.patch(`/api/v1/users/${u.id}`, { roles: [] }, { admin: true }), 400, 'invalid', 'roles');
  });

  it('PATCH to an agency that does not exist answers 400 naming agency_id', async () => {
    const r = await srv.patch(`/api/v1/users/${u.id}`, { agency_id: 99999 }, { admin: true });
    expectProblem(assert, r, 400, 'invalid', 'agency_id');
  });

  it('GET /api/v1/users?q= finds by user name and by display name', async () => {
    const byUser = await srv.get('/api/v1/users?q=mart.worker', { admin: true });
    assert.deepEqual(byUser.body.items.map((x) => x.username), ['mart.worker']);
    const byName = await srv.get('/api/v1/users?q=Analyst', { admin: true });
    const names = byName.body.items.map((x) => x.username).sort();
    assert.deepEqual(names, ['analyst', 'mart.worker']);
    const demo = await srv.get('/api/v1/users?q=Demo', { admin: true });
    assert.equal(demo.body.items.length, 12);
    const none = await srv.get('/api/v1/users?q=no-such-person', { admin: true });
    assert.deepEqual(none.body.items, []);
    const all = await srv.get('/api/v1/users', { admin: true });
    assert.equal(all.body.items.length, 13);
    for (const x of all.body.items) assert.ok(Array.isArray(x.roles) && x.roles.length > 0);
  });

  it('search terms are text, not patterns or SQL', async () => {
    for (const q of ["'", '%', '_', "' OR 1=1 --", '"', '\\']) {
      const r = await srv.get(`/api/v1/users?q=${encodeURIComponent(q)}`, { admin: true });
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.deepEqual(r.body.items, [], `q=${q} matched ${r.body.items.map((x) => x.username)}`);
    }
  });

  it('disable, then enable', async () => {
    const d = await srv.patch(`/api/v1/users/${u.id}`, { disabled: true }, { admin: true });
    assert.equal(d.body.disabled, true);
    expectProblem(assert, await srv.login('mart.worker', { password: 'mart-worker-pass-2026' }), 403, 'disabled');
    const e = await srv.patch(`/api/v1/users/${u.id}`, { disabled: false }, { admin: true });
    assert.equal(e.body.disabled, false);
    assert.equal((await srv.login('mart.worker', { password: 'mart-worker-pass-2026' })).status, 200);
  });

  it('a disabled user\'s wrong password still answers 401 (no hint the account exists and is disabled)', async () => {
    await srv.patch(`/api/v1/users/${u.id}`, { disabled: true }, { admin: true });
    expectProblem(assert, await srv.login('mart.worker', { password: 'wrong-pass-here' }), 401, 'invalid-credentials');
    await srv.patch(`/api/v1/users/${u.id}`, { disabled: false }, { admin: true });
  });

  it('password reset: old sessions end, new password works, and it unlocks', async () => {
    const s = await srv.session('mart.worker', { password: 'mart-worker-pass-2026' });
    for (let i = 0; i < 5; i++) await srv.login('mart.worker', { password: `bad-${i}-password` });
    expectProblem(assert, await srv.login('mart.worker', { password: 'mart-worker-pass-2026' }), 423, 'locked');
    const r = await srv.post(`/api/v1/users/${u.id}/password`, { new_password: 'mart-worker-new-2026' }, { admin: true });
    assert.equal(r.status, 204, r.text);
    expectProblem(assert, await srv.get('/api/v1/me', { session: s }), 401, 'unauthenticated');
    assert.equal((await srv.login('mart.worker', { password: 'mart-worker-new-2026' })).status, 200);
  });

  it('unlock of a user who is not locked is harmless (204)', async () => {
    assert.equal((await srv.post(`/api/v1/users/${u.id}/unlock`, undefined, { admin: true })).status, 204);
  });

  it('TOTP reset of a demo supervisor: they sign in without a code and must enrol', async () => {
    const id = await srv.userId('supervisor');
    const r = await srv.post(`/api/v1/users/${id}/totp/reset`, undefined, { admin: true });
    assert.equal(r.status, 204, r.text);
    const s = await srv.session('supervisor', { totp: false });
    assert.equal(s.user.totp_enrollment_required, true);
  });

  it('every administrative change is in the audit log, by admin via the token', async () => {
    const items = await srv.audit();
    const by = items.filter((e) => e.actor_username === 'admin' && e.actor_kind === 'token' && e.outcome === 'ok');
    const actions = new Set(by.map((e) => e.action));
    for (const a of ['user.create', 'user.update', 'user.disable', 'user.password_reset', 'user.unlock', 'user.totp_reset', 'user.list']) {
      assert.ok(actions.has(a), `${a} audited: ${[...actions]}`);
    }
    const create = by.find((e) => e.action === 'user.create');
    assert.equal(create.object_type, 'user');
    assert.equal(create.object_id, String(u.id));
  });
});
