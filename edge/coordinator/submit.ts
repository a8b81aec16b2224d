/**
 * @module Taking results and error reports: load the lease, its unit and the unit's other
 * results; decide (decide.ts, pure); apply. Idempotent per lease, checked for size,
 * compared by content hash; a unit becomes valid when `quorum` results agree bit for bit,
 * and exactly the agreeing volunteers are credited the unit's server-side cost, in the same
 * transaction. A batch of results is one transaction, each result in a savepoint of its own,
 * so a refused item changes nothing while the others are taken.
 */
import { createHash } from 'node:crypto';
import type { ResultOutcome, SubmitResultResponse } from '../../shared/api/schemas.ts';
import { exec, rows, savepoint, type Op } from '../db/prepared.ts';
import type { ReplicaHead, UnitHead } from '../db/schema.ts';
import { creditOf, paidOf, PendingCredits, postCreditsOp, queueCredits, type CreditingContext } from './credits.ts';
import { admitError, admitResult, decideQuorum, type Returned, type Source } from './decide.ts';
import { checkPlausible } from './plausibility/index.ts';
import { lockUnitsOfLeasesOp, replicaAndUnitOp, type LeaseRefusal } from './lease.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { SOLO_VERIFY_RATE, isEstablished, sampleRate } from './trust-rules.ts';
import { recordBadOp, reverseCreditsOp } from './trust.ts';
import { applyVerdictOp } from './verdict.ts';
import { queueVerificationOp } from './verification.ts';

/** What taking one result answers: the outcome, or why the result was refused. */
export type SubmitStatus =
  /** `verify`: the unit waits for the server's run, which may change `answer` (see index.ts). */
  | { status: 'ok'; answer: SubmitResultResponse; unitId: number; verify: boolean }
  | { status: LeaseRefusal }
  | { status: 'result_conflict' }
  | { status: 'lease_closed' }
  | { status: 'result_size'; unitId: number; expected: number; got: number };

/** What an error report answers: the unit's state after it, or why it was refused. */
export type ErrorReportStatus =
  | { status: 'ok'; leaseId: number; unitId: number; unitState: UnitHead['state']; verify: boolean }
  | { status: LeaseRefusal }
  | { status: 'lease_closed' };

/** A result's SHA-256, the hash replicas are compared by. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A bad result or error: trust is reset after the valid results counted so far (their order matters to the streak). */
function* recordBadAfterOp(volunteerId: string, c: CreditingContext): Op<void> {
  yield* postCreditsOp(c);
  yield* recordBadOp(volunteerId, c);
}

/**
 * Marks the unit valid with `hash` as canonical; credits `winner` (the replica whose result
 * decided it, already marked valid) and every agreeing replica, and settles the others.
 */
function* decideValidOp(
  unit: UnitHead,
  hash: string,
  output: Uint8Array,
  winner: { id: number; volunteer_id: string; unfunded: number },
  agreeing: readonly Returned[],
  others: readonly Returned[],
  leastVerified: number,
  c: CreditingContext,
): Op<void> {
  yield* exec(Q.setUnitValid, { id: unit.id, leased: unit.leased, hash, output, now: c.now });
  // The winner is paid (the unit was undecided: none of its results was valid yet); agreeing ones up to the quorum.
  const { paid, unpaid } = paidOf(unit, agreeing, 1);
  for (const r of paid) yield* exec(Q.setReplicaOutcome, { id: r.id, outcome: 'valid', credited: creditOf(unit, r) });
  for (const r of unpaid) yield* exec(Q.setReplicaOutcome, { id: r.id, outcome: 'valid', credited: 0 });
  queueCredits(unit, [winner, ...paid], c.credits);
  for (const r of others) yield* exec(Q.setReplicaOutcome, { id: r.id, outcome: 'invalid', credited: r.credited_points });
  yield* reverseCreditsOp(unit, others, c.now);
  for (const r of others) yield* recordBadAfterOp(r.volunteer_id, c);
  c.credits.validated.push(unit.job_id);
  // The server checks a share of what peers decided: solo results, and the rest the more
  // often the less verified the volunteers who decided it.
  const rate = c.rule === 'peers' ? 0 : unit.quorum === 1 ? SOLO_VERIFY_RATE : sampleRate(leastVerified);
  if (c.random() < rate) yield* queueVerificationOp(unit, unit.quorum === 1 ? 'solo' : 'sample', c);
}

