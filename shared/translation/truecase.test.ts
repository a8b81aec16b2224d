/**
 * @module Truecasing on hand-made captions: proper nouns learnt from where their case means
 * something, sentence-initial capitals not learnt, ties, bounds, and the first word of each
 * sentence capitalised when applying.
 */
import { describe, expect, it } from 'vitest';
import { applyTruecase, isTruecaser, learnTruecaser, TRUECASE_FORMS_MAX } from './truecase.ts';

const CAPTIONS = [
  'A man in a blue shirt walks in Paris .',
  'Two dogs play near the Eiffel Tower in Paris .',
  'A woman reads a book .',
  'Paris is big . Then I run with the dogs .',
  '" The man from IBM " sits .',
  'Apple pie and an apple .',
].map((s) => s.split(' '));

describe('learnTruecaser', () => {
  it('learns forms from non-initial words only, and keeps only those that differ from lower case', () => {
    const tc = learnTruecaser(CAPTIONS);
    // Counted by hand: paris → Paris 2 (the sentence-initial one is not counted); eiffel, tower, ibm once;
    // i → I once (after ".", "Then" is initial, "I" is not); "a" is lower case mid-sentence (4 times),
    // the initial "A"s are not counted; "apple": Apple is initial, "apple" once → lower case.
    // "Two", "Then", "The" (after the quote) and "Apple" are only ever initial: not learnt.
    expect(tc.forms).toEqual([
      ['eiffel', 'Eiffel'],
      ['i', 'I'],
      ['ibm', 'IBM'],
      ['paris', 'Paris'],
      ['tower', 'Tower'],
    ]);
    expect(JSON.parse(JSON.stringify(tc))).toEqual(tc);
    expect(isTruecaser(JSON.parse(JSON.stringify(tc)))).toBe(true);
    expect(isTruecaser({ forms: [['a']] })).toBe(false);
    expect(isTruecaser(null)).toBe(false);
  });

  it('takes the most frequent form; a tie goes to lower case, then to the first in code-unit order', () => {
    const s = (t: string) => ['x', ...t.split(' ')];
    expect(learnTruecaser([s('Nice nice Nice')]).forms).toEqual([['nice', 'Nice']]);
    expect(learnTruecaser([s('Nice nice')]).forms).toEqual([]);
    // "NICE" < "Nice" in code units (N = N, I < i).
    expect(learnTruecaser([s('Nice NICE')]).forms).toEqual([['nice', 'NICE']]);
  });

  it('counts at most maxWords words and TRUECASE_FORMS_MAX forms per word, ignoring later newcomers', () => {
    expect(learnTruecaser([['x', 'Alpha', 'Beta', 'Gamma']], 2).forms).toEqual([['alpha', 'Alpha'], ['beta', 'Beta']]);
    // Eight forms of "abcd" once each (lower case among them, so it wins the tie); a ninth form
    // seen three times comes after the bound and is not counted …
    expect(TRUECASE_FORMS_MAX).toBe(8);
    const eight = ['abcd', 'abcD', 'abCd', 'abCD', 'aBcd', 'aBcD', 'aBCd', 'aBCD'];
    expect(learnTruecaser([['x', ...eight, 'ABCD', 'ABCD', 'ABCD']]).forms).toEqual([]);
    // … but seen first, it is one of the eight counted and wins.
    expect(learnTruecaser([['x', 'ABCD', 'ABCD', 'ABCD', ...eight]]).forms).toEqual([['abcd', 'ABCD']]);
  });
});

describe('applyTruecase', () => {
  const tc = learnTruecaser(CAPTIONS);

  it('restores learnt case, keeps "a" lower case mid-sentence, and capitalises the first word', () => {
    expect(applyTruecase(tc, ['a', 'man', 'in', 'paris', 'sees', 'a', 'dog', '.'])).toEqual(['A', 'man', 'in', 'Paris', 'sees', 'a', 'dog', '.']);
    expect(applyTruecase(tc, ['a', 'man', 'in', 'paris'], { capitaliseFirst: false })).toEqual(['a', 'man', 'in', 'Paris']);
    expect(applyTruecase(tc, ['paris', 'and', 'i', '.'])).toEqual(['Paris', 'and', 'I', '.']);
  });

  it('capitalises after sentence ends and leading punctuation, not after a colon', () => {
    expect(applyTruecase(tc, ['he', 'runs', '.', 'she', 'sits', '!'])).toEqual(['He', 'runs', '.', 'She', 'sits', '!']);
    expect(applyTruecase(tc, ['"', 'a', 'dog', '"'])).toEqual(['"', 'A', 'dog', '"']);
    expect(applyTruecase(tc, ['note', ':', 'two', 'dogs'])).toEqual(['Note', ':', 'two', 'dogs']);
    expect(applyTruecase(tc, ['3', 'dogs'])).toEqual(['3', 'dogs']);
    expect(applyTruecase(tc, ['élan'])).toEqual(['Élan']);
  });

  it('keeps tokens it does not know as they are, and a learnt capital inside a word', () => {
    expect(applyTruecase(tc, ['the', 'Zorglub', 'ran'])).toEqual(['The', 'Zorglub', 'ran']);
    const brand = learnTruecaser([['my', 'iPhone']]);
    expect(applyTruecase(brand, ['iphone', 'works'])).toEqual(['iPhone', 'works']);
  });
});
