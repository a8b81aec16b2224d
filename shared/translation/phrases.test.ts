import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import {
  alignmentCode,
  alignmentLinks,
  countPhrases,
  extractPhrases,
  forEachScoredPhrase,
  lexicalTable,
  LEX_NULL,
  PhraseCounter,
  scorePhrases,
  type ScoredPhrase,
} from './phrases.ts';
import type { Link } from './symmetrize.ts';

// Koehn 2010, fig. 5.3: source (German) and target (English) with the alignment of the book.
const DE = 'michael geht davon aus , dass er im haus bleibt'.split(' ');
const EN = 'michael assumes that he will stay in the house'.split(' ');
const KOEHN_LINKS: Link[] = [
  [0, 0], // michael – michael
  [1, 1], [2, 1], [3, 1], // geht davon aus – assumes
  [5, 2], // dass – that        (',' is unaligned)
  [6, 3], // er – he
  [9, 4], [9, 5], // bleibt – will stay
  [7, 6], [7, 7], // im – in the
  [8, 8], // haus – house
];

const extracted = (maxLen: number) => {
  const out: string[] = [];
  extractPhrases(DE.length, EN.length, KOEHN_LINKS, maxLen, (s0, s1, t0, t1, internal) => {
    out.push(`${DE.slice(s0, s1).join(' ')} | ${EN.slice(t0, t1).join(' ')} | ${JSON.stringify(internal)}`);
  });
  return out.sort();
};

describe('extractPhrases', () => {
  it("Koehn's example, at most 4 words a side: every consistent pair, unaligned ',' added at both edges", () => {
    // By hand, target spans [ts, te) of ≤ 4 words; the source span covering their links;
    // consistent when no source word in it links outside the target span.
    //   [0,1) michael → [0,1)                          michael | michael
    //   [0,2) michael assumes → [0,4), 4 words          michael geht davon aus | michael assumes
    //         (',' at s4 would make 5 words)
    //   [0,3) → [0,6), 6 words: too long (and longer target spans only widen it)
    //   [1,2) assumes → [1,4); s0 is aligned, so no widening left; ',' on the right: 4 words
    //                                                   geht davon aus | assumes
    //                                                   geht davon aus , | assumes
    //   [2,3) that → [5,6); ',' on the left                  dass | that ; , dass | that
    //   [2,4) that he → [5,7)                               dass er | that he ; , dass er | that he
    //   [3,4) he → [6,7)                                    er | he
    //   [3,5) … [3,7): source [6,9] includes im (s7), linked to t7 outside: inconsistent
    //   [4,5) will: bleibt also links t5: inconsistent;  [4,6) will stay → [9,10)  bleibt | will stay
    //   [4,7), [4,8): im or haus links outside; [5,x): bleibt links t4, outside
    //   [6,7) in: im links t7: inconsistent;  [6,8) in the → [7,8)   im | in the
    //   [6,9) in the house → [7,9)                          im haus | in the house
    //   [7,x): im links t6, outside;  [8,9) house → [8,9)   haus | house
    // Internal links are relative to the pair's start.
    expect(extracted(4)).toEqual(
      [
        'michael | michael | [[0,0]]',
        'michael geht davon aus | michael assumes | [[0,0],[1,1],[2,1],[3,1]]',
        'geht davon aus | assumes | [[0,0],[1,0],[2,0]]',
        'geht davon aus , | assumes | [[0,0],[1,0],[2,0]]',
        'dass | that | [[0,0]]',
        ', dass | that | [[1,0]]',
        'dass er | that he | [[0,0],[1,1]]',
        ', dass er | that he | [[1,0],[2,1]]',
        'er | he | [[0,0]]',
        'bleibt | will stay | [[0,0],[0,1]]',
        'im | in the | [[0,0],[0,1]]',
        'im haus | in the house | [[0,0],[0,1],[1,2]]',
        'haus | house | [[0,0]]',
      ].sort(),
    );
  });

  it('at most 3 words a side: the pairs above with both sides of ≤ 3 words', () => {
    // Of the 13 above, 'michael geht davon aus | michael assumes' and 'geht davon aus , |
    // assumes' have 4 source words; the other 11 remain, and no new one appears.
    const four = extracted(4);
    expect(extracted(3)).toEqual(four.filter((p) => !p.startsWith('michael geht') && !p.startsWith('geht davon aus , ')));
    expect(extracted(3)).toHaveLength(11);
  });

  it('random alignments: exactly the boxes consistent by definition (Koehn 2010 eq. 5.3)', () => {
    // The reference tries every box of ≤ maxLen × ≤ maxLen words: consistent when it holds a
    // link and every link has both ends inside or both outside.
    const rand = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const srcLen = 1 + Math.floor(rand() * 9);
      const tgtLen = 1 + Math.floor(rand() * 9);
      const links: Link[] = [];
      for (let s = 0; s < srcLen; s++) for (let t = 0; t < tgtLen; t++) if (rand() < 0.18) links.push([s, t]);
      const maxLen = 1 + Math.floor(rand() * 5);
      const want: string[] = [];
      for (let s0 = 0; s0 < srcLen; s0++) {
        for (let s1 = s0 + 1; s1 <= Math.min(srcLen, s0 + maxLen); s1++) {
          for (let t0 = 0; t0 < tgtLen; t0++) {
            for (let t1 = t0 + 1; t1 <= Math.min(tgtLen, t0 + maxLen); t1++) {
              const inS = (s: number) => s >= s0 && s < s1;
              const inT = (t: number) => t >= t0 && t < t1;
              if (!links.some(([s, t]) => inS(s) && inT(t))) continue;
              if (links.some(([s, t]) => inS(s) !== inT(t))) continue;
              const internal = links.filter(([s, t]) => inS(s) && inT(t)).map(([s, t]) => [s - s0, t - t0]);
              want.push(JSON.stringify([s0, s1, t0, t1, internal]));
            }
          }
        }
      }
      const got: string[] = [];
      extractPhrases(srcLen, tgtLen, links, maxLen, (s0, s1, t0, t1, internal) => got.push(JSON.stringify([s0, s1, t0, t1, internal])));
      expect(got.sort()).toEqual(want.sort());
    }
  });

  it('a sentence pair without links yields nothing, and maxLen must be 1 … 7', () => {
    let n = 0;
    extractPhrases(3, 2, [], 3, () => n++);
    expect(n).toBe(0);
    expect(() => extractPhrases(1, 1, [[0, 0]], 0, () => {})).toThrow(RangeError);
    expect(() => extractPhrases(1, 1, [[0, 0]], 8, () => {})).toThrow(RangeError);
    expect(() => extractPhrases(1, 1, [[1, 0]], 3, () => {})).toThrow(RangeError);
  });
});

