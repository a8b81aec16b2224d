/**
 * @module Interpolated modified Kneser–Ney language model (Chen & Goodman 1998, §3.5 and
 * eq. 26 of §4.1.6), estimated as KenLM's `lmplz` does (Heafield et al. 2013), written in
 * backoff (ARPA) form for the decoder. Natural logs, binary64.
 *
 * Counts (`knCounts`) are raw counts of every n-gram of orders 1…N of the sentences wrapped
 * in `<s>` … `</s>`: raw counts add up, so counts of more text merge (`knMerge`), and the
 * plain arrays serialise as JSON. The estimate (`knBackoff`) then works per order k:
 * - adjusted counts a(g): raw counts at the highest order; at lower orders the continuation
 *   count N1+(• g), the number of distinct words seen just before g. An n-gram that no longer
 *   n-gram extends to the left keeps its raw count: in counted text those are exactly the
 *   n-grams starting with `<s>` (nothing stands before it), which lmplz's adjust_counts also
 *   leaves raw; so no seen n-gram gets an adjusted count of 0.
 * - discounts D1, D2, D3+ from the counts of adjusted counts n1…n4 of the order (eq. 26):
 *   Y = n1/(n1 + 2 n2), Dj = j − (j + 1) Y n(j+1)/nj. Fallback (tiny corpora): when n1, n2 or
 *   n3 is 0, or some Dj falls outside (0, j], the whole order uses KN_DISCOUNT_FALLBACK, the
 *   values of lmplz's `--discount_fallback` (lmplz refuses by default; it accepts Dj = 0, we
 *   do not, so every context keeps mass for the lower order and every log is finite).
 * - P(w | h) = (a(h w) − D(a(h w))) / Σx a(h x) + γ(h) P(w | h'), with
 *   γ(h) = (D1 N1(h •) + D2 N2(h •) + D3+ N3+(h •)) / Σx a(h x); the unigram level
 *   interpolates with the uniform distribution 1/vocabSize over every predictable id
 *   (`</s>` and the words, not `<s>`) plus `<unk>`, so P(<unk>) = γ(ε)/vocabSize.
 *   `<s>` is never predicted: it is left out of the unigram level's sums and counts of
 *   counts, and its unigram entry has log P = 0 (lmplz's probability 1 for `<s>`).
 * In backoff form a seen n-gram carries its interpolated P, and bow(h) = γ(h): for an unseen
 * h w, interpolated P(w | h) = γ(h) P(w | h') exactly. Entries come order by order, each
 * order sorted by ids; every operation runs in a fixed order, so the output is reproducible.
 */
import type { BackoffEntry, BackoffLm } from './lm.ts';
import { BOS_TGT_ID, EOS_TGT_ID, type NgramCounts } from './model.ts';

/** Highest order the estimator accepts. */
export const KN_ORDER_MAX = 5;
/** Order used when the caller has no reason to choose (4-grams, as lmplz users commonly do). */
export const KN_ORDER_DEFAULT = 4;
/**
 * N-gram types, all orders together, one KnCounts may hold: about 250 bytes each from counting
 * to querying (hash tables, the backoff entries, the query index), so some 500 MB at most;
 * 29,000 sentences of ~13 words give about 1 million at order 4.
 */
export const KN_NGRAMS_MAX = 2_000_000;
/** Word ids are below this: a (parent index, id) pair is packed into one safe integer key. */
export const KN_IDS_MAX = 2 ** 24;
/** D1, D2, D3+ used for an order whose discounts cannot be estimated (lmplz's `--discount_fallback`). */
export const KN_DISCOUNT_FALLBACK: readonly [number, number, number] = [0.5, 1, 1.5];
/** log P of `<s>`'s unigram entry: `<s>` is never predicted, scoring it costs nothing (as in lmplz). */
export const KN_BOS_LOGP = 0;

