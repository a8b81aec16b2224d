/**
 * @module Phrase-pair counts in compact form: how often each phrase pair a corpus' symmetrised
 * alignments yield occurs (Koehn, Och & Marcu 2003 §3.1; Koehn 2010 §5.2.2), with its
 * alignments, mergeable over shards of the corpus. Extraction and scoring are in `phrases.ts`.
 *
 * Storage: each side's phrases are interned in a trie (a phrase's node is keyed by its prefix's
 * node and its last word, in `KeyIndex`), a pair is keyed by its two nodes, and its alignment
 * by a code, Σ 2^(7·s + t) over its links (s, t relative to the pair's start; s, t < 7), which
 * fits a double exactly. Counts are integers, so sums do not depend on the order of adds.
 *
 * Determinism: every output (`sortedPairs`, `toCounts`, and the scores built on them) is in
 * canonical order — by source ids, then target ids, lexicographically, a prefix first — so it
 * does not depend on the order shards were counted or merged, as long as PHRASE_PAIRS_MAX
 * (or a counter's smaller `pairsMax`) is not reached. Past it no new pair is counted
 * (`refused` says how many occurrences were lost); which pairs made it in then depends on the
 * order of adds. A pair's alignment is its most frequent one; ties go to the smaller code.
 */
import { IBM1_VOCAB_MAX } from '../limits.ts';
import { KeyIndex } from './em.ts';
import type { Link } from './symmetrize.ts';

/** Longest phrase, in words, on either side (Moses' default); also the alignment code's stride. */
export const PHRASE_LENGTH_MAX = 7;
/**
 * Distinct phrase pairs one counter holds: ~120 bytes each with the tries (measured), so
 * ~1 GB at the bound. A 29,000-pair corpus of ~13 words yields 1.2–3 million at maxLen 7
 * (measured on synthetic alignments: more unaligned words, more pairs); the bound leaves room
 * for a corpus a few times larger and refuses what would not fit an edge's memory.
 */
export const PHRASE_PAIRS_MAX = 8_000_000;
/** Trie nodes of one side: each counted pair adds at most PHRASE_LENGTH_MAX. Also the pair key's radix. */
const NODES_MAX = PHRASE_LENGTH_MAX * PHRASE_PAIRS_MAX;
/** Word ids are below this (the corpus' vocabulary bound); the trie key's radix. */
const WORD_IDS = IBM1_VOCAB_MAX;
/** Largest count one serialised entry carries (u32). */
const COUNT_MAX = 0xffffffff;
const TWO_32 = 2 ** 32;
/** 2^k for the bits of an alignment code. */
const POW2 = Float64Array.from({ length: PHRASE_LENGTH_MAX * PHRASE_LENGTH_MAX }, (_, k) => 2 ** k);

/** The result of counting: everything counted, or some occurrence refused at the counter's bound. */
export type PhraseAddStatus = 'counted' | 'pairs-max';

/**
 * The code of a phrase pair's internal alignment (links relative to the pair's start).
 * @throws RangeError when a link lies outside the n × m pair or n, m pass PHRASE_LENGTH_MAX.
 */
export function alignmentCode(links: readonly Link[], n: number, m: number): number {
  if (n > PHRASE_LENGTH_MAX || m > PHRASE_LENGTH_MAX) throw new RangeError(`phrases: a ${n} × ${m} pair passes PHRASE_LENGTH_MAX ${PHRASE_LENGTH_MAX}`);
  let lo = 0;
  let hi = 0;
  for (const [s, t] of links) {
    if (!(Number.isInteger(s) && Number.isInteger(t) && s >= 0 && s < n && t >= 0 && t < m)) throw new RangeError(`phrases: link (${s}, ${t}) outside a ${n} × ${m} pair`);
    const k = PHRASE_LENGTH_MAX * s + t;
    if (k < 32) lo |= 1 << k;
    else hi |= 1 << (k - 32);
  }
  return (hi >>> 0) * TWO_32 + (lo >>> 0);
}

/** The links of an alignment code, sorted by (source, target). */
export function alignmentLinks(code: number): Link[] {
  const lo = code % TWO_32;
  const hi = Math.floor(code / TWO_32);
  const out: Link[] = [];
  for (let k = 0; k < POW2.length; k++) {
    if ((k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1) === 1) out.push([Math.floor(k / PHRASE_LENGTH_MAX), k % PHRASE_LENGTH_MAX]);
  }
  return out;
}

/** A growable typed array. */
class TypedList<A extends Int32Array | Float64Array> {
  length = 0;
  constructor(public data: A) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => A)(2 * this.length);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}
