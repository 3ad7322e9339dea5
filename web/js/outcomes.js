/*
 * outcomes.js - /outcomes: the protocol dashboard for the program office and
 * supervisors.
 *
 * The period and filters live in the page's query string, the same one the
 * API takes (from, to, agency_id, station_id, lead_agency_id), so a view can
 * be bookmarked and shared and the back button goes to the view before. The
 * figures come from GET /api/v1/outcomes with that query; the downloads and
 * the Board report link carry it too.
 */
import { ApiError, get } from './api.js';
import {
  FILTER_LISTS, countyToday, filterQuery, filtersFromSearch, periodText, shiftDate, withQuery,
} from './figures.js';
import { initPage, pageError } from './layout.js';
import { drawCharts, filterSummary, headlineList, tableSection } from './report-tables.js';
import { $, announce, clearFormErrors, el, showFieldError, showFormError } from './ui.js';

/* The fact sheet's period: the pilot's first two years. */
const FACT_SHEET = { from: '2014-08-01', to: '2016-07-31', label: 'Fact sheet period (Aug 2014 – Jul 2016)' };
const FIRST_YEAR = 2014;
const LEAD_KINDS = ['probation_ctu', 'dcfs_mart'];
const IDENTIFYING_KINDS = ['law_enforcement', 'safe_youth_zone'];

const state = { agencies: [], stations: [], charts: [], seq: 0, periods: [] };

const byName = (a, b) => a.name.localeCompare(b.name);

/* The quick periods: the fact sheet, the last 12 months, each calendar year. */
function quickPeriods() {
  const today = countyToday();
  const list = [
    { value: 'fact-sheet', ...FACT_SHEET },
    { value: 'last-12', from: shiftDate(today, { years: -1, days: 1 }), to: today, label: 'Last 12 months' },
  ];
  const years = state.stations.map((s) => Number((s.go_live_date || '').slice(0, 4))).filter(Boolean);
  const first = Math.min(FIRST_YEAR, ...years);
  for (let y = Number(today.slice(0, 4)); y >= first; y--) {
    list.push({ value: `year-${y}`, from: `${y}-01-01`, to: `${y}-12-31`, label: `Calendar year ${y}` });
  }
  return list;
}

function choice(name, value, label, hint) {
  return el('label', { class: 'choice' },
    el('input', { type: 'checkbox', name, value: String(value) }),
    el('span', {}, label, hint ? el('span', { class: 'choice-hint' }, ` ${hint}`) : null));
}

/* The stations that went live first (the pilot). */
function pilotStations() {
  const dated = state.stations.filter((s) => s.go_live_date);
  if (!dated.length) return { date: '', ids: [] };
  const date = dated.map((s) => s.go_live_date).sort()[0];
  return { date, ids: dated.filter((s) => s.go_live_date === date).map((s) => s.id) };
}

function fillChoices() {
  const agencyName = new Map(state.agencies.map((a) => [a.id, a.name]));
  const ident = state.agencies.filter((a) => IDENTIFYING_KINDS.includes(a.kind)).sort(byName);
  $('#f-agencies').replaceChildren(...ident.map((a) => choice('agency_id', a.id, a.name)));
  const stations = [...state.stations].sort((a, b) =>
    (agencyName.get(a.agency_id) || '').localeCompare(agencyName.get(b.agency_id) || '') || byName(a, b));
  $('#f-stations').replaceChildren(...stations.map((s) =>
    choice('station_id', s.id, s.name, s.go_live_date ? `(go-live ${s.go_live_date})` : '')));
  const leads = state.agencies.filter((a) => LEAD_KINDS.includes(a.kind)).sort(byName);
  $('#f-leads').replaceChildren(...leads.map((a) => choice('lead_agency_id', a.id, a.name)));
  const pilot = pilotStations();
  const button = $('#f-pilot');
  button.hidden = !pilot.ids.length;
  button.setAttribute('aria-describedby', 'f-pilot-hint');
  button.after(el('span', { id: 'f-pilot-hint', class: 'choice-hint' },
    pilot.date ? `The stations that went live first, on ${pilot.date}.` : ''));

  state.periods = quickPeriods();
  $('#f-period').replaceChildren(el('option', { value: '' }, 'Choose dates below'),
    ...state.periods.map((p) => el('option', { value: p.value }, p.label)));
}

/* The filters as the form shows them. */
function readForm() {
  const form = $('#filters');
  const f = { from: form.elements.from.value, to: form.elements.to.value };
  for (const k of FILTER_LISTS) {
    f[k] = [...form.querySelectorAll(`input[name="${k}"]:checked`)].map((i) => Number(i.value));
  }
  return f;
}

function fillForm(f) {
  const form = $('#filters');
  form.elements.from.value = f.from || '';
  form.elements.to.value = f.to || '';
  for (const k of FILTER_LISTS) {
    for (const box of form.querySelectorAll(`input[name="${k}"]`)) box.checked = f[k].includes(Number(box.value));
  }
  syncPeriod();
  syncChosen();
  if (FILTER_LISTS.some((k) => f[k].length)) $('#f-more').open = true;
}

/* The quick period that matches the dates, if one does. */
function syncPeriod() {
  const form = $('#filters');
  const hit = state.periods.find((p) => p.from === form.elements.from.value && p.to === form.elements.to.value);
  $('#f-period').value = hit ? hit.value : '';
}

