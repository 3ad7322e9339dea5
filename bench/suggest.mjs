// bench/suggest.mjs - suggestions at intake against every known youth
// (issue #7): POSTs BENCH_QUERIES intake-like youth (half from a `haven link
// --generate` CSV: names, nicknames, typos, swapped dates; half named as the
// demo's youth are, see below) one at a time to
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

// Half the queries as the demo's own youth are named (bench/suggest.sh
// loads `haven demo --scale`: a few dozen first and last names, so a name
// pair is shared by hundreds of youth and blocks are at their densest),
// with a typo or a nickname now and then and a date of birth of a minor.
const FEMALE = ['Aaliyah', 'Alexis', 'Amber', 'Ana', 'Ariana', 'Ashley', 'Brianna', 'Crystal', 'Daisy',
  'Destiny', 'Diamond', 'Elena', 'Emily', 'Esmeralda', 'Isabel', 'Jasmine', 'Jessica', 'Kayla', 'Keisha',
  'Leslie', 'Maria', 'Mariah', 'Maya', 'Monique', 'Nadia', 'Natalie', 'Paola', 'Sofia', 'Tiana', 'Vanessa'];
const LAST = ['Alvarez', 'Brown', 'Carter', 'Castillo', 'Cruz', 'Davis', 'Diaz', 'Flores', 'Garcia',
  'Gonzalez', 'Green', 'Harris', 'Hernandez', 'Jackson', 'Johnson', 'Jones', 'Lee', 'Lopez', 'Martinez',
  'Mendoza', 'Moore', 'Morales', 'Nguyen', 'Ortiz', 'Perez', 'Ramirez', 'Reyes', 'Rivera', 'Smith'];
const NICK = { Jessica: 'Jess', Natalie: 'Nat', Alexis: 'Lexi', Isabel: 'Izzy', Elena: 'Ellie', Ashley: 'Ash' };
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const typo = (s) => {
  const i = 1 + rnd(s.length - 1);
  return s.slice(0, i) + s.slice(i + 1); // a letter left out, never the first
};
const half = queries.length;
for (let i = 0; i < half; i++) {
  let first = FEMALE[rnd(FEMALE.length)];
  let last = LAST[rnd(LAST.length)];
  const k = rnd(10);
  if (k === 0 && NICK[first]) first = NICK[first];
  else if (k === 1) first = typo(first);
  else if (k === 2) last = typo(last);
  const y = 2006 + rnd(8);
  const m = String(1 + rnd(12)).padStart(2, '0');
  const d = String(1 + rnd(28)).padStart(2, '0');
  queries[i] = i % 2 ? queries[i] : { first_name: first, last_name: last, dob: `${y}-${m}-${d}`, gender: 'female' };
}

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
