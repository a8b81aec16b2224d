/**
 * @module A seeded synthetic parallel corpus for the translation tests and benches: two
 * made-up languages with a known lexicon and known word alignments, so trained alignments
 * (alignment error rate, Och & Ney 2003) and translations (BLEU against the grammar's own
 * translation) can be scored exactly.
 *
 * The grammar. Source (SOV, adjective after the noun, an object particle):
 *   [det] noun [adj]  [det] noun [adj] `wo`  verb [adv] .
 * Target (SVO, adjective before the noun):
 *   [det] [adj] noun  verb  [det] [adj] noun [adv] .
 * Some source nouns and verbs translate to two target words (one-to-many); the source
 * particle `wo` has no target word (aligned to nothing). The verb moves past the object
 * phrase (at most 4 positions) and adjectives swap with their noun: a small reordering
 * distance. Words are drawn with a Zipf-like skew so some are frequent and some rare.
 */

import { mulberry32 } from '../../shared/random.ts';

/** One sentence pair, as text (tokens separated by single spaces). */
export interface SyntheticPair {
  src: string;
  tgt: string;
}

/** Gold alignment links of one pair: `[srcPos, tgtPos]`, 0-based token positions, all sure. */
export type GoldAlignment = [number, number][];

/** A generated corpus: pairs, their gold alignments (same order), and the lexicon. */
export interface SyntheticCorpus {
  pairs: SyntheticPair[];
  alignments: GoldAlignment[];
  /** Source word → its target word(s), in target order (two for one-to-many words; `[]` for `wo`). */
  lexicon: Record<string, string[]>;
  /** `n` more pairs from the same grammar and lexicon, from a stream independent of `pairs` (the same `n` pairs on every call). */
  heldOut(n: number): { pairs: SyntheticPair[]; alignments: GoldAlignment[] };
}

/** Options of the generator. */
export interface SyntheticOptions {
  seed: number;
  pairs: number;
  /** Lexicon sizes; defaults: 60 nouns, 20 verbs, 20 adjectives, 6 adverbs. */
  nouns?: number;
  verbs?: number;
  adjectives?: number;
  adverbs?: number;
  /** Share of nouns and verbs that translate to two target words; default 0.15. */
  oneToManyShare?: number;
}

/** Bound on the attempts to draw a fresh word (the syllable space is far larger than any lexicon). */
const WORD_DRAW_ATTEMPTS_MAX = 10_000;

interface Entry {
  src: string;
  tgt: string[];
}

interface Lexicon {
  nouns: Entry[];
  verbs: Entry[];
  adjectives: Entry[];
  adverbs: Entry[];
  dets: Entry[];
  particle: Entry;
  stop: Entry;
}

type Rand = () => number;

function wordMaker(rand: Rand, onsets: string, vowels: string, codas: string, used: Set<string>) {
  return (syllablesMin: number, syllablesMax: number): string => {
    for (let attempt = 0; attempt < WORD_DRAW_ATTEMPTS_MAX; attempt++) {
      const n = syllablesMin + Math.floor(rand() * (syllablesMax - syllablesMin + 1));
      let w = '';
      for (let i = 0; i < n; i++) {
        w += onsets[Math.floor(rand() * onsets.length)]! + vowels[Math.floor(rand() * vowels.length)]!;
        if (codas !== '' && rand() < 0.4) w += codas[Math.floor(rand() * codas.length)]!;
      }
      if (!used.has(w)) {
        used.add(w);
        return w;
      }
    }
    throw new Error('synthetic: word space exhausted');
  };
}

function makeLexicon(rand: Rand, o: Required<Omit<SyntheticOptions, 'seed' | 'pairs'>>): Lexicon {
  const usedSrc = new Set<string>(['wo']);
  const usedTgt = new Set<string>();
  const srcWord = wordMaker(rand, 'klmnstrh', 'aiou', '', usedSrc);
  const tgtWord = wordMaker(rand, 'bdfgpvzj', 'aeoy', 'nrx', usedTgt);
  const entries = (count: number, multi: number): Entry[] =>
    Array.from({ length: count }, () => {
      const src = srcWord(2, 3);
      const two = rand() < multi;
      return { src, tgt: two ? [tgtWord(1, 2), tgtWord(1, 2)] : [tgtWord(1, 3)] };
    });
  return {
    nouns: entries(o.nouns, o.oneToManyShare),
    verbs: entries(o.verbs, o.oneToManyShare),
    adjectives: entries(o.adjectives, 0),
    adverbs: entries(o.adverbs, 0),
    dets: entries(3, 0),
    particle: { src: 'wo', tgt: [] },
    stop: { src: '.', tgt: ['.'] },
  };
}

