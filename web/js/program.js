/*
 * program.js - what the expansion and deliverables pages share: the labels
 * of the trackers' choice lists (src/report/program.c), status badges, a
 * report table (docs/metrics.md, "Table format") as an accessible <table>,
 * and the links to the exports of GET /api/v1/program.
 */
import { el } from './ui.js';

export const KINDS = [
  { value: 'lasd_station', label: 'LASD station' },
  { value: 'contract_city', label: 'Contract city' },
  { value: 'city_police', label: 'City with its own police' },
  { value: 'unincorporated', label: 'Unincorporated area' },
];

export const STATUSES = [
  { value: 'not_started', label: 'Not started' },
  { value: 'planning', label: 'Planning' },
  { value: 'training', label: 'Training' },
  { value: 'live', label: 'Live' },
];

export const DELIVERABLE_STATUSES = [
  { value: 'not_started', label: 'Not started' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'done', label: 'Done' },
];

const LABELS = new Map([...KINDS, ...STATUSES, ...DELIVERABLE_STATUSES].map((x) => [x.value, x.label]));

export const programLabel = (value) => LABELS.get(value) || value || '';

/* A badge for a jurisdiction's or deliverable's status: the word, and a
 * colour by class (never the colour alone). */
export function statusBadge(value) {
  return el('span', { class: `badge badge-status badge-status--${value}` }, programLabel(value));
}

/* "1 day", "12 days". */
export const daysText = (n) => (n === 1 ? '1 day' : `${n} days`);

const countFmt = new Intl.NumberFormat('en-US');
const pctFmt = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/* One cell of a report table as text: "*" when suppressed, "—" when empty. */
export function cellText(row, col) {
  if ((row.suppressed || []).includes(col.key)) return '*';
  const v = row[col.key];
  if (v === null || v === undefined || v === '') return '—';
  switch (col.type) {
    case 'count':
    case 'number':
      return countFmt.format(v);
    case 'percent':
      return pctFmt.format(v);
    default:
      return String(v);
  }
}

/*
 * TABLE (a report table) as <table class="data-table stack">: caption, a
 * header row of th scope=col, the first column as th scope=row, the total
 * row in <tfoot>. EXTRA: more columns [{label, type, value(row, index)}]
 * computed by the page (such as a running total).
 */
export function reportTable(table, { extra = [], id } = {}) {
  const cols = [...table.columns, ...extra.map((x, i) => ({ key: `extra${i}`, label: x.label, type: x.type, extra: x }))];
  const numeric = (c) => ['count', 'number', 'percent', 'minutes', 'hours'].includes(c.type);
  const rowOf = (row, index, isTotal) => el('tr', {},
    cols.map((c, i) => {
      const text = c.extra ? (isTotal ? '' : cellText({ v: c.extra.value(row, index) }, { key: 'v', type: c.type })) : cellText(row, c);
      const attrs = { 'data-label': c.label, class: numeric(c) ? 'num' : undefined };
      return i === 0 ? el('th', { scope: 'row', ...attrs }, text) : el('td', attrs, text);
    }));
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'data-table stack report-table', id, dataset: { table: table.id } },
      el('caption', {}, table.title),
      el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', class: numeric(c) ? 'num' : undefined }, c.label)))),
      el('tbody', {}, table.rows.map((r, i) => rowOf(r, i, false))),
      table.total ? el('tfoot', {}, rowOf(table.total, -1, true)) : null),
    (table.notes || []).length ? el('ul', { class: 'table-notes' }, table.notes.map((n) => el('li', {}, n))) : null);
}

/* Links to the exports of the program report: the workbook, and one CSV
 * per table of TABLE_IDS ([{id, title}]). */
export function exportLinks(tables) {
  return el('nav', { class: 'export-links', 'aria-label': 'Exports' },
    el('p', {}, el('strong', {}, 'Download: ')),
    el('ul', { class: 'inline-list' },
      el('li', {}, el('a', { href: '/api/v1/exports/program?format=xlsx', download: '' }, 'Workbook (XLSX), every table')),
      tables.map((t) => el('li', {}, el('a', {
        href: `/api/v1/exports/program?format=csv&table=${encodeURIComponent(t.id)}`, download: '',
      }, `${t.title} (CSV)`)))));
}
