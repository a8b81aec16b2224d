/**
 * @module What the browser keeps for reception across reloads, in localStorage (small,
 * read synchronously before the first request): this browser's client key (tickets are bound
 * to it, and reception finds a returning client's place by it), the signed place in line per
 * scope with the position first shown (the progress bar's length), and whether the
 * admission sound is muted.
 */
import type { TicketScope } from '../../../shared/reception/schemas.ts';

/** The part of the Web Storage API used here (localStorage, or a Map in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A place in line kept from an earlier visit. */
export interface KeptPlace {
  place: string;
  firstPosition: number;
}

export interface AdmissionStore {
  /** This browser's client key: 32 random bytes, base64url, made once. */
  clientKey(): string;
  place(scope: TicketScope): KeptPlace | undefined;
  keepPlace(scope: TicketScope, kept: KeptPlace): void;
  forgetPlace(scope: TicketScope): void;
  muted(): boolean;
  setMuted(muted: boolean): void;
}

const PREFIX = 'sparecycles.reception.';

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A storage that forgets (storage disabled: the place lasts this visit). */
function memoryStorage(): KeyValueStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

function defaultStorage(): KeyValueStorage {
  try {
    const s = globalThis.localStorage;
    if (s) return s;
  } catch {
    // storage disabled (some privacy modes throw on access)
  }
  return memoryStorage();
}

export function admissionStore(storage: KeyValueStorage = defaultStorage()): AdmissionStore {
  const get = (key: string) => {
    try {
      return storage.getItem(PREFIX + key);
    } catch {
      return null;
    }
  };
  const set = (key: string, value: string | undefined) => {
    try {
      if (value === undefined) storage.removeItem(PREFIX + key);
      else storage.setItem(PREFIX + key, value);
    } catch {
      // full or disabled: kept for this visit only by reception's memory of the key
    }
  };
  let key: string | undefined;
  return {
    clientKey() {
      key ??= get('client') ?? undefined;
      if (!key || !/^[A-Za-z0-9_-]{43}$/.test(key)) {
        key = randomKey();
        set('client', key);
      }
      return key;
    },
    place(scope) {
      const raw = get(`place.${scope}`);
      if (!raw) return undefined;
      try {
        const v = JSON.parse(raw) as Partial<KeptPlace>;
        return typeof v.place === 'string' && typeof v.firstPosition === 'number' ? { place: v.place, firstPosition: v.firstPosition } : undefined;
      } catch {
        return undefined;
      }
    },
    keepPlace: (scope, kept) => set(`place.${scope}`, JSON.stringify(kept)),
    forgetPlace: (scope) => set(`place.${scope}`, undefined),
    muted: () => get('muted') === '1',
    setMuted: (muted) => set('muted', muted ? '1' : undefined),
  };
}
