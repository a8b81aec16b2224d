/**
 * @module Credits for validated results: each agreeing replica's volunteer is credited the
 * unit's server-side cost, as a ledger transfer whose id names the replica (so a credit can
 * never happen twice), in the transaction that validated the unit. Credits wait in
 * {@link PendingCredits} and are posted once, at the end of the transaction.
 */
import { exec, type Op, type Restorable } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ensureAccount } from '../ledger/queries.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { TransferSpec } from '../ledger/types.ts';
import type { TxContext } from './ports.ts';
import { recordValidOp } from './trust.ts';

interface CreditsMark {
  transfers: TransferSpec[];
  volunteers: string[];
  validated: string[];
}

/**
 * Credits still to post in this transaction, with the volunteers whose valid results they
 * count. A batch of results posts them once, at its end: every credit locks the operator's
 * points-issued account until commit (on PostgreSQL), so posting late holds that lock
 * briefly, and volunteers' rows are then updated in id order (no deadlock between batches).
 * A savepoint that rolls back restores it (see `savepoint` in edge/db/prepared.ts).
 */
export class PendingCredits implements Restorable<CreditsMark> {
  transfers: TransferSpec[] = [];
  /** One volunteer per transfer, in the same order. */
  volunteers: string[] = [];
  /** Jobs whose units were validated (one entry a unit): their counters move at the end too. */
  validated: string[] = [];

  mark(): CreditsMark {
    return { transfers: [...this.transfers], volunteers: [...this.volunteers], validated: [...this.validated] };
  }

  restore(m: CreditsMark): void {
    this.transfers = [...m.transfers];
    this.volunteers = [...m.volunteers];
    this.validated = [...m.validated];
  }
}

/** A transaction's context while it takes results: the credits it will post. */
export interface CreditingContext extends TxContext {
  credits: PendingCredits;
}

/**
 * Queues a credit of the unit's server-side cost for each of `replicas` (already marked
 * valid by the caller).
 */
export function queueCredits(unit: UnitHead, replicas: readonly { id: number; volunteer_id: string }[], credits: PendingCredits): void {
  for (const r of replicas) {
    credits.transfers.push({
      id: `unit:${unit.id}:replica:${r.id}`,
      debit: ACCOUNTS.pointsIssued.id,
      credit: ACCOUNTS.volunteerPoints(r.volunteer_id).id,
      amount: unit.cost_points,
      code: 'unit_credit',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    });
    credits.volunteers.push(r.volunteer_id);
  }
}

/** Counts the validated units in their jobs, posts the credits and counts the volunteers' valid results; empties the pending credits. */
export function* postCreditsOp(c: CreditingContext): Op<void> {
  const credits = c.credits;
  // Each job's row is locked by its counter update until commit: last, in id order, and
  // once per job however many of its units this transaction validated.
  const perJob = new Map<string, number>();
  for (const jobId of credits.validated.splice(0)) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  for (const jobId of [...perJob.keys()].sort()) yield* c.jobs.unitsDecidedOp(jobId, 'valid', perJob.get(jobId)!, c.now);
  const transfers = credits.transfers.splice(0);
  const volunteers = credits.volunteers.splice(0);
  if (transfers.length > 0) {
    const statuses = yield* createTransfersOp(transfers, c.now);
    for (const [i, t] of transfers.entries()) {
      let status = statuses[i];
      if (status === 'credit_account_not_found') {
        // Volunteers get their points account when they are created; older ones get it here.
        const account = ACCOUNTS.volunteerPoints(volunteers[i]!);
        yield* exec(ensureAccount, { id: account.id, ledger: account.ledger, floor: account.floor, now: c.now });
        [status] = yield* createTransfersOp([t], c.now);
      }
      if (status !== 'ok' && status !== 'exists') throw new Error(`credit ${t.id} failed: ${status}`);
    }
  }
  for (const v of volunteers.sort()) yield* recordValidOp(v);
}