/** The options of an estimate (what a model document records beside the counts). */
export interface KnOptions {
  /** Highest n-gram order, 1 … KN_ORDER_MAX. @default KN_ORDER_DEFAULT */
  order: number;
}

/** The n-grams of one order as a sorted trie level: parallel arrays, one slot per n-gram. */
export interface KnLevel {
  /** Index of the n-gram without its last word in the level below (−1 for unigrams). */
  prefix: number[];
  /** Its last word id. */
  word: number[];
  /** Its raw count (≥ 1). */
  count: number[];
}

/** Raw counts of the n-grams of orders 1…order, `levels[k − 1]` the k-grams sorted by (prefix, word), i.e. by ids. */
export interface KnCounts {
  order: number;
  levels: KnLevel[];
}

/** A language model in backoff form with its order. */
export interface KnLm extends BackoffLm {
  order: number;
}

/** Thrown when counting would pass KN_NGRAMS_MAX n-gram types; nothing partial is returned. */
export class KnLimitError extends RangeError {
  override readonly name = 'KnLimitError';
  constructor(readonly limit: number) {
    super(`more than ${limit} distinct n-grams (KN_NGRAMS_MAX or a lower bound given): count a smaller corpus or a lower order`);
  }
}

/** Initial slots of one level's hash table (a power of two; it doubles at half load). */
const TABLE_SLOTS_MIN = 1024;

/** Slot hash of (parent index, word) for open addressing (multiplicative mixing, fixed). */
const slotHash = (p: number, w: number) => {
  const h = Math.imul(p ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(w + 0x7f4a7c15, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
};

/** One level of the unsorted trie: n-grams in arrival order, found by (parent, word) in a linear-probing table. */
class Level {
  prefix = new Int32Array(TABLE_SLOTS_MIN);
  word = new Int32Array(TABLE_SLOTS_MIN);
  count = new Float64Array(TABLE_SLOTS_MIN);
  size = 0;
  private slots = new Int32Array(2 * TABLE_SLOTS_MIN).fill(-1);

  /** Index of (p, w), or −1. */
  find(p: number, w: number): number {
    const mask = this.slots.length - 1;
    // Bounded: the table is at most half full, so a probe meets an empty slot.
    for (let s = slotHash(p, w) & mask; ; s = (s + 1) & mask) {
      const i = this.slots[s]!;
      if (i < 0 || (this.prefix[i] === p && this.word[i] === w)) return i;
    }
  }

  /** Appends (p, w), known to be absent, and returns its index. */
  insert(p: number, w: number): number {
    if (2 * (this.size + 1) > this.slots.length) this.grow();
    const i = this.size++;
    this.prefix[i] = p;
    this.word[i] = w;
    const mask = this.slots.length - 1;
    let s = slotHash(p, w) & mask;
    while (this.slots[s]! >= 0) s = (s + 1) & mask;
    this.slots[s] = i;
    return i;
  }

  private grow(): void {
    const cap = this.slots.length;
    const [prefix, word, count] = [new Int32Array(cap), new Int32Array(cap), new Float64Array(cap)];
    prefix.set(this.prefix.subarray(0, this.size));
    word.set(this.word.subarray(0, this.size));
    count.set(this.count.subarray(0, this.size));
    [this.prefix, this.word, this.count] = [prefix, word, count];
    this.slots = new Int32Array(2 * cap).fill(-1);
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      let s = slotHash(this.prefix[i]!, this.word[i]!) & mask;
      while (this.slots[s]! >= 0) s = (s + 1) & mask;
      this.slots[s] = i;
    }
  }
}

/** Collects n-grams into an unsorted trie, then sorts it (the canonical KnCounts). */
class TrieBuilder {
  private readonly levels: Level[];
  private total = 0;
  private readonly limit: number;

  constructor(
    readonly order: number,
    maxNgrams = KN_NGRAMS_MAX,
  ) {
    if (!Number.isInteger(order) || order < 1 || order > KN_ORDER_MAX) throw new RangeError(`order must be 1…${KN_ORDER_MAX}`);
    this.levels = Array.from({ length: order }, () => new Level());
    this.limit = Math.min(maxNgrams, KN_NGRAMS_MAX);
  }

  /** Index at level `l` of the n-gram (parent's words, w), created with count 0 if new. */
  node(l: number, parent: number, w: number): number {
    if (!Number.isInteger(w) || w < 0 || w >= KN_IDS_MAX) throw new RangeError(`word id ${w} is not an integer in 0…${KN_IDS_MAX - 1}`);
    const lv = this.levels[l]!;
    const i = lv.find(parent, w);
    if (i >= 0) return i;
    if (this.total >= this.limit) throw new KnLimitError(this.limit);
    this.total++;
    return lv.insert(parent, w);
  }

  add(l: number, i: number, c: number): void {
    this.levels[l]!.count[i]! += c;
  }

  /** The sorted counts: each level by (sorted rank of the prefix, word), i.e. by ids. */
  finish(): KnCounts {
    const levels: KnLevel[] = [];
    let rank = new Int32Array(0);
    let unrank = new Int32Array(0);
    for (const lv of this.levels) {
      const n = lv.size;
      // Keys (rank of prefix)·2^24 + word are unique, below 2^53, and sort natively.
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = (lv.prefix[i]! < 0 ? 0 : rank[lv.prefix[i]!]!) * KN_IDS_MAX + lv.word[i]!;
      keys.sort();
      const out: KnLevel = { prefix: new Array<number>(n), word: new Array<number>(n), count: new Array<number>(n) };
      const nextRank = new Int32Array(n);
      const nextUnrank = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const w = keys[r]! % KN_IDS_MAX;
        const pr = (keys[r]! - w) / KN_IDS_MAX;
        const i = lv.find(unrank.length === 0 ? -1 : unrank[pr]!, w);
        nextRank[i] = r;
        nextUnrank[r] = i;
        out.prefix[r] = unrank.length === 0 ? -1 : pr;
        out.word[r] = w;
        out.count[r] = lv.count[i]!;
      }
      levels.push(out);
      rank = nextRank;
      unrank = nextUnrank;
    }
    return { order: this.order, levels };
  }
}

