/**
 * @module Translation decoding kernel: the kernel ABI of shared/kernels/abi.ts over the byte
 * layout of shared/kernels/decode.codec.ts. Stack decoding (Koehn 2010, ch. 6) of each
 * sentence with word-based options: stack s holds hypotheses covering s source words; each
 * hypothesis of stack s is extended by one untranslated word within the reordering window
 * (at most D positions past the first untranslated word) and one of that word's options, into
 * stack s + 1. One work unit is the expansion of one stack.
 *
 * Score of an extension (operation order shared bit for bit with ../reference.ts and
 * ../decode.c; IEEE binary64, no fused multiply-add):
 *   s = h.score + option.score;  s = s − dw·|j − (h.last + 1)|
 *   per target word t (t1, then t2): s = s + (λ·lm(w1, w2, t) + wp); (w1, w2) = (w2, t)
 *   future = h.future − fw[type_j];  estimate = s + future
 * where fw[v] = max over v's options of option.score + Σ_t (λ·lm(t) + wp) (unigram LM, the
 * optimistic cost of translating v later), and a sentence starts with future = Σ_j fw[type_j]
 * (ascending j, from 0), state (NONE, <s>), last = −1. A finished hypothesis scores
 * s + λ·lm(w1, w2, </s>).
 * lm(a, b, w) in backoff form (ARPA): the trigram's log p if held; else bow(a b) (0 if not
 * held) + the bigram's log p if held; else + bow(b) + the unigram's log p, or the unknown
 * word's log probability.
 * Stacks: an extension into a full stack (B hypotheses) is dropped unless its estimate is
 * strictly higher than the stack's worst (the first in slot order among equals); otherwise it
 * is recombined with the hypothesis of the same state (coverage, w1, w2, last) if there is one
 * (the higher score stays, a tie keeps the one already there, the estimate becomes the new
 * score + the kept future), else appended, or put in the worst's slot when full. The best
 * finished hypothesis is the first in slot order with the highest final score.
 *
 * Memory (one instance runs one unit, nothing is freed): the input at a 16-aligned base, then
 * the LM hash table (open addressing, linear probing, at most half full), fw per type, the
 * unigrams by target id (log p, backoff weight, held?), per option the bound of its LM terms,
 * the highest log p per target, per source type the highest score and bounds of its options
 * (32 bytes), stack counts, the back-tracked path, the hypotheses ((maxLen + 1)·B of 48
 * bytes) with their state signatures (u32; 64 bytes past them for the 16-wide scan's reads)
 * and estimates (f64; 32 bytes past them for the worst-slot search's), the output.
 */
import {
  DECODE_BEAM_MAX,
  DECODE_DISTORTION_MAX,
  DECODE_ERR_BEAM,
  DECODE_ERR_DISTORTION,
  DECODE_ERR_INIT_TWICE,
  DECODE_ERR_INPUT_LENGTH,
  DECODE_ERR_LAYOUT,
  DECODE_ERR_LM_DUPLICATE,
  DECODE_ERR_LM_ENTRY,
  DECODE_ERR_NOT_READY,
  DECODE_ERR_OPTION,
  DECODE_ERR_OPTION_STARTS,
  DECODE_ERR_OUT_OF_MEMORY,
  DECODE_ERR_RESERVED,
  DECODE_ERR_SENTENCE_LENGTH,
  DECODE_ERR_SHORT_INPUT,
  DECODE_ERR_TARGET_ID,
  DECODE_ERR_WEIGHTS,
  DECODE_ERR_WORD,
  DECODE_SENTENCE_TOKENS_MAX,
  DECODE_TARGET_IDS_MAX,
} from '../codes';
import { NONE, contextAll, contextBow, finite, hash3, hashAB, lmCtx, lmIn, signature } from './lookup';
import { CANONICAL_NAN, ensureMemory, inLen, inPtr } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

const HEADER: usize = 64;
const BOS: u32 = 0;
const EOS: u32 = 1;
const HYP: usize = 48;

