/*
 * figures.js - one figure of a report table as text, by its column type
 * (docs/metrics.md, "Table format"), and the period and filters of the
 * outcomes pages as a query string.
 */
import { COUNTY_TZ } from './ui.js';

/* Column types whose cells are numbers (right-aligned, charted). */
export const NUMERIC_TYPES = new Set(['count', 'number', 'percent', 'minutes', 'hours']);

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const share = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/*
 * VALUE of column type TYPE as text: counts with thousands separators,
 * shares as percentages, durations with their unit. A suppressed cell is
 * "*", a missing one "—".
 */
export function formatValue(value, type, { suppressed = false } = {}) {
  if (suppressed) return '*';
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value !== 'number') return String(value);
  switch (type) {
    case 'count': return whole.format(value);
    case 'percent': return share.format(value);
    case 'minutes': return `${decimal.format(value)} min`;
    case 'hours': return `${decimal.format(value)} h`;
    case 'number': return decimal.format(value);
    default: return String(value);
  }
}

/* ---- the period and filters, as the page's and the API's query ---------- */

export const FILTER_LISTS = ['agency_id', 'station_id', 'lead_agency_id'];
const YMD = /^\d{4}-\d{2}-\d{2}$/;
const YM = /^\d{4}-\d{2}$/;

/* {from, to, agency_id: [..], station_id: [..], lead_agency_id: [..]} from a query string. */
export function filtersFromSearch(search) {
  const q = new URLSearchParams(search);
  const f = { from: '', to: '' };
  for (const k of ['from', 'to']) {
    let v = (q.get(k) || '').trim();
    /* A month (the API takes YYYY-MM too): from its first day, to its last. */
    if (YM.test(v)) v = k === 'from' ? `${v}-01` : shiftDate(`${v}-01`, { months: 1, days: -1 });
    f[k] = YMD.test(v) ? v : '';
  }
  for (const k of FILTER_LISTS) {
    f[k] = (q.get(k) || '').split(',').map((x) => x.trim()).filter((x) => /^\d+$/.test(x)).map(Number);
  }
  return f;
}

/* The query string of F ("from=2014-08-01&station_id=1,2"), empty parts left out. */
export function filterQuery(f) {
  const parts = [];
  if (f.from) parts.push(`from=${encodeURIComponent(f.from)}`);
  if (f.to) parts.push(`to=${encodeURIComponent(f.to)}`);
  for (const k of FILTER_LISTS) {
    if (f[k] && f[k].length) parts.push(`${k}=${f[k].join(',')}`);
  }
  return parts.join('&');
}

/* PATH with QUERY appended (and MORE before it, e.g. "format=xlsx"). */
export function withQuery(path, query, more = '') {
  const q = [more, query].filter(Boolean).join('&');
  return q ? `${path}?${q}` : path;
}

/* Today in the county as YYYY-MM-DD. */
export function countyToday(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: COUNTY_TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(now);
}

/* YMD moved by YEARS, MONTHS and DAYS (calendar arithmetic, no time zone). */
export function shiftDate(ymd, { years = 0, months = 0, days = 0 }) {
  const [y, m, d] = ymd.split('-').map(Number);
  const t = new Date(Date.UTC(y + years, m - 1 + months, d + days));
  return t.toISOString().slice(0, 10);
}

const longDate = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' });

/* "2014-08-01" -> "August 1, 2014" (a calendar date, shown as written). */
export function longDay(ymd) {
  if (!YMD.test(ymd || '')) return ymd || '';
  const [y, m, d] = ymd.split('-').map(Number);
  return longDate.format(new Date(Date.UTC(y, m - 1, d)));
}

/* "August 1, 2014 to July 31, 2016", or what there is of it. */
export function periodText(period) {
  const from = period && period.from;
  const to = period && period.to;
  if (from && to) return `${longDay(from)} to ${longDay(to)}`;
  if (from) return `from ${longDay(from)}`;
  if (to) return `up to ${longDay(to)}`;
  return 'all dates';
}

/* An instant as "March 3, 2026, 4:05 PM PST" in county time. */
export function countyTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return new Intl.DateTimeFormat('en-US', {
    timeZone: COUNTY_TZ, year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
  }).format(d);
}
