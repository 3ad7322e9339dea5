/*
 * admin-escalation.js - /admin/escalation: an agency's escalation policy for
 * each kind of alert (GET /api/v1/escalation-policies?agency_id=N, one per
 * kind, the effective one; a built-in default has id null), edited as steps
 * of targets with a wait after each. Saving a built-in one creates the
 * agency's own (POST), saving its own replaces it (PUT /{id}); "Back to
 * built-in" deletes the agency's own (DELETE /{id}).
 */
import { ApiError, del, get, post, put } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, el, fillSelect, openDialog, showFormError, wireDialog,
} from './ui.js';
import { label, options } from './labels.js';

const KINDS = ['referral.assigned', 'clock.warning', 'clock.missed', 'delivery.failed', 'system.stalled', '*'];
const CHECK_TARGETS = ['owner', 'oncall', 'backup'];

const state = {
  ctx: null,
  agencies: [],
  agencyId: null,
  policies: [],
  users: [],
  editing: null,
  steps: [], /* the form's steps, as the API carries them */
  seq: 0,
};

const TARGET_WORDS = {
  owner: 'the responder',
  oncall: 'whoever is on call',
  backup: 'backup',
};

/* ['a'] -> "a"; ['a','b'] -> "a and b"; ['a','b','c'] -> "a, b and c". */
function joinAnd(words) {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function targetWords(t, userName) {
  if (t.type === 'role') return label('escalation_role', t.role).toLowerCase();
  if (t.type === 'user') return userName(t.user_id);
  return TARGET_WORDS[t.type] || label('target_type', t.type).toLowerCase();
}

/*
 * "Page the responder → after 5 min the responder and backup → after 10 min
 * supervisors; repeat once". USERNAME(id) names a user target.
 */
export function policySummary(policy, userName = (id) => `user ${id}`) {
  const steps = policy.steps || [];
  if (!steps.length) return 'Tells nobody.';
  const parts = steps.map((s, i) => {
    const who = joinAnd((s.targets || []).map((t) => targetWords(t, userName))) || 'nobody';
    if (i === 0) return `Page ${who}`;
    return `after ${steps[i - 1].delay_minutes} min ${who}`;
  });
  const n = Number(policy.repeat) || 0;
  const repeat = n === 0 ? 'no repeat' : n === 1 ? 'repeat once' : n === 2 ? 'repeat twice' : `repeat ${n} times`;
  return `${parts.join(' → ')}; ${repeat}`;
}

const userName = (id) => {
  const u = state.users.find((x) => x.id === Number(id));
  return u ? u.display_name : `user ${id}`;
};

const kindOrder = (k) => {
  const i = KINDS.indexOf(k);
  return i < 0 ? KINDS.length : i;
};

/* ---- the cards ----------------------------------------------------------- */

function policyCard(p) {
  const builtIn = p.id === null || p.id === undefined;
  const kindName = label('alert_kind', p.kind);
  return el('li', { class: 'panel policy', dataset: { kind: p.kind, policyId: builtIn ? '' : String(p.id) } },
    el('h2', { class: 'record-title' }, kindName, ' ',
      builtIn ? el('span', { class: 'badge badge-neutral' }, 'Built-in default')
        : el('span', { class: 'badge badge-ok' }, 'Set for this agency')),
    el('p', { class: 'muted' }, p.name || ''),
    el('p', { class: 'policy-summary' }, policySummary(p, userName)),
    el('p', { class: 'muted' }, `An acknowledgement holds for ${p.ack_timeout_minutes} min.`),
    el('div', { class: 'record-actions' },
      el('button', {
        type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit the policy for ${kindName}`,
        onclick: () => openEditor(p),
      }, 'Edit'),
      builtIn ? null : el('button', {
        type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Back to built-in for ${kindName}`,
        onclick: (e) => backToBuiltIn(p, e.currentTarget),
      }, 'Back to built-in')));
}

async function loadPolicies() {
  const seq = ++state.seq;
  const agencyId = state.agencyId;
  let data;
  let users = [];
  try {
    [data, users] = await Promise.all([
      get(`/api/v1/escalation-policies?agency_id=${encodeURIComponent(agencyId)}`),
      get(`/api/v1/users?agency_id=${encodeURIComponent(agencyId)}`).then((d) => d.items || [], () => []),
    ]);
  } catch (err) {
    if (seq === state.seq) pageError(err instanceof ApiError ? err.message : 'Could not load the policies.');
    return;
  }
  if (seq !== state.seq) return;
  state.users = users.filter((u) => Number(u.agency_id) === Number(agencyId) && !u.disabled)
    .map((u) => ({ id: u.id, display_name: u.display_name || u.username }))
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  state.policies = [...(data.items || [])].sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
  $('#policies').replaceChildren(...state.policies.map(policyCard));
}

async function backToBuiltIn(p, button) {
  const kindName = label('alert_kind', p.kind);
  if (!window.confirm(`Go back to the built-in policy for “${kindName}”? This agency's own policy is deleted.`)) return;
  button.disabled = true;
  try {
    await del(`/api/v1/escalation-policies/${p.id}`);
    announce($('#list-status'), `${kindName}: the built-in default applies again.`);
    await loadPolicies();
  } catch (err) {
    button.disabled = false;
    pageError(err instanceof ApiError ? err.message : 'Could not go back to the built-in policy.');
  }
}

/* ---- the form ------------------------------------------------------------ */

/* Reads the step fieldsets back into state.steps (before re-rendering them). */
function readSteps() {
  const out = [];
  for (const li of document.querySelectorAll('#p-steps > li')) {
    const targets = [];
    for (const type of CHECK_TARGETS) {
      if (li.querySelector(`input[data-target="${type}"]`).checked) targets.push({ type });
    }
    const role = li.querySelector('select[data-target="role"]').value;
    if (role) targets.push({ type: 'role', role });
    const user = li.querySelector('select[data-target="user"]').value;
    if (user) targets.push({ type: 'user', user_id: Number(user) });
    const delayRaw = li.querySelector('input[data-delay]').value.trim();
    out.push({ delay_minutes: delayRaw === '' ? null : Number(delayRaw), targets });
  }
  state.steps = out;
  return out;
}

function stepItem(step, i, n) {
  const p = `p-step-${i}`;
  const has = (type) => (step.targets || []).some((t) => t.type === type);
  const role = (step.targets || []).find((t) => t.type === 'role');
  const user = (step.targets || []).find((t) => t.type === 'user');
  const roleSelect = el('select', { id: `${p}-role`, dataset: { target: 'role' } });
  fillSelect(roleSelect, options('escalation_role'), { placeholder: 'No role' });
  roleSelect.value = role ? role.role : '';
  const userSelect = el('select', { id: `${p}-user`, dataset: { target: 'user' } });
  const users = [...state.users];
  if (user && !users.some((u) => u.id === user.user_id)) users.push({ id: user.user_id, display_name: `User ${user.user_id}` });
  fillSelect(userSelect, users.map((u) => ({ value: u.id, label: u.display_name })), { placeholder: 'Nobody in particular' });
  userSelect.value = user ? String(user.user_id) : '';
  const delay = el('input', {
    id: `${p}-delay`, name: `steps[${i}].delay_minutes`, type: 'number', inputmode: 'numeric', min: '1', max: '1440',
    dataset: { delay: '1' }, value: step.delay_minutes === null || step.delay_minutes === undefined ? '' : String(step.delay_minutes),
  });
  return el('li', { class: 'step' },
    el('fieldset', { class: 'step-fieldset', dataset: { field: `steps[${i}]` } },
      el('legend', {}, `Step ${i + 1}`),
      el('fieldset', { class: 'field', dataset: { field: `steps[${i}].targets` } },
        el('legend', {}, i === 0 ? 'Tell' : 'Then tell'),
        el('div', { class: 'choices' }, CHECK_TARGETS.map((type) => el('label', { class: 'choice', for: `${p}-${type}` },
          el('input', { type: 'checkbox', id: `${p}-${type}`, dataset: { target: type }, checked: has(type) }),
          label('target_type', type))))),
      el('div', { class: 'field-row' },
        el('div', { class: 'field' }, el('label', { for: roleSelect.id }, 'And everyone with the role'), roleSelect),
        el('div', { class: 'field' }, el('label', { for: userSelect.id }, 'And this person'), userSelect)),
      el('div', { class: 'field' },
        el('label', { for: delay.id }, i === n - 1 ? 'Then wait this many minutes (before the next round)' : 'Then wait this many minutes'),
        delay),
      el('div', { class: 'record-actions' },
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: i === 0, 'aria-label': `Move step ${i + 1} up`, onclick: () => moveStep(i, -1) }, '↑ Up'),
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: i === n - 1, 'aria-label': `Move step ${i + 1} down`, onclick: () => moveStep(i, 1) }, '↓ Down'),
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: n === 1, 'aria-label': `Remove step ${i + 1}`, onclick: () => removeStep(i) }, 'Remove step'))));
}

