/**
 * @module The align kernel (fast_align's E-step and Viterbi alignment) against pairs worked by
 * hand, against its TypeScript reference and its C build byte for byte on seeded random units
 * (both modes, NULL on and off, dense and hashed tables), whatever the step budget schedule,
 * and its refusals against the reference's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAlignEStepOutput, decodeAlignViterbiOutput, encodeAlignInput, type AlignUnitInput } from '../../shared/kernels/align.codec.ts';
import { startKernel, runKernel } from '../../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import * as codes from './codes.ts';
import { randomAlignUnit, type RandomAlignOptions } from './random-unit.ts';
import { alignInputProblem, alignReference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'align', 1);
});

/** Runs a unit on the kernel and checks the reference gives the same bytes. */
async function both(input: Uint8Array, budget = 1e9): Promise<Uint8Array> {
  const out = await runKernel(kernel, input, { budget });
  expect(Buffer.from(out).equals(Buffer.from(alignReference(input)))).toBe(true);
  return out;
}

// Local ids: source NULL 0, e1 1, e2 2; target f1 0, f2 1. Entries in this order:
// (NULL,f1) (e1,f1) (e2,f1) (NULL,f2) (e1,f2) (e2,f2).
const twoByTwo = (extra: Partial<AlignUnitInput> = {}): AlignUnitInput => ({
  withNull: true,
  srcTypes: 3,
  tgtTypes: 2,
  carry: new Float64Array(0),
  t: Float64Array.from([0.1, 0.5, 0.25, 0.1, 0.25, 0.5]),
  entrySrc: Uint16Array.from([0, 1, 2, 0, 1, 2]),
  entryTgt: Uint16Array.from([0, 0, 0, 1, 1, 1]),
  lens: Uint16Array.from([2, 2]),
  tokens: Uint16Array.from([1, 2, 0, 1]),
  // λ = 2·ln 3, so a link half a sentence off the diagonal weighs e^(−λ/2) = 1/3.
  tension: 2 * Math.log(3),
  p0: 0.2,
  mode: 'estep',
  ...extra,
});

