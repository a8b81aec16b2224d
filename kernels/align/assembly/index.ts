/**
 * @module fast_align kernel (Dyer, Chahuneau & Smith 2013: IBM Model 2 with a diagonal
 * prior): the kernel ABI of shared/kernels/abi.ts over the byte layout of
 * shared/kernels/align.codec.ts (ibm1's unit with λ and p0). One work unit is one sentence
 * pair. In E-step mode it returns the expected counts c(f | e), the log-likelihood and the two
 * feature expectations λ's gradient needs; in Viterbi mode the best source position of every
 * target token.
 *
 * The model (paper, eqs. 1–3), source e_1..e_n (NULL e_0), target f_1..f_m:
 *   h(i, j) = |i/n − j/m|;  w_i = exp(−λ·h(i, j));  Z = Σ_{i≥1} w_i
 *   δ(0) = p0;  δ(i) = (1 − p0)·w_i / Z   (without NULL: δ(i) = w_i / Z)
 *   P(a_j = i) = δ(i)·t(f_j | e_i) / Σ_k δ(k)·t(f_j | e_k)
 *
 * Operation order, shared bit for bit with ../reference.ts and ../align.c (IEEE binary64,
 * round to nearest, no fused multiply-add, nothing reassociated). Per pair in order, per
 * target position j = 1..m ascending, i ascending (NULL first):
 *   h_i = |i·m − j·n| / (n·m)     (numerator and product exact integers: h correctly rounded)
 *   w_i = exp(−(λ·h_i));  Z = (0 + w_1) + … + w_n;  s = q / Z, q = 1 − p0 (1 without NULL)
 *   a_0 = p0 · t(f_j|e_0);  a_i = (w_i · s) · t(f_j|e_i)
 *   denom = ((0 + a_0) + a_1) + … + a_n
 * E-step: inv = 1 / denom; for each i: p_i = a_i · inv, c(f_j|e_i) += p_i, and for i ≥ 1
 *   empFeat += p_i · h_i (one accumulator per unit); then
 *   modelFeat += (1 − p_0) · ((0 + w_1·h_1 + … + w_n·h_n) / Z)   (p_0 = 0 without NULL);
 *   prod = prod · denom, its exponent moved into `exps` (exact), as the ibm1 kernel does;
 *   pair LL = log(prod) + exps·LN2;  unit LL = (0 + LL_0) + LL_1 + …
 * Viterbi: the first i (NULL first) with the greatest a_i (ties: the smallest i), written
 *   as u16 (0 = NULL, else the 1-based source position).
 * `exp` is fdlibm's (./exp.ts), `log` fdlibm's from the ibm1 kernel, both written with
 * + − × / and bit operations only.
 *
 * Memory (one instance runs one unit): the input at a 16-aligned base; after `init`, the
 * entry table (./table.ts), each cell or slot holding the address of an entry's (t, count) pair;
 * the current pair's scratch (per source position: its table row or key base, its link's
 * pair address, h, w and a); the (t, count) pairs; then the output.
 */
import {
  ALIGN_ERR_P0,
  ALIGN_ERR_TENSION,
  IBM1_ERR_DUPLICATE_ENTRY,
  IBM1_ERR_ENTRY,
  IBM1_ERR_FLAGS,
  IBM1_ERR_INIT_TWICE,
  IBM1_ERR_INPUT_LENGTH,
  IBM1_ERR_KEY_SPACE,
  IBM1_ERR_LAYOUT,
  IBM1_ERR_LENGTHS,
  IBM1_ERR_MISSING_ENTRY,
  IBM1_ERR_NOT_READY,
  IBM1_ERR_OUT_OF_MEMORY,
  IBM1_ERR_PAIRS,
  IBM1_ERR_SHORT_INPUT,
  IBM1_ERR_TOKEN,
  IBM1_ERR_T_VALUE,
} from '../codes';
import { fdexp } from './exp';
import { MISSING, buildTable, dense, lookup, planTable, tableP } from './table';
import { fdlog } from '../../ibm1/assembly/log';
import { ensureMemory, inLen, inPtr, storeCanonical } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

