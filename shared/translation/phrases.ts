/**
 * @module The phrase table of a phrase-based model (Koehn, Och & Marcu 2003; Koehn 2010
 * ch. 5): phrase pairs extracted from symmetrised word alignments and counted (in a
 * `PhraseCounter`, `phrase-table.ts`), a lexical translation table from the same alignments,
 * and the four translation features of each pair: φ(e|f), lex(e|f), φ(f|e), lex(f|e),
 * natural logs, with f the source phrase and e the target phrase.
 *
 * - Extraction (Koehn 2010 fig. 5.5): every pair consistent with the alignment — no link
 *   leaves its box, at least one link inside — of at most `maxLen` words a side, with the
 *   unaligned source words at its edges added in every combination (unaligned target words
 *   at the edges come with the target spans, which are all tried).
 * - φ by relative frequency (Koehn 2010 eq. 5.4): φ(e|f) = c(f, e) / Σ_e' c(f, e'), over
 *   every pair counted (before `minCount` and the per-source pruning drop any).
 * - Lexical weights (Koehn, Och & Marcu 2003 eq. 4, as Moses computes them): with the pair's
 *   most frequent alignment a, lex(e|f) = Π_i 1/|{j : (i, j) ∈ a}| Σ_{(i,j) ∈ a} w(e_i | f_j),
 *   a target word without links taking w(e_i | NULL); lex(f|e) the same the other way.
 * - The word table w from link counts: every link counts once, an unaligned word counts once
 *   against NULL, and w(e|f) = c(f, e) / Σ_e' c(f, e'), NULL included among the e' (Moses'
 *   lex.e2f and lex.f2e).
 *
 * Pruning keeps, per source phrase, the `perSourceMax` best by φ(e|f); ties (which within one
 * source phrase are ties of count) go to the target ids in lexicographic order. Products and
 * sums are taken in position order; the logs are Math.log's (this runs on the edge only).
 */
import { IBM1_VOCAB_MAX } from '../limits.ts';
import { KeyIndex } from './em.ts';
import { alignmentLinks, PHRASE_LENGTH_MAX, type PhraseAddStatus, type PhraseCounter, type SortedPhrasePairs } from './phrase-table.ts';
import type { Link } from './symmetrize.ts';

export { alignmentCode, alignmentLinks, PHRASE_LENGTH_MAX, PHRASE_PAIRS_MAX, PhraseCounter, type PhraseAddStatus } from './phrase-table.ts';

/** Translations kept per source phrase unless told otherwise (Moses' `ttable-limit` default). */
export const PHRASE_TRANSLATIONS_PER_SOURCE_DEFAULT = 20;
/** The NULL word, on either side of the lexical table. */
export const LEX_NULL = -1;
const TWO_32 = 2 ** 32;
/** 2^(7·k): an alignment code (`alignmentCode`: bit 7·s + t) moved k source words right. */
const SHIFT_SRC = Float64Array.from({ length: PHRASE_LENGTH_MAX }, (_, k) => 2 ** (PHRASE_LENGTH_MAX * k));

/**
 * The consistent phrase pairs of one aligned sentence pair (Koehn 2010 fig. 5.5): for each
 * target span of at most `maxLen` words, the smallest source span covering its links; kept
 * when no link leaves the box and the source span has at most `maxLen` words; then widened
 * over unaligned source words on either side (target spans with unaligned words at their
 * edges come from the outer loop). Spans are [start, end), the code is the pair's alignment.
 * Emitted by target start, target end, source start descending, source end ascending.
 * @throws RangeError when maxLen is not in 1 … PHRASE_LENGTH_MAX or a link is out of range.
 */
