/*
 * case.js - /case?id=N, the whole case: summary, the next steps the server
 * allows (allowed_events), clocks counting down, youth, intake details,
 * team, MDT meetings, consents, appointments, placements, advocacy and basic
 * needs, the 72-hour status and whereabouts, detentions, and the timeline.
 *
 * Every write sends If-Match with the ETag of the last read; a 412 means
 * someone else changed the case meanwhile: the page re-reads it and says
 * so. A `case` event for this referral on the live stream re-reads it too.
 * Forms are built once and never redrawn, so a live update does not wipe
 * what someone is typing; only the lists are redrawn.
 */
import { ApiError, api, get } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, el, openDialog, showFormError, timeEl, wireDialog,
} from './ui.js';
import { anyLabel, label, shortState } from './labels.js';
import { clockItem, debounce, listen, shortTime, startTicking, syncServerClock } from './live.js';
import { buildForm, fillOptions, toLocalInput } from './forms.js';

const HIDDEN_HEALTH = 'hidden: no information-sharing authorisation';

const state = {
  id: Number(new URLSearchParams(location.search).get('id')) || 0,
  etag: null,
  data: null,
  agencies: [],
  stations: [],
  beds: [],
  seq: 0,
  forms: {},
  appointment: null,
  placement: null,
};

const agencyName = (id) => {
  const a = state.agencies.find((x) => x.id === Number(id));
  return a ? a.name : (id ? `Agency ${id}` : '');
};

const stationName = (id) => {
  const st = state.stations.find((x) => x.id === Number(id));
  return st ? st.name : (id ? `Station ${id}` : '');
};

/* A user's name when they are on the case team (records carry only ids). */
const userName = (id) => {
  const t = ((state.data && state.data.team) || []).find((m) => m.user_id === Number(id));
  return t ? t.display_name : '';
};

const base = () => `/api/v1/referrals/${state.id}`;
const etagOf = (data) => (data && data.referral && data.referral.version !== undefined ? `"v${data.referral.version}"` : null);

/* ---- reading and writing ----------------------------------------------- */

async function load() {
  const seq = ++state.seq;
  let res;
  try {
    res = await api('GET', base(), undefined, { full: true });
  } catch (err) {
    if (seq !== state.seq) return false;
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      pageError(err.status === 404 ? 'There is no referral with this number, or you may not see it.' : err.message);
      $('#content').hidden = true;
    } else {
      pageError(err instanceof ApiError ? err.message : 'Could not load the case.');
    }
    return false;
  }
  if (seq !== state.seq) return false;
  state.etag = res.headers.get('ETag') || etagOf(res.data);
  render(res.data);
  return true;
}

/* METHOD PATH BODY with If-Match; the answer (the case) is drawn. */
async function write(method, path, body) {
  const headers = state.etag ? { 'If-Match': state.etag } : {};
  const res = await api(method, path, body ?? {}, { full: true, headers });
  state.seq++; /* a read in flight is older than this answer */
  if (res.data && res.data.referral) {
    state.etag = res.headers.get('ETag') || etagOf(res.data);
    render(res.data);
  } else {
    await load();
  }
  return res.data;
}

/* Shows ERR for a write; a 412 re-reads the case and says why. */
async function writeFailed(err, form, alert) {
  if (err instanceof ApiError && err.status === 412) {
    await load();
    announce(alert, 'Someone else changed this case while you were working on it. '
      + 'It has been reloaded with their changes: check it, then send again.');
    return;
  }
  if (err instanceof ApiError && err.status === 403) {
    /* The case view does not say who may record on it: learn it from the refusal. */
    state.readOnly = true;
    render(state.data);
    announce($('#case-status'), '');
    const shown = alert && alert.closest('[hidden]') ? $('#page-alert') : alert;
    announce(shown, `${err.message} You can read this case but not record on it.`);
    return;
  }
  if (form) showFormError(form, alert, err);
  else announce(alert, err instanceof ApiError ? err.message : 'That did not work. Try again.');
}

/* ---- drawing ------------------------------------------------------------ */

