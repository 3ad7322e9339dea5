/*
 * receivers.mjs - real receivers on loopback for haven's outbound
 * notifications, for the black-box tests and the benchmarks:
 *
 *   startSmtp()       an SMTP server (tests/lib/smtp_sink.py, aiosmtpd) that
 *                     keeps every message as parsed JSON;
 *   startWebhook()    an HTTP server that records signed webhook POSTs and
 *                     checks haven's signature (X-Haven-Signature: v1=...);
 *   startSmsStub()    a Twilio-compatible REST stub (Messages.json) that can
 *                     also play an inbound SMS to haven, signed as Twilio does.
 *
 * Each can be made to fail on command (500, hang, 429) and stops cleanly,
 * hung connections included, so `node --test` exits.
 *
 * Environment: HAVEN_PYTHON, the python3 that has aiosmtpd (default: Debian's
 * /usr/bin/python3 when present, since a python3 earlier on PATH, e.g. a
 * pyenv one, lacks the Debian package python3-aiosmtpd).
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 10000;
const STOP_GRACE_MS = 3000;

/* Milliseconds since the epoch, sub-millisecond, on the same clock as the sink's. */
const now = () => performance.timeOrigin + performance.now();

/* ---- signatures ---------------------------------------------------------- */

/* haven's webhook signature: hex HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function webhookSignature(secret, timestamp, body) {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/*
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1(authToken, url + each POST
 * parameter's name and value, concatenated, the names sorted). PARAMS is an
 * object or URLSearchParams (a repeated name contributes each of its values).
 */
