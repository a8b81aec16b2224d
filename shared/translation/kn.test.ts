/**
 * @module Modified Kneser–Ney against a toy corpus worked by hand (counts of counts,
 * discounts, probabilities at orders 1–3), the discount formula and its fallback, the
 * normalisation of every context, and the backoff form against a brute-force interpolated
 * reference written here from the definitions.
 */
import { describe, expect, it } from 'vitest';
import {
  KN_DISCOUNT_FALLBACK,
  KN_ORDER_MAX,
  KnLimitError,
  knBackoff,
  knCounts,
  knCountsFromNgrams,
  knCountsProblem,
  knDiscounts,
  knLogProb,
  knMerge,
  type KnLm,
} from './kn.ts';

/*
 * The toy corpus, order 3. Ids: <s> 0, </s> 1, a 2, b 3; vocabSize 4, so uniform = 1/4 over
 * </s>, a, b, <unk>.
 *   S1 <s> b b </s>   S2 <s> b </s>   S3 <s> a b </s>   S4 <s> a </s>
 * Trigrams (raw, all 1): <s>ab, <s>a</s>, <s>bb, <s>b</s>, ab</s>, bb</s>
 *   n1 = 6, n2 = 0 → fallback D1 = 1/2 (only D1 is used).
 * Bigrams, adjusted: <s>a 2, <s>b 2 (raw: they start with <s>); ab 1 {<s>}, a</s> 1 {<s>},
 *   bb 1 {<s>}, b</s> 3 {<s>, a, b}  →  n1 = 3, n2 = 2, n3 = 1, n4 = 0;
 *   Y = 3/7, D1 = 1 − 2·3/7·2/3 = 3/7, D2 = 2 − 3·3/7·1/2 = 19/14, D3+ = 3 − 0 = 3.
 * Unigrams (continuation counts, <s> left out): a 1 {<s>}, b 3 {<s>, a, b}, </s> 2 {a, b}
 *   → n1 = n2 = n3 = 1, n4 = 0; Y = 1/3, D1 = 1/3, D2 = 1, D3+ = 3.
 * Order 1: Σ = 6, γ(ε) = (1/3 + 1 + 3)/6 = 13/18;
 *   P(a) = (2/3)/6 + 13/18·1/4 = 21/72 = 7/24, P(b) = 0 + 13/72, P(</s>) = 1/6 + 13/72 = 25/72,
 *   P(<unk>) = 13/72 (sum 72/72).
 * Order 2: γ(<s>) = D2·2/4 = 19/28; P(a|<s>) = (2 − 19/14)/4 + 19/28·7/24 = 241/672,
 *   P(b|<s>) = 9/56 + 19/28·13/72 = 571/2016.
 *   γ(a) = D1·2/2 = 3/7; P(b|a) = (4/7)/2 + 3/7·13/72 = 61/168, P(</s>|a) = 2/7 + 3/7·25/72 = 73/168.
 *   γ(b) = (3/7 + 3)/4 = 6/7; P(b|b) = (4/7)/4 + 6/7·13/72 = 25/84, P(</s>|b) = 0 + 6/7·25/72 = 25/84.
 * Order 3: every seen context has only count-1 children, γ = 1/2;
 *   P(b|<s> a) = (1/2)/2 + 1/2·61/168 = 145/336, P(</s>|<s> a) = 1/4 + 73/336 = 157/336,
 *   P(b|<s> b) = 1/4 + 1/2·25/84 = 67/168, P(</s>|a b) = 1/2 + 1/2·25/84 = 109/168.
 * Unseen, by backoff: P(a|a) = γ(a)·P(a) = 3/7·7/24 = 1/8; P(a|b) = 6/7·7/24 = 1/4;
 *   P(a|a b) = γ(ab)·P(a|b) = 1/8; P(<unk>|<s> a) = 1/2·3/7·13/72 = 13/336.
 */
const [BOS, EOS, A, B] = [0, 1, 2, 3];
const TOY = [[B, B], [B], [A, B], [A]];
const lm = knBackoff(knCounts(TOY, 3), 4);
const P = (...ids: number[]) => Math.exp(knLogProb(lm, ids));
const UNK = 99;

