/**
 * @module Summaries of an ensemble's numbers for results and charts: mean, spread,
 * quantiles (linear interpolation between order statistics, Hyndman & Fan 1996 type 7, the
 * default of R and NumPy) and fixed-bin histograms. Non-finite values are left out.
 */

/** Summary of one quantity over the members that have it. */
export interface Summary {
  count: number;
  mean: number | null;
  /** Population standard deviation. */
  sd: number | null;
  min: number | null;
  p05: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Counts per bin; bin i is [edges[i], edges[i+1]), the last one closed. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The q-quantiles of `values` (type 7, as {@link quantileSorted}) without sorting them all:
 * quickselect (Hoare 1961) finds each order statistic in linear time on average. Reorders
 * `values` in place; ignores nothing, so pass finite numbers.
 */
export function quantiles(values: Float64Array, qs: readonly number[]): number[] {
  const kth = (k: number): number => {
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const pivot = values[(lo + hi) >>> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (values[i]! < pivot) i++;
        while (values[j]! > pivot) j--;
        if (i <= j) {
          const t = values[i]!;
          values[i++] = values[j]!;
          values[j--] = t;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else break;
    }
    return values[k]!;
  };
  return qs.map((q) => {
    const h = (values.length - 1) * q;
    const lo = Math.floor(h);
    const a = kth(lo);
    if (lo + 1 >= values.length || h === lo) return a;
    // After selecting k, everything right of k is ≥ it: the next order statistic is their minimum.
    let b = Infinity;
    for (let i = lo + 1; i < values.length; i++) if (values[i]! < b) b = values[i]!;
    return a + (h - lo) * (b - a);
  });
}

export function summarize(values: Iterable<number>): Summary {
  const v = Float64Array.from([...values].filter(Number.isFinite)).sort();
  if (v.length === 0) return { count: 0, mean: null, sd: null, min: null, p05: null, p50: null, p95: null, max: null };
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) ** 2;
  return {
    count: v.length,
    mean,
    sd: Math.sqrt(sq / v.length),
    min: v[0]!,
    p05: quantileSorted(v, 0.05),
    p50: quantileSorted(v, 0.5),
    p95: quantileSorted(v, 0.95),
    max: v[v.length - 1]!,
  };
}

/** A histogram of the finite values with `bins` equal bins from their min to their max. */
export function histogram(values: Iterable<number>, bins: number): Histogram {
  const v = [...values].filter(Number.isFinite);
  if (v.length === 0) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  // All equal: one bin of width 1 around the value, so the chart still has a bar.
  if (hi === lo) return { edges: [lo - 0.5, lo + 0.5], counts: [v.length] };
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  return { edges, counts };
}
