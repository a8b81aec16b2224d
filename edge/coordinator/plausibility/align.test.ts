/**
 * @module The fast_align plausibility check against honest units of the real driver
 * (shared/translation/align-em.ts) and random units with degenerate tables, and against
 * outputs with one value changed, in both modes.
 */
import { describe, expect, it } from 'vitest';
import { randomAlignUnit } from '../../../kernels/align/random-unit.ts';
import { alignInputProblem, alignReference } from '../../../kernels/align/reference.ts';
import { decodeAlignInput, encodeAlignInput } from '../../../shared/kernels/align.codec.ts';
import { ALIGN_DEFAULT_PARAMS, encodeAlignIteration, sumAlignIteration } from '../../../shared/translation/align-em.ts';
import { readCorpus } from '../../../shared/translation/corpus.ts';
import { normalize, prepareCorpus, uniformTable } from '../../../shared/translation/em.ts';
import { toTsv } from '../../../tests/translation/synthetic.ts';
import { checkAlign } from './align.ts';
import { expectImplausible, expectPlausible, f64At, garbage, synthetic, withF64, withU32 } from './testing.ts';

/** Every unit of `count` E-step rounds and a last Viterbi round on the synthetic corpus, each with its honest output. */
function rounds(withNull: boolean, count: number, carry = Float64Array.from([-1.5, NaN])) {
  const read = readCorpus({ tsv: toTsv(synthetic().pairs) }, 'en', 'fr');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, 250, withNull);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  const estep: { input: Uint8Array; output: Uint8Array }[] = [];
  let t = uniformTable(prep);
  for (let k = 0; k < count; k++) {
    const inputs = encodeAlignIteration(prep, t, carry, ALIGN_DEFAULT_PARAMS, 'estep');
    const outputs = inputs.map(alignReference);
    inputs.forEach((input, i) => estep.push({ input, output: outputs[i]! }));
    t = normalize(prep, sumAlignIteration(prep, outputs).counts);
  }
  const viterbi = encodeAlignIteration(prep, t, carry, ALIGN_DEFAULT_PARAMS, 'viterbi').map((input) => ({ input, output: alignReference(input) }));
  return { estep, viterbi };
}

/** Index of the first count among an E-step output's f64s (after the carry, LL, P and the two features). */
const countsAt = (input: Uint8Array) => decodeAlignInput(input).carry.length + 4;