export function extractSpans(
  srcLen: number,
  tgtLen: number,
  links: readonly Link[],
  maxLen: number,
  emit: (srcStart: number, srcEnd: number, tgtStart: number, tgtEnd: number, code: number) => void,
): void {
  if (!(Number.isInteger(maxLen) && maxLen >= 1 && maxLen <= PHRASE_LENGTH_MAX)) throw new RangeError(`phrases: maxLen ${maxLen} is not in 1 … ${PHRASE_LENGTH_MAX}`);
  // Per target word its lowest and highest source, per source word its lowest and highest target.
  const sLo = new Int32Array(tgtLen).fill(srcLen);
  const sHi = new Int32Array(tgtLen).fill(-1);
  const tLo = new Int32Array(srcLen).fill(tgtLen);
  const tHi = new Int32Array(srcLen).fill(-1);
  // Links grouped by target (counting sort): sources of target t at bySrc[first[t] … first[t+1]).
  const first = new Int32Array(tgtLen + 1);
  for (const [s, t] of links) {
    if (!(Number.isInteger(s) && Number.isInteger(t) && s >= 0 && s < srcLen && t >= 0 && t < tgtLen)) throw new RangeError(`phrases: link (${s}, ${t}) outside a ${srcLen} × ${tgtLen} pair`);
    sLo[t] = Math.min(sLo[t]!, s);
    sHi[t] = Math.max(sHi[t]!, s);
    tLo[s] = Math.min(tLo[s]!, t);
    tHi[s] = Math.max(tHi[s]!, t);
    first[t + 1]!++;
  }
  for (let t = 0; t < tgtLen; t++) first[t + 1]! += first[t]!;
  const bySrc = new Int32Array(links.length);
  const fill = first.slice(0, tgtLen);
  for (const [s, t] of links) bySrc[fill[t]!++] = s;

  for (let ts = 0; ts < tgtLen; ts++) {
    let fLo = srcLen;
    let fHi = -1;
    for (let te = ts + 1; te <= Math.min(tgtLen, ts + maxLen); te++) {
      if (sHi[te - 1]! >= 0) {
        fLo = Math.min(fLo, sLo[te - 1]!);
        fHi = Math.max(fHi, sHi[te - 1]!);
      }
      if (fHi < 0) continue; // no aligned target word yet
      if (fHi - fLo + 1 > maxLen) break; // the source span only grows with te
      let consistent = true;
      for (let s = fLo; s <= fHi && consistent; s++) consistent = tHi[s]! < 0 || (tLo[s]! >= ts && tHi[s]! < te);
      if (!consistent) continue;
      // The box's alignment code, relative to (fLo, ts); bits or'ed, so a repeated link counts once.
      let lo = 0;
      let hi = 0;
      for (let t = ts; t < te; t++) {
        for (let k = first[t]!; k < first[t + 1]!; k++) {
          const bit = PHRASE_LENGTH_MAX * (bySrc[k]! - fLo) + (t - ts);
          if (bit < 32) lo |= 1 << bit;
          else hi |= 1 << (bit - 32);
        }
      }
      const code = (hi >>> 0) * TWO_32 + (lo >>> 0);
      for (let fs = fLo; fs >= 0 && fHi - fs + 1 <= maxLen; fs--) {
        if (fs < fLo && tHi[fs]! >= 0) break;
        const shifted = code * SHIFT_SRC[fLo - fs]!;
        for (let fe = fHi + 1; fe <= srcLen && fe - fs <= maxLen; fe++) {
          if (fe > fHi + 1 && tHi[fe - 1]! >= 0) break;
          emit(fs, fe, ts, te, shifted);
        }
      }
    }
  }
}

/**
 * The consistent phrase pairs of one aligned sentence pair, at most `maxLen` words a side
 * (Koehn 2010 fig. 5.5, with the unaligned words at the source span's edges added in every
 * combination; see `extractSpans`). Spans are [start, end); `internal` holds the pair's links
 * relative to (srcStart, tgtStart), sorted, in a fresh array.
 * @throws RangeError when maxLen is not in 1 … PHRASE_LENGTH_MAX or a link is out of range.
 * @example extractPhrases(1, 1, [[0, 0]], 3, (s0, s1, t0, t1, a) => …) // once: 0, 1, 0, 1, [[0, 0]]
 */
export function extractPhrases(
  srcLen: number,
  tgtLen: number,
  links: readonly Link[],
  maxLen: number,
  emit: (srcStart: number, srcEnd: number, tgtStart: number, tgtEnd: number, internal: Link[]) => void,
): void {
  extractSpans(srcLen, tgtLen, links, maxLen, (s0, s1, t0, t1, code) => emit(s0, s1, t0, t1, alignmentLinks(code)));
}

/**
 * Extracts the phrase pairs of one aligned sentence pair and counts each occurrence once in
 * `counter` (the fast path of `extractPhrases` + `counter.add`).
 * @returns 'pairs-max' when some pair was refused at PHRASE_PAIRS_MAX.
 * @throws RangeError as `extractPhrases`, or on a word id outside 0 … IBM1_VOCAB_MAX − 1.
 */
