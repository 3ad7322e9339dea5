/*
 * The outcomes dashboard (/outcomes) and the Board report (/board-report) in
 * headless Chromium, against the real API: the analyst reads the headline
 * figures and the age chart with its table, narrows the period and the
 * stations (the figures and the URL change, the back button restores them),
 * sees "*" and its footnote for a small cell, downloads the XLSX and one
 * table's CSV, and prints the Board report (print media hides the
 * navigation). A responder has no entry in the navigation and is told the
 * page is not for them. Both pages fit a phone.
 *
 * The data: referrals opened through the API with the test clock set to
 * days in 2015 and 2017, at the pilot stations and at a later one, youth of
 * known ages. The suppression threshold is 3, so counts of 1 and 2 are "*"
 * and the rest show exactly.
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, loginAdmin, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, gotoChecked, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';
import { intake, iso } from '../lib/protocol.mjs';

const FACT_SHEET = 'from=2014-08-01&to=2016-07-31';

/* The dashboard is ready when the age chart is drawn. */
const ready = (p) => p.locator('#t-age canvas[data-rendered="true"]').waitFor();
const headline = (p, key) => p.locator(`.headline-figure[data-key="${key}"] dd`).innerText();

async function noSideScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what}: the page is ${overflow}px wider than the phone`);
}

describe('outcomes dashboard and Board report', () => {
  let haven;
  let cfgDir;
  let browser;
  let analyst;
  let downloads;
  let pilot;      /* ids of the stations that went live first */
  let transit;    /* a station that went live later */

  before(async () => {
    cfgDir = await mkdtemp(path.join(tmpdir(), 'haven-outcomes-pages-'));
    downloads = path.join(cfgDir, 'downloads');
    const cfg = path.join(cfgDir, 'haven.ini');
    await writeFile(cfg, '[report]\nsuppression_threshold = 3\n');
    haven = await startHaven({ args: ['--config', cfg] });
    const url = haven.url;
    /* Sign in before the clock goes back: sessions outlive a clock set into the past. */
    const admin = await loginAdmin(url);
    const hotline = await login(url, 'hotline');
    const agencies = (await api(url, admin, 'GET', '/api/v1/agencies')).body.items;
    const stations = (await api(url, admin, 'GET', '/api/v1/stations')).body.items;
    const lasd = agencies.find((a) => /Sheriff/.test(a.name)).id;
    const byName = (n) => stations.find((s) => s.name === n);
    const first = stations.map((s) => s.go_live_date).filter(Boolean).sort()[0];
    pilot = stations.filter((s) => s.go_live_date === first).map((s) => s.id);
    const century = byName('LASD Century Station').id;
    const compton = byName('LASD Compton Station').id;
    transit = byName('LASD Transit Bureau – LA Basin').id;
    assert.ok(pilot.includes(century) && pilot.includes(compton) && !pilot.includes(transit));

    let n = 0;
    const recover = async (day, station, dob) => {
      const now = Date.parse(`${day}T19:00:00Z`);
      const c = await api(url, admin, 'POST', '/api/v1/test/clock', { now: iso(now) });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      n += 1;
      const body = intake({ lasd, lasdStation: station }, now, {
        probation_involvement: 'none',
        youth: { first_name: 'Outcome', last_name: `Fixture${n}`, dob, gender: 'female' },
      });
      const r = await api(url, hotline, 'POST', '/api/v1/referrals', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    /* In the fact sheet period: 6 at Century aged 15, 4 at Compton aged 16,
     * one at Compton aged 13 (a "*"), 4 at Transit aged 15: 15 in all, 11 at
     * the pilot stations. In 2017: 3 more at Century, aged 15. */
    for (let i = 0; i < 6; i++) await recover(`2015-03-${String(2 + i).padStart(2, '0')}`, century, '1999-06-01');
    for (let i = 0; i < 4; i++) await recover(`2015-04-${String(2 + i).padStart(2, '0')}`, compton, '1998-06-01');
    await recover('2015-04-20', compton, '2001-06-01');
    for (let i = 0; i < 4; i++) await recover(`2015-09-${String(2 + i).padStart(2, '0')}`, transit, '2000-01-01');
    for (let i = 0; i < 3; i++) await recover(`2017-02-${String(2 + i).padStart(2, '0')}`, century, '2001-06-01');

    browser = await launchBrowser();
    analyst = await newPage(browser, url);
    await signInViaPage(analyst, url, 'analyst');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      try {
        await stopHaven(haven);
      } finally {
        if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
      }
    }
  });

  test('the navigation offers the pages to the analyst', async () => {
    await analyst.goto('/');
    await analyst.getByText(/Signed in as/).waitFor();
    const nav = analyst.locator('#site-nav');
    await nav.getByRole('link', { name: 'Outcomes' }).waitFor();
    await nav.getByRole('link', { name: 'Board report' }).waitFor();
    assertClean(analyst);
  });

  test('the dashboard: headline figures, the age chart and its table', async () => {
    await checkPage(analyst, `/outcomes?${FACT_SHEET}`, { ready });
    assert.equal(await headline(analyst, 'recoveries'), '15');
    assert.equal(await headline(analyst, 'unique_individuals'), '15');
    assert.equal(await analyst.getByLabel('From', { exact: true }).inputValue(), '2014-08-01');
    assert.equal(await analyst.getByLabel('To', { exact: true }).inputValue(), '2016-07-31');
    assert.equal(await analyst.getByLabel('Quick period').inputValue(), 'fact-sheet');

    const age = analyst.locator('#t-age');
    const canvas = age.locator('canvas');
    assert.equal(await canvas.getAttribute('role'), 'img');
    assert.match(await canvas.getAttribute('aria-label'), /Bar chart of Age at recovery/);
    const size = await canvas.evaluate((c) => ({ w: c.width, h: c.height, shown: c.getBoundingClientRect().width }));
    assert.ok(size.w > 300 && size.h > 200 && size.shown > 200, `the chart is drawn: ${JSON.stringify(size)}`);
    /* Something is painted: not every pixel is blank. */
    assert.ok(await canvas.evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
      return false;
    }), 'the age chart has pixels');

    const table = age.locator('table');
    assert.equal(await table.locator('caption').textContent(), 'Age at recovery');
    assert.ok(await table.locator('thead th[scope="col"]').count() >= 2);
    const row15 = table.locator('tbody tr', { has: analyst.locator('th[scope="row"]', { hasText: /^15$/ }) });
    assert.equal((await row15.locator('td').first().innerText()).trim(), '10');
    assert.equal(await row15.locator('td').first().evaluate((td) => getComputedStyle(td).textAlign), 'right');
    assert.equal(await table.locator('tfoot th[scope="row"]').innerText(), 'Total');

    /* Every table has its section; the empty one says so. */
    assert.ok(await analyst.locator('#tables > section.report-section').count() >= 10);
    await analyst.locator('#t-charges').getByText('No arrests in this period.').waitFor();
    await assertAccessible(analyst, '/outcomes after drawing');
    assertClean(analyst);
  });

  test('a small count shows "*" and the footnote explains it', async () => {
    const table = analyst.locator('#t-age table');
    const row13 = table.locator('tbody tr', { has: analyst.locator('th[scope="row"]', { hasText: /^13$/ }) });
    const cell = row13.locator('td').first();
    assert.equal(await cell.locator('.suppressed').innerText(), '*');
    assert.equal(await cell.locator('.visually-hidden').textContent(), 'suppressed');
    const note = analyst.locator('#t-age-fn');
    assert.match(await note.innerText(), /^\* Not shown: a count from 1 to 2.*threshold 3/s);
    assert.match(await table.getAttribute('aria-describedby'), /t-age-fn/);
  });

  test('changing the period and the stations changes the figures and the URL; back restores them', async () => {
    await analyst.locator('#f-more > summary').click();
    await analyst.getByRole('button', { name: 'Pilot stations' }).click();
    assert.match(await analyst.locator('#f-chosen').innerText(), /3 stations/);
    await analyst.getByRole('button', { name: 'Show figures' }).click();
    await analyst.waitForURL((u) => u.searchParams.has('station_id'));
    const url = new URL(analyst.url());
    assert.equal(url.pathname, '/outcomes');
    assert.equal(url.searchParams.get('from'), '2014-08-01');
    assert.deepEqual(url.searchParams.get('station_id').split(',').map(Number).sort(), [...pilot].sort());
    await analyst.locator('#outcome-status').filter({ hasText: 'Showing' }).waitFor();
    await analyst.locator('.headline-figure[data-key="recoveries"] dd').filter({ hasText: /^11$/ }).waitFor();
    assert.match(await analyst.locator('#outcome-period').innerText(), /Stations: .*LASD Century Station/);

    /* A wider period takes in 2017's three. */
    await analyst.getByLabel('To', { exact: true }).fill('2017-12-31');
    assert.equal(await analyst.getByLabel('Quick period').inputValue(), '');
    await analyst.getByRole('button', { name: 'Show figures' }).click();
    await analyst.waitForURL((u) => u.searchParams.get('to') === '2017-12-31');
    await analyst.locator('.headline-figure[data-key="recoveries"] dd').filter({ hasText: /^14$/ }).waitFor();

    /* A quick period: calendar year 2017 has only those three. */
    await analyst.getByLabel('Quick period').selectOption({ label: 'Calendar year 2017' });
    assert.equal(await analyst.getByLabel('From', { exact: true }).inputValue(), '2017-01-01');
    await analyst.getByRole('button', { name: 'Show figures' }).click();
    await analyst.waitForURL((u) => u.searchParams.get('from') === '2017-01-01');
    await analyst.locator('.headline-figure[data-key="recoveries"] dd').filter({ hasText: /^3$/ }).waitFor();

    /* The back button is the view before. */
    await analyst.goBack();
    await analyst.waitForURL((u) => u.searchParams.get('from') === '2014-08-01');
    await analyst.locator('.headline-figure[data-key="recoveries"] dd').filter({ hasText: /^14$/ }).waitFor();
    assert.equal(await analyst.getByLabel('To', { exact: true }).inputValue(), '2017-12-31');

    /* A bookmarked view opens as it was left. */
    const page = await newPage(browser, haven.url);
    await page.context().addCookies(await analyst.context().cookies());
    await page.goto(analyst.url());
    await ready(page);
    assert.equal(await headline(page, 'recoveries'), '14');
    assert.equal(await page.locator('#f-stations input:checked').count(), pilot.length);
    assertClean(page);
    await closePage(page);

    /* An end before the start is refused beside the field. */
    await analyst.getByLabel('From', { exact: true }).fill('2016-01-01');
    await analyst.getByLabel('To', { exact: true }).fill('2015-01-01');
    await analyst.getByRole('button', { name: 'Show figures' }).click();
    await analyst.locator('#filter-alert').filter({ hasText: 'The end date is before the start date.' }).waitFor();
    assert.equal(await analyst.getByLabel('To', { exact: true }).getAttribute('aria-invalid'), 'true');
    assertClean(analyst);
  });

  test('the server\'s refusal is shown beside the field it names', async () => {
    await analyst.goto('/outcomes?from=2015-13-01');
    const from = analyst.getByLabel('From', { exact: true });
    await analyst.locator('#filter-alert').filter({ hasText: /from must be a date/i }).waitFor();
    assert.equal(await from.getAttribute('aria-invalid'), 'true');
    assert.equal(await analyst.locator('#outcome-results').isVisible(), false, 'no figures under a refused filter');
    assert.equal(await analyst.locator('#outcome-status').innerText(), '');
    assertClean(analyst);
  });

  test('the XLSX of every table and the CSV of one table download', async () => {
    await analyst.goto(`/outcomes?${FACT_SHEET}`);
    await ready(analyst);
    const [xlsx] = await Promise.all([
      analyst.waitForEvent('download'),
      analyst.getByRole('link', { name: /Download XLSX/ }).click(),
    ]);
    assert.equal(xlsx.url().includes('format=xlsx') && xlsx.url().includes('from=2014-08-01'), true, xlsx.url());
    assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
    const xfile = path.join(downloads, 'outcomes.xlsx');
    await xlsx.saveAs(xfile);
    const xbytes = await readFile(xfile);
    assert.equal(xbytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX is a zip');

    const [csv] = await Promise.all([
      analyst.waitForEvent('download'),
      analyst.locator('#t-age').getByRole('link', { name: /Download CSV/ }).click(),
    ]);
    assert.match(csv.url(), /format=csv&table=age/);
    assert.match(csv.suggestedFilename(), /\.csv$/);
    const cfile = path.join(downloads, 'age.csv');
    await csv.saveAs(cfile);
    const text = (await readFile(cfile, 'utf8')).split(/\r?\n/);
    assert.match(text[0], /^Age,/);
    assert.ok(text.some((l) => /^15,10,/.test(l)), `age 15 counts 10:\n${text.join('\n')}`);
    assert.ok(text.some((l) => /^13,\*/.test(l)), 'the suppressed cell is "*"');
    assertClean(analyst);
  });

  test('the Board report: every table and chart, printable', async () => {
    await analyst.goto(`/outcomes?${FACT_SHEET}`);
    await ready(analyst);
    await analyst.getByRole('link', { name: 'Board report to print' }).click();
    await analyst.waitForURL((u) => u.pathname === '/board-report' && u.searchParams.get('to') === '2016-07-31');
    await checkPage(analyst, `/board-report?${FACT_SHEET}`, {
      ready: (p) => p.locator('#br-print:enabled').waitFor(),
    });
    assert.equal(await analyst.locator('h1').innerText(),
      'CSEC First Responder Protocol — report to the Board of Supervisors');
    assert.equal(await analyst.locator('#br-period').innerText(), 'Period: August 1, 2014 to July 31, 2016');
    assert.match(await analyst.locator('#br-generated').innerText(), /^Generated /);
    assert.equal(await analyst.locator('.headline-figure[data-key="recoveries"] dd').innerText(), '15');

    const doc = await analyst.evaluate(async (q) => (await fetch(`/api/v1/outcomes?${q}`)).json(), FACT_SHEET);
    const ids = await analyst.locator('#br-tables > section').evaluateAll((s) => s.map((x) => x.dataset.table));
    assert.deepEqual(ids, doc.tables.map((t) => t.id), 'every table, in order');
    for (const t of doc.tables) {
      const section = analyst.locator(`#t-${t.id}`);
      if (t.rows.length) assert.equal(await section.locator('table').count(), 1, `${t.id}: its table`);
      if (t.rows.length && t.chart !== 'none') {
        assert.equal(await section.locator('canvas[data-rendered="true"]').count(), 1, `${t.id}: its chart is drawn`);
      }
    }
    assert.equal(await analyst.locator('.report-downloads').count(), 0, 'a document, no download links');

    /* Print: no navigation, header or buttons; black text; charts fit the paper. */
    await analyst.emulateMedia({ media: 'print' });
    assert.equal(await analyst.locator('#site-nav').isVisible(), false, 'the navigation is hidden in print');
    assert.equal(await analyst.locator('.site-header').isVisible(), false);
    assert.equal(await analyst.getByRole('button', { name: 'Print / save as PDF' }).isVisible(), false);
    assert.equal(await analyst.locator('h1').evaluate((h) => getComputedStyle(h).color), 'rgb(0, 0, 0)');
    const widest = await analyst.locator('canvas.report-chart').evaluateAll((cs) =>
      Math.max(...cs.map((c) => c.getBoundingClientRect().width)));
    assert.ok(widest <= 680, `charts fit the page: ${widest}px`);
    const pdf = await analyst.pdf({ format: 'Letter' });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    await analyst.emulateMedia({ media: 'screen' });
    assertClean(analyst);
  });

  test('a responder has no entry in the navigation and is told the page is not theirs', async () => {
    const page = await newPage(browser, haven.url);
    await signInViaPage(page, haven.url, 'responder');
    await page.goto('/');
    await page.getByText(/Signed in as/).waitFor();
    assert.equal(await page.locator('#site-nav').getByRole('link', { name: 'Outcomes' }).count(), 0);
    assert.equal(await page.locator('#site-nav').getByRole('link', { name: 'Board report' }).count(), 0);
    for (const p of ['/outcomes', '/board-report']) {
      await gotoChecked(page, p);
      await page.getByText('Your account does not have access to this page.').waitFor();
      assert.equal(await page.locator('canvas').count(), 0, `${p}: no figures`);
    }
    assertClean(page);
    await closePage(page);
  });

  test('on a phone both pages fit the width; tables scroll inside their section', async () => {
    const page = await newPage(browser, haven.url, { viewport: { width: 390, height: 844 } });
    await signInViaPage(page, haven.url, 'analyst');
    await page.goto(`/outcomes?${FACT_SHEET}`);
    await ready(page);
    await noSideScroll(page, '/outcomes');
    const wide = page.locator('#t-response_times .report-table-wrap');
    const fits = await wide.evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth }));
    assert.ok(fits.scroll > fits.client, `the response-time table scrolls inside its section: ${JSON.stringify(fits)}`);
    await page.goto(`/board-report?${FACT_SHEET}`);
    await page.locator('#t-age canvas[data-rendered="true"]').waitFor();
    await noSideScroll(page, '/board-report');
    assertClean(page);
    await closePage(page);
  });
});
