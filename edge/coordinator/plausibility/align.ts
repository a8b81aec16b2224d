/**
 * @module Plausibility of a fast_align result (kernel `align`, layout 1, see
 * shared/kernels/align.codec.ts): the carry echoed unchanged and the pair count in both modes;
 * for an E-step, expected counts finite and ≥ 0 that conserve each target word's occurrences,
 * the two feature expectations inside [0, target tokens], and a log-likelihood inside the
 * interval the unit's table allows; for Viterbi, every link inside its pair's source sentence
 * (0 = NULL only with the NULL word) and zero padding.
 *
 * The count invariant is IBM Model 1's (see ibm1.ts): each target token spreads exactly one
 * unit of posterior over its links, a_i / Σ_k a_k with a_i = δ(i)·t(f_j | e_i) (Dyer et al.
 * 2013, eq. 2), so per target word f the counts of the entries with target f sum to the
 * occurrences of f. The shares are a_i·(1/denom) of the a_i the denominator summed, so the
 * prior's own rounding cancels: a token's shares sum to 1 ± (n + 3)u, as long as no a_i is
 * subnormal. Hence the conditioned units: λ ≤ ALIGN_CONDITIONED_TENSION_MAX (every prior weight
 * e^(−λh) ≥ 2⁻¹⁴⁵), 1 − p0 ≥ ALIGN_CONDITIONED_NON_NULL_MIN (with NULL), and per word every t
 * in [ALIGN_T_NORMAL_MIN, 1]: then δ(i) ≥ 2⁻¹⁴⁵·2⁻⁵⁰/2¹⁶ = 2⁻²¹¹ and every a_i ≥ 2⁻¹⁰¹¹ is
 * normal. Elsewhere NaN counts (a zero denominator) are honest and only the signs are checked.
 *
 * Log-likelihood: Σ_j log denom_j with denom_j = Σ_i δ(i)·t(f_j | e_i) and Σ_i δ(i) = 1, so
 * denom_j lies in [min t, max t] over the entries of f_j, as for IBM Model 1 without its
 * uniform 1/(l + 1).
 */
import { CANONICAL_NAN_BITS } from '../../../shared/kernels/abi.ts';
import {
  ALIGN_ESTEP_HEAD,
  ALIGN_FLAG_NULL,
  ALIGN_FLAG_VITERBI,
  ALIGN_HEADER_BYTES,
  ALIGN_KERNEL_TENSION_MAX,
  ALIGN_LAYOUT,
  alignEStepOutputBytes,
  alignInputBytes,
  alignViterbiOutputBytes,
} from '../../../shared/kernels/align.codec.ts';
import { IBM1_LOCAL_TYPES_MAX } from '../../../shared/kernels/ibm1.codec.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, viewOf, type Plausibility } from './answer.ts';

/** Least t (a probability) of a word whose counts are checked; with the bounds below every a_i stays normal (see the module comment). */
export const ALIGN_T_NORMAL_MIN = 2 ** -800;
/** Greatest tension (no unit) of a unit whose counts are checked: e^(−100) > 2⁻¹⁴⁵. */
export const ALIGN_CONDITIONED_TENSION_MAX = 100;
/** Least non-NULL prior mass 1 − p0 of a unit (with NULL) whose counts are checked. */
export const ALIGN_CONDITIONED_NON_NULL_MIN = 2 ** -50;

const CANONICAL_NAN_HI = Number(CANONICAL_NAN_BITS >> 32n);
const CANONICAL_NAN_LO = Number(CANONICAL_NAN_BITS & 0xffffffffn);

