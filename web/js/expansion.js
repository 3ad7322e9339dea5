/*
 * expansion.js - /expansion: the expansion tracker. Coverage figures and
 * the status of every kind of jurisdiction (GET /api/v1/program), a
 * timeline chart (Chart.js) with the same numbers in an accessible table
 * beside it, the jurisdictions with filters by kind and status (GET
 * /api/v1/jurisdictions), and for analysts and administrators
 * (`program.write`) a form to add one or change its status, dates,
 * residents and notes (POST, PATCH /api/v1/jurisdictions).
 *
 * The chart is drawn at the width of its box (responsive: false, so that
 * Chart.js leaves no style attribute behind) and again when that changes.
 */
import { ApiError, get, patch, post } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, announce, busy, clearFormErrors, dateEl, el, fillSelect, openDialog, showFormError, wireDialog,
} from './ui.js';
import {
  KINDS, STATUSES, exportLinks, programLabel, reportTable, statusBadge,
} from './program.js';

const state = {
  ctx: null,
  canWrite: false,
  report: null,
  all: [], /* every jurisdiction, for names and the served-by choices */
  shown: [], /* the filtered list */
  stations: [],
  today: null,
  editing: null,
  chart: null,
  chartWidth: 0,
};

const countFmt = new Intl.NumberFormat('en-US');
const pctFmt = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const share = (v) => (v === null || v === undefined ? '—' : pctFmt.format(v));

const nameOf = (id) => state.all.find((j) => j.id === id)?.name || '';

function problemText(err, fallback) {
  return err instanceof ApiError ? err.message : fallback;
}

/* ---- the summary ---------------------------------------------------------- */

function tableOf(id) {
  return state.report.tables.find((t) => t.id === id);
}

function renderHeadline() {
  const cov = tableOf('coverage');
  const t = cov.total;
  const stations = cov.rows[0];
  const figure = (id, value, label) => el('li', { class: 'figure', id },
    el('span', { class: 'figure-value' }, value), el('span', { class: 'figure-label' }, label));
  $('#headline').replaceChildren(
    figure('fig-live', `${t.live} of ${t.jurisdictions}`, `jurisdictions live (${share(t.share_live)})`),
    figure('fig-residents', share(t.population_share),
      `of residents covered: ${countFmt.format(t.population_live)} of ${countFmt.format(t.population)}`),
    figure('fig-stations', `${stations.live} of ${stations.jurisdictions}`, 'LASD stations live'));
  $('#as-of').textContent = `Figures as of ${state.report.as_of}.`;
}

/* Each dated jurisdiction in order, with the running totals the chart plots. */
function timelinePoints(rows) {
  let live = 0;
  return rows.map((r, i) => {
    if (r.date_is === 'Went live') live += 1;
    return { row: r, live, all: i + 1 };
  });
}

function renderTimelineTable() {
  const table = tableOf('expansion_timeline');
  const points = timelinePoints(table.rows);
  $('#timeline-table').replaceChildren(reportTable(table, {
    id: 'timeline-data',
    extra: [
      { label: 'Live by then', type: 'count', value: (_, i) => points[i].live },
      { label: 'Live or planned by then', type: 'count', value: (_, i) => points[i].all },
    ],
  }));
}

const dayMs = (d) => Date.parse(`${d}T12:00:00Z`);

