/**
 * @module The phrase kernel reference's search of one sentence: future costs, the stacks
 * (recombination, histogram pruning by a min-heap of estimates), the n-best list with its
 * features. Every rule and operation order is assembly/index.ts's module comment's; the heap
 * and the recombination hash are data structures whose results do not depend on their shape
 * (the worst is the unique lowest (estimate, slot); a stack holds each state at most once).
 */
import { PHRASE_BOS as BOS, PHRASE_EOS as EOS, type PhraseCandidate } from '../../shared/kernels/phrase.codec.ts';
import { PHRASE_LM_ORDER_MAX, PHRASE_SENTENCE_TOKENS_MAX, PHRASE_SOURCE_LEN_MAX, PHRASE_TARGET_LEN_MAX } from '../../shared/kernels/phrase.codes.ts';
import type { RefOptions } from './reference.ts';
import type { RefUnit } from './reference-unit.ts';

const STATE_MAX = PHRASE_LM_ORDER_MAX - 1;
const HIST_MAX = STATE_MAX + PHRASE_TARGET_LEN_MAX;
/** Span table rows: one per start, one column per length 0..PHRASE_SOURCE_LEN_MAX. */
const SPAN_COLS = PHRASE_SOURCE_LEN_MAX + 1;

const ctz32 = (x: number) => 31 - Math.clz32(x & -x);

/** The first position at or after p whose bit in (lo, hi) is `bit`; 64 when none. */
function nextBit(lo: number, hi: number, p: number, bit: 0 | 1): number {
  const a = bit ? lo : ~lo;
  const b = bit ? hi : ~hi;
  if (p < 32) {
    const m = a & (0xffffffff << p);
    if (m !== 0) return ctz32(m);
    p = 32;
  }
  if (p >= 64) return 64;
  const m = b & (0xffffffff << (p - 32));
  return m !== 0 ? 32 + ctz32(m) : 64;
}

const covered = (lo: number, hi: number, p: number) => ((p < 32 ? lo >>> p : hi >>> (p - 32)) & 1) !== 0;

