/**
 * @module Formatting for the customer pages: durations and the numbers of results.
 */

/** "about 2 h 05 min", "3 min 05 s", "12 s". */
export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  if (t >= 3600) return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
  if (t >= 60) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${t} s`;
}

/** A result number with `digits` decimals, or an en dash when there is none. */
export function formatNumber(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}
