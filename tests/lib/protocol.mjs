// tests/lib/protocol.mjs - helpers for the protocol suites: demo ids, signed-in
// users that sign in again when a clock jump expired their session, intake
// bodies, and a reader for the live event stream (GET /api/v1/events).
import { PROTOCOL_USERS } from './api.mjs';

export const MIN = 60 * 1000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const iso = (ms) => new Date(ms).toISOString();

/** The demo's agency and user ids, read through the admin token. */
export async function demoIds(srv) {
  const ag = (await srv.get('/api/v1/agencies', { admin: true })).body.items;
  const kind = (k) => ag.find((a) => a.kind === k).id;
  const ids = {
    lasd: ag.find((a) => /Sheriff/.test(a.name)).id,
    hotlineAgency: kind('hotline'),
    ctu: kind('probation_ctu'),
    mart: kind('dcfs_mart'),
    advocacy: kind('advocacy'),
    medical: kind('medical'),
    beds: kind('placement_provider'),
    syz: kind('safe_youth_zone'),
    user: {},
  };
  const users = (await srv.get('/api/v1/users?limit=500', { admin: true })).body.items;
  for (const u of PROTOCOL_USERS) {
    const x = users.find((y) => y.username === u);
    if (!x) throw new Error(`no demo user ${u}`);
    ids.user[u] = x.id;
  }
  const st = (await srv.get('/api/v1/stations', { admin: true })).body.items;
  ids.lasdStation = st.find((s) => s.agency_id === ids.lasd).id;
  return ids;
}

/**
 * Signed-in demo users. as(user).get/post/patch/del/request behave like the
 * Server's, with the user's cookie and CSRF token; a 401 (the session expired
 * after the test clock jumped) signs the user in again and retries once.
 */
export class Users {
  constructor(srv) {
    this.srv = srv;
    this.sessions = new Map();
  }

  async session(user) {
    if (!this.sessions.has(user)) this.sessions.set(user, await this.srv.session(user));
    return this.sessions.get(user);
  }

  async renew(user) {
    this.sessions.delete(user);
    return this.session(user);
  }

  as(user) {
    const request = async (method, p, opts = {}) => {
      let s = await this.session(user);
      let r = await this.srv.request(method, p, { ...opts, session: s });
      if (r.status === 401) {
        s = await this.renew(user);
        r = await this.srv.request(method, p, { ...opts, session: s });
      }
      return r;
    };
    return {
      request,
      get: (p, o) => request('GET', p, o),
      post: (p, json, o = {}) => request('POST', p, { ...o, json }),
      patch: (p, json, o = {}) => request('PATCH', p, { ...o, json }),
      put: (p, json, o = {}) => request('PUT', p, { ...o, json }),
      del: (p, o) => request('DELETE', p, o),
    };
  }
}

/** An intake body (the CSEC Expedited Form) at server time NOW. */
export function intake(ids, now, extra = {}) {
  return {
    identifying_agency_id: ids.lasd,
    station_id: ids.lasdStation,
    officer_name: 'Deputy Test',
    officer_badge: 'T-1',
    encountered_at: iso(now - 10 * MIN),
    encounter_location: 'Test Blvd & Example Ave',
    identified_how: 'patrol_contact',
    staging_address: 'LASD Century Station, 11703 S Alameda St (test)',
    safety_concerns: 'none known (test)',
    medical_concerns: 'asthma inhaler needed (test)',
    dcfs_involvement: 'none',
    probation_involvement: 'none',
    youth: { first_name: 'Test', last_name: 'Youth', dob: '2010-04-01', gender: 'female' },
    ...extra,
  };
}

/** The clock of KIND on a case (GET /referrals/{id} body). */
export const clockOf = (cs, kind) => cs.clocks.find((c) => c.kind === kind);

/** The caller's notifications about REFERRAL (of KIND, if given). */
export async function notesFor(u, referral, kind) {
  const r = await u.get('/api/v1/notifications');
  if (r.status !== 200) throw new Error(`GET /notifications: ${r.status} ${r.text}`);
  return r.body.items.filter((n) => n.referral_id === referral && (!kind || n.kind === kind));
}

/**
 * A live event stream. open() resolves once the response headers are in;
 * events collects {id, event, data, at (performance.now() on arrival)} in arrival order; next(pred, ms) resolves
 * the first event (already received or yet to come) that PRED accepts, or
 * null after MS.
 */
export class EventStream {
  static async open(srv, { session, token, lastEventId } = {}) {
    const es = new EventStream();
    const headers = { Accept: 'text/event-stream' };
    if (session) headers.Cookie = session.cookie;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    es.ac = new AbortController();
    es.res = await fetch(`${srv.url}/api/v1/events`, { headers, signal: es.ac.signal });
    es.status = es.res.status;
    if (es.status === 200) es.pump();
    return es;
  }

  constructor() {
    this.events = [];
    this.waiters = [];
    this.raw = '';
  }

  async pump() {
    const dec = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of this.res.body) {
        const text = dec.decode(chunk, { stream: true });
        this.raw += text;
        pending += text;
        let cut;
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const ev = { id: null, event: 'message', data: '' };
          let data = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const k = i < 0 ? line : line.slice(0, i);
            const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (k === 'id') ev.id = v;
            else if (k === 'event') ev.event = v;
            else if (k === 'data') { ev.data += (data ? '\n' : '') + v; data = true; }
          }
          if (!data) continue;
          try { ev.data = JSON.parse(ev.data); } catch { /* keep the text */ }
          ev.at = performance.now(); /* when it arrived, for bench/sse.mjs */
          this.events.push(ev);
          this.waiters = this.waiters.filter((w) => !(w.pred(ev) && (w.resolve(ev), true)));
        }
      }
    } catch { /* aborted */ }
    for (const w of this.waiters) w.resolve(null);
    this.waiters = [];
  }

  next(pred, ms = 1000) {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const w = { pred, resolve: (v) => { clearTimeout(timer); resolve(v); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(null);
      }, ms);
      this.waiters.push(w);
    });
  }

  close() {
    try { this.ac.abort(); } catch { /* closed */ }
  }
}
