/**
 * @module A test-only module around the kernel's exponential (../exp.test.ts compiles it
 * alone, to compare it with the TypeScript twin bit for bit); not part of the kernel build.
 */
import { fdexp } from './exp';

/** exp(x) as the kernel computes it. */
export function exp(x: f64): f64 {
  return fdexp(x);
}
