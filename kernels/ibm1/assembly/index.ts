/**
 * @module IBM Model 1 E-step kernel: the kernel ABI of shared/kernels/abi.ts over the byte
 * layout of shared/kernels/ibm1.codec.ts. One work unit is one sentence pair.
 *
 * For a shard of sentence pairs (source e_1..e_l, target f_1..f_m, local token ids) and the
 * translation probabilities t(f | e) of exactly the (source, target) pairs that co-occur in
 * the shard, it returns the expected counts c(f | e) and the shard's log-likelihood
 * (Brown et al. 1993, eq. 4 and 12; Koehn 2010, ch. 4.2, fig. 4.7). With the NULL flag,
 * local source id 0 is the NULL word e_0, present in every source sentence.
 *
 * Operation order, shared bit for bit with ../reference.ts and ../ibm1.c (IEEE binary64,
 * round to nearest, no fused multiply-add, nothing reassociated). Per pair, in order; per
 * target position j ascending; i over the source positions ascending, NULL first:
 *   denom = ((0 + t(f_j|e_0)) + t(f_j|e_1)) + … ;  inv = 1 / denom
 *   c(f_j|e_i) += t(f_j|e_i) · inv       (in that order of i, then j, then pairs)
 *   prod = prod · denom, then prod's exponent moved into the integer `exps` (exact), so
 *   prod stays in [1, 2) and never overflows
 * pair log-likelihood = (log(prod) + exps · LN2) − m · log(l + NULL)
 * shard log-likelihood = (0 + ll_pair_0) + ll_pair_1 + …
 * `log` is fdlibm's e_log.c (also V8's Math.log), written out here with + − × / and bit
 * operations only, so AssemblyScript, TypeScript and C compute it identically.
 *
 * Memory (one instance runs one unit): the input at a 16-aligned base; after `init`, the
 * entry hash table (keys u64, values u32), the link index (for every pair, every j, every i:
 * the entry of (e_i, f_j), u32), then the output (f64).
 */
import {
  IBM1_ERR_DUPLICATE_ENTRY,
  IBM1_ERR_ENTRY,
  IBM1_ERR_FLAGS,
  IBM1_ERR_INIT_TWICE,
  IBM1_ERR_INPUT_LENGTH,
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

const HEADER: usize = 32;
const FLAG_NULL: u32 = 1;
const CANONICAL_NAN: u64 = 0x7ff8000000000000;
const PAGE_BYTES_LOG2: u64 = 16;
/** 2 GiB: every pointer and length then stays positive as the i32 JavaScript sees. */
const MEMORY_PAGES_MAX: u64 = 32768;
const HASH_MUL: u64 = 0x9e3779b97f4a7c15;
const EXP_MASK: u64 = 0x7ff0000000000000;
const EXP_ONE: u64 = 0x3ff0000000000000;
const LN2: f64 = 6.93147180559945286227e-1;

let inPtr: usize = 0;
let inLen: usize = 0;
let initCalled = false;
let ready = false;
let withNull = false;
let pairs: u32 = 0;
let carry: u32 = 0;
let entries: u32 = 0;
let tP: usize = 0;
let lensP: usize = 0;
let linksP: usize = 0;
let outPtr: usize = 0;
let outLen: usize = 0;
let countsP: usize = 0;

let pair: u32 = 0;
let linkAt: usize = 0;
let shardLL: f64 = 0;

/** Grows the memory so bytes [0, end) exist; false when wasm32 cannot hold them. */
function ensureMemory(end: u64): bool {
  const pages = (end + 0xffff) >> PAGE_BYTES_LOG2;
  if (pages > MEMORY_PAGES_MAX) return false;
  const have = <u64>memory.size();
  return pages <= have || memory.grow(<i32>(pages - have)) >= 0;
}

@inline function storeCanonical(ptr: usize, v: f64): void {
  store<u64>(ptr, v != v ? CANONICAL_NAN : reinterpret<u64>(v));
}

@inline function withHigh(x: f64, hi: i32): f64 {
  return reinterpret<f64>((<u64><u32>hi << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

/** fdlibm e_log.c (Sun Microsystems, 1993), line for line. */
function fdlog(x: f64): f64 {
  const ln2Hi: f64 = 6.93147180369123816490e-1;
  const ln2Lo: f64 = 1.90821492927058770002e-10;
  const two54: f64 = 1.80143985094819840000e16;
  const lg1: f64 = 6.666666666666735130e-1;
  const lg2: f64 = 3.999999999940941908e-1;
  const lg3: f64 = 2.857142874366239149e-1;
  const lg4: f64 = 2.222219843214978396e-1;
  const lg5: f64 = 1.818357216161805012e-1;
  const lg6: f64 = 1.531383769920937332e-1;
  const lg7: f64 = 1.479819860511658591e-1;
  let hx = <i32>(reinterpret<u64>(x) >> 32);
  const lx = <u32>reinterpret<u64>(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    hx = <i32>(reinterpret<u64>(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  x = withHigh(x, hx | (i0 ^ 0x3ff00000));
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      const dk0 = <f64>k;
      return dk0 * ln2Hi + dk0 * ln2Lo;
    }
    const r0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - r0;
    const dk1 = <f64>k;
    return dk1 * ln2Hi - ((r0 - dk1 * ln2Lo) - f);
  }
  const s = f / (2.0 + f);
  const dk = <f64>k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (lg2 + w * (lg4 + w * lg6));
  const t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + r));
    return dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f);
  }
  if (k == 0) return f - s * (f - r);
  return dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f);
}

