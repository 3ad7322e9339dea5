/*
 * api.js - the one way haven's pages talk to the server.
 *
 * JSON in and out, same-origin cookies, the CSRF token on every state-changing
 * request, and problem+json errors turned into ApiError. A 401 from any call but
 * the sign-in itself means the session is gone: the page goes to /login and
 * comes back here afterwards.
 */

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const SESSION_PATH = '/api/v1/session';

let csrfToken = null;
let mePromise = null;

/* "the code is not right" -> "The code is not right." (server messages are lower-case). */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return s;
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/* An error answer from the server, or a failure to reach it. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(sentence(problem.detail || problem.title || `request failed (${status})`));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /* The problem type's last path segment: "/problems/locked" -> "locked". */
  get type() {
    const t = this.problem.type || '';
    return t.slice(t.lastIndexOf('/') + 1);
  }

  /* [{name, reason}] for every field the server named. */
  get fieldErrors() {
    const out = [];
    const seen = new Set();
    for (const p of this.problem.invalid_params || []) {
      if (p && p.name && !seen.has(p.name)) {
        out.push({ name: p.name, reason: p.reason ? sentence(p.reason) : this.message });
        seen.add(p.name);
      }
    }
    if (this.problem.field && !seen.has(this.problem.field)) {
      out.push({ name: this.problem.field, reason: this.message });
    }
    return out;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/* The path to come back to after signing in again. */
export function currentPathForNext() {
  return location.pathname + location.search;
}

export function loginUrl(next = currentPathForNext()) {
  if (!next || next === '/' || next.startsWith('/login')) return '/login';
  return '/login?next=' + encodeURIComponent(next);
}

/* Parses a non-2xx response into a problem object, whatever its body is. */
async function readProblem(res) {
  const type = res.headers.get('Content-Type') || '';
  let problem = null;
  if (type.includes('json')) {
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
  }
  if (!problem || typeof problem !== 'object') {
    problem = {
      type: 'about:blank',
      title: res.statusText || 'Error',
      status: res.status,
      detail: `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}.`,
    };
  }
  if (!problem.status) problem.status = res.status;
  return problem;
}

/*
 * api(method, path, body?, options?) -> parsed JSON, or null for 204.
 * Throws ApiError. options.redirectOn401 (default true except for the sign-in);
 * options.headers: more request headers (Idempotency-Key, If-Match);
 * options.full: resolve {data, status, headers} instead (to read an ETag).
 */
export async function api(method, path, body, options = {}) {
  method = method.toUpperCase();
  const isLogin = path === SESSION_PATH && method === 'POST';
  const redirectOn401 = options.redirectOn401 ?? !isLogin;
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined && body !== null) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.headers) Object.assign(headers, options.headers);

  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, {
      type: '/problems/network',
      title: 'Network error',
      status: 0,
      detail: 'Could not reach the haven server. Check your connection and try again.',
    });
  }

  if (res.status === 401 && redirectOn401) {
    location.assign(loginUrl());
    /* Stop the caller here: the page is going away. */
    return new Promise(() => {});
  }
  if (!res.ok) {
    const err = new ApiError(res.status, await readProblem(res));
    /* The account must enrol a second factor before anything else. */
    if (res.status === 403 && err.type === 'totp-enrollment-required' && location.pathname !== '/account') {
      location.assign('/account');
      return new Promise(() => {});
    }
    throw err;
  }
  const text = res.status === 204 ? '' : await res.text();
  const data = text ? JSON.parse(text) : null;
  if (data && typeof data === 'object') {
    if (typeof data.csrf_token === 'string') setCsrfToken(data.csrf_token);
  }
  return options.full ? { data, status: res.status, headers: res.headers } : data;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body ?? {}, options);
export const patch = (path, body, options) => api('PATCH', path, body, options);
export const put = (path, body, options) => api('PUT', path, body ?? {}, options);
export const del = (path, options) => api('DELETE', path, undefined, options);

/* The signed-in user (GET /api/v1/me), fetched once per page. */
export function getMe({ refresh = false } = {}) {
  if (!mePromise || refresh) mePromise = get('/api/v1/me');
  return mePromise;
}

/* Signs in; returns {user, csrf_token}. Throws ApiError (never redirects). */
export async function signIn(username, password, totp) {
  const body = { username, password };
  if (totp) body.totp = totp;
  const data = await api('POST', SESSION_PATH, body);
  if (data && data.csrf_token) setCsrfToken(data.csrf_token);
  return data;
}

export async function signOut() {
  try {
    await api('DELETE', SESSION_PATH, undefined, { redirectOn401: false });
  } catch (err) {
    /* An expired session is signed out already. */
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
  setCsrfToken(null);
  mePromise = null;
}

let metaPromise = null;
/* Agency kinds and roles with their labels (GET /api/v1/meta). */
export function getMeta() {
  if (!metaPromise) {
    metaPromise = get('/api/v1/meta').catch((err) => {
      metaPromise = null;
      throw err;
    });
  }
  return metaPromise;
}
