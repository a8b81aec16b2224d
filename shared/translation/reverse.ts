/**
 * @module A parallel corpus with its sides swapped, for word alignment in the other
 * direction (target → source), which symmetrisation needs (Och & Ney 2003, §4.3; Koehn 2010
 * §4.5.3). The corpus conventions put NULL at source id 0 and `<s>`, `</s>` at target ids 0
 * and 1, so ids move: a target id k ≥ 2 becomes source id k − 1, a source id k ≥ 1 becomes
 * target id k + 1.
 */
import type { ParallelCorpus } from './corpus.ts';

/**
 * The corpus read the other way round (source ↔ target, ids moved as the module says).
 * @example reverseCorpus(c).srcVocab[1] === c.tgtVocab[2]
 */
export function reverseCorpus(c: ParallelCorpus): ParallelCorpus {
  const srcTok = new Uint32Array(c.tgtTok.length);
  for (let k = 0; k < srcTok.length; k++) srcTok[k] = c.tgtTok[k]! - 1;
  const tgtTok = new Uint32Array(c.srcTok.length);
  for (let k = 0; k < tgtTok.length; k++) tgtTok[k] = c.srcTok[k]! + 1;
  return {
    srcLang: c.tgtLang,
    tgtLang: c.srcLang,
    srcVocab: ['', ...c.tgtVocab.slice(2)],
    tgtVocab: ['<s>', '</s>', ...c.srcVocab.slice(1)],
    pairs: c.pairs,
    srcOff: c.tgtOff,
    srcTok,
    tgtOff: c.srcOff,
    tgtTok,
    skipped: c.skipped,
  };
}

/**
 * The first `keep` pairs of a corpus (vocabularies kept whole): the training part when the
 * last pairs are held out as a development set.
 */
export function corpusHead(c: ParallelCorpus, keep: number): ParallelCorpus {
  const n = Math.max(0, Math.min(keep, c.pairs));
  return {
    ...c,
    pairs: n,
    srcOff: c.srcOff.subarray(0, n + 1),
    srcTok: c.srcTok.subarray(0, c.srcOff[n]),
    tgtOff: c.tgtOff.subarray(0, n + 1),
    tgtTok: c.tgtTok.subarray(0, c.tgtOff[n]),
  };
}
