// The directory's editors (issue 6): who may read and write, importing an
// HSDS file from the page (a broken row named by file, row and field,
// nothing written; fixed and imported again), editing a service through
// the importer (its history with a field-level diff), marking it verified,
// and the "not verified in 12 months" report by the settable clock.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, expectProblem, startServer } from '../lib/api.mjs';
import { DAY, Users } from '../lib/protocol.mjs';

const S = '/api/v1/directory/services';
const fixture = async (name) => JSON.parse(await readFile(path.join(SOURCE_DIR, 'tests/fixtures/hsds', name), 'utf8'));

describe('directory editors', () => {
  let srv;
  let U;
  let dropin; /* the drop-in centre's id */
  let base; /* services the demo has (the demo site, generated services) */
  const mine = new Set(); /* HSDS ids of the services this suite adds */

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    const r = await srv.post('/api/v1/test/clock', { now: '2026-03-02T18:00:00Z' }, { admin: true });
    assert.equal(r.status, 200, r.text);
    base = (await U.as('editor').get(S)).body.total;
  });
  after(async () => { await srv?.cleanup(); });

  it('editors and administrators write; staff who refer read; others may not', async () => {
    for (const u of ['editor', 'hotline', 'responder', 'advocate']) {
      const r = await U.as(u).get(S);
      assert.equal(r.status, 200, `${u}: ${r.text}`);
    }
    for (const u of ['analyst', 'officer', 'sitestaff']) {
      expectProblem(assert, await U.as(u).get(S), 403, 'forbidden');
    }
    const body = { service: { name: 'Nope', organization: { id: 'org-x', name: 'X' } } };
    for (const u of ['hotline', 'responder', 'analyst', 'sitestaff']) {
      expectProblem(assert, await U.as(u).post(S, body), 403, 'forbidden');
      expectProblem(assert, await U.as(u).post('/api/v1/directory/import', { data: [] }), 403, 'forbidden');
    }
    assert.equal((await srv.get(S)).status, 401, 'sign-in required');
    const me = (await U.session('editor')).user;
    assert.ok(me.can.includes('directory.read') && me.can.includes('directory.write'));
    const denied = (await srv.audit()).filter((a) => a.action === 'directory.create' && a.outcome === 'denied');
    assert.ok(denied.length >= 4, 'denials are audited');
  });

  it('a broken file from the page: the file, row and field named, nothing written; fixed, it imports', async () => {
    const broken = await fixture('broken.json');
    const r = await U.as('editor').post('/api/v1/directory/import', { file: 'C:\\fakepath/broken.json', data: broken });
    expectProblem(assert, r, 400, 'invalid');
    assert.equal(r.body.file, 'broken.json');
    assert.equal(r.body.row, 4);
    assert.equal(r.body.field, 'services[3].service_at_locations[0].location.latitude');
    assert.match(r.body.detail, /^broken\.json, row 4, services\[3\]\.service_at_locations\[0\]\.location\.latitude: must be from -90 to 90$/);
    assert.equal((await U.as('editor').get(S)).body.total, base, 'nothing was written');
    for (const x of broken.services) mine.add(x.id);

    /* the editor fixes the row and imports again */
    broken.services[3].service_at_locations[0].location.latitude = 34.05;
    const ok = await U.as('editor').post('/api/v1/directory/import', { file: 'broken.json', data: broken });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.created, 4);
    const again = await U.as('editor').post('/api/v1/directory/import', { file: 'broken.json', data: broken });
    assert.equal(again.body.unchanged, 4, 'importing the same file again changes nothing');
    expectProblem(assert, await U.as('editor').post('/api/v1/directory/import', { file: 'x.json' }), 400, 'invalid', 'data');
    expectProblem(assert, await U.as('editor').post('/api/v1/directory/import', { data: [], extra: 1 }), 400, 'invalid', 'extra');
    const audit = await srv.audit();
    assert.ok(audit.some((a) => a.action === 'directory.import' && a.outcome === 'ok'));
  });

  it('finds services by name or organization', async () => {
    /* the demo's generated directory has drop-in centres of its own */
    const r = await U.as('editor').get(`${S}?q=drop-in&per_page=200`);
    assert.equal(r.status, 200, r.text);
    const hits = r.body.items.filter((i) => i.organization.name === 'Harbor Light Youth Services (synthetic)');
    assert.equal(hits.length, 1);
    dropin = hits[0].id;
    assert.equal((await U.as('editor').get(`${S}?q=svc-dropin-1`)).body.items[0].id, dropin, 'by HSDS id');
    const byOrg = await U.as('hotline').get(`${S}?q=${encodeURIComponent('harbor light')}`);
    assert.ok(byOrg.body.total >= 1);
    const page = await U.as('editor').get(`${S}?q=${encodeURIComponent('harbor light')}&per_page=1&page=2`);
    assert.equal(page.body.items.length, 1);
    assert.equal(page.body.total, 2, 'the drop-in centre and the text line, by their organization');
    assert.equal(page.body.items[0].name, 'Youth Drop-In Center', 'by name: the second page');
    const all = await U.as('editor').get(`${S}?per_page=200`);
    assert.equal(all.body.total, base + 4);
    expectProblem(assert, await U.as('editor').get(`${S}?per_page=0`), 400, 'invalid', 'per_page');
    expectProblem(assert, await U.as('editor').get(`${S}/999999`), 404);
  });

  it('an edit goes through the importer and its history shows the fields that changed', async () => {
    const g = await U.as('editor').get(`${S}/${dropin}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.service.id, 'svc-dropin-1');
    assert.equal(g.body.locations.length, 1);
    assert.equal(g.body.locations[0].syz, false);
    const svc = structuredClone(g.body.service);
    svc.name = 'Youth Drop-In Centre';
    svc.maximum_age = 21;
    svc.phones = [{ id: 'svc-dropin-1-ph', number: '555-0199', type: 'voice' }];
    const put = await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: svc } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.name, 'Youth Drop-In Centre');
    assert.equal(put.body.service.maximum_age, 21);

    const h = await U.as('editor').get(`${S}/${dropin}/history`);
    assert.equal(h.status, 200, h.text);
    const [last, first] = h.body.items;
    assert.equal(last.action, 'updated');
    assert.equal(last.source, 'editor');
    assert.equal(last.by.display_name, 'Demo Directory Editor');
    const ch = Object.fromEntries(last.changes.map((c) => [c.field, c]));
    assert.deepEqual(ch.name, { field: 'name', before: 'Youth Drop-In Center', after: 'Youth Drop-In Centre' });
    assert.deepEqual(ch.maximum_age, { field: 'maximum_age', before: 24, after: 21 });
    assert.equal(ch.phones.before, null, 'the service had no phones');
    assert.equal(ch.phones.after[0].number, '555-0199');
    assert.deepEqual(Object.keys(ch).sort(), ['maximum_age', 'name', 'phones'], JSON.stringify(last.changes));
    assert.equal(first.action, 'created');
    assert.equal(first.source, 'import');

    /* the search index follows: the new name is found */
    assert.equal((await U.as('editor').get(`${S}?q=centre`)).body.total, 1);

    /* refused edits name the field and change nothing */
    expectProblem(assert, await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: { ...svc, id: 'other' } } }), 400, 'invalid', 'service.id');
    expectProblem(assert, await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: { ...svc, minimum_age: 30 } } }), 400, 'invalid', 'service.maximum_age');
    const bad = structuredClone(svc);
    bad.service_at_locations[0].location.longitude = 500;
    const r = await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: bad } });
    expectProblem(assert, r, 400, 'invalid', 'service.service_at_locations[0].location.longitude');
    assert.match(r.body.detail, /^service_at_locations\[0\]\.location\.longitude: must be from -180 to 180$/);
    expectProblem(assert, await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { svc } }), 400, 'invalid', 'svc');
    assert.equal((await U.as('editor').get(`${S}/${dropin}/history`)).body.items.length, 2);
    /* an edit made on what someone else has changed since is refused */
    const now = await U.as('editor').get(`${S}/${dropin}`);
    assert.equal(now.headers.get('etag'), `"v${now.body.version}"`);
    assert.notEqual(g.headers.get('etag'), now.headers.get('etag'));
    expectProblem(assert, await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: svc }, headers: { 'If-Match': g.headers.get('etag') } }), 412, undefined, 'If-Match');
    const same = await U.as('editor').request('PUT', `${S}/${dropin}`, { json: { service: now.body.service }, headers: { 'If-Match': now.headers.get('etag') } });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.headers.get('etag'), now.headers.get('etag'), 'saving what is there changes nothing');
    const audit = await srv.audit();
    assert.ok(audit.some((a) => a.action === 'directory.service.update' && a.object_id === String(dropin)));
  });

  it('a new service from the editor gets an HSDS id and a history', async () => {
    const org = (await U.as('editor').get(`${S}/${dropin}`)).body.organization.hsds_id;
    const r = await U.as('editor').post(S, { service: { name: 'Evening Clinic (synthetic)', organization_id: org, status: 'active' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.hsds_id, /^haven-[0-9a-f]{24}$/);
    mine.add(r.body.hsds_id);
    assert.equal(r.headers.get('location'), `${S}/${r.body.id}`);
    const h = await U.as('editor').get(`${S}/${r.body.id}/history`);
    assert.equal(h.body.items[0].action, 'created');
    assert.equal(h.body.items[0].source, 'editor');
    expectProblem(assert, await U.as('editor').post(S, { service: { id: 'svc-dropin-1', name: 'Dup', organization_id: org } }), 409, undefined, 'service.id');
    expectProblem(assert, await U.as('editor').post(S, { service: { name: 'No org' } }), 400, 'invalid', 'service.organization_id');
  });

  it('not verified in 12 months, by the settable clock; verifying takes it off, editing does not', async () => {
    const rep = async () => {
      const r = await U.as('editor').get('/api/v1/directory/reports/unverified');
      assert.equal(r.status, 200, r.text);
      /* this suite's services only: the demo's were imported by the real clock */
      const items = r.body.items.filter((i) => mine.has(i.hsds_id));
      return { ...r.body, items, total: items.length };
    };
    assert.equal((await rep()).total, 0, 'everything was just imported');
    await srv.advance(200 * DAY);
    assert.equal((await rep()).total, 0);
    /* verify one at day 200 */
    const v = await U.as('editor').post(`${S}/${dropin}/verify`);
    assert.equal(v.status, 200, v.text);
    assert.ok(v.body.verified_at);
    assert.match(v.body.assured_date, /^2026-09-1\d$/);
    assert.equal(v.body.service.assured_date, v.body.assured_date);
    await srv.advance(200 * DAY); /* day 400: the import is more than a year old */
    const r = await rep();
    assert.equal(r.months, 12);
    assert.equal(r.total, 4, 'every service but the one verified at day 200');
    assert.ok(!r.items.some((i) => i.id === dropin));
    assert.ok(r.items.every((i) => i.organization && i.organization.name));
    const times = r.items.map((i) => Date.parse(i.verified_at));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
    /* an edit is not a verification */
    const other = r.items[0];
    const g = await U.as('editor').get(`${S}/${other.id}`);
    const put = await U.as('editor').request('PUT', `${S}/${other.id}`, { json: { service: { ...g.body.service, description: 'Edited (synthetic).' } } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await rep()).total, 4);
    await U.as('editor').post(`${S}/${other.id}/verify`);
    assert.equal((await rep()).total, 3);
    /* and the history says who verified, with the assured date changed */
    const h = await U.as('editor').get(`${S}/${other.id}/history`);
    assert.equal(h.body.items[0].action, 'verified');
    assert.equal(h.body.items[0].changes[0].field, 'assured_date');
    /* a shorter window */
    const six = (await U.as('editor').get('/api/v1/directory/reports/unverified?months=6')).body;
    six.items = six.items.filter((i) => mine.has(i.hsds_id));
    assert.equal(six.items.length, 4, 'the one verified 200 days ago is older than 6 months');
    assert.ok(six.items.some((i) => i.id === dropin));
    expectProblem(assert, await U.as('editor').get('/api/v1/directory/reports/unverified?months=0'), 400, 'invalid', 'months');
    expectProblem(assert, await U.as('hotline').post(`${S}/${dropin}/verify`), 403, 'forbidden');
  });
});
