/**
 * @module The coordinator's decisions about a returned result, as pure functions of what the
 * transaction loaded (TigerBeetle's shape: load, decide, apply). `submit.ts` loads the
 * replica, its unit and the unit's other results, asks these functions what happens, and
 * applies the answer; the unit's replication rule itself is `judgeUnit` (unit-rules.ts).
 */
import type { ResultOutcome } from '../../shared/api/schemas.ts';
import type { ReplicaHead, ReplicaOutcome, UnitHead } from '../db/schema.ts';

/** Who returned a result: its identity, the network origin it leased from, its server-verified matches. */
export interface Source {
  volunteer_id: string;
  origin: string | null;
  verified_matches: number;
}

/** A returned replica of the unit, as deciding about a new result reads it. */
export interface Returned extends Source {
  id: number;
  result_hash: string | null;
  outcome: ReplicaOutcome | null;
  credited_points: number;
  /** 1 once its credit vested (became spendable). */
  vested: number;
  /** 1 when it earns nothing (a trial-only job's own customer computed it: funding.ts). */
  unfunded: number;
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

/**
 * How many of `sources` are independent of each other: distinct identities from distinct
 * network origins (DESIGN.md, "Trust"). Replicas of one unit always come from distinct
 * identities (one replica per volunteer and unit), so this counts distinct origins; a source
 * without an origin (in-process, no socket) counts on its own.
 */
export function independentCount(sources: readonly Pick<Source, 'origin'>[]): number {
  const origins = new Set<string>();
  let unknown = 0;
  for (const s of sources) {
    if (s.origin === null) unknown++;
    else origins.add(s.origin);
  }
  return origins.size + unknown;
}

/** What a result of an undecided unit does, given the unit's other returned results. */
export type QuorumDecision =
  /**
   * `quorum` independent results agree and one of them is an established volunteer's: the
   * unit is valid. `agreeing` are the earlier replicas to credit with it (never one already
   * credited), `others` the disagreeing ones to mark invalid; `leastVerified` is the fewest
   * server-verified matches among the agreeing volunteers (how often the server samples).
   */
  | { kind: 'valid'; agreeing: Returned[]; others: Returned[]; leastVerified: number }
  /**
   * `quorum` results agree, but not independently or all on probation: they may be one
   * person's identities, so the server's own run decides. The unit wants no more replicas.
   */
  | { kind: 'verify'; agreeMax: number }
  /** Not yet: the result waits, and the largest group of equal results is `agreeMax`. */
  | { kind: 'pending'; agreeMax: number };

/**
 * Whether a result of `hash` from `me` completes `unit`'s quorum among `returned`. `rule`
 * `peers` is the rule before server verification (any quorum of equal results decides): for
 * the trust bench's side-by-side run only, never for serving.
 */
export function decideQuorum(
  unit: Pick<UnitHead, 'quorum'>,
  hash: string,
  me: Source,
  returned: readonly Returned[],
  isEstablished: (s: Source) => boolean,
  rule: 'trust' | 'peers' = 'trust',
): QuorumDecision {
  const same = returned.filter((r) => r.result_hash === hash);
  const agree = 1 + same.length;
  if (agree >= unit.quorum) {
    const sources = [me, ...same];
    const trusted = rule === 'peers' || (independentCount(sources) >= unit.quorum && sources.some(isEstablished));
    if (!trusted) return { kind: 'verify', agreeMax: agree };
    // A re-checked unit keeps its earlier (solo) replica, already credited: never credit twice.
    const agreeing = same.filter((r) => r.outcome !== 'valid');
    const others = returned.filter((r) => r.result_hash !== hash && r.outcome !== 'invalid');
    return { kind: 'valid', agreeing, others, leastVerified: Math.min(...sources.map((x) => x.verified_matches)) };
  }
  const groups = new Map<string | null, number>([[hash, agree]]);
  for (const r of returned) if (r.result_hash !== hash) groups.set(r.result_hash, (groups.get(r.result_hash) ?? 0) + 1);
  return { kind: 'pending', agreeMax: Math.max(...groups.values()) };
}

/** What the server's own run of a unit decides (its output is the definitive one). */
export type VerificationDecision =
  /** The server's run failed too: the unit fails, and every result returned for it was made up. */
  | { kind: 'fail'; liars: Returned[] }
  /**
   * The unit was undecided: it is valid with the server's output. `matching` replicas are
   * credited and gain a verified match; `liars` returned other bytes.
   */
  | { kind: 'decide'; matching: Returned[]; liars: Returned[] }
  /** The unit was valid with the server's bytes: its valid replicas gain a verified match. */
  | { kind: 'confirm'; matching: Returned[] }
  /**
   * The unit was valid with other bytes: the server's replace them. `liars` (credited with
   * the disproved bytes) lose credit and trust; `matching` (refused before) are credited.
   */
  | { kind: 'correct'; matching: Returned[]; liars: Returned[] }
  /** The unit failed or was cancelled meanwhile: nothing to do. */
  | { kind: 'none' };

/**
 * What the server's run (`serverHash`, or `null` when the kernel failed on the server) does
 * to `unit`, whose returned replicas are `returned`.
 */
export function decideVerification(unit: Pick<UnitHead, 'state' | 'canonical_hash'>, serverHash: string | null, returned: readonly Returned[]): VerificationDecision {
  if (unit.state === 'failed' || unit.state === 'cancelled') return { kind: 'none' };
  const withResult = returned.filter((r) => r.result_hash !== null);
  if (serverHash === null) {
    return unit.state === 'valid' ? { kind: 'none' } : { kind: 'fail', liars: withResult };
  }
  const matching = withResult.filter((r) => r.result_hash === serverHash);
  if (unit.state !== 'valid') return { kind: 'decide', matching, liars: withResult.filter((r) => r.result_hash !== serverHash) };
  if (unit.canonical_hash === serverHash) return { kind: 'confirm', matching };
  return { kind: 'correct', matching, liars: withResult.filter((r) => r.result_hash !== serverHash && r.outcome === 'valid') };
}

/** What an error report for `replica` does: nothing again, refused, or counted. */
export function admitError(replica: ReplicaHead): 'repeat' | 'lease_closed' | 'count' {
  if (replica.state === 'errored') return 'repeat';
  if (replica.state === 'returned') return 'lease_closed';
  return 'count';
}
