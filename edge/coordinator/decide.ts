/**
 * @module The coordinator's decisions about a returned result, as pure functions of what the
 * transaction loaded (TigerBeetle's shape: load, decide, apply). `submit.ts` loads the
 * replica, its unit and the unit's other results, asks these functions what happens, and
 * applies the answer; the unit's replication rule itself is `judgeUnit` (unit-rules.ts).
 */
import type { ResultOutcome } from '../../shared/api/schemas.ts';
import type { ReplicaHead, ReplicaOutcome, UnitHead } from '../db/schema.ts';

/** A returned replica of the unit, as deciding about a new result reads it. */
export interface Returned {
  id: number;
  volunteer_id: string;
  result_hash: string | null;
  outcome: ReplicaOutcome | null;
  credited_points: number;
}

/** What a result for a lease meets before its unit's other results are read. */
export type Admission =
  /** The same lease answered again with the same bytes: the first answer stands. */
  | { kind: 'repeat'; outcome: ResultOutcome; credited: number }
  | { kind: 'refused'; status: 'result_conflict' | 'lease_closed' | 'result_size' }
  /** The unit was validated meanwhile: a late result is judged against the canonical one. */
  | { kind: 'late'; outcome: 'valid' | 'invalid' }
  /** The unit failed or was cancelled: the result is kept as `unit_closed`, never credited. */
  | { kind: 'closed' }
  /** The unit is undecided: its other results decide (see {@link decideQuorum}). */
  | { kind: 'open' };

/**
 * What happens to a result of `hash` (`size` bytes) for `replica` of `unit`. Repeating the
 * same bytes returns the same answer; different bytes for the same lease are a conflict; an
 * errored lease takes no result; the size is the unit's, exactly.
 */
export function admitResult(replica: ReplicaHead, unit: UnitHead, hash: string, size: number): Admission {
  if (replica.state === 'returned') {
    if (replica.result_hash !== hash) return { kind: 'refused', status: 'result_conflict' };
    return { kind: 'repeat', outcome: replica.outcome ?? 'pending', credited: replica.credited_points };
  }
  if (replica.state === 'errored') return { kind: 'refused', status: 'lease_closed' };
  if (size !== unit.output_bytes) return { kind: 'refused', status: 'result_size' };
  if (unit.state === 'valid') return { kind: 'late', outcome: unit.canonical_hash === hash ? 'valid' : 'invalid' };
  if (unit.state === 'failed' || unit.state === 'cancelled') return { kind: 'closed' };
  return { kind: 'open' };
}

/** What a result of an undecided unit does, given the unit's other returned results. */
export type QuorumDecision =
  /**
   * `quorum` results agree: the unit is valid. `agreeing` are the earlier replicas to credit
   * with it (never one already credited), `others` the disagreeing ones to mark invalid.
   */
  | { kind: 'valid'; agreeing: Returned[]; others: Returned[] }
  /** Not yet: the result waits, and the largest group of equal results is `agreeMax`. */
  | { kind: 'pending'; agreeMax: number };

/** Whether a result of `hash` completes `unit`'s quorum among `returned`. */
export function decideQuorum(unit: Pick<UnitHead, 'quorum'>, hash: string, returned: readonly Returned[]): QuorumDecision {
  const agree = 1 + returned.filter((r) => r.result_hash === hash).length;
  if (agree >= unit.quorum) {
    // A re-checked unit keeps its earlier (solo) replica, already credited: never credit twice.
    const agreeing = returned.filter((r) => r.result_hash === hash && r.outcome !== 'valid');
    const others = returned.filter((r) => r.result_hash !== hash && r.outcome !== 'invalid');
    return { kind: 'valid', agreeing, others };
  }
  const groups = new Map<string | null, number>([[hash, agree]]);
  for (const r of returned) if (r.result_hash !== hash) groups.set(r.result_hash, (groups.get(r.result_hash) ?? 0) + 1);
  return { kind: 'pending', agreeMax: Math.max(...groups.values()) };
}

/** What an error report for `replica` does: nothing again, refused, or counted. */
export function admitError(replica: ReplicaHead): 'repeat' | 'lease_closed' | 'count' {
  if (replica.state === 'errored') return 'repeat';
  if (replica.state === 'returned') return 'lease_closed';
  return 'count';
}
