/*
 * board-report.js - /board-report: the figures of a period as a document for
 * the Board of Supervisors, made to be printed (or saved as a PDF by the
 * browser's print). Same query string as /outcomes; the print stylesheet in
 * haven.css drops the navigation and buttons, keeps each chart and table on
 * one page where it fits, and prints black on white.
 *
 * Charts are drawn once, at a fixed width that fits A4 and Letter, with
 * animation off, before the print button is enabled.
 */
import { ApiError, get } from './api.js';
import { countyTime, filterQuery, filtersFromSearch, periodText, withQuery } from './figures.js';
import { initPage, pageError } from './layout.js';
import {
  drawCharts, filterSummary, headlineList, suppressionNote, tableSection,
} from './report-tables.js';
import { $, announce } from './ui.js';

/* CSS pixels across the printable width of A4 and Letter with 15 mm margins. */
const PRINT_WIDTH = 680;

async function main() {
  const ctx = await initPage({ requires: 'outcomes.read' });
  if (!ctx) return;
  $('#content').hidden = false;
  const query = filterQuery(filtersFromSearch(location.search));
  $('#br-back').href = withQuery('/outcomes', query);
  announce($('#br-status'), 'Loading the report…');
  let doc;
  let names = { agencies: [], stations: [] };
  try {
    const [d, agencies, stations] = await Promise.all([
      get(withQuery('/api/v1/outcomes', query)),
      get('/api/v1/agencies').catch(() => ({ items: [] })),
      get('/api/v1/stations').catch(() => ({ items: [] })),
    ]);
    doc = d;
    names = { agencies: agencies.items || [], stations: stations.items || [] };
  } catch (err) {
    announce($('#br-status'), '');
    pageError(err instanceof ApiError ? err.message : 'Could not load the report. Reload the page and try again.');
    return;
  }
  const period = periodText(doc.period);
  document.title = `Report to the Board of Supervisors, ${period} · haven`;
  $('#br-period').textContent = `Period: ${period}`;
  $('#br-filters').textContent = `${filterSummary(doc.filter, names)}.`;
  $('#br-generated').textContent = doc.generated_at ? `Generated ${countyTime(doc.generated_at)}.` : '';
  $('#br-headline').replaceChildren(headlineList(doc));
  const threshold = doc.threshold ?? 11;
  $('#br-suppression').textContent = suppressionNote(threshold);

  const charts = [];
  const sections = (doc.tables || []).map((t) => {
    const { section, chart } = tableSection(t, { threshold });
    if (chart) charts.push(chart);
    return section;
  });
  $('#br-tables').replaceChildren(...sections);
  $('#br-body').hidden = false;
  drawCharts(charts, { width: PRINT_WIDTH, print: true, force: true });
  const button = $('#br-print');
  button.disabled = false;
  button.addEventListener('click', () => window.print());
  announce($('#br-status'), `The report for ${period} is ready to print.`);
}

main();
