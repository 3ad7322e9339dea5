/*
 * account.js - /account: the signed-in user's profile, second-factor
 * enrolment (POST /api/v1/me/totp, then .../confirm with a code) and password
 * change (POST /api/v1/me/password), and how haven reaches the user about
 * alerts: contact methods (GET/POST /api/v1/me/contacts, .../verify,
 * .../resend, DELETE) and notification rules (GET/POST/DELETE
 * /api/v1/me/rules).
 */
import { ApiError, del, get, getMe, post, setCsrfToken } from './api.js';
import { label, options } from './labels.js';
import { initPage } from './layout.js';
import { $, announce, busy, clearFormErrors, el, fillSelect, showFormError } from './ui.js';

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

/* ---- how haven reaches you ------------------------------------------------ */

const TARGETS = {
  email: {
    label: 'Email address', type: 'email', inputmode: 'email', autocomplete: 'email',
    hint: 'haven sends a code to this address to check it is yours.',
  },
  sms: {
    label: 'Mobile phone number', type: 'tel', inputmode: 'tel', autocomplete: 'tel',
    hint: 'With the area code, for example 213 555 0142. haven texts a code to it.',
  },
  webhook: {
    label: 'Webhook URL (https)', type: 'url', inputmode: 'url', autocomplete: 'off',
    hint: 'An https:// address that accepts signed POST requests. haven posts a code to it.',
  },
};

const reach = { contacts: [], rules: [] };

function contactName(c) {
  const kind = label('channel', c.kind);
  return c.label ? `${c.label} (${kind}: ${c.target})` : `${kind}: ${c.target}`;
}

function contactItem(c) {
  const name = contactName(c);
  const item = el('li', { class: 'record contact', dataset: { contactId: String(c.id), kind: c.kind } },
    el('p', { class: 'record-title' },
      el('strong', {}, c.label || label('channel', c.kind)), ' ',
      c.verified ? el('span', { class: 'badge badge-ok' }, 'Verified') : el('span', { class: 'badge badge-off' }, 'Not verified yet')),
    el('p', { class: 'contact-target' }, `${label('channel', c.kind)}: `, el('span', { class: 'mono' }, c.target)));
  if (!c.verified) {
    const p = `verify-${c.id}`;
    const alert = el('div', { class: 'alert', role: 'alert', id: `${p}-alert` });
    const form = el('form', { class: 'verify-form', novalidate: true, id: `${p}-form` },
      alert,
      el('div', { class: 'field' },
        el('label', { for: `${p}-code` }, `Code sent to ${c.target}`),
        el('input', {
          id: `${p}-code`, name: 'code', class: 'code-input', type: 'text', inputmode: 'numeric',
          autocomplete: 'one-time-code', maxlength: '10', required: true,
        })),
      el('div', { class: 'form-actions' },
        el('button', { type: 'submit', class: 'btn btn-small' }, 'Verify'),
        el('button', {
          type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Send a new code to ${c.target}`,
          onclick: (e) => resendCode(c, e.currentTarget),
        }, 'Send a new code')));
    form.addEventListener('submit', (event) => verifyContact(event, c, form, alert));
    item.append(form);
  }
  item.append(el('div', { class: 'record-actions' },
    el('button', {
      type: 'button', class: 'btn btn-danger btn-small', 'aria-label': `Remove ${name}`,
      onclick: (e) => removeContact(c, e.currentTarget),
    }, 'Remove')));
  return item;
}

function renderContacts() {
  const list = reach.contacts;
  $('#contacts').replaceChildren(...list.map(contactItem));
  const verified = list.filter((c) => c.verified).length;
  $('#contacts-summary').textContent = list.length === 0
    ? 'You have no contact methods yet: haven can only show alerts to you in its pages.'
    : `${list.length} ${list.length === 1 ? 'method' : 'methods'}, ${verified} verified.`;
  fillSelect($('#rule-contact'), list.map((c) => ({ value: c.id, label: c.verified ? contactName(c) : `${contactName(c)}, not verified` })),
    { placeholder: 'Choose a method' });
}

function renderRules() {
  const byId = new Map(reach.contacts.map((c) => [c.id, c]));
  const rules = [...reach.rules].sort((a, b) => a.delay_minutes - b.delay_minutes);
  $('#rules').replaceChildren(...rules.map((r) => {
    const c = byId.get(r.contact_id);
    const name = c ? contactName(c) : `Method ${r.contact_id}`;
    const when = r.delay_minutes === 0 ? 'at once' : `after ${r.delay_minutes} min`;
    return el('li', { class: 'record rule', dataset: { ruleId: String(r.id) } },
      el('p', { class: 'record-title' }, `${name}: ${when}`),
      el('button', {
        type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Remove the rule: ${name} ${when}`,
        onclick: (e) => removeRule(r, e.currentTarget),
      }, 'Remove'));
  }));
  $('#rules-summary').textContent = rules.length === 0
    ? 'No rules: haven uses every verified method at once.'
    : 'haven uses only the methods below, each after its wait, while an alert is not acknowledged.';
}

