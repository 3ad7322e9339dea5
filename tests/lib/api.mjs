// tests/lib/api.mjs - a small launcher and HTTP client for the API suite.
//
// startServer() makes a fresh data directory with the demo data, an API
// token for admin, a tiny web-asset fixture, and runs `haven serve` on a free
// port with the test clock. The Server object speaks HTTP (fetch), signs
// users in (computing TOTP codes for the server's clock and never reusing a
// step), and on stop() checks the exit status and that the server's stderr
// holds no AddressSanitizer / UBSan / LeakSanitizer report.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, mkdir, writeFile, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copyDatabase, databaseFor, dbEnv, dropDatabase, ON_PG } from './pgdb.mjs';

export const BIN = process.env.HAVEN_BIN || 'build/haven';
export const SOURCE_DIR = process.env.HAVEN_SOURCE_DIR || process.cwd();
export const DEMO_PASSWORD = 'haven-demo-2026';
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const DEMO_USERS = ['admin', 'supervisor', 'hotline', 'responder', 'advocate', 'clinician',
  'officer', 'analyst', 'editor', 'sitestaff', 'mart', 'martsuper'];
// Kept for the protocol suites: every demo user, MART's responder and supervisor included.
export const PROTOCOL_USERS = DEMO_USERS;
export const TOTP_USERS = new Set(['admin', 'supervisor', 'martsuper']);
export const NON_ADMIN = DEMO_USERS.filter((u) => u !== 'admin');

const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|ThreadSanitizer/;

const baseEnv = () => ({ ...process.env, HAVEN_PASSWORD_COST: 'min' });

/** Throws if TEXT (a process's stderr) holds a sanitizer report. */
export function assertNoSanitizer(text, what) {
  if (SANITIZER_RE.test(text)) {
    throw new Error(`sanitizer report in ${what}:\n${text.slice(-6000)}`);
  }
}

/** Runs `haven ARGS`; resolves {code, signal, stdout, stderr}. */
export function haven(args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { ...baseEnv(), ...dbEnv(args), ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      try {
        assertNoSanitizer(stderr, `haven ${args.join(' ')}`);
      } catch (e) {
        reject(e);
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** Runs `sqlite3 DB` with SQL on stdin; resolves {code, stdout, stderr}.
 * With HAVEN_TEST_DB=postgres the same SQL goes to the database of DB's data
 * directory through psql, whose unaligned output (`a|b`, no header) is
 * sqlite3's list mode: portable SELECTs and updates work on both. */
export function sqlite(db, sql) {
  return new Promise((resolve, reject) => {
    const p = ON_PG
      ? spawn('psql', [databaseFor(path.dirname(db)), '-v', 'ON_ERROR_STOP=1', '-qAt', '-f', '-'])
      : spawn('sqlite3', ['-bail', db]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(sql);
  });
}

// ---- TOTP (RFC 6238, SHA-1, 30 s, 6 digits) ------------------------------

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secretB32, step) {
  const key = base32Decode(secretB32);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', key).update(msg).digest();
  const off = h[h.length - 1] & 0xf;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1000000).padStart(6, '0');
}

// ---- cookies -------------------------------------------------------------

/** The haven_session Set-Cookie header of RES (a fetch Response), or null. */
export function sessionSetCookie(res) {
  const all = res.headers.getSetCookie ? res.headers.getSetCookie() : [res.headers.get('set-cookie')];
  return all.find((c) => c && c.startsWith('haven_session=')) || null;
}

// ---- servers -------------------------------------------------------------

const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { s.proc.kill('SIGKILL'); } catch { /* gone */ }
  }
});

