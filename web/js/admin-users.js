/*
 * admin-users.js - /admin/users: find users, create one, edit one (name,
 * email, agency, roles), disable or enable, unlock, reset the password or the
 * second factor.
 */
import { ApiError, get, patch, post } from './api.js';
import { initPage, pageError } from './layout.js';
import {
  $, agencyOptions, announce, busy, clearFormErrors, el, fillSelect, openDialog,
  showFormError, timeEl, wireDialog,
} from './ui.js';

const state = {
  ctx: null,
  agencies: [],
  users: [],
  editing: null,
  canWrite: false,
  query: '',
  loadSeq: 0,
};

const agencyName = (id) => {
  const a = state.agencies.find((x) => x.id === id);
  return a ? a.name : `Agency ${id}`;
};

function isLocked(user) {
  return !!user.locked_until && new Date(user.locked_until).getTime() > Date.now();
}

function statusBadges(user) {
  const out = [];
  if (user.disabled) out.push(el('span', { class: 'badge badge-off' }, 'Disabled'));
  else out.push(el('span', { class: 'badge badge-ok' }, 'Active'));
  if (isLocked(user)) out.push(el('span', { class: 'badge badge-off' }, 'Locked'));
  out.push(user.totp_enabled
    ? el('span', { class: 'badge badge-neutral' }, 'Two-step on')
    : el('span', { class: 'badge badge-neutral' }, 'No second factor'));
  return out;
}

function renderUsers() {
  const { roleLabel } = state.ctx;
  const body = $('#users-body');
  const rows = state.users.map((u) => el('tr', { dataset: { userId: String(u.id), username: u.username } },
    el('th', { scope: 'row', 'data-label': 'Username' }, el('span', { class: 'mono' }, u.username)),
    el('td', { 'data-label': 'Name' }, u.display_name),
    el('td', { 'data-label': 'Agency' }, agencyName(u.agency_id)),
    el('td', { 'data-label': 'Roles' }, (u.roles || []).map(roleLabel).join(', ') || '—'),
    el('td', { 'data-label': 'Status', class: 'user-status' }, statusBadges(u)),
    el('td', { 'data-label': 'Last sign-in' }, u.last_login_at ? timeEl(u.last_login_at) : el('span', { class: 'muted' }, 'Never')),
    state.canWrite && el('td', { class: 'actions' },
      el('button', {
        type: 'button', class: 'btn btn-secondary btn-small',
        'aria-label': `Edit ${u.username}`,
        onclick: () => openEdit(u.id),
      }, 'Edit')),
  ));
  body.replaceChildren(...rows);
  const n = state.users.length;
  const what = n === 1 ? '1 user' : `${n} users`;
  $('#users-caption').textContent = state.query ? `${what} matching “${state.query}”` : what;
}

async function loadUsers() {
  const seq = ++state.loadSeq;
  const q = state.query;
  const path = q ? `/api/v1/users?q=${encodeURIComponent(q)}` : '/api/v1/users';
  try {
    const data = await get(path);
    if (seq !== state.loadSeq) return; /* a newer search answered first */
    state.users = data.items || [];
    renderUsers();
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load users.');
  }
}

function roleChoices(container, prefix, selected = []) {
  const { meta } = state.ctx;
  container.replaceChildren(...(meta.roles || []).map((r) => {
    const id = `${prefix}-role-${r.value}`;
    return el('label', { class: 'choice', for: id },
      el('input', { type: 'checkbox', id, name: 'roles', value: r.value, checked: selected.includes(r.value) }),
      r.label);
  }));
}

function agencySelect(select, { includeId = null, placeholder } = {}) {
  fillSelect(select, agencyOptions(state.agencies, state.ctx.kindLabel, { includeId }), { placeholder });
}

/* ---- create ------------------------------------------------------------ */

function openCreate() {
  const dialog = $('#create-dialog');
  const form = $('#create-form');
  form.reset();
  clearFormErrors(form);
  announce($('#create-alert'), '');
  agencySelect($('#c-agency_id'), { placeholder: 'Choose an agency' });
  roleChoices($('#c-roles'), 'c');
  openDialog(dialog);
}