/** The unit's header and part offsets, or null when it is shorter than the header. */
function parse(input: Uint8Array) {
  if (input.byteLength < ALIGN_HEADER_BYTES) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const [layout, flags, P, S, T, E, C, N] = [0, 4, 8, 12, 16, 20, 24, 28].map(u32) as [number, number, number, number, number, number, number, number];
  const tension = view.getFloat64(32, true);
  const p0 = view.getFloat64(40, true);
  const tAt = ALIGN_HEADER_BYTES + 8 * C;
  const srcAt = tAt + 8 * E;
  const tgtAt = srcAt + 2 * E;
  const lensAt = tgtAt + 2 * E;
  const tokAt = lensAt + 4 * P;
  const ok =
    (flags & ~(ALIGN_FLAG_NULL | ALIGN_FLAG_VITERBI)) === 0 &&
    tension >= 0 && tension <= ALIGN_KERNEL_TENSION_MAX && p0 >= 0 && p0 <= 1 &&
    input.byteLength === alignInputBytes(C, E, P, N) && P > 0 && S <= IBM1_LOCAL_TYPES_MAX && T <= IBM1_LOCAL_TYPES_MAX;
  const withNull = (flags & ALIGN_FLAG_NULL) !== 0;
  const viterbi = (flags & ALIGN_FLAG_VITERBI) !== 0;
  return { view, layout, ok, withNull, viterbi, tension, p0, P, S, T, E, C, N, tAt, srcAt, tgtAt, lensAt, tokAt };
}

/**
 * Checks an align unit's output (E-step or Viterbi) against its input.
 * @example
 * checkAlign(unit.input, alignReference(unit.input)); // { status: 'plausible' }
 */
