/*
 * The program office's trackers in headless Chromium, on the demo data with
 * the server's clock at 2026-10-15 (Los Angeles): an analyst opens
 * /expansion, sees the coverage figures, the timeline chart's canvas and the
 * same numbers in an accessible table, filters the list and sets a
 * station live with its go-live date (a future date is refused beside the
 * field first); on /deliverables the overdue ones stand out (tinted row,
 * badge, "Overdue by N days"), one is marked done and one is created; a
 * supervisor reads without edit controls; a responder is told the page is
 * not for them; both pages work at phone width.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, loginAdmin, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';

const CLOCK = '2026-10-15T19:00:00Z'; /* 15 October, noon in Los Angeles */

async function phoneCheck(page, what) {
  const report = await page.evaluate(() => {
    const small = [...document.querySelectorAll('button, .nav-list a, .inline-list a, input:not([type=checkbox]):not([type=radio]), select, textarea')]
      .filter((e) => e.getClientRects().length && !e.closest('dialog:not([open])') && !e.closest('.visually-hidden, .skip-link'))
      .filter((e) => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()}" ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`);
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, small };
  });
  assert.ok(report.overflow <= 0, `${what}: page is ${report.overflow}px wider than the phone`);
  assert.deepEqual(report.small, [], `${what}: tap targets under 44px`);
}

const expansionReady = async (page) => {
  await page.locator('#timeline-data tbody tr').first().waitFor();
  await page.locator('#jurisdictions-body tr').first().waitFor();
};

const deliverablesReady = async (page) => {
  await page.locator('#deliverables-body tr').first().waitFor();
  await page.locator('#status-data').waitFor();
};

