/**
 * @module One work unit of the phrase kernel: every hypothesis of stack t extended by every
 * allowed span's options into the stacks above (index.ts's module comment gives the rules and
 * the arithmetic), with recombination (a per-stack hash of states, chained through the
 * hypotheses) and histogram pruning (a per-stack min-heap of (estimate, slot), whose root is
 * the worst). Neither structure's shape changes a result: the worst is the unique lowest
 * (estimate, slot) pair, and a stack holds each state at most once.
 */
import { PHRASE_SENTENCE_TOKENS_MAX, PHRASE_SOURCE_LEN_MAX } from '../codes';
import { hist, loadState, phraseLm, prepareContext, stateStart } from './phraselm';
import { HYP_STATE, f64At, hypAt, u32At } from './layout';
import { SPAN_COLS } from './options';
import { beam, bucketMask, bucketP, dLimit, heapP, hypP, optLen, optStaticP, optUbP, wDist, wLm } from './unit';

const SPAN_CELLS: i32 = PHRASE_SENTENCE_TOKENS_MAX * (PHRASE_SOURCE_LEN_MAX + 1);
const FC_CELLS: i32 = (PHRASE_SENTENCE_TOKENS_MAX + 1) * (PHRASE_SENTENCE_TOKENS_MAX + 1);

// Fixed-size scratch, in static data.
export const spanFirst = memory.data(SPAN_CELLS << 2, 16);
export const spanEnd = memory.data(SPAN_CELLS << 2, 16);
export const spanStatic = memory.data(SPAN_CELLS << 3, 16);
export const spanUb = memory.data(SPAN_CELLS << 3, 16);
export const fc = memory.data(FC_CELLS << 3, 16);
export const counts = memory.data((PHRASE_SENTENCE_TOKENS_MAX + 1) << 2, 16);

/** Σ fc[a][b] over the maximal uncovered runs [a, b) of the n positions, left to right. */
@inline export function futureOf(cov: u64, n: u32): f64 {
  const w = <usize>n + 1;
  let open: u64 = n == 64 ? ~cov : ~cov & ((<u64>1 << <u64>n) - 1);
  let f: f64 = 0;
  while (open != 0) {
    const a = <usize>ctz(open);
    const b = a + <usize>ctz(~(open >> <u64>a));
    f = f + f64At(fc, a * w + b);
    open = b >= 64 ? 0 : open & (~(<u64>0) << <u64>b);
  }
  return f;
}

/** A 32-bit hash of a state: coverage, the LM state's `len` words at `words`, the end of the last phrase. */
@inline function stateSig(cov: u64, words: usize, len: u32, last: u32): u32 {
  let h = (<u32>cov ^ 0x9e3779b1) * 0x85ebca77;
  h = (h ^ <u32>(cov >> 32) ^ (h >> 15)) * 0xc2b2ae3d;
  for (let k: u32 = 0; k < len; k++) h = (h ^ u32At(words, k) ^ (h >> 13)) * 0x27d4eb2f;
  h = (h ^ (len << 8) ^ last ^ (h >> 16)) * 0x165667b1;
  return h ^ (h >> 15);
}

/** Whether hypothesis index a is worse than b: a lower estimate, or an equal one and an earlier slot. */
@inline function worse(a: u32, b: u32): bool {
  const ea = hypAt(hypP, a).est, eb = hypAt(hypP, b).est;
  return ea < eb || (ea == eb && a < b);
}

@inline function swap(heap: usize, i: u32, j: u32): void {
  const a = u32At(heap, i), b = u32At(heap, j);
  store<u32>(heap + (<usize>i << 2), b);
  store<u32>(heap + (<usize>j << 2), a);
  hypAt(hypP, b).heapPos = i;
  hypAt(hypP, a).heapPos = j;
}

function siftUp(heap: usize, i: u32): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(u32At(heap, i), u32At(heap, p))) break;
    swap(heap, i, p);
    i = p;
  }
}

function siftDown(heap: usize, cnt: u32, i: u32): void {
  while (true) {
    const l: u32 = (i << 1) + 1;
    if (l >= cnt) return;
    let c = l;
    if (l + 1 < cnt && worse(u32At(heap, l + 1), u32At(heap, l))) c = l + 1;
    if (!worse(u32At(heap, c), u32At(heap, i))) return;
    swap(heap, i, c);
    i = c;
  }
}

/** Writes hypothesis index r (state hist[from, to)) and chains it into its bucket of stack t. */
export function place(t: u32, r: u32, sc: f64, fut: f64, est: f64, cov: u64, from: u32, to: u32, last: u32, back: i32, q: u32, sig: u32): void {
  const h = hypAt(hypP, r);
  h.score = sc;
  h.est = est;
  h.fut = fut;
  h.cov = cov;
  h.stLen = to - from;
  memory.copy(changetype<usize>(h) + HYP_STATE, hist + (<usize>from << 2), <usize>(to - from) << 2);
  h.last = last;
  h.back = back;
  h.opt = q;
  h.sig = sig;
  const bucket = bucketP + ((<usize>t * (<usize>bucketMask + 1) + <usize>(sig & bucketMask)) << 2);
  h.next = load<i32>(bucket);
  store<i32>(bucket, <i32>r);
}

