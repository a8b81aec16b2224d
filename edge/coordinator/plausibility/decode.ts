/**
 * @module Plausibility of a translation-decoding result (kernel `decode`, layout 1, see
 * shared/kernels/decode.codec.ts): per sentence, a target count within 0..2n, every target run
 * one of the translation options of the source word it is aligned to, each source position
 * used at most once, every position left out one whose word may be deleted, the alignment
 * order within the distortion limit, unused slots zero, and a score inside the range the
 * chosen options and the unit's language model allow.
 *
 * What the decoder guarantees, from kernels/decode/reference.ts: the best hypothesis of the
 * last stack covers every source position exactly once, one option per position, and writes
 * that option's 0, 1 or 2 target words in path order, each with its position. So a run of
 * equal positions is one option's target words, and a position with no run took an option
 * without target words. Each expansion picks a position at most D past the first uncovered one,
 * and a position written later was still uncovered then: no position may be more than D past
 * any position written after it. Deleted positions are invisible in the output, so their
 * place in the path, and the exact distortion cost, cannot be recovered: the score is checked
 * against bounds, not recomputed (the score is not used by the job's result either).
 */
import { DECODE_HEADER_BYTES, DECODE_LAYOUT, DECODE_LM_ENTRY_BYTES, DECODE_NONE, DECODE_OPTION_BYTES } from '../../../shared/kernels/decode.codec.ts';
import { DECODE_BEAM_MAX, DECODE_DISTORTION_MAX, DECODE_SENTENCE_TOKENS_MAX } from '../../../shared/kernels/decode.codes.ts';
import { F64_UNIT_ROUNDOFF as U, PLAUSIBLE, UNCHECKED, fmt, implausible, viewOf, type Plausibility } from './answer.ts';

// Local copies of the codec's constants, read in the loops below.
const NONE = DECODE_NONE;
const OPTION_BYTES = DECODE_OPTION_BYTES;
const LM_ENTRY_BYTES = DECODE_LM_ENTRY_BYTES;
const HEADER = DECODE_HEADER_BYTES;

/** The unit's parts as byte offsets and the language model's value ranges, or null when the kernel would refuse it. */
function parse(input: Uint8Array) {
  if (input.byteLength < HEADER) return null;
  const view = viewOf(input);
  const u32 = (at: number) => view.getUint32(at, true);
  const f64 = (at: number) => view.getFloat64(at, true);
  const layout = u32(0);
  const [S, V, O, L, B, D] = [u32(4), u32(8), u32(12), u32(16), u32(20), u32(24)];
  const [lmWeight, wordPenalty, distortionWeight, unk] = [f64(32), f64(40), f64(48), f64(56)];
  const fail = { view, layout, ok: false as const };
  if (layout !== DECODE_LAYOUT || B < 1 || B > DECODE_BEAM_MAX || D > DECODE_DISTORTION_MAX || u32(28) !== 0) return fail;
  if (![lmWeight, wordPenalty, distortionWeight, unk].every(Number.isFinite) || HEADER + 4 * S > input.byteLength) return fail;
  let words = 0;
  for (let i = 0; i < S; i++) {
    const n = u32(HEADER + 4 * i);
    if (n > DECODE_SENTENCE_TOKENS_MAX) return fail;
    words += n;
  }
  const wordsAt = HEADER + 4 * S;
  const startsAt = wordsAt + 4 * words;
  // Padded to 8 without int32 bit operations: a corrupt V would wrap them.
  const optAt = Math.ceil((startsAt + 4 * (V + 1)) / 8) * 8;
  const lmAt = optAt + OPTION_BYTES * O;
  if (lmAt + LM_ENTRY_BYTES * L !== input.byteLength) return fail;
  for (let k = 0; k < words; k++) if (u32(wordsAt + 4 * k) >= V) return fail;
  if (u32(startsAt) !== 0 || u32(startsAt + 4 * V) !== O) return fail;
  for (let v = 0; v < V; v++) if (u32(startsAt + 4 * (v + 1)) <= u32(startsAt + 4 * v)) return fail;
  // One language-model term is an entry's log p, or that plus up to two backoff weights, or
  // the unknown word's log p plus those: its range follows from the entries' extremes.
  let logpMin = unk;
  let logpMax = unk;
  let bowMin = 0;
  let bowMax = 0;
  for (let k = 0; k < L; k++) {
    const logp = f64(lmAt + LM_ENTRY_BYTES * k + 16);
    const bow = f64(lmAt + LM_ENTRY_BYTES * k + 24);
    if (!Number.isFinite(logp) || !Number.isFinite(bow)) return fail;
    logpMin = Math.min(logpMin, logp);
    logpMax = Math.max(logpMax, logp);
    bowMin = Math.min(bowMin, bow);
    bowMax = Math.max(bowMax, bow);
  }
  const lmLo = lmWeight * (logpMin + 2 * bowMin);
  const lmHi = lmWeight * (logpMax + 2 * bowMax);
  return { view, layout, ok: true as const, S, D, wordsAt, startsAt, optAt, lmTermMin: Math.min(lmLo, lmHi), lmTermMax: Math.max(lmLo, lmHi), wordPenalty, distortionWeight };
}

