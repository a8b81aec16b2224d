/**
 * @module Byte layout of phrase-based decoding units (kernel `phrase`, layout 1), shared by
 * the splitter on the edge, the kernel, its references, the plausibility check and the
 * tuning that reads n-best lists. A unit is a batch of sentences, each with the translation
 * options of its source spans (unit-local target ids, F translation feature values each),
 * the entries of the target language model the batch can reach (backoff form, natural logs),
 * the feature weights and the search settings (Koehn, Och & Marcu 2003; Koehn 2010 ch. 6).
 *
 * Input, little-endian, no padding anywhere (every section below starts 4- or 8-aligned):
 *   u32 layout (=1) | u32 sentences S | u32 features F | u32 LM order N | u32 LM entries L
 *   u32 beam B | u32 distortion limit D | u32 n-best K | u32 options O | u32 target words T
 *   u32 0 | u32 0
 *   f64 log p of a word the LM does not hold | f64 w_lm | f64 w_word | f64 w_phrase
 *   f64 w_distortion                                            (88 bytes so far)
 *   F × f64 w_tm
 *   O × F × f64 option feature values (option after option)
 *   L × f64 log p(last | rest) | L × f64 log backoff weight of the entry as a context
 *   S × u32 sentence lengths n_i (≤ PHRASE_SENTENCE_TOKENS_MAX)
 *   S × u32 option counts o_i (Σ o_i = O; each sentence's options follow the previous one's)
 *   O × u32 option heads: byte 0 start, byte 1 end (exclusive), byte 2 target length, byte 3 0;
 *     a sentence's options sorted by (start, end)
 *   T × u32 target ids, the options' target words option after option
 *   L × N × u32 LM entry ids, oldest first; an entry of k < N words has N − k NONE in front
 * Target ids 0 and 1 are `<s>` and `</s>` (the LM's, never an option's).
 *
 * Output, little-endian, per sentence: u32 candidates c | u32 W, the most target words any
 * complete translation of the sentence can have (the longest path through its options); then
 * K candidate slots, best first, the first c used and the rest zero, each
 *   f64 score | (F + 4) × f64 features: F translation feature sums, LM log prob, target words,
 *   phrases, distortion | u32 target words m | u32 0 | W × (u32 target id, u16 source start,
 *   u16 source end: the span of the phrase that made the word), the first m used, the rest 0.
 * Every NaN in the output is the canonical quiet NaN (see abi.ts).
 */
import { PHRASE_EXTRA_FEATURES } from './phrase.codes.ts';

export const PHRASE_LAYOUT = 1;
export const PHRASE_HEADER_BYTES = 88;
/** The padding in front of a lower-order LM entry's ids. */
export const PHRASE_NONE = 0xffffffff;
export const PHRASE_BOS = 0;
export const PHRASE_EOS = 1;

/** One translation option: a source span, its target words and its translation feature values. */
export interface PhraseOption {
  start: number;
  /** Exclusive. */
  end: number;
  /** 0..PHRASE_TARGET_LEN_MAX unit-local target ids (none: the span is deleted). */
  tgt: number[];
  /** Exactly F translation feature values (log probabilities and the like). */
  scores: number[];
}

/** One source sentence: its length and its options sorted by (start, end). */
export interface PhraseSentence {
  length: number;
  options: PhraseOption[];
}

/** One language model entry: `ids` of 1..lmOrder words, log_e p(last | rest), log_e backoff of `ids` as a context (0 when none). */
export interface PhraseLmEntry {
  ids: number[];
  logp: number;
  bow: number;
}

/** The feature weights: one per translation feature, then LM, word, phrase and distortion. */
export interface PhraseWeights {
  tm: number[];
  lm: number;
  word: number;
  phrase: number;
  distortion: number;
}

/** The numbers a phrase decoding unit is made of. */
export interface PhraseUnitInput {
  sentences: PhraseSentence[];
  /** F, 1..PHRASE_FEATURES_MAX. */
  features: number;
  /** 1..PHRASE_LM_ORDER_MAX. */
  lmOrder: number;
  lm: PhraseLmEntry[];
  unkLogProb: number;
  weights: PhraseWeights;
  beam: number;
  distortionLimit: number;
  nbest: number;
}

/** One translation of an n-best list. */
export interface PhraseCandidate {
  score: number;
  /** F + 4: tm_1..tm_F, lm, words, phrases, distortion; score = dot(weights, features) up to rounding. */
  features: number[];
  tgt: number[];
  /** Per target word, the source span of its phrase. */
  srcStart: number[];
  srcEnd: number[];
}

/** Bytes of one candidate slot of a sentence whose translations have at most `width` words. */
export function phraseCandidateBytes(features: number, width: number): number {
  return 8 * (features + PHRASE_EXTRA_FEATURES + 2 + width);
}

