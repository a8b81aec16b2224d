/**
 * @module Plain TypeScript reference of the phrase-based decoding kernel: the "plain JS"
 * baseline of the bench and the oracle of the tests. Same algorithm, the same tie-breaking and
 * the same floating-point operation order as assembly/index.ts (fixed in its module comment),
 * so its output bytes are identical. Coverage is two u32 halves (no BigInt in the loops).
 */
import { phraseCandidateBytes } from '../../shared/kernels/phrase.codec.ts';
import { PHRASE_EXTRA_FEATURES, PHRASE_LM_ORDER_MAX, PHRASE_TARGET_LEN_MAX } from '../../shared/kernels/phrase.codes.ts';
import { readUnit, type RefUnit } from './reference-unit.ts';
import { RefSearch } from './reference-search.ts';

/** The code the kernel's `init` returns for these input bytes (0 when they are a valid unit). */
export function phraseInputProblem(input: Uint8Array): number {
  const u = readUnit(input);
  return typeof u === 'number' ? u : 0;
}

/** The per-option numbers init computes: the score part known before the LM, the future-cost estimate, the LM bound. */
export interface RefOptions {
  static: Float64Array;
  est: Float64Array;
  ubLm: Float64Array;
}

/** Longest history a phrase's LM sees: the state and the phrase. */
const HIST_MAX = PHRASE_LM_ORDER_MAX - 1 + PHRASE_TARGET_LEN_MAX;

/** static(o), est(o) and ub(o) of every option (see assembly/index.ts). */
export function optionNumbers(u: RefUnit): RefOptions {
  const O = u.optLen.length;
  const out: RefOptions = { static: new Float64Array(O), est: new Float64Array(O), ubLm: new Float64Array(O) };
  let bowUb = 0;
  for (let k = 0; k < u.N - 1; k++) bowUb = bowUb + u.lm.bowMax;
  const scratch = new Uint32Array(HIST_MAX + 1);
  for (let o = 0; o < O; o++) {
    let tm = 0;
    for (let k = 0; k < u.F; k++) tm = tm + u.wTm[k]! * u.scores[o * u.F + k]!;
    const len = u.optLen[o]!;
    let st = tm + u.wWord * len;
    st = st + u.wPhrase;
    const words = u.tgt.subarray(u.optTgtAt[o]!, u.optTgtAt[o]! + len);
    let lm = 0;
    let ub = 0;
    for (let i = 0; i < len; i++) {
      lm = lm + u.lm.lp(words, Math.max(0, i - (u.N - 1)), i, words[i]!, scratch);
      ub = ub + (bowUb + u.lm.maxLp[words[i]!]!);
    }
    out.static[o] = st;
    out.est[o] = st + u.wLm * lm;
    out.ubLm[o] = ub;
  }
  return out;
}

/** The sentence widths W_i: the most target words a complete translation can have. */
export function sentenceWidths(u: RefUnit): number[] {
  const widths: number[] = [];
  for (let i = 0, o = 0; i < u.S; i++) {
    const n = u.lens[i]!;
    const best = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let q = 0; q < u.counts[i]!; q++, o++) {
      const from = best[u.optStart[o]!]!;
      if (from >= 0 && from + u.optLen[o]! > best[u.optEnd[o]!]!) best[u.optEnd[o]!] = from + u.optLen[o]!;
    }
    widths.push(best[n]!);
  }
  return widths;
}

/**
 * Runs one phrase decoding unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function phraseReference(input: Uint8Array): Uint8Array {
  const u = readUnit(input);
  if (typeof u === 'number') throw new RangeError(`phrase input refused (kernel code ${u})`);
  const opts = optionNumbers(u);
  const widths = sentenceWidths(u);
  const slot = (i: number) => phraseCandidateBytes(u.F, widths[i]!);
  const out = new Uint8Array(widths.reduce((a, _w, i) => a + 8 + u.K * slot(i), 0));
  const view = new DataView(out.buffer);
  const search = new RefSearch(u, opts);
  const C = u.F + PHRASE_EXTRA_FEATURES;
  let at = 0;
  for (let i = 0, first = 0; i < u.S; i++) {
    const n = u.lens[i]!;
    const cands = search.decode(n, first, u.counts[i]!);
    view.setUint32(at, cands.length, true);
    view.setUint32(at + 4, widths[i]!, true);
    cands.forEach((c, k) => {
      const p = at + 8 + k * slot(i);
      view.setFloat64(p, Number.isNaN(c.score) ? NaN : c.score, true);
      c.features.forEach((f, j) => view.setFloat64(p + 8 + 8 * j, Number.isNaN(f) ? NaN : f, true));
      view.setUint32(p + 8 + 8 * C, c.tgt.length, true);
      c.tgt.forEach((t, j) => {
        view.setUint32(p + 16 + 8 * C + 8 * j, t, true);
        view.setUint16(p + 20 + 8 * C + 8 * j, c.srcStart[j]!, true);
        view.setUint16(p + 22 + 8 * C + 8 * j, c.srcEnd[j]!, true);
      });
    });
    at += 8 + u.K * slot(i);
    first += u.counts[i]!;
  }
  return out;
}
