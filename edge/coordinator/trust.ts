/**
 * @module Applies the trust rules of trust-rules.ts in the validating transaction: streaks
 * and quotas move with each outcome; a volunteer caught with a bad result has its recent
 * solo results queued for the server's run, and a result the server disproves has its
 * credit reversed.
 */
import { exec, rows, type Op } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { RECHECK_SOLO_UNITS_MAX, RECHECK_UNITS_MAX, VERIFY_PRIORITY_RECHECK, nextQuota } from './trust-rules.ts';

/** A volunteer's result agreed with the canonical one: count it, lengthen the streak, grow the quota. */
export function* recordValidOp(volunteerId: string): Op<void> {
  yield* exec(Q.recordValidResult, { id: volunteerId });
}

/**
 * A volunteer returned a bad result (or an error): reset its streak, halve its quota, and
 * queue its recent solo results for the server's run (a disproved one is corrected there).
 */
export function* recordBadOp(volunteerId: string, c: TxContext): Op<void> {
  const [v] = yield* rows(Q.volunteerTrust, { id: volunteerId });
  yield* exec(Q.resetTrust, { id: volunteerId, quota: nextQuota(v!.quota_daily, 'bad') });
  const solos = yield* rows(Q.soloResultsToRecheck, { volunteer: volunteerId, max: RECHECK_SOLO_UNITS_MAX });
  for (const { replica_id, id } of solos) {
    // Mark the solo replica as re-checked (2), so it is not queued twice.
    yield* exec(Q.setReplicaSolo, { id: replica_id, solo: 2 });
    // Rows of the verification queue only: the units are not locked from here.
    yield* exec(Q.enqueueVerification, { unit: id, reason: 'recheck', priority: VERIFY_PRIORITY_RECHECK, now: c.now });
  }
}

/**
 * Reverses the credit of replicas that had been credited and are now found invalid (a result
 * the server's run disproved): from vesting points, or from spendable ones once vested. A
 * reversal the volunteer's balance can't cover is skipped: the points were already spent,
 * and the floor is never broken.
 */
export function* reverseCreditsOp(unit: UnitHead, replicas: readonly { id: number; volunteer_id: string; credited_points: number; vested: number }[], now: number): Op<void> {
  const credited = replicas.filter((r) => r.credited_points > 0);
  if (credited.length === 0) return;
  const statuses = yield* createTransfersOp(
    credited.map((r) => ({
      id: `unit:${unit.id}:replica:${r.id}:reversal`,
      // Unvested points come back from vesting: they were never spendable.
      debit: (r.vested ? ACCOUNTS.volunteerPoints(r.volunteer_id) : ACCOUNTS.volunteerVesting(r.volunteer_id)).id,
      credit: ACCOUNTS.pointsIssuerFor(r.volunteer_id).id,
      amount: r.credited_points,
      code: 'unit_credit_reversal',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    })),
    now,
  );
  for (const [i, r] of credited.entries()) {
    if (statuses[i] === 'ok' || statuses[i] === 'exists') yield* exec(Q.setReplicaCredited, { id: r.id, credited: 0 });
    else console.warn(`[edge] reversal of replica ${r.id} not applied: ${statuses[i]}`);
  }
}

/**
 * The server's run disproved a result of `volunteerId`: all trust goes (probation again, no
 * streak, half the quota), and its other accepted results still unchecked are queued.
 */
export function* takeTrustOp(volunteerId: string, c: TxContext): Op<void> {
  const [v] = yield* rows(Q.volunteerTrust, { id: volunteerId });
  if (!v) return;
  yield* exec(Q.takeTrust, { id: volunteerId, quota: nextQuota(v.quota_daily, 'bad') });
  const others = yield* rows(Q.unverifiedValidOf, { volunteer: volunteerId, max: RECHECK_UNITS_MAX });
  // Rows of the verification queue only: the units themselves are not locked from here.
  for (const u of others) yield* exec(Q.enqueueVerification, { unit: u.id, reason: 'recheck', priority: VERIFY_PRIORITY_RECHECK, now: c.now });
}