function drawChart() {
  const canvas = $('#timeline-chart');
  const box = canvas.parentElement;
  const width = Math.max(260, Math.floor(box.clientWidth));
  if (typeof window.Chart !== 'function') {
    box.querySelector('figcaption').textContent = 'The chart could not be drawn; the table gives every date.';
    return;
  }
  if (state.chart && state.chartWidth === width) return;
  if (state.chart) state.chart.destroy();
  const table = tableOf('expansion_timeline');
  const points = timelinePoints(table.rows);
  if (!points.length) return;
  canvas.width = width;
  canvas.height = width < 520 ? 240 : 300;
  const first = new Date(dayMs(points[0].row.date)).getUTCFullYear();
  const lastDate = [points[points.length - 1].row.date, state.report.as_of].sort()[1];
  const last = new Date(dayMs(lastDate)).getUTCFullYear() + 1;
  const years = [];
  for (let y = first; y <= last; y += 1) years.push(Date.UTC(y, 0, 1));
  const livePts = points.filter((p) => p.row.date_is === 'Went live')
    .map((p) => ({ x: dayMs(p.row.date), y: p.live, name: p.row.label, date: p.row.date }));
  /* the live line runs on to today */
  const asOf = state.report.as_of;
  if (livePts.length && asOf > livePts[livePts.length - 1].date) {
    livePts.push({ x: dayMs(asOf), y: livePts[livePts.length - 1].y, name: 'Today', date: asOf });
  }
  const allPts = points.map((p) => ({ x: dayMs(p.row.date), y: p.all, name: p.row.label, date: p.row.date }));
  state.chart = new window.Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'Live', data: livePts, stepped: 'before', borderColor: '#1b6535', backgroundColor: '#1b6535', pointRadius: 2,
        },
        {
          label: 'Live or planned', data: allPts, stepped: 'before', borderColor: '#1d4f78', backgroundColor: '#1d4f78', borderDash: [6, 4], pointRadius: 2,
        },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      scales: {
        x: {
          type: 'linear',
          min: years[0],
          max: years[years.length - 1],
          afterBuildTicks: (scale) => { scale.ticks = years.map((value) => ({ value })); },
          ticks: { callback: (v) => String(new Date(v).getUTCFullYear()), autoSkip: true, maxRotation: 0 },
        },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Jurisdictions' } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line' } },
        tooltip: {
          callbacks: {
            title: (items) => items[0].raw.name,
            label: (item) => `${item.dataset.label}: ${item.raw.y} by ${item.raw.date}`,
          },
        },
      },
    },
  });
  state.chartWidth = width;
  /* The canvas is sized by the stylesheet, not by an inline style. */
  canvas.removeAttribute('style');
}

function renderReport() {
  renderHeadline();
  $('#coverage').replaceChildren(reportTable(tableOf('coverage'), { id: 'coverage-data' }));
  $('#status-table').replaceChildren(reportTable(tableOf('expansion_status'), { id: 'status-data' }));
  renderTimelineTable();
  state.chartWidth = 0;
  drawChart();
  $('#exports').replaceChildren(exportLinks(state.report.tables
    .filter((t) => ['expansion_status', 'coverage', 'expansion_timeline'].includes(t.id))));
}

/* ---- the list --------------------------------------------------------------- */

