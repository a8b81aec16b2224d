/**
 * @module What the phrase kernel knows of its options before searching: per option (init) its
 * static score, future estimate and LM bound; per sentence (at its start) the span table (the
 * options of each span, and their highest static score and bound) and the future costs fc
 * (Koehn 2010 §6.3.3). The arithmetic is index.ts's module comment's, in the same order.
 */
import { PHRASE_SOURCE_LEN_MAX } from '../codes';
import { bowMax, lp } from './lm';
import { f64At, u32At } from './layout';
import { fCount, maxLpP, oCount, optEnd, optEstP, optLen, optStart, optStaticP, optTgtAtP, optUbP, order, scoresP, tgtP, wLm, wPhrase, wTmP, wWord } from './unit';

/** Span table columns per start: lengths 0..PHRASE_SOURCE_LEN_MAX (0 unused), so a cell is start·8 + length. */
export const SPAN_COLS: u32 = PHRASE_SOURCE_LEN_MAX + 1;

/** static(o), est(o), ub(o) and where o's target ids start, for every option. */
export function buildOptions(): void {
  const F = fCount, N = order;
  let bowUb: f64 = 0;
  for (let k: u32 = 1; k < N; k++) bowUb = bowUb + bowMax;
  let at: u32 = 0;
  for (let o: u32 = 0; o < oCount; o++) {
    let tm: f64 = 0;
    const sc = scoresP + ((<usize>o * <usize>F) << 3);
    for (let k: u32 = 0; k < F; k++) tm = tm + f64At(wTmP, k) * f64At(sc, k);
    const len = optLen(o);
    let st = tm + wWord * <f64>len;
    st = st + wPhrase;
    const words = tgtP + (<usize>at << 2);
    let lm: f64 = 0;
    let ub: f64 = 0;
    for (let i: u32 = 0; i < len; i++) {
      const ctx = i < N - 1 ? i : N - 1;
      lm = lm + lp(words + (<usize>(i - ctx) << 2), ctx);
      ub = ub + (bowUb + f64At(maxLpP, u32At(words, i)));
    }
    store<f64>(optStaticP + (<usize>o << 3), st);
    store<f64>(optEstP + (<usize>o << 3), st + wLm * lm);
    store<f64>(optUbP + (<usize>o << 3), ub);
    store<u32>(optTgtAtP + (<usize>o << 2), at);
    at += len;
  }
}

/**
 * The span table of a sentence of n words whose options are [first, first + count) (spanEnd
 * 0: no option), and its future costs: fc[i][j] (row stride n + 1) starts as the best
 * estimate of the options of [i, j) (−∞ when none), then, shorter spans first and i
 * ascending, becomes the highest of that and fc[i][k] + fc[k][j] for k ascending.
 */
export function prepareSentence(n: u32, first: u32, count: u32, spanFirst: usize, spanEnd: usize, spanStatic: usize, spanUb: usize, fc: usize): void {
  memory.fill(spanEnd, 0, <usize>(n * SPAN_COLS) << 2);
  const w = <usize>n + 1;
  for (let c: usize = 0; c < w * w; c++) store<f64>(fc + (c << 3), -Infinity);
  for (let q = first; q < first + count; q++) {
    const s = optStart(q), e = optEnd(q);
    const cell = <usize>(s * SPAN_COLS + e - s);
    const st = f64At(optStaticP, q), ub = f64At(optUbP, q), est = f64At(optEstP, q);
    if (u32At(spanEnd, cell) == 0) {
      store<u32>(spanFirst + (cell << 2), q);
      store<f64>(spanStatic + (cell << 3), st);
      store<f64>(spanUb + (cell << 3), ub);
    }
    store<u32>(spanEnd + (cell << 2), q + 1);
    if (st > f64At(spanStatic, cell)) store<f64>(spanStatic + (cell << 3), st);
    if (ub > f64At(spanUb, cell)) store<f64>(spanUb + (cell << 3), ub);
    const at = fc + ((<usize>s * w + <usize>e) << 3);
    if (est > load<f64>(at)) store<f64>(at, est);
  }
  for (let len: usize = 1; len <= <usize>n; len++) {
    for (let i: usize = 0; i + len <= <usize>n; i++) {
      const j = i + len;
      let v = f64At(fc, i * w + j);
      for (let k = i + 1; k < j; k++) {
        const c = f64At(fc, i * w + k) + f64At(fc, k * w + j);
        if (c > v) v = c;
      }
      store<f64>(fc + ((i * w + j) << 3), v);
    }
  }
}
