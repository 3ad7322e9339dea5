/*
 * intake.js - /intake, the CSEC Expedited Form (POST /api/v1/referrals).
 *
 * Built for speed at 2 a.m.: the required fields first, the time prefilled,
 * Enter sends. While the youth's names, aliases and date of birth are
 * typed, youth haven may have met before are offered by record linkage
 * (POST /api/v1/youth/suggestions: nicknames, typos, swapped dates; the
 * names travel in the body, never in a URL); "This is the same youth" sends
 * youth_id instead of the youth's details, "Not this youth" hides one. Every send carries the same
 * Idempotency-Key, made once when the form loads, so a double click or a
 * retry after a dropped connection opens one referral, not two.
 */
import { ApiError, get, post } from './api.js';
import { initPage, pageError } from './layout.js';
import { $, announce, busy, clearFormErrors, el, fillSelect, showFormError } from './ui.js';
import { options } from './labels.js';
import { debounce } from './live.js';
import { fromLocalInput, toLocalInput } from './forms.js';

const IDENTIFYING_KINDS = ['law_enforcement', 'safe_youth_zone'];
const LEAD_KINDS = ['probation_ctu', 'dcfs_mart'];
const OVERRIDE_ROLES = ['hotline_worker', 'supervisor'];

const state = {
  agencies: [],
  stations: [],
  youthId: null,
  matchSeq: 0,
  dismissed: new Set(), /* youth the worker said are not this one */
  idempotencyKey: newKey(),
};

/* A random UUID (v4), also where crypto.randomUUID is missing (plain http). */
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const byName = (a, b) => a.name.localeCompare(b.name);

function fillAgencies(me) {
  const ident = state.agencies.filter((a) => a.active !== false && IDENTIFYING_KINDS.includes(a.kind)).sort(byName);
  fillSelect($('#identifying_agency_id'), ident.map((a) => ({ value: a.id, label: a.name })),
    { placeholder: 'Choose the agency' });
  /* An officer or Safe Youth Zone worker files for their own agency. */
  if (me.agency && ident.some((a) => a.id === me.agency.id)) {
    $('#identifying_agency_id').value = String(me.agency.id);
  }
  fillStations();
  const lead = state.agencies.filter((a) => a.active !== false && LEAD_KINDS.includes(a.kind)).sort(byName);
  fillSelect($('#lead_agency_id'), lead.map((a) => ({ value: a.id, label: a.name })),
    { placeholder: 'Choose the lead agency' });
}

function fillStations() {
  const agencyId = Number($('#identifying_agency_id').value) || 0;
  const list = state.stations.filter((s) => s.agency_id === agencyId && s.active !== false).sort(byName);
  const select = $('#station_id');
  fillSelect(select, list.map((s) => ({ value: s.id, label: s.name })),
    { placeholder: list.length ? 'Choose the station' : (agencyId ? 'No stations for this agency' : 'Choose the agency first') });
  select.disabled = list.length === 0;
}

function routingPreview() {
  const p = $('#probation_involvement').value;
  const kind = p === 'open_case' ? 'probation_ctu' : 'dcfs_mart';
  const agency = state.agencies.find((a) => a.kind === kind);
  const name = agency ? agency.name : (kind === 'probation_ctu' ? 'Probation CTU' : 'DCFS MART');
  $('#routing-preview').textContent = p
    ? `By the rules, ${name} leads (${p === 'open_case' ? 'an open Probation case' : 'no open Probation case'}).`
    : 'By the rules, an open Probation case goes to the Probation CTU, anything else to DCFS MART.';
}

/* ---- youth haven has met before ---------------------------------------- */

/* What the worker has typed about the youth, for POST /api/v1/youth/suggestions
 * (names go in the body, never in a URL); null until there is a name. */
function matchQuery() {
  const f = $('#intake-form').elements;
  const q = {
    first_name: f.first_name.value.trim() || undefined,
    last_name: f.last_name.value.trim() || undefined,
    aliases: f.aliases.value.trim() || undefined,
    dob: /^\d{4}-\d{2}-\d{2}$/.test(f.dob.value) ? f.dob.value : undefined,
    estimated_age: f.estimated_age.value.trim() ? Number(f.estimated_age.value) : undefined,
    gender: f.gender.value || undefined,
  };
  for (const k of Object.keys(q)) if (q[k] === undefined) delete q[k];
  return q.first_name || q.last_name || q.aliases ? q : null;
}

