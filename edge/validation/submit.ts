/**
 * @module Accepting results: idempotent per lease, checked for size, compared by content
 * hash; a unit becomes valid when `quorum` results agree bit for bit, and exactly the
 * agreeing volunteers are credited the unit's server-side cost, in the same transaction.
 * A batch of results is one transaction, each result in a savepoint of its own, so a bad
 * item is refused with its problem and changes nothing while the others are taken.
 */
import { createHash } from 'node:crypto';
import type { ResultOutcome, SubmitResultResponse, SubmitResultsAnswer } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import { exec, rows, runInTransaction, type Op, type Row } from '../db/prepared.ts';
import type { ReplicaHead, UnitHead } from '../db/schema.ts';
import { ProblemError } from '../http/problem.ts';
import { unitDecidedOp } from '../jobs/jobs.ts';
import { lockUnitsOfLeasesOp, replicaAndUnitOp } from '../leases/leases.ts';
import * as Q from '../leases/queries.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ensureAccount } from '../ledger/queries.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { TransferSpec } from '../ledger/types.ts';
import { applyVerdictOp } from './apply.ts';
import { recordBadOp, recordValidOp, reverseCreditsOp } from './trust-updates.ts';

type Returned = { id: number; volunteer_id: string; result_hash: string | null; outcome: string | null; credited_points: number };

/**
 * Credits still to post in this transaction, with the volunteers whose valid results they
 * count. A batch of results posts them once, at its end: every credit locks the operator's
 * points-issued account until commit (on PostgreSQL), so posting late holds that lock
 * briefly, and volunteers' rows are then updated in id order (no deadlock between batches).
 */
export class PendingCredits {
  transfers: TransferSpec[] = [];
  volunteers: string[] = [];
  /** Jobs whose units were validated (one entry a unit): their counters move at the end too. */
  validated: string[] = [];
}

/** Counts the validated units in their jobs, posts the credits and counts the volunteers' valid results; empties `credits`. */
export function* postCreditsOp(credits: PendingCredits, now: number): Op<void> {
  // Each job's row is locked by its counter update until commit: last, in id order, and
  // once per job however many of its units this transaction validated.
  const perJob = new Map<string, number>();
  for (const jobId of credits.validated.splice(0)) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  for (const jobId of [...perJob.keys()].sort()) yield* unitDecidedOp(jobId, 'valid', now, perJob.get(jobId));
  const transfers = credits.transfers.splice(0);
  // One volunteer per transfer, in the same order (creditOp pushes them together).
  const volunteers = credits.volunteers.splice(0);
  if (transfers.length > 0) {
    const statuses = yield* createTransfersOp(transfers, now);
    for (const [i, t] of transfers.entries()) {
      let status = statuses[i];
      if (status === 'credit_account_not_found') {
        // Volunteers get their points account when they are created; older ones get it here.
        const account = ACCOUNTS.volunteerPoints(volunteers[i]!);
        yield exec(ensureAccount, { id: account.id, ledger: account.ledger, floor: account.floor, now });
        [status] = yield* createTransfersOp([t], now);
      }
      if (status !== 'ok' && status !== 'exists') throw new Error(`credit ${t.id} failed: ${status}`);
    }
  }
  for (const v of volunteers.sort()) yield* recordValidOp(v);
}

/**
 * Credits each agreeing replica's volunteer the unit's server-side cost, as ledger transfers
 * in the validating transaction (id per replica, so a credit can never happen twice). The
 * caller has already marked the replicas valid. With `pending`, the credits wait for
 * {@link postCreditsOp}; without, they are posted now.
 */
function* creditOp(unit: UnitHead, replicas: { id: number; volunteer_id: string }[], now: number, pending?: PendingCredits): Op<void> {
  const into = pending ?? new PendingCredits();
  for (const r of replicas) {
    into.transfers.push({
      id: `unit:${unit.id}:replica:${r.id}`,
      debit: ACCOUNTS.pointsIssued.id,
      credit: ACCOUNTS.volunteerPoints(r.volunteer_id).id,
      amount: unit.cost_points,
      code: 'unit_credit',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    });
    into.volunteers.push(r.volunteer_id);
  }
  if (!pending) yield* postCreditsOp(into, now);
}

/** A bad result or error: trust is reset after the valid results counted so far (their order matters to the streak). */
function* recordBadAfterOp(volunteerId: string, now: number, pending?: PendingCredits): Op<void> {
  if (pending) yield* postCreditsOp(pending, now);
  yield* recordBadOp(volunteerId, now);
}

