/**
 * @module IBM Model 1 training on the edge's side (Brown et al. 1993; Koehn 2010, ch. 4.2):
 * the corpus cut into E-step shards once, each shard naming exactly the (source, target)
 * pairs that co-occur in it; the units of an iteration encoded from the current table; and
 * the M-step: expected counts summed over the shards in unit order, then normalised per
 * source word, t(f | e) = c(f | e) / Σ_f' c(f' | e). All in flat typed arrays: this runs
 * inside the transaction that validates an iteration's last unit.
 */
import { IBM1_LOCAL_TYPES_MAX, encodeIbm1Input, decodeIbm1Output, ibm1InputBytes } from '../kernels/ibm1.codec.ts';
import { IBM1_ITERATIONS_MAX, IBM1_LINKS_PER_POINT, IBM1_TABLE_ENTRIES_MAX, IBM1_UNIT_LINKS_MAX, UNIT_INPUT_BYTES_MAX } from '../limits.ts';
import type { ParallelCorpus } from './corpus.ts';
import { NULL_SRC_ID } from './model.ts';

/** Open-addressing map from integer keys (< 2^53) to dense ids 0, 1, 2 … in insertion order. */
export class KeyIndex {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;
  /**
   * The index again from its structured clone (a worker thread's prepared corpus, posted to
   * the edge's main thread, arrives as a plain object of the same fields).
   */
  static revive(clone: KeyIndex): KeyIndex {
    return Object.setPrototypeOf(clone, KeyIndex.prototype) as KeyIndex;
  }
  constructor(expected = 1024) {
    let cap = 16;
    while (cap < 2 * expected) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }
  private slot(key: number): number {
    const h = Math.imul((key % 0x80000000) ^ Math.floor(key / 0x80000000), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.mask;
  }
  /** The id of `key`, or -1. */
  get(key: number): number {
    for (let h = this.slot(key); ; h = (h + 1) & this.mask) {
      const k = this.keys[h]!;
      if (k === key) return this.vals[h]!;
      if (k === -1) return -1;
    }
  }
  /** The id of `key`, given the next id if it is new. */
  add(key: number): number {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    for (let h = this.slot(key); ; h = (h + 1) & this.mask) {
      const k = this.keys[h]!;
      if (k === key) return this.vals[h]!;
      if (k === -1) {
        this.keys[h] = key;
        this.vals[h] = this.size;
        return this.size++;
      }
    }
  }
  private grow(): void {
    const { keys, vals } = this;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.vals = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === -1) continue;
      for (let h = this.slot(keys[i]!); ; h = (h + 1) & this.mask) {
        if (this.keys[h] === -1) {
          this.keys[h] = keys[i]!;
          this.vals[h] = vals[i]!;
          break;
        }
      }
    }
  }
}