const percent = (p) => `${Math.round(p * 100)}%`;

async function findMatches() {
  const q = matchQuery();
  const seq = ++state.matchSeq;
  if (!q || state.youthId) {
    $('#matches').hidden = true;
    return;
  }
  let data;
  try {
    data = await post('/api/v1/youth/suggestions', q);
  } catch {
    return; /* a hint, not a step: the referral can be sent without it */
  }
  if (seq !== state.matchSeq) return;
  const items = ((data && data.items) || []).filter((m) => !state.dismissed.has(m.youth_id));
  $('#match-list').replaceChildren(...items.map((m) => {
    const refs = m.referrals || [];
    const first = refs[0];
    const bits = [
      `${percent(m.probability)} likely the same youth`,
      refs.length === 1 ? '1 earlier referral' : `${refs.length} earlier referrals`,
      first ? `last ${first.number} on ${first.date}` : null,
      m.other_referrals ? `${m.other_referrals} more you cannot open` : null,
      m.estimated_age ? `about ${m.estimated_age}` : null,
      m.gender ? options('gender').find((g) => g.value === m.gender)?.label || m.gender : null,
    ].filter(Boolean).join(', ');
    const label = first ? first.number : 'an earlier referral';
    return el('li', { class: 'match', dataset: { youthId: String(m.youth_id) } },
      el('span', {}, bits),
      el('ul', { class: 'match-reasons' }, ...(m.reasons || []).map((r) => el('li', {}, r))),
      el('button', {
        type: 'button', class: 'btn btn-small',
        'aria-label': `Attach to the youth of ${label}`,
        onclick: () => attach({ youth_id: m.youth_id, last_referral_number: first && first.number }),
      }, 'This is the same youth'),
      el('button', {
        type: 'button', class: 'btn btn-secondary btn-small',
        'aria-label': `Not the youth of ${label}`,
        onclick: () => { state.dismissed.add(m.youth_id); findMatches(); },
      }, 'Not this youth'));
  }));
  $('#matches').hidden = items.length === 0;
}

function attach(m) {
  state.youthId = m.youth_id;
  $('#matches').hidden = true;
  $('#attached-text').textContent = `This referral will be attached to the youth of ${m.last_referral_number || 'an earlier referral'}. Their details stay as haven has them.`;
  $('#attached').hidden = false;
  $('#detach').focus();
}

function detach() {
  state.youthId = null;
  $('#attached').hidden = true;
  findMatches();
  $('#first_name').focus();
}

/* ---- sending ----------------------------------------------------------- */

const text = (f, name) => {
  const v = f[name].value.trim();
  return v === '' ? undefined : v;
};
const int = (f, name) => {
  const v = f[name].value.trim();
  return v === '' ? undefined : Number(v);
};

function body(form) {
  const f = form.elements;
  const b = {
    identifying_agency_id: int(f, 'identifying_agency_id'),
    station_id: f.station_id.disabled ? undefined : int(f, 'station_id'),
    officer_name: text(f, 'officer_name'),
    officer_badge: text(f, 'officer_badge'),
    officer_phone: text(f, 'officer_phone'),
    encountered_at: fromLocalInput(f.encountered_at.value) || undefined,
    encounter_location: text(f, 'encounter_location'),
    identified_how: text(f, 'identified_how'),
    staging_address: text(f, 'staging_address'),
    staging_lat: text(f, 'staging_lat'),
    staging_lon: text(f, 'staging_lon'),
    safety_concerns: text(f, 'safety_concerns'),
    medical_concerns: text(f, 'medical_concerns'),
    dcfs_involvement: text(f, 'dcfs_involvement'),
    probation_involvement: text(f, 'probation_involvement'),
    other_youth_present: int(f, 'other_youth_present'),
  };
  if (!$('#override-section').hidden && f.override.checked) {
    b.lead_agency_id = int(f, 'lead_agency_id');
    b.override_reason = text(f, 'override_reason');
  }
  if (state.youthId) {
    b.youth_id = state.youthId;
  } else {
    const y = {
      first_name: text(f, 'first_name'),
      last_name: text(f, 'last_name'),
      aliases: text(f, 'aliases'),
      dob: text(f, 'dob'),
      estimated_age: int(f, 'estimated_age'),
      gender: text(f, 'gender'),
      language: text(f, 'language'),
    };
    for (const k of Object.keys(y)) if (y[k] === undefined) delete y[k];
    b.youth = y;
  }
  for (const k of Object.keys(b)) if (b[k] === undefined) delete b[k];
  return b;
}

