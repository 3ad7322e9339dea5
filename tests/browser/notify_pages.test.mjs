/*
 * On-call alerting in headless Chromium: an administrator builds a MART
 * rotation of two members on /oncall and sees who is on call now, adds and
 * removes an override, and sees a coverage gap for a rotation that starts
 * in 3 days; edits an escalation policy on /admin/escalation and reads its
 * summary; the MART responder adds an email contact on /account and verifies
 * it with the code from the SMTP sink, adds and removes a rule; the link in
 * an alert email opens /ack without signing in, which acknowledges only when
 * the button is pressed; /tasks lists an open alert with its messages and
 * acknowledges it. haven sends mail to tests/lib/smtp_sink.py through
 * `[notify] smtp_url`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, loginAdmin, startHaven, stopHaven } from '../lib/haven.mjs';
import { startSmtp } from '../lib/receivers.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';

const ZONE = 'America/Los_Angeles';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const TAG = process.pid % 10000;
const EMAIL = `mart.oncall.${TAG}@example.org`;
const SUMMARY = 'Page the responder → after 5 min the responder and backup → after 10 min supervisors; repeat once';

/* {date: "YYYY-MM-DD", time: "HH:MM"} of instant MS in Los Angeles. */
function laParts(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/* A datetime-local value for MS in the browser's zone (the tests run it in Los Angeles). */
function localInput(ms) {
  const { date, time } = laParts(ms);
  return `${date}T${time}`;
}

async function phoneCheck(page, what) {
  const report = await page.evaluate(() => {
    const small = [...document.querySelectorAll('button, .nav-list a, input:not([type=checkbox]):not([type=radio]), select, textarea')]
      .filter((e) => e.getClientRects().length && !e.closest('dialog:not([open])') && !e.closest('.visually-hidden, .skip-link'))
      .filter((e) => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()}" ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`);
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, small };
  });
  assert.ok(report.overflow <= 0, `${what}: page is ${report.overflow}px wider than the phone`);
  assert.deepEqual(report.small, [], `${what}: tap targets under 44px`);
}

