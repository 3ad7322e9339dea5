// bench/directory.mjs - the directory search over HTTP (called by
// bench/directory.sh after it built the database; usable alone on any data
// directory with services). `haven serve` on DATA_DIR, one warm-up pass,
// then BENCH_ROUNDS (default 5) passes over the same query mix as
// `haven directory search-bench` (words with near=ZIP, radius 5 and
// open_now around six ZIP codes; common and rare words without a place;
// filters only), sequential requests on one keep-alive connection;
// p50/p95/p99 per kind, with GET /healthz in the same run as the floor of
// an HTTP request here.
//
// usage: node bench/directory.mjs DATA_DIR   (HAVEN_BIN as the tests)
import { writeFile, mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

import { startServer } from '../tests/lib/api.mjs';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node bench/directory.mjs DATA_DIR');
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const ZIPS = ['90011', '90802', '91331', '90044', '91702', '93534'];
const WORDS = ['counseling', 'shelter', 'legal aid', 'food pantry', 'help', 'youth', 'mental health'];
const COMMON = ['help', 'youth', 'services', 'free'];
const RARE = ['acupuncture', 'tattoo', 'doula', 'braille'];
const queries = [];
for (const zip of ZIPS) for (const w of WORDS) queries.push(['text+radius+open', { search: w, near: zip, radius_mi: '5', open_now: 'true' }]);
for (const w of COMMON) queries.push(['common words (no place)', { search: w }]);
for (const w of RARE) queries.push(['rare words (no place)', { search: w }]);
for (const zip of ZIPS) queries.push(['filters only', { near: zip, radius_mi: '5', open_now: 'true', age: '16', free: 'true', language: 'es' }]);

const pct = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))] : 0;
};

const srv = await startServer({ dataDir, testClock: false, adminToken: false, config: '[directory]\nsearch_rate_per_minute = 1000000\n' });
try {
  const get = async (p) => {
    const t0 = performance.now();
    const r = await fetch(srv.url + p);
    const body = await r.text();
    const ms = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${body.slice(0, 300)}`);
    return ms;
  };
  const t0 = performance.now();
  await get('/api/directory/services?per_page=1');
  const firstMs = performance.now() - t0;
  for (const [, q] of queries) await get(`/api/directory/services?${new URLSearchParams(q)}`);
  const lat = new Map();
  const health = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, q] of queries) {
      const ms = await get(`/api/directory/services?${new URLSearchParams(q)}`);
      if (!lat.has(kind)) lat.set(kind, []);
      lat.get(kind).push(ms);
      health.push(await get('/healthz'));
    }
  }
  const out = { first_request_ms: +firstMs.toFixed(1), rounds: ROUNDS, kinds: {} };
  console.log(`HTTP: first request (builds the index) ${firstMs.toFixed(0)} ms`);
  console.log(`${'queries over HTTP'.padEnd(26)} ${'n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const [kind, v] of [...lat, ['GET /healthz (floor)', health]]) {
    out.kinds[kind] = { n: v.length, p50: +pct(v, 0.5).toFixed(3), p95: +pct(v, 0.95).toFixed(3), p99: +pct(v, 0.99).toFixed(3) };
    console.log(`${kind.padEnd(26)} ${String(v.length).padStart(6)} ${pct(v, 0.5).toFixed(3).padStart(8)} ${pct(v, 0.95).toFixed(3).padStart(8)} ${pct(v, 0.99).toFixed(3).padStart(8)}`);
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/directory-http-latest.json', `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await srv.stop();
}
