// The login screen: posts to /auth/token, which sets the HttpOnly session cookie.
import { api } from './api.js';
import { h, fill } from './dom.js';
import { t } from './i18n.js';

/** Render the login form into root; onDone() after a successful login. */
export function showLogin(root, onDone) {
  const error = h('p', { class: 'error', role: 'alert' });
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'login card', onsubmit: submit },
    h('h1', {}, t('app.title')),
    h('h2', {}, t('login.heading')),
    h('label', { for: 'login-username' }, t('login.username')),
    username,
    h('label', { for: 'login-password' }, t('login.password')),
    password,
    h('button', { type: 'submit', class: 'primary' }, t('login.submit')),
    error,
  );
  async function submit(event) {
    event.preventDefault();
    error.textContent = '';
    try {
      await api('POST', 'auth/token', { username: username.value, password: password.value });
      onDone();
    } catch (failure) {
      error.textContent = t('login.failed', { detail: failure.message });
    }
  }
  fill(root, h('div', { class: 'login-page' }, form));
  username.focus();
}
