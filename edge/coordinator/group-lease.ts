/**
 * @module Leasing units to a group (issue 16): the host asks once and each unit becomes a
 * normal replica leased to ONE peer's volunteer identity, so the peer's result goes through
 * the normal submit path and earns (or not) as its own. The coordinator's rules hold: at
 * most one replica of a unit inside a group (a unit that any member already holds a replica
 * of, directly or through the group, is not handed to the group again); the group's
 * replicas carry one synthetic network origin, `group:<id>`, so independence (decide.ts)
 * counts the whole group as one origin and quorum partners come from outside it; daily
 * quotas and probation are the peers' own, unchanged. A group's leases given back early (a
 * peer left mid-unit, or gave up on its host) time out at once, as an expired lease does
 * ({@link releaseGroupLeasesOp}), so their units are leased again.
 */
import { sql } from 'kysely';
import type { Lease } from '../../shared/api/schemas.ts';
import { GROUP_RELEASED_MAX } from '../../shared/groups/schemas.ts';
import { IDLE_RETRY_MS } from '../../shared/limits.ts';
import { dynamicRows, prepare, rows, type Op } from '../db/prepared.ts';
import type { UnitRow } from '../db/schema.ts';
import { kernelKey, type KernelRegistry } from '../kernels/registry.ts';
import { unfundedJobsOp } from './funding.ts';
import { expireLeasesOp, leaseOf, timeOutLeasesOp, useQuotaOp } from './lease.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { leaseSolo, quotaLeft } from './trust-rules.ts';
import { applyVerdictOp } from './verdict.ts';

/** The network origin every replica of group `groupId` is leased under: one origin for independence. */
export const groupOrigin = (groupId: string) => `group:${groupId}`;

/** What a group lease is for. */
export interface GroupLeaseSpec {
  groupId: string;
  /**
   * Peers that may be handed units (claimed seats that sent their notice), with their seat
   * ids and the network origin each claimed its seat from (for trial-only jobs, funding.ts).
   */
  peers: readonly { volunteerId: string; seatId: number; origin: string | null }[];
  /** Every identity of the group (peers of any seat state, and a volunteer host): none may hold a replica of a unit handed to the group. */
  members: readonly string[];
  kernel: { id: string; version: number };
  /** A private pool: only its job's units, no solo leases, its quorum, and no points. */
  pool: { jobId: string; quorum: number | null } | null;
  /**
   * The host's network origin: a trial-only job's replica earns nothing when the host's or its
   * peer's origin is linked to the job's customer (funding.ts), since the server cannot tell
   * which of the two machines really computes.
   */
  hostOrigin: string | null;
  /** How long the group's leases last. */
  ttlMs: number;
}

/** A unit leased to one of the group's peers. */
export type GroupLease = Lease & { seatId: number; volunteerId: string };

/** Open units of the group's kernel that no member of the group holds a live replica of (with `locking`, PostgreSQL: locked, skipping rows others hold, as openUnitsFor). */
function openUnitsForGroup(spec: GroupLeaseSpec, max: number, locking: boolean) {
  return dynamicRows((db) => {
    let q = db
      .selectFrom('units as u')
      .selectAll('u')
      .where('u.want', '>', 0)
      .where('u.kernel_id', '=', spec.kernel.id)
      .where('u.kernel_version', '=', spec.kernel.version)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('replicas as r')
              .select('r.id')
              .whereRef('r.unit_id', '=', 'u.id')
              .where('r.state', '<>', 'timed_out')
              .where((eb) => eb.or([eb('r.origin', '=', groupOrigin(spec.groupId)), ...(spec.members.length > 0 ? [eb('r.volunteer_id', 'in', spec.members)] : [])])),
          ),
        ),
      )
      .orderBy('u.id')
      .limit(max);
    if (spec.pool) q = q.where('u.job_id', '=', spec.pool.jobId);
    return locking ? q.forUpdate().skipLocked() : q;
  });
}

/**
 * Leases up to `max` units to the group's peers, one peer per unit in turn, each within its
 * own daily quota; the peers' volunteer rows are locked in id order (as every writer locks them).
 */
