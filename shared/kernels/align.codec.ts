/**
 * @module Byte layout of fast_align units (kernel `align`, layout 1: IBM Model 2 with the
 * diagonal prior of Dyer, Chahuneau & Smith 2013), shared by the edge's driver
 * (shared/translation/align-em.ts), the kernel, its references and the plausibility check.
 *
 * The input is the ibm1 layout 1 input (shared/kernels/ibm1.codec.ts) with two f64 after its
 * 32-byte header, so the two kernels share their shards, entry tables and checks:
 *   u32 layout (=1) | u32 flags | u32 pairs P | u32 source types S | u32 target types T
 *   u32 entries E | u32 carry C | u32 tokens N
 *   f64 tension λ (0 ≤ λ ≤ ALIGN_KERNEL_TENSION_MAX) | f64 p0 (0 ≤ p0 ≤ 1)
 *   then exactly ibm1's body: C × f64 carry | E × f64 t | E × u16 entry sources |
 *   E × u16 entry targets | P × (u16 l, u16 m) | N × u16 tokens.
 * flags: bit 0 = NULL word (local source id 0), bit 1 = Viterbi mode (else E-step).
 *
 * Output, little-endian:
 *   E-step:  f64 × (C carry | log-likelihood | P | empirical feature | model feature | E counts)
 *   Viterbi: f64 × (C carry | P), then per target token (pairs in order) u16 = 0 for NULL or
 *            the 1-based source position, then zero u16s up to a multiple of 8 bytes.
 * The features are Σ_j Σ_{i≥1} P(a_j = i)·h(i, j, m, n) (empirical) and
 * Σ_j (1 − P(a_j = 0))·E_δ'[h] with δ' the prior over i ≥ 1 (model): their difference is the
 * derivative of the log-likelihood in λ (see align-em.ts). Every NaN is the canonical NaN.
 */
import { IBM1_HEADER_BYTES, decodeIbm1Input, encodeIbm1Input, type Ibm1UnitInput } from './ibm1.codec.ts';

/** The layout word of align units (the ibm1 body, after a longer header). */
export const ALIGN_LAYOUT = 1;
/** Header bytes: ibm1's 32, then λ and p0. */
export const ALIGN_HEADER_BYTES = IBM1_HEADER_BYTES + 16;
export const ALIGN_FLAG_NULL = 1;
export const ALIGN_FLAG_VITERBI = 2;
/**
 * Largest tension the kernel takes: with λ ≤ 700 every prior weight exp(−λ·h), h ≤ 1, is a
 * normal binary64 number (e^−708 is the least), so no normaliser Z underflows to 0.
 */
export const ALIGN_KERNEL_TENSION_MAX = 700;
/** f64 values before the counts of an E-step output (after the carry): LL, P, two features. */
export const ALIGN_ESTEP_HEAD = 4;

/** What a unit computes: expected counts (E-step) or the best alignment of each target token. */
export type AlignMode = 'estep' | 'viterbi';

/** The numbers one align unit is made of: an ibm1 unit, λ, p0 and the mode. */
export interface AlignUnitInput extends Ibm1UnitInput {
  tension: number;
  p0: number;
  mode: AlignMode;
}

/** One E-step unit's decoded output (views: copy before keeping them past the bytes). */
export interface AlignEStepOutput {
  carry: Float64Array;
  logLikelihood: number;
  pairs: number;
  empiricalFeature: number;
  modelFeature: number;
  counts: Float64Array;
}

/** One Viterbi unit's decoded output. */
export interface AlignViterbiOutput {
  carry: Float64Array;
  pairs: number;
  /** Per target token, in order: 0 (NULL) or the 1-based source position. */
  links: Uint16Array;
}

/** Input bytes of a unit of P pairs, N tokens, E entries and C carried values. */
export function alignInputBytes(carry: number, entries: number, pairs: number, tokens: number): number {
  return ALIGN_HEADER_BYTES + 8 * carry + 12 * entries + 4 * pairs + 2 * tokens;
}

/** E-step output bytes of a unit with E entries and C carried values. */
export function alignEStepOutputBytes(carry: number, entries: number): number {
  return 8 * (carry + ALIGN_ESTEP_HEAD + entries);
}