const HEADER: usize = 48;
const FLAG_NULL: u32 = 1;
const FLAG_VITERBI: u32 = 2;
/** As ALIGN_KERNEL_TENSION_MAX in shared/kernels/align.codec.ts (the reason is there). */
const TENSION_MAX: f64 = 700;
/** f64 values of an E-step output between the carry and the counts: LL, P, two features. */
const ESTEP_HEAD: usize = 4;
/** Local types per side at most: ids are u16, and S·T then stays below 2^32 − 1 for the 32-bit keys. */
const TYPES_MAX: u32 = 0xffff;
const EXP_MASK: u64 = 0x7ff0000000000000;
const EXP_ONE: u64 = 0x3ff0000000000000;
const LN2: f64 = 6.93147180559945286227e-1;

let initCalled = false;
let ready = false;
let failed = false;
let withNull = false;
let viterbi = false;
let tension: f64 = 0;
let p0: f64 = 0;
let pairs: u32 = 0;
let carry: u32 = 0;
let entries: u32 = 0;
let tgtTypes: u32 = 0;
let lensP: usize = 0;
let tokP: usize = 0;
/** Scratch, one slot per source position (NULL at 0): u32 row/key bases, u32 pair addresses, f64 h, w, a. */
let baseP: usize = 0;
let addrP: usize = 0;
let hP: usize = 0;
let wP: usize = 0;
let aP: usize = 0;
/** Per entry, 16 bytes: t(f | e), then its expected count. */
let tcP: usize = 0;
let outPtr: usize = 0;
let outLen: usize = 0;
/** Where the next Viterbi link goes. */
let linkAt: usize = 0;

let pair: u32 = 0;
let tokAt: usize = 0;
let unitLL: f64 = 0;
let empFeat: f64 = 0;
let modelFeat: f64 = 0;

@inline function align16(x: u64): u64 {
  return (x + 15) & ~(<u64>15);
}

