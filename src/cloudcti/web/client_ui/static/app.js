// The web client's entry point: login, the shell (header, banner, calls, tabs), the live
// stream and how each frame changes the state.
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { h, fill } from './dom.js';
import { browserLanguage, language, setLanguage, t } from './i18n.js';
import { Live } from './live.js';
import { changed, markJournalSeen, state, subscribe, unseenMissed } from './state.js';
import { showLogin } from './login.js';
import { askCredentials } from './credentials.js';
import { renderCalls, renderPopup } from './calls.js';
import { dialBox } from './dial.js';
import { addJournalEntry, loadJournal, renderJournal } from './journal.js';
import { loadForwarding, renderForwarding } from './forwarding.js';
import { loadContacts, renderContacts, updatePresence } from './contacts.js';
import { renderHelp } from './help.js';
import { toast } from './toast.js';

const root = document.getElementById('app');
const TABS = ['journal', 'contacts', 'forwarding', 'help'];
let live = null;
const params = new URLSearchParams(window.location.search);
let dialPrefill = params.get('dial');
if (dialPrefill) window.history.replaceState(null, '', window.location.pathname); // not again on reload

const views = {}; // the shell's parts, filled by renderShell()

function backToLogin() {
  live?.stop();
  live = null;
  delete root.dataset.connection;
  state.me = null;
  state.calls.clear();
  document.getElementById('popup')?.remove();
  setLanguage(browserLanguage());
  showLogin(root, boot);
}

async function boot() {
  try {
    state.me = await api('GET', 'users/me');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) fill(root, h('p', { class: 'error' }, error.message));
    return;
  }
  setLanguage(state.me.language);
  renderShell();
  performance.mark('cloudcti-shell'); // page usable (bench/client_popup.py reads the marks)
  checkCredentials();
  live = new Live({ onFrame: applyFrame, onReload: reloadAll, onStatus });
  live.start();
}

function checkCredentials(reason) {
  const creds = state.me.pbx_credentials.state;
  if (state.me.lines.length && (creds === 'missing' || creds === 'suspended')) askCredentials(state.me, creds, reason, refreshMe);
}

async function refreshMe() {
  state.me = await api('GET', 'users/me');
  changed('me');
  await loadForwarding();
  changed('forwarding');
}

async function reloadAll() {
  const [calls] = await Promise.all([
    api('GET', 'users/me/calls').catch(() => []),
    loadJournal().catch(() => {}),
    loadForwarding(),
    loadContacts(),
  ]);
  state.calls = new Map(calls.map((c) => [c.id, c]));
  changed('all');
}

function onStatus(status) {
  state.connection = status;
  root.dataset.connection = status;
  changed('connection');
  if (status === 'live' && !performance.getEntriesByName('cloudcti-live').length) performance.mark('cloudcti-live');
  // a session that ended (logout elsewhere, expiry) leads back to the login, not a banner
  if (status === 'reconnecting') api('GET', 'users/me').catch(() => {});
}

function applyFrame({ type, data }) {
  switch (type) {
    case 'call_created':
    case 'call_updated':
      if (data.state === 'ended') state.calls.delete(data.id);
      else state.calls.set(data.id, data);
      return changed('calls');
    case 'call_ended':
      state.calls.delete(data.id);
      return changed('calls');
    case 'transfer_updated':
      state.transfers.set(data.id, data);
      return changed('calls');
    case 'forwarding_updated':
      state.forwarding = data;
      state.forwardingError = null;
      return changed('forwarding');
    case 'presence_updated':
      return updatePresence(data) ? changed('contacts') : undefined;
    case 'journal_entry_created':
      addJournalEntry(data);
      return changed('journal');
    case 'line_updated':
      state.me.lines = state.me.lines.map((l) => (l.id === data.id ? data : l));
      return changed('me');
    case 'pbx_credentials_required':
      // invalid: a banner (the server still tries); suspended or missing: the dialog itself
      state.me.pbx_credentials = { ...state.me.pbx_credentials, state: data.state };
      changed('me');
      return checkCredentials(data.reason);
    default:
      return undefined;
  }
}

async function switchLanguage(value) {
  try {
    state.me = await api('PATCH', 'users/me', { language: value });
  } catch (error) {
    toast(error.message, 'error');
    return;
  }
  setLanguage(state.me.language);
  renderShell();
}

async function logout() {
  try {
    await api('DELETE', 'auth/token');
  } catch {
    // the session may already be gone
  }
  backToLogin();
}

