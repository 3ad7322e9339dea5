// Each role is refused what it must not do, the refusals are audited, and an
// administrator may do all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { NON_ADMIN, expectProblem, startServer } from '../lib/api.mjs';

describe('what each role may not do', () => {
  let srv;
  const sessions = {};
  let ids;
  before(async () => {
    srv = await startServer();
    for (const u of NON_ADMIN) sessions[u] = await srv.session(u);
    ids = {
      le: await srv.agencyId({ kind: 'law_enforcement' }),
      hotlineAgency: await srv.agencyId({ kind: 'hotline' }),
      hotline: await srv.userId('hotline'),
      responder: await srv.userId('responder'),
      supervisor: await srv.userId('supervisor'),
    };
  });
  after(async () => { await srv?.cleanup(); });

  // The admin-only requests every other role must be refused, with bodies
  // that would succeed for an administrator.
  const forbidden = (u, self = sessions[u].user.id) => [
    ['POST', '/api/v1/users', {
      username: `made-by-${u}`, display_name: 'Should Not Exist', agency_id: ids.hotlineAgency,
      roles: ['administrator'], password: 'a-long-enough-password-1',
    }],
    ['POST', '/api/v1/agencies', { name: `Agency made by ${u}`, kind: 'advocacy' }],
    ['POST', '/api/v1/stations', { agency_id: ids.le, name: `Station made by ${u}` }],
    ['PATCH', '/api/v1/agencies/1', { name: `Renamed by ${u}` }],
    ['PATCH', '/api/v1/stations/1', { name: `Renamed by ${u}` }],
    ['GET', '/api/v1/audit'],
    ['POST', '/api/v1/test/clock', { advance_ms: 3600000 }],
    ['GET', '/api/v1/test/clock'],
    ['POST', `/api/v1/users/${ids.hotline === self ? ids.responder : ids.hotline}/unlock`],
    ['POST', `/api/v1/users/${ids.responder}/password`, { new_password: 'another-long-password-2' }],
    ['POST', `/api/v1/users/${ids.supervisor}/totp/reset`],
    // a supervisor may not change even their own agency's users
    ['PATCH', `/api/v1/users/${ids.supervisor === self ? ids.responder : ids.supervisor}`, { display_name: `Renamed by ${u}` }],
  ];

  for (const u of NON_ADMIN) {
    it(`${u}: every administrator-only request answers 403 /problems/forbidden`, async () => {
      const s = sessions[u];
      for (const [method, p, json] of forbidden(u)) {
        const r = await srv.request(method, p, { session: s, json });
        expectProblem(assert, r, 403, 'forbidden');
        assert.ok(!/Should Not Exist|made by|Renamed by/.test(r.text), 'the refusal echoes nothing');
      }
    });

    const supervises = u === 'supervisor' || u === 'martsuper';
    it(`${u}: GET /api/v1/users answers ${supervises ? '200 (own agency only)' : '403'}`, async () => {
      const r = await srv.get('/api/v1/users', { session: sessions[u] });
      if (supervises) assert.equal(r.status, 200, r.text);
      else expectProblem(assert, r, 403, 'forbidden');
    });

    it(`${u}: may read agencies and stations (reference data)`, async () => {
      assert.equal((await srv.get('/api/v1/agencies', { session: sessions[u] })).status, 200);
      assert.equal((await srv.get('/api/v1/stations', { session: sessions[u] })).status, 200);
      assert.equal((await srv.get('/api/v1/agencies/1', { session: sessions[u] })).status, 200);
    });
  }

  it('nothing a non-administrator tried was done', async () => {
    const users = await srv.get('/api/v1/users', { admin: true });
    assert.ok(!users.body.items.some((x) => x.username.startsWith('made-by-')));
    assert.ok(!users.body.items.some((x) => /Renamed by/.test(x.display_name)));
    const ag = await srv.get('/api/v1/agencies', { admin: true });
    assert.ok(!ag.body.items.some((x) => /made by|Renamed by/.test(x.name)));
    const st = await srv.get('/api/v1/stations', { admin: true });
    assert.ok(!st.body.items.some((x) => /made by|Renamed by/.test(x.name)));
    const clock = await srv.get('/api/v1/test/clock', { admin: true });
    assert.ok(Math.abs(clock.body.offset_ms) < 60000, `the clock was not moved: ${clock.text}`);
  });

  it('a supervisor sees only their own agency\'s users', async () => {
    const s = sessions.supervisor;
    const r = await srv.get('/api/v1/users', { session: s });
    assert.equal(r.status, 200, r.text);
    const names = r.body.items.map((x) => x.username).sort();
    assert.ok(names.includes('supervisor') && names.includes('responder'), names.join());
    assert.ok(!names.includes('hotline') && !names.includes('admin'), names.join());
    for (const x of r.body.items) assert.equal(x.agency_id, s.user.agency.id);
    const q = await srv.get('/api/v1/users?q=hotline', { session: s });
    assert.equal(q.status, 200);
    assert.deepEqual(q.body.items, [], 'a search does not widen the scope');
    assert.equal((await srv.get(`/api/v1/users/${ids.responder}`, { session: s })).status, 200);
    expectProblem(assert, await srv.get(`/api/v1/users/${ids.hotline}`, { session: s }), 403, 'forbidden');
  });

  it('no user record shows a password hash', async () => {
    const r = await srv.get('/api/v1/users', { admin: true });
    assert.ok(!/password|argon2/i.test(r.text), r.text.slice(0, 300));
    const one = await srv.get(`/api/v1/users/${ids.hotline}`, { session: sessions.hotline });
    assert.equal(one.status, 200, 'one\'s own record');
    assert.ok(!/password|argon2/i.test(one.text));
  });

  it('a user may not change their own roles, agency or status', async () => {
    const s = sessions.hotline;
    const p = `/api/v1/users/${s.user.id}`;
    for (const json of [{ roles: ['administrator'] }, { agency_id: ids.le }, { disabled: false }]) {
      expectProblem(assert, await srv.patch(p, json, { session: s }), 403, 'forbidden');
    }
    const me = await srv.get('/api/v1/me', { session: s });
    assert.deepEqual(me.body.roles, ['hotline_worker']);
    assert.equal(me.body.agency.id, ids.hotlineAgency);
  });

  it('an API token carries its user\'s permissions, no more', async () => {
    const t = await srv.post('/api/v1/tokens', { name: 'script' }, { session: sessions.officer });
    assert.equal(t.status, 201, t.text);
    for (const [method, p, json] of forbidden('officer-token', sessions.officer.user.id)) {
      expectProblem(assert, await srv.request(method, p, { token: t.body.token, json }), 403, 'forbidden');
    }
    expectProblem(assert, await srv.get('/api/v1/users', { token: t.body.token }), 403, 'forbidden');
  });

  it('the refusals are in the audit log with outcome "denied"', async () => {
    const items = await srv.audit(500);
    const denied = items.filter((e) => e.outcome === 'denied');
    for (const u of NON_ADMIN) {
      const mine = denied.filter((e) => e.actor_username === u).map((e) => e.action);
      for (const action of ['user.create', 'agency.create', 'station.create', 'agency.update', 'audit.read', 'clock.update']) {
        assert.ok(mine.includes(action), `${u}: no denied ${action} in ${mine.join()}`);
      }
      if (u !== 'supervisor' && u !== 'martsuper') assert.ok(mine.includes('user.read'), `${u}: no denied user.read`);
    }
    const tokenDenied = denied.filter((e) => e.actor_username === 'officer' && e.actor_kind === 'token');
    assert.ok(tokenDenied.length > 0, 'token refusals say so');
    for (const e of denied) {
      assert.ok(e.reason, `a denial gives a reason: ${JSON.stringify(e)}`);
      assert.ok(e.request_id, 'a denial has the request id');
    }
  });
});

