/**
 * @module Adaptive replication and quotas (BOINC's ideas, with exact-hash validation): a
 * volunteer with a long streak of valid results gets fresh units alone (quorum 1), except
 * for random spot checks; one invalid result resets the streak, halves its daily quota and
 * re-checks its recent solo results. Pure rules here; the queries live where they are used.
 */
import { DAY_MS } from '../../shared/limits.ts';

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

/** Whether a fresh unit goes to this volunteer alone. */
export function leaseSolo(validStreak: number, random: () => number): boolean {
  return validStreak >= TRUST_STREAK_MIN && random() >= SPOT_CHECK_RATE;
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
