/**
 * @module The phrase plausibility check on honest outputs of random units (every setting the
 * kernel takes) and on outputs with one value changed, each refused with its own reason.
 */
import { describe, expect, it } from 'vitest';
import { randomPhraseUnit } from '../../../kernels/phrase/random-unit.ts';
import { phraseReference } from '../../../kernels/phrase/reference.ts';
import { decodePhraseOutput, encodePhraseInput, phraseCandidateBytes } from '../../../shared/kernels/phrase.codec.ts';
import { PHRASE_DISTORTION_MAX } from '../../../shared/kernels/phrase.codes.ts';
import { checkPhrase } from './phrase.ts';
import { expectImplausible, expectPlausible, f64At, garbage, withF64, withU32 } from './testing.ts';

/** A unit of three sentences (the second empty) with F = 4 and n-best 5, and its honest output. */
function sample() {
  const unit = randomPhraseUnit(24, { sentences: 3, minLen: 6, maxLen: 9, tgt: 30, features: 4, lmOrder: 3, beam: 12, distortionLimit: 4, nbest: 5 });
  const input = encodePhraseInput(unit);
  const output = phraseReference(input);
  const lists = decodePhraseOutput(output, unit);
  const width = new DataView(output.buffer).getUint32(4, true);
  const slot = phraseCandidateBytes(4, width);
  /** Byte offsets in sentence 0: candidate k, its feature j, its word w (id; +4 start, +6 end). */
  const cand = (k: number) => 8 + k * slot;
  const feature = (k: number, j: number) => cand(k) + 8 + 8 * j;
  const word = (k: number, w: number) => cand(k) + 8 + 8 * 8 + 8 + 8 * w;
  return { unit, input, output, lists, width, cand, feature, word };
}

/** A copy of `bytes` with the u16 at `at` set. */
function withU16(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint16(at, value, true);
  return copy;
}

