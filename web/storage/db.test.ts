/**
 * @module Tests of the browser storage on an in-memory IndexedDB (fake-indexeddb): the
 * version 1 → 2 upgrade keeps what version 1 stored, the version 2 → 3 upgrade adds the
 * group stores and keeps the rest, the outbox and held leases are scoped to one identity, a
 * group host's outbox to one group, and the kernel cache keeps one version per kernel.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  vi.resetModules();
});

const load = async () => ({ ...(await import('./db.ts')), ...(await import('./work-store.ts')) });

describe('IndexedDB storage', () => {
  it('upgrades a version 1 database, keeping the identity and moving the worker count into the settings', async () => {
    const v1 = await openDB('sparecycles', 1, {
      upgrade(db) {
        db.createObjectStore('identity');
        db.createObjectStore('settings');
      },
    });
    await v1.put('identity', { volunteerId: 'v_1', token: 'v_1.s' }, 'volunteer');
    await v1.put('settings', 3, 'workerCount');
    v1.close();

    const { getVolunteerIdentity, getSetting, openAppDb, DB_VERSION } = await load();
    expect(await getVolunteerIdentity()).toEqual({ volunteerId: 'v_1', token: 'v_1.s' });
    expect(await getSetting('volunteer')).toMatchObject({ workerCount: 3, dutyPercent: 100, running: false });
    const db = await openAppDb();
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['groupOutbox', 'hostedGroups', 'identity', 'kernels', 'leases', 'outbox', 'settings']);
  });

  it('upgrades a version 2 database to 3, keeping its results and kernels and adding the group stores', async () => {
    const v2 = await openDB('sparecycles', 2, {
      upgrade(db) {
        db.createObjectStore('identity');
        db.createObjectStore('settings');
        db.createObjectStore('outbox', { keyPath: 'leaseId' }).createIndex('byVolunteer', 'volunteerId');
        db.createObjectStore('leases', { keyPath: 'leaseId' }).createIndex('byVolunteer', 'volunteerId');
        db.createObjectStore('kernels', { keyPath: 'key' }).createIndex('byId', 'id');
      },
    });
    const entry = { leaseId: 9, unitId: 2, jobId: 'j', costPoints: 3, output: new Uint8Array([7]), computedAt: 5, attempts: 0, notBefore: 0 };
    await v2.put('outbox', { ...entry, volunteerId: 'v_1' });
    v2.close();

    const { idbOutboxStore, idbGroupOutboxStore, openAppDb } = await load();
    expect(await idbOutboxStore('v_1').list()).toEqual([entry]);
    expect(await idbGroupOutboxStore('g_1').list()).toEqual([]);
    expect((await openAppDb()).version).toBe(3);
  });

  it('creates a fresh database with no settings record (defaults apply)', async () => {
    const { getSetting } = await load();
    expect(await getSetting('volunteer')).toBeUndefined();
  });

  it('keeps each identity’s results and leases apart', async () => {
    const { idbOutboxStore, idbLeaseStore } = await load();
    const a = idbOutboxStore('v_a');
    const b = idbOutboxStore('v_b');
    const entry = { leaseId: 1, unitId: 2, jobId: 'j', costPoints: 3, output: new Uint8Array([1, 2, 3]), computedAt: 5, attempts: 0, notBefore: 0 };
    await a.put(entry);
    expect(await a.list()).toEqual([entry]);
    expect(await b.list()).toEqual([]);
    expect(await b.get(1)).toBeUndefined();
    await a.delete(1);
    expect(await a.list()).toEqual([]);

    const lease = { leaseId: 4, unitId: 2, jobId: 'j', kernel: { id: 'k', version: 1, sha256: 'ab' }, input: '', outputBytes: 3, costPoints: 3, deadline: 0 };
    const la = idbLeaseStore('v_a');
    await la.put({ lease, heldAt: 1 });
    await idbLeaseStore('v_b').put({ lease: { ...lease, leaseId: 5 }, heldAt: 2 });
    expect((await la.list()).map((h) => h.lease.leaseId)).toEqual([4]);
    await la.clear();
    expect(await la.list()).toEqual([]);
    expect((await idbLeaseStore('v_b').list()).map((h) => h.lease.leaseId)).toEqual([5]);
  });

  it('keeps each group’s results apart in the host’s outbox', async () => {
    const { idbGroupOutboxStore } = await load();
    const a = idbGroupOutboxStore('g_a');
    const b = idbGroupOutboxStore('g_b');
    const entry = { leaseId: 11, seatId: 3, output: new Uint8Array([1, 2]), inputSha256: 'ab'.repeat(32), signature: 's'.repeat(86), computedAt: 4 };
    await a.put(entry);
    await b.put({ ...entry, leaseId: 12 });
    expect(await a.list()).toEqual([entry]);
    expect((await b.list()).map((e) => e.leaseId)).toEqual([12]);
    // Another group's store does not delete this group's entry.
    await b.delete(11);
    expect(await a.list()).toEqual([entry]);
    await a.delete(11);
    expect(await a.list()).toEqual([]);
    expect((await b.list()).map((e) => e.leaseId)).toEqual([12]);
  });

  it('remembers the group hosted in each scope until it is forgotten', async () => {
    const { getHostedGroup, saveHostedGroup, forgetHostedGroup } = await load();
    const group = { scope: 'volunteer', kind: 'groups' as const, groupId: 'g_1', invite: 'x'.repeat(43), kernel: { id: 'lorenz96', version: 1, sha256: 'aa' }, seats: 2, expiresAt: 9, hosting: true };
    await saveHostedGroup(group);
    await saveHostedGroup({ ...group, scope: 'pool:j_1', kind: 'pools', groupId: 'g_2' });
    expect(await getHostedGroup('volunteer')).toEqual(group);
    await forgetHostedGroup('volunteer');
    expect(await getHostedGroup('volunteer')).toBeUndefined();
    expect((await getHostedGroup('pool:j_1'))?.groupId).toBe('g_2');
  });

  it('keeps one version of a kernel: a new version replaces the old', async () => {
    const { idbKernelCache } = await load();
    const cache = idbKernelCache();
    const v1 = { id: 'lorenz96', version: 1, sha256: 'aa' };
    const v2 = { id: 'lorenz96', version: 2, sha256: 'bb' };
    const other = { id: 'ebm', version: 1, sha256: 'cc' };
    await cache.put(v1, new Uint8Array([1]));
    await cache.put(other, new Uint8Array([3]));
    expect(await cache.get(v1)).toEqual(new Uint8Array([1]));
    await cache.put(v2, new Uint8Array([2]));
    expect(await cache.get(v1)).toBeUndefined();
    expect(await cache.get(v2)).toEqual(new Uint8Array([2]));
    expect(await cache.get(other)).toEqual(new Uint8Array([3]));
    // The same id and version with another hash (a rebuilt kernel) is another entry.
    expect(await cache.get({ ...v2, sha256: 'dd' })).toBeUndefined();
  });
});
