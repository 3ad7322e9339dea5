/*
 * cards.js - one referral as a card, for the dispatch board and the task
 * list: number (a link to the case), state, lead agency, lead and advocate,
 * staging area, and every running clock as a live countdown.
 */
import { el } from './ui.js';
import { label, shortState } from './labels.js';
import { clockItem, shortTime } from './live.js';

function person(p, none) {
  return p && p.display_name ? p.display_name : el('span', { class: 'muted' }, none);
}

/* Clocks worth a dispatcher's eye: running or missed first, soonest due first. */
function sortedClocks(clocks) {
  const live = (c) => (c.state === 'running' || c.state === 'missed' ? 0 : 1);
  return [...(clocks || [])].sort((a, b) => live(a) - live(b)
    || (Date.parse(a.due_at) || Infinity) - (Date.parse(b.due_at) || Infinity));
}

const STATE_ORDER = { open: 0, acknowledged: 1, on_scene: 2, follow_up: 3 };
const running = (r) => (r.clocks || []).filter((c) => c.state === 'running' || c.state === 'missed');
const soonest = (r) => Math.min(...running(r).map((c) => Date.parse(c.due_at) || Infinity), Infinity);

/* Most urgent first: anything overdue, then waiting for the lead, then by the next clock due. */
export function byUrgency(a, b) {
  const over = (r) => (running(r).some((c) => c.overdue || c.state === 'missed') ? 0 : 1);
  return over(a) - over(b)
    || (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9)
    || soonest(a) - soonest(b)
    || b.id - a.id;
}

export function referralCard(r) {
  const id = `ref-${r.id}-title`;
  const clocks = sortedClocks(r.clocks).filter((c) => c.state === 'running' || c.state === 'missed');
  const overdue = clocks.some((c) => c.overdue || c.state === 'missed');
  return el('li', { class: `case-card state-${r.state}${overdue ? ' case-card--overdue' : ''}`, dataset: { referralId: String(r.id), number: r.number || '' } },
    el('article', { 'aria-labelledby': id },
      el('div', { class: 'case-card__head' },
        el('h2', { class: 'case-card__title', id },
          el('a', { href: `/case?id=${encodeURIComponent(r.id)}` }, r.number || `Referral ${r.id}`)),
        el('span', { class: `badge badge-state state-badge--${r.state}` }, shortState(r.state))),
      el('dl', { class: 'case-facts' },
        el('dt', {}, 'Lead agency'), el('dd', {}, r.lead_agency ? r.lead_agency.name : '—'),
        el('dt', {}, 'Lead'), el('dd', { class: 'case-lead' }, person(r.lead, 'Nobody yet')),
        el('dt', {}, 'Advocate'), el('dd', { class: 'case-advocate' }, person(r.advocate, 'Not assigned yet')),
        el('dt', {}, 'Staging area'), el('dd', { class: 'case-staging' }, r.site
          ? [el('strong', { class: 'case-site' }, `Safe Youth Zone: ${r.site.name || r.site.id}`), el('br'), r.staging_address || '']
          : r.staging_address || '—'),
        el('dt', {}, 'Identified'), el('dd', {},
          [label('identified_how', r.identified_how), r.encountered_at ? shortTime(r.encountered_at) : '']
            .filter(Boolean).join(', ') || '—')),
      clocks.length
        ? el('ul', { class: 'clock-list', 'aria-label': `Clocks for ${r.number || r.id}` }, clocks.map(clockItem))
        : el('p', { class: 'muted clock-none' }, 'No clock running.')));
}
