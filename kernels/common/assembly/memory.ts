/**
 * @module What every kernel does with its linear memory the same way (shared/kernels/abi.ts):
 * grow it to hold a range, take the unit's input at a 16-aligned base (`input_alloc`, which
 * each kernel re-exports; `inPtr`/`inLen` say where it is), and write f64 output with
 * canonical NaNs so equal results hash equal. Imported by each kernel's assembly/index.ts;
 * compiled into each module.
 */

/** The bit pattern every NaN in a kernel output is normalised to (as CANONICAL_NAN_BITS in abi.ts). */
export const CANONICAL_NAN: u64 = 0x7ff8000000000000;
const PAGE_BYTES_LOG2: u64 = 16;
/** 2 GiB: every pointer and length then stays positive as the i32 JavaScript sees. */
export const MEMORY_PAGES_MAX: u64 = 32768;

/** Grows the memory so bytes [0, end) exist; false when wasm32 cannot hold them. */
export function ensureMemory(end: u64): bool {
  const pages = (end + 0xffff) >> PAGE_BYTES_LOG2;
  if (pages > MEMORY_PAGES_MAX) return false;
  const have = <u64>memory.size();
  return pages <= have || memory.grow(<i32>(pages - have)) >= 0;
}

/** Stores `v`, a NaN as the canonical one. */
@inline export function storeCanonical(ptr: usize, v: f64): void {
  store<u64>(ptr, v != v ? CANONICAL_NAN : reinterpret<u64>(v));
}

/** Where the unit's input bytes are, once `input_alloc` reserved them (0 before). */
export let inPtr: usize = 0;
export let inLen: usize = 0;

/** Reserves `len` input bytes (16-aligned after the static data) and returns where the caller must copy them (0 if too big). */
export function input_alloc(len: usize): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  if (!ensureMemory(<u64>base + <u64>len)) return 0;
  inPtr = base;
  inLen = len;
  return base;
}
