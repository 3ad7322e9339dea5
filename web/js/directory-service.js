/*
 * directory-service.js - /directory-service?id=N, one service of the
 * directory (without id: a new one). The form edits the common fields of
 * the service's HSDS 3.0 JSON (name, description, organization, ages, fees,
 * languages, phones, weekly hours, locations and addresses, status); every
 * other field of the record is kept as it was. Saving sends the whole
 * record (PUT /api/v1/directory/services/{id}, or POST for a new one): it
 * goes through the importer, so a refusal names the field, shown beside
 * it. Editors mark a service verified, flag a location as a Safe Youth Zone
 * site; administrators link the site's staff. The change history lists
 * what changed, field by field.
 */
import { ApiError, del, get, post, put } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, el, localTime, showFormError,
} from './ui.js';

const DAYS = [['MO', 'Monday'], ['TU', 'Tuesday'], ['WE', 'Wednesday'], ['TH', 'Thursday'],
  ['FR', 'Friday'], ['SA', 'Saturday'], ['SU', 'Sunday']];
const S = '/api/v1/directory/services';

const state = {
  id: null, /* haven's id; null for a new service */
  record: null, /* the API's answer */
  svc: null, /* the HSDS JSON being edited */
  hoursAt: null, /* where the weekly hours live: the service or its first location */
  otherSchedules: [],
  can: new Set(),
  siteStaff: null, /* users with the role site_staff (administrators only) */
};

const randomId = (prefix) => `${prefix}-${crypto.randomUUID()}`;
const text = (v) => (v === undefined || v === null ? '' : String(v));

function setOrDelete(obj, key, value) {
  if (value === '' || value === null || value === undefined) delete obj[key];
  else obj[key] = value;
}

/* ---- weekly hours -------------------------------------------------------------------- */

/* A plain weekly opening: days and one time pair, nothing else that matters. */
function isWeekly(s) {
  if (!s || typeof s !== 'object' || s.closed) return false;
  if (s.freq && String(s.freq).toUpperCase() !== 'WEEKLY') return false;
  if (!s.byday || !s.opens_at || !s.closes_at) return false;
  for (const k of ['interval', 'count', 'until', 'dtstart', 'valid_from', 'valid_to', 'byweekno', 'bymonthday', 'byyearday', 'bymonth']) {
    if (s[k] !== undefined && s[k] !== null && s[k] !== '') return false;
  }
  return String(s.byday).split(',').every((d) => DAYS.some(([c]) => c === d.trim().toUpperCase()));
}

const hhmm = (t) => String(t).slice(0, 5);

function drawWeek(schedules) {
  const open = new Map();
  state.otherSchedules = [];
  for (const s of schedules || []) {
    const days = isWeekly(s) ? String(s.byday).split(',').map((d) => d.trim().toUpperCase()) : [];
    if (!days.length || days.some((d) => open.has(d))) {
      state.otherSchedules.push(s);
      continue;
    }
    for (const d of days) open.set(d, { opens: hhmm(s.opens_at), closes: hhmm(s.closes_at) });
  }
  $('#week-body').replaceChildren(...DAYS.map(([code, name]) => {
    const o = open.get(code);
    return el('tr', { dataset: { day: code } },
      el('th', { scope: 'row' }, name),
      el('td', { 'data-label': 'Open' }, el('label', { class: 'choice' },
        el('input', { type: 'checkbox', name: `open_${code}`, checked: !!o }),
        el('span', { class: 'visually-hidden' }, `Open on ${name}`))),
      el('td', { 'data-label': 'Opens' }, el('label', { class: 'visually-hidden', for: `opens_${code}` }, `${name} opens`),
        el('input', { type: 'time', id: `opens_${code}`, name: `opens_${code}`, value: o ? o.opens : '09:00' })),
      el('td', { 'data-label': 'Closes' }, el('label', { class: 'visually-hidden', for: `closes_${code}` }, `${name} closes`),
        el('input', { type: 'time', id: `closes_${code}`, name: `closes_${code}`, value: o ? o.closes : '17:00' })));
  }));
  const other = $('#other-schedules');
  other.hidden = state.otherSchedules.length === 0;
  other.textContent = state.otherSchedules.length
    ? `${state.otherSchedules.length} other schedule${state.otherSchedules.length === 1 ? '' : 's'} (closures, monthly or dated hours) are kept as they are.`
    : '';
}

