/*
 * The other pages in headless Chromium: agencies and stations list the demo
 * data and create one of each; the audit log shows sign-ins and pages back;
 * /account enrols a second factor end to end and shows a weak password's
 * error beside the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, freshTotp, startHaven, stopHaven, totp } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage, signOutViaPage,
} from '../lib/browser.mjs';

const DEMO_STATIONS = [
  'LASD Century Station', 'LASD Compton Station', 'Long Beach PD', 'LASD Transit Bureau – LA Basin',
  'LAPD 77th Street', 'LAPD Southeast', 'LASD Lancaster Station', 'LASD Palmdale Station',
  'LASD Santa Clarita Station',
];

describe('admin and account pages', () => {
  let haven;
  let browser;
  let admin;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
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

  test('home page: who is signed in and the admin tools', async () => {
    await checkPage(admin, '/', { ready: (p) => p.getByText(/Signed in as/).waitFor() });
    const text = await admin.locator('#signed-in-as').textContent();
    assert.match(text, /Signed in as .+, agency .+, roles .*Administrator/i);
    const tools = admin.locator('#tool-links');
    for (const name of ['Users', 'Agencies', 'Stations', 'Audit log']) {
      await tools.getByRole('link', { name: new RegExp(`^${name}`) }).waitFor();
    }
  });

  test('agencies: lists the demo agencies and creates one', async () => {
    await checkPage(admin, '/admin/agencies', { ready: (p) => p.locator('#agencies-body tr').first().waitFor() });
    const before = await admin.locator('#agencies-body tr').count();
    assert.ok(before >= 3, `demo agencies listed (${before})`);
    await admin.locator('#agencies-body').getByText('Law enforcement').first().waitFor();

    await admin.getByRole('button', { name: 'New agency' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New agency' });
    await dialog.waitFor();
    await assertAccessible(admin, '/admin/agencies dialog');
    await dialog.getByLabel('Name').fill('Harbor Youth Advocacy Center');
    await dialog.getByLabel('Kind').selectOption('advocacy');
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/agencies') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create agency' }).click();
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    const agency = await res.json();
    assert.equal(agency.kind, 'advocacy');
    await dialog.waitFor({ state: 'hidden' });
    const row = admin.locator(`#agencies-body tr[data-agency-id="${agency.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /Harbor Youth Advocacy Center/);
    assert.equal(await admin.locator('#agencies-body tr').count(), before + 1);

    // Edit: rename and make it inactive.
    await admin.getByRole('button', { name: 'Edit Harbor Youth Advocacy Center' }).click();
    const edit = admin.getByRole('dialog', { name: /Edit agency/ });
    await edit.waitFor();
    await edit.getByLabel('Name').fill('Harbor Youth Advocacy Centre');
    await edit.getByRole('checkbox', { name: /Active/ }).uncheck();
    const saved = admin.waitForResponse((r) => r.request().method() === 'PATCH');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    assert.equal((await saved).status(), 200);
    await row.filter({ hasText: 'Harbor Youth Advocacy Centre' }).filter({ hasText: 'Inactive' }).waitFor();
    assertClean(admin);
  });

  test('stations: lists the demo stations with go-live dates and creates one', async () => {
    await checkPage(admin, '/admin/stations', { ready: (p) => p.locator('#stations-body tr').first().waitFor() });
    const body = admin.locator('#stations-body');
    for (const name of DEMO_STATIONS) {
      await body.getByRole('row', { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first().waitFor();
    }
    const century = body.locator('tr', { hasText: 'LASD Century Station' });
    assert.match(await century.textContent(), /2014-08-15/);
    assert.match(await body.locator('tr', { hasText: 'LAPD 77th Street' }).textContent(), /2015-12-09/);

    await admin.getByRole('button', { name: 'New station' }).click();
    const dialog = admin.getByRole('dialog', { name: 'New station' });
    await dialog.waitFor();
    await assertAccessible(admin, '/admin/stations dialog');
    const select = dialog.getByLabel('Law-enforcement agency');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent })));
    const le = options.filter((o) => o.value);
    assert.ok(le.length >= 1, 'law-enforcement agencies to choose from');
    await select.selectOption(le[0].value);
    await dialog.getByLabel('Station name').fill('LASD Lakewood Station');
    await dialog.getByLabel('Jurisdiction (optional)').fill('Lakewood, Bellflower, Paramount');
    await dialog.getByLabel('Protocol go-live date (optional)').fill('2018-07-31');
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/stations') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Create station' }).click();
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    const station = await res.json();
    assert.equal(station.go_live_date, '2018-07-31');
    assert.equal(station.agency_id, Number(le[0].value));
    await dialog.waitFor({ state: 'hidden' });
    const row = admin.locator(`#stations-body tr[data-station-id="${station.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /LASD Lakewood Station.*2018-07-31/s);

    // Edit: clear the go-live date.
    await admin.getByRole('button', { name: 'Edit LASD Lakewood Station' }).click();
    const edit = admin.getByRole('dialog', { name: /Edit station/ });
    await edit.waitFor();
    assert.equal(await edit.getByLabel('Protocol go-live date (optional)').inputValue(), '2018-07-31');
    await edit.getByLabel('Protocol go-live date (optional)').fill('');
    const saved = admin.waitForResponse((r) => r.request().method() === 'PATCH');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const patched = await saved;
    assert.equal(patched.status(), 200, await patched.text());
    await row.filter({ hasText: 'Not set' }).waitFor();
    assertClean(admin);
  });

  test('account: a user without a second factor enrols one end to end', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'hotline');
    await checkPage(page, '/account', { ready: (p) => p.locator('#profile dt').first().waitFor() });
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secretEl = page.locator('#totp-secret');
    await secretEl.filter({ hasText: /\S/ }).waitFor();
    const shown = (await secretEl.textContent()).trim();
    assert.match(shown, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, `the secret is shown in groups of four: ${shown}`);
    const uri = (await page.locator('#totp-uri').textContent()).trim();
    assert.match(uri, /^otpauth:\/\/totp\//);
    const secret = shown.replace(/\s+/g, '');
    assert.equal(new URL(uri).searchParams.get('secret'), secret, 'the URI carries the same secret');
    await assertAccessible(page, '/account enrolment');

    // A wrong code is refused and said so.
    const wrong = String((Number(totp(secret)) + 1) % 1000000).padStart(6, '0');
    await page.getByLabel('6-digit code from your authenticator app').fill(wrong);
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/totp/confirm'));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const bad = await refused;
    assert.ok(bad.status() >= 400 && bad.status() < 500, `a wrong code is refused (${bad.status()})`);
    await page.locator('#totp-alert').filter({ hasText: /\S/ }).waitFor();

    // freshTotp remembers the step, so the sign-in below does not replay it.
    await page.getByLabel('6-digit code from your authenticator app').fill(await freshTotp(haven.url, 'hotline', secret));
    const confirmed = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/totp/confirm'));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const ok = await confirmed;
    assert.equal(ok.status(), 200, await ok.text());
    await page.locator('#totp-status').filter({ hasText: 'Two-step sign-in is on' }).waitFor();
    assert.ok(await page.locator('#totp-on').isVisible());
    assertClean(page);

    // Signing in again now asks for the code; the app's next code works.
    await signOutViaPage(page);
    await signInViaPage(page, haven.url, 'hotline', DEMO_PASSWORD, { secret });
    await page.getByText(/Signed in as/).waitFor();
    assertClean(page);
    await closePage(page);
  });

  test('account: a weak new password is refused beside the field, a strong one works', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'advocate');
    await page.goto('/account');
    await page.locator('#profile dt').first().waitFor();
    await page.getByLabel('Current password').fill(DEMO_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/password'));
    await page.getByRole('button', { name: 'Change password' }).click();
    const res = await refused;
    assert.equal(res.status(), 400);
    const problem = await res.json();
    const named = [problem.field, ...(problem.invalid_params || []).map((p) => p.name)];
    assert.ok(named.includes('new_password'), `the problem names new_password: ${JSON.stringify(problem)}`);
    const field = page.getByLabel('New password', { exact: true });
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await page.locator('#new_password').locator('xpath=..').locator('.field-error').waitFor();
    await page.locator('#password-alert').filter({ hasText: /\S/ }).waitFor();

    const strong = 'quiet-harbor-lantern-2031';
    await page.getByLabel('New password', { exact: true }).fill(strong);
    await page.getByLabel('New password again').fill(strong);
    const changed = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/password'));
    await page.getByRole('button', { name: 'Change password' }).click();
    assert.equal((await changed).status(), 204);
    await page.locator('#password-status').filter({ hasText: 'changed' }).waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), null, 'the field error is cleared');
    assertClean(page);
    await closePage(page);

    const again = await newPage(browser, haven.url);
    await signInViaPage(again, haven.url, 'advocate', strong);
    assertClean(again);
    await closePage(again);
  });

  test('audit log: newest first, shows sign-ins, pages back with "Older entries"', async () => {
    // Give the log a few more entries of its own.
    for (const user of ['officer', 'analyst', 'clinician']) {
      const page = await newPage(browser, haven.url);
      await signInViaPage(page, haven.url, user);
      await closePage(page);
    }
    await checkPage(admin, '/admin/audit?limit=5', { ready: (p) => p.locator('#audit-body tr').first().waitFor() });
    const ids = () => admin.locator('#audit-body tr').evaluateAll((rows) => rows.map((r) => Number(r.dataset.auditId)));
    const first = await ids();
    assert.equal(first.length, 5, 'one page of 5');
    assert.deepEqual(first, [...first].sort((a, b) => b - a), 'newest first');
    const older = admin.getByRole('button', { name: 'Older entries' });
    await older.waitFor();
    await older.click();
    await admin.waitForFunction(() => document.querySelectorAll('#audit-body tr').length > 5);
    const both = await ids();
    assert.ok(both.length > 5 && both.length <= 10);
    assert.deepEqual(both, [...both].sort((a, b) => b - a), 'still newest first, no repeats');
    assert.equal(new Set(both).size, both.length);

    // The whole log (one big page) has the sign-ins of this suite.
    await admin.goto('/admin/audit?limit=500');
    await admin.locator('#audit-body tr').first().waitFor();
    const rows = await admin.locator('#audit-body tr').evaluateAll((rs) => rs.map((r) => r.textContent));
    const signIns = rows.filter((t) => /session|sign.?in|login/i.test(t));
    assert.ok(signIns.some((t) => /officer/.test(t)), `a sign-in by officer is logged; actions seen: ${rows.slice(0, 5).join(' | ')}`);
    assert.ok(signIns.some((t) => /admin/.test(t)), 'a sign-in by admin is logged');
    await assertAccessible(admin, '/admin/audit');
    assertClean(admin);
  });

  test('on a phone: one column, no sideways scrolling, tap targets of 44px', async () => {
    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      for (const [pathname, ready] of [
        ['/', (p) => p.getByText(/Signed in as/).waitFor()],
        ['/admin/users', (p) => p.locator('#users-body tr').first().waitFor()],
        ['/admin/stations', (p) => p.locator('#stations-body tr').first().waitFor()],
        ['/account', (p) => p.locator('#profile dt').first().waitFor()],
      ]) {
        await admin.goto(pathname);
        await ready(admin);
        const report = await admin.evaluate(() => {
          const small = [...document.querySelectorAll('button, .nav-list a, input:not([type=checkbox]):not([type=radio]), select')]
            .filter((e) => e.getClientRects().length && !e.closest('dialog:not([open])') && !e.closest('.visually-hidden, .skip-link'))
            .filter((e) => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
            .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()}" ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`);
          const nav = document.querySelector('#site-nav').getBoundingClientRect();
          const main = document.querySelector('main').getBoundingClientRect();
          return {
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            small,
            stacked: main.top >= nav.bottom - 1,
          };
        });
        assert.ok(report.overflow <= 0, `${pathname}: page is ${report.overflow}px wider than the phone`);
        assert.deepEqual(report.small, [], `${pathname}: tap targets under 44px`);
        assert.ok(report.stacked, `${pathname}: navigation above the content, one column`);
      }
      assertClean(admin);
    } finally {
      await admin.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