/**
 * Raw counts of every n-gram of orders 1…`order` in `sentences` (target ids ≥ 2, without the
 * boundaries: each is wrapped in BOS_TGT_ID … EOS_TGT_ID here).
 * `maxNgrams` lowers the bound on n-gram types (never above KN_NGRAMS_MAX).
 * @throws KnLimitError past the bound; RangeError for a bad order or id.
 * @example const c = knCounts([[5, 7], [5]], 3);
 */
export function knCounts(sentences: Iterable<number[]>, order: number = KN_ORDER_DEFAULT, maxNgrams: number = KN_NGRAMS_MAX): KnCounts {
  const b = new TrieBuilder(order, maxNgrams);
  const seq: number[] = [];
  for (const s of sentences) {
    seq.length = 0;
    seq.push(BOS_TGT_ID);
    for (const w of s) {
      if (w === BOS_TGT_ID || w === EOS_TGT_ID) throw new RangeError('sentences are given without <s> and </s>');
      seq.push(w);
    }
    seq.push(EOS_TGT_ID);
    for (let i = 0; i < seq.length; i++) {
      let p = -1;
      for (let l = 0; l < order && i + l < seq.length; l++) {
        p = b.node(l, p, seq[i + l]!);
        b.add(l, p, 1);
      }
    }
  }
  return b.finish();
}

/** Adds the counts of `c` into `b`. */
function addInto(b: TrieBuilder, c: KnCounts): void {
  let map: number[] = [];
  c.levels.forEach((lv, l) => {
    const next = new Array<number>(lv.word.length);
    for (let j = 0; j < lv.word.length; j++) {
      next[j] = b.node(l, l === 0 ? -1 : map[lv.prefix[j]!]!, lv.word[j]!);
      b.add(l, next[j]!, lv.count[j]!);
    }
    map = next;
  });
}

