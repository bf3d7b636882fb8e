// Language catalogs: German by default, English switchable; t(key, {param}) looks text up.
import de from './i18n/de.js';
import en from './i18n/en.js';

const catalogs = { de, en };
let current = 'de';

/** The browser's language if we have a catalog for it, else German. */
export function browserLanguage() {
  const wanted = (navigator.languages || [navigator.language || 'de']).map((l) => l.slice(0, 2));
  return wanted.find((l) => l in catalogs && (l === 'de' || l === 'en')) || 'de';
}

/** Switch the language of every following t() call. */
export function setLanguage(language) {
  current = language in catalogs ? language : 'de';
  document.documentElement.lang = current;
}

/** The current language. */
export function language() {
  return current;
}

/** The text for key in the current language, {name} replaced from params. */
export function t(key, params = {}) {
  const text = catalogs[current][key] ?? catalogs.de[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? '').toString());
}
