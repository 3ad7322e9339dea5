/*
 * login.js - /login: username and password, then the authenticator code when
 * the server asks for it (401 /problems/totp-required). On success go to
 * ?next= (a same-origin path only), to /account when the account must still
 * enrol a second factor, or home.
 */
import { ApiError, signIn } from './api.js';
import { $, announce, busy, clearFormErrors, showFormError } from './ui.js';

const form = $('#login-form');
const alert = $('#page-alert');
const status = $('#login-status');
const totpField = $('#totp-field');
const totpInput = $('#totp');

/* ?next= only when it is a path on this site (no "//host", no "/\\host"). */
export function safeNext(search = location.search) {
  const next = new URLSearchParams(search).get('next');
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== location.origin) return '/';
  if (url.pathname === '/login') return '/';
  return url.pathname + url.search + url.hash;
}

function askForCode() {
  totpField.hidden = false;
  totpInput.disabled = false;
  totpInput.required = true;
  totpInput.value = '';
  announce(status, 'Enter the 6-digit code from your authenticator app.');
  totpInput.focus();
}

if (new URLSearchParams(location.search).has('next')) {
  announce(status, 'Sign in to continue.');
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFormErrors(form);
  announce(alert, '');
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  const code = totpField.hidden ? '' : totpInput.value.replace(/\s+/g, '');
  if (!username || !password) {
    const err = new ApiError(400, {
      detail: 'Enter your username and password.',
      invalid_params: [
        !username && { name: 'username', reason: 'Enter your username.' },
        !password && { name: 'password', reason: 'Enter your password.' },
      ].filter(Boolean),
    });
    showFormError(form, alert, err);
    return;
  }
  if (!totpField.hidden && !/^[0-9]{6}$/.test(code)) {
    showFormError(form, alert, new ApiError(400, {
      detail: 'Enter the 6-digit code from your authenticator app.',
      invalid_params: [{ name: 'totp', reason: 'The code is 6 digits.' }],
    }));
    return;
  }

  await busy(form, async () => {
    try {
      const data = await signIn(username, password, code || undefined);
      announce(status, 'Signed in. Opening haven…');
      const user = data && data.user;
      location.assign(user && user.totp_enrollment_required ? '/account' : safeNext());
    } catch (err) {
      if (err instanceof ApiError && err.type === 'totp-required' && totpField.hidden) {
        askForCode();
        return;
      }
      announce(status, '');
      showFormError(form, alert, err);
      if (err instanceof ApiError && err.type === 'invalid-credentials') {
        if (totpField.hidden) {
          form.elements.password.value = '';
          form.elements.password.focus();
        } else {
          totpInput.value = '';
          totpInput.focus();
        }
      } else if (err instanceof ApiError && err.type === 'totp-required') {
        totpInput.value = '';
        totpInput.focus();
      }
    }
  });
});
