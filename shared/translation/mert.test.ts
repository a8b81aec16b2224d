/**
 * @module MERT: the exact line search on a two-sentence toy worked by hand (envelopes,
 * breakpoints, interval BLEU, best γ), against a dense grid of γ on random n-best lists, and
 * the optimiser's guarantees (never below the start, deterministic for a seed, fixed features).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { corpusBleu } from './bleu.ts';
import { bleuFromStats, bleuStats, lineSearch, mert, type BleuStats, type NbestCandidate } from './mert.ts';

/** Four-token candidates against four-token references: totals 4, 3, 2, 1. */
const st = (correct: number[]): BleuStats => ({ correct, total: [4, 3, 2, 1], sysLen: 4, refLen: 4 });
const cand = (features: number[], correct: number[]): NbestCandidate => ({ features, stats: st(correct) });

/*
 * The toy: weights w = (1, 0), direction d = (0, 1); a candidate's score is h1 + γ h2.
 * Sentence 1: A h = (0, 1) → γ;        B h = (1, −1) → 1 − γ;    C h = (0.8, 0) → 0.8.
 *   Envelope by slope: B (−∞, 0.2) [1 − γ = 0.8], C (0.2, 0.8) [0.8 = γ], A (0.8, ∞);
 *   A never beats C before 0.8, and B meets A at 0.5 under C.
 * Sentence 2: E h = (0, 0) → 0;        D h = (−1, 2) → −1 + 2γ.  E (−∞, 0.5), D (0.5, ∞).
 * Breakpoints merged: 0.2, 0.5, 0.8. Totals of a pair: 8, 6, 4, 2.
 *   (−∞, 0.2) B+E correct 4 1 0 0 → 1/2 · 1/6 · 1/(2·4) · 1/(4·2) = 1/768 (exp smoothing)
 *   (0.2, 0.5) C+E        5 2 1 0 → 5/8 · 2/6 · 1/4 · 1/(2·2)     = 5/384
 *   (0.5, 0.8) C+D        7 5 3 1 → 7/8 · 5/6 · 3/4 · 1/2         = 105/384   ← best
 *   (0.8, ∞)   A+D        7 4 2 1 → 7/8 · 4/6 · 2/4 · 1/2         = 56/384
 * BLEU = 100 · product^(1/4), BP = 1; the best γ is the midpoint 0.65.
 */
const TOY: NbestCandidate[][] = [
  [cand([0, 1], [3, 1, 0, 0]), cand([1, -1], [2, 1, 0, 0]), cand([0.8, 0], [3, 2, 1, 0])],
  [cand([-1, 2], [4, 3, 2, 1]), cand([0, 0], [2, 0, 0, 0])],
];
const BEST = 100 * (105 / 384) ** 0.25;

describe('lineSearch', () => {
  it('finds the hand-derived best interval of the toy and its midpoint', () => {
    const r = lineSearch(TOY, [1, 0], [0, 1]);
    expect(r.gamma).toBeCloseTo(0.65, 12);
    expect(r.bleu).toBeCloseTo(BEST, 10);
    // Searching backwards mirrors the line: the best interval is (−0.8, −0.5).
    expect(lineSearch(TOY, [1, 0], [0, -1]).gamma).toBeCloseTo(-0.65, 12);
  });

  it('lands one step past the last breakpoint when the best interval is unbounded, and on 0 with no breakpoint', () => {
    // A made perfect (correct 4 3 2 1): A+D matches 8 6 4 2 of 8 6 4 2, BLEU 100, on (0.8, ∞):
    // γ = 0.8 + MERT_UNBOUNDED_STEP.
    const toy = [[cand([0, 1], [4, 3, 2, 1]), TOY[0]![1]!, TOY[0]![2]!], TOY[1]!];
    const r = lineSearch(toy, [1, 0], [0, 1]);
    expect(r.gamma).toBeCloseTo(1.8, 12);
    expect(r.bleu).toBeCloseTo(100, 10);
    // A zero direction moves no score: no breakpoint, γ = 0, and the BLEU of what (1, 0) picks, B+E.
    expect(lineSearch(TOY, [1, 0], [0, 0])).toEqual({ gamma: 0, bleu: 100 * (1 / 768) ** 0.25 });
  });

  it('is never beaten by any γ of a dense grid, and its γ scores what it says (random n-best lists)', () => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 5; trial++) {
      const nb = randomNbests(rand, 12, 6, 3);
      const w = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
      const d = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
      const r = lineSearch(nb, w, d);
      expect(direct(nb, w.map((x, i) => x + r.gamma * d[i]!))).toBeCloseTo(r.bleu, 10);
      for (let g = -20; g <= 20; g += 0.01) expect(direct(nb, w.map((x, i) => x + g * d[i]!))).toBeLessThanOrEqual(r.bleu + 1e-9);
    }
  });
});