export function countPhrases(counter: PhraseCounter, src: ArrayLike<number>, tgt: ArrayLike<number>, links: readonly Link[], maxLen: number): PhraseAddStatus {
  const count = counter.sentence(src, tgt, maxLen);
  let status: PhraseAddStatus = 'counted';
  extractSpans(src.length, tgt.length, links, maxLen, (fs, fe, ts, te, code) => {
    if (count(fs, fe, ts, te, code) === 'pairs-max') status = 'pairs-max';
  });
  return status;
}

/** The lexical translation table w (see the module comment); words unseen give 0. */
export interface LexicalTable {
  /** w(e | f): target word e given source word f (LEX_NULL for NULL). */
  tgtGivenSrc(f: number, e: number): number;
  /** w(f | e): source word f given target word e (LEX_NULL for NULL). */
  srcGivenTgt(e: number, f: number): number;
}

/**
 * The lexical table of a corpus from its symmetrised alignments (`links[p]` for the pair
 * `src[p]`, `tgt[p]`, as `symmetrize` returns them: no duplicates).
 * @throws RangeError on lists of different lengths, a link outside its pair or a word id
 *   outside 0 … IBM1_VOCAB_MAX − 1.
 */
export function lexicalTable(src: readonly ArrayLike<number>[], tgt: readonly ArrayLike<number>[], links: readonly (readonly Link[])[]): LexicalTable {
  if (tgt.length !== src.length || links.length !== src.length) throw new RangeError(`phrases: ${src.length} source sentences, ${tgt.length} target sentences, ${links.length} alignments`);
  // Ids shift by one so that NULL (−1) is 0; the key is (f + 1) · (IBM1_VOCAB_MAX + 1) + e + 1.
  const radix = IBM1_VOCAB_MAX + 1;
  const index = new KeyIndex(1 << 16);
  let counts = new Float64Array(1 << 16);
  const srcTotal = new Float64Array(radix);
  const tgtTotal = new Float64Array(radix);
  const count = (f: number, e: number): void => {
    const k = index.add((f + 1) * radix + e + 1);
    if (k === counts.length) {
      const grown = new Float64Array(2 * counts.length);
      grown.set(counts);
      counts = grown;
    }
    counts[k]!++;
    srcTotal[f + 1]!++;
    tgtTotal[e + 1]!++;
  };
  const word = (w: number): number => {
    if (!(Number.isInteger(w) && w >= 0 && w < IBM1_VOCAB_MAX)) throw new RangeError(`phrases: word id ${w} is not in 0 … ${IBM1_VOCAB_MAX - 1}`);
    return w;
  };
  for (let p = 0; p < src.length; p++) {
    const f = src[p]!;
    const e = tgt[p]!;
    const srcAligned = new Uint8Array(f.length);
    const tgtAligned = new Uint8Array(e.length);
    for (const [s, t] of links[p]!) {
      if (!(s >= 0 && s < f.length && t >= 0 && t < e.length)) throw new RangeError(`phrases: link (${s}, ${t}) outside pair ${p}`);
      srcAligned[s] = 1;
      tgtAligned[t] = 1;
      count(word(f[s]!), word(e[t]!));
    }
    for (let t = 0; t < e.length; t++) if (!tgtAligned[t]) count(LEX_NULL, word(e[t]!));
    for (let s = 0; s < f.length; s++) if (!srcAligned[s]) count(word(f[s]!), LEX_NULL);
  }
  const get = (f: number, e: number): number => {
    if (!(f >= LEX_NULL && f < IBM1_VOCAB_MAX && e >= LEX_NULL && e < IBM1_VOCAB_MAX)) return 0;
    const k = index.get((f + 1) * radix + e + 1);
    return k < 0 ? 0 : counts[k]!;
  };
  return {
    tgtGivenSrc: (f, e) => {
      const c = get(f, e);
      return c === 0 ? 0 : c / srcTotal[f + 1]!;
    },
    srcGivenTgt: (e, f) => {
      const c = get(f, e);
      return c === 0 ? 0 : c / tgtTotal[e + 1]!;
    },
  };
}

/** One scored phrase pair. */
export interface ScoredPhrase {
  src: number[];
  tgt: number[];
  /** φ(e|f), lex(e|f), φ(f|e), lex(f|e): natural logs (−Infinity for a word the lexical table lacks). */
  scores: [phiTgtGivenSrc: number, lexTgtGivenSrc: number, phiSrcGivenTgt: number, lexSrcGivenTgt: number];
  /** Occurrences counted. */
  count: number;
  /** The most frequent internal alignment (relative links, sorted). */
  align: Link[];
}

