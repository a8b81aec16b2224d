/**
 * @module The decoding kernel against its TypeScript reference (byte for byte, whatever the
 * step budget), on seeded random units and on hand-built ones whose best translation is known:
 * the LM reorders within the window and not beyond it, two-word and empty options, unknown
 * words passed through. Also its refusals.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelExports } from '../../shared/kernels/abi.ts';
import { DECODE_NONE, decodeDecodeOutput, decodeOutputBytes, encodeDecodeInput, type DecodeLmEntry, type DecodeUnitInput } from '../../shared/kernels/decode.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import * as codes from '../../shared/kernels/decode.codes.ts';
import { randomDecodeUnit } from './random-unit.ts';
import { decodeInputProblem, decodeReference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'decode', 1);
});

const CASES: Record<string, DecodeUnitInput> = {
  'beam 8, window 4': randomDecodeUnit(1, 12, 40, 60, 8, 4),
  'beam 1, monotone': randomDecodeUnit(2, 6, 10, 20, 1, 0),
  'beam 64, window 6, long sentences': randomDecodeUnit(3, 4, 30, 50, 64, 6, 64),
  // Odd beams: the kernel's SIMD scans of a stack end in a partial vector.
  'beam 13, window 3': randomDecodeUnit(4, 8, 30, 40, 13, 3, 30),
  'beam 7, window 5': randomDecodeUnit(5, 8, 25, 30, 7, 5, 24),
};

describe('decode kernel', () => {
  describe.each(Object.entries(CASES))('%s', (_name, unit) => {
    const input = encodeDecodeInput(unit);
    const expected = decodeReference(input);
    const words = unit.sentences.reduce((a, s) => a + s.length, 0);

    it.each([1, 7, 2 ** 40])('matches the reference byte for byte with budget %d', async (budget) => {
      let last = [0, -1];
      const output = await runKernel(kernel, input, { budget, onProgress: (done, total) => (last = [done, total]) });
      expect(output.byteLength).toBe(decodeOutputBytes(unit.sentences.map((s) => s.length)));
      expect(output).toEqual(expected);
      expect(last).toEqual([words, words]);
    });

    it('translates within each sentence, at most two target words per source word', () => {
      const out = decodeDecodeOutput(expected, unit.sentences.map((s) => s.length));
      out.forEach((d, i) => {
        const n = unit.sentences[i]!.length;
        for (const j of d.src) expect(j).toBeLessThan(n);
        expect(Number.isFinite(d.score)).toBe(true);
        expect(d.tgt.length).toBeLessThanOrEqual(2 * n);
        // Source positions appear as runs: one option per source word, so no word comes back later.
        const runs = d.src.filter((j, k) => k === 0 || d.src[k - 1] !== j);
        expect(new Set(runs).size).toBe(runs.length);
      });
    });
  });
});

describe('decode C build', () => {
  const gcc = spawnSync('gcc', ['--version']);
  it.skipIf(gcc.error !== undefined)('gives the same bytes as the reference (the bench baseline is the same algorithm)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'decode-c-'));
    const binary = join(dir, 'decode');
    const build = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, join(import.meta.dirname, 'decode.c')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    for (const [name, unit] of Object.entries(CASES)) {
      const input = encodeDecodeInput(unit);
      writeFileSync(join(dir, 'in'), input);
      const run = spawnSync(binary, [join(dir, 'in'), join(dir, 'out')], { encoding: 'utf8' });
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
      expect(new Uint8Array(readFileSync(join(dir, 'out'))), name).toEqual(decodeReference(input));
    }
    // A refused unit exits 2 with the kernel's code.
    writeFileSync(join(dir, 'in'), encodeDecodeInput({ ...CASES['beam 1, monotone']!, beam: 0 }));
    const refused = spawnSync(binary, [join(dir, 'in'), join(dir, 'out')], { encoding: 'utf8' });
    expect([refused.status, refused.stderr]).toEqual([2, `input refused (kernel code ${codes.DECODE_ERR_BEAM})\n`]);
  });
});

describe('decode search', () => {
  // Source types 0 = "A", 1 = "B", 2 = "C" (two words), 3 = "P" (no target), 4 = unknown;
  // target ids 2 = a, 3 = b, 4 = c1, 5 = c2, 6 = <unk>.
  const options = [[{ tgt: [2], score: Math.log(0.9) }], [{ tgt: [3], score: Math.log(0.9) }], [{ tgt: [4, 5], score: Math.log(0.8) }, { tgt: [4], score: Math.log(0.2) }], [{ tgt: [], score: Math.log(0.5) }], [{ tgt: [6], score: 0 }]];
  // An LM that has only ever seen "<s> b a </s>" and "<s> c1 c2 </s>".
  const lm: DecodeLmEntry[] = [
    ...[2, 3, 4, 5, 1].map((w) => ({ ids: [w], logp: Math.log(0.2), bow: Math.log(0.5) })),
    ...[[0, 3], [3, 2], [2, 1], [0, 4], [4, 5], [5, 1]].map((ids) => ({ ids, logp: Math.log(0.9), bow: 0 })),
  ];
  const base = { options, lm, beam: 16, lmWeight: 1, wordPenalty: 0, distortionWeight: 0.1, unkLogProb: Math.log(1e-3) };
  const decode = async (sentences: number[][], distortionLimit: number) => {
    const u = { ...base, sentences, distortionLimit };
    const input = encodeDecodeInput(u);
    const out = await runKernel(kernel, input);
    expect(out).toEqual(decodeReference(input));
    return decodeDecodeOutput(out, sentences.map((s) => s.length));
  };

  it('reorders "A B" into "b a" when the window allows it, and keeps the order when it does not', async () => {
    const [swapped] = await decode([[0, 1]], 1);
    expect(swapped).toMatchObject({ tgt: [3, 2], src: [1, 0] });
    const [monotone] = await decode([[0, 1]], 0);
    expect(monotone).toMatchObject({ tgt: [2, 3], src: [0, 1] });
  });

  it('uses two-word options, drops words with an empty option, and passes unknown words through', async () => {
    const [d] = await decode([[3, 2, 4]], 2);
    expect(d!.tgt.filter((t) => t !== 6)).toEqual([4, 5]);
    expect(d!.src[d!.tgt.indexOf(4)]).toBe(1);
    expect(d!.src[d!.tgt.indexOf(6)]).toBe(2);
    expect(d!.src).not.toContain(0);
  });
});

/** A fresh instance with `input` copied in, driven by hand through the raw ABI. */
async function instantiate(input: Uint8Array): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(kernel, { env: { abort: () => { throw new Error('abort'); } } });
  const k = instance.exports as unknown as KernelExports;
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  return k;
}

