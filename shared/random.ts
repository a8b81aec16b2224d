/**
 * @module Seeded pseudo-random numbers that give the same sequence in every JS engine, for
 * ensemble perturbations and test workloads (never for secrets).
 */

/**
 * mulberry32: a 32-bit generator with a full 2^32 period; returns floats in [0, 1) built
 * from 32 random bits, so the sequence is exact in any engine.
 * @example
 * const rand = mulberry32(42); rand(); // 0.6011...
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
