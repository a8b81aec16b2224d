/**
 * @module What the kernel benches share: timing a build (best of N runs), compiling and
 * running a kernel's C build (`gcc -O3 -ffp-contract=off`, which times its own runs so
 * process start-up and file I/O stay out), and the verdicts against the speed targets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNELS_DIR } from '../kernels/build.ts';
import type { KernelExports } from '../shared/kernels/abi.ts';

export const BENCH_OUT_DIR = join(import.meta.dirname, 'out');
/** AS ÷ C speed a kernel must reach (DESIGN.md: native speed; 0.9 leaves room for noise). */
export const AS_VS_C_TARGET = 0.9;
/** AS ÷ plain-TS speed that makes a kernel worth its build step. */
export const AS_VS_TS_TARGET = 2;

export interface Measured {
  name: string;
  bestNs: number;
  output: Uint8Array;
}

/** Best wall time of `runs` calls of `run`, and the last output. */
export async function bestOf(name: string, runs: number, run: () => Promise<Uint8Array> | Uint8Array): Promise<Measured> {
  let bestNs = Infinity;
  let output: Uint8Array = new Uint8Array();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    output = await run();
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0));
  }
  return { name, bestNs, output };
}

/**
 * Compiles `kernels/<kernel>/<kernel>.c` and runs it `runs` times on `input`; undefined (with
 * the reason printed) when gcc is missing.
 */
export function measureC(kernel: string, input: Uint8Array, runs: number, libs: string[] = []): Measured | undefined {
  mkdirSync(BENCH_OUT_DIR, { recursive: true });
  const binary = join(BENCH_OUT_DIR, kernel);
  const gcc = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, join(KERNELS_DIR, kernel, `${kernel}.c`), ...libs], { encoding: 'utf8' });
  if (gcc.error) {
    console.log(`  C: skipped, gcc is not available (${gcc.error.message})`);
    return undefined;
  }
  if (gcc.status !== 0) throw new Error(`gcc failed:\n${gcc.stderr}`);
  const inFile = join(BENCH_OUT_DIR, `${kernel}-bench.in`);
  const outFile = join(BENCH_OUT_DIR, `${kernel}-bench.out`);
  writeFileSync(inFile, input);
  const run = spawnSync(binary, [inFile, outFile, String(runs)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${binary} failed (${run.status}):\n${run.stderr}`);
  const times = run.stdout.trim().split('\n').map(Number);
  return { name: 'C (gcc -O3)', bestNs: Math.min(...times), output: new Uint8Array(readFileSync(outFile)) };
}

/** Prints AS ÷ C and AS ÷ TS against their targets; throws if any build's output differs from the TS reference's. */
export function reportRatios(rows: Measured[], as: Measured, ts: Measured, c: Measured | undefined): void {
  const ratio = (a: Measured, b: Measured) => b.bestNs / a.bestNs;
  const verdict = (r: number, target: number) => `${r.toFixed(2)} (target ≥ ${target}: ${r >= target ? 'met' : 'MISSED'})`;
  if (c) console.log(`AS / C  speed: ${verdict(ratio(as, c), AS_VS_C_TARGET)}`);
  console.log(`AS / TS speed: ${verdict(ratio(as, ts), AS_VS_TS_TARGET)}`);
  const differing = rows.filter((r) => !Buffer.from(r.output).equals(Buffer.from(ts.output)));
  if (differing.length > 0) throw new Error(`outputs differ from the reference: ${differing.map((r) => r.name).join(', ')}`);
}

/**
 * Best time of a kernel's init + steps alone, on fresh instances made (and the input copied)
 * before the clock starts: a fresh wasm memory costs its page faults on first touch, which a
 * C build reusing its heap from run to run does not pay.
 */
export async function kernelOnlyNs(module: WebAssembly.Module, input: Uint8Array, runs: number): Promise<number> {
  let bestNs = Infinity;
  for (let r = 0; r < runs; r++) {
    const instance = await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error('abort'); } } });
    const k = instance.exports as unknown as KernelExports;
    const ptr = k.input_alloc(input.byteLength);
    new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
    const t0 = process.hrtime.bigint();
    const code = k.init();
    if (code !== 0) throw new Error(`init refused the bench unit (kernel code ${code})`);
    while (k.step(Number.MAX_SAFE_INTEGER) === 1);
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0));
  }
  return bestNs;
}

/**
 * Prints the kernel-only AS ÷ C ratio in Chromium (where volunteers run kernels) beside Node's;
 * throws if Chromium's output differs from the reference's.
 */
export function reportChromium(chromium: Measured | undefined, ts: Measured, c: Measured | undefined): void {
  if (!chromium) return;
  if (!Buffer.from(chromium.output).equals(Buffer.from(ts.output))) throw new Error(`${chromium.name}: output differs from the reference`);
  const ratio = c ? c.bestNs / chromium.bestNs : undefined;
  console.log(
    `${chromium.name}, kernel only (init + steps): ${(chromium.bestNs / 1e6).toFixed(3)} ms` +
      (ratio === undefined ? '' : `, AS / C ${ratio.toFixed(2)} (target ≥ ${AS_VS_C_TARGET}: ${ratio >= AS_VS_C_TARGET ? 'met' : 'MISSED'}); output identical`),
  );
}