/** Reserves `len` input bytes and returns where the caller must copy them (0 if too big). */
export function input_alloc(len: usize): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  if (!ensureMemory(<u64>base + <u64>len)) return 0;
  inPtr = base;
  inLen = len;
  return base;
}

@inline function slot(key: u64, bits: u64): u64 {
  return (key * HASH_MUL) >> (64 - bits);
}

/** Parses and checks the unit, builds the link index; 0 when ready, else an IBM1_ERR_* code. */
export function init(): i32 {
  if (initCalled) return IBM1_ERR_INIT_TWICE;
  initCalled = true;
  if (inPtr == 0 || inLen < HEADER) return IBM1_ERR_SHORT_INPUT;
  if (load<u32>(inPtr) != 1) return IBM1_ERR_LAYOUT;
  const flags = load<u32>(inPtr, 4);
  if ((flags & ~FLAG_NULL) != 0) return IBM1_ERR_FLAGS;
  withNull = (flags & FLAG_NULL) != 0;
  pairs = load<u32>(inPtr, 8);
  const srcTypes = load<u32>(inPtr, 12);
  const tgtTypes = load<u32>(inPtr, 16);
  entries = load<u32>(inPtr, 20);
  carry = load<u32>(inPtr, 24);
  const tokens = load<u32>(inPtr, 28);
  const expected = <u64>HEADER + 8 * <u64>carry + 16 * <u64>entries + 8 * <u64>pairs + 4 * <u64>tokens;
  if (expected != <u64>inLen) return IBM1_ERR_INPUT_LENGTH;
  if (pairs == 0) return IBM1_ERR_PAIRS;
  tP = inPtr + HEADER + 8 * <usize>carry;
  const eSrcP = tP + 8 * <usize>entries;
  const eTgtP = eSrcP + 4 * <usize>entries;
  lensP = eTgtP + 4 * <usize>entries;
  const tokP = lensP + 8 * <usize>pairs;
  const nullLink: u64 = withNull ? 1 : 0;
  let sum: u64 = 0;
  let links: u64 = 0;
  for (let p: u32 = 0; p < pairs; p++) {
    const l = <u64>load<u32>(lensP + 8 * <usize>p);
    const m = <u64>load<u32>(lensP + 8 * <usize>p, 4);
    if (l == 0 || m == 0) return IBM1_ERR_LENGTHS;
    sum += l + m;
    links += m * (l + nullLink);
  }
  if (sum != <u64>tokens) return IBM1_ERR_LENGTHS;
  for (let p: usize = 0, at = tokP; p < <usize>pairs; p++) {
    const l = load<u32>(lensP + 8 * p);
    const m = load<u32>(lensP + 8 * p, 4);
    for (let i: u32 = 0; i < l; i++, at += 4) {
      const s = load<u32>(at);
      if (s >= srcTypes || (withNull && s == 0)) return IBM1_ERR_TOKEN;
    }
    for (let j: u32 = 0; j < m; j++, at += 4) if (load<u32>(at) >= tgtTypes) return IBM1_ERR_TOKEN;
  }
  for (let e: u32 = 0; e < entries; e++) {
    const t = load<f64>(tP + 8 * <usize>e);
    if (!isFinite(t) || t < 0) return IBM1_ERR_T_VALUE;
    if (load<u32>(eSrcP + 4 * <usize>e) >= srcTypes || load<u32>(eTgtP + 4 * <usize>e) >= tgtTypes) return IBM1_ERR_ENTRY;
  }

  let bits: u64 = 4;
  while ((<u64>1 << bits) < 2 * <u64>entries) bits++;
  const slots = <u64>1 << bits;
  const keysAt = (<u64>inPtr + <u64>inLen + 15) & ~(<u64>15);
  const valsAt = keysAt + 8 * slots;
  const linksAt = (valsAt + 4 * slots + 15) & ~(<u64>15);
  const outAt = (linksAt + 4 * links + 15) & ~(<u64>15);
  const outBytes = 8 * (<u64>carry + 2 + <u64>entries);
  if (!ensureMemory(outAt + outBytes)) return IBM1_ERR_OUT_OF_MEMORY;
  const keysP = <usize>keysAt;
  const valsP = <usize>valsAt;
  memory.fill(keysP, 0, <usize>(8 * slots));
  const T = <u64>tgtTypes;
  // Keys are stored plus one, so 0 marks an empty slot; linear probing.
  for (let e: u32 = 0; e < entries; e++) {
    const key = <u64>load<u32>(eSrcP + 4 * <usize>e) * T + <u64>load<u32>(eTgtP + 4 * <usize>e) + 1;
    let h = slot(key, bits);
    while (true) {
      const k = load<u64>(keysP + 8 * <usize>h);
      if (k == 0) break;
      if (k == key) return IBM1_ERR_DUPLICATE_ENTRY;
      h = (h + 1) & (slots - 1);
    }
    store<u64>(keysP + 8 * <usize>h, key);
    store<u32>(valsP + 4 * <usize>h, e);
  }
  linksP = <usize>linksAt;
  let q = linksP;
  for (let p: usize = 0, at = tokP; p < <usize>pairs; p++) {
    const l = <usize>load<u32>(lensP + 8 * p);
    const m = <usize>load<u32>(lensP + 8 * p, 4);
    const tgtAt = at + 4 * l;
    for (let j: usize = 0; j < m; j++) {
      const f = <u64>load<u32>(tgtAt + 4 * j) + 1;
      for (let i: isize = withNull ? -1 : 0; i < <isize>l; i++) {
        const src = i < 0 ? 0 : <u64>load<u32>(at + 4 * <usize>i);
        const key = src * T + f;
        let h = slot(key, bits);
        while (true) {
          const k = load<u64>(keysP + 8 * <usize>h);
          if (k == key) break;
          if (k == 0) return IBM1_ERR_MISSING_ENTRY;
          h = (h + 1) & (slots - 1);
        }
        store<u32>(q, load<u32>(valsP + 4 * <usize>h));
        q += 4;
      }
    }
    at = tgtAt + 4 * m;
  }
  outPtr = <usize>outAt;
  outLen = <usize>outBytes;
  countsP = outPtr + 8 * (<usize>carry + 2);
  memory.fill(countsP, 0, 8 * <usize>entries);
  memory.copy(outPtr, inPtr + HEADER, 8 * <usize>carry);
  linkAt = linksP;
  ready = true;
  return 0;
}

