// `haven demo --scale N --seed S`: ten years of synthetic history. Checks
// the shape of what it writes (with the sqlite3 shell), that it is what the
// workflow would have left (closed cases, consistent times and clocks,
// encrypted names), that the outcomes API counts it, that one seed draws
// one history, that a second run adds more, and that it refuses a database
// `haven demo` did not make.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { haven, sqlite, startServer } from '../lib/api.mjs';

const YEAR = 365.25 * 24 * 3600 * 1000;
const VICE = "(charge_code LIKE 'PC 647(b)%' OR charge_code LIKE 'PC 653.22%' OR charge_code LIKE 'PC 653.23%')";

/** Runs SQL in the sqlite3 shell; the rows as arrays of strings. */
async function rows(db, sql) {
  const r = await sqlite(db, `.mode list\n.separator |\n${sql}\n`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

async function one(db, sql) {
  const r = await rows(db, sql);
  return Number(r[0][0]);
}

/** Counts that must come out the same for the same seed (of the history
 * after the plain demo's BASE referrals: a server run on the database since
 * may have fired the demo's open clocks). */
async function counts(db, base) {
  const [[referrals, youth, events, arrests, jh, awol, mdts]] = await rows(db, `
    SELECT (SELECT COUNT(*) FROM referral), (SELECT COUNT(*) FROM youth),
           (SELECT COUNT(*) FROM case_event WHERE referral_id > ${base}), (SELECT COUNT(*) FROM arrest),
           (SELECT COUNT(*) FROM referral WHERE initial_decision = 'juvenile_hall'),
           (SELECT COUNT(*) FROM referral WHERE status_72h = 'runaway_awol'),
           (SELECT COUNT(*) FROM mdt_meeting);`);
  return { referrals, youth, events, arrests, jh, awol, mdts };
}

describe('haven demo --scale', () => {
  let root;
  let dir;
  let db;
  let base; // referrals of the plain demo
  let out;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'haven-scale-'));
    const plain = path.join(root, 'plain');
    assert.equal((await haven(['demo', '--data', plain])).code, 0);
    base = await one(path.join(plain, 'haven.db'), 'SELECT COUNT(*) FROM referral;');
    dir = path.join(root, 'a');
    db = path.join(dir, 'haven.db');
    out = await haven(['demo', '--data', dir, '--scale', '3000', '--seed', '7']);
    assert.equal(out.code, 0, out.stderr);
  });
  after(async () => {
    if (root && !process.env.HAVEN_KEEP_TMP) await rm(root, { recursive: true, force: true });
  });

  it('prints progress every 10% and a closing line with what it wrote', () => {
    const steps = out.stderr.match(/demo --scale: \d+% /g) || [];
    assert.equal(steps.length, 10, out.stderr);
    const m = /demo --scale: 3000 referrals, (\d+) youth, (\d+) events, (\d+) arrests in [\d.]+ s/.exec(out.stderr);
    assert.ok(m, out.stderr);
    // the plain demo's sign-ins are printed as before
    assert.match(out.stdout, /Demo sign-ins/);
  });

  it('adds 3000 referrals, every one closed, and leaves the dispatch board as the demo made it', async () => {
    assert.equal(await one(db, 'SELECT COUNT(*) FROM referral;'), base + 3000);
    const [[open, closedNoTime, future]] = await rows(db, `
      SELECT (SELECT COUNT(*) FROM referral WHERE state <> 'closed'),
             (SELECT COUNT(*) FROM referral WHERE state = 'closed' AND closed_at IS NULL),
             (SELECT COUNT(*) FROM referral WHERE closed_at > ${Date.now()});`);
    const plainOpen = await one(path.join(root, 'plain', 'haven.db'),
      "SELECT COUNT(*) FROM referral WHERE state <> 'closed';");
    assert.equal(Number(open), plainOpen);
    assert.equal(Number(closedNoTime), 0);
    assert.equal(Number(future), 0);
    // no clock of the history is waiting for the scheduler
    assert.equal(await one(db, `SELECT COUNT(*) FROM deadline d JOIN referral r ON r.id = d.referral_id
      WHERE r.state = 'closed' AND d.next_fire_at IS NOT NULL;`), 0);
  });

  it('spreads the referrals from the first go-live (2014-08-15) to now, at least ten years', async () => {
    const now = Date.now();
    const first = Date.parse('2014-08-15T07:00:00Z');
    const span = Math.max(now - first, 10 * YEAR);
    const [[min, max]] = await rows(db, `SELECT MIN(encountered_at), MAX(encountered_at) FROM referral WHERE id > ${base};`);
    assert.ok(Number(min) >= now - span - 2 * 86400000, `first referral ${new Date(Number(min)).toISOString()}`);
    assert.ok(Number(min) < first + 60 * 86400000, 'the history starts with the protocol');
    assert.ok(Number(max) <= now);
    const r = await rows(db, `SELECT CAST((${now} - encountered_at) / ${YEAR} AS INT) AS y, COUNT(*)
      FROM referral WHERE id > ${base} GROUP BY y ORDER BY y;`);
    const years = Object.fromEntries(r.map(([y, n]) => [Number(y), Number(n)]));
    const want = Math.ceil(span / YEAR);
    assert.deepEqual(Object.keys(years).map(Number), [...Array(want).keys()], JSON.stringify(years));
    for (const y of Object.keys(years).slice(0, -1)) assert.ok(years[y] >= 3000 * 0.03, `year ${y}: ${years[y]}`);
    // more referrals in recent years than in the first (the program grew)
    assert.ok(years[1] > years[want - 2], JSON.stringify(years));
  });

  it('places referrals or arrests at every station, and few referrals before a go-live', async () => {
    const r = await rows(db, `SELECT s.id,
        (SELECT COUNT(*) FROM referral x WHERE x.station_id = s.id AND x.id > ${base}),
        (SELECT COUNT(*) FROM arrest a WHERE a.station_id = s.id) FROM station s;`);
    assert.ok(r.length >= 9);
    for (const [id, refs, arrests] of r) assert.ok(Number(refs) + Number(arrests) > 0, `station ${id}`);
    const early = await one(db, `SELECT COUNT(*) FROM referral x JOIN station s ON s.id = x.station_id
      WHERE x.id > ${base} AND s.go_live_date IS NOT NULL AND date(x.encountered_at / 1000, 'unixepoch') < s.go_live_date;`);
    assert.ok(early <= 3000 * 0.01, `${early} referrals before a go-live`);
  });

  it('recovers about 15% of youth again (some three times or more), at 11-17, mostly girls', async () => {
    const [[n, distinct]] = await rows(db,
      `SELECT COUNT(*), COUNT(DISTINCT youth_id) FROM referral WHERE id > ${base};`);
    const repeat = (Number(n) - Number(distinct)) / Number(n);
    assert.ok(repeat >= 0.08 && repeat <= 0.25, `repeat share ${repeat}`);
    assert.ok(await one(db, `SELECT COUNT(*) FROM (SELECT youth_id FROM referral WHERE id > ${base}
      GROUP BY youth_id HAVING COUNT(*) >= 3);`) > 0);
    const [[avg, lo, hi]] = await rows(db, `SELECT AVG(estimated_age), MIN(estimated_age), MAX(estimated_age)
      FROM youth WHERE id IN (SELECT youth_id FROM referral WHERE id > ${base});`);
    assert.ok(Number(avg) >= 15 && Number(avg) <= 16.5, `average age ${avg}`);
    assert.ok(Number(lo) >= 11 && Number(hi) <= 17, `${lo}..${hi}`);
    const female = await one(db, `SELECT AVG(gender IN ('female', 'transgender_female')) FROM youth`);
    assert.ok(female > 0.8, `${female}`);
  });

  it('writes about ten timeline entries per referral, in order, with the workflow\'s kinds', async () => {
    const per = await one(db, `SELECT COUNT(*) * 1.0 / 3000 FROM case_event WHERE referral_id > ${base};`);
    assert.ok(per >= 8 && per <= 14, `${per} events per referral`);
    const kinds = new Set((await rows(db, `SELECT DISTINCT kind FROM case_event WHERE referral_id > ${base};`)).map((r) => r[0]));
    for (const k of ['referral.opened', 'referral.acknowledged', 'lead.arrived', 'advocate.arrived',
      'mdt.initial', 'status.72h', 'referral.closed', 'clock.warning', 'clock.missed']) {
      assert.ok(kinds.has(k), k);
    }
    // each referral opens and closes its timeline; ids follow the times
    assert.equal(await one(db, `SELECT COUNT(*) FROM referral r WHERE r.id > ${base} AND
      (SELECT kind FROM case_event e WHERE e.referral_id = r.id ORDER BY id LIMIT 1) <> 'referral.opened';`), 0);
    assert.equal(await one(db, `SELECT COUNT(*) FROM case_event a JOIN case_event b
      ON b.referral_id = a.referral_id AND b.id = a.id + 1 WHERE a.referral_id > ${base} AND b.at < a.at;`), 0);
    const detail = await one(db, `SELECT COUNT(*) FROM case_event WHERE referral_id > ${base}
      AND detail IS NOT NULL AND json_valid(detail) = 0;`);
    assert.equal(detail, 0);
  });

  it('keeps every time in the order the response happens', async () => {
    const bad = await one(db, `SELECT COUNT(*) FROM referral WHERE id > ${base} AND NOT (
      encountered_at < created_at AND created_at < acknowledged_at
      AND (lead_en_route_at IS NULL OR lead_en_route_at > acknowledged_at)
      AND (lead_arrived_at IS NULL OR (lead_arrived_at > acknowledged_at
           AND (lead_en_route_at IS NULL OR lead_arrived_at > lead_en_route_at)))
      AND (advocate_arrived_at IS NULL OR advocate_arrived_at > advocate_notified_at)
      AND (status_72h_at IS NULL OR status_72h_at > encountered_at)
      AND closed_at >= MAX(COALESCE(lead_arrived_at, 0), COALESCE(advocate_arrived_at, 0),
                           COALESCE(status_72h_at, 0), COALESCE(whereabouts_at, 0),
                           COALESCE(advocacy_closed_at, 0)));`);
    assert.equal(bad, 0);
    // the lead mostly arrives 30-80 minutes after the call, some after 90
    const [[mostly, late]] = await rows(db, `SELECT
      AVG((lead_arrived_at - created_at) BETWEEN 30 * 60000 AND 80 * 60000),
      AVG(lead_arrived_at - created_at > 90 * 60000) FROM referral WHERE id > ${base} AND lead_arrived_at IS NOT NULL;`);
    assert.ok(Number(mostly) > 0.7, `${mostly}`);
    assert.ok(Number(late) > 0.02 && Number(late) < 0.2, `${late}`);
  });

  it('leaves each clock met, or stopped at the close, missed when it ran past due', async () => {
    const r = await rows(db, `SELECT kind, COUNT(*) FROM deadline WHERE referral_id > ${base} GROUP BY kind;`);
    const kinds = Object.fromEntries(r.map(([k, n]) => [k, Number(n)]));
    for (const k of ['lead_response', 'advocate_response', 'medical_hub', 'status_72h', 'advocacy']) {
      assert.equal(kinds[k], 3000, `${k}: ${JSON.stringify(kinds)}`);
    }
    const bad = await one(db, `SELECT COUNT(*) FROM deadline d JOIN referral r ON r.id = d.referral_id
      WHERE d.referral_id > ${base} AND NOT (
        (d.state = 'met' AND d.met_at IS NOT NULL AND d.stopped_at IS NULL
          AND (d.met_at <= d.due_at) = (d.missed_at IS NULL))
        OR (d.state = 'stopped' AND d.met_at IS NULL AND d.stopped_at = r.closed_at
          AND (d.stopped_at > d.due_at) = (d.missed_at IS NOT NULL)))
        OR (d.missed_at IS NOT NULL AND d.missed_at < d.due_at)
        OR (d.warned_at IS NOT NULL AND d.warned_at < d.warn_at);`);
    assert.equal(bad, 0);
    // a referral's clock is met when the workflow's record says so
    assert.equal(await one(db, `SELECT COUNT(*) FROM deadline d JOIN referral r ON r.id = d.referral_id
      WHERE d.referral_id > ${base} AND d.kind = 'lead_response'
      AND COALESCE(d.met_at, -1) <> COALESCE(r.lead_arrived_at, -1);`), 0);
    assert.equal(await one(db, `SELECT COUNT(*) FROM deadline d JOIN appointment a ON a.referral_id = d.referral_id
      WHERE d.referral_id > ${base} AND d.kind = 'medical_hub'
      AND COALESCE(d.met_at, -1) <> COALESCE(a.attended_at, -1);`), 0);
  });

  it('records the MDT decision, juvenile hall reasons with detentions, and statuses', async () => {
    assert.equal(await one(db, `SELECT COUNT(*) FROM referral r WHERE r.id > ${base} AND
      COALESCE(r.initial_decision, '') <> COALESCE((SELECT decision FROM mdt_meeting m
        WHERE m.referral_id = r.id AND m.kind = 'initial'), '');`), 0);
    assert.equal(await one(db, `SELECT COUNT(*) FROM mdt_meeting WHERE referral_id > ${base}
      AND (decision = 'juvenile_hall') <> (juvenile_hall_reason IS NOT NULL);`), 0);
    assert.equal(await one(db, `SELECT COUNT(*) FROM referral WHERE id > ${base} AND initial_decision = 'juvenile_hall'`),
      await one(db, `SELECT COUNT(*) FROM detention WHERE referral_id > ${base}`));
    assert.equal(await one(db, `SELECT COUNT(*) FROM referral r WHERE r.id > ${base} AND status_72h IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM status_history h WHERE h.referral_id = r.id AND h.kind = 'status_72h'
      AND h.status = r.status_72h AND h.at = r.status_72h_at);`), 0);
    const decisions = await rows(db, `SELECT initial_decision, COUNT(*) FROM referral WHERE id > ${base}
      AND initial_decision IS NOT NULL GROUP BY 1;`);
    assert.ok(decisions.length >= 7, JSON.stringify(decisions));
  });

  it('encrypts youth names and dates of birth, with blind indexes', async () => {
    const [[blobs, keyed, plain]] = await rows(db, `SELECT
      SUM(typeof(first_name) = 'blob'), SUM(typeof(name_key) = 'blob' AND length(name_key) = 32),
      SUM(CAST(first_name AS TEXT) GLOB '[A-Z][a-z]*' OR CAST(dob AS TEXT) GLOB '[12][0-9][0-9][0-9]-*')
      FROM youth;`);
    const youth = await one(db, 'SELECT COUNT(*) FROM youth;');
    assert.equal(Number(blobs), youth);
    assert.equal(Number(keyed), youth);
    assert.equal(Number(plain), 0);
  });

  it('arrests minors for prostitution-related charges far more before a pilot station\'s go-live than since', async () => {
    const now = Date.now();
    const r = await rows(db, `SELECT s.id, s.go_live_date,
        (SELECT COUNT(*) FROM arrest a WHERE a.station_id = s.id AND ${VICE}
          AND a.arrested_on < s.go_live_date
          AND a.arrested_on >= date(s.go_live_date, '-' || CAST(julianday(date(${now} / 1000, 'unixepoch')) - julianday(s.go_live_date) AS INT) || ' days')),
        (SELECT COUNT(*) FROM arrest a WHERE a.station_id = s.id AND ${VICE} AND a.arrested_on >= s.go_live_date)
      FROM station s WHERE s.go_live_date = '2014-08-15';`);
    assert.equal(r.length, 3);
    for (const [id, , before, since] of r) {
      assert.ok(Number(before) > 30, `station ${id}: ${before} before`);
      assert.ok(Number(before) >= 4 * Number(since), `station ${id}: ${before} before, ${since} since`);
    }
    // identified youth are arrested for other things too, ranked as the Board asked
    const charges = await rows(db, `SELECT charge_code, COUNT(DISTINCT youth_id) FROM arrest
      WHERE youth_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC;`);
    assert.ok(charges.length >= 8, JSON.stringify(charges));
    assert.equal(await one(db, `SELECT COUNT(*) FROM arrest WHERE age_at_arrest NOT BETWEEN 10 AND 17;`), 0);
  });

  it('rebuilds the outcomes rollup, and the dashboard counts the history', async () => {
    assert.equal(await one(db, 'SELECT COUNT(*) FROM referral_fact;'), base + 3000);
    const avg = await one(db, `SELECT AVG(age) FROM referral_fact WHERE referral_id > ${base};`);
    assert.ok(avg >= 15 && avg <= 16.5, `average age at recovery ${avg}`);
    const srv = await startServer({ dataDir: dir });
    try {
      const s = await srv.session('analyst');
      const r = await srv.get('/api/v1/outcomes', { session: s });
      assert.equal(r.status, 200, r.text);
      const h = Object.fromEntries(r.body.headline.map((x) => [x.key, x.value]));
      assert.equal(h.recoveries, base + 3000);
      assert.equal(h.unique_individuals, await one(db, 'SELECT COUNT(DISTINCT youth_id) FROM referral;'));
      assert.ok(h.arrests_before > 4 * h.arrests_since, JSON.stringify(h));
    } finally {
      await srv.cleanup();
    }
  });

  it('draws the same history from the same seed, another from another seed', async () => {
    const again = path.join(root, 'b');
    const r = await haven(['demo', '--data', again, '--scale', '3000', '--seed', '7']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await counts(path.join(again, 'haven.db'), base), await counts(db, base));
    const other = path.join(root, 'c');
    const o = await haven(['demo', '--data', other, '--scale', '3000', '--seed', '8']);
    assert.equal(o.code, 0, o.stderr);
    assert.notDeepEqual(await counts(path.join(other, 'haven.db'), base), await counts(db, base));
  });

  it('adds more history to a demo database that has some', async () => {
    const other = path.join(root, 'c');
    const before0 = await one(path.join(other, 'haven.db'), 'SELECT COUNT(*) FROM referral;');
    const r = await haven(['demo', '--data', other, '--scale', '500', '--seed', '9']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Demo sign-ins/);
    const odb = path.join(other, 'haven.db');
    assert.equal(await one(odb, 'SELECT COUNT(*) FROM referral;'), before0 + 500);
    assert.equal(await one(odb, 'SELECT COUNT(*) FROM referral_fact;'), before0 + 500);
    assert.equal(await one(odb, 'SELECT COUNT(DISTINCT number) FROM referral;'), before0 + 500);
  });

  it('refuses a database haven demo did not make, and bad numbers', async () => {
    const real = path.join(root, 'real');
    assert.equal((await haven(['migrate', '--data', real])).code, 0);
    const rdb = path.join(real, 'haven.db');
    const now = Date.now();
    const ins = await sqlite(rdb, `INSERT INTO agency (name, kind, created_at, updated_at) VALUES ('County Probation', 'probation_ctu', ${now}, ${now});
      INSERT INTO app_user (username, display_name, agency_id, password_hash, created_at, updated_at) VALUES ('someone', 'Someone', 1, 'x', ${now}, ${now});`);
    assert.equal(ins.code, 0, ins.stderr);
    const r = await haven(['demo', '--data', real, '--scale', '10']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /only to a database that `haven demo` made/);
    assert.equal(await one(rdb, 'SELECT COUNT(*) FROM referral;'), 0);
    for (const bad of [['--scale', '0'], ['--scale', 'ten'], ['--scale', '20000001'], ['--scale', '5', '--seed', '-1']]) {
      const b = await haven(['demo', '--data', path.join(root, 'never'), ...bad]);
      assert.equal(b.code, 2, `${bad.join(' ')}: ${b.stderr}`);
      assert.match(b.stderr, /usage: haven demo/);
    }
  });
});
