/**
 * @module A translation model built straight from a synthetic corpus's known lexicon (no
 * training): the vocabularies and target n-gram counts a training job would make (part A's
 * corpus reader and n-gram counter), with rows of t(tgt | src) that put the lexicon's words
 * first and some noise after them; for testing the decoder and the translate job apart from
 * training.
 */
import { IBM1_SHARD_PAIRS_MAX } from '../../shared/limits.ts';
import { readCorpus } from '../../shared/translation/corpus.ts';
import { prepareCorpus } from '../../shared/translation/em.ts';
import type { TranslationModel } from '../../shared/translation/model.ts';
import { countNgrams } from '../../shared/translation/train-result.ts';
import { toTsv, type SyntheticCorpus } from './synthetic.ts';

/** The model a perfect aligner would learn, roughly: the lexicon at 0.97 (split over two-word entries), 0.02 of noise. */
export function lexiconModel(corpus: SyntheticCorpus, srcLang = 'en', tgtLang = 'de'): TranslationModel {
  const read = readCorpus({ tsv: toTsv(corpus.pairs) }, srcLang, tgtLang);
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, IBM1_SHARD_PAIRS_MAX, true);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  const { srcVocab, tgtVocab } = read.corpus;
  const tgtId = new Map(tgtVocab.map((w, i) => [w, i]));
  const table = srcVocab.map((src, i) => {
    const words = i === 0 ? [] : (corpus.lexicon[src] ?? []);
    const noise = tgtVocab.slice(2).filter((w) => !words.includes(w)).slice(i % 7, (i % 7) + 2);
    const entries: [number, number][] = [
      ...words.map((w, k): [number, number] => [tgtId.get(w)!, (0.97 / words.length) * (k === 0 ? 1.02 : 0.98)]),
      ...noise.map((w, k): [number, number] => [tgtId.get(w)!, 0.012 - 0.004 * k]),
    ].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return { tgt: entries.map((e) => e[0]), p: entries.map((e) => e[1]) };
  });
  return { srcLang, tgtLang, srcVocab, tgtVocab, table, lm: countNgrams(prep) };
}

/** A document of held-out sentences: capitalised, "word word." spacing, `perParagraph` sentences a paragraph. */
export function documentOf(sentences: string[], perParagraph: number): string {
  const text = sentences.map((s) => s.replace(/ \.$/, '.').replace(/^\p{Ll}/u, (c) => c.toUpperCase()));
  const paragraphs: string[] = [];
  for (let i = 0; i < text.length; i += perParagraph) paragraphs.push(text.slice(i, i + perParagraph).join(' '));
  return paragraphs.join('\n\n');
}