const int32s = () => new TypedList(new Int32Array(1 << 16));
const float64s = () => new TypedList(new Float64Array(1 << 16));

/** The phrases of one side: node k is phrase `ids(parent[k])` followed by `word[k]`; root −1. */
class PhraseTrie {
  readonly index = new KeyIndex(1 << 16);
  readonly parent = int32s();
  readonly word = int32s();
  get size(): number {
    return this.parent.length;
  }
  /** The node of `parent` + `w`, created when `create`, else −1 if absent. */
  child(parent: number, w: number, create: boolean): number {
    const key = (parent + 1) * WORD_IDS + w;
    if (!create) return this.index.get(key);
    const k = this.index.add(key);
    if (k === this.parent.length) {
      this.parent.push(parent);
      this.word.push(w);
    }
    return k;
  }
  /** The node of a whole phrase (−1 when absent and not `create`). */
  phrase(ids: ArrayLike<number>, start: number, end: number, create: boolean): number {
    let node = -1;
    for (let i = start; i < end && (node >= 0 || i === start); i++) node = this.child(node, checkWord(ids[i]!), create);
    return node;
  }
  ids(node: number): number[] {
    const out: number[] = [];
    for (let k = node; k >= 0 && out.length < PHRASE_LENGTH_MAX; k = this.parent.data[k]!) out.push(this.word.data[k]!);
    return out.reverse();
  }
  /** Writes the words of `node`'s phrase to `out`; returns how many. */
  write(node: number, out: Int32Array): number {
    let n = 0;
    for (let k = node; k >= 0 && n < PHRASE_LENGTH_MAX; k = this.parent.data[k]!) n++;
    for (let k = node, i = n - 1; i >= 0; k = this.parent.data[k]!, i--) out[i] = this.word.data[k]!;
    return n;
  }
  /**
   * Rank of every node in lexicographic order of its phrase (a prefix first), and the node
   * of each rank: the nodes sorted by (parent, word) with two counting sorts, then walked in
   * preorder.
   */
  ranks(): { rank: Int32Array; nodeOf: Int32Array } {
    const n = this.size;
    const parent = this.parent.data;
    const word = this.word.data;
    const byWord = countingSort(n, WORD_IDS, (k) => word[k]!, null);
    const sorted = countingSort(n, n + 1, (k) => parent[k]! + 1, byWord);
    // Children of node p (root −1) at sorted[childStart[p + 1] … childEnd[p + 1]).
    const childStart = new Int32Array(n + 1).fill(n);
    const childEnd = new Int32Array(n + 1);
    for (let i = n - 1; i >= 0; i--) childStart[parent[sorted[i]!]! + 1] = i;
    for (let i = 0; i < n; i++) childEnd[parent[sorted[i]!]! + 1] = i + 1;
    // Preorder walk; the stack holds at most PHRASE_LENGTH_MAX + 1 frames.
    const rank = new Int32Array(n);
    const nodeOf = new Int32Array(n);
    const stackNode = new Int32Array(PHRASE_LENGTH_MAX + 2);
    const stackNext = new Int32Array(PHRASE_LENGTH_MAX + 2);
    let depth = 0;
    stackNode[0] = -1;
    stackNext[0] = childStart[0]!;
    let r = 0;
    while (depth >= 0) {
      const p = stackNode[depth]! + 1;
      const i = stackNext[depth]!;
      if (i >= childEnd[p]!) {
        depth--;
        continue;
      }
      stackNext[depth] = i + 1;
      const node = sorted[i]!;
      rank[node] = r;
      nodeOf[r++] = node;
      depth++;
      stackNode[depth] = node;
      stackNext[depth] = childStart[node + 1]!;
    }
    return { rank, nodeOf };
  }
}

/**
 * Indices 0 … n − 1 (or the permutation `order`) stably sorted by `key`, whose values are
 * in 0 … range − 1 (a counting sort).
 */
function countingSort(n: number, range: number, key: (k: number) => number, order: Int32Array | null): Int32Array {
  const start = new Int32Array(range + 1);
  for (let k = 0; k < n; k++) start[key(k) + 1]!++;
  for (let v = 0; v < range; v++) start[v + 1]! += start[v]!;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order ? order[i]! : i;
    out[start[key(k)]!++] = k;
  }
  return out;
}

