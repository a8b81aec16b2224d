/**
 * @module The shop's pricing, pure and exact: points buy a discount at the shop's rate (a
 * fraction: minor units per point), capped at a share of the order; the buyer is charged
 * for the fewest points that buy that discount; the discount (and the points) are spread
 * over the lines by the largest remainder method (Hamilton's apportionment), so line totals
 * add up to the order total to the minor unit. Every product of two amounts is taken in
 * BigInt, so no intermediate value is ever rounded. The edge prices checkouts with this
 * code and the web app shows the live discount with the same code.
 */

/** A non-negative rational number `num / den` with integer terms, `den > 0`. */
export interface Fraction {
  num: number;
  den: number;
}

/** A shop's points rules. */
export interface ShopRules {
  /** Money one point buys, in minor units (e.g. `{num: 1, den: 10}`: 10 points per cent); `num ≥ 1`. */
  minorPerPoint: Fraction;
  /** A redemption uses no points, or at least this many. */
  pointsMin: number;
  /** Largest share of the order's list total the discount may cover, at most 1. */
  discountShareMax: Fraction;
}

/** One cart line to price: a unit price in minor units and a quantity. */
export interface LineInput {
  productId: string;
  unitPriceMinor: number;
  quantity: number;
}

/** A priced line: `totalMinor = listMinor − discountMinor ≥ 0`. */
export interface PricedLine extends LineInput {
  listMinor: number;
  discountMinor: number;
  totalMinor: number;
  /** This line's share of the points used (largest remainder over the line discounts). */
  points: number;
}

export interface Quote {
  lines: PricedLine[];
  listMinor: number;
  discountMinor: number;
  /** What the payment provider charges: `listMinor − discountMinor`. */
  totalMinor: number;
  /** Points the buyer offered. */
  pointsOffered: number;
  /** Points actually taken: the fewest that buy `discountMinor`. */
  pointsUsed: number;
  /** The largest discount this order allows (the share cap, in whole minor units). */
  discountMaxMinor: number;
  /** The fewest points that buy {@link Quote.discountMaxMinor}; offering more buys nothing. */
  pointsForMaxDiscount: number;
}

/**
 * What pricing a cart with points comes to. `points_below_minimum`: the points that would be
 * used are fewer than the shop's minimum (the quote shown is then the one without points).
 */
export type QuoteResult = { status: 'ok'; quote: Quote } | { status: 'points_below_minimum'; pointsMin: number; pointsWouldUse: number; quote: Quote };

const big = BigInt;

function assertCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative safe integer, got ${v}`);
}

/** Checks a fraction's terms; with `atMostOne`, also `num ≤ den`. */
export function checkFraction(name: string, f: Fraction, atMostOne = false): void {
  assertCount(`${name}.num`, f.num);
  assertCount(`${name}.den`, f.den);
  if (f.den === 0) throw new RangeError(`${name}.den must be positive`);
  if (atMostOne && f.num > f.den) throw new RangeError(`${name} must be at most 1`);
}

/** `a` compared with `b` (exact, by cross-multiplying in BigInt): negative, 0 or positive. */
export function compareFractions(a: Fraction, b: Fraction): number {
  const l = big(a.num) * big(b.den);
  const r = big(b.num) * big(a.den);
  return l < r ? -1 : l > r ? 1 : 0;
}

/** The smaller of two fractions (the first when equal). */
export function minFraction(a: Fraction, b: Fraction): Fraction {
  return compareFractions(b, a) < 0 ? b : a;
}

/** Checks a shop's rules (the edge validates them with zod; this guards direct callers). */
export function checkRules(rules: ShopRules): void {
  checkFraction('minorPerPoint', rules.minorPerPoint);
  if (rules.minorPerPoint.num === 0) throw new RangeError('minorPerPoint must be positive');
  checkFraction('discountShareMax', rules.discountShareMax, true);
  assertCount('pointsMin', rules.pointsMin);
}

/** ⌊a / b⌋ and ⌈a / b⌉ for non-negative BigInts, `b > 0`. */
const floorDiv = (a: bigint, b: bigint) => a / b;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The discount `points` buy at `rate`, before any cap: ⌊points × num / den⌋. */
export function discountForPoints(points: number, rate: Fraction): number {
  return Number(floorDiv(big(points) * big(rate.num), big(rate.den)));
}

/** The fewest points whose discount is at least `discountMinor`: ⌈discount × den / num⌉. */
export function pointsForDiscount(discountMinor: number, rate: Fraction): number {
  return Number(ceilDiv(big(discountMinor) * big(rate.den), big(rate.num)));
}

/** The largest discount an order of `listMinor` allows: ⌊list × share⌋. */
export function discountCap(listMinor: number, share: Fraction): number {
  return Number(floorDiv(big(listMinor) * big(share.num), big(share.den)));
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder method):
 * each part is ⌊total × wᵢ / W⌋ or one more; the units left after flooring go to the largest
 * remainders, ties to the earlier index. Parts sum to `total` exactly. With `total ≤ W`
 * every part is at most its weight. All weights zero → all parts zero (then `total` must be 0).
 * @example
 * allocateLargestRemainder(10, [1, 1, 1]); // [4, 3, 3]
 */
export function allocateLargestRemainder(total: number, weights: readonly number[]): number[] {
  assertCount('total', total);
  weights.forEach((w, i) => assertCount(`weights[${i}]`, w));
  const sum = weights.reduce((s, w) => s + big(w), 0n);
  if (sum === 0n) {
    if (total !== 0) throw new RangeError('cannot allocate a positive total over zero weights');
    return weights.map(() => 0);
  }
  const t = big(total);
  const parts = weights.map((w) => floorDiv(t * big(w), sum));
  const remainders = weights.map((w, i) => ({ i, r: (t * big(w)) % sum }));
  let left = t - parts.reduce((s, p) => s + p, 0n);
  // Stable order: largest remainder first, ties to the earlier line.
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i, r } of remainders) {
    if (left === 0n || r === 0n) break;
    parts[i] = parts[i]! + 1n;
    left--;
  }
  return parts.map(Number);
}

/**
 * Prices a cart with `pointsOffered` points under `rules`.
 * @example
 * const r = priceCart([{ productId: 'p', unitPriceMinor: 1000, quantity: 1 }],
 *   { minorPerPoint: { num: 1, den: 10 }, pointsMin: 0, discountShareMax: { num: 1, den: 2 } }, 2000);
 * // r.quote: discount 200, total 800, pointsUsed 2000
 */
export function priceCart(lines: readonly LineInput[], rules: ShopRules, pointsOffered: number): QuoteResult {
  checkRules(rules);
  assertCount('pointsOffered', pointsOffered);
  for (const l of lines) {
    assertCount('unitPriceMinor', l.unitPriceMinor);
    assertCount('quantity', l.quantity);
  }
  const lineLists = lines.map((l) => big(l.unitPriceMinor) * big(l.quantity));
  const listBig = lineLists.reduce((s, v) => s + v, 0n);
  if (listBig > big(Number.MAX_SAFE_INTEGER)) throw new RangeError('the order total exceeds the safe integer range');
  const listMinor = Number(listBig);
  const discountMaxMinor = discountCap(listMinor, rules.discountShareMax);
  const pointsForMaxDiscount = pointsForDiscount(discountMaxMinor, rules.minorPerPoint);

  const build = (offered: number): Quote => {
    const discountMinor = Math.min(discountForPoints(offered, rules.minorPerPoint), discountMaxMinor);
    const pointsUsed = pointsForDiscount(discountMinor, rules.minorPerPoint);
    const listEach = lineLists.map(Number);
    const discounts = allocateLargestRemainder(discountMinor, listEach);
    const points = allocateLargestRemainder(pointsUsed, discountMinor === 0 ? listEach.map(() => 0) : discounts);
    return {
      lines: lines.map((l, i) => ({
        productId: l.productId,
        unitPriceMinor: l.unitPriceMinor,
        quantity: l.quantity,
        listMinor: listEach[i]!,
        discountMinor: discounts[i]!,
        totalMinor: listEach[i]! - discounts[i]!,
        points: points[i]!,
      })),
      listMinor,
      discountMinor,
      totalMinor: listMinor - discountMinor,
      pointsOffered,
      pointsUsed,
      discountMaxMinor,
      pointsForMaxDiscount,
    };
  };

  const quote = build(pointsOffered);
  if (quote.pointsUsed > 0 && quote.pointsUsed < rules.pointsMin) {
    return { status: 'points_below_minimum', pointsMin: rules.pointsMin, pointsWouldUse: quote.pointsUsed, quote: { ...build(0), pointsOffered } };
  }
  return { status: 'ok', quote };
}
