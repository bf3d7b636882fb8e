// The client's state and a tiny change notification; views subscribe and re-render.

export const state = {
  me: null,
  calls: new Map(), // id -> Call
  transfers: new Map(), // id -> Transfer
  journal: [],
  journalComplete: false,
  forwarding: null,
  forwardingError: null,
  contacts: [],
  contactsError: null,
  connection: 'connecting',
  tab: 'journal',
};

const listeners = new Set();

/** Call fn(what) on every change. */
export function subscribe(fn) {
  listeners.add(fn);
}

/** Tell every view that `what` changed ('calls', 'journal', 'me', …, or 'all'). */
export function changed(what) {
  for (const fn of listeners) fn(what);
}

/** The key under which this user's "journal seen" mark is kept in the browser. */
function seenKey() {
  return `cloudcti.journal_seen.${state.me ? state.me.id : ''}`;
}

/** Missed calls not yet looked at (newer than the last time the journal was open). */
export function unseenMissed() {
  const seen = localStorage.getItem(seenKey()) || '';
  return state.journal.filter((e) => e.status === 'missed' && e.started_at > seen).length;
}

/** Mark every journal entry so far as seen. */
export function markJournalSeen() {
  const newest = state.journal.reduce((m, e) => (e.started_at > m ? e.started_at : m), '');
  if (newest) localStorage.setItem(seenKey(), newest);
}
