// The services directory's HSDS 3.0 import (`haven directory import`): a
// realistic sample, a broken row (nothing written, the file, row and field
// named), re-importing (nothing changes), a changed record (updated, its
// history kept), the full-text index with stemming, languages and "free".
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, haven, sqlite } from '../lib/api.mjs';

const SAMPLE = path.join(SOURCE_DIR, 'tests/fixtures/hsds/sample.json');
const BROKEN = path.join(SOURCE_DIR, 'tests/fixtures/hsds/broken.json');

describe('haven directory import', () => {
  let root;
  let data;
  let db;
  const q = async (sql) => {
    const r = await sqlite(db, sql);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'haven-dir-'));
    data = path.join(root, 'data');
    db = path.join(data, 'haven.db');
    const d = await haven(['migrate', '--data', data]); // no demo: its directory would count
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

  it('a broken row: nothing is written, and the file, the row and the field are named', async () => {
    const r = await haven(['directory', 'import', BROKEN, '--data', data]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing imported: .*broken\.json, row 4, services\[3\]\.service_at_locations\[0\]\.location\.latitude: must be from -90 to 90/);
    assert.equal(await q('SELECT COUNT(*) FROM dir_service;'), '0');
    assert.equal(await q('SELECT COUNT(*) FROM dir_organization;'), '0', 'the rows before it were rolled back too');
  });

  it('imports the sample: services, organizations, locations, schedules, languages, terms, free', async () => {
    const r = await haven(['directory', 'import', SAMPLE, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /4 services created, 0 updated, 0 unchanged/);
    assert.equal(await q('SELECT COUNT(*) FROM dir_service;'), '4');
    assert.equal(await q('SELECT COUNT(*) FROM dir_organization;'), '3');
    assert.equal(await q('SELECT COUNT(*) FROM dir_location;'), '3');
    assert.equal(await q("SELECT lat_e6 || ',' || lon_e6 || ',' || postal_code FROM dir_location WHERE hsds_id = 'loc-harbor-lb';"), '33770100,-118193700,90802');
    assert.equal(await q('SELECT COUNT(*) FROM dir_schedule;'), '3');
    assert.equal(await q("SELECT group_concat(code) FROM (SELECT code FROM dir_language l JOIN dir_service s ON s.id = l.service_id WHERE s.hsds_id = 'svc-hotline-1');"), 'es', 'codes lowercased');
    assert.equal(await q("SELECT group_concat(hsds_id) FROM (SELECT hsds_id FROM dir_service WHERE free = 1 ORDER BY hsds_id);"), 'svc-dropin-1,svc-hotline-1');
    assert.equal(await q("SELECT o.hsds_id FROM dir_service s JOIN dir_organization o ON o.id = s.organization_id WHERE s.hsds_id = 'svc-hotline-1';"), 'org-harbor', 'named by organization_id');
    assert.equal(await q('SELECT COUNT(*) FROM dir_service_term;'), '5');
    assert.equal(await q("SELECT COUNT(*) FROM dir_change WHERE entity = 'service' AND action = 'created';"), '4');
  });

  it('the full-text index stems words and covers names, descriptions, organizations and categories', async () => {
    const match = async (m) => q(`SELECT group_concat(hsds_id) FROM (SELECT s.hsds_id FROM dir_service_fts f JOIN dir_service s ON s.id = f.rowid WHERE dir_service_fts MATCH '${m}' ORDER BY rank);`);
    assert.equal(await match('lawyer'), 'svc-legal-1', 'lawyers -> lawyer');
    assert.equal(await match('counsel'), 'svc-clinic-1', 'counselling -> counsel');
    assert.equal(await match('texting'), 'svc-hotline-1', 'text -> text');
    assert.equal(await match('harbor'), 'svc-dropin-1', 'by organization');
    assert.equal(await match('crisis'), 'svc-hotline-1', 'by category');
  });

  it('importing the same file again changes nothing', async () => {
    const before1 = await q('SELECT group_concat(updated_at) FROM dir_service;');
    const r = await haven(['directory', 'import', SAMPLE, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 services created, 0 updated, 4 unchanged/);
    assert.equal(await q('SELECT group_concat(updated_at) FROM dir_service;'), before1);
    assert.equal(await q('SELECT COUNT(*) FROM dir_change;'), '4');
    assert.equal(await q('SELECT COUNT(*) FROM dir_service;'), '4');
  });

  it('a changed record is updated, its history keeps before and after, and the index follows', async () => {
    const doc = JSON.parse(await readFile(SAMPLE, 'utf8'));
    doc.services[1].description = 'Confidential health care and vaccinations for teens.';
    const changed = path.join(root, 'changed.json');
    await writeFile(changed, JSON.stringify(doc));
    const created = await q("SELECT created_at FROM dir_service WHERE hsds_id = 'svc-clinic-1';");
    const r = await haven(['directory', 'import', changed, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 services created, 1 updated, 3 unchanged/);
    assert.equal(await q("SELECT created_at FROM dir_service WHERE hsds_id = 'svc-clinic-1';"), created, 'creation time kept');
    const hist = await q("SELECT action || '|' || (before_body LIKE '%counselling%') || '|' || (after_body LIKE '%vaccinations%') FROM dir_change c JOIN dir_service s ON s.id = c.entity_id WHERE s.hsds_id = 'svc-clinic-1' ORDER BY c.id DESC LIMIT 1;");
    assert.equal(hist, 'updated|1|1');
    assert.equal(await q("SELECT COUNT(*) FROM dir_service_fts WHERE dir_service_fts MATCH 'vaccination';"), '1');
    assert.equal(await q("SELECT COUNT(*) FROM dir_service_fts WHERE dir_service_fts MATCH 'testing';"), '0', 'the old text is gone from the index');
  });

  it('refuses what is not HSDS, naming the place', async () => {
    const bad = path.join(root, 'bad.json');
    await writeFile(bad, JSON.stringify({ services: [{ id: 'x', name: 'No organization' }] }));
    let r = await haven(['directory', 'import', bad, '--data', data]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 1, services\[0\]\.organization_id: is required/);
    await writeFile(bad, JSON.stringify({ services: [{ id: 'y', name: 'Ages', organization_id: 'org-harbor', minimum_age: 18, maximum_age: 12 }] }));
    r = await haven(['directory', 'import', bad, '--data', data]);
    assert.match(r.stderr, /services\[0\]\.maximum_age: is below minimum_age/);
    await writeFile(bad, JSON.stringify({ services: [{ id: 'z', name: 'Hours', organization_id: 'org-harbor',
      schedules: [{ freq: 'WEEKLY', byday: 'MO', opens_at: '25:00', closes_at: '17:00' }] }] }));
    r = await haven(['directory', 'import', bad, '--data', data]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 1, services\[0\]\.schedules\[0\]\.opens_at: /, 'the hours evaluator reads every schedule');
    await writeFile(bad, '{"services": [ {"id": 1,');
    r = await haven(['directory', 'import', bad, '--data', data]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.json, line 1, column \d+: not JSON/);
    await writeFile(bad, JSON.stringify({ services: 'none' }));
    r = await haven(['directory', 'import', bad, '--data', data]);
    assert.match(r.stderr, /services: must be a list of HSDS services/);
  });
});