/**
 * Takes a volunteer's result for a lease (see `admitResult` for repeats and refusals). A late
 * result (lease timed out) is still taken while the unit is undecided, and credited if it agrees.
 */
export function* submitResultOp(volunteerId: string, leaseId: number, output: Uint8Array, hash: string, c: CreditingContext): Op<SubmitStatus> {
  const loaded = yield* replicaAndUnitOp(leaseId, volunteerId, c.locking);
  if (typeof loaded === 'string') return { status: loaded };
  const { replica, unit } = loaded;
  const ok = (answer: SubmitResultResponse, verify = false): SubmitStatus => ({ status: 'ok', answer, unitId: unit.id, verify });
  const admission = admitResult(replica, unit, hash, output.byteLength);
  if (admission.kind === 'refused') {
    if (admission.status === 'result_size') return { status: 'result_size', unitId: unit.id, expected: unit.output_bytes, got: output.byteLength };
    return { status: admission.status };
  }
  if (admission.kind === 'repeat') return ok({ leaseId, outcome: admission.outcome, creditedPoints: admission.credited });
  const leased = unit.leased - (replica.state === 'leased' ? 1 : 0);
  const settle = (outcome: ResultOutcome, keep: Uint8Array | null, credited: number) =>
    exec(Q.settleReplica, { id: leaseId, outcome, now: c.now, hash, result: keep, credited });
  const me = { id: leaseId, volunteer_id: volunteerId, unfunded: replica.unfunded };
  const earned = creditOf(unit, replica);
  if (admission.kind === 'late') {
    const [valid] = admission.outcome === 'valid' ? yield* rows(Q.validResultsOfUnit, { unit: unit.id }) : [];
    const paid = admission.outcome === 'valid' && paidOf(unit, [me], Number(valid?.n ?? 0)).paid.length > 0;
    const credited = paid ? earned : 0;
    yield* settle(admission.outcome, null, credited);
    // A late result the server's run already matched is beyond doubt: it vests at once.
    if (paid) queueCredits(unit, [me], c.credits, unit.verification === 'matched' || unit.verification === 'corrected');
    else if (admission.outcome !== 'valid') yield* recordBadAfterOp(volunteerId, c);
    yield* exec(Q.setUnitLeased, { id: unit.id, leased });
    return ok({ leaseId, outcome: admission.outcome, creditedPoints: credited });
  }
  if (admission.kind === 'closed') {
    yield* settle('unit_closed', null, 0);
    yield* exec(Q.setUnitLeased, { id: unit.id, leased });
    return ok({ leaseId, outcome: 'unit_closed', creditedPoints: 0 });
  }
  // Impossible bytes are refused before they count (plausibility/): invalid at once, reason kept.
  const [unitInput] = yield* rows(Q.unitInput, { id: unit.id });
  const plausible = checkPlausible(unit.kernel_id, new Uint8Array(unitInput!.input), output);
  if (plausible.status === 'implausible') {
    yield* exec(Q.settleReplicaImplausible, { id: leaseId, now: c.now, hash, reason: plausible.reason.slice(0, 500) });
    const { queued } = yield* applyVerdictOp({ ...unit, leased, errors: unit.errors + 1 }, c);
    yield* recordBadAfterOp(volunteerId, c);
    return ok({ leaseId, outcome: 'invalid', creditedPoints: 0 }, queued);
  }
  const returned = yield* rows(Q.returnedOfUnit, { unit: unit.id });
  const decision = decideQuorum(unit, hash, yield* sourceOf(replica), returned, isEstablished, c.rule);
  if (decision.kind === 'valid') {
    yield* settle('valid', null, earned);
    yield* decideValidOp({ ...unit, leased }, hash, output, me, decision.agreeing, decision.others, decision.leastVerified, c);
    return ok({ leaseId, outcome: 'valid', creditedPoints: earned });
  }
  yield* settle('pending', output, 0);
  const { queued } = yield* applyVerdictOp({ ...unit, leased, agree_max: decision.agreeMax }, c);
  // Agreement that may be one person's identities waits for the server's own run.
  if (decision.kind === 'verify') yield* queueVerificationOp(unit, 'probation', c);
  return ok({ leaseId, outcome: 'pending', creditedPoints: 0 }, queued || decision.kind === 'verify');
}

