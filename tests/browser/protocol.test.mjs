/*
 * The First Responder Protocol in headless Chromium, as people use it: the
 * hotline worker fills the CSEC Expedited Form (an open Probation case, so
 * the Probation CTU leads); the dispatch board, open in another browser as
 * the CTU supervisor, shows the new referral live without a reload; the CTU
 * responder acknowledges, arrives and records the initial MDT on the case
 * page, whose timeline then shows those steps; the advocate's task list gets
 * its notification live. Every new page passes checkPage (CSP, structure,
 * labels, no console errors), and the board and the case page work on a
 * phone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, login, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';

const STAGING = `Lot behind 1200 W Imperial Hwy, bay ${process.pid % 1000}`;
const MEDICAL = 'Cut on left forearm, needs cleaning.';
const YOUTH = { first: 'Maribel', last: `Quintana${process.pid % 1000}`, dob: '2010-04-17' };

/* The board is ready when its summary no longer says it is loading. */
const boardReady = (p) => p.locator('#board-summary').filter({ hasNotText: 'Loading' }).waitFor();
const caseReady = (p) => p.locator('#case-state').waitFor();

async function phoneCheck(page, what) {
  const report = await page.evaluate(() => {
    const small = [...document.querySelectorAll('button, .nav-list a, .case-card__title a, input:not([type=checkbox]):not([type=radio]), select, textarea')]
      .filter((e) => e.getClientRects().length && !e.closest('dialog:not([open])') && !e.closest('.visually-hidden, .skip-link'))
      .filter((e) => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()}" ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`);
    const nav = document.querySelector('#site-nav').getBoundingClientRect();
    const main = document.querySelector('main').getBoundingClientRect();
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, small, stacked: main.top >= nav.bottom - 1 };
  });
  assert.ok(report.overflow <= 0, `${what}: page is ${report.overflow}px wider than the phone`);
  assert.deepEqual(report.small, [], `${what}: tap targets under 44px`);
  assert.ok(report.stacked, `${what}: navigation above the content, one column`);
}

