/*
 * Screenshots for the docs: the sign-in page and /admin/users at 1280x800,
 * saved to docs/images/ when HAVEN_SCREENSHOT=1 (skipped otherwise).
 */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SOURCE_DIR, startHaven, stopHaven } from '../lib/haven.mjs';
import { assertClean, closePage, launchBrowser, newPage, signInViaPage } from '../lib/browser.mjs';

const enabled = process.env.HAVEN_SCREENSHOT === '1';
const OUT = path.join(SOURCE_DIR, 'docs', 'images');

describe('screenshots', () => {
  let haven;
  let browser;

  before(async () => {
    if (!enabled) return;
    haven = await startHaven();
    browser = await launchBrowser();
    await mkdir(OUT, { recursive: true });
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  async function shot(page, name) {
    const file = path.join(OUT, name);
    await page.screenshot({ path: file, fullPage: false });
    assert.ok((await stat(file)).size > 1000, `${file} written`);
  }

  const skip = enabled ? false : 'set HAVEN_SCREENSHOT=1 to save screenshots to docs/images/';

  test('login page and admin users page at 1280x800', { skip }, async () => {
    const page = await newPage(browser, haven.url, { viewport: { width: 1280, height: 800 } });
    await page.goto('/login');
    await page.getByLabel('Username').waitFor();
    await shot(page, 'login.png');

    await signInViaPage(page, haven.url, 'admin');
    await page.goto('/admin/users');
    await page.locator('#users-body tr').first().waitFor();
    await page.waitForLoadState('networkidle');
    await shot(page, 'admin-users.png');
    assertClean(page);
    await closePage(page);
  });
});