function renderSteps() {
  const n = state.steps.length;
  $('#p-steps').replaceChildren(...state.steps.map((s, i) => stepItem(s, i, n)));
  updateSummary();
}

function formPolicy() {
  const f = $('#policy-form').elements;
  return {
    repeat: f.repeat.value === '' ? 0 : Number(f.repeat.value),
    steps: readSteps(),
  };
}

function updateSummary() {
  $('#p-summary').textContent = policySummary(formPolicy(), userName);
}

function moveStep(i, dir) {
  readSteps();
  const j = i + dir;
  [state.steps[i], state.steps[j]] = [state.steps[j], state.steps[i]];
  renderSteps();
  const button = document.querySelector(`#p-steps > li:nth-child(${j + 1}) .record-actions button:not([disabled])`);
  if (button) button.focus();
}

function removeStep(i) {
  readSteps();
  state.steps.splice(i, 1);
  renderSteps();
  $('#p-add-step').focus();
}

function addStep() {
  readSteps();
  state.steps.push({ delay_minutes: 10, targets: [] });
  renderSteps();
  const boxes = document.querySelectorAll('#p-steps > li:last-child input[type=checkbox]');
  if (boxes.length) boxes[0].focus();
}

function openEditor(p) {
  state.editing = p;
  const form = $('#policy-form');
  form.reset();
  clearFormErrors(form);
  announce($('#policy-alert'), '');
  const kindName = label('alert_kind', p.kind);
  const agency = state.agencies.find((a) => a.id === state.agencyId);
  $('#policy-heading').textContent = `${kindName}: policy for ${agency ? agency.name : 'this agency'}`;
  const f = form.elements;
  f.name.value = p.name || '';
  f.repeat.value = String(p.repeat ?? 0);
  f.ack_timeout_minutes.value = p.ack_timeout_minutes === undefined || p.ack_timeout_minutes === null ? '' : String(p.ack_timeout_minutes);
  state.steps = (p.steps || []).map((s) => ({ delay_minutes: s.delay_minutes, targets: (s.targets || []).map((t) => ({ ...t })) }));
  if (!state.steps.length) state.steps.push({ delay_minutes: 10, targets: [{ type: 'owner' }] });
  renderSteps();
  openDialog($('#policy-dialog'));
}