function wireCreate() {
  const dialog = $('#create-dialog');
  const form = $('#create-form');
  wireDialog(dialog, { onClose: () => $('#new-user').focus() });
  $('#new-user').addEventListener('click', openCreate);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const f = form.elements;
    const body = {
      username: f.username.value.trim(),
      display_name: f.display_name.value.trim(),
      agency_id: f.agency_id.value ? Number(f.agency_id.value) : null,
      roles: new FormData(form).getAll('roles'),
      password: f.password.value,
    };
    const email = f.email.value.trim();
    if (email) body.email = email;
    const missing = [];
    if (!body.username) missing.push({ name: 'username', reason: 'Enter a username.' });
    if (!body.display_name) missing.push({ name: 'display_name', reason: 'Enter the person\'s full name.' });
    if (!body.agency_id) missing.push({ name: 'agency_id', reason: 'Choose the person\'s agency.' });
    if (!body.roles.length) missing.push({ name: 'roles', reason: 'Choose at least one role.' });
    if (!body.password) missing.push({ name: 'password', reason: 'Enter an initial password.' });
    if (missing.length) {
      showFormError(form, $('#create-alert'), new ApiError(400, {
        detail: 'Some details are missing. Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const user = await post('/api/v1/users', body);
        dialog.close();
        announce($('#list-status'), `User ${user.username} created.`);
        await loadUsers();
      } catch (err) {
        showFormError(form, $('#create-alert'), err);
      }
    });
  });
}

/* ---- edit -------------------------------------------------------------- */

function fillAccess(user) {
  const bits = [user.disabled ? 'This account is disabled: the person cannot sign in.' : 'This account is active.'];
  if (isLocked(user)) bits.push('It is locked after failed sign-ins.');
  bits.push(user.totp_enabled ? 'Two-step sign-in is on.' : 'No second factor is set up.');
  $('#e-access-summary').textContent = bits.join(' ');
  const toggle = $('#e-toggle-disabled');
  toggle.textContent = user.disabled ? 'Enable account' : 'Disable account';
  toggle.className = user.disabled ? 'btn' : 'btn btn-danger';
  $('#e-unlock').hidden = !isLocked(user);
  $('#e-totp-reset').hidden = !user.totp_enabled;
}

function openEdit(id) {
  const user = state.users.find((u) => u.id === id);
  if (!user) return;
  state.editing = user;
  const dialog = $('#edit-dialog');
  const form = $('#edit-form');
  form.reset();
  clearFormErrors(form);
  clearFormErrors($('#reset-form'));
  $('#reset-form').reset();
  announce($('#edit-alert'), '');
  announce($('#edit-status'), '');
  $('#edit-heading').textContent = `Edit user ${user.username}`;
  form.elements.display_name.value = user.display_name || '';
  form.elements.email.value = user.email || '';
  agencySelect($('#e-agency_id'), { includeId: user.agency_id });
  $('#e-agency_id').value = String(user.agency_id);
  roleChoices($('#e-roles'), 'e', user.roles || []);
  fillAccess(user);
  openDialog(dialog);
}

/* Replaces the edited user with UPDATED (or re-reads the list). */
async function refreshEditing(updated) {
  if (updated && updated.id) {
    state.users = state.users.map((u) => (u.id === updated.id ? updated : u));
    state.editing = updated;
    renderUsers();
  } else {
    await loadUsers();
    state.editing = state.users.find((u) => u.id === state.editing.id) || state.editing;
  }
  fillAccess(state.editing);
}

async function action(button, run, done) {
  announce($('#edit-alert'), '');
  announce($('#edit-status'), '');
  button.disabled = true;
  try {
    const result = await run();
    await refreshEditing(result);
    announce($('#edit-status'), done);
  } catch (err) {
    announce($('#edit-alert'), err instanceof ApiError ? err.message : 'That did not work. Try again.');
  } finally {
    button.disabled = false;
  }
}

