/**
 * @module Trust (DESIGN.md, "Trust"), as pure rules: identities are free, so peers agreeing
 * prove nothing by themselves. An identity is on probation until PROBATION_MATCHES_MIN of its
 * results matched the server's own run; until then its results decide a unit only together
 * with an established volunteer's, or through the server. An established volunteer with a
 * long streak gets fresh units alone (quorum 1), and a share of those solo results is
 * checked by the server. Quotas (BOINC's idea) bound what one identity takes per day. The
 * queries live where they are used.
 */
import { DAY_MS } from '../../shared/limits.ts';

/**
 * Results that matched the server's own run before an identity is established. Each match
 * costs the server one unit's CPU; three make a lucky guess or a replay vanishingly unlikely
 * while keeping a new volunteer's probation to its first few units.
 */
export const PROBATION_MATCHES_MIN = 3;
/**
 * Share of solo (quorum-1) results the server re-runs. A turncoat's wrong solo results are
 * caught after 1 / SOLO_VERIFY_RATE of them on average, and the catch re-checks its others.
 */
export const SOLO_VERIFY_RATE = 0.2;
/** A disproved volunteer's other unverified results queued for a re-check, newest first. */
export const RECHECK_UNITS_MAX = 50;
/** The verification queue's priority of a re-check (see VERIFY_PRIORITY in verification.ts). */
export const VERIFY_PRIORITY_RECHECK = 3;
/** Share of units decided by mature peers (independent, all MATURE_MATCHES_MIN or more verified matches) the server re-runs anyway. */
export const SAMPLE_VERIFY_RATE = 0.02;
/**
 * Share re-run when one of the deciding volunteers is newly established (fewer than
 * MATURE_MATCHES_MIN verified matches): all of it. Peers' agreement answers the volunteer at
 * once, but a cheater that earned its first matches honestly and then forges with its other
 * identities on other networks has every such unit checked (and corrected, its credits never
 * vested) until it has done MATURE_MATCHES_MIN honest units per identity. With half, two of
 * eight forged units still slipped through in tests/trust/collusion.test.ts.
 */
export const YOUNG_SAMPLE_VERIFY_RATE = 1;
/** Verified matches after which a volunteer's peer-decided results are only sampled at SAMPLE_VERIFY_RATE. */
export const MATURE_MATCHES_MIN = 50;

/** The share of a peer-decided unit the server re-runs, from the least verified of the volunteers that decided it. */
export function sampleRate(leastVerifiedMatches: number): number {
  return leastVerifiedMatches >= MATURE_MATCHES_MIN ? SAMPLE_VERIFY_RATE : YOUNG_SAMPLE_VERIFY_RATE;
}

/** Whether a volunteer's results may decide a unit with other volunteers' (probation is over). */
export function isEstablished(v: { verified_matches: number }): boolean {
  return v.verified_matches >= PROBATION_MATCHES_MIN;
}

/** Valid results in a row before a volunteer may compute units alone. */
export const TRUST_STREAK_MIN = 20;
/** Share of a trusted volunteer's fresh units that are still replicated (spot checks). */
export const SPOT_CHECK_RATE = 0.1;
/** Solo results re-checked when a volunteer is caught with an invalid result. */
export const RECHECK_SOLO_UNITS_MAX = 50;
/** Units a new volunteer may lease per UTC day. */
export const QUOTA_DAILY_START = 2_000;
/** The quota never shrinks below this (an honest device with a bad day recovers). */
export const QUOTA_DAILY_MIN = 20;
/** The quota never grows beyond this. */
export const QUOTA_DAILY_MAX = 100_000;

/**
 * Whether a fresh unit goes to this volunteer alone: only an established volunteer with a
 * long streak, and not for the share of units still replicated as spot checks by peers.
 */
export function leaseSolo(v: { valid_streak: number; verified_matches: number }, random: () => number): boolean {
  return isEstablished(v) && v.valid_streak >= TRUST_STREAK_MIN && random() >= SPOT_CHECK_RATE;
}

/** The quota after a valid result (grows by one) or a bad one (halves). */
export function nextQuota(quota: number, outcome: 'valid' | 'bad'): number {
  return outcome === 'valid' ? Math.min(QUOTA_DAILY_MAX, quota + 1) : Math.max(QUOTA_DAILY_MIN, Math.floor(quota / 2));
}

/** Units still allowed today, given the stored counters (a new day starts from zero). */
export function quotaLeft(v: { quota_daily: number; quota_day: number; quota_used: number }, now: number): number {
  const today = Math.floor(now / DAY_MS);
  return v.quota_daily - (v.quota_day === today ? v.quota_used : 0);
}