/**
 * Marks the unit valid with `hash` as canonical; credits `winner` (the replica whose result
 * decided it, already marked valid) and every other agreeing replica, and settles the rest.
 */
function* decideValidOp(unit: UnitHead, hash: string, output: Uint8Array, winner: { id: number; volunteer_id: string }, returned: Returned[], now: number, pending?: PendingCredits): Op<void> {
  yield exec(Q.setUnitValid, { id: unit.id, leased: unit.leased, hash, output, now });
  // A re-checked unit keeps its earlier (solo) replica, already credited: never credit twice.
  const agreeing = returned.filter((r) => r.result_hash === hash && r.outcome !== 'valid');
  for (const r of agreeing) yield exec(Q.setReplicaOutcome, { id: r.id, outcome: 'valid', credited: unit.cost_points });
  yield* creditOp(unit, [winner, ...agreeing], now, pending);
  const others = returned.filter((r) => r.result_hash !== hash && r.outcome !== 'invalid');
  for (const r of others) yield exec(Q.setReplicaOutcome, { id: r.id, outcome: 'invalid', credited: r.credited_points });
  yield* reverseCreditsOp(unit, others, now);
  for (const r of others) yield* recordBadAfterOp(r.volunteer_id, now, pending);
  if (pending) pending.validated.push(unit.job_id);
  else yield* unitDecidedOp(unit.job_id, 'valid', now);
}

/**
 * Takes a volunteer's result for a lease. Repeating the same bytes returns the same answer;
 * different bytes for the same lease are a conflict. A late result (lease timed out) is
 * still taken while the unit is undecided, and credited if it agrees.
 */
export function* submitResultOp(volunteerId: string, leaseId: number, output: Uint8Array, hash: string, now: number, locking: boolean, pending?: PendingCredits): Op<SubmitResultResponse> {
  const { replica, unit } = yield* replicaAndUnitOp(leaseId, volunteerId, locking);
  if (replica.state === 'returned') {
    if (replica.result_hash !== hash) throw new ProblemError('result-conflict', `lease ${leaseId} already has a result with a different hash`);
    return { leaseId, outcome: replica.outcome ?? 'pending', creditedPoints: replica.credited_points };
  }
  if (replica.state === 'errored') throw new ProblemError('lease-closed', `lease ${leaseId} reported an error; it takes no result`);
  if (output.byteLength !== unit.output_bytes) {
    throw new ProblemError('result-size', `unit ${unit.id} yields ${unit.output_bytes} bytes, got ${output.byteLength}`);
  }
  const leased = unit.leased - (replica.state === 'leased' ? 1 : 0);
  const settle = (outcome: ResultOutcome, keep: Uint8Array | null, credited: number) =>
    exec(Q.settleReplica, { id: leaseId, outcome, now, hash, result: keep, credited });
  const me = { id: leaseId, volunteer_id: volunteerId };

  if (unit.state === 'valid') {
    const outcome: ResultOutcome = unit.canonical_hash === hash ? 'valid' : 'invalid';
    yield settle(outcome, null, outcome === 'valid' ? unit.cost_points : 0);
    if (outcome === 'valid') yield* creditOp(unit, [me], now, pending);
    else yield* recordBadAfterOp(volunteerId, now, pending);
    yield exec(Q.setUnitLeased, { id: unit.id, leased });
    return { leaseId, outcome, creditedPoints: outcome === 'valid' ? unit.cost_points : 0 };
  }
  if (unit.state === 'failed' || unit.state === 'cancelled') {
    yield settle('unit_closed', null, 0);
    yield exec(Q.setUnitLeased, { id: unit.id, leased });
    return { leaseId, outcome: 'unit_closed', creditedPoints: 0 };
  }

  const returned = ((yield rows(Q.returnedOfUnit, { unit: unit.id })) as Row[]).map(returnedOf);
  const agree = 1 + returned.filter((r) => r.result_hash === hash).length;
  if (agree >= unit.quorum) {
    yield settle('valid', null, unit.cost_points);
    yield* decideValidOp({ ...unit, leased }, hash, output, me, returned, now, pending);
    return { leaseId, outcome: 'valid', creditedPoints: unit.cost_points };
  }
  yield settle('pending', output, 0);
  const groups = new Map<string | null, number>([[hash, agree]]);
  for (const r of returned) if (r.result_hash !== hash) groups.set(r.result_hash, (groups.get(r.result_hash) ?? 0) + 1);
  yield* applyVerdictOp({ ...unit, leased, agree_max: Math.max(...groups.values()) }, now);
  return { leaseId, outcome: 'pending', creditedPoints: 0 };
}