describe('align kernel, worked by hand', () => {
  it('gives the prior, posteriors, counts, log-likelihood and features of a 2×2 pair', async () => {
    // n = m = 2: h(1,1) = h(2,2) = 0, h(2,1) = h(1,2) = |1 − 1/2| = 1/2.
    // j = 1: w = (1, 1/3), Z = 4/3, δ = (p0, 0.8·3/4, 0.8·1/4) = (0.2, 0.6, 0.2).
    //   a = δ·t = (0.2·0.1, 0.6·0.5, 0.2·0.25) = (0.02, 0.3, 0.05), denom 0.37,
    //   posteriors (2, 30, 5)/37.
    // j = 2: δ = (0.2, 0.2, 0.6); a = (0.2·0.1, 0.2·0.25, 0.6·0.5) = (0.02, 0.05, 0.3), denom 0.37,
    //   posteriors (2, 5, 30)/37.
    // LL = 2·log 0.37. Empirical Σ P·h = (5/37)·(1/2) + (5/37)·(1/2) = 5/37.
    // Model: E_δ'[h] = (1·0 + (1/3)·(1/2)) / (4/3) = 1/8 at both j, times 1 − P(NULL) = 35/37:
    //   2·35/(37·8) = 35/148.
    const out = decodeAlignEStepOutput(await both(encodeAlignInput(twoByTwo())), 6);
    expect(out.pairs).toBe(1);
    expect(out.logLikelihood).toBeCloseTo(2 * Math.log(0.37), 14);
    const hand = [2 / 37, 30 / 37, 5 / 37, 2 / 37, 5 / 37, 30 / 37];
    hand.forEach((c, e) => expect(out.counts[e], `count ${e}`).toBeCloseTo(c, 14));
    expect(out.empiricalFeature).toBeCloseTo(5 / 37, 14);
    expect(out.modelFeature).toBeCloseTo(35 / 148, 14);
  });

  it('drops p0 without the NULL word', async () => {
    // δ = (3/4, 1/4) at j = 1: a = (0.375, 0.0625), denom 0.4375, posteriors (6, 1)/7; the mirror at j = 2.
    // LL = 2·log 0.4375; empirical 2·(1/7)·(1/2) = 1/7; model 2·(1/8) = 1/4 (no NULL mass to take out).
    const u = twoByTwo({ withNull: false, t: Float64Array.from([0.5, 0.25, 0.25, 0.5]), entrySrc: Uint16Array.from([1, 2, 1, 2]), entryTgt: Uint16Array.from([0, 0, 1, 1]) });
    const out = decodeAlignEStepOutput(await both(encodeAlignInput(u)), 4);
    expect(out.logLikelihood).toBeCloseTo(2 * Math.log(0.4375), 14);
    [6 / 7, 1 / 7, 1 / 7, 6 / 7].forEach((c, e) => expect(out.counts[e], `count ${e}`).toBeCloseTo(c, 14));
    expect(out.empiricalFeature).toBeCloseTo(1 / 7, 14);
    expect(out.modelFeature).toBeCloseTo(1 / 4, 14);
  });

  it('gives the Viterbi links of a diagonal pair, a tie, a NULL win and a NULL tie', async () => {
    // The 2×2 pair above: a = (0.02, 0.3, 0.05) and (0.02, 0.05, 0.3): links 1, 2.
    const diag = decodeAlignViterbiOutput(await both(encodeAlignInput(twoByTwo({ mode: 'viterbi' }))), 2);
    expect(Array.from(diag.links)).toEqual([1, 2]);
    expect(diag.pairs).toBe(1);
    // λ = 0 (flat prior, every w = 1 exactly), p0 = 1/2. Source ids e1 1, e2 2; targets g1..g4 = 0..3.
    // Pair A (e1 e2 | g1 g2 g3): δ = (1/2, 1/4, 1/4).
    //   g1: t = (0.5, 0.2, 0.2) → a = (0.25, 0.05, 0.05): NULL, 0.
    //   g2: t = (0.1, 0.4, 0.4) → a = (0.05, 0.1, 0.1): e1 and e2 tie, the first: 1.
    //   g3: t = (0.1, 0.1, 0.4) → a = (0.05, 0.025, 0.1): 2.
    // Pair B (e1 | g4): δ = (1/2, 1/2), t = (0.3, 0.3) → a = (0.15, 0.15): NULL and e1 tie, NULL: 0.
    const entries: [number, number, number][] = [
      [0, 0, 0.5], [1, 0, 0.2], [2, 0, 0.2],
      [0, 1, 0.1], [1, 1, 0.4], [2, 1, 0.4],
      [0, 2, 0.1], [1, 2, 0.1], [2, 2, 0.4],
      [0, 3, 0.3], [1, 3, 0.3],
    ];
    const unit: AlignUnitInput = {
      withNull: true,
      srcTypes: 3,
      tgtTypes: 4,
      carry: Float64Array.from([7.5]),
      t: Float64Array.from(entries, (x) => x[2]),
      entrySrc: Uint16Array.from(entries, (x) => x[0]),
      entryTgt: Uint16Array.from(entries, (x) => x[1]),
      lens: Uint16Array.from([2, 3, 1, 1]),
      tokens: Uint16Array.from([1, 2, 0, 1, 2, 1, 3]),
      tension: 0,
      p0: 0.5,
      mode: 'viterbi',
    };
    const bytes = await both(encodeAlignInput(unit));
    // 8 bytes of carry, 8 of P, four u16 links in 8 bytes.
    expect(bytes.byteLength).toBe(24);
    const out = decodeAlignViterbiOutput(bytes, 4);
    expect(Array.from(out.carry)).toEqual([7.5]);
    expect(Array.from(out.links)).toEqual([0, 1, 2, 0]);
  });

  it('pads the Viterbi links with zeros to 8 bytes', async () => {
    const bytes = await both(encodeAlignInput(twoByTwo({ mode: 'viterbi' })));
    // P, then links 1, 2 and two zero u16s.
    expect(Array.from(new Uint16Array(bytes.buffer, 8))).toEqual([1, 2, 0, 0]);
  });
});

