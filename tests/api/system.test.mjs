// Health, readiness, metrics, security headers, request ids, static files
// and the settable test clock.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { expectProblem, startServer } from '../lib/api.mjs';

/** Sends RAW over a plain socket to SRV; resolves the whole answer text. */
function rawHttp(srv, raw) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    sock.setTimeout(5000, () => { sock.destroy(); resolve(data); });
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
    sock.write(raw);
  });
}

function checkSecurityHeaders(r, what) {
  const h = r.headers;
  const csp = h.get('content-security-policy');
  assert.ok(csp, `${what}: Content-Security-Policy`);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.match(csp, /default-src 'self'/, what);
  assert.doesNotMatch(csp, /unsafe-inline/, what);
  assert.doesNotMatch(csp, /unsafe-eval/, what);
  assert.equal(h.get('x-content-type-options'), 'nosniff', what);
  assert.ok(h.get('referrer-policy'), `${what}: Referrer-Policy`);
  assert.match(h.get('referrer-policy'), /no-referrer|same-origin|strict-origin/, what);
  assert.match(h.get('x-request-id') || '', /^[A-Za-z0-9_-]{8,}$/, `${what}: X-Request-Id`);
  assert.equal(h.get('strict-transport-security'), null, `${what}: no HSTS over plain http`);
}

describe('health, readiness and metrics', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('/healthz answers 200', async () => {
    const r = await srv.get('/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
  });

  it('/readyz answers 200 {"status":"ok"}', async () => {
    const r = await srv.get('/readyz');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.database, 'ok');
  });

  it('HEAD works on GET routes', async () => {
    const r = await srv.request('HEAD', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });

  it('/metrics is Prometheus text with per-route counters, histograms, uptime and database errors', async () => {
    await srv.get('/healthz');
    await srv.get('/api/v1/agencies', { admin: true });
    await srv.get('/api/v1/this-is-not-a-route-xyz');
    const r = await srv.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    const t = r.text;
    assert.match(t, /^# TYPE haven_http_requests_total counter$/m);
    assert.match(t, /^haven_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m);
    assert.match(t, /^haven_http_requests_total\{method="GET",route="\/api\/v1\/agencies",status="200"\} \d+$/m);
    assert.match(t, /^# TYPE haven_http_request_duration_seconds histogram$/m);
    assert.match(t, /^haven_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="[0-9.e+-]+"\} \d+$/m);
    assert.match(t, /^haven_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\} \d+$/m);
    assert.match(t, /^haven_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} \d+$/m);
    assert.match(t, /^haven_uptime_seconds [0-9.]+$/m);
    assert.match(t, /^haven_database_errors_total 0$/m);
    assert.ok(!t.includes('this-is-not-a-route-xyz'), 'unknown paths do not become labels');
  });

  it('the request counter counts', async () => {
    const count = async () => {
      const t = (await srv.get('/metrics')).text;
      const m = /^haven_http_requests_total\{method="GET",route="\/readyz",status="200"\} (\d+)$/m.exec(t);
      return m ? Number(m[1]) : 0;
    };
    const before0 = await count();
    for (let i = 0; i < 3; i++) await srv.get('/readyz');
    assert.equal(await count(), before0 + 3);
  });
});

