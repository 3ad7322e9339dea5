/*
 * home.js - / : who is signed in, and the protocol and administration pages
 * this account may use.
 */
import { allowedNav, initPage } from './layout.js';
import { $, el } from './ui.js';

const DESCRIPTIONS = {
  '/tasks': 'Referrals waiting on you and your notifications.',
  '/board': 'Every open referral with its clocks, live.',
  '/intake': 'The CSEC Expedited Form: start a response.',
  '/beds': 'SODA/PAD beds free now.',
  '/outcomes': 'The protocol dashboard: recoveries, decisions, response times, arrests before and after.',
  '/board-report': 'The figures for a period as a document to print for the Board of Supervisors.',
  '/expansion': 'Where the protocol is live, planned and coming: coverage and timeline.',
  '/deliverables': 'The ILT\'s protocols and products: owners, due dates, what is overdue.',
  '/admin/users': 'Create accounts, change roles, unlock, disable.',
  '/admin/agencies': 'The agencies that take part in the protocol.',
  '/admin/stations': 'Law-enforcement stations and their go-live dates.',
  '/admin/audit': 'Who signed in and what changed.',
};

async function main() {
  const ctx = await initPage();
  if (!ctx) return;
  const { me, roleLabel } = ctx;
  const roles = (me.roles || []).map(roleLabel);
  const agency = me.agency ? me.agency.name : 'no agency';
  $('#signed-in-as').replaceChildren(
    'Signed in as ', el('strong', {}, me.display_name || me.username),
    ` (${me.username}), agency `, el('strong', {}, agency),
    ', roles ', el('strong', {}, roles.length ? roles.join(', ') : 'none'), '.',
  );
  const links = (items) => items.map((item) => el('li', {},
    el('a', { href: item.href }, item.label,
      el('span', { class: 'card-desc' }, DESCRIPTIONS[item.href] || ''))));
  const allowed = allowedNav(me).filter((item) => item.can);
  const work = allowed.filter((item) => !item.href.startsWith('/admin/'));
  const admin = allowed.filter((item) => item.href.startsWith('/admin/'));
  if (work.length) {
    $('#work-links').replaceChildren(...links(work));
    $('#work').hidden = false;
  }
  if (admin.length) {
    $('#tool-links').replaceChildren(...links(admin));
    $('#tools').hidden = false;
  }
}

main();