describe('alignment codes', () => {
  it('code Σ 2^(7s + t), read back sorted', () => {
    // (0,0) → bit 0 = 1; (1,1) → bit 8 = 256; (6,6) → bit 48.
    expect(alignmentCode([[1, 1], [0, 0]], 2, 2)).toBe(257);
    expect(alignmentCode([[6, 6]], 7, 7)).toBe(2 ** 48);
    expect(alignmentLinks(257 + 2 ** 48)).toEqual([[0, 0], [1, 1], [6, 6]]);
    expect(() => alignmentCode([[2, 0]], 2, 2)).toThrow(RangeError);
  });
});

// A toy corpus, source ids das 1, haus 2; target ids the 2, house 3.
//   P1 das haus | the house, links (0,0) (1,0) (1,1): 'the' from both, 'house' from haus
//   P2 das haus | house,     link (1,0): das unaligned
//   P3 haus | the house,     link (0,1): the unaligned
const TOY = {
  src: [[1, 2], [1, 2], [2]],
  tgt: [[2, 3], [3], [2, 3]],
  links: [[[0, 0], [1, 0], [1, 1]], [[1, 0]], [[0, 1]]] as Link[][],
};

function toyCounter(pairs = [0, 1, 2], maxLen = 3): PhraseCounter {
  const c = new PhraseCounter();
  for (const p of pairs) countPhrases(c, TOY.src[p]!, TOY.tgt[p]!, TOY.links[p]!, maxLen);
  return c;
}

const plain = (m: ReadonlyMap<string, ScoredPhrase[]>) =>
  Object.fromEntries([...m].map(([k, list]) => [k, list.map((p) => ({ tgt: p.tgt, count: p.count, align: p.align, scores: p.scores }))]));

