/*
 * site.js - /site, for Safe Youth Zone site staff: start a referral in a few
 * taps. The site is chosen already (the only one the user is linked to,
 * else one tap among theirs: GET /api/v1/sites?mine=1); the rest is the
 * intake's minimum with safe defaults (involvement "don't know", identified
 * at a Safe Youth Zone, met just now). The referral goes through the normal
 * intake (POST /api/v1/referrals with staging_site_id): the server puts the
 * site's own address as the staging area, routes it, starts the clocks and
 * pages the lead; it shows on the dispatch board with the site named.
 */
import { ApiError, post, get } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, busy, clearFormErrors, el, showFormError } from './ui.js';

const state = { me: null, sites: [], key: null };

function drawSites() {
  const box = $('#sites');
  if (state.sites.length === 1) {
    const s = state.sites[0];
    box.replaceChildren(
      el('input', { type: 'hidden', name: 'site', value: String(s.id) }),
      el('p', { class: 'site-chosen' }, el('strong', {}, s.name || 'Your site'), el('br'), s.staging_address,
        s.contact ? el('span', { class: 'muted' }, el('br'), `Contact: ${s.contact}`) : null));
    return;
  }
  box.replaceChildren(...state.sites.map((s, i) => el('label', { class: 'choice site-choice' },
    el('input', { type: 'radio', name: 'site', value: String(s.id), checked: i === 0 }),
    el('span', {}, el('strong', {}, s.name || `Site ${s.id}`), el('br'), s.staging_address))));
}

function chosenSite(form) {
  const v = form.elements.site ? form.elements.site.value : '';
  return state.sites.find((s) => String(s.id) === v) || null;
}

async function start(ev) {
  ev.preventDefault();
  const form = $('#site-form');
  clearFormErrors(form);
  announce($('#form-alert'), '');
  const site = chosenSite(form);
  if (!site) {
    announce($('#form-alert'), 'Choose your site first.');
    return;
  }
  const f = form.elements;
  const youth = {};
  if (f.first_name.value.trim()) youth.first_name = f.first_name.value.trim();
  if (f.estimated_age.value.trim()) youth.estimated_age = Number(f.estimated_age.value);
  const body = {
    identifying_agency_id: state.me.agency.id,
    staging_site_id: site.id,
    staging_address: site.staging_address,
    encountered_at: new Date().toISOString(),
    identified_how: 'safe_youth_zone',
    dcfs_involvement: f.dcfs.value,
    probation_involvement: f.probation.value,
    youth,
  };
  if (f.safety_concerns.value.trim()) body.safety_concerns = f.safety_concerns.value.trim();
  if (f.medical_concerns.value.trim()) body.medical_concerns = f.medical_concerns.value.trim();
  /* one key per referral: a retry after a lost answer does not open a second one */
  if (!state.key) state.key = crypto.randomUUID();
  await busy(form, async () => {
    try {
      const r = await post('/api/v1/referrals', body, { headers: { 'Idempotency-Key': state.key } });
      state.key = null;
      const ref = r.referral;
      const lead = r.team && r.team.find((m) => m.case_role === 'lead');
      $('#started-text').textContent = `Referral ${ref.number} is open. ${lead && lead.display_name ? `${lead.display_name} leads the response` : 'The hotline is finding a lead responder'} and will come to ${site.name || 'your site'}. Stay with the youth if you can.`;
      $('#started-case').href = `/case?id=${encodeURIComponent(ref.id)}`;
      form.hidden = true;
      $('#started').hidden = false;
      $('#started').focus();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.some((e) => e.name === 'staging_site_id')) state.key = null;
      showFormError(form, $('#form-alert'), err);
    }
  });
}

function again() {
  const form = $('#site-form');
  form.reset();
  drawSites();
  $('#started').hidden = true;
  form.hidden = false;
  form.querySelector('input:not([type=hidden]), textarea').focus();
}

async function main() {
  const ctx = await initPage({ requires: 'sites.start' });
  if (!ctx) return;
  state.me = ctx.me;
  try {
    state.sites = (await get('/api/v1/sites?mine=1')).items;
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load your sites.');
    return;
  }
  if (!state.sites.length) {
    pageError('You are not linked to a Safe Youth Zone site yet. Ask your haven administrator to link you to your site.');
    return;
  }
  drawSites();
  $('#site-form').addEventListener('submit', start);
  $('#another').addEventListener('click', again);
  $('#content').hidden = false;
}

main();