/** A 32-bit hash of a hypothesis state (coverage, LM state, end of the last phrase). */
function stateSig(lo: number, hi: number, words: Uint32Array, at: number, len: number, last: number): number {
  let h = Math.imul(lo ^ 0x9e3779b1, 0x85ebca77);
  h = Math.imul(h ^ hi ^ (h >>> 15), 0xc2b2ae3d);
  for (let k = 0; k < len; k++) h = Math.imul(h ^ words[at + k]! ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ (len << 8) ^ last ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The stacks of one unit, reused sentence after sentence. */
export class RefSearch {
  private readonly B: number;
  private readonly NB: number;
  private readonly score: Float64Array;
  private readonly fut: Float64Array;
  private readonly est: Float64Array;
  private readonly lo: Uint32Array;
  private readonly hi: Uint32Array;
  private readonly stLen: Uint8Array;
  private readonly st: Uint32Array;
  private readonly last: Uint8Array;
  private readonly back: Int32Array;
  private readonly opt: Int32Array;
  private readonly sig: Uint32Array;
  private readonly next: Int32Array;
  private readonly heapPos: Int32Array;
  private readonly heap: Int32Array;
  private readonly buckets: Int32Array;
  private readonly counts = new Int32Array(PHRASE_SENTENCE_TOKENS_MAX + 1);
  private readonly fc = new Float64Array((PHRASE_SENTENCE_TOKENS_MAX + 1) ** 2);
  private readonly spanFirst = new Int32Array(PHRASE_SENTENCE_TOKENS_MAX * SPAN_COLS);
  private readonly spanEnd = new Int32Array(PHRASE_SENTENCE_TOKENS_MAX * SPAN_COLS);
  private readonly spanStatic = new Float64Array(PHRASE_SENTENCE_TOKENS_MAX * SPAN_COLS);
  private readonly spanUb = new Float64Array(PHRASE_SENTENCE_TOKENS_MAX * SPAN_COLS);
  private readonly hist = new Uint32Array(HIST_MAX);
  private readonly scratch = new Uint32Array(HIST_MAX + 1);

  constructor(
    private readonly u: RefUnit,
    private readonly o: RefOptions,
  ) {
    const B = u.B;
    this.B = B;
    let nb = 1;
    while (nb < 2 * B) nb *= 2;
    this.NB = nb;
    const H = (u.maxLen + 1) * B;
    this.score = new Float64Array(H);
    this.fut = new Float64Array(H);
    this.est = new Float64Array(H);
    this.lo = new Uint32Array(H);
    this.hi = new Uint32Array(H);
    this.stLen = new Uint8Array(H);
    this.st = new Uint32Array(H * STATE_MAX);
    this.last = new Uint8Array(H);
    this.back = new Int32Array(H);
    this.opt = new Int32Array(H);
    this.sig = new Uint32Array(H);
    this.next = new Int32Array(H);
    this.heapPos = new Int32Array(H);
    this.heap = new Int32Array(H);
    this.buckets = new Int32Array((u.maxLen + 1) * nb);
  }

  /** Σ fc over the maximal uncovered runs of (lo, hi), left to right. */
  private future(lo: number, hi: number, n: number): number {
    let f = 0;
    let p = nextBit(lo, hi, 0, 0);
    while (p < n) {
      const q = Math.min(nextBit(lo, hi, p, 1), n);
      f = f + this.fc[p * (n + 1) + q]!;
      p = nextBit(lo, hi, q, 0);
    }
    return f;
  }

  /** The span table and future costs of a sentence of n words whose options are [first, first + count). */
  private prepare(n: number, first: number, count: number): void {
    const { u, o, fc } = this;
    this.spanFirst.fill(0);
    this.spanEnd.fill(0);
    const w = n + 1;
    fc.fill(-Infinity, 0, w * w);
    for (let q = first; q < first + count; q++) {
      const s = u.optStart[q]!;
      const cell = s * SPAN_COLS + (u.optEnd[q]! - s);
      if (this.spanEnd[cell] === 0) {
        this.spanFirst[cell] = q;
        this.spanStatic[cell] = o.static[q]!;
        this.spanUb[cell] = o.ubLm[q]!;
      }
      this.spanEnd[cell] = q + 1;
      if (o.static[q]! > this.spanStatic[cell]!) this.spanStatic[cell] = o.static[q]!;
      if (o.ubLm[q]! > this.spanUb[cell]!) this.spanUb[cell] = o.ubLm[q]!;
      const at = s * w + u.optEnd[q]!;
      if (o.est[q]! > fc[at]!) fc[at] = o.est[q]!;
    }
    for (let len = 1; len <= n; len++) {
      for (let i = 0; i + len <= n; i++) {
        const j = i + len;
        let v = fc[i * w + j]!;
        for (let k = i + 1; k < j; k++) {
          const c = fc[i * w + k]! + fc[k * w + j]!;
          if (c > v) v = c;
        }
        fc[i * w + j] = v;
      }
    }
  }

  /** The LM log prob of option q's words after the state in `hist[0, stLen)`, which it extends in place. */
  private phraseLm(stLen: number, q: number): number {
    const { u, hist } = this;
    const len = u.optLen[q]!;
    const at = u.optTgtAt[q]!;
    let lm = 0;
    for (let i = 0; i < len; i++) {
      const end = stLen + i;
      const t = u.tgt[at + i]!;
      lm = lm + u.lm.lp(hist, Math.max(0, end - (u.N - 1)), end, t, this.scratch);
      hist[end] = t;
    }
    return lm;
  }

  /** Loads hypothesis h's state into hist; returns its length. */
  private loadState(h: number): number {
    const len = this.stLen[h]!;
    for (let k = 0; k < len; k++) this.hist[k] = this.st[h * STATE_MAX + k]!;
    return len;
  }

  /** The state after hist[0, total): its last N − 1 words, then the oldest dropped while droppable; returns where it starts. */
  private minimise(total: number): number {
    let from = Math.max(0, total - (this.u.N - 1));
    while (from < total && this.u.lm.droppable(this.hist, from, total)) from++;
    return from;
  }

  /** Decodes one sentence; its candidates, best first. */
  decode(n: number, first: number, count: number): PhraseCandidate[] {
    const { u, o, B } = this;
    this.prepare(n, first, count);
    this.counts.fill(0, 0, n + 1);
    this.buckets.fill(-1, 0, (n + 1) * this.NB);
    this.hist[0] = BOS;
    const fut0 = this.future(0, 0, n);
    this.place(0, 0, 0, fut0, 0 + fut0, 0, 0, this.minimise(1), 1, 0, -1, -1);
    [this.heap[0], this.heapPos[0], this.counts[0]] = [0, 0, 1];
    const bounded = u.wLm >= 0;
    for (let t = 0; t < n; t++) {
      for (let k = 0; k < this.counts[t]!; k++) {
        const h = t * B + k;
        const lo = this.lo[h]!;
        const hi = this.hi[h]!;
        const last = this.last[h]!;
        const score = this.score[h]!;
        const f = nextBit(lo, hi, 0, 0);
        const sHi = Math.min(n - 1, last + u.D, f + Math.max(u.D, 1) - 1);
        for (let s = Math.max(f, last - u.D); s <= sHi; s++) {
          if (covered(lo, hi, s)) continue;
          const jump = Math.abs(s - last);
          const base = score + u.wDist * jump;
          let nlo = lo;
          let nhi = hi;
          for (let e = s + 1; e <= Math.min(n, s + PHRASE_SOURCE_LEN_MAX); e++) {
            if (covered(lo, hi, e - 1)) break;
            if (s !== f && e - f > u.D) break;
            if (e - 1 < 32) nlo = (nlo | (1 << (e - 1))) >>> 0;
            else nhi = (nhi | (1 << (e - 33))) >>> 0;
            const cell = s * SPAN_COLS + (e - s);
            const q1 = this.spanEnd[cell]!;
            if (q1 === 0) continue;
            const tt = t + (e - s);
            const fut = this.future(nlo, nhi, n);
            if (bounded && this.counts[tt] === B) {
              const ub = base + this.spanStatic[cell]! + u.wLm * this.spanUb[cell]!;
              if (!(ub + fut > this.est[this.heap[tt * B]!]!)) continue;
            }
            for (let q = this.spanFirst[cell]!; q < q1; q++) {
              let sc = base + o.static[q]!;
              if (bounded && this.counts[tt] === B) {
                const ub = sc + u.wLm * o.ubLm[q]!;
                if (!(ub + fut > this.est[this.heap[tt * B]!]!)) continue;
              }
              const stLen = this.loadState(h);
              sc = sc + u.wLm * this.phraseLm(stLen, q);
              const est = sc + fut;
              if (this.counts[tt] === B && !(est > this.est[this.heap[tt * B]!]!)) continue;
              const total = stLen + u.optLen[q]!;
              this.insert(tt, sc, fut, est, nlo, nhi, this.minimise(total), total, e, h, q);
            }
          }
        }
      }
    }
    return this.finish(n);
  }

  /** Puts an extension that passed the full-stack test into stack t: recombined with its state's hypothesis, appended, or in the worst's slot. */
  private insert(t: number, sc: number, fut: number, est: number, lo: number, hi: number, from: number, to: number, last: number, back: number, q: number): void {
    const { B } = this;
    const sig = stateSig(lo, hi, this.hist, from, to - from, last);
    const bucket = t * this.NB + (sig & (this.NB - 1));
    for (let r = this.buckets[bucket]!; r >= 0; r = this.next[r]!) {
      if (this.sig[r] !== sig || this.lo[r] !== lo || this.hi[r] !== hi || this.last[r] !== last || this.stLen[r] !== to - from) continue;
      let k = 0;
      while (k < to - from && this.st[r * STATE_MAX + k] === this.hist[from + k]) k++;
      if (k < to - from) continue;
      if (sc > this.score[r]!) {
        this.score[r] = sc;
        this.est[r] = sc + this.fut[r]!;
        this.back[r] = back;
        this.opt[r] = q;
        this.siftDown(t, this.heapPos[r]!);
      }
      return;
    }
    const cnt = this.counts[t]!;
    if (cnt < B) {
      this.place(t, cnt, sc, fut, est, lo, hi, from, to, last, back, q, sig);
      this.heap[t * B + cnt] = t * B + cnt;
      this.heapPos[t * B + cnt] = cnt;
      this.counts[t] = cnt + 1;
      this.siftUp(t, cnt);
    } else {
      const r = this.heap[t * B]!;
      // Out of its bucket's chain, then the new hypothesis in its slot.
      const old = t * this.NB + (this.sig[r]! & (this.NB - 1));
      if (this.buckets[old] === r) this.buckets[old] = this.next[r]!;
      else {
        let p = this.buckets[old]!;
        while (this.next[p] !== r) p = this.next[p]!;
        this.next[p] = this.next[r]!;
      }
      this.place(t, r - t * B, sc, fut, est, lo, hi, from, to, last, back, q, sig);
      this.siftDown(t, 0);
    }
  }

  /** Writes hypothesis slot k of stack t (state hist[from, to)) and chains it in its bucket. */
  private place(t: number, k: number, sc: number, fut: number, est: number, lo: number, hi: number, from: number, to: number, last: number, back: number, q: number, sig = -1): void {
    const r = t * this.B + k;
    if (sig < 0) sig = stateSig(lo, hi, this.hist, from, to - from, last);
    [this.score[r], this.fut[r], this.est[r], this.lo[r], this.hi[r], this.last[r], this.back[r], this.opt[r], this.sig[r]] = [sc, fut, est, lo, hi, last, back, q, sig];
    this.stLen[r] = to - from;
    for (let i = from; i < to; i++) this.st[r * STATE_MAX + i - from] = this.hist[i]!;
    const bucket = t * this.NB + (sig & (this.NB - 1));
    this.next[r] = this.buckets[bucket]!;
    this.buckets[bucket] = r;
  }

  /** Whether slot a is worse than slot b: a lower estimate, or an equal one and an earlier slot. */
  private worse(a: number, b: number): boolean {
    const ea = this.est[a]!;
    const eb = this.est[b]!;
    return ea < eb || (ea === eb && a < b);
  }

  private swap(t: number, i: number, j: number): void {
    const base = t * this.B;
    const a = this.heap[base + i]!;
    const b = this.heap[base + j]!;
    this.heap[base + i] = b;
    this.heap[base + j] = a;
    this.heapPos[b] = i;
    this.heapPos[a] = j;
  }

  private siftUp(t: number, i: number): void {
    const base = t * this.B;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(this.heap[base + i]!, this.heap[base + p]!)) break;
      this.swap(t, i, p);
      i = p;
    }
  }

  private siftDown(t: number, i: number): void {
    const base = t * this.B;
    const cnt = this.counts[t]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= cnt) return;
      let c = l;
      if (l + 1 < cnt && this.worse(this.heap[base + l + 1]!, this.heap[base + l]!)) c = l + 1;
      if (!this.worse(this.heap[base + c]!, this.heap[base + i]!)) return;
      this.swap(t, i, c);
      i = c;
    }
  }

  /** The n-best list of stack n: final scores with </s>, best first (ties: slot order), with their features and words. */
  private finish(n: number): PhraseCandidate[] {
    const { u, B } = this;
    const cnt = this.counts[n]!;
    const fin: number[] = [];
    for (let k = 0; k < cnt; k++) {
      const r = n * B + k;
      const stLen = this.loadState(r);
      fin.push(this.score[r]! + u.wLm * u.lm.lp(this.hist, 0, stLen, EOS, this.scratch));
    }
    const order = Array.from({ length: cnt }, (_, k) => k).sort((a, b) => (fin[b]! > fin[a]! ? 1 : fin[b]! < fin[a]! ? -1 : a - b));
    return order.slice(0, u.K).map((k) => this.candidate(n * B + k, fin[k]!));
  }

  /** The candidate ending in hypothesis r: its words (with spans) and features, along the path from the first phrase. */
  private candidate(r: number, score: number): PhraseCandidate {
    const { u } = this;
    const path: number[] = [];
    for (let h = r; this.back[h]! >= 0; h = this.back[h]!) path.push(h);
    path.reverse();
    const tm = new Array<number>(u.F).fill(0);
    let lm = 0;
    let words = 0;
    let dist = 0;
    let prevEnd = 0;
    const cand: PhraseCandidate = { score, features: [], tgt: [], srcStart: [], srcEnd: [] };
    for (const h of path) {
      const q = this.opt[h]!;
      for (let k = 0; k < u.F; k++) tm[k] = tm[k]! + u.scores[q * u.F + k]!;
      lm = lm + this.phraseLm(this.loadState(this.back[h]!), q);
      const [s, e] = [u.optStart[q]!, u.optEnd[q]!];
      dist += Math.abs(s - prevEnd);
      prevEnd = e;
      for (let i = 0; i < u.optLen[q]!; i++) {
        cand.tgt.push(u.tgt[u.optTgtAt[q]! + i]!);
        cand.srcStart.push(s);
        cand.srcEnd.push(e);
      }
      words += u.optLen[q]!;
    }
    lm = lm + u.lm.lp(this.hist, 0, this.loadState(r), EOS, this.scratch);
    cand.features = [...tm, lm, words, path.length, dist];
    return cand;
  }
}
