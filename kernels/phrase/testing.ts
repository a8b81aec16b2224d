/**
 * @module Test support for the phrase kernel's tests: the built module, a run that checks the
 * kernel's bytes against the reference's, the C build when gcc is there, and the input's
 * section offsets (to break one field of a valid unit).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PHRASE_HEADER_BYTES, type PhraseUnitInput } from '../../shared/kernels/phrase.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import { phraseReference } from './reference.ts';

/** The phrase kernel module, built when the manifest is missing. */
export async function phraseModule(): Promise<WebAssembly.Module> {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  return loadKernelModule(KERNELS_DIST, 'phrase', 1);
}

/** Runs `input` on the kernel and returns its output, after checking it equals the reference's byte for byte. */
export async function runChecked(kernel: WebAssembly.Module, input: Uint8Array, budget?: number): Promise<Uint8Array> {
  const out = await runKernel(kernel, input, budget === undefined ? {} : { budget });
  expect(out).toEqual(phraseReference(input));
  return out;
}

/** The C build: compiled once into a temporary folder; null when gcc is missing. */
let cBinary: string | null | undefined;
export function phraseC(): string | null {
  if (cBinary !== undefined) return cBinary;
  const source = join(import.meta.dirname, 'phrase.c');
  if (!existsSync(source) || spawnSync('gcc', ['--version']).error !== undefined) return (cBinary = null);
  const dir = mkdtempSync(join(tmpdir(), 'phrase-c-'));
  const binary = join(dir, 'phrase');
  const build = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, source], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`phrase.c does not compile:\n${build.stderr}`);
  return (cBinary = binary);
}

/** Runs `input` through the C build: its output bytes, or the kernel code it refused the input with. */
export function runC(binary: string, input: Uint8Array): Uint8Array | number {
  const dir = mkdtempSync(join(tmpdir(), 'phrase-run-'));
  writeFileSync(join(dir, 'in'), input);
  const run = spawnSync(binary, [join(dir, 'in'), join(dir, 'out')], { encoding: 'utf8' });
  if (run.status === 2) return Number(/kernel code (-?\d+)/.exec(run.stderr)?.[1]);
  if (run.status !== 0) throw new Error(`phrase C build failed: ${run.stderr}`);
  return new Uint8Array(readFileSync(join(dir, 'out')));
}

/** Byte offsets of the input's sections (see shared/kernels/phrase.codec.ts). */
export function sections(u: PhraseUnitInput) {
  const F = u.features;
  const S = u.sentences.length;
  const O = u.sentences.reduce((a, s) => a + s.options.length, 0);
  const T = u.sentences.reduce((a, s) => a + s.options.reduce((b, o) => b + o.tgt.length, 0), 0);
  const L = u.lm.length;
  const tm = PHRASE_HEADER_BYTES;
  const scores = tm + 8 * F;
  const logp = scores + 8 * O * F;
  const bow = logp + 8 * L;
  const lens = bow + 8 * L;
  const counts = lens + 4 * S;
  const heads = counts + 4 * S;
  const tgt = heads + 4 * O;
  const lmIds = tgt + 4 * T;
  return { tm, scores, logp, bow, lens, counts, heads, tgt, lmIds, end: lmIds + 4 * L * u.lmOrder };
}
