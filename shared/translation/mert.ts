/**
 * @module Minimum error rate training (Och 2003): the log-linear weights that maximise corpus
 * BLEU (bleu.ts, sacrebleu's) of the best-scoring candidate of each sentence's n-best list.
 *
 * Line search (Och 2003, §6): along w + γ d every candidate's score is a line a + γ b
 * (a = w·h, b = d·h), so the candidate a sentence picks changes only where the upper envelope
 * of its lines changes. Each envelope is built exactly (lines by slope, a stack of the lines
 * on top; Och's Algorithm 1); the breakpoints of all sentences are merged, the corpus BLEU
 * statistics updated from one interval to the next, and the best interval's midpoint is γ.
 * An unbounded interval's γ is MERT_UNBOUNDED_STEP beyond its finite end; with no breakpoint
 * at all γ = 0. Ties between intervals of equal BLEU go to the one whose γ is nearest 0, then
 * to the leftmost.
 *
 * Search (as Moses' `mert` does): from the start point and from seeded random points, repeat
 * up to `maxIterations` times: search along every coordinate of a free feature and along
 * seeded random directions, move to the best point found if it raises BLEU (measured directly
 * at that point), else stop. Weights are L1-normalised after every move (a positive scale
 * changes no choice; fixed features are never searched along but are scaled with the rest).
 * The best run wins (ties: the earliest). Ties between candidates of equal score go to the
 * lowest index in the n-best list, in the envelope and in direct evaluation alike.
 */
import { mulberry32 } from '../random.ts';
import { BLEU_MAX_ORDER, bleuScoreFromStats, sentenceBleuStats, type BleuStats } from './bleu.ts';

export type { BleuStats } from './bleu.ts';

/** Features per candidate the optimiser takes (a phrase-based system has about 15). */
export const MERT_FEATURES_MAX = 64;
/** Candidates, all sentences together: each line search sorts them all. */
export const MERT_CANDIDATES_MAX = 2_000_000;
/** Bound on `maxIterations` (moves per run). */
export const MERT_ITERATIONS_MAX = 100;
/** Bound on `randomRestarts` (runs besides the one from the start point). */
export const MERT_RESTARTS_MAX = 100;
/** Bound on random directions searched per iteration. */
export const MERT_DIRECTIONS_MAX = 64;
/** How far beyond the last (first) breakpoint γ lands when the best interval is unbounded. */
export const MERT_UNBOUNDED_STEP = 1;

/** One candidate translation: its feature values and its BLEU statistics against the references. */
export interface NbestCandidate {
  features: number[];
  stats: BleuStats;
}

/** Options of `mert`. */
export interface MertOptions {
  /** Runs from seeded random points in [−1, 1] (fixed features keep their start value). */
  randomRestarts: number;
  seed: number;
  /** Moves per run, at most. */
  maxIterations: number;
  /** `fixed[i]`: feature i is never searched along. */
  fixed?: boolean[];
  /** Random directions per iteration besides the coordinates. @default the number of free features */
  randomDirections?: number;
}

/**
 * BLEU statistics of one candidate: a string as `corpusBleu` reads a hypothesis, tokens
 * joined by spaces first (then 13a-tokenised like a string), so summed statistics give
 * exactly `corpusBleu`'s score.
 * @example bleuStats(['a', 'b'], ['a b c']).refLen // 3
 */
export function bleuStats(hyp: string | string[], refs: string[]): BleuStats {
  return sentenceBleuStats(typeof hyp === 'string' ? hyp : hyp.join(' '), refs);
}

/** Corpus BLEU (0–100) of summed statistics, as `corpusBleu` scores them. */
export function bleuFromStats(total: BleuStats): number {
  return bleuScoreFromStats(total).score;
}

/** Statistics as a flat row: correct 1…4, total 1…4, sysLen, refLen. */
const ROW = 2 * BLEU_MAX_ORDER + 2;

/** The n-best lists flattened: features and statistics rows of every candidate, sentence by sentence. */
interface Flat {
  F: number;
  start: Int32Array;
  feat: Float64Array;
  stats: Float64Array;
}

