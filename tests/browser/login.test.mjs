/*
 * /login in headless Chromium: labelled fields, the server's error shown,
 * the authenticator code asked for and used, sign-out, ?next=, and a sign-in
 * with the keyboard alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, freshTotp, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage, signOutViaPage,
} from '../lib/browser.mjs';

describe('login page', () => {
  let haven;
  let browser;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  test('renders with labelled fields and no CSP violations', async () => {
    const page = await newPage(browser, haven.url);
    await checkPage(page, '/login');
    assert.match(await page.title(), /sign in/i);
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password', { exact: true });
    await username.waitFor({ state: 'visible' });
    await password.waitFor({ state: 'visible' });
    assert.equal(await username.getAttribute('autocomplete'), 'username');
    assert.equal(await password.getAttribute('type'), 'password');
    assert.equal(await password.getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.getByLabel('6-digit code from your authenticator app').isVisible(), false,
      'the code field waits until the server asks for it');
    await closePage(page);
  });

  test('a wrong password shows the server\'s message', async () => {
    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    await page.getByLabel('Username').fill('hotline');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const res = await answer;
    assert.equal(res.status(), 401);
    const problem = await res.json();
    assert.equal(problem.type, '/problems/invalid-credentials');
    const alert = page.locator('#page-alert[role="alert"]');
    await alert.filter({ hasText: problem.detail || problem.title }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the wrong password is cleared');
    await assertAccessible(page);
    assertClean(page);
    await closePage(page);
  });

  test('the administrator is asked for the authenticator code, then lands on home', async () => {
    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    const first = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const res = await first;
    assert.equal(res.status(), 401);
    assert.equal((await res.json()).type, '/problems/totp-required');

    const code = page.getByLabel('6-digit code from your authenticator app');
    await code.waitFor({ state: 'visible' });
    assert.equal(await code.getAttribute('inputmode'), 'numeric');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    assert.ok(await code.evaluate((e) => e === document.activeElement), 'focus moves to the code field');
    await assertAccessible(page);

    await code.fill(await freshTotp(haven.url, 'admin', DEMO_TOTP_SECRET));
    const second = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const ok = await second;
    assert.equal(ok.status(), 200);
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByText(/Signed in as/).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.ok(me.csrf_token, 'GET /api/v1/me gives the CSRF token');
    const text = await page.locator('#signed-in-as').textContent();
    assert.ok(text.includes(me.display_name), `home names the user: ${text}`);
    assert.ok(text.includes(me.agency.name), `home names the agency: ${text}`);
    await assertAccessible(page, '/');
    // The administrator sees every admin page in the navigation.
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Users', 'Agencies', 'Stations', 'Audit log']) {
      await nav.getByRole('link', { name }).waitFor();
    }
    assertClean(page);

    // Signing out ends the session: home sends us back to /login?next=/
    await signOutViaPage(page);
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/login');
    const after = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(after, 401, 'GET /api/v1/me after sign-out');
    assertClean(page);
    await closePage(page);
  });

  test('a user without admin rights sees no admin links', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'responder');
    await page.goto('/');
    await page.getByText(/Signed in as/).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Home' }).waitFor();
    for (const name of ['Users', 'Agencies', 'Stations', 'Audit log']) {
      assert.equal(await nav.getByRole('link', { name }).count(), 0, `no ${name} link for a responder`);
    }
    // An admin page says no, politely, rather than failing.
    await page.goto('/admin/users');
    await page.getByText(/does not have access/).waitFor();
    await assertAccessible(page, '/admin/users as responder');
    assertClean(page);
    await closePage(page);
  });

  test('?next= brings the user back, but only to a path on this site', async () => {
    const page = await newPage(browser, haven.url);
    await page.goto('/account');
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/account');
    await page.getByLabel('Username').fill('advocate');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
    await signOutViaPage(page);

    await page.goto('/login?next=' + encodeURIComponent('//evil.example/x'));
    await page.getByLabel('Username').fill('advocate');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.host === new URL(haven.url).host);
    assertClean(page);
    await closePage(page);
  });

  test('signing in works with the keyboard alone', async () => {
    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    await page.waitForLoadState('networkidle');
    const focused = () => page.evaluate(() => {
      const a = document.activeElement;
      return a ? (a.id || a.getAttribute('href') || a.tagName) : '';
    });

    // The first Tab reaches the skip link, which is visible when focused.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), '#main');
    assert.ok(await page.locator('.skip-link').isVisible());

    let seen = [];
    for (let i = 0; i < 6 && (await focused()) !== 'username'; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    assert.equal(await focused(), 'username', `Tab order: ${seen.join(' → ')}`);
    const outline = await page.locator('#username').evaluate((e) => getComputedStyle(e).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused field shows a focus outline');
    await page.keyboard.type('hotline');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'password');
    await page.keyboard.type(DEMO_PASSWORD);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
    await page.keyboard.press('Enter');
    assert.equal((await answer).status(), 200);
    await page.waitForURL((u) => u.pathname !== '/login');
    const user = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(new URL(page.url()).pathname, user.totp_enrollment_required ? '/account' : '/');
    await page.getByText(user.display_name).first().waitFor();

    // Sign out with the keyboard too.
    seen = [];
    for (let i = 0; i < 15 && (await focused()) !== 'sign-out'; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    assert.equal(await focused(), 'sign-out', `Tab order: ${seen.join(' → ')}`);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/login');
    assertClean(page);
    await closePage(page);
  });

  test('a locked account shows the server\'s lockout message', async () => {
    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    let last = null;
    // The default policy locks after 5 failures; stop at the first 423.
    for (let i = 0; i < 8; i++) {
      await page.getByLabel('Username').fill('analyst');
      await page.getByLabel('Password', { exact: true }).fill(`wrong-password-${i}`);
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      last = await answer;
      if (last.status() === 423) break;
      assert.equal(last.status(), 401);
      await page.locator('#page-alert').filter({ hasText: /\S/ }).waitFor();
    }
    assert.equal(last.status(), 423, 'the account locks after repeated failures');
    const problem = await last.json();
    assert.equal(problem.type, '/problems/locked');
    await page.locator('#page-alert[role="alert"]').filter({ hasText: problem.detail }).waitFor();
    // Even the right password is refused while locked, and the page says why.
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal((await again).status(), 423);
    assert.equal(new URL(page.url()).pathname, '/login');
    assertClean(page);
    await closePage(page);
  });
});
