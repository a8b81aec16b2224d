import { describe, expect, it } from 'vitest';
import { gridSample, gridSize, latinHypercube } from './sampling.ts';

const RANGES = [
  { min: 0, max: 1 },
  { min: 10, max: 30 },
  { min: -5, max: 5 },
];

describe('Latin hypercube', () => {
  it('puts exactly one point in each of the n strata of every range', () => {
    const n = 97;
    const rows = latinHypercube(RANGES, n, 42);
    expect(rows).toHaveLength(n);
    RANGES.forEach((r, d) => {
      const strata = rows.map((row) => Math.floor(((row[d]! - r.min) / (r.max - r.min)) * n));
      expect(new Set(strata).size).toBe(n);
      for (const v of rows.map((row) => row[d]!)) {
        expect(v).toBeGreaterThanOrEqual(r.min);
        expect(v).toBeLessThan(r.max);
      }
    });
  });

  it('is reproducible from its seed, and another seed gives another design', () => {
    expect(latinHypercube(RANGES, 20, 7)).toEqual(latinHypercube(RANGES, 20, 7));
    expect(latinHypercube(RANGES, 20, 8)).not.toEqual(latinHypercube(RANGES, 20, 7));
  });

  it('pairs the strata at random, not along the diagonal', () => {
    const rows = latinHypercube(RANGES.slice(0, 2), 200, 3);
    const rank = (d: number) => rows.map((r) => r[d]!).map((v, _i, all) => all.filter((w) => w < v).length);
    const [a, b] = [rank(0), rank(1)];
    const mean = (a.length - 1) / 2;
    const cov = a.reduce((s, x, i) => s + (x - mean) * (b[i]! - mean), 0) / a.length;
    const rho = cov / ((a.length * a.length - 1) / 12);
    expect(Math.abs(rho)).toBeLessThan(0.25);
  });
});

describe('grid', () => {
  it('takes every combination of evenly spaced levels, ends included, the first range slowest', () => {
    const rows = gridSample(RANGES.slice(0, 2), 3);
    expect(gridSize(3, 2)).toBe(9);
    expect(rows).toEqual([
      [0, 10], [0, 20], [0, 30],
      [0.5, 10], [0.5, 20], [0.5, 30],
      [1, 10], [1, 20], [1, 30],
    ]);
  });

  it('has one member and no values without ranges', () => {
    expect(gridSample([], 5)).toEqual([[]]);
  });
});
