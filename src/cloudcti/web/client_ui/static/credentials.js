// First start (R18): the dialog asking for the user's own Cloud PBX credentials, with the
// "reset password" link to the portal. Nothing is stored unless the PBX accepts them.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

/** Open the dialog; why is 'missing' | 'invalid' | 'suspended'; onSaved() after a 204. */
export function askCredentials(me, why, reason, onSaved) {
  document.getElementById('creds-dialog')?.remove();
  const error = h('p', { class: 'error', role: 'alert' });
  const username = h('input', { id: 'creds-username', autocomplete: 'off', required: true });
  const password = h('input', { id: 'creds-password', type: 'password', autocomplete: 'off', required: true });
  const dialog = h(
    'dialog',
    { id: 'creds-dialog', 'aria-labelledby': 'creds-heading' },
    h(
      'form',
      { method: 'dialog', onsubmit: submit },
      h('h2', { id: 'creds-heading' }, t('creds.heading')),
      h('p', { class: 'why' }, t(`creds.why.${why}`)),
      reason ? h('p', { class: 'reason' }, t('creds.reason', { reason })) : null,
      h('label', { for: 'creds-username' }, t('creds.username')),
      username,
      h('label', { for: 'creds-password' }, t('creds.password')),
      password,
      error,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, t('creds.submit')),
        h('button', { type: 'button', onclick: () => dialog.close() }, t('creds.later')),
        h('a', { href: me.pbx_portal_url, target: '_blank', rel: 'noopener noreferrer', class: 'reset' }, t('creds.reset')),
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  async function submit(event) {
    event.preventDefault();
    error.textContent = '';
    try {
      await api('PUT', 'users/me/pbx-credentials', { username: username.value, password: password.value });
      password.value = '';
      dialog.close();
      toast(t('creds.saved'));
      onSaved();
    } catch (failure) {
      password.value = '';
      error.textContent = t('creds.rejected', { detail: failure.message });
    }
  }
  document.body.append(dialog);
  dialog.showModal();
  username.focus();
}
