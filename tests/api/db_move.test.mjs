// Moving an installation: `haven copy` SQLite -> PostgreSQL -> SQLite with
// its verification report (docs/postgresql.md, "Moving from SQLite").
// PostgreSQL only: skipped unless HAVEN_TEST_DB=postgres (tests/lib/pgdb.mjs).
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { haven, startServer } from '../lib/api.mjs';
import { createDatabase, databaseFor, dropDatabase, ON_PG, psql } from '../lib/pgdb.mjs';
import { Users } from '../lib/protocol.mjs';

/* the SQLite side: no database URL from the launcher's environment */
const SQLITE = { env: { HAVEN_DATABASE_URL: '' } };

let root;
after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

test('demo SQLite -> PostgreSQL -> served -> back to SQLite, verified; a tampered row fails', {
  skip: !ON_PG && 'PostgreSQL only (HAVEN_TEST_DB=postgres)',
}, async () => {
  root = await mkdtemp(path.join(tmpdir(), 'haven-move-'));
  const a = path.join(root, 'a');
  const demo = await haven(['demo', '--data', a], SQLITE);
  assert.equal(demo.code, 0, demo.stderr);

  /* SQLite -> a new PostgreSQL database */
  const pg = createDatabase();
  const up = await haven(['copy', '--from', a, '--to', pg], SQLITE);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /copied \d+ rows in \d+ tables from sqlite to postgres/);
  assert.match(up.stdout, /^referral +8 +8 +\w+ +\w+ +ok$/m);
  assert.match(up.stdout, /audit log on the target: intact/);
  assert.match(up.stdout, /verification passed/);
  assert.doesNotMatch(up.stdout, /dir_service_fts_/, 'FTS5 shadow tables are not copied');
  /* ids kept, and the sequences follow them */
  assert.equal(psql('SELECT last_value FROM referral_id_seq', pg).trim(),
    psql('SELECT max(id) FROM referral', pg).trim());
  /* the full-text index is built on PostgreSQL */
  assert.ok(Number(psql("SELECT count(*) FROM dir_service_fts WHERE search_vector @@ to_tsquery('english', 'shelter')", pg)) > 0);

  /* a second copy into the same database is refused */
  const again = await haven(['copy', '--from', a, '--to', pg], SQLITE);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not empty/);

  /* served on PostgreSQL (a copy of that database, with the same key file) */
  const b = path.join(root, 'b');
  await mkdir(b, { mode: 0o700 });
  await copyFile(path.join(a, 'haven.key'), path.join(b, 'haven.key'));
  await chmod(path.join(b, 'haven.key'), 0o600);
  const served = databaseFor(b, pg);
  const srv = await startServer({ dataDir: b });
  try {
    const U = new Users(srv);
    const list = await U.as('supervisor').get('/api/v1/referrals');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.items.length > 0);
    const one = await U.as('supervisor').get(`/api/v1/referrals/${list.body.items[0].id}`);
    assert.equal(one.status, 200, one.text);
    assert.ok(one.body.referral.staging_address, 'encrypted fields decrypt with the same key');
    const out = await U.as('analyst').get('/api/v1/outcomes?from=2000-01-01&to=2030-12-31');
    assert.equal(out.status, 200, out.text);
    /* a new record gets a new id after the copied ones */
    const agency = await srv.post('/api/v1/agencies', { name: 'Moved Agency', kind: 'advocacy' }, { admin: true });
    assert.equal(agency.status, 201, agency.text);
    assert.ok(agency.body.id > 12);
  } finally {
    await srv.stop();
  }

  /* back to SQLite, the key file going along */
  const c = path.join(root, 'c');
  const down = await haven(['copy', '--from', served, '--to', c, '--data', b], SQLITE);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /from postgres to sqlite/);
  assert.match(down.stdout, /verification passed/);
  const verify = await haven(['audit', 'verify', '--data', c], SQLITE);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const check = await haven(['copy', '--check', '--from', served, '--to', c, '--data', b], SQLITE);
  assert.equal(check.code, 0, check.stdout + check.stderr);

  /* a row changed behind haven's back: the report fails, naming the table */
  psql("UPDATE referral SET officer_badge = 'TAMPERED' WHERE id = (SELECT min(id) FROM referral)", pg);
  const bad = await haven(['copy', '--check', '--from', a, '--to', pg], SQLITE);
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(bad.stdout, /^referral .* DIFFERS$/m);
  assert.match(bad.stdout, /verification FAILED: 1 table/);
  dropDatabase(b);
  psql(`DROP DATABASE IF EXISTS ${new URL(pg).pathname.slice(1)} WITH (FORCE)`);
});
