/**
 * @module The phrase-based translation model (Koehn, Och & Marcu 2003; Koehn 2010 ch. 5) a
 * `phrase-train` job produces and a `translate` job decodes with: built on the edge from the
 * word alignments volunteers computed in both directions, symmetrised (grow-diag-final-and),
 * the phrase pairs extracted and scored both ways with lexical weights, a modified
 * Kneser–Ney language model of the target side, a truecaser, and the feature weights tuning
 * chose. It lives in the training job's result document, so it belongs to its customer.
 *
 * Feature order everywhere (unit headers, n-best lists, weights): the four translation
 * features φ(e|f), lex(e|f), φ(f|e), lex(f|e) (natural logs), the LM log probability, the
 * number of target words, the number of phrases, the total distortion.
 */
import { knBackoff, knCounts } from './kn.ts';
import type { ParallelCorpus } from './corpus.ts';
import { PhraseCounter, countPhrases, forEachScoredPhrase, lexicalTable } from './phrases.ts';
import { linksFromDirections, symmetrize } from './symmetrize.ts';
import { learnTruecaser, type Truecaser } from './truecase.ts';

/** Translation features per phrase pair. */
export const PHRASE_TM_FEATURES = 4;
/** All features of a translation: the translation features, LM, words, phrases, distortion. */
export const PHRASE_FEATURES = PHRASE_TM_FEATURES + 4;
/** Translations kept per source phrase (the best by φ(e|f)). */
export const PHRASE_OPTIONS_PER_SOURCE_MAX = 20;
/** Digits kept of each stored log probability: the model document stays a third smaller, the decoding does not change measurably. */
const STORED_SCALE = 1e6;

/**
 * Starting weights before tuning, in feature order: Moses' defaults (0.2 per translation
 * feature, 0.5 for the LM), a word bonus that offsets the LM's preference for short output,
 * no phrase penalty, and −0.3 per word of distortion (Koehn 2010 §5.3.3, §9.2).
 */
export const PHRASE_START_WEIGHTS: readonly number[] = [0.2, 0.2, 0.2, 0.2, 0.5, 0.5, 0, -0.3];

/** The model a `phrase-train` job's result carries under `model`. */
export interface PhraseModel {
  kind: 'phrase';
  srcLang: string;
  tgtLang: string;
  /** Source words by id; id 0 is NULL (''), never in a phrase. */
  srcVocab: string[];
  /** Target words by id; 0 and 1 are `<s>` and `</s>`. */
  tgtVocab: string[];
  /** Longest phrase (in words, either side). */
  maxPhraseLength: number;
  /**
   * The phrase table, flat (a model has up to a million pairs: one array of numbers parses
   * and sits in memory far smaller than an array per pair): per pair `n, ...src ids, m,
   * ...tgt ids, φ(e|f), lex(e|f), φ(f|e), lex(f|e)`, grouped by source phrase, best first.
   */
  phrases: number[];
  /** Phrase pairs in `phrases`. */
  phraseCount: number;
  /** Target LM in backoff form, flat: per n-gram `k, ...k ids, log p, log bow` (natural logs). */
  lm: { order: number; entries: number[]; entryCount: number; unkLogProb: number };
  /** Feature weights in feature order (see the module comment). */
  weights: number[];
  truecase: Truecaser;
}

/** What building a model needs besides the aligned corpus. */
export interface PhraseModelOptions {
  maxPhraseLength: number;
  lmOrder: number;
  /** Target sentences as written (tokens with their case), for the truecaser. */
  casedTargets: string[][];
  /**
   * More target-language sentences for the LM, as ids of the corpus' target vocabulary; a
   * word the corpus lacks is `tgtVocab.length`, the id a passed-through word decodes as, so
   * the LM learns where such words go.
   */
  monolingual?: number[][];
}

/** The least log probability stored: a lexical weight of a word pair the table lacks (log 0) becomes this, as Moses floors it. */
const LOG_FLOOR = -100;
const round = (x: number) => Math.round(x * STORED_SCALE) / STORED_SCALE;

/**
 * The phrase table, LM and truecaser from a corpus and its Viterbi alignments in both
 * directions (`forward[p]`: per target token of pair p its 1-based source position or 0;
 * `backward[p]`: per source token its 1-based target position or 0).
 */
export function buildPhraseModel(c: ParallelCorpus, forward: Uint16Array[], backward: Uint16Array[], opts: PhraseModelOptions): PhraseModel {
  const counter = new PhraseCounter();
  const sentencesSrc: number[][] = [];
  const sentencesTgt: number[][] = [];
  const aligned: [number, number][][] = [];
  for (let p = 0; p < c.pairs; p++) {
    const src = Array.from(c.srcTok.subarray(c.srcOff[p], c.srcOff[p + 1]));
    const tgt = Array.from(c.tgtTok.subarray(c.tgtOff[p], c.tgtOff[p + 1]));
    const dirs = linksFromDirections(forward[p]!, backward[p]!);
    const links = symmetrize(dirs.forward, dirs.backward, src.length, tgt.length, 'grow-diag-final-and');
    sentencesSrc.push(src);
    sentencesTgt.push(tgt);
    aligned.push(links);
    countPhrases(counter, src, tgt, links, opts.maxPhraseLength);
  }
  const lex = lexicalTable(sentencesSrc, sentencesTgt, aligned);
  const phrases: number[] = [];
  let phraseCount = 0;
  forEachScoredPhrase(counter, lex, { perSourceMax: PHRASE_OPTIONS_PER_SOURCE_MAX }, (_src, scored) => {
    for (const ph of scored) {
      phrases.push(ph.src.length, ...ph.src, ph.tgt.length, ...ph.tgt, ...ph.scores.map((x) => round(Math.max(LOG_FLOOR, x))));
      phraseCount++;
    }
  });
  const lmCounts = knCounts([...sentencesTgt, ...(opts.monolingual ?? [])], opts.lmOrder);
  const lm = knBackoff(lmCounts, c.tgtVocab.length + (opts.monolingual?.length ? 1 : 0));
  const lmEntries: number[] = [];
  for (const e of lm.entries) lmEntries.push(e.ids.length, ...e.ids, round(e.logp), round(e.bow));
  return {
    kind: 'phrase',
    srcLang: c.srcLang,
    tgtLang: c.tgtLang,
    srcVocab: c.srcVocab,
    tgtVocab: c.tgtVocab,
    maxPhraseLength: opts.maxPhraseLength,
    phrases,
    phraseCount,
    lm: { order: lm.order, entries: lmEntries, entryCount: lm.entries.length, unkLogProb: lm.unkLogProb },
    weights: [...PHRASE_START_WEIGHTS],
    truecase: learnTruecaser(opts.casedTargets),
  };
}