describe('First Responder Protocol pages', () => {
  let haven;
  let browser;
  let hotline;    /* the hotline worker at 2 a.m. */
  let board;      /* the CTU supervisor watching the dispatch board */
  let responder;  /* the CTU responder, on call */
  let advocate;   /* the on-call advocate */
  let referral;   /* {id, number} of the referral this suite opens */

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    hotline = await newPage(browser, haven.url);
    board = await newPage(browser, haven.url);
    responder = await newPage(browser, haven.url);
    advocate = await newPage(browser, haven.url);
    await signInViaPage(hotline, haven.url, 'hotline');
    await signInViaPage(board, haven.url, 'supervisor');
    await signInViaPage(responder, haven.url, 'responder');
    await signInViaPage(advocate, haven.url, 'advocate');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  test('navigation offers the protocol pages by permission', async () => {
    await hotline.goto('/');
    await hotline.getByText(/Signed in as/).waitFor();
    const nav = hotline.locator('#site-nav');
    await nav.getByRole('link', { name: 'Intake' }).waitFor();
    await nav.getByRole('link', { name: 'My tasks' }).waitFor();
    await board.goto('/');
    await board.getByText(/Signed in as/).waitFor();
    await board.locator('#site-nav').getByRole('link', { name: 'Dispatch board' }).waitFor();
    assertClean(hotline);
    assertClean(board);
  });

  test('the intake form: required fields and server errors beside the field', async () => {
    await checkPage(hotline, '/intake', {
      ready: (p) => p.locator('#identifying_agency_id option').nth(1).waitFor({ state: 'attached' }),
    });
    const encountered = await hotline.getByLabel('Time of the encounter (required)').inputValue();
    assert.match(encountered, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'the encounter time is prefilled');
    // The hotline may override the routing; an officer would not see it.
    await hotline.getByRole('checkbox', { name: /Override the rules/ }).waitFor();

    // Nothing filled in: each required field says what it needs, focus on the first.
    let posted = false;
    const onRequest = (r) => { if (r.url().endsWith('/api/v1/referrals') && r.method() === 'POST') posted = true; };
    hotline.on('request', onRequest);
    await hotline.getByRole('button', { name: 'Send referral' }).click();
    await hotline.locator('#form-alert').filter({ hasText: /required fields are empty/ }).waitFor();
    const agency = hotline.getByLabel('Identifying agency (required)');
    assert.equal(await agency.getAttribute('aria-invalid'), 'true');
    assert.ok(await agency.evaluate((e) => e === document.activeElement), 'focus on the first missing field');
    assert.equal(await hotline.getByLabel('Staging area address (required)').getAttribute('aria-invalid'), 'true');
    hotline.off('request', onRequest);
    assert.equal(posted, false, 'nothing is sent while required fields are empty');
    assertClean(hotline);
  });

  test('the hotline sends a referral; the board shows it live; a double click opens one', async (t) => {
    await checkPage(board, '/board', { ready: boardReady });
    const cardsBefore = await board.locator('#board > li').count();
    // The board notes when each card first shows (this machine's clock, like the test's).
    await board.evaluate(() => {
      window.notReloaded = true;
      window.cardSeen = {};
      const note = () => {
        for (const li of document.querySelectorAll('#board > li[data-referral-id]')) {
          window.cardSeen[li.dataset.referralId] ??= Date.now();
        }
      };
      note();
      new MutationObserver(note).observe(document.querySelector('#board'), { childList: true });
    });

    await hotline.goto('/intake');
    await hotline.locator('#identifying_agency_id option').nth(1).waitFor({ state: 'attached' });
    await hotline.getByLabel('Identifying agency (required)').selectOption({ label: "Los Angeles County Sheriff's Department" });
    const station = hotline.getByLabel('Station');
    assert.equal(await station.isDisabled(), false, 'stations of the agency are offered');
    await station.selectOption({ label: 'LASD Century Station' });
    await hotline.getByLabel('Officer name').fill('Deputy R. Alvarez');
    await hotline.getByLabel('Badge or serial number').fill('X'.repeat(41)); /* too long: the server says so */
    await hotline.getByLabel('How the youth was identified (required)').selectOption('patrol_contact');
    await hotline.getByLabel('Staging area address (required)').fill(STAGING);
    await hotline.getByLabel('First name').fill(YOUTH.first);
    await hotline.getByLabel('Last name').fill(YOUTH.last);
    await hotline.getByLabel('Date of birth').fill(YOUTH.dob);
    await hotline.getByLabel('Estimated age').fill('15');
    await hotline.getByLabel('Immediate safety concerns').fill('Adult male seen with youth earlier; left on foot.');
    await hotline.getByLabel('Immediate medical concerns').fill(MEDICAL);
    await hotline.getByLabel('Known DCFS involvement (required)').selectOption('none');
    await hotline.getByLabel('Known Probation involvement (required)').selectOption('open_case');
    await hotline.locator('#routing-preview').filter({ hasText: /Probation Child Trafficking Unit leads/ }).waitFor();

    const refused = hotline.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST');
    await hotline.getByRole('button', { name: 'Send referral' }).click();
    const bad = await refused;
    assert.equal(bad.status(), 400, 'a 41-character badge number is refused');
    const problem = await bad.json();
    assert.equal(problem.field, 'officer_badge', JSON.stringify(problem));
    const badge = hotline.getByLabel('Badge or serial number');
    await hotline.locator('#form-alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await badge.getAttribute('aria-invalid'), 'true', 'the error is shown beside the badge field');
    assert.ok(await badge.evaluate((e) => e === document.activeElement), 'focus goes to the field in error');
    await badge.fill('4471');

    const keys = [];
    hotline.on('request', (r) => {
      if (r.url().endsWith('/api/v1/referrals') && r.method() === 'POST') keys.push(r.headers()['idempotency-key']);
    });
    const created = hotline.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST' && r.status() < 300);
    await hotline.getByRole('button', { name: 'Send referral' }).dblclick();
    const res = await created;
    const sentAt = Date.now();
    assert.equal(res.status(), 201, 'the referral is created');
    assert.ok(keys.length >= 1 && keys.every((k) => k && k === keys[0]), `one Idempotency-Key per form: ${keys}`);
    // The page goes to the new case at once (so the answer's body is gone with it).
    await hotline.waitForURL((u) => u.pathname === '/case' && Number(u.searchParams.get('id')) > 0);
    const id = Number(new URL(hotline.url()).searchParams.get('id'));
    const got = await hotline.evaluate(async (n) => (await fetch(`/api/v1/referrals/${n}`)).json(), id);
    referral = { id, number: got.referral.number };
    assert.ok(referral.number, 'the referral has a number');
    assert.equal(got.referral.state, 'open');

    // Live: the card appears on the board without a reload, within a second.
    const card = board.locator(`#board > li[data-referral-id="${referral.id}"]`);
    await card.waitFor({ timeout: 5000 });
    const latency = (await board.evaluate((n) => window.cardSeen[n], String(referral.id))) - sentAt;
    t.diagnostic(`the new referral reached the board ${latency} ms after the intake's answer`);
    assert.ok(latency <= 1000, `the new referral reached the board in ${latency} ms`);
    assert.equal(await board.evaluate(() => window.notReloaded), true, 'the board did not reload');
    const text = await card.textContent();
    assert.match(text, new RegExp(referral.number));
    assert.match(text, /Probation Child Trafficking Unit/);
    assert.match(text, /Demo CTU Responder/, 'routed to the on-call CTU responder');
    assert.match(text, new RegExp(STAGING.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(text, /\d+ (h|min)( \d+ min)? left/, `a live countdown: ${text}`);

    // The countdown ticks every second from the server's time.
    const countdown = card.locator('.countdown').first();
    assert.match(await countdown.textContent(), /left|overdue/);

    // The hotline is on the new case.
    await caseReady(hotline);
    const state = await hotline.locator('#case-state').textContent();
    assert.match(state, /Open/);

    // One referral, whatever the double click did.
    const list = await board.evaluate(async () => (await fetch('/api/v1/referrals?open=1')).json());
    const mine = list.items.filter((r) => r.staging_address === STAGING);
    assert.equal(mine.length, 1, 'a double click opens one referral');
    assert.equal(await board.locator('#board > li').count(), cardsBefore + 1);
    assertClean(board);
    assertClean(hotline);
  });

  test('the case page as the hotline: summary, clocks, youth, intake, routing', async () => {
    await checkPage(hotline, `/case?id=${referral.id}`, { ready: caseReady });
    assert.match(await hotline.locator('h1').textContent(), new RegExp(referral.number));
    const summary = await hotline.locator('#case-summary').textContent();
    assert.match(summary, /Probation Child Trafficking Unit/);
    assert.match(await hotline.locator('#youth').textContent(), new RegExp(YOUTH.last));
    assert.match(await hotline.locator('#intake').textContent(), /Patrol contact/);
    assert.match(await hotline.locator('#clocks').textContent(), /left/);
    // The hotline may reroute before the lead acknowledges.
    await hotline.getByRole('button', { name: 'Reroute…' }).waitFor();
    assertClean(hotline);
  });

  test('the responder acknowledges and arrives; the advocate is told live', async () => {
    await checkPage(advocate, '/tasks', { ready: (p) => p.locator('#notes-summary').filter({ hasNotText: 'Loading' }).waitFor() });
    await advocate.evaluate(() => { window.notReloaded = true; });

    await checkPage(responder, `/case?id=${referral.id}`, { ready: caseReady });
    const ack = responder.waitForResponse((r) => r.url().endsWith(`/referrals/${referral.id}/events`));
    await responder.getByRole('button', { name: 'Acknowledge' }).click();
    const ackRes = await ack;
    assert.equal(ackRes.status(), 200, await ackRes.text());
    assert.match(ackRes.request().headers()['if-match'] || '', /^"v\d+"$|^W\/"/, 'writes send If-Match');
    await responder.locator('#case-state').filter({ hasText: 'Acknowledged' }).waitFor();
    await responder.locator('#case-status').filter({ hasText: 'Acknowledged' }).waitFor();

    // The advocate's task list gets the call without a reload.
    await advocate.locator('#notes li').filter({ hasText: referral.number }).first().waitFor({ timeout: 5000 });
    assert.equal(await advocate.evaluate(() => window.notReloaded), true);

    await responder.getByRole('button', { name: 'Lead en route' }).click();
    await responder.locator('#case-status').filter({ hasText: 'lead en route' }).waitFor();
    await responder.getByRole('button', { name: 'Lead arrived' }).click();
    await responder.locator('#case-state').filter({ hasText: 'On scene' }).waitFor();
    assert.match(await responder.locator('#clocks').textContent(), /Met/);

    // The board follows along, still without a reload.
    await board.locator(`#board > li[data-referral-id="${referral.id}"]`).filter({ hasText: 'On scene' }).waitFor({ timeout: 5000 });
    assert.equal(await board.evaluate(() => window.notReloaded), true);
    assertClean(responder);
    assertClean(advocate);
    assertClean(board);
  });

  test('the advocate reads and clears a notification', async () => {
    const note = advocate.locator('#notes li').filter({ hasText: referral.number }).first();
    const noteId = await note.getAttribute('data-notification-id');
    const read = advocate.waitForResponse((r) => /\/api\/v1\/notifications\/\d+\/read$/.test(r.url()));
    await note.getByRole('button', { name: /^Mark as read/ }).click();
    const res = await read;
    assert.ok([200, 204].includes(res.status()));
    assert.ok(res.url().endsWith(`/notifications/${noteId}/read`));
    await advocate.locator('#notes-status').filter({ hasText: 'Marked as read' }).waitFor();
    // Gone from the unread list (others may arrive meanwhile: the list is live).
    await advocate.locator(`#notes li[data-notification-id="${noteId}"]`).waitFor({ state: 'detached' });
    assertClean(advocate);
  });

  test('the responder records the initial MDT; the timeline tells the story', async () => {
    // On scene without an MDT, the MDT form is open already: it is the next step.
    const form = responder.locator('#mdt-form');
    await form.waitFor();
    assert.equal(await form.getByLabel('Meeting (required)').inputValue(), 'initial');
    for (const who of ['Youth', 'Lead responder', 'Advocate', 'Officer']) {
      await form.getByRole('checkbox', { name: who, exact: true }).check();
    }
    await form.getByLabel('Safety plan').fill('Stay with aunt; no contact with the adult seen earlier; phone kept charged.');
    // Juvenile hall asks for a reason; other decisions do not.
    const reason = form.getByLabel('Reason for juvenile hall (required)');
    assert.equal(await reason.isVisible(), false);
    await form.getByLabel('Decision').selectOption('juvenile_hall');
    await reason.waitFor();
    await form.getByLabel('Decision').selectOption('relative');
    await reason.waitFor({ state: 'hidden' });
    await form.getByLabel('Transport', { exact: true }).fill('Responder drives youth to aunt in Compton.');
    const week = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, '0');
    await form.getByLabel('Follow-up MDT').fill(`${week.getFullYear()}-${p(week.getMonth() + 1)}-${p(week.getDate())}T10:00`);
    const saved = responder.waitForResponse((r) => r.url().endsWith(`/referrals/${referral.id}/mdt`));
    await form.getByRole('button', { name: 'Record the MDT' }).click();
    const res = await saved;
    assert.equal(res.status(), 201, await res.text());
    await responder.locator('#case-state').filter({ hasText: 'Follow-up' }).waitFor();
    await responder.locator('#mdt-list').filter({ hasText: 'With a relative' }).waitFor();
    assert.match(await responder.locator('#clocks').textContent(), /Follow-up MDT/);

    const steps = await responder.locator('#timeline li').evaluateAll((items) => items.map((li) => li.textContent));
    const find = (re) => steps.findIndex((t) => re.test(t));
    const opened = find(/Referral opened/);
    const acked = find(/Lead acknowledged/);
    const arrived = find(/Lead arrived/);
    const mdt = find(/Initial MDT/);
    assert.ok(opened >= 0 && acked > opened && arrived > acked && mdt > arrived, `the timeline, oldest first: ${steps.join(' | ')}`);
    assert.match(steps[acked], /Demo CTU Responder/, 'who did it');
    assert.match(steps[opened], /Demo Hotline Worker/);
    await assertAccessible(responder, '/case after the MDT');
    assertClean(responder);
  });

  test('a stale write: someone else changed the case, the page reloads and says so', async () => {
    // This page hears no live events, so it keeps the version it read.
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'responder');
    await page.route('**/api/v1/events', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body: ': quiet\n\n' }));
    await page.goto(`/case?id=${referral.id}`);
    await caseReady(page);
    // Meanwhile the hotline records the whereabouts through the API.
    const other = await login(haven.url, 'hotline');
    const r = await api(haven.url, other, 'POST', `/api/v1/referrals/${referral.id}/status`, { kind: 'whereabouts', status: 'home' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // The stale page records a basic need: 412, the page reloads and explains.
    const stale = page.waitForResponse((x) => x.url().endsWith(`/referrals/${referral.id}/contacts`));
    await page.locator('#needs-buttons').getByRole('button', { name: 'Food' }).click();
    assert.equal((await stale).status(), 412, 'a write with an old ETag is refused');
    await page.locator('#needs-alert').filter({ hasText: 'Someone else changed this case' }).waitFor();
    await page.locator('#statuses').filter({ hasText: 'Home' }).waitFor();
    // Sent again, it works.
    const ok = page.waitForResponse((x) => x.url().endsWith(`/referrals/${referral.id}/contacts`));
    await page.locator('#needs-buttons').getByRole('button', { name: 'Food' }).click();
    assert.equal((await ok).status(), 201);
    await page.locator('#contacts-list').filter({ hasText: 'Basic need: Food' }).waitFor();
    assertClean(page);
    await closePage(page);
  });

  test('the rest of the case: health details, consents, appointments, placements, advocacy, status, detentions', async () => {
    const page = responder;
    await page.goto(`/case?id=${referral.id}`);
    await caseReady(page);
    const intake = page.locator('#intake');
    // No information-sharing authorisation yet: the CTU sees that health details exist, not what they are.
    await intake.filter({ hasText: 'hidden: no information-sharing authorisation' }).waitFor();
    assert.doesNotMatch(await intake.textContent(), new RegExp(MEDICAL));

    const open = async (summary, formId) => {
      await page.getByText(summary, { exact: true }).click();
      const form = page.locator(formId);
      await form.waitFor();
      return form;
    };
    const send = async (form, button, pathEnd, status = 201) => {
      const answer = page.waitForResponse((r) => r.url().endsWith(pathEnd) && r.request().method() !== 'GET');
      await form.getByRole('button', { name: button }).click();
      const res = await answer;
      assert.equal(res.status(), status, `${pathEnd}: ${res.status()} ${await res.text().catch(() => '')}`);
      assert.ok(res.request().headers()['if-match'], `${pathEnd} sends If-Match`);
    };

    // An information-sharing authorisation naming the CTU: the medical concerns show.
    let form = await open('Record a consent', '#consent-form');
    await form.getByLabel('Consent to (required)').selectOption('info_sharing');
    await form.getByRole('checkbox', { name: 'Probation Child Trafficking Unit' }).check();
    await form.getByLabel('Given by (required)').selectOption('parent_or_guardian');
    await send(form, 'Record the consent', '/consents');
    await page.locator('#consents-list').filter({ hasText: 'Information sharing' }).waitFor();
    await intake.filter({ hasText: MEDICAL }).waitFor();

    // A Medical Hub exam: scheduled, then attended (the medical-hub clock is met).
    form = await open('Schedule an appointment', '#appointment-form');
    await form.getByLabel('Appointment (required)').selectOption('medical_exam');
    const soon = new Date(Date.now() + 3 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    await form.getByLabel('When (required)').fill(local(soon));
    await form.getByLabel('Where').fill('Harbor-UCLA Medical Hub');
    await send(form, 'Schedule', '/appointments');
    const appt = page.locator('#appointments-list li').filter({ hasText: 'Medical Hub exam' }).first();
    await appt.filter({ hasText: 'Scheduled' }).waitFor();
    // Rescheduled once, through the dialog.
    const dialog = page.getByRole('dialog', { name: 'Reschedule or add the outcome' });
    // A live re-read of the case (the scheduling's own event) can redraw the
    // list between press and release of the click; click again then, as a person would.
    for (let i = 0; ; i += 1) {
      await appt.getByRole('button', { name: /^Reschedule or add the outcome/ }).click();
      try {
        await dialog.waitFor({ timeout: 3000 });
        break;
      } catch (err) {
        if (i === 2) throw err;
      }
    }
    await assertAccessible(page, '/case appointment dialog');
    await dialog.getByLabel('New time').fill(local(new Date(soon.getTime() + 3600 * 1000)));
    const patched = page.waitForResponse((r) => /\/api\/v1\/appointments\/\d+$/.test(r.url()));
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.equal((await patched).status(), 200);
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('#appointments-list').filter({ hasText: 'Rescheduled' }).waitFor();
    const attended = page.waitForResponse((r) => /\/api\/v1\/appointments\/\d+$/.test(r.url()));
    await page.locator('#appointments-list li').first().getByRole('button', { name: /^Attended/ }).click();
    assert.equal((await attended).status(), 200);
    await page.locator('#appointments-list').filter({ hasText: 'Attended' }).waitFor();

    // A SODA/PAD bed from the bed board, extended, then ended.
    form = await open('Record a placement', '#placement-form');
    await form.getByLabel('Placement (required)').selectOption('soda_pad');
    const provider = form.getByLabel('Bed provider (required)');
    await provider.waitFor();
    await provider.selectOption({ index: 1 });
    await send(form, 'Record the placement', '/placements');
    const stay = page.locator('#placements-list li').filter({ hasText: 'SODA/PAD bed' }).first();
    await stay.getByRole('button', { name: /^Extend the stay/ }).click();
    const ext = page.getByRole('dialog', { name: 'Extend the stay' });
    await ext.getByLabel('Why the stay is longer than 30 days (required)').fill('Waiting for a relative placement to clear.');
    const extended = page.waitForResponse((r) => /\/placements\/\d+\/extend$/.test(r.url()));
    await ext.getByRole('button', { name: 'Extend the stay' }).click();
    assert.equal((await extended).status(), 200);
    await page.locator('#placements-list').filter({ hasText: 'Extended until' }).waitFor();
    await page.locator('#placements-list li').first().getByRole('button', { name: /^End/ }).click();
    const end = page.getByRole('dialog', { name: 'End the placement' });
    await end.getByLabel('Why (required)').selectOption('moved_on');
    const ended = page.waitForResponse((r) => /\/placements\/\d+\/end$/.test(r.url()));
    await end.getByRole('button', { name: 'End the placement' }).click();
    assert.equal((await ended).status(), 200);
    await page.locator('#placements-list').filter({ hasText: 'Moved on' }).waitFor();

    // Advocacy: a basic need in one tap, a contact through the form.
    await page.locator('#needs-buttons').getByRole('button', { name: 'Shower' }).click();
    await page.locator('#contacts-list').filter({ hasText: 'Basic need: Shower' }).waitFor();
    form = await open('Record an advocacy contact', '#contact-form');
    await form.getByLabel('Contact (required)').selectOption('phone');
    await form.getByLabel('Note').fill('Checked in; youth doing ok.');
    await send(form, 'Record the contact', '/contacts');
    await page.locator('#contacts-list').filter({ hasText: 'Phone call' }).waitFor();

    // The 72-hour status and the whereabouts.
    form = page.locator('#status72-form');
    await form.getByLabel('72-hour status (required)').selectOption('with_relative');
    await send(form, 'Record the 72-hour status', '/status');
    await page.locator('#statuses').filter({ hasText: 'With a relative' }).waitFor();

    // A detention with its reason.
    form = await open('Record a detention', '#detention-form');
    await form.getByLabel('Reason (required)').selectOption('warrant');
    await send(form, 'Record the detention', '/detentions');
    await page.locator('#detentions-list').filter({ hasText: 'Warrant' }).waitFor();

    // The Medical Hub's clinician joins the team, and can be taken off it again.
    form = await open('Add someone to the team', '#team-form');
    await form.getByLabel('As (required)').selectOption('clinician');
    const person = form.getByLabel('Person (required)');
    const choice = person.locator('option', { hasText: 'Demo Medical Hub Clinician' });
    await choice.waitFor({ state: 'attached' });
    await person.selectOption(await choice.getAttribute('value'));
    await send(form, 'Add to the team', '/team');
    const member = page.locator('#team li[data-role="clinician"]');
    await member.filter({ hasText: 'Demo Medical Hub Clinician' }).waitFor();
    const off = page.waitForResponse((r) => /\/team\/\d+$/.test(r.url()) && r.request().method() === 'DELETE');
    await member.getByRole('button', { name: /Take Demo Medical Hub Clinician off the team/ }).click();
    assert.equal((await off).status(), 200);
    await member.waitFor({ state: 'detached' });

    const steps = (await page.locator('#timeline').textContent());
    for (const re of [/Consent recorded/, /Appointment scheduled/, /Placement started/, /Stay extended/, /Placement ended/, /Advocacy contact/, /Detention recorded/, /Added to the case team/, /Taken off the case team/]) {
      assert.match(steps, re);
    }
    await assertAccessible(page, '/case with every record');
    assertClean(page);
  });

  test('the hotline reroutes a referral; the lead closes one with a reason', async () => {
    // A fresh referral through the API (the form is covered above).
    const hl = await login(haven.url, 'hotline');
    const agencies = (await api(haven.url, hl, 'GET', '/api/v1/agencies')).body.items;
    const lasd = agencies.find((a) => a.kind === 'law_enforcement');
    const mart = agencies.find((a) => a.kind === 'dcfs_mart');
    const r = await api(haven.url, hl, 'POST', '/api/v1/referrals', {
      identifying_agency_id: lasd.id, encountered_at: new Date().toISOString(), identified_how: 'operation',
      staging_address: `${STAGING} (reroute)`, dcfs_involvement: 'unknown', probation_involvement: 'open_case', youth: {},
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.referral.id;

    await hotline.goto(`/case?id=${id}`);
    await caseReady(hotline);
    await hotline.getByRole('button', { name: 'Reroute…' }).click();
    const form = hotline.locator('#reroute-form');
    await form.getByLabel('New lead agency (required)').selectOption(String(mart.id));
    await form.getByLabel('Why (required)').fill('Youth has an open DCFS case; MART already knows the family.');
    const rerouted = hotline.waitForResponse((x) => x.url().endsWith(`/referrals/${id}/events`));
    await form.getByRole('button', { name: 'Reroute' }).click();
    assert.equal((await rerouted).status(), 200);
    await hotline.locator('#case-summary').filter({ hasText: 'Multi-Agency Response Team' }).waitFor();
    await hotline.locator('#timeline').filter({ hasText: 'Rerouted' }).waitFor();
    assertClean(hotline);

  });

  test('a second referral for the same youth offers to attach to them', async () => {
    await hotline.goto('/intake');
    await hotline.locator('#identifying_agency_id option').nth(1).waitFor({ state: 'attached' });
    await hotline.getByLabel('First name').fill(YOUTH.first);
    await hotline.getByLabel('Last name').fill(YOUTH.last);
    await hotline.getByLabel('Date of birth').fill(YOUTH.dob);
    const matches = hotline.locator('#matches');
    await matches.getByRole('heading', { name: 'This may be a youth we have met before' }).waitFor();
    const match = matches.locator('li').filter({ hasText: referral.number });
    await match.getByRole('button', { name: /Attach/ }).click();
    await hotline.locator('#attached').filter({ hasText: referral.number }).waitFor();
    await hotline.getByLabel('Identifying agency (required)').selectOption({ label: 'Long Beach Police Department' });
    await hotline.getByLabel('How the youth was identified (required)').selectOption('tip_or_call');
    await hotline.getByLabel('Staging area address (required)').fill(`${STAGING} (second)`);
    await hotline.getByLabel('Known DCFS involvement (required)').selectOption('unknown');
    await hotline.getByLabel('Known Probation involvement (required)').selectOption('none');
    const created = hotline.waitForResponse((r) => r.url().endsWith('/api/v1/referrals') && r.request().method() === 'POST');
    await hotline.getByRole('button', { name: 'Send referral' }).click();
    const res = await created;
    assert.equal(res.status(), 201);
    const sent = JSON.parse(res.request().postData());
    assert.ok(sent.youth_id > 0 && !sent.youth, 'attaching sends youth_id instead of the youth');
    await hotline.waitForURL((u) => u.pathname === '/case');
    await caseReady(hotline);
    assert.match(await hotline.locator('#case-summary').textContent(), /Multi-Agency Response Team/, 'no open Probation case: MART leads');
    assert.match(await hotline.locator('#youth').textContent(), new RegExp(YOUTH.last));
    assertClean(hotline);
  });

  test('my tasks and the bed board', async () => {
    await checkPage(responder, '/tasks', { ready: (p) => p.locator('#tasks-summary').filter({ hasNotText: 'Loading' }).waitFor() });
    await responder.locator(`#tasks > li[data-referral-id="${referral.id}"]`).waitFor();
    await checkPage(responder, '/beds', { ready: (p) => p.locator('#beds-caption').filter({ hasNotText: 'Loading' }).waitFor() });
    const rows = await responder.locator('#beds-body tr').count();
    assert.ok(rows >= 1, 'the demo bed provider is listed');
    assert.match(await responder.locator('#beds-body').textContent(), /Safe Harbor/);
  });

  test('on a phone: the board and the case page', async () => {
    for (const page of [board, responder]) await page.setViewportSize({ width: 390, height: 844 });
    try {
      await board.goto('/board');
      await boardReady(board);
      await board.locator(`#board > li[data-referral-id="${referral.id}"]`).waitFor();
      await phoneCheck(board, '/board');
      await responder.goto(`/case?id=${referral.id}`);
      await caseReady(responder);
      await phoneCheck(responder, '/case');
      // The form sections open to full-size controls too.
      await responder.getByText('Record a placement').click();
      await phoneCheck(responder, '/case with the placement form open');
      assertClean(board);
      assertClean(responder);
    } finally {
      for (const page of [board, responder]) await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test('an officer files for their own agency, without the override, and sees no health details', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'officer');
    await checkPage(page, '/intake', {
      ready: (p) => p.locator('#identifying_agency_id option').nth(1).waitFor({ state: 'attached' }),
    });
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
    assert.equal(await page.getByLabel('Identifying agency (required)').inputValue(), String(me.agency.id), 'the officer\'s agency is chosen');
    assert.equal(await page.locator('#override-section').isVisible(), false, 'only the hotline and supervisors override the rules');
    await page.getByLabel('How the youth was identified (required)').selectOption('patrol_contact');
    await page.getByLabel('Staging area address (required)').fill(`${STAGING} (officer)`);
    await page.getByLabel('Immediate medical concerns').fill(MEDICAL);
    await page.getByLabel('Known DCFS involvement (required)').selectOption('unknown');
    await page.getByLabel('Known Probation involvement (required)').selectOption('unknown');
    await page.getByLabel('Staging area address (required)').press('Enter'); /* Enter sends, as on any form */
    await page.waitForURL((u) => u.pathname === '/case');
    await caseReady(page);
    await page.locator('#intake').filter({ hasText: 'hidden: no information-sharing authorisation' }).waitFor();
    assert.doesNotMatch(await page.locator('#intake').textContent(), new RegExp(MEDICAL));
    // Officers read their referrals; recording on them is the team's: no form is offered.
    await page.locator('#read-only').waitFor();
    assert.equal(await page.locator('#mdt-form-slot').isVisible(), false);
    assert.equal(await page.locator('#needs-buttons').isVisible(), false);
    assert.equal(await page.locator('#team-form-slot').isVisible(), false);
    assertClean(page);
    await closePage(page);
  });

  test('a user without the permission is told so', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'analyst');
    for (const path of ['/intake', '/board']) {
      await page.goto(path);
      await page.getByText('Your account does not have access to this page').waitFor();
    }
    assertClean(page);
    await closePage(page);
  });

  test('the lead closes the referral with a reason; nothing more can be recorded', async () => {
    await responder.goto(`/case?id=${referral.id}`);
    await caseReady(responder);
    await responder.getByRole('button', { name: 'Close the referral…' }).click();
    const close = responder.locator('#close-form');
    // Without a reason, the form says so beside the field.
    await close.getByRole('button', { name: 'Close the referral' }).click();
    assert.equal(await close.getByLabel('Why it closes (required)').getAttribute('aria-invalid'), 'true');
    await close.getByLabel('Why it closes (required)').selectOption('services_completed');
    const closed = responder.waitForResponse((x) => x.url().endsWith(`/referrals/${referral.id}/events`));
    await close.getByRole('button', { name: 'Close the referral' }).click();
    assert.equal((await closed).status(), 200);
    await responder.locator('#case-state').filter({ hasText: 'Closed' }).waitFor();
    assert.equal(await responder.locator('#mdt-form-slot').isVisible(), false, 'nothing more to record on a closed referral');
    await responder.locator('#timeline').filter({ hasText: 'Referral closed' }).waitFor();
    assertClean(responder);
  });
});