/**
 * The largest (`max`) or least score of the options in [from, to) with targets (t1, t2), NONE
 * for an absent word; NaN when no option has them.
 */
function optionScore(view: DataView, optAt: number, from: number, to: number, t1: number, t2: number, max: boolean): number {
  let best = NaN;
  for (let o = from; o < to; o++) {
    const at = optAt + OPTION_BYTES * o;
    if (view.getUint32(at, true) !== t1 || view.getUint32(at + 4, true) !== t2) continue;
    const score = view.getFloat64(at + 8, true);
    if (Number.isNaN(best) || (max ? score > best : score < best)) best = score;
  }
  return best;
}

/** Whether bit `pos` (0..63) of the coverage (lo, hi) is set. */
const covered = (lo: number, hi: number, pos: number) => (pos < 32 ? (lo >>> pos) & 1 : (hi >>> (pos - 32)) & 1) !== 0;

/** The first option of the word at position `pos` of the sentence whose words start at word index `wordAt`. */
function optionsFrom(view: DataView, wordsAt: number, startsAt: number, wordAt: number, pos: number): number {
  return view.getUint32(startsAt + 4 * view.getUint32(wordsAt + 4 * (wordAt + pos), true), true);
}

/** One past the last option of the word at `pos` (see {@link optionsFrom}). */
function optionsTo(view: DataView, wordsAt: number, startsAt: number, wordAt: number, pos: number): number {
  return view.getUint32(startsAt + 4 * (view.getUint32(wordsAt + 4 * (wordAt + pos), true) + 1), true);
}

/**
 * Checks a decoding unit's output against its input.
 * @example
 * checkDecode(unit.input, decodeReference(unit.input)); // { status: 'plausible' }
 */
