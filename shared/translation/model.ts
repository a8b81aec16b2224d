/**
 * @module The trained translation model: what a finished word-alignment training job
 * (`ibm1-train`) produces and a translation job (`translate`) decodes with. It lives in the
 * training job's result document, so a model belongs to the customer who trained it.
 *
 * Direction: the model translates from the source language (`srcLang`, the corpus's first
 * column) into the target language (`tgtLang`). The table is IBM Model 1's t(tgt | src)
 * (Brown et al. 1993; Koehn 2010, ch. 4), with source id 0 the NULL word; the n-gram counts
 * are of the target side of the corpus, for the decoder's language model.
 */

/** Source id of the NULL word (aligned to target words that no source word explains). */
export const NULL_SRC_ID = 0;
/** Target ids reserved for the sentence boundaries the n-gram model counts. */
export const BOS_TGT_ID = 0;
export const EOS_TGT_ID = 1;

/** One pruned row of the translation table: t(tgt | src) for one source word. */
export interface TranslationRow {
  /** Target ids, by descending probability (ties: ascending id). */
  tgt: number[];
  /** t(tgt[i] | src), same order; sums to at most 1 (the pruned rest is dropped). */
  p: number[];
}

/** Counts of target n-grams (ids in `tgtVocab`, each sentence wrapped in BOS … EOS). */
export interface NgramCounts {
  /** Highest order counted (3: trigrams). */
  order: number;
  /** `[ids…, count]`, every order from 1 to `order`, ids.length being the order; sorted by ids. */
  entries: number[][];
}

/** The model a training job's result carries under `model`. */
export interface TranslationModel {
  srcLang: string;
  tgtLang: string;
  /** Source words by id; id 0 is NULL (the empty string). */
  srcVocab: string[];
  /** Target words by id; ids 0 and 1 are `<s>` and `</s>`. */
  tgtVocab: string[];
  /** `table[srcId]`: the pruned row of t(· | src). */
  table: TranslationRow[];
  lm: NgramCounts;
}
