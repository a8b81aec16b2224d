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
 * The dense path sums two target words at a time from their first terms: t ≥ 0 is checked, −0 is stored as +0, and 0 + t = t
 * exactly for t ≥ +0, so that is the same sum.
 *
 * Memory (one instance runs one unit): the input at a 16-aligned base; after `init`, the
 * entry table (dense, S·T cells, when that is at most 16 cells per entry; else hashed; each
 * holds the address of the entry's t and count, side by side, or of a pair with t = NaN), a scratch of the current
 * pair's rows or keys and entry addresses, log(k) for every source length, the (t, count)
 * pairs, then the output (f64). A (source, target) pair of a sentence without an entry stops the unit
 * at that pair's step with IBM1_ERR_MISSING_ENTRY.
 */
import {
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
import { fdlog } from './log';
import { ensureMemory, inLen, inPtr, storeCanonical } from '../../common/assembly/memory';
/** The ABI's input_alloc (shared/kernels/abi.ts), the same for every kernel. */
export { input_alloc } from '../../common/assembly/memory';

const HEADER: usize = 32;
const FLAG_NULL: u32 = 1;
/** Knuth's multiplicative hash constant, ⌊2^32/φ⌋. */
const HASH_MUL: u32 = 0x9e3779b1;
/** Keys are src·T + tgt + 1 in a u32 (0 marks an empty slot). */
/** Local types per side at most: ids are u16, and S·T then stays below 2^32 − 1 for the 32-bit keys. */
const TYPES_MAX: u32 = 0xffff;
/** A missing entry in the hash table (never an address: those of the (t, count) pairs are multiples of 16). */
const MISSING: u32 = 0xffffffff;
/** The dense table is used when it has at most this many cells per entry (4 bytes each, against 16 per entry hashed). */
const DENSE_CELLS_PER_ENTRY: u64 = 16;
const EXP_MASK: u64 = 0x7ff0000000000000;
const EXP_ONE: u64 = 0x3ff0000000000000;
const LN2: f64 = 6.93147180559945286227e-1;

let initCalled = false;
let ready = false;
let withNull = false;
let pairs: u32 = 0;
let carry: u32 = 0;
let entries: u32 = 0;
let tgtTypes: u32 = 0;
let tP: usize = 0;
let lensP: usize = 0;
let tokP: usize = 0;
let tableP: usize = 0;
let scratchP: usize = 0;
let logsP: usize = 0;
let hashBits: u32 = 0;
let dense = false;
let outPtr: usize = 0;
let outLen: usize = 0;
let countsP: usize = 0;
/** Per entry, 16 bytes: t(f | e), then its expected count. */
let tcP: usize = 0;
/** The (NaN, 0) pair that dense cells without an entry point to. */
let absentP: usize = 0;

let pair: u32 = 0;
let tokAt: usize = 0;
let shardLL: f64 = 0;
let failed = false;

/**
 * Whether every source token is a source type (and not NULL's 0 under the NULL flag) and every
 * target token a target type. Which token fails does not matter (the refusal is the same), so
 * with `vector` (readable memory past the tokens) each pair's two runs are checked 8 tokens
 * at a time, lanes past a run's end masked off.
 */
function tokensValid(srcTypes: u32, vector: bool): bool {
  const nul: u32 = withNull ? 1 : 0;
  // With NULL, s is valid when s − 1 < S − 1 (unsigned), so 0 wraps to invalid.
  if (srcTypes < nul) return false;
  const srcLim = srcTypes - nul;
  const tgtLim = tgtTypes;
  const P = <usize>pairs;
  if (!vector) {
    for (let p: usize = 0, at = tokP; p < P; p++) {
      const l = <usize>load<u16>(lensP + 4 * p);
      const m = <usize>load<u16>(lensP + 4 * p, 2);
      for (const end = at + (l << 1); at < end; at += 2) if (<u32>load<u16>(at) - nul >= srcLim) return false;
      for (const end = at + (m << 1); at < end; at += 2) if (<u32>load<u16>(at) >= tgtLim) return false;
    }
    return true;
  }
  const iota = i16x8(0, 1, 2, 3, 4, 5, 6, 7);
  const offS = i16x8.splat(<i16>nul);
  const limS = i16x8.splat(<i16>srcLim);
  const limT = i16x8.splat(<i16>tgtLim);
  let bad = i16x8.splat(0);
  let at = tokP;
  for (let q = lensP, end = lensP + 4 * P; q < end; q += 4) {
    const l = <i32>load<u16>(q);
    const m = <i32>load<u16>(q, 2);
    const tgt = at + (<usize>l << 1);
    for (let n = l, v = at; n > 0; n -= 8, v += 16) {
      const over = i16x8.ge_u(i16x8.sub(v128.load(v), offS), limS);
      bad = v128.or(bad, v128.and(over, i16x8.lt_u(iota, i16x8.splat(<i16>n))));
    }
    for (let n = m, v = tgt; n > 0; n -= 8, v += 16) {
      const over = i16x8.ge_u(v128.load(v), limT);
      bad = v128.or(bad, v128.and(over, i16x8.lt_u(iota, i16x8.splat(<i16>n))));
    }
    at = tgt + (<usize>m << 1);
  }
  return !v128.any_true(bad);
}

/** Parses and checks the unit and builds the entry hash table; 0 when ready, else an IBM1_ERR_* code. */
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
  tgtTypes = load<u32>(inPtr, 16);
  entries = load<u32>(inPtr, 20);
  carry = load<u32>(inPtr, 24);
  const tokens = load<u32>(inPtr, 28);
  const expected = <u64>HEADER + 8 * <u64>carry + 12 * <u64>entries + 4 * <u64>pairs + 2 * <u64>tokens;
  if (expected != <u64>inLen) return IBM1_ERR_INPUT_LENGTH;
  if (pairs == 0) return IBM1_ERR_PAIRS;
  if (srcTypes > TYPES_MAX || tgtTypes > TYPES_MAX) return IBM1_ERR_KEY_SPACE;
  tP = inPtr + HEADER + 8 * <usize>carry;
  const eSrcP = tP + 8 * <usize>entries;
  const eTgtP = eSrcP + 2 * <usize>entries;
  lensP = eTgtP + 2 * <usize>entries;
  tokP = lensP + 4 * <usize>pairs;
  let sum: u64 = 0;
  let longest: u32 = 0;
  for (let p: u32 = 0; p < pairs; p++) {
    const l = <u32>load<u16>(lensP + 4 * <usize>p);
    const m = <u32>load<u16>(lensP + 4 * <usize>p, 2);
    if (l == 0 || m == 0) return IBM1_ERR_LENGTHS;
    sum += <u64>l + <u64>m;
    if (l > longest) longest = l;
  }
  if (sum != <u64>tokens) return IBM1_ERR_LENGTHS;

  // The entry table: dense (one u32 per (source, target) cell) when the cells are few for
  // the entries, else a hash table (one u64 per slot: key src·T + tgt + 1 in the low half, the
  // entry's byte offset in the high half; linear probing, key 0 an empty slot).
  const cells = <u64>srcTypes * <u64>tgtTypes;
  dense = cells <= DENSE_CELLS_PER_ENTRY * <u64>entries;
  hashBits = 4;
  while ((<u64>1 << <u64>hashBits) < 2 * <u64>entries) hashBits++;
  const tableBytes = dense ? 4 * cells : 8 * (<u64>1 << <u64>hashBits);
  const tableAt = (<u64>inPtr + <u64>inLen + 15) & ~(<u64>15);
  const scratchAt = (tableAt + tableBytes + 15) & ~(<u64>15);
  const logsAt = (scratchAt + 12 * (<u64>longest + 1) + 15) & ~(<u64>15);
  // The (t, count) pairs lie where the output's counts go (16-aligned): finishing writes count
  // e at 8·e from 16·e + 8, ascending, so never over a pair it has still to read.
  const headBytes = 8 * (<u64>carry + 2);
  const absentAt = (logsAt + 8 * (<u64>longest + 2) + 15) & ~(<u64>15);
  const pairsAt = (absentAt + 16 + headBytes + 15) & ~(<u64>15);
  const outAt = pairsAt - headBytes;
  const outBytes = headBytes + 8 * <u64>entries;
  // Grown before the token check (its refusal still comes after the checks): the vector
  // check reads up to 14 bytes past the last token, into the table's room.
  const haveMemory = ensureMemory(pairsAt + 16 * <u64>entries);
  if (!tokensValid(srcTypes, haveMemory)) return IBM1_ERR_TOKEN;
  for (let e: u32 = 0; e < entries; e++) {
    const t = load<f64>(tP + 8 * <usize>e);
    if (!isFinite(t) || t < 0) return IBM1_ERR_T_VALUE;
    if (<u32>load<u16>(eSrcP + 2 * <usize>e) >= srcTypes || <u32>load<u16>(eTgtP + 2 * <usize>e) >= tgtTypes) return IBM1_ERR_ENTRY;
  }

  if (!haveMemory) return IBM1_ERR_OUT_OF_MEMORY;
  tableP = <usize>tableAt;
  tcP = <usize>pairsAt;
  // The pair a dense cell without an entry points to: t = NaN, which only a sum over a
  // missing entry can give (every t is finite and ≥ 0), so the E-step checks each sum once.
  absentP = <usize>absentAt;
  store<f64>(absentP, NaN);
  store<f64>(absentP, 0.0, 8);
  scratchP = <usize>scratchAt;
  logsP = <usize>logsAt;
  // log(l + NULL) of every source length, once: the same fdlog values a call per pair would give.
  for (let k: u32 = 1; k <= longest + 1; k++) store<f64>(logsP + (<usize>k << 3), fdlog(<f64>k));
  const T = tgtTypes;
  if (dense) {
    const absent = <u32>absentP;
    const fill = i32x4.splat(absent);
    const tableEnd = tableP + <usize>tableBytes;
    let c = tableP;
    for (; c + 16 <= tableEnd; c += 16) v128.store(c, fill);
    for (; c < tableEnd; c += 4) store<u32>(c, absent);
    for (let e: u32 = 0; e < entries; e++) {
      const cell = tableP + ((<usize>(<u32>load<u16>(eSrcP + 2 * <usize>e) * T + <u32>load<u16>(eTgtP + 2 * <usize>e))) << 2);
      if (load<u32>(cell) != absent) return IBM1_ERR_DUPLICATE_ENTRY;
      store<u32>(cell, <u32>tcP + (e << 4));
    }
  } else {
    memory.fill(tableP, 0, <usize>tableBytes);
    const mask = <u32>((1 << hashBits) - 1);
    const shift = 32 - hashBits;
    for (let e: u32 = 0; e < entries; e++) {
      const key = <u32>load<u16>(eSrcP + 2 * <usize>e) * T + <u32>load<u16>(eTgtP + 2 * <usize>e) + 1;
      let h = (key * HASH_MUL) >> shift;
      while (true) {
        const k = load<u32>(tableP + (<usize>h << 3));
        if (k == 0) break;
        if (k == key) return IBM1_ERR_DUPLICATE_ENTRY;
        h = (h + 1) & mask;
      }
      store<u64>(tableP + (<usize>h << 3), (<u64>(<u32>tcP + (e << 4)) << 32) | <u64>key);
    }
  }
  outPtr = <usize>outAt;
  outLen = <usize>outBytes;
  countsP = outPtr + 8 * (<usize>carry + 2);
  // Each entry's t and count side by side, t = −0 as +0: then a denominator may start at its
  // first term (0 + t = t exactly for t ≥ +0), and c + (±0 · inv) is the same either way.
  for (let e: usize = 0; e < <usize>entries; e++) {
    const at = tcP + (e << 4);
    store<f64>(at, load<f64>(tP + (e << 3)) + 0.0);
    store<f64>(at, 0.0, 8);
  }
  memory.copy(outPtr, inPtr + HEADER, 8 * <usize>carry);
  tokAt = tokP;
  ready = true;
  return 0;
}

/** The address of the (t, count) pair of the entry with `key` (src·T + tgt + 1) in the hash table at `table`, or MISSING. */
@inline function hashed(table: usize, shift: u32, bytesMask: usize, key: u32): u32 {
  let slot = table + (<usize>((key * HASH_MUL) >> shift) << 3);
  let k = load<u32>(slot);
  while (k != key) {
    if (k == 0) return MISSING;
    slot = table + ((slot - table + 8) & bytesMask);
    k = load<u32>(slot);
  }
  return load<u32>(slot, 4);
}

/** c(f | e) += t(f | e) · inv for the links whose pair addresses are at [o, end), in that order. */
@inline function addCounts(o: usize, end: usize, inv: f64): void {
  for (; o < end; o += 4) {
    const at = <usize>load<u32>(o);
    store<f64>(at, load<f64>(at, 8) + load<f64>(at) * inv, 8);
  }
}

/**
 * The E-step of one pair (source ids at `src`, target ids after them), returning its
 * log-likelihood, or NaN with `failed` set when a link has no entry. Globals are read into
 * locals first: V8 keeps wasm locals in registers, a mutable global in memory. Dense tables
 * take two target words at a time: both denominators (each summed in its own order) before
 * the counts of the first, then of the second, so every count sees the same additions in
 * the same order as one word at a time.
 */
@inline function pairStep(src: usize, l: usize, m: usize): f64 {
  const table = tableP;
  const isDense = dense;
  const bytesMask = <usize>((8 << hashBits) - 1);
  const shift = 32 - hashBits;
  const T = tgtTypes;
  // Scratch: for NULL and each source word, the address of its row of cells (dense) or the
  // source part e·T of its keys (hashed); then per target word the addresses of its (t, c).
  const nul: usize = withNull ? 1 : 0;
  const l1 = l + nul;
  const bases = scratchP;
  const basesEnd = bases + (l1 << 2);
  const offsA = basesEnd;
  const offsB = offsA + (l1 << 2);
  const rowBytes: u32 = isDense ? 4 : 1;
  const rows: u32 = isDense ? <u32>table : 0;
  store<u32>(bases, rows);
  for (let i: usize = 0; i < l; i++) store<u32>(bases + ((i + nul) << 2), rows + <u32>load<u16>(src + (i << 1)) * T * rowBytes);
  const tgt = src + (l << 1);
  let prod: f64 = 1;
  let exps: i64 = 0;
  let j: usize = 0;
  if (isDense) {
    // The cell of (e, f) is at e's row + 4·f.
    for (; j + 1 < m; j += 2) {
      const fA = <usize>load<u16>(tgt + (j << 1)) << 2;
      const fB = <usize>load<u16>(tgt + (j << 1), 2) << 2;
      const row0 = <usize>load<u32>(bases);
      const a0 = load<u32>(row0 + fA);
      const b0 = load<u32>(row0 + fB);
      store<u32>(offsA, a0);
      store<u32>(offsB, b0);
      // 0 + t = t: the first term starts each sum.
      let dA = load<f64>(<usize>a0);
      let dB = load<f64>(<usize>b0);
      let oA = offsA;
      for (let b = bases + 4; b < basesEnd; b += 4) {
        oA += 4;
        const row = <usize>load<u32>(b);
        const a = load<u32>(row + fA);
        const c = load<u32>(row + fB);
        store<u32>(oA, a);
        store<u32>(oA + (l1 << 2), c);
        dA += load<f64>(<usize>a);
        dB += load<f64>(<usize>c);
      }
      // NaN only from the absent pair: a missing entry.
      if ((dA != dA) | (dB != dB)) {
        failed = true;
        return NaN;
      }
      addCounts(offsA, offsB, 1.0 / dA);
      addCounts(offsB, offsB + (l1 << 2), 1.0 / dB);
      prod *= dA;
      {
        const bits = reinterpret<u64>(prod);
        const e = bits & EXP_MASK;
        if (e != 0 && e != EXP_MASK) {
          exps += <i64>(e >> 52) - 1023;
          prod = reinterpret<f64>((bits & ~EXP_MASK) | EXP_ONE);
        }
      }
      prod *= dB;
      {
        const bits = reinterpret<u64>(prod);
        const e = bits & EXP_MASK;
        if (e != 0 && e != EXP_MASK) {
          exps += <i64>(e >> 52) - 1023;
          prod = reinterpret<f64>((bits & ~EXP_MASK) | EXP_ONE);
        }
      }
    }
  }
  for (; j < m; j++) {
    const f = <u32>load<u16>(tgt + (j << 1));
    let denom: f64 = 0;
    if (isDense) {
      const f4 = <usize>f << 2;
      let o = offsA;
      for (let b = bases; b < basesEnd; b += 4, o += 4) {
        const at = load<u32>(<usize>load<u32>(b) + f4);
        store<u32>(o, at);
        denom += load<f64>(<usize>at);
      }
      if (denom != denom) {
        failed = true;
        return NaN;
      }
    } else {
      for (let i: usize = 0; i < l1; i++) {
        const at = hashed(table, shift, bytesMask, load<u32>(bases + (i << 2)) + f + 1);
        if (at == MISSING) {
          failed = true;
          return NaN;
        }
        store<u32>(offsA + (i << 2), at);
        denom += load<f64>(<usize>at);
      }
    }
    addCounts(offsA, offsB, 1.0 / denom);
    prod *= denom;
    const b = reinterpret<u64>(prod);
    const e = b & EXP_MASK;
    if (e != 0 && e != EXP_MASK) {
      exps += <i64>(e >> 52) - 1023;
      prod = reinterpret<f64>((b & ~EXP_MASK) | EXP_ONE);
    }
  }
  return (fdlog(prod) + <f64>exps * LN2) - <f64>m * load<f64>(logsP + (l1 << 3));
}

/** Writes the log-likelihood and pair count, and canonicalises NaNs in the counts. */
function finish(): void {
  storeCanonical(outPtr + 8 * <usize>carry, shardLL);
  store<f64>(outPtr + 8 * <usize>carry + 8, <f64>pairs);
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
    shardLL += ll;
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

/** Output length in bytes: 8·(C + 2 + E). */
export function output_len(): usize {
  return outLen;
}