/* "(3 stations, 1 lead agency)" beside the disclosure's summary. */
function syncChosen() {
  const f = readForm();
  const words = [
    [f.agency_id.length, 'agency', 'agencies'],
    [f.station_id.length, 'station', 'stations'],
    [f.lead_agency_id.length, 'lead agency', 'lead agencies'],
  ].filter(([n]) => n).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  $('#f-chosen').textContent = words.length ? `(${words.join(', ')} chosen)` : '(all)';
}

/* The figures for F, drawn into the page. */
async function load(f) {
  const seq = ++state.seq;
  const query = filterQuery(f);
  const results = $('#outcome-results');
  results.setAttribute('aria-busy', 'true');
  announce($('#outcome-status'), 'Loading figures…');
  announce($('#page-alert'), '');
  let doc;
  try {
    doc = await get(withQuery('/api/v1/outcomes', query));
  } catch (err) {
    if (seq !== state.seq) return;
    results.removeAttribute('aria-busy');
    results.hidden = true;
    announce($('#outcome-status'), '');
    if (err instanceof ApiError && err.fieldErrors.length) {
      showFormError($('#filters'), $('#filter-alert'), err);
    } else {
      pageError(err instanceof ApiError ? err.message : 'Could not load the figures. Reload the page and try again.');
    }
    return;
  }
  if (seq !== state.seq) return;
  render(doc, query);
  results.removeAttribute('aria-busy');
}

function render(doc, query) {
  const form = $('#filters');
  /* With no dates asked for, the form shows the period the server chose. */
  if (!form.elements.from.value && doc.period && doc.period.from) form.elements.from.value = doc.period.from;
  if (!form.elements.to.value && doc.period && doc.period.to) form.elements.to.value = doc.period.to;
  syncPeriod();
  const threshold = doc.threshold ?? 11;
  const period = periodText(doc.period);
  const filters = filterSummary(doc.filter, state);
  $('#outcome-period').replaceChildren(
    el('strong', {}, `Figures for ${period}`), filters ? `. ${filters}` : '', '.');
  $('#xlsx-link').href = withQuery('/api/v1/exports/outcomes', query, 'format=xlsx');
  $('#board-link').href = withQuery('/board-report', query);
  $('#headline').replaceChildren(headlineList(doc));

  const tables = doc.tables || [];
  state.charts = [];
  const sections = tables.map((t) => {
    const { section, chart } = tableSection(t, {
      threshold,
      csvHref: withQuery('/api/v1/exports/outcomes', query, `format=csv&table=${encodeURIComponent(t.id)}`),
    });
    if (chart) state.charts.push(chart);
    return section;
  });
  $('#toc').replaceChildren(...tables.map((t) => el('li', {}, el('a', { href: `#t-${t.id}` }, t.title))));
  $('#tables').replaceChildren(...sections);
  $('#outcome-results').hidden = false;
  drawCharts(state.charts, { force: true });
  announce($('#outcome-status'), `Showing the figures for ${period}.`);
}

function wire() {
  const form = $('#filters');
  $('#f-period').addEventListener('change', (e) => {
    const p = state.periods.find((x) => x.value === e.target.value);
    if (!p) return;
    form.elements.from.value = p.from;
    form.elements.to.value = p.to;
  });
  for (const name of ['from', 'to']) {
    form.elements[name].addEventListener('input', syncPeriod);
    form.elements[name].addEventListener('change', syncPeriod);
  }
  form.addEventListener('change', (e) => {
    if (e.target.type === 'checkbox') syncChosen();
  });
  $('#f-pilot').addEventListener('click', () => {
    const { ids } = pilotStations();
    for (const box of form.querySelectorAll('input[name="station_id"]')) box.checked = ids.includes(Number(box.value));
    syncChosen();
  });
  $('#f-all-stations').addEventListener('click', () => {
    for (const box of form.querySelectorAll('input[name="station_id"]')) box.checked = false;
    syncChosen();
  });
  $('#f-clear').addEventListener('click', () => {
    const empty = { from: '', to: '', agency_id: [], station_id: [], lead_agency_id: [] };
    fillForm(empty);
    clearFormErrors(form);
    announce($('#filter-alert'), '');
    history.pushState(null, '', '/outcomes');
    load(empty);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearFormErrors(form);
    announce($('#filter-alert'), '');
    const f = readForm();
    if (f.from && f.to && f.from > f.to) {
      const message = 'The end date is before the start date.';
      showFieldError(form, 'to', message);
      announce($('#filter-alert'), message);
      form.elements.to.focus();
      return;
    }
    const url = withQuery('/outcomes', filterQuery(f));
    if (url !== location.pathname + location.search) history.pushState(null, '', url);
    load(f);
  });
  window.addEventListener('popstate', () => {
    const f = filtersFromSearch(location.search);
    clearFormErrors(form);
    fillForm(f);
    load(f);
  });
  let timer = null;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => drawCharts(state.charts), 200);
  });
}

async function main() {
  const ctx = await initPage({ requires: 'outcomes.read' });
  if (!ctx) return;
  $('#content').hidden = false;
  try {
    const [agencies, stations] = await Promise.all([get('/api/v1/agencies'), get('/api/v1/stations')]);
    state.agencies = agencies.items || [];
    state.stations = stations.items || [];
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load the agencies and stations.');
  }
  fillChoices();
  wire();
  const f = filtersFromSearch(location.search);
  fillForm(f);
  await load(f);
}

main();