/** Viterbi output bytes of a unit with C carried values and `targetTokens` target tokens. */
export function alignViterbiOutputBytes(carry: number, targetTokens: number): number {
  return 8 * (carry + 1) + 8 * Math.ceil(targetTokens / 4);
}

/**
 * The align unit of an ibm1 layout 1 input: the same bytes with λ and p0 after the header and
 * the mode in the flags.
 */
export function alignInputFromIbm1(ibm1Input: Uint8Array, tension: number, p0: number, mode: AlignMode): Uint8Array {
  const bytes = new Uint8Array(ibm1Input.byteLength + 16);
  bytes.set(ibm1Input.subarray(0, IBM1_HEADER_BYTES), 0);
  bytes.set(ibm1Input.subarray(IBM1_HEADER_BYTES), ALIGN_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  if (mode === 'viterbi') view.setUint32(4, view.getUint32(4, true) | ALIGN_FLAG_VITERBI, true);
  view.setFloat64(IBM1_HEADER_BYTES, tension, true);
  view.setFloat64(IBM1_HEADER_BYTES + 8, p0, true);
  return bytes;
}

/**
 * The ibm1 input inside an align input (λ and p0 taken out, the Viterbi flag cleared), or
 * null when the bytes are shorter than the align header.
 */
export function ibm1InputOfAlign(bytes: Uint8Array): Uint8Array | null {
  if (bytes.byteLength < ALIGN_HEADER_BYTES) return null;
  const out = new Uint8Array(bytes.byteLength - 16);
  out.set(bytes.subarray(0, IBM1_HEADER_BYTES), 0);
  out.set(bytes.subarray(ALIGN_HEADER_BYTES), IBM1_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(4, view.getUint32(4, true) & ~ALIGN_FLAG_VITERBI, true);
  return out;
}

/**
 * Encodes a unit.
 * @throws RangeError when the parts disagree in size or the carry is over its bound (as ibm1's).
 */
export function encodeAlignInput(u: AlignUnitInput): Uint8Array {
  return alignInputFromIbm1(encodeIbm1Input(u), u.tension, u.p0, u.mode);
}

/** Decodes a unit's input. @throws RangeError when it is not an align layout 1 input of consistent size. */
export function decodeAlignInput(bytes: Uint8Array): AlignUnitInput {
  const inner = ibm1InputOfAlign(bytes);
  if (!inner) throw new RangeError('not an align input');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ...decodeIbm1Input(inner),
    tension: view.getFloat64(IBM1_HEADER_BYTES, true),
    p0: view.getFloat64(IBM1_HEADER_BYTES + 8, true),
    mode: (view.getUint32(4, true) & ALIGN_FLAG_VITERBI) !== 0 ? 'viterbi' : 'estep',
  };
}

/**
 * Decodes an E-step output, given its entry count (the carry length follows from the size).
 * @throws RangeError when the size is not 8·(C + 4 + E) for some C ≥ 0.
 */
export function decodeAlignEStepOutput(bytes: Uint8Array, entries: number): AlignEStepOutput {
  const carry = bytes.byteLength / 8 - ALIGN_ESTEP_HEAD - entries;
  if (!Number.isInteger(carry) || carry < 0) throw new RangeError('align E-step output has the wrong size');
  const values = new Float64Array(bytes.slice().buffer);
  return {
    carry: values.subarray(0, carry),
    logLikelihood: values[carry]!,
    pairs: values[carry + 1]!,
    empiricalFeature: values[carry + 2]!,
    modelFeature: values[carry + 3]!,
    counts: values.subarray(carry + ALIGN_ESTEP_HEAD),
  };
}

/**
 * Decodes a Viterbi output, given its target token count (the carry length follows from the size).
 * @throws RangeError when the size is not that of C ≥ 0 carried values and these tokens.
 */
export function decodeAlignViterbiOutput(bytes: Uint8Array, targetTokens: number): AlignViterbiOutput {
  const carry = (bytes.byteLength - 8 * Math.ceil(targetTokens / 4)) / 8 - 1;
  if (!Number.isInteger(carry) || carry < 0) throw new RangeError('align Viterbi output has the wrong size');
  const copy = bytes.slice().buffer;
  const head = new Float64Array(copy, 0, carry + 1);
  return { carry: head.subarray(0, carry), pairs: head[carry]!, links: new Uint16Array(copy, 8 * (carry + 1), targetTokens) };
}
