/*
 * haven.mjs - shared helpers for the black-box suites (api/, browser/):
 * start a real haven server on a loopback port with demo data, sign in over
 * HTTP, call the API, and compute TOTP codes (RFC 6238) for the demo users.
 *
 * Environment: HAVEN_BIN (the haven binary), HAVEN_SOURCE_DIR (repo root);
 * HAVEN_TEST_DB=postgres: each server on a database of its own (pgdb.mjs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dbEnv, dropDatabase } from './pgdb.mjs';

export const DEMO_PASSWORD = process.env.HAVEN_DEMO_PASSWORD || 'haven-demo-2026';
/* The demo users admin and supervisor enrol this TOTP secret. */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const DEMO_TOTP_USERS = new Set(['admin', 'supervisor', 'martsuper']);

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.HAVEN_SOURCE_DIR || path.resolve(HERE, '..', '..');

export function havenBin() {
  const bin = process.env.HAVEN_BIN;
  if (!bin) throw new Error('HAVEN_BIN is not set: run these tests from CTest or set HAVEN_BIN=path/to/haven');
  return bin;
}

const START_TIMEOUT_MS = 15000;
const STOP_GRACE_MS = 5000;

function testEnv(extra = {}) {
  return { ...process.env, HAVEN_PASSWORD_COST: 'min', ...extra };
}

/*
 * Starts `haven serve` on 127.0.0.1:0 over a fresh data directory filled by
 * `haven demo`. Resolves {url, port, dataDir, proc, logs, stop()}.
 * options.args: more arguments for serve; options.env: more environment;
 * options.demo: false to skip the demo data.
 */
export async function startHaven({ args = [], env = {}, demo = true } = {}) {
  const bin = havenBin();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'haven-test-'));
  const cleanup = () => { dropDatabase(dataDir); return rm(dataDir, { recursive: true, force: true }); };
  env = { ...dbEnv(dataDir), ...env };

  if (demo) {
    const r = spawnSync(bin, ['demo', '--data', dataDir], {
      env: testEnv(env), encoding: 'utf8', timeout: 60000,
    });
    if (r.status !== 0) {
      await cleanup();
      const tail = `${r.stdout || ''}${r.stderr || ''}`.split('\n').slice(-20).join('\n');
      throw new Error(`haven demo failed (status ${r.status}${r.error ? ', ' + r.error.message : ''}):\n${tail}`);
    }
  }

  const proc = spawn(bin, [
    'serve', '--data', dataDir, '--listen', '127.0.0.1:0',
    '--web', path.join(SOURCE_DIR, 'web'), '--test-clock', ...args,
  ], { env: testEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });

  const logs = [];
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const tail = () => logs.slice(-30).join('\n');

  const addr = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      reject(new Error(`haven serve did not report "listening" within ${START_TIMEOUT_MS} ms; stderr tail:\n${tail()}`));
    }, START_TIMEOUT_MS);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        if (logs.length > 2000) logs.splice(0, logs.length - 1000);
        if (process.env.HAVEN_TEST_LOG) process.stderr.write(`[haven] ${line}\n`);
        let rec;
        try {
          rec = JSON.parse(line);
        } catch {
          continue;
        }
        if (rec && rec.msg === 'listening' && typeof rec.addr === 'string') {
          clearTimeout(timer);
          resolve(rec.addr);
        }
      }
    });
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${bin}: ${err.message}`));
    });
    exitPromise.then((e) => {
      clearTimeout(timer);
      reject(new Error(`haven serve exited (code ${e.code}, signal ${e.signal}) before listening; stderr tail:\n${tail()}`));
    });
  }).catch(async (err) => {
    if (!exited) proc.kill('SIGKILL');
    await cleanup();
    throw err;
  });

  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  const url = `http://127.0.0.1:${port}`;

  let stopped = null;
  const stop = () => {
    if (stopped) return stopped;
    stopped = (async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, STOP_GRACE_MS);
        await exitPromise;
        clearTimeout(killer);
      }
      forgetServer(url);
      await cleanup();
      return exited;
    })();
    return stopped;
  };

  return { url, port, dataDir, proc, logs, stop, exited: () => exited };
}

/*
 * Stops HAVEN and throws unless it exited cleanly (status 0): a sanitizer
 * report or a crash during the suite fails it, with the stderr tail.
 */
