/*
 * oncall.js - /oncall: who is on call now in every agency (GET
 * /api/v1/oncall/now), the uncovered spans of the next 14 days (GET
 * /api/v1/oncall/gaps), and the rotations of one agency: create, edit and
 * delete them (POST/PUT/DELETE /api/v1/rotations), their next 14 days of
 * shifts (GET .../shifts) and their overrides (POST .../overrides, DELETE
 * /api/v1/overrides/{id}). Edit controls only with `oncall.write`.
 *
 * Times come as ISO 8601 UTC and are shown in the browser's time zone; a
 * rotation's start date and hand-off are wall-clock values in its own zone.
 */
import { ApiError, del, get, post, put } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, el, fillSelect, localTime, localTimeEl, openDialog,
  showFormError, wireDialog,
} from './ui.js';
import { label, options } from './labels.js';
import { fromLocalInput, toLocalInput } from './forms.js';

const DEFAULT_TZ = 'America/Los_Angeles';
const PRESET_HOURS = ['8', '12', '24', '168'];
const DAY_MS = 24 * 60 * 60 * 1000;

const state = {
  ctx: null,
  canWrite: false,
  agencies: [],
  agencyId: null,
  rotations: [],
  users: new Map(), /* agency id -> [{user_id, display_name}] */
  editing: null, /* the rotation being edited, or null for a new one */
  members: [], /* the form's ordered [{user_id, display_name}] */
  openShifts: new Set(), /* rotation ids whose shift table is open */
  seq: 0,
};

const agencyName = (id) => state.agencies.find((a) => a.id === id)?.name || `Agency ${id}`;

/* 8 -> "8 h", 24 -> "daily (24 h)", 168 -> "weekly (168 h)". */
export function shiftText(hours) {
  const h = Number(hours);
  if (h === 24) return 'Daily (24 h)';
  if (h === 168) return 'Weekly (168 h)';
  return `${h} h`;
}

/* "3 h", "1 d 6 h" for a gap's length in hours. */
function hoursText(hours) {
  const h = Math.round(Number(hours) * 10) / 10;
  if (h < 48) return `${h} h`;
  const d = Math.floor(h / 24);
  const rest = Math.round(h - d * 24);
  return rest ? `${d} d ${rest} h` : `${d} d`;
}

function problemText(err, fallback) {
  return err instanceof ApiError ? err.message : fallback;
}

/* ---- who is on call now -------------------------------------------------- */

function personLine(tierName, person, rotations, tier) {
  if (!person) {
    return el('p', { class: 'oncall-person oncall-person--none' },
      el('span', { class: 'oncall-tier' }, `${tierName}: `), el('strong', {}, 'Nobody'));
  }
  const rot = (rotations || []).find((r) => r.tier === tier && r.on_call_now && r.on_call_now.user_id === person.user_id);
  const now = rot && rot.on_call_now;
  return el('p', { class: 'oncall-person', dataset: { userId: String(person.user_id) } },
    el('span', { class: 'oncall-tier' }, `${tierName}: `),
    el('strong', {}, person.display_name),
    now && now.shift_end ? [' until ', localTimeEl(now.shift_end)] : null,
    now && now.override ? [' ', el('span', { class: 'badge badge-neutral' }, 'Override')] : null);
}

async function loadNow() {
  let data;
  try {
    data = await get('/api/v1/oncall/now');
  } catch (err) {
    $('#now-summary').textContent = problemText(err, 'Could not load who is on call.');
    return;
  }
  const items = [...(data.items || [])].sort((a, b) => String(a.agency_name).localeCompare(String(b.agency_name)));
  $('#now').replaceChildren(...items.map((it) => el('li', { class: 'oncall-card', dataset: { agencyId: String(it.agency_id) } },
    el('h3', {}, it.agency_name || agencyName(it.agency_id)),
    personLine('Primary', it.primary, it.rotations, 'primary'),
    personLine('Backup', it.backup, it.rotations, 'backup'))));
  const uncovered = items.filter((it) => !it.primary).length;
  $('#now-summary').textContent = items.length === 0 ? 'No agency has an on-call rotation yet.'
    : uncovered ? `${uncovered} of ${items.length} agencies have nobody on call right now.`
      : items.length === 1 ? 'Someone is on call.' : `All ${items.length} agencies have someone on call.`;
  $('#now-summary').classList.toggle('beds-none', uncovered > 0);
}