describe('security headers and request ids', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('every kind of response carries the security headers and no HSTS over http', async () => {
    checkSecurityHeaders(await srv.get('/healthz'), '/healthz');
    checkSecurityHeaders(await srv.get('/api/v1/me'), '401 API');
    checkSecurityHeaders(await srv.get('/api/v1/agencies', { admin: true }), 'API JSON');
    checkSecurityHeaders(await srv.get('/login'), 'static /login');
    checkSecurityHeaders(await srv.get('/'), 'static /');
    checkSecurityHeaders(await srv.get('/api/v1/nope'), 'API 404');
    checkSecurityHeaders(await srv.get('/no/such/page'), 'page 404');
    checkSecurityHeaders(await srv.del('/api/v1/agencies', { admin: true }), '405');
    checkSecurityHeaders(await srv.post('/api/v1/agencies', { x: 1 }, { admin: true }), '400');
    checkSecurityHeaders(await srv.get('/metrics'), '/metrics');
    checkSecurityHeaders(await srv.get('/api/v1/openapi.json'), 'openapi');
    const page = await srv.get('/login');
    checkSecurityHeaders(await srv.get('/login', { headers: { 'If-None-Match': page.headers.get('etag') } }), '304');
  });

  it('API answers are not cached', async () => {
    assert.equal((await srv.get('/api/v1/me', { admin: true })).headers.get('cache-control'), 'no-store');
    assert.equal((await srv.get('/api/v1/me')).headers.get('cache-control'), 'no-store');
  });

  it('a given X-Request-Id is echoed, in the header, a problem body and the log line', async () => {
    const id = 'api-test-request-0001';
    const r = await srv.get('/api/v1/me', { headers: { 'X-Request-Id': id } });
    assert.equal(r.headers.get('x-request-id'), id);
    assert.equal(r.body.request_id, id);
    await srv.get('/healthz');
    const line = srv.logs().find((l) => l.msg === 'request' && l.request_id === id);
    assert.ok(line, 'the access log names the request id');
    assert.equal(line.status, 401);
  });

  it('an unsafe or odd X-Request-Id is replaced, not echoed', async () => {
    for (const bad of ['short', 'has spaces in it', 'x'.repeat(80), 'semi;colon;id', '<script>alert(1)</script>']) {
      const r = await srv.get('/healthz', { headers: { 'X-Request-Id': bad } });
      const got = r.headers.get('x-request-id');
      assert.notEqual(got, bad);
      assert.match(got, /^[A-Za-z0-9_-]{8,}$/);
    }
  });

  it('generated request ids differ', async () => {
    const ids = new Set();
    for (let i = 0; i < 5; i++) ids.add((await srv.get('/healthz')).headers.get('x-request-id'));
    assert.equal(ids.size, 5);
  });
});

describe('static files', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  it('/login is served as HTML with an ETag; If-None-Match gives 304 with no body', async () => {
    const r = await srv.get('/login');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.match(r.text, /sign in/);
    const etag = r.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]+"$/);
    const again = await srv.get('/login', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.get('etag'), etag);
    const other = await srv.get('/login', { headers: { 'If-None-Match': '"0000000000000000"' } });
    assert.equal(other.status, 200);
    assert.match(other.text, /sign in/);
  });

  it('/ serves index.html and scripts are text/javascript', async () => {
    const r = await srv.get('/');
    assert.equal(r.status, 200);
    assert.match(r.text, /home/);
    const js = await srv.get('/js/app.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^text\/javascript/);
  });

  it('an unknown page answers 404 with the 404 page', async () => {
    const r = await srv.get('/no/such/page');
    assert.equal(r.status, 404);
    assert.match(r.text, /nothing here/);
  });

  it('a write to a static page answers 405 with Allow: GET, HEAD', async () => {
    const r = await srv.request('POST', '/login', { body: 'x' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  });

  it('paths with .. never reach outside the web directory', async () => {
    for (const p of ['/../haven.ini', '/js/../../haven.ini', '/%2e%2e/haven.ini', '/..%2fhaven.ini', '/../data/haven.key']) {
      const text = await rawHttp(srv, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]);
      assert.ok(status === 404 || status === 400, `${p}: ${text.slice(0, 80)}`);
      assert.ok(!text.includes('login_rate_per_minute'), `${p} leaked the config file`);
    }
  });
});

