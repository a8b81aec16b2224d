/**
 * @module Credits for validated results: each agreeing replica's volunteer is credited the
 * unit's server-side cost, as a ledger transfer whose id names the replica (so a credit can
 * never happen twice), in the transaction that validated the unit. Credits go to the
 * volunteer's vesting points and vest (become spendable) once the result is beyond doubt:
 * at once when the server's run confirmed it, else after VEST_WINDOW_MS (vesting.ts). Credits
 * wait in {@link PendingCredits} and are posted once, at the end of the transaction.
 */
import { exec, type Op, type Restorable } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ensureAccount } from '../ledger/queries.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { TransferSpec, TransferStatus } from '../ledger/types.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { recordValidOp, takeTrustOp } from './trust.ts';

/** A credit that vests (moves from vesting to spendable points) in this transaction. */
interface Vest {
  transfer: TransferSpec;
  replicaId: number;
  volunteer: string;
}

interface CreditsMark {
  transfers: TransferSpec[];
  volunteers: string[];
  validated: string[];
  vests: Vest[];
  matched: string[];
  disproved: string[];
}

/**
 * Credits still to post in this transaction, with the volunteers whose valid results they
 * count. A batch of results posts them once, at its end: every credit locks its volunteer's
 * issuer shard account until commit (on PostgreSQL), so posting late holds that lock
 * briefly. Transfers are posted in (debit, credit) order, so every transaction takes the
 * issuer shards in one order (no deadlock between batches), and volunteers' rows are then
 * updated in id order.
 * A savepoint that rolls back restores it (see `savepoint` in edge/db/prepared.ts).
 */
export class PendingCredits implements Restorable<CreditsMark> {
  transfers: TransferSpec[] = [];
  /** One volunteer per transfer, in the same order. */
  volunteers: string[] = [];
  /** Jobs whose units were validated (one entry a unit): their counters move at the end too. */
  validated: string[] = [];
  /** Credits that vest at once (the server's run confirmed them), posted after the credits. */
  vests: Vest[] = [];
  /** Volunteers whose results matched the server's run (one entry a result). */
  matched: string[] = [];
  /** Volunteers whose results the server's run disproved: they lose all trust. */
  disproved: string[] = [];

  mark(): CreditsMark {
    return {
      transfers: [...this.transfers],
      volunteers: [...this.volunteers],
      validated: [...this.validated],
      vests: [...this.vests],
      matched: [...this.matched],
      disproved: [...this.disproved],
    };
  }

  restore(m: CreditsMark): void {
    this.transfers = [...m.transfers];
    this.volunteers = [...m.volunteers];
    this.validated = [...m.validated];
    this.vests = [...m.vests];
    this.matched = [...m.matched];
    this.disproved = [...m.disproved];
  }
}

/** The transfer that vests replica `replicaId`'s credit of `amount` points (id per replica: it vests once). */
export function vestTransfer(unit: Pick<UnitHead, 'id' | 'job_id'>, replicaId: number, volunteerId: string, amount: number): TransferSpec {
  return {
    id: `unit:${unit.id}:replica:${replicaId}:vest`,
    debit: ACCOUNTS.volunteerVesting(volunteerId).id,
    credit: ACCOUNTS.volunteerPoints(volunteerId).id,
    amount,
    code: 'unit_vest',
    ref: `job:${unit.job_id}:unit:${unit.id}`,
  };
}

/** Queues the vesting of credits already posted (or queued before it in this transaction). */
export function queueVests(unit: Pick<UnitHead, 'id' | 'job_id'>, replicas: readonly { id: number; volunteer_id: string; credited_points: number }[], credits: PendingCredits): void {
  for (const r of replicas) credits.vests.push({ transfer: vestTransfer(unit, r.id, r.volunteer_id, r.credited_points), replicaId: r.id, volunteer: r.volunteer_id });
}

/** What a valid result of `replica` earns: the unit's cost, or nothing when it is unfunded (funding.ts). */
export function creditOf(unit: Pick<UnitHead, 'cost_points'>, replica: { unfunded: number }): number {
  return replica.unfunded ? 0 : unit.cost_points;
}

/**
 * Of `replicas` about to be marked valid (earliest first), those that are paid: a unit pays
 * at most its job's quorum of valid results, because that is what the customer is charged
 * for (edge/jobs/billing.ts `chargeOfUnits`); `validBefore` of its results are valid already.
 * A result beyond that (a late one, or one more copy the server's run matched) is valid and
 * earns nothing: else identities that let leases time out could be paid several times for
 * one unit (issue 15, the economy test).
 */