/** A counter's pairs in canonical order (by source ids, then target ids), for scoring. */
export interface SortedPhrasePairs {
  length: number;
  /** The counter's own index of each pair. */
  pair: Int32Array;
  srcNode: Int32Array;
  tgtNode: Int32Array;
  count: Float64Array;
  /** The code of each pair's most frequent alignment. */
  align: Float64Array;
  srcNodes: number;
  tgtNodes: number;
  srcIds(node: number): number[];
  tgtIds(node: number): number[];
  /** The node of a source phrase, −1 when the counter has not seen it. */
  srcNodeOf(ids: readonly number[]): number;
}

/**
 * Counts of phrase pairs with their alignments, mergeable over shards: count each shard
 * (`countPhrases` in `phrases.ts`, or `add`), then `merge` the counters, or carry a shard's
 * counts as `toCounts()` and read them back with `PhraseCounter.fromCounts`.
 */
export class PhraseCounter {
  private readonly src = new PhraseTrie();
  private readonly tgt = new PhraseTrie();
  private readonly pairs = new KeyIndex(1 << 16);
  private readonly pairSrc = int32s();
  private readonly pairTgt = int32s();
  private readonly count = float64s();
  /** First alignment seen of each pair and its count; the others in `variants`. */
  private readonly align = float64s();
  private readonly alignCount = float64s();
  private readonly variants = new Map<number, Map<number, number>>();
  /** `sortedPairs()` until the next change. */
  private sorted: SortedPhrasePairs | undefined;
  private refusedCount = 0;

  /**
   * @param pairsMax distinct pairs this counter holds, at most PHRASE_PAIRS_MAX (less to
   *   bound a shard's output). @default PHRASE_PAIRS_MAX
   * @throws RangeError when pairsMax is not in 1 … PHRASE_PAIRS_MAX.
   */
  constructor(readonly pairsMax: number = PHRASE_PAIRS_MAX) {
    if (!(Number.isSafeInteger(pairsMax) && pairsMax >= 1 && pairsMax <= PHRASE_PAIRS_MAX)) throw new RangeError(`phrases: pairsMax ${pairsMax} is not in 1 … ${PHRASE_PAIRS_MAX}`);
  }

  /** Distinct pairs counted. */
  get size(): number {
    return this.pairSrc.length;
  }

  /** Occurrences (summed counts) not counted because `pairsMax` was reached, merged ones included. */
  get refused(): number {
    return this.refusedCount;
  }

  /**
   * Counts `count` occurrences of the pair (`src`, `tgt`) with internal alignment `align`
   * (links relative to the pair's start).
   * @throws RangeError on an empty or too long side, a bad id, link or count.
   */
  add(src: ArrayLike<number>, tgt: ArrayLike<number>, count: number, align: readonly Link[]): PhraseAddStatus {
    const n = src.length;
    const m = tgt.length;
    if (n < 1 || m < 1) throw new RangeError('phrases: a phrase pair needs words on both sides');
    checkCount(count);
    const code = alignmentCode(align, n, m);
    const create = this.size < this.pairsMax;
    return this.addCode(this.src.phrase(src, 0, n, create), this.tgt.phrase(tgt, 0, m, create), code, count);
  }

  /**
   * A function counting spans of one sentence pair once each (`extractSpans`' emit): the
   * fast path, each span's trie node looked up once. Spans are [start, end) of at most
   * `maxLen` words; the code is the pair's alignment (`alignmentCode`), trusted to lie
   * inside the pair.
   * @throws RangeError when maxLen is not in 1 … PHRASE_LENGTH_MAX; the function throws on a
   *   span outside the pair or a word id outside 0 … IBM1_VOCAB_MAX − 1.
   */
  sentence(src: ArrayLike<number>, tgt: ArrayLike<number>, maxLen: number): (srcStart: number, srcEnd: number, tgtStart: number, tgtEnd: number, code: number) => PhraseAddStatus {
    if (!(Number.isInteger(maxLen) && maxLen >= 1 && maxLen <= PHRASE_LENGTH_MAX)) throw new RangeError(`phrases: maxLen ${maxLen} is not in 1 … ${PHRASE_LENGTH_MAX}`);
    // Each span's node at start · maxLen + length − 1: −2 until looked up, −1 absent (the counter is full).
    const srcNode = new Int32Array(src.length * maxLen).fill(-2);
    const tgtNode = new Int32Array(tgt.length * maxLen).fill(-2);
    const node = (trie: PhraseTrie, ids: ArrayLike<number>, cache: Int32Array, start: number, end: number): number => {
      const at = start * maxLen + (end - start) - 1;
      if (cache[at] !== -2) return cache[at]!;
      const prefix = end - start === 1 ? -1 : node(trie, ids, cache, start, end - 1);
      const found = end - start > 1 && prefix < 0 ? -1 : trie.child(prefix, checkWord(ids[end - 1]!), this.size < this.pairsMax);
      cache[at] = found;
      return found;
    };
    return (fs, fe, ts, te, code) => {
      if (!(fs >= 0 && fe > fs && fe - fs <= maxLen && fe <= src.length && ts >= 0 && te > ts && te - ts <= maxLen && te <= tgt.length)) throw new RangeError(`phrases: span [${fs}, ${fe}) × [${ts}, ${te}) outside the pair or longer than ${maxLen}`);
      return this.addCode(node(this.src, src, srcNode, fs, fe), node(this.tgt, tgt, tgtNode, ts, te), code, 1);
    };
  }

