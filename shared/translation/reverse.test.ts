import { describe, expect, it } from 'vitest';
import { readCorpus } from './corpus.ts';
import { corpusHead, reverseCorpus } from './reverse.ts';

function corpus() {
  const read = readCorpus({ tsv: 'das haus\tthe house\nein buch\ta book\n' }, 'de', 'en');
  if (read.status !== 'ok') throw new Error(read.detail);
  return read.corpus;
}

const words = (vocab: string[], toks: Uint32Array, off: Uint32Array, p: number) => Array.from(toks.subarray(off[p], off[p + 1])).map((id) => vocab[id]);

describe('reverseCorpus', () => {
  it('swaps the sides, keeping NULL at source id 0 and <s>, </s> at target ids 0 and 1', () => {
    const c = corpus();
    const r = reverseCorpus(c);
    expect([r.srcLang, r.tgtLang]).toEqual(['en', 'de']);
    expect(r.srcVocab[0]).toBe('');
    expect(r.tgtVocab.slice(0, 2)).toEqual(['<s>', '</s>']);
    expect(words(r.srcVocab, r.srcTok, r.srcOff, 1)).toEqual(['a', 'book']);
    expect(words(r.tgtVocab, r.tgtTok, r.tgtOff, 0)).toEqual(['das', 'haus']);
    // Twice reversed is the corpus again.
    const rr = reverseCorpus(r);
    expect(rr.srcVocab).toEqual(c.srcVocab);
    expect(Array.from(rr.tgtTok)).toEqual(Array.from(c.tgtTok));
  });

  it('keeps the first pairs of a corpus', () => {
    const h = corpusHead(corpus(), 1);
    expect(h.pairs).toBe(1);
    expect(words(h.tgtVocab, h.tgtTok, h.tgtOff, 0)).toEqual(['the', 'house']);
    expect(h.tgtTok.length).toBe(2);
  });
});
