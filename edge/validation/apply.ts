/**
 * @module Writes a unit's new counters together with the verdict {@link judgeUnit} draws from
 * them; a unit that fails here counts against its job, which may then finish.
 */
import type { Transaction } from 'kysely';
import type { Database, UnitRow } from '../db/schema.ts';
import { finishJobIfDone } from '../jobs/jobs.ts';
import { judgeUnit } from './unit-state.ts';

/** Persists `unit`'s counters and state; call inside the transaction that changed them. */
export async function applyVerdict(trx: Transaction<Database>, unit: UnitRow, now: number): Promise<UnitRow['state']> {
  const verdict = judgeUnit(unit);
  await trx
    .updateTable('units')
    .set({
      leased: unit.leased,
      replicas: unit.replicas,
      quorum: unit.quorum,
      errors: unit.errors,
      agree_max: unit.agree_max,
      want: verdict.want,
      state: verdict.state,
      ...('failure' in verdict ? { failure: verdict.failure, decided_at: now } : {}),
    })
    .where('id', '=', unit.id)
    .execute();
  if ('failure' in verdict && unit.state !== 'failed') {
    await trx.updateTable('jobs').set((eb) => ({ units_failed: eb('units_failed', '+', 1) })).where('id', '=', unit.job_id).execute();
    await finishJobIfDone(trx, unit.job_id, now);
  }
  return verdict.state;
}
