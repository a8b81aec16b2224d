/**
 * @module One work unit: every hypothesis of stack s extended into stack s + 1 (index.ts's
 * module comment gives the scores and the stack rules). The loops keep the unit and the stack
 * being filled in locals, and everything below them is `@inline`, so the hot path compiles
 * to one function without calls.
 *
 * Stack s + 1 keeps beside its Hyp records a 32-bit state signature per slot (recombination
 * scans these before comparing whole states) and an estimate (score + future, as computed
 * when written) per slot, which the full stack compares against its worst.
 */
import { NONE, contextAll, contextBow, hashAB, lmCtx, lmIn, signature } from './lookup';
import { HYP_BYTES, Hyp, f64At, hypAt, optAt, optBoundAt, typeBoundAt, u32At } from './layout';
import { lmNonPositive } from './tables';
import { beam, countP, dLimit, dw, estP, fwP, hypP, lmP, lmW, optP, optUbP, sigP, startsP, tabMask, tabP, typeUbP, uniBowP, uniHasP, uniLpP, wp } from './unit';

/**
 * Extends every hypothesis of stack s (of the sentence whose `len` source types are at `words`)
 * into stack s + 1. A full stack judges an extension against its worst estimate as early as it
 * can: on the bound of all the options of its source type, then on its option's bound (both
 * before the LM is looked up), then on its exact estimate; the worst is looked for when first
 * needed and kept until the stack changes. One that passes is recombined with the hypothesis
 * of the same state, appended, or put in the worst's slot.
 *
 * The three loops stay in this one function: the stack being filled (its count and worst) is
 * three locals they all update, and AssemblyScript has no multiple returns or references to
 * locals; a per-hypothesis function keeping them and the unit in globals measured about 2%
 * slower on the bench unit.
 */
export function expandStack(s: u32, words: usize, len: u32): void {
  // The unit in locals: a global is a memory read in the loops below.
  const b = beam, d = dLimit, bounded = lmNonPositive, lw = lmW, pen = wp, dwt = dw;
  const hyps = hypP, ops = optP, starts = startsP, fw = fwP, optUb = optUbP, typeUb = typeUbP;
  const tab = tabP, mask = tabMask, lmBase = lmP, uniLp = uniLpP, uniHas = uniHasP, uniBow = uniBowP;
  const cnt = u32At(countP, s);
  // Stack s + 1: its records, its count, its worst slot (−1: not known) and that slot's estimate.
  const next = <usize>(s + 1) * <usize>b;
  const nb = hyps + HYP_BYTES * next;
  const nsig = sigP + (next << 2);
  const nest = estP + (next << 3);
  let ncnt = u32At(countP, s + 1);
  let worstK: i32 = -1;
  let worstE: f64 = 0;
  for (let k: u32 = 0; k < cnt; k++) {
    const hi = s * b + k;
    const h = hypAt(hyps, hi);
    const score = h.score, future = h.future, cov = h.cov, hw1 = h.w1, hw2 = h.w2, last = h.last;
    // The hypothesis's LM context is the same for every extension's first target word.
    const boAB = contextBow(tab, mask, lmBase, hw1, hw2);
    const boAll = contextAll(uniHas, uniBow, boAB, hw2);
    const hasA = hw1 != NONE, habc = hashAB(hw1, hw2), abc = <u64>hw1 | (<u64>hw2 << 32);
    const hbc = hashAB(NONE, hw2), bc = <u64>NONE | (<u64>hw2 << 32);
    // The window: the first untranslated word and at most D positions past it.
    const first = <u32>ctz(~cov);
    const end = first + d < len - 1 ? first + d : len - 1;
    for (let j = first; j <= end; j++) {
      if (((cov >> <u64>j) & 1) != 0) continue;
      const type = u32At(words, j);
      const o0 = u32At(starts, type);
      const o1 = u32At(starts, type + 1);
      const jump = distance(j, last);
      const fut = future - f64At(fw, type);
      const djump = dwt * <f64>jump;
      const nc = cov | (<u64>1 << <u64>j);
      if (bounded && ncnt == b) {
        if (worstK < 0) {
          worstK = worstSlot(nest, ncnt);
          worstE = f64At(nest, <usize>worstK);
        }
        if (typeBound(typeUb, type, score, djump) + fut <= worstE) continue;
      }
      for (let o = o0; o < o1; o++) {
        const opt = optAt(ops, o);
        const t1 = opt.t1;
        const t2 = opt.t2;
        let sc = score + opt.score;
        sc = sc - djump;
        if (bounded && ncnt == b && t1 != NONE) {
          const ub = optionBound(optUb, o, sc, t2);
          if (worstK < 0) {
            worstK = worstSlot(nest, ncnt);
            worstE = f64At(nest, <usize>worstK);
          }
          if (!(ub + fut > worstE)) continue;
        }
        let w1 = hw1;
        let w2 = hw2;
        if (t1 != NONE) {
          sc = sc + (lw * lmCtx(tab, mask, lmBase, uniLp, hasA, habc, abc, hbc, bc, t1, boAB, boAll) + pen);
          w1 = w2;
          w2 = t1;
        }
        if (t2 != NONE) {
          const bo2 = contextBow(tab, mask, lmBase, w1, w2);
          sc = sc + (lw * lmIn(tab, mask, lmBase, uniLp, w1, w2, t2, bo2, contextAll(uniHas, uniBow, bo2, w2)) + pen);
          w1 = w2;
          w2 = t2;
        }
        const est = sc + fut;
        if (ncnt == b) {
          if (worstK < 0) {
            worstK = worstSlot(nest, ncnt);
            worstE = f64At(nest, <usize>worstK);
          }
          if (!(est > worstE)) continue;
        }
        const sig = signature(nc, w1, w2, <i32>j);
        const same = sameState(nb, nsig, ncnt, sig, nc, w1, w2, <i32>j);
        if (same >= 0) {
          worstK = recombine(hypAt(nb, same), nest + (<usize>same << 3), sc, hi, o, same, worstK, worstE);
          continue;
        }
        let slot = ncnt;
        if (ncnt < b) ncnt++;
        else slot = <u32>worstK;
        worstK = -1;
        setHyp(hypAt(nb, slot), sc, fut, nc, w1, w2, <i32>j, <i32>hi, o);
        store<u32>(nsig + (<usize>slot << 2), sig);
        store<f64>(nest + (<usize>slot << 3), est);
      }
    }
  }
  store<u32>(countP + (<usize>(s + 1) << 2), ncnt);
}

