// The directory's data in and out (issue 6, dirdata): the HSDS 3.0 CSV data
// package (`haven directory import FOLDER`), the exports (`haven directory
// export --format json|csv`), round trips that must give the same bytes,
// broken rows named by file, row and column with nothing written,
// re-imports that change nothing, the shipped Open Eligibility taxonomy and
// a county's 211 taxonomy (`haven directory taxonomy import`).
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, assertNoSanitizer, haven, sqlite } from '../lib/api.mjs';

const FIX = path.join(SOURCE_DIR, 'tests/fixtures/hsds');
const PACKAGE = path.join(FIX, 'datapackage');
const SAMPLE = path.join(FIX, 'sample.json');

describe('haven directory: data packages, exports, taxonomies', () => {
  let root;
  let n = 0;

  // a fresh, migrated data directory
  const fresh = async () => {
    const data = path.join(root, `data${++n}`);
    const r = await haven(['migrate', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    return data;
  };
  const q = async (data, sql) => {
    const r = await sqlite(path.join(data, 'haven.db'), sql);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const run = async (args) => {
    const r = await haven(['directory', ...args]);
    assertNoSanitizer(r.stderr, `haven directory ${args.join(' ')}`);
    return r;
  };
  const ok = async (args) => {
    const r = await run(args);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  // every file of a folder, by name
  const files = async (dir) => {
    const out = {};
    for (const f of (await readdir(dir)).sort()) out[f] = await readFile(path.join(dir, f), 'utf8');
    return out;
  };
  // a copy of the fixture package with one file's text changed
  const broken = async (file, from, to) => {
    const dir = path.join(root, `broken${++n}`);
    await cp(PACKAGE, dir, { recursive: true });
    const p = path.join(dir, file);
    const text = await readFile(p, 'utf8');
    assert.ok(text.includes(from), `${file} holds ${from}`);
    await writeFile(p, text.replace(from, to));
    return dir;
  };

  before(async () => { root = await mkdtemp(path.join(tmpdir(), 'haven-dirdata-')); });
  after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

  it('Open Eligibility is in the directory after migrate: both facets, two levels and more', async () => {
    const data = await fresh();
    assert.equal(await q(data, "SELECT name FROM dir_taxonomy WHERE hsds_id = 'open-eligibility';"), 'Open Eligibility');
    const top = await q(data, "SELECT group_concat(name, '|') FROM (SELECT t.name FROM dir_taxonomy_term t JOIN dir_taxonomy_term p ON p.id = t.parent_id WHERE p.hsds_id = 'open-eligibility:1' ORDER BY t.code);");
    assert.equal(top, 'Emergency|Food|Housing|Goods|Transit|Health|Money|Care|Education|Work|Legal');
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_taxonomy_term WHERE parent_id IS NULL AND taxonomy_id = (SELECT id FROM dir_taxonomy WHERE hsds_id = 'open-eligibility');"), '2', 'two facets at the top');
    assert.equal(await q(data, "SELECT p.name FROM dir_taxonomy_term t JOIN dir_taxonomy_term p ON p.id = t.parent_id WHERE t.name = 'Trafficking Survivors';"), 'Survivors of Abuse or Exploitation');
    const count = await q(data, 'SELECT COUNT(*) FROM dir_taxonomy_term;');
    assert.ok(Number(count) > 100, count);
    // loaded once: another start adds nothing
    await ok(['export', '--format', 'json', '--out', path.join(root, 'x.json'), '--data', data]);
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_taxonomy_term;'), count);
  });

  it('imports the CSV data package: records, links, Spanish text, a night across midnight, categories from two taxonomies', async () => {
    const data = await fresh();
    const r = await ok(['import', PACKAGE, '--data', data]);
    assert.match(r.stdout, /5 services created, 0 updated, 0 unchanged/);
    assert.match(r.stdout, /3 rows skipped/, "an organization's phone, a phone's language, an organization's attribute");
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_service;'), '5');
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_organization;'), '3');
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_location;'), '4');
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_service_at_location;'), '5');
    assert.equal(await q(data, "SELECT alternate_name FROM dir_service WHERE hsds_id = 'svc-puente-shelter';"), 'Refugio nocturno para jóvenes');
    assert.match(await q(data, "SELECT description FROM dir_service WHERE hsds_id = 'svc-puente-shelter';"), /every night\.\nNo ID needed/, 'a quoted field across lines');
    assert.equal(await q(data, "SELECT lat_e6 || ',' || lon_e6 || ',' || postal_code FROM dir_location WHERE hsds_id = 'loc-bayview-carson';"), '33831700,-118281700,90745');
    assert.equal(await q(data, "SELECT json_extract(body, '$.opens_at') || '-' || json_extract(body, '$.closes_at') FROM dir_schedule WHERE hsds_id = 'sch-shelter-night';"), '20:00-08:00');
    assert.equal(await q(data, "SELECT json_extract(body, '$.closed') FROM dir_schedule WHERE hsds_id = 'sch-shelter-xmas';"), '1');
    assert.equal(await q(data, "SELECT group_concat(code) FROM (SELECT code FROM dir_language l JOIN dir_service s ON s.id = l.service_id WHERE s.hsds_id = 'svc-puente-outreach');"), 'es', 'codes lowercased');
    assert.equal(await q(data, "SELECT group_concat(hsds_id) FROM (SELECT hsds_id FROM dir_service WHERE free = 1 ORDER BY hsds_id);"), 'svc-justicia-hotline,svc-puente-outreach,svc-puente-shelter');
    const terms = await q(data, "SELECT group_concat(x.hsds_id || ':' || t.code, ' ') FROM (SELECT * FROM dir_service_term st JOIN dir_taxonomy_term t ON t.id = st.term_id WHERE st.service_id = (SELECT id FROM dir_service WHERE hsds_id = 'svc-puente-shelter') ORDER BY t.hsds_id) t JOIN dir_taxonomy x ON x.id = t.taxonomy_id;");
    assert.equal(terms, 'la211-sample:BH-1800.8500 open-eligibility:10104 open-eligibility:20102');
    assert.equal(await q(data, "SELECT p.code FROM dir_taxonomy_term t JOIN dir_taxonomy_term p ON p.id = t.parent_id WHERE t.hsds_id = 'la211-sample:BH-1800.8500';"), 'BH');
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_detail WHERE kind = 'contact';"), '1');
    assert.equal(await q(data, "SELECT json_extract(body, '$.phones[0].number') FROM dir_detail WHERE hsds_id = 'ct-legal-intake';"), '555-0161', "a contact's phone nested");
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_detail WHERE hsds_id = 'ph-org-puente';"), '0', "an organization's phone skipped");

    // re-importing changes nothing
    const changes = await q(data, 'SELECT COUNT(*) FROM dir_change;');
    const stamps = await q(data, 'SELECT group_concat(updated_at) FROM dir_service;');
    const again = await ok(['import', PACKAGE, '--data', data]);
    assert.match(again.stdout, /0 services created, 0 updated, 5 unchanged/);
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_change;'), changes);
    assert.equal(await q(data, 'SELECT group_concat(updated_at) FROM dir_service;'), stamps);
    assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_service;'), '5');
  });

  it('round trips: package → export → fresh import → export gives the same bytes, CSV and JSON', async () => {
    const a = await fresh();
    await ok(['import', PACKAGE, '--data', a]);
    const csv1 = path.join(root, 'csv1');
    const json1 = path.join(root, 'one.json');
    await ok(['export', '--format', 'csv', '--out', csv1, '--data', a]);
    const out = await ok(['export', '--format', 'json', '--out', json1, '--data', a]);
    assert.match(out.stdout, /exported 5 services/);

    const b = await fresh();
    await ok(['import', csv1, '--data', b]);
    const csv2 = path.join(root, 'csv2');
    const json2 = path.join(root, 'two.json');
    await ok(['export', '--format', 'csv', '--out', csv2, '--data', b]);
    await ok(['export', '--format', 'json', '--out', json2, '--data', b]);
    assert.deepEqual(await files(csv2), await files(csv1));
    assert.equal(await readFile(json2, 'utf8'), await readFile(json1, 'utf8'));

    // JSON → fresh import → JSON
    const c = await fresh();
    await ok(['import', json1, '--data', c]);
    const json3 = path.join(root, 'three.json');
    await ok(['export', '--format', 'json', '--out', json3, '--data', c]);
    assert.equal(await readFile(json3, 'utf8'), await readFile(json1, 'utf8'));

    // the export's shape: full services with organizations, RFC 4180 CSV
    const doc = JSON.parse(await readFile(json1, 'utf8'));
    const shelter = doc.services.find((s) => s.id === 'svc-puente-shelter');
    assert.equal(shelter.organization.name, 'Puente Youth Alliance (synthetic)');
    assert.equal(shelter.service_at_locations[0].location.addresses[0].postal_code, '90033');
    assert.equal(shelter.service_at_locations[0].schedules[0].closes_at, '08:00');
    assert.equal(shelter.service_at_locations[0].location.latitude, 34.0433);
    assert.deepEqual(shelter.attributes.map((x) => x.taxonomy_term.taxonomy_id), ['la211-sample', 'open-eligibility', 'open-eligibility']);
    assert.ok(doc.taxonomy_terms.some((t) => t.id === 'open-eligibility:20203'));
    const svc = (await readFile(path.join(csv1, 'services.csv'), 'utf8')).split('\r\n');
    assert.equal(svc[0].split(',')[0], 'id');
    assert.ok(svc.some((l) => l.startsWith('svc-puente-outreach,') && l.includes('"Outreach workers who meet youth where they are, with food, hygiene kits and a ride to safety. ""No judgment, no reports to police."""')), 'quotes doubled');
    const pkg = JSON.parse(await readFile(path.join(csv1, 'datapackage.json'), 'utf8'));
    assert.equal(pkg.profile, 'tabular-data-package');
    assert.ok(pkg.resources.some((r) => r.path === 'service_at_locations.csv'));

    // the sample JSON survives the CSV round trip as well
    const d = await fresh();
    await ok(['import', SAMPLE, '--data', d]);
    const csv3 = path.join(root, 'csv3');
    await ok(['export', '--format', 'csv', '--out', csv3, '--data', d]);
    const e = await fresh();
    await ok(['import', csv3, '--data', e]);
    const csv4 = path.join(root, 'csv4');
    await ok(['export', '--format', 'csv', '--out', csv4, '--data', e]);
    assert.deepEqual(await files(csv4), await files(csv3));
  });

  it('a broken row names the file, the row and the column, and nothing is written', async () => {
    const cases = [
      // an importer's refusal, traced back to its CSV row
      ['locations.csv', '33.8317', '95.1', /locations\.csv, row 4, column latitude: must be from -90 to 90/],
      ['schedules.csv', '1SA', '1XX', /schedules\.csv, row 7, column byday: /],
      ['services.csv', 'temporarily closed', 'shut', /services\.csv, row 7, column status: must be/],
      // links and cells refused while reading
      ['phones.csv', 'ph-legal,,svc-justicia-legal', 'ph-legal,,svc-nowhere', /phones\.csv, row 6, column service_id: names no row of services\.csv/],
      ['services.csv', ',14,,,', ',fourteen,,,', /services\.csv, row 6, column minimum_age: must be a number/],
      ['attributes.csv', 'open-eligibility:20203', 'open-eligibility:99999', /attributes\.csv, row 9, column taxonomy_term_id: names no term/],
      ['taxonomy_terms.csv', 'la211-sample:B,,la211-sample', 'la211-sample:Q,,la211-sample', /taxonomy_terms\.csv, row 3, column parent_id: names no term/],
      ['languages.csv', 'lang-clinic-en,', 'lang-shelter-en,', /languages\.csv, row 5, column id: is the id of an earlier row too/],
      ['services.csv', 'Street Outreach Team', 'Street "Outreach Team', /services\.csv, row 4: is not CSV/],
    ];
    const data = await fresh();
    for (const [file, from, to, re] of cases) {
      const dir = await broken(file, from, to);
      const r = await run(['import', dir, '--data', data]);
      assert.equal(r.code, 1, `${file}: ${r.stdout}`);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /nothing imported/);
      assert.doesNotMatch(r.stderr, /fourteen|svc-nowhere|95\.1/, 'values are not quoted');
      assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_service;'), '0', file);
      assert.equal(await q(data, 'SELECT COUNT(*) FROM dir_organization;'), '0', file);
      assert.equal(await q(data, "SELECT COUNT(*) FROM dir_taxonomy WHERE hsds_id = 'la211-sample';"), '0', file);
    }
    // no services.csv: not a data package
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await writeFile(path.join(empty, 'datapackage.json'), '{"resources": []}');
    const r = await run(['import', empty, '--data', data]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /services\.csv: is missing/);
  });

  it('a 211 taxonomy: hierarchy from the codes, all or nothing, re-import unchanged, terms used by code', async () => {
    const data = await fresh();
    const bad = await run(['taxonomy', 'import', path.join(FIX, 'la211-broken.csv'), '--name', '211 LA County', '--data', data]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /la211-broken\.csv, row 3, column name: is required/);
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_taxonomy WHERE hsds_id = '211-la-county';"), '0');

    const r = await ok(['taxonomy', 'import', path.join(FIX, 'la211-sample.csv'), '--name', '211 LA County', '--data', data]);
    assert.match(r.stdout, /\(211-la-county\): 14 terms created, 0 updated, 0 unchanged/);
    const parent = (code) => q(data, `SELECT COALESCE(p.code, '-') FROM dir_taxonomy_term t LEFT JOIN dir_taxonomy_term p ON p.id = t.parent_id WHERE t.hsds_id = '211-la-county:${code}';`);
    assert.equal(await parent('B'), '-');
    assert.equal(await parent('BD'), 'B');
    assert.equal(await parent('BD-1800'), 'BD');
    assert.equal(await parent('BD-1800.2000'), 'BD-1800');
    assert.equal(await parent('BH-1800.8500-900'), 'BH-1800', 'the nearest code the file has');
    assert.equal(await parent('FT-3000.1700'), 'FT', 'parent_code given');
    assert.equal(await parent('RP-1400.8000-020.15'), 'R');
    assert.equal(await q(data, "SELECT description FROM dir_taxonomy_term WHERE hsds_id = '211-la-county:RP-1400.8000-020.15';"), 'Counseling for survivors; "no ID needed"');

    const again = await ok(['taxonomy', 'import', path.join(FIX, 'la211-sample.csv'), '--name', '211 LA County', '--data', data]);
    assert.match(again.stdout, /0 terms created, 0 updated, 14 unchanged/);
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_taxonomy_term WHERE hsds_id LIKE '211-la-county:%';"), '14');

    // a service names terms of both taxonomies by (taxonomy, code)
    const doc = JSON.parse(await readFile(SAMPLE, 'utf8'));
    const svc = doc.services[0];
    svc.attributes = [
      { id: 'x1', taxonomy_term: { code: 'BH-1800.8500-900', taxonomy: '211 LA County' } },
      { id: 'x2', taxonomy_term: { code: '10104', taxonomy_id: 'open-eligibility' } },
    ];
    const file = path.join(root, 'bycode.json');
    await writeFile(file, JSON.stringify({ organizations: doc.organizations, services: [svc] }));
    await ok(['import', file, '--data', data]);
    assert.equal(await q(data, `SELECT group_concat(t.hsds_id, ' ') FROM (SELECT t.hsds_id FROM dir_service_term st JOIN dir_taxonomy_term t ON t.id = st.term_id JOIN dir_service s ON s.id = st.service_id WHERE s.hsds_id = '${svc.id}' ORDER BY t.hsds_id) t;`), '211-la-county:BH-1800.8500-900 open-eligibility:10104');
    assert.equal(await q(data, "SELECT name FROM dir_taxonomy WHERE hsds_id = '211-la-county';"), '211 LA County', 'never renamed by a service');
    assert.equal(await q(data, "SELECT COUNT(*) FROM dir_taxonomy_term WHERE hsds_id LIKE '211-la-county:%';"), '14', 'no term made');
  });
});
