/*
 * charts.js - a report table's chart, drawn with Chart.js.
 *
 * A chart is a picture of its table: the numbers are in the <table> beside
 * it, and the <canvas> carries role="img" and a summary in words. Chart.js
 * (the UMD build, loaded by a plain <script> before the page's module) draws
 * into an OffscreenCanvas with animation off, so it uses its "basic
 * platform": no listeners on the page and no style attributes (the CSP and
 * our no-inline-style rule); the finished picture is copied into the page's
 * canvas, which the stylesheet sizes. Drawing is synchronous, so a chart is
 * complete before anyone can print.
 *
 * Colours are dark enough for 3:1 against white (WCAG 1.4.11), and never the
 * only cue: series differ by pattern (bars, slices) or marker and dash
 * (lines), slices and bars carry their value, and the legend of a pie names
 * each slice with its number.
 */
import { NUMERIC_TYPES, formatValue } from './figures.js';

const INK = '#1b2430';
const GRID = '#c9ced6';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif';

/* haven blue, dark orange, green, plum, slate, red, teal, brown: each >= 4.5:1 on white. */
export const PALETTE = ['#1d4f78', '#b35900', '#1b6535', '#7b3b6e', '#4d5865', '#a1151b', '#0f6470', '#6b4e16'];
const PATTERNS = ['solid', 'diagonal', 'dots', 'cross', 'vertical', 'horizontal'];
const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot'];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 5], [12, 6]];

const KINDS = new Set(['bar', 'hbar', 'pie', 'line', 'timeline']);

/* Chart.js is there (its script may be missing from a bare checkout). */
export function chartsAvailable() {
  return typeof window.Chart === 'function';
}

/*
 * What TABLE's chart shows: {kind, label, series: [column], points: [{label,
 * values: [number|null], suppressed: [bool]}]}, or null for no chart. The
 * label column is "label" (else the first text column); the series is the
 * table's chart_key (a key or a list of keys), else its first count column,
 * else its first numeric column. The total row is not charted.
 */
export function chartSpec(table) {
  const kind = table.chart;
  if (!KINDS.has(kind)) return null;
  const cols = table.columns || [];
  const rows = table.rows || [];
  if (!rows.length) return null;
  const label = cols.find((c) => c.key === 'label') || cols.find((c) => c.type === 'text');
  let keys = table.chart_key;
  if (typeof keys === 'string') keys = [keys];
  let series = Array.isArray(keys) ? keys.map((k) => cols.find((c) => c.key === k)).filter(Boolean) : [];
  if (!series.length) {
    const first = cols.find((c) => c.type === 'count') || cols.find((c) => NUMERIC_TYPES.has(c.type));
    series = first ? [first] : [];
  }
  if (!label || !series.length) return null;
  const points = rows.map((row) => ({
    label: String(row[label.key] ?? ''),
    values: series.map((c) => (typeof row[c.key] === 'number' ? row[c.key] : null)),
    suppressed: series.map((c) => (row.suppressed || []).includes(c.key)),
  }));
  return { kind, label, series, points };
}

const KIND_WORDS = {
  bar: 'Bar chart', hbar: 'Bar chart', pie: 'Pie chart', line: 'Line chart', timeline: 'Line chart',
};

/* A sentence or two for the canvas's aria-label: what it shows and its extremes. */
export function chartSummary(table, spec) {
  const what = `${KIND_WORDS[spec.kind]} of ${table.title}`;
  const per = spec.series.map((c) => c.label).join(', ');
  const n = spec.points.length;
  const hidden = spec.points.filter((p) => p.suppressed.some(Boolean)).length;
  const parts = [`${what}: ${per} by ${spec.label.label.toLowerCase()}, ${n} ${n === 1 ? 'entry' : 'entries'}.`];
  const col = spec.series[0];
  const shown = spec.points.filter((p) => p.values[0] !== null);
  if (spec.series.length === 1 && shown.length && n <= 8) {
    parts.push(spec.points.map((p) => `${p.label}: ${p.suppressed[0] ? 'suppressed' : formatValue(p.values[0], col.type)}`).join('; ') + '.');
  } else if (shown.length) {
    const hi = shown.reduce((a, b) => (b.values[0] > a.values[0] ? b : a));
    const lo = shown.reduce((a, b) => (b.values[0] < a.values[0] ? b : a));
    parts.push(`${col.label}: highest ${hi.label} (${formatValue(hi.values[0], col.type)}), lowest ${lo.label} (${formatValue(lo.values[0], col.type)}).`);
  }
  if (hidden) parts.push(`${hidden} suppressed.`);
  parts.push('The numbers are in the table.');
  return parts.join(' ');
}

