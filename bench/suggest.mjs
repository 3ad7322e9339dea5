// bench/suggest.mjs - suggestions at intake against every known youth
// (issue #7): POSTs BENCH_QUERIES intake-like youth (from a `haven link
// --generate` CSV: names, nicknames, typos, swapped dates) one at a time to
// POST /api/v1/youth/suggestions as the hotline worker's API token, and
// prints the latency distribution as measured by the client (HTTP on
// loopback included), with how many answers named at least one youth.
//
//   node bench/suggest.mjs URL TOKEN QUERIES.csv
import { readFile } from 'node:fs/promises';

const [url, token, csv] = process.argv.slice(2);
const rows = (await readFile(csv, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
const iso = (d) => {
  if (!d) return undefined;
  let m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(d);
  if (m) return `${m[3]}-${m[1]}-${m[2]}`;
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? d : undefined;
};
const queries = rows.map((c) => {
  // id,person,first_name,last_name,aliases,dob,age,gender,zip,phone,date
  const q = {
    first_name: c[2] || undefined, last_name: c[3] || undefined, aliases: c[4] || undefined,
    dob: iso(c[5]), gender: c[7] === 'F' ? 'female' : c[7] === 'M' ? 'male' : undefined,
  };
  const age = Number(c[6]);
  if (!q.dob && age >= 6 && age <= 25) q.estimated_age = age;
  for (const k of Object.keys(q)) if (q[k] === undefined) delete q[k];
  return q;
}).filter((q) => q.first_name || q.last_name);

const post = async (q) => {
  const t = performance.now();
  const r = await fetch(`${url}/api/v1/youth/suggestions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(q),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
};

// wait for the index (it loads on a thread at start)
for (let i = 0; ; i++) {
  const { body } = await post(queries[0]);
  if (body.ready) break;
  if (i > 1200) throw new Error('the youth index did not load in 10 minutes');
  await new Promise((r) => setTimeout(r, 500));
}
for (const q of queries.slice(0, 20)) await post(q); // warm connections and caches
// the reference in the same run: the exact-match lookup by blind index
// (GET /api/v1/youth/matches), also audited, so the ratio shows what
// record linkage adds to a request that writes its audit entry anyway
const exact = async (q) => {
  const t = performance.now();
  const p = new URLSearchParams({ first_name: q.first_name || '', last_name: q.last_name || '', dob: q.dob || '' });
  const r = await fetch(`${url}/api/v1/youth/matches?${p}`, { headers: { Authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`matches ${r.status}`);
  return performance.now() - t;
};
const ms = [];
const ref = [];
let named = 0;
for (const q of queries) {
  const r = await post(q);
  ms.push(r.ms);
  if (r.body.items.length) named++;
  ref.push(await exact(q));
}
const pct = (v, p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
const line = (v) => {
  v.sort((a, b) => a - b);
  return `p50 ${pct(v, 50).toFixed(2)} ms p95 ${pct(v, 95).toFixed(2)} ms p99 ${pct(v, 99).toFixed(2)} ms `
    + `max ${v[v.length - 1].toFixed(2)} ms`;
};
console.log(`queries ${ms.length} ${line(ms)} with_suggestions ${named}`);
console.log(`reference (exact match, GET /api/v1/youth/matches): ${line(ref)}`);