// The unit, as init() parsed it.
let initCalled = false;
let ready = false;
let sCount: u32 = 0;
let vCount: u32 = 0;
let beam: u32 = 0;
let dLimit: u32 = 0;
let lmW: f64 = 0;
let wp: f64 = 0;
let dw: f64 = 0;
let unk: f64 = 0;
let lensP: usize = 0;
let wordsP: usize = 0;
let startsP: usize = 0;
let optP: usize = 0;
let lmP: usize = 0;
let tabP: usize = 0;
let tabMask: u32 = 0;
let fwP: usize = 0;
let countP: usize = 0;
let pathP: usize = 0;
let hypP: usize = 0;
let uniLpP: usize = 0;
/** Per option: λ·(the highest LM log probability its first / second target can get) + wp, for the bound. */
let optUbP: usize = 0;
let uniBowP: usize = 0;
/** Per source type: the highest option score, first-target bound and second-target bound of its options (a bound for all of them at once). */
let typeUbP: usize = 0;
let uniHasP: usize = 0;
let sigP: usize = 0;
let estP: usize = 0;
let outPtr: usize = 0;
let outLen: usize = 0;
let workTotal: f64 = 0;
/** λ ≥ 0 and every backoff weight ≤ 0: an extension's LM terms are bounded per option, so it can be judged before its LM is looked up. */
let lmNonPositive = false;

// Progress, kept between step() calls.
let sentence: u32 = 0;
let sentenceStarted = false;
let stack: u32 = 0;
let n: u32 = 0;
let wordAt: usize = 0;
let outAt: usize = 0;
let workDone: f64 = 0;

/** log p(w | a b), the context's weights looked up here. */
function lm(a: u32, b: u32, w: u32): f64 {
  const boAB = contextBow(tabP, tabMask, lmP, a, b);
  return lmIn(tabP, tabMask, lmP, uniLpP, a, b, w, boAB, contextAll(uniHasP, uniBowP, boAB, b));
}

function unigram(w: u32): f64 {
  return load<f64>(uniLpP + (<usize>w << 3));
}