describe('expansion and deliverables pages', () => {
  let haven;
  let browser;
  let analyst;
  let supervisor;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    /* the supervisor's code comes from the real clock: sign in first */
    supervisor = await newPage(browser, haven.url);
    await signInViaPage(supervisor, haven.url, 'supervisor');
    const admin = await loginAdmin(haven.url);
    const r = await api(haven.url, admin, 'POST', '/api/v1/test/clock', { now: CLOCK });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    analyst = await newPage(browser, haven.url);
    await signInViaPage(analyst, haven.url, 'analyst');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  test('expansion: figures, the chart and its table, filters, a station goes live', async () => {
    const page = analyst;
    await checkPage(page, '/expansion', { ready: expansionReady });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Expansion' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Deliverables' }).count(), 1);

    assert.equal(await page.locator('#fig-live .figure-value').textContent(), '20 of 47');
    assert.match(await page.locator('#as-of').textContent(), /2026-10-15/);

    /* the chart: Chart.js drew on the canvas, and left no inline style */
    const chart = await page.evaluate(() => {
      const c = document.getElementById('timeline-chart');
      const box = c.getBoundingClientRect();
      return {
        chart: typeof window.Chart === 'function' && !!window.Chart.getChart(c),
        width: box.width, height: box.height, style: c.hasAttribute('style'), role: c.getAttribute('role'), label: c.getAttribute('aria-label'),
      };
    });
    assert.ok(chart.chart, 'a Chart.js chart on the canvas');
    assert.ok(chart.width > 200 && chart.height > 100, `canvas ${chart.width}x${chart.height}`);
    assert.equal(chart.style, false);
    assert.equal(chart.role, 'img');
    assert.match(chart.label, /table/);

    /* the same numbers as an accessible table */
    const table = page.locator('#timeline-data');
    assert.match(await table.locator('caption').textContent(), /timeline/i);
    const heads = await table.locator('thead th').evaluateAll((ths) => ths.map((th) => [th.getAttribute('scope'), th.textContent]));
    assert.deepEqual(heads, [['col', 'Jurisdiction'], ['col', 'Kind'], ['col', 'Status'], ['col', 'Date'], ['col', 'Date is'],
      ['col', 'Live by then'], ['col', 'Live or planned by then']]);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(rows.length, 43, 'every jurisdiction with a date (four have none)');
    assert.equal(await table.locator('tbody tr th[scope="row"]').count(), 43);
    assert.deepEqual(rows[0].slice(3), ['2014-08-15', 'Went live', '1', '1']);
    const lastLive = rows.filter((r) => r[4] === 'Went live').length;
    assert.equal(lastLive, 20);
    assert.equal(rows[rows.length - 1][6], '43');
    /* the chart plots those running totals (the live line runs on to today) */
    const plotted = await page.evaluate(() => {
      const c = window.Chart.getChart(document.getElementById('timeline-chart'));
      return c.data.datasets.map((d) => [d.label, d.data.length, d.data[d.data.length - 1].y, d.data[d.data.length - 1].date]);
    });
    assert.deepEqual(plotted, [['Live', 21, 20, '2026-10-15'], ['Live or planned', 43, 43, '2027-10-01']]);

    /* coverage and status tables with their totals */
    assert.match(await page.locator('#coverage-data tfoot th').textContent(), /All jurisdictions/);
    assert.equal(await page.locator('#status-data tbody tr').count(), 4);

    /* exports */
    assert.equal(await page.locator('a[href="/api/v1/exports/program?format=xlsx"]').count(), 1);
    for (const id of ['coverage', 'expansion_status', 'expansion_timeline']) {
      assert.equal(await page.locator(`a[href="/api/v1/exports/program?format=csv&table=${id}"]`).count(), 1, id);
    }

    /* filters */
    await page.locator('#filter-kind').selectOption('lasd_station');
    await page.waitForFunction(() => /filtered/.test(document.getElementById('jurisdictions-caption').textContent));
    const kinds = await page.locator('#jurisdictions-body td[data-label="Kind"]').allTextContents();
    assert.ok(kinds.length >= 10 && kinds.every((k) => k === 'LASD station'), kinds.join());
    await page.locator('#filter-status').selectOption('training');
    await page.waitForFunction(() => document.querySelectorAll('#jurisdictions-body tr').length === 2);

    /* West Hollywood station goes live: a future date first */
    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: 'LASD West Hollywood Station' }) });
    await row.getByRole('button', { name: 'Edit LASD West Hollywood Station' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Protocol status').selectOption('live');
    const goLive = dialog.getByLabel('Went live on');
    await goLive.waitFor({ state: 'visible' });
    await goLive.fill('2026-10-20');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.locator('.field-error').waitFor();
    assert.match(await dialog.locator('.field-error').textContent(), /future/);
    assert.equal(await goLive.getAttribute('aria-invalid'), 'true');
    await goLive.fill('2026-10-05');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'LASD West Hollywood Station saved: Live.' }).waitFor();
    await page.waitForFunction(() => document.querySelector('#fig-live .figure-value').textContent === '21 of 47');
    /* the filter (training) still applies: the station left the list */
    await page.locator('#filter-status').selectOption('live');
    const live = page.locator('tr[data-status="live"]', { has: page.getByRole('rowheader', { name: 'LASD West Hollywood Station' }) });
    await live.waitFor();
    assert.equal(await live.locator('td[data-label="Went live"]').textContent(), '2026-10-05');
    assert.equal(await live.locator('.badge-status--live').textContent(), 'Live');

    /* a new contract city: the served-by choice appears for an area */
    await page.getByRole('button', { name: 'New jurisdiction' }).click();
    const add = page.getByRole('dialog');
    await add.getByLabel('Name').fill('City of Cerritos');
    assert.equal(await add.getByLabel('Served by (LASD station)').isVisible(), false);
    await add.getByLabel('Kind').selectOption('contract_city');
    await add.getByLabel('Served by (LASD station)').selectOption({ label: 'LASD Lakewood Station' });
    await add.getByLabel('Protocol status').selectOption('planning');
    assert.equal(await add.getByLabel('Went live on').isVisible(), false);
    await add.getByLabel('Planned go-live (optional)').fill('2027-03-01');
    await add.getByLabel('Residents (optional)').fill('49000');
    await add.getByRole('button', { name: 'Create jurisdiction' }).click();
    await page.getByRole('status').filter({ hasText: 'City of Cerritos saved: Planning.' }).waitFor();
    await page.locator('#filter-status').selectOption('');
    await page.locator('#filter-kind').selectOption('contract_city');
    const cerritos = page.locator('#jurisdictions-table tr', { has: page.getByRole('rowheader', { name: 'City of Cerritos' }) });
    await cerritos.waitFor();
    assert.equal(await cerritos.locator('td[data-label="Served by"]').textContent(), 'LASD Lakewood Station');
    assert.equal(await cerritos.locator('td[data-label="Residents"]').textContent(), '49,000');
    assert.equal(await page.locator('#fig-live .figure-value').textContent(), '21 of 48');
    await assertAccessible(page, '/expansion after the edit');
    assertClean(page, '/expansion');
  });

  test('deliverables: overdue ones stand out, one marked done, one created', async () => {
    const page = analyst;
    await checkPage(page, '/deliverables', { ready: deliverablesReady });
    const overdue = page.locator('tr.row-overdue');
    assert.equal(await overdue.count(), 3);
    const sb794 = page.locator('tr', { has: page.getByRole('rowheader', { name: /^SB 794 policies/ }) });
    assert.equal(await sb794.getAttribute('class'), 'row-overdue');
    assert.equal(await sb794.locator('.badge-overdue').textContent(), 'Overdue by 107 days');
    /* colour and a bar as well as the words */
    const look = await page.evaluate(() => {
      const late = document.querySelector('tr.row-overdue');
      const fine = document.querySelector('#deliverables-body tr:not(.row-overdue)');
      const s = (e) => getComputedStyle(e);
      return { late: s(late).backgroundColor, fine: s(fine).backgroundColor, bar: s(late).boxShadow };
    });
    assert.notEqual(look.late, look.fine);
    assert.match(look.bar, /inset/);
    assert.equal(await page.locator('#fig-overdue .figure-value').textContent(), '3');
    const dues = await page.locator('#deliverables-body td[data-label="Due"]').allTextContents();
    assert.deepEqual(dues, [...dues].sort(), 'sorted by due date');

    /* only overdue */
    await page.getByLabel('Only overdue').check();
    await page.waitForFunction(() => document.querySelectorAll('#deliverables-body tr').length === 3);
    await page.getByLabel('Only overdue').uncheck();
    await page.waitForFunction(() => document.querySelectorAll('#deliverables-body tr').length === 13);

    /* mark one done */
    const frp = 'Update of the Law Enforcement First Responder Protocol';
    await page.getByRole('button', { name: `Mark ${frp} done` }).click();
    await page.getByRole('status').filter({ hasText: `${frp} marked done on 2026-10-15.` }).waitFor();
    const done = page.locator('tr', { has: page.getByRole('rowheader', { name: new RegExp(`^${frp}`) }) });
    await page.waitForFunction(() => document.querySelector('#fig-overdue .figure-value').textContent === '2');
    assert.equal(await done.getAttribute('class'), null);
    assert.equal(await done.locator('.badge-status--done').textContent(), 'Done');
    assert.equal(await done.locator('td[data-label="Completed"]').textContent(), '2026-10-15');
    assert.equal(await page.getByRole('button', { name: `Mark ${frp} done` }).count(), 0);

    /* create one, due two weeks ago: it arrives overdue */
    await page.getByRole('button', { name: 'New deliverable' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Protocol or product').fill('Test deliverable from the browser');
    await dialog.getByLabel('Owner', { exact: true }).fill('DCFS');
    await dialog.getByLabel('Due date').fill('2026-10-01');
    await dialog.getByRole('button', { name: 'Create deliverable' }).click();
    const made = page.locator('tr', { has: page.getByRole('rowheader', { name: /^Test deliverable from the browser/ }) });
    await made.waitFor();
    assert.equal(await made.locator('.badge-overdue').textContent(), 'Overdue by 14 days');

    /* exports */
    for (const id of ['deliverables', 'deliverables_status']) {
      assert.equal(await page.locator(`a[href="/api/v1/exports/program?format=csv&table=${id}"]`).count(), 1, id);
    }
    await assertAccessible(page, '/deliverables after the changes');
    assertClean(page, '/deliverables');
  });

  test('a supervisor reads the trackers without edit controls', async () => {
    const page = supervisor;
    await checkPage(page, '/deliverables', { ready: deliverablesReady });
    assert.equal(await page.getByRole('button', { name: 'New deliverable' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: /^Mark .* done$/ }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Edit / }).count(), 0);
    await checkPage(page, '/expansion', { ready: expansionReady });
    assert.equal(await page.getByRole('button', { name: 'New jurisdiction' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: /^Edit / }).count(), 0);
    await closePage(page);
  });

  test('a responder is told the pages are not for them', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'responder');
    await checkPage(page, '/expansion', {
      ready: (p) => p.getByText('Your account does not have access to this page.').waitFor(),
    });
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Expansion' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Deliverables' }).count(), 0);
    await closePage(page);
  });

  test('both pages at phone width', async () => {
    const page = await newPage(browser, haven.url, { viewport: { width: 390, height: 844 } });
    await signInViaPage(page, haven.url, 'analyst');
    await checkPage(page, '/expansion', { ready: expansionReady });
    await phoneCheck(page, '/expansion');
    const canvas = await page.evaluate(() => document.getElementById('timeline-chart').getBoundingClientRect().width);
    assert.ok(canvas > 200 && canvas <= 390, `canvas ${canvas}px wide`);
    /* rows become cards: the header row is hidden, cells carry their labels */
    const head = await page.locator('#jurisdictions-table thead').evaluate((e) => e.getBoundingClientRect().height);
    assert.ok(head <= 1, `the header row is ${head}px high`);
    const label = await page.locator('#jurisdictions-body td[data-label="Kind"]').first()
      .evaluate((e) => getComputedStyle(e, '::before').content);
    assert.equal(label, '"Kind"');
    await checkPage(page, '/deliverables', { ready: deliverablesReady });
    await phoneCheck(page, '/deliverables');
    const late = page.locator('tr.row-overdue .badge-overdue').first();
    assert.ok(await late.isVisible());
    await page.getByRole('button', { name: 'New deliverable' }).click();
    await phoneCheck(page, '/deliverables, the form open');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assertClean(page, 'phone');
    await closePage(page);
  });
});
