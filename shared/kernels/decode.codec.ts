/**
 * @module Byte layout of translation decoding units (kernel `decode`, layout 1), shared by
 * the splitter on the edge, the kernel, its references and the assimilator. A unit is a batch
 * of sentences as unit-local source word types, each type's translation options, and the
 * entries of the target language model the batch can reach (backoff form, log e).
 *
 * Input, little-endian:
 *   u32 layout (=1) | u32 sentences S | u32 source types V | u32 options O | u32 LM entries L
 *   u32 beam width B | u32 distortion limit D | u32 0
 *   f64 λ (LM weight) | f64 word penalty (added per target word) | f64 distortion weight
 *   (subtracted per position jumped) | f64 log probability of a word the LM does not hold
 *   S × u32 sentence lengths n_i (≤ DECODE_SENTENCE_TOKENS_MAX)
 *   Σn_i × u32 source types of the words, sentence after sentence
 *   (V + 1) × u32 option starts (type v's options are [start_v, start_{v+1}))
 *   zero padding to a multiple of 8
 *   O × (u32 t1, u32 t2, f64 score): 0, 1 or 2 target ids (NONE for absent; t2 only after
 *   t1), score = log of the translation probability
 *   L × (u32 w1, u32 w2, u32 w3, u32 0, f64 log p(w3 | w1 w2), f64 log backoff of w1 w2 w3
 *   as a context); lower orders put NONE in front: bigram (NONE, a, b), unigram (NONE, NONE, a)
 * Target ids 0 and 1 are `<s>` and `</s>`.
 * Output, little-endian, per sentence: f64 score | u32 count m | u32 0 | 2·n_i × (u32 target
 * id, u32 source position it translates), of which the first m are used, the rest 0.
 * Every NaN in the output is the canonical quiet NaN (see abi.ts).
 */

export const DECODE_LAYOUT = 1;
export const DECODE_HEADER_BYTES = 64;
/** No word (an option with fewer targets; a lower-order LM key). */
export const DECODE_NONE = 0xffffffff;
export const DECODE_BOS = 0;
export const DECODE_EOS = 1;
export const DECODE_OPTION_BYTES = 16;
export const DECODE_LM_ENTRY_BYTES = 32;

/** One translation option of a source word type: its target words and log probability. */
export interface DecodeOption {
  /** 0, 1 or 2 target ids. */
  tgt: number[];
  score: number;
}

/** One language model entry: `ids` of length 1–3, log p(last | the rest), log backoff as a context. */
export interface DecodeLmEntry {
  ids: number[];
  logp: number;
  bow: number;
}

/** The numbers a decoding unit is made of. */
export interface DecodeUnitInput {
  /** Sentences as unit-local source types (indices into `options`). */
  sentences: number[][];
  /** Per source type, its options (at least one). */
  options: DecodeOption[][];
  lm: DecodeLmEntry[];
  beam: number;
  distortionLimit: number;
  lmWeight: number;
  wordPenalty: number;
  distortionWeight: number;
  unkLogProb: number;
}

/** One decoded sentence: its model score, target ids and the source position of each. */
export interface DecodedSentence {
  score: number;
  tgt: number[];
  src: number[];
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Encodes a unit's input bytes. */
export function encodeDecodeInput(u: DecodeUnitInput): Uint8Array {
  const words = u.sentences.reduce((a, s) => a + s.length, 0);
  const optionCount = u.options.reduce((a, o) => a + o.length, 0);
  const optAt = pad8(DECODE_HEADER_BYTES + 4 * (u.sentences.length + words + u.options.length + 1));
  const lmAt = optAt + DECODE_OPTION_BYTES * optionCount;
  const bytes = new Uint8Array(lmAt + DECODE_LM_ENTRY_BYTES * u.lm.length);
  const v = new DataView(bytes.buffer);
  [DECODE_LAYOUT, u.sentences.length, u.options.length, optionCount, u.lm.length, u.beam, u.distortionLimit, 0].forEach((x, i) => v.setUint32(4 * i, x, true));
  [u.lmWeight, u.wordPenalty, u.distortionWeight, u.unkLogProb].forEach((x, i) => v.setFloat64(32 + 8 * i, x, true));
  let at = DECODE_HEADER_BYTES;
  const u32 = (x: number) => {
    v.setUint32(at, x, true);
    at += 4;
  };
  for (const s of u.sentences) u32(s.length);
  for (const s of u.sentences) for (const w of s) u32(w);
  let start = 0;
  for (const o of u.options) {
    u32(start);
    start += o.length;
  }
  u32(start);
  at = optAt;
  for (const list of u.options) {
    for (const o of list) {
      v.setUint32(at, o.tgt[0] ?? DECODE_NONE, true);
      v.setUint32(at + 4, o.tgt[1] ?? DECODE_NONE, true);
      v.setFloat64(at + 8, o.score, true);
      at += DECODE_OPTION_BYTES;
    }
  }
  for (const e of u.lm) {
    const ids = [DECODE_NONE, DECODE_NONE, DECODE_NONE, ...e.ids].slice(-3);
    ids.forEach((id, i) => v.setUint32(at + 4 * i, id, true));
    v.setFloat64(at + 16, e.logp, true);
    v.setFloat64(at + 24, e.bow, true);
    at += DECODE_LM_ENTRY_BYTES;
  }
  return bytes;
}

/** Output bytes of a unit whose sentences have these lengths. */
export function decodeOutputBytes(lengths: number[]): number {
  return lengths.reduce((a, n) => a + 16 + 16 * n, 0);
}

/** Reads a unit's output back into sentences. */
export function decodeDecodeOutput(out: Uint8Array, lengths: number[]): DecodedSentence[] {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  return lengths.map((n) => {
    const score = v.getFloat64(at, true);
    const m = v.getUint32(at + 8, true);
    const tgt: number[] = [];
    const src: number[] = [];
    for (let k = 0; k < m && k < 2 * n; k++) {
      tgt.push(v.getUint32(at + 16 + 8 * k, true));
      src.push(v.getUint32(at + 20 + 8 * k, true));
    }
    at += 16 + 16 * n;
    return { score, tgt, src };
  });
}