/** Corpus BLEU of the candidates weights pick (highest score, first on ties), computed here. */
function direct(nb: NbestCandidate[][], w: number[]): number {
  const sum: BleuStats = { correct: [0, 0, 0, 0], total: [0, 0, 0, 0], sysLen: 0, refLen: 0 };
  for (const list of nb) {
    const score = (c: NbestCandidate) => c.features.reduce((s, h, i) => s + h * w[i]!, 0);
    const pick = list.reduce((best, c) => (score(c) > score(best) ? c : best));
    for (let n = 0; n < 4; n++) {
      sum.correct[n]! += pick.stats.correct[n]!;
      sum.total[n]! += pick.stats.total[n]!;
    }
    sum.sysLen += pick.stats.sysLen;
    sum.refLen += pick.stats.refLen;
  }
  return bleuFromStats(sum);
}

function randomNbests(rand: () => number, sentences: number, k: number, F: number): NbestCandidate[][] {
  return Array.from({ length: sentences }, () => {
    const refLen = 5 + Math.floor(rand() * 6);
    return Array.from({ length: k }, () => {
      const len = 4 + Math.floor(rand() * 8);
      const total = [0, 1, 2, 3].map((n) => len - n);
      const correct = total.map((t, n) => Math.floor(rand() * (t + 1) * (1 - n / 5)));
      return { features: Array.from({ length: F }, () => Math.round(rand() * 20 - 10) / 4), stats: { correct, total, sysLen: len, refLen } };
    });
  });
}

describe('mert', () => {
  it('reaches the best pair of the toy from (1, 0), with L1-normalised weights', () => {
    const r = mert(TOY, [1, 0], { randomRestarts: 0, seed: 1, maxIterations: 10 });
    expect(r.bleu).toBeCloseTo(BEST, 10);
    const [w1, w2] = r.weights as [number, number];
    expect(Math.abs(w1) + Math.abs(w2)).toBeCloseTo(1, 12);
    // C beats A and B (0.8 w1 > w2, 0.8 w1 > w1 − w2) and D beats E (−w1 + 2 w2 > 0).
    expect(0.8 * w1 > w2 && 0.8 * w1 > w1 - w2 && -w1 + 2 * w2 > 0).toBe(true);
  });

  it('never lowers BLEU on its own n-best lists, reports the BLEU its weights give, and repeats for a seed', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 4; trial++) {
      const nb = randomNbests(rand, 15, 8, 4);
      const start = [rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5];
      const opts = { randomRestarts: 2, seed: 100 + trial, maxIterations: 8 };
      const r = mert(nb, start, opts);
      expect(r.bleu).toBeGreaterThanOrEqual(direct(nb, start));
      expect(direct(nb, r.weights)).toBeCloseTo(r.bleu, 12);
      expect(mert(nb, start, opts)).toEqual(r);
    }
  });

  it('stops at a point no coordinate line search improves, given iterations enough', () => {
    const rand = mulberry32(8);
    for (let trial = 0; trial < 3; trial++) {
      const nb = randomNbests(rand, 15, 8, 3);
      const r = mert(nb, [1, 1, 1], { randomRestarts: 1, seed: trial, maxIterations: 50 });
      for (const e of [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) expect(lineSearch(nb, r.weights, e).bleu).toBeLessThanOrEqual(r.bleu + 1e-9);
    }
  });

  it('never searches along a fixed feature: fixed weights keep their ratio', () => {
    const nb = randomNbests(mulberry32(9), 15, 8, 3);
    const r = mert(nb, [0.5, -0.25, 0.1], { randomRestarts: 1, seed: 3, maxIterations: 8, fixed: [true, true, false] });
    expect(r.weights[0]! / r.weights[1]!).toBeCloseTo(-2, 12);
    expect(r.bleu).toBeGreaterThanOrEqual(direct(nb, [0.5, -0.25, 0.1]));
  });
});

describe('bleuStats', () => {
  it("sums to corpusBleu's score, for strings and for token lists", () => {
    const sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const refs = [
      ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
      ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
    ];
    const add = (a: BleuStats, b: BleuStats): BleuStats => ({
      correct: a.correct.map((x, n) => x + b.correct[n]!),
      total: a.total.map((x, n) => x + b.total[n]!),
      sysLen: a.sysLen + b.sysLen,
      refLen: a.refLen + b.refLen,
    });
    const zero: BleuStats = { correct: [0, 0, 0, 0], total: [0, 0, 0, 0], sysLen: 0, refLen: 0 };
    const fromStrings = sys.map((h, i) => bleuStats(h, refs.map((r) => r[i]!))).reduce(add, zero);
    expect(bleuFromStats(fromStrings)).toBe(corpusBleu(sys, refs).score);
    expect(bleuFromStats(fromStrings).toFixed(2)).toBe('48.53');
    // Tokens joined by spaces: "the dog bit the man ." tokenises as the string does.
    const tokens = sys.map((h) => h.split(' '));
    const fromTokens = tokens.map((t, i) => bleuStats(t, refs.map((r) => r[i]!))).reduce(add, zero);
    expect(fromTokens).toEqual(fromStrings);
  });
});
