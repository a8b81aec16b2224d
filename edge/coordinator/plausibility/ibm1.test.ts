import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ibm1Reference } from '../../../kernels/ibm1/reference.ts';
import { Ibm1ParamsSchema, nextIbm1, splitIbm1 } from '../../../shared/jobs/ibm1.ts';
import { decodeIbm1Input, encodeIbm1Input } from '../../../shared/kernels/ibm1.codec.ts';
import { checkIbm1 } from './ibm1.ts';
import { expectImplausible, expectPlausible, f64At, garbage, ibm1Params, ibm1Sample, withF64, withU32 } from './testing.ts';

/** Every unit of `iterations` EM iterations of job `p`, each with its honest output. */
function iterations(p: ReturnType<typeof ibm1Params>, count: number) {
  const all: { input: Uint8Array; output: Uint8Array }[] = [];
  let units = splitIbm1(p);
  for (let k = 0; k < count; k++) {
    const outputs = units.map((u) => ibm1Reference(u.input));
    units.forEach((u, i) => all.push({ input: u.input, output: outputs[i]! }));
    const next = nextIbm1(p, outputs, k);
    if (!next) break;
    units = next;
  }
  return all;
}

/** Index of the first count among the output's f64s (after the carry, the log-likelihood and P). */
const countsAt = (input: Uint8Array) => decodeIbm1Input(input).carry.length + 2;

const MULTI30K = '/work/shared/data/multi30k';
const multi30k = existsSync(join(MULTI30K, 'train.en.gz')) && existsSync(join(MULTI30K, 'train.fr.gz'));
const lines = (file: string, count: number) => gunzipSync(readFileSync(join(MULTI30K, file))).toString('utf8').split('\n').slice(0, count).join('\n');

