/*
 * report-tables.js - a dashboard document (docs/metrics.md, "Table format")
 * as page content, shared by /outcomes and /board-report: the headline
 * figures as big numbers, and each report table as a section with its chart
 * and its accessible table (caption, header cells with scope, numbers
 * right-aligned, "*" for a suppressed cell and a footnote saying why).
 *
 * Tables are rendered generically from their columns; nothing here knows a
 * table id except the words for an empty table.
 */
import { chartSpec, chartSummary, chartsAvailable, drawChart } from './charts.js';
import { NUMERIC_TYPES, formatValue } from './figures.js';
import { el } from './ui.js';

/* Rows beyond which a table scrolls inside its section. */
const TALL_ROWS = 24;

/* The footnote under a table with suppressed cells, and on the Board report. */
export function suppressionNote(threshold) {
  const t = Number(threshold) || 11;
  return `* Not shown: a count from 1 to ${t - 1}, or a figure from which one could be worked out. `
    + `Small numbers are suppressed so that no child can be singled out (threshold ${t}).`;
}

/* A headline's "suppressed": true, or a non-empty list. */
const isSuppressed = (flag) => (Array.isArray(flag) ? flag.length > 0 : !!flag);

/* A cell's content: the formatted value, or "*" with "suppressed" for screen readers. */
function cellContent(value, type, suppressed) {
  if (suppressed) {
    return [el('span', { class: 'suppressed', 'aria-hidden': 'true' }, '*'), el('span', { class: 'visually-hidden' }, 'suppressed')];
  }
  return [formatValue(value, type)];
}

/* The headline figures as a <dl> of big numbers. */
export function headlineList(doc) {
  const items = (doc.headline || []).map((h) => el('div', { class: 'headline-figure', dataset: { key: h.key || '' } },
    el('dt', {}, h.label),
    el('dd', {}, cellContent(h.value, h.type, isSuppressed(h.suppressed)))));
  return el('dl', { class: 'headline-figures' }, items);
}

/* What an empty table says. */
export function emptyText(table) {
  if (typeof table.empty === 'string' && table.empty) return table.empty;
  return /arrest|charge/.test(table.id || '') ? 'No arrests in this period.' : 'No recoveries in this period.';
}

/* The label column: key "label", else the first text column, else the first. */
function labelColumn(cols) {
  return cols.find((c) => c.key === 'label') || cols.find((c) => c.type === 'text') || cols[0];
}

function tableRow(row, cols, head, { total = false } = {}) {
  const sup = row.suppressed || [];
  return el('tr', { class: total ? 'report-total' : null }, cols.map((c) => {
    const numeric = NUMERIC_TYPES.has(c.type);
    const content = cellContent(row[c.key], c.type, sup.includes(c.key));
    if (c === head) return el('th', { scope: 'row', class: numeric ? 'num' : null }, content);
    return el('td', { class: numeric ? 'num' : null }, content);
  }));
}

/* True when a row or the total has a suppressed cell. */
export function hasSuppressed(table) {
  const rows = [...(table.rows || []), ...(table.total ? [table.total] : [])];
  return rows.some((r) => Array.isArray(r.suppressed) && r.suppressed.length > 0);
}

/* TABLE as a <table> inside a scrollable, focusable region. */
function dataTable(table, ids) {
  const cols = table.columns || [];
  const head = labelColumn(cols);
  const described = [];
  if (ids.footnote) described.push(ids.footnote);
  if (ids.notes) described.push(ids.notes);
  const t = el('table', { class: 'data-table report-table', 'aria-describedby': described.join(' ') || null },
    el('caption', { id: ids.caption, class: 'visually-hidden' }, table.title),
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', class: NUMERIC_TYPES.has(c.type) ? 'num' : null }, c.label)))),
    el('tbody', {}, (table.rows || []).map((r) => tableRow(r, cols, head))),
    table.total ? el('tfoot', {}, tableRow(table.total, cols, head, { total: true })) : null);
  /* A long table scrolls inside its section on screen (its header stays); print shows it all. */
  const tall = (table.rows || []).length > TALL_ROWS;
  return el('div', {
    class: tall ? 'table-wrap report-table-wrap report-table-wrap--tall' : 'table-wrap report-table-wrap',
    role: 'region', 'aria-labelledby': ids.caption, tabindex: '0',
  }, t);
}

