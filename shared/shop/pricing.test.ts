import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CART_LINES_MAX, CART_LINE_QUANTITY_MAX, PRODUCT_PRICE_MINOR_MAX, SHOP_FRACTION_TERM_MAX } from './limits.ts';
import { allocateLargestRemainder, priceCart, type LineInput, type ShopRules } from './pricing.ts';

const rules = (num: number, den: number, min = 0, share: [number, number] = [1, 2]): ShopRules => ({
  minorPerPoint: { num, den },
  pointsMin: min,
  discountShareMax: { num: share[0], den: share[1] },
});

const line = (unitPriceMinor: number, quantity = 1, productId = `p${unitPriceMinor}`): LineInput => ({ productId, unitPriceMinor, quantity });

describe('priceCart, worked examples', () => {
  it('buys a discount of ⌊points × rate⌋ and takes only the points it is worth', () => {
    const r = priceCart([line(1000)], rules(1, 10), 1234);
    expect(r.status).toBe('ok');
    // 1234 points at 10 points per cent = 123.4 cents → 123; 1230 points buy 123.
    expect(r.quote).toMatchObject({ listMinor: 1000, discountMinor: 123, totalMinor: 877, pointsUsed: 1230, pointsOffered: 1234 });
  });

  it('caps the discount at the share and charges the points that cap is worth', () => {
    const r = priceCart([line(999)], rules(1, 10, 0, [1, 2]), 1_000_000);
    // ⌊999 / 2⌋ = 499; ⌈499 × 10⌉ = 4990 points.
    expect(r.quote).toMatchObject({ discountMinor: 499, totalMinor: 500, pointsUsed: 4990, discountMaxMinor: 499, pointsForMaxDiscount: 4990 });
  });

  it('rounds the points up when a point is worth more than a minor unit fraction allows', () => {
    // 3 cents per 2 points: 7 points buy ⌊10.5⌋ = 10 cents, which 7 points are the fewest to buy (6 buy 9).
    const r = priceCart([line(10_000)], rules(3, 2), 7);
    expect(r.quote).toMatchObject({ discountMinor: 10, pointsUsed: 7 });
  });

  it('allocates the discount by largest remainder, line totals adding up exactly', () => {
    // Three equal lines, discount 100: 33.33… each → 34, 33, 33 (tie to the first line).
    const r = priceCart([line(100, 1, 'a'), line(100, 1, 'b'), line(100, 1, 'c')], rules(1, 1, 0, [1, 1]), 100);
    expect(r.quote.lines.map((l) => l.discountMinor)).toEqual([34, 33, 33]);
    expect(r.quote.lines.map((l) => l.totalMinor)).toEqual([66, 67, 67]);
    expect(r.quote.lines.map((l) => l.points)).toEqual([34, 33, 33]);
  });

  it('refuses a redemption below the minimum, quoting the order without points', () => {
    const r = priceCart([line(1000)], rules(1, 10, 500), 400);
    expect(r).toMatchObject({ status: 'points_below_minimum', pointsMin: 500, pointsWouldUse: 400 });
    expect(r.quote).toMatchObject({ discountMinor: 0, pointsUsed: 0, totalMinor: 1000 });
    // The cap can push the points used below the minimum too: 50 cents max = 500 points < 600.
    expect(priceCart([line(100)], rules(1, 10, 600), 10_000).status).toBe('points_below_minimum');
    expect(priceCart([line(1000)], rules(1, 10, 500), 0).status).toBe('ok');
  });

  it('prices an empty cart and a zero-price line without dividing by zero', () => {
    expect(priceCart([], rules(1, 10), 500).quote).toMatchObject({ listMinor: 0, discountMinor: 0, pointsUsed: 0 });
    expect(priceCart([line(0, 3)], rules(1, 10), 500).quote.lines[0]).toMatchObject({ discountMinor: 0, totalMinor: 0, points: 0 });
  });

  it('stays exact where floating point would not (products beyond 2^53)', () => {
    const big = priceCart([line(PRODUCT_PRICE_MINOR_MAX, CART_LINE_QUANTITY_MAX)], rules(999_999_937, 999_999_929, 0, [999_999_893, 999_999_937]), Number.MAX_SAFE_INTEGER);
    const list = BigInt(PRODUCT_PRICE_MINOR_MAX) * BigInt(CART_LINE_QUANTITY_MAX);
    expect(BigInt(big.quote.discountMinor)).toBe((list * 999_999_893n) / 999_999_937n);
  });

  it('refuses malformed input (callers validate first; this is the last guard)', () => {
    expect(() => priceCart([line(1.5)], rules(1, 10), 0)).toThrow(RangeError);
    expect(() => priceCart([line(100, -1)], rules(1, 10), 0)).toThrow(RangeError);
    expect(() => priceCart([line(100)], rules(0, 10), 0)).toThrow(RangeError);
    expect(() => priceCart([line(100)], rules(1, 10, 0, [3, 2]), 0)).toThrow(RangeError);
    expect(() => priceCart([line(100)], rules(1, 10), -5)).toThrow(RangeError);
  });
});

