/**
 * @module A translation model built straight from a synthetic corpus's known lexicon (no
 * training): rows of t(tgt | src) with the lexicon's words most probable and some noise, and
 * target n-gram counts from the corpus; for testing the decoder and the translate job apart
 * from training.
 */
import { BOS_TGT_ID, EOS_TGT_ID, type TranslationModel } from '../../shared/translation/model.ts';
import type { SyntheticCorpus } from './synthetic.ts';

/** Counts of every 1–3-gram of the target sentences, each wrapped in `<s>` … `</s>`. */
export function ngramCounts(sentences: number[][]): number[][] {
  const counts = new Map<string, number>();
  for (const s of sentences) {
    const w = [BOS_TGT_ID, ...s, EOS_TGT_ID];
    for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= w.length; i++) {
      const k = w.slice(i, i + n).join(',');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return [...counts].map(([k, c]) => [...k.split(',').map(Number), c]).sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length) - 1; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
}

/** The model a perfect aligner would learn, roughly: the lexicon at 0.97 (split over two-word entries), 0.02 of noise. */
export function lexiconModel(corpus: SyntheticCorpus, srcLang = 'en', tgtLang = 'de'): TranslationModel {
  const srcVocab = ['', ...Object.keys(corpus.lexicon).sort()];
  const tgtSet = new Set<string>();
  for (const p of corpus.pairs) for (const w of p.tgt.split(' ')) tgtSet.add(w);
  const tgtVocab = ['<s>', '</s>', ...[...tgtSet].sort()];
  const tgtId = new Map(tgtVocab.map((w, i) => [w, i]));
  const table = srcVocab.map((src, i) => {
    const words = i === 0 ? [] : corpus.lexicon[src]!;
    const noise = tgtVocab.slice(2).filter((w) => !words.includes(w)).slice(i % 7, (i % 7) + 2);
    const entries: [number, number][] = [
      ...words.map((w, k): [number, number] => [tgtId.get(w)!, (0.97 / words.length) * (k === 0 ? 1.02 : 0.98)]),
      ...noise.map((w, k): [number, number] => [tgtId.get(w)!, 0.012 - 0.004 * k]),
    ].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return { tgt: entries.map((e) => e[0]), p: entries.map((e) => e[1]) };
  });
  const lm = { order: 3, entries: ngramCounts(corpus.pairs.map((p) => p.tgt.split(' ').map((w) => tgtId.get(w)!))) };
  return { srcLang, tgtLang, srcVocab, tgtVocab, table, lm };
}

/** A document of held-out sentences: capitalised, "word word." spacing, `perParagraph` sentences a paragraph. */
export function documentOf(sentences: string[], perParagraph: number): string {
  const text = sentences.map((s) => s.replace(/ \.$/, '.').replace(/^\p{Ll}/u, (c) => c.toUpperCase()));
  const paragraphs: string[] = [];
  for (let i = 0; i < text.length; i += perParagraph) paragraphs.push(text.slice(i, i + perParagraph).join(' '));
  return paragraphs.join('\n\n');
}
