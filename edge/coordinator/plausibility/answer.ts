/**
 * @module The answer of a plausibility validator and the few helpers every kernel family's
 * validator shares: a status union (TigerBeetle style, nothing thrown for an ordinary reason),
 * short number formatting for reasons, and the binary64 unit roundoff the rounding tolerances
 * are derived from.
 */

/**
 * What a plausibility validator says about one result: `plausible` (no family rule is broken),
 * `unchecked` (no rule applies: an unknown kernel, or a layout the rules were not written for),
 * or `implausible` with a short sentence naming the first offending value.
 */
export type Plausibility = { status: 'plausible' } | { status: 'unchecked' } | { status: 'implausible'; reason: string };

/** The answer for a result that breaks no rule. */
export const PLAUSIBLE: Plausibility = Object.freeze({ status: 'plausible' });

/** The answer when no family rule applies. */
export const UNCHECKED: Plausibility = Object.freeze({ status: 'unchecked' });

/** The answer for a result that breaks a rule; `reason` is kept with the rejection. */
export function implausible(reason: string): Plausibility {
  return { status: 'implausible', reason };
}

/**
 * Unit roundoff u of IEEE 754 binary64 with round-to-nearest: every +, −, ×, ÷ returns the
 * exact result times (1 + δ), |δ| ≤ u. The families' rounding tolerances are Higham's bounds in
 * units of u ("Accuracy and Stability of Numerical Algorithms", 2nd ed., §1.2 and §4.2).
 */
export const F64_UNIT_ROUNDOFF = 2 ** -53;

/** A number for a reason: integers below 1e9 as they are, others to 6 significant digits, NaN and ±Infinity by name. */
export function fmt(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const [mantissa, exponent] = v.toPrecision(6).split('e');
  return exponent === undefined ? String(Number(mantissa)) : `${Number(mantissa)}e${exponent}`;
}

/** A little-endian view of `bytes` wherever they start (a database row's bytes may start at any offset). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True for a non-finite number: NaN or ±Infinity. */
export function nonFinite(v: number): boolean {
  return !Number.isFinite(v);
}