/**
 * The counts of two texts together (the raw counts add up); both of the same order.
 * @throws KnLimitError past KN_NGRAMS_MAX n-gram types.
 */
export function knMerge(a: KnCounts, b: KnCounts): KnCounts {
  if (a.order !== b.order) throw new RangeError(`cannot merge counts of orders ${a.order} and ${b.order}`);
  const t = new TrieBuilder(a.order);
  addInto(t, a);
  addInto(t, b);
  return t.finish();
}

/** KnCounts from a trained model's n-gram counts (model.ts `NgramCounts`, e.g. `model.lm`). */
export function knCountsFromNgrams(counts: NgramCounts): KnCounts {
  const t = new TrieBuilder(counts.order);
  for (const e of counts.entries) {
    const n = e.length - 1;
    if (n < 1 || n > counts.order) throw new RangeError(`an n-gram of order ${n} in counts of order ${counts.order}`);
    let p = -1;
    for (let l = 0; l < n; l++) p = t.node(l, p, e[l]!);
    t.add(n - 1, p, e[n]!);
  }
  return t.finish();
}

/** What is wrong with counts read back from storage, or null when they are well formed. */
export function knCountsProblem(c: KnCounts): string | null {
  if (!Number.isInteger(c.order) || c.order < 1 || c.order > KN_ORDER_MAX) return `order must be 1…${KN_ORDER_MAX}`;
  if (!Array.isArray(c.levels) || c.levels.length !== c.order) return 'one level per order is needed';
  let total = 0;
  let below = 0;
  for (let l = 0; l < c.order; l++) {
    const { prefix, word, count } = c.levels[l]!;
    if (prefix.length !== word.length || count.length !== word.length) return `level ${l + 1}: arrays of different lengths`;
    total += word.length;
    if (total > KN_NGRAMS_MAX) return `more than ${KN_NGRAMS_MAX} n-grams`;
    for (let j = 0; j < word.length; j++) {
      const p = prefix[j]!;
      if (l === 0 ? p !== -1 : !Number.isInteger(p) || p < 0 || p >= below) return `level ${l + 1}: bad prefix at ${j}`;
      if (!Number.isInteger(word[j]) || word[j]! < 0 || word[j]! >= KN_IDS_MAX) return `level ${l + 1}: bad word at ${j}`;
      if (!Number.isInteger(count[j]) || count[j]! < 1) return `level ${l + 1}: counts must be positive integers`;
      if (j > 0 && (p < prefix[j - 1]! || (p === prefix[j - 1]! && word[j]! <= word[j - 1]!))) return `level ${l + 1}: not sorted`;
    }
    below = word.length;
  }
  return null;
}

/**
 * Modified Kneser–Ney discounts [D1, D2, D3+] from the counts of counts [n1, n2, n3, n4]
 * (Chen & Goodman eq. 26), or KN_DISCOUNT_FALLBACK when they cannot be estimated (module comment).
 * @example knDiscounts([10, 4, 2, 1]) // [5/9, 7/6, 17/9]
 */
export function knDiscounts(n: readonly number[]): [number, number, number] {
  const [n1 = 0, n2 = 0, n3 = 0, n4 = 0] = n;
  if (n1 === 0 || n2 === 0 || n3 === 0) return [...KN_DISCOUNT_FALLBACK];
  const y = n1 / (n1 + 2 * n2);
  const d: [number, number, number] = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  return d.every((x, j) => x > 0 && x <= j + 1) ? d : [...KN_DISCOUNT_FALLBACK];
}