/**
 * The E-step of one pair, returning its log-likelihood; `q` walks its links. Globals are
 * read into locals first: V8 keeps wasm locals in registers, a mutable global in memory.
 */
@inline function pairStep(l1: usize, m: usize): f64 {
  const t0 = tP;
  const c0 = countsP;
  let q = linkAt;
  let prod: f64 = 1;
  let exps: i64 = 0;
  for (let j: usize = 0; j < m; j++) {
    let denom: f64 = 0;
    for (let i: usize = 0; i < l1; i++) denom += load<f64>(t0 + (<usize>load<u32>(q + (i << 2)) << 3));
    const inv = 1.0 / denom;
    for (let i: usize = 0; i < l1; i++) {
      const at = <usize>load<u32>(q + (i << 2)) << 3;
      store<f64>(c0 + at, load<f64>(c0 + at) + load<f64>(t0 + at) * inv);
    }
    q += l1 << 2;
    prod *= denom;
    const b = reinterpret<u64>(prod);
    const e = b & EXP_MASK;
    if (e != 0 && e != EXP_MASK) {
      exps += <i64>(e >> 52) - 1023;
      prod = reinterpret<f64>((b & ~EXP_MASK) | EXP_ONE);
    }
  }
  linkAt = q;
  return (fdlog(prod) + <f64>exps * LN2) - <f64>m * fdlog(<f64>l1);
}

/** Writes the log-likelihood and pair count, and canonicalises NaNs in the counts. */
function finish(): void {
  storeCanonical(outPtr + 8 * <usize>carry, shardLL);
  store<f64>(outPtr + 8 * <usize>carry + 8, <f64>pairs);
  for (let e: usize = 0; e < <usize>entries; e++) {
    const at = countsP + 8 * e;
    storeCanonical(at, load<f64>(at));
  }
}

/**
 * Does at most `budget` sentence pairs, in order. `budget` is an f64 so any JS number
 * arrives unchanged; below 1 or NaN it does nothing.
 */
export function step(budget: f64): i32 {
  if (!ready) return IBM1_ERR_NOT_READY;
  let left = Math.floor(budget);
  const nullLink: usize = withNull ? 1 : 0;
  while (pair < pairs && left >= 1) {
    const l = <usize>load<u32>(lensP + 8 * <usize>pair);
    const m = <usize>load<u32>(lensP + 8 * <usize>pair, 4);
    shardLL += pairStep(l + nullLink, m);
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

/** Output length in bytes: 8·(C + 2 + E). */
export function output_len(): usize {
  return outLen;
}
