// Record linkage inside haven (issue #7, docs/linkage.md "In haven"):
// suggestions while the hotline worker types (a misspelled nickname with a
// transposed date of birth finds the earlier youth), never a name in the
// logs or the audit, who may ask and who may review, the review queue
// filled at intake, merge changing the dashboard's unique individuals,
// unmerge restoring them, "also known as", and the audit entries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';
import { Users, demoIds, intake } from '../lib/protocol.mjs';

const SUGGEST = '/api/v1/youth/suggestions';
const PAIRS = '/api/v1/link/pairs';
const NAMES = ['Okonkwo', 'OKONKWO', 'Margaret', 'Magie', 'Maggie', 'Kiki'];

describe('record linkage in haven', () => {
  let srv;
  let U;
  let ids;
  let earlier; // the youth recovered first
  let later;   // the same child, typed differently at the second intake
  let pair;
  let mergeId;

  const suggest = async (body, user = 'hotline') => {
    // the index loads on a thread at start: ready comes within seconds
    for (let i = 0; i < 100; i++) {
      const r = await U.as(user).post(SUGGEST, body);
      if (r.status !== 200 || r.body.ready) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the youth index never became ready');
  };
  const unique = async () => {
    const r = await U.as('analyst').get('/api/v1/outcomes?from=2000-01-01&to=2039-12-31');
    assert.equal(r.status, 200, r.text);
    return r.body.headline.find((h) => h.key === 'unique_individuals').value;
  };
  const recoveries = async () => {
    const r = await U.as('analyst').get('/api/v1/outcomes?from=2000-01-01&to=2039-12-31');
    return r.body.headline.find((h) => h.key === 'recoveries').value;
  };

  before(async () => {
    srv = await startServer({ config: '[report]\nsuppression_threshold = 2\n' });
    U = new Users(srv);
    ids = await demoIds(srv);
    for (const u of ['hotline', 'supervisor', 'analyst', 'responder']) await U.session(u);
    const now = await srv.now();
    const r = await U.as('hotline').post('/api/v1/referrals', intake(ids, now, {
      youth: { first_name: 'Margaret', last_name: 'Okonkwo', aliases: 'Kiki', dob: '2009-04-07', gender: 'female' },
    }));
    assert.equal(r.status, 201, r.text);
    earlier = r.body.referral.youth_id;
  });
  after(async () => { await srv?.cleanup(); });

  it('suggests the earlier youth for a misspelled nickname and a transposed date', async () => {
    const r = await suggest({ first_name: 'Magie', last_name: 'Okonkwo', dob: '2009-07-04', gender: 'female' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ready, true);
    const hit = r.body.items.find((x) => x.youth_id === earlier);
    assert.ok(hit, `earlier youth suggested: ${r.text}`);
    assert.equal(r.body.items[0].youth_id, earlier, 'the earlier youth comes first');
    assert.ok(hit.probability > 0.5, `probability ${hit.probability}`);
    assert.ok(hit.reasons.some((s) => /day and month swapped/.test(s)), hit.reasons.join('; '));
    assert.ok(hit.reasons.some((s) => /^Last name agrees exactly/.test(s)), hit.reasons.join('; '));
    assert.equal(hit.referrals.length, 1);
    assert.match(hit.referrals[0].number, /^R-\d{4}-\d{6}$/);
    assert.match(hit.referrals[0].date, /^\d{4}-\d{2}-\d{2}$/);
    // no more than the intake needs: never a name or a date of birth
    const text = JSON.stringify(r.body);
    for (const n of NAMES) assert.ok(!text.includes(n), `answer holds ${n}`);
    assert.ok(!text.includes('2009-04-07'));
  });

  it('a nickname alone, and someone else entirely', async () => {
    const r = await suggest({ first_name: 'Peggy', last_name: 'Okonkwo', dob: '2009-04-07' });
    assert.ok(r.body.items.some((x) => x.youth_id === earlier), r.text);
    assert.ok(r.body.items[0].reasons.some((s) => /nickname/.test(s)), r.text);
    const none = await suggest({ first_name: 'Zbigniew', last_name: 'Quillfeather', dob: '1990-01-01', gender: 'male' });
    assert.ok(!none.body.items.some((x) => x.youth_id === earlier), none.text);
  });

  it('validates the body like the intake and keeps names out of URLs, logs and the audit', async () => {
    await expectProblem(assert, await U.as('hotline').post(SUGGEST, { first_name: 'A', dob: '2009-13-01' }), 400, undefined, 'dob');
    await expectProblem(assert, await U.as('hotline').post(SUGGEST, { nickname: 'x' }), 400, undefined, 'nickname');
    const log = srv.stderr;
    for (const n of NAMES) assert.ok(!log.includes(n), `server log holds ${n}`);
    const audit = await srv.audit();
    const asks = audit.filter((a) => a.action === 'youth.suggest');
    assert.ok(asks.length >= 3);
    assert.ok(asks.every((a) => /^results:\d+$/.test(a.reason)), JSON.stringify(asks[0]));
    assert.equal(asks[0].actor_user_id, ids.user.hotline);
    const all = JSON.stringify(audit);
    for (const n of NAMES) assert.ok(!all.includes(n), `audit holds ${n}`);
  });

  it('who may ask and who may review', async () => {
    await expectProblem(assert, await U.as('analyst').post(SUGGEST, { first_name: 'Magie' }), 403);
    await expectProblem(assert, await U.as('responder').post(SUGGEST, { first_name: 'Magie' }), 403);
    await expectProblem(assert, await U.as('hotline').get(PAIRS), 403);
    await expectProblem(assert, await U.as('analyst').get(PAIRS), 403);
    await expectProblem(assert, await U.as('responder').post(`${PAIRS}/1/decision`, { decision: 'same' }), 403);
    assert.equal((await U.as('supervisor').get(PAIRS)).status, 200);
    assert.equal((await srv.get(PAIRS, { admin: true })).status, 200);
    const me = await U.as('supervisor').get('/api/v1/me');
    assert.ok(me.body.can.includes('linkage.review'));
    const hl = await U.as('hotline').get('/api/v1/me');
    assert.ok(!hl.body.can.includes('linkage.review'));
  });

  it('a new youth at intake that may be a known one waits in the review queue', async () => {
    const before = await unique();
    const now = await srv.now();
    const r = await U.as('hotline').post('/api/v1/referrals', intake(ids, now, {
      youth: { first_name: 'Magie', last_name: 'Okonkwo', dob: '2009-07-04', gender: 'female' },
    }));
    assert.equal(r.status, 201, r.text);
    later = r.body.referral.youth_id;
    assert.notEqual(later, earlier);
    assert.equal(await unique(), before + 1, 'a new youth is a new individual until merged');
    const q = await U.as('supervisor').get(PAIRS);
    assert.equal(q.status, 200, q.text);
    pair = q.body.items.find((p) => p.a.id === earlier && p.b.id === later);
    assert.ok(pair, `pair queued: ${q.text}`);
    assert.equal(pair.status, 'pending');
    assert.equal(pair.source, 'intake');
    assert.ok(pair.probability >= 0.5 && pair.probability < 1);
    // side by side: the reviewer sees both records' intake fields
    assert.equal(pair.a.first_name, 'Margaret');
    assert.equal(pair.b.first_name, 'Magie');
    assert.equal(pair.a.referrals.length + pair.a.other_referrals, 1);
    assert.ok(pair.reasons.length >= 3);
    const one = await U.as('supervisor').get(`${PAIRS}/${pair.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, pair.id);
  });

  it('"same person" merges: unique individuals drop by one, nothing is deleted', async () => {
    const u0 = await unique();
    const n0 = await recoveries();
    await expectProblem(assert, await U.as('supervisor').post(`${PAIRS}/${pair.id}/decision`, { decision: 'maybe' }), 400, undefined, 'decision');
    const r = await U.as('supervisor').post(`${PAIRS}/${pair.id}/decision`, { decision: 'same', reason: 'same tattoo and school (test)' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'same');
    assert.ok(r.body.merge_id);
    mergeId = r.body.merge_id;
    assert.equal(r.body.a.person_id, r.body.b.person_id);
    assert.equal(await unique(), u0 - 1);
    assert.equal(await recoveries(), n0, 'every referral kept');
    // decided once
    await expectProblem(assert, await U.as('supervisor').post(`${PAIRS}/${pair.id}/decision`, { decision: 'different' }), 409);
    // also known as, on the case of the later youth
    const l = await U.as('hotline').get(`/api/v1/youth/${later}/linked`);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.body.items.length, 1);
    assert.equal(l.body.items[0].youth_id, earlier);
    assert.equal(l.body.items[0].first_name, 'Margaret');
    assert.equal(l.body.items[0].merge_id, mergeId);
    assert.equal(l.body.can_review, false);
    // suggestions now name the person
    const s = await suggest({ first_name: 'Margaret', last_name: 'Okonkwo', dob: '2009-04-07' });
    const ps = new Set(s.body.items.filter((x) => [earlier, later].includes(x.youth_id)).map((x) => x.person_id));
    assert.equal(ps.size, 1);
  });

  it('unmerge restores exactly the grouping before', async () => {
    const u0 = await unique();
    await expectProblem(assert, await U.as('supervisor').post(`/api/v1/link/merges/${mergeId}/undo`, {}), 400, undefined, 'reason');
    const r = await U.as('supervisor').post(`/api/v1/link/merges/${mergeId}/undo`, { reason: 'a different child after all (test)' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await unique(), u0 + 1);
    const p = await U.as('supervisor').get(`${PAIRS}/${pair.id}`);
    assert.equal(p.body.status, 'unmerged');
    assert.equal(p.body.a.person_id, earlier);
    assert.equal(p.body.b.person_id, later);
    await expectProblem(assert, await U.as('supervisor').post(`/api/v1/link/merges/${mergeId}/undo`, { reason: 'again' }), 409);
    const l = await U.as('hotline').get(`/api/v1/youth/${later}/linked`);
    assert.equal(l.body.items.length, 0);
  });

  it('audits every decision, merge and unmerge with who and when', async () => {
    const audit = await srv.audit();
    const sup = ids.user.supervisor;
    const find = (action) => audit.find((a) => a.action === action);
    assert.equal(find('link_pair.decide')?.actor_user_id, sup);
    assert.equal(find('link_pair.decide')?.reason, 'same');
    assert.equal(find('person.merge')?.object_id, String(mergeId));
    assert.equal(find('person.unmerge')?.object_id, String(mergeId));
    assert.equal(find('person.unmerge')?.actor_user_id, sup);
    assert.ok(find('link_pair.list'));
    assert.ok(audit.some((a) => a.action === 'linkage.read' && a.outcome === 'denied'));
  });

  it('the batch over all youth queues pairs once', async () => {
    const r = await U.as('supervisor').post('/api/v1/link/scan');
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.body.queued, 'number');
    const again = await U.as('supervisor').post('/api/v1/link/scan');
    assert.equal(again.body.queued, 0);
  });
});