/** How to score and prune. */
export interface ScoreOptions {
  /** Translations kept per source phrase. @default PHRASE_TRANSLATIONS_PER_SOURCE_DEFAULT */
  perSourceMax?: number;
  /** Pairs counted fewer times are dropped (after the φ are computed). @default 1 */
  minCount?: number;
}

/**
 * lex(e|f) (`tgtSide`) or lex(f|e) of a pair: over the words of that side, the mean w of
 * their links, or w(· | NULL) for a word without links; multiplied in position order.
 */
function lexicalWeight(src: number[], tgt: number[], links: Link[], lex: LexicalTable, tgtSide: boolean): number {
  const [out, given, o] = tgtSide ? [tgt, src, 1] : [src, tgt, 0];
  let product = 1;
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    let n = 0;
    for (const link of links) {
      if (link[o] !== i) continue;
      const g = given[link[1 - o]!]!;
      sum += tgtSide ? lex.tgtGivenSrc(g, out[i]!) : lex.srcGivenTgt(g, out[i]!);
      n++;
    }
    product *= n > 0 ? sum / n : tgtSide ? lex.tgtGivenSrc(LEX_NULL, out[i]!) : lex.srcGivenTgt(LEX_NULL, out[i]!);
  }
  return Math.log(product);
}

/**
 * The scored phrase table, read-only: per source phrase (key: its ids joined by ','), its
 * kept translations, best first; iterated in canonical order (by source ids). Held in typed
 * arrays, with the counter's phrases: the lists are built when read (each read gives fresh
 * arrays), since a million of them held as objects kept the collector busy for seconds and
 * the heap ~0.5 GB larger.
 */
class ScoredTable implements ReadonlyMap<string, ScoredPhrase[]> {
  constructor(
    private readonly v: SortedPhrasePairs,
    /** Source node → its group, −1 for none kept. */
    private readonly groupOf: Int32Array,
    /** Group g's source node, and its kept pairs (indices into `v`) at kept[start[g] … start[g + 1]). */
    private readonly groupNode: Int32Array,
    private readonly start: Int32Array,
    private readonly kept: Int32Array,
    /** The four scores of kept[j] at 4·j. */
    private readonly scores: Float64Array,
  ) {}
  get size(): number {
    return this.groupNode.length;
  }
  private group(g: number): ScoredPhrase[] {
    const { v, kept, scores } = this;
    const src = v.srcIds(this.groupNode[g]!);
    const out: ScoredPhrase[] = [];
    for (let j = this.start[g]!; j < this.start[g + 1]!; j++) {
      const i = kept[j]!;
      out.push({
        src,
        tgt: v.tgtIds(v.tgtNode[i]!),
        scores: [scores[4 * j]!, scores[4 * j + 1]!, scores[4 * j + 2]!, scores[4 * j + 3]!],
        count: v.count[i]!,
        align: alignmentLinks(v.align[i]!),
      });
    }
    return out;
  }
  private groupOfKey(key: string): number {
    const parts = key.split(',');
    if (parts.length > PHRASE_LENGTH_MAX || !parts.every((w) => /^(0|[1-9][0-9]{0,5})$/.test(w) && Number(w) < IBM1_VOCAB_MAX)) return -1;
    const node = this.v.srcNodeOf(parts.map(Number));
    return node >= 0 && node < this.groupOf.length ? this.groupOf[node]! : -1;
  }
  get(key: string): ScoredPhrase[] | undefined {
    const g = this.groupOfKey(key);
    return g < 0 ? undefined : this.group(g);
  }
  has(key: string): boolean {
    return this.groupOfKey(key) >= 0;
  }
  *entries(): MapIterator<[string, ScoredPhrase[]]> {
    for (let g = 0; g < this.size; g++) yield [this.v.srcIds(this.groupNode[g]!).join(','), this.group(g)];
  }
  *keys(): MapIterator<string> {
    for (let g = 0; g < this.size; g++) yield this.v.srcIds(this.groupNode[g]!).join(',');
  }
  *values(): MapIterator<ScoredPhrase[]> {
    for (let g = 0; g < this.size; g++) yield this.group(g);
  }
  [Symbol.iterator](): MapIterator<[string, ScoredPhrase[]]> {
    return this.entries();
  }
  forEach(f: (value: ScoredPhrase[], key: string, map: ReadonlyMap<string, ScoredPhrase[]>) => void, thisArg?: unknown): void {
    for (const [k, list] of this.entries()) f.call(thisArg, list, k, this);
  }
  /** Each source phrase's ids and list, in canonical order. */
  forEachGroup(emit: (src: number[], scored: ScoredPhrase[]) => void): void {
    for (let g = 0; g < this.size; g++) {
      const list = this.group(g);
      emit(list[0]!.src, list);
    }
  }
}

