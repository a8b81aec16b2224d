/**
 * @module Test support for the plausibility validators: units made by the real job splitters,
 * outputs from the kernels' TypeScript references, and byte-level tampering helpers. Only the
 * tests in this folder import it.
 */
import { expect } from 'vitest';
import { decodeReference } from '../../../kernels/decode/reference.ts';
import { ebmReference } from '../../../kernels/ebm/reference.ts';
import { ibm1Reference } from '../../../kernels/ibm1/reference.ts';
import { lorenz96Reference } from '../../../kernels/lorenz96/reference.ts';
import { EbmParamsSchema, splitEbm } from '../../../shared/jobs/ebm.ts';
import { Ibm1ParamsSchema, splitIbm1 } from '../../../shared/jobs/ibm1.ts';
import { L96ParamsSchema, splitL96 } from '../../../shared/jobs/lorenz96.ts';
import { TranslateParamsSchema, planTranslation, splitTranslation } from '../../../shared/jobs/translate.ts';
import { mulberry32 } from '../../../shared/random.ts';
import { documentOf, lexiconModel } from '../../../tests/translation/lexicon-model.ts';
import { syntheticCorpus, toTsv } from '../../../tests/translation/synthetic.ts';
import type { Plausibility } from './answer.ts';

/** One unit and its honest output. */
export interface Sample {
  input: Uint8Array;
  output: Uint8Array;
}

/** A Lorenz-96 unit of the default job (F = 8, N = 40, resolved). */
export function lorenz96Sample(): Sample {
  const input = splitL96(L96ParamsSchema.parse({ members: 2, membersPerUnit: 2 }))[0]!.input;
  return { input, output: lorenz96Reference(input) };
}

/** An EBM unit of the default sensitivity job (ice feedback and profiles on). */
export function ebmSample(): Sample {
  const input = splitEbm(EbmParamsSchema.parse({ sampling: { method: 'lhs', members: 8, seed: 1 } }))[0]!.input;
  return { input, output: ebmReference(input) };
}

let corpusOnce: ReturnType<typeof syntheticCorpus> | undefined;
/** The synthetic corpus (600 pairs) the ibm1 samples train on. */
export function synthetic() {
  corpusOnce ??= syntheticCorpus({ seed: 4, pairs: 600 });
  return corpusOnce;
}

/** The parameters of an ibm1-train job on the synthetic corpus. */
export function ibm1Params(extra: Record<string, unknown> = {}) {
  return Ibm1ParamsSchema.parse({ srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(synthetic().pairs) }, shardPairs: 250, ...extra });
}

/** The first E-step unit of a training job on the synthetic corpus (uniform table, NULL word on). */
export function ibm1Sample(): Sample {
  const input = splitIbm1(ibm1Params())[0]!.input;
  return { input, output: ibm1Reference(input) };
}

let translateCorpusOnce: ReturnType<typeof syntheticCorpus> | undefined;
/** The synthetic corpus and lexicon model translate units are decoded with. */
export function translateModel() {
  translateCorpusOnce ??= syntheticCorpus({ seed: 7, pairs: 3000 });
  return { corpus: translateCorpusOnce, model: lexiconModel(translateCorpusOnce) };
}

/** The units of a translate job of `document` with the lexicon model. */
export function translateUnits(document: string, format: 'text' | 'markdown' = 'text'): Uint8Array[] {
  const { model } = translateModel();
  const p = TranslateParamsSchema.parse({ model: 'j_x', document, format });
  return splitTranslation({ ...p, plan: planTranslation(p, model) }, model).map((u) => u.input);
}

/** The first unit of a translate job of 20 held-out synthetic sentences. */
export function decodeSample(): Sample {
  const held = translateModel().corpus.heldOut(20).pairs;
  const input = translateUnits(documentOf(held.map((p) => p.src), 4))[0]!;
  return { input, output: decodeReference(input) };
}

/** A copy of `bytes` with f64 number `index` (little-endian, byte offset 8·index) set to `value`. */
export function withF64(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setFloat64(8 * index, value, true);
  return copy;
}

/** f64 number `index` of `bytes`. */
export function f64At(bytes: Uint8Array, index: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(8 * index, true);
}

/** A copy of `bytes` with the u32 at byte offset `at` set to `value`. */
export function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
}

/** `length` uniformly random bytes from a seeded generator. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length }, () => Math.floor(rand() * 256));
}

/** Garbage outputs of the right length: all zero, all 0x07, and uniformly random bytes (three seeds). */
export function garbage(length: number): [string, Uint8Array][] {
  return [
    ['zeros', new Uint8Array(length)],
    ['0x07 fill', new Uint8Array(length).fill(7)],
    ...[1, 2, 3].map((seed): [string, Uint8Array] => [`random bytes (seed ${seed})`, randomBytes(length, seed)]),
  ];
}

/** Asserts `verdict` is implausible with a reason matching `pattern`. */
export function expectImplausible(verdict: Plausibility, pattern: RegExp): void {
  expect(verdict.status, JSON.stringify(verdict)).toBe('implausible');
  if (verdict.status === 'implausible') expect(verdict.reason).toMatch(pattern);
}

/** Asserts `verdict` is plausible, showing the reason when it is not. */
export function expectPlausible(verdict: Plausibility): void {
  expect(verdict, verdict.status === 'implausible' ? verdict.reason : '').toEqual({ status: 'plausible' });
}