/** The signature of the state hist[from, to) with coverage cov and last end `last`. */
export function sigOf(cov: u64, from: u32, to: u32, last: u32): u32 {
  return stateSig(cov, hist + (<usize>from << 2), to - from, last);
}

/** Puts an extension that passed the full-stack test into stack t: recombined with its state's hypothesis, appended, or in the worst's slot. */
function insert(t: u32, sc: f64, fut: f64, est: f64, cov: u64, from: u32, to: u32, last: u32, back: i32, q: u32): void {
  const b = beam;
  const len = to - from;
  const sig = sigOf(cov, from, to, last);
  const bucket = bucketP + ((<usize>t * (<usize>bucketMask + 1) + <usize>(sig & bucketMask)) << 2);
  const heap = heapP + ((<usize>t * <usize>b) << 2);
  const cntAt = counts + (<usize>t << 2);
  const cnt = load<u32>(cntAt);
  for (let r = load<i32>(bucket); r >= 0; ) {
    const h = hypAt(hypP, <usize>r);
    if (h.sig == sig && h.cov == cov && h.last == last && h.stLen == len && memory.compare(changetype<usize>(h) + HYP_STATE, hist + (<usize>from << 2), <usize>len << 2) == 0) {
      if (sc > h.score) {
        h.score = sc;
        h.est = sc + h.fut;
        h.back = back;
        h.opt = q;
        siftDown(heap, cnt, h.heapPos);
      }
      return;
    }
    r = h.next;
  }
  if (cnt < b) {
    const r = t * b + cnt;
    place(t, r, sc, fut, est, cov, from, to, last, back, q, sig);
    store<u32>(heap + (<usize>cnt << 2), r);
    hypAt(hypP, r).heapPos = cnt;
    store<u32>(cntAt, cnt + 1);
    siftUp(heap, cnt);
  } else {
    const r = load<u32>(heap);
    // Out of its bucket's chain, then the new hypothesis in its slot.
    const old = bucketP + ((<usize>t * (<usize>bucketMask + 1) + <usize>(hypAt(hypP, r).sig & bucketMask)) << 2);
    let p = load<i32>(old);
    if (p == <i32>r) store<i32>(old, hypAt(hypP, r).next);
    else {
      while (hypAt(hypP, <usize>p).next != <i32>r) p = hypAt(hypP, <usize>p).next;
      hypAt(hypP, <usize>p).next = hypAt(hypP, r).next;
    }
    place(t, r, sc, fut, est, cov, from, to, last, back, q, sig);
    siftDown(heap, cnt, 0);
  }
}

/** The estimate of stack t's worst hypothesis (its heap's root). */
@inline function worstEst(t: u32): f64 {
  return hypAt(hypP, u32At(heapP, <usize>t * <usize>beam)).est;
}

/** Extends every hypothesis of stack t of a sentence of n words (the rules of index.ts's module comment). */
export function expandStack(t: u32, n: u32): void {
  const b = beam, d = dLimit, lw = wLm, dw = wDist;
  const bounded = lw >= 0;
  const cnt = u32At(counts, t);
  for (let k: u32 = 0; k < cnt; k++) {
    const hi = t * b + k;
    const h = hypAt(hypP, hi);
    const cov = h.cov, last = h.last, score = h.score;
    const stLen = loadState(h);
    prepareContext(stLen);
    const f = <u32>ctz(~cov);
    let sHi = last + d;
    const reach = f + (d > 1 ? d : 1) - 1;
    if (reach < sHi) sHi = reach;
    if (n - 1 < sHi) sHi = n - 1;
    const sLo = last > f + d ? last - d : f;
    for (let s = sLo; s <= sHi; s++) {
      if (((cov >> <u64>s) & 1) != 0) continue;
      const jump = s > last ? s - last : last - s;
      const base = score + dw * <f64>jump;
      let ncov = cov;
      const eHi = s + PHRASE_SOURCE_LEN_MAX < n ? s + PHRASE_SOURCE_LEN_MAX : n;
      for (let e = s + 1; e <= eHi; e++) {
        if (((cov >> <u64>(e - 1)) & 1) != 0) break;
        if (s != f && e - f > d) break;
        ncov |= <u64>1 << <u64>(e - 1);
        const cell = <usize>(s * SPAN_COLS + e - s);
        const q1 = u32At(spanEnd, cell);
        if (q1 == 0) continue;
        const tt = t + e - s;
        const fut = futureOf(ncov, n);
        if (bounded && u32At(counts, tt) == b) {
          const ub = base + f64At(spanStatic, cell) + lw * f64At(spanUb, cell);
          if (!(ub + fut > worstEst(tt))) continue;
        }
        for (let q = u32At(spanFirst, cell); q < q1; q++) {
          let sc = base + f64At(optStaticP, q);
          if (bounded && u32At(counts, tt) == b) {
            const ub = sc + lw * f64At(optUbP, q);
            if (!(ub + fut > worstEst(tt))) continue;
          }
          sc = sc + lw * phraseLm(stLen, q);
          const est = sc + fut;
          if (u32At(counts, tt) == b && !(est > worstEst(tt))) continue;
          const total = stLen + optLen(q);
          insert(tt, sc, fut, est, ncov, stateStart(stLen, total), total, e, <i32>hi, q);
        }
      }
    }
  }
}
