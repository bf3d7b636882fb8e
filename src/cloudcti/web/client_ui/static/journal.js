// The journal (R13): newest first, missed calls marked and counted, status, device, duration,
// call back with one click, "missed only" filter, older entries on demand.
import { api } from './api.js';
import { h, fill } from './dom.js';
import { t, language } from './i18n.js';
import { state, unseenMissed } from './state.js';
import { who } from './calls.js';
import { dial } from './dial.js';
import { showError } from './toast.js';

const PAGE = 50;
let missedOnly = false;

/** Load the newest page of the journal into state. */
export async function loadJournal() {
  state.journal = await api('GET', `users/me/journal?limit=${PAGE}`);
  state.journalComplete = state.journal.length < PAGE;
}

async function loadOlder() {
  const last = state.journal[state.journal.length - 1];
  try {
    const older = await api('GET', `users/me/journal?limit=${PAGE}&before=${encodeURIComponent(last.id)}`);
    state.journal.push(...older.filter((e) => !state.journal.some((x) => x.id === e.id)));
    state.journalComplete = older.length < PAGE;
  } catch (error) {
    showError(error);
  }
}

/** Add a new entry from a journal_entry_created frame (newest first, no duplicates). */
export function addJournalEntry(entry) {
  state.journal = [entry, ...state.journal.filter((e) => e.id !== entry.id)];
  state.journal.sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  const s = Math.round(seconds);
  return t('journal.duration', { min: Math.floor(s / 60), sec: String(s % 60).padStart(2, '0') });
}

function when(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const locale = language() === 'de' ? 'de-DE' : 'en-GB';
  return today
    ? date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** Render the journal section into el; rerender() redraws after a local change. */
export function renderJournal(el, rerender) {
  const missed = unseenMissed();
  const entries = state.journal.filter((e) => !missedOnly || e.status === 'missed');
  fill(
    el,
    h(
      'div',
      { class: 'section-head' },
      h('h2', {}, t('journal.heading')),
      missed ? h('span', { class: 'badge missed', id: 'journal-missed' }, t('journal.missed_count', { count: missed })) : null,
      h(
        'label',
        { class: 'filter' },
        h('input', { type: 'checkbox', id: 'journal-filter-missed', checked: missedOnly, onchange: (e) => { missedOnly = e.target.checked; rerender(); } }),
        ' ',
        t('journal.filter_missed'),
      ),
    ),
    entries.length
      ? h(
          'ul',
          { class: 'journal' },
          entries.map((entry) => {
            const person = who(entry.remote);
            return h(
              'li',
              { class: `entry status-${entry.status}`, dataset: { entryId: entry.id, status: entry.status } },
              h('span', { class: 'direction', title: t(`call.${entry.direction}`) }, entry.direction === 'inbound' ? '↙' : '↗'),
              h('span', { class: 'who' }, h('span', { class: 'name' }, person.name), ' ', h('span', { class: 'number' }, person.display)),
              h('span', { class: 'status' }, t(`journal.status.${entry.status}`)),
              h('span', { class: 'device' }, t(`call.device.${entry.device || 'unknown'}`)),
              h('span', { class: 'duration' }, duration(entry.duration_s)),
              h('time', { datetime: entry.started_at }, when(entry.started_at)),
              entry.remote?.number ? h('button', { class: 'callback', onclick: () => dial(entry.remote.number) }, t('btn.callback')) : h('span'),
            );
          }),
        )
      : h('p', { class: 'empty' }, t('journal.none')),
    state.journalComplete || !state.journal.length ? null : h('button', { class: 'more', onclick: async () => { await loadOlder(); rerender(); } }, t('journal.more')),
  );
}