describe('what an administrator may do', () => {
  let srv;
  let admin;
  before(async () => {
    srv = await startServer();
    admin = await srv.session('admin');
  });
  after(async () => { await srv?.cleanup(); });

  it('signed in with the cookie (and CSRF token), an administrator may do all of it', async () => {
    const le = await srv.agencyId({ kind: 'law_enforcement' });
    const hotlineAgency = await srv.agencyId({ kind: 'hotline' });
    const hotline = await srv.userId('hotline');
    const o = { session: admin };
    const steps = [
      ['POST', '/api/v1/users', { username: 'made-by-admin', display_name: 'Made By Admin', agency_id: hotlineAgency, roles: ['hotline_worker'], password: 'a-long-enough-password-1' }, 201],
      ['POST', '/api/v1/agencies', { name: 'Agency made by admin', kind: 'advocacy' }, 201],
      ['POST', '/api/v1/stations', { agency_id: le, name: 'Station made by admin' }, 201],
      ['PATCH', '/api/v1/agencies/1', { name: 'Renamed by admin' }, 200],
      ['PATCH', '/api/v1/stations/1', { jurisdiction: 'Changed by admin' }, 200],
      ['GET', '/api/v1/audit', undefined, 200],
      ['POST', '/api/v1/test/clock', { advance_ms: 1000 }, 200],
      ['GET', '/api/v1/test/clock', undefined, 200],
      ['GET', '/api/v1/users', undefined, 200],
      ['POST', `/api/v1/users/${hotline}/unlock`, undefined, 204],
      ['POST', `/api/v1/users/${hotline}/password`, { new_password: 'another-long-password-2' }, 204],
      ['PATCH', `/api/v1/users/${hotline}`, { display_name: 'Renamed Hotline' }, 200],
    ];
    for (const [method, p, json, want] of steps) {
      const r = await srv.request(method, p, { ...o, json });
      assert.equal(r.status, want, `${method} ${p}: ${r.text}`);
    }
  });

  it('and so may the administrator\'s API token', async () => {
    const r = await srv.post('/api/v1/agencies', { name: 'Agency made by token', kind: 'medical' }, { admin: true });
    assert.equal(r.status, 201, r.text);
    assert.equal((await srv.get('/api/v1/audit', { admin: true })).status, 200);
    const me = await srv.get('/api/v1/me', { admin: true });
    assert.deepEqual(me.body.can.sort(), ['agencies.write', 'alerts.read', 'arrests.read', 'audit.read', 'beds.read',
      'directory.read', 'directory.write', 'escalation.write', 'linkage.review', 'oncall.read', 'oncall.write',
      'outcomes.read', 'program.read', 'program.write', 'sites.write', 'stations.write', 'users.read', 'users.write']);
  });

  it('/me tells the other roles what they may do', async () => {
    const h = await srv.session('responder');
    assert.deepEqual(h.user.can, ['referrals.board', 'tasks.read', 'beds.read', 'oncall.read', 'alerts.read',
      'directory.read']);
    const s = await srv.session('supervisor');
    assert.deepEqual(s.user.can, ['users.read', 'referrals.board', 'tasks.read', 'beds.read', 'oncall.read', 'arrests.read',
      'oncall.write', 'escalation.write', 'alerts.read', 'outcomes.read', 'program.read', 'directory.read',
      'linkage.review']);
    const a = await srv.session('analyst');
    assert.deepEqual(a.user.can, ['outcomes.read', 'program.read', 'program.write'],
      'analysts see aggregates and keep the trackers, no case data');
    const e = await srv.session('editor');
    assert.deepEqual(e.user.can, ['directory.read', 'directory.write', 'sites.write'],
      'directory editors keep the directory and flag Safe Youth Zones, no case data');
    const st = await srv.session('sitestaff');
    assert.deepEqual(st.user.can, ['referrals.create', 'referrals.board', 'tasks.read', 'sites.start'],
      'site staff start referrals from their own site');
  });
});