describe('IBM Model 1 E-step plausibility', () => {
  it.each([
    { name: 'NULL word, shards of 250 pairs, 5 iterations', extra: {}, count: 5 },
    { name: 'no NULL word, 5 iterations', extra: { nullWord: false }, count: 5 },
    { name: 'one shard of every pair (IBM1_SHARD_PAIRS_MAX)', extra: { shardPairs: 20_000 }, count: 3 },
    { name: 'one pair per shard', extra: { shardPairs: 1 }, count: 1 },
  ])('passes every honest unit of the synthetic corpus: $name', ({ extra, count }) => {
    for (const { input, output } of iterations(ibm1Params({ maxIterations: count, minGain: 0, ...extra }), count)) expectPlausible(checkIbm1(input, output));
  });

  it.skipIf(!multi30k)('passes honest units of real sentence pairs (Multi30k en–fr, 6000 pairs, 2 iterations)', () => {
    const p = Ibm1ParamsSchema.parse({ srcLang: 'en', tgtLang: 'fr', corpus: { source: lines('train.en.gz', 6000), target: lines('train.fr.gz', 6000) }, shardPairs: 3000, maxIterations: 2, minGain: 0 });
    const units = iterations(p, 2);
    // Shards are cut below 3000 pairs where a unit's bytes would pass UNIT_INPUT_BYTES_MAX.
    expect(units.length).toBeGreaterThanOrEqual(4);
    for (const { input, output } of units) expectPlausible(checkIbm1(input, output));
    // And the invariant is tight there: one count scaled by 1 + 1e-6 is caught.
    const { input, output } = units.at(-1)!;
    expectImplausible(checkIbm1(input, withF64(output, countsAt(input) + 7, f64At(output, countsAt(input) + 7) * (1 + 1e-6))), /^target word \d+'s expected counts sum to/);
  });

  it('passes the honest NaN counts and −∞ log-likelihood of a degenerate table (a t of 0), and refuses them for a normal one', () => {
    const unit = (t: number[]) =>
      encodeIbm1Input({
        withNull: false,
        srcTypes: 2,
        tgtTypes: 2,
        carry: new Float64Array(0),
        t: Float64Array.from(t),
        entrySrc: Uint16Array.from([0, 1, 1]),
        entryTgt: Uint16Array.from([0, 0, 1]),
        lens: Uint16Array.from([1, 1, 1, 2]),
        tokens: Uint16Array.from([0, 0, 1, 0, 1]),
      });
    const degenerate = unit([0.5, 0, 1]);
    const output = ibm1Reference(degenerate);
    expect(Number.isNaN(f64At(output, 3))).toBe(true);
    expect(f64At(output, 0)).toBe(-Infinity);
    expectPlausible(checkIbm1(degenerate, output));
    expectImplausible(checkIbm1(unit([0.5, 0.5, 1]), output), /^entry 1 expected count NaN is not a finite number ≥ 0/);
  });

  it('refuses garbage', () => {
    const { input, output } = ibm1Sample();
    for (const [name, bytes] of garbage(output.length)) {
      expectImplausible(checkIbm1(input, bytes), name === 'zeros' ? /^the output reports 0 sentence pairs; the unit has 250/ : /^the output reports .* sentence pairs; the unit has 250/);
    }
  });

  describe('an honest output with one value changed', () => {
    const [first, second] = [iterations(ibm1Params({ maxIterations: 2, minGain: 0 }), 2)[0]!, iterations(ibm1Params({ maxIterations: 2, minGain: 0 }), 2)[3]!];
    const { input, output } = second;
    const c0 = countsAt(input);
    const entries = (output.length / 8) - c0;

    it('refuses counts scaled by 1.01, or mass moved between target words', () => {
      let scaled = output;
      for (let e = 0; e < entries; e++) scaled = withF64(scaled, c0 + e, f64At(output, c0 + e) * 1.01);
      expectImplausible(checkIbm1(input, scaled), /^target word 0's expected counts sum to [\d.]+; it occurs \d+ times in the shard/);
      // From an entry of one target word to an entry of another, both counts staying ≥ 0.
      const { entryTgt } = decodeIbm1Input(input);
      const from = Array.from(entryTgt.keys()).find((e) => f64At(output, c0 + e) > 0.5)!;
      const to = Array.from(entryTgt.keys()).find((e) => entryTgt[e] !== entryTgt[from])!;
      const moved = withF64(withF64(output, c0 + from, f64At(output, c0 + from) - 0.25), c0 + to, f64At(output, c0 + to) + 0.25);
      expectImplausible(checkIbm1(input, moved), /expected counts sum to/);
    });

    it('refuses counts that are NaN, infinite or negative', () => {
      expectImplausible(checkIbm1(input, withF64(output, c0 + 12, NaN)), /^entry 12 expected count NaN is not a finite number ≥ 0/);
      expectImplausible(checkIbm1(input, withF64(output, c0 + 12, Infinity)), /^entry 12 expected count Infinity/);
      expectImplausible(checkIbm1(input, withF64(output, c0 + 12, -1e-3)), /^entry 12 expected count -0\.001/);
    });

    it('refuses a log-likelihood that is not finite or outside the range the table allows', () => {
      expectImplausible(checkIbm1(input, withF64(output, c0 - 2, NaN)), /^the log-likelihood NaN is not finite/);
      expectImplausible(checkIbm1(input, withF64(output, c0 - 2, 1)), /^the log-likelihood 1 is outside -[\d.e+]+\.\.-[\d.e+]+, the range the unit's t values allow/);
      expectImplausible(checkIbm1(input, withF64(output, c0 - 2, -1e9)), /^the log-likelihood -1e\+9 is outside/);
    });

    it('refuses a carry not echoed bit for bit and a wrong pair count', () => {
      expect(decodeIbm1Input(input).carry).toHaveLength(1);
      expectImplausible(checkIbm1(input, withF64(output, 0, f64At(output, 0) + 1e-9)), /^carried value 0 came back as .*; the unit sent/);
      expectImplausible(checkIbm1(input, withF64(output, c0 - 1, 249)), /^the output reports 249 sentence pairs; the unit has 250/);
      expectPlausible(checkIbm1(first.input, first.output));
    });
  });

  it('refuses an output of the wrong size and one for an input the kernel refuses; a newer layout is unchecked', () => {
    const { input, output } = ibm1Sample();
    expectImplausible(checkIbm1(input, output.subarray(8)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkIbm1(withU32(input, 4, 2), output), /not one the ibm1 kernel runs/);
    expectImplausible(checkIbm1(input.subarray(0, 31), output), /not one the ibm1 kernel runs/);
    expect(checkIbm1(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });
});