export function twilioSignature(authToken, url, params = {}) {
  const pairs = params instanceof URLSearchParams ? [...params] : Object.entries(params);
  const data = pairs
    .map(([k, v]) => [String(k), String(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .reduce((s, [k, v]) => s + k + v, url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

/* ---- shared plumbing ----------------------------------------------------- */

/*
 * waitFor(pred, timeoutMs) over a source that calls notify() when it grows:
 * resolves snapshot() once pred(snapshot()) is true, rejects after timeoutMs.
 */
function waiter(snapshot, what) {
  const waiting = new Set();
  const notify = () => {
    for (const w of [...waiting]) w.check();
  };
  const waitFor = (pred, timeoutMs = 10000) => new Promise((resolve, reject) => {
    const w = {
      check() {
        let ok;
        const items = snapshot();
        try {
          ok = pred(items);
        } catch (err) {
          ok = false;
          w.last = err;
        }
        if (ok) {
          waiting.delete(w);
          clearTimeout(w.timer);
          resolve(items);
        }
      },
    };
    w.timer = setTimeout(() => {
      waiting.delete(w);
      const n = snapshot().length;
      reject(new Error(`${what}: condition not met within ${timeoutMs} ms (${n} recorded)${w.last ? `; last error: ${w.last.message}` : ''}`));
    }, timeoutMs);
    waiting.add(w);
    w.check();
  });
  return { waitFor, notify };
}

/*
 * An HTTP server on 127.0.0.1:0 that remembers its sockets so close() can
 * end them all, hung requests included. Resolves {server, port, url, close()}.
 */
async function listenLoopback(handler) {
  const server = http.createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  let closed = null;
  const close = () => {
    if (!closed) {
      closed = new Promise((resolve) => server.close(() => resolve()));
      if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
      for (const s of sockets) s.destroy();
    }
    return closed;
  };
  return { server, port, url: `http://127.0.0.1:${port}`, close };
}

function readRequestBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const MODES = ['ok', 'error', 'timeout'];

/* ---- SMTP ---------------------------------------------------------------- */

function pythonBin() {
  if (process.env.HAVEN_PYTHON) return process.env.HAVEN_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/*
 * Starts tests/lib/smtp_sink.py on 127.0.0.1 (a free port). Resolves
 * {port, host, file, messages(), waitFor(pred, timeoutMs = 10000), stop()}:
 * messages() resolves the array of messages received so far (the sink's
 * JSON lines, see smtp_sink.py); waitFor resolves that array once
 * pred(array) is true. options.out: keep the JSON lines in this file (it is
 * then not removed by stop()).
 */
export async function startSmtp({ out } = {}) {
  const dir = out ? null : await mkdtemp(path.join(tmpdir(), 'haven-smtp-'));
  const file = out || path.join(dir, 'messages.jsonl');
  const cleanup = () => (dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());

  const proc = spawn(pythonBin(), [path.join(HERE, 'smtp_sink.py'), '--port', '0', '--out', file, '--watch-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c) => {
    stderr.push(c);
    if (process.env.HAVEN_TEST_LOG) process.stderr.write(`[smtp_sink] ${c}`);
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve((exited = { code, signal })));
  });

  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`smtp_sink.py did not start within ${START_TIMEOUT_MS} ms:\n${stderr.join('')}`)), START_TIMEOUT_MS);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (c) => {
      buf += c;
      const m = /^listening (\d+)$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${pythonBin()} smtp_sink.py: ${err.message}`));
    });
    exitPromise.then((e) => {
      clearTimeout(timer);
      reject(new Error(`smtp_sink.py exited (${JSON.stringify(e)}) before listening:\n${stderr.join('')}`));
    });
  }).catch(async (err) => {
    if (!exited) proc.kill('SIGKILL');
    await cleanup();
    throw err;
  });

  /* The file is read incrementally: only the bytes added since last time. */
  const messages = [];
  let offset = 0;
  let partial = '';
  let reading = null;
  const refresh = () => {
    reading ??= (async () => {
      let fh;
      try {
        fh = await open(file, 'r');
      } catch (err) {
        if (err.code === 'ENOENT') return;
        throw err;
      }
      try {
        const { size } = await fh.stat();
        if (size <= offset) return;
        const buf = Buffer.alloc(size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        partial += buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fh.close();
      }
      const nl = partial.lastIndexOf('\n');
      if (nl < 0) return;
      for (const line of partial.slice(0, nl).split('\n')) if (line) messages.push(JSON.parse(line));
      partial = partial.slice(nl + 1);
    })().finally(() => {
      reading = null;
    });
    return reading;
  };

  const snapshot = () => messages.slice();
  const { waitFor: waitRaw, notify } = waiter(snapshot, `smtp sink :${port}`);
  const waitFor = (pred, timeoutMs = 10000) => {
    const poll = setInterval(() => refresh().then(notify, () => {}), 20);
    return refresh().then(() => waitRaw(pred, timeoutMs)).finally(() => clearInterval(poll));
  };

  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, STOP_GRACE_MS);
        await exitPromise;
        clearTimeout(killer);
      }
      await refresh().catch(() => {});
      await cleanup();
      return exited;
    })();
    return stopped;
  };

  return {
    port,
    host: '127.0.0.1',
    file,
    messages: async () => {
      await refresh();
      return snapshot();
    },
    waitFor,
    stop,
  };
}

/* ---- signed webhooks ----------------------------------------------------- */

/*
 * Checks haven's signature headers against SECRET: X-Haven-Timestamp (unix
 * seconds) and X-Haven-Signature "v1=<hex>" (several, comma-separated, are
 * accepted when any one matches, as during a secret rotation).
 */
function webhookValid(secret, headers, body) {
  const ts = headers['x-haven-timestamp'];
  const sig = headers['x-haven-signature'];
  if (!ts || !sig || !/^\d+$/.test(ts)) return false;
  const want = webhookSignature(secret, ts, body);
  return sig.split(/[,\s]+/).some((s) => s.startsWith('v1=') && safeEqual(s.slice(3), want));
}

/*
 * Starts a webhook receiver on 127.0.0.1:0. Every POST (any path) is
 * recorded in `requests` as {at, path, headers, body, json, valid}, then
 * answered by mode: 'ok' 200 {"ok":true}, 'error' 500, 'timeout' never
 * (until stop()). Other methods get 405 and are not recorded.
 * Resolves {url, port, requests, setMode(mode), waitFor(pred, timeoutMs = 10000), stop()}.
 */
export async function startWebhook({ secret = '' } = {}) {
  const requests = [];
  let mode = 'ok';
  const snapshot = () => requests.slice();
  let notify = () => {};

  const srv = await listenLoopback(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const body = await readRequestBody(req).catch(() => null);
    if (body === null) return;
    let json = null;
    try {
      json = JSON.parse(body);
    } catch {
      /* not JSON */
    }
    const headers = { ...req.headers };
    requests.push({ at: now(), path: req.url, headers, body, json, valid: webhookValid(secret, headers, body) });
    notify();
    if (mode === 'timeout') return; /* held open; stop() ends it */
    if (mode === 'error') sendJson(res, 500, { error: 'receiver configured to fail' });
    else sendJson(res, 200, { ok: true });
  });

  const w = waiter(snapshot, `webhook ${srv.url}`);
  notify = w.notify;
  return {
    url: srv.url,
    port: srv.port,
    requests,
    setMode(m) {
      if (!MODES.includes(m)) throw new Error(`webhook mode must be one of ${MODES.join(', ')}, not ${m}`);
      mode = m;
    },
    waitFor: w.waitFor,
    stop: srv.close,
  };
}

/* ---- SMS (Twilio-compatible) --------------------------------------------- */

const SMS_MODES = ['ok', 'error', 'timeout', 'ratelimit'];

const hex = (bytes) => randomBytes(bytes).toString('hex');
const twilioSid = (prefix) => prefix + hex(16);

function twilioError(code, message, status) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/* GSM 03.38: the basic set, and the extension set (two septets each). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXT = new Set('^{}\\[~]|€\f');

/* SMS segments as a carrier counts them: GSM-7 160/153, else UCS-2 70/67. */
export function smsSegments(body) {
  let septets = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXT.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length; /* UTF-16 code units */
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/*
 * Starts a Twilio-compatible SMS API on 127.0.0.1:0:
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic
 *   AccountSid:AuthToken, form fields To, From or MessagingServiceSid, Body.
 * Answers as Twilio does: 201 with the message resource; 401 code 20003 on
 * bad credentials; 400 code 21604 (To), 21602 (Body), 21603 (From) when a
 * field is missing. Failure modes, applied before anything else to every
 * request to the Messages endpoint: setMode('ok'|'error'|'timeout'|'ratelimit')
 * (500 code 20500; never answers; 429 code 20429), and failNext(n, mode =
 * 'error') for only the next n such requests.
 * `messages` holds each accepted message {at, to, from, messagingServiceSid,
 * body, idempotencyKey, sid}; `requests` every request to the endpoint
 * {at, status (null when held), mode, idempotencyKey}.
 * reply({from, to, body, webhookUrl, signUrl, ...}) plays an inbound SMS to haven
 * (signUrl: the URL the provider signs, when haven is configured with its
 * public address rather than the one the test reaches).
 * Resolves {url, port, accountSid, authToken, messages, requests, setMode,
 * failNext, waitFor(pred, timeoutMs = 10000) (over messages), reply, stop()}.
 */
export async function startSmsStub({ accountSid = 'ACtest', authToken = 'test-token' } = {}) {
  const messages = [];
  const requests = [];
  let mode = 'ok';
  const failQueue = []; /* modes for the next requests, first first */
  let notify = () => {};

  const messagesPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

  const srv = await listenLoopback(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = messagesPath.exec(url.pathname);
    if (!m) {
      sendJson(res, 404, twilioError(20404, 'The requested resource was not found', 404));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, twilioError(20004, 'Method not allowed', 405), { Allow: 'POST' });
      return;
    }
    const raw = await readRequestBody(req).catch(() => null);
    if (raw === null) return;
    const idempotencyKey = req.headers['idempotency-key'] ?? req.headers['i-twilio-idempotency-token'] ?? null;
    const effective = failQueue.length ? failQueue.shift() : mode;
    const attempt = { at: now(), status: null, mode: effective, idempotencyKey };
    requests.push(attempt);
    const answer = (status, obj, headers) => {
      attempt.status = status;
      sendJson(res, status, obj, headers);
    };

    if (effective === 'timeout') return; /* held open; stop() ends it */
    if (effective === 'error') return answer(500, twilioError(20500, 'Internal Server Error', 500));
    if (effective === 'ratelimit') {
      return answer(429, twilioError(20429, 'Too Many Requests', 429), { 'Retry-After': '1' });
    }

    const auth = /^Basic\s+(.+)$/i.exec(req.headers.authorization || '');
    const creds = auth ? Buffer.from(auth[1], 'base64').toString('utf8') : '';
    const colon = creds.indexOf(':');
    const user = colon >= 0 ? creds.slice(0, colon) : creds;
    const pass = colon >= 0 ? creds.slice(colon + 1) : '';
    if (!safeEqual(user, accountSid) || !safeEqual(pass, authToken) || m[1] !== accountSid) {
      return answer(401, twilioError(20003, 'Authenticate', 401), { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }

    const form = new URLSearchParams(raw);
    const to = form.get('To');
    const from = form.get('From');
    const messagingServiceSid = form.get('MessagingServiceSid');
    const body = form.get('Body');
    if (!to) return answer(400, twilioError(21604, "A 'To' phone number is required.", 400));
    if (!from && !messagingServiceSid) return answer(400, twilioError(21603, "A 'From' phone number is required.", 400));
    if (!body) return answer(400, twilioError(21602, 'Message body is required.', 400));

    const sid = twilioSid('SM');
    const date = new Date().toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
    messages.push({ at: attempt.at, to, from, messagingServiceSid, body, idempotencyKey, sid });
    answer(201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: date,
      date_sent: null,
      date_updated: date,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: messagingServiceSid,
      num_media: '0',
      num_segments: String(smsSegments(body)),
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
      to,
      uri,
    });
    notify();
  });

  const w = waiter(() => messages.slice(), `sms stub ${srv.url}`);
  notify = w.notify;

  const checkMode = (m) => {
    if (!SMS_MODES.includes(m)) throw new Error(`sms mode must be one of ${SMS_MODES.join(', ')}, not ${m}`);
    return m;
  };

  /*
   * Plays an inbound SMS: POSTs Twilio's form fields to webhookUrl (haven's
   * inbound endpoint), signed with X-Twilio-Signature. params: more fields
   * (or overrides); signWith: another auth token (to test a bad signature);
   * signature: send this header value instead. Resolves {status, headers, text}.
   */
  async function reply({ from, to, body, webhookUrl, signUrl, params = {}, signWith = authToken, signature } = {}) {
    if (!webhookUrl) throw new Error('reply: webhookUrl is required');
    const sid = twilioSid('SM');
    const fields = {
      ToCountry: 'US',
      SmsMessageSid: sid,
      NumMedia: '0',
      SmsSid: sid,
      SmsStatus: 'received',
      Body: body ?? '',
      To: to ?? '',
      NumSegments: String(smsSegments(body ?? '')),
      MessageSid: sid,
      AccountSid: accountSid,
      From: from ?? '',
      ApiVersion: '2010-04-01',
      ...params,
    };
    const form = new URLSearchParams(fields);
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'User-Agent': 'TwilioProxy/1.1',
        'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
        'X-Twilio-Signature': signature ?? twilioSignature(signWith, signUrl ?? webhookUrl, form),
      },
      body: form.toString(),
      redirect: 'manual',
    });
    return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
  }

  return {
    url: srv.url,
    port: srv.port,
    accountSid,
    authToken,
    messages,
    requests,
    setMode(m) {
      mode = checkMode(m);
    },
    failNext(n, m = 'error') {
      checkMode(m);
      for (let i = 0; i < n; i++) failQueue.push(m);
    },
    waitFor: w.waitFor,
    reply,
    stop: srv.close,
  };
}
