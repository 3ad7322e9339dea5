/*
 * forms.js - small labelled forms built from a list of fields, for the case
 * page's many side records. Every control gets a <label>; choice lists come
 * from labels.js; times are datetime-local inputs in the device's time and
 * are sent as ISO 8601 UTC.
 *
 * A field: {name, label, type: 'text'|'textarea'|'select'|'datetime'|'date'|
 * 'number'|'checks', list (labels.js list) or options ([{value,label}]),
 * required, hint, placeholder, now (prefill a datetime with now),
 * showWhen: {field, values}}.
 */
import { el } from './ui.js';
import { options as listOptions } from './labels.js';

let seq = 0;

export function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function choicesOf(f) {
  return typeof f.options === 'function' ? f.options() : (f.options || listOptions(f.list));
}

function control(f, id, hintId) {
  const common = { id, name: f.name, required: !!f.required, 'aria-describedby': hintId || undefined };
  switch (f.type) {
    case 'textarea':
      return el('textarea', { ...common, rows: f.rows || 3 });
    case 'select': {
      const s = el('select', common);
      fillOptions(s, f);
      return s;
    }
    case 'datetime':
      return el('input', { ...common, type: 'datetime-local' });
    case 'date':
      return el('input', { ...common, type: 'date' });
    case 'number':
      return el('input', { ...common, type: 'number', inputmode: 'numeric', min: f.min, max: f.max });
    default:
      return el('input', { ...common, type: 'text', autocomplete: 'off' });
  }
}

/* (Re)fills a select from its field's choices, keeping the chosen value. */
export function fillOptions(select, f) {
  const keep = select.value;
  const opts = choicesOf(f);
  select.replaceChildren(
    el('option', { value: '' }, f.placeholder || (f.required ? 'Choose' : 'None')),
    ...opts.map((o) => el('option', { value: String(o.value) }, o.label)));
  if (keep && opts.some((o) => String(o.value) === keep)) select.value = keep;
}

function fieldNode(f, prefix) {
  const id = `${prefix}-${f.name}`;
  const hintId = f.hint ? `${id}-hint` : null;
  const labelText = f.required ? `${f.label} (required)` : f.label;
  if (f.type === 'checks') {
    const legendId = `${id}-legend`;
    return el('fieldset', { class: 'field', dataset: { field: f.name, wrap: f.name } },
      el('legend', { id: legendId }, labelText),
      f.hint ? el('span', { class: 'hint', id: hintId }, f.hint) : null,
      el('div', { class: 'choices' }, choicesOf(f).map((o) => {
        const cid = `${id}-${o.value}`;
        return el('label', { class: 'choice', for: cid },
          el('input', { type: 'checkbox', id: cid, name: f.name, value: String(o.value) }), o.label);
      })));
  }
  return el('div', { class: 'field', dataset: { wrap: f.name } },
    el('label', { for: id }, labelText),
    f.hint ? el('span', { class: 'hint', id: hintId }, f.hint) : null,
    control(f, id, hintId));
}

/*
 * Builds <form> with FIELDS and a submit button SUBMIT. Returns
 * {form, alert, values(), reset()}; values() gives the API body (empty
 * fields left out, times in UTC, checks as a list, numbers as numbers).
 */
export function buildForm({ id, fields, submit, legend, extraButtons = [] }) {
  const prefix = id || `form${++seq}`;
  const alert = el('div', { class: 'alert', role: 'alert', id: `${prefix}-alert` });
  const form = el('form', { id: prefix, class: 'case-form', novalidate: true },
    legend ? el('h3', { class: 'form-title' }, legend) : null,
    alert,
    fields.map((f) => fieldNode(f, prefix)),
    el('div', { class: 'form-actions' },
      el('button', { type: 'submit', class: 'btn' }, submit), extraButtons));

  const applyShowWhen = () => {
    for (const f of fields) {
      if (!f.showWhen) continue;
      const wrap = form.querySelector(`[data-wrap="${f.name}"]`);
      const v = form.elements[f.showWhen.field].value;
      wrap.hidden = !f.showWhen.values.includes(v);
    }
  };
  form.addEventListener('change', applyShowWhen);

  const reset = () => {
    form.reset();
    for (const f of fields) {
      if (f.type === 'datetime' && f.now) form.elements[f.name].value = toLocalInput(new Date());
      if (f.initial !== undefined) form.elements[f.name].value = typeof f.initial === 'function' ? f.initial() : f.initial;
    }
    applyShowWhen();
  };

  const values = () => {
    const out = {};
    for (const f of fields) {
      const wrap = form.querySelector(`[data-wrap="${f.name}"]`);
      if (wrap && wrap.hidden) continue;
      if (f.type === 'checks') {
        const list = [...form.querySelectorAll(`input[name="${f.name}"]:checked`)].map((c) => c.value);
        if (list.length) out[f.name] = f.join ? list.join(f.join) : list;
        continue;
      }
      const raw = form.elements[f.name].value.trim();
      if (raw === '') continue;
      if (f.type === 'datetime') out[f.name] = fromLocalInput(raw);
      else if (f.type === 'number' || f.numeric) out[f.name] = Number(raw);
      else out[f.name] = raw;
    }
    return out;
  };

  /* [{name, reason}] for required fields left empty (visible ones only). */
  const missing = () => {
    const v = values();
    return fields.filter((f) => f.required && v[f.name] === undefined
      && !(form.querySelector(`[data-wrap="${f.name}"]`)?.hidden))
      .map((f) => ({ name: f.name, reason: f.missing || `Enter ${f.label.toLowerCase()}.` }));
  };

  reset();
  return { form, alert, values, reset, missing, refresh: applyShowWhen };
}