describe('lexicalTable', () => {
  it('w from link counts, unaligned words against NULL (Koehn, Och & Marcu 2003 §3.3)', () => {
    // Links: P1 (das,the) (haus,the) (haus,house); P2 (haus,house), das–NULL; P3 (haus,house), NULL–the.
    // Source totals: das 2 (the, NULL), haus 4, NULL 1. Target totals: the 3, house 3, NULL 1.
    const w = lexicalTable(TOY.src, TOY.tgt, TOY.links);
    expect(w.tgtGivenSrc(1, 2)).toBe(1 / 2); // w(the | das)
    expect(w.tgtGivenSrc(1, LEX_NULL)).toBe(1 / 2); // w(NULL | das)
    expect(w.tgtGivenSrc(2, 2)).toBe(1 / 4); // w(the | haus)
    expect(w.tgtGivenSrc(2, 3)).toBe(3 / 4); // w(house | haus)
    expect(w.tgtGivenSrc(LEX_NULL, 2)).toBe(1); // w(the | NULL)
    expect(w.srcGivenTgt(2, 1)).toBe(1 / 3); // w(das | the)
    expect(w.srcGivenTgt(2, 2)).toBe(1 / 3); // w(haus | the)
    expect(w.srcGivenTgt(2, LEX_NULL)).toBe(1 / 3); // w(NULL | the)
    expect(w.srcGivenTgt(3, 2)).toBe(1); // w(haus | house)
    expect(w.srcGivenTgt(LEX_NULL, 1)).toBe(1); // w(das | NULL)
    expect(w.tgtGivenSrc(1, 3)).toBe(0); // never linked
    expect(w.tgtGivenSrc(99, 3)).toBe(0); // unknown word
  });
});

describe('scorePhrases', () => {
  // Extraction (maxLen 3), by hand:
  //   P1: 'the' links both source words, so [the] and [house] alone are inconsistent;
  //       das haus | the house, alignment (0,0) (1,0) (1,1).
  //   P2: haus | house; das haus | house (das unaligned, added on the left), alignment (1,0).
  //   P3: [the] has no link; haus | the house, alignment (0,1); haus | house.
  // Counts: das haus|the house 1, das haus|house 1, haus|house 2, haus|the house 1.
  // Marginals: c(das haus) 2, c(haus) 3; c(the house) 2, c(house) 3.
  // Lexical weights with w above:
  //   das haus | the house: lex(e|f) = mean(w(the|das), w(the|haus)) · w(house|haus)
  //     = (1/2 + 1/4)/2 · 3/4 = 9/32; lex(f|e) = w(das|the) · mean(w(haus|the), w(haus|house))
  //     = 1/3 · (1/3 + 1)/2 = 2/9.
  //   das haus | house: lex(e|f) = w(house|haus) = 3/4; lex(f|e) = w(das|NULL) · w(haus|house) = 1.
  //   haus | house: 3/4 and 1.  haus | the house: lex(e|f) = w(the|NULL) · w(house|haus) = 3/4;
  //     lex(f|e) = w(haus|house) = 1.
  const expected = {
    // 'das haus': the two targets tie at count 1; ids [2,3] come before [3].
    '1,2': [
      { tgt: [2, 3], count: 1, align: [[0, 0], [1, 0], [1, 1]], scores: [Math.log(1 / 2), Math.log(9 / 32), Math.log(1 / 2), Math.log(2 / 9)] },
      { tgt: [3], count: 1, align: [[1, 0]], scores: [Math.log(1 / 2), Math.log(3 / 4), Math.log(1 / 3), Math.log(1)] },
    ],
    '2': [
      { tgt: [3], count: 2, align: [[0, 0]], scores: [Math.log(2 / 3), Math.log(3 / 4), Math.log(2 / 3), Math.log(1)] },
      { tgt: [2, 3], count: 1, align: [[0, 1]], scores: [Math.log(1 / 3), Math.log(3 / 4), Math.log(1 / 2), Math.log(1)] },
    ],
  };

  it('φ both ways by relative frequency and lexical weights, on a 3-pair toy corpus', () => {
    const scored = scorePhrases(toyCounter(), lexicalTable(TOY.src, TOY.tgt, TOY.links), { perSourceMax: 20 });
    const got = plain(scored);
    expect([...scored.keys()]).toEqual(['1,2', '2']); // canonical order: [1, 2] before [2]
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(got[key]!.map((p) => ({ ...p, scores: undefined }))).toEqual(expected[key].map((p) => ({ ...p, scores: undefined })));
      got[key]!.forEach((p, i) => p.scores.forEach((s, f) => expect(s).toBeCloseTo(expected[key][i]!.scores[f]!, 12)));
    }
    expect(scored.get('2')![0]!.src).toEqual([2]);
  });

  it('reads as a map: get, has, size, keys in canonical order; the streaming form gives the same lists', () => {
    const lex = lexicalTable(TOY.src, TOY.tgt, TOY.links);
    const table = scorePhrases(toyCounter(), lex);
    expect(table.size).toBe(2);
    expect([...table.keys()]).toEqual(['1,2', '2']);
    expect(table.has('2')).toBe(true);
    // 'das' alone was never extracted; malformed keys are simply absent.
    for (const key of ['1', '3', '', '2,', 'x', '02', '1,2,3,4,5,6,7,8']) {
      expect(table.has(key)).toBe(false);
      expect(table.get(key)).toBeUndefined();
    }
    const streamed: [string, ScoredPhrase[]][] = [];
    forEachScoredPhrase(toyCounter(), lex, {}, (src, list) => streamed.push([src.join(','), list]));
    expect(plain(new Map(streamed))).toEqual(plain(table));
    expect([...table.entries()].map(([k]) => k)).toEqual(['1,2', '2']);
  });

  it('keeps the best perSourceMax by φ(e|f), ties to the lower target ids; minCount drops after the φ', () => {
    const lex = lexicalTable(TOY.src, TOY.tgt, TOY.links);
    const one = plain(scorePhrases(toyCounter(), lex, { perSourceMax: 1 }));
    expect(one['1,2']!.map((p) => p.tgt)).toEqual([[2, 3]]);
    expect(one['2']!.map((p) => p.tgt)).toEqual([[3]]);
    // Only haus | house is counted twice; its φ(e|f) stays 2/3 (the marginal counts every pair).
    const two = plain(scorePhrases(toyCounter(), lex, { minCount: 2 }));
    expect(Object.keys(two)).toEqual(['2']);
    expect(two['2']!.map((p) => p.tgt)).toEqual([[3]]);
    expect(two['2']![0]!.scores[0]).toBeCloseTo(Math.log(2 / 3), 12);
    expect(() => scorePhrases(toyCounter(), lex, { perSourceMax: 0 })).toThrow(RangeError);
  });
});