/** Parses and checks the unit and builds the entry table; 0 when ready, else an error code. */
export function init(): i32 {
  if (initCalled) return IBM1_ERR_INIT_TWICE;
  initCalled = true;
  if (inPtr == 0 || inLen < HEADER) return IBM1_ERR_SHORT_INPUT;
  if (load<u32>(inPtr) != 1) return IBM1_ERR_LAYOUT;
  const flags = load<u32>(inPtr, 4);
  if ((flags & ~(FLAG_NULL | FLAG_VITERBI)) != 0) return IBM1_ERR_FLAGS;
  withNull = (flags & FLAG_NULL) != 0;
  viterbi = (flags & FLAG_VITERBI) != 0;
  tension = load<f64>(inPtr, 32);
  p0 = load<f64>(inPtr, 40);
  if (!(tension >= 0 && tension <= TENSION_MAX)) return ALIGN_ERR_TENSION;
  if (!(p0 >= 0 && p0 <= 1)) return ALIGN_ERR_P0;
  pairs = load<u32>(inPtr, 8);
  const srcTypes = load<u32>(inPtr, 12);
  tgtTypes = load<u32>(inPtr, 16);
  entries = load<u32>(inPtr, 20);
  carry = load<u32>(inPtr, 24);
  const tokens = load<u32>(inPtr, 28);
  if (<u64>HEADER + 8 * <u64>carry + 12 * <u64>entries + 4 * <u64>pairs + 2 * <u64>tokens != <u64>inLen) return IBM1_ERR_INPUT_LENGTH;
  if (pairs == 0) return IBM1_ERR_PAIRS;
  if (srcTypes > TYPES_MAX || tgtTypes > TYPES_MAX) return IBM1_ERR_KEY_SPACE;
  const tP = inPtr + HEADER + 8 * <usize>carry;
  const eSrcP = tP + 8 * <usize>entries;
  const eTgtP = eSrcP + 2 * <usize>entries;
  lensP = eTgtP + 2 * <usize>entries;
  tokP = lensP + 4 * <usize>pairs;
  let sum: u64 = 0;
  let targetTokens: u64 = 0;
  let longest: u32 = 0;
  for (let p: u32 = 0; p < pairs; p++) {
    const l = <u32>load<u16>(lensP + 4 * <usize>p);
    const m = <u32>load<u16>(lensP + 4 * <usize>p, 2);
    if (l == 0 || m == 0) return IBM1_ERR_LENGTHS;
    sum += <u64>l + <u64>m;
    targetTokens += <u64>m;
    if (l > longest) longest = l;
  }
  if (sum != <u64>tokens) return IBM1_ERR_LENGTHS;
  const nul: u32 = withNull ? 1 : 0;
  for (let p: usize = 0, at = tokP; p < <usize>pairs; p++) {
    const l = <usize>load<u16>(lensP + 4 * p);
    const m = <usize>load<u16>(lensP + 4 * p, 2);
    // With NULL, a source id s is valid when s − 1 < S − 1 (unsigned), so 0 wraps to invalid.
    for (const end = at + (l << 1); at < end; at += 2) if (<u32>load<u16>(at) - nul >= srcTypes - nul || srcTypes < nul) return IBM1_ERR_TOKEN;
    for (const end = at + (m << 1); at < end; at += 2) if (<u32>load<u16>(at) >= tgtTypes) return IBM1_ERR_TOKEN;
  }
  for (let e: u32 = 0; e < entries; e++) {
    const t = load<f64>(tP + 8 * <usize>e);
    if (!isFinite(t) || t < 0) return IBM1_ERR_T_VALUE;
    if (<u32>load<u16>(eSrcP + 2 * <usize>e) >= srcTypes || <u32>load<u16>(eTgtP + 2 * <usize>e) >= tgtTypes) return IBM1_ERR_ENTRY;
  }

  const tableBytes = planTable(srcTypes, tgtTypes, entries);
  const slots = <u64>longest + 1;
  const tableAt = align16(<u64>inPtr + <u64>inLen);
  const scratchAt = align16(tableAt + tableBytes);
  const pairsAt = align16(scratchAt + 32 * slots);
  const outAt = align16(pairsAt + 16 * <u64>entries);
  const outBytes = viterbi ? 8 * (<u64>carry + 1) + 8 * ((targetTokens + 3) >> 2) : 8 * (<u64>carry + <u64>ESTEP_HEAD + <u64>entries);
  if (!ensureMemory(outAt + outBytes)) return IBM1_ERR_OUT_OF_MEMORY;
  baseP = <usize>scratchAt;
  addrP = baseP + 4 * <usize>slots;
  hP = addrP + 4 * <usize>slots;
  wP = hP + 8 * <usize>slots;
  aP = wP + 8 * <usize>slots;
  tcP = <usize>pairsAt;
  outPtr = <usize>outAt;
  outLen = <usize>outBytes;
  if (!buildTable(<usize>tableAt, eSrcP, eTgtP, entries, tgtTypes, tcP)) return IBM1_ERR_DUPLICATE_ENTRY;
  for (let e: usize = 0; e < <usize>entries; e++) {
    store<f64>(tcP + (e << 4), load<f64>(tP + (e << 3)));
    store<f64>(tcP + (e << 4), 0.0, 8);
  }
  // The carry comes back unchanged, a NaN as the canonical one (as every NaN of the output).
  for (let c: usize = 0; c < <usize>carry; c++) storeCanonical(outPtr + (c << 3), load<f64>(inPtr + HEADER + (c << 3)));
  if (viterbi) {
    store<f64>(outPtr + 8 * <usize>carry, <f64>pairs);
    linkAt = outPtr + 8 * (<usize>carry + 1);
    // The padding after the last link: zero, whatever the memory held.
    store<u64>(outPtr + outLen - 8, 0);
  }
  tokAt = tokP;
  ready = true;
  return 0;
}

/**
 * One pair (source ids at `src`, target ids after them): its E-step (returning its
 * log-likelihood) or its Viterbi links (returning 0); NaN with `failed` set when a link has
 * no entry. Slot 0 of the scratch is NULL's, slot i source position i.
 */
