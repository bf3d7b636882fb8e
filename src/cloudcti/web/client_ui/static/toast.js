// Short messages at the bottom of the page (errors from the PBX, confirmations).
import { h } from './dom.js';
import { isMissingRoute } from './api.js';
import { t } from './i18n.js';

/** Show text for a few seconds; kind 'error' or 'info'. */
export function toast(text, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const item = h('div', { class: `toast ${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/** Show a failed request: the server's (PBX's) reason, or "not offered yet" for a 404/405. */
export function showError(error, key = 'action.failed') {
  if (isMissingRoute(error)) {
    toast(t('action.unavailable'), 'error');
  } else {
    toast(t(key, { detail: error.message }), 'error');
  }
}
