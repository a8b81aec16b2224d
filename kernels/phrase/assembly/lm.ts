/**
 * @module The phrase kernel's language model: n-grams of two or more words in an
 * open-addressing hash table (linear probing; a slot holds the record index + 1 and the
 * record's hash), with a context record for every entry's prefix so state minimisation can
 * ask whether a sequence can still be extended; unigrams in arrays by id. lp and droppable
 * are the module comment's of index.ts, in the same order. Sequences are read from memory
 * as u32 words, oldest first.
 */
import { PHRASE_ERR_LM_DUPLICATE } from '../codes';
import { GRAM_CONTEXT, GRAM_ENTRY, GRAM_WORDS, Gram, f64At, gramAt, u32At } from './layout';
import { bowP, gramP, lCount, lmIdsP, logpP, maxId, maxLpP, order, slotMask, slotP, uniBowP, uniFlagsP, uniLpP, unk } from './unit';

/** The fold's starting value. */
export const HASH_SEED: u32 = 0x811c9dc5;
/** No word: the padding in front of a lower-order entry's ids. */
export const NONE: u32 = 0xffffffff;
/** The target ids of the sentence boundaries <s> and </s>: the LM's, never an option's. */
export const BOS_ID: u32 = 0;
export const EOS_ID: u32 = 1;

let records: u32 = 0;
/** Every entry's prefix and suffix is an entry (phraselm.ts's fast path). */
export let closed = false;
/** The largest backoff weight, at least 0. */
export let bowMax: f64 = 0;

@inline export function finite(v: f64): bool {
  return v - v == 0;
}

/** One round of the sequence hash. */
@inline export function mix(h: u32, id: u32): u32 {
  h = (h ^ id) * 0x9e3779b1;
  return h ^ (h >> 15);
}

/** The sequence hash's last round, over the fold and the length. */
@inline export function finish(h: u32, len: u32): u32 {
  h = (h ^ len) * 0x85ebca77;
  return h ^ (h >> 13);
}

/** The hash of the `len` words at `seq`, folded newest first (a scan growing a match backwards extends its fold by one round). */
@inline export function hashOf(seq: usize, len: u32): u32 {
  let h = HASH_SEED;
  for (let k = <i32>len - 1; k >= 0; k--) h = mix(h, u32At(seq, k));
  return finish(h, len);
}

/** The record (an address) of the `len` ≥ 2 words at `seq`, whose hash is `hash`; 0 when absent. */
@inline export function find(seq: usize, len: u32, hash: u32): usize {
  const slots = slotP, mask = slotMask, grams = gramP;
  let i = hash & mask;
  let slot = load<u64>(slots + (<usize>i << 3));
  while (slot != 0) {
    if (<u32>(slot >> 32) == hash) {
      const g = gramAt(grams, <u32>slot - 1);
      if (g.len == len) {
        const w = changetype<usize>(g) + GRAM_WORDS;
        let k: u32 = 0;
        while (k < len && u32At(w, k) == u32At(seq, k)) k++;
        if (k == len) return changetype<usize>(g);
      }
    }
    i = (i + 1) & mask;
    slot = load<u64>(slots + (<usize>i << 3));
  }
  return 0;
}

/** The record of the `len` words at `seq`, added (no flags, no values) when missing. */
function findOrAdd(seq: usize, len: u32): Gram {
  const hash = hashOf(seq, len);
  const found = find(seq, len, hash);
  if (found != 0) return changetype<Gram>(found);
  let i = hash & slotMask;
  while (load<u64>(slotP + (<usize>i << 3)) != 0) i = (i + 1) & slotMask;
  const r = records++;
  store<u64>(slotP + (<usize>i << 3), (<u64>hash << 32) | <u64>(r + 1));
  const g = gramAt(gramP, r);
  g.len = len;
  g.flags = 0;
  g.logp = 0;
  g.bow = 0;
  memory.copy(changetype<usize>(g) + GRAM_WORDS, seq, <usize>len << 2);
  return g;
}

/** Entry k's words (past its NONE padding) and how many. */
@inline function entryWords(k: u32): usize {
  const row = lmIdsP + ((<usize>k * <usize>order) << 2);
  let pad: u32 = 0;
  while (u32At(row, pad) == NONE) pad++;
  return row + (<usize>pad << 2);
}
@inline function entryLen(k: u32): u32 {
  const row = lmIdsP + ((<usize>k * <usize>order) << 2);
  let pad: u32 = 0;
  while (u32At(row, pad) == NONE) pad++;
  return order - pad;
}

/**
 * Adds the entries in order (PHRASE_ERR_LM_DUPLICATE when one repeats another's words), then
 * marks every entry's prefix as a context, then the bounds: maxLp per id and bowMax.
 */