async function loadReach() {
  try {
    const [contacts, rules] = await Promise.all([get('/api/v1/me/contacts'), get('/api/v1/me/rules')]);
    reach.contacts = contacts.items || [];
    reach.rules = rules.items || [];
  } catch (err) {
    announce($('#contacts-alert'), err instanceof ApiError ? err.message : 'Could not load your contact methods.');
    return;
  }
  renderContacts();
  renderRules();
}

async function verifyContact(event, c, form, alert) {
  event.preventDefault();
  clearFormErrors(form);
  const code = form.elements.code.value.replace(/\s+/g, '');
  if (!code) {
    showFormError(form, alert, new ApiError(400, {
      detail: 'Enter the code haven sent.', invalid_params: [{ name: 'code', reason: 'Enter the code haven sent.' }],
    }));
    return;
  }
  await busy(form, async () => {
    try {
      await post(`/api/v1/me/contacts/${c.id}/verify`, { code });
      announce($('#contacts-status'), `${contactName(c)} is verified.`);
      await loadReach();
      $('#reach-heading').focus();
    } catch (err) {
      showFormError(form, alert, err);
      form.elements.code.select();
    }
  });
}

async function resendCode(c, button) {
  button.disabled = true;
  announce($('#contacts-alert'), '');
  try {
    await post(`/api/v1/me/contacts/${c.id}/resend`, {});
    announce($('#contacts-status'), `A new code is on its way to ${c.target}.`);
  } catch (err) {
    announce($('#contacts-alert'), err instanceof ApiError ? err.message : 'Could not send a new code.');
  } finally {
    button.disabled = false;
  }
}

async function removeContact(c, button) {
  if (!window.confirm(`Remove ${contactName(c)}? haven will no longer send alerts there.`)) return;
  button.disabled = true;
  announce($('#contacts-alert'), '');
  try {
    await del(`/api/v1/me/contacts/${c.id}`);
    announce($('#contacts-status'), `${contactName(c)} removed.`);
    await loadReach();
    $('#reach-heading').focus();
  } catch (err) {
    button.disabled = false;
    announce($('#contacts-alert'), err instanceof ApiError ? err.message : 'Could not remove it.');
  }
}

async function removeRule(r, button) {
  button.disabled = true;
  announce($('#rules-alert'), '');
  try {
    await del(`/api/v1/me/rules/${r.id}`);
    announce($('#rules-status'), 'Rule removed.');
    await loadReach();
    $('#rules-heading').focus();
  } catch (err) {
    button.disabled = false;
    announce($('#rules-alert'), err instanceof ApiError ? err.message : 'Could not remove the rule.');
  }
}

function syncTarget() {
  const kind = $('#contact-kind').value || 'email';
  const t = TARGETS[kind] || TARGETS.email;
  const input = $('#contact-target');
  $('#contact-target-label').textContent = t.label;
  $('#contact-target-hint').textContent = t.hint;
  input.type = t.type;
  input.setAttribute('inputmode', t.inputmode);
  input.setAttribute('autocomplete', t.autocomplete);
}