describe('knBackoff on the hand-worked toy corpus', () => {
  it('gives the hand probabilities at orders 1–3', () => {
    const close = (x: number, y: number) => expect(Math.abs(x - y)).toBeLessThan(1e-12);
    close(P(A), 7 / 24);
    close(P(B), 13 / 72);
    close(P(EOS), 25 / 72);
    close(Math.exp(lm.unkLogProb), 13 / 72);
    close(P(BOS, A), 241 / 672);
    close(P(BOS, B), 571 / 2016);
    close(P(A, B), 61 / 168);
    close(P(A, EOS), 73 / 168);
    close(P(B, B), 25 / 84);
    close(P(B, EOS), 25 / 84);
    close(P(BOS, A, B), 145 / 336);
    close(P(BOS, A, EOS), 157 / 336);
    close(P(BOS, B, B), 67 / 168);
    close(P(A, B, EOS), 109 / 168);
  });

  it('stores the hand backoff weights and backs off for unseen n-grams', () => {
    const entry = (...ids: number[]) => lm.entries.find((e) => e.ids.join() === ids.join())!;
    expect(entry(BOS).bow).toBeCloseTo(Math.log(19 / 28), 12);
    expect(entry(A).bow).toBeCloseTo(Math.log(3 / 7), 12);
    expect(entry(B).bow).toBeCloseTo(Math.log(6 / 7), 12);
    expect(entry(EOS).bow).toBe(0);
    expect(entry(BOS, A).bow).toBeCloseTo(Math.log(1 / 2), 12);
    expect(entry(B, EOS).bow).toBe(0);
    expect(entry(BOS).logp).toBe(0);
    expect(P(A, A)).toBeCloseTo(1 / 8, 12);
    expect(P(B, A)).toBeCloseTo(1 / 4, 12);
    expect(P(A, B, A)).toBeCloseTo(1 / 8, 12);
    expect(P(BOS, A, UNK)).toBeCloseTo(13 / 336, 12);
    // An id beyond any stored one is <unk>, however large.
    expect(P(BOS, A, 2 ** 24 + B)).toBeCloseTo(13 / 336, 12);
    // A context never seen backs off for free: P(b | </s> a) = P(b | a).
    expect(P(EOS, A, B)).toBeCloseTo(61 / 168, 12);
    // Entries: order by order, sorted by ids.
    expect(lm.entries.slice(0, 4).map((e) => e.ids)).toEqual([[BOS], [EOS], [A], [B]]);
    expect(lm.entries.length).toBe(4 + 6 + 6);
  });

  it('sums to 1 over </s>, the words and <unk> in every context', () => {
    const contexts = [[], [BOS], [A], [B], [EOS], [BOS, A], [BOS, B], [A, B], [B, B], [B, A], [A, A, B], [EOS, EOS]];
    for (const h of contexts) {
      const sum = [EOS, A, B, UNK].reduce((s, w) => s + P(...h, w), 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('knDiscounts', () => {
  it("follows Chen & Goodman's eq. 26", () => {
    // Y = 10/18 = 5/9; D1 = 1 − 2·5/9·4/10 = 5/9; D2 = 2 − 3·5/9·2/4 = 7/6; D3+ = 3 − 4·5/9·1/2 = 17/9.
    const d = knDiscounts([10, 4, 2, 1]);
    [5 / 9, 7 / 6, 17 / 9].forEach((x, i) => expect(d[i]).toBeCloseTo(x, 14));
  });

  it('falls back for the whole order when a count of counts is 0 or a discount leaves (0, j]', () => {
    expect(knDiscounts([6, 0, 0, 0])).toEqual([...KN_DISCOUNT_FALLBACK]);
    expect(knDiscounts([3, 2, 0, 0])).toEqual([...KN_DISCOUNT_FALLBACK]);
    // Y = 10/12; D2 = 2 − 3·(5/6)·10/1 = −23: out of range.
    expect(knDiscounts([10, 1, 10, 0])).toEqual([...KN_DISCOUNT_FALLBACK]);
    // n4 = 0 is allowed (D3+ = 3), as lmplz allows it.
    [1 / 3, 1, 3].forEach((x, i) => expect(knDiscounts([1, 1, 1, 0])[i]).toBeCloseTo(x, 14));
  });
});

/** Interpolated modified KN straight from the definitions, over strings (test reference). */
function reference(sentences: number[][], order: number, V: number): (ids: number[]) => number {
  const raw = new Map<string, number>();
  for (const s of sentences) {
    const seq = [BOS, ...s, EOS];
    for (let i = 0; i < seq.length; i++) for (let n = 1; n <= order && i + n <= seq.length; n++) {
      const k = seq.slice(i, i + n).join(' ');
      raw.set(k, (raw.get(k) ?? 0) + 1);
    }
  }
  const grams = [...raw.keys()].map((k) => k.split(' ').map(Number));
  const adj = new Map<string, number>();
  for (const g of grams) {
    const k = g.join(' ');
    const left = new Set(grams.filter((x) => x.length === g.length + 1 && x.slice(1).join(' ') === k).map((x) => x[0]));
    adj.set(k, g.length === order || g[0] === BOS ? raw.get(k)! : left.size);
  }
  const D = Array.from({ length: order }, (_, l) => {
    const n = [1, 2, 3, 4].map((c) => grams.filter((g) => g.length === l + 1 && g.join(' ') !== '0' && adj.get(g.join(' ')) === c).length);
    return knDiscounts(n);
  });
  const p = (ids: number[]): number => {
    const h = ids.slice(0, -1);
    const lower = h.length === 0 ? 1 / V : p(ids.slice(1));
    const kids = grams.filter((g) => g.length === ids.length && g.slice(0, -1).join(' ') === h.join(' ') && g.join(' ') !== '0');
    if (kids.length === 0) return lower;
    const a = (g: number[]) => adj.get(g.join(' ')) ?? 0;
    const d = (c: number) => D[h.length]![Math.min(c, 3) - 1]!;
    const sum = kids.reduce((s, g) => s + a(g), 0);
    const gamma = kids.reduce((s, g) => s + d(a(g)), 0) / sum;
    const c = a(ids);
    return (c > 0 ? (c - d(c)) / sum : 0) + gamma * lower;
  };
  return (ids) => p(ids.slice(Math.max(0, ids.length - order)));
}

describe('backoff form against the interpolated definition', () => {
  // Counts of counts (adjusted) per order, counted by a separate script: 1: n = 1, 2, 2, 0; 2: n = 5, 3, 2, 1;
  // 3: n = 11, 2, 1, 0 — every order's discounts come from eq. 26, none from the fallback.
  const ESTIMATED = [[3, 5, 3], [3, 2], [5, 3], [3], [3], [5, 3, 2, 2], [5, 4, 5, 2], [3]];
  const FALLBACK_AT_1 = [[2, 3, 4], [2, 3], [3, 4, 2], [4, 4, 2, 3], [2], [3, 2, 4, 4, 3], [5, 2, 3], [4, 2, 3, 5]];
  it.each([
    ['every discount estimated', ESTIMATED],
    ['the unigram discounts from the fallback', FALLBACK_AT_1],
    ['the toy corpus', TOY],
  ])('agrees on every n-gram up to the order, seen or not: %s', (_, corpus) => {
    const V = 6;
    const ref = reference(corpus, 3, V);
    const model: KnLm = knBackoff(knCounts(corpus, 3), V);
    const words = [EOS, 2, 3, 4, 5];
    for (const h1 of [BOS, ...words]) for (const h2 of words) for (const w of [...words, UNK]) {
      const ids = [h1, h2, w];
      expect(Math.abs(knLogProb(model, ids) - Math.log(ref(ids)))).toBeLessThan(1e-12);
      expect(Math.abs(knLogProb(model, ids.slice(1)) - Math.log(ref(ids.slice(1))))).toBeLessThan(1e-12);
    }
  });
});

describe('every order from 1 to KN_ORDER_MAX', () => {
  it('agrees with the reference on every 4-gram and sums to 1 in every context', () => {
    const corpus = [[3, 5, 3], [3, 2], [5, 3], [3], [3], [5, 3, 2, 2], [5, 4, 5, 2], [3], [2, 3, 4, 5, 2, 3, 4]];
    const words = [EOS, 2, 3, 4, 5];
    for (let order = 1; order <= KN_ORDER_MAX; order++) {
      const ref = reference(corpus, order, 6);
      const model = knBackoff(knCounts(corpus, order), 6);
      for (const h1 of [BOS, ...words]) for (const h2 of words) for (const h3 of words) {
        let sum = 0;
        for (const w of [...words, UNK]) {
          const lp = knLogProb(model, [h1, h2, h3, w]);
          expect(Math.abs(lp - Math.log(ref([h1, h2, h3, w])))).toBeLessThan(1e-12);
          sum += Math.exp(lp);
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('counts', () => {
  it('merge by adding raw counts, survive JSON, and match a model.ts NgramCounts', () => {
    const x = [[2, 3], [3]];
    const y = [[2, 3, 3], [4]];
    expect(knMerge(knCounts(x, 3), knCounts(y, 3))).toEqual(knCounts([...x, ...y], 3));
    const c = knCounts([...x, ...y], 3);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(knCountsProblem(c)).toBeNull();
    // One sentence "2", order 2: <s> 1, </s> 1, 2 1, (<s> 2) 1, (2 </s>) 1.
    const ngram = { order: 2, entries: [[0, 1], [0, 2, 1], [1, 1], [2, 1], [2, 1, 1]] };
    expect(knCountsFromNgrams(ngram)).toEqual(knCounts([[2]], 2));
  });

  it('keeps every count when its tables grow (3,000 distinct bigrams)', () => {
    // Sentences "w w+1" for w = 2 … 3001 (twice each): bigrams (<s> w), (w w+1), (w+1 </s>),
    // 3 × 3,000 distinct with count 2; unigrams <s> and </s> 6,000 each, words 2 or 4.
    const sents = Array.from({ length: 6000 }, (_, i) => [2 + (i % 3000), 3 + (i % 3000)]);
    const c = knCounts(sents, 2);
    expect(c.levels[1]!.word.length).toBe(9000);
    expect(c.levels[1]!.count.every((x) => x === 2)).toBe(true);
    expect(c.levels[0]!.count.slice(0, 4)).toEqual([6000, 6000, 2, 4]);
    expect(c.levels[0]!.count.at(-1)).toBe(2);
    expect(knCountsProblem(c)).toBeNull();
  });

  it('lays the trie out sorted: each level by prefix, then word', () => {
    const c = knCounts([[3, 2]], 2);
    // Unigrams <s> </s> 2 3; bigrams (<s> 3) (2 </s>) (3 2) with prefixes 0, 2, 3.
    expect(c.levels[0]).toEqual({ prefix: [-1, -1, -1, -1], word: [0, 1, 2, 3], count: [1, 1, 1, 1] });
    expect(c.levels[1]).toEqual({ prefix: [0, 2, 3], word: [3, 1, 2], count: [1, 1, 1] });
  });

  it('refuses past the n-gram bound with KnLimitError, and malformed input with RangeError', () => {
    // "2 3" at order 2 has 4 unigrams and 3 bigrams: 7 types.
    expect(() => knCounts([[2, 3]], 2, 6)).toThrow(KnLimitError);
    expect(knCounts([[2, 3]], 2, 7).levels[1]!.word.length).toBe(3);
    expect(() => knCounts([[2, 1]], 2)).toThrow(RangeError);
    expect(() => knCounts([[2]], 6)).toThrow(RangeError);
    expect(() => knBackoff(knCounts([[7]], 2), 5)).toThrow(RangeError);
    const bad = knCounts([[2, 3]], 2);
    // Bigrams (<s> 2) (2 3) (3 </s>) have prefixes 0, 2, 3: put the second first.
    bad.levels[1]!.prefix = [2, 0, 3];
    expect(knCountsProblem(bad)).toMatch(/not sorted/);
    expect(() => knBackoff(bad, 4)).toThrow(RangeError);
  });
});
