/*
 * home.js - / : who is signed in, and the administration pages this account
 * may use.
 */
import { allowedNav, initPage } from './layout.js';
import { $, el } from './ui.js';

const DESCRIPTIONS = {
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
  const admin = allowedNav(me).filter((item) => item.can);
  if (admin.length) {
    $('#tool-links').replaceChildren(...admin.map((item) => el('li', {},
      el('a', { href: item.href }, item.label,
        el('span', { class: 'card-desc' }, DESCRIPTIONS[item.href] || '')))));
    $('#tools').hidden = false;
  }
}

main();
