/*
 * layout.js - what every signed-in page shares: who is signed in, the
 * navigation (admin pages only for users who may use them), signing out, and
 * the "you may not use this page" answer.
 */
import { ApiError, getMe, getMeta, signOut } from './api.js';
import { $, announce, el, labeller } from './ui.js';

export const NAV = [
  { href: '/', label: 'Home' },
  { href: '/tasks', label: 'My tasks', can: 'tasks.read' },
  { href: '/board', label: 'Dispatch board', can: 'referrals.board' },
  { href: '/site', label: 'Start from my site', can: 'sites.start' },
  { href: '/intake', label: 'Intake', can: 'referrals.create' },
  { href: '/beds', label: 'Beds', can: 'beds.read' },
  { href: '/oncall', label: 'On call', can: 'oncall.read' },
  { href: '/outcomes', label: 'Outcomes', can: 'outcomes.read' },
  { href: '/board-report', label: 'Board report', can: 'outcomes.read' },
  { href: '/review', label: 'Review records', can: 'linkage.review' },
  { href: '/expansion', label: 'Expansion', can: 'program.read' },
  { href: '/deliverables', label: 'Deliverables', can: 'program.read' },
  { href: '/directory', label: 'Services directory', can: 'directory.read' },
  { href: '/account', label: 'Your account' },
  { href: '/admin/users', label: 'Users', can: 'users.read' },
  { href: '/admin/agencies', label: 'Agencies', can: 'agencies.write' },
  { href: '/admin/stations', label: 'Stations', can: 'stations.write' },
  { href: '/admin/escalation', label: 'Escalation', can: 'escalation.write' },
  { href: '/admin/audit', label: 'Audit log', can: 'audit.read' },
];

export function allowedNav(me) {
  const can = new Set(me.can || []);
  return NAV.filter((item) => !item.can || can.has(item.can));
}

function renderNav(me) {
  const nav = $('#site-nav');
  if (!nav) return;
  const here = location.pathname.replace(/\/+$/, '') || '/';
  const list = el('ul', { class: 'nav-list' });
  for (const item of allowedNav(me)) {
    const a = el('a', { href: item.href }, item.label);
    if (item.href === here) a.setAttribute('aria-current', 'page');
    list.append(el('li', {}, a));
  }
  nav.replaceChildren(list);
  nav.hidden = false;
}

function renderWho(me, roleLabel) {
  const who = $('#whoami');
  if (!who) return;
  who.replaceChildren(
    el('span', { class: 'whoami-name' }, me.display_name || me.username),
    el('span', { class: 'whoami-agency' }, me.agency ? me.agency.name : ''),
  );
  who.title = (me.roles || []).map(roleLabel).join(', ');
  who.hidden = false;
}

function wireSignOut() {
  const button = $('#sign-out');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await signOut();
    } catch (err) {
      button.disabled = false;
      announce($('#page-alert'), err instanceof ApiError ? err.message : 'Could not sign out.');
      return;
    }
    location.assign('/login');
  });
}

/* Shows a page-level error in #page-alert (role=alert). */
export function pageError(message) {
  announce($('#page-alert'), message);
}

/*
 * Loads the signed-in user and draws the shared parts of the page.
 * With REQUIRES (a `can` permission) a user without it sees an explanation
 * instead of the page, and initPage returns null.
 * Returns {me, meta, roleLabel, kindLabel}.
 */
export async function initPage({ requires } = {}) {
  let me;
  let meta = { agency_kinds: [], roles: [] };
  try {
    me = await getMe();
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load your account.');
    return null;
  }
  /* A role that needs a second factor gets nothing else until it is set up. */
  if (me.totp_enrollment_required && location.pathname !== '/account') {
    location.assign('/account');
    return null;
  }
  /* Until a required second factor is set up the server answers little
   * more than /me and /me/totp; labels then fall back to the raw values. */
  if (!me.totp_enrollment_required) {
    try {
      meta = await getMeta();
    } catch {
      /* Labels fall back to the raw values. */
    }
  }
  const roleLabel = labeller(meta.roles);
  const kindLabel = labeller(meta.agency_kinds);
  renderWho(me, roleLabel);
  renderNav(me);
  wireSignOut();
  const ctx = { me, meta, roleLabel, kindLabel };
  if (requires && !(me.can || []).includes(requires)) {
    const content = $('#content');
    if (content) {
      content.replaceChildren(
        el('p', { class: 'notice' }, 'Your account does not have access to this page. ',
          'If you need it for your work, ask your agency\'s haven administrator.'),
        el('p', {}, el('a', { href: '/' }, 'Go to the home page')),
      );
      content.hidden = false;
    }
    return null;
  }
  return ctx;
}