describe('on-call alerting pages', () => {
  let haven;
  let smtp;
  let cfgDir;
  let browser;
  let admin;     /* the administrator, on a desk */
  let mart;      /* the MART responder, on a phone later */
  let ids;       /* agency and user ids of the demo */
  let rotation;  /* the MART rotation this suite creates */

  before(async () => {
    smtp = await startSmtp();
    cfgDir = await mkdtemp(path.join(tmpdir(), 'haven-notify-pages-'));
    const cfg = path.join(cfgDir, 'haven.ini');
    await writeFile(cfg, `[notify]\nsmtp_url = smtp://127.0.0.1:${smtp.port}\n`);
    haven = await startHaven({ args: ['--config', cfg] });
    const session = await loginAdmin(haven.url);
    const agencies = (await api(haven.url, session, 'GET', '/api/v1/agencies')).body.items;
    const users = (await api(haven.url, session, 'GET', '/api/v1/users')).body.items;
    const kind = (k) => agencies.find((a) => a.kind === k).id;
    const user = (name) => users.find((u) => u.username === name).id;
    ids = {
      lasd: agencies.find((a) => a.kind === 'law_enforcement').id,
      mart: kind('dcfs_mart'),
      medical: kind('medical'),
      user: { mart: user('mart'), martsuper: user('martsuper'), clinician: user('clinician') },
    };
    browser = await launchBrowser();
    admin = await newPage(browser, haven.url);
    await signInViaPage(admin, haven.url, 'admin');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      try {
        await stopHaven(haven);
      } finally {
        if (smtp) await smtp.stop();
        if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
      }
    }
  });

  test('navigation offers On call and Escalation by permission', async () => {
    await admin.goto('/');
    await admin.getByText(/Signed in as/).waitFor();
    const nav = admin.locator('#site-nav');
    await nav.getByRole('link', { name: 'On call' }).waitFor();
    await nav.getByRole('link', { name: 'Escalation' }).waitFor();
    assertClean(admin);
  });

  test('an admin creates a MART rotation of two members and sees who is on call now', async () => {
    await checkPage(admin, `/oncall?agency=${ids.mart}`, {
      ready: (p) => p.locator('#rotations-summary').filter({ hasNotText: 'Loading' }).waitFor(),
    });
    await admin.getByRole('button', { name: 'New rotation' }).click();
    const dialog = admin.getByRole('dialog', { name: /New rotation/ });
    await dialog.waitFor();
    await assertAccessible(admin, '/oncall rotation dialog');
    assert.equal(await dialog.getByLabel('Time zone').inputValue(), ZONE, 'the county zone is the default');

    // Nothing filled in: the name and the members are asked for, nothing is sent.
    await dialog.getByLabel('Name').fill('');
    await dialog.getByRole('button', { name: 'Save rotation' }).click();
    await admin.locator('#rotation-alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await dialog.getByLabel('Name').getAttribute('aria-invalid'), 'true');

    // Daily shifts from an hour ago: the first member is on call now.
    const start = laParts(Date.now() - HOUR);
    await dialog.getByLabel('Name').fill('MART daily');
    await dialog.getByLabel('Tier').selectOption('primary');
    await dialog.getByLabel('First shift starts on').fill(start.date);
    await dialog.getByLabel('Hand-off time').fill(start.time);
    await dialog.getByLabel('Shift length').selectOption('24');
    // Added in the wrong order, then put right with "Move up".
    await dialog.getByLabel('Add a member').selectOption({ label: 'Demo MART Supervisor' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByLabel('Add a member').selectOption({ label: 'Demo MART Responder' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('button', { name: 'Move Demo MART Responder up' }).click();
    const names = await dialog.locator('#r-members .member-name').allTextContents();
    assert.deepEqual(names, ['Demo MART Responder', 'Demo MART Supervisor']);

    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/rotations') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Save rotation' }).click();
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    const sent = res.request().postDataJSON();
    assert.deepEqual(sent.member_ids, [ids.user.mart, ids.user.martsuper]);
    assert.equal(sent.shift_hours, 24);
    assert.equal(sent.time_zone, ZONE);
    assert.equal(sent.agency_id, ids.mart);
    rotation = await res.json();
    await dialog.waitFor({ state: 'hidden' });

    const card = admin.locator(`#rotations li[data-rotation-id="${rotation.id}"]`);
    await card.locator('.rotation-now').filter({ hasText: 'On call now: Demo MART Responder' }).waitFor();
    const now = admin.locator(`#now li[data-agency-id="${ids.mart}"]`);
    await now.filter({ hasText: /Primary: Demo MART Responder until/ }).waitFor();

    // The next 14 days of shifts alternate between the two members.
    await card.getByText('Shifts in the next 14 days').click();
    const rows = card.locator('.shifts-table tbody tr');
    await rows.first().waitFor();
    const who = await rows.locator('th').allTextContents();
    assert.ok(who.length >= 14 && who.length <= 15, `14 days of daily shifts (${who.length})`);
    assert.equal(who[0], 'Demo MART Responder');
    assert.equal(who[1], 'Demo MART Supervisor');
    assert.equal(who[2], 'Demo MART Responder');
    await assertAccessible(admin, '/oncall with a rotation');
    assertClean(admin);
  });

  test('an override puts someone else on call, and removing it puts the rotation back', async () => {
    const card = admin.locator(`#rotations li[data-rotation-id="${rotation.id}"]`);
    const form = card.locator('form.override-form');
    await form.getByLabel('Who covers').selectOption({ label: 'Demo MART Supervisor' });
    await form.getByLabel('From', { exact: true }).fill(localInput(Date.now() - 60 * 1000));
    await form.getByLabel('To', { exact: true }).fill(localInput(Date.now() + 2 * HOUR));
    await form.getByLabel('Reason (optional)').fill('Covering a court appearance');
    const added = admin.waitForResponse((r) => r.url().endsWith(`/api/v1/rotations/${rotation.id}/overrides`) && r.request().method() === 'POST');
    await form.getByRole('button', { name: 'Add override' }).click();
    const res = await added;
    assert.equal(res.status(), 201, await res.text());
    await admin.locator('#list-status').filter({ hasText: 'Override added' }).waitFor();
    const fresh = admin.locator(`#rotations li[data-rotation-id="${rotation.id}"]`);
    await fresh.locator('.rotation-now').filter({ hasText: 'On call now: Demo MART Supervisor' }).filter({ hasText: 'Override' }).waitFor();
    await fresh.locator('.rotation-overrides').filter({ hasText: 'Covering a court appearance' }).waitFor();

    admin.once('dialog', (d) => d.accept());
    const removed = admin.waitForResponse((r) => /\/api\/v1\/overrides\/\d+$/.test(r.url()) && r.request().method() === 'DELETE');
    await fresh.getByRole('button', { name: /Remove the override for Demo MART Supervisor/ }).click();
    assert.equal((await removed).status(), 204);
    await admin.locator(`#rotations li[data-rotation-id="${rotation.id}"] .rotation-now`)
      .filter({ hasText: 'On call now: Demo MART Responder' }).waitFor();
    assertClean(admin);
  });

  test('a rotation that starts in 3 days leaves a coverage gap until then', async () => {
    await admin.goto(`/oncall?agency=${ids.medical}`);
    await admin.locator('#rotations-summary').filter({ hasNotText: 'Loading' }).waitFor();
    await admin.getByRole('button', { name: 'New rotation' }).click();
    const dialog = admin.getByRole('dialog', { name: /New rotation/ });
    await dialog.waitFor();
    await dialog.getByLabel('Name').fill('Medical Hub weekly');
    await dialog.getByLabel('First shift starts on').fill(laParts(Date.now() + 3 * DAY).date);
    await dialog.getByLabel('Hand-off time').fill('08:00');
    await dialog.getByLabel('Shift length').selectOption('168');
    await dialog.getByLabel('Add a member').selectOption({ label: 'Demo Medical Hub Clinician' });
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/rotations') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Save rotation' }).click();
    const res = await created;
    assert.equal(res.status(), 201, await res.text());
    await dialog.waitFor({ state: 'hidden' });

    const gaps = admin.locator('#gaps-alert');
    await gaps.waitFor();
    assert.equal(await gaps.getAttribute('role'), 'alert');
    const gap = gaps.locator(`li[data-agency-id="${ids.medical}"]`).first();
    await gap.waitFor();
    assert.match(await gap.textContent(), /DHS Medical Hubs/);
    const end = Date.parse(await gap.getAttribute('data-end'));
    assert.ok(end > Date.now() + 2 * DAY && end < Date.now() + 4 * DAY, `the gap ends when the rotation starts (${new Date(end).toISOString()})`);
    assertClean(admin);
  });

  test('editing an escalation policy saves it and the summary says what it does', async () => {
    await checkPage(admin, `/admin/escalation?agency=${ids.mart}`, {
      ready: (p) => p.locator('#policies li').first().waitFor(),
    });
    const card = admin.locator('#policies li[data-kind="clock.missed"]');
    await card.getByText('Built-in default').waitFor();
    await card.getByRole('button', { name: /^Edit/ }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.waitFor();
    await assertAccessible(admin, '/admin/escalation dialog');

    await dialog.getByLabel('Name').fill('MART: a missed clock');
    await dialog.getByLabel('Acknowledgement timeout (minutes)').fill('30');
    await dialog.getByLabel('Repeat all steps').fill('1');
    const steps = dialog.locator('#p-steps > li');
    while (await steps.count() > 1) await dialog.getByRole('button', { name: `Remove step ${await steps.count()}` }).click();

    const setStep = async (i, { checks, role = '', wait }) => {
      const step = steps.nth(i);
      for (const name of ['The assigned responder', 'Whoever is on call', 'The backup on call']) {
        const box = step.getByRole('checkbox', { name });
        if (checks.includes(name)) await box.check();
        else await box.uncheck();
      }
      await step.getByLabel('And everyone with the role').selectOption(role);
      await step.getByLabel('And this person').selectOption('');
      await step.getByLabel(/Then wait this many minutes/).fill(String(wait));
    };
    await setStep(0, { checks: ['The assigned responder'], wait: 5 });
    await dialog.getByRole('button', { name: 'Add a step' }).click();
    await setStep(1, { checks: ['The assigned responder', 'The backup on call'], wait: 10 });
    await dialog.getByRole('button', { name: 'Add a step' }).click();
    await setStep(2, { checks: [], role: 'supervisor', wait: 15 });
    assert.equal((await admin.locator('#p-summary').textContent()).trim(), SUMMARY);

    const saved = admin.waitForResponse((r) => r.url().endsWith('/api/v1/escalation-policies') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    const res = await saved;
    assert.equal(res.status(), 201, await res.text());
    const body = res.request().postDataJSON();
    assert.equal(body.kind, 'clock.missed');
    assert.equal(body.agency_id, ids.mart);
    assert.deepEqual(body.steps.map((s) => s.delay_minutes), [5, 10, 15]);
    assert.deepEqual(body.steps[2].targets, [{ type: 'role', role: 'supervisor' }]);
    await dialog.waitFor({ state: 'hidden' });
    await card.getByText('Set for this agency').waitFor();
    assert.equal((await card.locator('.policy-summary').textContent()).trim(), SUMMARY);

    // Its own policy is replaced with PUT.
    await card.getByRole('button', { name: /^Edit/ }).click();
    await dialog.getByLabel('Repeat all steps').fill('2');
    const put = admin.waitForResponse((r) => /\/api\/v1\/escalation-policies\/\d+$/.test(r.url()) && r.request().method() === 'PUT');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    assert.equal((await put).status(), 200);
    await card.locator('.policy-summary').filter({ hasText: /repeat twice$/ }).waitFor();

    // Back to the built-in default.
    admin.once('dialog', (d) => d.accept());
    const deleted = admin.waitForResponse((r) => r.request().method() === 'DELETE');
    await card.getByRole('button', { name: /Back to built-in/ }).click();
    assert.equal((await deleted).status(), 204);
    await card.getByText('Built-in default').waitFor();
    assertClean(admin);
  });

  test('account: the MART responder adds an email address, verifies it with the mailed code, adds a rule', async () => {
    mart = await newPage(browser, haven.url);
    await signInViaPage(mart, haven.url, 'mart');
    await checkPage(mart, '/account', {
      ready: (p) => p.locator('#contacts-summary').filter({ hasNotText: 'Loading' }).waitFor(),
    });
    await mart.locator('#rules-summary').filter({ hasText: 'No rules: haven uses every verified method at once.' }).waitFor();
    const form = mart.locator('#contact-form');
    await form.getByLabel('Kind').selectOption('email');
    await form.getByLabel('Email address').fill(EMAIL);
    await form.getByLabel('Label (optional)').fill('Work email');
    const added = mart.waitForResponse((r) => r.url().endsWith('/api/v1/me/contacts') && r.request().method() === 'POST');
    await form.getByRole('button', { name: 'Add and send a code' }).click();
    const res = await added;
    assert.equal(res.status(), 201, await res.text());
    const contact = await res.json();
    assert.equal(contact.verified, false);
    const item = mart.locator(`#contacts li[data-contact-id="${contact.id}"]`);
    await item.getByText('Not verified yet').waitFor();

    const mail = await smtp.waitFor((ms) => ms.some((m) => (m.rcpt_tos || []).includes(EMAIL)), 15000);
    const message = mail.find((m) => (m.rcpt_tos || []).includes(EMAIL));
    const code = /\b(\d{6})\b/.exec(message.text || '')?.[1] || /\b(\d{4,8})\b/.exec(message.text || '')?.[1];
    assert.ok(code, `a code in the mail: ${message.text}`);

    await item.getByLabel(`Code sent to ${EMAIL}`).fill(code);
    const verified = mart.waitForResponse((r) => r.url().endsWith(`/api/v1/me/contacts/${contact.id}/verify`));
    await item.getByRole('button', { name: 'Verify' }).click();
    assert.equal((await verified).status(), 200);
    await mart.locator(`#contacts li[data-contact-id="${contact.id}"]`).getByText('Verified', { exact: true }).waitFor();

    const rule = mart.locator('#rule-form');
    await rule.getByLabel('Method').selectOption({ label: `Work email (Email: ${EMAIL})` });
    await rule.getByLabel('After how many minutes').fill('0');
    const ruled = mart.waitForResponse((r) => r.url().endsWith('/api/v1/me/rules') && r.request().method() === 'POST');
    await rule.getByRole('button', { name: 'Add rule' }).click();
    assert.equal((await ruled).status(), 201);
    await mart.locator('#rules li').filter({ hasText: 'Work email' }).filter({ hasText: 'at once' }).waitFor();
    const unruled = mart.waitForResponse((r) => /\/api\/v1\/me\/rules\/\d+$/.test(r.url()) && r.request().method() === 'DELETE');
    await mart.locator('#rules li').first().getByRole('button', { name: /Remove the rule/ }).click();
    assert.equal((await unruled).status(), 204);
    await mart.locator('#rules-summary').filter({ hasText: 'No rules' }).waitFor();
    await assertAccessible(mart, '/account with contacts');
    assertClean(mart);
  });

  /* A referral routed to MART (no open Probation case): its lead, the MART
   * responder on call, gets an alert by email. Resolves {referral, token}. */
  async function referralAlert(tag) {
    const hl = await login(haven.url, 'hotline');
    const before = (await smtp.messages()).length;
    const r = await api(haven.url, hl, 'POST', '/api/v1/referrals', {
      identifying_agency_id: ids.lasd, encountered_at: new Date().toISOString(), identified_how: 'operation',
      staging_address: `Notify test ${TAG} ${tag}`, dcfs_involvement: 'unknown', probation_involvement: 'none', youth: {},
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const referral = r.body.referral;
    const mails = await smtp.waitFor((ms) => ms.slice(before).some((m) => (m.rcpt_tos || []).includes(EMAIL)
      && /\/ack\?t=/.test(`${m.text || ''}${m.html || ''}`)), 20000);
    const mail = mails.slice(before).find((m) => (m.rcpt_tos || []).includes(EMAIL) && /\/ack\?t=/.test(`${m.text || ''}${m.html || ''}`));
    const token = /\/ack\?t=([A-Za-z0-9._~%-]+)/.exec(`${mail.text || ''}${mail.html || ''}`)[1];
    return { referral, token: decodeURIComponent(token) };
  }

  test('/ack: the link in the alert email acknowledges without signing in, only on the button', async () => {
    const { referral, token } = await referralAlert('ack');
    const page = await newPage(browser, haven.url, { viewport: { width: 390, height: 844 } });
    const posts = [];
    page.on('request', (r) => { if (r.method() !== 'GET') posts.push(`${r.method()} ${r.url()}`); });
    await checkPage(page, `/ack?t=${encodeURIComponent(token)}`, { ready: (p) => p.locator('#ack-alert').waitFor() });
    assert.equal(page.url().includes('/login'), false, 'no sign-in needed');
    await page.locator('#ack-facts').filter({ hasText: referral.number || /\S/ }).waitFor();
    assert.deepEqual(posts, [], 'opening the link acknowledges nothing');
    await phoneCheck(page, '/ack');
    const acked = page.waitForResponse((r) => r.url().includes('/api/v1/ack/') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    assert.equal((await acked).status(), 200);
    await page.locator('#ack-status').filter({ hasText: 'Acknowledged. Thank you — the escalation has stopped.' }).waitFor();
    assertClean(page);

    // The same link again: nothing to do, and said so.
    await page.goto(`/ack?t=${encodeURIComponent(token)}`);
    await page.locator('#page-alert, #ack-status').filter({ hasText: /already|used|expired/ }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).isVisible(), false);

    // Damaged links.
    for (const bad of ['/ack', '/ack?t=%3Cscript%3E', '/ack?t=abc']) {
      await page.goto(bad);
      await page.locator('#page-alert').filter({ hasText: /not complete|not valid|already been used|expired/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).isVisible(), false, bad);
    }
    assertClean(page);
    await closePage(page);
  });

  test('/tasks lists the open alert with its messages and acknowledges it', async () => {
    const { referral } = await referralAlert('tasks');
    await checkPage(mart, '/tasks', { ready: (p) => p.locator('#alerts-summary').filter({ hasNotText: 'Loading' }).waitFor() });
    const item = mart.locator('#alerts li.alert-item[data-state="triggered"]')
      .filter({ hasText: referral.number || /\S/ }).first();
    await item.waitFor();
    await item.getByText('Messages sent').click();
    await item.locator('table.deliveries tbody tr').first().waitFor();
    assert.match(await item.locator('table.deliveries').textContent(), /Email/);
    const acked = mart.waitForResponse((r) => /\/api\/v1\/alerts\/\d+\/ack$/.test(r.url()));
    await item.getByRole('button', { name: /^Acknowledge/ }).click();
    assert.equal((await acked).status(), 200);
    await mart.locator('#alerts-status').filter({ hasText: 'Acknowledged' }).waitFor();
    await assertAccessible(mart, '/tasks with alerts');
    assertClean(mart);
  });

  test('on a phone: /oncall is one column with 44px tap targets', async () => {
    await admin.setViewportSize({ width: 390, height: 844 });
    try {
      await admin.goto(`/oncall?agency=${ids.mart}`);
      await admin.locator(`#rotations li[data-rotation-id="${rotation.id}"]`).waitFor();
      await phoneCheck(admin, '/oncall');
      await admin.goto(`/admin/escalation?agency=${ids.mart}`);
      await admin.locator('#policies li').first().waitFor();
      await phoneCheck(admin, '/admin/escalation');
      assertClean(admin);
    } finally {
      await admin.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