/**
 * The most target words a complete translation of the sentence can have: best[0] = 0,
 * best[e] = max over options [s, e) of best[s] + |tgt| (every position has a one-word option,
 * so every best[e] exists when the unit is valid).
 */
export function phraseSentenceWidth(length: number, options: readonly Pick<PhraseOption, 'start' | 'end' | 'tgt'>[]): number {
  const best = new Array<number>(length + 1).fill(-1);
  best[0] = 0;
  for (const o of options) {
    const from = best[o.start] ?? -1;
    if (from >= 0 && o.end <= length && from + o.tgt.length > best[o.end]!) best[o.end] = from + o.tgt.length;
  }
  return Math.max(0, best[length]!);
}

/** Output bytes of a unit. */
export function phraseOutputBytes(u: Pick<PhraseUnitInput, 'sentences' | 'features' | 'nbest'>): number {
  return u.sentences.reduce((a, s) => a + 8 + u.nbest * phraseCandidateBytes(u.features, phraseSentenceWidth(s.length, s.options)), 0);
}

/** Encodes a unit's input bytes (options as given: the kernel refuses a sentence whose options are not sorted by (start, end)). */
export function encodePhraseInput(u: PhraseUnitInput): Uint8Array {
  const F = u.features;
  const N = u.lmOrder;
  const S = u.sentences.length;
  const O = u.sentences.reduce((a, s) => a + s.options.length, 0);
  const T = u.sentences.reduce((a, s) => a + s.options.reduce((b, o) => b + o.tgt.length, 0), 0);
  const L = u.lm.length;
  const bytes = new Uint8Array(PHRASE_HEADER_BYTES + 8 * F + 8 * O * F + 16 * L + 8 * S + 4 * O + 4 * T + 4 * L * N);
  const v = new DataView(bytes.buffer);
  [PHRASE_LAYOUT, S, F, N, L, u.beam, u.distortionLimit, u.nbest, O, T, 0, 0].forEach((x, i) => v.setUint32(4 * i, x, true));
  const w = u.weights;
  [u.unkLogProb, w.lm, w.word, w.phrase, w.distortion].forEach((x, i) => v.setFloat64(48 + 8 * i, x, true));
  let at = PHRASE_HEADER_BYTES;
  const f64 = (x: number) => {
    v.setFloat64(at, x, true);
    at += 8;
  };
  const u32 = (x: number) => {
    v.setUint32(at, x, true);
    at += 4;
  };
  for (let k = 0; k < F; k++) f64(w.tm[k] ?? 0);
  for (const s of u.sentences) for (const o of s.options) for (let k = 0; k < F; k++) f64(o.scores[k] ?? 0);
  for (const e of u.lm) f64(e.logp);
  for (const e of u.lm) f64(e.bow);
  for (const s of u.sentences) u32(s.length);
  for (const s of u.sentences) u32(s.options.length);
  for (const s of u.sentences) for (const o of s.options) u32((o.start & 0xff) | ((o.end & 0xff) << 8) | ((o.tgt.length & 0xff) << 16));
  for (const s of u.sentences) for (const o of s.options) for (const t of o.tgt) u32(t);
  for (const e of u.lm) for (let i = 0; i < N; i++) u32(i < N - e.ids.length ? PHRASE_NONE : e.ids[i - (N - e.ids.length)]!);
  return bytes;
}

/** Reads a unit's output back: per sentence, its candidates best first. */
export function decodePhraseOutput(out: Uint8Array, u: Pick<PhraseUnitInput, 'sentences' | 'features' | 'nbest'>): PhraseCandidate[][] {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const C = u.features + PHRASE_EXTRA_FEATURES;
  let at = 0;
  return u.sentences.map((s) => {
    const width = phraseSentenceWidth(s.length, s.options);
    const count = Math.min(v.getUint32(at, true), u.nbest);
    const list: PhraseCandidate[] = [];
    for (let k = 0; k < count; k++) {
      const c = at + 8 + k * phraseCandidateBytes(u.features, width);
      const features = Array.from({ length: C }, (_, i) => v.getFloat64(c + 8 + 8 * i, true));
      const m = Math.min(v.getUint32(c + 8 + 8 * C, true), width);
      const words = c + 16 + 8 * C;
      const cand: PhraseCandidate = { score: v.getFloat64(c, true), features, tgt: [], srcStart: [], srcEnd: [] };
      for (let i = 0; i < m; i++) {
        cand.tgt.push(v.getUint32(words + 8 * i, true));
        cand.srcStart.push(v.getUint16(words + 8 * i + 4, true));
        cand.srcEnd.push(v.getUint16(words + 8 * i + 6, true));
      }
      list.push(cand);
    }
    at += 8 + u.nbest * phraseCandidateBytes(u.features, width);
    return list;
  });
}