/** A Zipf-like pick: index i with weight 1 / (i + 2). */
function zipf(rand: Rand, list: Entry[]): Entry {
  let total = 0;
  for (let i = 0; i < list.length; i++) total += 1 / (i + 2);
  let r = rand() * total;
  for (let i = 0; i < list.length; i++) {
    r -= 1 / (i + 2);
    if (r < 0) return list[i]!;
  }
  return list[list.length - 1]!;
}

interface Phrase {
  det?: Entry;
  noun: Entry;
  adj?: Entry;
}

function phrase(rand: Rand, lex: Lexicon): Phrase {
  return {
    det: rand() < 0.6 ? zipf(rand, lex.dets) : undefined,
    noun: zipf(rand, lex.nouns),
    adj: rand() < 0.35 ? zipf(rand, lex.adjectives) : undefined,
  };
}

function sentence(rand: Rand, lex: Lexicon): { pair: SyntheticPair; alignment: GoldAlignment } {
  const subj = phrase(rand, lex);
  const obj = phrase(rand, lex);
  const verb = zipf(rand, lex.verbs);
  const adv = rand() < 0.25 ? zipf(rand, lex.adverbs) : undefined;
  const present = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
  // The same Entry object may occur twice in one sentence (two phrases share a noun), so the
  // alignment follows occurrences, not words.
  const srcOrder = present([subj.det, subj.noun, subj.adj, obj.det, obj.noun, obj.adj, lex.particle, verb, adv, lex.stop]);
  const tgtOrder = present([subj.det, subj.adj, subj.noun, verb, obj.det, obj.adj, obj.noun, adv, lex.stop]);
  const srcTokens = srcOrder.map((e) => e.src);
  const srcIndex = new Map<Entry, number[]>();
  srcOrder.forEach((e, i) => srcIndex.set(e, [...(srcIndex.get(e) ?? []), i]));
  const tgtTokens: string[] = [];
  const alignment: GoldAlignment = [];
  const seen = new Map<Entry, number>();
  // Target occurrences of an entry map to its source occurrences in order (subject before object in both).
  for (const e of tgtOrder) {
    const k = seen.get(e) ?? 0;
    seen.set(e, k + 1);
    const s = srcIndex.get(e)![k]!;
    for (const w of e.tgt) {
      alignment.push([s, tgtTokens.length]);
      tgtTokens.push(w);
    }
  }
  alignment.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { pair: { src: srcTokens.join(' '), tgt: tgtTokens.join(' ') }, alignment };
}

function sentences(rand: Rand, lex: Lexicon, n: number): { pairs: SyntheticPair[]; alignments: GoldAlignment[] } {
  const pairs: SyntheticPair[] = [];
  const alignments: GoldAlignment[] = [];
  for (let i = 0; i < n; i++) {
    const s = sentence(rand, lex);
    pairs.push(s.pair);
    alignments.push(s.alignment);
  }
  return { pairs, alignments };
}

/**
 * Generates a corpus deterministically from `seed`.
 * @example const c = syntheticCorpus({ seed: 1, pairs: 2000 }); c.pairs[0].src; c.heldOut(100);
 */
export function syntheticCorpus(opts: SyntheticOptions): SyntheticCorpus {
  const o = { nouns: 60, verbs: 20, adjectives: 20, adverbs: 6, oneToManyShare: 0.15, ...opts };
  const lexRand = mulberry32(o.seed);
  const lex = makeLexicon(lexRand, o);
  const body = sentences(mulberry32((o.seed ^ 0x5eed1234) >>> 0), lex, o.pairs);
  const lexicon: Record<string, string[]> = {};
  for (const e of [...lex.nouns, ...lex.verbs, ...lex.adjectives, ...lex.adverbs, ...lex.dets, lex.particle, lex.stop]) {
    lexicon[e.src] = e.tgt;
  }
  return {
    ...body,
    lexicon,
    heldOut: (n: number) => sentences(mulberry32((o.seed ^ 0x0a1b2c3d) >>> 0), lex, n),
  };
}

/** The TSV of a corpus (source TAB target per line), as a training job takes it. */
export function toTsv(pairs: SyntheticPair[]): string {
  return pairs.map((p) => `${p.src}\t${p.tgt}`).join('\n') + '\n';
}