export function paidOf<R extends { unfunded: number }>(unit: Pick<UnitHead, 'quorum_base'>, replicas: readonly R[], validBefore: number): { paid: R[]; unpaid: R[] } {
  const slots = Math.max(0, unit.quorum_base - validBefore);
  return { paid: replicas.slice(0, slots), unpaid: replicas.slice(slots) };
}

/** A transaction's context while it takes results: the credits it will post. */
export interface CreditingContext extends TxContext {
  credits: PendingCredits;
}

/**
 * Queues a credit of the unit's server-side cost for each of `all` (already marked valid by
 * the caller) that is funded, to the volunteer's vesting points; with `vest` (the server's
 * run confirmed the bytes) it vests in the same transaction.
 */
export function queueCredits(unit: UnitHead, all: readonly { id: number; volunteer_id: string; unfunded: number }[], credits: PendingCredits, vest = false): void {
  // An unfunded result earns nothing, and builds no trust (its streak is not counted either).
  const replicas = all.filter((r) => !r.unfunded);
  for (const r of replicas) {
    credits.transfers.push({
      id: `unit:${unit.id}:replica:${r.id}`,
      debit: ACCOUNTS.pointsIssuerFor(r.volunteer_id).id,
      credit: ACCOUNTS.volunteerVesting(r.volunteer_id).id,
      amount: unit.cost_points,
      code: 'unit_credit',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    });
    credits.volunteers.push(r.volunteer_id);
  }
  if (vest) queueVests(unit, replicas.map((r) => ({ ...r, credited_points: unit.cost_points })), credits);
}

/** Posts `t`; a volunteer from before its accounts existed gets them first. */
function* postOneOp(t: TransferSpec, volunteerId: string, first: TransferStatus | undefined, now: number): Op<void> {
  let status = first;
  if (status === 'credit_account_not_found' || status === 'debit_account_not_found') {
    // Volunteers get their points accounts when they are created; older ones get them here.
    for (const account of [ACCOUNTS.volunteerPoints(volunteerId), ACCOUNTS.volunteerVesting(volunteerId)]) {
      yield* exec(ensureAccount, { id: account.id, ledger: account.ledger, floor: account.floor, now });
    }
    [status] = yield* createTransfersOp([t], now);
  }
  if (status !== 'ok' && status !== 'exists') throw new Error(`transfer ${t.id} failed: ${status}`);
}

/** Orders transfers (and what goes with each) by (debit, credit): the order their account rows are locked in. */
function inLockOrder<T>(items: T[], transfer: (item: T) => TransferSpec): T[] {
  const key = (t: TransferSpec) => `${t.debit}\u0000${t.credit}`;
  return items.sort((a, b) => {
    const ka = key(transfer(a));
    const kb = key(transfer(b));
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Counts the validated units in their jobs, posts the credits and counts the volunteers' valid results; empties the pending credits. */
export function* postCreditsOp(c: CreditingContext): Op<void> {
  const credits = c.credits;
  // Once per job however many of its units this transaction validated, in id order (each
  // adds to one of the job's progress shards: edge/jobs/counts.ts).
  const perJob = new Map<string, number>();
  for (const jobId of credits.validated.splice(0)) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  for (const jobId of [...perJob.keys()].sort()) yield* c.jobs.unitsDecidedOp(jobId, 'valid', perJob.get(jobId)!, c);
  const queued = inLockOrder(
    credits.transfers.splice(0).map((t, i) => ({ t, volunteer: credits.volunteers[i]! })),
    (x) => x.t,
  );
  credits.volunteers.splice(0);
  const transfers = queued.map((x) => x.t);
  const volunteers = queued.map((x) => x.volunteer);
  if (transfers.length > 0) {
    const statuses = yield* createTransfersOp(transfers, c.now);
    for (const [i, t] of transfers.entries()) yield* postOneOp(t, volunteers[i]!, statuses[i], c.now);
  }
  const vests = inLockOrder(credits.vests.splice(0), (v) => v.transfer);
  if (vests.length > 0) {
    const statuses = yield* createTransfersOp(vests.map((v) => v.transfer), c.now);
    for (const [i, v] of vests.entries()) {
      yield* postOneOp(v.transfer, v.volunteer, statuses[i], c.now);
      yield* exec(Q.setReplicaVested, { id: v.replicaId });
    }
  }
  // Volunteers' rows last, each once per change, in id order: the lock order every writer keeps.
  const matched = credits.matched.splice(0);
  const disproved = new Set(credits.disproved.splice(0));
  for (const v of [...new Set([...volunteers, ...matched, ...disproved])].sort()) {
    if (disproved.has(v)) {
      yield* takeTrustOp(v, c);
      continue;
    }
    for (const x of volunteers) if (x === v) yield* recordValidOp(v);
    for (const x of matched) if (x === v) yield* exec(Q.recordVerifiedMatch, { id: v });
  }
}
