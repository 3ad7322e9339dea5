// tls.test.mjs - built-in HTTPS: with tls_cert and tls_key set, haven serves
// TLS only, marks the session cookie Secure and sends HSTS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, DEMO_PASSWORD } from '../lib/api.mjs';

const certDir = mkdtempSync(path.join(tmpdir(), 'haven-tls-'));
const key = path.join(certDir, 'key.pem');
const cert = path.join(certDir, 'cert.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
  '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
  '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
const ca = readFileSync(cert);

function https(port, method, pathname, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: pathname, ca,
      headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

describe('built-in TLS', () => {
  let s;
  before(async () => {
    s = await startServer({ config: `[server]\ntls_cert = ${cert}\ntls_key = ${key}\n` });
  });
  after(async () => {
    await s.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('serves HTTPS with HSTS and the security headers', async () => {
    const r = await https(s.port, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
    assert.match(r.headers['content-security-policy'], /frame-ancestors 'none'/);
  });

  it('marks the session cookie Secure', async () => {
    const r = await https(s.port, 'POST', '/api/v1/session',
      { username: 'hotline', password: DEMO_PASSWORD });
    assert.equal(r.status, 200);
    const cookie = [].concat(r.headers['set-cookie'])[0];
    assert.match(cookie, /haven_session=hvs_/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /HttpOnly/);
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const outcome = await new Promise((resolve) => {
      const req = plainRequest({ host: '127.0.0.1', port: s.port, path: '/healthz', timeout: 3000 },
        (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', () => resolve('error'));
      req.on('timeout', () => { req.destroy(); resolve('error'); });
      req.end();
    });
    assert.notEqual(outcome, 200);
  });
});
