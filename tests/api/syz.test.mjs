// Safe Youth Zones (issue 6): site staff linked to their site start a
// referral from it; the site's address is the staging area and the site is
// recorded on the referral; it goes through the normal intake (routing,
// clocks, the lead's notification) and shows on the dispatch board with
// the site named. Another site's staff are refused; editors flag sites,
// administrators link staff.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, expectProblem, startServer } from '../lib/api.mjs';
import { MIN, Users, demoIds, iso, notesFor } from '../lib/protocol.mjs';

/** The few fields the site page sends. */
const fromSite = (ids, site, now, extra = {}) => ({
  identifying_agency_id: ids.syz,
  staging_site_id: site.id,
  staging_address: site.staging_address,
  encountered_at: iso(now - MIN),
  identified_how: 'safe_youth_zone',
  dcfs_involvement: 'unknown',
  probation_involvement: 'unknown',
  youth: { first_name: 'Site', last_name: 'Youth', estimated_age: 15 },
  ...extra,
});

describe('Safe Youth Zones', () => {
  let srv;
  let U;
  let ids;
  let site; /* the demo's site, linked to sitestaff */
  let other; /* a second site with its own staff */

  before(async () => {
    srv = await startServer();
    U = new Users(srv);
    ids = await demoIds(srv);
  });
  after(async () => { await srv?.cleanup(); });

  it('site staff see their own site, with the address that becomes the staging area', async () => {
    const r = await U.as('sitestaff').get('/api/v1/sites');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.items.length, 1);
    [site] = r.body.items;
    assert.equal(site.name, 'Demo Fire Station 12');
    assert.match(site.staging_address, /^Demo Fire Station 12, 1200 Example Blvd, Los Angeles, CA 90012$/);
    const me = (await U.session('sitestaff')).user;
    assert.ok(me.can.includes('sites.start'));
    assert.ok(!(await U.session('hotline')).user.can.includes('sites.start'));
    expectProblem(assert, await U.as('hotline').get('/api/v1/sites'), 403, 'forbidden');
    const all = await U.as('editor').get('/api/v1/sites');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.items.find((s) => s.id === site.id).staff.map((s) => s.username), ['sitestaff']);
  });

  it('a referral from the site: the site is the staging area, routed and clocked as usual, on the board', async () => {
    const now = await srv.now();
    const r = await U.as('sitestaff').post('/api/v1/referrals', fromSite(ids, site, now, { staging_address: 'anything the page sent' }));
    assert.equal(r.status, 201, r.text);
    const ref = r.body.referral;
    assert.equal(ref.staging_site_id, site.id);
    assert.equal(ref.staging_address, site.staging_address, 'the server takes the site\'s own address');
    assert.equal(ref.staging_lat, '34.061400');
    assert.equal(ref.staging_lon, '-118.238500');
    assert.equal(ref.identified_how, 'safe_youth_zone');
    /* routing as usual: unknown involvement goes to the rules' default */
    const hot = await U.as('hotline').post('/api/v1/referrals', {
      ...fromSite(ids, site, now), staging_site_id: undefined, staging_address: 'Somewhere else (test)',
    });
    assert.equal(hot.status, 201, hot.text);
    assert.equal(ref.lead_agency_id, hot.body.referral.lead_agency_id);
    assert.equal(ref.routing_rule, hot.body.referral.routing_rule);
    assert.ok(r.body.clocks.some((c) => c.kind === 'lead_response' && c.state === 'running'));
    const ctu = await U.as('sitestaff').post('/api/v1/referrals', fromSite(ids, site, now, { probation_involvement: 'open_case' }));
    assert.equal(ctu.status, 201, ctu.text);
    assert.equal(ctu.body.referral.lead_agency_id, ids.ctu, 'an open probation case goes to the CTU');
    assert.equal(ctu.body.referral.staging_site_id, site.id);

    /* on the hotline's board and the lead's, with the site named */
    const board = await U.as('hotline').get('/api/v1/referrals?open=1');
    const item = board.body.items.find((i) => i.id === ref.id);
    assert.deepEqual(item.site, { id: site.id, name: 'Demo Fire Station 12' });
    assert.equal(item.staging_address, site.staging_address);
    assert.equal(board.body.items.find((i) => i.id === hot.body.referral.id).site, null);
    const lead = Object.entries(ids.user).find(([, v]) => v === ref.lead_user_id)?.[0];
    assert.ok(lead, 'someone on call leads it');
    const lb = await U.as(lead).get('/api/v1/referrals?open=1');
    assert.ok(lb.body.items.some((i) => i.id === ref.id && i.site?.id === site.id));
    assert.ok((await notesFor(U.as(lead), ref.id)).length >= 1, 'the lead was notified');
    /* the site staff member is on the case team and sees it */
    const own = await U.as('sitestaff').get(`/api/v1/referrals/${ref.id}`);
    assert.equal(own.status, 200, own.text);
    assert.ok(own.body.team.some((m) => m.user_id === ids.user.sitestaff));
  });

  it('editors flag a site; administrators link its staff; another site\'s staff are refused', async () => {
    /* a location from an HSDS file, flagged by an editor */
    const data = JSON.parse(await readFile(path.join(SOURCE_DIR, 'tests/fixtures/hsds/sample.json'), 'utf8'));
    const imp = await U.as('editor').post('/api/v1/directory/import', { file: 'sample.json', data });
    assert.equal(imp.status, 200, imp.text);
    const svc = (await U.as('editor').get('/api/v1/directory/services?q=svc-dropin-1')).body.items[0];
    const loc = (await U.as('editor').get(`/api/v1/directory/services/${svc.id}`)).body.locations[0];
    expectProblem(assert, await U.as('hotline').request('PUT', `/api/v1/directory/locations/${loc.id}/syz`, { json: { syz: true } }), 403, 'forbidden');
    expectProblem(assert, await U.as('editor').request('PUT', `/api/v1/directory/locations/${loc.id}/syz`, { json: { syz: 'yes' } }), 400, 'invalid', 'syz');
    const f = await U.as('editor').request('PUT', `/api/v1/directory/locations/${loc.id}/syz`, {
      json: { syz: true, contact: 'Front desk 555-0100', agency_id: ids.syz },
    });
    assert.equal(f.status, 200, f.text);
    other = f.body.items.find((s) => s.id === loc.id);
    assert.equal(other.contact, 'Front desk 555-0100');
    const g = await U.as('editor').get(`/api/v1/directory/services/${svc.id}`);
    assert.equal(g.body.locations[0].syz, true);

    /* a second site's staff member */
    const u = await srv.post('/api/v1/users', {
      username: 'site2', display_name: 'Second Site Staff', agency_id: ids.syz, roles: ['site_staff'],
      password: 'a-long-enough-password-1',
    }, { admin: true });
    assert.equal(u.status, 201, u.text);
    expectProblem(assert, await U.as('editor').post(`/api/v1/sites/${other.id}/staff`, { user_id: u.body.id }), 403, 'forbidden');
    expectProblem(assert, await srv.post(`/api/v1/sites/${other.id}/staff`, { user_id: ids.user.hotline }, { admin: true }), 400, 'invalid', 'user_id');
    expectProblem(assert, await srv.post(`/api/v1/sites/${svc.id + 999}/staff`, { user_id: u.body.id }, { admin: true }), 404);
    const l = await srv.post(`/api/v1/sites/${other.id}/staff`, { user_id: u.body.id }, { admin: true });
    assert.equal(l.status, 200, l.text);
    expectProblem(assert, await srv.post(`/api/v1/sites/${other.id}/staff`, { user_id: u.body.id }, { admin: true }), 409, undefined, 'user_id');
    const audit = await srv.audit();
    assert.ok(audit.some((a) => a.action === 'site.staff.add' && a.object_id === String(other.id)));
    assert.ok(audit.some((a) => a.action === 'site.flag' && a.object_id === String(other.id)));

    const s2 = await srv.session('site2', { password: 'a-long-enough-password-1' });
    const mine = await srv.get('/api/v1/sites', { session: s2 });
    assert.deepEqual(mine.body.items.map((s) => s.id), [other.id]);
    const now = await srv.now();
    /* each starts only from their own site */
    expectProblem(assert, await srv.post('/api/v1/referrals', fromSite(ids, site, now), { session: s2 }), 403, undefined, 'staging_site_id');
    expectProblem(assert, await U.as('sitestaff').post('/api/v1/referrals', fromSite(ids, other, now)), 403, undefined, 'staging_site_id');
    expectProblem(assert, await U.as('sitestaff').post('/api/v1/referrals', fromSite(ids, { ...site, id: loc.id + 9999 }, now)), 400, undefined, 'staging_site_id');
    const ok = await srv.post('/api/v1/referrals', fromSite(ids, other, now), { session: s2 });
    assert.equal(ok.status, 201, ok.text);
    assert.match(ok.body.referral.staging_address, /^Harbor Light Long Beach, 100 Example Ave, Long Beach, CA 90802$/);
    /* the hotline may record any site */
    const h = await U.as('hotline').post('/api/v1/referrals', fromSite(ids, other, now));
    assert.equal(h.status, 201, h.text);

    /* unlinked, the staff member no longer starts from it */
    const d = await srv.del(`/api/v1/sites/${other.id}/staff/${u.body.id}`, { admin: true });
    assert.equal(d.status, 200, d.text);
    expectProblem(assert, await srv.post('/api/v1/referrals', fromSite(ids, other, now), { session: s2 }), 403, undefined, 'staging_site_id');
    expectProblem(assert, await srv.del(`/api/v1/sites/${other.id}/staff/${u.body.id}`, { admin: true }), 404);
    /* unflagged, it is no site */
    const un = await U.as('editor').request('PUT', `/api/v1/directory/locations/${loc.id}/syz`, { json: { syz: false } });
    assert.equal(un.status, 200, un.text);
    assert.ok(!un.body.items.some((s) => s.id === loc.id));
    expectProblem(assert, await U.as('hotline').post('/api/v1/referrals', fromSite(ids, other, now)), 400, undefined, 'staging_site_id');
  });
});