/* A canvas of W x H device pixels that is not in the page. */
function workCanvas(w, h) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

/* A fill of COLOUR with pattern NAME (white lines or dots over the colour). */
function fill(ctx, colour, name) {
  if (name === 'solid') return colour;
  const size = 8;
  const tile = workCanvas(size, size);
  const t = tile.getContext('2d');
  t.fillStyle = colour;
  t.fillRect(0, 0, size, size);
  t.strokeStyle = 'rgba(255, 255, 255, 0.85)';
  t.fillStyle = 'rgba(255, 255, 255, 0.85)';
  t.lineWidth = 1.5;
  t.beginPath();
  if (name === 'diagonal' || name === 'cross') {
    t.moveTo(0, size); t.lineTo(size, 0);
    t.moveTo(-2, 2); t.lineTo(2, -2);
    t.moveTo(size - 2, size + 2); t.lineTo(size + 2, size - 2);
  }
  if (name === 'cross') {
    t.moveTo(0, 0); t.lineTo(size, size);
  }
  if (name === 'vertical') {
    t.moveTo(size / 2, 0); t.lineTo(size / 2, size);
  }
  if (name === 'horizontal') {
    t.moveTo(0, size / 2); t.lineTo(size, size / 2);
  }
  t.stroke();
  if (name === 'dots') {
    t.beginPath();
    t.arc(size / 2, size / 2, 1.6, 0, Math.PI * 2);
    t.fill();
  }
  return ctx.createPattern(tile, 'repeat') || colour;
}

/* Draws TEXT centred at (X, Y), or starting at X with ALIGN 'left', on a
 * white label so it reads over any fill. */
function tag(ctx, text, x, y, align = 'center') {
  const w = ctx.measureText(text).width + 6;
  const h = 16;
  let left = x - w / 2;
  if (align === 'left') left = x;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.fillRect(left, y - h / 2, w, h);
  ctx.fillStyle = INK;
  ctx.textAlign = 'center';
  ctx.fillText(text, left + w / 2, y);
}