describe('allocateLargestRemainder', () => {
  it('splits exactly and gives leftovers to the largest remainders', () => {
    expect(allocateLargestRemainder(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocateLargestRemainder(7, [1, 2, 4])).toEqual([1, 2, 4]);
    expect(allocateLargestRemainder(5, [3, 3, 4])).toEqual([2, 1, 2]);
    expect(allocateLargestRemainder(5, [3, 4, 3])).toEqual([2, 2, 1]);
    expect(allocateLargestRemainder(0, [0, 0])).toEqual([0, 0]);
    expect(() => allocateLargestRemainder(1, [0, 0])).toThrow(RangeError);
  });
});

const term = fc.integer({ min: 1, max: SHOP_FRACTION_TERM_MAX });
const arbRules = fc
  .record({ rn: term, rd: term, sd: term, sPick: fc.double({ min: 0, max: 1, noNaN: true }), min: fc.nat({ max: 100_000 }) })
  .map(({ rn, rd, sd, sPick, min }) => rules(rn, rd, min, [Math.floor(sd * sPick), sd]));
// Small and large prices both, so remainders and caps are exercised at every scale.
const arbPrice = fc.oneof(fc.nat({ max: 1000 }), fc.nat({ max: PRODUCT_PRICE_MINOR_MAX }));
const arbLines = fc.array(
  fc.record({ unitPriceMinor: arbPrice, quantity: fc.integer({ min: 1, max: CART_LINE_QUANTITY_MAX }) }).map((l) => ({ productId: 'x', ...l })),
  { minLength: 1, maxLength: CART_LINES_MAX },
);
const arbPoints = fc.oneof(fc.nat({ max: 10_000 }), fc.nat({ max: 1e9 }), fc.maxSafeNat());

describe('priceCart, properties over random carts and rates', () => {
  it('line totals sum to the order total; charged + discount = list; points buy the discount; cap respected', () => {
    fc.assert(
      fc.property(arbLines, arbRules, arbPoints, (lines, r, points) => {
        const { quote: q, status } = priceCart(lines, r, points);
        const sum = (f: (l: (typeof q.lines)[number]) => number) => q.lines.reduce((s, l) => s + f(l), 0);
        expect(sum((l) => l.totalMinor)).toBe(q.totalMinor);
        expect(sum((l) => l.discountMinor)).toBe(q.discountMinor);
        expect(sum((l) => l.listMinor)).toBe(q.listMinor);
        expect(sum((l) => l.points)).toBe(q.pointsUsed);
        expect(q.totalMinor + q.discountMinor).toBe(q.listMinor);
        for (const l of q.lines) {
          expect(l.totalMinor).toBe(l.listMinor - l.discountMinor);
          expect(l.discountMinor).toBeGreaterThanOrEqual(0);
          expect(l.totalMinor).toBeGreaterThanOrEqual(0);
          // Largest remainder: each line gets its exact quota rounded down, or one more.
          const exact = (BigInt(q.discountMinor) * BigInt(l.listMinor)) / (BigInt(q.listMinor) || 1n);
          expect(BigInt(l.discountMinor) - exact).toBeGreaterThanOrEqual(0n);
          expect(BigInt(l.discountMinor) - exact).toBeLessThanOrEqual(1n);
        }
        const { num, den } = r.minorPerPoint;
        // Points used × rate ≥ discount, and one point fewer would not buy it.
        expect(BigInt(q.pointsUsed) * BigInt(num)).toBeGreaterThanOrEqual(BigInt(q.discountMinor) * BigInt(den));
        if (q.pointsUsed > 0) expect(BigInt(q.pointsUsed - 1) * BigInt(num)).toBeLessThan(BigInt(q.discountMinor) * BigInt(den));
        expect(q.pointsUsed).toBeLessThanOrEqual(points);
        // Cap: discount ≤ list × share.
        expect(BigInt(q.discountMinor) * BigInt(r.discountShareMax.den)).toBeLessThanOrEqual(BigInt(q.listMinor) * BigInt(r.discountShareMax.num));
        if (status === 'ok') expect(q.pointsUsed === 0 || q.pointsUsed >= r.pointsMin).toBe(true);
        else expect(q.pointsUsed).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never gives a smaller discount for more points, nor more than the points are worth', () => {
    fc.assert(
      fc.property(arbLines, arbRules, arbPoints, fc.nat({ max: 1e6 }), (lines, r0, points, extra) => {
        const r = { ...r0, pointsMin: 0 };
        const a = priceCart(lines, r, points).quote;
        const b = priceCart(lines, r, Math.min(points + extra, Number.MAX_SAFE_INTEGER)).quote;
        expect(b.discountMinor).toBeGreaterThanOrEqual(a.discountMinor);
        // The discount is the points' worth, rounded down, unless the cap bound it.
        const worth = (BigInt(points) * BigInt(r.minorPerPoint.num)) / BigInt(r.minorPerPoint.den);
        expect(BigInt(a.discountMinor)).toBe(worth < BigInt(a.discountMaxMinor) ? worth : BigInt(a.discountMaxMinor));
      }),
      { numRuns: 1000 },
    );
  });
});