/**
 * The modified Kneser–Ney model of `counts` in backoff form. `vocabSize` is the number of
 * target ids, `<s>` (id 0) included (`model.tgtVocab.length`): the uniform distribution is
 * over ids 1…vocabSize−1 and `<unk>`, so 1/vocabSize each.
 * @throws RangeError for malformed counts or an id ≥ vocabSize.
 * @example const lm = knBackoff(knCounts(sentences, 4), model.tgtVocab.length);
 */
export function knBackoff(counts: KnCounts, vocabSize: number): KnLm {
  const problem = knCountsProblem(counts);
  if (problem !== null) throw new RangeError(`bad KnCounts: ${problem}`);
  const N = counts.order;
  const L = counts.levels;
  for (const w of L[0]!.word) if (w >= vocabSize) throw new RangeError(`word id ${w} ≥ vocabSize ${vocabSize}`);
  // suffix[l][j]: index at level l−1 of the n-gram without its first word, found by binary
  // search among the children of its prefix's suffix (children of one prefix are contiguous).
  const suffix: Int32Array[] = [new Int32Array(L[0]!.word.length).fill(-1)];
  for (let l = 1; l < N; l++) {
    const { prefix, word } = L[l]!;
    const below = L[l - 1]!;
    const first = childStarts(l === 1 ? null : L[l - 2]!.word.length, below.prefix);
    const suf = new Int32Array(word.length);
    for (let j = 0; j < word.length; j++) {
      const sp = suffix[l - 1]![prefix[j]!]!;
      const s = l === 1 ? search(below.word, 0, below.word.length, word[j]!) : search(below.word, first[sp]!, first[sp + 1]!, word[j]!);
      if (s < 0) throw new RangeError(`bad KnCounts: an n-gram of order ${l + 1} without its suffix`);
      suf[j] = s;
    }
    suffix.push(suf);
  }
  // Adjusted counts (module comment): an n-gram starting with <s> never has a left extension,
  // so the one test "no left extension → raw count" gives lmplz's rule for them.
  const adj: Float64Array[] = L.map((lv) => Float64Array.from(lv.count));
  for (let l = 0; l < N - 1; l++) {
    const ext = new Float64Array(L[l]!.word.length);
    for (const s of suffix[l + 1]!) ext[s]!++;
    for (let j = 0; j < ext.length; j++) if (ext[j]! > 0) adj[l]![j] = ext[j]!;
  }
  const isBosUnigram = (l: number, j: number) => l === 0 && L[0]!.word[j] === BOS_TGT_ID;
  const prob: Float64Array[] = [];
  const gamma: Float64Array[] = L.map((lv) => new Float64Array(lv.word.length));
  let unk = 0;
  for (let l = 0; l < N; l++) {
    const { prefix } = L[l]!;
    const a = adj[l]!;
    const n = [0, 0, 0, 0];
    for (let j = 0; j < a.length; j++) if (!isBosUnigram(l, j) && a[j]! <= 4) n[a[j]! - 1]!++;
    const D = knDiscounts(n);
    const disc = (c: number) => D[Math.min(c, 3) - 1]!;
    const p = new Float64Array(a.length);
    // Contexts are runs of equal prefix (one run, the empty context, for unigrams).
    for (let start = 0; start < a.length; ) {
      let end = start;
      let sum = 0;
      let mass = 0;
      for (; end < a.length && prefix[end] === prefix[start]; end++) {
        if (isBosUnigram(l, end)) continue;
        sum += a[end]!;
        mass += disc(a[end]!);
      }
      const g = sum > 0 ? mass / sum : 1;
      if (l === 0) unk = g / vocabSize;
      else gamma[l - 1]![prefix[start]!] = g;
      for (let j = start; j < end; j++) {
        if (isBosUnigram(l, j)) continue;
        const lower = l === 0 ? 1 / vocabSize : prob[l - 1]![suffix[l]![j]!]!;
        p[j] = (a[j]! - disc(a[j]!)) / sum + g * lower;
      }
      start = end;
    }
    prob.push(p);
  }
  const entries: BackoffEntry[] = [];
  let ids: number[][] = [];
  for (let l = 0; l < N; l++) {
    const { prefix, word } = L[l]!;
    const next: number[][] = [];
    for (let j = 0; j < word.length; j++) {
      const e = new Array<number>(l + 1);
      if (l > 0) for (let d = 0; d < l; d++) e[d] = ids[prefix[j]!]![d]!;
      e[l] = word[j]!;
      next.push(e);
      const g = gamma[l]![j]!;
      entries.push({ ids: e, logp: isBosUnigram(l, j) ? KN_BOS_LOGP : Math.log(prob[l]![j]!), bow: g > 0 ? Math.log(g) : 0 });
    }
    ids = next;
  }
  return { order: N, entries, unkLogProb: Math.log(unk) };
}

