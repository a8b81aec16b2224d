/**
 * @module The server's own run as the final word (DESIGN.md, "Trust"): units are queued for
 * it (most urgent first: a unit that would fail on errors, probationary or dependent
 * agreement, solo results, re-checks, samples), and its output decides them in one
 * transaction: an undecided unit becomes valid with the server's bytes; a valid unit is
 * confirmed, or corrected — the volunteers whose bytes it disproved lose their credit and all
 * trust, and their other accepted results are queued for a re-check.
 */
import { exec, rows, type Op } from '../db/prepared.ts';
import type { UnitHead, VerifyReason } from '../db/schema.ts';
import { creditOf, paidOf, queueCredits, queueVests, type CreditingContext } from './credits.ts';
import { decideVerification, type Returned, type VerificationDecision } from './decide.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { VERIFY_PRIORITY_RECHECK } from './trust-rules.ts';
import { reverseCreditsOp } from './trust.ts';

/** Queue order by reason: a unit about to fail and probation hold up jobs; samples wait. */
export const VERIFY_PRIORITY: Readonly<Record<VerifyReason, number>> = { errors: 0, probation: 1, solo: 2, recheck: VERIFY_PRIORITY_RECHECK, sample: 4 };

/** What the server's run gave: the canonical output, or the kernel's failure. */
export type ServerRun = { status: 'done'; hash: string; output: Uint8Array } | { status: 'kernel_error'; message: string };

/**
 * Queues `unit` (locked by the caller) for the server's run. Its state is left as it is: an
 * undecided unit waits (it wants no more replicas), a valid one stays valid until the run.
 */
export function* queueVerificationOp(unit: Pick<UnitHead, 'id'>, reason: VerifyReason, c: TxContext): Op<void> {
  yield* exec(Q.enqueueVerification, { unit: unit.id, reason, priority: VERIFY_PRIORITY[reason], now: c.now });
  yield* exec(Q.setUnitVerification, { id: unit.id, verification: 'queued' });
}

function* markInvalidOp(liars: readonly Returned[]): Op<void> {
  for (const r of liars) yield* exec(Q.setReplicaOutcome, { id: r.id, outcome: 'invalid', credited: r.credited_points });
}

/**
 * Applies the server's run of `unitId`; answers what it did. One transaction with its credits;
 * volunteers' trust moves when the credits are posted (postCreditsOp: their rows last, in id
 * order, the lock order every writer keeps).
 */
export function* applyVerificationOp(unitId: number, run: ServerRun, c: CreditingContext): Op<VerificationDecision['kind']> {
  const [unit] = yield* rows(Q.unitForUpdate, { id: unitId });
  // Gone: another node's run of it was applied first (its claim had lapsed); once is enough.
  if ((yield* exec(Q.dropVerification, { unit: unitId })) === 0 || !unit) return 'none';
  const returned = yield* rows(Q.returnedOfUnit, { unit: unitId });
  const d = decideVerification(unit, run.status === 'done' ? run.hash : null, returned);
  switch (d.kind) {
    case 'none':
      if (unit.verification === 'queued') yield* exec(Q.setUnitVerification, { id: unitId, verification: null });
      break;
    case 'fail': {
      const message = run.status === 'kernel_error' ? run.message : 'no output';
      yield* exec(Q.setUnitServerFailed, { id: unitId, failure: `the server's own run failed too: ${message}`.slice(0, 500), now: c.now });
      yield* markInvalidOp(d.liars);
      for (const r of d.liars) c.credits.disproved.push(r.volunteer_id);
      yield* c.jobs.unitsDecidedOp(unit.job_id, 'failed', 1, c);
      break;
    }
    case 'decide': {
      const server = run as Extract<ServerRun, { status: 'done' }>;
      yield* exec(Q.setUnitServerValid, { id: unitId, hash: server.hash, output: server.output, now: c.now, verification: 'matched' });
      yield* creditMatchingOp(unit, d.matching, c);
      yield* markInvalidOp(d.liars);
      for (const r of d.liars) c.credits.disproved.push(r.volunteer_id);
      c.credits.validated.push(unit.job_id);
      break;
    }
    case 'confirm': {
      yield* exec(Q.setUnitVerification, { id: unitId, verification: 'matched' });
      const credited = d.matching.filter((r) => r.outcome === 'valid');
      for (const r of credited) c.credits.matched.push(r.volunteer_id);
      // Beyond doubt now: their credits vest.
      queueVests(unit, credited.filter((r) => !r.vested && r.credited_points > 0), c.credits);
      break;
    }
    case 'correct': {
      const server = run as Extract<ServerRun, { status: 'done' }>;
      yield* exec(Q.setUnitServerValid, { id: unitId, hash: server.hash, output: server.output, now: c.now, verification: 'corrected' });
      yield* markInvalidOp(d.liars);
      yield* reverseCreditsOp(unit, d.liars, c.now);
      for (const r of d.liars) c.credits.disproved.push(r.volunteer_id);
      yield* creditMatchingOp(unit, d.matching.filter((r) => r.outcome !== 'valid'), c);
      yield* c.jobs.unitCorrectedOp(unit.job_id, unitId, c.now);
      break;
    }
  }
  return d.kind;
}

/** Replicas whose bytes the server's run matched: valid, credited (vested at once), and one verified match each. */
function* creditMatchingOp(unit: UnitHead, matching: readonly Returned[], c: CreditingContext): Op<void> {
  // Paid up to the quorum the customer pays for (credits.ts paidOf); every match counts for trust.
  const [valid] = yield* rows(Q.validResultsOfUnit, { unit: unit.id });
  const { paid } = paidOf(unit, matching, Number(valid?.n ?? 0));
  for (const r of matching) {
    yield* exec(Q.setReplicaOutcome, { id: r.id, outcome: 'valid', credited: paid.includes(r) ? creditOf(unit, r) : 0 });
    c.credits.matched.push(r.volunteer_id);
  }
  queueCredits(unit, paid, c.credits, true);
}
