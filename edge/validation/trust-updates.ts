/**
 * @module Applies the trust rules of trust.ts in the validating transaction: streaks and
 * quotas move with each outcome; a volunteer caught with a bad result has its recent solo
 * results re-opened for a check replica (while their jobs still run), and a solo result a
 * check disproves has its credit reversed.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database, UnitRow } from '../db/schema.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { judgeUnit } from './unit-state.ts';
import { QUOTA_DAILY_MAX, RECHECK_SOLO_UNITS_MAX, nextQuota } from './trust.ts';

async function resetTrust(trx: Transaction<Database>, volunteerId: string): Promise<void> {
  const v = await trx.selectFrom('volunteers').select(['quota_daily']).where('id', '=', volunteerId).executeTakeFirstOrThrow();
  await trx.updateTable('volunteers').set({ quota_daily: nextQuota(v.quota_daily, 'bad'), valid_streak: 0 }).where('id', '=', volunteerId).execute();
}

/** A volunteer's result agreed with the canonical one: count it, lengthen the streak, grow the quota (one UPDATE). */
export async function recordValid(trx: Transaction<Database>, volunteerId: string): Promise<void> {
  await trx
    .updateTable('volunteers')
    .set((eb) => ({
      results_valid: eb('results_valid', '+', 1),
      valid_streak: eb('valid_streak', '+', 1),
      quota_daily: eb.case().when('quota_daily', '<', QUOTA_DAILY_MAX).then(eb('quota_daily', '+', 1)).else(eb.ref('quota_daily')).end(),
    }))
    .where('id', '=', volunteerId)
    .execute();
}

/**
 * A volunteer returned a bad result (or an error): reset its streak, halve its quota, and
 * re-open its recent solo results in running jobs so a second volunteer checks each.
 */
export async function recordBad(trx: Transaction<Database>, volunteerId: string): Promise<void> {
  await resetTrust(trx, volunteerId);
  const solos = await trx
    .selectFrom('replicas as r')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .innerJoin('jobs as j', 'j.id', 'u.job_id')
    .selectAll('u')
    .select(['r.id as replica_id'])
    .where('r.volunteer_id', '=', volunteerId)
    .where('r.solo', '=', 1)
    .where('r.outcome', '=', 'valid')
    .where('u.state', '=', 'valid')
    .where('j.status', '=', 'running')
    // Only the current iteration: a later one may already have been built on earlier results.
    .whereRef('u.iteration', '=', 'j.iteration')
    .orderBy('r.id', 'desc')
    .limit(RECHECK_SOLO_UNITS_MAX)
    .execute();
  for (const s of solos) {
    const { replica_id, ...unit } = s;
    // Mark the solo replica as re-checked (2), so it is not re-opened twice.
    await trx.updateTable('replicas').set({ solo: 2 }).where('id', '=', replica_id).execute();
    const reopened: UnitRow = { ...unit, state: 'in_progress', quorum: unit.quorum_base, agree_max: 1, decided_at: null };
    const verdict = judgeUnit(reopened);
    await trx
      .updateTable('units')
      .set({ state: 'in_progress', quorum: unit.quorum_base, agree_max: 1, want: verdict.want, decided_at: null })
      .where('id', '=', unit.id)
      .execute();
    await trx.updateTable('jobs').set((eb) => ({ units_valid: eb('units_valid', '-', 1) })).where('id', '=', unit.job_id).execute();
  }
}

/**
 * Reverses the credit of replicas that had been credited and are now found invalid (a solo
 * result a check disproved). A reversal the volunteer's balance can't cover is skipped: the
 * points were already spent, and the floor is never broken.
 */
export async function reverseCredits(store: Store, trx: Transaction<Database>, unit: UnitRow, replicas: { id: number; volunteer_id: string; credited_points: number }[], now: number): Promise<void> {
  const credited = replicas.filter((r) => r.credited_points > 0);
  if (credited.length === 0) return;
  const statuses = await ledgerIn(store, trx).createTransfers(
    credited.map((r) => ({
      id: `unit:${unit.id}:replica:${r.id}:reversal`,
      debit: ACCOUNTS.volunteerPoints(r.volunteer_id).id,
      credit: ACCOUNTS.pointsIssued.id,
      amount: r.credited_points,
      code: 'unit_credit_reversal',
      ref: `job:${unit.job_id}:unit:${unit.id}`,
    })),
    now,
  );
  for (const [i, r] of credited.entries()) {
    if (statuses[i] === 'ok' || statuses[i] === 'exists') await trx.updateTable('replicas').set({ credited_points: 0 }).where('id', '=', r.id).execute();
    else console.warn(`[edge] reversal of replica ${r.id} not applied: ${statuses[i]}`);
  }
}
