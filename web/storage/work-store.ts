/**
 * @module The volunteer work loop's storage interfaces (shared/volunteer) over IndexedDB:
 * the outbox of finished results, the leases held with their checkpoints, and the kernel
 * cache. Outbox and leases are scoped to one volunteer identity, so results are never sent
 * with another identity's token. And a group host's outbox of its peers' signed results,
 * scoped to one group.
 */
import type { HeldLease, LeaseStore } from '../../shared/volunteer/work-loop.ts';
import type { OutboxEntry, OutboxStore } from '../../shared/volunteer/outbox.ts';
import type { KernelCache, KernelRef } from '../../shared/volunteer/kernel-source.ts';
import { kernelCacheKey } from '../../shared/volunteer/kernel-source.ts';
import type { GroupOutboxStore } from '../../shared/groups/host.ts';
import { openAppDb, type StoredLease, type StoredResult } from './db.ts';

function toEntry({ volunteerId: _v, ...entry }: StoredResult): OutboxEntry {
  return entry;
}

export function idbOutboxStore(volunteerId: string): OutboxStore {
  return {
    async list() {
      const db = await openAppDb();
      return (await db.getAllFromIndex('outbox', 'byVolunteer', volunteerId)).map(toEntry);
    },
    async get(leaseId) {
      const found = await (await openAppDb()).get('outbox', leaseId);
      return found?.volunteerId === volunteerId ? toEntry(found) : undefined;
    },
    async put(entry) {
      await (await openAppDb()).put('outbox', { ...entry, volunteerId });
    },
    async delete(leaseId) {
      await (await openAppDb()).delete('outbox', leaseId);
    },
  };
}

function toHeld(s: StoredLease): HeldLease {
  return {
    lease: s.lease,
    heldAt: s.heldAt,
    ...(s.checkpoint ? { checkpoint: s.checkpoint, checkpointDone: s.checkpointDone ?? 0 } : {}),
  };
}

export function idbLeaseStore(volunteerId: string): LeaseStore {
  return {
    async list() {
      return (await (await openAppDb()).getAllFromIndex('leases', 'byVolunteer', volunteerId)).map(toHeld);
    },
    async put(held) {
      await (await openAppDb()).put('leases', { ...held, volunteerId, leaseId: held.lease.leaseId });
    },
    async delete(leaseId) {
      await (await openAppDb()).delete('leases', leaseId);
    },
    async clear() {
      const db = await openAppDb();
      const tx = db.transaction('leases', 'readwrite');
      for (const key of await tx.store.index('byVolunteer').getAllKeys(volunteerId)) await tx.store.delete(key);
      await tx.done;
    },
  };
}

/** Kernel bytes by id, version and hash; storing one version forgets the others of that id. */
export function idbKernelCache(now: () => number = Date.now): KernelCache {
  return {
    async get(ref: KernelRef) {
      return (await (await openAppDb()).get('kernels', kernelCacheKey(ref)))?.bytes;
    },
    async put(ref: KernelRef, bytes: Uint8Array) {
      const db = await openAppDb();
      const tx = db.transaction('kernels', 'readwrite');
      const key = kernelCacheKey(ref);
      for (const old of await tx.store.index('byId').getAllKeys(ref.id)) if (old !== key) await tx.store.delete(old);
      await tx.store.put({ key, id: ref.id, version: ref.version, sha256: ref.sha256, bytes, storedAt: now() });
      await tx.done;
    },
    async delete(ref: KernelRef) {
      await (await openAppDb()).delete('kernels', kernelCacheKey(ref));
    },
  };
}

/**
 * A group host's outbox (shared/groups/host.ts) for one group: results of other groups stay
 * apart, so they are never uploaded to a group they were not leased in.
 */
export function idbGroupOutboxStore(groupId: string): GroupOutboxStore {
  return {
    async list() {
      return (await (await openAppDb()).getAllFromIndex('groupOutbox', 'byGroup', groupId)).map(({ groupId: _g, ...entry }) => entry);
    },
    async put(entry) {
      await (await openAppDb()).put('groupOutbox', { ...entry, groupId });
    },
    async delete(leaseId) {
      const db = await openAppDb();
      const tx = db.transaction('groupOutbox', 'readwrite');
      // Lease ids are the server's, unique across groups; still, only this group's entry goes.
      if ((await tx.store.get(leaseId))?.groupId === groupId) await tx.store.delete(leaseId);
      await tx.done;
    },
  };
}