describe('phrase plausibility', () => {
  it('passes honest random units: both LM paths, LM orders 1 to 5, beams 1 to 30, monotone to distortion limit 16, 64-word sentences, empty ones', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const unit = randomPhraseUnit(seed, {
        sentences: 3,
        minLen: seed % 5 === 0 ? 60 : 1,
        maxLen: seed % 5 === 0 ? 64 : 14,
        tgt: 40,
        features: 1 + (seed % 8),
        lmOrder: 1 + (seed % 5),
        beam: [1, 4, 13, 30][seed % 4]!,
        distortionLimit: [0, 2, 6, PHRASE_DISTORTION_MAX][seed % 4]!,
        nbest: 1 + (seed % 32),
        closedLm: seed % 2 === 0,
      });
      const input = encodePhraseInput(unit);
      expectPlausible(checkPhrase(input, phraseReference(input)));
    }
  });

  it('refuses garbage', () => {
    const { input, output } = sample();
    for (const [name, bytes] of garbage(output.length)) {
      expectImplausible(checkPhrase(input, bytes), name === 'zeros' ? /^sentence 0 has 0 candidates; its n-best size and beam allow 1\.\.5/ : /^sentence 0 has \d+ candidates; its n-best size and beam allow 1\.\.5/);
    }
  });

  describe('an honest output with one value changed', () => {
    const s = sample();
    const [first] = s.lists;
    const best = first![0]!;

    it('has what the changes below need: several candidates of several words, some word runs', () => {
      expect(first!.length).toBeGreaterThan(2);
      expect(best.tgt.length).toBeGreaterThan(2);
      expect(new Set(best.srcStart).size).toBeGreaterThan(1);
      expectPlausible(checkPhrase(s.input, s.output));
    });

    it('refuses a candidate count over the n-best size, a wrong width and non-zero unused slots', () => {
      expectImplausible(checkPhrase(s.input, withU32(s.output, 0, 6)), /^sentence 0 has 6 candidates; its n-best size and beam allow 1\.\.5/);
      expectImplausible(checkPhrase(s.input, withU32(s.output, 4, s.width + 1)), /^sentence 0 says its translations have at most \d+ words; its options allow \d+/);
      const last = s.word(0, s.width - 1);
      expect(best.tgt.length).toBeLessThan(s.width);
      expectImplausible(checkPhrase(s.input, withU32(s.output, last, 7)), /^sentence 0 candidate 0 has a non-zero word slot past its \d+ words/);
      // Four candidates said, the honest fifth still there.
      expect(first!.length).toBe(5);
      expectImplausible(checkPhrase(s.input, withU32(s.output, 0, 4)), /^sentence 0 candidate slot 4 is past its 4 candidates but not zero/);
    });

    it('refuses a target word that is no option of its span, a span outside the sentence and a position translated twice', () => {
      expectImplausible(checkPhrase(s.input, withU32(s.output, s.word(0, 0), 999)), /^sentence 0 candidate 0 words 0\.\.\d+ are no option of the span \[\d+, \d+\)/);
      expectImplausible(checkPhrase(s.input, withU16(s.output, s.word(0, 0) + 6, 200)), /^sentence 0 candidate 0 word 0 has the span \[\d+, 200\), outside the sentence's \d+ words/);
      // The last word given the first word's span: either that position is translated twice or the run is no option.
      const copied = withU16(withU16(s.output, s.word(0, best.tgt.length - 1) + 4, best.srcStart[0]!), s.word(0, best.tgt.length - 1) + 6, best.srcEnd[0]!);
      expectImplausible(checkPhrase(s.input, copied), /^sentence 0 candidate 0 (translates source position \d+ twice|words \d+\.\.\d+ are no option)/);
    });

    it('refuses an unsorted list, a score off by 1000, NaN and infinite numbers', () => {
      const swapped = withF64(withF64(s.output, s.cand(0) / 8, first![1]!.score), s.cand(1) / 8, best.score);
      expectImplausible(checkPhrase(s.input, swapped), /^sentence 0 candidate 0 scores .*, but its weights and features give/);
      // Whole candidates swapped: each is consistent, the order is not.
      const slot = s.cand(1) - s.cand(0);
      const reordered = s.output.slice();
      reordered.set(s.output.subarray(s.cand(1), s.cand(1) + slot), s.cand(0));
      reordered.set(s.output.subarray(s.cand(0), s.cand(0) + slot), s.cand(1));
      expectImplausible(checkPhrase(s.input, reordered), /^sentence 0 candidate 1 scores .*, above candidate 0/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.cand(0) / 8, f64At(s.output, s.cand(0) / 8) - 1000)), /^sentence 0 candidate 0 scores .*, but its weights and features give/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.cand(0) / 8, NaN)), /^sentence 0 candidate 0 has a score or feature that is not finite/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 4) / 8, -Infinity)), /^sentence 0 candidate 0 has a score or feature that is not finite/);
    });

    it('refuses features its words and phrases cannot have', () => {
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 5) / 8, best.tgt.length + 1)), /^sentence 0 candidate 0 has \d+ target words but a words feature of \d+/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 6) / 8, 0)), /^sentence 0 candidate 0 has 0 phrases for \d+ runs of words/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 7) / 8, 0.5)), /^sentence 0 candidate 0 has a distortion of 0\.5/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 0) / 8, 5)), /^sentence 0 candidate 0 has translation feature 0 = 5, outside/);
      expectImplausible(checkPhrase(s.input, withF64(s.output, s.feature(0, 4) / 8, 1000)), /^sentence 0 candidate 0 has an LM log prob of 1000 for \d+ words, outside/);
    });
  });

  it('refuses an output of the wrong size and one for an input the kernel refuses; another layout is unchecked', () => {
    const { input, output } = sample();
    expectImplausible(checkPhrase(input, output.subarray(8)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkPhrase(withU32(input, 20, 0), output), /not one the phrase kernel runs/);
    expectImplausible(checkPhrase(withF64(input, 7, NaN), output), /not one the phrase kernel runs/);
    // An option count 2^30 too large: refused on the sizes, nothing read past the input.
    expectImplausible(checkPhrase(withU32(input, 32, new DataView(input.buffer).getUint32(32, true) + 2 ** 30), output), /not one the phrase kernel runs/);
    expect(checkPhrase(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });
});
