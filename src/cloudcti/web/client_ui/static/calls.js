// The calls panel: every current call with state, device, badges and the buttons its
// `features` allow; consultation complete/cancel; the incoming-call pop-up and notification.
import { api } from './api.js';
import { h, fill } from './dom.js';
import { t } from './i18n.js';
import { state } from './state.js';
import { showError } from './toast.js';

/** The person to show for a call or journal entry: name, then the number as the user writes it. */
export function who(remote) {
  const display = remote?.display || remote?.number || '';
  const name = remote?.name || '';
  return { name: name || display || t('call.anonymous'), display: name ? display : '' };
}

const ACTIONS = {
  answer: (c) => api('PUT', `users/me/calls/${c.id}/answer`),
  reject: (c) => api('DELETE', `users/me/calls/${c.id}?decline=true`),
  drop: (c) => api('DELETE', `users/me/calls/${c.id}`),
  hold: (c) => api('PUT', `users/me/calls/${c.id}/hold`),
  unhold: (c) => api('PUT', `users/me/calls/${c.id}/unhold`),
  swap: (c) => api('POST', `users/me/calls/${c.id}/swap`),
  relocate: (c) => api('POST', 'users/me/relocates', { call_id: c.id, destination: c.device === 'mobile' ? 'primary' : 'mobile' }),
  conference: (c) => {
    const other = [...state.calls.values()].find((o) => o.id !== c.id && o.state !== 'ended' && o.state !== 'ringing');
    return api('POST', 'users/me/conferences', { call_ids: [c.id, other ? other.id : c.id] });
  },
};

async function run(action, call) {
  try {
    await ACTIONS[action](call);
  } catch (error) {
    showError(error);
  }
}

/** Start a blind or attended transfer of call to destination; remembers the Transfer. */
export async function transfer(call, destination, flow) {
  try {
    const made = await api('POST', 'users/me/transfers', { call_id: call.id, destination, flow });
    if (made && made.id) state.transfers.set(made.id, made);
    return made;
  } catch (error) {
    showError(error, 'transfer.failed');
    return null;
  }
}

/** The active (connected) call, if any: the one a contact's "transfer" button acts on. */
export function activeCall() {
  return [...state.calls.values()].find((c) => c.state === 'active') || null;
}

// The open consultation whose complete/cancel buttons belong on this call's card.
function openTransfer(call) {
  return [...state.transfers.values()].find(
    (x) => (x.consult_call_id ? x.consult_call_id === call.id : x.call_id === call.id) && (x.state === 'ringing' || x.state === 'answered'),
  );
}

function transferForm(call, flow) {
  const input = h('input', { type: 'tel', class: 'transfer-input', placeholder: t('transfer.destination'), 'aria-label': t('transfer.destination'), list: 'contact-numbers', required: true });
  const form = h(
    'form',
    {
      class: 'transfer-form',
      onsubmit: async (event) => {
        event.preventDefault();
        if (input.value.trim() && (await transfer(call, input.value.trim(), flow))) form.remove();
      },
    },
    input,
    h('button', { type: 'submit' }, t('btn.go')),
    h('button', { type: 'button', onclick: () => form.remove() }, t('btn.cancel')),
  );
  return form;
}

function buttons(call, card) {
  const row = h('div', { class: 'buttons' });
  for (const feature of call.features || []) {
    if (feature === 'transfer' || feature === 'consult') {
      const flow = feature === 'transfer' ? 'blind' : 'attended';
      row.append(h('button', { dataset: { action: feature }, onclick: () => card.querySelector('.transfer-form') || card.append(transferForm(call, flow)) }, t(`btn.${feature}`)));
    } else if (ACTIONS[feature]) {
      const cls = feature === 'answer' ? 'primary' : feature === 'drop' || feature === 'reject' ? 'danger' : '';
      row.append(h('button', { class: cls, dataset: { action: feature }, onclick: () => run(feature, call) }, t(`btn.${feature}`)));
    }
  }
  const pending = openTransfer(call);
  if (pending && pending.flow === 'attended') {
    row.append(
      h('button', { class: 'primary', dataset: { action: 'complete' }, onclick: () => api('PUT', `users/me/transfers/${pending.id}/complete`).catch((e) => showError(e, 'transfer.failed')) }, t('btn.complete')),
      h('button', { dataset: { action: 'cancel' }, onclick: () => api('DELETE', `users/me/transfers/${pending.id}`).catch((e) => showError(e, 'transfer.failed')) }, t('btn.cancel')),
    );
  }
  return row;
}

