// Request validation: bodies, content types, fields, sizes, routes, methods
// and path ids. Every error is application/problem+json naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';

describe('request validation', () => {
  let srv;
  let le;
  let hotlineAgency;
  before(async () => {
    srv = await startServer();
    le = await srv.agencyId({ kind: 'law_enforcement' });
    hotlineAgency = await srv.agencyId({ kind: 'hotline' });
  });
  after(async () => { await srv?.cleanup(); });

  const raw = (body, ctype = 'application/json', p = '/api/v1/agencies', method = 'POST') =>
    srv.request(method, p, { admin: true, body, headers: ctype ? { 'Content-Type': ctype } : {} });

  it('malformed JSON answers 400 /problems/malformed-json', async () => {
    for (const body of ['{"name":', '{name: "x"}', '{"name":"A","kind":"hotline",}', "{'a':1}", 'nul']) {
      const r = await raw(body);
      expectProblem(assert, r, 400, 'malformed-json');
      assert.match(r.body.detail, /not valid JSON/);
    }
  });

  it('duplicate keys in a JSON object are refused', async () => {
    const r = await raw('{"name":"Dup Keys Agency","kind":"hotline","kind":"medical"}');
    assert.equal(r.status, 400, r.text);
  });

  it('a body that is not a JSON object answers 400', async () => {
    for (const body of ['[1,2]', '[]', '"text"', '42']) {
      const r = await raw(body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    }
    expectProblem(assert, await raw('[{"name":"A","kind":"hotline"}]'), 400, 'invalid');
  });

  it('an empty body answers 400', async () => {
    expectProblem(assert, await raw(''), 400, 'invalid');
  });

  it('a body that is not application/json answers 415', async () => {
    const ok = JSON.stringify({ name: 'Wrong Type Agency', kind: 'hotline' });
    expectProblem(assert, await raw(ok, 'text/plain'), 415, 'unsupported-media-type');
    expectProblem(assert, await raw(ok, 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type');
    expectProblem(assert, await raw(ok, 'multipart/form-data; boundary=x'), 415, 'unsupported-media-type');
    const none = await srv.request('POST', '/api/v1/agencies', { admin: true, body: Buffer.from(ok) });
    expectProblem(assert, none, 415, 'unsupported-media-type');
    const list = await srv.get('/api/v1/agencies', { admin: true });
    assert.ok(!list.body.items.some((a) => a.name === 'Wrong Type Agency'));
  });

  it('application/json with a charset parameter is taken', async () => {
    const r = await raw(JSON.stringify({ name: 'Charset Agency', kind: 'medical' }), 'application/json; charset=utf-8');
    assert.equal(r.status, 201, r.text);
  });

  it('an unknown field answers 400 naming it', async () => {
    const r = await srv.post('/api/v1/agencies', { name: 'X', kind: 'hotline', colour: 'red' }, { admin: true });
    expectProblem(assert, r, 400, 'invalid', 'colour');
    assert.deepEqual(r.body.invalid_params.map((p) => p.name), ['colour']);
  });

  it('a read-only or create-only field in a change answers 400 naming it', async () => {
    const id = await srv.userId('hotline');
    expectProblem(assert, await srv.patch(`/api/v1/users/${id}`, { totp_enabled: true }, { admin: true }), 400, 'invalid', 'totp_enabled');
    expectProblem(assert, await srv.patch(`/api/v1/users/${id}`, { locked_until: null }, { admin: true }), 400, 'invalid', 'locked_until');
    expectProblem(assert, await srv.patch(`/api/v1/users/${id}`, { username: 'renamed' }, { admin: true }), 400, 'invalid', 'username');
    expectProblem(assert, await srv.patch(`/api/v1/users/${id}`, { password_hash: 'x' }, { admin: true }), 400, 'invalid', 'password_hash');
    expectProblem(assert, await srv.patch(`/api/v1/users/${id}`, { password: 'a-long-enough-password' }, { admin: true }), 400, 'invalid', 'password');
    expectProblem(assert, await srv.patch('/api/v1/agencies/1', { id: 7 }, { admin: true }), 400, 'invalid', 'id');
    expectProblem(assert, await srv.patch('/api/v1/agencies/1', { created_at: '2020-01-01T00:00:00Z' }, { admin: true }), 400, 'invalid', 'created_at');
  });

  it('a missing required field answers 400 naming it', async () => {
    expectProblem(assert, await srv.post('/api/v1/agencies', { kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'No Kind' }, { admin: true }), 400, 'invalid', 'kind');
    expectProblem(assert, await srv.post('/api/v1/stations', { name: 'No Agency' }, { admin: true }), 400, 'invalid', 'agency_id');
    expectProblem(assert, await srv.post('/api/v1/users', {
      username: 'nopass', display_name: 'No Pass', agency_id: hotlineAgency, roles: ['hotline_worker'],
    }, { admin: true }), 400, 'invalid', 'password');
    expectProblem(assert, await srv.post('/api/v1/users', {
      username: 'noroles', display_name: 'No Roles', agency_id: hotlineAgency, password: 'a-long-enough-password-1',
    }, { admin: true }), 400, 'invalid', 'roles');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: null, kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: '   ', kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
  });

  it('a value that is not one of the choices answers 400 naming "kind" (or "roles")', async () => {
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'Bad Kind', kind: 'bakery' }, { admin: true }), 400, 'invalid', 'kind');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'Bad Kind', kind: 'HOTLINE' }, { admin: true }), 400, 'invalid', 'kind');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'Bad Kind', kind: 3 }, { admin: true }), 400, 'invalid', 'kind');
    expectProblem(assert, await srv.post('/api/v1/users', {
      username: 'badrole', display_name: 'Bad Role', agency_id: hotlineAgency, roles: ['root'], password: 'a-long-enough-password-1',
    }, { admin: true }), 400, 'invalid', 'roles');
    expectProblem(assert, await srv.post('/api/v1/users', {
      username: 'badrole', display_name: 'Bad Role', agency_id: hotlineAgency, roles: [], password: 'a-long-enough-password-1',
    }, { admin: true }), 400, 'invalid', 'roles');
  });

  it('values of the wrong type or length answer 400 naming the field', async () => {
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 12345, kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'A', kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'x'.repeat(161), kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'Ctl\u0001Agency', kind: 'hotline' }, { admin: true }), 400, 'invalid', 'name');
    expectProblem(assert, await srv.post('/api/v1/agencies', { name: 'Active Agency', kind: 'hotline', active: 'yes' }, { admin: true }), 400, 'invalid', 'active');
    expectProblem(assert, await srv.post('/api/v1/stations', { agency_id: '1', name: 'Str Ref' }, { admin: true }), 400, 'invalid', 'agency_id');
    expectProblem(assert, await srv.post('/api/v1/stations', { agency_id: 1.5, name: 'Float Ref' }, { admin: true }), 400, 'invalid', 'agency_id');
    expectProblem(assert, await srv.patch(`/api/v1/users/${await srv.userId('hotline')}`, { email: 'not-an-address' }, { admin: true }), 400, 'invalid', 'email');
  });

  it('a station\'s go_live_date must be a real date', async () => {
    for (const d of ['2016-02-30', '2015-02-29', '2016-13-01', '2016-00-10', '2016-2-3', '16-02-03', '2016-02-03T00:00:00Z', 'soon']) {
      const r = await srv.post('/api/v1/stations', { agency_id: le, name: `Date ${d}`, go_live_date: d }, { admin: true });
      expectProblem(assert, r, 400, 'invalid', 'go_live_date');
    }
    const ok = await srv.post('/api/v1/stations', { agency_id: le, name: 'Leap Day Station', go_live_date: '2016-02-29' }, { admin: true });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.go_live_date, '2016-02-29');
  });

  it('a body larger than the default 1 MiB limit answers 413', async () => {
    const big = JSON.stringify({ name: 'Big Agency', kind: 'hotline', pad: 'x'.repeat(1100 * 1024) });
    const r = await raw(big);
    expectProblem(assert, r, 413, 'too-large');
    assert.equal((await srv.get('/healthz')).status, 200, 'the server goes on');
  });

  it('a duplicate agency name answers 409', async () => {
    const first = await srv.post('/api/v1/agencies', { name: 'Twice Agency', kind: 'advocacy' }, { admin: true });
    assert.equal(first.status, 201, first.text);
    const second = await srv.post('/api/v1/agencies', { name: 'Twice Agency', kind: 'medical' }, { admin: true });
    expectProblem(assert, second, 409, 'conflict');
    const ren = await srv.patch(`/api/v1/agencies/${first.body.id}`, { name: 'DCFS Child Protection Hotline' }, { admin: true });
    expectProblem(assert, ren, 409, 'conflict');
  });

  it('a duplicate user name answers 409 naming "username"', async () => {
    const r = await srv.post('/api/v1/users', {
      username: 'hotline', display_name: 'Second Hotline', agency_id: hotlineAgency, roles: ['hotline_worker'], password: 'a-long-enough-password-1',
    }, { admin: true });
    expectProblem(assert, r, 409, 'conflict', 'username');
  });

  it('a weak password when creating a user answers 400 naming "password"', async () => {
    for (const password of ['short', 'aaaaaaaaaaaaaaaaaaaa', '']) {
      const r = await srv.post('/api/v1/users', {
        username: 'weakling', display_name: 'Weak Password', agency_id: hotlineAgency, roles: ['hotline_worker'], password,
      }, { admin: true });
      expectProblem(assert, r, 400, 'invalid', 'password');
      assert.ok(!r.text.includes(password) || password === '', 'the password is not echoed');
    }
    expectProblem(assert, await srv.login('weakling', { password: 'short' }), 401, 'invalid-credentials');
  });

  it('a bad user name when creating a user answers 400 naming "username"', async () => {
    for (const username of ['Upper', 'a b', 'x', 'semi;colon']) {
      const r = await srv.post('/api/v1/users', {
        username, display_name: 'Bad Name', agency_id: hotlineAgency, roles: ['hotline_worker'], password: 'a-long-enough-password-1',
      }, { admin: true });
      expectProblem(assert, r, 400, 'invalid', 'username');
    }
  });

  it('a user in an agency that does not exist answers 400 naming "agency_id"', async () => {
    const r = await srv.post('/api/v1/users', {
      username: 'orphan', display_name: 'Orphan', agency_id: 99999, roles: ['hotline_worker'], password: 'a-long-enough-password-1',
    }, { admin: true });
    expectProblem(assert, r, 400, 'invalid', 'agency_id');
  });

  it('an unknown route answers 404 problem+json', async () => {
    for (const p of ['/api/v1/nope', '/api/v1/agencies/1/nope', '/api/v2/agencies', '/api/v1/']) {
      expectProblem(assert, await srv.get(p), 404, 'not-found');
      expectProblem(assert, await srv.get(p, { admin: true }), 404, 'not-found');
    }
    expectProblem(assert, await srv.post('/api/v1/nope', { a: 1 }, { admin: true }), 404, 'not-found');
  });

  it('a method the route does not take answers 405 with an Allow header', async () => {
    const r = await srv.del('/api/v1/agencies', { admin: true });
    expectProblem(assert, r, 405, 'method-not-allowed');
    const allow = (r.headers.get('allow') || '').split(',').map((x) => x.trim()).sort();
    assert.deepEqual(allow, ['GET', 'POST']);
    const r2 = await srv.request('PUT', '/api/v1/agencies/1', { admin: true, json: { name: 'x' } });
    expectProblem(assert, r2, 405, 'method-not-allowed');
    assert.deepEqual((r2.headers.get('allow') || '').split(',').map((x) => x.trim()).sort(), ['GET', 'PATCH']);
    const r3 = await srv.get('/api/v1/session');
    expectProblem(assert, r3, 405, 'method-not-allowed');
    assert.deepEqual((r3.headers.get('allow') || '').split(',').map((x) => x.trim()).sort(), ['DELETE', 'POST']);
  });

  it('a path id that is not a positive number answers 404', async () => {
    for (const id of ['abc', '1abc', '-1', '0', '1.0', '99999', '123456789012345678901']) {
      const r = await srv.get(`/api/v1/agencies/${id}`, { admin: true });
      expectProblem(assert, r, 404, 'not-found');
    }
    expectProblem(assert, await srv.patch('/api/v1/agencies/abc', { name: 'Nope Agency' }, { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.get('/api/v1/users/abc', { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.get('/api/v1/users/99999', { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.post('/api/v1/users/99999/unlock', undefined, { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.get('/api/v1/stations/x', { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.del('/api/v1/tokens/x', { admin: true }), 404, 'not-found');
  });

  it('the audit list checks its query parameters', async () => {
    expectProblem(assert, await srv.get('/api/v1/audit?limit=0', { admin: true }), 400, 'invalid', 'limit');
    expectProblem(assert, await srv.get('/api/v1/audit?limit=501', { admin: true }), 400, 'invalid', 'limit');
    expectProblem(assert, await srv.get('/api/v1/audit?limit=ten', { admin: true }), 400, 'invalid', 'limit');
    expectProblem(assert, await srv.get('/api/v1/audit?before_id=-3', { admin: true }), 400, 'invalid', 'before_id');
    const page = await srv.get('/api/v1/audit?limit=2', { admin: true });
    assert.equal(page.body.items.length, 2);
    const next = await srv.get(`/api/v1/audit?limit=2&before_id=${page.body.next_before_id}`, { admin: true });
    assert.ok(next.body.items.every((e) => e.id < page.body.next_before_id));
  });

  it('a problem carries the request id of its response', async () => {
    const r = await srv.post('/api/v1/agencies', { colour: 'red' }, { admin: true });
    assert.equal(r.body.request_id, r.headers.get('x-request-id'));
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });
});

describe('a smaller body limit from the configuration', () => {
  let srv;
  before(async () => { srv = await startServer({ config: '[server]\nmax_body_bytes = 2048\n' }); });
  after(async () => { await srv?.cleanup(); });

  it('a body over max_body_bytes answers 413; one under it is taken', async () => {
    const over = await srv.post('/api/v1/agencies', { name: 'Over Limit Agency', kind: 'hotline', pad: 'y'.repeat(3000) }, { admin: true });
    expectProblem(assert, over, 413, 'too-large');
    assert.match(over.body.detail, /2048/);
    const under = await srv.post('/api/v1/agencies', { name: 'Under Limit Agency', kind: 'hotline' }, { admin: true });
    assert.equal(under.status, 201, under.text);
  });

  it('an over-long body without Content-Length (chunked) answers 413 too', async () => {
    const body = new ReadableStream({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"name":"' : 'z'.repeat(1000)));
        c.enqueue(new TextEncoder().encode('","kind":"hotline"}'));
        c.close();
      },
    });
    const res = await fetch(`${srv.url}/api/v1/agencies`, {
      method: 'POST', body, duplex: 'half',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.adminToken}` },
    });
    assert.equal(res.status, 413, await res.text());
  });
});
