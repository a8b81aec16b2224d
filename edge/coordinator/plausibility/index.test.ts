import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomAlignUnit } from '../../../kernels/align/random-unit.ts';
import { alignReference } from '../../../kernels/align/reference.ts';
import { ibm1Reference } from '../../../kernels/ibm1/reference.ts';
import { randomPhraseUnit } from '../../../kernels/phrase/random-unit.ts';
import { phraseReference } from '../../../kernels/phrase/reference.ts';
import { encodePhraseInput } from '../../../shared/kernels/phrase.codec.ts';
import { loadKernelModule } from '../../../kernels/manifest.ts';
import { splitIbm1 } from '../../../shared/jobs/ibm1.ts';
import { runKernel } from '../../../shared/kernels/runtime.ts';
import { PLAUSIBILITY_CHECKED_KERNELS, checkPlausible, type Plausibility } from './index.ts';
import { decodeSample, ebmSample, expectPlausible, ibm1Params, lorenz96Sample, type Sample } from './testing.ts';

const DIST = join(import.meta.dirname, '..', '..', '..', 'kernels', 'dist');

/** One honest unit per family; the ibm1 one small (shards of 10 pairs) so fuzzing it stays quick. */
const SAMPLES: Record<string, Sample> = {
  lorenz96: lorenz96Sample(),
  ebm: ebmSample(),
  ibm1: (() => {
    const input = splitIbm1(ibm1Params({ shardPairs: 10 }))[0]!.input;
    return { input, output: ibm1Reference(input) };
  })(),
  decode: decodeSample(),
  align: (() => {
    const input = randomAlignUnit(7, { mode: 'estep', withNull: true, hashed: false });
    return { input, output: alignReference(input) };
  })(),
  phrase: (() => {
    const input = encodePhraseInput(randomPhraseUnit(7, { sentences: 3, maxLen: 8, tgt: 40, features: 4, lmOrder: 3, beam: 8, distortionLimit: 3, nbest: 3 }));
    return { input, output: phraseReference(input) };
  })(),
};

const isAnswer = (v: Plausibility) => v.status === 'plausible' || v.status === 'unchecked' || (v.status === 'implausible' && typeof v.reason === 'string' && v.reason.length > 0);

describe('checkPlausible', () => {
  it('has a rule for each built-in kernel and dispatches to it', () => {
    expect([...PLAUSIBILITY_CHECKED_KERNELS].sort()).toEqual(['align', 'decode', 'ebm', 'ibm1', 'lorenz96', 'phrase']);
    for (const [id, { input, output }] of Object.entries(SAMPLES)) {
      expectPlausible(checkPlausible(id, input, output));
      expect(checkPlausible(id, input, new Uint8Array(output.length)).status).toBe('implausible');
    }
  });

  it('answers unchecked, never implausible, for any other kernel id', () => {
    const { input } = SAMPLES.lorenz96!;
    for (const id of ['customer-fft', '', 'LORENZ96', 'lorenz96@1', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(checkPlausible(id, input, new Uint8Array(3))).toEqual({ status: 'unchecked' });
    }
  });

  it.each(Object.keys(SAMPLES))('passes the built %s kernel\'s own output (kernels/dist), byte-identical to the reference', async (id) => {
    const { input, output } = SAMPLES[id]!;
    const module = await loadKernelModule(DIST, id, 1);
    const wasm = await runKernel(module, input);
    expect(wasm).toEqual(output);
    expectPlausible(checkPlausible(id, input, wasm));
  });

  describe('never throws, whatever the bytes', () => {
    it.each(Object.keys(SAMPLES))('%s: any output bytes of the right length', (id) => {
      const { input, output } = SAMPLES[id]!;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: output.length, maxLength: output.length }), (bytes) => isAnswer(checkPlausible(id, input, bytes))),
        { numRuns: 100 },
      );
    });

    it.each(Object.keys(SAMPLES))('%s: any f64 values (NaN, ±Infinity, −0, subnormals) as the output', (id) => {
      const { input, output } = SAMPLES[id]!;
      fc.assert(
        fc.property(fc.float64Array({ minLength: output.length / 8, maxLength: output.length / 8 }), (values) => isAnswer(checkPlausible(id, input, new Uint8Array(values.buffer)))),
        { numRuns: 100 },
      );
    });

    it.each(Object.keys(SAMPLES))('%s: the honest output with a few bytes changed, read at an odd offset', (id) => {
      const { input, output } = SAMPLES[id]!;
      const edits = fc.array(fc.tuple(fc.nat({ max: output.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
      fc.assert(
        fc.property(edits, (changes) => {
          const bytes = new Uint8Array(output.length + 1);
          bytes.set(output, 1);
          for (const [at, value] of changes) bytes[1 + at] = value;
          return isAnswer(checkPlausible(id, input, bytes.subarray(1)));
        }),
        { numRuns: 200 },
      );
    });

    it.each(Object.keys(SAMPLES))('%s: a unit input with its header or any bytes changed, or no unit at all', (id) => {
      const { input, output } = SAMPLES[id]!;
      const header = fc.uint8Array({ minLength: 72, maxLength: 72 });
      fc.assert(
        fc.property(header, fc.nat({ max: input.length - 1 }), fc.integer({ min: 0, max: 255 }), (head, at, value) => {
          const changed = input.slice();
          changed.set(head.subarray(0, Math.min(head.length, changed.length)));
          const poked = input.slice();
          poked[at] = value;
          return isAnswer(checkPlausible(id, changed, output)) && isAnswer(checkPlausible(id, poked, output));
        }),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 512 }), (anyInput, anyOutput) => isAnswer(checkPlausible(id, anyInput, anyOutput))),
        { numRuns: 200 },
      );
    });
  });
});
