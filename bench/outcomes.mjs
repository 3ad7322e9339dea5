// bench/outcomes.mjs - the outcomes dashboard against plain SQL, same data,
// same filters, same run (called by bench/outcomes.sh after it generated
// the history; usable alone on any demo data directory).
//
//   1. BENCH_FILTERS filters (default 24), drawn with a fixed seed: every
//      referral, the last year, random periods from a month to ten years,
//      one station, several stations, an identifying agency, a lead agency,
//      and combinations;
//   2. plain SQL: bench/outcomes.sql (every figure as GROUP BY over the raw
//      tables) in the sqlite3 shell for each filter, `.timer on`, after one
//      warm-up run; the time is the sum of the statements' real times;
//   3. haven: `haven serve` on the same directory, the analyst signed in,
//      one warm-up request, then BENCH_REQUESTS (default 240, at least 10
//      per filter) GET /api/v1/outcomes over the filters in turn;
//      p50/p95/p99 over all, and the median per filter;
//   4. per filter the ratio SQL time / haven median, and the headline
//      counts of both compared (recoveries, unique individuals).
// Writes bench/results/outcomes-latest.json and prints a summary.
//
// usage: node bench/outcomes.mjs DATA_DIR   (HAVEN_BIN as the tests)
// Env: BENCH_FILTERS, BENCH_REQUESTS, BENCH_SEED (filters, default 11),
//      BENCH_GEN (JSON from outcomes.sh: the generation's figures)
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { BIN, startServer } from '../tests/lib/api.mjs';

const TZ = 'America/Los_Angeles';
const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node bench/outcomes.mjs DATA_DIR');
  process.exit(2);
}
const db = path.join(dataDir, 'haven.db');
const NFILTERS = Number(process.env.BENCH_FILTERS || 24);
const NREQUESTS = Math.max(Number(process.env.BENCH_REQUESTS || 240), NFILTERS * 10);
let seed = Number(process.env.BENCH_SEED || 11) >>> 0;

// mulberry32: the filters are the same from run to run
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pickSome = (xs, n) => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n).sort((x, y) => x - y);
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

/** Runs SQL in the sqlite3 shell (county time zone); {code, stdout, stderr}. */
function sqlite3(sql, args = []) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', ['-bail', ...args, db], { env: { ...process.env, TZ } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(sql);
  });
}

