/**
 * @module The align kernel's entry table: from a (local source id, local target id) pair to
 * the address of its entry's (t, count) pair. Dense (one u32 cell per (source, target), a
 * source's row at tableP + 4·T·source) when that is at most DENSE_CELLS_PER_ENTRY cells per
 * entry, as the ibm1 kernel decides; else hashed (one u64 slot per 2 entries or more: key
 * source·T + target + 1 in the low half, the address in the high half; linear probing, key 0
 * an empty slot).
 */

/** Knuth's multiplicative hash constant, ⌊2^32/φ⌋. */
const HASH_MUL: u32 = 0x9e3779b1;
/** The dense table is used when it has at most this many cells per entry (as the ibm1 kernel). */
const DENSE_CELLS_PER_ENTRY: u64 = 16;
/** A table cell or slot without an entry (never an address: those of the pairs are multiples of 16). */
export const MISSING: u32 = 0xffffffff;

/** Where the table is, once built. */
export let tableP: usize = 0;
/** Whether it is dense (else hashed). */
export let dense = false;
let hashBits: u32 = 0;
let tableBytes: u64 = 0;

/** Chooses the table for S·T cells and E entries; returns its size in bytes. */
export function planTable(srcTypes: u32, tgtTypes: u32, entries: u32): u64 {
  const cells = <u64>srcTypes * <u64>tgtTypes;
  dense = cells <= DENSE_CELLS_PER_ENTRY * <u64>entries;
  hashBits = 4;
  while ((<u64>1 << <u64>hashBits) < 2 * <u64>entries) hashBits++;
  tableBytes = dense ? 4 * cells : 8 * (<u64>1 << <u64>hashBits);
  return tableBytes;
}

/**
 * Builds the planned table at `at` (its memory grown already) over the entries whose local ids
 * are at `eSrcP`, `eTgtP`; entry e's pair is at `pairsP` + 16·e. False on a duplicate entry.
 */
export function buildTable(at: usize, eSrcP: usize, eTgtP: usize, entries: u32, T: u32, pairsP: usize): bool {
  tableP = at;
  if (dense) {
    memory.fill(tableP, 0xff, <usize>tableBytes);
    for (let e: u32 = 0; e < entries; e++) {
      const cell = tableP + ((<usize>(<u32>load<u16>(eSrcP + 2 * <usize>e) * T + <u32>load<u16>(eTgtP + 2 * <usize>e))) << 2);
      if (load<u32>(cell) != MISSING) return false;
      store<u32>(cell, <u32>pairsP + (e << 4));
    }
    return true;
  }
  memory.fill(tableP, 0, <usize>tableBytes);
  const mask = <u32>((1 << hashBits) - 1);
  const shift = 32 - hashBits;
  for (let e: u32 = 0; e < entries; e++) {
    const key = <u32>load<u16>(eSrcP + 2 * <usize>e) * T + <u32>load<u16>(eTgtP + 2 * <usize>e) + 1;
    let h = (key * HASH_MUL) >> shift;
    while (true) {
      const k = load<u32>(tableP + (<usize>h << 3));
      if (k == 0) break;
      if (k == key) return false;
      h = (h + 1) & mask;
    }
    store<u64>(tableP + (<usize>h << 3), (<u64>(<u32>pairsP + (e << 4)) << 32) | <u64>key);
  }
  return true;
}

/**
 * The address of the (t, count) pair of (source `base`, target `f`), or MISSING: `base` is the
 * source's row address (dense) or source·T (hashed).
 */
@inline export function lookup(base: u32, f: u32): u32 {
  if (dense) return load<u32>(<usize>base + (<usize>f << 2));
  const key = base + f + 1;
  const mask: usize = (<usize>8 << hashBits) - 1;
  let slot = (<usize>((key * HASH_MUL) >> (32 - hashBits))) << 3;
  let k = load<u32>(tableP + slot);
  while (k != key) {
    if (k == 0) return MISSING;
    slot = (slot + 8) & mask;
    k = load<u32>(tableP + slot);
  }
  return load<u32>(tableP + slot, 4);
}
