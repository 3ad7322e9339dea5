// The protocol's clocks (docs/protocol.md, "Clocks") driven by the test
// clock: warnings before due, missed clocks told to their owner and escalated
// to the supervisors of the owning agency only, the 72-hour exam, the 30-day
// bed, and a clock that came due while haven was stopped.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sleep, startServer } from '../lib/api.mjs';
import {
  DAY, HOUR, MIN, Users, clockOf, demoIds, intake, iso, notesFor,
} from '../lib/protocol.mjs';

const REF = '/api/v1/referrals';

describe('clocks: warning, missed and escalated', () => {
  let srv;
  let U;
  let ids;
  let a; // CTU leads (open Probation case)
  let b; // MART leads
  let c; // closed at once: its clocks never fire
  const read = async (u, id) => {
    const r = await U.as(u).get(`${REF}/${id}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const timelineClocks = async (id) => (await read('hotline', id)).timeline
    .filter((e) => e.kind.startsWith('clock.')).map((e) => `${e.kind}:${e.detail.clock}`);

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
    const now = await srv.now();
    // sign the supervisors in before the clock moves: TOTP follows the server clock
    await U.session('supervisor');
    await U.session('martsuper');
    const mk = async (extra) => {
      const r = await U.as('hotline').post(REF, intake(ids, now, extra));
      assert.equal(r.status, 201, r.text);
      return r.body.referral.id;
    };
    a = await mk({ probation_involvement: 'open_case' });
    b = await mk({ probation_involvement: 'none' });
    c = await mk({ probation_involvement: 'open_case' });
    const closed = await U.as('hotline').post(`${REF}/${c}/events`, { event: 'close', close_reason: 'duplicate' });
    assert.equal(closed.status, 200, closed.text);
    const placed = await U.as('responder').post(`${REF}/${a}/placements`, { kind: 'soda_pad', provider_agency_id: ids.beds, started_at: iso(now) });
    assert.equal(placed.status, 201, placed.text);
  });
  after(async () => { await srv?.cleanup(); });

  it('61 minutes on: a warning to the lead, nothing missed', async () => {
    await srv.advance(61 * MIN);
    const wa = await notesFor(U.as('responder'), a, 'clock.warning');
    assert.equal(wa.length, 1, 'the CTU responder is warned');
    assert.match(wa[0].message, /Lead responder at the staging area/);
    /* times in messages are the county's, not UTC */
    assert.match(wa[0].message, / \d{1,2}:\d{2} P[SD]T\b/, wa[0].message);
    assert.equal((await notesFor(U.as('mart'), b, 'clock.warning')).length, 1, 'the MART responder is warned');
    assert.deepEqual(await notesFor(U.as('supervisor'), a), [], 'a warning is not escalated');
    const ca = await read('responder', a);
    assert.equal(clockOf(ca, 'lead_response').state, 'running');
    assert.deepEqual(await timelineClocks(a), ['clock.warning:lead_response']);
  });

  it('91 minutes without arrival: lead_response missed, told to the lead, escalated to that agency\'s supervisors only', async () => {
    await srv.advance(30 * MIN);
    const ca = await read('responder', a);
    const lr = clockOf(ca, 'lead_response');
    assert.equal(lr.state, 'missed');
    assert.equal(lr.overdue, true);
    assert.ok(lr.missed_at);
    assert.equal((await notesFor(U.as('responder'), a, 'clock.missed')).length, 1);
    assert.equal((await notesFor(U.as('mart'), b, 'clock.missed')).length, 1);
    const supA = await notesFor(U.as('supervisor'), a, 'clock.escalation');
    assert.equal(supA.length, 1, 'the CTU supervisor gets the CTU escalation');
    assert.equal(supA[0].priority, 'urgent');
    assert.deepEqual(await notesFor(U.as('supervisor'), b), [], 'not the MART one');
    assert.equal((await notesFor(U.as('martsuper'), b, 'clock.escalation')).length, 1, 'the MART supervisor gets the MART escalation');
    assert.deepEqual(await notesFor(U.as('martsuper'), a), [], 'not the CTU one');
    assert.deepEqual(await notesFor(U.as('hotline'), a), [], 'the hotline is not escalated to');
    const missed = (await read('hotline', a)).timeline.find((e) => e.kind === 'clock.missed');
    assert.equal(missed.detail.supervisors_notified, 1);
    const audit = await srv.audit(200);
    assert.ok(audit.some((e) => e.action === 'clock.missed' && e.actor_kind === 'system' && e.object_id === String(a) && e.reason === 'lead_response'));
  });

  it('a missed clock stays overdue until met late', async () => {
    assert.equal((await U.as('mart').post(`${REF}/${b}/events`, { event: 'acknowledge' })).status, 200);
    const r = await U.as('mart').post(`${REF}/${b}/events`, { event: 'arrive', as: 'lead' });
    assert.equal(r.status, 200, r.text);
    const lr = clockOf(r.body, 'lead_response');
    assert.equal(lr.state, 'met');
    assert.equal(lr.met_late, true);
    assert.equal(lr.overdue, false);
  });

  it('73 hours without an exam: medical_hub (and the 72-hour status) missed and escalated', async () => {
    // the exam clock runs from identification, 10 minutes before intake; it
    // warns 12 hours before due (a jump past due would skip straight to missed)
    await srv.advance(61 * HOUR - 91 * MIN);
    const warned = await read('responder', a);
    assert.equal(clockOf(warned, 'medical_hub').state, 'running');
    assert.ok((await notesFor(U.as('responder'), a, 'clock.warning')).some((n) => /Medical Hub/.test(n.message)));
    await srv.advance(12 * HOUR);
    const ca = await read('responder', a);
    assert.equal(clockOf(ca, 'medical_hub').state, 'missed');
    assert.equal(clockOf(ca, 'status_72h').state, 'missed');
    const esc = (await notesFor(U.as('supervisor'), a, 'clock.escalation')).map((n) => n.message);
    assert.ok(esc.some((m) => /Medical Hub exam attended/.test(m)), esc.join('\n'));
    assert.ok(esc.some((m) => /72-hour status recorded/.test(m)), esc.join('\n'));
    const missed = (await notesFor(U.as('responder'), a, 'clock.missed')).map((n) => n.message);
    assert.ok(missed.some((m) => /Medical Hub/.test(m)), missed.join('\n'));
    const kinds = await timelineClocks(a);
    for (const k of ['clock.warning:medical_hub', 'clock.missed:medical_hub', 'clock.missed:status_72h']) {
      assert.ok(kinds.includes(k), `${k} in ${kinds.join()}`);
    }
    assert.ok(kinds.indexOf('clock.warning:medical_hub') < kinds.indexOf('clock.missed:medical_hub'));
  });

  it('30 days in a SODA/PAD bed: bed_stay warned at 27 days, missed at 30', async () => {
    await srv.advance(27 * DAY - 73 * HOUR + MIN);
    assert.equal(clockOf(await read('responder', a), 'bed_stay').state, 'running');
    assert.ok((await timelineClocks(a)).includes('clock.warning:bed_stay'), 'warned 3 days before');
    await srv.advance(3 * DAY);
    const ca = await read('responder', a);
    const stay = clockOf(ca, 'bed_stay');
    assert.equal(stay.state, 'missed');
    assert.equal(stay.overdue, true);
    const kinds = await timelineClocks(a);
    assert.ok(kinds.includes('clock.warning:bed_stay') && kinds.includes('clock.missed:bed_stay'), kinds.join());
    const alert = (await notesFor(U.as('responder'), a, 'clock.missed')).map((n) => n.message);
    assert.ok(alert.some((m) => /SODA\/PAD stay ends/.test(m)), alert.join('\n'));
    const esc = (await notesFor(U.as('supervisor'), a, 'clock.escalation')).map((n) => n.message);
    assert.ok(esc.some((m) => /SODA\/PAD stay ends/.test(m)), esc.join('\n'));
    // each clock fires its warning and its miss once, however often the scheduler passes
    await sleep(600);
    const again = await timelineClocks(a);
    assert.equal(new Set(again).size, again.length, `fired twice: ${again.join()}`);
  });

  it('a referral closed at once never fires a clock', async () => {
    await srv.advance(91 * DAY);
    assert.deepEqual(await timelineClocks(c), []);
    for (const u of ['responder', 'supervisor']) {
      const n = (await notesFor(U.as(u), c)).filter((x) => x.kind.startsWith('clock.'));
      assert.deepEqual(n, [], u);
    }
    assert.deepEqual((await read('hotline', c)).clocks, [], 'its clocks were stopped');
  });
});

describe('clocks: one that came due while haven was stopped', () => {
  let srv;
  let U;
  let ids;
  let id;
  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
  });
  after(async () => { await srv?.cleanup(); });

  it('fires on the first pass after start, without anyone moving the clock', async () => {
    // The test clock's offset lives in the process and does not survive a
    // restart. So: turn the clock back 3 hours and open a referral then; its
    // lead_response clock is due 90 minutes after that, i.e. 90 minutes
    // before the real time. It cannot fire while this process runs on the
    // turned-back clock. After a restart the clock is the real time again,
    // the clock row (kept in the database) is already past due, and only
    // the scheduler's first pass can fire it: no request here moves time.
    const shifted = await srv.post('/api/v1/test/clock', { advance_ms: -3 * HOUR }, { admin: true });
    assert.equal(shifted.status, 200, shifted.text);
    const r = await U.as('hotline').post(REF, intake(ids, await srv.now(), { probation_involvement: 'open_case' }));
    assert.equal(r.status, 201, r.text);
    id = r.body.referral.id;
    const due = Date.parse(clockOf(r.body, 'lead_response').due_at);
    assert.ok(due < Date.now() - 80 * MIN, 'due in the real past');
    await sleep(400); // a scheduler pass or two on the turned-back clock
    const still = await U.as('hotline').get(`${REF}/${id}`);
    assert.equal(clockOf(still.body, 'lead_response').state, 'running', 'not fired before the stop');

    await srv.stop();
    await srv.restart();
    const clock = await srv.get('/api/v1/test/clock', { admin: true });
    assert.ok(Math.abs(clock.body.offset_ms) < 1000, `the clock is real again: ${clock.text}`);

    let lr;
    for (let i = 0; i < 40; i++) {
      const cs = await U.as('hotline').get(`${REF}/${id}`);
      assert.equal(cs.status, 200, cs.text);
      lr = clockOf(cs.body, 'lead_response');
      if (lr.state === 'missed') break;
      await sleep(100);
    }
    assert.equal(lr.state, 'missed', JSON.stringify(lr));
    assert.ok(Date.parse(lr.missed_at) >= Date.now() - 10000, 'marked missed after the restart');
    assert.equal((await notesFor(U.as('responder'), id, 'clock.missed')).length, 1);
    assert.equal((await notesFor(U.as('supervisor'), id, 'clock.escalation')).length, 1);
    assert.deepEqual(await notesFor(U.as('responder'), id, 'clock.warning'), [],
      'past due: missed straight away, no late warning');
  });
});