/* ---- coverage gaps ------------------------------------------------------- */

async function loadGaps() {
  const box = $('#gaps');
  let data;
  try {
    data = await get('/api/v1/oncall/gaps?days=14');
  } catch (err) {
    box.replaceChildren(el('p', { class: 'muted' }, problemText(err, 'Could not check coverage.')));
    return;
  }
  const gaps = data.items || [];
  if (!gaps.length) {
    box.replaceChildren(el('p', { class: 'status', role: 'status', id: 'gaps-ok' }, 'No gaps in the next 14 days.'));
    return;
  }
  const n = gaps.length;
  box.replaceChildren(el('div', { class: 'alert gaps-alert', role: 'alert', id: 'gaps-alert' },
    el('p', {}, n === 1 ? 'Nobody is on call for 1 span in the next 14 days:'
      : `Nobody is on call for ${n} spans in the next 14 days:`),
    el('ul', { class: 'gap-list' }, gaps.map((g) => el('li', {
      dataset: { agencyId: String(g.agency_id), start: g.start, end: g.end },
    }, el('strong', {}, g.agency_name || agencyName(g.agency_id)), ': ',
    localTimeEl(g.start), ' to ', localTimeEl(g.end), ` (${hoursText(g.hours)})`)))));
}

/* ---- rotations ----------------------------------------------------------- */

async function usersOf(agencyId) {
  if (state.users.has(agencyId)) return state.users.get(agencyId);
  let list = [];
  try {
    const data = await get(`/api/v1/users?agency_id=${encodeURIComponent(agencyId)}`);
    list = (data.items || [])
      .filter((u) => Number(u.agency_id) === Number(agencyId) && !u.disabled)
      .map((u) => ({ user_id: u.id, display_name: u.display_name || u.username }));
  } catch {
    /* Without the user list, the rotations' own members are the choices. */
    list = [];
  }
  const known = new Map(list.map((u) => [u.user_id, u]));
  for (const r of state.rotations) {
    for (const m of r.members || []) if (!known.has(m.user_id)) known.set(m.user_id, m);
  }
  const out = [...known.values()].sort((a, b) => a.display_name.localeCompare(b.display_name));
  state.users.set(agencyId, out);
  return out;
}

