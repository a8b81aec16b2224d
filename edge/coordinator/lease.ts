/**
 * @module Leasing: hands a volunteer up to `max` units that want replicas (never a unit it
 * already holds a replica of), reissues leases past their deadline, and extends a lease its
 * worker is still on. Each call is one transaction.
 */
import type { HeartbeatResponse, Lease, LeaseResponse } from '../../shared/api/schemas.ts';
import { bytesToBase64 } from '../../shared/base64.ts';
import { DAY_MS, IDLE_RETRY_MS, LEASE_HELD_TTLS_MAX, LEASE_TTL_MAX_MS, LEASE_TTL_MIN_MS, LEASE_TTL_PER_POINT_MS } from '../../shared/limits.ts';
import { exec, rows, type Op } from '../db/prepared.ts';
import type { ReplicaHead, UnitHead, UnitRow } from '../db/schema.ts';
import { kernelKey, type KernelEntry, type KernelRegistry } from '../kernels/registry.ts';
import { unfundedJobsOp } from './funding.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { leaseSolo, quotaLeft } from './trust-rules.ts';
import { applyVerdictOp } from './verdict.ts';

/** Longest wait a volunteer over its quota is told before asking again. */
const QUOTA_RETRY_MS_MAX = 3_600_000;
/** Expired leases reissued per lease call, so one call's work stays bounded. */
const EXPIRED_SWEEP_MAX = 256;

/** Why a lease id can't be used by the caller. */
export type LeaseRefusal = 'lease_not_found' | 'lease_not_yours';

/** A lease's lifetime, sized from the unit's cost so slow devices can still finish. */
export function leaseTtlMs(costPoints: number): number {
  return Math.min(LEASE_TTL_MAX_MS, LEASE_TTL_MIN_MS + costPoints * LEASE_TTL_PER_POINT_MS);
}

/** What a volunteer is told of a unit leased to it as replica `replicaId`, until `deadline`. */
export function leaseOf(unit: UnitRow, kernel: KernelEntry, replicaId: number, deadline: number): Lease {
  return {
    leaseId: replicaId,
    unitId: Number(unit.id),
    jobId: unit.job_id,
    kernel: { id: kernel.id, version: kernel.version, sha256: kernel.sha256 },
    input: bytesToBase64(new Uint8Array(unit.input)),
    outputBytes: unit.output_bytes,
    costPoints: unit.cost_points,
    deadline,
  };
}

/** Counts `leased` more units on the quota of today (UTC) of volunteer `volunteerId`, whose quota row read `v`. */
export function* useQuotaOp(volunteerId: string, v: { quota_day: number; quota_used: number }, leased: number, now: number): Op<void> {
  const today = Math.floor(now / DAY_MS);
  yield* exec(Q.setQuotaUsed, { id: volunteerId, day: today, used: (v.quota_day === today ? v.quota_used : 0) + leased });
}

/**
 * Marks leases `timed_out` (those still `leased`), so their units want a new replica: what
 * happens to a lease past its deadline, and to one given back early (a group's peer that
 * left, group-lease.ts). Nobody is penalised: a late result is still taken while the unit is
 * undecided. Answers how many were marked.
 */
export function* timeOutLeasesOp(leases: readonly { id: number; unit_id: number; solo: number }[], c: TxContext): Op<number> {
  // Units are locked in id order, as every other path locks them, so sweeps can't deadlock.
  const ordered = [...leases].sort((a, b) => a.unit_id - b.unit_id);
  let marked = 0;
  for (const r of ordered) {
    const [unit] = yield* rows(Q.unitForUpdate, { id: r.unit_id });
    // Another node's sweep (or the late result itself) may have settled it meanwhile.
    if ((yield* exec(Q.setReplicaTimedOut, { id: r.id })) === 0) continue;
    // A unit held alone by a trusted volunteer goes back to its job's quorum when reissued.
    yield* applyVerdictOp({ ...unit!, leased: unit!.leased - 1, quorum: r.solo ? unit!.quorum_base : unit!.quorum }, c);
    marked++;
  }
  return marked;
}

/** Marks leases past their deadline `timed_out`, so their units want a new replica. */
export function* expireLeasesOp(c: TxContext): Op<number> {
  const expired = yield* rows(Q.expiredReplicas, { now: c.now, max: EXPIRED_SWEEP_MAX });
  yield* timeOutLeasesOp(expired, c);
  return expired.length;
}

/**
 * Leases up to `max` units to `volunteerId` (leasing from network `origin`), within its daily
 * quota; an established volunteer may get fresh units alone (see trust-rules.ts). `retryAfterMs` says when to ask again when
 * nothing was leased.
 */
