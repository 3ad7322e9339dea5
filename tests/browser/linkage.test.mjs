/*
 * Record linkage in headless Chromium (issue #7, docs/linkage.md "In
 * haven"): the hotline worker types a misspelled nickname and a date of
 * birth with day and month swapped on the intake page and is offered the
 * youth haven met before, with the comparison in words; says "not this
 * youth" and sends the referral as a new youth. A supervisor finds the pair
 * on /review side by side, merges it (the case page then shows the other
 * record under "Also known as") and undoes the merge with a reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, login, startHaven, stopHaven } from '../lib/haven.mjs';
import { assertClean, checkPage, launchBrowser, newPage, signInViaPage } from '../lib/browser.mjs';

const LAST = `Okonkwo${process.pid % 1000}`;

describe('record linkage pages', () => {
  let haven;
  let browser;
  let hotline;
  let reviewer;
  let earlier; // {youth, referral}
  let laterCase;

  before(async () => {
    haven = await startHaven();
    browser = await launchBrowser();
    const s = await login(haven.url, 'hotline');
    const agencies = (await api(haven.url, s, 'GET', '/api/v1/agencies')).body.items;
    const lasd = agencies.find((a) => /Sheriff/.test(a.name)).id;
    const r = await api(haven.url, s, 'POST', '/api/v1/referrals', {
      identifying_agency_id: lasd,
      encountered_at: new Date(Date.now() - 600000).toISOString(),
      identified_how: 'patrol_contact',
      staging_address: 'Test staging (linkage)',
      dcfs_involvement: 'none',
      probation_involvement: 'none',
      youth: { first_name: 'Margaret', last_name: LAST, dob: '2009-04-07', gender: 'female' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    earlier = { youth: r.body.referral.youth_id, number: r.body.referral.number };
    hotline = await newPage(browser, haven.url);
    reviewer = await newPage(browser, haven.url);
    await signInViaPage(hotline, haven.url, 'hotline');
    await signInViaPage(reviewer, haven.url, 'supervisor');
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      await stopHaven(haven);
    }
  });

  test('the hotline worker types a misspelled nickname and sees the earlier youth', async () => {
    await checkPage(hotline, '/intake', {
      ready: (p) => p.locator('#identifying_agency_id option').nth(1).waitFor({ state: 'attached' }),
    });
    // names travel in a POST body, never in a URL
    const urls = [];
    hotline.on('request', (r) => urls.push(r.url()));
    await hotline.getByLabel('First name').fill('Magie');
    await hotline.getByLabel('Last name').fill(LAST);
    await hotline.getByLabel('Date of birth').fill('2009-07-04');
    const box = hotline.locator('#matches');
    // the index loads at start: it may take a moment the first time
    await box.getByText('This may be a youth we have met before').waitFor({ timeout: 15000 });
    const item = box.locator(`li.match[data-youth-id="${earlier.youth}"]`);
    await item.waitFor();
    const text = await item.textContent();
    assert.match(text, /\d+% likely the same youth/);
    assert.match(text, new RegExp(earlier.number));
    assert.match(text, /day and month swapped/);
    assert.ok(!urls.some((u) => /Magie|Okonkwo/i.test(u)), `a name in a URL: ${urls.join(' ')}`);
    await item.getByRole('button', { name: /Not the youth of/ }).click();
    await box.waitFor({ state: 'hidden' });

    // the referral goes in as a new youth; the pair waits for a reviewer
    await hotline.getByLabel('Identifying agency (required)').selectOption({ label: "Los Angeles County Sheriff's Department" });
    await hotline.getByLabel('How the youth was identified (required)').selectOption('patrol_contact');
    await hotline.getByLabel('Staging area address (required)').fill('Test staging (linkage 2)');
    await hotline.getByLabel('Known DCFS involvement (required)').selectOption('none');
    await hotline.getByLabel('Known Probation involvement (required)').selectOption('none');
    await hotline.getByRole('button', { name: 'Send referral' }).click();
    await hotline.waitForURL((u) => u.pathname === '/case' && Number(u.searchParams.get('id')) > 0);
    laterCase = Number(new URL(hotline.url()).searchParams.get('id'));
    assertClean(hotline);
  });

  test('a reviewer merges the two records and undoes the merge', async () => {
    await reviewer.goto('/');
    await reviewer.locator('#site-nav').getByRole('link', { name: 'Review records' }).waitFor();
    await checkPage(reviewer, '/review', {
      ready: (p) => p.locator('#review-summary').filter({ hasNotText: 'Loading' }).waitFor(),
    });
    const pair = reviewer.locator('li.pair').filter({ hasText: 'Magie' }).first();
    await pair.waitFor();
    const side = await pair.textContent();
    assert.match(side, /Margaret/);
    assert.match(side, /2009-04-07/);
    assert.match(side, /\d+% likely one person/);
    await pair.getByLabel('Reason (optional)').fill('same school and tattoo (test)');
    await pair.getByRole('button', { name: 'Same person' }).click();
    await reviewer.locator('#review-status').filter({ hasText: /Merged/ }).waitFor();

    // the later case shows the earlier record as "also known as"
    await hotline.goto(`/case?id=${laterCase}`);
    const linked = hotline.locator('#linked');
    await linked.waitFor();
    assert.match(await linked.textContent(), /Margaret/);
    assert.match(await linked.textContent(), new RegExp(earlier.number));

    // undo, with a reason
    await reviewer.getByLabel('Show').selectOption('same');
    const merged = reviewer.locator('li.pair').filter({ hasText: 'Magie' }).first();
    await merged.waitFor();
    await merged.getByRole('button', { name: 'Undo the merge' }).click();
    await reviewer.locator('#review-status').filter({ hasText: /Say why/ }).waitFor();
    await merged.getByLabel('Why undo the merge').fill('different child after all (test)');
    await merged.getByRole('button', { name: 'Undo the merge' }).click();
    await reviewer.locator('#review-status').filter({ hasText: /Unmerged/ }).waitFor();
    await reviewer.getByLabel('Show').selectOption('unmerged');
    await reviewer.locator('li.pair').filter({ hasText: 'Magie' }).first().waitFor();

    await hotline.goto(`/case?id=${laterCase}`);
    await hotline.locator('#case-state').waitFor();
    await hotline.waitForLoadState('networkidle');
    assert.equal(await hotline.locator('#linked').isHidden(), true);
    assertClean(reviewer);
    assertClean(hotline);
  });
});