function readWeek() {
  const form = $('#service-form');
  const groups = new Map();
  for (const [code] of DAYS) {
    if (!form.elements[`open_${code}`].checked) continue;
    const opens = form.elements[`opens_${code}`].value;
    const closes = form.elements[`closes_${code}`].value;
    const key = `${opens}-${closes}`;
    if (!groups.has(key)) groups.set(key, { opens, closes, days: [] });
    groups.get(key).days.push(code);
  }
  const weekly = [...groups.values()].map((g) => ({
    freq: 'WEEKLY', byday: g.days.join(','), opens_at: g.opens, closes_at: g.closes,
  }));
  return [...weekly, ...state.otherSchedules];
}

/* ---- locations ------------------------------------------------------------------------- */

function physicalAddress(loc) {
  const list = Array.isArray(loc.addresses) ? loc.addresses : [];
  let i = list.findIndex((a) => a && a.address_type === 'physical');
  if (i < 0) i = list.length ? 0 : -1;
  return i;
}

function locationFields(sal, i) {
  const loc = sal.location || {};
  const ai = physicalAddress(loc);
  const addr = ai >= 0 ? loc.addresses[ai] : {};
  const base = `service.service_at_locations[${i}].location`;
  const ap = `${base}.addresses[${ai >= 0 ? ai : 0}]`;
  const field = (key, label, value, attrs = {}, path = `${base}.${key}`) => {
    const id = `loc${i}-${key}`;
    return el('div', { class: 'field' },
      el('label', { for: id }, label),
      el('input', { id, name: id, type: 'text', value: text(value), dataset: { field: path, key }, ...attrs }));
  };
  return el('div', { class: 'field-row' },
    field('name', 'Place name', loc.name, { maxlength: '300' }),
    field('address_1', 'Street address', addr.address_1, { maxlength: '300', autocomplete: 'off' }, `${ap}.address_1`),
    field('city', 'City', addr.city, { maxlength: '100' }, `${ap}.city`),
    field('state_province', 'State', addr.state_province || (ai < 0 ? 'CA' : ''), { maxlength: '100' }, `${ap}.state_province`),
    field('postal_code', 'ZIP code', addr.postal_code, { maxlength: '20', inputmode: 'numeric' }, `${ap}.postal_code`),
    field('latitude', 'Latitude', loc.latitude, { inputmode: 'decimal' }),
    field('longitude', 'Longitude', loc.longitude, { inputmode: 'decimal' }));
}

