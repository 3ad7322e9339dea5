// The outcomes dashboard (docs/metrics.md) on a hand-built fixture whose
// answers are worked out here: six recoveries of four youth at two new
// stations, their MDT decisions, statuses and response times, arrests before
// and since a go-live, charges of the identified youth. Then small-cell
// suppression (primary and complementary), the filters, validation, who may
// read it, and the audit entry. The rollup is kept on write, so every figure
// below comes from changes made through the API a moment before.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { expectProblem, haven, startServer } from '../lib/api.mjs';
import { MIN, Users, demoIds, intake, iso } from '../lib/protocol.mjs';

const REF = '/api/v1/referrals';
const at = (s) => Date.parse(s);

const table = (doc, id) => {
  const t = doc.tables.find((x) => x.id === id);
  assert.ok(t, `table ${id}`);
  return t;
};
const row = (t, label) => {
  const r = t.rows.find((x) => x.label === label);
  assert.ok(r, `${t.id}: row ${label}`);
  return r;
};
const headline = (doc, key) => doc.headline.find((h) => h.key === key);

describe('outcomes on a hand-built fixture', () => {
  let srv;
  let U;
  let ids;
  let north;
  let south;
  const youth = {};

  const setClock = async (ms) => {
    const r = await srv.post('/api/v1/test/clock', { now: iso(ms) }, { admin: true });
    assert.equal(r.status, 200, r.text);
  };
  const ev = async (id, json) => {
    const r = await U.as('martsuper').post(`${REF}/${id}/events`, json);
    assert.equal(r.status, 200, r.text);
  };
  const add = async (id, what, json) => {
    const r = await U.as('martsuper').post(`${REF}/${id}/${what}`, json);
    assert.equal(r.status, 201, r.text);
  };

  // One recovery through the whole workflow, at time T (ms).
  const recover = async (t, { who, station, arriveMin, decision, jh, s72, where }) => {
    await setClock(t);
    const body = intake(ids, t, { station_id: station, probation_involvement: 'none' });
    if (youth[who.key]) {
      delete body.youth;
      body.youth_id = youth[who.key];
    } else {
      body.youth = { first_name: 'Fixture', last_name: who.key, dob: who.dob, gender: 'female' };
    }
    const r = await U.as('hotline').post(REF, body);
    assert.equal(r.status, 201, r.text);
    const id = r.body.referral.id;
    youth[who.key] = r.body.referral.youth_id;
    await ev(id, { event: 'acknowledge' });
    await ev(id, { event: 'en_route', as: 'lead' });
    await setClock(t + arriveMin * MIN);
    await ev(id, { event: 'arrive', as: 'lead' });
    await add(id, 'mdt', {
      kind: 'initial', held_at: iso(t + arriveMin * MIN), members: 'youth, lead', decision,
      ...(jh ? { juvenile_hall_reason: jh } : {}),
    });
    await add(id, 'status', { kind: 'status_72h', status: s72 });
    await add(id, 'status', { kind: 'whereabouts', status: where });
    return id;
  };

  const arrest = async (station, on, code, age, youthId) => {
    const r = await srv.post('/api/v1/arrests', {
      station_id: station, arrested_on: on, charge_code: code,
      charge_description: `charge ${code}`, age_at_arrest: age, ...(youthId ? { youth_id: youthId } : {}),
    }, { admin: true });
    assert.equal(r.status, 201, r.text);
  };

  const outcomes = async (q, user = 'analyst') => {
    const r = await U.as(user).get(`/api/v1/outcomes?${q}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };

  before(async () => {
    // threshold 2: counts of 1 are suppressed, so the exact figures show
    srv = await startServer({ config: '[report]\nsuppression_threshold = 2\n' });
    U = new Users(srv);
    ids = await demoIds(srv);
    const mk = async (name, goLive) => {
      const r = await srv.post('/api/v1/stations', {
        agency_id: ids.lasd, name, jurisdiction: 'fixture', ...(goLive ? { go_live_date: goLive } : {}),
      }, { admin: true });
      assert.equal(r.status, 201, r.text);
      return r.body.id;
    };
    // sign in first: a second-factor sign-in may move the test clock
    for (const u of ['hotline', 'martsuper', 'analyst']) await U.session(u);
    north = await mk('Fixture North Station', '2015-01-01');
    south = await mk('Fixture South Station', null);

    // Four youth; A and B are recovered twice. Ages at recovery:
    // A 14, 14; B 15, 15; C 16; D 17 -> average 91 / 6 = 15.1667.
    const A = { key: 'A', dob: '2000-06-01' };
    const B = { key: 'B', dob: '1999-06-01' };
    const C = { key: 'C', dob: '1998-06-01' };
    const D = { key: 'D', dob: '1997-06-01' };
    const base = { s72: 'home_with_family', where: 'home' };
    await recover(at('2015-01-10T18:00:00Z'), { ...base, who: A, station: north, arriveMin: 30, decision: 'returned_home' });
    await recover(at('2015-01-20T18:00:00Z'), { ...base, who: B, station: north, arriveMin: 40, decision: 'soda_pad_bed', s72: 'soda_pad_bed' });
    await recover(at('2015-02-05T18:00:00Z'), { ...base, who: C, station: south, arriveMin: 50, decision: 'returned_home' });
    await recover(at('2015-02-15T18:00:00Z'), { ...base, who: D, station: north, arriveMin: 60, decision: 'soda_pad_bed', s72: 'soda_pad_bed', where: 'placement' });
    await recover(at('2015-03-01T18:00:00Z'), { ...base, who: A, station: north, arriveMin: 100, decision: 'juvenile_hall', jh: 'warrant', s72: 'detained', where: 'detained' });
    await recover(at('2015-03-20T18:00:00Z'), { ...base, who: B, station: south, arriveMin: 110, decision: 'juvenile_hall', jh: 'warrant', s72: 'detained', where: 'runaway_awol' });

    await setClock(at('2015-07-01T18:00:00Z'));
    // Arrests of minors for prostitution-related charges at North, whose
    // go-live is 2015-01-01. Period 2014-07-01 .. 2015-06-30: the window
    // since go-live is 181 days, so the window before is 2014-07-04 ..
    // 2014-12-31: five arrests in it (one under PC 653.22); 2014-06-01 and
    // 2014-07-02 fall outside; an adult's arrest never counts.
    for (const d of ['2014-08-01', '2014-09-01', '2014-10-01', '2014-11-01']) await arrest(north, d, 'PC 647(b)', 16);
    await arrest(north, '2014-12-15', 'PC 653.22', 15);
    await arrest(north, '2014-06-01', 'PC 647(b)', 16);
    await arrest(north, '2014-07-02', 'PC 647(b)', 16);
    await arrest(north, '2014-08-02', 'PC 647(b)', 19);
    for (const d of ['2015-02-01', '2015-03-01']) await arrest(north, d, 'PC 647(b)', 16);
    // The identified youth's arrests, at South (no go-live):
    // A: 647(b) x2, 459 x1; B: 647(b) x1, 459 x1; C: WIC 602 x1.
    await arrest(south, '2015-04-01', 'PC 647(b)', 14, youth.A);
    await arrest(south, '2015-04-02', 'PC 647(b)', 14, youth.A);
    await arrest(south, '2015-04-03', 'PC 459', 14, youth.A);
    await arrest(south, '2015-04-04', 'PC 647(b)', 15, youth.B);
    await arrest(south, '2015-04-05', 'PC 459', 15, youth.B);
    await arrest(south, '2015-04-06', 'WIC 602', 16, youth.C);
  });
  after(async () => { await srv?.cleanup(); });

  const period = 'from=2014-07-01&to=2015-06-30';
  const both = () => `${period}&station_id=${north},${south}`;

  it('recoveries, unique individuals, average age and repeat recoveries', async () => {
    const d = await outcomes(both());
    assert.deepEqual(d.period, { from: '2014-07-01', to: '2015-06-30' });
    assert.equal(d.threshold, 2);
    assert.equal(headline(d, 'recoveries').value, 6);
    assert.equal(headline(d, 'unique_individuals').value, 4);
    assert.ok(Math.abs(headline(d, 'average_age').value - 91 / 6) < 1e-9);
    assert.equal(headline(d, 'repeat_recoveries').value, 2);
    const rep = table(d, 'repeat_recoveries');
    assert.equal(row(rep, 'First recovery').n, 4);
    assert.equal(row(rep, 'Second recovery').n, 2);
    assert.equal(rep.total.n, 6);
  });

  it('age distribution: 14 and 15 twice each; 16 and 17 once each, so both suppressed', async () => {
    const t = table(await outcomes(both()), 'age');
    assert.equal(row(t, '14').n, 2);
    assert.equal(row(t, '14').share, 2 / 6);
    assert.equal(row(t, '15').n, 2);
    assert.equal(row(t, '16').n, null);
    assert.deepEqual(row(t, '16').suppressed, ['n', 'share']);
    assert.equal(row(t, '17').n, null);
    assert.equal(t.total.n, 6);
  });

  it('identification by station, initial decisions, juvenile hall reasons, 72-hour status, where youth are now', async () => {
    const d = await outcomes(both());
    const st = table(d, 'identification_station');
    assert.equal(row(st, 'Fixture North Station').n, 4);
    assert.equal(row(st, 'Fixture South Station').n, 2);
    const dec = table(d, 'initial_decision');
    assert.equal(row(dec, 'Returned home').n, 2);
    assert.equal(row(dec, 'SODA/PAD bed').n, 2);
    assert.equal(row(dec, 'Juvenile hall').n, 2);
    assert.equal(row(table(d, 'juvenile_hall_reason'), 'Warrant').n, 2);
    const s72 = table(d, 'status_72h');
    assert.equal(row(s72, 'Home with family').n, 2);
    assert.equal(row(s72, 'SODA/PAD bed').n, 2);
    assert.equal(row(s72, 'Detained').n, 2);
    // each youth once, from the latest recovery: A detained, B runaway,
    // C home, D placement -> every cell is 1, so all are suppressed, but
    // the total (4 youth) stands.
    const w = table(d, 'whereabouts');
    assert.equal(w.total.n, 4);
    for (const r of w.rows) assert.equal(r.n, null, r.label);
  });

  it('response times: four of six lead responders on time; median 55 minutes', async () => {
    const t = table(await outcomes(both()), 'response_times');
    const lead = t.rows[0];
    assert.match(lead.label, /Lead responder/);
    assert.equal(lead.on_time, 4);
    assert.equal(lead.late, 2);
    assert.equal(lead.clocks, 6);
    assert.ok(Math.abs(lead.share_met - 4 / 6) < 1e-9);
    assert.equal(lead.median_minutes, 55);
    const d = await outcomes(both());
    assert.ok(Math.abs(headline(d, 'lead_met').value - 4 / 6) < 1e-9);
  });

  it('arrests before and since go-live over equal windows; by station and year', async () => {
    const d = await outcomes(both());
    const ba = table(d, 'arrests_before_after');
    const n = row(ba, 'Fixture North Station');
    assert.equal(n.go_live, '2015-01-01');
    assert.equal(n.window_days, 181);
    assert.equal(n.before, 5);
    assert.equal(n.after, 2);
    assert.ok(Math.abs(n.change - (2 - 5) / 5) < 1e-9);
    assert.equal(ba.rows.some((r) => r.label === 'Fixture South Station'), false, 'no go-live, no row');
    assert.equal(headline(d, 'arrests_before').value, 5);
    assert.equal(headline(d, 'arrests_since').value, 2);
    const g = table(d, 'arrests_by_station_year');
    // North: 2014-07-02, Aug, Sep, Oct, Nov, Dec (the adult never) = 6; 2015: 2.
    assert.equal(row(g, 'Fixture North Station').y2014, 6);
    assert.equal(row(g, 'Fixture North Station').y2015, 2);
    // South: the three 647(b) arrests of A and B in April 2015.
    assert.equal(row(g, 'Fixture South Station').y2015, 3);
    assert.equal(g.total.total, 11);
  });

  it('charges of the identified youth, ranked, with prevalence; a lone charge is suppressed with a complement', async () => {
    const t = table(await outcomes(both()), 'charges');
    assert.deepEqual(t.rows.map((r) => r.label), ['PC 647(b)', 'PC 459', 'WIC 602']);
    const pb = t.rows[0];
    assert.equal(pb.arrests, 3);
    assert.equal(pb.youth, 2);
    assert.equal(pb.prevalence, 2 / 4);
    // WIC 602: one arrest of one youth: suppressed; the arrests column adds
    // up to the total, so the smallest other cell (PC 459's 2) goes too.
    assert.equal(t.rows[2].arrests, null);
    assert.equal(t.rows[2].youth, null);
    assert.equal(t.rows[1].arrests, null, 'complementary suppression');
    assert.equal(t.rows[1].youth, 2, 'youth are not additive: no complement needed');
    assert.equal(t.total.arrests, 6);
    assert.equal(t.total.youth, 3);
    assert.equal(t.total.prevalence, 3 / 4);
  });

  it('filters: one station, a lead agency, an agency, a month, and a period with nothing', async () => {
    const n = await outcomes(`${period}&station_id=${north}`);
    assert.equal(headline(n, 'recoveries').value, 4);
    assert.equal(headline(n, 'unique_individuals').value, 3);
    const lead = await outcomes(`${both()}&lead_agency_id=${ids.mart}`);
    assert.equal(headline(lead, 'recoveries').value, 6);
    const ctu = await outcomes(`${both()}&lead_agency_id=${ids.ctu}`);
    assert.equal(headline(ctu, 'recoveries').value, 0);
    const ag = await outcomes(`${both()}&agency_id=${ids.lasd}`);
    assert.equal(headline(ag, 'recoveries').value, 6);
    const jan = await outcomes(`from=2015-01&to=2015-01&station_id=${north},${south}`);
    assert.deepEqual(jan.period, { from: '2015-01-01', to: '2015-01-31' });
    assert.equal(headline(jan, 'recoveries').value, 2);
    assert.equal(table(jan, 'recoveries_by_month').rows.length, 1);
    const none = await outcomes(`from=2010-01-01&to=2010-12-31&station_id=${north}`);
    assert.equal(headline(none, 'recoveries').value, 0);
  });

  it('a change made through the API shows at once (the rollup is kept on write)', async () => {
    const before = headline(await outcomes(both()), 'recoveries').value;
    const t = at('2015-05-01T18:00:00Z');
    await recover(t, { who: { key: 'E', dob: '2001-06-01' }, station: north, arriveMin: 20, decision: 'returned_home', s72: 'home_with_family', where: 'home' });
    const d = await outcomes(both());
    assert.equal(headline(d, 'recoveries').value, before + 1);
    assert.equal(headline(d, 'unique_individuals').value, 5);
  });

  it('`haven facts rebuild` recomputes the rollup to the same figures, while the server runs', async () => {
    const before = await outcomes(both());
    const r = await haven(['facts', 'rebuild', '--data', srv.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /outcomes rollup rebuilt: \d+ referrals/);
    const afterRebuild = await outcomes(both());
    assert.deepEqual(afterRebuild.headline, before.headline);
    assert.deepEqual(afterRebuild.tables, before.tables);
  });

  // (after the seventh recovery above: youth E, 13)
  it('exports: one table as CSV, every table as XLSX or long CSV, suppressed cells as *', async () => {
    const csv = await U.as('analyst').get(`/api/v1/exports/outcomes?format=csv&table=age&${both()}`);
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.match(csv.headers.get('content-disposition'), /attachment; filename="haven-outcomes-2014-07-01-to-2015-06-30-age\.csv"/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], 'Age,Recoveries,Share');
    assert.ok(lines.includes('14,2,28.6%'), csv.text);
    assert.ok(lines.includes('16,*,*'), csv.text);
    assert.ok(lines.includes('Total,7,100.0%'), csv.text);
    assert.doesNotMatch(csv.text, /Fixture/, 'no names in an export');
    const long = await U.as('analyst').get(`/api/v1/exports/outcomes?format=csv&${both()}`);
    assert.equal(long.status, 200);
    assert.match(long.text, /^table_id,table,row,column,value\r\n/);
    assert.match(long.text, /charges,[^\r]*,WIC 602,Arrests,\*/);
    const x = await U.as('analyst').request('GET', `/api/v1/exports/outcomes?format=xlsx&${both()}`);
    assert.equal(x.status, 200);
    assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(x.headers.get('content-disposition'), /\.xlsx"$/);
    assert.ok(x.text.startsWith('PK'), 'a ZIP file');
    const prog = await U.as('analyst').get('/api/v1/exports/program?format=csv&table=deliverables');
    assert.equal(prog.status, 200, prog.text);
    expectProblem(assert, await U.as('analyst').get('/api/v1/exports/outcomes?format=pdf'), 400, 'invalid', 'format');
    expectProblem(assert, await U.as('analyst').get('/api/v1/exports/outcomes?format=csv&table=nope'), 400, 'invalid', 'table');
    assert.equal((await U.as('analyst').get('/api/v1/exports/secrets?format=csv')).status, 404);
    assert.equal((await U.as('responder').get('/api/v1/exports/outcomes?format=csv')).status, 403);
    assert.equal((await U.as('hotline').get('/api/v1/exports/program?format=xlsx')).status, 403);
  });

  it('validation names the field; only aggregate readers may look; each read is audited', async () => {
    expectProblem(assert, await U.as('analyst').get('/api/v1/outcomes?from=2015-13-01'), 400, 'invalid', 'from');
    expectProblem(assert, await U.as('analyst').get('/api/v1/outcomes?to=yesterday'), 400, 'invalid', 'to');
    expectProblem(assert, await U.as('analyst').get('/api/v1/outcomes?from=2015-02-01&to=2015-01-01'), 400, 'invalid', 'to');
    expectProblem(assert, await U.as('analyst').get('/api/v1/outcomes?station_id=1,x'), 400, 'invalid', 'station_id');
    expectProblem(assert, await U.as('analyst').get(`/api/v1/outcomes?agency_id=${Array(65).fill(1).join(',')}`), 400, 'invalid', 'agency_id');
    for (const u of ['hotline', 'responder', 'advocate', 'clinician', 'officer', 'editor', 'sitestaff']) {
      assert.equal((await U.as(u).get('/api/v1/outcomes')).status, 403, u);
    }
    for (const u of ['analyst', 'supervisor', 'admin']) {
      assert.equal((await U.as(u).get('/api/v1/outcomes')).status, 200, u);
    }
    const me = await U.as('analyst').get('/api/v1/me');
    assert.ok(me.body.can.includes('outcomes.read'));
    const audit = await srv.get('/api/v1/audit?limit=100', { admin: true });
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.body.items.some((a) => a.action === 'outcomes.read'));
  });
});

describe('de-identification with the default threshold (11), on ten years of synthetic history', () => {
  let srv;
  let U;
  let root;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'haven-outcomes-'));
    const dir = path.join(root, 'data');
    const d = await haven(['demo', '--scale', '3000', '--seed', '11', '--data', dir]);
    assert.equal(d.code, 0, d.stderr);
    srv = await startServer({ dataDir: dir });
    U = new Users(srv);
  });
  after(async () => {
    await srv?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // Every visible count is 0 or at least 11, and no sum a table shows has
  // exactly one hidden member, for every station alone and all together,
  // every year, every year at every station, and 150 random combinations
  // of stations, agencies, lead agencies and month ranges.
  it('no combination of filters shows a count from 1 to 10 or lets one be worked out', async () => {
    const st = (await srv.get('/api/v1/stations', { admin: true })).body.items;
    const ag = (await srv.get('/api/v1/agencies', { admin: true })).body.items;
    const filters = ['', `station_id=${st.map((s) => s.id).join(',')}`];
    for (const s of st) filters.push(`station_id=${s.id}`);
    for (let y = 2014; y <= 2026; y++) {
      filters.push(`from=${y}-01&to=${y}-12`);
      for (const s of st) filters.push(`from=${y}-01&to=${y}-12&station_id=${s.id}`);
    }
    let seed = 42;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pick = (items) => items.filter(() => rnd(3) === 0).map((x) => x.id).join(',');
    for (let i = 0; i < 150; i++) {
      const y0 = 2014 + rnd(13);
      const m0 = 1 + rnd(12);
      const len = 1 + rnd(36);
      const end = new Date(Date.UTC(y0, m0 - 1 + len - 1, 1));
      const q = [`from=${y0}-${String(m0).padStart(2, '0')}`,
        `to=${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, '0')}`];
      const stations = pick(st);
      if (stations) q.push(`station_id=${stations}`);
      if (rnd(4) === 0) q.push(`agency_id=${pick(ag) || ag[0].id}`);
      if (rnd(4) === 0) q.push(`lead_agency_id=${ag.filter((a) => ['probation_ctu', 'dcfs_mart'].includes(a.kind))[rnd(2)].id}`);
      filters.push(q.join('&'));
    }
    let checked = 0;
    let shown = 0;
    for (const f of filters) {
      const r = await U.as('analyst').get(`/api/v1/outcomes?${f}`);
      assert.equal(r.status, 200, `${f}: ${r.text}`);
      const d = r.body;
      for (const h of d.headline) {
        if (h.type === 'count' && h.value !== null) assert.ok(h.value === 0 || h.value >= 11, `${f} ${h.key}=${h.value}`);
      }
      for (const t of d.tables) {
        const counts = t.columns.filter((c) => c.type === 'count');
        const cells = [...t.rows, ...(t.total ? [t.total] : [])];
        for (const row of cells) {
          for (const c of counts) {
            const v = row[c.key];
            if (v !== null && v !== undefined) {
              assert.ok(v === 0 || v >= 11, `${f} ${t.id} ${row.label} ${c.key}=${v}`);
              if (v > 0) shown++;
            }
            checked++;
          }
        }
        if (t.total) {
          for (const c of counts) {
            if (c.additive === false) continue;
            const hidden = cells.filter((row) => row[c.key] === null).length;
            assert.notEqual(hidden, 1, `${f} ${t.id} column ${c.key}: one hidden cell could be worked out`);
          }
        }
        if (t.grid) {
          const gk = t.grid.total;
          for (const row of cells) {
            const members = [...counts.filter((c) => c.key !== gk).map((c) => row[c.key]), row[gk]];
            assert.notEqual(members.filter((v) => v === null).length, 1, `${f} ${t.id} row ${row.label}`);
          }
        }
      }
    }
    assert.ok(filters.length > 250, `${filters.length} filters`);
    assert.ok(checked > 20000 && shown > 2000, `${checked} cells checked, ${shown} shown`);
  });
});