describe('align kernel against its reference and C build on random units', () => {
  const OPTIONS: RandomAlignOptions[] = [];
  for (const mode of ['estep', 'viterbi'] as const) for (const withNull of [true, false]) for (const hashed of [false, true]) OPTIONS.push({ mode, withNull, hashed, carry: 2 });
  const units = OPTIONS.flatMap((opts, k) => Array.from({ length: 12 }, (_, s) => randomAlignUnit(1000 * k + s + 1, opts)));

  it('gives the reference bytes in every mode and table, with budgets 1, 3 and all', async () => {
    for (const [k, input] of units.entries()) {
      expect(alignInputProblem(input), `unit ${k}`).toBe(0);
      const want = alignReference(input);
      for (const budget of [1, 3, 1e9]) expect(Buffer.from(await runKernel(kernel, input, { budget })).equals(Buffer.from(want)), `unit ${k}, budget ${budget}`).toBe(true);
    }
  });

  it('gives the same bytes for any schedule of step budgets (0, fractions, NaN included)', async () => {
    for (const [k, input] of units.entries()) {
      if (k % 3 !== 0) continue;
      const run = await startKernel(kernel, input);
      const schedule = [0, 0.5, 2, NaN, 1, 5, 1.9];
      for (let s = 0; !run.step(schedule[s % schedule.length]!); s++) expect(s).toBeLessThan(1000);
      expect(Buffer.from(run.output()).equals(Buffer.from(alignReference(input))), `unit ${k}`).toBe(true);
    }
  });

  it('refuses what the reference refuses, with its code', async () => {
    let refused = 0;
    for (let seed = 1; seed <= 160; seed++) {
      const input = randomAlignUnit(seed, { mode: seed % 2 ? 'estep' : 'viterbi', withNull: seed % 3 !== 0, hashed: seed % 4 === 0, dropOne: seed % 5 === 0, badToken: seed % 7 === 0 });
      const problem = alignInputProblem(input);
      if (problem === 0) {
        await both(input, 2);
        continue;
      }
      refused++;
      await expect(runKernel(kernel, input), `seed ${seed}`).rejects.toMatchObject({ name: 'KernelError', code: problem });
    }
    expect(refused).toBeGreaterThan(40);
  });

  const gcc = spawnSync('gcc', ['--version']);
  it.skipIf(gcc.error !== undefined)('gives the same bytes in C (gcc -O3 -ffp-contract=off), and its refusals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'align-c-'));
    const binary = join(dir, 'align');
    const build = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, join(import.meta.dirname, 'align.c')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const cases = [...units, ...Array.from({ length: 40 }, (_, s) => randomAlignUnit(5000 + s, { mode: s % 2 ? 'estep' : 'viterbi', withNull: s % 3 !== 0, hashed: s % 4 === 0, dropOne: s % 5 === 0, badToken: s % 7 === 0 }))];
    let refused = 0;
    for (const [k, input] of cases.entries()) {
      writeFileSync(join(dir, 'in'), input);
      const run = spawnSync(binary, [join(dir, 'in'), join(dir, 'out')], { encoding: 'utf8' });
      const problem = alignInputProblem(input);
      if (problem !== 0) {
        refused++;
        expect([run.status, run.stderr], `case ${k}`).toEqual([2, `input refused (kernel code ${problem})\n`]);
        continue;
      }
      expect(run.status, `case ${k}: ${run.stderr}`).toBe(0);
      expect(Buffer.from(readFileSync(join(dir, 'out'))).equals(Buffer.from(alignReference(input))), `case ${k}`).toBe(true);
    }
    expect(refused).toBeGreaterThan(5);
  });
});

