/**
 * @module The phrase kernel reference's reading of a unit: every check init makes, in the
 * same order (so a malformed unit gets the same PHRASE_ERR_* code here as from the kernel and
 * the C build), and the unit's parts as typed arrays, the LM built.
 */
import { PHRASE_HEADER_BYTES, PHRASE_LAYOUT, PHRASE_NONE as NONE } from '../../shared/kernels/phrase.codec.ts';
import * as C from '../../shared/kernels/phrase.codes.ts';
import { RefLm, entryIds } from './reference-lm.ts';

/** A checked unit: the header's numbers and its sections as typed arrays. */
export interface RefUnit {
  S: number;
  F: number;
  N: number;
  B: number;
  D: number;
  K: number;
  unk: number;
  wLm: number;
  wWord: number;
  wPhrase: number;
  wDist: number;
  wTm: Float64Array;
  /** O × F option feature values. */
  scores: Float64Array;
  lens: Uint32Array;
  counts: Uint32Array;
  /** Per option: start, end, target length, where its target ids start in `tgt`. */
  optStart: Uint8Array;
  optEnd: Uint8Array;
  optLen: Uint8Array;
  optTgtAt: Uint32Array;
  tgt: Uint32Array;
  lm: RefLm;
  maxLen: number;
}

const ok = (v: number) => v - v === 0 && Math.abs(v) <= C.PHRASE_VALUE_ABS_MAX;