/** Parses and checks the unit, builds the LM table and the future costs; 0 or a DECODE_ERR_* code. */
export function init(): i32 {
  if (initCalled) return DECODE_ERR_INIT_TWICE;
  initCalled = true;
  if (inPtr == 0 || inLen < HEADER) return DECODE_ERR_SHORT_INPUT;
  if (load<u32>(inPtr) != 1) return DECODE_ERR_LAYOUT;
  sCount = load<u32>(inPtr, 4);
  vCount = load<u32>(inPtr, 8);
  const oCount = load<u32>(inPtr, 12);
  const lCount = load<u32>(inPtr, 16);
  beam = load<u32>(inPtr, 20);
  dLimit = load<u32>(inPtr, 24);
  if (beam < 1 || beam > <u32>DECODE_BEAM_MAX) return DECODE_ERR_BEAM;
  if (dLimit > <u32>DECODE_DISTORTION_MAX) return DECODE_ERR_DISTORTION;
  if (load<u32>(inPtr, 28) != 0) return DECODE_ERR_RESERVED;
  lmW = load<f64>(inPtr, 32);
  wp = load<f64>(inPtr, 40);
  dw = load<f64>(inPtr, 48);
  unk = load<f64>(inPtr, 56);
  if (!finite(lmW) || !finite(wp) || !finite(dw) || !finite(unk)) return DECODE_ERR_WEIGHTS;
  const len = <u64>inLen;
  if (<u64>HEADER + 4 * <u64>sCount > len) return DECODE_ERR_INPUT_LENGTH;
  lensP = inPtr + HEADER;
  let words: u64 = 0;
  let maxLen: u32 = 0;
  for (let i: u32 = 0; i < sCount; i++) {
    const l = load<u32>(lensP + (<usize>i << 2));
    if (l > <u32>DECODE_SENTENCE_TOKENS_MAX) return DECODE_ERR_SENTENCE_LENGTH;
    words += l;
    if (l > maxLen) maxLen = l;
  }
  const optAt = (<u64>HEADER + 4 * (<u64>sCount + words + <u64>vCount + 1) + 7) & ~(<u64>7);
  if (optAt + 16 * <u64>oCount + 32 * <u64>lCount != len) return DECODE_ERR_INPUT_LENGTH;
  wordsP = lensP + (<usize>sCount << 2);
  startsP = wordsP + (<usize>words << 2);
  optP = inPtr + <usize>optAt;
  lmP = optP + (<usize>oCount << 4);
  for (let i: usize = 0; i < <usize>words; i++) if (load<u32>(wordsP + (i << 2)) >= vCount) return DECODE_ERR_WORD;
  if (load<u32>(startsP) != 0 || load<u32>(startsP + (<usize>vCount << 2)) != oCount) return DECODE_ERR_OPTION_STARTS;
  for (let v: u32 = 0; v < vCount; v++) {
    if (load<u32>(startsP + (<usize>(v + 1) << 2)) <= load<u32>(startsP + (<usize>v << 2))) return DECODE_ERR_OPTION_STARTS;
  }
  for (let o: u32 = 0; o < oCount; o++) {
    const p = optP + (<usize>o << 4);
    const t1 = load<u32>(p);
    const t2 = load<u32>(p, 4);
    if (t1 == NONE && t2 != NONE) return DECODE_ERR_OPTION;
    if (t1 == BOS || t1 == EOS || t2 == BOS || t2 == EOS || !finite(load<f64>(p, 8))) return DECODE_ERR_OPTION;
  }

  let maxT: u32 = EOS;
  for (let o: u32 = 0; o < oCount; o++) {
    const p = optP + (<usize>o << 4);
    const t1 = load<u32>(p);
    const t2 = load<u32>(p, 4);
    if (t1 != NONE && t1 > maxT) maxT = t1;
    if (t2 != NONE && t2 > maxT) maxT = t2;
  }
  for (let k: u32 = 0; k < lCount; k++) {
    const e = lmP + (<usize>k << 5);
    for (let i: usize = 0; i < 12; i += 4) {
      const w = load<u32>(e + i);
      if (w != NONE && w > maxT) maxT = w;
    }
  }
  if (maxT >= <u32>DECODE_TARGET_IDS_MAX) return DECODE_ERR_TARGET_ID;

  // Work memory: table, fw, unigram arrays, counts, path, hypotheses, output.
  let cap: u32 = 16;
  while (<u64>cap < 2 * <u64>lCount) cap <<= 1;
  const tabAt = (<u64>inPtr + len + 15) & ~(<u64>15);
  const fwAt = tabAt + 4 * <u64>cap;
  const ids = <u64>maxT + 1;
  const uniLpAt = (fwAt + 8 * <u64>vCount + 15) & ~(<u64>15);
  const uniBowAt = uniLpAt + 8 * ids;
  const uniHasAt = uniBowAt + 8 * ids;
  const optUbAt = (uniHasAt + ids + 15) & ~(<u64>15);
  const maxLpAt = optUbAt + 16 * <u64>oCount;
  const typeUbAt = (maxLpAt + 8 * ids + 15) & ~(<u64>15);
  const countAt = typeUbAt + 32 * <u64>vCount;
  const pathAt = countAt + 4 * (<u64>DECODE_SENTENCE_TOKENS_MAX + 1);
  const hypAt = (pathAt + 4 * <u64>DECODE_SENTENCE_TOKENS_MAX + 15) & ~(<u64>15);
  const slots = (<u64>maxLen + 1) * <u64>beam;
  const sigAt = hypAt + <u64>HYP * slots;
  const estAt = (sigAt + 4 * slots + 64 + 15) & ~(<u64>15);
  const outAt0 = estAt + 8 * slots + 32;
  const outBytes = 16 * <u64>sCount + 16 * words;
  if (!ensureMemory(outAt0 + outBytes)) return DECODE_ERR_OUT_OF_MEMORY;
  tabP = <usize>tabAt;
  tabMask = cap - 1;
  fwP = <usize>fwAt;
  uniLpP = <usize>uniLpAt;
  uniBowP = <usize>uniBowAt;
  uniHasP = <usize>uniHasAt;
  optUbP = <usize>optUbAt;
  const maxLpP = <usize>maxLpAt;
  typeUbP = <usize>typeUbAt;
  countP = <usize>countAt;
  pathP = <usize>pathAt;
  hypP = <usize>hypAt;
  sigP = <usize>sigAt;
  estP = <usize>estAt;
  outPtr = <usize>outAt0;
  outLen = <usize>outBytes;
  // Fresh pages are zero; the table is the only region that must start empty.
  memory.fill(tabP, 0, <usize>cap << 2);

  for (let k: u32 = 0; k < lCount; k++) {
    const e = lmP + (<usize>k << 5);
    const a = load<u32>(e);
    const b = load<u32>(e, 4);
    const c = load<u32>(e, 8);
    if (c == NONE || (a != NONE && b == NONE) || load<u32>(e, 12) != 0) return DECODE_ERR_LM_ENTRY;
    if (!finite(load<f64>(e, 16)) || !finite(load<f64>(e, 24))) return DECODE_ERR_LM_ENTRY;
    let i = hash3(a, b, c) & tabMask;
    while (true) {
      const slot = load<u32>(tabP + (<usize>i << 2));
      if (slot == 0) break;
      const f = lmP + (<usize>(slot - 1) << 5);
      if (load<u32>(f) == a && load<u32>(f, 4) == b && load<u32>(f, 8) == c) return DECODE_ERR_LM_DUPLICATE;
      i = (i + 1) & tabMask;
    }
    store<u32>(tabP + (<usize>i << 2), k + 1);
  }
  // Unigrams by id: log p (the unknown word's where none is held) and the backoff weight.
  for (let w: u64 = 0; w < ids; w++) store<f64>(uniLpP + (<usize>w << 3), unk);
  memory.fill(uniHasP, 0, <usize>ids);
  for (let k: u32 = 0; k < lCount; k++) {
    const e = lmP + (<usize>k << 5);
    if (load<u32>(e) != NONE || load<u32>(e, 4) != NONE) continue;
    const w = load<u32>(e, 8);
    store<f64>(uniLpP + (<usize>w << 3), load<f64>(e, 16));
    store<f64>(uniBowP + (<usize>w << 3), load<f64>(e, 24));
    store<u8>(uniHasP + <usize>w, 1);
  }
  for (let v: u32 = 0; v < vCount; v++) {
    const o0 = load<u32>(startsP + (<usize>v << 2));
    const o1 = load<u32>(startsP + (<usize>(v + 1) << 2));
    let best: f64 = 0;
    for (let o = o0; o < o1; o++) {
      const p = optP + (<usize>o << 4);
      const t1 = load<u32>(p);
      const t2 = load<u32>(p, 4);
      let e = load<f64>(p, 8);
      if (t1 != NONE) e = e + (lmW * unigram(t1) + wp);
      if (t2 != NONE) e = e + (lmW * unigram(t2) + wp);
      if (o == o0 || e > best) best = e;
    }
    store<f64>(fwP + (<usize>v << 3), best);
  }
  // The bound of an option's LM terms: every backoff weight ≤ 0, so lm(·, ·, t) is at most
  // the highest log p any entry (or the unigram, or the unknown word) gives t.
  let nonPositive = lmW >= 0;
  for (let k: u32 = 0; k < lCount && nonPositive; k++) nonPositive = load<f64>(lmP + (<usize>k << 5), 24) <= 0;
  lmNonPositive = nonPositive;
  for (let w: u64 = 0; w < ids; w++) store<f64>(maxLpP + (<usize>w << 3), load<f64>(uniLpP + (<usize>w << 3)));
  for (let k: u32 = 0; k < lCount; k++) {
    const e = lmP + (<usize>k << 5);
    const at = maxLpP + (<usize>load<u32>(e, 8) << 3);
    if (load<f64>(e, 16) > load<f64>(at)) store<f64>(at, load<f64>(e, 16));
  }
  for (let o: u32 = 0; o < oCount; o++) {
    const p = optP + (<usize>o << 4);
    const t1 = load<u32>(p);
    const t2 = load<u32>(p, 4);
    store<f64>(optUbP + (<usize>o << 4), t1 != NONE ? lmW * load<f64>(maxLpP + (<usize>t1 << 3)) + wp : 0);
    store<f64>(optUbP + (<usize>o << 4), t2 != NONE ? lmW * load<f64>(maxLpP + (<usize>t2 << 3)) + wp : 0, 8);
  }
  for (let v: u32 = 0; v < vCount; v++) {
    const o0 = load<u32>(startsP + (<usize>v << 2));
    const o1 = load<u32>(startsP + (<usize>(v + 1) << 2));
    let ms = load<f64>(optP + (<usize>o0 << 4), 8);
    let m1 = load<f64>(optUbP + (<usize>o0 << 4));
    let m2 = load<f64>(optUbP + (<usize>o0 << 4), 8);
    for (let o = o0 + 1; o < o1; o++) {
      const sv = load<f64>(optP + (<usize>o << 4), 8);
      const u1 = load<f64>(optUbP + (<usize>o << 4));
      const u2 = load<f64>(optUbP + (<usize>o << 4), 8);
      if (sv > ms) ms = sv;
      if (u1 > m1) m1 = u1;
      if (u2 > m2) m2 = u2;
    }
    const t = typeUbP + (<usize>v << 5);
    store<f64>(t, ms);
    store<f64>(t, m1, 8);
    store<f64>(t, m2, 16);
  }
  workTotal = <f64>words;
  wordAt = wordsP;
  outAt = outPtr;
  ready = true;
  return 0;
}

