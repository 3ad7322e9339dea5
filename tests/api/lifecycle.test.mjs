// Stopping and starting: SIGTERM stops cleanly after in-flight requests, an
// acknowledged write survives SIGKILL, and sessions survive a restart.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';

import { haven, sleep, startServer, within } from '../lib/api.mjs';

describe('graceful shutdown', () => {
  const servers = [];
  after(async () => { for (const s of servers) await s.cleanup().catch(() => {}); });

  it('SIGTERM: exits 0 within 10 s, logging "stopping" and "stopped"', async () => {
    const srv = await startServer();
    servers.push(srv);
    await srv.get('/healthz');
    const t0 = Date.now();
    srv.proc.kill('SIGTERM');
    const r = await within(srv.exited, 10000);
    assert.ok(r, 'exited within 10 s');
    assert.equal(r.code, 0, srv.stderr);
    assert.ok(Date.now() - t0 < 10000);
    const msgs = srv.logs().map((l) => l.msg);
    const stopping = msgs.indexOf('stopping');
    const stopped = msgs.indexOf('stopped');
    assert.ok(stopping >= 0, msgs.join());
    assert.ok(stopped > stopping, msgs.join());
    assert.equal(srv.logs()[stopping].signal, 'SIGTERM');
    await srv.stop(); // checks the sanitizer output
  });

  it('SIGINT stops it cleanly too', async () => {
    const srv = await startServer();
    servers.push(srv);
    srv.proc.kill('SIGINT');
    const r = await within(srv.exited, 10000);
    assert.ok(r && r.code === 0, JSON.stringify(r));
    assert.ok(srv.logs().some((l) => l.msg === 'stopped'));
  });

  it('a request in flight when SIGTERM arrives is finished (and committed) before the exit', async () => {
    const srv = await startServer();
    servers.push(srv);
    const body = JSON.stringify({ name: 'In Flight Agency', kind: 'advocacy' });
    const half = Math.floor(body.length / 2);
    const sock = net.connect(srv.port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => { answer += d; });
    const closed = new Promise((resolve) => sock.on('close', resolve));
    await new Promise((resolve) => sock.on('connect', resolve));
    sock.write(`POST /api/v1/agencies HTTP/1.1\r\nHost: ${srv.addr}\r\nAuthorization: Bearer ${srv.adminToken}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`);
    // wait until the server counts it in flight (the metrics request is the other one)
    for (let i = 0; ; i++) {
      const m = /^haven_http_inflight (\d+)$/m.exec((await srv.get('/metrics')).text);
      if (m && Number(m[1]) >= 2) break;
      assert.ok(i < 200, 'the half-sent request never showed as in flight');
      await sleep(20);
    }
    srv.proc.kill('SIGTERM');
    await sleep(500);
    assert.equal(srv.proc.exitCode, null, 'still running while the request is in flight');
    sock.write(body.slice(half));
    await closed;
    assert.match(answer, /^HTTP\/1\.1 201/, answer.slice(0, 200));
    const r = await within(srv.exited, 10000);
    assert.ok(r && r.code === 0, `exit: ${JSON.stringify(r)}\n${srv.stderr}`);
    await srv.restart();
    const list = await srv.get('/api/v1/agencies?q=In%20Flight', { admin: true });
    assert.ok(list.body.items.some((a) => a.name === 'In Flight Agency'), list.text);
  });

  it('after SIGTERM it no longer accepts connections', async () => {
    const srv = await startServer();
    servers.push(srv);
    await srv.stop();
    await assert.rejects(fetch(`${srv.url}/healthz`));
  });
});

describe('durability', () => {
  let srv;
  after(async () => { await srv?.cleanup(); });

  it('a write acknowledged (201) right before SIGKILL is there after a restart', async () => {
    srv = await startServer();
    const r = await srv.post('/api/v1/agencies', { name: 'Survives Kill Agency', kind: 'medical' }, { admin: true });
    assert.equal(r.status, 201, r.text);
    const killed = await srv.kill();
    assert.equal(killed.signal, 'SIGKILL');
    await srv.restart();
    const g = await srv.get(`/api/v1/agencies/${r.body.id}`, { admin: true });
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.name, 'Survives Kill Agency');
    const v = await haven(['audit', 'verify', '--data', srv.dataDir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('a burst of writes, each acknowledged, all survive SIGKILL', async () => {
    const acked = [];
    const burst = Array.from({ length: 10 }, (_, i) => srv.post('/api/v1/agencies', { name: `Burst Agency ${i}`, kind: 'advocacy' }, { admin: true })
      .then((x) => { if (x.status === 201) acked.push(x.body.id); }));
    await Promise.all(burst);
    assert.equal(acked.length, 10);
    await srv.kill();
    await srv.restart();
    for (const id of acked) assert.equal((await srv.get(`/api/v1/agencies/${id}`, { admin: true })).status, 200);
  });

  it('a session made before a restart still works after it', async () => {
    const s = await srv.session('hotline');
    await srv.stop();
    await srv.restart();
    const me = await srv.get('/api/v1/me', { session: s });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.username, 'hotline');
    assert.equal(me.body.csrf_token, s.csrf);
  });
});
