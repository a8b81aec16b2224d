/**
 * @module Writes a unit's new counters together with the verdict {@link judgeUnit} draws from
 * them. A unit never fails on volunteers' word alone (errors and disagreement are free to
 * fake): where the rule says it fails, it waits for the server's own run instead, which fails
 * it only if the kernel fails there too (verification.ts).
 */
import { exec, type Op } from '../db/prepared.ts';
import type { UnitHead } from '../db/schema.ts';
import type { TxContext } from './ports.ts';
import * as Q from './queries.ts';
import { judgeUnit } from './unit-rules.ts';
import { queueVerificationOp } from './verification.ts';

/**
 * Persists `unit`'s counters and state; run inside the transaction that changed them.
 * `queued`: the unit now waits for the server's run (its rule said it fails).
 */
export function* applyVerdictOp(unit: UnitHead, c: TxContext): Op<{ state: UnitHead['state']; queued: boolean }> {
  const verdict = judgeUnit(unit);
  const counters = { id: unit.id, leased: unit.leased, replicas: unit.replicas, quorum: unit.quorum, errors: unit.errors, agreeMax: unit.agree_max };
  if ('failure' in verdict) {
    yield* exec(Q.setUnitCounters, { ...counters, want: 0, state: 'in_progress' });
    yield* queueVerificationOp(unit, 'errors', c);
    return { state: 'in_progress', queued: true };
  }
  yield* exec(Q.setUnitCounters, { ...counters, want: verdict.want, state: verdict.state });
  return { state: verdict.state, queued: false };
}