/** Parses and checks the input as the kernel's init does: the unit, or init's code. */
export function readUnit(input: Uint8Array): RefUnit | number {
  const len = input.byteLength;
  if (len < PHRASE_HEADER_BYTES) return C.PHRASE_ERR_SHORT_INPUT;
  const buf = new ArrayBuffer((len + 7) & ~7);
  new Uint8Array(buf).set(input);
  const u32 = new Uint32Array(buf, 0, buf.byteLength >> 2);
  const f64 = new Float64Array(buf);
  const [layout, S, F, N, L, B, D, K, O, T] = Array.from(u32.subarray(0, 10)) as [number, number, number, number, number, number, number, number, number, number];
  if (layout !== PHRASE_LAYOUT) return C.PHRASE_ERR_LAYOUT;
  if (F < 1 || F > C.PHRASE_FEATURES_MAX) return C.PHRASE_ERR_FEATURES;
  if (N < 1 || N > C.PHRASE_LM_ORDER_MAX) return C.PHRASE_ERR_LM_ORDER;
  if (B < 1 || B > C.PHRASE_BEAM_MAX) return C.PHRASE_ERR_BEAM;
  if (D > C.PHRASE_DISTORTION_MAX) return C.PHRASE_ERR_DISTORTION;
  if (K < 1 || K > C.PHRASE_NBEST_MAX) return C.PHRASE_ERR_NBEST;
  if (u32[10] !== 0 || u32[11] !== 0) return C.PHRASE_ERR_RESERVED;
  // Plain numbers stay exact here: every count is below 2^32.
  if (PHRASE_HEADER_BYTES + 8 * F + 8 * O * F + 16 * L + 8 * S + 4 * O + 4 * T + 4 * L * N !== len) return C.PHRASE_ERR_INPUT_LENGTH;
  const [unk, wLm, wWord, wPhrase, wDist] = [f64[6]!, f64[7]!, f64[8]!, f64[9]!, f64[10]!];
  const wTm = f64.slice(11, 11 + F);
  if (![unk, wLm, wWord, wPhrase, wDist, ...wTm].every(ok)) return C.PHRASE_ERR_WEIGHTS;
  const scoresAt = 11 + F;
  const lmValuesAt = scoresAt + O * F;
  const lensAt = 2 * (lmValuesAt + 2 * L);
  const countsAt = lensAt + S;
  const headsAt = countsAt + S;
  const tgtAt = headsAt + O;
  const lmIdsAt = tgtAt + T;
  const lens = u32.slice(lensAt, lensAt + S);
  let maxLen = 0;
  for (const n of lens) {
    if (n > C.PHRASE_SENTENCE_TOKENS_MAX) return C.PHRASE_ERR_SENTENCE_LENGTH;
    maxLen = Math.max(maxLen, n);
  }
  const counts = u32.slice(countsAt, countsAt + S);
  let total = 0;
  for (const c of counts) {
    if (c > C.PHRASE_OPTIONS_PER_SENTENCE_MAX) return C.PHRASE_ERR_OPTION_COUNT;
    total += c;
  }
  if (total !== O) return C.PHRASE_ERR_OPTION_COUNT;
  const optStart = new Uint8Array(O);
  const optEnd = new Uint8Array(O);
  const optLen = new Uint8Array(O);
  const optTgtAt = new Uint32Array(O);
  let words = 0;
  for (let i = 0, o = 0; i < S; i++) {
    const n = lens[i]!;
    const single = new Uint8Array(n);
    for (let q = 0; q < counts[i]!; q++, o++) {
      const head = u32[headsAt + o]!;
      const [s, e, l] = [head & 0xff, (head >>> 8) & 0xff, (head >>> 16) & 0xff];
      if (head >>> 24 !== 0) return C.PHRASE_ERR_OPTION;
      if (s >= e || e > n) return C.PHRASE_ERR_OPTION_RANGE;
      if (e - s > C.PHRASE_SOURCE_LEN_MAX) return C.PHRASE_ERR_SPAN_LENGTH;
      if (l > C.PHRASE_TARGET_LEN_MAX) return C.PHRASE_ERR_TARGET_LENGTH;
      if (q > 0 && (s < optStart[o - 1]! || (s === optStart[o - 1] && e < optEnd[o - 1]!))) return C.PHRASE_ERR_OPTION_ORDER;
      [optStart[o], optEnd[o], optLen[o], optTgtAt[o]] = [s, e, l, words];
      words += l;
      if (e === s + 1) single[s] = 1;
    }
    if (single.includes(0)) return C.PHRASE_ERR_MISSING_WORD_OPTION;
  }
  if (words !== T) return C.PHRASE_ERR_TARGET_WORDS;
  const tgt = u32.slice(tgtAt, tgtAt + T);
  let maxId = 1;
  for (const t of tgt) {
    if (t <= 1 || t >= C.PHRASE_TARGET_IDS_MAX) return C.PHRASE_ERR_TARGET_ID;
    maxId = Math.max(maxId, t);
  }
  const scores = f64.slice(scoresAt, scoresAt + O * F);
  for (const v of scores) if (!ok(v)) return C.PHRASE_ERR_OPTION_SCORE;
  const logp = f64.subarray(lmValuesAt, lmValuesAt + L);
  const bow = f64.subarray(lmValuesAt + L, lmValuesAt + 2 * L);
  for (let k = 0; k < L; k++) {
    let pad = 0;
    while (pad < N && u32[lmIdsAt + N * k + pad] === NONE) pad++;
    if (pad === N) return C.PHRASE_ERR_LM_ENTRY;
    for (let i = pad; i < N; i++) {
      const id = u32[lmIdsAt + N * k + i]!;
      if (id >= C.PHRASE_TARGET_IDS_MAX) return C.PHRASE_ERR_LM_ENTRY;
      maxId = Math.max(maxId, id);
    }
    if (!ok(logp[k]!) || !ok(bow[k]!)) return C.PHRASE_ERR_LM_ENTRY;
  }
  const lm = new RefLm(maxId + 1, L, unk);
  const code = lm.build(L, (k) => entryIds(u32, lmIdsAt + N * k, N), (k) => logp[k]!, (k) => bow[k]!);
  if (code !== 0) return code;
  return { S, F, N, B, D, K, unk, wLm, wWord, wPhrase, wDist, wTm, scores, lens, counts, optStart, optEnd, optLen, optTgtAt, tgt, lm, maxLen };
}