/* The Safe Youth Zone controls of a saved location (haven's id known). */
function siteControls(hl) {
  if (!hl) return null;
  const canFlag = state.can.has('sites.write');
  const box = el('div', { class: 'panel', dataset: { locationId: String(hl.id) } },
    el('h3', {}, hl.syz ? 'Safe Youth Zone site' : 'Safe Youth Zone'));
  const status = el('p', { class: 'status', role: 'status' });
  if (canFlag) {
    const cb = el('input', { type: 'checkbox', id: `syz-${hl.id}`, checked: !!hl.syz });
    const contact = el('input', { type: 'text', id: `syz-contact-${hl.id}`, value: text(hl.syz_contact), maxlength: '200', dataset: { field: 'contact' } });
    const save = el('button', { type: 'button', class: 'btn btn-secondary' }, 'Save site');
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        await put(`/api/v1/directory/locations/${hl.id}/syz`, { syz: cb.checked, contact: contact.value.trim() || null });
        announce(status, cb.checked ? 'Saved: this location is a Safe Youth Zone site.' : 'Saved: not a Safe Youth Zone site.');
        await reload();
      } catch (err) {
        announce(status, err instanceof ApiError ? err.message : 'Could not save the site.');
      } finally {
        save.disabled = false;
      }
    });
    box.append(
      el('label', { class: 'choice', for: `syz-${hl.id}` }, cb, 'A Safe Youth Zone: youth may walk in and ask for help'),
      el('div', { class: 'field' }, el('label', { for: `syz-contact-${hl.id}` }, 'Staff contact (a desk or duty phone)'), contact),
      el('div', { class: 'form-actions' }, save));
  } else {
    box.append(el('p', {}, hl.syz ? `A Safe Youth Zone site. Contact: ${hl.syz_contact || '—'}` : 'Not a Safe Youth Zone site.'));
  }
  if (hl.syz) {
    const admin = state.can.has('users.write');
    box.append(el('h4', {}, 'Site staff'), el('ul', { class: 'plain-list' }, hl.staff.length
      ? hl.staff.map((u) => el('li', {}, u.display_name, ' ', admin ? el('button', {
        type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Unlink ${u.display_name}`,
        onclick: async () => {
          try {
            await del(`/api/v1/sites/${hl.id}/staff/${u.id}`);
            await reload();
          } catch (err) {
            announce(status, err instanceof ApiError ? err.message : 'Could not unlink.');
          }
        },
      }, 'Unlink') : null))
      : el('li', { class: 'muted' }, 'Nobody linked yet.')));
    if (admin && state.siteStaff) {
      const linked = new Set(hl.staff.map((u) => u.id));
      const pick = el('select', { id: `staff-add-${hl.id}` },
        el('option', { value: '' }, 'Choose a site staff user'),
        state.siteStaff.filter((u) => !linked.has(u.id)).map((u) => el('option', { value: String(u.id) }, `${u.display_name} (${u.username})`)));
      const add = el('button', { type: 'button', class: 'btn btn-secondary' }, 'Link to this site');
      add.addEventListener('click', async () => {
        if (!pick.value) return;
        try {
          await post(`/api/v1/sites/${hl.id}/staff`, { user_id: Number(pick.value) });
          await reload();
        } catch (err) {
          announce(status, err instanceof ApiError ? err.message : 'Could not link.');
        }
      });
      box.append(el('div', { class: 'field' }, el('label', { for: `staff-add-${hl.id}` }, 'Link a site staff user'), pick), add);
    }
  }
  box.append(status);
  return box;
}

function drawLocations() {
  const sals = state.svc.service_at_locations || [];
  const known = new Map((state.record?.locations || []).map((l) => [l.hsds_id, l]));
  $('#locations').replaceChildren(...sals.map((sal, i) => el('li', { class: 'record', dataset: { index: String(i) } },
    el('h3', { class: 'record-title' }, `Location ${i + 1}`),
    locationFields(sal, i),
    siteControls(sal.location && known.get(sal.location.id)))));
}

function readLocations(svc) {
  const items = [...$('#locations').children];
  items.forEach((li, i) => {
    const sal = svc.service_at_locations[i];
    const loc = sal.location;
    const v = (key) => li.querySelector(`[data-key="${key}"]`).value.trim();
    setOrDelete(loc, 'name', v('name'));
    for (const k of ['latitude', 'longitude']) {
      const n = v(k);
      setOrDelete(loc, k, n === '' ? '' : Number.isNaN(Number(n)) ? n : Number(n));
    }
    if (!Array.isArray(loc.addresses)) loc.addresses = [];
    let ai = physicalAddress(loc);
    if (ai < 0) {
      loc.addresses.push({ id: `${loc.id}-address`, address_type: 'physical', country: 'US' });
      ai = loc.addresses.length - 1;
    }
    const a = loc.addresses[ai];
    for (const k of ['address_1', 'city', 'state_province', 'postal_code']) setOrDelete(a, k, v(k));
  });
}

/* ---- the form ------------------------------------------------------------------------------ */

function fill() {
  const svc = state.svc;
  const f = $('#service-form').elements;
  f.name.value = text(svc.name);
  f.description.value = text(svc.description);
  const nested = svc.organization && typeof svc.organization === 'object';
  f.organization.value = nested ? text(svc.organization.name) : text(state.record?.organization?.name);
  f.organization.readOnly = !nested && !!svc.organization_id;
  $('#s-organization-hint').hidden = !f.organization.readOnly;
  f.status.value = svc.status || 'active';
  f.minimum_age.value = text(svc.minimum_age);
  f.maximum_age.value = text(svc.maximum_age);
  f.fees_description.value = text(svc.fees_description);
  f.free.checked = (svc.cost_options || []).some((c) => c && Number(c.amount) === 0 && c.amount !== null && c.amount !== '');
  f.languages.value = (svc.languages || []).map((l) => l && l.code).filter(Boolean).join(', ');
  f.phones.value = (svc.phones || []).map((p) => p && p.number).filter(Boolean).join('\n');
  /* the weekly hours: the service's own, else its first location's */
  const sal0 = (svc.service_at_locations || [])[0];
  const has = (o) => o && Array.isArray(o.schedules) && o.schedules.length > 0;
  state.hoursAt = has(svc) ? svc : has(sal0) ? sal0 : sal0 && has(sal0.location) ? sal0.location : svc;
  drawWeek(state.hoursAt.schedules);
  drawLocations();
}

function collect() {
  const svc = structuredClone(state.svc);
  const f = $('#service-form').elements;
  svc.name = f.name.value.trim();
  setOrDelete(svc, 'description', f.description.value.trim());
  const orgName = f.organization.value.trim();
  if (svc.organization && typeof svc.organization === 'object') svc.organization.name = orgName;
  else if (!svc.organization_id) svc.organization = { id: randomId('org'), name: orgName };
  svc.status = f.status.value;
  for (const k of ['minimum_age', 'maximum_age']) {
    const v = f[k].value.trim();
    setOrDelete(svc, k, v === '' ? '' : Number(v));
  }
  setOrDelete(svc, 'fees_description', f.fees_description.value.trim());
  const costs = (svc.cost_options || []).filter((c) => !(c && Number(c.amount) === 0));
  if (f.free.checked) costs.unshift({ id: `${svc.id || 'new'}-free`, amount: 0, currency: 'USD', option: 'Free' });
  setOrDelete(svc, 'cost_options', costs.length ? costs : '');
  const byCode = new Map((svc.languages || []).filter((l) => l && l.code).map((l) => [String(l.code).toLowerCase(), l]));
  const codes = f.languages.value.split(/[\s,;]+/).map((c) => c.trim().toLowerCase()).filter(Boolean);
  setOrDelete(svc, 'languages', codes.length ? codes.map((c) => byCode.get(c) || { code: c }) : '');
  const byNumber = new Map((svc.phones || []).filter((p) => p && p.number).map((p) => [p.number, p]));
  const numbers = f.phones.value.split('\n').map((n) => n.trim()).filter(Boolean);
  setOrDelete(svc, 'phones', numbers.length ? numbers.map((n) => byNumber.get(n) || { number: n, type: 'voice' }) : '');
  /* hours go back where they came from */
  const hours = readWeek();
  const sal0 = (state.svc.service_at_locations || [])[0];
  const target = !sal0 || state.hoursAt === state.svc ? svc
    : state.hoursAt === sal0 ? svc.service_at_locations[0] : svc.service_at_locations[0].location;
  setOrDelete(target, 'schedules', hours.length ? hours : '');
  if (svc.service_at_locations) readLocations(svc);
  return svc;
}

function drawMeta() {
  const r = state.record;
  if (!r) {
    $('#service-meta').textContent = 'A new service: it is added to the directory when you save it.';
    return;
  }
  $('#service-meta').replaceChildren(
    `HSDS id ${r.hsds_id}. `,
    r.verified_at ? `Verified ${localTime(r.verified_at)}` : 'Never verified',
    r.assured_date ? ` (assured ${r.assured_date})` : '', '. ',
    `Last changed ${localTime(r.updated_at)}.`);
}

function showValue(v) {
  if (v === null || v === undefined) return el('span', { class: 'muted' }, '(none)');
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

async function loadHistory() {
  if (!state.id) return;
  let data;
  try {
    data = await get(`${S}/${state.id}/history`);
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the history.');
    return;
  }
  const words = { created: 'Added', updated: 'Changed', verified: 'Verified' };
  $('#history').replaceChildren(...data.items.map((h) => el('li', { class: 'timeline-item', dataset: { action: h.action } },
    el('p', { class: 'timeline-when' }, localTime(h.at), ' · ', words[h.action] || h.action,
      ' by ', h.by ? h.by.display_name : (h.source === 'import' ? 'an import' : 'the system'),
      h.source === 'import' && h.by ? ' (import)' : ''),
    h.action === 'created' ? null : el('ul', { class: 'plain-list diff-list' },
      h.changes.length ? h.changes.map((c) => el('li', {},
        el('span', { class: 'mono' }, c.field), ': ', showValue(c.before), ' → ', showValue(c.after)))
        : el('li', { class: 'muted' }, 'No field changed.')))));
  $('#history-section').hidden = false;
}

function showRecord(r) {
  state.record = r;
  state.id = r.id;
  state.svc = structuredClone(r.service);
  $('#page-title').textContent = r.name;
  document.title = `${r.name} · directory · haven`;
  drawMeta();
  fill();
  $('#verify').hidden = !state.can.has('directory.write');
}

/* The version read: an edit made meanwhile by someone else is refused (412). */
const ifMatch = () => ({ 'If-Match': `"v${state.record.version}"` });

async function reload() {
  const r = await get(`${S}/${state.id}`);
  showRecord(r);
  await loadHistory();
}

async function save(ev) {
  ev.preventDefault();
  const form = $('#service-form');
  clearFormErrors(form);
  announce($('#form-alert'), '');
  const svc = collect();
  await busy(form, async () => {
    try {
      if (state.id) {
        showRecord(await put(`${S}/${state.id}`, { service: svc }, { headers: ifMatch() }));
        await loadHistory();
        announce($('#form-status'), 'Saved.');
      } else {
        const r = await post(S, { service: svc });
        location.assign(`/directory-service?id=${encodeURIComponent(r.id)}`);
      }
    } catch (err) {
      showFormError(form, $('#form-alert'), err);
    }
  });
}

async function verify() {
  const button = $('#verify');
  button.disabled = true;
  try {
    showRecord(await post(`${S}/${state.id}/verify`, {}, { headers: ifMatch() }));
    await loadHistory();
    announce($('#form-status'), 'Marked verified today.');
  } catch (err) {
    announce($('#form-alert'), err instanceof ApiError ? err.message : 'Could not mark it verified.');
  } finally {
    button.disabled = false;
  }
}

function addLocation() {
  state.svc = collect();
  if (!state.svc.service_at_locations) state.svc.service_at_locations = [];
  const id = randomId('loc');
  state.svc.service_at_locations.push({ id: randomId('sal'), location: { id, addresses: [{ id: `${id}-address`, address_type: 'physical', state_province: 'CA', country: 'US' }] } });
  drawLocations();
  const last = $('#locations').lastElementChild;
  if (last) last.querySelector('input').focus();
}

async function main() {
  const ctx = await initPage({ requires: 'directory.read' });
  if (!ctx) return;
  state.can = new Set(ctx.me.can || []);
  const canWrite = state.can.has('directory.write');
  const raw = new URLSearchParams(location.search).get('id');
  if (state.can.has('users.write')) {
    try {
      const users = await get('/api/v1/users?limit=500');
      state.siteStaff = (users.items || []).filter((u) => (u.roles || []).includes('site_staff') && !u.disabled);
    } catch {
      state.siteStaff = null;
    }
  }
  try {
    if (raw) {
      if (!/^[1-9][0-9]*$/.test(raw)) throw new ApiError(404, { detail: 'there is no such service' });
      state.id = Number(raw);
      showRecord(await get(`${S}/${state.id}`));
      await loadHistory();
    } else if (canWrite) {
      state.svc = { status: 'active' };
      $('#page-title').textContent = 'New service';
      drawMeta();
      fill();
    } else {
      throw new ApiError(404, { detail: 'choose a service from the directory' });
    }
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the service.');
    return;
  }
  const form = $('#service-form');
  if (!canWrite) {
    for (const c of form.querySelectorAll('input, select, textarea')) c.disabled = true;
    $('#save').hidden = true;
    $('#add-location').hidden = true;
  }
  form.addEventListener('submit', save);
  $('#verify').addEventListener('click', verify);
  $('#add-location').addEventListener('click', addLocation);
  $('#content').hidden = false;
}

main();
