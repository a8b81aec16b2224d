/**
 * @module BLEU against sacrebleu's documented example (its README: BLEU = 48.53
 * 82.4/50.0/45.5/37.5, BP = 0.943, hyp_len = 17, ref_len = 18) and hand-checked cases of the
 * tokenizer, clipping, brevity penalty and exp smoothing.
 */
import { describe, expect, it } from 'vitest';
import { bleuScoreFromStats, corpusBleu, sentenceBleuStats, tokenize13a } from './bleu.ts';

describe('tokenize13a', () => {
  it('splits punctuation as mteval-v13a does, keeping decimals, contractions and hyphenated words whole', () => {
    expect(tokenize13a("It wasn't surprising.")).toBe("It wasn't surprising .");
    expect(tokenize13a('Pay 3.50, or 1,000 (max)!')).toBe('Pay 3.50 , or 1,000 ( max ) !');
    expect(tokenize13a('a 1990-2000 b-c &amp; d')).toBe('a 1990 - 2000 b-c & d');
    expect(tokenize13a('  end.  ')).toBe('end .');
  });
});

describe('corpusBleu', () => {
  it("reproduces sacrebleu's README example: 48.53", () => {
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const refs = [
      ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
      ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
    ];
    const b = corpusBleu(sys, refs);
    expect(b.score.toFixed(2)).toBe('48.53');
    expect(b.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '50.0', '45.5', '37.5']);
    expect([b.sysLen, b.refLen, b.bp.toFixed(3)]).toEqual([17, 18, '0.943']);
  });

  it('is 100 for an exact match and clips repeated words by the reference count', () => {
    expect(corpusBleu(['a b c d e'], [['a b c d e']]).score).toBeCloseTo(100, 10);
    // "the the the the": one "the" in the reference, so 1/4 unigrams; no bigram matches.
    const b = corpusBleu(['the the the the'], [['the cat is here']]);
    expect(b.correct).toEqual([1, 0, 0, 0]);
    expect(b.total).toEqual([4, 3, 2, 1]);
  });

  it('smooths orders without matches as 1/(2^k·total), k counting such orders', () => {
    // Unigrams 2/4, bigrams 0/3 → 100/(2·3), trigrams 0/2 → 100/(4·2), 4-grams 0/1 → 100/(8·1); BP 1.
    const b = corpusBleu(['a x b y'], [['a z b w']]);
    expect(b.precisions).toEqual([50, 100 / 6, 100 / 8, 100 / 8]);
    const expected = Math.exp((Math.log(50) + Math.log(100 / 6) + Math.log(12.5) + Math.log(12.5)) / 4);
    expect(b.score).toBeCloseTo(expected, 12);
  });

  it('applies the brevity penalty with the closest reference length (ties: the shorter)', () => {
    // Hypothesis of 2 tokens; references of 3 and 1 tokens are equally close: the shorter (1) wins, BP 1.
    expect(corpusBleu(['a b'], [['a b c'], ['a']]).refLen).toBe(1);
    const b = corpusBleu(['a b'], [['a b c d']]);
    expect(b.bp).toBeCloseTo(Math.exp(1 - 4 / 2), 12);
    // A sentence shorter than 4 tokens has no 4-grams: the score is 0, as in sacrebleu.
    expect(corpusBleu(['a b c'], [['a b c']]).score).toBe(0);
    expect(corpusBleu([''], [['a']]).score).toBe(0);
  });
});

describe('sentenceBleuStats / bleuScoreFromStats', () => {
  it('counts one sentence: clipped matches, totals, its length and the closest reference length', () => {
    // "a b" against "a b c": unigrams a, b match (2/2), bigram "a b" matches (1/1); no 3- or 4-grams.
    expect(sentenceBleuStats('a b', ['a b c'])).toEqual({ correct: [2, 1, 0, 0], total: [2, 1, 0, 0], sysLen: 2, refLen: 3 });
    // "the the" against "the cat" and "the the the": clipped by the larger reference count (2); closest length 2.
    expect(sentenceBleuStats('the the', ['the cat', 'the the the'])).toEqual({ correct: [2, 1, 0, 0], total: [2, 1, 0, 0], sysLen: 2, refLen: 2 });
  });

  it("sums to corpusBleu's statistics and score on sacrebleu's README example", () => {
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const refs = [
      ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
      ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
    ];
    const sum = { correct: [0, 0, 0, 0], total: [0, 0, 0, 0], sysLen: 0, refLen: 0 };
    sys.forEach((h, i) => {
      const s = sentenceBleuStats(h, refs.map((r) => r[i]!));
      s.correct.forEach((c, n) => (sum.correct[n]! += c));
      s.total.forEach((t, n) => (sum.total[n]! += t));
      sum.sysLen += s.sysLen;
      sum.refLen += s.refLen;
    });
    // README: 82.4/50.0/45.5/37.5 of hyp_len 17 → 14/17, 7/14, 5/11, 3/8.
    expect(sum).toEqual({ correct: [14, 7, 5, 3], total: [17, 14, 11, 8], sysLen: 17, refLen: 18 });
    expect(bleuScoreFromStats(sum).score.toFixed(2)).toBe('48.53');
    expect(bleuScoreFromStats(sum)).toEqual(corpusBleu(sys, refs));
  });
});