  /** Adds another counter's counts (its refusals included). */
  merge(other: PhraseCounter): PhraseAddStatus {
    const mapSrc = new Int32Array(other.src.size).fill(-2);
    const mapTgt = new Int32Array(other.tgt.size).fill(-2);
    let status: PhraseAddStatus = other.refused > 0 ? 'pairs-max' : 'counted';
    this.refusedCount += other.refused;
    for (let k = 0; k < other.size; k++) {
      const create = this.size < this.pairsMax;
      const sn = mapNode(other.src, this.src, mapSrc, other.pairSrc.data[k]!, create);
      const tn = mapNode(other.tgt, this.tgt, mapTgt, other.pairTgt.data[k]!, create);
      for (const [code, c] of other.alignmentsOf(k)) if (this.addCode(sn, tn, code, c) === 'pairs-max') status = 'pairs-max';
    }
    return status;
  }

  /** Pair k's alignments with their counts, by ascending code. */
  private alignmentsOf(k: number): [code: number, count: number][] {
    const out: [number, number][] = [[this.align.data[k]!, this.alignCount.data[k]!]];
    const v = this.variants.get(k);
    if (!v) return out;
    for (const e of v) out.push(e);
    return out.sort((a, b) => a[0] - b[0]);
  }

  private addCode(sn: number, tn: number, code: number, count: number): PhraseAddStatus {
    checkCount(count);
    let k: number;
    if (sn < 0 || tn < 0) k = -1;
    else if (this.size < this.pairsMax) k = this.pairs.add(sn * NODES_MAX + tn);
    else k = this.pairs.get(sn * NODES_MAX + tn);
    if (k < 0) {
      this.refusedCount += count;
      return 'pairs-max';
    }
    this.sorted = undefined;
    if (k === this.size) {
      this.pairSrc.push(sn);
      this.pairTgt.push(tn);
      this.count.push(0);
      this.align.push(code);
      this.alignCount.push(0);
    }
    this.count.data[k]! += count;
    if (this.align.data[k] === code) this.alignCount.data[k]! += count;
    else {
      let v = this.variants.get(k);
      if (!v) this.variants.set(k, (v = new Map()));
      v.set(code, (v.get(code) ?? 0) + count);
    }
    return 'counted';
  }

  /**
   * The pairs in canonical order, with their most frequent alignment (ties: the smaller
   * code): two counting sorts, by target rank then by source rank. Kept until the next add.
   */
  sortedPairs(): SortedPhrasePairs {
    if (this.sorted) return this.sorted;
    const s = this.src.ranks().rank;
    const t = this.tgt.ranks().rank;
    const n = this.size;
    const pairSrc = this.pairSrc.data;
    const pairTgt = this.pairTgt.data;
    const byTgt = countingSort(n, this.tgt.size, (k) => t[pairTgt[k]!]!, null);
    const order = countingSort(n, this.src.size, (k) => s[pairSrc[k]!]!, byTgt);
    const out: SortedPhrasePairs = {
      length: n,
      pair: order,
      srcNode: new Int32Array(n),
      tgtNode: new Int32Array(n),
      count: new Float64Array(n),
      align: new Float64Array(n),
      srcNodes: this.src.size,
      tgtNodes: this.tgt.size,
      srcIds: (node) => this.src.ids(node),
      tgtIds: (node) => this.tgt.ids(node),
      srcNodeOf: (ids) => (ids.length === 0 ? -1 : this.src.phrase(ids, 0, ids.length, false)),
    };
    for (let i = 0; i < n; i++) {
      const k = order[i]!;
      out.srcNode[i] = pairSrc[k]!;
      out.tgtNode[i] = pairTgt[k]!;
      out.count[i] = this.count.data[k]!;
      let best = this.align.data[k]!;
      let bestCount = this.alignCount.data[k]!;
      for (const [code, c] of this.variants.get(k) ?? []) {
        if (c > bestCount || (c === bestCount && code < best)) {
          best = code;
          bestCount = c;
        }
      }
      out.align[i] = best;
    }
    this.sorted = out;
    return out;
  }