function renderList() {
  const rows = state.shown.map((j) => el('tr', { dataset: { jurisdictionId: String(j.id), status: j.status } },
    el('th', { scope: 'row', 'data-label': 'Jurisdiction' }, j.name),
    el('td', { 'data-label': 'Kind' }, programLabel(j.kind)),
    el('td', { 'data-label': 'Status' }, statusBadge(j.status)),
    el('td', { 'data-label': 'Served by' }, j.served_by_id ? nameOf(j.served_by_id) : el('span', { class: 'muted' }, '—')),
    el('td', { 'data-label': 'Residents', class: 'num' }, j.population === null ? el('span', { class: 'muted' }, '—') : countFmt.format(j.population)),
    el('td', { 'data-label': 'Planned' }, j.planned_date ? dateEl(j.planned_date) : el('span', { class: 'muted' }, '—')),
    el('td', { 'data-label': 'Went live' }, j.go_live_date ? dateEl(j.go_live_date) : el('span', { class: 'muted' }, '—')),
    el('td', { class: 'actions' }, state.canWrite ? el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit ${j.name}`,
      onclick: () => openForm(j),
    }, 'Edit') : null)));
  $('#jurisdictions-body').replaceChildren(...rows);
  const n = state.shown.length;
  const filtered = $('#filter-kind').value || $('#filter-status').value;
  $('#jurisdictions-caption').textContent = `${n === 1 ? '1 jurisdiction' : `${n} jurisdictions`}${filtered ? ' (filtered)' : ''}`;
}

async function loadList() {
  const params = new URLSearchParams();
  if ($('#filter-kind').value) params.set('kind', $('#filter-kind').value);
  if ($('#filter-status').value) params.set('status', $('#filter-status').value);
  const qs = params.toString();
  const data = await get(`/api/v1/jurisdictions${qs ? `?${qs}` : ''}`);
  state.shown = data.items || [];
  renderList();
}

async function load() {
  try {
    const [report, all, stations] = await Promise.all([
      get('/api/v1/program'), get('/api/v1/jurisdictions'), get('/api/v1/stations'),
    ]);
    state.report = report;
    state.all = all.items || [];
    state.today = all.today;
    state.stations = stations.items || [];
    renderReport();
    await loadList();
  } catch (err) {
    pageError(problemText(err, 'Could not load the expansion tracker.'));
  }
}

/* ---- the form ----------------------------------------------------------------- */

function syncForm() {
  const f = $('#jurisdiction-form').elements;
  const area = ['contract_city', 'unincorporated'].includes(f.kind.value);
  $('#j-served-wrap').hidden = !area;
  $('#j-live-wrap').hidden = f.status.value !== 'live';
}

function openForm(j) {
  state.editing = j || null;
  const form = $('#jurisdiction-form');
  form.reset();
  clearFormErrors(form);
  announce($('#jurisdiction-alert'), '');
  fillSelect($('#j-kind'), KINDS, { placeholder: 'Choose a kind' });
  fillSelect($('#j-status'), STATUSES);
  fillSelect($('#j-served_by_id'), state.all
    .filter((x) => x.kind === 'lasd_station' && (!j || x.id !== j.id))
    .map((x) => ({ value: x.id, label: x.name })), { placeholder: 'Choose a station' });
  fillSelect($('#j-station_id'), [...state.stations].sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({ value: s.id, label: s.name })), { placeholder: 'None' });
  if (state.today) $('#j-go_live_date').max = state.today;
  $('#jurisdiction-heading').textContent = j ? `Edit ${j.name}` : 'New jurisdiction';
  $('#jurisdiction-submit').textContent = j ? 'Save changes' : 'Create jurisdiction';
  const f = form.elements;
  if (j) {
    f.name.value = j.name;
    f.kind.value = j.kind;
    f.status.value = j.status;
    f.served_by_id.value = j.served_by_id ? String(j.served_by_id) : '';
    f.station_id.value = j.station_id ? String(j.station_id) : '';
    f.planned_date.value = j.planned_date || '';
    f.go_live_date.value = j.go_live_date || '';
    f.population.value = j.population === null ? '' : String(j.population);
    f.notes.value = j.notes || '';
  } else {
    f.status.value = 'not_started';
  }
  syncForm();
  openDialog($('#jurisdiction-dialog'));
}

/* The API body from the form: on create only what was given, on edit every
 * field (an emptied one as null). */
function formBody(form) {
  const f = form.elements;
  const area = ['contract_city', 'unincorporated'].includes(f.kind.value);
  const live = f.status.value === 'live';
  const num = (v) => (v === '' ? null : Number(v));
  const body = {
    name: f.name.value.trim(),
    kind: f.kind.value,
    status: f.status.value,
    served_by_id: area ? num(f.served_by_id.value) : null,
    station_id: num(f.station_id.value),
    planned_date: f.planned_date.value || null,
    go_live_date: live ? (f.go_live_date.value || null) : null,
    population: num(f.population.value.trim()),
    notes: f.notes.value.trim() || null,
  };
  if (!state.editing) {
    for (const k of Object.keys(body)) if (body[k] === null || body[k] === '') delete body[k];
  }
  return body;
}

function wire() {
  const dialog = $('#jurisdiction-dialog');
  const form = $('#jurisdiction-form');
  fillSelect($('#filter-kind'), KINDS, { placeholder: 'All kinds' });
  fillSelect($('#filter-status'), STATUSES, { placeholder: 'All statuses' });
  for (const id of ['#filter-kind', '#filter-status']) {
    $(id).addEventListener('change', () => loadList().catch((err) => pageError(problemText(err, 'Could not filter.'))));
  }
  wireDialog(dialog, {
    onClose: () => {
      const target = state.editing
        ? document.querySelector(`tr[data-jurisdiction-id="${state.editing.id}"] button`)
        : $('#new-jurisdiction');
      if (target) target.focus();
    },
  });
  $('#new-jurisdiction').hidden = !state.canWrite;
  $('#new-jurisdiction').addEventListener('click', () => openForm(null));
  form.addEventListener('change', syncForm);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const body = formBody(form);
    const missing = [];
    if (!body.name) missing.push({ name: 'name', reason: 'Enter the jurisdiction\'s name.' });
    if (!body.kind) missing.push({ name: 'kind', reason: 'Choose the kind of jurisdiction.' });
    if (missing.length) {
      showFormError(form, $('#jurisdiction-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const saved = state.editing
          ? await patch(`/api/v1/jurisdictions/${state.editing.id}`, body)
          : await post('/api/v1/jurisdictions', body);
        dialog.close();
        announce($('#list-status'), `${saved.name} saved: ${programLabel(saved.status)}.`);
        await load();
      } catch (err) {
        showFormError(form, $('#jurisdiction-alert'), err);
      }
    });
  });
  let timer = null;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { if (state.report) drawChart(); }, 150);
  });
}

async function main() {
  const ctx = await initPage({ requires: 'program.read' });
  if (!ctx) return;
  state.ctx = ctx;
  state.canWrite = (ctx.me.can || []).includes('program.write');
  wire();
  $('#content').hidden = false;
  await load();
}

main();
