/**
 * @module Numeric ids read from a path or a query (lease ids, unit ids): decimal digits only,
 * no sign, no leading zero, and at most Number.MAX_SAFE_INTEGER (2^53 − 1). Above that a
 * JavaScript number cannot hold every integer, so `9007199254740993` would be read as
 * `…992`, another row's id: such an id is refused, never rounded.
 */

/** Digits of the largest safe integer (9007199254740991): a longer text is refused before `Number` reads it. */
const SAFE_INTEGER_DIGITS_MAX = String(Number.MAX_SAFE_INTEGER).length;
const POSITIVE_DECIMAL = new RegExp(`^[1-9][0-9]{0,${SAFE_INTEGER_DIGITS_MAX - 1}}$`);

/**
 * The positive integer `raw` spells, or `undefined` when it is not one exactly (not decimal,
 * zero, or above 2^53 − 1).
 * @example
 * positiveIdParam('42'); // 42
 * positiveIdParam('9007199254740993'); // undefined
 */
export function positiveIdParam(raw: string): number | undefined {
  if (!POSITIVE_DECIMAL.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}
