// Who may do what on the protocol's routes (docs/protocol.md, "Who sees
// what", and src/auth/policy.c): every route against every demo role from one
// table, what each role's board holds, health details, sign-in and CSRF.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_USERS, expectProblem, startServer } from '../lib/api.mjs';
import { HOUR, Users, demoIds, intake, iso } from '../lib/protocol.mjs';

const REF = '/api/v1/referrals';

describe('the protocol\'s permission matrix', () => {
  let srv;
  let U;
  let ids;
  let now;
  const R = {}; // referral ids: ctu (acknowledged, CTU leads), mart (open, MART leads), off (opened by the officer)
  let appt;
  let placement;

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
    now = await srv.now();
    for (const u of PROTOCOL_USERS) await U.session(u);
    const open = async (u, extra) => {
      const r = await U.as(u).post(REF, intake(ids, now, extra));
      assert.equal(r.status, 201, r.text);
      return r.body.referral.id;
    };
    R.ctu = await open('hotline', { probation_involvement: 'open_case' });
    R.mart = await open('hotline', { probation_involvement: 'none' });
    R.off = await open('officer', { probation_involvement: 'open_case' });
    assert.equal((await U.as('responder').post(`${REF}/${R.ctu}/events`, { event: 'acknowledge' })).status, 200);
    const a = await U.as('responder').post(`${REF}/${R.ctu}/appointments`, { kind: 'medical_exam', scheduled_for: iso(now + HOUR) });
    appt = a.body.appointments[0].id;
    const p = await U.as('responder').post(`${REF}/${R.ctu}/placements`, { kind: 'home', started_at: iso(now) });
    placement = p.body.placements[0].id;
  });
  after(async () => { await srv?.cleanup(); });

  // who passes the gate of a case route on R.ctu: the hotline (every
  // referral), the CTU supervisor (lead agency), its team (lead, advocate)
  const CTU_TEAM = ['supervisor', 'hotline', 'responder', 'advocate'];
  const only = (users, status) => Object.fromEntries(users.map((u) => [u, status]));

  // [method, path, body, headers, {user: status}]: everyone not named gets 403
  const table = () => {
    const t = iso(now);
    const c = `${REF}/${R.ctu}`;
    return [
      ['GET', c, undefined, {}, only(CTU_TEAM, 200)],
      ['GET', `${c}/timeline`, undefined, {}, only(CTU_TEAM, 200)],
      ['PATCH', c, { officer_name: 'Deputy Matrix' }, { 'If-Match': '*' }, only(CTU_TEAM, 200)],
      // close without a reason: past the gate, the state machine still refuses the advocate
      ['POST', `${c}/events`, { event: 'close' }, {}, { ...only(['supervisor', 'hotline', 'responder'], 400), advocate: 403 }],
      ['POST', `${c}/mdt`, { kind: 'initial', held_at: t, decision: 'returned_home' }, {}, only(CTU_TEAM, 409)],
      ['POST', `${c}/consents`, { kind: 'medical_exam', given_by: 'youth', given_at: t }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/appointments`, { kind: 'mental_health_screening', scheduled_for: t }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/placements`, { kind: 'relative', started_at: t }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/contacts`, { at: t, kind: 'phone' }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/status`, { kind: 'whereabouts', status: 'home' }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/detentions`, { started_at: t, reason: 'other' }, {}, only(CTU_TEAM, 201)],
      ['POST', `${c}/advocacy/close`, {}, {}, only(CTU_TEAM, 400)],
      ['GET', `${c}/team/candidates?role=clinician`, undefined, {}, only(CTU_TEAM, 200)],
      // past the gate: the officer holds no clinician role, and the analyst is not on the team
      ['POST', `${c}/team`, { user_id: ids.user.officer, case_role: 'clinician' }, {}, only(CTU_TEAM, 400)],
      ['DELETE', `${c}/team/${ids.user.analyst}`, undefined, {}, only(CTU_TEAM, 404)],
      ['PATCH', `/api/v1/appointments/${appt}`, { location: 'Hub B' }, {}, only(CTU_TEAM, 200)],
      ['POST', `/api/v1/placements/${placement}/extend`, { until: iso(now + 40 * 24 * HOUR), reason: 'matrix' }, {}, only(CTU_TEAM, 409)],
      ['POST', `/api/v1/placements/${placement}/end`, {}, {}, only(CTU_TEAM, 400)],
      ['GET', REF, undefined, {}, only(['supervisor', 'martsuper', 'hotline', 'responder', 'mart', 'advocate', 'clinician', 'officer', 'sitestaff'], 200)],
      ['POST', REF, intake(ids, now), {}, only(['hotline', 'officer', 'sitestaff'], 201)],
      ['GET', '/api/v1/youth/matches?first_name=Test&last_name=Youth', undefined, {}, only(['hotline', 'officer', 'sitestaff'], 200)],
      ['GET', '/api/v1/beds', undefined, {}, only(['admin', 'supervisor', 'martsuper', 'hotline', 'responder', 'mart', 'advocate', 'clinician'], 200)],
      ['PUT', `/api/v1/beds/${ids.beds}`, { capacity: 6 }, {}, { admin: 200 }],
      ['GET', '/api/v1/oncall', undefined, {}, only(['admin', 'supervisor', 'martsuper', 'hotline', 'responder', 'mart', 'advocate'], 200)],
      // the responder is on the CTU list already: past the gate this is a conflict
      ['POST', '/api/v1/oncall', { agency_id: ids.ctu, user_id: ids.user.responder }, {}, { admin: 409, supervisor: 409 }],
      ['GET', '/api/v1/arrests', undefined, {}, only(['admin', 'supervisor', 'martsuper', 'officer'], 200)],
      ['POST', '/api/v1/arrests', { station_id: ids.lasdStation, arrested_on: '2020-02-02', charge_code: 'PC 484', charge_description: 'Petty theft' }, {}, { admin: 201, officer: 201 }],
      ['GET', '/api/v1/tasks', undefined, {}, only(PROTOCOL_USERS, 200)],
      ['GET', '/api/v1/notifications', undefined, {}, only(PROTOCOL_USERS, 200)],
    ];
  };

  for (const u of PROTOCOL_USERS) {
    it(`${u}: every protocol route answers as the table says`, async () => {
      const bad = [];
      for (const [method, p, json, headers, allowed] of table()) {
        const want = allowed[u] ?? 403;
        const r = await U.as(u).request(method, p, { json, headers });
        if (r.status !== want) bad.push(`${method} ${p}: want ${want}, got ${r.status} ${r.text.slice(0, 200)}`);
        else if (want === 403) expectProblem(assert, r, 403, 'forbidden');
      }
      assert.deepEqual(bad, []);
    });
  }

  it('refused writes left nothing behind', async () => {
    const cs = (await U.as('responder').get(`${REF}/${R.ctu}`)).body;
    assert.equal(cs.contacts.length, CTU_TEAM.length);
    assert.equal(cs.consents.length, CTU_TEAM.length);
    assert.equal(cs.detentions.length, CTU_TEAM.length);
    assert.deepEqual([...new Set(cs.contacts.map((x) => x.by_user_id))].sort(),
      CTU_TEAM.map((u) => ids.user[u]).sort());
  });

  it('each role\'s board holds exactly the referrals it may see', async () => {
    const board = async (u) => (await U.as(u).get(REF)).body.items.map((x) => x.id);
    const mine = [R.ctu, R.mart, R.off];
    const sees = {
      hotline: [R.ctu, R.mart, R.off],
      supervisor: [R.ctu, R.off],
      martsuper: [R.mart],
      responder: [R.ctu, R.off],
      mart: [R.mart],
      advocate: [R.ctu],
      officer: [R.off],
      clinician: [],
      sitestaff: [],
    };
    for (const [u, want] of Object.entries(sees)) {
      const got = (await board(u)).filter((id) => mine.includes(id)).sort();
      assert.deepEqual(got, [...want].sort(), u);
    }
  });

  it('case reads follow the team: another agency\'s responder or supervisor and an advocate not on the team get 403', async () => {
    const get = (u, id) => U.as(u).get(`${REF}/${id}`);
    for (const [u, id, want] of [
      ['mart', R.mart, 200], ['martsuper', R.mart, 200], ['responder', R.mart, 403], ['supervisor', R.mart, 403],
      ['advocate', R.mart, 403], ['officer', R.ctu, 403], ['officer', R.off, 200], ['mart', R.ctu, 403],
      ['martsuper', R.ctu, 403], ['admin', R.off, 403], ['analyst', R.off, 403], ['clinician', R.off, 403],
    ]) {
      const r = await get(u, id);
      assert.equal(r.status, want, `${u} GET referral ${id}: ${r.text.slice(0, 200)}`);
    }
    expectProblem(assert, await U.as('mart').post(`${REF}/${R.ctu}/events`, { event: 'en_route', as: 'lead' }), 403, 'forbidden');
    expectProblem(assert, await U.as('responder').post(`${REF}/${R.mart}/events`, { event: 'acknowledge' }), 403, 'forbidden');
    expectProblem(assert, await U.as('officer').post(`${REF}/${R.off}/contacts`, { at: iso(now), kind: 'phone' }), 403, 'forbidden', undefined);
    assert.equal((await U.as('mart').get(`${REF}/${R.mart}`)).body.referral.state, 'open');
  });

  it('health details: hidden from the officer who opened the referral and from others until an authorisation names their agency; shown to a clinician on the team', async () => {
    const view = async (u) => {
      const r = await U.as(u).get(`${REF}/${R.off}`);
      assert.equal(r.status, 200, `${u}: ${r.text}`);
      return r.body;
    };
    const hidden = (cs, who) => {
      assert.equal(cs.health_visible, false, who);
      assert.equal(cs.referral.medical_concerns, null, who);
      assert.ok(cs.referral.redacted?.includes('medical_concerns'), `${who}: ${JSON.stringify(cs.referral.redacted)}`);
    };
    const shown = (cs, who) => {
      assert.equal(cs.health_visible, true, who);
      assert.equal(cs.referral.medical_concerns, 'asthma inhaler needed (test)', who);
      assert.equal(cs.referral.redacted, undefined, who);
    };
    hidden(await view('officer'), 'officer');
    hidden(await view('responder'), 'responder before the authorisation');
    hidden(await view('hotline'), 'hotline');
    const c = await U.as('responder').post(`${REF}/${R.off}/consents`,
      { kind: 'info_sharing', given_by: 'youth', given_at: iso(now), agency_ids: `${ids.ctu},${ids.lasd}` });
    assert.equal(c.status, 201, c.text);
    shown(await view('responder'), 'responder (CTU named)');
    shown(await view('supervisor'), 'CTU supervisor (CTU named)');
    hidden(await view('officer'), 'officer (their agency named, still never)');
    hidden(await view('hotline'), 'hotline (not named)');
    // the Medical Hub's clinician joins the team: health details are theirs to see
    expectProblem(assert, await U.as('clinician').get(`${REF}/${R.off}`), 403, 'forbidden');
    const j = await U.as('responder').post(`${REF}/${R.off}/team`, { user_id: ids.user.clinician, case_role: 'clinician' });
    assert.equal(j.status, 201, j.text);
    shown(await view('clinician'), 'clinician');
  });

  it('an on-call entry is removed only by an administrator or the agency\'s supervisor', async () => {
    const mk = await srv.post('/api/v1/oncall', { agency_id: ids.ctu, user_id: ids.user.supervisor, position: 9 }, { admin: true });
    assert.equal(mk.status, 201, mk.text);
    const p = `/api/v1/oncall/${mk.body.id}`;
    for (const u of PROTOCOL_USERS.filter((x) => x !== 'admin' && x !== 'supervisor')) {
      expectProblem(assert, await U.as(u).del(p), 403, 'forbidden');
    }
    assert.equal((await U.as('supervisor').del(p)).status, 204);
    assert.equal((await U.as('admin').del(p)).status, 404);
  });

  // every protocol route, with a path that exists
  const routes = () => [
    ['GET', REF], ['POST', REF], ['GET', `${REF}/${R.ctu}`], ['PATCH', `${REF}/${R.ctu}`],
    ['POST', `${REF}/${R.ctu}/events`], ['GET', `${REF}/${R.ctu}/timeline`], ['POST', `${REF}/${R.ctu}/mdt`],
    ['POST', `${REF}/${R.ctu}/consents`], ['POST', `${REF}/${R.ctu}/appointments`], ['POST', `${REF}/${R.ctu}/placements`],
    ['POST', `${REF}/${R.ctu}/contacts`], ['POST', `${REF}/${R.ctu}/status`], ['POST', `${REF}/${R.ctu}/detentions`],
    ['POST', `${REF}/${R.ctu}/advocacy/close`], ['PATCH', `/api/v1/appointments/${appt}`],
    ['POST', `/api/v1/placements/${placement}/extend`], ['POST', `/api/v1/placements/${placement}/end`],
    ['GET', '/api/v1/youth/matches'], ['GET', '/api/v1/tasks'], ['GET', '/api/v1/notifications'],
    ['POST', '/api/v1/notifications/1/read'], ['GET', '/api/v1/events'], ['GET', '/api/v1/beds'],
    ['PUT', `/api/v1/beds/${ids.beds}`], ['GET', '/api/v1/oncall'], ['POST', '/api/v1/oncall'],
    ['DELETE', '/api/v1/oncall/1'], ['GET', '/api/v1/arrests'], ['POST', '/api/v1/arrests'],
  ];

  it('anonymous: every protocol route answers 401', async () => {
    for (const [method, p] of routes()) {
      const r = await srv.request(method, p, method === 'GET' || method === 'DELETE' ? {} : { json: {} });
      expectProblem(assert, r, 401, 'unauthenticated');
    }
  });

  it('a cookie without the CSRF token: every protocol write answers 403 /problems/csrf and changes nothing', async () => {
    const s = await U.session('hotline');
    const before = (await U.as('hotline').get(`${REF}/${R.ctu}`)).body.referral.version;
    const count = (await U.as('hotline').get(REF)).body.items.length;
    for (const [method, p] of routes().filter(([m]) => m !== 'GET')) {
      const body = p === REF ? intake(ids, now) : { event: 'close', close_reason: 'other', at: iso(now), kind: 'phone' };
      const r = await srv.request(method, p, { session: s, csrf: false, json: method === 'DELETE' ? undefined : body, headers: { 'If-Match': '*' } });
      expectProblem(assert, r, 403, 'csrf');
      const w = await srv.request(method, p, { session: s, csrf: 'not-the-token', json: method === 'DELETE' ? undefined : body, headers: { 'If-Match': '*' } });
      expectProblem(assert, w, 403, 'csrf');
    }
    assert.equal((await U.as('hotline').get(`${REF}/${R.ctu}`)).body.referral.version, before);
    assert.equal((await U.as('hotline').get(REF)).body.items.length, count);
  });
});
