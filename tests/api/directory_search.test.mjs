// The directory's public search API (GET /api/directory/...) over real
// HTTP: relevance (a name match beats a description match, stemming,
// accents), radius edges (4.9 miles in, 5.1 out, hand-built coordinates),
// open now across midnight and over the daylight-saving changes with the
// settable clock, age, language, free, taxonomy AND, paging, HSDS shapes,
// Safe Youth Zone sites, errors naming the parameter, and an import by
// another process noticed by the running server.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { expectProblem, haven, startServer } from '../lib/api.mjs';

// A place far from the demo's Los Angeles services (Kansas), so only the
// fixture answers near it. Miles to degrees of latitude on haven's sphere.
const C = { lat: 39.0, lon: -98.0 };
const MI_PER_DEG = (6371.0088 / 1.609344) * (Math.PI / 180);
const north = (mi) => +(C.lat + mi / MI_PER_DEG).toFixed(6);
const NEAR = `${C.lat},${C.lon}`;

const term = (id, name) => ({ id: `attr-${id}`, taxonomy_term: { id, name, code: id, taxonomy: 'Test Taxonomy' } });
const weekly = (id, opens, closes, extra = {}) => ({ id, freq: 'WEEKLY', byday: 'MO,TU,WE,TH,FR,SA,SU', opens_at: opens, closes_at: closes, ...extra });

function svc(id, name, description, { lat = C.lat, lon = C.lon, schedules = [weekly(`${id}-s`, '00:00', '24:00')], ...rest } = {}) {
  return {
    id,
    name,
    description,
    status: 'active',
    organization: { id: 'org-ks', name: 'Prairie Test Organization (synthetic)' },
    service_at_locations: [{ id: `${id}-sal`, location: { id: `${id}-loc`, name: `${name} site`, latitude: lat, longitude: lon, addresses: [{ id: `${id}-addr`, address_1: '1 Test Rd', city: 'Testville', state_province: 'KS', postal_code: '67401', country: 'US', address_type: 'physical' }] } }],
    schedules,
    ...rest,
  };
}

const FIXTURE = {
  services: [
    svc('t-name', 'Zephyr Counseling Hall', 'A quiet place for youth.', { attributes: [term('tt-a', 'Alpha'), term('tt-b', 'Beta')] }),
    svc('t-desc', 'Zephyr Drop-In Room', 'Walk in for counseling and a meal.', { attributes: [term('tt-a', 'Alpha')] }),
    // a parent term (tt-p) and its child (tt-c, imported after it)
    svc('t-counselor', 'Zephyr Counselor Desk', 'Talk to someone.', { lat: north(1), attributes: [term('tt-p', 'Parent')] }),
    svc('t-counsel', 'Zephyr Advice Point', 'Free legal counsel for teens.', { lat: north(1.5),
      attributes: [{ id: 'attr-tt-c', taxonomy_term: { id: 'tt-c', name: 'Child', code: 'tt-c', taxonomy: 'Test Taxonomy', parent_id: 'tt-p' } }] }),
    svc('t-accent', 'Clínica Zéfiro Juvenil', 'Atención médica gratuita.', { lat: north(2),
      languages: [{ id: 't-accent-es', name: 'Spanish', code: 'es' }], cost_options: [{ id: 't-accent-c', amount: 0, currency: 'USD' }] }),
    svc('t-in', 'Zephyr Edge Inside', 'Near the edge.', { lat: north(4.9) }),
    svc('t-out', 'Zephyr Edge Outside', 'Past the edge.', { lat: north(5.1) }),
    svc('t-night', 'Zephyr Night Shelter', 'Beds overnight.', { lat: north(0.5), schedules: [weekly('t-night-s', '22:00', '06:00')] }),
    svc('t-early', 'Zephyr Early Hours', 'Open in the small hours.', { lat: north(0.6), schedules: [weekly('t-early-s', '01:00', '03:00')] }),
    svc('t-teen', 'Zephyr Teen Lounge', 'For teens only.', { lat: north(0.7), minimum_age: 13, maximum_age: 17, attributes: [term('tt-b', 'Beta')] }),
    svc('t-syz', 'Zephyr Fire Station 9', 'A Safe Youth Zone.', { lat: north(0.8),
      service_at_locations: undefined }),
  ],
};
// the Safe Youth Zone site
FIXTURE.services[10].service_at_locations = [{ id: 't-syz-sal', location: { id: 't-syz-loc', name: 'Zephyr Fire Station 9', latitude: north(0.8), longitude: C.lon,
  x_safe_youth_zone: { staff_contact: 'Captain on duty, (785) 555-0100' } } }];