/** Clears the stacks and puts the empty hypothesis of the current sentence in stack 0. */
function startSentence(): void {
  n = load<u32>(lensP + (<usize>sentence << 2));
  memory.fill(countP, 0, (<usize>n + 1) << 2);
  let future: f64 = 0;
  for (let j: u32 = 0; j < n; j++) future += load<f64>(fwP + (<usize>load<u32>(wordAt + (<usize>j << 2)) << 3));
  const h = hypP;
  store<f64>(h, 0);
  store<f64>(h, future, 8);
  store<u64>(h, 0, 16);
  store<u32>(h, NONE, 24);
  store<u32>(h, BOS, 28);
  store<i32>(h, -1, 32);
  store<i32>(h, -1, 36);
  store<i32>(countP, 1);
  stack = 0;
  sentenceStarted = true;
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
      const v = f64x2.splat(load<f64>(nest + (<usize>q << 3)));
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
  let worstE = load<f64>(nest);
  for (let q: u32 = 1; q < cnt; q++) {
    const e = load<f64>(nest + (<usize>q << 3));
    if (e < worstE) {
      worstE = e;
      worstK = <i32>q;
    }
  }
  return worstK;
}

/**
 * Extends every hypothesis of stack s into stack s + 1, inserting each extension there as the
 * module comment says: a full stack drops it unless its estimate beats the worst (kept between
 * inserts until the stack changes); else it is recombined with the hypothesis of the same
 * state (found through 32-bit signatures), appended, or put in place of the worst. Estimates
 * are kept beside the signatures, each score + future as computed when written.
 */