function dl(node, rows) {
  node.replaceChildren(...rows.filter(Boolean).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

const none = (text = '—') => el('span', { class: 'muted' }, text);
const hidden = () => el('span', { class: 'redacted' }, HIDDEN_HEALTH);

/* OBJ[NAME] for people: hidden when the server redacted it, '—' when empty. */
function val(obj, name, fmt = (x) => x) {
  if (obj && (obj.redacted || []).includes(name)) return hidden();
  const v = obj ? obj[name] : null;
  if (v === null || v === undefined || v === '') return none();
  return fmt(v);
}

const teamMember = (role) => (state.data.team || []).find((t) => t.case_role === role);

function renderSummary(d) {
  const r = d.referral;
  const title = r.number ? `Referral ${r.number}` : `Referral ${r.id}`;
  $('#case-title').textContent = title;
  document.title = `${title} · haven`;
  const lead = teamMember('lead');
  const adv = teamMember('advocate');
  dl($('#case-summary'), [
    ['State', el('span', { class: `badge badge-state state-badge--${r.state}`, id: 'case-state' }, shortState(r.state))],
    ['Lead agency', (r.lead_agency && r.lead_agency.name) || agencyName(r.lead_agency_id) || none()],
    ['Routing', r.routing_rule ? label('routing_rule', r.routing_rule) : none()],
    r.override_reason ? ['Override reason', r.override_reason] : null,
    ['Lead', lead ? lead.display_name : none('Nobody yet')],
    ['Advocate', adv ? adv.display_name : none('Not assigned yet')],
    ['Staging area', val(r, 'staging_address')],
    ['Opened', timeEl(r.created_at)],
    r.closed_at ? ['Closed', [timeEl(r.closed_at), r.close_reason ? `: ${label('close_reason', r.close_reason)}` : '']] : null,
  ]);
}

const EVENT_BUTTONS = {
  acknowledge: { text: 'Acknowledge', body: { event: 'acknowledge' }, done: 'Acknowledged. The advocate is being called.' },
  'en_route:lead': { text: 'Lead en route', body: { event: 'en_route', as: 'lead' }, done: 'Recorded: lead en route.' },
  'arrive:lead': { text: 'Lead arrived', body: { event: 'arrive', as: 'lead' }, done: 'Recorded: lead arrived.' },
  'en_route:advocate': { text: 'Advocate en route', body: { event: 'en_route', as: 'advocate' }, done: 'Recorded: advocate en route.' },
  'arrive:advocate': { text: 'Advocate arrived', body: { event: 'arrive', as: 'advocate' }, done: 'Recorded: advocate arrived.' },
};

let eventInFlight = false;

function renderActions(d) {
  const allowed = d.allowed_events || [];
  const box = $('#actions');
  // A live re-read must not swap buttons under a finger: with the same
  // choices, keep the buttons there are (a tap mid-redraw would be lost).
  const key = allowed.join(' ');
  if (box.dataset.events === key && box.children.length) {
    if (!eventInFlight) for (const b of box.querySelectorAll('button')) b.disabled = false;
    return;
  }
  box.dataset.events = key;
  const buttons = [];
  for (const name of allowed) {
    const spec = EVENT_BUTTONS[name];
    if (spec) {
      buttons.push(el('button', {
        type: 'button', class: 'btn btn-large', dataset: { event: name },
        onclick: (e) => sendEvent(e.currentTarget, spec.body, spec.done),
      }, spec.text));
    }
  }
  if (allowed.includes('reroute')) {
    buttons.push(el('button', {
      type: 'button', class: 'btn btn-secondary', dataset: { event: 'reroute' },
      'aria-expanded': String(!$('#reroute-wrap').hidden), 'aria-controls': 'reroute-wrap',
      onclick: (e) => toggle('#reroute-wrap', e.currentTarget),
    }, 'Reroute…'));
  }
  if (allowed.includes('close')) {
    buttons.push(el('button', {
      type: 'button', class: 'btn btn-secondary', dataset: { event: 'close' },
      'aria-expanded': String(!$('#close-wrap').hidden), 'aria-controls': 'close-wrap',
      onclick: (e) => toggle('#close-wrap', e.currentTarget),
    }, 'Close the referral…'));
  }
  box.replaceChildren(...buttons);
  if (!allowed.includes('reroute')) $('#reroute-wrap').hidden = true;
  if (!allowed.includes('close')) $('#close-wrap').hidden = true;
  $('#actions-none').hidden = buttons.length > 0;
}

function toggle(sel, button) {
  const wrap = $(sel);
  wrap.hidden = !wrap.hidden;
  button.setAttribute('aria-expanded', String(!wrap.hidden));
  if (!wrap.hidden) {
    const first = wrap.querySelector('select, input, textarea');
    if (first) first.focus();
  }
}

async function sendEvent(button, body, done) {
  announce($('#actions-alert'), '');
  eventInFlight = true;
  for (const b of $('#actions').querySelectorAll('button')) b.disabled = true;
  try {
    await write('POST', `${base()}/events`, body);
    announce($('#case-status'), done);
  } catch (err) {
    for (const b of $('#actions').querySelectorAll('button')) b.disabled = false;
    await writeFailed(err, null, $('#actions-alert'));
  } finally {
    eventInFlight = false;
    for (const b of $('#actions').querySelectorAll('button')) b.disabled = false;
  }
}

function renderClocks(d) {
  const order = { running: 0, missed: 0, met: 1, stopped: 2 };
  const clocks = [...(d.clocks || [])].sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3)
    || (Date.parse(a.due_at) || 0) - (Date.parse(b.due_at) || 0));
  $('#clocks').replaceChildren(...(clocks.length ? clocks.map(clockItem) : [el('li', { class: 'muted' }, 'No clocks.')]));
}

function renderYouth(d) {
  const y = d.youth || {};
  const name = [y.first_name, y.last_name].filter(Boolean).join(' ');
  const redactedName = (y.redacted || []).some((n) => n === 'first_name' || n === 'last_name');
  dl($('#youth'), [
    ['Name', redactedName ? hidden() : (name || none('Not known'))],
    ['Other names', val(y, 'aliases')],
    ['Date of birth', val(y, 'dob', (v) => el('time', { datetime: v }, v))],
    ['Estimated age', val(y, 'estimated_age', String)],
    ['Gender', val(y, 'gender', (v) => label('gender', v))],
    ['Language', val(y, 'language')],
    y.referral_count > 1 ? ['Referrals', `${y.referral_count} in haven`] : null,
  ]);
}

/* Other youth records of the same person ("also known as", merged by a
 * reviewer on /review): GET /api/v1/youth/{id}/linked, once per youth. */