function pairStep(src: usize, n: usize, m: usize): f64 {
  const T = tgtTypes;
  const rowScale: u32 = dense ? 4 : 1;
  const rowBase: u32 = dense ? <u32>tableP : 0;
  const nul = withNull;
  // NULL is local source id 0: its row (dense) or key base (hashed) is the first.
  store<u32>(baseP, rowBase);
  for (let i: usize = 1; i <= n; i++) store<u32>(baseP + (i << 2), rowBase + <u32>load<u16>(src + ((i - 1) << 1)) * T * rowScale);
  const tgt = src + (n << 1);
  const fn = <f64>n;
  const fm = <f64>m;
  const nm = fn * fm;
  const lam = tension;
  const q: f64 = nul ? 1.0 - p0 : 1.0;
  let prod: f64 = 1;
  let exps: i64 = 0;
  let e1 = empFeat;
  let e2 = modelFeat;
  for (let j: usize = 1; j <= m; j++) {
    const f = <u32>load<u16>(tgt + ((j - 1) << 1));
    const fj = <f64>j;
    let z: f64 = 0;
    for (let i: usize = 1; i <= n; i++) {
      const h = Math.abs(<f64>i * fm - fj * fn) / nm;
      const w = fdexp(-(lam * h));
      store<f64>(hP + (i << 3), h);
      store<f64>(wP + (i << 3), w);
      z += w;
    }
    const s = q / z;
    let denom: f64 = 0;
    if (nul) {
      const at = lookup(rowBase, f);
      if (at == MISSING) {
        failed = true;
        return NaN;
      }
      const a = p0 * load<f64>(<usize>at);
      store<u32>(addrP, at);
      store<f64>(aP, a);
      denom += a;
    }
    for (let i: usize = 1; i <= n; i++) {
      const at = lookup(load<u32>(baseP + (i << 2)), f);
      if (at == MISSING) {
        failed = true;
        return NaN;
      }
      const a = (load<f64>(wP + (i << 3)) * s) * load<f64>(<usize>at);
      store<u32>(addrP + (i << 2), at);
      store<f64>(aP + (i << 3), a);
      denom += a;
    }
    if (viterbi) {
      let best: usize = nul ? 0 : 1;
      let bestA = load<f64>(aP + (best << 3));
      for (let i = best + 1; i <= n; i++) {
        const a = load<f64>(aP + (i << 3));
        if (a > bestA) {
          bestA = a;
          best = i;
        }
      }
      store<u16>(linkAt, <u16>best);
      linkAt += 2;
      continue;
    }
    const inv = 1.0 / denom;
    let pNull: f64 = 0;
    if (nul) {
      const at = <usize>load<u32>(addrP);
      pNull = load<f64>(aP) * inv;
      store<f64>(at, load<f64>(at, 8) + pNull, 8);
    }
    let zh: f64 = 0;
    for (let i: usize = 1; i <= n; i++) {
      const at = <usize>load<u32>(addrP + (i << 2));
      const p = load<f64>(aP + (i << 3)) * inv;
      const h = load<f64>(hP + (i << 3));
      store<f64>(at, load<f64>(at, 8) + p, 8);
      e1 += p * h;
      zh += load<f64>(wP + (i << 3)) * h;
    }
    e2 += (1.0 - pNull) * (zh / z);
    prod *= denom;
    const b = reinterpret<u64>(prod);
    const e = b & EXP_MASK;
    if (e != 0 && e != EXP_MASK) {
      exps += <i64>(e >> 52) - 1023;
      prod = reinterpret<f64>((b & ~EXP_MASK) | EXP_ONE);
    }
  }
  empFeat = e1;
  modelFeat = e2;
  return viterbi ? 0 : fdlog(prod) + <f64>exps * LN2;
}

/** Writes the E-step output's head and counts (NaNs canonical). */
function finish(): void {
  if (viterbi) return;
  const head = outPtr + 8 * <usize>carry;
  storeCanonical(head, unitLL);
  store<f64>(head, <f64>pairs, 8);
  storeCanonical(head + 16, empFeat);
  storeCanonical(head + 24, modelFeat);
  const countsP = head + 8 * ESTEP_HEAD;
  for (let e: usize = 0; e < <usize>entries; e++) storeCanonical(countsP + (e << 3), load<f64>(tcP + (e << 4), 8));
}

/**
 * Does at most `budget` sentence pairs, in order. `budget` is an f64 so any JS number
 * arrives unchanged; below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return IBM1_ERR_NOT_READY;
  if (failed) return IBM1_ERR_MISSING_ENTRY;
  let left = Math.floor(budget);
  while (pair < pairs && left >= 1) {
    const l = <usize>load<u16>(lensP + 4 * <usize>pair);
    const m = <usize>load<u16>(lensP + 4 * <usize>pair, 2);
    const ll = pairStep(tokAt, l, m);
    if (failed) return IBM1_ERR_MISSING_ENTRY;
    unitLL += ll;
    tokAt += (l + m) << 1;
    pair++;
    left -= 1;
    if (pair == pairs) finish();
  }
  return pair < pairs ? 1 : 0;
}

/** Sentence pairs done so far. */
export function work_done(): f64 {
  return <f64>pair;
}

/** Sentence pairs in the unit; 0 before a successful init. */
export function work_total(): f64 {
  return ready ? <f64>pairs : 0;
}

/** Where the output bytes start (valid once step() returned 0). */
export function output_ptr(): usize {
  return outPtr;
}

/** Output length in bytes: 8·(C + 4 + E) for an E-step, 8·(C + 1) + 8·⌈target tokens / 4⌉ for Viterbi. */
export function output_len(): usize {
  return outLen;
}