function rotationFacts(r) {
  const rows = [
    ['Tier', label('oncall_tier', r.tier)],
    ['Shifts', `${shiftText(r.shift_hours)}, hand-off at ${r.handoff} (${r.time_zone})`],
    ['First shift', r.start_date],
  ];
  return el('dl', { class: 'summary-list' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function onCallNowLine(r) {
  const now = r.on_call_now;
  if (!now) return el('p', { class: 'rotation-now beds-none' }, 'Nobody on call now in this rotation.');
  return el('p', { class: 'rotation-now' }, 'On call now: ', el('strong', {}, now.display_name),
    now.shift_end ? [' until ', localTimeEl(now.shift_end)] : null,
    now.override ? [' ', el('span', { class: 'badge badge-neutral' }, 'Override')] : null);
}

function memberList(r) {
  const members = r.members || [];
  if (!members.length) return el('p', { class: 'muted' }, 'No members.');
  return el('ol', { class: 'plain-list rotation-members' }, members.map((m) => el('li', {}, m.display_name)));
}

function shiftsDetails(r) {
  const details = el('details', { class: 'form-details', dataset: { shifts: String(r.id) } },
    el('summary', { class: 'form-summary' }, 'Shifts in the next 14 days'),
    el('div', { class: 'shifts-body' }, el('p', { class: 'muted' }, 'Loading…')));
  details.addEventListener('toggle', () => {
    if (details.open) {
      state.openShifts.add(r.id);
      loadShifts(r, details.querySelector('.shifts-body'));
    } else {
      state.openShifts.delete(r.id);
    }
  });
  if (state.openShifts.has(r.id)) {
    details.open = true;
  }
  return details;
}

async function loadShifts(r, body) {
  const from = new Date();
  const to = new Date(from.getTime() + 14 * DAY_MS);
  let data;
  try {
    data = await get(`/api/v1/rotations/${r.id}/shifts?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
  } catch (err) {
    body.replaceChildren(el('p', { class: 'muted' }, problemText(err, 'Could not load the shifts.')));
    return;
  }
  const shifts = data.items || [];
  if (!shifts.length) {
    body.replaceChildren(el('p', { class: 'muted' }, 'No shifts in the next 14 days.'));
    return;
  }
  body.replaceChildren(el('div', { class: 'table-wrap' },
    el('table', { class: 'data-table stack shifts-table' },
      el('caption', {}, `${r.name}: shifts in the next 14 days, in your time zone`),
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, 'Who'), el('th', { scope: 'col' }, 'From'), el('th', { scope: 'col' }, 'To'))),
      el('tbody', {}, shifts.map((s) => el('tr', { dataset: { index: String(s.index) } },
        el('th', { scope: 'row', 'data-label': 'Who' }, s.user ? s.user.display_name : 'Nobody'),
        el('td', { 'data-label': 'From' }, localTimeEl(s.start)),
        el('td', { 'data-label': 'To' }, localTimeEl(s.end))))))));
}

function overridesSection(r) {
  const list = r.overrides || [];
  const items = list.map((o) => {
    const who = (r.members || []).find((m) => m.user_id === o.user_id)
      || (state.users.get(state.agencyId) || []).find((m) => m.user_id === o.user_id);
    const name = o.display_name || (who ? who.display_name : `User ${o.user_id}`);
    return el('li', { class: 'record', dataset: { overrideId: String(o.id) } },
      el('p', { class: 'record-title' }, el('strong', {}, name), ' from ', localTimeEl(o.start_at), ' to ', localTimeEl(o.end_at)),
      o.reason ? el('p', { class: 'muted' }, o.reason) : null,
      state.canWrite ? el('button', {
        type: 'button', class: 'btn btn-secondary btn-small',
        'aria-label': `Remove the override for ${name} from ${localTime(o.start_at)}`,
        onclick: (e) => removeOverride(o, e.currentTarget),
      }, 'Remove') : null);
  });
  return el('section', { class: 'rotation-overrides', 'aria-label': `Overrides of ${r.name}` },
    el('h4', {}, 'Overrides'),
    items.length ? el('ul', { class: 'record-list' }, items) : el('p', { class: 'muted' }, 'No overrides.'),
    state.canWrite ? overrideForm(r) : null);
}

function overrideForm(r) {
  const p = `ov-${r.id}`;
  const alert = el('div', { class: 'alert', role: 'alert', id: `${p}-alert` });
  const who = el('select', { id: `${p}-user_id`, name: 'user_id', required: true });
  const users = state.users.get(state.agencyId) || r.members || [];
  fillSelect(who, users.map((u) => ({ value: u.user_id, label: u.display_name })), { placeholder: 'Choose a person' });
  const now = new Date();
  const form = el('form', { class: 'action-form override-form', novalidate: true, id: `${p}-form` },
    el('h5', { class: 'form-title' }, 'Add an override'),
    alert,
    el('div', { class: 'field' }, el('label', { for: who.id }, 'Who covers'), who),
    el('div', { class: 'field-row' },
      el('div', { class: 'field' }, el('label', { for: `${p}-start_at` }, 'From'),
        el('input', { id: `${p}-start_at`, name: 'start_at', type: 'datetime-local', required: true, value: toLocalInput(now) })),
      el('div', { class: 'field' }, el('label', { for: `${p}-end_at` }, 'To'),
        el('input', { id: `${p}-end_at`, name: 'end_at', type: 'datetime-local', required: true }))),
    el('div', { class: 'field' }, el('label', { for: `${p}-reason` }, 'Reason (optional)'),
      el('input', { id: `${p}-reason`, name: 'reason', type: 'text', autocomplete: 'off' })),
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'btn btn-secondary' }, 'Add override')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const f = form.elements;
    const body = {
      user_id: f.user_id.value ? Number(f.user_id.value) : null,
      start_at: fromLocalInput(f.start_at.value),
      end_at: fromLocalInput(f.end_at.value),
      reason: f.reason.value.trim(),
    };
    const missing = [];
    if (!body.user_id) missing.push({ name: 'user_id', reason: 'Choose who covers.' });
    if (!body.start_at) missing.push({ name: 'start_at', reason: 'Enter when the override starts.' });
    if (!body.end_at) missing.push({ name: 'end_at', reason: 'Enter when the override ends.' });
    else if (body.start_at && body.end_at <= body.start_at) missing.push({ name: 'end_at', reason: 'The end must be after the start.' });
    if (missing.length) {
      showFormError(form, alert, new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        await post(`/api/v1/rotations/${r.id}/overrides`, body);
        announce($('#list-status'), `Override added to ${r.name}.`);
        await refreshAll();
      } catch (err) {
        showFormError(form, alert, err);
      }
    });
  });
  return form;
}

async function removeOverride(o, button) {
  if (!window.confirm('Remove this override?')) return;
  button.disabled = true;
  try {
    await del(`/api/v1/overrides/${o.id}`);
    announce($('#list-status'), 'Override removed.');
    await refreshAll();
  } catch (err) {
    button.disabled = false;
    pageError(problemText(err, 'Could not remove the override.'));
  }
}

function rotationItem(r) {
  return el('li', { class: 'panel rotation', dataset: { rotationId: String(r.id) } },
    el('h3', { class: 'record-title' }, r.name, ' ', el('span', { class: 'badge badge-state' }, label('oncall_tier', r.tier))),
    onCallNowLine(r),
    rotationFacts(r),
    el('h4', {}, 'Members'),
    memberList(r),
    state.canWrite ? el('div', { class: 'record-actions' },
      el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit ${r.name}`, onclick: () => openEditor(r) }, 'Edit'),
      el('button', { type: 'button', class: 'btn btn-danger btn-small', 'aria-label': `Delete ${r.name}`, onclick: (e) => removeRotation(r, e.currentTarget) }, 'Delete'))
      : null,
    shiftsDetails(r),
    overridesSection(r));
}

async function loadRotations() {
  const seq = ++state.seq;
  const agencyId = state.agencyId;
  let data;
  try {
    data = await get(`/api/v1/rotations?agency_id=${encodeURIComponent(agencyId)}`);
  } catch (err) {
    if (seq === state.seq) pageError(problemText(err, 'Could not load the rotations.'));
    return;
  }
  if (seq !== state.seq) return;
  state.rotations = (data.items || []).filter((r) => Number(r.agency_id) === Number(agencyId));
  state.users.delete(agencyId);
  await usersOf(agencyId);
  if (seq !== state.seq) return;
  $('#rotations').replaceChildren(...state.rotations.map(rotationItem));
  const n = state.rotations.length;
  $('#rotations-summary').textContent = n === 0 ? `${agencyName(agencyId)} has no rotations yet.`
    : n === 1 ? `1 rotation in ${agencyName(agencyId)}` : `${n} rotations in ${agencyName(agencyId)}`;
}

async function refreshAll() {
  await Promise.all([loadRotations(), loadNow(), loadGaps()]);
}

async function removeRotation(r, button) {
  if (!window.confirm(`Delete the rotation “${r.name}”? Its shifts and overrides go with it.`)) return;
  button.disabled = true;
  try {
    await del(`/api/v1/rotations/${r.id}`);
    announce($('#list-status'), `Rotation ${r.name} deleted.`);
    await refreshAll();
    $('#rotations-heading').focus();
  } catch (err) {
    button.disabled = false;
    pageError(problemText(err, 'Could not delete the rotation.'));
  }
}

/* ---- the rotation form --------------------------------------------------- */

function timeZones(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  const set = new Set([DEFAULT_TZ, 'America/Denver', 'America/Chicago', 'America/New_York', 'UTC', ...zones]);
  if (current) set.add(current);
  return [...set].sort((a, b) => a.localeCompare(b)).map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
}

function renderMembers() {
  const list = $('#r-members');
  const n = state.members.length;
  list.replaceChildren(...state.members.map((m, i) => el('li', { class: 'member', dataset: { userId: String(m.user_id) } },
    el('span', { class: 'member-name' }, m.display_name),
    el('span', { class: 'member-actions' },
      el('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: i === 0, 'aria-label': `Move ${m.display_name} up`, onclick: () => moveMember(i, -1) }, '↑ Up'),
      el('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: i === n - 1, 'aria-label': `Move ${m.display_name} down`, onclick: () => moveMember(i, 1) }, '↓ Down'),
      el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Remove ${m.display_name}`, onclick: () => removeMember(i) }, 'Remove')))));
  $('#r-members-empty').hidden = n > 0;
  const users = state.users.get(state.agencyId) || [];
  const chosen = new Set(state.members.map((m) => m.user_id));
  fillSelect($('#r-add-member'), users.filter((u) => !chosen.has(u.user_id)).map((u) => ({ value: u.user_id, label: u.display_name })),
    { placeholder: 'Choose a person' });
}

function moveMember(i, dir) {
  const j = i + dir;
  if (j < 0 || j >= state.members.length) return;
  [state.members[i], state.members[j]] = [state.members[j], state.members[i]];
  renderMembers();
  const row = $(`#r-members li:nth-child(${j + 1})`);
  const button = row && row.querySelector(dir < 0 ? 'button:not([disabled])' : 'button:nth-child(2):not([disabled])');
  (button || row?.querySelector('button'))?.focus();
}

function removeMember(i) {
  state.members.splice(i, 1);
  renderMembers();
  $('#r-add-member').focus();
}

function addMember() {
  const select = $('#r-add-member');
  const id = Number(select.value);
  if (!id) {
    select.focus();
    return;
  }
  const u = (state.users.get(state.agencyId) || []).find((x) => x.user_id === id);
  if (u && !state.members.some((m) => m.user_id === id)) state.members.push(u);
  renderMembers();
  $('#r-add-member').focus();
}

function syncCustom() {
  const custom = $('#r-shift_hours').value === 'custom';
  $('#r-custom-wrap').hidden = !custom;
  $('#r-custom_hours').required = custom;
}

function todayIn(zone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return toLocalInput(new Date()).slice(0, 10);
  }
}

async function openEditor(r) {
  state.editing = r || null;
  const form = $('#rotation-form');
  form.reset();
  clearFormErrors(form);
  announce($('#rotation-alert'), '');
  $('#rotation-heading').textContent = r ? `Edit rotation ${r.name}` : `New rotation for ${agencyName(state.agencyId)}`;
  fillSelect($('#r-tier'), options('oncall_tier'));
  fillSelect($('#r-time_zone'), timeZones(r && r.time_zone));
  fillSelect($('#r-shift_hours'), options('shift_length'));
  await usersOf(state.agencyId);
  const f = form.elements;
  f.name.value = r ? r.name : '';
  f.tier.value = r ? r.tier : 'primary';
  f.time_zone.value = r ? r.time_zone : DEFAULT_TZ;
  f.start_date.value = r ? r.start_date : todayIn(DEFAULT_TZ);
  f.handoff.value = r ? r.handoff : '08:00';
  const hours = r ? String(r.shift_hours) : '24';
  if (PRESET_HOURS.includes(hours)) {
    f.shift_hours.value = hours;
  } else {
    f.shift_hours.value = 'custom';
    f.custom_hours.value = hours;
  }
  syncCustom();
  state.members = r ? (r.members || []).map((m) => ({ ...m })) : [];
  renderMembers();
  openDialog($('#rotation-dialog'));
}

function wireEditor() {
  const dialog = $('#rotation-dialog');
  const form = $('#rotation-form');
  wireDialog(dialog, { onClose: () => $('#new-rotation').focus() });
  $('#new-rotation').addEventListener('click', () => openEditor(null));
  $('#r-shift_hours').addEventListener('change', syncCustom);
  $('#r-add-member-btn').addEventListener('click', addMember);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const f = form.elements;
    const custom = f.shift_hours.value === 'custom';
    const body = {
      agency_id: state.editing ? state.editing.agency_id : state.agencyId,
      name: f.name.value.trim(),
      tier: f.tier.value,
      time_zone: f.time_zone.value,
      start_date: f.start_date.value,
      handoff: f.handoff.value,
      shift_hours: Number(custom ? f.custom_hours.value : f.shift_hours.value),
      member_ids: state.members.map((m) => m.user_id),
    };
    const missing = [];
    if (!body.name) missing.push({ name: 'name', reason: 'Enter a name for the rotation.' });
    if (!body.start_date) missing.push({ name: 'start_date', reason: 'Enter the date of the first shift.' });
    if (!body.handoff) missing.push({ name: 'handoff', reason: 'Enter the hand-off time.' });
    if (!(body.shift_hours > 0)) missing.push({ name: custom ? 'custom_hours' : 'shift_hours', reason: 'Enter how many hours a shift lasts.' });
    if (!body.member_ids.length) missing.push({ name: 'member_ids', reason: 'Add at least one member.' });
    if (missing.length) {
      showFormError(form, $('#rotation-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const saved = state.editing
          ? await put(`/api/v1/rotations/${state.editing.id}`, body)
          : await post('/api/v1/rotations', body);
        dialog.close();
        announce($('#list-status'), state.editing ? `Rotation ${saved.name || body.name} saved.` : `Rotation ${saved.name || body.name} created.`);
        await refreshAll();
      } catch (err) {
        /* The custom hours box stands for shift_hours when it is in use. */
        if (custom && err instanceof ApiError && err.problem.field === 'shift_hours') err.problem.field = 'custom_hours';
        showFormError(form, $('#rotation-alert'), err);
      }
    });
  });
}

/* ---- the page ------------------------------------------------------------ */

function wireAgency() {
  const select = $('#agency-select');
  const active = state.agencies.filter((a) => a.active !== false).sort((a, b) => a.name.localeCompare(b.name));
  fillSelect(select, active.map((a) => ({ value: a.id, label: a.name })));
  const wanted = Number(new URLSearchParams(location.search).get('agency'));
  const mine = state.ctx.me.agency && state.ctx.me.agency.id;
  const pick = [wanted, mine].find((id) => id && active.some((a) => a.id === id)) || (active[0] && active[0].id);
  if (pick) select.value = String(pick);
  state.agencyId = pick ? Number(pick) : null;
  select.addEventListener('change', () => {
    state.agencyId = Number(select.value);
    state.openShifts.clear();
    const url = new URL(location.href);
    url.searchParams.set('agency', select.value);
    history.replaceState(null, '', url);
    announce($('#list-status'), '');
    loadRotations();
  });
}

async function main() {
  const ctx = await initPage({ requires: 'oncall.read' });
  if (!ctx) return;
  state.ctx = ctx;
  state.canWrite = (ctx.me.can || []).includes('oncall.write');
  $('#rotations-heading').setAttribute('tabindex', '-1');
  try {
    state.agencies = (await get('/api/v1/agencies')).items || [];
  } catch (err) {
    pageError(problemText(err, 'Could not load agencies.'));
  }
  wireAgency();
  if (state.canWrite) {
    $('#new-rotation').hidden = false;
    wireEditor();
  }
  $('#content').hidden = false;
  await Promise.all([loadNow(), loadGaps(), state.agencyId ? loadRotations() : null]);
}

main();