async function renderLinked(d) {
  const youthId = d.referral.youth_id;
  if (!youthId || state.linkedFor === youthId) return;
  state.linkedFor = youthId;
  let data;
  try {
    data = await get(`/api/v1/youth/${encodeURIComponent(youthId)}/linked`);
  } catch {
    return; /* a hint beside the case, not the case */
  }
  const items = (data && data.items) || [];
  $('#linked-list').replaceChildren(...items.map((y) => {
    const name = [y.first_name, y.last_name].filter(Boolean).join(' ') || 'Name not known';
    const refs = (y.referrals || []).map((r) => el('a', { href: `/case?id=${encodeURIComponent(r.id)}` }, r.number));
    return el('li', { dataset: { youthId: String(y.youth_id) } },
      `${name}${y.aliases ? ` (also ${y.aliases})` : ''}`,
      refs.length ? [' · ', ...refs.flatMap((a, i) => (i ? [', ', a] : [a]))] : null,
      y.other_referrals ? el('span', { class: 'muted' }, ` · ${y.other_referrals} referrals you may not open`) : null,
      data.can_review && y.merge_id ? [' · ', el('a', { href: '/review?status=same' }, 'review the merge')] : null);
  }));
  $('#linked').hidden = items.length === 0;
}

function renderIntake(d) {
  const r = d.referral;
  dl($('#intake'), [
    ['Identifying agency', r.identifying_agency ? r.identifying_agency.name : (agencyName(r.identifying_agency_id) || none())],
    ['Station', r.station ? r.station.name : (stationName(r.station_id) || none())],
    ['Officer', val(r, 'officer_name')],
    ['Badge', val(r, 'officer_badge')],
    ['Call-back number', val(r, 'officer_phone')],
    ['Encounter', val(r, 'encountered_at', timeEl)],
    ['Place', val(r, 'encounter_location')],
    ['Identified by', val(r, 'identified_how', (v) => label('identified_how', v))],
    ['Staging area', val(r, 'staging_address')],
    (r.staging_lat || r.staging_lon) ? ['Staging coordinates', `${r.staging_lat || '?'}, ${r.staging_lon || '?'}`] : null,
    ['Safety concerns', val(r, 'safety_concerns')],
    ['Medical concerns', val(r, 'medical_concerns')],
    ['DCFS involvement', val(r, 'dcfs_involvement', (v) => label('involvement', v))],
    ['Probation involvement', val(r, 'probation_involvement', (v) => label('involvement', v))],
    ['Other youth present', val(r, 'other_youth_present', String)],
    ['Acknowledged', val(r, 'acknowledged_at', timeEl)],
    ['Lead arrived', val(r, 'lead_arrived_at', timeEl)],
    ['Advocate arrived', val(r, 'advocate_arrived_at', timeEl)],
    r.initial_decision ? ['Initial decision', label('mdt_decision', r.initial_decision)] : null,
  ]);
}

const HAND_ROLES = ['clinician', 'officer', 'site_staff', 'member'];
function renderTeam(d) {
  const team = d.team || [];
  const mayEdit = !state.readOnly && d.referral.state !== 'closed';
  $('#team').replaceChildren(...(team.length ? team.map((t) => el('li', { dataset: { role: t.case_role } },
    el('strong', {}, t.display_name), ` — ${label('case_role', t.case_role)}`,
    t.agency_name ? el('span', { class: 'muted' }, `, ${t.agency_name}`) : null,
    mayEdit && HAND_ROLES.includes(t.case_role)
      ? el('button', { type: 'button', class: 'btn btn-secondary btn-small team-remove', dataset: { remove: String(t.user_id) },
        'aria-label': `Take ${t.display_name} off the team`,
        onclick: (e) => removeMember(t, e.currentTarget) }, 'Take off the team')
      : null))
    : [el('li', { class: 'muted' }, 'Nobody yet.')]));
}

async function removeMember(t, button) {
  button.disabled = true;
  try {
    await write('DELETE', `${base()}/team/${t.user_id}`);
    announce($('#case-status'), `${t.display_name} is off the team.`);
  } catch (err) {
    button.disabled = false;
    await writeFailed(err, null, $('#page-alert'));
  }
}

/* The people who could join in the chosen role, fetched as the role changes. */
async function fillCandidates(form) {
  const role = form.elements.case_role.value || 'member';
  let items = [];
  try {
    items = (await get(`${base()}/team/candidates?role=${encodeURIComponent(role)}`)).items || [];
  } catch { /* leave the list empty: the error shows on sending */ }
  const onTeam = new Set((state.data?.team || []).filter((m) => m.case_role === role).map((m) => m.user_id));
  fillOptions(form.elements.user_id, {
    required: true,
    options: () => items.filter((c) => !onTeam.has(c.id))
      .map((c) => ({ value: c.id, label: c.agency ? `${c.display_name} (${c.agency})` : c.display_name })),
  });
}