export function* leaseToGroupOp(registry: KernelRegistry, spec: GroupLeaseSpec, max: number, c: TxContext): Op<{ leases: GroupLease[]; retryAfterMs?: number }> {
  const now = c.now;
  yield* expireLeasesOp(c);
  const peers = [...spec.peers].sort((a, b) => (a.volunteerId < b.volunteerId ? -1 : a.volunteerId > b.volunteerId ? 1 : 0));
  const standing = [];
  for (const p of peers) {
    const [v] = yield* rows(Q.volunteerTrust, { id: p.volunteerId });
    if (v && quotaLeft(v, now) > 0) standing.push({ ...p, v, left: quotaLeft(v, now), used: 0 });
  }
  if (standing.length === 0) return { leases: [], retryAfterMs: IDLE_RETRY_MS };
  const units = (yield* openUnitsForGroup(spec, max, c.locking)) as UnitRow[];
  const leases: GroupLease[] = [];
  const jobIds = units.map((u) => u.job_id);
  const unfundedFor = new Map<string, Set<string>>();
  let turn = 0;
  for (const unit of units) {
    const kernel = registry.entries.get(kernelKey(unit.kernel_id, unit.kernel_version));
    const open = standing.filter((s) => s.used < s.left);
    if (!kernel || open.length === 0) continue;
    const peer = open[turn++ % open.length]!;
    // Once per peer, for all the units' jobs (a trial job's check reads the peer's account).
    if (!spec.pool && !unfundedFor.has(peer.volunteerId)) unfundedFor.set(peer.volunteerId, yield* unfundedJobsOp(jobIds, peer.volunteerId, [spec.hostOrigin, peer.origin], c.funding));
    const unfunded = spec.pool ? true : unfundedFor.get(peer.volunteerId)!.has(unit.job_id);
    const solo = !spec.pool && unit.state === 'queued' && unit.replicas === 0 && leaseSolo(peer.v, c.random);
    const deadline = now + spec.ttlMs;
    const [replica] = yield* rows(Q.insertReplica, { unit: unit.id, volunteer: peer.volunteerId, now, deadline, solo: solo ? 1 : 0, origin: groupOrigin(spec.groupId), unfunded: unfunded ? 1 : 0 });
    if (!replica) continue;
    // A pool's quorum is the customer's choice for its own job (it bears that risk); solo as for anyone.
    const quorum = solo ? 1 : (spec.pool?.quorum ?? unit.quorum);
    yield* applyVerdictOp({ ...unit, leased: unit.leased + 1, replicas: unit.replicas + 1, quorum }, c);
    peer.used++;
    leases.push({ ...leaseOf(unit, kernel, Number(replica.id), deadline), seatId: peer.seatId, volunteerId: peer.volunteerId });
  }
  for (const s of standing) if (s.used > 0) yield* useQuotaOp(s.volunteerId, s.v, s.used, now);
  return leases.length > 0 ? { leases } : { leases, retryAfterMs: IDLE_RETRY_MS };
}

/** Leased replicas of one group's peer, oldest first (served by the index on replicas' volunteer). */
const leasedOfGroupPeer = prepare("a group peer's leased replicas", ['volunteer', 'origin', 'max'], (db, p) =>
  db
    .selectFrom('replicas')
    .select(['id', 'unit_id', 'solo'])
    .where('volunteer_id', '=', p('volunteer'))
    .where('origin', '=', p('origin'))
    .where('state', '=', sql.lit('leased'))
    .orderBy('id')
    .limit(p('max')),
);

/** Which of a group's leases to give back: those named (the host's), or all of one peer's. */
export type GroupRelease = { leaseIds: readonly number[] } | { volunteerId: string };

/**
 * Gives back leases of group `groupId` still `leased`: each times out as an expired lease
 * does (expireLeasesOp's rules: units locked in id order, their verdict reapplied), so its
 * unit wants a replica again, from the group or anyone. No trust changes and nobody is
 * penalised: the peer did not fail, it left (or was given an input its host altered). Leases
 * not of this group, or not leased any more, are left alone. Answers how many were released.
 */
export function* releaseGroupLeasesOp(groupId: string, which: GroupRelease, c: TxContext): Op<number> {
  const origin = groupOrigin(groupId);
  const leases =
    'leaseIds' in which
      ? which.leaseIds.length === 0
        ? []
        : yield* dynamicRows((db) => db.selectFrom('replicas').select(['id', 'unit_id', 'solo']).where('id', 'in', [...which.leaseIds]).where('origin', '=', origin).where('state', '=', 'leased'))
      : yield* rows(leasedOfGroupPeer, { volunteer: which.volunteerId, origin, max: GROUP_RELEASED_MAX });
  return yield* timeOutLeasesOp(leases, c);
}