/** For each of `parents` n-grams (null: the one empty context), where its children start in `prefix` (sorted), plus the end. */
function childStarts(parents: number | null, prefix: number[]): Int32Array {
  const n = parents ?? 0;
  const first = new Int32Array(n + 1);
  for (const p of prefix) if (p >= 0) first[p + 1]!++;
  for (let p = 0; p < n; p++) first[p + 1]! += first[p]!;
  return first;
}

/** Index of `w` in the sorted `words[lo, hi)`, or −1. */
function search(words: number[], lo: number, hi: number, w: number): number {
  const end = hi;
  // Bounded: the range halves each turn.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (words[mid]! < w) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && words[lo] === w ? lo : -1;
}

/** A model's entries as a trie: key (index of the entry without its last word + 1)·2^24 + word → entry index. */
const indexes = new WeakMap<BackoffLm, Map<number, number>>();

function indexOf(lm: BackoffLm): Map<number, number> {
  let m = indexes.get(lm);
  if (m === undefined) {
    m = new Map();
    for (let i = 0; i < lm.entries.length; i++) {
      const ids = lm.entries[i]!.ids;
      // An entry whose prefix is not stored (never in knBackoff's output) cannot be reached: skipped.
      const parent = ids.length === 1 ? -1 : find(m, ids, 0, ids.length - 1);
      if (ids.length === 1 || parent >= 0) m.set((parent + 1) * KN_IDS_MAX + ids[ids.length - 1]!, i);
    }
    indexes.set(lm, m);
  }
  return m;
}

/** Entry index of ids[from, to), or −1. */
function find(m: Map<number, number>, ids: number[], from: number, to: number): number {
  let i = -1;
  for (let k = from; k < to; k++) {
    // An id out of range would alias another key: it is simply not stored.
    if (!(ids[k]! >= 0 && ids[k]! < KN_IDS_MAX)) return -1;
    i = m.get((i + 1) * KN_IDS_MAX + ids[k]!) ?? -1;
    if (i < 0) return -1;
  }
  return i;
}

/**
 * log P(last id | the ids before it) in backoff form, as the decoder reads the model: the
 * longest stored n-gram ending in the word, plus the bows of the longer contexts passed over;
 * `<unk>`'s log P for a word no entry has. The context is cut to the model's order − 1 words.
 * @example knLogProb(lm, [BOS_TGT_ID, 5, 7]) // log P(7 | <s> 5)
 */
export function knLogProb(lm: KnLm, ids: number[]): number {
  if (ids.length === 0) throw new RangeError('knLogProb needs at least the word');
  const m = indexOf(lm);
  const from = Math.max(0, ids.length - lm.order);
  let acc = 0;
  for (let s = from; s < ids.length; s++) {
    const hit = find(m, ids, s, ids.length);
    if (hit >= 0) return acc + lm.entries[hit]!.logp;
    if (s < ids.length - 1) {
      const ctx = find(m, ids, s, ids.length - 1);
      if (ctx >= 0) acc += lm.entries[ctx]!.bow;
    }
  }
  return acc + lm.unkLogProb;
}
