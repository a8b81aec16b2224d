/**
 * @module Writes a unit's new counters together with the verdict {@link judgeUnit} draws from
 * them; a unit that fails here counts against its job, which may then finish.
 */
import { exec, type Op } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import { unitDecidedOp } from '../jobs/jobs.ts';
import * as Q from '../leases/queries.ts';
import { judgeUnit } from './unit-state.ts';

/** Persists `unit`'s counters and state; run inside the transaction that changed them. */
export function* applyVerdictOp(unit: UnitHead, now: number): Op<UnitHead['state']> {
  const verdict = judgeUnit(unit);
  const counters = { id: unit.id, leased: unit.leased, replicas: unit.replicas, quorum: unit.quorum, errors: unit.errors, agreeMax: unit.agree_max };
  if ('failure' in verdict) {
    yield exec(Q.setUnitFailed, { ...counters, failure: verdict.failure, now });
    if (unit.state !== 'failed') yield* unitDecidedOp(unit.job_id, 'failed', now);
  } else {
    yield exec(Q.setUnitCounters, { ...counters, want: verdict.want, state: verdict.state });
  }
  return verdict.state;
}
