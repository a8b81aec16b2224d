import { describe, expect, it } from 'vitest';
import { syntheticCorpus } from './synthetic.ts';

describe('synthetic corpus', () => {
  it('is deterministic from its seed and differs between seeds', () => {
    const a = syntheticCorpus({ seed: 7, pairs: 50 });
    const b = syntheticCorpus({ seed: 7, pairs: 50 });
    expect(b.pairs).toEqual(a.pairs);
    expect(b.heldOut(10)).toEqual(a.heldOut(10));
    expect(syntheticCorpus({ seed: 8, pairs: 50 }).pairs).not.toEqual(a.pairs);
    expect(a.heldOut(10).pairs).not.toEqual(a.pairs.slice(0, 10));
  });

  it('gold links join each source word to its lexicon translation, in order, and reorder', () => {
    const c = syntheticCorpus({ seed: 3, pairs: 300 });
    let oneToMany = 0;
    let reordered = 0;
    c.pairs.forEach((p, i) => {
      const src = p.src.split(' ');
      const tgt = p.tgt.split(' ');
      const links = c.alignments[i]!;
      const covered = new Set(links.map(([, t]) => t));
      expect(covered.size).toBe(tgt.length);
      for (let s = 0; s < src.length; s++) {
        const tw = links.filter(([x]) => x === s).map(([, t]) => tgt[t]);
        expect(tw).toEqual(c.lexicon[src[s]!]);
        if (tw.length === 2) oneToMany++;
      }
      if (links.some(([s, t]) => Math.abs(s - t) >= 2)) reordered++;
      for (const [s, t] of links) expect(Math.abs(s - t)).toBeLessThanOrEqual(5);
    });
    expect(oneToMany).toBeGreaterThan(20);
    expect(reordered).toBeGreaterThan(100);
    expect(c.lexicon['wo']).toEqual([]);
  });
});
