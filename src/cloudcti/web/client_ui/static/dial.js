// Dialling: the dial box preview, POST /users/me/calls (with an Idempotency-Key), tel: links.
import { api } from './api.js';
import { h, uuid } from './dom.js';
import { t } from './i18n.js';
import { showError } from './toast.js';

/** What will be dialled for input: {number, kind} or null. The server normalises for real
 * (dialing parameters); this only strips formatting and names the kind of number. */
export function preview(input) {
  let text = (input || '').trim().replace(/^tel:/i, '');
  if (!text) return null;
  if (/^[*#]/.test(text)) return /^[*#][0-9*#+]+$/.test(text.replace(/\s/g, '')) ? { number: text.replace(/\s/g, ''), kind: 'code' } : null;
  text = text.replace(/^(\+\d{1,3})\s*\(0\)/, '$1').replace(/[\s\-/().]/g, ''); // +49 (0)30 …
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  if (!/^\+?[0-9]+$/.test(text)) return null;
  if (text.startsWith('+')) return { number: text, kind: 'international' };
  if (text.startsWith('0')) return { number: text, kind: 'national' };
  return { number: text, kind: text.length <= 6 ? 'internal' : 'national' };
}

/** Dial destination (any format); errors are shown. */
export async function dial(destination) {
  try {
    return await api('POST', 'users/me/calls', { destination }, { 'Idempotency-Key': uuid() });
  } catch (error) {
    showError(error);
    return null;
  }
}

/** The dial box: input, live preview of what will be dialled, "Dial" button. */
export function dialBox(prefill) {
  const input = h('input', { id: 'dial-input', type: 'tel', autocomplete: 'off', placeholder: t('dial.placeholder'), 'aria-label': t('dial.label'), value: prefill || '' });
  const shown = h('div', { id: 'dial-preview', class: 'preview', 'aria-live': 'polite' });
  const update = () => {
    const p = preview(input.value);
    shown.textContent = !input.value.trim() ? '' : p ? `${t('dial.preview', { number: p.number })} (${t(`dial.kind.${p.kind}`)})` : t('dial.invalid');
  };
  input.addEventListener('input', update);
  update();
  const form = h(
    'form',
    {
      class: 'dial',
      onsubmit: async (event) => {
        event.preventDefault();
        const p = preview(input.value);
        if (!p) return;
        if (await dial(input.value.trim().replace(/^tel:/i, ''))) {
          input.value = '';
          update();
        }
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary' }, t('dial.submit')),
    shown,
    prefill ? h('p', { class: 'hint' }, t('dial.tel_prefilled')) : null,
  );
  return form;
}

/** Ask the browser to open tel: links with this page (?dial=%s); true if it accepted the call. */
export function registerTelHandler() {
  try {
    const url = new URL('./?dial=%s', document.baseURI).href.replace('%25s', '%s');
    navigator.registerProtocolHandler('tel', url);
    return true;
  } catch {
    return false;
  }
}
