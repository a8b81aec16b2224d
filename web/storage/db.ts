/**
 * @module The browser's own storage: one IndexedDB database, `sparecycles`, whose whole
 * shape is the typed {@link SpareCyclesDB} schema (idb). Errors are the browser's own,
 * passed on unchanged.
 *
 * Versions: 1 — identities and settings; 2 — the volunteer's finished-but-unsent results
 * (`outbox`), the leases it holds with their checkpoints (`leases`), kernel bytes
 * (`kernels`), and the volunteer settings as one record (the v1 `workerCount` moves into it);
 * 3 — a group host's results waiting for upload (`groupOutbox`, by group) and the group this
 * browser hosts in each place it can host one (`hostedGroups`, by scope), so a reload goes on
 * hosting and loses no peer's result.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CreatedGroup } from '../../shared/groups/schemas.ts';
import type { GroupOutboxEntry } from '../../shared/groups/host.ts';
import type { OutboxEntry } from '../../shared/volunteer/outbox.ts';
import type { HeldLease } from '../../shared/volunteer/work-loop.ts';

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

/** When the volunteer page pauses on its own. Hours are local, in minutes after midnight. */
export interface VolunteerSettings {
  /** Web Workers the volunteer page runs. */
  workerCount: number;
  /** CPU share of each worker, in percent (a duty cycle). */
  dutyPercent: number;
  pauseWhenHidden: boolean;
  /** The visitor marked the device busy. */
  doNotDisturb: boolean;
  quietHours: { enabled: boolean; startMinute: number; endMinute: number };
  /** Pause on battery (not charging) below `minPercent`, where the browser tells. */
  battery: { enabled: boolean; minPercent: number };
  /** The visitor pressed Start and not Stop since: a reload resumes computing. */
  running: boolean;
}

/** Settings by key, with their value types. */
export interface Settings {
  /** Version 1's worker count; version 2 reads it into `volunteer` and keeps it for older tabs. */
  workerCount: number;
  volunteer: VolunteerSettings;
}

/** A finished result not yet acknowledged (shared/volunteer/outbox.ts), for one identity. */
export type StoredResult = OutboxEntry & { volunteerId: string };

/** A lease held (computing or prefetched), with its latest checkpoint, for one identity. */
export type StoredLease = HeldLease & { volunteerId: string; leaseId: number };

/** A kernel module's bytes, by `id@version#sha256`. */
export interface StoredKernel {
  key: string;
  id: string;
  version: number;
  sha256: string;
  bytes: Uint8Array;
  storedAt: number;
}

/** A peer's signed result the host keeps until the server took it, for one group. */
export type StoredGroupResult = GroupOutboxEntry & { groupId: string };

/**
 * A group this browser hosts: `scope` names where (`volunteer`, or `pool:<jobId>` on a job's
 * page), one group per scope. The invite is kept so the host can show it again after a
 * reload; it is the host's own and never leaves this browser except as the host shares it.
 */
export interface HostedGroup {
  scope: string;
  /** `groups` (a volunteer group) or `pools` (a customer's private pool): the API the host uses. */
  kind: 'groups' | 'pools';
  groupId: string;
  invite: string;
  kernel: CreatedGroup['kernel'];
  seats: number;
  expiresAt: number;
  /** A pool's billing option, as bought. */
  billing?: 'seat' | 'notice';
  /** Whether the host wants to host now (it pressed Stop hosting, or not): a reload does the same. */
  hosting: boolean;
}

export interface SpareCyclesDB extends DBSchema {
  identity: { key: keyof Identities; value: Identities[keyof Identities] };
  settings: { key: keyof Settings; value: Settings[keyof Settings] };
  outbox: { key: number; value: StoredResult; indexes: { byVolunteer: string } };
  leases: { key: number; value: StoredLease; indexes: { byVolunteer: string } };
  kernels: { key: string; value: StoredKernel; indexes: { byId: string } };
  groupOutbox: { key: number; value: StoredGroupResult; indexes: { byGroup: string } };
  hostedGroups: { key: string; value: HostedGroup };
}

export const DB_NAME = 'sparecycles';
export const DB_VERSION = 3;

let opening: Promise<IDBPDatabase<SpareCyclesDB>> | undefined;

/** The open database, opened once per page and migrated to {@link DB_VERSION}. */
export function openAppDb(): Promise<IDBPDatabase<SpareCyclesDB>> {
  if (opening) return opening;
  const db = openDB<SpareCyclesDB>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      // One step per version, each from the version before it, so any old database is
      // brought up to date in order. Never edit a released step: add the next one.
      if (oldVersion < 1) {
        db.createObjectStore('identity');
        db.createObjectStore('settings');
      }
      if (oldVersion < 2) {
        db.createObjectStore('outbox', { keyPath: 'leaseId' }).createIndex('byVolunteer', 'volunteerId');
        db.createObjectStore('leases', { keyPath: 'leaseId' }).createIndex('byVolunteer', 'volunteerId');
        db.createObjectStore('kernels', { keyPath: 'key' }).createIndex('byId', 'id');
        // Version 1 kept only the worker count; it becomes part of the settings record.
        const settings = transaction.objectStore('settings');
        void settings.get('workerCount').then((n) => {
          if (typeof n === 'number') return settings.put(migratedSettings(n), 'volunteer');
        });
      }
      if (oldVersion < 3) {
        db.createObjectStore('groupOutbox', { keyPath: 'leaseId' }).createIndex('byGroup', 'groupId');
        db.createObjectStore('hostedGroups', { keyPath: 'scope' });
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

/** The settings record version 2 makes from version 1's worker count; the rest at defaults. */
export function migratedSettings(workerCount: number): VolunteerSettings {
  return {
    workerCount,
    dutyPercent: 100,
    pauseWhenHidden: false,
    doNotDisturb: false,
    quietHours: { enabled: false, startMinute: 22 * 60, endMinute: 7 * 60 },
    battery: { enabled: true, minPercent: 20 },
    running: false,
  };
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

/** The group hosted in `scope`, if this browser hosts one there. */
export async function getHostedGroup(scope: string): Promise<HostedGroup | undefined> {
  return (await openAppDb()).get('hostedGroups', scope);
}

export async function saveHostedGroup(group: HostedGroup): Promise<void> {
  await (await openAppDb()).put('hostedGroups', group);
}

/** Forgets the group hosted in `scope` (closed, expired, or gone from the server). */
export async function forgetHostedGroup(scope: string): Promise<void> {
  await (await openAppDb()).delete('hostedGroups', scope);
}
