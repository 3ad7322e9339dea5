// tests/lib/pgdb.mjs - the black-box suites on PostgreSQL.
//
// With HAVEN_TEST_DB=postgres every haven data directory a launcher makes
// gets a fresh database of its own (CREATE DATABASE) on the throwaway server
// scripts/pg.sh started, whose URL is in HAVEN_TEST_PG_URL or in
// $HAVEN_TEST_PG_DIR/url. The launchers pass it to every haven command run
// on that directory as $HAVEN_DATABASE_URL (dbEnv). Without the variable
// everything stays on SQLite and these functions do nothing.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ON_PG = process.env.HAVEN_TEST_DB === 'postgres';

let base = null;
function baseUrl() {
  if (base) return base;
  base = process.env.HAVEN_TEST_PG_URL;
  if (!base && process.env.HAVEN_TEST_PG_DIR) {
    base = readFileSync(path.join(process.env.HAVEN_TEST_PG_DIR, 'url'), 'utf8').trim();
  }
  if (!base) throw new Error('HAVEN_TEST_DB=postgres needs HAVEN_TEST_PG_URL or HAVEN_TEST_PG_DIR (scripts/pg.sh start)');
  return base;
}

/** Runs SQL on the server's maintenance database with psql; throws on failure. */
export function psql(sql, url = baseUrl()) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const byDir = new Map(); /* data directory -> database URL */

function urlOf(name) {
  const u = new URL(baseUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new empty database (or a copy of TEMPLATE's); returns its URL. */
export function createDatabase(template) {
  const name = `haven_t_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${new URL(template).pathname.slice(1)}` : ''}`);
  return urlOf(name);
}

/** The database of data directory DIR, made on first use. */
export function databaseFor(dir, template) {
  const key = path.resolve(dir);
  if (!byDir.has(key)) byDir.set(key, createDatabase(template));
  return byDir.get(key);
}

/** Extra environment for a haven command on DIR (or the --data in ARGS). */
export function dbEnv(dirOrArgs) {
  if (!ON_PG) return {};
  let dir = dirOrArgs;
  if (Array.isArray(dirOrArgs)) {
    const i = dirOrArgs.indexOf('--data');
    if (i < 0 || i + 1 >= dirOrArgs.length) return {};
    dir = dirOrArgs[i + 1];
  }
  return { HAVEN_DATABASE_URL: databaseFor(dir) };
}

/** The data directory DST gets a copy of SRC's database (servers on SRC stopped). */
export function copyDatabase(src, dst) {
  if (!ON_PG) return;
  byDir.set(path.resolve(dst), createDatabase(databaseFor(src)));
}

/** Drops DIR's database (its servers stopped). */
export function dropDatabase(dir) {
  if (!ON_PG) return;
  const key = path.resolve(dir);
  const url = byDir.get(key);
  if (!url) return;
  byDir.delete(key);
  try {
    psql(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  } catch { /* the server goes away at the end anyway */ }
}