/* A list of records as cards: each a heading line and facts. */
function records(container, items, emptyText, draw) {
  if (!items || !items.length) {
    container.replaceChildren(el('p', { class: 'muted' }, emptyText));
    return;
  }
  container.replaceChildren(el('ul', { class: 'record-list' }, items.map((x) => {
    const { title, facts, actions, cls } = draw(x);
    return el('li', { class: `record ${cls || ''}`, dataset: { recordId: String(x.id ?? '') } },
      el('p', { class: 'record-title' }, title),
      el('dl', { class: 'summary-list' }, facts.filter(Boolean).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      actions && actions.length ? el('div', { class: 'record-actions' }, actions) : null);
  })));
}

const memberList = (m) => (Array.isArray(m) ? m : String(m || '').split(',')).map((s) => s.trim()).filter(Boolean);

function renderMdt(d) {
  records($('#mdt-list'), d.mdt, 'No MDT yet.', (m) => ({
    title: [el('strong', {}, label('mdt_kind', m.kind)), ' · ', timeEl(m.held_at)],
    facts: [
      ['Decision', val(m, 'decision', (v) => label('mdt_decision', v))],
      m.juvenile_hall_reason ? ['Reason for juvenile hall', label('detention_reason', m.juvenile_hall_reason)] : null,
      ['Who took part', memberList(m.members).map((x) => label('mdt_member', x)).join(', ') || none()],
      m.members_other ? ['Others', m.members_other] : null,
      ['Safety plan', val(m, 'safety_plan')],
      ['Transport', val(m, 'transport')],
      ['Follow-up MDT', val(m, 'follow_up_at', timeEl)],
      m.notes || (m.redacted || []).includes('notes') ? ['Notes', val(m, 'notes')] : null,
      userName(m.recorded_by) ? ['Recorded by', userName(m.recorded_by)] : null,
    ],
  }));
  const f = state.forms.mdt;
  if (f) {
    const hasInitial = (d.mdt || []).some((m) => m.kind === 'initial');
    const kind = f.form.elements.kind;
    if (!f.form.contains(document.activeElement)) kind.value = hasInitial ? 'follow_up' : 'initial';
    /* On scene without an MDT: the MDT is the next step, so its form opens (once). */
    if (d.referral.state === 'on_scene' && !hasInitial && !state.mdtOpened) {
      $('#mdt-form-slot details').open = true;
      state.mdtOpened = true;
    }
  }
}

function renderConsents(d) {
  records($('#consents-list'), d.consents, 'No consent recorded.', (c) => ({
    title: [el('strong', {}, label('consent_kind', c.kind)), ' · ', timeEl(c.given_at)],
    cls: c.revoked_at ? 'record--off' : '',
    facts: [
      ['Given by', label('consent_giver', c.given_by)],
      c.agency_ids ? ['Agencies', String(c.agency_ids).split(',').map((x) => agencyName(x.trim())).join(', ')] : null,
      c.revoked_at ? ['Revoked', timeEl(c.revoked_at)] : null,
      userName(c.recorded_by) ? ['Recorded by', userName(c.recorded_by)] : null,
    ],
  }));
}

function renderAppointments(d) {
  const open = d.referral.state !== 'closed';
  records($('#appointments-list'), d.appointments, 'No appointment yet.', (a) => {
    const st = a.state || 'scheduled';
    const what = `${label('appointment_kind', a.kind)} ${shortTime(a.scheduled_for)}`;
    const quick = (s, text) => el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `${text}: ${what}`,
      onclick: (e) => patchAppointment(a, { state: s }, e.currentTarget, `Appointment marked ${label('appointment_state', s).toLowerCase()}.`),
    }, text);
    return {
      title: [el('strong', {}, label('appointment_kind', a.kind)), ' · ', timeEl(a.scheduled_for), ' ',
        el('span', { class: `badge appt-${st}` }, label('appointment_state', st))],
      facts: [
        ['Where', val(a, 'location')],
        a.attended_at ? ['Attended', timeEl(a.attended_at)] : null,
        a.reschedule_count ? ['Rescheduled', `${a.reschedule_count} time${a.reschedule_count === 1 ? '' : 's'}`] : null,
        (a.outcome || (a.redacted || []).includes('outcome')) ? ['Outcome', val(a, 'outcome')] : null,
      ],
      actions: open && st === 'scheduled' ? [
        quick('attended', 'Attended'), quick('no_show', 'No-show'), quick('cancelled', 'Cancelled'),
        el('button', {
          type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Reschedule or add the outcome: ${what}`,
          onclick: () => openAppointment(a),
        }, 'Reschedule or add outcome…'),
      ] : (open ? [el('button', {
        type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Change: ${what}`,
        onclick: () => openAppointment(a),
      }, 'Change…')] : []),
    };
  });
}