describe('decode kernel refusals', () => {
  const unit = randomDecodeUnit(9, 3, 5, 10, 4, 2, 6);
  const good = () => encodeDecodeInput(unit);
  const withWord = (at: number, value: number) => {
    const bytes = good();
    new DataView(bytes.buffer).setUint32(at, value, true);
    return bytes;
  };
  const withWords = (...words: [number, number][]) => {
    const bytes = good();
    for (const [at, value] of words) new DataView(bytes.buffer).setUint32(at, value, true);
    return bytes;
  };
  const withFloat = (at: number, value: number) => {
    const bytes = good();
    new DataView(bytes.buffer).setFloat64(at, value, true);
    return bytes;
  };
  const optAt = good().byteLength - 32 * unit.lm.length - 16 * unit.options.flat().length;
  const lmAt = good().byteLength - 32 * unit.lm.length;
  const BAD: [string, Uint8Array, number][] = [
    ['a truncated header', good().subarray(0, 63), codes.DECODE_ERR_SHORT_INPUT],
    ['layout 2', withWord(0, 2), codes.DECODE_ERR_LAYOUT],
    ['beam 0', withWord(20, 0), codes.DECODE_ERR_BEAM],
    ['beam 257', withWord(20, 257), codes.DECODE_ERR_BEAM],
    ['a window of 17', withWord(24, 17), codes.DECODE_ERR_DISTORTION],
    ['a reserved word', withWord(28, 1), codes.DECODE_ERR_RESERVED],
    ['λ = NaN', withFloat(32, NaN), codes.DECODE_ERR_WEIGHTS],
    ['8 bytes too many', new Uint8Array([...good(), 0, 0, 0, 0, 0, 0, 0, 0]), codes.DECODE_ERR_INPUT_LENGTH],
    ['a sentence of 65 words', withWord(64, 65), codes.DECODE_ERR_SENTENCE_LENGTH],
    ['a word of type 5 of 5', withWord(64 + 12, 5), codes.DECODE_ERR_WORD],
    ['an option with t2 but no t1', withWords([optAt, DECODE_NONE], [optAt + 4, 5]), codes.DECODE_ERR_OPTION],
    ['an option translating to <s>', withWord(optAt + 4, 0), codes.DECODE_ERR_OPTION],
    ['an infinite option score', withFloat(optAt + 8, -Infinity), codes.DECODE_ERR_OPTION],
    ['an LM entry with a pad word', withWord(lmAt + 12, 1), codes.DECODE_ERR_LM_ENTRY],
    ['an LM entry with NONE last', withWord(lmAt + 8, DECODE_NONE), codes.DECODE_ERR_LM_ENTRY],
    ['a target id of 2^20', withWord(optAt, 1 << 20), codes.DECODE_ERR_TARGET_ID],
  ];

  it.each(BAD)('refuses %s with its own code', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    expect(decodeInputProblem(input)).toBe(code);
    expect(() => decodeReference(input)).toThrow(RangeError);
  });

  it('refuses duplicate LM entries and options starts that give a type no option', async () => {
    const dup = encodeDecodeInput({ ...unit, lm: [...unit.lm, unit.lm[0]!] });
    await expect(runKernel(kernel, dup)).rejects.toMatchObject({ code: codes.DECODE_ERR_LM_DUPLICATE });
    expect(decodeInputProblem(dup)).toBe(codes.DECODE_ERR_LM_DUPLICATE);
    const empty = encodeDecodeInput({ ...unit, options: [...unit.options.slice(0, 4), []] });
    await expect(runKernel(kernel, empty)).rejects.toMatchObject({ code: codes.DECODE_ERR_OPTION_STARTS });
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.entries(codes).filter(([k]) => k.startsWith('DECODE_ERR_')).map(([, v]) => v);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a second init and a step before init, and steps nothing on a budget below 1', async () => {
    const k = await instantiate(good());
    expect(k.step(1)).toBe(codes.DECODE_ERR_NOT_READY);
    expect(k.init()).toBe(0);
    expect(k.init()).toBe(codes.DECODE_ERR_INIT_TWICE);
    const words = unit.sentences.reduce((a, s) => a + s.length, 0);
    expect(k.work_total()).toBe(words);
    expect([k.step(0), k.work_done()]).toEqual([1, 0]);
    expect([k.step(NaN), k.work_done()]).toEqual([1, 0]);
    expect([k.step(2), k.work_done()]).toEqual([1, 2]);
    while (k.step(5) === 1);
    expect(k.work_done()).toBe(words);
  });
});