describe('fast_align plausibility', () => {
  const withNull = rounds(true, 3);

  it.each([true, false])('passes every honest E-step and Viterbi unit of the synthetic corpus (NULL word %s)', (nul) => {
    const { estep, viterbi } = nul ? withNull : rounds(false, 3);
    for (const { input, output } of [...estep, ...viterbi]) expectPlausible(checkAlign(input, output));
  });

  it('passes honest outputs of random units: zeros, −0, 1e300 and subnormal t, λ up to 700, p0 0 and 1', () => {
    let checked = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const input = randomAlignUnit(seed, { mode: seed % 2 ? 'estep' : 'viterbi', withNull: seed % 3 !== 0, hashed: seed % 4 === 0, carry: 2 });
      if (alignInputProblem(input) !== 0) continue;
      expectPlausible(checkAlign(input, alignReference(input)));
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  describe('an honest E-step output with one value changed', () => {
    const { input, output } = withNull.estep.at(-1)!;
    const c0 = countsAt(input);
    const entries = output.length / 8 - c0;

    it('refuses counts scaled by 1 + 1e-6, or mass moved between target words', () => {
      let scaled = output;
      for (let e = 0; e < entries; e++) scaled = withF64(scaled, c0 + e, f64At(output, c0 + e) * (1 + 1e-6));
      expectImplausible(checkAlign(input, scaled), /^target word \d+'s expected counts sum to [\d.]+; it occurs \d+ times in the shard/);
      const { entryTgt } = decodeAlignInput(input);
      const from = Array.from(entryTgt.keys()).find((e) => f64At(output, c0 + e) > 0.5)!;
      const to = Array.from(entryTgt.keys()).find((e) => entryTgt[e] !== entryTgt[from])!;
      const moved = withF64(withF64(output, c0 + from, f64At(output, c0 + from) - 0.25), c0 + to, f64At(output, c0 + to) + 0.25);
      expectImplausible(checkAlign(input, moved), /expected counts sum to/);
    });

    it('refuses counts that are NaN, infinite or negative', () => {
      expectImplausible(checkAlign(input, withF64(output, c0 + 12, NaN)), /^entry 12 expected count NaN is not a finite number ≥ 0/);
      expectImplausible(checkAlign(input, withF64(output, c0 + 12, Infinity)), /^entry 12 expected count Infinity/);
      expectImplausible(checkAlign(input, withF64(output, c0 + 12, -1e-3)), /^entry 12 expected count -0\.001/);
    });

    it('refuses features outside 0..target tokens, or NaN', () => {
      for (const [at, name] of [[c0 - 2, 'empirical'], [c0 - 1, 'model']] as const) {
        expectImplausible(checkAlign(input, withF64(output, at, -1)), new RegExp(`^the ${name} feature expectation -1 is outside 0\\.\\.\\d+`));
        expectImplausible(checkAlign(input, withF64(output, at, 1e9)), new RegExp(`^the ${name} feature expectation`));
        expectImplausible(checkAlign(input, withF64(output, at, NaN)), new RegExp(`^the ${name} feature expectation NaN`));
      }
    });

    it('refuses a log-likelihood that is not finite or outside the range the table allows', () => {
      expectImplausible(checkAlign(input, withF64(output, c0 - 4, NaN)), /^the log-likelihood NaN is not finite/);
      expectImplausible(checkAlign(input, withF64(output, c0 - 4, 1)), /^the log-likelihood 1 is outside -[\d.e+]+\.\.-[\d.e+]+, the range the unit's t values allow/);
      expectImplausible(checkAlign(input, withF64(output, c0 - 4, -1e9)), /^the log-likelihood -1e\+9 is outside/);
    });

    it('refuses a carry not echoed bit for bit and a wrong pair count', () => {
      expectImplausible(checkAlign(input, withF64(output, 0, -1.5 + 1e-9)), /^carried value 0 came back as .*; the unit sent -1\.5/);
      // The NaN carried must come back as the canonical NaN, not another.
      const otherNaN = output.slice();
      new DataView(otherNaN.buffer).setUint32(8, 1, true);
      expectImplausible(checkAlign(input, otherNaN), /^carried value 1 came back as NaN; the unit sent NaN/);
      expectImplausible(checkAlign(input, withF64(output, c0 - 3, 249)), /^the output reports 249 sentence pairs; the unit has 100/);
    });
  });

  describe('an honest Viterbi output with one link changed', () => {
    const { input, output } = withNull.viterbi[0]!;
    // Carry 2, then P: the links start at byte 24. Pair 0's source length:
    const l0 = decodeAlignInput(input).lens[0]!;
    const withLink = (k: number, v: number) => {
      const b = output.slice();
      new DataView(b.buffer).setUint16(24 + 2 * k, v, true);
      return b;
    };

    it('refuses a link past its source sentence, NULL without the NULL word, and non-zero padding', () => {
      expectPlausible(checkAlign(input, withLink(0, l0)));
      expectImplausible(checkAlign(input, withLink(0, l0 + 1)), new RegExp(`^pair 0 target token 0 is aligned to source position ${l0 + 1}; the sentence has ${l0} words$`));
      expectPlausible(checkAlign(input, withLink(0, 0)));
      const noNull = rounds(false, 1).viterbi[0]!;
      const nulled = noNull.output.slice();
      new DataView(nulled.buffer).setUint16(24, 0, true);
      expectImplausible(checkAlign(noNull.input, nulled), /^pair 0 target token 0 is aligned to source position 0; the sentence has \d+ words and no NULL word/);
      const padded = withNull.viterbi.find((v) => decodeAlignInput(v.input).lens.filter((_, i) => i % 2 === 1).reduce((a, m) => a + m, 0) % 4 !== 0);
      expect(padded, 'a unit whose target tokens are not a multiple of 4').toBeDefined();
      const pad = padded!.output.slice();
      pad[pad.length - 1] = 1;
      expectImplausible(checkAlign(padded!.input, pad), /^the padding after the last link is not zero/);
    });

    it('refuses a wrong pair count', () => {
      expectImplausible(checkAlign(input, withF64(output, 2, 3)), /^the output reports 3 sentence pairs; the unit has 250/);
    });
  });

  it('passes the honest NaN counts of a degenerate unit (a t of 0), and refuses them for a normal one', () => {
    // Source e1 (id 1), target f (id 0), no NULL; t(f|e1) = 0: denominator 0, counts 0/0.
    const unit = (t: number) => encodeAlignInput({ withNull: false, srcTypes: 2, tgtTypes: 1, carry: new Float64Array(0), t: Float64Array.from([t]), entrySrc: Uint16Array.from([1]), entryTgt: Uint16Array.from([0]), lens: Uint16Array.from([1, 1]), tokens: Uint16Array.from([1, 0]), tension: 4, p0: 0.08, mode: 'estep' });
    const output = alignReference(unit(0));
    expect(Number.isNaN(f64At(output, 4))).toBe(true);
    expect(f64At(output, 0)).toBe(-Infinity);
    expectPlausible(checkAlign(unit(0), output));
    expectImplausible(checkAlign(unit(0.5), output), /^entry 0 expected count NaN is not a finite number ≥ 0/);
  });

  it('refuses garbage, an output of the wrong size and one for an input the kernel refuses; a newer layout is unchecked', () => {
    const { input, output } = withNull.estep[0]!;
    for (const [name, bytes] of garbage(output.length)) expectImplausible(checkAlign(input, bytes), name === 'zeros' ? /^carried value 0 came back as 0; the unit sent -1\.5/ : /^carried value 0 came back as/);
    expectImplausible(checkAlign(input, output.subarray(8)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkAlign(withU32(input, 4, 4), output), /not one the align kernel runs/);
    expectImplausible(checkAlign(withF64(input, 4, -1), output), /not one the align kernel runs/);
    expectImplausible(checkAlign(input.subarray(0, 47), output), /not one the align kernel runs/);
    expect(checkAlign(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });
});