function missing(b, form) {
  const out = [];
  const need = (name, reason) => { if (b[name] === undefined) out.push({ name, reason }); };
  need('identifying_agency_id', 'Choose the identifying agency.');
  if (!form.elements.encountered_at.value) out.push({ name: 'encountered_at', reason: 'Enter the time of the encounter.' });
  need('identified_how', 'Choose how the youth was identified.');
  need('staging_address', 'Enter the staging area address.');
  need('dcfs_involvement', 'Choose the known DCFS involvement (Unknown is a choice).');
  need('probation_involvement', 'Choose the known Probation involvement (Unknown is a choice).');
  if (form.elements.override.checked && !$('#override-section').hidden) {
    need('lead_agency_id', 'Choose the lead agency.');
    need('override_reason', 'Say why the rules are overridden.');
  }
  return out;
}

async function send(event) {
  event.preventDefault();
  const form = $('#intake-form');
  clearFormErrors(form);
  const b = body(form);
  const gaps = missing(b, form);
  if (gaps.length) {
    showFormError(form, $('#form-alert'), new ApiError(400, {
      detail: gaps.length === 1 ? gaps[0].reason : `${gaps.length} required fields are empty. Check the fields marked below.`,
      invalid_params: gaps,
    }));
    return;
  }
  await busy(form, async () => {
    try {
      /* the case page reads the case itself: ask only for the id */
      const created = await post('/api/v1/referrals', b, {
        headers: { 'Idempotency-Key': state.idempotencyKey, Prefer: 'return=minimal' },
      });
      const ref = (created && created.referral) || created || {};
      announce($('#form-alert'), '');
      location.assign(`/case?id=${encodeURIComponent(ref.id)}`);
      await new Promise(() => {}); /* keep the button disabled while the page changes */
    } catch (err) {
      showFormError(form, $('#form-alert'), err);
    }
  });
}

function wireLocation() {
  const button = $('#use-location');
  if (!navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    announce($('#location-status'), 'Finding this device’s location…');
    navigator.geolocation.getCurrentPosition((pos) => {
      $('#staging_lat').value = pos.coords.latitude.toFixed(6);
      $('#staging_lon').value = pos.coords.longitude.toFixed(6);
      announce($('#location-status'), `Location filled in (within about ${Math.round(pos.coords.accuracy)} m).`);
    }, () => {
      announce($('#location-status'), 'The location is not available. Type the address; latitude and longitude are optional.');
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
}

async function main() {
  const ctx = await initPage({ requires: 'referrals.create' });
  if (!ctx) return;
  const { me } = ctx;
  try {
    const [agencies, stations] = await Promise.all([get('/api/v1/agencies'), get('/api/v1/stations')]);
    state.agencies = agencies.items || [];
    state.stations = stations.items || [];
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the agencies. Reload the page.');
  }
  const form = $('#intake-form');
  fillAgencies(me);
  fillSelect($('#identified_how'), options('identified_how'), { placeholder: 'Choose how' });
  fillSelect($('#gender'), options('gender'), { placeholder: 'Not known or not asked' });
  fillSelect($('#dcfs_involvement'), options('involvement'), { placeholder: 'Choose' });
  fillSelect($('#probation_involvement'), options('involvement'), { placeholder: 'Choose' });
  form.elements.encountered_at.value = toLocalInput(new Date());

  if ((me.roles || []).some((r) => OVERRIDE_ROLES.includes(r))) {
    $('#override-section').hidden = false;
    routingPreview();
    $('#probation_involvement').addEventListener('change', routingPreview);
    $('#override').addEventListener('change', (e) => {
      $('#override-fields').hidden = !e.currentTarget.checked;
      if (e.currentTarget.checked) $('#lead_agency_id').focus();
    });
  }

  $('#identifying_agency_id').addEventListener('change', fillStations);
  const lookUp = debounce(findMatches, 350);
  for (const name of ['first_name', 'last_name', 'aliases', 'dob', 'estimated_age', 'gender']) {
    form.elements[name].addEventListener('input', lookUp);
    form.elements[name].addEventListener('change', lookUp);
  }
  $('#detach').addEventListener('click', detach);
  wireLocation();
  form.addEventListener('submit', send);
  $('#content').hidden = false;
  (form.elements.identifying_agency_id.value ? form.elements.identified_how : form.elements.identifying_agency_id).focus();
}

main();