describe('the directory search API', () => {
  let srv;
  let root;
  const q = (params) => srv.get(`/api/directory/services?${new URLSearchParams(params)}`);
  const ids = (r) => r.body.contents.map((s) => s.id);
  const setClock = async (iso) => {
    const r = await srv.post('/api/v1/test/clock', { now: iso }, { admin: true });
    assert.equal(r.status, 200, r.text);
  };

  before(async () => {
    srv = await startServer();
    root = await mkdtemp(path.join(tmpdir(), 'haven-dirsearch-'));
    const file = path.join(root, 'fixture.json');
    await writeFile(file, JSON.stringify(FIXTURE));
    // the demo's directory is searchable before the import
    const demo = await q({ per_page: '1' });
    assert.equal(demo.status, 200, demo.text);
    assert.ok(demo.body.total_items >= 200, demo.text);
    // imported by another process while the server runs
    const r = await haven(['directory', 'import', file, '--data', srv.dataDir]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await srv?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the root, and a new import is seen without a restart', async () => {
    const r = await srv.get('/api/directory/');
    assert.equal(r.status, 200);
    assert.equal(r.body.version, '3.0');
    assert.match(r.headers.get('cache-control'), /max-age=60/);
    const s = await q({ search: 'zephyr', near: NEAR, radius_mi: '10' });
    assert.equal(s.status, 200, s.text);
    assert.ok(s.body.total_items >= 9, s.text);
    // an answer around a person's place is never cached; others may be
    assert.equal(s.headers.get('cache-control'), 'no-store');
    const far = await q({ search: 'zephyr' });
    assert.equal(far.headers.get('cache-control'), 'public, max-age=60');
    const sites = await srv.get(`/api/directory/sites?near=${NEAR}`);
    assert.equal(sites.headers.get('cache-control'), 'no-store');
    const allSites = await srv.get('/api/directory/sites');
    assert.equal(allSites.headers.get('cache-control'), 'public, max-age=60');
    const prox = await srv.get(`/api/directory/service_at_locations?proximity=${NEAR}&radius_mi=1`);
    assert.equal(prox.headers.get('cache-control'), 'no-store');
    const zip = await srv.get('/api/directory/service_at_locations?postcode=67401');
    assert.equal(zip.headers.get('cache-control'), 'no-store');
  });

  it('relevance: a name match beats a description match; stemming; accents', async () => {
    const r = await q({ search: 'counseling', near: NEAR, radius_mi: '10' });
    assert.equal(r.status, 200, r.text);
    const got = ids(r);
    assert.ok(got.indexOf('t-name') >= 0 && got.indexOf('t-desc') >= 0, r.text);
    assert.ok(got.indexOf('t-name') < got.indexOf('t-desc'), `name before description: ${got}`);
    assert.ok(got.includes('t-counselor'), `"counseling" finds "counselor": ${got}`);
    assert.ok(got.includes('t-counsel'), `"counseling" finds "counsel": ${got}`);
    const a = await q({ search: 'clinica zefiro', near: NEAR });
    assert.deepEqual(ids(a), ['t-accent']);
    const b = await q({ search: 'Clínica Zéfiro', near: NEAR });
    assert.deepEqual(ids(b), ['t-accent']);
    // FTS syntax is never passed through
    for (const text of ['zephyr OR "', 'NEAR(zephyr', '*', 'zephyr AND NOT', '{name}: x', '"']) {
      const x = await q({ search: text, near: NEAR });
      assert.equal(x.status, 200, `${text}: ${x.text}`);
    }
  });

  it('radius edges: 4.9 miles is in, 5.1 out for radius 5; distance and point given', async () => {
    const r = await q({ search: 'edge', near: NEAR, radius_mi: '5' });
    assert.deepEqual(ids(r), ['t-in']);
    const s = r.body.contents[0];
    assert.ok(Math.abs(s.distance_mi - 4.9) < 0.01, `distance ${s.distance_mi}`);
    assert.ok(Math.abs(s.latitude - north(4.9)) < 1e-6);
    const wide = await q({ search: 'edge', near: NEAR, radius_mi: '5.2' });
    assert.deepEqual(ids(wide), ['t-in', 't-out'], 'nearest first among equals');
    // without words: by distance
    const all = await q({ near: NEAR, radius_mi: '1.2' });
    const d = all.body.contents.map((x) => x.distance_mi);
    assert.deepEqual(d, [...d].sort((x, y) => x - y));
    assert.equal(ids(all)[0], 't-name');
  });

  it('open now across midnight (test clock)', async () => {
    // Wednesday 25 November 2026, Los Angeles time (UTC-8)
    await setClock('2026-11-25T23:30:00-08:00');
    let r = await q({ search: 'night shelter', near: NEAR, open_now: 'true' });
    assert.deepEqual(ids(r), ['t-night'], r.text);
    assert.equal(r.body.contents[0].open_now, true);
    await setClock('2026-11-26T02:00:00-08:00');
    r = await q({ search: 'night shelter', near: NEAR, open_now: 'true' });
    assert.deepEqual(ids(r), ['t-night'], 'still open after midnight');
    await setClock('2026-11-26T07:00:00-08:00');
    r = await q({ search: 'night shelter', near: NEAR, open_now: 'true' });
    assert.deepEqual(ids(r), [], 'closed at 7 am');
    r = await q({ search: 'night shelter', near: NEAR });
    assert.equal(r.body.contents[0].open_now, false);
    assert.match(r.body.contents[0].next_open, /^Opens Thu 22:00$/);
    await srv.resetClock();
  });

  it('open at the daylight-saving changes (open_at filters)', async () => {
    const at = (text, iso) => q({ search: text, near: NEAR, open_at: iso });
    // spring forward, 8 March 2026: 01:00-03:00 is open one hour (09:00Z-10:00Z)
    assert.deepEqual(ids(await at('early hours', '2026-03-08T09:30:00Z')), ['t-early']);
    assert.deepEqual(ids(await at('early hours', '2026-03-08T10:15:00Z')), [], 'not open at 03:15 PDT');
    assert.deepEqual(ids(await at('early hours', '2026-03-07T10:15:00Z')), ['t-early'], '02:15 PST the day before');
    // fall back, 1 November 2026: 22:00-06:00 lasts until 06:00 PST (14:00Z)
    const r = await at('night shelter', '2026-11-01T13:30:00Z');
    assert.deepEqual(ids(r), ['t-night'], '05:30 PST, after the repeated hour');
    assert.equal(r.body.contents[0].open_now, true);
    assert.deepEqual(ids(await at('night shelter', '2026-11-01T14:30:00Z')), [], '06:30 PST');
    // with the clock on the spring-forward night: the index's week masks
    await setClock('2026-03-08T01:30:00-08:00');
    assert.deepEqual(ids(await q({ search: 'early hours', near: NEAR, open_now: 'true' })), ['t-early']);
    await setClock('2026-03-08T03:15:00-07:00');
    const closed = await q({ search: 'early hours', near: NEAR });
    assert.equal(closed.body.contents[0].open_now, false);
    assert.match(closed.body.contents[0].next_open, /^Opens Mon 1:00$/);
    await srv.resetClock();
  });

  it('age, language, free, taxonomy terms ANDed, Safe Youth Zones', async () => {
    let r = await q({ search: 'teen lounge', near: NEAR, age: '15' });
    assert.deepEqual(ids(r), ['t-teen']);
    r = await q({ search: 'teen lounge', near: NEAR, age: '19' });
    assert.deepEqual(ids(r), []);
    r = await q({ search: 'teen lounge', near: NEAR, age: '12' });
    assert.deepEqual(ids(r), []);
    r = await q({ near: NEAR, radius_mi: '10', language: 'ES' });
    assert.deepEqual(ids(r), ['t-accent']);
    r = await q({ near: NEAR, radius_mi: '10', free: 'true' });
    assert.deepEqual(ids(r), ['t-accent']);
    r = await q({ near: NEAR, radius_mi: '10', taxonomy_term_id: 'tt-a' });
    assert.deepEqual(ids(r).sort(), ['t-desc', 't-name']);
    r = await srv.get(`/api/directory/services?near=${NEAR}&taxonomy_term_id=tt-a&taxonomy_term_id=tt-b`);
    assert.deepEqual(ids(r), ['t-name'], 'repeated: AND');
    r = await q({ near: NEAR, taxonomy_term_id: 'tt-a,tt-b' });
    assert.deepEqual(ids(r), ['t-name'], 'comma-separated: AND');
    r = await q({ near: NEAR, taxonomy_term_id: 'no-such-term' });
    assert.equal(r.body.total_items, 0);
    // a parent term finds the services tagged with its descendants too
    r = await q({ near: NEAR, radius_mi: '10', taxonomy_term_id: 'tt-p' });
    assert.deepEqual(ids(r).sort(), ['t-counsel', 't-counselor'], 'parent: itself and its child');
    r = await q({ near: NEAR, radius_mi: '10', taxonomy_term_id: 'tt-c' });
    assert.deepEqual(ids(r), ['t-counsel'], 'child: only itself');
    const child = await srv.get('/api/directory/taxonomy_terms/tt-c');
    assert.equal(child.status, 200, child.text);
    r = await q({ near: NEAR, syz: 'true' });
    assert.deepEqual(ids(r), ['t-syz']);
    assert.equal(r.body.contents[0].location.safe_youth_zone, true);
    const sites = await srv.get(`/api/directory/sites?near=${NEAR}&radius_mi=3`);
    assert.equal(sites.status, 200, sites.text);
    assert.equal(sites.body.items.length, 1);
    assert.equal(sites.body.items[0].staff_contact, 'Captain on duty, (785) 555-0100');
    assert.equal(sites.body.items[0].type, 'fire_station');
    const demoSites = await srv.get('/api/directory/sites');
    assert.ok(demoSites.body.items.length >= 12, 'the demo has Safe Youth Zones');
  });

  it('paging fields and HSDS shapes', async () => {
    const p1 = await q({ search: 'zephyr', near: NEAR, radius_mi: '10', per_page: '4' });
    assert.equal(p1.status, 200);
    const { total_items: total } = p1.body;
    assert.equal(p1.body.page_number, 1);
    assert.equal(p1.body.size, 4);
    assert.equal(p1.body.total_pages, Math.ceil(total / 4));
    assert.equal(p1.body.first_page, true);
    assert.equal(p1.body.last_page, false);
    assert.equal(p1.body.empty, false);
    const last = await q({ search: 'zephyr', near: NEAR, radius_mi: '10', per_page: '4', page: String(p1.body.total_pages) });
    assert.equal(last.body.last_page, true);
    assert.equal(last.body.size, total - 4 * (p1.body.total_pages - 1));
    const past = await q({ search: 'zephyr', near: NEAR, radius_mi: '10', per_page: '4', page: '99' });
    assert.equal(past.body.empty, true);
    assert.deepEqual(past.body.contents, []);
    const seen = new Set();
    for (let page = 1; page <= p1.body.total_pages; page++) {
      const r = await q({ search: 'zephyr', near: NEAR, radius_mi: '10', per_page: '4', page: String(page) });
      for (const id of ids(r)) seen.add(id);
    }
    assert.equal(seen.size, total, 'pages cover every hit once');
    // minimal and full shapes
    const m = p1.body.contents[0];
    for (const k of ['id', 'name', 'description', 'organization', 'phones', 'open_now', 'distance_mi', 'latitude', 'longitude']) {
      assert.ok(k in m, `minimal has ${k}`);
    }
    const full = await q({ search: 'zephyr counseling hall', near: NEAR, full: 'true' });
    const f = full.body.contents[0];
    assert.equal(f.id, 't-name');
    assert.ok(Array.isArray(f.service_at_locations) && f.service_at_locations[0].location, full.text);
    assert.ok(Array.isArray(f.attributes));
    const one = await srv.get('/api/directory/services/t-name');
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.organization.id, 'org-ks');
    assert.equal(typeof one.body.open_now, 'boolean');
    assert.ok(one.body.hours_text);
    const org = await srv.get('/api/directory/organizations/org-ks');
    assert.equal(org.status, 200);
    const loc = await srv.get('/api/directory/locations/t-syz-loc');
    assert.equal(loc.status, 200);
    const sal = await srv.get('/api/directory/service_at_locations/t-name-sal');
    assert.equal(sal.status, 200, sal.text);
    assert.equal(sal.body.service.id, 't-name');
    assert.equal(sal.body.location.id, 't-name-loc');
    const sals = await srv.get('/api/directory/service_at_locations?postcode=67401&per_page=50');
    assert.equal(sals.body.total_items, 10, sals.text);
    const prox = await srv.get(`/api/directory/service_at_locations?proximity=${NEAR}&radius_mi=1`);
    assert.ok(prox.body.total_items >= 1);
    const terms = await srv.get('/api/directory/taxonomy_terms?per_page=100');
    assert.equal(terms.status, 200);
    assert.ok(terms.body.total_items >= 2);
    const tax = await srv.get('/api/directory/taxonomies');
    assert.equal(tax.status, 200);
    assert.ok(tax.body.contents.some((t) => t.name === 'Test Taxonomy'), tax.text);
    const t1 = await srv.get('/api/directory/taxonomy_terms/tt-a');
    assert.equal(t1.status, 200);
    assert.equal(t1.body.name, 'Alpha');
  });

  it('errors are problem+json naming the parameter', async () => {
    expectProblem(assert, await q({ near: '90053' }), 400, 'invalid-parameter', 'near');
    const noArea = await q({ near: '90053' });
    assert.match(noArea.body.detail, /try an address/);
    expectProblem(assert, await q({ near: '9001' }), 400, 'invalid-parameter', 'near');
    expectProblem(assert, await q({ near: '95.0,-98' }), 400, 'invalid-parameter', 'near');
    expectProblem(assert, await q({ near: NEAR, radius_mi: '101' }), 400, 'invalid-parameter', 'radius_mi');
    expectProblem(assert, await q({ radius_mi: '3' }), 400, 'invalid-parameter', 'radius_mi');
    expectProblem(assert, await q({ age: 'ten' }), 400, 'invalid-parameter', 'age');
    expectProblem(assert, await q({ language: 'spanish' }), 400, 'invalid-parameter', 'language');
    expectProblem(assert, await q({ open_now: 'yes' }), 400, 'invalid-parameter', 'open_now');
    expectProblem(assert, await q({ open_at: 'tomorrow' }), 400, 'invalid-parameter', 'open_at');
    expectProblem(assert, await q({ per_page: '101' }), 400, 'invalid-parameter', 'per_page');
    expectProblem(assert, await q({ page: '0' }), 400, 'invalid-parameter', 'page');
    expectProblem(assert, await q({ near: '1600 Pennsylvania Ave' }), 503, 'unavailable', 'near');
    expectProblem(assert, await srv.get('/api/directory/services/no-such-service'), 404, 'not-found');
  });

  it('the OpenAPI document lists the directory routes with their parameters', async () => {
    const r = await srv.get('/api/v1/openapi.json');
    const op = r.body.paths['/api/directory/services'].get;
    const names = op.parameters.map((p) => p.name);
    for (const n of ['search', 'near', 'radius_mi', 'open_now', 'age', 'language', 'free', 'taxonomy_term_id', 'page', 'per_page']) {
      assert.ok(names.includes(n), n);
    }
    assert.deepEqual(op.security, []);
    const one = r.body.paths['/api/directory/services/{id}'].get;
    assert.equal(one.parameters[0].schema.type, 'string');
  });
});

describe('the directory search is throttled per client address', () => {
  let srv;
  before(async () => { srv = await startServer({ config: '[directory]\nsearch_rate_per_minute = 3\n' }); });
  after(async () => { await srv?.cleanup(); });

  it('past the rate: 429 with Retry-After; other routes still answer', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await srv.get('/api/directory/services?search=help')).status, 200);
    const r = await srv.get('/api/directory/services?search=help');
    expectProblem(assert, r, 429, 'rate-limited');
    assert.equal(r.headers.get('retry-after'), '60');
    assert.equal((await srv.get('/api/directory/taxonomies')).status, 200);
  });
});