export function checkDecode(input: Uint8Array, output: Uint8Array): Plausibility {
  const u = parse(input);
  if (u && u.layout !== DECODE_LAYOUT) return UNCHECKED;
  if (!u || !u.ok) return implausible('the unit input is not one the decode kernel runs, so no output can exist');
  const { view: inView, S, D, wordsAt, startsAt, optAt, lmTermMin, lmTermMax, wordPenalty, distortionWeight } = u;
  let want = 0;
  for (let i = 0; i < S; i++) want += 16 + 16 * inView.getUint32(HEADER + 4 * i, true);
  if (output.byteLength !== want) return implausible(`the output has ${output.byteLength} bytes; this unit's has ${want}`);
  const out = viewOf(output);

  for (let i = 0, at = 0, wordAt = 0; i < S; i++) {
    const n = inView.getUint32(HEADER + 4 * i, true);
    const score = out.getFloat64(at, true);
    const m = out.getUint32(at + 8, true);
    const pairsAt = at + 16;
    if (m > 2 * n) return implausible(`sentence ${i} has ${m} target words; its ${n} source words give at most ${2 * n}`);
    if (out.getUint32(at + 12, true) !== 0) return implausible(`sentence ${i} has a non-zero reserved word`);
    for (let k = m; k < 2 * n; k++) {
      if (out.getUint32((pairsAt + 8 * k), true) !== 0 || out.getUint32((pairsAt + 8 * k) + 4, true) !== 0) return implausible(`sentence ${i} slot ${k} is past its ${m} target words but not zero`);
    }

    // Runs of equal positions, each one option of its word; positions as a 64-bit coverage.
    let covLo = 0;
    let covHi = 0;
    let optMax = 0;
    let optMin = 0;
    let optAbs = 0;
    for (let k = 0; k < m; ) {
      const pos = out.getUint32((pairsAt + 8 * k) + 4, true);
      if (pos >= n) return implausible(`sentence ${i} target ${k} is aligned to source position ${pos}; the sentence has ${n} words`);
      if (covered(covLo, covHi, pos)) return implausible(`sentence ${i} source position ${pos} is translated twice (again at target ${k})`);
      if (pos < 32) covLo = (covLo | (1 << pos)) >>> 0;
      else covHi = (covHi | (1 << (pos - 32))) >>> 0;
      const run = k + 1 < m && out.getUint32((pairsAt + 8 * (k + 1)) + 4, true) === pos ? 2 : 1;
      if (run === 2 && k + 2 < m && out.getUint32((pairsAt + 8 * (k + 2)) + 4, true) === pos) return implausible(`sentence ${i} has more than 2 target words from source position ${pos}`);
      const t1 = out.getUint32((pairsAt + 8 * k), true);
      const t2 = run === 2 ? out.getUint32((pairsAt + 8 * (k + 1)), true) : NONE;
      const from = optionsFrom(inView, wordsAt, startsAt, wordAt, pos);
      const to = optionsTo(inView, wordsAt, startsAt, wordAt, pos);
      const hi = optionScore(inView, optAt, from, to, t1, t2, true);
      if (Number.isNaN(hi)) return implausible(`sentence ${i} target ids ${run === 2 ? `${t1} ${t2}` : t1} at source position ${pos} are not a translation option of its word`);
      const lo = optionScore(inView, optAt, from, to, t1, t2, false);
      optMax += hi;
      optMin += lo;
      optAbs += Math.max(Math.abs(hi), Math.abs(lo));
      k += run;
    }
    for (let pos = 0; pos < n; pos++) {
      if (covered(covLo, covHi, pos)) continue;
      const from = optionsFrom(inView, wordsAt, startsAt, wordAt, pos);
      const to = optionsTo(inView, wordsAt, startsAt, wordAt, pos);
      const hi = optionScore(inView, optAt, from, to, NONE, NONE, true);
      if (Number.isNaN(hi)) return implausible(`sentence ${i} leaves source position ${pos} untranslated, but its word has no option without target words`);
      const lo = optionScore(inView, optAt, from, to, NONE, NONE, false);
      optMax += hi;
      optMin += lo;
      optAbs += Math.max(Math.abs(hi), Math.abs(lo));
    }
    // Distortion: no position more than D past one written after it.
    let laterMin = n;
    for (let k = m - 1; k >= 0; k--) {
      const pos = out.getUint32((pairsAt + 8 * k) + 4, true);
      if (pos > laterMin + D) return implausible(`sentence ${i} translates source position ${pos} before position ${laterMin}, a jump over the distortion limit ${D}`);
      laterMin = Math.min(laterMin, pos);
    }

    // Score = options + λ·LM over the m words and </s> + word penalty·m − distortion weight·jumps,
    // each jump at most n over n steps; rounding: 6n + 2 operations on terms up to `size`.
    const distortionMax = distortionWeight * n * n;
    const hi = optMax + (m + 1) * lmTermMax + wordPenalty * m + Math.max(0, -distortionMax);
    const lo = optMin + (m + 1) * lmTermMin + wordPenalty * m + Math.min(0, -distortionMax);
    const size = optAbs + (m + 1) * Math.max(Math.abs(lmTermMin), Math.abs(lmTermMax)) + Math.abs(wordPenalty) * m + Math.abs(distortionMax);
    const tol = 2 * (6 * n + 4) * U * size;
    if (!(score >= lo - tol && score <= hi + tol)) return implausible(`sentence ${i} score ${fmt(score)} is outside ${fmt(lo)}..${fmt(hi)}, the range its options and language model allow`);
    at += 16 + 16 * n;
    wordAt += n;
  }
  return PLAUSIBLE;
}
