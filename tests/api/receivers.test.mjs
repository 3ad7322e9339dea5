/*
 * receivers.test.mjs - self-tests of tests/lib/receivers.mjs, the loopback
 * receivers (SMTP sink, webhook receiver, Twilio-compatible SMS stub) that
 * haven's notification tests and benchmarks deliver to. Needs no haven.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import {
  smsSegments, startSmsStub, startSmtp, startWebhook, twilioSignature, webhookSignature,
} from '../lib/receivers.mjs';

/* ---- a tiny SMTP client over node:net ------------------------------------ */

/*
 * Opens an SMTP session to 127.0.0.1:PORT. Resolves {cmd(line, code), send(from,
 * rcpts, data), close()}: cmd sends a line and resolves the reply once it is
 * complete (multi-line replies joined), throwing unless it starts with CODE.
 */
async function smtpConnect(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  let buf = '';
  let pending = null;
  let lines = [];
  const pump = () => {
    let nl;
    while (pending && (nl = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      lines.push(line);
      if (line[3] !== '-') {
        const reply = lines.join('\n');
        lines = [];
        const p = pending;
        pending = null;
        if (reply.startsWith(p.code)) p.resolve(reply);
        else p.reject(new Error(`SMTP: expected ${p.code} after ${p.line}, got ${reply}`));
      }
    }
  };
  sock.on('data', (c) => {
    buf += c;
    pump();
  });
  const reply = (line, code) => new Promise((resolve, reject) => {
    pending = { line, code: String(code), resolve, reject };
    if (line !== null) sock.write(`${line}\r\n`);
    pump();
  });
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  await reply(null, 220);
  await reply('EHLO client.test', 250);
  return {
    cmd: reply,
    async send(from, rcpts, data) {
      await reply(`MAIL FROM:<${from}>`, 250);
      for (const r of rcpts) await reply(`RCPT TO:<${r}>`, 250);
      await reply('DATA', 354);
      /* CRLF line ends and dot-stuffing, as RFC 5321 4.5.2 asks. */
      const body = data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
      return reply(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.`, 250);
    },
    async close() {
      await reply('QUIT', 221);
      sock.end();
    },
  };
}

function multipartMail({ id, key, subject, text, html }) {
  const boundary = 'b-' + id;
  return [
    'From: Haven <noreply@haven.test>',
    'To: worker@example.test',
    `Subject: ${subject}`,
    `Message-ID: <${id}@haven.test>`,
    `X-Haven-Idempotency-Key: ${key}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    html,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

describe('SMTP sink', () => {
  let smtp;
  before(async () => {
    smtp = await startSmtp();
  });
  after(() => smtp?.stop());

  test('a multipart/alternative message is parsed', async () => {
    const c = await smtpConnect(smtp.port);
    await c.send('noreply@haven.test', ['worker@example.test', 'cc@example.test'], multipartMail({
      id: 'm1',
      key: 'idem-1',
      subject: '=?utf-8?q?Case_=C3=A9_updated?=',
      text: 'Hello Ana,\n.a line that starts with a dot\nBye',
      html: '<p>Hello <b>Ana</b> =E2=82=AC</p>',
    }));
    await c.close();

    const [m] = await smtp.waitFor((ms) => ms.length === 1);
    assert.equal(m.mail_from, 'noreply@haven.test');
    assert.deepEqual(m.rcpt_tos, ['worker@example.test', 'cc@example.test']);
    assert.equal(m.message_id, '<m1@haven.test>');
    assert.equal(m.subject, 'Case é updated');
    assert.equal(m.idempotency_key, 'idem-1');
    assert.equal(m.text, 'Hello Ana,\n.a line that starts with a dot\nBye');
    assert.equal(m.html, '<p>Hello <b>Ana</b> €</p>');
    assert.equal(typeof m.at, 'number');
    assert.ok(Math.abs(m.at - Date.now()) < 60000);
    assert.deepEqual(await smtp.messages(), [m]);
  });

  test('a plain message has html null; many messages arrive quickly', async () => {
    const c = await smtpConnect(smtp.port);
    const n = 300;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await c.send('a@haven.test', ['b@example.test'], `Subject: n${i}\r\nMessage-ID: <n${i}@x>\r\n\r\nbody ${i}\r\n`);
    }
    await c.close();
    const all = await smtp.waitFor((ms) => ms.length === n + 1);
    const ms = performance.now() - t0;
    const last = all[all.length - 1];
    assert.equal(last.subject, `n${n - 1}`);
    assert.equal(last.text, `body ${n - 1}\n`);
    assert.equal(last.html, null);
    assert.equal(last.idempotency_key, null);
    assert.ok(ms < 10000, `${n} messages took ${ms} ms`);
  });

  test('waitFor rejects after its timeout', async () => {
    await assert.rejects(smtp.waitFor(() => false, 100), /within 100 ms/);
  });
});

/* ---- webhooks ------------------------------------------------------------ */

function signedPost(url, secret, body, { timestamp = Math.floor(Date.now() / 1000), signal, badSig = false } = {}) {
  const sig = webhookSignature(badSig ? 'wrong-secret' : secret, timestamp, body);
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Haven-Timestamp': String(timestamp),
      'X-Haven-Signature': `v1=${sig}`,
    },
    body,
    signal,
  });
}

describe('webhook receiver', () => {
  const secret = 'whsec-test';
  let hook;
  before(async () => {
    hook = await startWebhook({ secret });
  });
  after(() => hook?.stop());

  test('records valid and invalid signatures', async () => {
    const body = JSON.stringify({ event: 'case.assigned', case: 42 });
    let res = await signedPost(`${hook.url}/hooks/a`, secret, body);
    assert.equal(res.status, 200);
    await res.text();
    res = await signedPost(`${hook.url}/hooks/b`, secret, body, { badSig: true });
    assert.equal(res.status, 200);
    await res.text();
    res = await fetch(`${hook.url}/hooks/c`, { method: 'POST', body: 'not json' });
    await res.text();

    const reqs = await hook.waitFor((r) => r.length === 3);
    assert.equal(reqs[0].path, '/hooks/a');
    assert.equal(reqs[0].valid, true);
    assert.deepEqual(reqs[0].json, { event: 'case.assigned', case: 42 });
    assert.equal(reqs[0].body, body);
    assert.match(reqs[0].headers['x-haven-signature'], /^v1=[0-9a-f]{64}$/);
    assert.equal(reqs[1].valid, false);
    assert.equal(reqs[2].valid, false);
    assert.equal(reqs[2].json, null);
    assert.equal(hook.requests.length, 3);
  });

  test('a signature over another timestamp is invalid', async () => {
    const body = '{}';
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: { 'X-Haven-Timestamp': String(ts + 1), 'X-Haven-Signature': `v1=${webhookSignature(secret, ts, body)}` },
      body,
    });
    await res.text();
    assert.equal(hook.requests.at(-1).valid, false);
  });

  test('error mode answers 500, timeout mode never answers', async () => {
    hook.setMode('error');
    const res = await signedPost(hook.url, secret, '{"n":1}');
    assert.equal(res.status, 500);
    await res.text();

    hook.setMode('timeout');
    const before = hook.requests.length;
    await assert.rejects(
      signedPost(hook.url, secret, '{"n":2}', { signal: AbortSignal.timeout(300) }),
      (err) => err.name === 'TimeoutError' || err.name === 'AbortError',
    );
    assert.equal(hook.requests.length, before + 1, 'the hung request is still recorded');
    assert.equal(hook.requests.at(-1).valid, true);

    hook.setMode('ok');
    const ok = await signedPost(hook.url, secret, '{"n":3}');
    assert.equal(ok.status, 200);
    await ok.text();
    assert.throws(() => hook.setMode('bogus'), /mode/);
  });

  test('stop() ends a request still hanging', async () => {
    const h = await startWebhook({ secret });
    h.setMode('timeout');
    const pending = signedPost(h.url, secret, '{}').then(() => 'answered', () => 'failed');
    await h.waitFor((r) => r.length === 1);
    await h.stop();
    assert.equal(await pending, 'failed');
  });
});

