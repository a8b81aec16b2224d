/**
 * @module Sampling a box of parameter ranges: a full grid (every combination of evenly spaced
 * levels) or a Latin hypercube (McKay, Beckman & Conover 1979: each range cut into n equal
 * strata, every stratum used exactly once per parameter, strata paired at random). Both are
 * reproducible from their inputs alone: the hypercube draws from a seeded mulberry32.
 */
import { mulberry32 } from '../random.ts';

/** A closed range [min, max] of one parameter. */
export interface Range {
  min: number;
  max: number;
}

/** Members of a grid with `levels` levels on each of `dims` ranges. */
export function gridSize(levels: number, dims: number): number {
  return dims === 0 ? 1 : levels ** dims;
}

/**
 * Every combination of `levels` evenly spaced values (both ends included) of each range, the
 * first range varying slowest. Returns one row per member, one value per range.
 * @example
 * gridSample([{ min: 0, max: 1 }, { min: 10, max: 20 }], 2); // [[0,10],[0,20],[1,10],[1,20]]
 */
export function gridSample(ranges: readonly Range[], levels: number): number[][] {
  const total = gridSize(levels, ranges.length);
  const rows: number[][] = [];
  for (let i = 0; i < total; i++) {
    const row = new Array<number>(ranges.length);
    let rest = i;
    for (let d = ranges.length - 1; d >= 0; d--) {
      const k = rest % levels;
      rest = Math.floor(rest / levels);
      const r = ranges[d]!;
      // The last level is max itself, not min + (max − min), which may round past it.
      row[d] = k === levels - 1 ? r.max : r.min + ((r.max - r.min) * k) / (levels - 1);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * `n` points of a Latin hypercube over `ranges`, seeded: for each range in order, a
 * Fisher–Yates permutation of the n strata, then one uniform offset inside each stratum.
 * Returns one row per member, one value per range.
 */
export function latinHypercube(ranges: readonly Range[], n: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  const rows = Array.from({ length: n }, () => new Array<number>(ranges.length));
  ranges.forEach((r, d) => {
    const strata = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [strata[i], strata[j]] = [strata[j]!, strata[i]!];
    }
    for (let i = 0; i < n; i++) rows[i]![d] = r.min + (r.max - r.min) * ((strata[i]! + rand()) / n);
  });
  return rows;
}