async function query(sql) {
  const r = await sqlite3(sql, ['-json']);
  if (r.code !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// ---- county days -----------------------------------------------------------

const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const hourFmt = new Intl.DateTimeFormat('en-US', { timeZone: TZ, hour: 'numeric', hourCycle: 'h23' });
const countyDay = (ms) => dayFmt.format(new Date(ms));
const addDays = (day, n) => new Date(Date.parse(`${day}T12:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
/** The instant of county midnight starting DAY ("YYYY-MM-DD"). */
function countyMidnight(day) {
  const [y, m, d] = day.split('-').map(Number);
  let ms = Date.UTC(y, m - 1, d, 8); // PST
  if (Number(hourFmt.format(new Date(ms))) === 1) ms -= 3600000; // PDT
  return ms;
}

// ---- the filters -------------------------------------------------------------

const stations = await query('SELECT id, agency_id FROM station ORDER BY id');
const agencies = [...new Set(stations.map((s) => s.agency_id))];
const leads = (await query("SELECT id FROM agency WHERE kind IN ('probation_ctu', 'dcfs_mart') ORDER BY id")).map((a) => a.id);
const [{ first }] = await query(`SELECT MIN(d) AS first FROM (
  SELECT date(MIN(encountered_at) / 1000, 'unixepoch', 'localtime') AS d FROM referral
  UNION ALL SELECT MIN(arrested_on) FROM arrest)`);
const [{ referrals }] = await query('SELECT COUNT(*) AS referrals FROM referral');
const today = countyDay(Date.now());
const [{ hist }] = await query(`SELECT date(MIN(encountered_at) / 1000, 'unixepoch', 'localtime') AS hist FROM referral`);
const histDays = Math.round((Date.parse(today) - Date.parse(hist)) / 86400000);

function randomPeriod() {
  // from a month to the whole ten years, anywhere in the history
  const len = Math.max(30, Math.round(Math.exp(Math.log(30) + rand() * (Math.log(histDays) - Math.log(30)))));
  const start = Math.floor(rand() * Math.max(1, histDays - len));
  const from = addDays(hist, start);
  const to = addDays(from, len - 1) > today ? today : addDays(from, len - 1);
  return { from, to };
}

const filters = [{ name: 'all referrals', station_id: [], agency_id: [], lead_agency_id: [] },
  { name: 'last 12 months', from: addDays(today, -364), to: today, station_id: [], agency_id: [], lead_agency_id: [] }];
for (let i = 0; filters.length < NFILTERS; i++) {
  const f = { ...randomPeriod(), station_id: [], agency_id: [], lead_agency_id: [] };
  const kind = i % 6;
  if (kind === 1) f.station_id = pickSome(stations.map((s) => s.id), 1);
  if (kind === 2) f.station_id = pickSome(stations.map((s) => s.id), 2 + Math.floor(rand() * 3));
  if (kind === 3) f.agency_id = pickSome(agencies, 1);
  if (kind === 4) f.lead_agency_id = pickSome(leads, 1);
  if (kind === 5) {
    f.agency_id = pickSome(agencies, 1);
    const own = stations.filter((s) => s.agency_id === f.agency_id[0]).map((s) => s.id);
    f.station_id = pickSome(own, Math.max(1, Math.ceil(own.length / 2)));
    f.lead_agency_id = pickSome(leads, 1);
  }
  const what = [kind === 0 ? 'everywhere' : '',
    f.station_id.length ? `station ${f.station_id.join(',')}` : '',
    f.agency_id.length ? `agency ${f.agency_id.join(',')}` : '',
    f.lead_agency_id.length ? `lead ${f.lead_agency_id.join(',')}` : ''].filter(Boolean).join(', ');
  f.name = `${f.from}..${f.to} ${what}`;
  filters.push(f);
}

const apiPath = (f) => {
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  q.set('station_id', f.station_id.join(','));
  q.set('agency_id', f.agency_id.join(','));
  q.set('lead_agency_id', f.lead_agency_id.join(','));
  return `/api/v1/outcomes?${q}`;
};

// ---- plain SQL -------------------------------------------------------------------

const template = await readFile(new URL('./outcomes.sql', import.meta.url), 'utf8');
function sqlFor(f) {
  const fromDay = f.from || '0000-01-01';
  const toDay = f.to || today;
  const R = [f.station_id.length ? `AND r.station_id IN (${f.station_id})` : '',
    f.agency_id.length ? `AND r.identifying_agency_id IN (${f.agency_id})` : '',
    f.lead_agency_id.length ? `AND r.lead_agency_id IN (${f.lead_agency_id})` : ''].join(' ');
  const A = [f.station_id.length ? `AND a.station_id IN (${f.station_id})` : '',
    f.agency_id.length ? `AND a.station_id IN (SELECT id FROM station WHERE agency_id IN (${f.agency_id}))` : ''].join(' ');
  const S = [f.station_id.length ? `AND s.id IN (${f.station_id})` : '',
    f.agency_id.length ? `AND s.agency_id IN (${f.agency_id})` : ''].join(' ');
  const vals = { from_ms: f.from ? countyMidnight(f.from) : 0, to_ms: countyMidnight(addDays(toDay, 1)),
    from_day: fromDay, to_day: toDay, R, A, S };
  return template.split('\n').filter((l) => !l.startsWith('--')).join('\n')
    .replace(/\{(\w+)\}/g, (m, k) => (k in vals ? String(vals[k]) : m));
}

const resultFile = path.join(dataDir, 'outcomes-sql.txt');
async function runSql(f) {
  const t0 = performance.now();
  const r = await sqlite3(`.timer on\n.output ${resultFile}\n${sqlFor(f)}\n`);
  const wall = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`sqlite3 failed on ${f.name}: ${r.stderr}`);
  const times = [...r.stdout.matchAll(/Run Time: real ([\d.]+)/g)].map((m) => Number(m[1]));
  const first = (await readFile(resultFile, 'utf8')).split('\n')[0].split('|');
  return { seconds: times.reduce((a, b) => a + b, 0), wall, statements: times.length,
    recoveries: Number(first[0]), unique: Number(first[1]) };
}

console.error(`outcomes bench: ${referrals} referrals, ${filters.length} filters, ${NREQUESTS} requests`);
console.error('plain SQL: warm-up (every referral)');
await runSql(filters[0]);
const sql = [];
for (const f of filters) {
  const s = await runSql(f);
  sql.push(s);
  console.error(`  sql ${s.seconds.toFixed(2)} s  ${f.name}`);
}

// ---- haven ---------------------------------------------------------------------------

const srv = await startServer({ dataDir, testClock: false, adminToken: false });
const lat = filters.map(() => []);
const all = [];
let checks = 0;
const mismatches = [];
let hwm = null;
try {
  const s = await srv.session('analyst');
  const get = async (p) => {
    const t0 = performance.now();
    const res = await fetch(srv.url + p, { headers: { Cookie: s.cookie } });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${p}: ${res.status} ${text}`);
    return { ms, text };
  };
  const warm = await get(apiPath(filters[0]));
  console.error(`haven: warm-up ${warm.ms.toFixed(1)} ms`);
  for (let i = 0; i < NREQUESTS; i++) {
    const k = i % filters.length;
    const { ms, text } = await get(apiPath(filters[k]));
    lat[k].push(ms);
    all.push(ms);
    if (i < filters.length) {
      const h = Object.fromEntries(JSON.parse(text).headline.map((x) => [x.key, x.value]));
      for (const [key, ref] of [['recoveries', sql[k].recoveries], ['unique_individuals', sql[k].unique]]) {
        if (h[key] === null || h[key] === undefined) continue; // suppressed
        checks++;
        if (h[key] !== ref) mismatches.push(`${filters[k].name}: ${key} haven ${h[key]}, SQL ${ref}`);
      }
    }
  }
  const status = await readFile(`/proc/${srv.proc.pid}/status`, 'utf8').catch(() => '');
  hwm = Number((status.match(/VmHWM:\s+(\d+)/) || [])[1]) || null;
} finally {
  await srv.stop();
}

// ---- results ---------------------------------------------------------------------------

const rows = filters.map((f, k) => {
  const med = pct(lat[k], 50);
  return { filter: f.name, query: apiPath(f), sql_s: sql[k].seconds, sql_wall_s: sql[k].wall,
    recoveries: sql[k].recoveries, haven_p50_ms: med, haven_p95_ms: pct(lat[k], 95),
    ratio: (sql[k].seconds * 1000) / med };
});
const ratios = rows.map((r) => r.ratio);
const sumSql = rows.reduce((a, r) => a + r.sql_s, 0);
const sumHaven = rows.reduce((a, r) => a + r.haven_p50_ms, 0) / 1000;
const gen = process.env.BENCH_GEN ? JSON.parse(process.env.BENCH_GEN) : null;
const summary = {
  when: new Date().toISOString(), bin: BIN, referrals, generation: gen,
  filters: filters.length, requests: all.length,
  haven_ms: { p50: pct(all, 50), p95: pct(all, 95), p99: pct(all, 99), max: Math.max(...all) },
  haven_peak_rss_mb: hwm ? Math.round(hwm / 1024) : null,
  sql_s: { median: pct(rows.map((r) => r.sql_s), 50), min: Math.min(...rows.map((r) => r.sql_s)),
    max: Math.max(...rows.map((r) => r.sql_s)), statements: sql[0].statements },
  ratio: { overall: sumSql / sumHaven, median: pct(ratios, 50), min: Math.min(...ratios) },
  checks, mismatches, rows,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/outcomes-latest.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);

const w = Math.max(...rows.map((r) => r.filter.length));
console.log('==================== haven outcomes bench ====================');
if (gen) {
  console.log(`haven demo --scale ${gen.referrals}: ${gen.seconds} s (${gen.line})`);
  console.log(`database: ${gen.db_mb} MB; ${gen.rows}`);
}
console.log(`${'filter'.padEnd(w)}  ${'SQL s'.padStart(7)}  ${'haven p50 ms'.padStart(12)}  ${'SQL/haven'.padStart(9)}`);
for (const r of rows) {
  console.log(`${r.filter.padEnd(w)}  ${r.sql_s.toFixed(2).padStart(7)}  ${r.haven_p50_ms.toFixed(1).padStart(12)}  ${`${Math.round(r.ratio)}x`.padStart(9)}`);
}
console.log(`haven GET /api/v1/outcomes: ${all.length} requests over ${filters.length} filters: ` +
  `p50 ${summary.haven_ms.p50.toFixed(1)} ms, p95 ${summary.haven_ms.p95.toFixed(1)} ms, ` +
  `p99 ${summary.haven_ms.p99.toFixed(1)} ms (target p95 < 200 ms)` +
  (hwm ? `; peak RSS ${summary.haven_peak_rss_mb} MB` : ''));
console.log(`plain SQL (${sql[0].statements} GROUP BY statements a filter): median ${summary.sql_s.median.toFixed(2)} s, ` +
  `min ${summary.sql_s.min.toFixed(2)} s, max ${summary.sql_s.max.toFixed(2)} s a filter`);
console.log(`SQL / haven: overall ${Math.round(summary.ratio.overall)}x, median ${Math.round(summary.ratio.median)}x, ` +
  `min ${Math.round(summary.ratio.min)}x (target >= 10x)`);
console.log(`same counts: ${checks - mismatches.length}/${checks} headline cells agree with SQL` +
  (mismatches.length ? `; differ: ${mismatches.slice(0, 5).join('; ')}` : ''));
console.log('results: bench/results/outcomes-latest.json');
console.log('===============================================================');