function lineNumber(call) {
  const line = state.me?.lines.find((l) => l.id === call.line_id);
  return line ? line.extension || line.number : '';
}

function card(call) {
  const person = who(call.remote);
  const el = h(
    'li',
    {
      class: `call ${call.state}`,
      dataset: { callId: call.id, state: call.state },
      ondragover: (e) => e.preventDefault(),
      ondrop: (e) => {
        e.preventDefault();
        const number = e.dataTransfer.getData('text/plain');
        if (number) transfer(call, number, 'blind');
      },
    },
    h('div', { class: 'who' }, h('span', { class: 'name' }, person.name), ' ', h('span', { class: 'number' }, person.display)),
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'direction' }, t(`call.${call.direction}`)),
      h('span', { class: 'state' }, t(`call.state.${call.state}`)),
      h('span', { class: `device device-${call.device}` }, t(`call.device.${call.device}`)),
      call.voicemail ? h('span', { class: 'badge voicemail' }, t('call.voicemail')) : null,
      call.remote_held ? h('span', { class: 'badge' }, t('call.remote_held')) : null,
      call.consult_of ? h('span', { class: 'badge' }, t('call.consult')) : null,
      call.conference_id ? h('span', { class: 'badge' }, t('call.conference')) : null,
    ),
  );
  el.append(buttons(call, el));
  return el;
}

/** Render the call list into ul (keeps an open transfer form of a call that is still there). */
export function renderCalls(ul) {
  const forms = new Map([...ul.querySelectorAll('li.call')].map((li) => [li.dataset.callId, li.querySelector('.transfer-form')]));
  const calls = [...state.calls.values()].filter((c) => c.state !== 'ended');
  if (!calls.length) return fill(ul, h('li', { class: 'empty' }, t('calls.none')));
  fill(
    ul,
    calls.map((call) => {
      const el = card(call);
      const form = forms.get(call.id);
      if (form) el.append(form);
      return el;
    }),
  );
  return ul;
}

const notified = new Set();

/** Show the pop-up for ringing inbound calls (and a desktop notification once per call). */
export function renderPopup() {
  let box = document.getElementById('popup');
  const ringing = [...state.calls.values()].filter((c) => c.direction === 'inbound' && c.state === 'ringing');
  if (!ringing.length) {
    box?.remove();
    return;
  }
  if (!box) {
    box = h('aside', { id: 'popup', role: 'alertdialog', 'aria-label': t('popup.incoming') });
    document.body.append(box);
  }
  fill(
    box,
    ringing.map((call) => {
      const person = who(call.remote);
      const line = lineNumber(call);
      if (!notified.has(call.id)) {
        notified.add(call.id);
        notifyDesktop(call, person);
      }
      const item = h(
        'div',
        { class: 'incoming', dataset: { callId: call.id } },
        h('div', { class: 'title' }, t('popup.incoming'), line ? ` ${t('popup.for_line', { number: line })}` : ''),
        h('div', { class: 'name' }, person.name),
        h('div', { class: 'number' }, person.display),
        h('div', { class: 'meta' }, h('span', { class: `device device-${call.device}` }, t(`call.device.${call.device}`))),
      );
      item.append(buttons({ ...call, features: (call.features || []).filter((f) => f === 'answer' || f === 'reject') }, item));
      return item;
    }),
  );
}

function notifyDesktop(call, person) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || document.hasFocus()) return;
  try {
    const n = new Notification(t('popup.incoming'), { body: `${person.name} ${person.display}`.trim(), tag: call.id });
    n.onclick = () => window.focus();
  } catch {
    // some browsers allow notifications only from a service worker
  }
}