describe('PhraseCounter', () => {
  it('two shards merged equal one shard with both, in either order, byte for byte', () => {
    const whole = toyCounter([0, 1, 2]).toCounts();
    const a = toyCounter([0, 1]);
    a.merge(toyCounter([2]));
    const b = toyCounter([2]);
    b.merge(toyCounter([1, 0]));
    expect(Array.from(a.toCounts())).toEqual(Array.from(whole));
    expect(Array.from(b.toCounts())).toEqual(Array.from(whole));
    // The serialised form reads back to the same counts.
    expect(Array.from(PhraseCounter.fromCounts(whole).toCounts())).toEqual(Array.from(whole));
    const merged = toyCounter([2]);
    merged.merge(PhraseCounter.fromCounts(toyCounter([0, 1]).toCounts()));
    expect(Array.from(merged.toCounts())).toEqual(Array.from(whole));
  });

  it('random shards with repeated pairs and competing alignments: any split, any merge order, same bytes', () => {
    const rand = mulberry32(11);
    type Add = [src: number[], tgt: number[], count: number, align: Link[]];
    const adds: Add[] = [];
    for (let k = 0; k < 400; k++) {
      const n = 1 + Math.floor(rand() * 3);
      const m = 1 + Math.floor(rand() * 3);
      const words = (len: number) => Array.from({ length: len }, () => 1 + Math.floor(rand() * 4));
      const align: Link[] = [];
      for (let s = 0; s < n; s++) for (let t = 0; t < m; t++) if (rand() < 0.4) align.push([s, t]);
      adds.push([words(n), words(m), 1 + Math.floor(rand() * 3), align]);
    }
    const count = (list: Add[]) => {
      const c = new PhraseCounter();
      for (const [src, tgt, n, align] of list) c.add(src, tgt, n, align);
      return c;
    };
    const whole = Array.from(count(adds).toCounts());
    for (const cut of [1, 137, 399]) {
      const a = count(adds.slice(0, cut));
      a.merge(count(adds.slice(cut)));
      expect(Array.from(a.toCounts())).toEqual(whole);
      const b = count(adds.slice(cut).reverse());
      b.merge(PhraseCounter.fromCounts(count(adds.slice(0, cut)).toCounts()));
      expect(Array.from(b.toCounts())).toEqual(whole);
    }
  });

  it('serialises in canonical order: header, then by source ids, then target ids', () => {
    // [pairs 4, refused 0]; then n, src, m, tgt, alignments v, (count, code lo, code hi)…
    //   das haus | the house: code (0,0) (1,0) (1,1) = 1 + 2^7 + 2^8 = 385
    //   das haus | house: (1,0) = 2^7 = 128;  haus | the house: (0,1) = 2;  haus | house: (0,0) = 1
    // Target [2, 3] sorts before [3].
    expect(Array.from(toyCounter().toCounts())).toEqual([
      4, 0,
      2, 1, 2, 2, 2, 3, 1, 1, 385, 0,
      2, 1, 2, 1, 3, 1, 1, 128, 0,
      1, 2, 2, 2, 3, 1, 1, 2, 0,
      1, 2, 1, 3, 1, 2, 1, 0,
    ]);
  });

  it("a pair's alignment is its most frequent one, ties to the smaller code", () => {
    const c = new PhraseCounter();
    c.add([5, 6], [7, 8], 1, [[0, 0], [1, 1]]); // code 257
    c.add([5, 6], [7, 8], 2, [[0, 1], [1, 0]]); // code 2 + 128 = 130, twice
    c.add([5], [7], 1, [[0, 0]]);
    c.add([5], [7], 1, []); // code 0: tie at 1 with code 1, and 0 is smaller
    const s = scorePhrases(c, lexicalTable([], [], []));
    expect(s.get('5,6')![0]!.align).toEqual([[0, 1], [1, 0]]);
    expect(s.get('5,6')![0]!.count).toBe(3);
    expect(s.get('5')![0]!.align).toEqual([]);
  });

  it('past pairsMax new pairs are refused and reported; known pairs still count', () => {
    const c = new PhraseCounter(2);
    expect(c.add([1], [2], 1, [[0, 0]])).toBe('counted');
    expect(c.add([1, 2], [2], 1, [[0, 0]])).toBe('counted');
    expect(c.add([3], [4], 5, [[0, 0]])).toBe('pairs-max');
    expect(c.add([1], [2], 1, [[0, 0]])).toBe('counted');
    expect(countPhrases(c, [1, 9], [2, 9], [[0, 0], [1, 1]], 2)).toBe('pairs-max');
    // Refused: 5 occurrences of (3 | 4), then from the sentence [9]|[9] and [1 9]|[2 9] once each.
    expect([c.size, c.refused]).toEqual([2, 7]);
    // (1 | 2) was counted 2 + 1 times (the sentence holds it once too).
    expect(Array.from(c.toCounts()).slice(0, 9)).toEqual([2, 7, 1, 1, 1, 2, 1, 3, 1]);
    const d = new PhraseCounter();
    d.merge(c);
    expect(d.refused).toBe(7);
    expect(() => new PhraseCounter(0)).toThrow(RangeError);
  });

  it('refuses malformed input', () => {
    const c = new PhraseCounter();
    expect(() => c.add([], [1], 1, [])).toThrow(RangeError);
    expect(() => c.add([1, 2, 3, 4, 5, 6, 7, 8], [1], 1, [])).toThrow(RangeError);
    expect(() => c.add([1], [1], 0, [])).toThrow(RangeError);
    expect(() => c.add([1], [1], 1, [[0, 1]])).toThrow(RangeError);
    expect(() => c.add([-1], [1], 1, [])).toThrow(RangeError);
    expect(() => PhraseCounter.fromCounts(Uint32Array.of(1, 0, 1, 5))).toThrow(RangeError);
    expect(() => PhraseCounter.fromCounts(Uint32Array.of(0, 0, 7))).toThrow(RangeError);
  });
});
