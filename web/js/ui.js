/*
 * ui.js - small DOM helpers shared by the pages: building elements, showing
 * errors next to the fields the server named, announcing results, and
 * formatting times in the county's time zone.
 *
 * No inline styles anywhere (the CSP forbids them): state is shown with the
 * hidden attribute and classes from haven.css.
 */
import { ApiError } from './api.js';

export const COUNTY_TZ = 'America/Los_Angeles';

/* el('p', {class: 'hint', id: 'x'}, 'text', child) -> element. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/* Replaces NODE's children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/* Shows MESSAGE in a live region (role=alert or role=status); '' clears it. */
export function announce(region, message) {
  if (!region) return;
  /* Live regions stay in the page (an empty one takes no space, see
   * haven.css) so screen readers are listening before the message comes. */
  region.hidden = false;
  region.textContent = '';
  /* A fresh text node is announced even when the text is unchanged. */
  if (message) region.append(document.createTextNode(message));
}

let uid = 0;
function ensureId(node, prefix) {
  if (!node.id) node.id = `${prefix}-${++uid}`;
  return node.id;
}

/* The control (or fieldset) in FORM that stands for API field NAME. */
function fieldTarget(form, name) {
  const marked = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (marked) return marked;
  const item = form.elements.namedItem(name);
  if (!item) return null;
  if (item instanceof RadioNodeList) {
    const first = item[0];
    return first ? first.closest('fieldset') || first : null;
  }
  return item;
}

export function clearFormErrors(form) {
  for (const msg of form.querySelectorAll('.field-error')) {
    const owner = msg.dataset.for ? document.getElementById(msg.dataset.for) : null;
    if (owner) {
      owner.removeAttribute('aria-invalid');
      const ids = (owner.getAttribute('aria-describedby') || '')
        .split(/\s+/)
        .filter((id) => id && id !== msg.id);
      if (ids.length) owner.setAttribute('aria-describedby', ids.join(' '));
      else owner.removeAttribute('aria-describedby');
    }
    msg.remove();
  }
  for (const bad of form.querySelectorAll('.field--invalid')) bad.classList.remove('field--invalid');
}

/* Puts REASON next to the field named NAME. Returns the control, or null. */
export function showFieldError(form, name, reason) {
  const target = fieldTarget(form, name);
  if (!target) return null;
  const id = ensureId(target, 'f');
  const msg = el('p', { class: 'field-error', id: `${id}-error`, dataset: { for: id } }, reason);
  const wrapper = target.closest('.field') || target.parentElement;
  wrapper.classList.add('field--invalid');
  if (target.tagName === 'FIELDSET') {
    const legend = target.querySelector('legend');
    if (legend) legend.after(msg);
    else target.prepend(msg);
  } else {
    target.before(msg);
  }
  target.setAttribute('aria-invalid', 'true');
  const described = (target.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  described.push(msg.id);
  target.setAttribute('aria-describedby', described.join(' '));
  return target;
}

/*
 * Shows ERR for FORM: the detail in ALERT (role=alert), each named field's
 * reason beside it, and focus on the first bad field. Returns the message.
 */
export function showFormError(form, alert, err) {
  clearFormErrors(form);
  let message;
  let firstBad = null;
  if (err instanceof ApiError) {
    message = err.message;
    for (const { name, reason } of err.fieldErrors) {
      const control = showFieldError(form, name, reason);
      if (control && !firstBad) firstBad = control;
    }
  } else {
    message = 'Something went wrong in this page. Reload it and try again.';
    console.warn(err);
  }
  announce(alert, message);
  if (firstBad) {
    const focusable = firstBad.tagName === 'FIELDSET' ? firstBad.querySelector('input, select') : firstBad;
    if (focusable) focusable.focus();
  }
  return message;
}

/* Runs ACTION with the form's submit buttons disabled and aria-busy set. */
export async function busy(form, action) {
  const buttons = [...form.querySelectorAll('button')];
  const was = buttons.map((b) => b.disabled);
  buttons.forEach((b) => {
    b.disabled = true;
  });
  form.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    buttons.forEach((b, i) => {
      b.disabled = was[i];
    });
    form.removeAttribute('aria-busy');
  }
}

const dateTimeFmt = new Intl.DateTimeFormat('en-US', {
  timeZone: COUNTY_TZ,
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/* A <time> for ISO string ISO, shown in county time; '—' when empty. */
export function timeEl(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return el('span', {}, iso);
  return el('time', { datetime: iso, title: iso }, dateTimeFmt.format(d));
}

const localFmt = new Intl.DateTimeFormat('en-US', {
  weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
});

/* "Tue, Nov 24, 8:00 AM PST" in the browser's own time zone. */
export function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '') : localFmt.format(d);
}

/* A <time> for ISO in the browser's time zone; '—' when empty. */
export function localTimeEl(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return el('span', {}, iso);
  return el('time', { datetime: iso, title: iso }, localFmt.format(d));
}

/* A calendar date "YYYY-MM-DD" as a <time>; shown as written (unambiguous). */
export function dateEl(ymd) {
  if (!ymd) return el('span', { class: 'muted' }, 'Not set');
  return el('time', { datetime: ymd }, ymd);
}

/* Map value -> label from [{value, label}]; unknown values show as written. */
export function labeller(list) {
  const map = new Map((list || []).map((x) => [x.value, x.label]));
  return (value) => map.get(value) || value;
}

/* Builds <option>s from [{value, label}] into SELECT, keeping its placeholder. */
export function fillSelect(select, options, { placeholder } = {}) {
  const nodes = [];
  if (placeholder !== undefined) nodes.push(el('option', { value: '' }, placeholder));
  for (const o of options) {
    if (o.group) {
      nodes.push(el('optgroup', { label: o.group }, o.options.map((x) => el('option', { value: String(x.value) }, x.label))));
    } else {
      nodes.push(el('option', { value: String(o.value) }, o.label));
    }
  }
  select.replaceChildren(...nodes);
}

/* Agencies as select options grouped by kind; INCLUDE_ID is kept even if inactive. */
export function agencyOptions(agencies, kindLabel, { includeId = null, kinds = null } = {}) {
  const groups = new Map();
  const sorted = [...agencies].sort((a, b) => a.name.localeCompare(b.name));
  for (const a of sorted) {
    if (!a.active && a.id !== includeId) continue;
    if (kinds && !kinds.includes(a.kind) && a.id !== includeId) continue;
    const g = kindLabel(a.kind);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push({ value: a.id, label: a.active ? a.name : `${a.name} (inactive)` });
  }
  return [...groups.entries()]
    .sort((x, y) => x[0].localeCompare(y[0]))
    .map(([group, options]) => ({ group, options }));
}

/* Opens DIALOG modally and focuses its first field. */
export function openDialog(dialog) {
  if (!dialog.open) dialog.showModal();
  const first = dialog.querySelector('input:not([type=hidden]):not([disabled]), select, textarea');
  if (first) first.focus();
}

/* Closes a dialog when its [data-close] buttons are used. */
export function wireDialog(dialog, { onClose } = {}) {
  for (const b of dialog.querySelectorAll('[data-close]')) {
    b.addEventListener('click', () => dialog.close());
  }
  if (onClose) dialog.addEventListener('close', onClose);
}