/** How far extension j jumps from where the hypothesis stopped: |j − (last + 1)|. */
@inline function distance(j: u32, last: i32): i32 {
  let jump = <i32>j - (last + 1);
  if (jump < 0) jump = -jump;
  return jump;
}

/**
 * What the best option of `type` could score from a hypothesis of score `score`: each term at
 * its highest over the type's options (TypeBound; an option without a target adds 0 there),
 * added in the exact score's order. Rounding is monotonic, so no option of the type beats a
 * worst this does not.
 */
@inline function typeBound(typeUb: usize, type: u32, score: f64, djump: f64): f64 {
  const t = typeBoundAt(typeUb, type);
  let g = score + t.score;
  g = g - djump;
  g = g + t.first;
  g = g + t.second;
  return g;
}

/**
 * What option o could score, `sc` being its score before the LM terms: each LM term at its
 * highest (λ ≥ 0 and lm(·, ·, t) ≤ the highest log p of t; OptBound). Rounding is monotonic,
 * so a full stack whose worst this cannot beat drops the extension without looking its LM up,
 * the decision its exact score would give.
 */
@inline function optionBound(optUb: usize, o: u32, sc: f64, t2: u32): f64 {
  const u = optBoundAt(optUb, o);
  let ub = sc + u.first;
  if (t2 != NONE) ub = ub + u.second;
  return ub;
}

/**
 * The slot among the first `cnt` hypotheses at `hyps` (signatures at `sigs`) whose state is
 * (cov, w1, w2, last), or −1; at most one has it. Sixteen signatures per step (four SIMD
 * compares of 16 bytes packed into one 16-bit mask), lanes past the count masked off; the
 * whole state is compared only where the signature matches.
 */