function flatten(nbests: NbestCandidate[][], F: number): Flat {
  if (!Number.isInteger(F) || F < 1 || F > MERT_FEATURES_MAX) throw new RangeError(`1…${MERT_FEATURES_MAX} features are needed`);
  const n = nbests.reduce((s, l) => s + l.length, 0);
  if (n > MERT_CANDIDATES_MAX) throw new RangeError(`more than ${MERT_CANDIDATES_MAX} candidates`);
  const start = new Int32Array(nbests.length + 1);
  const feat = new Float64Array(n * F);
  const stats = new Float64Array(n * ROW);
  let k = 0;
  nbests.forEach((list, s) => {
    if (list.length === 0) throw new RangeError(`sentence ${s} has no candidate`);
    for (const c of list) {
      if (c.features.length !== F || !c.features.every(Number.isFinite)) throw new RangeError(`a candidate of sentence ${s} needs ${F} finite features`);
      feat.set(c.features, k * F);
      const r = k * ROW;
      for (let o = 0; o < BLEU_MAX_ORDER; o++) {
        stats[r + o] = c.stats.correct[o] ?? 0;
        stats[r + BLEU_MAX_ORDER + o] = c.stats.total[o] ?? 0;
      }
      stats[r + 2 * BLEU_MAX_ORDER] = c.stats.sysLen;
      stats[r + 2 * BLEU_MAX_ORDER + 1] = c.stats.refLen;
      k++;
    }
    start[s + 1] = k;
  });
  return { F, start, feat, stats };
}

const dot = (f: Flat, k: number, w: readonly number[]) => {
  let x = 0;
  for (let i = 0; i < f.F; i++) x += w[i]! * f.feat[k * f.F + i]!;
  return x;
};

/** BLEU of a flat statistics sum. */
function scoreOf(sum: Float64Array): number {
  const o = BLEU_MAX_ORDER;
  return bleuFromStats({ correct: Array.from(sum.subarray(0, o)), total: Array.from(sum.subarray(o, 2 * o)), sysLen: sum[2 * o]!, refLen: sum[2 * o + 1]! });
}

/** Corpus BLEU of the candidates `w` picks (the highest w·h; ties: the lowest index). */
function evaluate(f: Flat, w: readonly number[]): number {
  const sum = new Float64Array(ROW);
  for (let s = 0; s + 1 < f.start.length; s++) {
    let best = f.start[s]!;
    let bestScore = dot(f, best, w);
    for (let k = best + 1; k < f.start[s + 1]!; k++) {
      const x = dot(f, k, w);
      if (x > bestScore) [best, bestScore] = [k, x];
    }
    for (let j = 0; j < ROW; j++) sum[j]! += f.stats[best * ROW + j]!;
  }
  return scoreOf(sum);
}

/** One change of the picked candidate: at γ = x, sentence's pick goes from candidate `from` to `to`. */
interface Breakpoint {
  x: number;
  from: number;
  to: number;
}

function lineSearchFlat(f: Flat, w: readonly number[], d: readonly number[]): { gamma: number; bleu: number } {
  const sum = new Float64Array(ROW);
  const points: Breakpoint[] = [];
  for (let s = 0; s + 1 < f.start.length; s++) {
    const s0 = f.start[s]!;
    const n = f.start[s + 1]! - s0;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let k = 0; k < n; k++) [a[k], b[k]] = [dot(f, s0 + k, w), dot(f, s0 + k, d)];
    // By slope, then by intercept (higher first), then by index: the first of equal slopes is the one on top.
    const ks = Array.from({ length: n }, (_, k) => k).sort((x, y) => b[x]! - b[y]! || a[y]! - a[x]! || x - y);
    const hull: number[] = [];
    const from: number[] = [];
    for (const k of ks) {
      const top = hull[hull.length - 1];
      if (top !== undefined && b[top] === b[k]) continue;
      let x = -Infinity;
      // Bounded: each line is pushed and popped at most once.
      while (hull.length > 0) {
        const t = hull[hull.length - 1]!;
        x = (a[t]! - a[k]!) / (b[k]! - b[t]!);
        if (x > from[from.length - 1]!) break;
        hull.pop();
        from.pop();
        x = -Infinity;
      }
      hull.push(k);
      from.push(x);
    }
    for (let j = 0; j < ROW; j++) sum[j]! += f.stats[(s0 + hull[0]!) * ROW + j]!;
    for (let i = 1; i < hull.length; i++) points.push({ x: from[i]!, from: s0 + hull[i - 1]!, to: s0 + hull[i]! });
  }
  points.sort((p, q) => p.x - q.x);
  if (points.length === 0) return { gamma: 0, bleu: scoreOf(sum) };
  let best = { gamma: points[0]!.x - MERT_UNBOUNDED_STEP, bleu: scoreOf(sum) };
  const consider = (gamma: number, bleu: number) => {
    if (bleu > best.bleu || (bleu === best.bleu && Math.abs(gamma) < Math.abs(best.gamma))) best = { gamma, bleu };
  };
  for (let i = 0; i < points.length; ) {
    const x = points[i]!.x;
    // Every change at this breakpoint, of any sentence.
    for (; i < points.length && points[i]!.x === x; i++) {
      const p = points[i]!;
      for (let j = 0; j < ROW; j++) sum[j]! += f.stats[p.to * ROW + j]! - f.stats[p.from * ROW + j]!;
    }
    consider(i < points.length ? (x + points[i]!.x) / 2 : x + MERT_UNBOUNDED_STEP, scoreOf(sum));
  }
  return best;
}

