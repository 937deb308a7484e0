import { EN, type Strings } from './strings-en.js';
import { FR } from './strings-fr.js';

export type { Strings };

const TABLES: Record<string, Strings> = { en: EN, fr: FR };
const language = (tag: string) => tag.toLowerCase().split('-')[0]!;

/**
 * What the widget says, in the page's chosen language. One table per page: the last mounted
 * widget's `locale` decides (pages do not mix languages in one chat).
 */
export const t: Strings = { ...EN };

/**
 * Picks the table for `locale` (the `locale` option), else for the browser's languages, else
 * English; `overrides` (the `strings` option) replace single entries with the page's own wording.
 */
export function useStrings(locale?: string, overrides: Partial<Strings> = {}): Strings {
  const wanted = [locale, ...(globalThis.navigator?.languages ?? [])].filter((tag): tag is string => Boolean(tag));
  const tag = wanted.find((candidate) => TABLES[language(candidate)]);
  const own = Object.fromEntries(Object.entries(overrides).filter(([key, value]) => key in EN && typeof value === 'string'));
  return Object.assign(t, tag ? TABLES[language(tag)] : EN, own, { locale: tag ?? 'en' });
}

/** Puts values into a string's `{name}` marks. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (mark, name: string) => (name in values ? String(values[name]) : mark));
}

/** A sentence with the address in bold where its `{email}` mark is. */
export function withEmail(template: string, email: string): Array<string | HTMLElement> {
  const strong = document.createElement('strong');
  strong.textContent = email;
  const [before = '', after = ''] = template.split('{email}');
  return [before, strong, after];
}
