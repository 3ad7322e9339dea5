// The program office's trackers (docs/metrics.md, "Expansion and
// deliverables"): jurisdictions and deliverables created, read, listed with
// filters and changed; every rule refused with problem+json naming the
// field; who may read and write; overdue as of the county's date with the
// settable clock; the audit entries; and GET /api/v1/program's figures on
// the demo data, worked out here from the lists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';
import { Users } from '../lib/protocol.mjs';

const J = '/api/v1/jurisdictions';
const D = '/api/v1/deliverables';
const KINDS = ['lasd_station', 'contract_city', 'city_police', 'unincorporated'];
const STATUSES = ['not_started', 'planning', 'training', 'live'];
const DSTATUSES = ['not_started', 'in_progress', 'blocked', 'done'];

/** Whole days from date A to date B ("YYYY-MM-DD"). */
const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

/** The county (Los Angeles) date of instant MS. */
const laDate = (ms) => new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit',
}).format(new Date(ms));

describe('program trackers', () => {
  let srv;
  let U;
  let stationId; /* an LASD station this suite creates (planning) */

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    /* a fixed day: 2026-10-15 in Los Angeles */
    const r = await srv.post('/api/v1/test/clock', { now: '2026-10-15T19:00:00Z' }, { admin: true });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => { await srv?.cleanup(); });

  it('the summary on the demo data agrees with the lists, figure by figure', async () => {
    const jl = await U.as('analyst').get(J);
    assert.equal(jl.status, 200, jl.text);
    assert.equal(jl.body.today, '2026-10-15');
    const places = jl.body.items;
    const dl = await U.as('analyst').get(D);
    assert.equal(dl.status, 200, dl.text);
    const work = dl.body.items;
    /* the demo as written in src/cmd/demo_program.c */
    assert.equal(places.length, 47);
    assert.equal(places.filter((p) => p.status === 'live').length, 20);
    assert.equal(work.length, 13);
    const lb = places.find((p) => p.name === 'Long Beach');
    assert.equal(lb.kind, 'city_police');
    assert.equal(lb.go_live_date, '2014-08-15');
    assert.ok(lb.station_id > 0, 'Long Beach points at the demo station');

    const r = await U.as('analyst').get('/api/v1/program');
    assert.equal(r.status, 200, r.text);
    const doc = r.body;
    assert.equal(doc.as_of, '2026-10-15');
    assert.equal(typeof doc.title, 'string');
    assert.match(doc.subtitle, /2026-10-15/);
    const t = Object.fromEntries(doc.tables.map((x) => [x.id, x]));
    assert.deepEqual(doc.tables.map((x) => x.id),
      ['expansion_status', 'coverage', 'expansion_timeline', 'deliverables', 'deliverables_status']);
    for (const table of doc.tables) {
      assert.match(table.id, /^[a-z0-9_]+$/);
      assert.ok(['bar', 'hbar', 'pie', 'line', 'timeline', 'none'].includes(table.chart), table.id);
      for (const c of table.columns) {
        assert.ok(['text', 'count', 'number', 'percent', 'minutes', 'hours', 'date'].includes(c.type), `${table.id}.${c.key}`);
      }
      for (const row of table.rows) {
        assert.deepEqual(Object.keys(row).sort(), table.columns.map((c) => c.key).sort(), `${table.id} row keys`);
      }
    }

    /* expansion_status: kind x status */
    const es = t.expansion_status;
    assert.equal(es.rows.length, 4);
    KINDS.forEach((k, i) => {
      const mine = places.filter((p) => p.kind === k);
      for (const s of STATUSES) assert.equal(es.rows[i][s], mine.filter((p) => p.status === s).length, `${k} ${s}`);
      assert.equal(es.rows[i].total, mine.length);
    });
    for (const s of STATUSES) assert.equal(es.total[s], places.filter((p) => p.status === s).length);
    assert.equal(es.total.total, 47);

    /* coverage: share live, residents covered */
    const cov = t.coverage;
    const check = (row, list, what) => {
      const live = list.filter((p) => p.status === 'live');
      const pop = list.reduce((n, p) => n + (p.population ?? 0), 0);
      const popLive = live.reduce((n, p) => n + (p.population ?? 0), 0);
      assert.equal(row.jurisdictions, list.length, what);
      assert.equal(row.live, live.length, what);
      assert.ok(Math.abs(row.share_live - live.length / list.length) < 1e-9, what);
      assert.equal(row.population, pop, what);
      assert.equal(row.population_live, popLive, what);
      if (pop) assert.ok(Math.abs(row.population_share - popLive / pop) < 1e-9, what);
      else assert.equal(row.population_share, null, what);
    };
    KINDS.forEach((k, i) => check(cov.rows[i], places.filter((p) => p.kind === k), k));
    check(cov.total, places, 'total');
    /* stations carry no residents of their own in the demo */
    assert.equal(cov.rows[0].population, 0);
    assert.equal(cov.rows[0].population_share, null);
    assert.ok(cov.notes.some((n) => /nobody is counted twice/.test(n)));

    /* the timeline: every dated jurisdiction, by date then name */
    const tl = t.expansion_timeline;
    assert.equal(tl.chart, 'timeline');
    const dated = places
      .map((p) => ({ p, date: p.status === 'live' ? p.go_live_date : p.planned_date }))
      .filter((x) => x.date)
      .sort((a, b) => a.date.localeCompare(b.date) || (a.p.name < b.p.name ? -1 : a.p.name > b.p.name ? 1 : 0));
    assert.deepEqual(tl.rows.map((x) => [x.label, x.date]), dated.map((x) => [x.p.name, x.date]));
    assert.equal(tl.rows[0].date_is, 'Went live');
    assert.ok(tl.rows.some((x) => x.date_is === 'Planned'));
    const undated = places.length - dated.length;
    assert.ok(undated > 0);
    assert.ok(tl.notes.some((n) => n.startsWith(`${undated} jurisdictions have no date`)));

    /* deliverables: every one, by due date, days overdue as of 2026-10-15 */
    const dt = t.deliverables;
    assert.equal(dt.rows.length, work.length);
    const byDue = [...work].sort((a, b) => a.due_date.localeCompare(b.due_date) || a.id - b.id);
    dt.rows.forEach((row, i) => {
      const w = byDue[i];
      assert.equal(row.label, w.title);
      assert.equal(row.owner, w.owner);
      assert.equal(row.due, w.due_date);
      assert.equal(row.completed, w.completed_on);
      const late = w.status !== 'done' && w.due_date < '2026-10-15';
      assert.equal(row.days_overdue, late ? daysBetween(w.due_date, '2026-10-15') : 0, w.title);
    });
    /* the demo's three overdue ones */
    const overdue = dt.rows.filter((x) => x.days_overdue > 0).map((x) => [x.label, x.days_overdue]);
    assert.deepEqual(overdue, [
      ['SB 794 policies: screening, services and documentation', 107],
      ['Interagency Detention Identification and Response Protocol', 45],
      ['Update of the Law Enforcement First Responder Protocol', 15],
    ]);

    /* deliverables_status */
    const ds = t.deliverables_status;
    DSTATUSES.forEach((s, i) => {
      const mine = work.filter((w) => w.status === s);
      assert.equal(ds.rows[i].n, mine.length, s);
      assert.equal(ds.rows[i].overdue, mine.filter((w) => w.overdue).length, s);
    });
    assert.equal(ds.total.n, 13);
    assert.equal(ds.total.overdue, 3);
    assert.equal(ds.rows[3].overdue, 0, 'a done deliverable is never overdue');
  });

  it('/me lists program.read and program.write by role', async () => {
    const can = async (u) => (await U.as(u).get('/api/v1/me')).body.can;
    for (const u of ['analyst', 'admin']) {
      const c = await can(u);
      assert.ok(c.includes('program.read') && c.includes('program.write'), u);
    }
    const sup = await can('supervisor');
    assert.ok(sup.includes('program.read') && !sup.includes('program.write'));
    for (const u of ['responder', 'hotline', 'officer', 'advocate']) {
      const c = await can(u);
      assert.ok(!c.includes('program.read') && !c.includes('program.write'), u);
    }
  });

  it('analysts create and change a jurisdiction; anyone allowed reads it', async () => {
    const r = await U.as('analyst').post(J, {
      name: 'LASD Temple Station (test)', kind: 'lasd_station', status: 'planning',
      planned_date: '2027-02-01', notes: 'Kick-off meeting held.',
    });
    assert.equal(r.status, 201, r.text);
    stationId = r.body.id;
    assert.equal(r.body.kind, 'lasd_station');
    assert.equal(r.body.status, 'planning');
    assert.equal(r.body.go_live_date, null);
    assert.equal(r.body.served_by_id, null);

    const g = await U.as('supervisor').get(`${J}/${stationId}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.name, 'LASD Temple Station (test)');

    const p = await U.as('admin').patch(`${J}/${stationId}`, { status: 'training', population: 0 });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.status, 'training');
    assert.equal(p.body.planned_date, '2027-02-01', 'fields not given stay');
    const n = await U.as('analyst').patch(`${J}/${stationId}`, { notes: 'Training dates set.' });
    assert.equal(n.status, 200, n.text);
    assert.equal(n.body.status, 'training', 'a change without a status keeps it');
    assert.equal(n.body.notes, 'Training dates set.');

    /* a new jurisdiction without a status has not started */
    const city = await U.as('analyst').post(J, {
      name: 'City of Temple City (test)', kind: 'contract_city', served_by_id: stationId, population: 36000,
    });
    assert.equal(city.status, 201, city.text);
    assert.equal(city.body.status, 'not_started');

    /* filters */
    const byKind = await U.as('analyst').get(`${J}?kind=contract_city`);
    assert.ok(byKind.body.items.length > 5);
    assert.ok(byKind.body.items.every((x) => x.kind === 'contract_city'));
    const byStatus = await U.as('analyst').get(`${J}?kind=lasd_station&status=training`);
    assert.ok(byStatus.body.items.some((x) => x.id === stationId));
    assert.ok(byStatus.body.items.every((x) => x.kind === 'lasd_station' && x.status === 'training'));
    const q = await U.as('analyst').get(`${J}?q=temple`);
    assert.deepEqual(q.body.items.map((x) => x.id).sort(), [stationId, city.body.id].sort());
    expectProblem(assert, await U.as('analyst').get(`${J}?kind=county`), 400, 'invalid', 'kind');
    expectProblem(assert, await U.as('analyst').get(`${J}?status=done`), 400, 'invalid', 'status');
    expectProblem(assert, await U.as('analyst').get(`${J}/999999`), 404);
    expectProblem(assert, await U.as('analyst').patch(`${J}/999999`, { notes: 'x' }), 404);
  });

  it('jurisdiction rules: each refusal names its field', async () => {
    const post = (body) => U.as('analyst').post(J, body);
    const station = (extra) => ({ name: `Station ${Math.random()}`, kind: 'lasd_station', ...extra });
    const cases = [
      [station({ status: 'live' }), 'go_live_date', /needs its go-live date/],
      [station({ status: 'live', go_live_date: '2026-10-16' }), 'go_live_date', /future/],
      [station({ status: 'training', go_live_date: '2026-01-05' }), 'go_live_date', /only a live/],
      [station({ served_by_id: stationId }), 'served_by_id', /only a contract city/],
      [{ name: 'Area X', kind: 'unincorporated' }, 'served_by_id', /names the LASD station/],
      [{ name: 'Area X', kind: 'contract_city', served_by_id: 999999 }, 'served_by_id', /no such/],
      [station({ station_id: 999999 }), 'station_id', /no such station/],
      [station({ kind: 'county' }), 'kind', null],
      [station({ status: 'paused' }), 'status', null],
      [station({ population: -5 }), 'population', null],
      [station({ planned_date: '2027-02-30' }), 'planned_date', null],
      [station({ colour: 'blue' }), 'colour', null],
      [{ kind: 'lasd_station' }, 'name', null],
      [station({ name: 'Long Beach' }), 'name', /already exists/],
    ];
    for (const [body, field, detail] of cases) {
      const r = await post(body);
      expectProblem(assert, r, field === 'name' && detail ? 409 : 400, null, field);
      if (detail) assert.match(r.body.detail, detail, JSON.stringify(body));
    }
    /* an area served by a city police department */
    const lb = (await U.as('analyst').get(`${J}?q=Long%20Beach`)).body.items[0];
    const r = await post({ name: 'Area Y', kind: 'contract_city', served_by_id: lb.id });
    expectProblem(assert, r, 400, 'invalid', 'served_by_id');
    assert.match(r.body.detail, /must be an LASD station/);

    /* an area is not live before its station */
    const city = (await U.as('analyst').get(`${J}?q=Temple%20City`)).body.items[0];
    const early = await U.as('analyst').patch(`${J}/${city.id}`, { status: 'live', go_live_date: '2026-10-01' });
    expectProblem(assert, early, 400, 'invalid', 'status');
    /* the station goes live, then the city, not before the station's date */
    const s = await U.as('analyst').patch(`${J}/${stationId}`, { status: 'live', go_live_date: '2026-10-05' });
    assert.equal(s.status, 200, s.text);
    const before0 = await U.as('analyst').patch(`${J}/${city.id}`, { status: 'live', go_live_date: '2026-10-01' });
    expectProblem(assert, before0, 400, 'invalid', 'go_live_date');
    const ok = await U.as('analyst').patch(`${J}/${city.id}`, { status: 'live', go_live_date: '2026-10-15' });
    assert.equal(ok.status, 200, ok.text);
    /* the station cannot leave live while the city is, nor stop being a station */
    const back = await U.as('analyst').patch(`${J}/${stationId}`, { status: 'training', go_live_date: null });
    expectProblem(assert, back, 400, 'invalid', 'status');
    assert.match(back.body.detail, /1 areas served by this station are live/);
    const rekind = await U.as('analyst').patch(`${J}/${stationId}`, { kind: 'city_police' });
    expectProblem(assert, rekind, 400, 'invalid', 'kind');
    /* status back without clearing the date: the date is named */
    const keep = await U.as('analyst').patch(`${J}/${city.id}`, { status: 'training' });
    expectProblem(assert, keep, 400, 'invalid', 'go_live_date');
    const cleared = await U.as('analyst').patch(`${J}/${city.id}`, { status: 'training', go_live_date: null });
    assert.equal(cleared.status, 200, cleared.text);
    expectProblem(assert, await U.as('analyst').patch(`${J}/${city.id}`, { status: null }), 400, 'invalid', 'status');
  });

  it('permissions: analysts and administrators write, supervisors read, others get 403', async () => {
    const body = { name: 'Perm test city', kind: 'city_police' };
    const dbody = { title: 'Perm test', owner: 'DCFS', due_date: '2027-01-01' };
    expectProblem(assert, await U.as('supervisor').post(J, body), 403, 'forbidden');
    expectProblem(assert, await U.as('supervisor').patch(`${J}/${stationId}`, { notes: 'x' }), 403, 'forbidden');
    expectProblem(assert, await U.as('supervisor').post(D, dbody), 403, 'forbidden');
    for (const p of [J, D, '/api/v1/program', `${J}/${stationId}`]) {
      assert.equal((await U.as('supervisor').get(p)).status, 200, p);
    }
    for (const u of ['responder', 'hotline']) {
      for (const p of [J, D, '/api/v1/program', `${J}/${stationId}`]) {
        expectProblem(assert, await U.as(u).get(p), 403, 'forbidden');
      }
      expectProblem(assert, await U.as(u).post(J, body), 403, 'forbidden');
      expectProblem(assert, await U.as(u).patch(`${J}/${stationId}`, { notes: 'x' }), 403, 'forbidden');
      expectProblem(assert, await U.as(u).post(D, dbody), 403, 'forbidden');
    }
    const a = await U.as('admin').post(J, body);
    assert.equal(a.status, 201, a.text);
    const d = await U.as('admin').post(D, dbody);
    assert.equal(d.status, 201, d.text);
    /* without a session */
    expectProblem(assert, await srv.get(J), 401);
  });

  it('deliverables: create, rules, mark done, filters', async () => {
    const as = U.as('analyst');
    const r = await as.post(D, {
      title: 'Test protocol', owner: 'Program office', due_date: '2026-10-01', description: 'For the test.',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.status, 'not_started');
    assert.equal(r.body.overdue, true);
    assert.equal(r.body.days_overdue, 14);
    const id = r.body.id;

    const cases = [
      [{ status: 'done' }, 'completed_on', /needs the date/],
      [{ completed_on: '2026-10-10' }, 'completed_on', /only a done/],
      [{ status: 'done', completed_on: '2026-10-16' }, 'completed_on', /future/],
      [{ status: 'finished' }, 'status', null],
      [{ due_date: 'soon' }, 'due_date', null],
      [{ title: '' }, 'title', null],
      [{ owner_agency_id: 999999 }, 'owner_agency_id', /no such agency/],
      [{ overdue: true }, 'overdue', null],
    ];
    for (const [body, field, detail] of cases) {
      const x = await as.patch(`${D}/${id}`, body);
      expectProblem(assert, x, 400, 'invalid', field);
      if (detail) assert.match(x.body.detail, detail, JSON.stringify(body));
    }
    expectProblem(assert, await as.post(D, { title: 'No owner', due_date: '2027-01-01' }), 400, 'invalid', 'owner');
    expectProblem(assert, await as.post(D, { title: 'No date', owner: 'DCFS' }), 400, 'invalid', 'due_date');

    const list = await as.get(`${D}?overdue=true`);
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.items.some((x) => x.id === id));
    assert.ok(list.body.items.every((x) => x.overdue && x.days_overdue > 0 && x.status !== 'done'));
    const notLate = await as.get(`${D}?overdue=false`);
    assert.ok(notLate.body.items.every((x) => !x.overdue && x.days_overdue === 0));
    assert.equal(list.body.items.length + notLate.body.items.length, (await as.get(D)).body.items.length);
    const dues = (await as.get(D)).body.items.map((x) => x.due_date);
    assert.deepEqual(dues, [...dues].sort(), 'sorted by due date');
    expectProblem(assert, await as.get(`${D}?overdue=maybe`), 400, 'invalid', 'overdue');
    expectProblem(assert, await as.get(`${D}?status=late`), 400, 'invalid', 'status');
    const blocked = await as.get(`${D}?status=blocked`);
    assert.ok(blocked.body.items.length >= 1 && blocked.body.items.every((x) => x.status === 'blocked'));
    assert.ok((await as.get(`${D}?q=probation`)).body.items.every((x) => /probation/i.test(x.owner + x.title)));

    /* marked done: no longer overdue */
    const done = await as.patch(`${D}/${id}`, { status: 'done', completed_on: '2026-10-15' });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.overdue, false);
    assert.equal(done.body.days_overdue, 0);
    assert.equal(done.body.completed_on, '2026-10-15');
    /* and reopened: the date goes with it */
    const reopen = await as.patch(`${D}/${id}`, { status: 'in_progress', completed_on: null });
    assert.equal(reopen.status, 200, reopen.text);
    assert.equal(reopen.body.overdue, true);
  });

  it('overdue counts days in the county, not in UTC', async () => {
    const as = U.as('analyst');
    const r = await as.post(D, { title: 'Due on Halloween', owner: 'DCFS', due_date: '2026-10-31' });
    assert.equal(r.status, 201, r.text);
    /* 06:30 UTC on 1 November is still 31 October in Los Angeles */
    let c = await srv.post('/api/v1/test/clock', { now: '2026-11-01T06:30:00Z' }, { admin: true });
    assert.equal(c.status, 200, c.text);
    assert.equal(laDate(Date.parse('2026-11-01T06:30:00Z')), '2026-10-31');
    let g = await as.get(`${D}/${r.body.id}`);
    assert.equal(g.body.overdue, false, 'due today is not overdue');
    assert.equal(g.body.days_overdue, 0);
    /* 08:00 UTC: 1 November in Los Angeles */
    c = await srv.post('/api/v1/test/clock', { now: '2026-11-01T08:00:00Z' }, { admin: true });
    assert.equal(c.status, 200, c.text);
    g = await as.get(`${D}/${r.body.id}`);
    assert.equal(g.body.overdue, true);
    assert.equal(g.body.days_overdue, 1);
    /* across the change back to standard time, 30 days later */
    c = await srv.post('/api/v1/test/clock', { now: '2026-12-01T07:59:00Z' }, { admin: true });
    g = await as.get(`${D}/${r.body.id}`);
    assert.equal(g.body.days_overdue, 30, '30 November 23:59 PST');
    const list = await as.get(D);
    assert.equal(list.body.today, '2026-11-30');
    const doc = (await as.get('/api/v1/program')).body;
    assert.equal(doc.as_of, '2026-11-30');
    const row = doc.tables.find((x) => x.id === 'deliverables').rows.find((x) => x.label === 'Due on Halloween');
    assert.equal(row.days_overdue, 30);
  });

  it('every access is audited: reads, writes and refusals', async () => {
    const items = await srv.audit(500);
    const analyst = await srv.userId('analyst');
    const has = (pred, what) => assert.ok(items.some(pred), what);
    has((a) => a.action === 'jurisdiction.create' && a.outcome === 'ok' && a.actor_user_id === analyst && a.object_type === 'jurisdiction' && Number(a.object_id) === stationId, 'jurisdiction.create');
    has((a) => a.action === 'jurisdiction.update' && Number(a.object_id) === stationId, 'jurisdiction.update');
    has((a) => a.action === 'jurisdiction.read' && Number(a.object_id) === stationId, 'jurisdiction.read');
    has((a) => a.action === 'jurisdiction.list' && a.actor_user_id === analyst, 'jurisdiction.list');
    has((a) => a.action === 'deliverable.create' && a.object_type === 'deliverable', 'deliverable.create');
    has((a) => a.action === 'deliverable.update', 'deliverable.update');
    has((a) => a.action === 'deliverable.list', 'deliverable.list');
    has((a) => a.action === 'deliverable.read', 'deliverable.read');
    has((a) => a.action === 'program.read' && a.object_type === 'program', 'program.read');
    const sup = await srv.userId('supervisor');
    has((a) => a.action === 'program.create' && a.outcome === 'denied' && a.actor_user_id === sup, 'denied create');
    has((a) => a.action === 'program.update' && a.outcome === 'denied' && a.actor_user_id === sup, 'denied update');
    const responder = await srv.userId('responder');
    has((a) => a.action === 'program.read' && a.outcome === 'denied' && a.actor_user_id === responder, 'denied read');
    /* a refused change leaves no success entry behind */
    const ok = items.filter((a) => a.action === 'jurisdiction.create' && a.outcome === 'ok').length;
    /* the suite's own: two "(test)" rows and "Perm test city" */
    const made = (await U.as('analyst').get(`${J}?q=test`)).body.items.length;
    assert.equal(made, 3);
    assert.equal(ok, made, 'one entry per jurisdiction created through the API');
  });
});