function returnedOf(r: Row): Returned {
  return {
    id: Number(r.id),
    volunteer_id: r.volunteer_id as string,
    result_hash: r.result_hash as string | null,
    outcome: r.outcome as string | null,
    credited_points: Number(r.credited_points),
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** {@link submitResultOp} in a transaction of its own. */
export function submitResult(store: Store, volunteerId: string, leaseId: number, output: Uint8Array, now: number): Promise<SubmitResultResponse> {
  const hash = sha256Hex(output);
  return runInTransaction(store, function* (): Op<SubmitResultResponse> {
    // Credits are posted last, as in a batch, so every writer takes its locks in one order.
    const pending = new PendingCredits();
    const answer = yield* submitResultOp(volunteerId, leaseId, output, hash, now, store.dialect === 'postgres', pending);
    yield* postCreditsOp(pending, now);
    return answer;
  });
}

const ITEM_SAVEPOINT = 'result_item';

/**
 * Takes a batch of results in one transaction. Each item runs in a savepoint: an item
 * refused with a problem (not yours, conflict, wrong size…) is rolled back alone and
 * answered with its problem; any other error aborts the whole batch.
 */
export function submitResults(store: Store, volunteerId: string, items: { leaseId: number; output: Uint8Array }[], now: number): Promise<SubmitResultsAnswer[]> {
  const hashed = items.map((it) => ({ ...it, hash: sha256Hex(it.output) }));
  const locking = store.dialect === 'postgres';
  return runInTransaction(store, function* (): Op<SubmitResultsAnswer[]> {
    // All the batch's units are locked first, in id order, so batches can't deadlock each other.
    if (locking) yield* lockUnitsOfLeasesOp(hashed.map((it) => it.leaseId));
    const answers: SubmitResultsAnswer[] = [];
    const pending = new PendingCredits();
    for (const it of hashed) {
      yield { op: 'raw', sql: 'savepoint', name: ITEM_SAVEPOINT };
      const marks = [pending.transfers.length, pending.volunteers.length, pending.validated.length] as const;
      try {
        answers.push(yield* submitResultOp(volunteerId, it.leaseId, it.output, it.hash, now, locking, pending));
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
        // Earlier items' credits posted inside this item's savepoint would roll back with it:
        // refuse the whole batch instead (it changes nothing; the client sends it again).
        if (pending.transfers.length < marks[0]) throw err;
        yield { op: 'raw', sql: 'rollback_to', name: ITEM_SAVEPOINT };
        // The refused item's credits go with its rolled-back writes.
        pending.transfers.length = Math.min(pending.transfers.length, marks[0]);
        pending.volunteers.length = Math.min(pending.volunteers.length, marks[1]);
        pending.validated.length = Math.min(pending.validated.length, marks[2]);
        answers.push({ leaseId: it.leaseId, problem: err.toProblem() });
      }
      yield { op: 'raw', sql: 'release', name: ITEM_SAVEPOINT };
    }
    yield* postCreditsOp(pending, now);
    return answers;
  });
}

/** A volunteer reports that its kernel failed on a lease. */
export function reportError(store: Store, volunteerId: string, leaseId: number, message: string, now: number): Promise<{ leaseId: number; unitState: string }> {
  return runInTransaction(store, function* (): Op<{ leaseId: number; unitState: string }> {
    const { replica, unit } = yield* replicaAndUnitOp(leaseId, volunteerId, store.dialect === 'postgres');
    if (replica.state === 'errored') return { leaseId, unitState: unit.state };
    if (replica.state === 'returned') throw new ProblemError('lease-closed', `lease ${leaseId} already has a result`);
    yield exec(Q.setReplicaErrored, { id: leaseId, now, error: message });
    const leased = unit.leased - (replica.state === 'leased' ? 1 : 0);
    const state = yield* applyVerdictOp({ ...unit, leased, errors: unit.errors + 1, quorum: replica.solo ? unit.quorum_base : unit.quorum }, now);
    yield* recordBadOp(volunteerId, now);
    return { leaseId, unitState: state };
  });
}
