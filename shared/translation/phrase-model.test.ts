import { describe, expect, it } from 'vitest';
import { readCorpus } from './corpus.ts';
import { buildPhraseModel, PHRASE_TM_FEATURES } from './phrase-model.ts';
import { indexModel, sourceIds } from './phrase-units.ts';

function corpus() {
  const read = readCorpus({ tsv: 'la maison\tthe house\nla maison bleue\tthe blue house\n' }, 'fr', 'en');
  if (read.status !== 'ok') throw new Error(read.detail);
  return read.corpus;
}

/** Diagonal alignments except "maison bleue" ↔ "blue house", crossed: per target token its 1-based source position. */
const forward = [Uint16Array.of(1, 2), Uint16Array.of(1, 3, 2)];
const backward = [Uint16Array.of(1, 2), Uint16Array.of(1, 3, 2)];

describe('buildPhraseModel', () => {
  it('extracts phrase pairs from the symmetrised alignments, reordering included, with four log features', () => {
    const c = corpus();
    const model = buildPhraseModel(c, forward, backward, { maxPhraseLength: 3, lmOrder: 3, casedTargets: [['The', 'house']] });
    const ix = indexModel(model);
    const key = sourceIds(ix, ['maison', 'bleue']).join(',');
    const options = ix.table.get(key)!;
    expect(options.map((o) => o.tgt.map((id) => model.tgtVocab[id]).join(' '))).toEqual(['blue house']);
    // Seen once each way: φ(e|f) = φ(f|e) = 1, log 0.
    expect(options[0]!.scores).toHaveLength(PHRASE_TM_FEATURES);
    expect(options[0]!.scores[0]).toBe(0);
    expect(options[0]!.scores[2]).toBe(0);
    // "la" ↔ "the" in both pairs; "maison" ↔ "house" in both.
    expect(ix.table.get(sourceIds(ix, ['la']).join(','))!.map((o) => model.tgtVocab[o.tgt[0]!])).toEqual(['the']);
    // Distinct pairs, by hand: la–the, maison–house, la maison–the house (pair 1); bleue–blue,
    // maison bleue–blue house, la maison bleue–the blue house (pair 2; "la maison" is not
    // consistent there, its English words are not contiguous).
    expect(model.phraseCount).toBe(6);
  });

  it('adds the monolingual text to the LM, a word the corpus lacks as the passed-through id', () => {
    const c = corpus();
    const unknown = c.tgtVocab.length;
    const house = c.tgtVocab.indexOf('house');
    const without = indexModel(buildPhraseModel(c, forward, backward, { maxPhraseLength: 3, lmOrder: 2, casedTargets: [] }));
    const withText = indexModel(buildPhraseModel(c, forward, backward, { maxPhraseLength: 3, lmOrder: 2, casedTargets: [], monolingual: [[house, unknown]] }));
    const has = (ix: typeof without, ids: number[]) => ix.lm.some((e) => e.ids.join(',') === ids.join(','));
    expect(has(without, [house, unknown])).toBe(false);
    expect(has(withText, [house, unknown])).toBe(true);
    expect(has(withText, [unknown])).toBe(true);
  });
});
