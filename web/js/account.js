/*
 * account.js - /account: the signed-in user's profile, second-factor
 * enrolment (POST /api/v1/me/totp, then .../confirm with a code) and password
 * change (POST /api/v1/me/password).
 */
import { ApiError, getMe, post, setCsrfToken } from './api.js';
import { initPage } from './layout.js';
import { $, announce, busy, clearFormErrors, el, showFormError } from './ui.js';

/* "JBSWY3DPEHPK3PXP" -> "JBSW Y3DP EHPK 3PXP" */
export function groupSecret(secret) {
  return String(secret).replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

function renderProfile(me, roleLabel, kindLabel) {
  const rows = [
    ['Name', me.display_name],
    ['Username', me.username],
    ['Email', me.email || '—'],
    ['Agency', me.agency ? `${me.agency.name} (${kindLabel(me.agency.kind)})` : '—'],
    ['Roles', (me.roles || []).map(roleLabel).join(', ') || '—'],
  ];
  $('#profile').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const pwUser = $('#pw-username');
  if (pwUser) pwUser.value = me.username;
}

function renderTotp(me) {
  $('#totp-on').hidden = !me.totp_enabled;
  $('#totp-off').hidden = !!me.totp_enabled;
  $('#totp-setup').hidden = true;
  if (!me.totp_enabled && (me.totp_required || me.totp_enrollment_required)) {
    announce($('#totp-status'), 'Your role requires two-step sign-in. Set it up now to keep using haven.');
  }
}

function wireTotp(state) {
  const statusRegion = $('#totp-status');
  const alertRegion = $('#totp-alert');
  const start = $('#totp-start');
  const form = $('#totp-form');

  start.addEventListener('click', async () => {
    announce(alertRegion, '');
    start.disabled = true;
    try {
      const { secret, otpauth_uri: uri } = await post('/api/v1/me/totp', {});
      $('#totp-secret').textContent = groupSecret(secret);
      $('#totp-uri').textContent = uri;
      $('#totp-off').hidden = true;
      $('#totp-setup').hidden = false;
      announce(statusRegion, 'Add haven to your authenticator app with the key below, then enter the code it shows.');
      $('#totp-code').focus();
    } catch (err) {
      announce(alertRegion, err instanceof ApiError ? err.message : 'Could not start the set-up.');
    } finally {
      start.disabled = false;
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    announce(alertRegion, '');
    const code = form.elements.code.value.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(code)) {
      showFormError(form, alertRegion, new ApiError(400, {
        detail: 'Enter the 6-digit code from your authenticator app.',
        invalid_params: [{ name: 'code', reason: 'The code is 6 digits.' }],
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const me = await post('/api/v1/me/totp/confirm', { code });
        if (me && me.csrf_token) setCsrfToken(me.csrf_token);
        state.me = me && me.username ? me : await getMe({ refresh: true });
        form.reset();
        const wasRequired = !!state.required;
        renderTotp({ ...state.me, totp_enabled: true });
        $('#totp-continue').hidden = !wasRequired;
        announce(statusRegion, 'Two-step sign-in is on. From now on haven asks for a code from your app when you sign in.');
        $('#totp-heading').focus();
      } catch (err) {
        showFormError(form, alertRegion, err);
        form.elements.code.select();
      }
    });
  });
}

function wirePassword() {
  const form = $('#password-form');
  const statusRegion = $('#password-status');
  const alertRegion = $('#password-alert');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    announce(statusRegion, '');
    announce(alertRegion, '');
    const current = form.elements.current_password.value;
    const next = form.elements.new_password.value;
    const again = form.elements.confirm_password.value;
    const problems = [];
    if (!current) problems.push({ name: 'current_password', reason: 'Enter your current password.' });
    if (!next) problems.push({ name: 'new_password', reason: 'Enter a new password.' });
    else if (next !== again) problems.push({ name: 'confirm_password', reason: 'The two new passwords are not the same.' });
    if (problems.length) {
      showFormError(form, alertRegion, new ApiError(400, {
        detail: problems.length === 1 ? problems[0].reason : 'Check the fields marked below.',
        invalid_params: problems,
      }));
      return;
    }
    await busy(form, async () => {
      try {
        await post('/api/v1/me/password', { current_password: current, new_password: next });
        form.reset();
        announce(statusRegion, 'Your password has been changed.');
      } catch (err) {
        showFormError(form, alertRegion, err);
      }
    });
  });
}

async function main() {
  const ctx = await initPage();
  if (!ctx) return;
  const state = { me: ctx.me, required: !!ctx.me.totp_enrollment_required };
  $('#totp-heading').setAttribute('tabindex', '-1');
  renderProfile(ctx.me, ctx.roleLabel, ctx.kindLabel);
  renderTotp(ctx.me);
  wireTotp(state);
  wirePassword();
  if (location.hash === '#totp' || ctx.me.totp_enrollment_required) {
    $('#totp').scrollIntoView();
  }
}

main();