function showSecret(secret) {
  const box = $('#contact-secret');
  $('#contact-secret-value').textContent = secret;
  box.hidden = false;
}

function wireReach() {
  const form = $('#contact-form');
  fillSelect($('#contact-kind'), options('channel'));
  $('#contact-kind').value = 'email';
  syncTarget();
  $('#contact-kind').addEventListener('change', syncTarget);
  $('#reach-heading').setAttribute('tabindex', '-1');
  $('#rules-heading').setAttribute('tabindex', '-1');

  $('#contact-secret-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('#contact-secret-value').textContent);
      announce($('#contacts-status'), 'The secret is copied.');
    } catch {
      announce($('#contacts-status'), 'Select the secret and copy it yourself.');
    }
  });
  $('#contact-secret-done').addEventListener('click', () => {
    $('#contact-secret-value').textContent = '';
    $('#contact-secret').hidden = true;
    $('#reach-heading').focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    announce($('#contacts-status'), '');
    announce($('#contacts-alert'), '');
    const f = form.elements;
    const body = { kind: f.kind.value, target: f.target.value.trim() };
    const lbl = f.label.value.trim();
    if (lbl) body.label = lbl;
    if (!body.target) {
      const what = TARGETS[body.kind] ? TARGETS[body.kind].label.toLowerCase() : 'where to send alerts';
      showFormError(form, $('#contacts-alert'), new ApiError(400, {
        detail: `Enter the ${what}.`, invalid_params: [{ name: 'target', reason: `Enter the ${what}.` }],
      }));
      return;
    }
    if (body.kind === 'webhook' && !/^https:\/\//i.test(body.target)) {
      showFormError(form, $('#contacts-alert'), new ApiError(400, {
        detail: 'A webhook address starts with https://.', invalid_params: [{ name: 'target', reason: 'Use an https:// address.' }],
      }));
      return;
    }
    await busy(form, async () => {
      try {
        const made = await post('/api/v1/me/contacts', body);
        form.reset();
        $('#contact-kind').value = body.kind;
        syncTarget();
        if (made && made.secret) showSecret(made.secret);
        announce($('#contacts-status'), `Added. haven sent a code to ${made.target || body.target}: enter it below to verify.`);
        await loadReach();
        const code = document.querySelector(`#contacts li[data-contact-id="${made.id}"] input[name=code]`);
        if (code) code.focus();
      } catch (err) {
        showFormError(form, $('#contacts-alert'), err);
      }
    });
  });

  const rules = $('#rule-form');
  rules.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormErrors(rules);
    announce($('#rules-status'), '');
    const f = rules.elements;
    const body = { contact_id: Number(f.contact_id.value), delay_minutes: Number(f.delay_minutes.value) };
    const problems = [];
    if (!body.contact_id) problems.push({ name: 'contact_id', reason: 'Choose a method.' });
    if (f.delay_minutes.value.trim() === '' || !(body.delay_minutes >= 0 && body.delay_minutes <= 120)) {
      problems.push({ name: 'delay_minutes', reason: 'Enter 0 to 120 minutes.' });
    }
    if (problems.length) {
      showFormError(rules, $('#rules-alert'), new ApiError(400, {
        detail: problems.length === 1 ? problems[0].reason : 'Check the fields marked below.', invalid_params: problems,
      }));
      return;
    }
    await busy(rules, async () => {
      try {
        await post('/api/v1/me/rules', body);
        announce($('#rules-alert'), '');
        rules.reset();
        announce($('#rules-status'), 'Rule added.');
        await loadReach();
      } catch (err) {
        showFormError(rules, $('#rules-alert'), err);
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
  if (ctx.me.totp_enrollment_required) {
    $('#reach').hidden = true;
  } else {
    wireReach();
    loadReach();
  }
  if (location.hash === '#totp' || ctx.me.totp_enrollment_required) {
    $('#totp').scrollIntoView();
  }
}

main();