/* ---- SMS ----------------------------------------------------------------- */

function sendSms(sms, fields, { sid = sms.accountSid, token = sms.authToken, headers = {}, signal } = {}) {
  return fetch(`${sms.url}/2010-04-01/Accounts/${sid}/Messages.json`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64'),
      'Content-Type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
    signal,
  });
}

async function json(res) {
  return { status: res.status, body: await res.json() };
}

describe('SMS stub', () => {
  let sms;
  before(async () => {
    sms = await startSmsStub();
  });
  after(() => sms?.stop());

  test('wrong credentials: 401 with Twilio error 20003', async () => {
    const r = await json(await sendSms(sms, { To: '+15550001', From: '+15550002', Body: 'x' }, { token: 'nope' }));
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 20003);
    assert.equal(r.body.status, 401);
    assert.equal(typeof r.body.message, 'string');
    assert.match(r.body.more_info, /20003/);
    const noAuth = await fetch(`${sms.url}/2010-04-01/Accounts/ACtest/Messages.json`, { method: 'POST', body: 'To=1' });
    assert.equal(noAuth.status, 401);
    await noAuth.text();
    assert.equal(sms.messages.length, 0);
  });

  test('missing To or Body: 400 with 21604 / 21602', async () => {
    let r = await json(await sendSms(sms, { From: '+15550002', Body: 'x' }));
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 21604);
    assert.equal(r.body.status, 400);
    r = await json(await sendSms(sms, { To: '+15550001', From: '+15550002' }));
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 21602);
    assert.equal(sms.messages.length, 0);
  });

  test('success: 201 with a Twilio message resource, recorded', async () => {
    const r = await json(await sendSms(
      sms, { To: '+15550001', From: '+15550002', Body: 'Your case was updated' },
      { headers: { 'Idempotency-Key': 'notif-7' } },
    ));
    assert.equal(r.status, 201);
    const m = r.body;
    assert.match(m.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(m.account_sid, 'ACtest');
    assert.equal(m.to, '+15550001');
    assert.equal(m.from, '+15550002');
    assert.equal(m.body, 'Your case was updated');
    assert.equal(m.status, 'queued');
    assert.equal(m.error_code, null);
    assert.equal(m.num_segments, '1');
    assert.equal(m.uri, `/2010-04-01/Accounts/ACtest/Messages/${m.sid}.json`);
    assert.match(m.date_created, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);

    const [rec] = await sms.waitFor((ms) => ms.length === 1);
    assert.equal(rec.sid, m.sid);
    assert.equal(rec.to, '+15550001');
    assert.equal(rec.body, 'Your case was updated');
    assert.equal(rec.idempotencyKey, 'notif-7');
    assert.equal(typeof rec.at, 'number');

    const viaService = await json(await sendSms(sms, { To: '+15550001', MessagingServiceSid: 'MG' + '0'.repeat(32), Body: 'y'.repeat(161) }));
    assert.equal(viaService.status, 201);
    assert.equal(viaService.body.from, null);
    assert.equal(viaService.body.num_segments, '2');
  });

  test('failNext fails only the next n requests; ratelimit and error modes', async () => {
    const count = sms.messages.length;
    sms.failNext(2, 'error');
    const fields = { To: '+15550001', From: '+15550002', Body: 'retry me' };
    let r = await json(await sendSms(sms, fields));
    assert.equal(r.status, 500);
    assert.equal(typeof r.body.code, 'number');
    assert.equal(r.body.status, 500);
    r = await json(await sendSms(sms, fields));
    assert.equal(r.status, 500);
    r = await json(await sendSms(sms, fields));
    assert.equal(r.status, 201);
    assert.equal(sms.messages.length, count + 1);

    sms.setMode('ratelimit');
    const res = await sendSms(sms, fields);
    assert.equal(res.status, 429);
    const body = await res.json();
    assert.equal(body.code, 20429);
    assert.equal(body.status, 429);

    sms.setMode('error');
    assert.equal((await json(await sendSms(sms, fields))).status, 500);
    sms.setMode('ok');
    assert.equal(sms.messages.length, count + 1);
    assert.deepEqual(sms.requests.slice(-5).map((q) => q.status), [500, 500, 201, 429, 500]);
  });

  test('timeout mode holds the request until the client gives up', async () => {
    sms.failNext(1, 'timeout');
    await assert.rejects(
      sendSms(sms, { To: '1', From: '2', Body: 'z' }, { signal: AbortSignal.timeout(300) }),
      (err) => err.name === 'TimeoutError' || err.name === 'AbortError',
    );
    assert.equal(sms.requests.at(-1).status, null);
    assert.equal((await sendSms(sms, { To: '1', From: '2', Body: 'z' }).then(json)).status, 201);
  });

  test('reply() posts an inbound SMS signed as Twilio does', async () => {
    const seen = [];
    const inbound = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        seen.push({ headers: req.headers, body, path: req.url });
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end('<Response/>');
      });
    });
    await new Promise((r) => inbound.listen(0, '127.0.0.1', r));
    try {
      const webhookUrl = `http://127.0.0.1:${inbound.address().port}/api/v1/sms/inbound?x=1`;
      const r = await sms.reply({ from: '+15550001', to: '+15550002', body: 'YES & thanks', webhookUrl });
      assert.equal(r.status, 200);
      assert.equal(r.text, '<Response/>');
      assert.match(r.headers['content-type'], /text\/xml/);

      const [got] = seen;
      assert.equal(got.path, '/api/v1/sms/inbound?x=1');
      assert.match(got.headers['content-type'], /^application\/x-www-form-urlencoded/);
      const params = Object.fromEntries(new URLSearchParams(got.body));
      assert.equal(params.From, '+15550001');
      assert.equal(params.To, '+15550002');
      assert.equal(params.Body, 'YES & thanks');
      assert.equal(params.NumMedia, '0');
      assert.equal(params.AccountSid, 'ACtest');
      assert.match(params.MessageSid, /^SM[0-9a-f]{32}$/);
      assert.equal(got.headers['x-twilio-signature'], twilioSignature('test-token', webhookUrl, params));
      assert.notEqual(got.headers['x-twilio-signature'], twilioSignature('other-token', webhookUrl, params));

      await sms.reply({ from: '+1', to: '+2', body: 'b', webhookUrl, signWith: 'wrong' });
      const p2 = Object.fromEntries(new URLSearchParams(seen[1].body));
      assert.notEqual(seen[1].headers['x-twilio-signature'], twilioSignature('test-token', webhookUrl, p2));
    } finally {
      inbound.closeAllConnections?.();
      await new Promise((r) => inbound.close(r));
    }
  });
});

/* ---- helpers ------------------------------------------------------------- */

test("twilioSignature matches Twilio's documented example", () => {
  /* https://www.twilio.com/docs/usage/security#validating-requests */
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };
  assert.equal(twilioSignature('12345', url, params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
});

test('webhookSignature is hex HMAC-SHA256 over "timestamp.body"', () => {
  /* printf '%s' '1700000000.{"event":"x"}' | openssl dgst -sha256 -hmac key */
  const want = '47523adf0d7a4582ed29b23c5da82307133f3f300d2d2253ac716853571b2806';
  assert.equal(webhookSignature('key', 1700000000, '{"event":"x"}'), want);
  assert.equal(webhookSignature('key', '1700000000', '{"event":"x"}'), want);
});

test('smsSegments counts GSM-7 and UCS-2 segments', () => {
  assert.equal(smsSegments('a'.repeat(160)), 1);
  assert.equal(smsSegments('a'.repeat(161)), 2);
  assert.equal(smsSegments('€'.repeat(80)), 1);
  assert.equal(smsSegments('€'.repeat(81)), 2);
  assert.equal(smsSegments('ą'.repeat(70)), 1);
  assert.equal(smsSegments('ą'.repeat(71)), 2);
});
