/**
 * @module Leasing: hands a volunteer up to `max` units that want replicas (never a unit it
 * already holds a replica of), and reissues leases past their deadline. Each call is one
 * transaction.
 */
import type { Transaction } from 'kysely';
import type { HeartbeatResponse, Lease } from '../../shared/api/schemas.ts';
import { ProblemError } from '../http/problem.ts';
import { bytesToBase64 } from '../../shared/base64.ts';
import { IDLE_RETRY_MS, LEASE_TTL_MAX_MS, LEASE_TTL_MIN_MS, LEASE_TTL_PER_POINT_MS } from '../../shared/limits.ts';
import { DAY_MS, leaseSolo, quotaLeft } from '../validation/trust.ts';
import type { Store } from '../db/index.ts';
import type { Database, ReplicaRow } from '../db/schema.ts';
import { kernelKey, type KernelRegistry } from '../kernels/registry.ts';
import { applyVerdict } from '../validation/apply.ts';

/** Longest wait a volunteer over its quota is told before asking again. */
const QUOTA_RETRY_MS_MAX = 3_600_000;
/** Expired leases reissued per lease call, so one call's work stays bounded. */
const EXPIRED_SWEEP_MAX = 256;

/** A lease's lifetime, sized from the unit's cost so slow devices can still finish. */
export function leaseTtlMs(costPoints: number): number {
  return Math.min(LEASE_TTL_MAX_MS, LEASE_TTL_MIN_MS + costPoints * LEASE_TTL_PER_POINT_MS);
}

/** Marks leases past their deadline `timed_out`, so their units want a new replica. */
export async function expireLeases(trx: Transaction<Database>, now: number): Promise<number> {
  const expired = await trx
    .selectFrom('replicas')
    .select(['id', 'unit_id', 'solo'])
    .where('state', '=', 'leased')
    .where('deadline_at', '<', now)
    .orderBy('deadline_at')
    .limit(EXPIRED_SWEEP_MAX)
    .execute();
  for (const r of expired) {
    await trx.updateTable('replicas').set({ state: 'timed_out' }).where('id', '=', r.id).execute();
    const unit = await trx.selectFrom('units').selectAll().where('id', '=', r.unit_id).executeTakeFirstOrThrow();
    // A unit held alone by a trusted volunteer goes back to its job's quorum when reissued.
    await applyVerdict(trx, { ...unit, leased: unit.leased - 1, quorum: r.solo ? unit.quorum_base : unit.quorum }, now);
  }
  return expired.length;
}

/**
 * Leases up to `max` units to `volunteerId`, within its daily quota; a trusted volunteer
 * may get fresh units alone (see trust.ts). `retryAfterMs` says when to ask again when
 * nothing was leased.
 */
export async function leaseUnits(
  store: Store,
  registry: KernelRegistry,
  volunteerId: string,
  max: number,
  now: number,
  random: () => number = Math.random,
): Promise<{ leases: Lease[]; retryAfterMs?: number }> {
  return store.db.transaction().execute(async (trx) => {
    await expireLeases(trx, now);
    const v = await trx.selectFrom('volunteers').select(['valid_streak', 'quota_daily', 'quota_day', 'quota_used']).where('id', '=', volunteerId).executeTakeFirstOrThrow();
    const left = quotaLeft(v, now);
    if (left <= 0) return { leases: [], retryAfterMs: Math.min(DAY_MS - (now % DAY_MS), QUOTA_RETRY_MS_MAX) };
    const q = trx
      .selectFrom('units as u')
      .selectAll('u')
      .where('u.want', '>', 0)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('replicas as r').select('r.id').whereRef('r.unit_id', '=', 'u.id').where('r.volunteer_id', '=', volunteerId))),
      )
      .orderBy('u.id')
      .limit(Math.min(max, left));
    const units = await q.execute();
    const leases: Lease[] = [];
    for (const unit of units) {
      const kernel = registry.entries.get(kernelKey(unit.kernel_id, unit.kernel_version));
      if (!kernel) continue;
      const deadline = now + leaseTtlMs(unit.cost_points);
      const solo = unit.state === 'queued' && unit.replicas === 0 && leaseSolo(v.valid_streak, random);
      const replica = await trx
        .insertInto('replicas')
        .values({ unit_id: unit.id, volunteer_id: volunteerId, state: 'leased', outcome: null, leased_at: now, deadline_at: deadline, returned_at: null, result_hash: null, result: null, error: null, solo: solo ? 1 : 0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await applyVerdict(trx, { ...unit, leased: unit.leased + 1, replicas: unit.replicas + 1, quorum: solo ? 1 : unit.quorum }, now);
      leases.push({
        leaseId: Number(replica.id),
        unitId: Number(unit.id),
        jobId: unit.job_id,
        kernel: { id: kernel.id, version: kernel.version, sha256: kernel.sha256 },
        input: bytesToBase64(new Uint8Array(unit.input)),
        outputBytes: unit.output_bytes,
        costPoints: unit.cost_points,
        deadline,
      });
    }
    const today = Math.floor(now / DAY_MS);
    const used = (v.quota_day === today ? v.quota_used : 0) + leases.length;
    await trx.updateTable('volunteers').set({ quota_day: today, quota_used: used }).where('id', '=', volunteerId).execute();
    return leases.length > 0 ? { leases } : { leases, retryAfterMs: IDLE_RETRY_MS };
  });
}

/** The caller's replica (lease), or the problem that explains why it can't be used. */
export async function ownReplica(trx: Transaction<Database>, leaseId: number, volunteerId: string): Promise<ReplicaRow> {
  const replica = await trx.selectFrom('replicas').selectAll().where('id', '=', leaseId).executeTakeFirst();
  if (!replica) throw new ProblemError('lease-not-found', `lease ${leaseId} does not exist`);
  if (replica.volunteer_id !== volunteerId) throw new ProblemError('lease-not-yours', `lease ${leaseId} was not issued to you`);
  return replica;
}

const STOP_REASONS = { valid: 'unit_valid', failed: 'unit_failed', cancelled: 'unit_cancelled' } as const;

/**
 * A worker is still on its unit: extend the lease, or tell it to stop because the unit was
 * decided or cancelled meanwhile. A lease that already timed out is not revived (its unit may
 * have been reissued), but its late result will still be taken while the unit is undecided.
 */
export async function heartbeat(store: Store, volunteerId: string, leaseId: number, now: number): Promise<HeartbeatResponse> {
  return store.db.transaction().execute(async (trx) => {
    const replica = await ownReplica(trx, leaseId, volunteerId);
    const unit = await trx.selectFrom('units').select(['state', 'cost_points']).where('id', '=', replica.unit_id).executeTakeFirstOrThrow();
    const deadline = Number(replica.deadline_at);
    if (unit.state === 'valid' || unit.state === 'failed' || unit.state === 'cancelled') {
      return { leaseId, deadline, stop: true, reason: STOP_REASONS[unit.state] };
    }
    if (replica.state === 'returned' || replica.state === 'errored') return { leaseId, deadline, stop: true, reason: 'lease_closed' };
    if (replica.state === 'timed_out') return { leaseId, deadline, stop: false };
    const extended = Math.max(deadline, now + leaseTtlMs(unit.cost_points));
    await trx.updateTable('replicas').set({ deadline_at: extended }).where('id', '=', leaseId).execute();
    return { leaseId, deadline: extended, stop: false };
  });
}
