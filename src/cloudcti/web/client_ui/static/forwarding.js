// Forwarding (R9, R11, R14): the voicemail switch and the other forwarding services, read from
// and written to the PBX through the server; forwarding_updated frames keep it in sync.
import { api, isMissingRoute } from './api.js';
import { h, fill } from './dom.js';
import { t } from './i18n.js';
import { state } from './state.js';
import { showError } from './toast.js';

/** Load the user's forwarding into state (forwardingError set when the server can't). */
export async function loadForwarding() {
  try {
    state.forwarding = await api('GET', 'users/me/forwarding');
    state.forwardingError = null;
  } catch (error) {
    state.forwarding = null;
    state.forwardingError = isMissingRoute(error) ? t('fwd.unavailable') : error.message;
  }
}

async function patch(body) {
  try {
    state.forwarding = await api('PATCH', 'users/me/forwarding', body);
    return true;
  } catch (error) {
    showError(error, 'fwd.failed');
    return false;
  }
}

function toggle(id, label, checked, onchange) {
  return h('label', { class: 'switch' }, h('input', { type: 'checkbox', role: 'switch', id, checked, onchange }), h('span', { class: 'label' }, label));
}

function withDestination(kind, fwd, rerender) {
  const current = fwd[kind] || { enabled: false, destination: null };
  const input = h('input', { type: 'tel', id: `fwd-${kind}-destination`, 'aria-label': t('fwd.destination'), placeholder: t('fwd.destination'), value: current.destination || '' });
  const apply = async (enabled) => {
    const destination = input.value.trim();
    if (enabled && !destination) {
      showError(new Error(t('fwd.need_destination')), 'fwd.failed');
      return rerender();
    }
    await patch({ [kind]: enabled ? { enabled, destination } : { enabled } });
    return rerender();
  };
  return h(
    'div',
    { class: `fwd-row fwd-${kind}` },
    toggle(`fwd-${kind}`, t(`fwd.${kind}`), current.enabled, (e) => apply(e.target.checked)),
    input,
    kind === 'no_answer' && current.rings ? h('span', { class: 'hint' }, t('fwd.rings', { rings: current.rings })) : null,
    h('button', { type: 'button', onclick: () => apply(true) }, t('fwd.save')),
  );
}

/** Render the forwarding section into el. */
export function renderForwarding(el, rerender) {
  const fwd = state.forwarding;
  if (!fwd) return fill(el, h('h2', {}, t('fwd.heading')), h('p', { class: 'empty' }, state.forwardingError || '…'));
  const vm = fwd.voicemail || { enabled: false, number: null };
  const ro = fwd.remote_office || { enabled: false };
  const pr = fwd.parallel_ring || { enabled: false, numbers: [] };
  return fill(
    el,
    h('h2', {}, t('fwd.heading')),
    h(
      'div',
      { class: 'fwd-row fwd-voicemail' },
      toggle('fwd-voicemail', t('fwd.voicemail'), vm.enabled, async (e) => { await patch({ voicemail: { enabled: e.target.checked } }); rerender(); }),
      h('p', { class: 'words' }, t('fwd.voicemail.words', { number: vm.number || '*86' })),
    ),
    withDestination('always', fwd, rerender),
    withDestination('busy', fwd, rerender),
    withDestination('no_answer', fwd, rerender),
    h(
      'div',
      { class: 'fwd-row fwd-dnd' },
      toggle('fwd-dnd', t('fwd.dnd'), fwd.dnd?.enabled, async (e) => { await patch({ dnd: { enabled: e.target.checked } }); rerender(); }),
      h('p', { class: 'words' }, t('fwd.dnd.words')),
    ),
    h('p', { class: 'words' }, t('fwd.reject.words')),
    h('div', { class: 'fwd-row fwd-remote-office' }, h('strong', {}, t('fwd.remote_office')), ': ', ro.enabled ? t('fwd.remote_office.on', { number: ro.number || '' }) : t('fwd.off'), ' ', h('span', { class: 'hint' }, t('fwd.set_in_portal'))),
    h('div', { class: 'fwd-row fwd-parallel' }, h('strong', {}, t('fwd.parallel_ring')), ': ', pr.enabled ? t('fwd.parallel_ring.on', { numbers: (pr.numbers || []).join(', ') }) : t('fwd.off'), ' ', h('span', { class: 'hint' }, t('fwd.set_in_portal'))),
  );
}
