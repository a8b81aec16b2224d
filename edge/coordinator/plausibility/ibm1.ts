/**
 * @module Plausibility of an IBM Model 1 E-step result (kernel `ibm1`, layout 1, see
 * shared/kernels/ibm1.codec.ts): the carry echoed unchanged, the pair count, expected counts
 * finite and ≥ 0 that conserve each target word's occurrences, and a log-likelihood inside
 * the interval the unit's table allows.
 *
 * The invariant (Brown et al. 1993, eq. 12; Koehn 2010, §4.2): each target token f_j
 * spreads exactly one unit of count over its links, t(f_j | e_i) / Σ_i' t(f_j | e_i'). Every
 * link of a token of word f is an entry (e, f), so, per target word f, the counts of the
 * entries with target f sum to the occurrences of f in the shard's target sentences: one
 * equation per target word, not only one for the total, at O(entries + tokens).
 *
 * Log-likelihood: the shard's LL is Σ_j log(denom_j / l1_j), and denom_j / l1_j is a mean of
 * t values of entries with target f_j, so it lies in [min t, max t] over those entries: the LL
 * lies in [Σ_f occ_f·log min_f t, Σ_f occ_f·log max_f t], ≤ 0 for a normalised table.
 *
 * Degenerate tables: where an entry's t is 0 or tiny (an EM count that underflowed), a token
 * can have denominator 0 and the honest kernel writes NaN counts and an LL of −∞. The sums are
 * then only checked for target words whose entries all have t in [IBM1_T_NORMAL_MIN, 1].
 */
import { IBM1_FLAG_NULL, IBM1_HEADER_BYTES, IBM1_LAYOUT, IBM1_LOCAL_TYPES_MAX, ibm1InputBytes, ibm1OutputBytes } from '../../../shared/kernels/ibm1.codec.ts';
import { CANONICAL_NAN_BITS } from '../../../shared/kernels/abi.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, viewOf, type Plausibility } from './answer.ts';

/**
 * Least t (a probability, no unit) for which the rounding bounds below hold: with every t of a
 * word in [2⁻¹⁰⁰⁰, 1] and at most 2¹⁶ links per token (u16 sentence lengths, NULL included),
 * every denominator, quotient t / denominator (≥ 2⁻¹⁰¹⁶) and renormalised product stays a
 * normal binary64 number (≥ 2⁻¹⁰²²), so each operation errs by at most u relative.
 */
export const IBM1_T_NORMAL_MIN = 2 ** -1000;

const CANONICAL_NAN_HI = Number(CANONICAL_NAN_BITS >> 32n);
const CANONICAL_NAN_LO = Number(CANONICAL_NAN_BITS & 0xffffffffn);

/** The unit's parts as byte offsets, or null when it is not an input the kernel runs. */
function parse(input: Uint8Array) {
  if (input.byteLength < IBM1_HEADER_BYTES) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const layout = u32(0);
  const flags = u32(4);
  const [P, S, T, E, C, N] = [u32(8), u32(12), u32(16), u32(20), u32(24), u32(28)];
  const tAt = IBM1_HEADER_BYTES + 8 * C;
  const srcAt = tAt + 8 * E;
  const tgtAt = srcAt + 2 * E;
  const lensAt = tgtAt + 2 * E;
  const tokAt = lensAt + 4 * P;
  const ok = layout === IBM1_LAYOUT && (flags & ~IBM1_FLAG_NULL) === 0 && input.byteLength === ibm1InputBytes(C, E, P, N) && P > 0 && S <= IBM1_LOCAL_TYPES_MAX && T <= IBM1_LOCAL_TYPES_MAX;
  return { view, layout, ok, withNull: (flags & IBM1_FLAG_NULL) !== 0, P, S, T, E, C, N, tAt, srcAt, tgtAt, lensAt, tokAt };
}

/**
 * Checks an E-step unit's output against its input.
 * @example
 * checkIbm1(unit.input, ibm1Reference(unit.input)); // { status: 'plausible' }
 */
