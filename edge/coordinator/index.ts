/**
 * @module The coordinator: the unit and replica lifecycle (DESIGN.md, "Unit and replica
 * lifecycle"), in one folder. Each call here is one transaction of prepared ops
 * (edge/db/prepared.ts): leases (lease.ts), results and error reports (submit.ts), decided
 * by pure rules (decide.ts, unit-rules.ts, trust-rules.ts) and applied with their credits
 * (credits.ts) and trust updates (trust.ts). Jobs are reached through a port (ports.ts).
 */
import type { HeartbeatResponse, LeaseResponse } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import { runInTransaction } from '../db/prepared.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import { heartbeatOp, leaseUnitsOp, type LeaseRefusal } from './lease.ts';
import type { JobsPort, TxContext } from './ports.ts';
import { reportErrorOp, sha256Hex, submitBatchOp, submitOneOp, type ErrorReportStatus, type SubmitStatus } from './submit.ts';

export type { JobsPort, UnitsDecided } from './ports.ts';
export type { LeaseRefusal } from './lease.ts';
export type { ErrorReportStatus, SubmitStatus } from './submit.ts';
export { leaseTtlMs } from './lease.ts';
export { cancelUnitsOp, enqueueUnitsOp } from './units.ts';

/** The lifecycle's operations, each one transaction. */
export interface Coordinator {
  /** Leases up to `max` units to a volunteer (an empty list says when to ask again). */
  lease(volunteerId: string, max: number, now: number): Promise<LeaseResponse>;
  /** Takes one result for a lease. */
  submit(volunteerId: string, leaseId: number, output: Uint8Array, now: number): Promise<SubmitStatus>;
  /** Takes a batch of results, one status per item in order. */
  submitBatch(volunteerId: string, items: readonly { leaseId: number; output: Uint8Array }[], now: number): Promise<SubmitStatus[]>;
  /** The worker is still on a lease: extend it, or tell it to stop. */
  heartbeat(volunteerId: string, leaseId: number, now: number): Promise<HeartbeatResponse | LeaseRefusal>;
  /** The worker's kernel failed on a lease. */
  reportError(volunteerId: string, leaseId: number, message: string, now: number): Promise<ErrorReportStatus>;
}

/**
 * @example
 * const coordinator = createCoordinator({ store, kernels, jobs: jobsPort, random: Math.random });
 * const { leases } = await coordinator.lease(volunteerId, 4, Date.now());
 */
export function createCoordinator(deps: { store: Store; kernels: KernelRegistry; jobs: JobsPort; random: () => number }): Coordinator {
  const { store, kernels, jobs, random } = deps;
  const locking = store.dialect === 'postgres';
  const ctx = (now: number): TxContext => ({ now, locking, jobs });
  return {
    lease: (volunteerId, max, now) => runInTransaction(store, () => leaseUnitsOp(kernels, volunteerId, max, random, ctx(now))),
    submit(volunteerId, leaseId, output, now) {
      const hash = sha256Hex(output);
      return runInTransaction(store, () => submitOneOp(volunteerId, leaseId, output, hash, ctx(now)));
    },
    submitBatch(volunteerId, items, now) {
      const hashed = items.map((it) => ({ ...it, hash: sha256Hex(it.output) }));
      return runInTransaction(store, () => submitBatchOp(volunteerId, hashed, ctx(now)));
    },
    heartbeat: (volunteerId, leaseId, now) => runInTransaction(store, () => heartbeatOp(volunteerId, leaseId, ctx(now))),
    reportError: (volunteerId, leaseId, message, now) => runInTransaction(store, () => reportErrorOp(volunteerId, leaseId, message, ctx(now))),
  };
}
