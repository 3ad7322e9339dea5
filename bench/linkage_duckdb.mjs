// bench/linkage_duckdb.mjs - DuckDB scoring the same candidate pairs as
// `haven link`, in SQL, the way Splink does: the records and the pairs as
// tables, one query joining them and computing Jaro-Winkler and
// Damerau-Levenshtein on first and last names and Levenshtein on the date
// of birth into comparison levels (fewer and simpler levels than haven's:
// no nicknames, aliases, swaps, estimated ages or term frequencies).
//
// usage: node bench/linkage_duckdb.mjs RECORDS.csv CANDIDATES.csv [HAVEN_PAIRS_PER_S]
//   RECORDS.csv: haven link's input (id, first_name, last_name, dob, zip);
//   CANDIDATES.csv: `haven link --candidates` (id_a,id_b).
// Env: BENCH_RUNS (3), BENCH_THREADS (2). Prints one JSON line:
//   {"pairs", "runs_s": [...], "duckdb_pairs_per_s" (median run),
//    "haven_pairs_per_s", "ratio" (haven / DuckDB), "duckdb"}.
import { DuckDBInstance } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';

const [records, candidates, havenRate] = process.argv.slice(2);
if (!records || !candidates) {
  console.error('usage: node bench/linkage_duckdb.mjs RECORDS.csv CANDIDATES.csv [HAVEN_PAIRS_PER_S]');
  process.exit(2);
}
const RUNS = Number(process.env.BENCH_RUNS || 3);
const THREADS = Number(process.env.BENCH_THREADS || 2);
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET threads = ${THREADS}`);
await c.run(`CREATE TABLE rec AS SELECT id,
    upper(regexp_replace(coalesce(first_name, ''), '[^A-Za-z]', '', 'g')) AS f,
    upper(regexp_replace(coalesce(last_name, ''), '[^A-Za-z]', '', 'g')) AS l,
    coalesce(dob, '') AS dob, coalesce(zip, '') AS zip
  FROM read_csv(${q(records)}, header = true, all_varchar = true)`);
await c.run(`CREATE TABLE cand AS SELECT id_a, id_b
  FROM read_csv(${q(candidates)}, header = true, all_varchar = true)`);

const name = (x) => `CASE WHEN a.${x} = '' OR b.${x} = '' THEN 0
    WHEN a.${x} = b.${x} THEN 1
    WHEN jaro_winkler_similarity(a.${x}, b.${x}) >= 0.92 OR damerau_levenshtein(a.${x}, b.${x}) <= 1 THEN 2
    WHEN jaro_winkler_similarity(a.${x}, b.${x}) >= 0.80 OR damerau_levenshtein(a.${x}, b.${x}) <= 2 THEN 3
    ELSE 4 END`;
const sql = `SELECT count(*) AS pairs,
    sum(${name('f')}) AS first_levels,
    sum(${name('l')}) AS last_levels,
    sum(CASE WHEN a.dob = '' OR b.dob = '' THEN 0 WHEN a.dob = b.dob THEN 1
             WHEN levenshtein(a.dob, b.dob) <= 1 THEN 2 ELSE 3 END) AS dob_levels,
    sum(CASE WHEN a.zip = '' OR b.zip = '' THEN 0 WHEN a.zip = b.zip THEN 1 ELSE 2 END) AS zip_levels
  FROM cand JOIN rec a ON a.id = cand.id_a JOIN rec b ON b.id = cand.id_b`;

await c.runAndReadAll(sql.replace('FROM cand', 'FROM (SELECT * FROM cand LIMIT 10000) cand')); // warm-up
const runs = [];
let pairs = 0;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const r = await c.runAndReadAll(sql);
  runs.push((performance.now() - t0) / 1000);
  pairs = Number(r.getRowObjects()[0].pairs);
}
const median = [...runs].sort((x, y) => x - y)[Math.floor(runs.length / 2)];
const version = (await c.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;
const rate = pairs / median;
const out = { pairs, runs_s: runs.map((x) => Number(x.toFixed(3))), duckdb_pairs_per_s: Math.round(rate),
  duckdb: version, threads: THREADS };
if (havenRate) {
  out.haven_pairs_per_s = Number(havenRate);
  out.ratio = Number((Number(havenRate) / rate).toFixed(2));
}
console.log(JSON.stringify(out));
