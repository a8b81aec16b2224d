import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogram, quantileSorted, quantiles, summarize } from './stats.ts';

describe('ensemble statistics', () => {
  it('selects the same quantiles as sorting, whatever the values and their order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const sorted = Float64Array.from(xs).sort();
        const qs = [0, 0.05, 0.5, 0.95, 1];
        // -0 and +0 are the same value; which of the two a selection lands on doesn't matter.
        const same = (v: number) => (v === 0 ? 0 : v);
        expect(quantiles(Float64Array.from(xs), qs).map(same)).toEqual(qs.map((q) => same(quantileSorted(sorted, q))));
      }),
    );
  });

  it('summarises finite values only, and bins every one of them', () => {
    expect(summarize([3, 1, NaN, 2, Infinity])).toMatchObject({ count: 3, mean: 2, min: 1, max: 3, p50: 2 });
    const h = histogram([0, 1, 2, 3, 4, 10, NaN], 5);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 1, 0, 1]);
    expect(histogram([7, 7], 5)).toEqual({ edges: [6.5, 7.5], counts: [2] });
  });
});
