/*
 * browser.mjs - headless Chromium for the browser suite, through
 * playwright-core and Debian's /usr/bin/chromium (never a downloaded browser).
 *
 * Every page opened here records console errors, uncaught exceptions, CSP
 * violations and failed same-origin loads; assertClean(page) fails the test
 * on any of them. Expected API refusals (4xx from /api/ other than 404/405,
 * such as a wrong password's 401) are not errors: the page shows them.
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_TOTP_USERS, freshTotp } from './haven.mjs';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const EXPECTED_CSP = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'object-src': "'none'",
  'frame-ancestors': "'none'",
  'base-uri': "'none'",
};

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.HAVEN_CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/* Console "Failed to load resource" for an API answer the page is meant to show. */
function isExpectedApiRefusal(msg) {
  const text = msg.text();
  const m = /Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
  if (!m) return false;
  const status = Number(m[1]);
  let pathname = '';
  try {
    pathname = new URL(msg.location().url).pathname;
  } catch {
    return false;
  }
  return pathname.startsWith('/api/') && status >= 400 && status < 500 && status !== 404 && status !== 405;
}

/*
 * A new page in a new context (its own cookies) at BASE_URL, with error
 * tracking. Returns the page; page.problems lists what went wrong.
 */
export async function newPage(browser, baseURL, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ baseURL, viewport, locale: 'en-US', timezoneId: 'America/Los_Angeles' });
  const page = await context.newPage();
  const problems = [];
  page.problems = problems;
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || ''}:${e.lineNumber || ''})`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (isExpectedApiRefusal(msg)) return;
    problems.push(`console error: ${msg.text()} (${msg.location().url || 'no url'})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const failure = req.failure();
    const reason = failure ? failure.errorText : 'failed';
    /* A navigation away cancels requests in flight; that is not a fault. */
    if (reason === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.method()} ${req.url()} ${reason}`);
  });
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.origin !== new URL(baseURL).origin) return;
    if (res.status() >= 500) problems.push(`server error: ${res.status()} ${res.request().method()} ${u.pathname}`);
    else if (res.status() === 404 && !u.pathname.startsWith('/api/')) problems.push(`not found: ${u.pathname}`);
  });
  return page;
}

export async function closePage(page) {
  await page.context().close();
}

/* Fails on anything newPage recorded since the last call (and clears it). */
export function assertClean(page, what = 'page') {
  const found = page.problems.splice(0);
  assert.deepEqual(found, [], `${what}: console errors, CSP violations or failed loads`);
}

/* Parses a Content-Security-Policy header into {directive: value}. */
export function parseCsp(header) {
  const out = {};
  for (const part of String(header || '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = values.join(' ');
  }
  return out;
}

/* Navigates to PATHNAME and checks the document's CSP header. Returns the response. */
export async function gotoChecked(page, pathname) {
  const res = await page.goto(pathname, { waitUntil: 'load' });
  assert.ok(res, `no response for ${pathname}`);
  assert.equal(res.status(), 200, `${pathname}: HTTP ${res.status()}`);
  const csp = parseCsp(res.headers()['content-security-policy']);
  for (const [directive, value] of Object.entries(EXPECTED_CSP)) {
    assert.equal(csp[directive], value, `${pathname}: CSP ${directive} (header: ${res.headers()['content-security-policy']})`);
  }
  return res;
}

/*
 * Structure and labelling every page must have: lang, a <title>, one <h1>, a
 * <main>, a skip link to it, and an accessible name for every form control.
 */
export async function assertAccessible(page, what = page.url()) {
  const report = await page.evaluate(() => {
    const nameOf = (c) => {
      const labelled = c.getAttribute('aria-labelledby');
      if (labelled) {
        const text = labelled.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
        if (text) return text;
      }
      const aria = (c.getAttribute('aria-label') || '').trim();
      if (aria) return aria;
      const fromLabels = [...(c.labels || [])].map((l) => l.textContent.trim()).join(' ').trim();
      if (fromLabels) return fromLabels;
      return (c.getAttribute('title') || '').trim();
    };
    const controls = [...document.querySelectorAll('input, select, textarea')]
      .filter((c) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(c.type));
    const unlabelled = controls.filter((c) => !nameOf(c)).map((c) => c.outerHTML.slice(0, 160));
    const buttons = [...document.querySelectorAll('button')]
      .filter((b) => !(b.textContent.trim() || b.getAttribute('aria-label') || b.getAttribute('aria-labelledby')))
      .map((b) => b.outerHTML.slice(0, 160));
    const skip = document.querySelector('a[href="#main"]');
    return {
      lang: document.documentElement.lang,
      title: document.title.trim(),
      h1: document.querySelectorAll('h1').length,
      h1Text: document.querySelector('h1')?.textContent.trim() || '',
      main: document.querySelectorAll('main').length,
      mainId: document.querySelector('main')?.id || '',
      skip: !!skip,
      unlabelled,
      buttons,
      inlineStyles: document.querySelectorAll('[style]').length,
      inlineScripts: [...document.scripts].filter((s) => !s.src).length,
      inlineHandlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
    };
  });
  assert.equal(report.lang, 'en', `${what}: <html lang>`);
  assert.ok(report.title, `${what}: empty <title>`);
  assert.equal(report.h1, 1, `${what}: exactly one <h1>`);
  assert.ok(report.h1Text, `${what}: empty <h1>`);
  assert.equal(report.main, 1, `${what}: exactly one <main>`);
  assert.ok(report.skip && report.mainId === 'main', `${what}: skip link to #main`);
  assert.deepEqual(report.unlabelled, [], `${what}: form controls without an accessible label`);
  assert.deepEqual(report.buttons, [], `${what}: buttons without a name`);
  assert.equal(report.inlineStyles, 0, `${what}: elements with style attributes`);
  assert.equal(report.inlineScripts, 0, `${what}: inline scripts`);
  assert.equal(report.inlineHandlers, 0, `${what}: on* attributes`);
  return report;
}

/* gotoChecked + wait for the page's script + assertAccessible + assertClean. */
export async function checkPage(page, pathname, { ready } = {}) {
  await gotoChecked(page, pathname);
  if (ready) await ready(page);
  else await page.waitForLoadState('networkidle');
  await assertAccessible(page, pathname);
  assertClean(page, pathname);
}

/*
 * Signs USERNAME in through /login like a person would (the code from the
 * authenticator app when asked) and waits to leave the login page.
 */
export async function signInViaPage(page, url, username, password = DEMO_PASSWORD, { secret, next } = {}) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const totpSecret = secret || (DEMO_TOTP_USERS.has(username) ? DEMO_TOTP_SECRET : null);
  if (totpSecret) {
    const code = page.getByLabel('6-digit code from your authenticator app');
    await code.waitFor({ state: 'visible' });
    await code.fill(await freshTotp(url, username, totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL((u) => u.pathname !== '/login', { timeout: 10000 });
}

export async function signOutViaPage(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
}
