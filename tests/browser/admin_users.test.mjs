/*
 * /admin/users in headless Chromium: the demo administrator (with TOTP)
 * creates a user with an agency and a role, the new user signs in and sees
 * their name; the administrator disables the user and they can no longer
 * sign in. Also: field errors from the server appear beside the field, and
 * the filter narrows the list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, freshTotp, loginAdmin, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage, signOutViaPage,
} from '../lib/browser.mjs';

const NEW_USER = {
  username: `frp.worker${process.pid % 1000}`,
  display_name: 'Jordan Testworker',
  email: 'jordan.testworker@example.org',
  password: 'river-lantern-copper-42',
};

describe('admin users page', () => {
  let haven;
  let browser;
  let admin; /* the administrator's page, signed in once for the whole suite */
  let agency; /* the agency chosen for the new user */

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    // Pick a hotline agency from the demo data (any active agency will do).
    const session = await loginAdmin(haven.url);
    const res = await api(haven.url, session, 'GET', '/api/v1/agencies');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const active = res.body.items.filter((a) => a.active);
    agency = active.find((a) => a.kind === 'hotline') || active[0];
    assert.ok(agency, 'the demo data has an active agency');
    await api(haven.url, session, 'DELETE', '/api/v1/session');

    admin = await newPage(browser, haven.url);
    await signInViaPage(admin, haven.url, 'admin');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  const usersPageReady = (page) => page.locator('#users-body tr').first().waitFor();

  test('lists users, labelled and without CSP violations', async () => {
    await checkPage(admin, '/admin/users', { ready: usersPageReady });
    assert.match(await admin.title(), /Users/);
    const rows = await admin.locator('#users-body tr').count();
    assert.ok(rows >= 10, `the ten demo users are listed (${rows})`);
    await admin.getByRole('row', { name: /hotline/ }).first().waitFor();
  });

  test('the filter narrows the list', async () => {
    await admin.goto('/admin/users');
    await usersPageReady(admin);
    await admin.getByLabel('Find users').fill('clinician');
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#users-body tr')];
      return rows.length >= 1 && rows.every((r) => r.textContent.toLowerCase().includes('clinician'));
    });
    assert.match(admin.url(), /[?&]q=clinician/);
    assertClean(admin);
  });

  test('creating a user shows the server\'s field errors, then creates it', async () => {
    await admin.goto('/admin/users');
    await usersPageReady(admin);
    await admin.getByRole('button', { name: 'New user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New user' });
    await dialog.waitFor();
    await assertAccessible(admin, '/admin/users create dialog');

    await dialog.getByLabel('Username').fill(NEW_USER.username);
    await dialog.getByLabel('Full name').fill(NEW_USER.display_name);
    await dialog.getByLabel('Email (optional)').fill(NEW_USER.email);
    await dialog.getByLabel('Agency').selectOption(String(agency.id));
    await dialog.getByRole('checkbox', { name: 'Hotline worker' }).check();

    // Too short: the server says why, beside the password field.
    await dialog.getByLabel('Initial password').fill('short');
    const refused = admin.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const res = await refused;
    assert.equal(res.status(), 400, 'a 5-character password is refused');
    const problem = await res.json();
    const named = [problem.field, ...(problem.invalid_params || []).map((p) => p.name)];
    assert.ok(named.includes('password'), `the problem names the password field: ${JSON.stringify(problem)}`);
    await dialog.locator('[role="alert"]').filter({ hasText: /\S/ }).waitFor();
    const pw = dialog.getByLabel('Initial password');
    assert.equal(await pw.getAttribute('aria-invalid'), 'true');
    const describedBy = await pw.getAttribute('aria-describedby');
    assert.ok(describedBy && describedBy.split(' ').some((id) => id.endsWith('-error')), 'the error describes the field');
    assert.ok(await pw.evaluate((e) => e === document.activeElement), 'focus goes to the field in error');

    await pw.fill(NEW_USER.password);
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const ok = await created;
    assert.equal(ok.status(), 201, await ok.text());
    const user = await ok.json();
    assert.equal(user.username, NEW_USER.username);
    assert.equal(user.agency_id, agency.id);
    assert.deepEqual(user.roles, ['hotline_worker']);
    await dialog.waitFor({ state: 'hidden' });
    await admin.locator('#list-status').filter({ hasText: NEW_USER.username }).waitFor();
    const row = admin.locator(`#users-body tr[data-username="${NEW_USER.username}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(NEW_USER.display_name));
    assert.match(await row.textContent(), /Hotline worker/);
    assertClean(admin);
  });

  test('the new user signs in and sees their name', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, NEW_USER.username, NEW_USER.password);
    await page.goto('/');
    await page.getByText(/Signed in as/).waitFor();
    const text = await page.locator('#signed-in-as').textContent();
    assert.ok(text.includes(NEW_USER.display_name), text);
    assert.ok(text.includes(agency.name), text);
    await signOutViaPage(page);
    assertClean(page);
    await closePage(page);
  });

  test('the administrator edits the user: name and roles', async () => {
    await admin.goto(`/admin/users?q=${encodeURIComponent(NEW_USER.username)}`);
    await admin.locator(`#users-body tr[data-username="${NEW_USER.username}"]`).waitFor();
    await admin.getByRole('button', { name: `Edit ${NEW_USER.username}` }).click();
    const dialog = admin.getByRole('dialog', { name: `Edit user ${NEW_USER.username}` });
    await dialog.waitFor();
    await assertAccessible(admin, '/admin/users edit dialog');
    await dialog.getByLabel('Full name').fill(`${NEW_USER.display_name} Jr`);
    await dialog.getByRole('checkbox', { name: 'Advocate' }).check();
    const saved = admin.waitForResponse((r) => r.request().method() === 'PATCH');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    const res = await saved;
    assert.equal(res.status(), 200, await res.text());
    await dialog.locator('[role="status"]').filter({ hasText: 'Changes saved' }).waitFor();
    const row = admin.locator(`#users-body tr[data-username="${NEW_USER.username}"]`);
    await row.filter({ hasText: `${NEW_USER.display_name} Jr` }).waitFor();
    assert.match(await row.textContent(), /Advocate/);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assertClean(admin);
  });

  test('a disabled user can no longer sign in', async () => {
    await admin.goto(`/admin/users?q=${encodeURIComponent(NEW_USER.username)}`);
    await admin.locator(`#users-body tr[data-username="${NEW_USER.username}"]`).waitFor();
    await admin.getByRole('button', { name: `Edit ${NEW_USER.username}` }).click();
    const dialog = admin.getByRole('dialog', { name: `Edit user ${NEW_USER.username}` });
    await dialog.waitFor();
    const disabled = admin.waitForResponse((r) => r.request().method() === 'PATCH');
    await dialog.getByRole('button', { name: 'Disable account' }).click();
    assert.equal((await disabled).status(), 200);
    await dialog.getByRole('button', { name: 'Enable account' }).waitFor();
    await dialog.locator('[role="status"]').filter({ hasText: 'can no longer sign in' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const row = admin.locator(`#users-body tr[data-username="${NEW_USER.username}"]`);
    await row.filter({ hasText: 'Disabled' }).waitFor();
    assertClean(admin);

    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    await page.getByLabel('Username').fill(NEW_USER.username);
    await page.getByLabel('Password', { exact: true }).fill(NEW_USER.password);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const res = await answer;
    assert.ok([401, 403, 423].includes(res.status()), `a disabled user's sign-in is refused (got ${res.status()})`);
    const problem = await res.json();
    await page.locator('#page-alert').filter({ hasText: problem.detail || problem.title }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assertClean(page);
    await closePage(page);
  });

  test('a password reset by the administrator works for the user', async () => {
    await admin.goto(`/admin/users?q=${encodeURIComponent(NEW_USER.username)}`);
    await admin.getByRole('button', { name: `Edit ${NEW_USER.username}` }).click();
    const dialog = admin.getByRole('dialog', { name: `Edit user ${NEW_USER.username}` });
    await dialog.waitFor();
    // Enable again, then set a new password.
    const enabled = admin.waitForResponse((r) => r.request().method() === 'PATCH');
    await dialog.getByRole('button', { name: 'Enable account' }).click();
    assert.equal((await enabled).status(), 200);
    await dialog.getByRole('button', { name: 'Disable account' }).waitFor();
    const fresh = 'harbor-meadow-violet-77';
    await dialog.getByLabel('New password').fill(fresh);
    const reset = admin.waitForResponse((r) => r.url().endsWith('/password'));
    await dialog.getByRole('button', { name: 'Set new password' }).click();
    assert.equal((await reset).status(), 204);
    await dialog.locator('[role="status"]').filter({ hasText: 'New password set' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    assertClean(admin);

    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, NEW_USER.username, fresh);
    await page.getByText(`${NEW_USER.display_name} Jr`).first().waitFor();
    assertClean(page);
    await closePage(page);
  });

  test('a new supervisor must set up two-step sign-in first', async () => {
    const username = `frp.super${process.pid % 1000}`;
    const password = 'granite-orchard-signal-58';
    await admin.goto('/admin/users');
    await usersPageReady(admin);
    await admin.getByRole('button', { name: 'New user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New user' });
    await dialog.waitFor();
    await dialog.getByLabel('Username').fill(username);
    await dialog.getByLabel('Full name').fill('Morgan Supervisor');
    await dialog.getByLabel('Agency').selectOption(String(agency.id));
    await dialog.getByRole('checkbox', { name: 'Supervisor' }).check();
    await dialog.getByLabel('Initial password').fill(password);
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    assert.equal((await created).status(), 201);
    await dialog.waitFor({ state: 'hidden' });
    assertClean(admin);

    const page = await newPage(browser, haven.url);
    await page.goto('/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/account');
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(me.totp_enrollment_required, true, 'a supervisor without a second factor must enrol');
    await page.locator('#totp-status').filter({ hasText: /requires two-step sign-in/ }).waitFor();

    // Any other page sends the user back here until the factor is set up.
    await page.goto('/');
    await page.waitForURL((u) => u.pathname === '/account');

    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secret = (await page.locator('#totp-secret').filter({ hasText: /\S/ }).textContent()).replace(/\s+/g, '');
    await page.getByLabel('6-digit code from your authenticator app').fill(await freshTotp(haven.url, username, secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.locator('#totp-status').filter({ hasText: 'Two-step sign-in is on' }).waitFor();
    await page.getByRole('link', { name: 'Continue to haven' }).click();
    await page.getByText(/Signed in as/).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assertClean(page);
    await closePage(page);
  });

  test('a supervisor sees the users list read-only', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'supervisor');
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.ok(me.can.includes('users.read'), 'supervisors read the users of their agency');
    assert.ok(!me.can.includes('users.write'));
    await checkPage(page, '/admin/users', { ready: usersPageReady });
    assert.equal(await page.getByRole('button', { name: 'New user' }).isVisible(), false, 'no New user button');
    assert.equal(await page.locator('#users-body button').count(), 0, 'no Edit buttons');
    assert.equal(await page.locator('#users-table thead th').count(), 6, 'no actions column');
    const agencies = await page.locator('#users-body tr td:nth-of-type(2)').allTextContents();
    assert.ok(agencies.length >= 1 && agencies.every((a) => a === me.agency.name), `only the supervisor's agency: ${agencies}`);
    await closePage(page);
  });
});
