/**
 * @module The UI language: English or Japanese, chosen by the visitor (kept in
 * localStorage, which is read synchronously so the first paint is already in the right
 * language) or else taken from the browser's preferred languages. `useText()` gives the
 * current language's messages and re-renders on a switch.
 */
import { useEffect, useState } from 'preact/hooks';
import { en, type Messages } from './en.ts';
import { ja } from './ja.ts';

export type Lang = 'en' | 'ja';
export const LANGS: Record<Lang, Messages> = { en, ja };
export type { Messages };

const STORAGE_KEY = 'sparecycles.lang';

function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'ja';
}

/** The stored choice, else the first of the browser's languages we have, else English. */
export function initialLang(stored: string | null, preferred: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled: the browser's languages decide
  }
}

let current: Lang = initialLang(readStored(), globalThis.navigator?.languages ?? []);
const listeners = new Set<(lang: Lang) => void>();
if (typeof document !== 'undefined') document.documentElement.lang = current;

export function getLang(): Lang {
  return current;
}

/** The messages of the current language, outside components. */
export function text(): Messages {
  return LANGS[current];
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not kept: the choice lasts this visit
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const l of [...listeners]) l(lang);
}

/** The current language; re-renders the component when it changes. */
export function useLang(): Lang {
  const [lang, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    set(current);
    return () => void listeners.delete(set);
  }, []);
  return lang;
}

/** The current language's messages. */
export function useText(): Messages {
  return LANGS[useLang()];
}
