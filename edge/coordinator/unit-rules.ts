/**
 * @module The replication rule of a unit as one pure function of its counters (DESIGN.md,
 * "Unit and replica lifecycle"): how many more replicas it wants, and whether it has failed.
 */
import { ERRORS_MAX, REPLICAS_MAX } from '../../shared/limits.ts';
import type { UnitState } from '../db/schema.ts';

export interface UnitCounters {
  state: UnitState;
  quorum: number;
  leased: number;
  replicas: number;
  errors: number;
  agree_max: number;
}

export type UnitVerdict =
  | { state: 'queued' | 'in_progress'; want: number }
  | { state: 'failed'; want: 0; failure: string }
  | { state: 'valid' | 'cancelled' | 'failed'; want: 0 };

/**
 * Replicas wanted = what the quorum still lacks in the best case (every outstanding lease
 * agreeing with the largest group), bounded by `replicas_max`. The unit fails after
 * `errors_max` errors, or when `replicas_max` replicas were handed out, none is outstanding
 * and no quorum was reached.
 */
export function judgeUnit(u: UnitCounters): UnitVerdict {
  if (u.state === 'valid' || u.state === 'failed' || u.state === 'cancelled') return { state: u.state, want: 0 };
  if (u.errors >= ERRORS_MAX) return { state: 'failed', want: 0, failure: `${u.errors} replicas reported errors` };
  if (u.replicas >= REPLICAS_MAX && u.leased === 0 && u.agree_max < u.quorum) {
    return { state: 'failed', want: 0, failure: `no ${u.quorum} of ${u.replicas} replicas agreed` };
  }
  const lacking = Math.max(0, u.quorum - u.agree_max - u.leased);
  const want = Math.min(lacking, REPLICAS_MAX - u.replicas);
  return { state: u.replicas === 0 ? 'queued' : 'in_progress', want: Math.max(0, want) };
}