function expandStack(s: u32): void {
  const b = beam;
  const cnt = load<u32>(countP + (<usize>s << 2));
  const words = wordAt;
  const len = n;
  const d = dLimit;
  const ops = optP;
  const starts = startsP;
  const fw = fwP;
  const lw = lmW;
  const pen = wp;
  const dwt = dw;
  const tab = tabP;
  const mask = tabMask;
  const lmBase = lmP;
  const hyps = hypP;
  const next = <usize>(s + 1) * <usize>b;
  const nb = hyps + HYP * next;
  const nsig = sigP + (next << 2);
  const nest = estP + (next << 3);
  let ncnt = load<u32>(countP + (<usize>(s + 1) << 2));
  let worstK: i32 = -1;
  let worstE: f64 = 0;
  const bounded = lmNonPositive;
  const uniLp = uniLpP;
  const uniHas = uniHasP;
  const uniBow = uniBowP;
  const optUb = optUbP;
  const typeUb = typeUbP;
  for (let k: u32 = 0; k < cnt; k++) {
    const hi = s * b + k;
    const h = hyps + HYP * <usize>hi;
    const score = load<f64>(h);
    const future = load<f64>(h, 8);
    const cov = load<u64>(h, 16);
    const hw1 = load<u32>(h, 24);
    const hw2 = load<u32>(h, 28);
    const last = load<i32>(h, 32);
    // The hypothesis's LM context is the same for every extension's first target word.
    const boAB = contextBow(tab, mask, lmBase, hw1, hw2);
    const boAll = contextAll(uniHas, uniBow, boAB, hw2);
    const hasA = hw1 != NONE;
    const habc = hashAB(hw1, hw2);
    const abc = <u64>hw1 | (<u64>hw2 << 32);
    const hbc = hashAB(NONE, hw2);
    const bc = <u64>NONE | (<u64>hw2 << 32);
    const first = <u32>ctz(~cov);
    const end = first + d < len - 1 ? first + d : len - 1;
    for (let j = first; j <= end; j++) {
      if (((cov >> <u64>j) & 1) != 0) continue;
      const type = load<u32>(words + (<usize>j << 2));
      const o0 = load<u32>(starts + (<usize>type << 2));
      const o1 = load<u32>(starts + (<usize>(type + 1) << 2));
      let jump = <i32>j - (last + 1);
      if (jump < 0) jump = -jump;
      const fut = future - load<f64>(fw + (<usize>type << 3));
      const djump = dwt * <f64>jump;
      const nc = cov | (<u64>1 << <u64>j);
      // Every option of the type at once: the bound below with each term at its highest over
      // the options (an option without a target adds 0 there), so no option can beat a worst
      // this cannot (rounding is monotonic; a NaN bound skips nothing).
      if (bounded && ncnt == b) {
        if (worstK < 0) {
          worstK = worstSlot(nest, ncnt);
          worstE = load<f64>(nest + (<usize>worstK << 3));
        }
        const tu = typeUb + (<usize>type << 5);
        let g = score + load<f64>(tu);
        g = g - djump;
        g = g + load<f64>(tu, 8);
        g = g + load<f64>(tu, 16);
        if (g + fut <= worstE) continue;
      }
      for (let o = o0; o < o1; o++) {
        const p = ops + (<usize>o << 4);
        const t1 = load<u32>(p);
        const t2 = load<u32>(p, 4);
        let sc = score + load<f64>(p, 8);
        sc = sc - djump;
        // The extension scores at most this (λ ≥ 0, lm(·, ·, t) ≤ its highest log p, and
        // rounding is monotonic): a full stack whose worst it cannot beat drops it without
        // looking its LM up, the same decision its exact score would give.
        if (bounded && ncnt == b && t1 != NONE) {
          const u = optUb + (<usize>o << 4);
          let ub = sc + load<f64>(u);
          if (t2 != NONE) ub = ub + load<f64>(u, 8);
          if (worstK < 0) {
            worstK = worstSlot(nest, ncnt);
            worstE = load<f64>(nest + (<usize>worstK << 3));
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
        // A full stack refuses an extension not better than its worst estimate at once.
        const est = sc + fut;
        if (ncnt == b) {
          if (worstK < 0) {
            worstK = worstSlot(nest, ncnt);
            worstE = load<f64>(nest + (<usize>worstK << 3));
          }
          if (!(est > worstE)) continue;
        }
        // Recombination: at most one hypothesis of the stack has this state. Sixteen
        // signatures per step (four SIMD compares packed into one 16-bit mask); lanes past the
        // count are masked off.
        const sig = signature(nc, w1, w2, <i32>j);
        let same: i32 = -1;
        const want = i32x4.splat(<i32>sig);
        for (let q: u32 = 0; q < ncnt && same < 0; q += 16) {
          const at = nsig + (<usize>q << 2);
          const lo = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(at), want), i32x4.eq(v128.load(at, 16), want));
          const hi16 = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(at, 32), want), i32x4.eq(v128.load(at, 48), want));
          let bits = <u32>i8x16.bitmask(i8x16.narrow_i16x8_s(lo, hi16));
          if (q + 16 > ncnt) bits &= (<u32>1 << (ncnt - q)) - 1;
          while (bits != 0) {
            const c = q + ctz(bits);
            bits &= bits - 1;
            const r = nb + HYP * <usize>c;
            if (load<u64>(r, 16) == nc && load<u32>(r, 24) == w1 && load<u32>(r, 28) == w2 && load<i32>(r, 32) == <i32>j) {
              same = <i32>c;
              break;
            }
          }
        }
        if (same >= 0) {
          const r = nb + HYP * <usize>same;
          if (sc > load<f64>(r)) {
            store<f64>(r, sc);
            store<i32>(r, <i32>hi, 36);
            store<u32>(r, o, 40);
            const e = sc + load<f64>(r, 8);
            store<f64>(nest + (<usize>same << 3), e);
            // Another slot now above the worst leaves the worst where it was (also among NaNs,
            // which the scan passes over unless first); else it is looked for again.
            if (same == worstK || !(e > worstE)) worstK = -1;
          }
          continue;
        }
        let slot = ncnt;
        if (ncnt < b) ncnt++;
        else slot = <u32>worstK;
        worstK = -1;
        const r = nb + HYP * <usize>slot;
        store<f64>(r, sc);
        store<f64>(r, fut, 8);
        store<u64>(r, nc, 16);
        store<u32>(r, w1, 24);
        store<u32>(r, w2, 28);
        store<i32>(r, <i32>j, 32);
        store<i32>(r, <i32>hi, 36);
        store<u32>(r, o, 40);
        store<u32>(nsig + (<usize>slot << 2), sig);
        store<f64>(nest + (<usize>slot << 3), est);
      }
    }
  }
  store<u32>(countP + (<usize>(s + 1) << 2), ncnt);
}