export function checkIbm1(input: Uint8Array, output: Uint8Array): Plausibility {
  const u = parse(input);
  if (u && u.layout !== IBM1_LAYOUT) return UNCHECKED;
  const refused = implausible('the unit input is not one the ibm1 kernel runs, so no output can exist');
  if (!u || !u.ok) return refused;
  const { view: inView, withNull, P, S, T, E, C, N, tAt, srcAt, tgtAt, lensAt, tokAt } = u;
  const want = ibm1OutputBytes(C, E);
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);

  // Per target word: occurrences in the target sentences, then minus the counts; t's range.
  const occ = new Float64Array(T);
  const rest = new Float64Array(T);
  const tMin = new Float64Array(T).fill(Infinity);
  const tMax = new Float64Array(T);
  let links = 0;
  let l1Max = 1;
  let targetTokens = 0;
  for (let p = 0, k = 0; p < P; p++) {
    const l = inView.getUint16(lensAt + 4 * p, true);
    const m = inView.getUint16(lensAt + 4 * p + 2, true);
    if (l === 0 || m === 0 || k + l + m > N) return refused;
    for (let i = 0; i < l; i++, k++) {
      const w = inView.getUint16(tokAt + 2 * k, true);
      if (w >= S || (withNull && w === 0)) return refused;
    }
    for (let j = 0; j < m; j++, k++) {
      const f = inView.getUint16(tokAt + 2 * k, true);
      if (f >= T) return refused;
      occ[f] = occ[f]! + 1;
    }
    const l1 = l + (withNull ? 1 : 0);
    links += m * l1;
    l1Max = Math.max(l1Max, l1);
    targetTokens += m;
    if (p === P - 1 && k !== N) return refused;
  }
  let tAllAtMostOne = true;
  for (let e = 0; e < E; e++) {
    const t = inView.getFloat64(tAt + 8 * e, true);
    const f = inView.getUint16(tgtAt + 2 * e, true);
    if (!(t >= 0) || t === Infinity || f >= T || inView.getUint16(srcAt + 2 * e, true) >= S) return refused;
    tMin[f] = Math.min(tMin[f]!, t);
    tMax[f] = Math.max(tMax[f]!, t);
    if (t > 1) tAllAtMostOne = false;
  }
  rest.set(occ);

  // The carry comes back bit for bit (a NaN as the canonical NaN), then the pair count.
  for (let c = 0; c < C; c++) {
    const at = IBM1_HEADER_BYTES + 8 * c;
    const sent = inView.getFloat64(at, true);
    const hi = out.getUint32(8 * c + 4, true);
    const lo = out.getUint32(8 * c, true);
    const same = Number.isNaN(sent) ? hi === CANONICAL_NAN_HI && lo === CANONICAL_NAN_LO : hi === inView.getUint32(at + 4, true) && lo === inView.getUint32(at, true);
    if (!same) return implausible(`carried value ${c} came back as ${fmt(out.getFloat64(8 * c, true))}; the unit sent ${fmt(sent)}`);
  }
  const pairs = out.getFloat64(8 * (C + 1), true);
  if (pairs !== P) return implausible(`the output reports ${fmt(pairs)} sentence pairs; the unit has ${P}`);

  // Counts: ≥ 0 and finite (NaN only for a word with a degenerate t), summed per target word.
  const normal = (f: number) => tMin[f]! >= IBM1_T_NORMAL_MIN && tMax[f]! <= 1;
  for (let e = 0; e < E; e++) {
    const c = out.getFloat64(8 * (C + 2 + e), true);
    const f = inView.getUint16(tgtAt + 2 * e, true);
    if (Number.isNaN(c) && !normal(f)) continue;
    if (!(c >= 0) || c === Infinity) return implausible(`entry ${e} expected count ${fmt(c)} is not a finite number ≥ 0`);
    rest[f] = rest[f]! - c;
  }
  // Relative error of a word's sum: each token's shares sum to 1 ± (l1 + 2)u; accumulating
  // into the counts errs by ≤ u × (adds to a count ≤ links) of the word's total; summing the
  // word's entries here by ≤ E·u. Twice that covers the second-order terms.
  const sumTol = 2 * (links + E + l1Max + 2) * U;
  for (let f = 0; f < T; f++) {
    if (!normal(f)) continue;
    if (!(Math.abs(rest[f]!) <= sumTol * occ[f]!)) {
      return implausible(`target word ${f}'s expected counts sum to ${fmt(occ[f]! - rest[f]!)}; it occurs ${occ[f]} times in the shard`);
    }
  }

  // Log-likelihood, for a normalised table (every t ≤ 1; the M-step gives no other).
  if (!tAllAtMostOne) return PLAUSIBLE;
  const ll = out.getFloat64(8 * C, true);
  let llLo = 0;
  let llHi = 0;
  let size = 0;
  let allNormal = true;
  for (let f = 0; f < T; f++) {
    if (occ[f] === 0) continue;
    if (!normal(f)) allNormal = false;
    llLo += occ[f]! * Math.log(tMin[f]!);
    llHi += occ[f]! * Math.log(tMax[f]!);
    size += occ[f]! * (Math.abs(Math.log(tMin[f]!)) + Math.log(l1Max));
  }
  // Each pair's term errs by ≤ u·(m + 8·its size) (m products, fdlog, the exponent times ln 2,
  // m·log l1) and summing P terms by ≤ P·u·size; twice that, and all of it stays tiny.
  const llTol = 2 * U * (targetTokens + (P + 8) * size);
  if (!allNormal) {
    // Only ≤ 0 is left: −∞ is honest when a denominator is 0, NaN never is.
    if (!(ll <= 2 * U * (P + 8) * targetTokens * (Math.log(l1Max) + 1))) return implausible(`the log-likelihood ${fmt(ll)} is not ≤ 0`);
    return PLAUSIBLE;
  }
  if (!Number.isFinite(ll)) return implausible(`the log-likelihood ${fmt(ll)} is not finite, though every t of the unit is in ${fmt(IBM1_T_NORMAL_MIN)}..1`);
  if (!(ll >= llLo - llTol && ll <= llHi + llTol)) {
    return implausible(`the log-likelihood ${fmt(ll)} is outside ${fmt(llLo)}..${fmt(llHi)}, the range the unit's t values allow`);
  }
  return PLAUSIBLE;
}