export async function stopHaven(haven) {
  if (!haven) return;
  const exit = await haven.stop();
  if (!exit || exit.code !== 0) {
    throw new Error(`haven serve did not exit cleanly (${JSON.stringify(exit)}); stderr tail:\n${haven.logs.slice(-30).join('\n')}`);
  }
}

/* ---- TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) --------------- */

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = String(s).toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export const TOTP_STEP_MS = 30000;

export function totpAtStep(secretBase32, step) {
  const key = base32Decode(secretBase32);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 1000000).padStart(6, '0');
}

export function totp(secretBase32, timeMs = Date.now()) {
  return totpAtStep(secretBase32, Math.floor(timeMs / TOTP_STEP_MS));
}

/*
 * A code that this server has not seen for USERNAME yet. The server rejects a
 * code it already accepted (replay protection) and accepts the steps either
 * side of now, so: use now's step, else the next one, else wait for time to
 * catch up. Steps used are remembered per server URL and user.
 */
const usedSteps = new Map(); /* `${url} ${username}` -> last step used */

function forgetServer(url) {
  for (const key of usedSteps.keys()) if (key.startsWith(`${url} `)) usedSteps.delete(key);
}

export async function freshTotp(url, username, secret = DEMO_TOTP_SECRET) {
  const key = `${url} ${username}`;
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / TOTP_STEP_MS);
    const last = usedSteps.get(key) ?? -Infinity;
    const candidate = Math.max(step, last + 1);
    /* step+1 only while comfortably inside the window that accepts it. */
    if (candidate === step || (candidate === step + 1 && now % TOTP_STEP_MS < TOTP_STEP_MS - 3000)) {
      usedSteps.set(key, candidate);
      return totpAtStep(secret, candidate);
    }
    const wait = TOTP_STEP_MS - (now % TOTP_STEP_MS) + 250;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/* ---- HTTP ---------------------------------------------------------------- */

function cookieFrom(res) {
  const all = typeof res.headers.getSetCookie === 'function'
    ? res.headers.getSetCookie()
    : [res.headers.get('set-cookie')].filter(Boolean);
  for (const c of all) {
    const pair = c.split(';')[0].trim();
    if (pair.startsWith('haven_session=')) return pair;
  }
  return null;
}

async function readBody(res) {
  const text = await res.text();
  if (!text) return null;
  const type = res.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/*
 * Signs in over HTTP. Returns {cookie, csrf, user}; throws with the problem
 * on failure (err.status, err.body). A user in DEMO_TOTP_USERS gets a fresh
 * code when TOTP_CODE is undefined; pass null to send none.
 */
export async function login(url, username, password = DEMO_PASSWORD, totpCode) {
  if (totpCode === undefined && DEMO_TOTP_USERS.has(username)) totpCode = await freshTotp(url, username);
  const body = { username, password };
  if (totpCode) body.totp = totpCode;
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: url },
    body: JSON.stringify(body),
  });
  const data = await readBody(res);
  if (res.status !== 200) {
    const err = new Error(`login ${username}: ${res.status} ${JSON.stringify(data)}`);
    err.status = res.status;
    err.body = data;
    throw err;
  }
  const cookie = cookieFrom(res);
  if (!cookie) throw new Error(`login ${username}: 200 without a haven_session cookie`);
  return { cookie, csrf: data.csrf_token, user: data.user };
}

/* The demo administrator, with a TOTP code this server has not seen yet. */
export function loginAdmin(url) {
  return login(url, 'admin', DEMO_PASSWORD);
}

/*
 * Calls the API as SESSION ({cookie, csrf}, or null). Returns
 * {status, headers, body} (body parsed when JSON); never throws on status.
 */
export async function api(url, session, method, pathname, body) {
  method = method.toUpperCase();
  const headers = { Accept: 'application/json', Origin: url };
  if (session && session.cookie) headers.Cookie = session.cookie;
  if (session && session.csrf && !['GET', 'HEAD'].includes(method)) headers['X-CSRF-Token'] = session.csrf;
  const init = { method, headers, redirect: 'manual' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${url}${pathname}`, init);
  return { status: res.status, headers: res.headers, body: await readBody(res) };
}
