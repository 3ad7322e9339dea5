// `haven link` on the command line, no server: a CSV with its own column
// names in, pairs and persons out as CSV, a report in words; the synthetic
// generator and its truth; the exact-match baseline; labelled pairs; and
// the errors a user meets (an unknown map key, a column not in the file).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { haven } from '../lib/api.mjs';

/** A small RFC 4180 reader for checking outputs (quoted fields, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

// The youth of the story, as three agencies typed her (all synthetic).
const STORY = [
  ['S1', 'Margaret', 'Okonkwo', '', '2009-04-12', '', 'F', '90744', '(310) 555-0142'],
  ['S2', 'Peggy', 'Okonkwo', 'Star', '04/12/2009', '', 'F', '90744', ''],
  ['S3', 'Okonkwo', 'Margret', '', '2009-12-04', '', 'F', '', '310-555-0142'],
];

describe('haven link', () => {
  let dir;
  let generated;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'haven-link-'));
    generated = path.join(dir, 'people.csv');
    const g = await haven(['link', '--generate', '3000', '--profile', 'hard', '--seed', '5',
      '--output', generated]);
    assert.equal(g.code, 0, g.stderr);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('generates records with their truth, the same for the same seed', async () => {
    const text = await readFile(generated, 'utf8');
    const rows = parseCsv(text);
    assert.equal(rows.length, 3000);
    assert.deepEqual(Object.keys(rows[0]), ['id', 'person', 'first_name', 'last_name', 'aliases',
      'dob', 'age', 'gender', 'zip', 'phone', 'date']);
    const persons = new Set(rows.map((r) => r.person));
    assert.ok(persons.size > 900 && persons.size < 2000, `${persons.size} persons`);
    const again = await haven(['link', '--generate', '3000', '--profile', 'hard', '--seed', '5']);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, text);
    const other = await haven(['link', '--generate', '3000', '--profile', 'hard', '--seed', '6']);
    assert.notEqual(other.stdout, text);
  });

  it('deduplicates a CSV with its own column names and explains what it learned', async () => {
    // the generated file with other column names, and the story's three records
    const text = await readFile(generated, 'utf8');
    const lines = text.split('\r\n').filter(Boolean);
    const head = 'RecordID,Truth,FirstName,LastName,AKA,DOB,Age,Sex,Zip,Phone,Seen';
    const story = STORY.map((s) => [s[0], 'STORY', ...s.slice(1), '2024-05-01'].join(','));
    const input = path.join(dir, 'agencies.csv');
    await writeFile(input, [head, ...lines.slice(1), ...story].join('\r\n') + '\r\n');
    const map = 'id=RecordID,first=FirstName,last=LastName,aliases=AKA,dob=DOB,age=Age,' +
      'gender=Sex,zip=Zip,phone=Phone,date=Seen';
    const r = await haven(['link', input, '--map', map, '--truth', 'Truth', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    const report = r.stdout;
    assert.match(report, /^haven link: 3,003 records from .*agencies\.csv in [\d.]+ s/);
    assert.match(report, /3,003 records are [\d,]+ persons\./);
    assert.match(report, /a date of birth that agrees exactly is [\d,.]+ times more likely among matches than non-matches \([\d.]+% of matches, [\d.e-]+% of non-matches\)/);
    assert.match(report, /a first name that is a nickname or alias of the other is [\d,.]+ times more likely among matches/);
    assert.match(report, /a last name that disagrees is [\d,.]+ times less likely among matches than non-matches/);
    assert.match(report, /Two records picked at random are the same person about 1 time in [\d,]+\./);
    assert.match(report, /phonetic first and last name, in either order +[\d,]+ new pairs/);
    const f1 = Number(/F1 ([\d.]+)/.exec(report)[1]);
    assert.ok(f1 > 0.9, `F1 ${f1}`);
    // nothing personal on stderr
    assert.doesNotMatch(r.stderr, /Okonkwo|Margaret|2009/);

    const persons = parseCsv(await readFile(path.join(dir, 'agencies-persons.csv'), 'utf8'));
    assert.equal(persons.length, 3003);
    assert.deepEqual(Object.keys(persons[0]), ['id', 'person', 'records']);
    const of = (id) => persons.find((p) => p.id === id);
    // Peggy is Margaret's nickname; S3 has her names swapped, mistyped, and
    // her date of birth with day and month transposed: one person
    assert.equal(of('S1').person, of('S2').person);
    assert.equal(of('S1').person, of('S3').person);
    assert.equal(of('S1').records, '3');

    const pairs = parseCsv(await readFile(path.join(dir, 'agencies-pairs.csv'), 'utf8'));
    assert.deepEqual(Object.keys(pairs[0]), ['id_a', 'id_b', 'match_weight', 'match_probability',
      'decision', 'first_name', 'last_name', 'dob', 'gender', 'zip', 'phone']);
    const p12 = pairs.find((p) => p.id_a === 'S1' && p.id_b === 'S2');
    assert.ok(p12, 'the pair S1-S2');
    assert.equal(p12.decision, 'link');
    assert.equal(p12.first_name, 'nickname');
    assert.equal(p12.last_name, 'exact');
    assert.equal(p12.dob, 'exact');
    assert.ok(Number(p12.match_probability) >= 0.95);
    const p13 = pairs.find((p) => p.id_a === 'S1' && p.id_b === 'S3');
    assert.ok(p13, 'the pair S1-S3');
    assert.equal(p13.first_name, 'swapped');
    assert.equal(p13.dob, 'transposed');
    for (const p of pairs) {
      assert.ok(['link', 'review'].includes(p.decision));
      assert.ok(Number(p.match_probability) >= 0.5);
    }
  });

  it('the exact-match baseline finds far fewer of the same people', async () => {
    const r = await haven(['link', generated, '--truth', 'person', '--exact',
      '--persons', path.join(dir, 'exact.csv')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /exact-match baseline/);
    const recall = Number(/recall ([\d.]+)/.exec(r.stdout)[1]);
    assert.ok(recall < 0.3, `recall ${recall}`);
  });

  it('takes labelled pairs and writes where it is told', async () => {
    const labels = path.join(dir, 'labels.csv');
    await writeFile(labels, 'id_a,id_b,match\nR0000002,R0000003,1\nR0000001,R0000002,0\n');
    const out = path.join(dir, 'out');
    const r = await haven(['link', generated, '--labels', labels, '--pairs', `${out}-p.csv`,
      '--persons', `${out}-q.csv`, '--report', `${out}-r.txt`, '--auto', '0.99', '--review', '0.6']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const report = await readFile(`${out}-r.txt`, 'utf8');
    assert.match(report, /refined with labelled pairs/);
    assert.match(report, /at least 0\.99/);
    const pairs = parseCsv(await readFile(`${out}-p.csv`, 'utf8'));
    assert.ok(pairs.every((p) => Number(p.match_probability) >= 0.6));
  });

  it('says what is wrong with the command', async () => {
    let r = await haven(['link', generated, '--map', 'surname=LastName']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown key 'surname'/);
    r = await haven(['link', generated, '--map', 'last=Surname']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the header has no column 'Surname'/);
    r = await haven(['link', path.join(dir, 'missing.csv')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot open/);
    r = await haven(['link', generated, '--auto', '1.5']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--auto takes a probability/);
    r = await haven(['link', generated, '--auto', '0.4', '--review', '0.5']);
    assert.equal(r.code, 2);
    r = await haven(['link', '--generate', '10', '--profile', 'medium']);
    assert.equal(r.code, 2);
    r = await haven(['link', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /usage: haven link/);
    r = await haven(['help']);
    assert.match(r.stdout, /link +find which records of a CSV file are the same person/);
  });
});