/* Chart.js plugin: each bar's value at its end, each slice's share on it, "*" where suppressed. */
const valueLabels = {
  id: 'havenValues',
  afterDatasetsDraw(chart, _args, opts) {
    const { ctx } = chart;
    const spec = opts.spec;
    if (!spec) return;
    ctx.save();
    ctx.font = `600 12px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    if (spec.kind === 'pie') {
      const meta = chart.getDatasetMeta(0);
      const total = spec.points.reduce((s, p) => s + (p.values[0] || 0), 0);
      meta.data.forEach((arc, i) => {
        const v = spec.points[i].values[0];
        if (!v || !total || arc.circumference < 0.3) return;
        const pos = arc.tooltipPosition();
        tag(ctx, formatValue(v / total, 'percent'), pos.x, pos.y);
      });
    } else if (spec.kind === 'bar' || spec.kind === 'hbar') {
      const horizontal = spec.kind === 'hbar';
      const one = spec.series.length === 1;
      spec.series.forEach((col, di) => {
        const meta = chart.getDatasetMeta(di);
        meta.data.forEach((bar, i) => {
          const p = spec.points[i];
          const v = p.values[di];
          const text = p.suppressed[di] ? '*' : v === null ? '' : formatValue(v, col.type);
          if (!text) return;
          const room = horizontal ? bar.height : bar.width;
          if (!one && text !== '*' && room < 14) return;
          if (!horizontal && text !== '*' && ctx.measureText(text).width > (one ? room + 24 : room)) return;
          const valueScale = horizontal ? chart.scales.x : chart.scales.y;
          const base = valueScale.getPixelForValue(0);
          if (horizontal) {
            const end = v === null ? base : bar.x;
            tag(ctx, text, end + 4, bar.y, 'left');
          } else {
            const top = v === null ? base : bar.y;
            tag(ctx, text, bar.x, top - 10);
          }
        });
      });
    }
    ctx.restore();
  },
};

function axisTicks(col) {
  return {
    color: INK,
    precision: col.type === 'count' ? 0 : undefined,
    callback: (v) => formatValue(v, col.type),
  };
}

/* The Chart.js configuration for SPEC drawn WIDTH wide on CTX (for the patterns). */
function config(spec, ctx, { print, width }) {
  const { kind, series, points } = spec;
  const many = series.length > 1;
  const fontSize = print ? 11 : 13;
  const labels = points.map((p) => (p.suppressed.some(Boolean) ? `${p.label} *` : p.label));
  const common = {
    responsive: false,
    animation: false,
    events: [],
    devicePixelRatio: 2,
    layout: { padding: { top: kind === 'bar' ? 18 : 4, right: kind === 'hbar' ? 40 : 8 } },
    font: { family: FONT, size: fontSize },
    plugins: {
      legend: { display: many, labels: { color: INK, font: { family: FONT, size: fontSize } } },
      tooltip: { enabled: false },
      havenValues: { spec },
    },
  };
  if (kind === 'pie') {
    const col = series[0];
    const total = points.reduce((s, p) => s + (p.values[0] || 0), 0);
    return {
      type: 'pie',
      data: {
        labels: points.map((p) => {
          const v = p.values[0];
          if (p.suppressed[0]) return `${p.label}: * (suppressed)`;
          if (v === null) return `${p.label}: —`;
          return `${p.label}: ${formatValue(v, col.type)}${total ? ` (${formatValue(v / total, 'percent')})` : ''}`;
        }),
        datasets: [{
          data: points.map((p) => p.values[0]),
          backgroundColor: points.map((_, i) => fill(ctx, PALETTE[i % PALETTE.length], PATTERNS[i % PATTERNS.length])),
          borderColor: '#ffffff',
          borderWidth: 2,
        }],
      },
      options: {
        ...common,
        plugins: {
          ...common.plugins,
          legend: {
            display: true,
            position: width < 560 ? 'bottom' : 'right',
            labels: { color: INK, font: { family: FONT, size: fontSize }, boxWidth: 16 },
          },
        },
      },
    };
  }
  const line = kind === 'line' || kind === 'timeline';
  const horizontal = kind === 'hbar';
  const valueAxis = {
    beginAtZero: true,
    grid: { color: GRID },
    border: { color: INK },
    ticks: axisTicks(series[0]),
    title: { display: true, text: many ? '' : series[0].label, color: INK, font: { family: FONT, size: fontSize } },
  };
  if (series[0].type === 'percent') valueAxis.suggestedMax = 1;
  const labelAxis = {
    grid: { display: false },
    border: { color: INK },
    ticks: { color: INK, autoSkip: true, maxRotation: 60 },
  };
  return {
    type: line ? 'line' : 'bar',
    data: {
      labels,
      datasets: series.map((col, i) => ({
        label: col.label,
        data: points.map((p) => p.values[i]),
        backgroundColor: line ? PALETTE[i % PALETTE.length] : fill(ctx, PALETTE[i % PALETTE.length], PATTERNS[i % PATTERNS.length]),
        borderColor: PALETTE[i % PALETTE.length],
        borderWidth: line ? 2.5 : 1,
        borderDash: line ? DASHES[i % DASHES.length] : undefined,
        pointStyle: POINTS[i % POINTS.length],
        pointRadius: line ? 4 : undefined,
        spanGaps: false,
        maxBarThickness: 56,
      })),
    },
    options: {
      ...common,
      indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    },
  };
}

/* The drawing size of SPEC at WIDTH CSS pixels. */
function heightFor(spec, width) {
  if (spec.kind === 'hbar') return Math.max(140, 30 * spec.points.length * Math.max(1, spec.series.length * 0.7) + 70);
  if (spec.kind === 'pie') {
    /* the legend goes under a narrow pie: a line per slice */
    if (width < 560) return Math.round(width * 0.75) + 22 * spec.points.length + 16;
    return Math.max(220, Math.min(340, Math.round(width * 0.55)));
  }
  const legend = spec.series.length > 1 ? 24 * Math.ceil(spec.series.length / Math.max(1, Math.floor(width / 120))) : 0;
  return Math.max(240, Math.min(380, Math.round(width * 0.5))) + legend;
}

let defaultsSet = false;

/*
 * Draws SPEC into CANVAS (the page's <canvas>) WIDTH CSS pixels wide.
 * PRINT uses a smaller type for paper. Returns true when drawn.
 */
export function drawChart(canvas, spec, { width, print = false } = {}) {
  if (!chartsAvailable()) return false;
  const { Chart } = window;
  if (!defaultsSet) {
    Chart.defaults.font.family = FONT;
    Chart.defaults.color = INK;
    defaultsSet = true;
  }
  const w = Math.max(260, Math.round(width));
  const h = Math.round(heightFor(spec, w));
  const work = workCanvas(w, h);
  const ctx = work.getContext('2d');
  let chart;
  try {
    chart = new Chart(work, { ...config(spec, ctx, { print, width: w }), plugins: [valueLabels] });
    canvas.width = work.width;
    canvas.height = work.height;
    const out = canvas.getContext('2d');
    out.clearRect(0, 0, canvas.width, canvas.height);
    out.drawImage(work, 0, 0);
  } finally {
    if (chart) chart.destroy();
  }
  canvas.dataset.drawnWidth = String(w);
  canvas.dataset.rendered = 'true';
  return true;
}
