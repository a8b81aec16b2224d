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
import type { ReplicaRow, UnitRow } from '../db/schema.ts';
import { ProblemError } from '../http/problem.ts';
import { unitDecidedOp } from '../jobs/jobs.ts';
import { lockUnitsOfLeasesOp, replicaAndUnitOp } from '../leases/leases.ts';
import * as Q from '../leases/queries.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ensureAccount } from '../ledger/queries.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import { applyVerdictOp } from './apply.ts';
import { recordBadOp, recordValidOp, reverseCreditsOp } from './trust-updates.ts';

type Returned = { id: number; volunteer_id: string; result_hash: string | null; outcome: string | null; credited_points: number };

/**
 * Credits each agreeing replica's volunteer the unit's server-side cost, as ledger transfers
 * in the validating transaction (id per replica, so a credit can never happen twice). The
 * caller has already marked the replicas valid.
 */
function* creditOp(unit: UnitRow, replicas: { id: number; volunteer_id: string }[], now: number): Op<void> {
  for (const r of replicas) {
    const account = ACCOUNTS.volunteerPoints(r.volunteer_id);
    const transfer = {
      id: `unit:${unit.id}:replica:${r.id}`,
      debit: ACCOUNTS.pointsIssued.id,
      credit: account.id,
      amount: unit.cost_points,
      code: 'unit_credit',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    };
    let [status] = yield* createTransfersOp([transfer], now);
    if (status === 'credit_account_not_found') {
      // Volunteers get their points account when they are created; older ones get it here.
      yield exec(ensureAccount, { id: account.id, ledger: account.ledger, floor: account.floor, now });
      [status] = yield* createTransfersOp([transfer], now);
    }
    if (status !== 'ok' && status !== 'exists') throw new Error(`crediting unit ${unit.id} failed: ${status}`);
    yield* recordValidOp(r.volunteer_id);
  }
}

/**
 * Marks the unit valid with `hash` as canonical; credits `winner` (the replica whose result
 * decided it, already marked valid) and every other agreeing replica, and settles the rest.
 */
function* decideValidOp(unit: UnitRow, hash: string, output: Uint8Array, winner: { id: number; volunteer_id: string }, returned: Returned[], now: number): Op<void> {
  yield exec(Q.setUnitValid, { id: unit.id, leased: unit.leased, hash, output, now });
  // A re-checked unit keeps its earlier (solo) replica, already credited: never credit twice.
  const agreeing = returned.filter((r) => r.result_hash === hash && r.outcome !== 'valid');
  for (const r of agreeing) yield exec(Q.setReplicaOutcome, { id: r.id, outcome: 'valid', credited: unit.cost_points });
  yield* creditOp(unit, [winner, ...agreeing], now);
  const others = returned.filter((r) => r.result_hash !== hash && r.outcome !== 'invalid');
  for (const r of others) yield exec(Q.setReplicaOutcome, { id: r.id, outcome: 'invalid', credited: r.credited_points });
  yield* reverseCreditsOp(unit, others, now);
  for (const r of others) yield* recordBadOp(r.volunteer_id, now);
  yield* unitDecidedOp(unit.job_id, 'valid', now);
}

/**
 * Takes a volunteer's result for a lease. Repeating the same bytes returns the same answer;
 * different bytes for the same lease are a conflict. A late result (lease timed out) is
 * still taken while the unit is undecided, and credited if it agrees.
 */
export function* submitResultOp(volunteerId: string, leaseId: number, output: Uint8Array, hash: string, now: number, locking: boolean): Op<SubmitResultResponse> {
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
    if (outcome === 'valid') yield* creditOp(unit, [me], now);
    else yield* recordBadOp(volunteerId, now);
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
    yield* decideValidOp({ ...unit, leased }, hash, output, me, returned, now);
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
  return runInTransaction(store, () => submitResultOp(volunteerId, leaseId, output, hash, now, store.dialect === 'postgres'));
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
    for (const it of hashed) {
      yield { op: 'raw', sql: 'savepoint', name: ITEM_SAVEPOINT };
      try {
        answers.push(yield* submitResultOp(volunteerId, it.leaseId, it.output, it.hash, now, locking));
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
        yield { op: 'raw', sql: 'rollback_to', name: ITEM_SAVEPOINT };
        answers.push({ leaseId: it.leaseId, problem: err.toProblem() });
      }
      yield { op: 'raw', sql: 'release', name: ITEM_SAVEPOINT };
    }
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
