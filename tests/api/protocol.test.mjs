// The First Responder Protocol end to end (docs/protocol.md), on the demo
// data with the settable clock: intake and routing, idempotent retries, the
// state machine and its refusals, every side record, the clocks they meet,
// the bed board, closing, and the timeline. Then ETag/If-Match, the live
// event stream, and the audit trail of every read and write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';
import {
  DAY, EventStream, HOUR, MIN, Users, clockOf, demoIds, intake, iso, notesFor,
} from '../lib/protocol.mjs';

const REF = '/api/v1/referrals';

describe('the protocol as one scenario', () => {
  let srv;
  let U;
  let ids;
  let now; // the server's clock when the scenario started
  let ctu; // the scenario's referral: an open Probation case, so CTU leads
  let mart; // a second referral: no Probation case, so MART leads
  let appt;
  let bed;
  const ev = (u, id, json, o) => U.as(u).post(`${REF}/${id}/events`, json, o);
  const add = (u, id, what, json) => U.as(u).post(`${REF}/${id}/${what}`, json);
  const read = async (u, id) => {
    const r = await U.as(u).get(`${REF}/${id}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
    now = await srv.now();
  });
  after(async () => { await srv?.cleanup(); });

  it('intake with an open Probation case routes to the CTU and its on-call responder', async () => {
    const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'open_case' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `${REF}/${r.body.referral.id}`);
    const ref = r.body.referral;
    ctu = ref.id;
    assert.equal(ref.state, 'open');
    assert.equal(ref.lead_agency_id, ids.ctu);
    assert.equal(ref.lead_user_id, ids.user.responder);
    assert.equal(ref.routing_rule, 'open_probation_case_to_ctu');
    assert.match(ref.number, /^R-\d{4}-\d{6}$/);
    const team = Object.fromEntries(r.body.team.map((m) => [m.case_role, m.user_id]));
    assert.deepEqual(team, { hotline: ids.user.hotline, lead: ids.user.responder });
    const kinds = r.body.clocks.map((c) => c.kind).sort();
    assert.deepEqual(kinds, ['advocacy', 'lead_response', 'medical_hub', 'status_72h']);
    for (const c of r.body.clocks) assert.equal(c.state, 'running', c.kind);
    const lead = clockOf(r.body, 'lead_response');
    assert.equal(Date.parse(lead.due_at) - Date.parse(lead.started_at), 90 * MIN);
    const hub = clockOf(r.body, 'medical_hub');
    assert.equal(hub.started_at, iso(now - 10 * MIN), 'the exam clock starts when the youth was identified');
    assert.equal(Date.parse(hub.due_at) - Date.parse(hub.started_at), 72 * HOUR);
    const notes = await notesFor(U.as('responder'), ctu, 'referral.assigned');
    assert.equal(notes.length, 1, 'the on-call responder is told');
    assert.equal(notes[0].priority, 'urgent');
    assert.deepEqual(await notesFor(U.as('mart'), ctu), [], 'the MART responder is not');
  });

  it('intake with no Probation case routes to DCFS MART and its on-call responder', async () => {
    const r = await U.as('hotline').post(REF, intake(ids, now, { probation_involvement: 'none' }));
    assert.equal(r.status, 201, r.text);
    mart = r.body.referral.id;
    assert.equal(r.body.referral.lead_agency_id, ids.mart);
    assert.equal(r.body.referral.lead_user_id, ids.user.mart);
    assert.equal(r.body.referral.routing_rule, 'default_to_mart');
    assert.equal((await notesFor(U.as('mart'), mart, 'referral.assigned')).length, 1);
    assert.deepEqual(await notesFor(U.as('responder'), mart), []);
  });

  it('intake without a staging address is refused naming the field; a youth without name or date of birth is fine', async () => {
    const body = intake(ids, now);
    delete body.staging_address;
    expectProblem(assert, await U.as('hotline').post(REF, body), 400, 'invalid', 'staging_address');
    const anon = await U.as('hotline').post(REF, intake(ids, now, { youth: { estimated_age: 15 } }));
    assert.equal(anon.status, 201, anon.text);
    assert.equal(anon.body.youth.first_name, null);
    assert.equal(anon.body.youth.dob, null);
    const none = intake(ids, now);
    delete none.youth;
    assert.equal((await U.as('hotline').post(REF, none)).status, 201, 'no youth object at all');
  });

  it('an Idempotency-Key retry returns the same referral; the key with another body is a conflict', async () => {
    const key = 'scenario-key-0001';
    const body = intake(ids, now, { officer_name: 'Deputy Retry' });
    const h = { headers: { 'Idempotency-Key': key } };
    const first = await U.as('hotline').post(REF, body, h);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const count = (await U.as('hotline').get(REF)).body.items.length;
    const again = await U.as('hotline').post(REF, body, h);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.referral.id, first.body.referral.id);
    assert.equal((await U.as('hotline').get(REF)).body.items.length, count, 'no second referral');
    const other = await U.as('hotline').post(REF, { ...body, officer_name: 'Deputy Other' }, h);
    expectProblem(assert, other, 409, 'conflict', 'Idempotency-Key');
    assert.equal((await U.as('hotline').get(REF)).body.items.length, count);
    expectProblem(assert, await U.as('hotline').post(REF, body, { headers: { 'Idempotency-Key': 'short' } }),
      400, 'invalid', 'Idempotency-Key');
  });

  it('Prefer: return=minimal answers with the id, number and version only', async () => {
    const made = await U.as('hotline').post(REF, intake(ids, now), { headers: { Prefer: 'return=minimal' } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.headers.get('preference-applied'), 'return=minimal');
    assert.deepEqual(Object.keys(made.body).sort(), ['id', 'number', 'version']);
    assert.match(made.body.number, /^R-\d{4}-\d{6}$/);
    assert.equal(made.headers.get('location'), `${REF}/${made.body.id}`);
    assert.equal(made.headers.get('etag'), '"v1"');
    const full = await U.as('hotline').get(`${REF}/${made.body.id}`);
    assert.equal(full.body.referral.number, made.body.number);
    assert.equal(full.headers.get('etag'), '"v1"');
  });

  it('the case team: the Medical Hub clinician joins, is told and sees the case; wrong roles, repeats and the lead are refused; leaving takes the case away', async () => {
    const made = await U.as('hotline').post(REF, intake(ids, now));
    assert.equal(made.status, 201, made.text);
    const id = made.body.referral.id;
    const cands = await U.as('mart').get(`${REF}/${id}/team/candidates?role=clinician`);
    assert.equal(cands.status, 200, cands.text);
    assert.ok(cands.body.items.some((c) => c.id === ids.user.clinician), 'the demo clinician is a candidate');
    assert.ok(!cands.body.items.some((c) => c.id === ids.user.officer), 'an officer is not');
    expectProblem(assert, await U.as('mart').get(`${REF}/${id}/team/candidates?role=lead`), 400, 'invalid', 'role');
    expectProblem(assert, await U.as('clinician').get(`${REF}/${id}`), 403, 'forbidden');
    const j = await add('mart', id, 'team', { user_id: ids.user.clinician, case_role: 'clinician' });
    assert.equal(j.status, 201, j.text);
    assert.ok(j.body.team.some((m) => m.user_id === ids.user.clinician && m.case_role === 'clinician'));
    assert.ok(j.body.timeline.some((t) => t.kind === 'team.added'));
    const told = await notesFor(U.as('clinician'), id, 'team.added');
    assert.equal(told.length, 1, 'the clinician is told');
    const seen = await U.as('clinician').get(`${REF}/${id}`);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.health_visible, true, 'a clinician on the team sees health details');
    expectProblem(assert, await add('mart', id, 'team', { user_id: ids.user.clinician, case_role: 'clinician' }), 409, 'conflict', 'user_id');
    expectProblem(assert, await add('mart', id, 'team', { user_id: ids.user.advocate, case_role: 'clinician' }), 400, 'invalid', 'case_role');
    expectProblem(assert, await add('mart', id, 'team', { user_id: 999999, case_role: 'member' }), 400, 'invalid', 'user_id');
    expectProblem(assert, await add('mart', id, 'team', { user_id: ids.user.analyst, case_role: 'lead' }), 400, 'invalid', 'case_role');
    expectProblem(assert, await U.as('mart').del(`${REF}/${id}/team/${ids.user.mart}`), 409, 'conflict', 'user_id');
    const out = await U.as('mart').del(`${REF}/${id}/team/${ids.user.clinician}`);
    assert.equal(out.status, 200, out.text);
    assert.ok(!out.body.team.some((m) => m.user_id === ids.user.clinician));
    expectProblem(assert, await U.as('clinician').get(`${REF}/${id}`), 403, 'forbidden');
    expectProblem(assert, await U.as('mart').del(`${REF}/${id}/team/${ids.user.clinician}`), 404, 'not-found', 'user_id');
  });

  it('before the lead acknowledges: no arrival, no initial MDT (409 with a reason)', async () => {
    const arr = await ev('responder', ctu, { event: 'arrive', as: 'lead' });
    expectProblem(assert, arr, 409, 'conflict');
    assert.match(arr.body.detail, /not acknowledged/);
    const mdt = await add('responder', ctu, 'mdt', { kind: 'initial', held_at: iso(now), decision: 'returned_home' });
    expectProblem(assert, mdt, 409, 'conflict', 'kind');
    assert.match(mdt.body.detail, /staging area/);
    const adv = await ev('advocate', ctu, { event: 'arrive', as: 'advocate' });
    assert.ok([403, 409].includes(adv.status), `the advocate is not on the case yet: ${adv.text}`);
    assert.equal((await read('responder', ctu)).referral.state, 'open', 'nothing moved');
  });

  it('acknowledge: the on-call advocate is assigned and notified; a second acknowledge is refused', async () => {
    const r = await ev('responder', ctu, { event: 'acknowledge' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.referral.state, 'acknowledged');
    assert.equal(r.body.referral.advocate_user_id, ids.user.advocate);
    assert.ok(r.body.referral.acknowledged_at);
    assert.ok(r.body.team.some((m) => m.case_role === 'advocate' && m.user_id === ids.user.advocate));
    const adv = clockOf(r.body, 'advocate_response');
    assert.equal(adv?.state, 'running');
    assert.equal(adv.owner_user_id, ids.user.advocate);
    assert.equal((await notesFor(U.as('advocate'), ctu, 'referral.assigned')).length, 1);
    const twice = await ev('responder', ctu, { event: 'acknowledge' });
    expectProblem(assert, twice, 409, 'conflict');
    assert.match(twice.body.detail, /already acknowledged/);
  });

  it('en route and arrive: the lead response clock is met; the advocate arrives too', async () => {
    await srv.advance(20 * MIN);
    const enr = await ev('responder', ctu, { event: 'en_route', as: 'lead' });
    assert.equal(enr.status, 200, enr.text);
    assert.ok(enr.body.referral.lead_en_route_at);
    expectProblem(assert, await ev('responder', ctu, { event: 'en_route', as: 'lead' }), 409, 'conflict');
    await srv.advance(30 * MIN);
    const arr = await ev('responder', ctu, { event: 'arrive', as: 'lead' });
    assert.equal(arr.status, 200, arr.text);
    assert.equal(arr.body.referral.state, 'on_scene');
    const lead = clockOf(arr.body, 'lead_response');
    assert.equal(lead.state, 'met');
    assert.equal(lead.met_late, false);
    const a = await ev('advocate', ctu, { event: 'arrive', as: 'advocate' });
    assert.equal(a.status, 200, a.text);
    assert.ok(a.body.referral.advocate_arrived_at);
    assert.equal(clockOf(a.body, 'advocate_response').state, 'met');
    assert.equal(a.body.referral.state, 'on_scene', 'the advocate does not move the state');
  });

  it('the initial MDT: juvenile hall needs a reason; the decision moves to follow_up and starts the follow-up clock', async () => {
    const t = await srv.now();
    const base = { kind: 'initial', held_at: iso(t), members: 'youth, lead, advocate, officer', safety_plan: 'stay with the advocate (test)', transport: 'advocate drives' };
    expectProblem(assert, await add('responder', ctu, 'mdt', { ...base, decision: 'juvenile_hall' }), 400, 'invalid', 'juvenile_hall_reason');
    expectProblem(assert, await add('responder', ctu, 'mdt', { ...base, decision: 'soda_pad_bed', members: 'youth, wizard' }), 400, 'invalid', 'members');
    const followUp = t + 7 * DAY;
    const r = await add('responder', ctu, 'mdt', { ...base, decision: 'soda_pad_bed', follow_up_at: iso(followUp) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.referral.state, 'follow_up');
    assert.equal(r.body.referral.initial_decision, 'soda_pad_bed');
    assert.equal(r.body.mdt.length, 1);
    const fu = clockOf(r.body, 'follow_up_mdt');
    assert.equal(fu?.state, 'running');
    assert.equal(fu.due_at, iso(followUp));
    expectProblem(assert, await add('responder', ctu, 'mdt', { ...base, decision: 'returned_home' }), 409, 'conflict', 'kind');
  });

  it('consent: information sharing names agencies', async () => {
    const t = await srv.now();
    expectProblem(assert, await add('responder', ctu, 'consents', { kind: 'info_sharing', given_by: 'youth', given_at: iso(t) }), 400, 'invalid', 'agency_ids');
    const r = await add('responder', ctu, 'consents', { kind: 'info_sharing', given_by: 'youth', given_at: iso(t), agency_ids: `${ids.advocacy},${ids.medical}` });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.consents.length, 1);
    assert.equal(r.body.consents[0].kind, 'info_sharing');
  });

  it('the Medical Hub appointment: scheduled, no-show, rescheduled, attended (clock met)', async () => {
    const t = await srv.now();
    const r = await add('responder', ctu, 'appointments', { kind: 'medical_exam', scheduled_for: iso(t + 3 * HOUR), location: 'Medical Hub (test)' });
    assert.equal(r.status, 201, r.text);
    appt = r.body.appointments[0];
    assert.equal(appt.state, 'scheduled');
    const patch = (json) => U.as('responder').patch(`/api/v1/appointments/${appt.id}`, json);
    await srv.advance(4 * HOUR);
    const ns = await patch({ state: 'no_show' });
    assert.equal(ns.status, 200, ns.text);
    assert.equal(ns.body.appointments[0].state, 'no_show');
    assert.equal(clockOf(ns.body, 'medical_hub').state, 'running', 'a no-show does not meet the clock');
    const t2 = await srv.now();
    const rs = await patch({ scheduled_for: iso(t2 + 2 * HOUR) });
    assert.equal(rs.status, 200, rs.text);
    assert.equal(rs.body.appointments[0].state, 'scheduled');
    assert.equal(rs.body.appointments[0].reschedule_count, 1);
    await srv.advance(2 * HOUR);
    const at = await patch({ state: 'attended' });
    assert.equal(at.status, 200, at.text);
    assert.equal(at.body.appointments[0].state, 'attended');
    assert.ok(at.body.appointments[0].attended_at);
    const hub = clockOf(at.body, 'medical_hub');
    assert.equal(hub.state, 'met');
    assert.equal(hub.met_late, false);
    expectProblem(assert, await patch({ state: 'no_show' }), 409, 'conflict', 'state');
  });

  it('a SODA/PAD placement takes a bed from the board; a full provider is refused', async () => {
    const board = async () => (await U.as('responder').get('/api/v1/beds')).body.items.find((b) => b.agency_id === ids.beds);
    const before = await board();
    assert.ok(before.free > 0, JSON.stringify(before));
    const t = await srv.now();
    expectProblem(assert, await add('responder', ctu, 'placements', { kind: 'soda_pad', started_at: iso(t) }), 400, 'invalid', 'provider_agency_id');
    expectProblem(assert, await add('responder', ctu, 'placements', { kind: 'soda_pad', provider_agency_id: ids.medical, started_at: iso(t) }), 400, 'invalid', 'provider_agency_id');
    const r = await add('responder', ctu, 'placements', { kind: 'soda_pad', provider_agency_id: ids.beds, started_at: iso(t) });
    assert.equal(r.status, 201, r.text);
    bed = r.body.placements.find((p) => p.kind === 'soda_pad');
    const stay = clockOf(r.body, 'bed_stay');
    assert.equal(stay?.state, 'running');
    assert.equal(Date.parse(stay.due_at) - t, 30 * DAY);
    const afterOne = await board();
    assert.equal(afterOne.free, before.free - 1);
    assert.equal(afterOne.occupied, before.occupied + 1);
    // fill the provider: its capacity is what is occupied now
    const put = await srv.request('PUT', `/api/v1/beds/${ids.beds}`, { admin: true, json: { capacity: afterOne.occupied } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await board()).free, 0);
    const full = await add('mart', mart, 'placements', { kind: 'soda_pad', provider_agency_id: ids.beds, started_at: iso(t) });
    expectProblem(assert, full, 409, 'conflict', 'provider_agency_id');
    assert.deepEqual((await read('mart', mart)).placements, []);
    const back = await srv.request('PUT', `/api/v1/beds/${ids.beds}`, { admin: true, json: { capacity: before.capacity } });
    assert.equal(back.status, 200, back.text);
  });

  it('extending a stay past 30 days needs a reason and a date past the 30 days', async () => {
    const started = Date.parse(bed.started_at);
    const ext = (json) => U.as('responder').post(`/api/v1/placements/${bed.id}/extend`, json);
    expectProblem(assert, await ext({ until: iso(started + 40 * DAY) }), 400, 'invalid', 'reason');
    expectProblem(assert, await ext({ until: iso(started + 20 * DAY), reason: 'court date pending' }), 400, 'invalid', 'until');
    const r = await ext({ until: iso(started + 40 * DAY), reason: 'court date pending' });
    assert.equal(r.status, 200, r.text);
    const p = r.body.placements.find((x) => x.id === bed.id);
    assert.equal(p.extended_until, iso(started + 40 * DAY));
    assert.equal(p.extension_reason, 'court date pending');
    assert.equal(clockOf(r.body, 'bed_stay').due_at, iso(started + 40 * DAY), 'the stay clock moves');
  });

  it('the 72-hour status meets its clock; whereabouts are recorded', async () => {
    expectProblem(assert, await add('responder', ctu, 'status', { kind: 'status_72h', status: 'placement' }), 400, 'invalid', 'status');
    const r = await add('responder', ctu, 'status', { kind: 'status_72h', status: 'soda_pad_bed' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.referral.status_72h, 'soda_pad_bed');
    assert.equal(clockOf(r.body, 'status_72h').state, 'met');
    const w = await add('advocate', ctu, 'status', { kind: 'whereabouts', status: 'placement' });
    assert.equal(w.status, 201, w.text);
    assert.equal(w.body.referral.whereabouts, 'placement');
    assert.deepEqual(w.body.statuses.map((s) => `${s.kind}:${s.status}`), ['status_72h:soda_pad_bed', 'whereabouts:placement']);
  });

  it('advocacy contacts, including a basic need met', async () => {
    const t = await srv.now();
    assert.equal((await add('advocate', ctu, 'contacts', { at: iso(t), kind: 'phone', note: 'checked in' })).status, 201);
    expectProblem(assert, await add('advocate', ctu, 'contacts', { at: iso(t), kind: 'basic_need' }), 400, 'invalid', 'need');
    const r = await add('advocate', ctu, 'contacts', { at: iso(t), kind: 'basic_need', need: 'clothing' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.contacts.map((c) => c.kind).sort(), ['basic_need', 'phone']);
    assert.equal(r.body.contacts.find((c) => c.kind === 'basic_need').need, 'clothing');
  });

  it('a detention is recorded with its reason', async () => {
    const t = await srv.now();
    expectProblem(assert, await add('responder', ctu, 'detentions', { started_at: iso(t) }), 400, 'invalid', 'reason');
    const r = await add('responder', ctu, 'detentions', { started_at: iso(t), reason: 'warrant' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.detentions[0].reason, 'warrant');
  });

  it('the follow-up MDT meets its clock', async () => {
    const t = await srv.now();
    const r = await add('responder', ctu, 'mdt', { kind: 'follow_up', held_at: iso(t), members: 'youth, lead' });
    assert.equal(r.status, 201, r.text);
    assert.equal(clockOf(r.body, 'follow_up_mdt').state, 'met');
    assert.equal(r.body.mdt.length, 2);
  });

  it('close needs a reason; closing stops the running clocks', async () => {
    expectProblem(assert, await ev('responder', ctu, { event: 'close' }), 400, 'invalid', 'close_reason');
    const before = await read('responder', ctu);
    const running = before.clocks.filter((c) => c.state === 'running').map((c) => c.kind).sort();
    assert.deepEqual(running, ['advocacy', 'bed_stay'], 'what still runs before closing');
    const r = await ev('responder', ctu, { event: 'close', close_reason: 'services_completed' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.referral.state, 'closed');
    assert.equal(r.body.referral.close_reason, 'services_completed');
    assert.ok(r.body.referral.closed_at);
    assert.deepEqual(r.body.allowed_events, []);
    // stopped clocks leave the list; the met ones stay, nothing is missed
    assert.deepEqual(r.body.clocks.filter((c) => c.state !== 'met'), []);
    assert.deepEqual(r.body.clocks.map((c) => c.kind).sort(),
      ['advocate_response', 'follow_up_mdt', 'lead_response', 'medical_hub', 'status_72h']);
    // 91 days on, neither the stay nor advocacy fires on the closed case
    await srv.advance(91 * DAY);
    const later = await read('responder', ctu);
    const closedAt = later.timeline.findIndex((e) => e.kind === 'referral.closed');
    assert.deepEqual(later.timeline.slice(closedAt + 1).map((e) => e.kind), []);
  });

  it('a closed referral refuses events and side records (409 with a reason)', async () => {
    const t = await srv.now();
    const tries = [
      ev('advocate', ctu, { event: 'en_route', as: 'advocate' }),
      ev('responder', ctu, { event: 'close', close_reason: 'other' }),
      add('advocate', ctu, 'contacts', { at: iso(t), kind: 'phone' }),
      add('responder', ctu, 'consents', { kind: 'medical_exam', given_by: 'youth', given_at: iso(t) }),
      add('responder', ctu, 'appointments', { kind: 'medical_exam', scheduled_for: iso(t + HOUR) }),
      add('responder', ctu, 'status', { kind: 'whereabouts', status: 'home' }),
      add('responder', ctu, 'detentions', { started_at: iso(t), reason: 'warrant' }),
      U.as('responder').patch(`/api/v1/appointments/${appt.id}`, { location: 'elsewhere' }),
      U.as('responder').post(`/api/v1/placements/${bed.id}/extend`, { until: iso(t + 60 * DAY), reason: 'after closing' }),
      U.as('responder').patch(`${REF}/${ctu}`, { officer_name: 'Changed' }, { headers: { 'If-Match': '*' } }),
    ];
    for (const r of await Promise.all(tries)) {
      expectProblem(assert, r, 409, 'conflict');
      assert.match(r.body.detail, /closed|ended/, r.text);
    }
  });

  it('after closing, the stay can still be ended, which frees the bed', async () => {
    // Not a side record added to the case but the youth leaving a bed: were it
    // refused, a case closed with a SODA/PAD stay would hold its bed forever.
    const board = async () => (await U.as('responder').get('/api/v1/beds')).body.items.find((b) => b.agency_id === ids.beds);
    const held = await board();
    const r = await U.as('responder').post(`/api/v1/placements/${bed.id}/end`, { ended_at: iso(await srv.now()), reason: 'returned_home' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.referral.state, 'closed');
    assert.equal((await board()).free, held.free + 1);
    expectProblem(assert, await U.as('responder').post(`/api/v1/placements/${bed.id}/end`, { ended_at: iso(await srv.now()), reason: 'other' }), 409, 'conflict');
  });

  it('the timeline lists every step in order', async () => {
    const r = await U.as('responder').get(`${REF}/${ctu}/timeline`);
    assert.equal(r.status, 200, r.text);
    const steps = r.body.items.map((e) => e.kind).filter((k) => !k.startsWith('clock.'));
    assert.deepEqual(steps, [
      'referral.opened', 'referral.acknowledged', 'lead.en_route', 'lead.arrived', 'advocate.arrived',
      'mdt.initial', 'consent.recorded', 'appointment.scheduled', 'appointment.no_show',
      'appointment.rescheduled', 'appointment.attended', 'placement.started', 'placement.extended',
      'status.72h', 'status.whereabouts', 'advocacy.contact', 'advocacy.contact', 'detention.recorded',
      'mdt.follow_up', 'referral.closed', 'placement.ended',
    ]);
    const at = r.body.items.map((e) => Date.parse(e.at));
    for (let i = 1; i < at.length; i++) assert.ok(at[i] >= at[i - 1], `timeline time goes back at ${i}`);
    assert.equal(r.body.items[0].actor_user_id, ids.user.hotline);
    assert.equal(r.body.items[1].actor_user_id, ids.user.responder);
  });
});

describe('routing overrides', () => {
  let srv;
  let U;
  let ids;
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
  });
  after(async () => { await srv?.cleanup(); });

  it('the hotline may choose the lead agency at intake only with a reason; others may not choose', async () => {
    const now = await srv.now();
    expectProblem(assert, await U.as('hotline').post(REF, intake(ids, now, { lead_agency_id: ids.ctu })), 400, 'invalid', 'override_reason');
    expectProblem(assert, await U.as('hotline').post(REF, intake(ids, now, { lead_agency_id: ids.medical, override_reason: 'wrong kind' })), 400, 'invalid', 'lead_agency_id');
    expectProblem(assert, await U.as('officer').post(REF, intake(ids, now, { lead_agency_id: ids.ctu, override_reason: 'officer wants CTU' })), 403, 'forbidden', 'lead_agency_id');
    const r = await U.as('hotline').post(REF, intake(ids, now, { lead_agency_id: ids.ctu, override_reason: 'known to the CTU' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.referral.lead_agency_id, ids.ctu);
    assert.equal(r.body.referral.routing_rule, 'override');
    assert.equal(r.body.referral.override_reason, 'known to the CTU');
  });

  it('reroute before acknowledgement: the new responder is told, the old one withdrawn, the lead clock restarts', async () => {
    const r = await U.as('hotline').post(REF, intake(ids, await srv.now()));
    const id = r.body.referral.id;
    assert.equal(r.body.referral.lead_user_id, ids.user.mart);
    await srv.advance(30 * MIN);
    expectProblem(assert, await U.as('hotline').post(`${REF}/${id}/events`, { event: 'reroute', lead_agency_id: ids.ctu }), 400, 'invalid', 'reason');
    expectProblem(assert, await U.as('mart').post(`${REF}/${id}/events`, { event: 'reroute', lead_agency_id: ids.ctu, reason: 'mine' }), 403, 'forbidden');
    const rr = await U.as('hotline').post(`${REF}/${id}/events`, { event: 'reroute', lead_agency_id: ids.ctu, reason: 'open probation case found' });
    assert.equal(rr.status, 200, rr.text);
    assert.equal(rr.body.referral.lead_agency_id, ids.ctu);
    assert.equal(rr.body.referral.lead_user_id, ids.user.responder);
    assert.ok(!rr.body.team.some((m) => m.user_id === ids.user.mart), 'the old lead left the team');
    const lead = clockOf(rr.body, 'lead_response');
    assert.equal(Date.parse(lead.due_at), Date.parse(rr.body.now) + 90 * MIN, 'restarted from the reroute');
    assert.equal(rr.body.clocks.filter((c) => c.kind === 'lead_response').length, 1);
    assert.equal((await notesFor(U.as('responder'), id, 'referral.assigned')).length, 1);
    assert.equal((await notesFor(U.as('mart'), id, 'referral.withdrawn')).length, 1);
    expectProblem(assert, await U.as('mart').get(`${REF}/${id}`), 403, 'forbidden');
    assert.equal((await U.as('responder').post(`${REF}/${id}/events`, { event: 'acknowledge' })).status, 200);
    const late = await U.as('hotline').post(`${REF}/${id}/events`, { event: 'reroute', lead_agency_id: ids.mart, reason: 'back again' });
    expectProblem(assert, late, 409, 'conflict');
  });
});

describe('ETag and If-Match', () => {
  let srv;
  let U;
  let id;
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    const ids = await demoIds(srv);
    const r = await U.as('hotline').post(REF, intake(ids, await srv.now()));
    id = r.body.referral.id;
  });
  after(async () => { await srv?.cleanup(); });

  it('GET answers ETag "v<version>"; PATCH needs If-Match (428), a stale one is 412, the current one 200 with a new ETag', async () => {
    const g = await U.as('hotline').get(`${REF}/${id}`);
    assert.equal(g.status, 200);
    const etag = g.headers.get('etag');
    assert.equal(etag, `"v${g.body.referral.version}"`);
    const p = (json, headers) => U.as('hotline').patch(`${REF}/${id}`, json, { headers });
    expectProblem(assert, await p({ officer_name: 'No Match' }), 428, undefined, 'If-Match');
    expectProblem(assert, await p({ officer_name: 'Stale' }, { 'If-Match': '"v0"' }), 412, undefined, 'If-Match');
    const ok = await p({ officer_name: 'Deputy Current' }, { 'If-Match': etag });
    assert.equal(ok.status, 200, ok.text);
    const next = ok.headers.get('etag');
    assert.equal(next, `"v${g.body.referral.version + 1}"`);
    assert.equal(ok.body.referral.officer_name, 'Deputy Current');
    expectProblem(assert, await p({ officer_name: 'Old Tag' }, { 'If-Match': etag }), 412, undefined, 'If-Match');
    assert.equal((await U.as('hotline').get(`${REF}/${id}`)).body.referral.officer_name, 'Deputy Current', 'refused edits changed nothing');
    const weak = await p({ officer_name: 'Weak Tag' }, { 'If-Match': `W/${next}` });
    assert.equal(weak.status, 200, `a weak tag of the current version is taken: ${weak.text}`);
    assert.equal((await U.as('hotline').get(`${REF}/${id}`)).headers.get('etag'), weak.headers.get('etag'));
  });

  it('every change moves the ETag, and an event with a stale If-Match is refused', async () => {
    const g = await U.as('mart').get(`${REF}/${id}`);
    const stale = g.headers.get('etag');
    const c = await U.as('hotline').post(`${REF}/${id}/contacts`, { at: iso(await srv.now()), kind: 'phone' });
    assert.equal(c.status, 201, c.text);
    assert.notEqual(c.headers.get('etag'), stale);
    const r = await U.as('mart').post(`${REF}/${id}/events`, { event: 'acknowledge' }, { headers: { 'If-Match': stale } });
    expectProblem(assert, r, 412, undefined, 'If-Match');
    assert.equal((await U.as('mart').get(`${REF}/${id}`)).body.referral.state, 'open');
    const ok = await U.as('mart').post(`${REF}/${id}/events`, { event: 'acknowledge' }, { headers: { 'If-Match': c.headers.get('etag') } });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('live events', () => {
  let srv;
  let U;
  let ids;
  const streams = [];
  const open = async (user, o = {}) => {
    const s = await EventStream.open(srv, { session: await U.session(user), ...o });
    streams.push(s);
    return s;
  };
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
  });
  after(async () => {
    for (const s of streams) s.close();
    await srv?.cleanup();
  });

  it('the stream is text/event-stream and needs a sign-in', async () => {
    const anon = await EventStream.open(srv, {});
    streams.push(anon);
    assert.equal(anon.status, 401);
    const s = await open('hotline');
    assert.equal(s.status, 200);
    assert.match(s.res.headers.get('content-type'), /^text\/event-stream/);
  });

  let first;
  let hotlineStream;
  it('an intake reaches the hotline stream as `event: case` within 1 s, and the responder\'s as a notification', async () => {
    hotlineStream = await open('hotline');
    const resp = await open('responder');
    const officer = await open('officer');
    const r = await U.as('hotline').post(REF, intake(ids, await srv.now(), { probation_involvement: 'open_case' }));
    assert.equal(r.status, 201, r.text);
    const id = r.body.referral.id;
    first = id;
    const t0 = Date.now();
    const c = await hotlineStream.next((e) => e.event === 'case' && e.data.referral_id === id, 1000);
    assert.ok(c, `no case event within 1 s; got ${hotlineStream.raw}`);
    assert.ok(Date.now() - t0 <= 1000);
    assert.equal(c.data.kind, 'referral.opened');
    assert.deepEqual(Object.keys(c.data).sort(), ['kind', 'referral_id'], 'ids and kinds only');
    assert.match(c.id, /^\d+-\d+$/);
    const n = await resp.next((e) => e.event === 'notification' && e.data.referral_id === id, 1000);
    assert.ok(n, `no notification for the responder: ${resp.raw}`);
    assert.equal(n.data.kind, 'referral.assigned');
    assert.ok(await resp.next((e) => e.event === 'case' && e.data.referral_id === id, 1000), 'the lead sees the case event');
    // the officer is not on this case: no case event and no notification
    assert.equal(await officer.next((e) => e.data?.referral_id === id, 300), null, officer.raw);
    assert.ok(!hotlineStream.events.some((e) => e.event === 'notification'), 'the hotline gets no notification');
  });

  it('Last-Event-ID replays what happened while the stream was closed', async () => {
    const last = hotlineStream.events.at(-1).id;
    hotlineStream.close();
    const ack = await U.as('responder').post(`${REF}/${first}/events`, { event: 'acknowledge' });
    assert.equal(ack.status, 200, ack.text);
    const replay = await open('hotline', { lastEventId: last });
    const got = await replay.next((e) => e.event === 'case' && e.data.referral_id === first && e.data.kind === 'referral.acknowledged', 1000);
    assert.ok(got, `not replayed: ${replay.raw}`);
    assert.ok(!replay.events.some((e) => e.data?.kind === 'referral.opened' && e.data.referral_id === first),
      'nothing from before the Last-Event-ID');
    const fresh = await open('hotline');
    assert.equal(await fresh.next((e) => e.event === 'case' && e.data.referral_id === first, 300), null,
      'without Last-Event-ID the stream starts now');
    const adv = await open('advocate', { lastEventId: '0-0' });
    assert.ok(await adv.next((e) => e.event === 'notification' && e.data.referral_id === first && e.data.kind === 'referral.assigned', 1000),
      `the advocate's assignment is replayed from 0-0: ${adv.raw.slice(0, 500)}`);
  });
});