/**
 * The exact line search of Och (2003) from `weights` along `direction`: the γ whose weights
 * weights + γ·direction give the highest corpus BLEU, and that BLEU.
 * @example lineSearch(nbests, [1, 0], [0, 1]) // { gamma: 0.65, bleu: … }
 */
export function lineSearch(nbests: NbestCandidate[][], weights: number[], direction: number[]): { gamma: number; bleu: number } {
  if (direction.length !== weights.length) throw new RangeError('direction and weights differ in length');
  return lineSearchFlat(flatten(nbests, weights.length), weights, direction);
}

function normalised(w: number[]): number[] {
  const l1 = w.reduce((s, x) => s + Math.abs(x), 0);
  return l1 > 0 ? w.map((x) => x / l1) : w.slice();
}

/**
 * Och's MERT over fixed n-best lists (module comment): weights (L1 = 1 unless all are 0)
 * and the corpus BLEU they reach, never below the start point's.
 * @example mert(nbests, [1, 1, 1], { randomRestarts: 5, seed: 7, maxIterations: 20 })
 */
export function mert(nbests: NbestCandidate[][], start: number[], opts: MertOptions): { weights: number[]; bleu: number } {
  const F = start.length;
  const f = flatten(nbests, F);
  const fixed = opts.fixed ?? [];
  const free = start.map((_, i) => i).filter((i) => fixed[i] !== true);
  const iterations = Math.min(Math.max(0, Math.floor(opts.maxIterations)), MERT_ITERATIONS_MAX);
  const restarts = Math.min(Math.max(0, Math.floor(opts.randomRestarts)), MERT_RESTARTS_MAX);
  const randomDirs = Math.min(Math.max(0, Math.floor(opts.randomDirections ?? free.length)), MERT_DIRECTIONS_MAX);
  const rand = mulberry32(opts.seed);
  const randomPoint = (base: number[]) => base.map((x, i) => (fixed[i] === true ? x : 2 * rand() - 1));
  const coordinate = (i: number) => start.map((_, j) => (j === i ? 1 : 0));
  let best = { weights: normalised(start), bleu: evaluate(f, normalised(start)) };
  for (let run = 0; run <= restarts; run++) {
    let w = normalised(run === 0 ? start : randomPoint(start));
    let bleu = evaluate(f, w);
    for (let it = 0; it < iterations; it++) {
      const dirs = [...free.map(coordinate), ...Array.from({ length: randomDirs }, () => randomPoint(start.map(() => 0)))];
      let move: { weights: number[]; bleu: number } | null = null;
      for (const d of dirs) {
        const { gamma } = lineSearchFlat(f, w, d);
        const next = normalised(w.map((x, i) => x + gamma * d[i]!));
        const b = evaluate(f, next);
        if (b > (move?.bleu ?? bleu)) move = { weights: next, bleu: b };
      }
      if (move === null) break;
      [w, bleu] = [move.weights, move.bleu];
    }
    if (bleu > best.bleu) best = { weights: w, bleu };
  }
  return best;
}
