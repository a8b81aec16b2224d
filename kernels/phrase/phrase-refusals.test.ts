/**
 * @module The phrase kernel's refusals: every malformed input gets its own PHRASE_ERR_* code
 * from init, the same from the kernel, the reference and the C build; and the ABI's order
 * (no step before init, no second init, nothing done on a budget below 1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelExports } from '../../shared/kernels/abi.ts';
import { PHRASE_NONE, encodePhraseInput } from '../../shared/kernels/phrase.codec.ts';
import * as codes from '../../shared/kernels/phrase.codes.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { randomPhraseUnit } from './random-unit.ts';
import { phraseInputProblem, phraseReference } from './reference.ts';
import { phraseC, phraseModule, runC, sections } from './testing.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  kernel = await phraseModule();
});

/** A fresh instance with `input` copied in, driven by hand through the raw ABI. */
async function instantiate(input: Uint8Array): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(kernel, { env: { abort: () => { throw new Error('abort'); } } });
  const k = instance.exports as unknown as KernelExports;
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  return k;
}

describe('phrase kernel refusals', () => {
  // Sentence 0 has 9 words (room for an 8-word span), sentence 1 is empty, sentence 2 is not.
  const unit = randomPhraseUnit(9, { sentences: 3, minLen: 9, maxLen: 9, tgt: 12, features: 2, lmOrder: 3, beam: 4, distortionLimit: 2, nbest: 3 });
  const at = sections(unit);
  const good = () => encodePhraseInput(unit);
  const edit = (f: (v: DataView) => void) => {
    const bytes = good();
    f(new DataView(bytes.buffer));
    return bytes;
  };
  const u32 = (offset: number, value: number) => edit((v) => v.setUint32(offset, value, true));
  const f64 = (offset: number, value: number) => edit((v) => v.setFloat64(offset, value, true));
  const u8 = (offset: number, value: number) => edit((v) => v.setUint8(offset, value));
  // Option 0 is sentence 0's [0, 1) option; the last option of sentence 0 is a later span.
  const o0 = unit.sentences[0]!.options;
  const lastOfFirst = o0.length - 1;
  const firstWithTargets = o0.findIndex((o) => o.tgt.length > 0);
  const tgtOf = (o: number) => at.tgt + 4 * o0.slice(0, o).reduce((a, x) => a + x.tgt.length, 0);
  const lmRow = (k: number) => at.lmIds + 4 * unit.lmOrder * k;
  const longest = unit.lm.findIndex((e) => e.ids.length === unit.lmOrder);
  const withoutOneWordAt1 = { ...unit, sentences: [{ ...unit.sentences[0]!, options: o0.filter((o) => !(o.start === 1 && o.end === 2)) }, ...unit.sentences.slice(1)] };
  const extraTarget = (() => {
    const bytes = new Uint8Array(good().byteLength + 4);
    const src = good();
    bytes.set(src.subarray(0, at.lmIds));
    bytes.set(src.subarray(at.lmIds), at.lmIds + 4);
    new DataView(bytes.buffer).setUint32(36, new DataView(src.buffer).getUint32(36, true) + 1, true);
    new DataView(bytes.buffer).setUint32(at.lmIds, 2, true);
    return bytes;
  })();

  const BAD: [string, Uint8Array, number][] = [
    ['a truncated header', good().subarray(0, 87), codes.PHRASE_ERR_SHORT_INPUT],
    ['layout 2', u32(0, 2), codes.PHRASE_ERR_LAYOUT],
    ['no features', u32(8, 0), codes.PHRASE_ERR_FEATURES],
    ['9 features', u32(8, 9), codes.PHRASE_ERR_FEATURES],
    ['LM order 0', u32(12, 0), codes.PHRASE_ERR_LM_ORDER],
    ['LM order 6', u32(12, 6), codes.PHRASE_ERR_LM_ORDER],
    ['beam 0', u32(20, 0), codes.PHRASE_ERR_BEAM],
    ['beam 1025', u32(20, codes.PHRASE_BEAM_MAX + 1), codes.PHRASE_ERR_BEAM],
    ['a distortion limit of 17', u32(24, 17), codes.PHRASE_ERR_DISTORTION],
    ['n-best 0', u32(28, 0), codes.PHRASE_ERR_NBEST],
    ['n-best 33', u32(28, 33), codes.PHRASE_ERR_NBEST],
    ['a reserved word', u32(44, 1), codes.PHRASE_ERR_RESERVED],
    ['8 bytes too many', new Uint8Array([...good(), 0, 0, 0, 0, 0, 0, 0, 0]), codes.PHRASE_ERR_INPUT_LENGTH],
    ['4 bytes too few', good().subarray(0, at.end - 4), codes.PHRASE_ERR_INPUT_LENGTH],
    ['one option more than there are', u32(32, o0.length + 1), codes.PHRASE_ERR_INPUT_LENGTH],
    ['w_lm = NaN', f64(56, NaN), codes.PHRASE_ERR_WEIGHTS],
    ['w_tm[1] = Infinity', f64(at.tm + 8, Infinity), codes.PHRASE_ERR_WEIGHTS],
    ['a word weight of 1e13', f64(64, 1e13), codes.PHRASE_ERR_WEIGHTS],
    ['an unknown-word log prob of −Infinity', f64(48, -Infinity), codes.PHRASE_ERR_WEIGHTS],
    ['a sentence of 65 words', u32(at.lens, 65), codes.PHRASE_ERR_SENTENCE_LENGTH],
    ['a sentence with 16385 options', u32(at.counts + 8, codes.PHRASE_OPTIONS_PER_SENTENCE_MAX + 1), codes.PHRASE_ERR_OPTION_COUNT],
    ['option counts one short of the header', u32(at.counts, o0.length - 1), codes.PHRASE_ERR_OPTION_COUNT],
    ['an option with its reserved byte set', u8(at.heads + 3, 1), codes.PHRASE_ERR_OPTION],
    ['an option ending where it starts', u8(at.heads + 1, 0), codes.PHRASE_ERR_OPTION_RANGE],
    ['an option ending past its sentence', u8(at.heads + 4 * lastOfFirst + 1, 10), codes.PHRASE_ERR_OPTION_RANGE],
    ['a span of 8 words', edit((v) => (v.setUint8(at.heads + 4 * lastOfFirst, 1), v.setUint8(at.heads + 4 * lastOfFirst + 1, 9))), codes.PHRASE_ERR_SPAN_LENGTH],
    ['8 target words', u8(at.heads + 2, 8), codes.PHRASE_ERR_TARGET_LENGTH],
    ['options out of (start, end) order', u32(at.heads, (8 << 0) | (9 << 8) | (o0[0]!.tgt.length << 16)), codes.PHRASE_ERR_OPTION_ORDER],
    ['a word without a one-word option', encodePhraseInput(withoutOneWordAt1), codes.PHRASE_ERR_MISSING_WORD_OPTION],
    ['one target word more than the options have', extraTarget, codes.PHRASE_ERR_TARGET_WORDS],
    ['an option translating to <s>', u32(tgtOf(firstWithTargets), 0), codes.PHRASE_ERR_TARGET_ID],
    ['an option translating to </s>', u32(tgtOf(firstWithTargets), 1), codes.PHRASE_ERR_TARGET_ID],
    ['a target id of 2^20', u32(tgtOf(firstWithTargets), 1 << 20), codes.PHRASE_ERR_TARGET_ID],
    ['an option feature of NaN', f64(at.scores + 8, NaN), codes.PHRASE_ERR_OPTION_SCORE],
    ['an option feature of −1e13', f64(at.scores, -1e13), codes.PHRASE_ERR_OPTION_SCORE],
    ['an LM entry of no words', edit((v) => [0, 1, 2].forEach((i) => v.setUint32(lmRow(longest) + 4 * i, PHRASE_NONE, true))), codes.PHRASE_ERR_LM_ENTRY],
    ['an LM entry with NONE after a word', u32(lmRow(longest) + 8, PHRASE_NONE), codes.PHRASE_ERR_LM_ENTRY],
    ['an LM id of 2^20', u32(lmRow(longest), 1 << 20), codes.PHRASE_ERR_LM_ENTRY],
    ['an LM log prob of NaN', f64(at.logp + 8 * longest, NaN), codes.PHRASE_ERR_LM_ENTRY],
    ['an LM backoff weight of Infinity', f64(at.bow, Infinity), codes.PHRASE_ERR_LM_ENTRY],
    ['a repeated unigram', encodePhraseInput({ ...unit, lm: [...unit.lm, { ...unit.lm[0]!, logp: -1 }] }), codes.PHRASE_ERR_LM_DUPLICATE],
    ['a repeated trigram', encodePhraseInput({ ...unit, lm: [...unit.lm, unit.lm[longest]!] }), codes.PHRASE_ERR_LM_DUPLICATE],
  ];

  it.each(BAD)('refuses %s with its own code', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    expect(phraseInputProblem(input)).toBe(code);
    expect(() => phraseReference(input)).toThrow(RangeError);
    const c = phraseC();
    if (c) expect(runC(c, input)).toBe(code);
  });

  it('accepts the unit every refusal above starts from', async () => {
    expect(phraseInputProblem(good())).toBe(0);
    expect(await runKernel(kernel, good())).toEqual(phraseReference(good()));
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.entries(codes).filter(([k]) => k.startsWith('PHRASE_ERR_')).map(([, v]) => v);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a second init and a step before init, and steps nothing on a budget below 1', async () => {
    const k = await instantiate(good());
    expect(k.step(1)).toBe(codes.PHRASE_ERR_NOT_READY);
    expect(k.init()).toBe(0);
    expect(k.init()).toBe(codes.PHRASE_ERR_INIT_TWICE);
    const words = unit.sentences.reduce((a, s) => a + s.length, 0);
    expect(k.work_total()).toBe(words);
    expect([k.step(0), k.work_done()]).toEqual([1, 0]);
    expect([k.step(NaN), k.work_done()]).toEqual([1, 0]);
    expect([k.step(2), k.work_done()]).toEqual([1, 2]);
    while (k.step(5) === 1);
    expect(k.work_done()).toBe(words);
    expect(new Uint8Array(k.memory.buffer, k.output_ptr(), k.output_len())).toEqual(phraseReference(good()));
  });
});