function renderHeader() {
  const me = state.me;
  const line = me.lines[0];
  const notify = 'Notification' in window && Notification.permission === 'default';
  fill(
    views.header,
    h('span', { class: 'brand' }, t('app.title')),
    h('span', { class: 'user', id: 'user-name' }, me.display_name || me.username),
    line
      ? h('span', { class: `line line-${line.state}`, id: 'line-state', title: line.state_reason || '' }, t('header.line', { number: line.extension || line.number }), ' · ', t(`line.${line.state}`))
      : h('span', { class: 'line' }, t('header.no_line')),
    h('span', { class: 'spacer' }),
    notify ? h('button', { class: 'link', onclick: async () => { await Notification.requestPermission(); renderHeader(); } }, t('header.notifications')) : null,
    h(
      'select',
      { id: 'language', 'aria-label': t('header.language'), onchange: (e) => switchLanguage(e.target.value) },
      h('option', { value: 'de', selected: language() === 'de' ? true : null }, 'Deutsch'),
      h('option', { value: 'en', selected: language() === 'en' ? true : null }, 'English'),
    ),
    h('button', { id: 'logout', onclick: logout }, t('header.logout')),
  );
}

function renderBanner() {
  const creds = state.me.pbx_credentials.state;
  fill(
    views.banner,
    state.connection === 'reconnecting' ? h('div', { class: 'banner warn', id: 'reconnect-banner', role: 'status' }, t('banner.reconnecting')) : null,
    creds === 'invalid' && state.me.lines.length
      ? h('div', { class: 'banner warn' }, t('banner.credentials_invalid'), ' ', h('button', { onclick: () => askCredentials(state.me, 'invalid', null, refreshMe) }, t('banner.credentials_enter')))
      : null,
  );
}

function renderTabs() {
  const missed = unseenMissed();
  fill(
    views.tabs,
    TABS.map((tab) =>
      h(
        'button',
        {
          role: 'tab',
          id: `tab-${tab}`,
          'aria-selected': state.tab === tab ? 'true' : 'false',
          onclick: () => {
            if (tab === 'journal' && state.tab === 'journal') markJournalSeen();
            state.tab = tab;
            if (tab === 'journal') markJournalSeen();
            changed('tab');
          },
        },
        t(`tab.${tab}`),
        tab === 'journal' && missed ? h('span', { class: 'badge missed', id: 'tab-missed' }, String(missed)) : null,
      ),
    ),
  );
}

function renderSide() {
  const rerender = () => renderSide();
  const el = views.side;
  el.dataset.tab = state.tab;
  if (state.tab === 'journal') renderJournal(el, () => { renderSide(); renderTabs(); });
  else if (state.tab === 'contacts') renderContacts(el, rerender);
  else if (state.tab === 'forwarding') renderForwarding(el, rerender);
  else renderHelp(el);
}

function renderShell() {
  views.header = h('header', { class: 'top' });
  views.banner = h('div', { class: 'banners', 'aria-live': 'polite' });
  views.calls = h('ul', { class: 'calls', id: 'calls' });
  views.tabs = h('nav', { class: 'tabs', role: 'tablist' });
  views.side = h('section', { class: 'side', role: 'tabpanel' });
  fill(
    root,
    views.header,
    views.banner,
    h(
      'main',
      { class: 'layout' },
      h('section', { class: 'calls-panel' }, h('h2', {}, t('calls.heading')), dialBox(dialPrefill), views.calls),
      h('div', { class: 'side-panel' }, views.tabs, views.side),
    ),
  );
  dialPrefill = null;
  renderAll();
}

function renderAll() {
  renderHeader();
  renderBanner();
  renderCalls(views.calls);
  renderPopup();
  renderTabs();
  renderSide();
}

subscribe((what) => {
  if (!state.me || !views.header) return;
  if (what === 'all') return renderAll();
  if (what === 'me') {
    renderHeader();
    renderBanner();
  }
  if (what === 'connection') renderBanner();
  if (what === 'calls') {
    renderCalls(views.calls);
    renderPopup();
    if (state.tab === 'contacts') renderSide();
  }
  if (what === 'tab') {
    renderTabs();
    renderSide();
  }
  if (what === 'journal') {
    renderTabs();
    if (state.tab === 'journal') renderSide();
  }
  if ((what === 'forwarding' && state.tab === 'forwarding') || (what === 'contacts' && state.tab === 'contacts')) renderSide();
  return undefined;
});

setUnauthorizedHandler(backToLogin);
setLanguage(browserLanguage());
boot().then(() => {
  if (!state.me && !document.querySelector('form.login')) showLogin(root, boot);
});