/*
 * One report table as a <section>. OPTIONS: heading ('h2' or 'h3'), csvHref
 * (the table's CSV download, or null), threshold. Returns {section, chart}
 * where chart is {canvas, spec} to draw once the section is in the page
 * (drawCharts), or null.
 */
export function tableSection(table, { heading = 'h2', csvHref = null, threshold = 11 } = {}) {
  const base = `t-${table.id}`;
  const ids = { heading: `${base}-h`, caption: `${base}-cap`, footnote: null, notes: null };
  const rows = table.rows || [];
  const suppressed = hasSuppressed(table);
  if (suppressed) ids.footnote = `${base}-fn`;
  const notes = (table.notes || []).filter(Boolean);
  if (notes.length) ids.notes = `${base}-notes`;

  const section = el('section', { class: 'report-section', id: base, 'aria-labelledby': ids.heading, dataset: { table: table.id } },
    el(heading, { id: ids.heading }, table.title));
  let chart = null;
  if (!rows.length) {
    section.append(el('p', { class: 'report-empty' }, emptyText(table)));
  } else {
    const spec = chartsAvailable() ? chartSpec(table) : null;
    /* A narrow, short table fits beside its chart; others go under it. */
    const side = spec && spec.kind !== 'hbar' && (table.columns || []).length <= 4 && rows.length <= 12;
    const figure = el('div', { class: side ? 'report-figure report-figure--side' : 'report-figure' });
    if (spec) {
      const canvas = el('canvas', { class: 'report-chart', role: 'img', 'aria-label': chartSummary(table, spec), width: '640', height: '320' });
      figure.append(el('div', { class: 'report-chart-wrap' }, canvas));
      chart = { canvas, spec };
    }
    figure.append(dataTable(table, ids));
    section.append(figure);
  }
  if (suppressed) section.append(el('p', { class: 'report-footnote', id: ids.footnote }, suppressionNote(threshold)));
  if (notes.length) section.append(el('ul', { class: 'report-notes', id: ids.notes }, notes.map((n) => el('li', {}, n))));
  if (csvHref) {
    section.append(el('p', { class: 'report-downloads' },
      el('a', { href: csvHref, class: 'download-link' }, 'Download CSV',
        el('span', { class: 'visually-hidden' }, `: ${table.title}`))));
  }
  return { section, chart };
}

/*
 * Draws CHARTS ({canvas, spec}) at the width of their containers (or WIDTH
 * when given), skipping those already drawn at about that width.
 */
export function drawCharts(charts, { width = null, print = false, force = false } = {}) {
  for (const { canvas, spec } of charts) {
    if (!canvas.isConnected) continue;
    const w = width || Math.min(960, Math.floor(canvas.parentElement.clientWidth || 640));
    const was = Number(canvas.dataset.drawnWidth || 0);
    if (!force && was && Math.abs(was - w) < 24) continue;
    drawChart(canvas, spec, { width: w, print });
  }
}

/*
 * The filters of a document ({agency_id, station_id, lead_agency_id}) in
 * words, with names from AGENCIES and STATIONS: "Stations: A, B. Lead
 * agency: C", or "All agencies and stations".
 */
export function filterSummary(filter, { agencies = [], stations = [] } = {}) {
  const f = filter || {};
  const name = (list, id) => (list.find((x) => x.id === id) || {}).name || `#${id}`;
  const parts = [];
  const add = (ids, list, one, many) => {
    if (Array.isArray(ids) && ids.length) parts.push(`${ids.length === 1 ? one : many}: ${ids.map((id) => name(list, id)).join(', ')}`);
  };
  add(f.station_id, stations, 'Station', 'Stations');
  add(f.agency_id, agencies, 'Identifying agency', 'Identifying agencies');
  add(f.lead_agency_id, agencies, 'Lead agency', 'Lead agencies');
  return parts.length ? parts.join('. ') : 'All agencies and stations';
}
