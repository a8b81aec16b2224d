/**
 * @module Seeded random align units for the tests (kernel against reference and C, Chromium
 * against Node): sentences up to 40 words with repeated words, t with zeros, −0 and wide
 * magnitudes, λ and p0 over their whole ranges, both modes, NULL on or off, dense or hashed
 * entry tables; optionally one entry left out or one bad token, so some units are refused.
 */
import { encodeAlignInput, type AlignMode } from '../../shared/kernels/align.codec.ts';
import { mulberry32 } from '../../shared/random.ts';

/** What to vary in {@link randomAlignUnit}. */
export interface RandomAlignOptions {
  mode: AlignMode;
  withNull: boolean;
  /** Vocabulary sizes of 2000: S·T far above 16 cells per entry, so the kernel hashes. */
  hashed: boolean;
  dropOne?: boolean;
  badToken?: boolean;
  /** Carried values (NaN included). @default 0 */
  carry?: number;
}

/** Sentence length bound of the random units (a quarter of the pairs draw up to it, the rest up to 9). */
const RANDOM_SENTENCE_MAX = 40;
/** Pairs per random unit at most. */
const RANDOM_PAIRS_MAX = 12;

/** A random unit's input bytes. */
export function randomAlignUnit(seed: number, opts: RandomAlignOptions): Uint8Array {
  const random = mulberry32(seed);
  const rnd = (n: number) => Math.floor(random() * n);
  const srcTypes = opts.hashed ? 2000 : 4 + rnd(12);
  const tgtTypes = opts.hashed ? 2000 : 3 + rnd(12);
  const lo = opts.withNull ? 1 : 0;
  const srcUsed = Math.min(srcTypes - lo, 3 + rnd(10));
  const tgtUsed = Math.min(tgtTypes, 3 + rnd(10));
  const P = 1 + rnd(RANDOM_PAIRS_MAX);
  const lens: number[] = [];
  const tokens: number[] = [];
  for (let p = 0; p < P; p++) {
    const l = 1 + rnd(rnd(4) === 0 ? RANDOM_SENTENCE_MAX : 9);
    const m = 1 + rnd(rnd(4) === 0 ? RANDOM_SENTENCE_MAX : 9);
    lens.push(l, m);
    for (let i = 0; i < l; i++) tokens.push(lo + rnd(srcUsed));
    for (let j = 0; j < m; j++) tokens.push(rnd(tgtUsed));
  }
  const keys = new Set<number>();
  for (let p = 0, k = 0; p < P; p++) {
    const l = lens[2 * p]!;
    const m = lens[2 * p + 1]!;
    for (let j = 0; j < m; j++) {
      if (opts.withNull) keys.add(tokens[k + l + j]!);
      for (let i = 0; i < l; i++) keys.add(tokens[k + i]! * tgtTypes + tokens[k + l + j]!);
    }
    k += l + m;
  }
  // Shuffled entry order: the kernel must not depend on it.
  const all = [...keys].sort((a, b) => a - b);
  for (let i = all.length - 1; i > 0; i--) {
    const r = rnd(i + 1);
    [all[i], all[r]] = [all[r]!, all[i]!];
  }
  if (opts.dropOne) all.splice(rnd(all.length), 1);
  const values = [0, -0, 1e-300, 1e300, 5e-324, 0.25, 1];
  const t = Float64Array.from(all, () => (rnd(5) === 0 ? values[rnd(values.length)]! : rnd(1000) / 997));
  if (opts.badToken) {
    const k = rnd(tokens.length);
    tokens[k] = rnd(3) === 0 && opts.withNull ? 0 : Math.max(srcTypes, tgtTypes) + rnd(5);
  }
  const lambdas = [0, 0.5, 4, 4, 4, 17.25, 50, 700];
  return encodeAlignInput({
    withNull: opts.withNull,
    srcTypes,
    tgtTypes,
    carry: Float64Array.from({ length: opts.carry ?? 0 }, (_, i) => (i === 1 ? NaN : -i - 0.5)),
    t,
    entrySrc: Uint16Array.from(all, (key) => Math.floor(key / tgtTypes)),
    entryTgt: Uint16Array.from(all, (key) => key % tgtTypes),
    lens: Uint16Array.from(lens),
    tokens: Uint16Array.from(tokens),
    tension: lambdas[rnd(lambdas.length)]!,
    p0: rnd(4) === 0 ? [0, 1, 0.5][rnd(3)]! : 0.08,
    mode: opts.mode,
  });
}
