/**
 * @module The browser's own storage: one IndexedDB database, `sparecycles`, whose whole
 * shape is the typed {@link SpareCyclesDB} schema (idb). Errors are the browser's own,
 * passed on unchanged.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** An anonymous volunteer identity, created on the first visit to the volunteer page. */
export interface VolunteerIdentity {
  volunteerId: string;
  token: string;
}

/** A customer account's API key; the server shows it once, so this copy matters. */
export interface CustomerIdentity {
  customerId: string;
  apiKey: string;
}

/** Identities by role; each role has at most one per browser profile. */
interface Identities {
  volunteer: VolunteerIdentity;
  customer: CustomerIdentity;
}

/** Settings by key, with their value types. */
export interface Settings {
  /** Web Workers the volunteer page runs. */
  workerCount: number;
}

export interface SpareCyclesDB extends DBSchema {
  identity: { key: keyof Identities; value: Identities[keyof Identities] };
  settings: { key: keyof Settings; value: Settings[keyof Settings] };
}

const DB_NAME = 'sparecycles';
const DB_VERSION = 1;

let opening: Promise<IDBPDatabase<SpareCyclesDB>> | undefined;

/** The open database, opened once per page and migrated to {@link DB_VERSION}. */
export function openAppDb(): Promise<IDBPDatabase<SpareCyclesDB>> {
  if (opening) return opening;
  const db = openDB<SpareCyclesDB>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      // One step per version, each from the version before it, so any old database is
      // brought up to date in order. Never edit a released step: add the next one.
      if (oldVersion < 1) {
        db.createObjectStore('identity');
        db.createObjectStore('settings');
      }
    },
    blocking() {
      // Another tab runs a newer version and wants to upgrade: let it; reopen on next use.
      if (opening === db) opening = undefined;
      db.then((open) => open.close());
    },
    terminated() {
      if (opening === db) opening = undefined;
    },
  });
  db.catch(() => {
    if (opening === db) opening = undefined;
  });
  opening = db;
  return db;
}

function hasStrings<K extends string>(value: unknown, keys: readonly K[]): value is Record<K, string> {
  return typeof value === 'object' && value !== null && keys.every((k) => typeof (value as Record<string, unknown>)[k] === 'string');
}

export async function getVolunteerIdentity(): Promise<VolunteerIdentity | undefined> {
  const value = await (await openAppDb()).get('identity', 'volunteer');
  return hasStrings(value, ['volunteerId', 'token']) ? { volunteerId: value.volunteerId, token: value.token } : undefined;
}

export async function saveVolunteerIdentity(identity: VolunteerIdentity): Promise<void> {
  await (await openAppDb()).put('identity', identity, 'volunteer');
}

export async function getCustomerKey(): Promise<CustomerIdentity | undefined> {
  const value = await (await openAppDb()).get('identity', 'customer');
  return hasStrings(value, ['customerId', 'apiKey']) ? { customerId: value.customerId, apiKey: value.apiKey } : undefined;
}

export async function saveCustomerKey(identity: CustomerIdentity): Promise<void> {
  await (await openAppDb()).put('identity', identity, 'customer');
}

/** Forgets the customer key in this browser (the account itself stays on the server). */
export async function clearCustomerKey(): Promise<void> {
  await (await openAppDb()).delete('identity', 'customer');
}

export async function getSetting<K extends keyof Settings>(key: K): Promise<Settings[K] | undefined> {
  // The store's value type is the union of all settings; the key picks one of them.
  return (await (await openAppDb()).get('settings', key)) as Settings[K] | undefined;
}

export async function setSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
  await (await openAppDb()).put('settings', value, key);
}