@inline function sameState(hyps: usize, sigs: usize, cnt: u32, sig: u32, cov: u64, w1: u32, w2: u32, last: i32): i32 {
  let same: i32 = -1;
  const want = i32x4.splat(<i32>sig);
  for (let q: u32 = 0; q < cnt && same < 0; q += 16) {
    const at = sigs + (<usize>q << 2);
    const lo = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(at), want), i32x4.eq(v128.load(at, 16), want));
    const hi = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(at, 32), want), i32x4.eq(v128.load(at, 48), want));
    let bits = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(lo, hi));
    if (q + 16 > cnt) bits &= (<u32>1 << (cnt - q)) - 1;
    while (bits != 0) {
      const c = q + ctz(bits);
      bits &= bits - 1;
      const r = hypAt(hyps, c);
      if (r.cov == cov && r.w1 == w1 && r.w2 == w2 && r.last == last) {
        same = <i32>c;
        break;
      }
    }
  }
  return same;
}

/**
 * Recombination of hypothesis r, at slot `same` with its estimate at `estAt`, and an extension
 * into the same state of score `sc`, made from slot `hi` by option o: the higher score stays (a
 * tie keeps r), and the estimate becomes the new score + r's future. Returns the worst slot the
 * stack still knows: lifting another slot above the worst leaves the worst where it was (also
 * among NaNs, which the scan passes over unless first); lifting the worst, or not above it,
 * means looking again (−1).
 */
@inline function recombine(r: Hyp, estAt: usize, sc: f64, hi: u32, o: u32, same: i32, worstK: i32, worstE: f64): i32 {
  if (sc > r.score) {
    r.score = sc;
    r.back = <i32>hi;
    r.opt = o;
    const e = sc + r.future;
    store<f64>(estAt, e);
    if (same == worstK || !(e > worstE)) worstK = -1;
  }
  return worstK;
}

@inline function setHyp(r: Hyp, score: f64, future: f64, cov: u64, w1: u32, w2: u32, last: i32, back: i32, opt: u32): void {
  r.score = score;
  r.future = future;
  r.cov = cov;
  r.w1 = w1;
  r.w2 = w2;
  r.last = last;
  r.back = back;
  r.opt = opt;
}

/**
 * The first slot of the `cnt` estimates at `nest` with the lowest one (what a scan keeping the
 * first of equals finds): the minimum two lanes at a time, then its first slot; a NaN among
 * them takes the plain scan.
 */
@inline function worstSlot(nest: usize, cnt: u32): i32 {
  if (cnt >= 4) {
    let m0 = v128.load(nest);
    let m1 = v128.load(nest, 16);
    let nan = v128.or(f64x2.ne(m0, m0), f64x2.ne(m1, m1));
    let q: u32 = 4;
    for (; q + 4 <= cnt; q += 4) {
      const v0 = v128.load(nest + (<usize>q << 3));
      const v1 = v128.load(nest + (<usize>q << 3), 16);
      m0 = f64x2.pmin(m0, v0);
      m1 = f64x2.pmin(m1, v1);
      nan = v128.or(nan, v128.or(f64x2.ne(v0, v0), f64x2.ne(v1, v1)));
    }
    for (; q < cnt; q++) {
      const v = f64x2.splat(f64At(nest, q));
      m0 = f64x2.pmin(m0, v);
      nan = v128.or(nan, f64x2.ne(v, v));
    }
    if (!v128.any_true(nan)) {
      m0 = f64x2.pmin(m0, m1);
      const a = f64x2.extract_lane(m0, 0);
      const b = f64x2.extract_lane(m0, 1);
      const want = f64x2.splat(b < a ? b : a);
      // The lowest is at a slot below cnt, so lanes past the count never decide.
      for (let k: u32 = 0; ; k += 4) {
        const at = nest + (<usize>k << 3);
        const bits = <u32>i64x2.bitmask(f64x2.eq(v128.load(at), want)) | (<u32>i64x2.bitmask(f64x2.eq(v128.load(at, 16), want)) << 2);
        if (bits != 0) return <i32>(k + ctz(bits));
      }
    }
  }
  let worstK: i32 = 0;
  let worstE = f64At(nest, 0);
  for (let q: u32 = 1; q < cnt; q++) {
    const e = f64At(nest, q);
    if (e < worstE) {
      worstE = e;
      worstK = <i32>q;
    }
  }
  return worstK;
}