/**
 * Scores a counter's phrase pairs and keeps, per source phrase, the best `perSourceMax`
 * (see the module comment). Keys are the source ids joined by ',', in canonical order; each
 * list is best first. The table holds on to the counter's phrases; counting more into the
 * counter afterwards does not change it.
 * @throws RangeError when perSourceMax or minCount is not a positive integer.
 */
export function scorePhrases(counter: PhraseCounter, lex: LexicalTable, opts: ScoreOptions = {}): ReadonlyMap<string, ScoredPhrase[]> {
  return scoreTable(counter, lex, opts);
}

/**
 * `scorePhrases`, handing each source phrase's ids and list (best first) to `emit` in
 * canonical order (by source ids), without the string keys.
 * @throws RangeError when perSourceMax or minCount is not a positive integer.
 */
export function forEachScoredPhrase(counter: PhraseCounter, lex: LexicalTable, opts: ScoreOptions, emit: (src: number[], scored: ScoredPhrase[]) => void): void {
  scoreTable(counter, lex, opts).forEachGroup(emit);
}

function scoreTable(counter: PhraseCounter, lex: LexicalTable, opts: ScoreOptions): ScoredTable {
  const perSourceMax = opts.perSourceMax ?? PHRASE_TRANSLATIONS_PER_SOURCE_DEFAULT;
  const minCount = opts.minCount ?? 1;
  for (const [name, x] of [['perSourceMax', perSourceMax], ['minCount', minCount]] as const) {
    if (!(Number.isSafeInteger(x) && x >= 1)) throw new RangeError(`phrases: ${name} ${x} is not a positive integer`);
  }
  const v = counter.sortedPairs();
  const srcTotal = new Float64Array(v.srcNodes);
  const tgtTotal = new Float64Array(v.tgtNodes);
  for (let i = 0; i < v.length; i++) {
    srcTotal[v.srcNode[i]!]! += v.count[i]!;
    tgtTotal[v.tgtNode[i]!]! += v.count[i]!;
  }
  const groupOf = new Int32Array(v.srcNodes).fill(-1);
  const groupNode: number[] = [];
  const start: number[] = [0];
  const kept = new Int32Array(v.length);
  const scores = new Float64Array(4 * v.length);
  let j = 0;
  // Pairs of one source phrase are contiguous, by target ids.
  for (let first = 0, end = 0; first < v.length; first = end) {
    const sn = v.srcNode[first]!;
    while (end < v.length && v.srcNode[end] === sn) end++;
    const group: number[] = [];
    for (let i = first; i < end; i++) if (v.count[i]! >= minCount) group.push(i);
    if (group.length === 0) continue;
    // A stable sort by count keeps the target-id order among ties.
    if (group.length > 1) group.sort((a, b) => v.count[b]! - v.count[a]!);
    const src = v.srcIds(sn);
    for (const i of group.slice(0, perSourceMax)) {
      const tgt = v.tgtIds(v.tgtNode[i]!);
      const links = alignmentLinks(v.align[i]!);
      const c = v.count[i]!;
      kept[j] = i;
      scores[4 * j] = Math.log(c / srcTotal[sn]!);
      scores[4 * j + 1] = lexicalWeight(src, tgt, links, lex, true);
      scores[4 * j + 2] = Math.log(c / tgtTotal[v.tgtNode[i]!]!);
      scores[4 * j + 3] = lexicalWeight(src, tgt, links, lex, false);
      j++;
    }
    groupOf[sn] = groupNode.length;
    groupNode.push(sn);
    start.push(j);
  }
  return new ScoredTable(v, groupOf, Int32Array.from(groupNode), Int32Array.from(start), kept.slice(0, j), scores.slice(0, 4 * j));
}