export function* leaseUnitsOp(registry: KernelRegistry, volunteerId: string, origin: string | null, max: number, c: TxContext): Op<LeaseResponse> {
  const now = c.now;
  yield* expireLeasesOp(c);
  const [v] = yield* rows(Q.volunteerTrust, { id: volunteerId });
  if (!v) throw new Error(`volunteer ${volunteerId} vanished`);
  const left = quotaLeft(v, now);
  if (left <= 0) return { leases: [], retryAfterMs: Math.min(DAY_MS - (now % DAY_MS), QUOTA_RETRY_MS_MAX) };
  const units = yield* rows(Q.openUnitsFor, { volunteer: volunteerId, max: Math.min(max, left) });
  const unfunded = units.length > 0 ? yield* unfundedJobsOp(units.map((u) => u.job_id), volunteerId, [origin], c.funding) : new Set<string>();
  const leases: Lease[] = [];
  for (const unit of units) {
    const kernel = registry.entries.get(kernelKey(unit.kernel_id, unit.kernel_version));
    if (!kernel) continue;
    const deadline = now + leaseTtlMs(unit.cost_points);
    const solo = unit.state === 'queued' && unit.replicas === 0 && leaseSolo(v, c.random);
    const [replica] = yield* rows(Q.insertReplica, { unit: unit.id, volunteer: volunteerId, now, deadline, solo: solo ? 1 : 0, origin, unfunded: unfunded.has(unit.job_id) ? 1 : 0 });
    if (!replica) continue;
    yield* applyVerdictOp({ ...unit, leased: unit.leased + 1, replicas: unit.replicas + 1, quorum: solo ? 1 : unit.quorum }, c);
    leases.push(leaseOf(unit, kernel, Number(replica.id), deadline));
  }
  if (leases.length > 0) yield* useQuotaOp(volunteerId, v, leases.length, now);
  return leases.length > 0 ? { leases } : { leases, retryAfterMs: IDLE_RETRY_MS };
}

/** The caller's replica (lease), or why it can't be used. */
export function* ownReplicaOp(leaseId: number, volunteerId: string): Op<ReplicaHead | LeaseRefusal> {
  const [replica] = yield* rows(Q.replicaById, { id: leaseId });
  if (!replica) return 'lease_not_found';
  if (replica.volunteer_id !== volunteerId) return 'lease_not_yours';
  return replica;
}

/**
 * The caller's replica and its unit, about to be changed. With `locking` (PostgreSQL), the
 * unit is locked and then the replica re-read under a lock of its own (the lock order every
 * writer keeps); SQLite runs one writer at a time and reads each once.
 */
export function* replicaAndUnitOp(leaseId: number, volunteerId: string, locking: boolean): Op<{ replica: ReplicaHead; unit: UnitHead } | LeaseRefusal> {
  const replica = yield* ownReplicaOp(leaseId, volunteerId);
  if (typeof replica === 'string') return replica;
  const [unit] = yield* rows(locking ? Q.unitForUpdate : Q.unitById, { id: replica.unit_id });
  if (!locking) return { replica, unit: unit! };
  const [locked] = yield* rows(Q.replicaForUpdate, { id: leaseId });
  return { replica: locked!, unit: unit! };
}

/** Locks, in ascending id order, the units of the caller's leases among `leaseIds` (a batch about to be settled). */
export function* lockUnitsOfLeasesOp(leaseIds: readonly number[]): Op<void> {
  const units = new Set<number>();
  for (const id of leaseIds) {
    const [r] = yield* rows(Q.replicaById, { id });
    if (r) units.add(r.unit_id);
  }
  for (const id of [...units].sort((a, b) => a - b)) yield* rows(Q.unitForUpdate, { id });
}

const STOP_REASONS = { valid: 'unit_valid', failed: 'unit_failed', cancelled: 'unit_cancelled' } as const;

/**
 * A worker is still on its unit: extend the lease, or tell it to stop because the unit was
 * decided or cancelled meanwhile. The lease is extended only when `progress` (work units
 * done) advanced since the last heartbeat, and never past LEASE_HELD_TTLS_MAX lifetimes
 * from when it was leased: heartbeats alone can't hold a unit back from other volunteers. A
 * lease that already timed out is not revived (its unit may have been reissued), but its
 * late result will still be taken while the unit is undecided.
 */
export function* heartbeatOp(volunteerId: string, leaseId: number, progress: number | undefined, c: TxContext): Op<HeartbeatResponse | LeaseRefusal> {
  const replica = yield* ownReplicaOp(leaseId, volunteerId);
  if (typeof replica === 'string') return replica;
  const [unit] = yield* rows(Q.unitById, { id: replica.unit_id });
  const deadline = replica.deadline_at;
  if (unit!.state === 'valid' || unit!.state === 'failed' || unit!.state === 'cancelled') {
    return { leaseId, deadline, stop: true, reason: STOP_REASONS[unit!.state] };
  }
  if (replica.state === 'returned' || replica.state === 'errored') return { leaseId, deadline, stop: true, reason: 'lease_closed' };
  if (replica.state === 'timed_out') return { leaseId, deadline, stop: false };
  if (progress === undefined || progress <= replica.progress) return { leaseId, deadline, stop: false };
  const ttl = leaseTtlMs(unit!.cost_points);
  const extended = Math.max(deadline, Math.min(c.now + ttl, replica.leased_at + LEASE_HELD_TTLS_MAX * ttl));
  yield* exec(Q.extendReplica, { id: leaseId, deadline: extended, progress });
  return { leaseId, deadline: extended, stop: false };
}