/* "steps/1/delay_minutes", "steps.1.targets", "steps[1]" -> "steps[1].delay_minutes" and the like. */
export function stepField(name) {
  const m = /^\/?steps[[./](\d+)\]?(?:[./](\w+))?/.exec(String(name || ''));
  if (!m) return name;
  return m[2] ? `steps[${m[1]}].${m[2]}` : `steps[${m[1]}]`;
}

function wireEditor() {
  const dialog = $('#policy-dialog');
  const form = $('#policy-form');
  wireDialog(dialog);
  $('#p-add-step').addEventListener('click', addStep);
  form.addEventListener('change', updateSummary);
  form.addEventListener('input', updateSummary);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const f = form.elements;
    const p = state.editing;
    const steps = readSteps();
    const body = {
      agency_id: state.agencyId,
      kind: p.kind,
      name: f.name.value.trim(),
      repeat: f.repeat.value === '' ? 0 : Number(f.repeat.value),
      ack_timeout_minutes: Number(f.ack_timeout_minutes.value),
      steps,
    };
    const missing = [];
    if (!body.name) missing.push({ name: 'name', reason: 'Enter a name for the policy.' });
    if (!(body.ack_timeout_minutes > 0)) missing.push({ name: 'ack_timeout_minutes', reason: 'Enter how many minutes an acknowledgement holds.' });
    if (!(body.repeat >= 0 && body.repeat <= 10)) missing.push({ name: 'repeat', reason: 'Repeat 0 to 10 times.' });
    steps.forEach((s, i) => {
      if (!s.targets.length) missing.push({ name: `steps[${i}].targets`, reason: 'Choose whom this step tells.' });
      if (!(s.delay_minutes >= 1 && s.delay_minutes <= 1440)) missing.push({ name: `steps[${i}].delay_minutes`, reason: 'Wait 1 to 1440 minutes.' });
    });
    if (missing.length) {
      showFormError(form, $('#policy-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const builtIn = p.id === null || p.id === undefined;
        if (builtIn) await post('/api/v1/escalation-policies', body);
        else await put(`/api/v1/escalation-policies/${p.id}`, body);
        dialog.close();
        announce($('#list-status'), `${label('alert_kind', p.kind)}: policy saved.`);
        await loadPolicies();
        const card = document.querySelector(`#policies li[data-kind="${CSS.escape(p.kind)}"] button`);
        if (card) card.focus();
      } catch (err) {
        if (err instanceof ApiError) {
          if (err.problem.field) err.problem.field = stepField(err.problem.field);
          for (const ip of err.problem.invalid_params || []) if (ip && ip.name) ip.name = stepField(ip.name);
        }
        showFormError(form, $('#policy-alert'), err);
      }
    });
  });
}

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
    const url = new URL(location.href);
    url.searchParams.set('agency', select.value);
    history.replaceState(null, '', url);
    announce($('#list-status'), '');
    loadPolicies();
  });
}

async function main() {
  const ctx = await initPage({ requires: 'escalation.write' });
  if (!ctx) return;
  state.ctx = ctx;
  try {
    state.agencies = (await get('/api/v1/agencies')).items || [];
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load agencies.');
  }
  wireAgency();
  wireEditor();
  $('#content').hidden = false;
  if (state.agencyId) await loadPolicies();
}

main();
