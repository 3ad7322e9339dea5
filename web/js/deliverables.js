/*
 * deliverables.js - /deliverables: the ILT's deliverables dashboard. Every
 * deliverable by due date (GET /api/v1/deliverables, filters by status and
 * overdue); an overdue one stands out three ways: its row is tinted and
 * barred, it carries a badge, and the badge says "Overdue by N days". The
 * counts by status come from GET /api/v1/program. Analysts and
 * administrators (`program.write`) add and edit deliverables and mark one
 * done (PATCH with status done and completed_on the county's today).
 */
import { ApiError, get, patch, post } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, dateEl, el, fillSelect, openDialog, showFormError, wireDialog,
} from './ui.js';
import {
  DELIVERABLE_STATUSES, daysText, exportLinks, programLabel, reportTable, statusBadge,
} from './program.js';

const OWNERS = ['Program office', 'Probation', 'DCFS', 'Sheriff\'s Department', 'DMH', 'DHS'];

const state = {
  ctx: null,
  canWrite: false,
  items: [],
  agencies: [],
  today: null,
  editing: null,
};

function problemText(err, fallback) {
  return err instanceof ApiError ? err.message : fallback;
}

function overdueBadge(d) {
  return el('span', { class: 'badge badge-overdue' }, `Overdue by ${daysText(d.days_overdue)}`);
}