/** The submitter as independence and probation see it. */
function* sourceOf(replica: ReplicaHead): Op<Source> {
  const [v] = yield* rows(Q.volunteerStanding, { id: replica.volunteer_id });
  return { volunteer_id: replica.volunteer_id, origin: replica.origin, verified_matches: v?.verified_matches ?? 0 };
}

/** One result in a transaction of its own; credits are posted last, as in a batch, so every writer takes its locks in one order. */
export function* submitOneOp(volunteerId: string, leaseId: number, output: Uint8Array, hash: string, c: TxContext): Op<SubmitStatus> {
  const cc: CreditingContext = { ...c, credits: new PendingCredits() };
  const answer = yield* submitResultOp(volunteerId, leaseId, output, hash, cc);
  yield* postCreditsOp(cc);
  return answer;
}

const ITEM_SAVEPOINT = 'result_item';

/**
 * A batch of results in one transaction. Each item runs in a savepoint: an item refused
 * (not yours, conflict, wrong size…) is rolled back alone, with the credits it queued, and
 * answered with its status.
 */
export function* submitBatchOp(volunteerId: string, items: readonly { leaseId: number; output: Uint8Array; hash: string }[], c: TxContext): Op<SubmitStatus[]> {
  // All the batch's units are locked first, in id order, so batches can't deadlock each other.
  if (c.locking) yield* lockUnitsOfLeasesOp(items.map((it) => it.leaseId));
  const cc: CreditingContext = { ...c, credits: new PendingCredits() };
  const answers: SubmitStatus[] = [];
  for (const it of items) {
    answers.push(yield* savepoint(ITEM_SAVEPOINT, () => submitResultOp(volunteerId, it.leaseId, it.output, it.hash, cc), (a) => a.status === 'ok', [cc.credits]));
  }
  yield* postCreditsOp(cc);
  return answers;
}

/** A volunteer reports that its kernel failed on a lease. */
export function* reportErrorOp(volunteerId: string, leaseId: number, message: string, c: TxContext): Op<ErrorReportStatus> {
  const loaded = yield* replicaAndUnitOp(leaseId, volunteerId, c.locking);
  if (typeof loaded === 'string') return { status: loaded };
  const { replica, unit } = loaded;
  const admitted = admitError(replica);
  if (admitted === 'repeat') return { status: 'ok', leaseId, unitId: unit.id, unitState: unit.state, verify: false };
  if (admitted === 'lease_closed') return { status: 'lease_closed' };
  yield* exec(Q.setReplicaErrored, { id: leaseId, now: c.now, error: message });
  const leased = unit.leased - (replica.state === 'leased' ? 1 : 0);
  const { state, queued } = yield* applyVerdictOp({ ...unit, leased, errors: unit.errors + 1, quorum: replica.solo ? unit.quorum_base : unit.quorum }, c);
  yield* recordBadOp(volunteerId, c);
  return { status: 'ok', leaseId, unitId: unit.id, unitState: state, verify: queued };
}