export function checkAlign(input: Uint8Array, output: Uint8Array): Plausibility {
  const u = parse(input);
  if (u && u.layout !== ALIGN_LAYOUT) return UNCHECKED;
  const refused = implausible('the unit input is not one the align kernel runs, so no output can exist');
  if (!u || !u.ok) return refused;
  const { view: inView, withNull, P, S, T, E, C, N, tAt, srcAt, tgtAt, lensAt, tokAt } = u;

  // The sentences: valid tokens, each target word's occurrences, the links and longest source.
  const occ = new Float64Array(T);
  let targetTokens = 0;
  let links = 0;
  let l1Max = 1;
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
  const tMin = new Float64Array(T).fill(Infinity);
  const tMax = new Float64Array(T);
  let tAllAtMostOne = true;
  for (let e = 0; e < E; e++) {
    const t = inView.getFloat64(tAt + 8 * e, true);
    const f = inView.getUint16(tgtAt + 2 * e, true);
    if (!(t >= 0) || t === Infinity || f >= T || inView.getUint16(srcAt + 2 * e, true) >= S) return refused;
    tMin[f] = Math.min(tMin[f]!, t);
    tMax[f] = Math.max(tMax[f]!, t);
    if (t > 1) tAllAtMostOne = false;
  }

  const want = u.viterbi ? alignViterbiOutputBytes(C, targetTokens) : alignEStepOutputBytes(C, E);
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);
  // The carry comes back bit for bit (a NaN as the canonical NaN), then (E-step: after the LL) the pair count.
  for (let c = 0; c < C; c++) {
    const at = ALIGN_HEADER_BYTES + 8 * c;
    const sent = inView.getFloat64(at, true);
    const hi = out.getUint32(8 * c + 4, true);
    const lo = out.getUint32(8 * c, true);
    const same = Number.isNaN(sent) ? hi === CANONICAL_NAN_HI && lo === CANONICAL_NAN_LO : hi === inView.getUint32(at + 4, true) && lo === inView.getUint32(at, true);
    if (!same) return implausible(`carried value ${c} came back as ${fmt(out.getFloat64(8 * c, true))}; the unit sent ${fmt(sent)}`);
  }
  const pairs = out.getFloat64(8 * (u.viterbi ? C : C + 1), true);
  if (pairs !== P) return implausible(`the output reports ${fmt(pairs)} sentence pairs; the unit has ${P}`);

  if (u.viterbi) {
    const linksAt = 8 * (C + 1);
    for (let p = 0, k = 0; p < P; p++) {
      const l = inView.getUint16(lensAt + 4 * p, true);
      const m = inView.getUint16(lensAt + 4 * p + 2, true);
      for (let j = 0; j < m; j++, k++) {
        const i = out.getUint16(linksAt + 2 * k, true);
        if (i > l || (i === 0 && !withNull)) return implausible(`pair ${p} target token ${j} is aligned to source position ${i}; the sentence has ${l} words${withNull ? '' : ' and no NULL word'}`);
      }
    }
    for (let at = linksAt + 2 * targetTokens; at < output.byteLength; at += 2) {
      if (out.getUint16(at, true) !== 0) return implausible('the padding after the last link is not zero');
    }
    return PLAUSIBLE;
  }

  // E-step: counts ≥ 0 (finite where conditioned), summed per target word.
  const unitConditioned = u.tension <= ALIGN_CONDITIONED_TENSION_MAX && (!withNull || 1 - u.p0 >= ALIGN_CONDITIONED_NON_NULL_MIN);
  const normal = (f: number) => unitConditioned && tMin[f]! >= ALIGN_T_NORMAL_MIN && tMax[f]! <= 1;
  const countsAt = 8 * (C + ALIGN_ESTEP_HEAD);
  const rest = Float64Array.from(occ);
  let allNormal = unitConditioned;
  for (let f = 0; f < T; f++) if (occ[f]! > 0 && !normal(f)) allNormal = false;
  for (let e = 0; e < E; e++) {
    const c = out.getFloat64(countsAt + 8 * e, true);
    const f = inView.getUint16(tgtAt + 2 * e, true);
    if (!normal(f)) {
      if (!(c >= 0) && !Number.isNaN(c)) return implausible(`entry ${e} expected count ${fmt(c)} is negative`);
      continue;
    }
    if (!(c >= 0) || c === Infinity) return implausible(`entry ${e} expected count ${fmt(c)} is not a finite number ≥ 0`);
    rest[f] = rest[f]! - c;
  }
  // As ibm1.ts: a token's shares sum to 1 ± (l1 + 3)u, accumulating into the counts errs by
  // ≤ u × (adds to a count ≤ links), summing here by ≤ E·u; twice that covers the rest.
  const sumTol = 2 * (links + E + l1Max + 3) * U;
  for (let f = 0; f < T; f++) {
    if (!normal(f)) continue;
    if (!(Math.abs(rest[f]!) <= sumTol * occ[f]!)) {
      return implausible(`target word ${f}'s expected counts sum to ${fmt(occ[f]! - rest[f]!)}; it occurs ${occ[f]} times in the shard`);
    }
  }

  // Features: sums over tokens of a posterior mass ≤ 1 times h ∈ [0, 1]. Outside a conditioned
  // unit a zero or subnormal denominator makes a share NaN or infinite, and any value honest.
  const featTol = 2 * (links + targetTokens + 8) * U * targetTokens;
  for (const [name, at] of [['empirical', C + 2], ['model', C + 3]] as const) {
    const v = out.getFloat64(8 * at, true);
    if (!allNormal) continue;
    if (!(v >= -featTol && v <= targetTokens + featTol)) return implausible(`the ${name} feature expectation ${fmt(v)} is outside 0..${targetTokens}, the unit's target tokens`);
  }

  // Log-likelihood, for a normalised table (every t ≤ 1; the M-step gives no other).
  if (!tAllAtMostOne) return PLAUSIBLE;
  const ll = out.getFloat64(8 * C, true);
  if (!allNormal) {
    // −∞ is honest when a denominator is 0; NaN never is with t ≤ 1 (no denominator overflows).
    if (!(ll <= 2 * U * (P + 8) * targetTokens)) return implausible(`the log-likelihood ${fmt(ll)} is not ≤ 0`);
    return PLAUSIBLE;
  }
  let llLo = 0;
  let llHi = 0;
  let size = 0;
  for (let f = 0; f < T; f++) {
    if (occ[f] === 0) continue;
    llLo += occ[f]! * Math.log(tMin[f]!);
    llHi += occ[f]! * Math.log(tMax[f]!);
    size += occ[f]! * (Math.abs(Math.log(tMin[f]!)) + 1);
  }
  // Each denominator errs by ≤ (2·l1 + 8)u relative (the prior's δ sum to 1 ± (l1 + 4)u, the
  // sum adds l1 + 1), the products and fdlog by ≤ u·(m + 8·size) per pair, the sum of P terms
  // by P·u·size; twice that.
  const llTol = 2 * U * (targetTokens * (2 * l1Max + 10) + (P + 8) * size);
  if (!Number.isFinite(ll)) return implausible(`the log-likelihood ${fmt(ll)} is not finite, though the unit is well conditioned`);
  if (!(ll >= llLo - llTol && ll <= llHi + llTol)) {
    return implausible(`the log-likelihood ${fmt(ll)} is outside ${fmt(llLo)}..${fmt(llHi)}, the range the unit's t values allow`);
  }
  return PLAUSIBLE;
}
