/*
 * admin-agencies.js - /admin/agencies: list, create and edit the agencies
 * taking part in the protocol (name, kind, active).
 */
import { ApiError, get, patch, post } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, el, fillSelect, openDialog, showFormError, timeEl, wireDialog,
} from './ui.js';

const state = { ctx: null, agencies: [], editing: null };

function render() {
  const { kindLabel } = state.ctx;
  const sorted = [...state.agencies].sort((a, b) => a.name.localeCompare(b.name));
  $('#agencies-body').replaceChildren(...sorted.map((a) => el('tr', { dataset: { agencyId: String(a.id) } },
    el('th', { scope: 'row', 'data-label': 'Name' }, a.name),
    el('td', { 'data-label': 'Kind' }, kindLabel(a.kind)),
    el('td', { 'data-label': 'Status' }, a.active
      ? el('span', { class: 'badge badge-ok' }, 'Active')
      : el('span', { class: 'badge badge-off' }, 'Inactive')),
    el('td', { 'data-label': 'Added' }, timeEl(a.created_at)),
    el('td', { class: 'actions' }, el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit ${a.name}`,
      onclick: () => openForm(a),
    }, 'Edit')),
  )));
  const n = state.agencies.length;
  $('#agencies-caption').textContent = n === 1 ? '1 agency' : `${n} agencies`;
}

async function load() {
  try {
    state.agencies = (await get('/api/v1/agencies')).items || [];
    render();
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load agencies.');
  }
}

function openForm(agency) {
  state.editing = agency || null;
  const form = $('#agency-form');
  form.reset();
  clearFormErrors(form);
  announce($('#agency-alert'), '');
  fillSelect($('#a-kind'), state.ctx.meta.agency_kinds || [], { placeholder: 'Choose a kind' });
  $('#agency-heading').textContent = agency ? `Edit agency ${agency.name}` : 'New agency';
  $('#agency-submit').textContent = agency ? 'Save changes' : 'Create agency';
  $('#a-active-field').hidden = !agency;
  if (agency) {
    form.elements.name.value = agency.name;
    form.elements.kind.value = agency.kind;
    form.elements.active.checked = !!agency.active;
  }
  openDialog($('#agency-dialog'));
}

function wire() {
  const dialog = $('#agency-dialog');
  const form = $('#agency-form');
  wireDialog(dialog, {
    onClose: () => {
      const target = state.editing
        ? document.querySelector(`tr[data-agency-id="${state.editing.id}"] button`)
        : $('#new-agency');
      if (target) target.focus();
    },
  });
  $('#new-agency').addEventListener('click', () => openForm(null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const name = form.elements.name.value.trim();
    const kind = form.elements.kind.value;
    const missing = [];
    if (!name) missing.push({ name: 'name', reason: 'Enter the agency\'s name.' });
    if (!kind) missing.push({ name: 'kind', reason: 'Choose what kind of agency it is.' });
    if (missing.length) {
      showFormError(form, $('#agency-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        let saved;
        if (state.editing) {
          saved = await patch(`/api/v1/agencies/${state.editing.id}`, {
            name, kind, active: form.elements.active.checked,
          });
        } else {
          saved = await post('/api/v1/agencies', { name, kind });
        }
        dialog.close();
        announce($('#list-status'), state.editing ? `Agency ${saved ? saved.name : name} saved.` : `Agency ${saved ? saved.name : name} created.`);
        await load();
      } catch (err) {
        showFormError(form, $('#agency-alert'), err);
      }
    });
  });
}

async function main() {
  const ctx = await initPage({ requires: 'agencies.write' });
  if (!ctx) return;
  state.ctx = ctx;
  wire();
  $('#content').hidden = false;
  await load();
}

main();