function render() {
  const rows = state.items.map((d) => el('tr', {
    class: d.overdue ? 'row-overdue' : undefined,
    dataset: { deliverableId: String(d.id), status: d.status, overdue: String(d.overdue) },
  },
  el('th', { scope: 'row', 'data-label': 'Deliverable' }, d.title,
    d.description ? el('span', { class: 'cell-note' }, d.description) : null),
  el('td', { 'data-label': 'Owner' }, d.owner),
  el('td', { 'data-label': 'Due' }, dateEl(d.due_date)),
  el('td', { 'data-label': 'Status' }, statusBadge(d.status), d.overdue ? overdueBadge(d) : null),
  el('td', { 'data-label': 'Completed' }, d.completed_on ? dateEl(d.completed_on) : el('span', { class: 'muted' }, '—')),
  el('td', { class: 'actions' }, state.canWrite ? [
    d.status !== 'done' ? el('button', {
      type: 'button', class: 'btn btn-small', 'aria-label': `Mark ${d.title} done`,
      onclick: (e) => markDone(d, e.currentTarget),
    }, 'Mark done') : null,
    el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit ${d.title}`,
      onclick: () => openForm(d),
    }, 'Edit'),
  ] : null)));
  $('#deliverables-body').replaceChildren(...rows);
  const n = state.items.length;
  const late = state.items.filter((d) => d.overdue).length;
  const filtered = $('#filter-status').value || $('#filter-overdue').checked;
  $('#deliverables-caption').textContent = `${n === 1 ? '1 deliverable' : `${n} deliverables`}`
    + `${late ? `, ${late} overdue` : ''}, by due date${filtered ? ' (filtered)' : ''}`;
}

async function loadList() {
  const params = new URLSearchParams();
  if ($('#filter-status').value) params.set('status', $('#filter-status').value);
  if ($('#filter-overdue').checked) params.set('overdue', 'true');
  const qs = params.toString();
  const data = await get(`/api/v1/deliverables${qs ? `?${qs}` : ''}`);
  state.items = data.items || [];
  state.today = data.today;
  render();
}

function renderSummary(report) {
  const table = report.tables.find((t) => t.id === 'deliverables_status');
  const done = table.rows.find((r) => r.label === programLabel('done'));
  const figure = (id, value, label, cls) => el('li', { class: `figure${cls ? ` ${cls}` : ''}`, id },
    el('span', { class: 'figure-value' }, String(value)), el('span', { class: 'figure-label' }, label));
  $('#headline').replaceChildren(
    figure('fig-total', table.total.n, 'deliverables'),
    figure('fig-overdue', table.total.overdue, 'overdue', table.total.overdue ? 'figure--alert' : null),
    figure('fig-done', done ? done.n : 0, 'done'));
  $('#status-table').replaceChildren(reportTable(table, { id: 'status-data' }));
  $('#as-of').textContent = `As of ${report.as_of}.`;
  $('#exports').replaceChildren(exportLinks(report.tables
    .filter((t) => ['deliverables', 'deliverables_status'].includes(t.id))));
}

async function load() {
  try {
    const [report] = await Promise.all([get('/api/v1/program'), loadList()]);
    renderSummary(report);
  } catch (err) {
    pageError(problemText(err, 'Could not load the deliverables.'));
  }
}

async function markDone(d, button) {
  button.disabled = true;
  try {
    await patch(`/api/v1/deliverables/${d.id}`, { status: 'done', completed_on: state.today });
    announce($('#list-status'), `${d.title} marked done on ${state.today}.`);
    await load();
  } catch (err) {
    button.disabled = false;
    announce($('#list-status'), problemText(err, 'Could not mark it done.'));
  }
}

/* ---- the form ----------------------------------------------------------------- */

function syncForm() {
  const f = $('#deliverable-form').elements;
  const done = f.status.value === 'done';
  $('#d-completed-wrap').hidden = !done;
  if (done && !f.completed_on.value && state.today) f.completed_on.value = state.today;
}

function openForm(d) {
  state.editing = d || null;
  const form = $('#deliverable-form');
  form.reset();
  clearFormErrors(form);
  announce($('#deliverable-alert'), '');
  fillSelect($('#d-status'), DELIVERABLE_STATUSES);
  fillSelect($('#d-owner_agency_id'), [...state.agencies].sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => ({ value: a.id, label: a.name })), { placeholder: 'None' });
  if (state.today) $('#d-completed_on').max = state.today;
  $('#deliverable-heading').textContent = d ? `Edit ${d.title}` : 'New deliverable';
  $('#deliverable-submit').textContent = d ? 'Save changes' : 'Create deliverable';
  const f = form.elements;
  if (d) {
    f.title.value = d.title;
    f.description.value = d.description || '';
    f.owner.value = d.owner;
    f.owner_agency_id.value = d.owner_agency_id ? String(d.owner_agency_id) : '';
    f.due_date.value = d.due_date;
    f.status.value = d.status;
    f.completed_on.value = d.completed_on || '';
  } else {
    f.status.value = 'not_started';
  }
  syncForm();
  openDialog($('#deliverable-dialog'));
}

function formBody(form) {
  const f = form.elements;
  const body = {
    title: f.title.value.trim(),
    description: f.description.value.trim() || null,
    owner: f.owner.value.trim(),
    owner_agency_id: f.owner_agency_id.value ? Number(f.owner_agency_id.value) : null,
    due_date: f.due_date.value || null,
    status: f.status.value,
    completed_on: f.status.value === 'done' ? (f.completed_on.value || null) : null,
  };
  if (!state.editing) {
    for (const k of Object.keys(body)) if (body[k] === null || body[k] === '') delete body[k];
  }
  return body;
}

function wire() {
  const dialog = $('#deliverable-dialog');
  const form = $('#deliverable-form');
  fillSelect($('#filter-status'), DELIVERABLE_STATUSES, { placeholder: 'All statuses' });
  $('#owner-list').replaceChildren(...OWNERS.map((o) => el('option', { value: o })));
  for (const id of ['#filter-status', '#filter-overdue']) {
    $(id).addEventListener('change', () => loadList().catch((err) => pageError(problemText(err, 'Could not filter.'))));
  }
  wireDialog(dialog, {
    onClose: () => {
      const target = state.editing
        ? document.querySelector(`tr[data-deliverable-id="${state.editing.id}"] button`)
        : $('#new-deliverable');
      if (target) target.focus();
    },
  });
  $('#new-deliverable').hidden = !state.canWrite;
  $('#new-deliverable').addEventListener('click', () => openForm(null));
  form.elements.status.addEventListener('change', syncForm);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const body = formBody(form);
    const missing = [];
    if (!body.title) missing.push({ name: 'title', reason: 'Enter the protocol or product.' });
    if (!body.owner) missing.push({ name: 'owner', reason: 'Enter who owns it.' });
    if (!body.due_date) missing.push({ name: 'due_date', reason: 'Enter the due date.' });
    if (missing.length) {
      showFormError(form, $('#deliverable-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const saved = state.editing
          ? await patch(`/api/v1/deliverables/${state.editing.id}`, body)
          : await post('/api/v1/deliverables', body);
        dialog.close();
        announce($('#list-status'), `${saved.title} saved: ${programLabel(saved.status)}.`);
        await load();
      } catch (err) {
        showFormError(form, $('#deliverable-alert'), err);
      }
    });
  });
}

async function main() {
  const ctx = await initPage({ requires: 'program.read' });
  if (!ctx) return;
  state.ctx = ctx;
  state.canWrite = (ctx.me.can || []).includes('program.write');
  wire();
  $('#content').hidden = false;
  try {
    state.agencies = (await get('/api/v1/agencies')).items || [];
  } catch {
    /* Without the agencies, the owner's agency stays as it is. */
  }
  await load();
}

main();