describe('align kernel refusals', () => {
  const withHeader = (set: (v: DataView) => void) => {
    const b = encodeAlignInput(twoByTwo());
    set(new DataView(b.buffer));
    return b;
  };
  const BAD: [string, Uint8Array, number][] = [
    ['a short header', encodeAlignInput(twoByTwo()).subarray(0, 47), codes.IBM1_ERR_SHORT_INPUT],
    ['layout 2', withHeader((v) => v.setUint32(0, 2, true)), codes.IBM1_ERR_LAYOUT],
    ['an unknown flag', withHeader((v) => v.setUint32(4, 5, true)), codes.IBM1_ERR_FLAGS],
    ['a negative tension', encodeAlignInput(twoByTwo({ tension: -1 })), codes.ALIGN_ERR_TENSION],
    ['a NaN tension', encodeAlignInput(twoByTwo({ tension: NaN })), codes.ALIGN_ERR_TENSION],
    ['a tension over 700', encodeAlignInput(twoByTwo({ tension: 700.5 })), codes.ALIGN_ERR_TENSION],
    ['p0 above 1', encodeAlignInput(twoByTwo({ p0: 1.5 })), codes.ALIGN_ERR_P0],
    ['a NaN p0', encodeAlignInput(twoByTwo({ p0: NaN })), codes.ALIGN_ERR_P0],
    ['a token count the bytes do not hold', withHeader((v) => v.setUint32(28, 9, true)), codes.IBM1_ERR_INPUT_LENGTH],
    ['no pairs', encodeAlignInput(twoByTwo({ lens: new Uint16Array(0), tokens: new Uint16Array(0) })), codes.IBM1_ERR_PAIRS],
    ['an empty sentence', encodeAlignInput(twoByTwo({ lens: Uint16Array.from([4, 0]) })), codes.IBM1_ERR_LENGTHS],
    ['NULL inside a source sentence', encodeAlignInput(twoByTwo({ tokens: Uint16Array.from([0, 2, 0, 1]) })), codes.IBM1_ERR_TOKEN],
    ['a negative probability', encodeAlignInput(twoByTwo({ t: Float64Array.from([0.1, -0.5, 0.25, 0.1, 0.25, 0.5]) })), codes.IBM1_ERR_T_VALUE],
    ['a duplicate entry', encodeAlignInput(twoByTwo({ entrySrc: Uint16Array.from([0, 1, 2, 0, 1, 1]) })), codes.IBM1_ERR_DUPLICATE_ENTRY],
    ['a missing entry', encodeAlignInput(twoByTwo({ t: Float64Array.from([0.1, 0.5, 0.25, 0.1, 0.25]), entrySrc: Uint16Array.from([0, 1, 2, 0, 1]), entryTgt: Uint16Array.from([0, 0, 0, 1, 1]) })), codes.IBM1_ERR_MISSING_ENTRY],
    ['a missing entry (hashed table)', encodeAlignInput(twoByTwo({ srcTypes: 1000, tgtTypes: 1000, t: Float64Array.from([0.1, 0.5, 0.25, 0.1, 0.25]), entrySrc: Uint16Array.from([0, 1, 2, 0, 1]), entryTgt: Uint16Array.from([0, 0, 0, 1, 1]) })), codes.IBM1_ERR_MISSING_ENTRY],
  ];

  it.each(BAD)('refuses %s with its own code, like the reference', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    expect(alignInputProblem(input)).toBe(code);
    expect(() => alignReference(input)).toThrow(RangeError);
  });

  it('takes the bounds themselves: λ = 0 and 700, p0 = 0 and 1', async () => {
    for (const extra of [{ tension: 0 }, { tension: 700 }, { p0: 0 }, { p0: 1 }]) await both(encodeAlignInput(twoByTwo(extra)));
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.values(codes);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });
});
