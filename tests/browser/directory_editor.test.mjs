/*
 * The directory's editor pages in headless Chromium: an editor imports a
 * broken HSDS file on /directory and sees the server's message beside the
 * row and field it names (nothing imported), fixes the file and imports it
 * again; finds a service, edits it on /directory-service (name, hours,
 * a phone), sees a refused field named beside it, saves, verifies, and the
 * change history lists what changed; the "not verified in 12 months" tab;
 * a hotline worker reads without edit controls; both pages at phone width.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SOURCE_DIR, startHaven, stopHaven } from '../lib/haven.mjs';
import {
  assertAccessible, assertClean, checkPage, closePage, launchBrowser, newPage, signInViaPage,
} from '../lib/browser.mjs';

async function phoneCheck(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what}: page is ${overflow}px wider than the phone`);
}

describe('directory editor pages', () => {
  let haven;
  let browser;
  let editor;
  let dir;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    editor = await newPage(browser, haven.url);
    await signInViaPage(editor, haven.url, 'editor');
    dir = await mkdtemp(path.join(tmpdir(), 'haven-dir-browser-'));
  });
  after(async () => {
    await closePage(editor);
    await browser?.close();
    await stopHaven(haven);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a broken file: the named row shows the error, nothing is imported; fixed, it imports', async () => {
    await checkPage(editor, '/directory', { ready: (p) => p.locator('#services-caption').filter({ hasText: /service/ }).waitFor() });
    const nav = editor.locator('#site-nav');
    assert.equal(await nav.getByRole('link', { name: 'Services directory' }).count(), 1);
    const before1 = await editor.locator('#services-body tr').count();

    const doc = JSON.parse(await readFile(path.join(SOURCE_DIR, 'tests/fixtures/hsds/broken.json'), 'utf8'));
    const file = path.join(dir, 'broken.json');
    await writeFile(file, JSON.stringify(doc));
    await editor.getByLabel('HSDS JSON file').setInputFiles(file);
    await editor.getByRole('button', { name: 'Import' }).click();
    const alert = editor.locator('#import-alert');
    await alert.filter({ hasText: 'Nothing was imported' }).waitFor();
    assert.match(await alert.textContent(), /broken\.json, row 4: must be from -90 to 90/);
    const row4 = editor.locator('#import-rows li[data-row="4"]');
    assert.match(await row4.textContent(), /Row 4: Legal Help for Survivors/);
    assert.match(await row4.locator('.field-error').textContent(), /services\[3\]\.service_at_locations\[0\]\.location\.latitude: must be from -90 to 90/);
    assert.equal(await editor.locator('#import-rows .field-error').count(), 1, 'only the named row is marked');
    assert.equal(await editor.locator('#services-body tr').count(), before1, 'nothing was imported');

    doc.services[3].service_at_locations[0].location.latitude = 34.05;
    await writeFile(file, JSON.stringify(doc));
    await editor.getByLabel('HSDS JSON file').setInputFiles(file);
    await editor.getByRole('button', { name: 'Import' }).click();
    await editor.locator('#import-status').filter({ hasText: '4 created' }).waitFor();
    assert.equal(await editor.locator('#import-rows .field-error').count(), 0);
    /* the fixed file's services are in the directory now (the demo's own
     * generated services fill the first pages of the list) */
    await editor.getByLabel('Search by name, organization or HSDS id').fill('svc-dropin-1');
    await editor.getByRole('button', { name: 'Search' }).click();
    await editor.locator('#services-caption').filter({ hasText: '1 service matching' }).waitFor();
    assertClean(editor, 'import');
  });

  test('an edit: a refused field is named beside it; saved, verified, and the history shows the changes', async () => {
    await editor.getByLabel('Search by name, organization or HSDS id').fill('svc-dropin-1');
    await editor.getByRole('button', { name: 'Search' }).click();
    await editor.locator('#services-caption').filter({ hasText: '1 service matching' }).waitFor();
    await editor.getByRole('link', { name: 'Youth Drop-In Center' }).click();
    await editor.waitForURL(/\/directory-service\?id=\d+/);
    await editor.locator('#content:not([hidden])').waitFor();
    await assertAccessible(editor, '/directory-service');
    assert.equal(await editor.getByLabel('Name', { exact: true }).inputValue(), 'Youth Drop-In Center');
    /* the location's hours are shown in the weekly editor: every night 20:00-02:00 */
    assert.equal(await editor.locator('input[name="open_MO"]').isChecked(), true);
    assert.equal(await editor.locator('input[name="opens_MO"]').inputValue(), '20:00');
    assert.equal(await editor.locator('input[name="closes_MO"]').inputValue(), '02:00');

    /* a bad latitude is refused beside its field */
    await editor.getByLabel('Latitude').fill('95');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await editor.locator('#form-alert').filter({ hasText: /must be from -90 to 90/ }).waitFor();
    const lat = editor.getByLabel('Latitude');
    assert.equal(await lat.getAttribute('aria-invalid'), 'true');
    await lat.fill('33.7701');

    await editor.getByLabel('Name', { exact: true }).fill('Youth Drop-In Centre');
    await editor.getByLabel('Phone numbers (one a line)').fill('555-0199');
    await editor.locator('input[name="open_SU"]').uncheck();
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await editor.locator('#form-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await editor.locator('#page-title').textContent(), 'Youth Drop-In Centre');
    const changed = editor.locator('#history li[data-action="updated"]').first();
    await changed.waitFor();
    const diff = await changed.textContent();
    assert.match(diff, /name: Youth Drop-In Center → Youth Drop-In Centre/);
    assert.match(diff, /phones: \(none\) → \[\{"number":"555-0199","type":"voice"\}\]/);
    assert.match(diff, /service_at_locations\[0\]\.location\.schedules\[0\]\.byday: MO,TU,WE,TH,FR,SA,SU → MO,TU,WE,TH,FR,SA/);
    assert.match(diff, /by Demo Directory Editor/);

    await editor.getByRole('button', { name: 'Mark verified today' }).click();
    await editor.locator('#form-status').filter({ hasText: 'Marked verified today.' }).waitFor();
    await editor.locator('#history li[data-action="verified"]').first().waitFor();
    assert.match(await editor.locator('#service-meta').textContent(), /Verified .* \(assured \d{4}-\d{2}-\d{2}\)/);
    assert.equal(await editor.locator('#history li[data-action="created"]').count(), 1);
    assertClean(editor, 'edit');
  });

  test('the "not verified in 12 months" tab, and at phone width', async () => {
    await editor.goto('/directory');
    await editor.getByRole('button', { name: 'Not verified in 12 months' }).click();
    await editor.locator('#stale-caption').filter({ hasText: /verified/ }).waitFor();
    assert.equal(await editor.locator('#panel-all').isHidden(), true);
    /* the sites tab: the demo's site with its staff, a link to its service */
    await editor.getByRole('button', { name: 'Safe Youth Zone sites' }).click();
    const siteRow = editor.locator('#sites-body tr').filter({ hasText: 'Demo Fire Station 12' });
    await siteRow.waitFor();
    assert.match(await siteRow.textContent(), /1200 Example Blvd.*Demo Safe Youth Zone Staff/s);
    assert.equal(await editor.locator('#panel-stale').isHidden(), true);
    await editor.setViewportSize({ width: 390, height: 800 });
    await phoneCheck(editor, '/directory');
    await editor.goto('/directory-service?id=1');
    await editor.locator('#content:not([hidden])').waitFor();
    const wide = await editor.evaluate(() => [...document.querySelectorAll('#content *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => `${e.tagName}#${e.id}.${e.className}`).slice(0, 5));
    assert.deepEqual(wide, [], 'nothing sticks out');
    await phoneCheck(editor, '/directory-service');
    await editor.setViewportSize({ width: 1280, height: 800 });
    assertClean(editor, 'phone');
  });

  test('an administrator links and unlinks a site\'s staff on the site\'s page', async () => {
    const admin = await newPage(browser, haven.url);
    try {
      await signInViaPage(admin, haven.url, 'admin');
      await admin.goto('/directory?view=sites');
      const link = admin.locator('#sites-body a', { hasText: 'Demo Fire Station 12' });
      await link.click();
      await admin.waitForURL(/\/directory-service\?id=\d+/);
      const panel = admin.locator('#locations .panel').first();
      await panel.waitFor();
      assert.equal(await admin.getByLabel(/^A Safe Youth Zone/).isChecked(), true);
      await panel.getByRole('button', { name: 'Unlink Demo Safe Youth Zone Staff' }).click();
      await panel.locator('.muted', { hasText: 'Nobody linked yet.' }).waitFor();
      await admin.getByLabel('Link a site staff user').selectOption({ label: 'Demo Safe Youth Zone Staff (sitestaff)' });
      await admin.getByRole('button', { name: 'Link to this site' }).click();
      await admin.getByRole('button', { name: 'Unlink Demo Safe Youth Zone Staff' }).waitFor();
      await assertAccessible(admin, '/directory-service (site)');
      assertClean(admin, 'admin site staff');
    } finally {
      await closePage(admin);
    }
  });

  test('staff who refer read the directory without edit controls', async () => {
    const hotline = await newPage(browser, haven.url);
    try {
      await signInViaPage(hotline, haven.url, 'hotline');
      await checkPage(hotline, '/directory', { ready: (p) => p.locator('#services-body tr').first().waitFor() });
      assert.equal(await hotline.locator('#import-panel').isHidden(), true);
      assert.equal(await hotline.locator('#new-service').isHidden(), true);
      await hotline.locator('#services-body a').first().click();
      await hotline.locator('#content:not([hidden])').waitFor();
      assert.equal(await hotline.getByRole('button', { name: 'Save', exact: true }).isHidden(), true);
      assert.equal(await hotline.getByLabel('Name', { exact: true }).isDisabled(), true);
      assertClean(hotline, 'hotline');
    } finally {
      await closePage(hotline);
    }
  });
});
