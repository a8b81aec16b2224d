/**
 * @module Plain TypeScript reference of the decoding kernel: the "plain JS" baseline of the
 * bench and the oracle of the tests. Same algorithm, the same tie-breaking and the same
 * floating-point operation order as assembly/index.ts (fixed in its module comment), so its
 * output bytes are identical.
 */
import { DECODE_HEADER_BYTES, DECODE_NONE as NONE, DECODE_BOS as BOS, DECODE_EOS as EOS, decodeOutputBytes } from '../../shared/kernels/decode.codec.ts';
import * as C from '../../shared/kernels/decode.codes.ts';

const finite = (v: number) => v - v === 0;

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1);
  h = Math.imul(h ^ b, 0x85ebca77);
  h = Math.imul(h ^ c, 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The unit's parts as typed views, or the code the kernel's `init` returns for these bytes. */
function parse(input: Uint8Array) {
  if (input.byteLength < DECODE_HEADER_BYTES) return C.DECODE_ERR_SHORT_INPUT;
  const buf = new ArrayBuffer((input.byteLength + 7) & ~7);
  new Uint8Array(buf).set(input);
  const u32 = new Uint32Array(buf, 0, buf.byteLength >> 2);
  const f64 = new Float64Array(buf);
  const [layout, S, V, O, L, B, D, reserved] = u32.subarray(0, 8) as unknown as number[] as [number, number, number, number, number, number, number, number];
  if (layout !== 1) return C.DECODE_ERR_LAYOUT;
  if (B < 1 || B > C.DECODE_BEAM_MAX) return C.DECODE_ERR_BEAM;
  if (D > C.DECODE_DISTORTION_MAX) return C.DECODE_ERR_DISTORTION;
  if (reserved !== 0) return C.DECODE_ERR_RESERVED;
  const [lmW, wp, dw, unk] = [f64[4]!, f64[5]!, f64[6]!, f64[7]!];
  if (!finite(lmW) || !finite(wp) || !finite(dw) || !finite(unk)) return C.DECODE_ERR_WEIGHTS;
  if (DECODE_HEADER_BYTES + 4 * S > input.byteLength) return C.DECODE_ERR_INPUT_LENGTH;
  const lens = u32.subarray(16, 16 + S);
  let words = 0;
  for (const l of lens) {
    if (l > C.DECODE_SENTENCE_TOKENS_MAX) return C.DECODE_ERR_SENTENCE_LENGTH;
    words += l;
  }
  const optAt = (DECODE_HEADER_BYTES + 4 * (S + words + V + 1) + 7) & ~7;
  if (optAt + 16 * O + 32 * L !== input.byteLength) return C.DECODE_ERR_INPUT_LENGTH;
  const wordList = u32.subarray(16 + S, 16 + S + words);
  const starts = u32.subarray(16 + S + words, 16 + S + words + V + 1);
  for (const w of wordList) if (w >= V) return C.DECODE_ERR_WORD;
  if (starts[0] !== 0 || starts[V] !== O) return C.DECODE_ERR_OPTION_STARTS;
  for (let v = 0; v < V; v++) if (starts[v + 1]! <= starts[v]!) return C.DECODE_ERR_OPTION_STARTS;
  // Options as parallel arrays: t1, t2 (u32 words 0, 1 of 4) and the score (f64 word 1 of 2).
  const optU = (o: number, k: number) => u32[(optAt >> 2) + 4 * o + k]!;
  const optScore = (o: number) => f64[(optAt >> 3) + 2 * o + 1]!;
  for (let o = 0; o < O; o++) {
    const [t1, t2] = [optU(o, 0), optU(o, 1)];
    if (t1 === NONE && t2 !== NONE) return C.DECODE_ERR_OPTION;
    if (t1 === BOS || t1 === EOS || t2 === BOS || t2 === EOS || !finite(optScore(o))) return C.DECODE_ERR_OPTION;
  }
  const lmAt = optAt + 16 * O;
  let maxT = 1;
  for (let o = 0; o < O; o++) for (const t of [optU(o, 0), optU(o, 1)]) if (t !== NONE) maxT = Math.max(maxT, t);
  for (let k = 0; k < L; k++) for (let i = 0; i < 3; i++) if (u32[(lmAt >> 2) + 8 * k + i] !== NONE) maxT = Math.max(maxT, u32[(lmAt >> 2) + 8 * k + i]!);
  if (maxT >= C.DECODE_TARGET_IDS_MAX) return C.DECODE_ERR_TARGET_ID;
  let cap = 16;
  while (cap < 2 * L) cap *= 2;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  const lmU = (k: number, i: number) => u32[(lmAt >> 2) + 8 * k + i]!;
  const lmLogp = new Float64Array(L);
  const lmBow = new Float64Array(L);
  for (let k = 0; k < L; k++) {
    const [a, b, c] = [lmU(k, 0), lmU(k, 1), lmU(k, 2)];
    if (c === NONE || (a !== NONE && b === NONE) || lmU(k, 3) !== 0) return C.DECODE_ERR_LM_ENTRY;
    lmLogp[k] = f64[(lmAt >> 3) + 4 * k + 2]!;
    lmBow[k] = f64[(lmAt >> 3) + 4 * k + 3]!;
    if (!finite(lmLogp[k]!) || !finite(lmBow[k]!)) return C.DECODE_ERR_LM_ENTRY;
    let i = hash3(a, b, c) & mask;
    while (table[i] !== 0) {
      const f = table[i]! - 1;
      if (lmU(f, 0) === a && lmU(f, 1) === b && lmU(f, 2) === c) return C.DECODE_ERR_LM_DUPLICATE;
      i = (i + 1) & mask;
    }
    table[i] = k + 1;
  }
  const t1s = new Uint32Array(O);
  const t2s = new Uint32Array(O);
  const scores = new Float64Array(O);
  for (let o = 0; o < O; o++) [t1s[o], t2s[o], scores[o]] = [optU(o, 0), optU(o, 1), optScore(o)];
  const keys = new Uint32Array(3 * L);
  for (let k = 0; k < L; k++) for (let i = 0; i < 3; i++) keys[3 * k + i] = lmU(k, i);
  return { S, V, B, D, lmW, wp, dw, unk, lens, wordList, starts, t1s, t2s, scores, table, mask, keys, lmLogp, lmBow };
}

/** The code the kernel's `init` returns for these input bytes (0 when they are a valid unit). */
export function decodeInputProblem(input: Uint8Array): number {
  const p = parse(input);
  return typeof p === 'number' ? p : 0;
}

/**
 * Runs one decoding unit and returns its output bytes, as the kernel would.
 * @throws RangeError when the kernel would refuse the input (the message names its code).
 */
export function decodeReference(input: Uint8Array): Uint8Array {
  const u = parse(input);
  if (typeof u === 'number') throw new RangeError(`decode input refused (kernel code ${u})`);
  const { B, D, lmW, wp, dw, unk, lens, wordList, starts, t1s, t2s, scores, table, mask, keys, lmLogp, lmBow } = u;
  const find = (a: number, b: number, c: number): number => {
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const slot = table[i]!;
      if (slot === 0) return -1;
      const e = slot - 1;
      if (keys[3 * e] === a && keys[3 * e + 1] === b && keys[3 * e + 2] === c) return e;
      i = (i + 1) & mask;
    }
  };
  const lm = (a: number, b: number, w: number): number => {
    let e = find(a, b, w);
    if (e >= 0) return lmLogp[e]!;
    let bo = 0;
    if (a !== NONE) {
      const c = find(NONE, a, b);
      if (c >= 0) bo = lmBow[c]!;
      e = find(NONE, b, w);
      if (e >= 0) return bo + lmLogp[e]!;
    }
    const c = find(NONE, NONE, b);
    if (c >= 0) bo = bo + lmBow[c]!;
    e = find(NONE, NONE, w);
    return e >= 0 ? bo + lmLogp[e]! : bo + unk;
  };
  const unigram = (w: number) => {
    const e = find(NONE, NONE, w);
    return e >= 0 ? lmLogp[e]! : unk;
  };
  const fw = new Float64Array(u.V);
  for (let v = 0; v < u.V; v++) {
    let best = 0;
    for (let o = starts[v]!; o < starts[v + 1]!; o++) {
      let e = scores[o]!;
      if (t1s[o] !== NONE) e = e + (lmW * unigram(t1s[o]!) + wp);
      if (t2s[o] !== NONE) e = e + (lmW * unigram(t2s[o]!) + wp);
      if (o === starts[v] || e > best) best = e;
    }
    fw[v] = best;
  }

  const out = new Uint8Array(decodeOutputBytes(Array.from(lens)));
  const ov = new DataView(out.buffer);
  let maxLen = 0;
  for (const l of lens) maxLen = Math.max(maxLen, l);
  const H = (maxLen + 1) * B;
  // Hypotheses as parallel arrays, index s·B + k (stack s, slot k).
  const hScore = new Float64Array(H);
  const hFuture = new Float64Array(H);
  // Coverage as two 32-bit halves: plain numbers, no BigInt in the hot loop.
  const hLo = new Uint32Array(H);
  const hHi = new Uint32Array(H);
  const hW1 = new Uint32Array(H);
  const hW2 = new Uint32Array(H);
  const hLast = new Int32Array(H);
  const hBack = new Int32Array(H);
  const hOpt = new Uint32Array(H);
  const counts = new Uint32Array(maxLen + 1);

  // Per stack: each slot's estimate (score + future as written), and the worst slot cached until the stack changes.
  const hEst = new Float64Array(H);
  let worstK = -1;
  let worstE = 0;
  const insert = (t: number, score: number, future: number, lo: number, hi: number, w1: number, w2: number, last: number, back: number, opt: number) => {
    const base = t * B;
    const cnt = counts[t]!;
    const est = score + future;
    if (cnt === B) {
      if (worstK < 0) {
        worstK = 0;
        worstE = hEst[base]!;
        for (let k = 1; k < cnt; k++) if (hEst[base + k]! < worstE) [worstE, worstK] = [hEst[base + k]!, k];
      }
      if (!(est > worstE)) return;
    }
    for (let k = 0; k < cnt; k++) {
      const p = base + k;
      if (hLo[p] === lo && hHi[p] === hi && hW1[p] === w1 && hW2[p] === w2 && hLast[p] === last) {
        if (score > hScore[p]!) {
          [hScore[p], hBack[p], hOpt[p]] = [score, back, opt];
          hEst[p] = score + hFuture[p]!;
          worstK = -1;
        }
        return;
      }
    }
    let slot = cnt;
    if (cnt < B) counts[t] = cnt + 1;
    else slot = worstK;
    worstK = -1;
    const p = base + slot;
    hScore[p] = score;
    hFuture[p] = future;
    hLo[p] = lo;
    hHi[p] = hi;
    hW1[p] = w1;
    hW2[p] = w2;
    hLast[p] = last;
    hBack[p] = back;
    hOpt[p] = opt;
    hEst[p] = est;
  };

  let wordAt = 0;
  let outAt = 0;
  for (const n of lens) {
    const words = wordList.subarray(wordAt, wordAt + n);
    counts.fill(0, 0, n + 1);
    let future = 0;
    for (let j = 0; j < n; j++) future += fw[words[j]!]!;
    [hScore[0], hFuture[0], hLo[0], hHi[0], hW1[0], hW2[0], hLast[0], hBack[0]] = [0, future, 0, 0, NONE, BOS, -1, -1];
    counts[0] = 1;
    for (let s = 0; s < n; s++) {
      worstK = -1;
      for (let k = 0; k < counts[s]!; k++) {
        const hi = s * B + k;
        const lo = hLo[hi]!;
        const hh = hHi[hi]!;
        const last = hLast[hi]!;
        // First untranslated position: the trailing ones of the coverage.
        const first = lo !== 0xffffffff ? 31 - Math.clz32(~lo & (lo + 1)) : 63 - Math.clz32(~hh & (hh + 1));
        const end = Math.min(first + D, n - 1);
        for (let j = first; j <= end; j++) {
          if ((j < 32 ? (lo >>> j) & 1 : (hh >>> (j - 32)) & 1) !== 0) continue;
          const type = words[j]!;
          const jump = Math.abs(j - (last + 1));
          const fut = hFuture[hi]! - fw[type]!;
          const nlo = j < 32 ? (lo | (1 << j)) >>> 0 : lo;
          const nhi = j < 32 ? hh : (hh | (1 << (j - 32))) >>> 0;
          for (let o = starts[type]!; o < starts[type + 1]!; o++) {
            let sc = hScore[hi]! + scores[o]!;
            sc = sc - dw * jump;
            let w1 = hW1[hi]!;
            let w2 = hW2[hi]!;
            if (t1s[o] !== NONE) {
              sc = sc + (lmW * lm(w1, w2, t1s[o]!) + wp);
              [w1, w2] = [w2, t1s[o]!];
            }
            if (t2s[o] !== NONE) {
              sc = sc + (lmW * lm(w1, w2, t2s[o]!) + wp);
              [w1, w2] = [w2, t2s[o]!];
            }
            insert(s + 1, sc, fut, nlo, nhi, w1, w2, j, hi, o);
          }
        }
      }
    }
    let best = 0;
    let bestScore = 0;
    for (let k = 0; k < counts[n]!; k++) {
      const p = n * B + k;
      const f = hScore[p]! + lmW * lm(hW1[p]!, hW2[p]!, EOS);
      if (k === 0 || f > bestScore) [bestScore, best] = [f, k];
    }
    const path: number[] = [];
    for (let hi = n * B + best, s = n - 1; s >= 0; s--, hi = hBack[hi]!) path[s] = hi;
    ov.setFloat64(outAt, Number.isNaN(bestScore) ? NaN : bestScore, true);
    let m = 0;
    for (const hi of path) {
      for (const t of [t1s[hOpt[hi]!]!, t2s[hOpt[hi]!]!]) {
        if (t === NONE) continue;
        ov.setUint32(outAt + 16 + 8 * m, t, true);
        ov.setUint32(outAt + 20 + 8 * m, hLast[hi]!, true);
        m++;
      }
    }
    ov.setUint32(outAt + 8, m, true);
    outAt += 16 + 16 * n;
    wordAt += n;
  }
  return out;
}
