// Contacts (R13): colleagues and the PBX directory with a presence dot; the forwarding target
// where the viewer may see it, else just "forwarded"; click to dial, drag or button to transfer.
import { api, isMissingRoute } from './api.js';
import { h, fill } from './dom.js';
import { t } from './i18n.js';
import { state } from './state.js';
import { dial } from './dial.js';
import { activeCall, transfer } from './calls.js';

let query = '';

/** Load contacts matching the current search into state. */
export async function loadContacts() {
  try {
    state.contacts = await api('GET', `contacts${query ? `?q=${encodeURIComponent(query)}` : ''}`);
    state.contactsError = null;
  } catch (error) {
    state.contacts = [];
    state.contactsError = isMissingRoute(error) ? t('contacts.unavailable') : error.message;
  }
}

/** Apply a presence_updated frame; true if a listed colleague changed (oneself is not listed). */
export function updatePresence({ user_id: userId, presence }) {
  const contact = state.contacts.find((c) => c.user_id === userId);
  if (!contact) return false;
  contact.presence = presence;
  return userId !== state.me?.id;
}

// The first number is the line's: shown as its extension, dialled as the full number.
function numbers(contact) {
  return (contact.numbers || []).map((n, i) =>
    typeof n === 'string' ? { number: n, display: i === 0 && contact.extension ? contact.extension : n } : { number: n.number, display: n.display || n.number },
  );
}

function presenceText(presence) {
  const p = presence || { state: 'offline' };
  if (p.state === 'forwarded' && p.forwarding?.target) {
    const target = p.forwarding.target === 'voicemail' ? t('presence.voicemail') : p.forwarding.target;
    return t('presence.forwarded_to', { target });
  }
  return t(`presence.${p.state}`);
}

/** Render the contacts section into el. */
export function renderContacts(el, rerender) {
  const search = h('input', { type: 'search', id: 'contacts-search', placeholder: t('contacts.search'), 'aria-label': t('contacts.search'), value: query });
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      query = search.value.trim();
      await loadContacts();
      rerender();
      document.getElementById('contacts-search')?.focus();
    }, 250);
  });
  const active = activeCall();
  const others = state.contacts.filter((c) => c.user_id !== state.me?.id);
  const list = others.map((contact) => {
    const nums = numbers(contact);
    const first = nums[0];
    const presence = contact.presence || { state: 'offline' };
    return h(
      'li',
      { class: 'contact', draggable: first ? 'true' : null, dataset: { userId: contact.user_id || '', presence: presence.state }, ondragstart: (e) => first && e.dataTransfer.setData('text/plain', first.number) },
      h('span', { class: `dot presence-${presence.state}`, title: t(`presence.${presence.state}`) }),
      h('span', { class: 'name' }, contact.display_name),
      h('span', { class: 'presence' }, presenceText(presence)),
      h('span', { class: 'numbers' }, nums.map((n) => h('button', { class: 'link', title: t('btn.dial'), onclick: () => dial(n.number) }, n.display))),
      active && first ? h('button', { class: 'transfer-here', title: t('btn.transfer_to'), onclick: () => transfer(active, first.number, 'blind') }, t('btn.transfer')) : null,
    );
  });
  const datalist = h('datalist', { id: 'contact-numbers' }, others.flatMap((c) => numbers(c).map((n) => h('option', { value: n.number }, c.display_name))));
  fill(
    el,
    h('h2', {}, t('contacts.heading')),
    search,
    state.contactsError ? h('p', { class: 'empty' }, state.contactsError) : list.length ? h('ul', { class: 'contacts' }, list) : h('p', { class: 'empty' }, t('contacts.none')),
    datalist,
  );
}
