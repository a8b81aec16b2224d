/**
 * @module The decoding kernel's lookups, pure functions over linear memory (the caller passes
 * every address, so the hot loops keep them in locals): the LM's open-addressing table
 * (find), log p with backoff for a context whose weights are already known (lmIn,
 * contextBow, contextAll), and the 32-bit signatures of hypothesis states. The arithmetic is
 * the module comment's of index.ts, in the same order. LM entries are layout.ts's LmEntry; the
 * reserved word ids (NONE, <s>, </s>) live here too.
 */

import { LM_CONTEXT, LmEntry, f64At, lmEntryAt, u32At } from './layout';

/** No word (an option with fewer targets; a lower-order LM key). */
export const NONE: u32 = 0xffffffff;
/** The target ids of the sentence boundaries <s> and </s>: the LM's, never an option's. */
export const BOS: u32 = 0;
export const EOS: u32 = 1;

@inline export function finite(v: f64): bool {
  return v - v == 0;
}

@inline export function hash3(a: u32, b: u32, c: u32): u32 {
  let h = a * 0x9e3779b1;
  h = (h ^ b) * 0x85ebca77;
  h = (h ^ c) * 0xc2b2ae3d;
  return h ^ (h >> 16);
}

/** hash3's first two rounds: a context (a, b) computes them once for every word c. */
@inline export function hashAB(a: u32, b: u32): u32 {
  return ((a * 0x9e3779b1) ^ b) * 0x85ebca77;
}

/** find with the context hoisted: `hab` = hashAB(a, b), `ab` = a | b << 32. */
@inline export function findIn(tab: usize, mask: u32, lm: usize, hab: u32, ab: u64, c: u32): usize {
  let h = (hab ^ c) * 0xc2b2ae3d;
  let i = (h ^ (h >> 16)) & mask;
  let slot = u32At(tab, i);
  while (slot != 0) {
    const e = lmEntryAt(lm, slot - 1);
    if (load<u64>(changetype<usize>(e), LM_CONTEXT) == ab && e.w3 == c) return changetype<usize>(e);
    i = (i + 1) & mask;
    slot = u32At(tab, i);
  }
  return 0;
}

/**
 * lmIn with the context's hashes and keys hoisted (`habc`/`abc` for (a, b), `hbc`/`bc` for
 * (NONE, b)); `hasA` = a != NONE. The same lookups and additions in the same order.
 */
@inline export function lmCtx(tab: usize, mask: u32, base: usize, uniLp: usize, hasA: bool, habc: u32, abc: u64, hbc: u32, bc: u64, w: u32, boAB: f64, boAll: f64): f64 {
  let e = findIn(tab, mask, base, habc, abc, w);
  if (e != 0) return changetype<LmEntry>(e).logp;
  if (hasA) {
    e = findIn(tab, mask, base, hbc, bc, w);
    if (e != 0) return boAB + changetype<LmEntry>(e).logp;
  }
  return boAll + f64At(uniLp, w);
}

/** The LM entry with key (a, b, c), or 0 (a and b compared as one 64-bit word; init checked every pad is zero). */
@inline export function find(tab: usize, mask: u32, lm: usize, a: u32, b: u32, c: u32): usize {
  let i = hash3(a, b, c) & mask;
  const ab = <u64>a | (<u64>b << 32);
  // The first probe decides most lookups; the loop takes the collisions.
  let slot = u32At(tab, i);
  while (slot != 0) {
    const e = lmEntryAt(lm, slot - 1);
    if (load<u64>(changetype<usize>(e), LM_CONTEXT) == ab && e.w3 == c) return changetype<usize>(e);
    i = (i + 1) & mask;
    slot = u32At(tab, i);
  }
  return 0;
}

/**
 * log p(w | a b) with backoff (see the module comment); a may be NONE. `boAB` and `boAll` are
 * the context's backoff weights (see context()), so a hypothesis computes them once for all
 * its extensions; unigrams are read from arrays by id. The table comes in locals (globals are
 * memory reads). The same additions as the module comment, in the same order.
 */
@inline export function lmIn(tab: usize, mask: u32, base: usize, uniLp: usize, a: u32, b: u32, w: u32, boAB: f64, boAll: f64): f64 {
  let e = find(tab, mask, base, a, b, w);
  if (e != 0) return changetype<LmEntry>(e).logp;
  if (a != NONE) {
    e = find(tab, mask, base, NONE, b, w);
    if (e != 0) return boAB + changetype<LmEntry>(e).logp;
  }
  return boAll + f64At(uniLp, w);
}

/** bow(a b) if held (else 0), for a context (a, b); a may be NONE (then 0). */
@inline export function contextBow(tab: usize, mask: u32, base: usize, a: u32, b: u32): f64 {
  if (a == NONE) return 0;
  const c = find(tab, mask, base, NONE, a, b);
  return c != 0 ? changetype<LmEntry>(c).bow : 0;
}

/** boAB plus bow(b) when b has a unigram entry (the sum the module comment's backoff makes). */
@inline export function contextAll(uniHas: usize, uniBow: usize, boAB: f64, b: u32): f64 {
  return load<u8>(uniHas + <usize>b) != 0 ? boAB + load<f64>(uniBow + (<usize>b << 3)) : boAB;
}

/** A 32-bit signature of a hypothesis state: stacks scan these (4 bytes each) before comparing whole states. */
@inline export function signature(cov: u64, w1: u32, w2: u32, last: i32): u32 {
  let h = <u32>cov * 0x9e3779b1;
  h = (h ^ <u32>(cov >> 32)) * 0x85ebca77;
  h = (h ^ w1) * 0xc2b2ae3d;
  h = (h ^ w2) * 0x27d4eb2f;
  h = (h ^ <u32>last) * 0x165667b1;
  return h ^ (h >> 15);
}
