// The help page: known PBX restrictions (R23) and the tel: link handler.
import { h, fill } from './dom.js';
import { t } from './i18n.js';
import { registerTelHandler } from './dial.js';
import { toast } from './toast.js';

/** Render the help section into el. */
export function renderHelp(el) {
  fill(
    el,
    h('h2', {}, t('help.heading')),
    h('p', {}, t('help.intro')),
    h(
      'ul',
      { class: 'restrictions' },
      ['display', 'pull', 'bridge', 'voicebox', 'remote_office'].map((k) => h('li', { dataset: { restriction: k } }, t(`help.r23.${k}`))),
    ),
    h('p', {}, t('help.relocate')),
    h('p', {}, t('help.voicemail_code')),
    h('button', { type: 'button', id: 'register-tel', onclick: () => toast(registerTelHandler() ? t('help.tel.done') : t('help.tel.failed')) }, t('help.tel')),
  );
}
