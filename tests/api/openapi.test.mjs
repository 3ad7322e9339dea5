// The OpenAPI document describes every route the server has (the list is
// read from src/api/api.c's route table, independently of the server), and
// every path it describes answers.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, startServer } from '../lib/api.mjs';

const ROUTER_404 = 'there is nothing at this address';

/** [{method, path, handler}] from the api_routes table in src/api/api.c. */
async function routesFromSource() {
  const text = await readFile(path.join(SOURCE_DIR, 'src/api/api.c'), 'utf8');
  const start = text.indexOf('api_routes[] = {');
  assert.ok(start >= 0, 'api_routes table found in src/api/api.c');
  const end = text.indexOf('\n};', start);
  const table = text.slice(start, end);
  const re = /\{\s*"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)",\s*"([^"]+)",\s*(\w+)\s*,/g;
  const out = [];
  for (let m; (m = re.exec(table));) out.push({ method: m[1], path: m[2], handler: m[3] });
  return out;
}

// The public directory names records by HSDS id: the demo's (haven demo, synth_demo).
const DIRECTORY_IDS = {
  '/api/directory/services/{id}': '/api/directory/services/svc-20261-0',
  '/api/directory/organizations/{id}': '/api/directory/organizations/org-20261-syz',
  '/api/directory/service_at_locations/{id}': '/api/directory/service_at_locations/svc-20261-0-sal-0',
  '/api/directory/taxonomy_terms/{id}': '/api/directory/taxonomy_terms/open-eligibility:10104',
  '/api/directory/locations/{id}': '/api/directory/locations/svc-20261-0-loc-0',
};

describe('the OpenAPI document', () => {
  let srv;
  let doc;
  let routes;
  before(async () => {
    srv = await startServer();
    routes = await routesFromSource();
    const r = await srv.get('/api/v1/openapi.json');
    assert.equal(r.status, 200, r.text);
    doc = r.body;
  });
  after(async () => { await srv?.cleanup(); });

  it('is served without sign-in as OpenAPI 3.1.0 JSON', async () => {
    const r = await srv.get('/api/v1/openapi.json');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.equal(typeof doc.paths, 'object');
  });

  it('the route table was read (sanity check of the parser)', () => {
    assert.ok(routes.length >= 30, `only ${routes.length} routes parsed`);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const k of ['GET /healthz', 'POST /api/v1/session', 'GET /api/v1/users/{id}', 'POST /api/v1/users/{id}/totp/reset', 'GET /api/v1/audit']) {
      assert.ok(keys.includes(k), `${k} parsed`);
    }
    assert.equal(new Set(keys).size, keys.length, 'no route twice');
  });

  it('describes every route of the server, with a summary and responses', () => {
    const missing = [];
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      if (!op) {
        missing.push(`${r.method} ${r.path}`);
        continue;
      }
      assert.equal(typeof op.summary, 'string', `${r.method} ${r.path} summary`);
      assert.ok(op.summary.length > 3, `${r.method} ${r.path} summary`);
      assert.equal(typeof op.responses, 'object', `${r.method} ${r.path} responses`);
      assert.ok(Object.keys(op.responses).length > 0, `${r.method} ${r.path} responses`);
      for (const [status, resp] of Object.entries(op.responses)) {
        assert.match(status, /^[1-5]\d\d$/, `${r.method} ${r.path} status key`);
        assert.equal(typeof resp.description, 'string', `${r.method} ${r.path} ${status} description`);
      }
      assert.ok(Object.keys(op.responses).some((s) => s.startsWith('2')), `${r.method} ${r.path} has a success response`);
      for (const name of r.path.match(/\{(\w+)\}/g) || []) {
        const pname = name.slice(1, -1);
        assert.ok((op.parameters || []).some((p) => p.in === 'path' && p.name === pname && p.required === true),
          `${r.method} ${r.path} declares path parameter ${pname}`);
      }
    }
    assert.deepEqual(missing, [], 'routes missing from the document');
  });

  it('describes nothing the server does not have', () => {
    const have = new Set(routes.map((r) => `${r.method.toLowerCase()} ${r.path}`));
    const extra = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of Object.keys(item)) {
        if (['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(m) && !have.has(`${m} ${p}`)) extra.push(`${m} ${p}`);
      }
    }
    assert.deepEqual(extra, []);
  });

  it('operation ids are unique and every $ref resolves', () => {
    const ids = [];
    const refs = [];
    const walk = (v) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.push(x);
          else walk(x);
        }
      }
    };
    for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) ids.push(op.operationId);
    walk(doc);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/schemas\//);
      const name = ref.split('/').pop();
      assert.ok(doc.components.schemas[name], `${ref} resolves`);
    }
  });

  it('operations that need sign-in say so (401) and the others do not', async () => {
    for (const r of routes) {
      const op = doc.paths[r.path][r.method.toLowerCase()];
      const open = ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json', '/api/v1/session',
        '/api/v1/ack/{token}', '/api/v1/sms/inbound'].includes(r.path) && !(r.path === '/api/v1/session' && r.method === 'DELETE')
        || r.path.startsWith('/api/directory'); // the public directory
      if (open) assert.deepEqual(op.security, [], `${r.method} ${r.path} is open`);
      else assert.ok(op.responses['401'], `${r.method} ${r.path} documents 401`);
    }
  });

  it('every path in the document answers (never the router\'s 404), without sign-in', async () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      // a report is named, not numbered
      const concrete = p === '/api/v1/exports/{report}' ? '/api/v1/exports/outcomes?format=csv' : (DIRECTORY_IDS[p] || p.replace(/\{\w+\}/g, '1'));
      for (const m of Object.keys(item)) {
        const method = m.toUpperCase();
        const opts = method === 'GET' || method === 'DELETE' ? {} : { json: {} };
        const r = await srv.request(method, concrete, opts);
        assert.notEqual(r.status, 405, `${method} ${concrete}: 405`);
        assert.ok(!(r.status === 404 && (r.body?.detail === ROUTER_404)), `${method} ${concrete}: router 404`);
        if (method === 'GET') {
          // an acknowledgement link's token is not an id: "1" is a malformed link
          const ok = p === '/api/v1/ack/{token}' ? [400] : [200, 401, 403];
          assert.ok(ok.includes(r.status), `${method} ${concrete}: ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
    }
  });

  it('every GET path in the document answers 200 (id 1 exists everywhere): case paths to the hotline, the rest to an administrator', async () => {
    // Need to know: administrators run the system but read no child's case.
    const hotline = await srv.session('hotline');
    for (const [p, item] of Object.entries(doc.paths)) {
      if (!item.get || p === '/api/v1/events' || p === '/api/v1/ack/{token}') continue;
      // a review pair exists only once record linkage queued one (linkage_haven.test.mjs reads it)
      if (p === '/api/v1/link/pairs/{id}') continue;
      // a report is named, not numbered
      const concrete = p === '/api/v1/exports/{report}' ? '/api/v1/exports/outcomes?format=csv' : (DIRECTORY_IDS[p] || p.replace(/\{\w+\}/g, '1'));
      const caseData = /^\/api\/v1\/(referrals|youth)/.test(p);
      const r = await srv.get(concrete, caseData ? { session: hotline } : { admin: true });
      assert.equal(r.status, 200, `GET ${concrete}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });
});
