/**
 * @module The phrase kernel against its TypeScript reference (byte for byte, whatever the step
 * budget) and its C build, on seeded random units: both LM paths (closed and not), LM orders
 * 1 to 5, one to five translation features, beams from 1 (odd ones too), distortion limits from
 * monotone to 16, long sentences. And what every n-best list must be: sorted, within the
 * sentence, score = dot(weights, features).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePhraseOutput, encodePhraseInput, phraseOutputBytes, type PhraseUnitInput } from '../../shared/kernels/phrase.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { randomPhraseUnit } from './random-unit.ts';
import { phraseReference } from './reference.ts';
import { phraseC, phraseModule, runC } from './testing.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  kernel = await phraseModule();
});

const CASES: Record<string, PhraseUnitInput> = {
  'trigram, beam 8, window 4': randomPhraseUnit(1, { sentences: 6, maxLen: 12, tgt: 40, features: 4, lmOrder: 3, beam: 8, distortionLimit: 4, nbest: 5 }),
  'closed 4-gram, beam 13, window 6': randomPhraseUnit(2, { sentences: 5, maxLen: 16, tgt: 60, features: 4, lmOrder: 4, beam: 13, distortionLimit: 6, nbest: 8, closedLm: true }),
  'unigram LM, beam 1, monotone': randomPhraseUnit(3, { sentences: 4, maxLen: 10, tgt: 20, features: 1, lmOrder: 1, beam: 1, distortionLimit: 0, nbest: 1 }),
  '5-gram, beam 5, window 16, nbest 32': randomPhraseUnit(4, { sentences: 3, maxLen: 14, tgt: 30, features: 5, lmOrder: 5, beam: 5, distortionLimit: 16, nbest: 32 }),
  'closed bigram, beam 40, 64-word sentences': randomPhraseUnit(5, { sentences: 2, minLen: 60, maxLen: 64, tgt: 80, features: 2, lmOrder: 2, beam: 40, distortionLimit: 3, nbest: 4, closedLm: true }),
  'closed 5-gram, many translations': randomPhraseUnit(6, { sentences: 3, minLen: 8, maxLen: 20, tgt: 200, features: 8, lmOrder: 5, beam: 30, distortionLimit: 5, nbest: 10, translations: 12, spanDensity: 2, closedLm: true }),
};

describe('phrase kernel', () => {
  describe.each(Object.entries(CASES))('%s', (_name, unit) => {
    const input = encodePhraseInput(unit);
    const expected = phraseReference(input);
    const words = unit.sentences.reduce((a, s) => a + s.length, 0);

    it.each([1, 7, 2 ** 40])('matches the reference byte for byte with budget %d', async (budget) => {
      let last = [0, -1];
      const output = await runKernel(kernel, input, { budget, onProgress: (done, total) => (last = [done, total]) });
      expect(output.byteLength).toBe(phraseOutputBytes(unit));
      expect(output).toEqual(expected);
      expect(last).toEqual([words, words]);
    });

    it('gives n-best lists sorted by score, within the sentence, with score = dot(weights, features)', () => {
      const w = unit.weights;
      const weights = [...w.tm, w.lm, w.word, w.phrase, w.distortion];
      decodePhraseOutput(expected, unit).forEach((list, i) => {
        const n = unit.sentences[i]!.length;
        expect(list.length).toBeGreaterThanOrEqual(1);
        expect(list.length).toBeLessThanOrEqual(Math.min(unit.nbest, unit.beam));
        list.forEach((c, k) => {
          if (k > 0) expect(c.score).toBeLessThanOrEqual(list[k - 1]!.score);
          const dot = weights.reduce((a, x, j) => a + x * c.features[j]!, 0);
          expect(Math.abs(dot - c.score)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.score)));
          expect(c.features[unit.features + 1]).toBe(c.tgt.length);
          // Phrases: at least one per run of words with its own span, at most one per source word.
          const runs = c.srcStart.filter((s, j) => j === 0 || s !== c.srcStart[j - 1] || c.srcEnd[j] !== c.srcEnd[j - 1]).length;
          expect(c.features[unit.features + 2]).toBeGreaterThanOrEqual(runs);
          expect(c.features[unit.features + 2]).toBeLessThanOrEqual(n);
          // Spans within the sentence, never overlapping, each used by one run.
          const seen = new Set<string>();
          c.srcStart.forEach((s, j) => {
            const e = c.srcEnd[j]!;
            expect(s).toBeLessThan(e);
            expect(e).toBeLessThanOrEqual(n);
            if (j > 0 && s === c.srcStart[j - 1] && e === c.srcEnd[j - 1]) return;
            expect(seen.has(`${s}`)).toBe(false);
            for (let p = s; p < e; p++) seen.add(`${p}`);
          });
        });
      });
    });
  });

  it('gives the same bytes in its C build (the bench baseline is the same algorithm)', () => {
    const c = phraseC();
    if (!c) return;
    for (const [name, unit] of Object.entries(CASES)) {
      const input = encodePhraseInput(unit);
      expect(runC(c, input), name).toEqual(phraseReference(input));
    }
  });

  it('decodes a unit without sentences (no output) and one without LM entries (every word unknown)', async () => {
    const base = randomPhraseUnit(5, { sentences: 3, maxLen: 8, tgt: 20, features: 2, lmOrder: 3, beam: 5, distortionLimit: 3, nbest: 4 });
    const c = phraseC();
    for (const unit of [{ ...base, sentences: [] }, { ...base, lm: [] }]) {
      const input = encodePhraseInput(unit);
      const out = await runKernel(kernel, input);
      expect(out).toEqual(phraseReference(input));
      expect(out.byteLength).toBe(phraseOutputBytes(unit));
      if (c) expect(runC(c, input)).toEqual(out);
    }
    // Without an LM every word and </s> costs the unknown word's log prob: the LM feature is (m + 1)·unk.
    const unit = { ...base, lm: [] };
    for (const list of decodePhraseOutput(phraseReference(encodePhraseInput(unit)), unit)) {
      for (const cand of list) expect(cand.features[unit.features]).toBeCloseTo((cand.tgt.length + 1) * unit.unkLogProb, 9);
    }
  });

  it('gives the same bytes as the reference on 40 more random units, both LM paths', async () => {
    const c = phraseC();
    for (let seed = 100; seed < 140; seed++) {
      const unit = randomPhraseUnit(seed, { sentences: 3, maxLen: 10, tgt: 25, features: 1 + (seed % 4), lmOrder: 1 + (seed % 5), beam: [1, 2, 3, 6, 17][seed % 5]!, distortionLimit: seed % 8, nbest: 1 + (seed % 6), closedLm: seed % 2 === 0 });
      const input = encodePhraseInput(unit);
      const ref = phraseReference(input);
      expect(await runKernel(kernel, input, { budget: 1 + (seed % 3) }), `seed ${seed}`).toEqual(ref);
      if (c) expect(runC(c, input), `seed ${seed}`).toEqual(ref);
    }
  });
});
