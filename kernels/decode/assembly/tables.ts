/**
 * @module What init() builds from a checked unit, in the work memory unit.ts placed: the LM's
 * hash table (each entry checked as it goes in), the unigrams by target id, the future cost
 * fw of each source type, and the bounds that let a full stack drop an extension before its
 * LM is looked up. The arithmetic is index.ts's module comment's, in the same order.
 */
import { DECODE_ERR_LM_DUPLICATE, DECODE_ERR_LM_ENTRY } from '../codes';
import { NONE, finite, hash3 } from './lookup';
import { lmEntryAt, optAt, optBoundAt, typeBoundAt, f64At, u32At } from './layout';
import { fwP, lCount, lmP, lmW, maxLpP, oCount, optP, optUbP, startsP, tabMask, tabP, typeUbP, uniBowP, uniHasP, uniLpP, unk, vCount, wp } from './unit';

/** λ ≥ 0 and every backoff weight ≤ 0: an extension's LM terms are bounded per option, so it can be judged before its LM is looked up. */
export let lmNonPositive = false;

/** Puts every LM entry in the table (linear probing); DECODE_ERR_LM_ENTRY for a malformed entry, DECODE_ERR_LM_DUPLICATE for a key held twice. */
export function buildLmTable(): i32 {
  // Fresh pages are zero; the table is the only region that must start empty.
  memory.fill(tabP, 0, (<usize>tabMask + 1) << 2);
  const entries = lCount;
  for (let k: u32 = 0; k < entries; k++) {
    const e = lmEntryAt(lmP, k);
    const a = e.w1;
    const b = e.w2;
    const c = e.w3;
    if (c == NONE || (a != NONE && b == NONE) || e.pad != 0) return DECODE_ERR_LM_ENTRY;
    if (!finite(e.logp) || !finite(e.bow)) return DECODE_ERR_LM_ENTRY;
    let i = hash3(a, b, c) & tabMask;
    while (true) {
      const slot = u32At(tabP, i);
      if (slot == 0) break;
      const f = lmEntryAt(lmP, slot - 1);
      if (f.w1 == a && f.w2 == b && f.w3 == c) return DECODE_ERR_LM_DUPLICATE;
      i = (i + 1) & tabMask;
    }
    store<u32>(tabP + (<usize>i << 2), k + 1);
  }
  return 0;
}

/** Unigrams by id: log p (the unknown word's where none is held), the backoff weight and whether one is held. */
export function buildUnigrams(ids: u64): void {
  for (let w: u64 = 0; w < ids; w++) store<f64>(uniLpP + (<usize>w << 3), unk);
  memory.fill(uniHasP, 0, <usize>ids);
  const entries = lCount;
  for (let k: u32 = 0; k < entries; k++) {
    const e = lmEntryAt(lmP, k);
    if (e.w1 != NONE || e.w2 != NONE) continue;
    const w = e.w3;
    store<f64>(uniLpP + (<usize>w << 3), e.logp);
    store<f64>(uniBowP + (<usize>w << 3), e.bow);
    store<u8>(uniHasP + <usize>w, 1);
  }
}

/** fw per source type: the best of its options scored with unigram LM terms (the optimistic cost of translating it later). */
export function buildFutureCosts(): void {
  for (let v: u32 = 0; v < vCount; v++) {
    const o0 = u32At(startsP, v);
    const o1 = u32At(startsP, v + 1);
    let best: f64 = 0;
    for (let o = o0; o < o1; o++) {
      const opt = optAt(optP, o);
      const t1 = opt.t1;
      const t2 = opt.t2;
      let e = opt.score;
      if (t1 != NONE) e = e + (lmW * f64At(uniLpP, t1) + wp);
      if (t2 != NONE) e = e + (lmW * f64At(uniLpP, t2) + wp);
      if (o == o0 || e > best) best = e;
    }
    store<f64>(fwP + (<usize>v << 3), best);
  }
}

/**
 * Whether extensions can be bounded (lmNonPositive), and the bounds: per option its OptBound,
 * per source type its TypeBound. Every backoff weight ≤ 0, so lm(·, ·, t) is at most the
 * highest log p any entry (or the unigram, or the unknown word) gives t.
 */
export function buildBounds(ids: u64): void {
  const entries = lCount;
  const options = oCount;
  let nonPositive = lmW >= 0;
  for (let k: u32 = 0; k < entries && nonPositive; k++) nonPositive = lmEntryAt(lmP, k).bow <= 0;
  lmNonPositive = nonPositive;
  for (let w: u64 = 0; w < ids; w++) store<f64>(maxLpP + (<usize>w << 3), f64At(uniLpP, <usize>w));
  for (let k: u32 = 0; k < entries; k++) {
    const e = lmEntryAt(lmP, k);
    const at = maxLpP + (<usize>e.w3 << 3);
    if (e.logp > load<f64>(at)) store<f64>(at, e.logp);
  }
  for (let o: u32 = 0; o < options; o++) {
    const opt = optAt(optP, o);
    const t1 = opt.t1;
    const t2 = opt.t2;
    const ub = optBoundAt(optUbP, o);
    ub.first = t1 != NONE ? lmW * f64At(maxLpP, t1) + wp : 0;
    ub.second = t2 != NONE ? lmW * f64At(maxLpP, t2) + wp : 0;
  }
  for (let v: u32 = 0; v < vCount; v++) buildTypeBound(v);
}

/** A bound for all of type v's options at once: each of its terms at its highest over them. */
@inline function buildTypeBound(v: u32): void {
  const o0 = u32At(startsP, v);
  const o1 = u32At(startsP, v + 1);
  let ms = optAt(optP, o0).score;
  let m1 = optBoundAt(optUbP, o0).first;
  let m2 = optBoundAt(optUbP, o0).second;
  for (let o = o0 + 1; o < o1; o++) {
    const sv = optAt(optP, o).score;
    const ub = optBoundAt(optUbP, o);
    const u1 = ub.first;
    const u2 = ub.second;
    if (sv > ms) ms = sv;
    if (u1 > m1) m1 = u1;
    if (u2 > m2) m2 = u2;
  }
  const t = typeBoundAt(typeUbP, v);
  t.score = ms;
  t.first = m1;
  t.second = m2;
}