async function webFixture(dir) {
  await mkdir(path.join(dir, 'js'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>haven</title><p>home</p>\n');
  await writeFile(path.join(dir, 'login.html'), '<!doctype html><title>Sign in</title><p>sign in</p>\n');
  await writeFile(path.join(dir, '404.html'), '<!doctype html><title>Not found</title><p>nothing here</p>\n');
  await writeFile(path.join(dir, 'js', 'app.js'), 'export const app = 1;\n');
}

export class Server {
  constructor(opts, dataDir, root) {
    this.opts = opts;
    this.dataDir = dataDir;
    this.root = root;
    this.lines = [];
    this.stderr = '';
    this.lastStep = new Map();
    this.adminToken = null;
  }

  get db() { return path.join(this.dataDir, 'haven.db'); }

  /** The parsed JSON log lines (stderr) so far. */
  logs() {
    return this.lines.map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
  }

  async spawn() {
    const args = ['serve', '--data', this.dataDir, '--listen', '127.0.0.1:0', '--web', this.webDir];
    if (this.opts.testClock !== false) args.push('--test-clock');
    if (this.configFile) args.push('--config', this.configFile);
    this.stderr = '';
    this.lines = [];
    const proc = spawn(BIN, args, { env: { ...baseEnv(), ...dbEnv(this.dataDir) }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    live.add(this);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => resolve({ code, signal }));
    });
    let partial = '';
    const listening = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.stderr}`)), 20000);
      proc.stderr.on('data', (d) => {
        this.stderr += d;
        partial += d;
        let nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          this.lines.push(line);
          if (line.includes('"msg":"listening"')) {
            const m = /"addr":"([^"]+)"/.exec(line);
            clearTimeout(timer);
            resolve(m[1]);
          }
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before listening:\n${this.stderr}`));
      });
    });
    const addr = await listening;
    this.addr = addr;
    this.url = `http://${addr}`;
    this.port = Number(addr.split(':')[1]);
    return this;
  }

  /** Stops with SIGTERM; asserts a clean exit (0, no sanitizer report). */
  async stop({ timeoutMs = 15000 } = {}) {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) {
      const r = this.proc ? await this.exited : { code: 0 };
      live.delete(this);
      assertNoSanitizer(this.stderr, 'server stderr');
      return r;
    }
    this.proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([
      this.exited,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    live.delete(this);
    if (!r) {
      this.proc.kill('SIGKILL');
      throw new Error(`server did not stop within ${timeoutMs} ms after SIGTERM`);
    }
    assertNoSanitizer(this.stderr, 'server stderr');
    if (r.code !== 0) throw new Error(`server exited with ${r.code}/${r.signal}:\n${this.stderr.slice(-4000)}`);
    return r;
  }

  /** SIGKILL, no questions asked (the sanitizer text is still checked). */
  async kill() {
    this.proc.kill('SIGKILL');
    const r = await this.exited;
    live.delete(this);
    assertNoSanitizer(this.stderr, 'server stderr');
    return r;
  }

  /** Starts the server again on the same data directory. */
  async restart() {
    return this.spawn();
  }

  async cleanup() {
    try { await this.stop(); } finally {
      if (!process.env.HAVEN_KEEP_TMP) {
        dropDatabase(this.dataDir);
        await rm(this.root, { recursive: true, force: true });
      }
    }
  }

  // ---- HTTP ----

  /**
   * request(method, path, opts) -> {status, headers, body, text, res}
   * opts: json (object, sent as application/json), body (raw string/Buffer),
   * headers, token (bearer), session ({cookie, csrf}), csrf (override or
   * false to omit), admin (true: use the admin API token).
   */
  async request(method, p, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }
    const token = opts.admin ? this.adminToken : opts.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (opts.session) {
      headers.Cookie = opts.session.cookie;
      const safe = method === 'GET' || method === 'HEAD';
      const csrf = opts.csrf === undefined ? opts.session.csrf : opts.csrf;
      if (!safe && csrf !== false && csrf !== null) headers['X-CSRF-Token'] = csrf;
    }
    const res = await fetch(this.url + p, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed = null;
    const ctype = res.headers.get('content-type') || '';
    if (/json/.test(ctype) && text) {
      try { parsed = JSON.parse(text); } catch { parsed = null; }
    }
    return { status: res.status, headers: res.headers, body: parsed, text, res };
  }

  get(p, o) { return this.request('GET', p, o); }

  post(p, json, o = {}) { return this.request('POST', p, { ...o, json }); }

  patch(p, json, o = {}) { return this.request('PATCH', p, { ...o, json }); }

  del(p, o) { return this.request('DELETE', p, o); }

  // ---- the clock ----

  /** The server's clock in ms (the test clock via the admin token). */
  async now() {
    if (this.opts.testClock === false) return Date.now();
    const r = await this.get('/api/v1/test/clock', { admin: true });
    if (r.status !== 200) throw new Error(`GET /api/v1/test/clock: ${r.status} ${r.text}`);
    return r.body.now_ms;
  }

  async advance(ms) {
    const r = await this.post('/api/v1/test/clock', { advance_ms: ms }, { admin: true });
    if (r.status !== 200) throw new Error(`POST /api/v1/test/clock: ${r.status} ${r.text}`);
    return r.body;
  }

  async resetClock() {
    const r = await this.post('/api/v1/test/clock', { reset: true }, { admin: true });
    if (r.status !== 200) throw new Error(`POST /api/v1/test/clock: ${r.status} ${r.text}`);
  }

  /**
   * A TOTP code for USER the server will take now: the current step, or a
   * later one when that was used (advancing the test clock if need be).
   * Returns {code, step}; call usedStep(user, step) once it was accepted.
   */
  async totpFor(user, secret = DEMO_TOTP_SECRET) {
    let now = await this.now();
    let step = Math.floor(now / 30000);
    const last = this.lastStep.get(user) ?? -1;
    let want = Math.max(step, last + 1);
    if (want > step + 1) {
      await this.advance((want - step - 1) * 30000 + 1000);
      now = await this.now();
      step = Math.floor(now / 30000);
      want = Math.max(step, last + 1);
    }
    return { code: totpAt(secret, want), step: want };
  }

  usedStep(user, step) {
    const last = this.lastStep.get(user) ?? -1;
    if (step > last) this.lastStep.set(user, step);
  }

  /**
   * Signs USER in; returns {status, body, res, cookie, csrf, setCookie}.
   * totp: a code, true (compute one), or false/undefined (demo users with
   * a second factor get one computed unless totp === false).
   */
  async login(user, { password = DEMO_PASSWORD, totp, secret = DEMO_TOTP_SECRET, headers } = {}) {
    const body = { username: user, password };
    let step = null;
    if (totp === true || (totp === undefined && TOTP_USERS.has(user) && secret)) {
      const t = await this.totpFor(user, secret);
      body.totp = t.code;
      step = t.step;
    } else if (typeof totp === 'string') {
      body.totp = totp;
    }
    const r = await this.post('/api/v1/session', body, { headers });
    const setCookie = sessionSetCookie(r.res);
    const out = { ...r, setCookie };
    if (r.status === 200) {
      if (step !== null) this.usedStep(user, step);
      out.cookie = setCookie.split(';')[0];
      out.csrf = r.body.csrf_token;
      out.user = r.body.user;
    }
    return out;
  }

  /** Signs USER in and fails loudly unless that worked. */
  async session(user, opts) {
    const s = await this.login(user, opts);
    if (s.status !== 200) throw new Error(`sign-in of ${user}: ${s.status} ${s.text}`);
    return s;
  }

  /** The id of USERNAME (via the admin token). */
  async userId(username) {
    const r = await this.get(`/api/v1/users?q=${encodeURIComponent(username)}`, { admin: true });
    const u = (r.body?.items || []).find((x) => x.username === username);
    if (!u) throw new Error(`no user ${username}: ${r.text}`);
    return u.id;
  }

  /** The id of the agency named NAME (or of the first of KIND). */
  async agencyId({ name, kind }) {
    const r = await this.get('/api/v1/agencies', { admin: true });
    const a = r.body.items.find((x) => (name ? x.name === name : x.kind === kind));
    if (!a) throw new Error(`no agency ${name || kind}`);
    return a.id;
  }

  /** GET /api/v1/audit as admin (newest first). */
  async audit(limit = 500) {
    const r = await this.get(`/api/v1/audit?limit=${limit}`, { admin: true });
    if (r.status !== 200) throw new Error(`GET /api/v1/audit: ${r.status} ${r.text}`);
    return r.body.items;
  }
}

