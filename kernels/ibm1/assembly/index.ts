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
 * entry table (dense, S·T cells, when that is at most 16 cells per entry; else hashed),
 * a scratch of the current pair's keys and entry offsets, log(k) for every source length,
 * then the output (f64). A (source, target) pair of a sentence without an entry stops the unit
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
import { ensureMemory, inputBase, storeCanonical } from '../../common/assembly/memory';

const HEADER: usize = 32;
const FLAG_NULL: u32 = 1;
/** Knuth's multiplicative hash constant, ⌊2^32/φ⌋. */
const HASH_MUL: u32 = 0x9e3779b1;
/** Keys are src·T + tgt + 1 in a u32 (0 marks an empty slot). */
/** Local types per side at most: ids are u16, and S·T then stays below 2^32 − 1 for the 32-bit keys. */
const TYPES_MAX: u32 = 0xffff;
/** A missing entry in the tables (never a byte offset: those are multiples of 8). */
const MISSING: u32 = 0xffffffff;
/** The dense table is used when it has at most this many cells per entry (4 bytes each, against 16 per entry hashed). */
const DENSE_CELLS_PER_ENTRY: u64 = 16;
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

let pair: u32 = 0;
let tokAt: usize = 0;
let shardLL: f64 = 0;
let failed = false;

/** Reserves `len` input bytes and returns where the caller must copy them (0 if too big). */
export function input_alloc(len: usize): usize {
  const base = inputBase(len);
  if (base == 0) return 0;
  inPtr = base;
  inLen = len;
  return base;
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
  for (let p: usize = 0, at = tokP; p < <usize>pairs; p++) {
    const l = <u32>load<u16>(lensP + 4 * p);
    const m = <u32>load<u16>(lensP + 4 * p, 2);
    for (let i: u32 = 0; i < l; i++, at += 2) {
      const s = <u32>load<u16>(at);
      if (s >= srcTypes || (withNull && s == 0)) return IBM1_ERR_TOKEN;
    }
    for (let j: u32 = 0; j < m; j++, at += 2) if (<u32>load<u16>(at) >= tgtTypes) return IBM1_ERR_TOKEN;
  }
  for (let e: u32 = 0; e < entries; e++) {
    const t = load<f64>(tP + 8 * <usize>e);
    if (!isFinite(t) || t < 0) return IBM1_ERR_T_VALUE;
    if (<u32>load<u16>(eSrcP + 2 * <usize>e) >= srcTypes || <u32>load<u16>(eTgtP + 2 * <usize>e) >= tgtTypes) return IBM1_ERR_ENTRY;
  }

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
  const logsAt = (scratchAt + 8 * (<u64>longest + 1) + 15) & ~(<u64>15);
  const outAt = (logsAt + 8 * (<u64>longest + 2) + 15) & ~(<u64>15);
  const outBytes = 8 * (<u64>carry + 2 + <u64>entries);
  if (!ensureMemory(outAt + outBytes)) return IBM1_ERR_OUT_OF_MEMORY;
  tableP = <usize>tableAt;
  scratchP = <usize>scratchAt;
  logsP = <usize>logsAt;
  // log(l + NULL) of every source length, once: the same fdlog values a call per pair would give.
  for (let k: u32 = 1; k <= longest + 1; k++) store<f64>(logsP + (<usize>k << 3), fdlog(<f64>k));
  const T = tgtTypes;
  if (dense) {
    memory.fill(tableP, 0xff, <usize>tableBytes);
    for (let e: u32 = 0; e < entries; e++) {
      const cell = tableP + ((<usize>(<u32>load<u16>(eSrcP + 2 * <usize>e) * T + <u32>load<u16>(eTgtP + 2 * <usize>e))) << 2);
      if (load<u32>(cell) != MISSING) return IBM1_ERR_DUPLICATE_ENTRY;
      store<u32>(cell, e << 3);
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
      store<u64>(tableP + (<usize>h << 3), ((<u64>e << 3) << 32) | <u64>key);
    }
  }
  outPtr = <usize>outAt;
  outLen = <usize>outBytes;
  countsP = outPtr + 8 * (<usize>carry + 2);
  memory.fill(countsP, 0, 8 * <usize>entries);
  memory.copy(outPtr, inPtr + HEADER, 8 * <usize>carry);
  tokAt = tokP;
  ready = true;
  return 0;
}

/** The byte offset of the entry with `key` (src·T + tgt + 1) in the hash table at `table`, or MISSING. */
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

/**
 * The E-step of one pair (source ids at `src`, target ids after them), returning its
 * log-likelihood, or NaN with `failed` set when a link has no entry. Globals are read into
 * locals first: V8 keeps wasm locals in registers, a mutable global in memory.
 */
@inline function pairStep(src: usize, l: usize, m: usize): f64 {
  const t0 = tP;
  const c0 = countsP;
  const table = tableP;
  const isDense = dense;
  const bytesMask = <usize>((8 << hashBits) - 1);
  const shift = 32 - hashBits;
  const T = tgtTypes;
  // Scratch: for NULL and each source word, the address of its row of cells (dense) or the
  // source part e·T of its keys (hashed); then per target word the addresses of its t(f | e).
  const nul: usize = withNull ? 1 : 0;
  const l1 = l + nul;
  const bases = scratchP;
  const offs = bases + (l1 << 2);
  const rowBytes: u32 = isDense ? 4 : 1;
  const rows: u32 = isDense ? <u32>table : 0;
  store<u32>(bases, rows);
  for (let i: usize = 0; i < l; i++) store<u32>(bases + ((i + nul) << 2), rows + <u32>load<u16>(src + (i << 1)) * T * rowBytes);
  const tgt = src + (l << 1);
  let prod: f64 = 1;
  let exps: i64 = 0;
  for (let j: usize = 0; j < m; j++) {
    const f = <u32>load<u16>(tgt + (j << 1));
    let denom: f64 = 0;
    if (isDense) {
      // The cell of (e, f) is at e's row + 4·f.
      const f4 = <usize>f << 2;
      let o = offs;
      for (let b = bases, end = bases + (l1 << 2); b < end; b += 4, o += 4) {
        const at = load<u32>(<usize>load<u32>(b) + f4);
        if (at == MISSING) {
          failed = true;
          return NaN;
        }
        const tAt = t0 + <usize>at;
        store<u32>(o, <u32>tAt);
        denom += load<f64>(tAt);
      }
    } else {
      for (let i: usize = 0; i < l1; i++) {
        const at = hashed(table, shift, bytesMask, load<u32>(bases + (i << 2)) + f + 1);
        if (at == MISSING) {
          failed = true;
          return NaN;
        }
        const tAt = t0 + <usize>at;
        store<u32>(offs + (i << 2), <u32>tAt);
        denom += load<f64>(tAt);
      }
    }
    const inv = 1.0 / denom;
    // offs hold the addresses of t(f | e); the counts lie at a fixed distance from them.
    const toCount = c0 - t0;
    for (let o = offs, end = offs + (l1 << 2); o < end; o += 4) {
      const tAt = <usize>load<u32>(o);
      const cAt = tAt + toCount;
      store<f64>(cAt, load<f64>(cAt) + load<f64>(tAt) * inv);
    }
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