describe('the test clock', () => {
  let srv;
  let hotline;
  before(async () => {
    srv = await startServer();
    hotline = await srv.session('hotline');
  });
  after(async () => { await srv?.cleanup(); });

  it('GET /api/v1/test/clock as admin gives now, now_ms and offset_ms', async () => {
    const r = await srv.get('/api/v1/test/clock', { admin: true });
    assert.equal(r.status, 200, r.text);
    assert.ok(Math.abs(r.body.now_ms - Date.now()) < 60000);
    assert.equal(Date.parse(r.body.now), r.body.now_ms);
    assert.equal(typeof r.body.offset_ms, 'number');
  });

  it('setting "now" shows in GET, and in what the server writes', async () => {
    const set = await srv.post('/api/v1/test/clock', { now: '2030-01-02T03:04:05Z' }, { admin: true });
    assert.equal(set.status, 200, set.text);
    const r = await srv.get('/api/v1/test/clock', { admin: true });
    const want = Date.parse('2030-01-02T03:04:05Z');
    assert.ok(r.body.now_ms >= want && r.body.now_ms < want + 10000, r.text);
    assert.match(r.body.now, /^2030-01-02T03:04:/);
    const a = await srv.post('/api/v1/agencies', { name: 'Future Agency', kind: 'advocacy' }, { admin: true });
    assert.match(a.body.created_at, /^2030-01-02T03:04:/);
    const audit = await srv.audit(5);
    assert.match(audit.find((e) => e.action === 'agency.create').at, /^2030-01-02T03:04:/);
  });

  it('advance_ms moves it on', async () => {
    const before0 = (await srv.get('/api/v1/test/clock', { admin: true })).body.now_ms;
    const r = await srv.post('/api/v1/test/clock', { advance_ms: 90 * 60000 }, { admin: true });
    assert.equal(r.status, 200);
    const d = r.body.now_ms - before0;
    assert.ok(d >= 90 * 60000 && d < 90 * 60000 + 10000, `moved by ${d}`);
  });

  it('reset brings it back to real time', async () => {
    const r = await srv.post('/api/v1/test/clock', { reset: true }, { admin: true });
    assert.equal(r.status, 200);
    assert.ok(Math.abs(r.body.offset_ms) < 1000, r.text);
  });

  it('bad input answers 400', async () => {
    expectProblem(assert, await srv.post('/api/v1/test/clock', { now: 'tomorrow' }, { admin: true }), 400, 'invalid', 'now');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: '5' }, { admin: true }), 400, 'invalid', 'advance_ms');
    expectProblem(assert, await srv.post('/api/v1/test/clock', {}, { admin: true }), 400, 'invalid');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: 5, warp: 9 }, { admin: true }), 400, 'invalid', 'warp');
  });

  it('a non-administrator gets 403, and no one signed in gets 401', async () => {
    expectProblem(assert, await srv.get('/api/v1/test/clock', { session: hotline }), 403, 'forbidden');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: 60000 }, { session: hotline }), 403, 'forbidden');
    expectProblem(assert, await srv.get('/api/v1/test/clock'), 401, 'unauthenticated');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: 60000 }), 401, 'unauthenticated');
  });

  it('an administrator\'s cookie session needs the CSRF token to set it', async () => {
    const admin = await srv.session('admin');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: 1 }, { session: admin, csrf: false }), 403, 'csrf');
    assert.equal((await srv.post('/api/v1/test/clock', { advance_ms: 1 }, { session: admin })).status, 200);
  });
});

describe('a server started without --test-clock', () => {
  let srv;
  before(async () => { srv = await startServer({ testClock: false }); });
  after(async () => { await srv?.cleanup(); });

  it('answers 404 to the test clock, even for an administrator', async () => {
    expectProblem(assert, await srv.get('/api/v1/test/clock', { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { advance_ms: 3600000 }, { admin: true }), 404, 'not-found');
    expectProblem(assert, await srv.post('/api/v1/test/clock', { now: '2030-01-01T00:00:00Z' }, { admin: true }), 404, 'not-found');
    const a = await srv.post('/api/v1/agencies', { name: 'Real Time Agency', kind: 'advocacy' }, { admin: true });
    assert.ok(Math.abs(Date.parse(a.body.created_at) - Date.now()) < 60000, 'the clock did not move');
  });

  it('says so in the listening line', async () => {
    const l = srv.logs().find((x) => x.msg === 'listening');
    assert.equal(l.test_clock, false);
  });
});