/** Picks the best finished hypothesis, follows it back and writes the sentence's output. */
function finishSentence(): void {
  const b = beam;
  const base = hypP + HYP * <usize>n * <usize>b;
  const cnt = load<u32>(countP + (<usize>n << 2));
  let best: u32 = 0;
  let bestScore: f64 = 0;
  for (let k: u32 = 0; k < cnt; k++) {
    const p = base + HYP * <usize>k;
    const f = load<f64>(p) + lmW * lm(load<u32>(p, 24), load<u32>(p, 28), EOS);
    if (k == 0 || f > bestScore) {
      bestScore = f;
      best = k;
    }
  }
  // Back pointers from the best to the empty hypothesis: one hop per source word.
  let hi = <i32>(n * b + best);
  for (let s = <i32>n - 1; s >= 0; s--) {
    store<i32>(pathP + (<usize>s << 2), hi);
    hi = load<i32>(hypP + HYP * <usize>hi, 36);
  }
  const o = outAt;
  store<u64>(o, bestScore != bestScore ? CANONICAL_NAN : reinterpret<u64>(bestScore));
  let m: u32 = 0;
  for (let s: u32 = 0; s < n; s++) {
    const h = hypP + HYP * <usize>load<i32>(pathP + (<usize>s << 2));
    const src = load<u32>(h, 32);
    const p = optP + (<usize>load<u32>(h, 40) << 4);
    const t1 = load<u32>(p);
    const t2 = load<u32>(p, 4);
    if (t1 != NONE) {
      store<u32>(o + 16 + (<usize>m << 3), t1);
      store<u32>(o + 20 + (<usize>m << 3), src);
      m++;
    }
    if (t2 != NONE) {
      store<u32>(o + 16 + (<usize>m << 3), t2);
      store<u32>(o + 20 + (<usize>m << 3), src);
      m++;
    }
  }
  store<u32>(o, m, 8);
  outAt = o + 16 + (<usize>n << 4);
  wordAt += <usize>n << 2;
  sentence++;
  sentenceStarted = false;
}

/**
 * Expands at most `budget` stacks, sentences in order. `budget` is an f64 so any JS number
 * arrives unchanged (an i32 would wrap 2^32 to 0); below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return DECODE_ERR_NOT_READY;
  let left = Math.floor(budget);
  while (sentence < sCount && left >= 1) {
    if (!sentenceStarted) startSentence();
    while (stack < n && left >= 1) {
      expandStack(stack);
      stack++;
      left -= 1;
      workDone += 1;
    }
    if (stack == n) finishSentence();
  }
  return sentence < sCount ? 1 : 0;
}

/** Stacks expanded so far. */
export function work_done(): f64 {
  return workDone;
}

/** Stacks in the unit: its number of source words; 0 before a successful init. */
export function work_total(): f64 {
  return ready ? workTotal : 0;
}

/** Where the output bytes start (valid once step() returned 0). */
export function output_ptr(): usize {
  return outPtr;
}

/** Output length in bytes: Σ (16 + 16·n_i). */
export function output_len(): usize {
  return outLen;
}