/**
 * startServer({config, testClock, demo, adminToken, dataDir}) -> Server.
 * config: INI text appended after the suite's defaults (a high sign-in rate
 * limit, so that many sign-ins from 127.0.0.1 do not trip it), or
 * {raw: TEXT} to use exactly TEXT (null: no --config at all).
 */
export async function startServer(opts = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'haven-api-'));
  const dataDir = opts.dataDir || path.join(root, 'data');
  const s = new Server(opts, dataDir, root);
  s.webDir = path.join(root, 'web');
  await webFixture(s.webDir);
  let config;
  if (opts.config && typeof opts.config === 'object') config = opts.config.raw;
  else config = `[security]\nlogin_rate_per_minute = 100000\n${opts.config || ''}`;
  if (config !== null && config !== undefined) {
    s.configFile = path.join(root, 'haven.ini');
    await writeFile(s.configFile, config);
  }
  if (opts.demo !== false && !opts.dataDir) {
    const d = await haven(['demo', '--data', dataDir]);
    if (d.code !== 0) throw new Error(`haven demo failed: ${d.stderr}`);
  }
  if (opts.adminToken !== false) {
    const t = await haven(['user', 'token', 'admin', '--name', 'tests', '--data', dataDir]);
    if (t.code !== 0) throw new Error(`haven user token failed: ${t.stderr}`);
    s.adminToken = t.stdout.trim();
  }
  await s.spawn();
  return s;
}

/** Copies the data directory of a stopped server to a new temp dir. */
export async function copyData(srcDir) {
  const root = await mkdtemp(path.join(tmpdir(), 'haven-copy-'));
  const dst = path.join(root, 'data');
  await cp(srcDir, dst, { recursive: true });
  copyDatabase(srcDir, dst);
  return { root, dir: dst, db: path.join(dst, 'haven.db') };
}

/** Asserts R is a problem+json answer with STATUS (and TYPE, FIELD if given). */
export function expectProblem(assert, r, status, type, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  if (type) assert.equal(r.body.type, type.startsWith('/') ? type : `/problems/${type}`, r.text);
  if (field !== undefined) assert.equal(r.body.field, field, r.text);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves P's value, or null if it takes longer than MS (no timer left behind). */
export async function within(p, ms) {
  let timer;
  const r = await Promise.race([p, new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); })]);
  clearTimeout(timer);
  return r;
}
