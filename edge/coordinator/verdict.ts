/**
 * @module Writes a unit's new counters together with the verdict {@link judgeUnit} draws from
 * them; a unit that fails here is counted against its job through the jobs port.
 */
import { exec, type Op } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { judgeUnit } from './unit-rules.ts';

/** Persists `unit`'s counters and state; run inside the transaction that changed them. */
export function* applyVerdictOp(unit: UnitHead, c: TxContext): Op<UnitHead['state']> {
  const verdict = judgeUnit(unit);
  const counters = { id: unit.id, leased: unit.leased, replicas: unit.replicas, quorum: unit.quorum, errors: unit.errors, agreeMax: unit.agree_max };
  if ('failure' in verdict) {
    yield* exec(Q.setUnitFailed, { ...counters, failure: verdict.failure, now: c.now });
    if (unit.state !== 'failed') yield* c.jobs.unitsDecidedOp(unit.job_id, 'failed', 1, c.now);
  } else {
    yield* exec(Q.setUnitCounters, { ...counters, want: verdict.want, state: verdict.state });
  }
  return verdict.state;
}
