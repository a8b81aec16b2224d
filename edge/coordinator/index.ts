/**
 * @module The coordinator: the unit and replica lifecycle (DESIGN.md, "Unit and replica
 * lifecycle" and "Trust"), in one folder. Each call here is one transaction of prepared ops
 * (edge/db/prepared.ts): leases (lease.ts), results and error reports (submit.ts), decided
 * by pure rules (decide.ts, unit-rules.ts, trust-rules.ts) and applied with their credits
 * (credits.ts) and trust updates (trust.ts); the server's own runs (verification.ts,
 * verifier.ts, verify/) have the final word. Jobs are reached through a port (ports.ts).
 */
import type { HeartbeatResponse, LeaseResponse } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import { rows, runInTransaction, type Op } from '../db/prepared.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import { JobFundingCache } from './funding.ts';
import { leaseToGroupOp, releaseGroupLeasesOp, type GroupLease, type GroupLeaseSpec, type GroupRelease } from './group-lease.ts';
import { heartbeatOp, leaseUnitsOp, type LeaseRefusal } from './lease.ts';
import type { JobsPort, TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { reportErrorOp, sha256Hex, submitBatchOp, submitOneOp, type ErrorReportStatus, type SubmitStatus } from './submit.ts';
import { createVerifier, type Verifier, type VerifierDeps } from './verifier.ts';

export type { JobsPort, TxContext, UnitsDecided } from './ports.ts';
export type { LeaseRefusal } from './lease.ts';
export type { ErrorReportStatus, SubmitStatus } from './submit.ts';
export { leaseTtlMs } from './lease.ts';
export { groupOrigin, type GroupLease, type GroupLeaseSpec, type GroupRelease } from './group-lease.ts';
export { cancelUnitsOp, enqueueUnitsOp } from './units.ts';

/**
 * Longest a request waits for the server's run of a unit it made wait for one, before it is
 * answered as things stand (`pending`) and the run finishes in the background.
 */
export const VERIFY_INLINE_WAIT_MS = 2_000;

/** The lifecycle's operations, each one transaction (and, where a unit waits for it, the server's run). */
export interface Coordinator {
  /** Leases up to `max` units to a volunteer leasing from network `origin` (an empty list says when to ask again). */
  lease(volunteerId: string, origin: string | null, max: number, now: number): Promise<LeaseResponse>;
  /** Leases up to `max` units to a group's peers, each a replica of one peer under the group's one origin (group-lease.ts). */
  leaseForGroup(spec: GroupLeaseSpec, max: number, now: number): Promise<{ leases: GroupLease[]; retryAfterMs?: number }>;
  /** Gives back group `groupId`'s leases (named ones, or one peer's) still leased: they time out now, unpenalised; answers how many. */
  releaseForGroup(groupId: string, which: GroupRelease, now: number): Promise<number>;
  /** Takes one result for a lease. */
  submit(volunteerId: string, leaseId: number, output: Uint8Array, now: number): Promise<SubmitStatus>;
  /** Takes a batch of results, one status per item in order. */
  submitBatch(volunteerId: string, items: readonly { leaseId: number; output: Uint8Array }[], now: number): Promise<SubmitStatus[]>;
  /** The worker is still on a lease (`progress`: work units done): extend it while that advances, or tell it to stop. */
  heartbeat(volunteerId: string, leaseId: number, progress: number | undefined, now: number): Promise<HeartbeatResponse | LeaseRefusal>;
  /** The worker's kernel failed on a lease. */
  reportError(volunteerId: string, leaseId: number, message: string, now: number): Promise<ErrorReportStatus>;
  /** The server's verifications (background drain, inline runs). */
  verifier: Verifier;
}

/** What the coordinator is built from: what its verifier needs, and the trust rule. */
export interface CoordinatorDeps extends VerifierDeps {
  /** `peers`: the rule before server verification, for the trust bench's comparison run only. @default 'trust' */
  rule?: 'trust' | 'peers';
  /** How long a request waits for the server's run it made wait for (tests wait longer: a loaded machine). @default VERIFY_INLINE_WAIT_MS */
  inlineWaitMs?: number;
}

/**
 * @example
 * const coordinator = createCoordinator({ store, kernels, jobs: jobsPort, random: Math.random, now: Date.now });
 * const { leases } = await coordinator.lease(volunteerId, '203.0.113.0/24', 4, Date.now());
 */
export function createCoordinator(deps: CoordinatorDeps): Coordinator {
  const { store, kernels, jobs, random } = deps;
  const locking = store.dialect === 'postgres';
  const funding = new JobFundingCache();
  const verifier = createVerifier(deps);

  /**
   * Runs `op` as one transaction with a fresh context; the jobs it decided units of are
   * finished after commit where they are done (PostgreSQL: see JobsPort.unitsDecidedOp).
   */
  async function inTx<T>(now: number, op: (c: TxContext) => Op<T>): Promise<T> {
    const c: TxContext = { now, locking, jobs, random, rule: deps.rule ?? 'trust', funding, decidedJobs: new Set() };
    const out = await runInTransaction(store, () => op(c));
    if (c.decidedJobs.size > 0) await jobs.finishDecidedJobs(store, c.decidedJobs, now);
    return out;
  }

  /** Runs the server's verification of the units `statuses` made wait, within the inline bound. */
  async function verifyInline(unitIds: number[]): Promise<boolean> {
    if (unitIds.length === 0) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, deps.inlineWaitMs ?? VERIFY_INLINE_WAIT_MS)));
    await Promise.race([Promise.all([...new Set(unitIds)].map((id) => verifier.runNow(id))), bound]);
    clearTimeout(timer);
    return true;
  }

  /** A result's answer as it stands now (after the server's run changed it, perhaps). */
  async function reanswer(s: SubmitStatus): Promise<SubmitStatus> {
    if (s.status !== 'ok' || !s.verify) return s;
    const [r] = await runInTransaction(store, () => rows(Q.replicaById, { id: s.answer.leaseId }));
    if (!r?.outcome) return s;
    return { ...s, answer: { leaseId: s.answer.leaseId, outcome: r.outcome, creditedPoints: r.credited_points } };
  }

  const waiting = (statuses: readonly SubmitStatus[]) => statuses.flatMap((s) => (s.status === 'ok' && s.verify ? [s.unitId] : []));

  return {
    verifier,
    lease: (volunteerId, origin, max, now) => inTx(now, (c) => leaseUnitsOp(kernels, volunteerId, origin, max, c)),
    leaseForGroup: (spec, max, now) => inTx(now, (c) => leaseToGroupOp(kernels, spec, max, c)),
    releaseForGroup: (groupId, which, now) => inTx(now, (c) => releaseGroupLeasesOp(groupId, which, c)),
    async submit(volunteerId, leaseId, output, now) {
      const hash = sha256Hex(output);
      const s = await inTx(now, (c) => submitOneOp(volunteerId, leaseId, output, hash, c));
      return (await verifyInline(waiting([s]))) ? reanswer(s) : s;
    },
    async submitBatch(volunteerId, items, now) {
      const hashed = items.map((it) => ({ ...it, hash: sha256Hex(it.output) }));
      const statuses = await inTx(now, (c) => submitBatchOp(volunteerId, hashed, c));
      return (await verifyInline(waiting(statuses))) ? Promise.all(statuses.map(reanswer)) : statuses;
    },
    heartbeat: (volunteerId, leaseId, progress, now) => inTx(now, (c) => heartbeatOp(volunteerId, leaseId, progress, c)),
    async reportError(volunteerId, leaseId, message, now) {
      const s = await inTx(now, (c) => reportErrorOp(volunteerId, leaseId, message, c));
      if (s.status !== 'ok' || !s.verify) return s;
      await verifyInline([s.unitId]);
      const [u] = await runInTransaction(store, () => rows(Q.unitById, { id: s.unitId }));
      return u ? { ...s, unitState: u.state } : s;
    },
  };
}