export function buildLm(): i32 {
  const ids = <usize>maxId + 1;
  memory.fill(slotP, 0, (<usize>slotMask + 1) << 3);
  for (let w: usize = 0; w < ids; w++) store<f64>(uniLpP + (w << 3), unk);
  memory.fill(uniBowP, 0, ids << 3);
  memory.fill(uniFlagsP, 0, ids);
  records = 0;
  const L = lCount;
  for (let k: u32 = 0; k < L; k++) {
    const seq = entryWords(k), len = entryLen(k);
    const lp = f64At(logpP, k), bw = f64At(bowP, k);
    if (len == 1) {
      const w = <usize>load<u32>(seq);
      const f = load<u8>(uniFlagsP + w);
      if ((f & GRAM_ENTRY) != 0) return PHRASE_ERR_LM_DUPLICATE;
      store<u8>(uniFlagsP + w, f | <u8>GRAM_ENTRY);
      store<f64>(uniLpP + (w << 3), lp);
      store<f64>(uniBowP + (w << 3), bw);
      continue;
    }
    const g = findOrAdd(seq, len);
    if ((g.flags & GRAM_ENTRY) != 0) return PHRASE_ERR_LM_DUPLICATE;
    g.flags |= GRAM_ENTRY;
    g.logp = lp;
    g.bow = bw;
  }
  for (let k: u32 = 0; k < L; k++) {
    const seq = entryWords(k), len = entryLen(k);
    if (len == 2) {
      const w = <usize>load<u32>(seq);
      store<u8>(uniFlagsP + w, load<u8>(uniFlagsP + w) | <u8>GRAM_CONTEXT);
    } else if (len > 2) {
      const g = findOrAdd(seq, len - 1);
      g.flags |= GRAM_CONTEXT;
    }
  }
  closed = isClosed();
  memory.copy(maxLpP, uniLpP, ids << 3);
  let bm: f64 = 0;
  for (let k: u32 = 0; k < L; k++) {
    const seq = entryWords(k), len = entryLen(k);
    const at = maxLpP + (<usize>u32At(seq, len - 1) << 3);
    const lp = f64At(logpP, k), bw = f64At(bowP, k);
    if (lp > load<f64>(at)) store<f64>(at, lp);
    if (bw > bm) bm = bw;
  }
  bowMax = bm;
  return 0;
}

/** Whether every record is an entry (no prefix was missing) and every entry's suffix is one too. */
function isClosed(): bool {
  for (let r: u32 = 0; r < records; r++) if ((gramAt(gramP, r).flags & GRAM_ENTRY) == 0) return false;
  const L = lCount;
  for (let k: u32 = 0; k < L; k++) {
    const seq = entryWords(k), len = entryLen(k);
    if (len == 2 && (load<u8>(uniFlagsP + <usize>load<u32>(seq, 4)) & <u8>GRAM_ENTRY) == 0) return false;
    if (len > 2) {
      const g = find(seq + 4, len - 1, hashOf(seq + 4, len - 1));
      if (g == 0 || (changetype<Gram>(g).flags & GRAM_ENTRY) == 0) return false;
    }
  }
  return true;
}

/** The backoff weight of the `len` ≥ 1 words at `seq` as a context: 0 when no entry. */
@inline export function contextBow(seq: usize, len: u32): f64 {
  if (len == 1) return f64At(uniBowP, load<u32>(seq));
  const c = find(seq, len, hashOf(seq, len));
  return c != 0 ? changetype<Gram>(c).bow : 0;
}

/**
 * log p(w | the `ctx` words at `seq`), w being the word right after them (at seq + 4·ctx):
 * the longest context first; a context without the entry adds its backoff weight and drops its
 * oldest word; then the unigram (the unknown word's log p when none).
 */
export function lp(seq: usize, ctx: u32): f64 {
  let acc: f64 = 0;
  for (let j: u32 = 0; j < ctx; j++) {
    const at = seq + (<usize>j << 2);
    const len = ctx - j + 1;
    const e = find(at, len, hashOf(at, len));
    if (e != 0 && (changetype<Gram>(e).flags & GRAM_ENTRY) != 0) return acc + changetype<Gram>(e).logp;
    acc = acc + contextBow(at, len - 1);
  }
  return acc + f64At(uniLpP, u32At(seq, ctx));
}

/** Whether the state of `len` ≥ 1 words at `seq` may lose its oldest word: no entry extends it and its backoff weight is 0. */
export function droppable(seq: usize, len: u32): bool {
  if (len == 1) {
    const w = <usize>load<u32>(seq);
    return (load<u8>(uniFlagsP + w) & <u8>GRAM_CONTEXT) == 0 && f64At(uniBowP, w) == 0;
  }
  const c = find(seq, len, hashOf(seq, len));
  return c == 0 || ((changetype<Gram>(c).flags & GRAM_CONTEXT) == 0 && changetype<Gram>(c).bow == 0);
}

/** Where the minimised state of the `total` words at `hist` starts: the last N − 1, then the oldest dropped while droppable. */
export function minimise(hist: usize, total: u32): u32 {
  const keep = order - 1;
  let from: u32 = total > keep ? total - keep : 0;
  while (from < total && droppable(hist + (<usize>from << 2), total - from)) from++;
  return from;
}
