import { describe, expect, it } from 'vitest';
import { admissionStore, type KeyValueStorage } from './admission-store.ts';

function memory(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

describe('what the browser keeps for reception', () => {
  it('makes one client key per browser and keeps it; a malformed stored key is replaced', () => {
    const storage = memory();
    const key = admissionStore(storage).clientKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(admissionStore(storage).clientKey()).toBe(key);
    storage.map.set('sparecycles.reception.client', 'not a key');
    const fresh = admissionStore(storage).clientKey();
    expect(fresh).not.toBe(key);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps a place per scope, ignores a garbled one, and keeps the mute choice', () => {
    const storage = memory();
    const store = admissionStore(storage);
    store.keepPlace('volunteer', { place: 'p1', firstPosition: 3 });
    expect(admissionStore(storage).place('volunteer')).toEqual({ place: 'p1', firstPosition: 3 });
    expect(store.place('checkout')).toBeUndefined();
    storage.map.set('sparecycles.reception.place.jobs', '{"place":');
    expect(store.place('jobs')).toBeUndefined();
    store.forgetPlace('volunteer');
    expect(store.place('volunteer')).toBeUndefined();
    expect(store.muted()).toBe(false);
    store.setMuted(true);
    expect(admissionStore(storage).muted()).toBe(true);
    store.setMuted(false);
    expect(admissionStore(storage).muted()).toBe(false);
  });

  it('works on when storage throws (disabled), keeping the key for the visit', () => {
    const throwing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = admissionStore(throwing);
    const key = store.clientKey();
    expect(store.clientKey()).toBe(key);
    store.keepPlace('jobs', { place: 'p', firstPosition: 1 });
    expect(store.place('jobs')).toBeUndefined();
    expect(store.muted()).toBe(false);
  });
});
