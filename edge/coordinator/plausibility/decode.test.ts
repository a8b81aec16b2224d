import { describe, expect, it } from 'vitest';
import { decodeReference } from '../../../kernels/decode/reference.ts';
import { randomDecodeUnit } from '../../../kernels/decode/random-unit.ts';
import { decodeDecodeOutput, encodeDecodeInput } from '../../../shared/kernels/decode.codec.ts';
import { DECODE_DISTORTION_MAX } from '../../../shared/kernels/decode.codes.ts';
import { documentOf } from '../../../tests/translation/lexicon-model.ts';
import { checkDecode } from './decode.ts';
import { decodeSample, expectImplausible, expectPlausible, f64At, garbage, translateModel, translateUnits, withF64, withU32 } from './testing.ts';

/** Byte offset of target pair k of the first sentence (after its score, count and reserved word). */
const pairAt = (k: number) => 16 + 8 * k;

describe('decode plausibility', () => {
  it('passes every honest unit of translate jobs (held-out sentences, unknown words, Markdown, a sentence cut into 64-word pieces)', () => {
    const held = translateModel().corpus.heldOut(80).pairs.map((p) => p.src);
    const documents: [string, 'text' | 'markdown'][] = [
      [documentOf(held, 5), 'text'],
      [`# ${held[0]}\n\n- Zyxwq ${held[1]}\n\n\`\`\`\nkeep this\n\`\`\`\n`, 'markdown'],
      ['Zyxwq qqq blorp.', 'text'],
      [held.join(' ').replaceAll(' .', ''), 'text'],
    ];
    let units = 0;
    for (const [document, format] of documents) {
      for (const input of translateUnits(document, format)) {
        expectPlausible(checkDecode(input, decodeReference(input)));
        units++;
      }
    }
    expect(units).toBeGreaterThan(6);
  });

  it('passes honest random units: beams 1 to 32, distortion limits 0 to 16, sentences up to 64 words, empty ones', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const unit = randomDecodeUnit(seed, 5, 12, 30, [1, 4, 13, 32][seed % 4]!, [0, 2, 5, DECODE_DISTORTION_MAX][seed % 4]!, seed % 3 === 0 ? 64 : 20);
      const input = encodeDecodeInput(unit);
      expectPlausible(checkDecode(input, decodeReference(input)));
    }
  });

  it('refuses garbage', () => {
    const { input, output } = decodeSample();
    for (const [name, bytes] of garbage(output.length)) {
      expectImplausible(checkDecode(input, bytes), name === 'zeros' ? /^sentence 0 score 0 is outside -[\d.]+\.\.-[\d.]+, the range its options and language model allow/ : /^sentence 0 has \d+ target words; its \d+ source words give at most \d+/);
    }
    // Zeros say "nothing translated": refused sooner where a word cannot be deleted (an unknown word passes through).
    const [unknown] = translateUnits('Zyxwq qqq blorp.');
    expectImplausible(checkDecode(unknown!, new Uint8Array(decodeReference(unknown!).length)), /^sentence 0 leaves source position 0 untranslated, but its word has no option without target words/);
  });

  describe('an honest output with one value changed', () => {
    const { input, output } = decodeSample();
    const [first] = decodeDecodeOutput(output, [new DataView(input.buffer).getUint32(64, true)]);
    const n = new DataView(input.buffer).getUint32(64, true);

    it('refuses a target id that is no option of its source word, and an alignment outside the sentence', () => {
      expect(first!.tgt.length).toBeGreaterThan(2);
      expectImplausible(checkDecode(input, withU32(output, pairAt(1), 99_999)), /^sentence 0 target ids (99999|\d+ 99999|99999 \d+) at source position \d+ are not a translation option of its word/);
      expectImplausible(checkDecode(input, withU32(output, pairAt(0) + 4, n)), new RegExp(`^sentence 0 target 0 is aligned to source position ${n}; the sentence has ${n} words`));
    });

    it('refuses a source position used twice, counts over 2n, non-zero unused slots and a non-zero reserved word', () => {
      const twice = withU32(withU32(output, pairAt(2), first!.tgt[0]!), pairAt(2) + 4, first!.src[0]!);
      expect(first!.src[1]).not.toBe(first!.src[0]);
      expectImplausible(checkDecode(input, twice), /^sentence 0 (source position \d+ is translated twice|has more than 2 target words)/);
      expectImplausible(checkDecode(input, withU32(output, 8, 2 * n + 1)), new RegExp(`^sentence 0 has ${2 * n + 1} target words; its ${n} source words give at most ${2 * n}`));
      expectImplausible(checkDecode(input, withU32(output, pairAt(2 * n - 1), 5)), /^sentence 0 slot \d+ is past its \d+ target words but not zero/);
      expectImplausible(checkDecode(input, withU32(output, 12, 1)), /^sentence 0 has a non-zero reserved word/);
    });

    it('refuses a score outside the range the chosen options and the language model allow', () => {
      expectImplausible(checkDecode(input, withF64(output, 0, f64At(output, 0) + 1000)), /^sentence 0 score .* is outside .*, the range its options and language model allow/);
      expectImplausible(checkDecode(input, withF64(output, 0, NaN)), /^sentence 0 score NaN is outside/);
      expectImplausible(checkDecode(input, withF64(output, 0, -Infinity)), /^sentence 0 score -Infinity is outside/);
    });
  });

  it('refuses an alignment order past the distortion limit (monotone decoding, limit 0)', () => {
    const unit = { ...randomDecodeUnit(3, 1, 6, 20, 8, 0, 12), sentences: [[1, 2, 3, 4, 5]] };
    unit.options = unit.options.map((opts) => opts.filter((o) => o.tgt.length === 1));
    unit.options = unit.options.map((opts, v) => (opts.length ? opts : [{ tgt: [2 + v], score: -1 }]));
    const input = encodeDecodeInput(unit);
    const output = decodeReference(input);
    expectPlausible(checkDecode(input, output));
    const [s] = decodeDecodeOutput(output, [5]);
    expect(s!.src).toEqual([0, 1, 2, 3, 4]);
    // Words 0 and 1 swapped, each keeping its own source position: position 1 written before 0.
    const swapped = withU32(withU32(withU32(withU32(output, pairAt(0), s!.tgt[1]!), pairAt(0) + 4, 1), pairAt(1), s!.tgt[0]!), pairAt(1) + 4, 0);
    expectImplausible(checkDecode(input, swapped), /^sentence 0 translates source position 1 before position 0, a jump over the distortion limit 0/);
  });

  it('refuses an output of the wrong size and one for an input the kernel refuses; a newer layout is unchecked', () => {
    const { input, output } = decodeSample();
    expectImplausible(checkDecode(input, output.subarray(16)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkDecode(withU32(input, 20, 0), output), /not one the decode kernel runs/);
    // A type count 2^30 too large gives the same offsets in 32-bit arithmetic: still refused, nothing read past the input.
    const types = new DataView(input.buffer).getUint32(8, true);
    expectImplausible(checkDecode(withU32(input, 8, types + 2 ** 30), output), /not one the decode kernel runs/);
    expect(checkDecode(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });
});
