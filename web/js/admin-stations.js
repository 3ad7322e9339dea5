/*
 * admin-stations.js - /admin/stations: law-enforcement stations and the date
 * each went live with the protocol; list, create, edit.
 */
import { ApiError, get, patch, post } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, agencyOptions, announce, busy, clearFormErrors, dateEl, el, fillSelect, openDialog,
  showFormError, wireDialog,
} from './ui.js';

const state = { ctx: null, agencies: [], stations: [], editing: null };

const agencyName = (id) => {
  const a = state.agencies.find((x) => x.id === id);
  return a ? a.name : `Agency ${id}`;
};

function render() {
  const sorted = [...state.stations].sort((a, b) =>
    agencyName(a.agency_id).localeCompare(agencyName(b.agency_id)) || a.name.localeCompare(b.name));
  $('#stations-body').replaceChildren(...sorted.map((s) => el('tr', { dataset: { stationId: String(s.id) } },
    el('th', { scope: 'row', 'data-label': 'Station' }, s.name),
    el('td', { 'data-label': 'Agency' }, agencyName(s.agency_id)),
    el('td', { 'data-label': 'Jurisdiction' }, s.jurisdiction || el('span', { class: 'muted' }, '—')),
    el('td', { 'data-label': 'Protocol go-live', class: 'num' }, dateEl(s.go_live_date)),
    el('td', { class: 'actions' }, el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit ${s.name}`,
      onclick: () => openForm(s),
    }, 'Edit')),
  )));
  const n = state.stations.length;
  $('#stations-caption').textContent = n === 1 ? '1 station' : `${n} stations`;
}

async function load() {
  try {
    const [agencies, stations] = await Promise.all([get('/api/v1/agencies'), get('/api/v1/stations')]);
    state.agencies = agencies.items || [];
    state.stations = stations.items || [];
    render();
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load stations.');
  }
}

function openForm(station) {
  state.editing = station || null;
  const form = $('#station-form');
  form.reset();
  clearFormErrors(form);
  announce($('#station-alert'), '');
  fillSelect($('#s-agency_id'), agencyOptions(state.agencies, state.ctx.kindLabel, {
    includeId: station ? station.agency_id : null, kinds: ['law_enforcement'],
  }), { placeholder: 'Choose an agency' });
  $('#station-heading').textContent = station ? `Edit station ${station.name}` : 'New station';
  $('#station-submit').textContent = station ? 'Save changes' : 'Create station';
  if (station) {
    form.elements.agency_id.value = String(station.agency_id);
    form.elements.name.value = station.name;
    form.elements.jurisdiction.value = station.jurisdiction || '';
    form.elements.go_live_date.value = station.go_live_date || '';
  }
  openDialog($('#station-dialog'));
}

function wire() {
  const dialog = $('#station-dialog');
  const form = $('#station-form');
  wireDialog(dialog, {
    onClose: () => {
      const target = state.editing
        ? document.querySelector(`tr[data-station-id="${state.editing.id}"] button`)
        : $('#new-station');
      if (target) target.focus();
    },
  });
  $('#new-station').addEventListener('click', () => openForm(null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const f = form.elements;
    const agencyId = f.agency_id.value ? Number(f.agency_id.value) : null;
    const name = f.name.value.trim();
    const jurisdiction = f.jurisdiction.value.trim();
    const goLive = f.go_live_date.value;
    const missing = [];
    if (!agencyId) missing.push({ name: 'agency_id', reason: 'Choose the law-enforcement agency.' });
    if (!name) missing.push({ name: 'name', reason: 'Enter the station\'s name.' });
    if (missing.length) {
      showFormError(form, $('#station-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        if (state.editing) {
          await patch(`/api/v1/stations/${state.editing.id}`, {
            agency_id: agencyId, name, jurisdiction, go_live_date: goLive || null,
          });
        } else {
          const body = { agency_id: agencyId, name };
          if (jurisdiction) body.jurisdiction = jurisdiction;
          if (goLive) body.go_live_date = goLive;
          await post('/api/v1/stations', body);
        }
        dialog.close();
        announce($('#list-status'), state.editing ? `Station ${name} saved.` : `Station ${name} created.`);
        await load();
      } catch (err) {
        showFormError(form, $('#station-alert'), err);
      }
    });
  });
}

async function main() {
  const ctx = await initPage({ requires: 'stations.write' });
  if (!ctx) return;
  state.ctx = ctx;
  wire();
  $('#content').hidden = false;
  await load();
}

main();