describe('the audit trail of a referral', () => {
  let srv;
  let U;
  let ids;
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
  });
  after(async () => { await srv?.cleanup(); });

  const entries = async (id) => (await srv.audit(500))
    .filter((e) => e.object_type === 'referral' && e.object_id === String(id));

  it('every read and write appends an entry with the actor', async () => {
    const c = await U.as('hotline').post(REF, intake(ids, await srv.now(), { probation_involvement: 'open_case' }));
    assert.equal(c.status, 201, c.text);
    const id = c.body.referral.id;
    const t = await srv.now();
    const steps = [
      ['hotline', 'GET', `${REF}/${id}`, undefined, 'referral.read'],
      ['responder', 'GET', `${REF}/${id}`, undefined, 'referral.read'],
      ['hotline', 'GET', `${REF}/${id}/timeline`, undefined, 'referral.timeline'],
      ['responder', 'POST', `${REF}/${id}/events`, { event: 'acknowledge' }, 'referral.acknowledge'],
      ['responder', 'POST', `${REF}/${id}/events`, { event: 'arrive', as: 'lead' }, 'referral.arrive'],
      ['advocate', 'POST', `${REF}/${id}/contacts`, { at: iso(t), kind: 'phone' }, 'referral.contact.create'],
      ['responder', 'POST', `${REF}/${id}/status`, { kind: 'whereabouts', status: 'home' }, 'referral.status.create'],
      ['responder', 'POST', `${REF}/${id}/appointments`, { kind: 'medical_exam', scheduled_for: iso(t + HOUR) }, 'referral.appointment.create'],
    ];
    for (const [u, method, p, json, action] of steps) {
      const before = (await entries(id)).filter((e) => e.action === action && e.actor_username === u).length;
      const r = await U.as(u).request(method, p, { json });
      assert.ok(r.status === 200 || r.status === 201, `${u} ${method} ${p}: ${r.text}`);
      const now = (await entries(id)).filter((e) => e.action === action && e.actor_username === u);
      assert.equal(now.length, before + 1, `${u} ${method} ${p}: one ${action} entry`);
      assert.equal(now[0].outcome, 'ok');
      assert.ok(now[0].request_id);
    }
    const p = await U.as('hotline').patch(`${REF}/${id}`, { officer_name: 'Audited' }, { headers: { 'If-Match': '*' } });
    assert.equal(p.status, 200, p.text);
    const all = (await entries(id)).map((e) => e.action);
    for (const a of ['referral.create', 'referral.read', 'referral.acknowledge', 'referral.update', 'referral.timeline']) {
      assert.ok(all.includes(a), `no ${a} in ${all.join()}`);
    }
    const create = (await entries(id)).find((e) => e.action === 'referral.create');
    assert.equal(create.actor_username, 'hotline');
  });

  it('the board read and a refused read are audited too', async () => {
    const r = await U.as('responder').get(REF);
    assert.equal(r.status, 200);
    const items = await srv.audit(50);
    assert.ok(items.some((e) => e.action === 'referral.list' && e.actor_username === 'responder'));
    const other = await U.as('hotline').post(REF, intake(ids, await srv.now()));
    const denied = await U.as('responder').get(`${REF}/${other.body.referral.id}`);
    expectProblem(assert, denied, 403, 'forbidden');
    const d = (await srv.audit(50)).find((e) => e.actor_username === 'responder' && e.outcome === 'denied');
    assert.ok(d, 'the refusal is audited');
    assert.equal(d.action, 'case.read');
    assert.equal(d.object_id, String(other.body.referral.id));
  });
});
