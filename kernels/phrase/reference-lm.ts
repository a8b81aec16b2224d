/**
 * @module The phrase kernel reference's language model: n-grams of two or more words in an
 * open-addressing hash table (with the "context" records every entry's prefix adds, so state
 * minimisation can ask whether a word sequence can still be extended), unigrams in arrays by
 * id. The lookups are assembly/lm.ts's, in the same order (assembly/index.ts's module comment
 * fixes them); the hash function is the kernel's too, though only the values it finds matter.
 */
import { PHRASE_NONE as NONE } from '../../shared/kernels/phrase.codec.ts';
import { PHRASE_ERR_LM_DUPLICATE, PHRASE_LM_ORDER_MAX } from '../../shared/kernels/phrase.codes.ts';

/** Record flags: an LM entry (its log p counts), a context (a longer entry starts with it). */
export const GRAM_ENTRY = 1;
export const GRAM_CONTEXT = 2;
/** The table's fewest slots; it doubles until it is at least twice the records it may hold. */
const GRAM_SLOTS_MIN = 16;
const W = PHRASE_LM_ORDER_MAX;

/** One mixing round of the sequence hash (ids folded newest first). */
export function mix(h: number, id: number): number {
  h = Math.imul(h ^ id, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The sequence hash's last round, over the folded ids and the length. */
export function finish(h: number, len: number): number {
  h = Math.imul(h ^ len, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** The fold's starting value. */
export const HASH_SEED = 0x811c9dc5;

/** The LM of one unit, built once by init. */
export class RefLm {
  readonly uniLp: Float64Array;
  readonly uniBow: Float64Array;
  /** Per id: GRAM_ENTRY when it has a unigram, GRAM_CONTEXT when a longer entry starts with it. */
  readonly uniFlags: Uint8Array;
  /** Per id, the highest log p any entry gives it (the unknown word's if it has no unigram). */
  readonly maxLp: Float64Array;
  /** The largest backoff weight, at least 0. */
  bowMax = 0;
  private readonly slots: Int32Array;
  private readonly slotHash: Uint32Array;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly lens: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly logp: Float64Array;
  private readonly bow: Float64Array;
  private records = 0;

  /** An empty model for `ids` target ids and at most `entries` entries. */
  constructor(ids: number, entries: number, readonly unk: number) {
    this.uniLp = new Float64Array(ids).fill(unk);
    this.uniBow = new Float64Array(ids);
    this.uniFlags = new Uint8Array(ids);
    this.maxLp = new Float64Array(ids);
    let cap = GRAM_SLOTS_MIN;
    while (cap < 4 * entries) cap *= 2;
    this.slots = new Int32Array(cap);
    this.slotHash = new Uint32Array(cap);
    this.mask = cap - 1;
    this.keys = new Uint32Array(W * 2 * entries);
    this.lens = new Uint8Array(2 * entries);
    this.flags = new Uint8Array(2 * entries);
    this.logp = new Float64Array(2 * entries);
    this.bow = new Float64Array(2 * entries);
  }

  /** The record of seq[from, to) (two or more words), or −1. */
  find(seq: ArrayLike<number>, from: number, to: number, hash: number): number {
    const len = to - from;
    let i = hash & this.mask;
    for (;;) {
      const r = this.slots[i]! - 1;
      if (r < 0) return -1;
      if (this.slotHash[i] === hash && this.lens[r] === len) {
        let k = 0;
        while (k < len && this.keys[W * r + k] === seq[from + k]) k++;
        if (k === len) return r;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The hash of seq[from, to). */
  static hashOf(seq: ArrayLike<number>, from: number, to: number): number {
    let h = HASH_SEED;
    for (let k = to - 1; k >= from; k--) h = mix(h, seq[k]!);
    return finish(h, to - from);
  }

  /** The record of seq[from, to), added (no flags, no values) when missing. */
  private findOrAdd(seq: ArrayLike<number>, from: number, to: number): number {
    const hash = RefLm.hashOf(seq, from, to);
    const found = this.find(seq, from, to, hash);
    if (found >= 0) return found;
    let i = hash & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    const r = this.records++;
    this.slots[i] = r + 1;
    this.slotHash[i] = hash;
    this.lens[r] = to - from;
    for (let k = from; k < to; k++) this.keys[W * r + k - from] = seq[k]!;
    return r;
  }

  /**
   * Adds the entries (each `ids` oldest first, with its log p and backoff weight), in order;
   * PHRASE_ERR_LM_DUPLICATE when one repeats another's words, else 0. Then marks every entry's
   * prefix as a context and fills the bounds.
   */
  build(entries: number, idsOf: (k: number) => number[], logpOf: (k: number) => number, bowOf: (k: number) => number): number {
    for (let k = 0; k < entries; k++) {
      const ids = idsOf(k);
      const lp = logpOf(k);
      const bw = bowOf(k);
      if (ids.length === 1) {
        const w = ids[0]!;
        if (this.uniFlags[w]! & GRAM_ENTRY) return PHRASE_ERR_LM_DUPLICATE;
        this.uniFlags[w]! |= GRAM_ENTRY;
        this.uniLp[w] = lp;
        this.uniBow[w] = bw;
        continue;
      }
      const r = this.findOrAdd(ids, 0, ids.length);
      if (this.flags[r]! & GRAM_ENTRY) return PHRASE_ERR_LM_DUPLICATE;
      this.flags[r]! |= GRAM_ENTRY;
      this.logp[r] = lp;
      this.bow[r] = bw;
    }
    for (let k = 0; k < entries; k++) {
      const ids = idsOf(k);
      if (ids.length === 2) this.uniFlags[ids[0]!]! |= GRAM_CONTEXT;
      else if (ids.length > 2) this.flags[this.findOrAdd(ids, 0, ids.length - 1)]! |= GRAM_CONTEXT;
    }
    this.maxLp.set(this.uniLp);
    for (let k = 0; k < entries; k++) {
      const ids = idsOf(k);
      const w = ids[ids.length - 1]!;
      if (logpOf(k) > this.maxLp[w]!) this.maxLp[w] = logpOf(k);
      if (bowOf(k) > this.bowMax) this.bowMax = bowOf(k);
    }
    return 0;
  }

  /**
   * log p(w | seq[from, to)) with backoff: the longest context first; each context without the
   * entry adds its backoff weight (0 if it is no entry) and drops its oldest word; at the end
   * the unigram, or the unknown word's log p. `acc` starts at 0 and the entry's log p is added last.
   */
  lp(seq: ArrayLike<number>, from: number, to: number, w: number, scratch: Uint32Array): number {
    let acc = 0;
    for (let j = from; j < to; j++) {
      const len = to - j;
      for (let k = 0; k < len; k++) scratch[k] = seq[j + k]!;
      scratch[len] = w;
      const e = this.find(scratch, 0, len + 1, RefLm.hashOf(scratch, 0, len + 1));
      if (e >= 0 && this.flags[e]! & GRAM_ENTRY) return acc + this.logp[e]!;
      acc = acc + this.contextBow(seq, j, to);
    }
    return acc + this.uniLp[w]!;
  }

  /** The backoff weight of seq[from, to) (one or more words) as a context: 0 when it is no entry. */
  contextBow(seq: ArrayLike<number>, from: number, to: number): number {
    if (to - from === 1) return this.uniBow[seq[from]!]!;
    const c = this.find(seq, from, to, RefLm.hashOf(seq, from, to));
    return c >= 0 ? this.bow[c]! : 0;
  }

  /** Whether dropping seq[from]'s word from the state seq[from, to) changes no probability: no entry extends it and its backoff weight is 0. */
  droppable(seq: ArrayLike<number>, from: number, to: number): boolean {
    if (to - from === 1) {
      const w = seq[from]!;
      return (this.uniFlags[w]! & GRAM_CONTEXT) === 0 && this.uniBow[w] === 0;
    }
    const c = this.find(seq, from, to, RefLm.hashOf(seq, from, to));
    return c < 0 || ((this.flags[c]! & GRAM_CONTEXT) === 0 && this.bow[c] === 0);
  }
}

/** The ids of LM entry k from the N-wide rows (NONE padding in front), or null when malformed. */
export function entryIds(u32: Uint32Array, at: number, N: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < N; i++) {
    const id = u32[at + i]!;
    if (id !== NONE || ids.length > 0) ids.push(id);
  }
  return ids;
}