function renderPlacements(d) {
  const open = d.referral.state !== 'closed';
  records($('#placements-list'), d.placements, 'No placement yet.', (p) => {
    const what = `${label('placement_kind', p.kind)} from ${shortTime(p.started_at)}`;
    return {
      title: [el('strong', {}, label('placement_kind', p.kind)), p.provider_agency_id ? ` · ${agencyName(p.provider_agency_id)}` : ''],
      cls: p.ended_at ? 'record--off' : '',
      facts: [
        ['Entered', timeEl(p.started_at)],
        p.extended_until ? ['Extended until', [timeEl(p.extended_until), p.extension_reason ? ` (${p.extension_reason})` : '']] : null,
        ['Left', p.ended_at ? [timeEl(p.ended_at), p.end_reason ? `: ${label('placement_end_reason', p.end_reason)}` : ''] : none('Still there')],
      ],
      actions: open && !p.ended_at ? [
        p.kind === 'soda_pad' ? el('button', {
          type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Extend the stay: ${what}`,
          onclick: () => openPlacement('#extend-dialog', p),
        }, 'Extend the stay…') : null,
        el('button', {
          type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `End: ${what}`,
          onclick: () => openPlacement('#end-dialog', p),
        }, 'End the placement…'),
      ].filter(Boolean) : [],
    };
  });
}

function renderContacts(d) {
  records($('#contacts-list'), d.contacts, 'No advocacy contact yet.', (c) => ({
    title: [el('strong', {}, c.kind === 'basic_need' && c.need ? `Basic need: ${label('need', c.need)}` : label('contact_kind', c.kind)),
      ' · ', timeEl(c.at)],
    facts: [
      (c.note || (c.redacted || []).includes('note')) ? ['Note', val(c, 'note')] : null,
      userName(c.by_user_id) ? ['By', userName(c.by_user_id)] : null,
    ],
  }));
  const r = d.referral;
  $('#advocacy-closed').hidden = !r.advocacy_closed_at;
  if (r.advocacy_closed_at) $('#advocacy-closed').replaceChildren('Advocacy closed ', timeEl(r.advocacy_closed_at), '.');
  $('#advocacy-close-slot details').hidden = !!r.advocacy_closed_at;
}

function renderStatuses(d) {
  const r = d.referral;
  const history = d.statuses || [];
  dl($('#statuses'), [
    ['72-hour status', r.status_72h ? [label('status_72h', r.status_72h), ', ', timeEl(r.status_72h_at)] : none('Not recorded yet')],
    ['Whereabouts', r.whereabouts ? [label('whereabouts', r.whereabouts), ', ', timeEl(r.whereabouts_at)] : none('Not recorded yet')],
    history.length > 1 ? ['Earlier', history.slice(0, -1).reverse().map((s) => el('span', { class: 'status-past' },
      `${label('status_kind', s.kind)}: ${label(s.kind === 'whereabouts' ? 'whereabouts' : 'status_72h', s.status)} (${shortTime(s.at)})`))] : null,
  ]);
}

function renderDetentions(d) {
  records($('#detentions-list'), d.detentions, 'No detention.', (x) => ({
    title: [el('strong', {}, label('detention_reason', x.reason)), ' · ', timeEl(x.started_at)],
    facts: [['Released', x.ended_at ? timeEl(x.ended_at) : none('Not yet')]],
  }));
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const DETAIL_NAMES = {
  lead_agency_id: 'lead agency', from_agency_id: 'from', to_agency_id: 'to', routing_rule: 'routing',
  close_reason: 'reason', due_at: 'due', scheduled_for: 'for', supervisors_notified: 'supervisors told',
};

/* A timeline entry's detail in words: ids become names, codes labels, times local. */
function detailText(detail) {
  if (!detail || typeof detail !== 'object') return detail ? String(detail) : '';
  const parts = [];
  for (const [k, v] of Object.entries(detail)) {
    if (v === null || v === undefined || v === '' || typeof v === 'object') continue;
    if (k === 'number') continue; /* the page's title says it */
    let shown;
    if (/agency_id$/.test(k)) shown = agencyName(v);
    else if (/_id$/.test(k) || k === 'id') continue;
    else if (typeof v === 'string' && ISO_TIME.test(v)) shown = shortTime(v);
    else if (k === 'routing_rule') shown = label('routing_rule', v);
    else if (k === 'clock') shown = label('clock_kind', v);
    else if (k === 'decision' || k === 'initial_decision') shown = label('mdt_decision', v);
    else if (k === 'close_reason') shown = label('close_reason', v);
    else if (k === 'reason' && typeof v === 'string' && !v.includes(' ')) shown = anyLabel(v);
    else if (typeof v === 'string' && /^[a-z0-9_]+$/.test(v)) shown = anyLabel(v);
    else shown = String(v);
    parts.push(`${DETAIL_NAMES[k] || k.replace(/_/g, ' ')}: ${shown}`);
  }
  return parts.join('; ');
}

function renderTimeline(d) {
  const items = [...(d.timeline || [])].sort((a, b) => (Date.parse(a.at) - Date.parse(b.at)) || (a.id - b.id));
  $('#timeline').replaceChildren(...(items.length ? items.map((t) => {
    const actor = typeof t.actor === 'object' && t.actor ? t.actor.display_name : t.actor;
    const extra = detailText(t.detail);
    return el('li', { class: 'timeline-item', dataset: { kind: t.kind || '' } },
      el('span', { class: 'timeline-when' }, timeEl(t.at)),
      el('span', { class: 'timeline-what' }, el('strong', {}, label('timeline', t.kind)),
        actor ? ` by ${actor}` : el('span', { class: 'muted' }, ' (haven)'),
        extra ? el('span', { class: 'timeline-detail' }, ` — ${extra}`) : null));
  }) : [el('li', { class: 'muted' }, 'Nothing yet.')]));
}

function render(d) {
  state.data = d;
  /* the server says whether this person may record on the case */
  if (d.can_update === false) state.readOnly = true;
  syncServerClock(d.now);
  const closed = d.referral.state === 'closed';
  renderSummary(d);
  renderActions(d);
  renderClocks(d);
  renderYouth(d);
  renderLinked(d);
  renderIntake(d);
  renderTeam(d);
  renderMdt(d);
  renderConsents(d);
  renderAppointments(d);
  renderPlacements(d);
  renderContacts(d);
  renderStatuses(d);
  renderDetentions(d);
  renderTimeline(d);
  for (const slot of document.querySelectorAll('.case-form-slot, #needs')) slot.hidden = closed || state.readOnly;
  $('#read-only').hidden = !state.readOnly || closed;
  $('#content').hidden = false;
}

/* ---- forms -------------------------------------------------------------- */

/* Puts the form of BUILT in SLOT inside a <details> with SUMMARY. */
function mount(slot, summary, built) {
  $(slot).replaceChildren(el('details', { class: 'form-details' },
    el('summary', { class: 'form-summary' }, summary), built.form));
}

function wire(built, { path, method = 'POST', done, body = (v) => v, check }) {
  built.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(built.form);
    announce(built.alert, '');
    const gaps = [...built.missing(), ...(check ? check(built.values()) : [])];
    if (gaps.length) {
      showFormError(built.form, built.alert, new ApiError(400, {
        detail: gaps.length === 1 ? gaps[0].reason : 'Some details are missing. Check the fields marked below.',
        invalid_params: gaps,
      }));
      return;
    }
    await busy(built.form, async () => {
      try {
        await write(method, typeof path === 'function' ? path() : path, body(built.values()));
        built.reset();
        const details = built.form.closest('details');
        if (details) details.open = false;
        const dialog = built.form.closest('dialog');
        if (dialog) dialog.close();
        announce($('#case-status'), done);
      } catch (err) {
        await writeFailed(err, built.form, built.alert);
      }
    });
  });
}

const agencyChoices = (kinds) => () => state.agencies
  .filter((a) => a.active !== false && (!kinds || kinds.includes(a.kind)))
  .sort((a, b) => a.name.localeCompare(b.name))
  .map((a) => ({ value: a.id, label: a.name }));

function buildActionForms() {
  const reroute = buildForm({
    id: 'reroute-form', submit: 'Reroute', legend: 'Reroute to another lead agency',
    fields: [
      { name: 'lead_agency_id', label: 'New lead agency', type: 'select', required: true, numeric: true,
        options: agencyChoices(['probation_ctu', 'dcfs_mart']), missing: 'Choose the new lead agency.' },
      { name: 'reason', label: 'Why', type: 'textarea', rows: 2, required: true, missing: 'Say why the referral is rerouted.' },
    ],
  });
  wire(reroute, { path: () => `${base()}/events`, body: (v) => ({ event: 'reroute', ...v }), done: 'Rerouted. The new lead is being called.' });
  const close = buildForm({
    id: 'close-form', submit: 'Close the referral', legend: 'Close the referral',
    fields: [
      { name: 'close_reason', label: 'Why it closes', type: 'select', list: 'close_reason', required: true, missing: 'Choose why the referral closes.' },
      { name: 'reason', label: 'Note', type: 'textarea', rows: 2 },
    ],
  });
  wire(close, { path: () => `${base()}/events`, body: (v) => ({ event: 'close', ...v }), done: 'The referral is closed.' });
  const box = $('#actions-section');
  box.append(el('div', { id: 'reroute-wrap', class: 'action-form', hidden: true }, reroute.form),
    el('div', { id: 'close-wrap', class: 'action-form', hidden: true }, close.form));
  state.forms.reroute = reroute;
  state.forms.close = close;
}

function buildRecordForms() {
  const mdt = buildForm({
    id: 'mdt-form', submit: 'Record the MDT',
    fields: [
      { name: 'kind', label: 'Meeting', type: 'select', list: 'mdt_kind', required: true, initial: 'initial' },
      { name: 'held_at', label: 'When it met', type: 'datetime', required: true, now: true },
      { name: 'members', label: 'Who took part', type: 'checks', list: 'mdt_member', join: ',' },
      { name: 'members_other', label: 'Others who took part (roles, not names)', type: 'text' },
      { name: 'safety_plan', label: 'Safety plan', type: 'textarea' },
      { name: 'decision', label: 'Decision', type: 'select', list: 'mdt_decision', placeholder: 'Choose the decision' },
      { name: 'juvenile_hall_reason', label: 'Reason for juvenile hall', type: 'select', list: 'detention_reason',
        showWhen: { field: 'decision', values: ['juvenile_hall'] }, required: true, missing: 'Juvenile hall needs a reason.' },
      { name: 'transport', label: 'Transport', type: 'textarea', rows: 2, hint: 'To the placement and to appointments.' },
      { name: 'follow_up_at', label: 'Follow-up MDT', type: 'datetime' },
      { name: 'notes', label: 'Notes', type: 'textarea' },
    ],
  });
  wire(mdt, { path: () => `${base()}/mdt`, done: 'MDT recorded.' });
  mount('#mdt-form-slot', 'Record an MDT', mdt);
  state.forms.mdt = mdt;

  const consent = buildForm({
    id: 'consent-form', submit: 'Record the consent',
    fields: [
      { name: 'kind', label: 'Consent to', type: 'select', list: 'consent_kind', required: true },
      { name: 'given_by', label: 'Given by', type: 'select', list: 'consent_giver', required: true },
      { name: 'given_at', label: 'Given at', type: 'datetime', required: true, now: true },
      { name: 'agency_ids', label: 'Agencies it covers', type: 'checks', join: ',', options: agencyChoices(null),
        showWhen: { field: 'kind', values: ['info_sharing'] } },
    ],
  });
  wire(consent, { path: () => `${base()}/consents`, done: 'Consent recorded.' });
  mount('#consents-form-slot', 'Record a consent', consent);

  const appt = buildForm({
    id: 'appointment-form', submit: 'Schedule',
    fields: [
      { name: 'kind', label: 'Appointment', type: 'select', list: 'appointment_kind', required: true },
      { name: 'scheduled_for', label: 'When', type: 'datetime', required: true },
      { name: 'location', label: 'Where', type: 'text', hint: 'For example the Medical Hub.' },
    ],
  });
  wire(appt, { path: () => `${base()}/appointments`, done: 'Appointment scheduled.' });
  mount('#appointments-form-slot', 'Schedule an appointment', appt);

  const placement = buildForm({
    id: 'placement-form', submit: 'Record the placement',
    fields: [
      { name: 'kind', label: 'Placement', type: 'select', list: 'placement_kind', required: true },
      { name: 'provider_agency_id', label: 'Bed provider', type: 'select', numeric: true, required: true,
        options: () => state.beds.map((b) => ({ value: b.agency_id, label: `${b.name} (${b.free} free)` })),
        showWhen: { field: 'kind', values: ['soda_pad'] }, missing: 'Choose the bed provider.' },
      { name: 'started_at', label: 'Entered', type: 'datetime', required: true, now: true },
    ],
  });
  wire(placement, { path: () => `${base()}/placements`, done: 'Placement recorded.' });
  mount('#placements-form-slot', 'Record a placement', placement);
  state.forms.placement = placement;

  const team = buildForm({
    id: 'team-form', submit: 'Add to the team',
    fields: [
      { name: 'case_role', label: 'As', type: 'select', required: true, initial: 'clinician',
        options: () => HAND_ROLES.map((r) => ({ value: r, label: label('case_role', r) })) },
      { name: 'user_id', label: 'Person', type: 'select', numeric: true, required: true,
        options: () => [], missing: 'Choose who joins the team.' },
    ],
  });
  wire(team, { path: () => `${base()}/team`, done: 'Added to the team. They have been told.' });
  mount('#team-form-slot', 'Add someone to the team', team);
  state.forms.team = team;
  team.form.elements.case_role.addEventListener('change', () => fillCandidates(team.form));
  $('#team-form-slot details').addEventListener('toggle', (e) => {
    if (e.currentTarget.open) fillCandidates(team.form);
  });

  const contact = buildForm({
    id: 'contact-form', submit: 'Record the contact',
    fields: [
      { name: 'kind', label: 'Contact', type: 'select', list: 'contact_kind', required: true },
      { name: 'need', label: 'Basic need', type: 'select', list: 'need', showWhen: { field: 'kind', values: ['basic_need'] } },
      { name: 'at', label: 'When', type: 'datetime', required: true, now: true },
      { name: 'note', label: 'Note', type: 'textarea' },
    ],
  });
  wire(contact, { path: () => `${base()}/contacts`, done: 'Contact recorded.' });
  mount('#contacts-form-slot', 'Record an advocacy contact', contact);

  const closeAdv = buildForm({
    id: 'advocacy-close-form', submit: 'Close advocacy',
    fields: [{ name: 'closed_at', label: 'Advocacy closed at', type: 'datetime', required: true, now: true }],
  });
  wire(closeAdv, { path: () => `${base()}/advocacy/close`, done: 'Advocacy closed.' });
  mount('#advocacy-close-slot', 'Close advocacy', closeAdv);
  $('#advocacy-close-slot').prepend(el('p', { id: 'advocacy-closed', class: 'muted', hidden: true }));

  const s72 = buildForm({
    id: 'status72-form', submit: 'Record the 72-hour status',
    fields: [{ name: 'status', label: '72-hour status', type: 'select', list: 'status_72h', required: true }],
  });
  wire(s72, { path: () => `${base()}/status`, body: (v) => ({ kind: 'status_72h', ...v }), done: '72-hour status recorded.' });
  const where = buildForm({
    id: 'whereabouts-form', submit: 'Record the whereabouts',
    fields: [{ name: 'status', label: 'Where the youth is now', type: 'select', list: 'whereabouts', required: true }],
  });
  wire(where, { path: () => `${base()}/status`, body: (v) => ({ kind: 'whereabouts', ...v }), done: 'Whereabouts recorded.' });
  $('#status-form-slot').replaceChildren(el('div', { class: 'form-pair' }, s72.form, where.form));

  const det = buildForm({
    id: 'detention-form', submit: 'Record the detention',
    fields: [
      { name: 'started_at', label: 'Detained at', type: 'datetime', required: true, now: true },
      { name: 'reason', label: 'Reason', type: 'select', list: 'detention_reason', required: true },
      { name: 'ended_at', label: 'Released at', type: 'datetime' },
    ],
  });
  wire(det, { path: () => `${base()}/detentions`, done: 'Detention recorded.' });
  mount('#detentions-form-slot', 'Record a detention', det);

  $('#needs-buttons').replaceChildren(...['food', 'clothing', 'shower', 'sleep', 'phone'].map((need) => el('button', {
    type: 'button', class: 'btn btn-secondary', dataset: { need },
    onclick: (e) => basicNeed(need, e.currentTarget),
  }, label('need', need))));
}

async function basicNeed(need, button) {
  announce($('#needs-alert'), '');
  button.disabled = true;
  try {
    await write('POST', `${base()}/contacts`, { kind: 'basic_need', need, at: new Date().toISOString() });
    announce($('#case-status'), `Recorded: ${label('need', need).toLowerCase()}.`);
  } catch (err) {
    await writeFailed(err, null, $('#needs-alert'));
  } finally {
    button.disabled = false;
  }
}

/* ---- dialogs: appointments and placements -------------------------------- */

function buildDialogs() {
  const main = $('#main');
  const mk = (id, heading, built) => {
    const dialog = el('dialog', { id, 'aria-labelledby': `${id}-heading` },
      el('div', { class: 'dialog-body' }, el('h2', { id: `${id}-heading` }, heading), built.form));
    built.form.querySelector('.form-actions').append(
      el('button', { type: 'button', class: 'btn btn-secondary', dataset: { close: '' } }, 'Cancel'));
    main.append(dialog);
    wireDialog(dialog);
    return dialog;
  };

  const appt = buildForm({
    id: 'appt-edit-form', submit: 'Save',
    fields: [
      { name: 'state', label: 'State', type: 'select', list: 'appointment_state', placeholder: 'Keep as it is' },
      { name: 'scheduled_for', label: 'New time', type: 'datetime', hint: 'Leave empty to keep the time.' },
      { name: 'location', label: 'Where', type: 'text' },
      { name: 'outcome', label: 'Outcome (health detail)', type: 'textarea' },
    ],
  });
  wire(appt, { method: 'PATCH', path: () => `/api/v1/appointments/${state.appointment.id}`, done: 'Appointment updated.' });
  mk('appointment-dialog', 'Reschedule or add the outcome', appt);
  state.forms.appt = appt;

  const extend = buildForm({
    id: 'extend-form', submit: 'Extend the stay',
    fields: [
      { name: 'until', label: 'Stay until', type: 'datetime', required: true, hint: 'A SODA/PAD stay is 30 days.' },
      { name: 'reason', label: 'Why the stay is longer than 30 days', type: 'textarea', rows: 2, required: true, missing: 'Say why the stay is extended.' },
    ],
  });
  wire(extend, { path: () => `/api/v1/placements/${state.placement.id}/extend`, done: 'Stay extended.' });
  mk('extend-dialog', 'Extend the stay', extend);

  const end = buildForm({
    id: 'end-form', submit: 'End the placement',
    fields: [
      { name: 'ended_at', label: 'Left at', type: 'datetime', required: true, now: true },
      { name: 'reason', label: 'Why', type: 'select', list: 'placement_end_reason', required: true },
    ],
  });
  wire(end, { path: () => `/api/v1/placements/${state.placement.id}/end`, done: 'Placement ended.' });
  mk('end-dialog', 'End the placement', end);
  state.forms.extend = extend;
  state.forms.end = end;
}

function openAppointment(a) {
  state.appointment = a;
  const f = state.forms.appt;
  f.reset();
  clearFormErrors(f.form);
  announce(f.alert, '');
  if (a.location) f.form.elements.location.value = a.location;
  openDialog($('#appointment-dialog'));
}

async function patchAppointment(a, body, button, done) {
  button.disabled = true;
  try {
    await write('PATCH', `/api/v1/appointments/${a.id}`, body);
    announce($('#case-status'), done);
  } catch (err) {
    button.disabled = false;
    await writeFailed(err, null, $('#page-alert'));
  }
}

function openPlacement(sel, p) {
  state.placement = p;
  const f = sel === '#extend-dialog' ? state.forms.extend : state.forms.end;
  f.reset();
  clearFormErrors(f.form);
  announce(f.alert, '');
  if (sel === '#extend-dialog') {
    /* A stay is 30 days; the new end must come after the current one. Offer two more weeks. */
    const DAY = 24 * 3600 * 1000;
    const end = Date.parse(p.extended_until) || ((Date.parse(p.started_at) || Date.now()) + 30 * DAY);
    f.form.elements.until.value = toLocalInput(new Date(end + 14 * DAY));
    $('#extend-form-until-hint').textContent = `The stay now ends ${shortTime(new Date(end).toISOString())}; choose a later time.`;
  }
  openDialog($(sel));
}

/* ---- start -------------------------------------------------------------- */

async function main() {
  const ctx = await initPage();
  if (!ctx) return;
  if (!state.id) {
    pageError('No referral given. Open a case from the dispatch board or your tasks.');
    return;
  }
  const [agencies, beds, stations] = await Promise.allSettled([
    get('/api/v1/agencies'), get('/api/v1/beds'), get('/api/v1/stations')]);
  if (agencies.status === 'fulfilled') state.agencies = agencies.value.items || [];
  if (stations.status === 'fulfilled') state.stations = stations.value.items || [];
  if (beds.status === 'fulfilled') state.beds = beds.value.items || [];
  buildActionForms();
  buildRecordForms();
  buildDialogs();
  startTicking();
  if (!(await load())) return;
  const reload = debounce(load, 100);
  listen({
    onCase: (e) => { if (Number(e.referral_id) === state.id) reload(); },
    onReconnect: reload,
    onState: (s) => { $('#live-state').textContent = s === 'live' ? 'Live: changes by others appear by themselves.' : 'Live updates lost; reconnecting…'; },
  });
  /* Beds change as others place youth: refresh the choices when the form opens. */
  $('#placements-form-slot details').addEventListener('toggle', async (e) => {
    if (!e.currentTarget.open) return;
    try {
      state.beds = (await get('/api/v1/beds')).items || [];
      fillOptions(state.forms.placement.form.elements.provider_agency_id,
        { required: true, options: () => state.beds.map((b) => ({ value: b.agency_id, label: `${b.name} (${b.free} free)` })) });
    } catch { /* the list already shown stays */ }
  });
}

main();
