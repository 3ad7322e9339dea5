/*
 * A Safe Youth Zone in headless Chromium at phone width (390 px): the site
 * staff member signs in, taps "Start from my site" (their site already
 * chosen), taps once for a known probation case, gives an age, and taps
 * "Start referral"; the referral opens through the normal intake and shows
 * on the hotline's dispatch board within seconds, the site named on its
 * card, and on the lead responder's board too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';

const PHONE = { width: 390, height: 844 };

async function phoneCheck(page, what) {
  const report = await page.evaluate(() => {
    const small = [...document.querySelectorAll('button, .nav-list a, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, .choice')]
      .filter((e) => e.getClientRects().length && !e.closest('.visually-hidden, .skip-link'))
      .filter((e) => e.getBoundingClientRect().height < 44)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()}" ${Math.round(e.getBoundingClientRect().height)}`);
    return { overflow: document.documentElement.scrollWidth - window.innerWidth, small };
  });
  assert.ok(report.overflow <= 0, `${what}: page is ${report.overflow}px wider than the phone`);
  assert.deepEqual(report.small, [], `${what}: tap targets under 44px`);
}

describe('Safe Youth Zone: a referral from the site', () => {
  let haven;
  let browser;
  let site;
  let hotline;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    hotline = await newPage(browser, haven.url);
    await signInViaPage(hotline, haven.url, 'hotline');
    await checkPage(hotline, '/board', { ready: (p) => p.locator('#board-summary').filter({ hasText: /referral/ }).waitFor() });
    site = await newPage(browser, haven.url, { viewport: PHONE });
    await signInViaPage(site, haven.url, 'sitestaff');
  });
  after(async () => {
    await closePage(site);
    await closePage(hotline);
    await browser?.close();
    await stopHaven(haven);
  });

  test('site staff start a referral in a few taps at 390 px; the hotline\'s board shows it with the site', async () => {
    await site.goto('/');
    await site.locator('main').getByRole('link', { name: 'Start from my site' }).click(); /* tap 1, on the home page */
    await site.waitForURL(/\/site$/);
    await site.locator('#content:not([hidden])').waitFor();
    await assertAccessible(site, '/site');
    await phoneCheck(site, '/site');
    assert.match(await site.locator('#sites').textContent(), /Demo Fire Station 12.*1200 Example Blvd, Los Angeles, CA 90012/s);
    assert.equal(await site.locator('input[name="dcfs"]:checked').inputValue(), 'unknown', 'a safe default');

    await site.getByLabel('About how old?').fill('15');
    await site.locator('fieldset', { hasText: 'Any known probation case?' }).getByText('Yes').click(); /* tap 2 */
    await site.getByRole('button', { name: 'Start referral' }).click(); /* tap 3 */
    const done = site.locator('#started');
    await done.waitFor();
    const text = await site.locator('#started-text').textContent();
    const number = /Referral (R-\d{4}-\d{6}) is open/.exec(text)?.[1];
    assert.ok(number, text);
    assert.match(text, /will come to Demo Fire Station 12/);
    await phoneCheck(site, '/site (started)');

    /* the hotline's board, live: the card names the site */
    const card = hotline.locator(`li.case-card[data-number="${number}"]`);
    await card.waitFor({ timeout: 10000 });
    assert.match(await card.locator('.case-site').textContent(), /Safe Youth Zone: Demo Fire Station 12/);
    assert.match(await card.textContent(), /1200 Example Blvd/);
    assert.match(await card.textContent(), /Probation Child Trafficking Unit/, 'an open probation case goes to the CTU, as usual');

    /* the site staff member follows it from the case page */
    await site.locator('#started-case').click();
    await site.waitForURL(/\/case\?id=\d+/);
    await site.locator('h1').filter({ hasText: number }).waitFor();
    assertClean(site, 'site');
    assertClean(hotline, 'board');
  });

  test('the lead responder sees it on their board too', async () => {
    const responder = await newPage(browser, haven.url, { viewport: PHONE });
    try {
      await signInViaPage(responder, haven.url, 'responder');
      await checkPage(responder, '/board', { ready: (p) => p.locator('.case-site').first().waitFor() });
      assert.match(await responder.locator('.case-site').first().textContent(), /Demo Fire Station 12/);
      assertClean(responder, 'responder board');
    } finally {
      await closePage(responder);
    }
  });
});