function wireEdit() {
  const dialog = $('#edit-dialog');
  const form = $('#edit-form');
  wireDialog(dialog, {
    onClose: () => {
      const row = state.editing && document.querySelector(`tr[data-user-id="${state.editing.id}"] button`);
      if (row) row.focus();
    },
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    announce($('#edit-status'), '');
    const f = form.elements;
    const body = {
      display_name: f.display_name.value.trim(),
      email: f.email.value.trim(),
      agency_id: Number(f.agency_id.value),
      roles: new FormData(form).getAll('roles'),
    };
    const missing = [];
    if (!body.display_name) missing.push({ name: 'display_name', reason: 'Enter the person\'s full name.' });
    if (!body.roles.length) missing.push({ name: 'roles', reason: 'Choose at least one role.' });
    if (missing.length) {
      showFormError(form, $('#edit-alert'), new ApiError(400, {
        detail: missing.length === 1 ? missing[0].reason : 'Check the fields marked below.', invalid_params: missing,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const updated = await patch(`/api/v1/users/${state.editing.id}`, body);
        announce($('#edit-alert'), '');
        await refreshEditing(updated);
        announce($('#edit-status'), 'Changes saved.');
      } catch (err) {
        showFormError(form, $('#edit-alert'), err);
      }
    });
  });

  $('#e-toggle-disabled').addEventListener('click', (event) => {
    const user = state.editing;
    const disable = !user.disabled;
    action(event.currentTarget,
      () => patch(`/api/v1/users/${user.id}`, { disabled: disable }),
      disable ? `${user.username} is disabled and can no longer sign in.` : `${user.username} is enabled again.`);
  });

  $('#e-unlock').addEventListener('click', (event) => {
    const user = state.editing;
    action(event.currentTarget,
      async () => { await post(`/api/v1/users/${user.id}/unlock`, {}); return null; },
      `${user.username} is unlocked.`);
  });

  $('#e-totp-reset').addEventListener('click', (event) => {
    const user = state.editing;
    action(event.currentTarget,
      async () => { await post(`/api/v1/users/${user.id}/totp/reset`, {}); return null; },
      `${user.username}'s second factor is reset. They set up a new one the next time they sign in.`);
  });

  const reset = $('#reset-form');
  reset.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(reset);
    announce($('#edit-status'), '');
    const pw = reset.elements.new_password.value;
    if (!pw) {
      showFormError(reset, $('#edit-alert'), new ApiError(400, {
        detail: 'Enter the new password.', invalid_params: [{ name: 'new_password', reason: 'Enter the new password.' }],
      }));
      return;
    }
    await busy(reset, async () => {
      try {
        await post(`/api/v1/users/${state.editing.id}/password`, { new_password: pw });
        reset.reset();
        announce($('#edit-alert'), '');
        announce($('#edit-status'), `New password set for ${state.editing.username}.`);
      } catch (err) {
        showFormError(reset, $('#edit-alert'), err);
      }
    });
  });
}

function wireFilter() {
  const form = $('#filter-form');
  const input = $('#filter');
  let timer = null;
  const run = () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q === state.query) return;
    state.query = q;
    const url = new URL(location.href);
    if (q) url.searchParams.set('q', q);
    else url.searchParams.delete('q');
    history.replaceState(null, '', url);
    loadUsers();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) {
    input.value = initial;
    state.query = initial.trim();
  }
}

async function main() {
  const ctx = await initPage({ requires: 'users.read' });
  if (!ctx) return;
  state.ctx = ctx;
  const canWrite = (ctx.me.can || []).includes('users.write');
  state.canWrite = canWrite;
  try {
    state.agencies = (await get('/api/v1/agencies')).items || [];
  } catch (err) {
    pageError(err instanceof ApiError ? err.message : 'Could not load agencies.');
  }
  wireFilter();
  if (canWrite) {
    wireCreate();
    wireEdit();
  } else {
    $('#new-user').hidden = true;
  }
  $('#content').hidden = false;
  if (!canWrite) document.querySelector('#users-table thead th:last-child').remove();
  await loadUsers();
}

main();