  /**
   * The counts in a canonical, serialisable form (u32 words): `[pairs, refused]`, then per
   * pair in canonical order `n, ...src, m, ...tgt, v`, then v alignments by ascending code,
   * each `count, code mod 2^32, ⌊code / 2^32⌋`. Equal counts give equal bytes.
   * @throws RangeError when a count passes 2^32 − 1.
   */
  toCounts(): Uint32Array {
    const v = this.sortedPairs();
    // u32 words stored through their i32 bit patterns, read back as a Uint32Array view.
    const out = int32s();
    const push = (w: number): void => {
      if (w > COUNT_MAX) throw new RangeError('phrases: a count passes 2^32 − 1');
      out.push(w | 0);
    };
    const words = new Int32Array(PHRASE_LENGTH_MAX);
    const phrase = (trie: PhraseTrie, node: number): void => {
      const len = trie.write(node, words);
      push(len);
      for (let i = 0; i < len; i++) push(words[i]!);
    };
    push(v.length);
    push(this.refused);
    for (let i = 0; i < v.length; i++) {
      phrase(this.src, v.srcNode[i]!);
      phrase(this.tgt, v.tgtNode[i]!);
      const al = this.alignmentsOf(v.pair[i]!);
      push(al.length);
      for (const [code, c] of al) {
        push(c);
        push(code % TWO_32);
        push(Math.floor(code / TWO_32));
      }
    }
    return new Uint32Array(out.data.buffer.slice(0, 4 * out.length));
  }

  /**
   * A counter (holding at most `pairsMax` pairs) from `toCounts()` words.
   * @throws RangeError when the words are malformed.
   */
  static fromCounts(words: Uint32Array, pairsMax: number = PHRASE_PAIRS_MAX): PhraseCounter {
    const c = new PhraseCounter(pairsMax);
    const bad = (why: string): never => {
      throw new RangeError(`phrases: malformed counts (${why})`);
    };
    if (words.length < 2) bad('no header');
    c.refusedCount = words[1]!;
    let at = 2;
    const side = (): [number, number] => {
      const len = words[at] ?? bad('truncated');
      if (len < 1 || len > PHRASE_LENGTH_MAX || at + 1 + len > words.length) bad(`a phrase of ${len} words`);
      at += 1 + len;
      return [at - len, len];
    };
    for (let p = 0; p < words[0]!; p++) {
      const [s0, n] = side();
      const [t0, m] = side();
      const create = c.size < c.pairsMax;
      const sn = c.src.phrase(words, s0, s0 + n, create);
      const tn = c.tgt.phrase(words, t0, t0 + m, create);
      const variants = words[at++] ?? bad('truncated');
      if (variants < 1 || at + 3 * variants > words.length) bad(`${variants} alignments`);
      for (let a = 0; a < variants; a++, at += 3) {
        const code = words[at + 2]! * TWO_32 + words[at + 1]!;
        if (code >= 2 * POW2[POW2.length - 1]!) bad('an alignment code past 2^49');
        if (alignmentCode(alignmentLinks(code), n, m) !== code) bad('an alignment code with a bit outside the pair');
        c.addCode(sn, tn, code, words[at]!);
      }
    }
    if (at !== words.length) bad('trailing words');
    return c;
  }
}

/** Refuses a count that is not a positive integer (sums of those do not depend on their order). */
function checkCount(count: number): void {
  if (!(Number.isSafeInteger(count) && count > 0)) throw new RangeError(`phrases: count ${count} is not a positive integer`);
}

/** `w` when it is a word id. */
function checkWord(w: number): number {
  if (!(Number.isInteger(w) && w >= 0 && w < WORD_IDS)) throw new RangeError(`phrases: word id ${w} is not in 0 … ${WORD_IDS - 1}`);
  return w;
}

/** The node in `to` of node `node` of `from` (memoised in `map`, −2 unknown; −1 absent). */
function mapNode(from: PhraseTrie, to: PhraseTrie, map: Int32Array, node: number, create: boolean): number {
  if (map[node] !== -2) return map[node]!; // an absent node stays absent: a full counter stays full
  const p = from.parent.data[node]!;
  const parent = p < 0 ? -1 : mapNode(from, to, map, p, create);
  const mapped = p >= 0 && parent < 0 ? -1 : to.child(parent, from.word.data[node]!, create);
  map[node] = mapped;
  return mapped;
}