/** A growable u32 list. */
class U32List {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  take(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** One E-step shard: consecutive pairs in local ids, and its entries. */
export interface Shard {
  first: number;
  pairs: number;
  srcTypes: number;
  tgtTypes: number;
  /** Local entry → global entry of the table. */
  entryGlobal: Uint32Array;
  /** Local ids (u16, as the unit carries them). */
  entrySrc: Uint16Array;
  entryTgt: Uint16Array;
  lens: Uint16Array;
  tokens: Uint16Array;
  links: number;
}

/** A corpus cut into shards, with the table's entries (every co-occurring pair, global ids). */
export interface PreparedCorpus {
  corpus: ParallelCorpus;
  withNull: boolean;
  shards: Shard[];
  /** Global entry → source id, target id. */
  entrySrc: Uint32Array;
  entryTgt: Uint32Array;
  /** (src · |tgtVocab| + tgt) → global entry. */
  index: KeyIndex;
}

/** Bytes a unit may use for its carry (the log-likelihood history, one f64 per iteration). */
const CARRY_BYTES_MAX = 8 * IBM1_ITERATIONS_MAX;

/**
 * Cuts the corpus into shards of at most `shardPairs` pairs (fewer when a unit's input would
 * pass UNIT_INPUT_BYTES_MAX or its links IBM1_UNIT_LINKS_MAX), in corpus order.
 * @returns the prepared corpus, or a detail when the table would pass IBM1_TABLE_ENTRIES_MAX.
 */
export function prepareCorpus(corpus: ParallelCorpus, shardPairs: number, withNull: boolean): PreparedCorpus | { tooLarge: string } {
  const V = corpus.tgtVocab.length;
  const index = new KeyIndex(corpus.srcTok.length);
  const gSrc = new U32List();
  const gTgt = new U32List();
  // Which shard last listed each global entry (shard index + 1).
  let stampOf = new Int32Array(1024);
  const srcLocal = new Int32Array(corpus.srcVocab.length).fill(-1);
  const tgtLocal = new Int32Array(V).fill(-1);
  const shards: Shard[] = [];
  const budget = UNIT_INPUT_BYTES_MAX - CARRY_BYTES_MAX;
  let p = 0;
  while (p < corpus.pairs) {
    const s = shards.length;
    const srcSeen: number[] = [];
    const tgtSeen: number[] = [];
    const eGlobal = new U32List();
    const eSrc = new U32List();
    const eTgt = new U32List();
    const lens = new U32List();
    const tokens = new U32List();
    let links = 0;
    const first = p;
    if (withNull) {
      srcLocal[NULL_SRC_ID] = 0;
      srcSeen.push(NULL_SRC_ID);
    }
    for (; p < corpus.pairs && p - first < shardPairs; p++) {
      const s0 = corpus.srcOff[p]!;
      const l = corpus.srcOff[p + 1]! - s0;
      const t0 = corpus.tgtOff[p]!;
      const m = corpus.tgtOff[p + 1]! - t0;
      const pairLinks = m * (l + (withNull ? 1 : 0));
      const bytes = ibm1InputBytes(0, eGlobal.length + pairLinks, lens.length / 2 + 1, tokens.length + l + m);
      // Local ids are u16 in a unit: at most IBM1_LOCAL_TYPES_MAX types on each side.
      const types = Math.max(srcSeen.length + l + 1, tgtSeen.length + m);
      if (p > first && (bytes > budget || links + pairLinks > IBM1_UNIT_LINKS_MAX || types > IBM1_LOCAL_TYPES_MAX)) break;
      links += pairLinks;
      lens.push(l);
      lens.push(m);
      for (let i = 0; i < l; i++) {
        const w = corpus.srcTok[s0 + i]!;
        if (srcLocal[w] === -1) srcLocal[w] = srcSeen.push(w) - 1;
        tokens.push(srcLocal[w]!);
      }
      for (let j = 0; j < m; j++) {
        const f = corpus.tgtTok[t0 + j]!;
        if (tgtLocal[f] === -1) tgtLocal[f] = tgtSeen.push(f) - 1;
        tokens.push(tgtLocal[f]!);
        for (let i = withNull ? -1 : 0; i < l; i++) {
          const e = i < 0 ? NULL_SRC_ID : corpus.srcTok[s0 + i]!;
          const g = index.add(e * V + f);
          if (g === gSrc.length) {
            if (g >= IBM1_TABLE_ENTRIES_MAX) return { tooLarge: `the corpus has more than ${IBM1_TABLE_ENTRIES_MAX} co-occurring word pairs` };
            gSrc.push(e);
            gTgt.push(f);
          }
          if (g >= stampOf.length) {
            const grownStamp = new Int32Array(Math.max(2 * stampOf.length, g + 1));
            grownStamp.set(stampOf);
            stampOf = grownStamp;
          }
          if (stampOf[g] !== s + 1) {
            stampOf[g] = s + 1;
            eGlobal.push(g);
            eSrc.push(srcLocal[e]!);
            eTgt.push(tgtLocal[f]!);
          }
        }
      }
    }
    for (const w of srcSeen) srcLocal[w] = -1;
    for (const f of tgtSeen) tgtLocal[f] = -1;
    shards.push({
      first,
      pairs: p - first,
      srcTypes: srcSeen.length,
      tgtTypes: tgtSeen.length,
      entryGlobal: eGlobal.take(),
      entrySrc: Uint16Array.from(eSrc.take()),
      entryTgt: Uint16Array.from(eTgt.take()),
      lens: Uint16Array.from(lens.take()),
      tokens: Uint16Array.from(tokens.take()),
      links,
    });
  }
  return { corpus, withNull, shards, entrySrc: gSrc.take(), entryTgt: gTgt.take(), index };
}

/** The uniform start of EM: t(f | e) = 1 / (target words) for every entry. */
export function uniformTable(prep: PreparedCorpus): Float64Array {
  return new Float64Array(prep.entrySrc.length).fill(1 / (prep.corpus.tgtVocab.length - 2));
}

/** Points one unit of a shard costs, from its links. */
export function shardCostPoints(shard: Shard): number {
  return Math.max(1, Math.ceil(shard.links / IBM1_LINKS_PER_POINT));
}

/** The E-step units of one iteration: each shard with the current t of its entries, carrying `carry`. */
export function encodeIteration(prep: PreparedCorpus, t: Float64Array, carry: Float64Array): Uint8Array[] {
  return prep.shards.map((sh) => {
    const local = new Float64Array(sh.entryGlobal.length);
    for (let k = 0; k < local.length; k++) local[k] = t[sh.entryGlobal[k]!]!;
    return encodeIbm1Input({
      withNull: prep.withNull,
      srcTypes: sh.srcTypes,
      tgtTypes: sh.tgtTypes,
      carry,
      t: local,
      entrySrc: sh.entrySrc,
      entryTgt: sh.entryTgt,
      lens: sh.lens,
      tokens: sh.tokens,
    });
  });
}

/** An iteration's outputs summed: counts per global entry, the corpus log-likelihood, the carry. */
export interface IterationSum {
  counts: Float64Array;
  logLikelihood: number;
  carry: Float64Array;
}

/**
 * Sums the canonical outputs of one iteration (in unit order = shard order): counts in
 * that order per entry, log-likelihoods left to right from 0.
 * @throws RangeError when the outputs do not match the shards.
 */
export function sumIteration(prep: PreparedCorpus, outputs: Uint8Array[]): IterationSum {
  if (outputs.length !== prep.shards.length) throw new RangeError(`ibm1: ${outputs.length} outputs for ${prep.shards.length} shards`);
  const counts = new Float64Array(prep.entrySrc.length);
  let ll = 0;
  let carry = new Float64Array(0);
  outputs.forEach((bytes, u) => {
    const sh = prep.shards[u]!;
    const E = sh.entryGlobal.length;
    const out = decodeIbm1Output(bytes, bytes.byteLength / 8 - 2 - E, E);
    if (u === 0) carry = out.carry.slice();
    for (let k = 0; k < E; k++) {
      const g = sh.entryGlobal[k]!;
      counts[g] = counts[g]! + out.counts[k]!;
    }
    ll += out.logLikelihood;
  });
  return { counts, logLikelihood: ll, carry };
}

/** The M-step: t(f | e) = c(f | e) / Σ_f' c(f' | e), row totals summed in entry order. */
export function normalize(prep: PreparedCorpus, counts: Float64Array): Float64Array {
  const totals = new Float64Array(prep.corpus.srcVocab.length);
  for (let g = 0; g < counts.length; g++) {
    const e = prep.entrySrc[g]!;
    totals[e] = totals[e]! + counts[g]!;
  }
  const t = new Float64Array(counts.length);
  for (let g = 0; g < counts.length; g++) {
    const total = totals[prep.entrySrc[g]!]!;
    t[g] = total > 0 ? counts[g]! / total : 0;
  }
  return t;
}

/**
 * Viterbi alignment of pair `p` under table `t`: each target word to the source word with
 * the highest t(f | e) (ties: the first), or to nothing when NULL wins. `[srcPos, tgtPos]`.
 */
export function viterbiAlignment(prep: PreparedCorpus, t: Float64Array, p: number): [number, number][] {
  const { corpus, index } = prep;
  const V = corpus.tgtVocab.length;
  const s0 = corpus.srcOff[p]!;
  const l = corpus.srcOff[p + 1]! - s0;
  const t0 = corpus.tgtOff[p]!;
  const m = corpus.tgtOff[p + 1]! - t0;
  const links: [number, number][] = [];
  for (let j = 0; j < m; j++) {
    const f = corpus.tgtTok[t0 + j]!;
    let best = -1;
    let bestP = prep.withNull ? t[index.get(NULL_SRC_ID * V + f)]! : -1;
    for (let i = 0; i < l; i++) {
      const pr = t[index.get(corpus.srcTok[s0 + i]! * V + f)]!;
      if (pr > bestP) {
        bestP = pr;
        best = i;
      }
    }
    if (best >= 0) links.push([best, j]);
  }
  return links;
}
