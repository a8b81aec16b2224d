/**
 * @module Kernel speed, side by side in one run (DESIGN.md, "Quality bars": native-C speed):
 * Lorenz-96 member-steps per second of the AssemblyScript kernel in Node (through the
 * worker runtime), the plain TypeScript reference and the C build, on one input, best of 3
 * runs each. The three outputs must be byte-identical, or the bench fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { encodeL96Input } from '../shared/kernels/lorenz96.codec.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { mulberry32 } from '../shared/random.ts';
import { KERNELS_DIR, KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';

const OUT_DIR = join(import.meta.dirname, 'out');
const RUNS = 3;
/** AS ÷ C speed the kernel must reach (DESIGN.md: native speed; 0.9 leaves room for noise). */
const AS_VS_C_TARGET = 0.9;
/** AS ÷ plain-TS speed that makes a kernel worth its build step. */
const AS_VS_TS_TARGET = 2;

/** The classic system (N = 40, F = 8), sized so the fastest build still takes about a second. */
const SHAPE = { n: 40, m: 64, steps: 200_000, snapEvery: 200_000, dt: 0.01, forcing: 8 };
const MEMBER_STEPS = SHAPE.m * SHAPE.steps;

interface Measured {
  name: string;
  bestNs: number;
  output: Uint8Array;
}

/** Best wall time of `RUNS` calls of `run`, and the last output. */
async function bestOf(name: string, run: () => Promise<Uint8Array> | Uint8Array): Promise<Measured> {
  let bestNs = Infinity;
  let output: Uint8Array = new Uint8Array();
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    output = await run();
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0));
  }
  console.log(`  ${name}: done`);
  return { name, bestNs, output };
}

/** Compiles and runs the C build; undefined (with the reason printed) when gcc is missing. */
function measureC(input: Uint8Array): Measured | undefined {
  const binary = join(OUT_DIR, 'lorenz96');
  const source = join(KERNELS_DIR, 'lorenz96', 'lorenz96.c');
  const gcc = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, source], { encoding: 'utf8' });
  if (gcc.error) {
    console.log(`  C: skipped, gcc is not available (${gcc.error.message})`);
    return undefined;
  }
  if (gcc.status !== 0) throw new Error(`gcc failed:\n${gcc.stderr}`);
  const inFile = join(OUT_DIR, 'lorenz96-bench.in');
  const outFile = join(OUT_DIR, 'lorenz96-bench.out');
  writeFileSync(inFile, input);
  // The binary times its own runs, so process start-up and file I/O stay out of the number.
  const run = spawnSync(binary, [inFile, outFile, String(RUNS)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${binary} failed (${run.status}):\n${run.stderr}`);
  const times = run.stdout.trim().split('\n').map(Number);
  console.log('  C: done');
  return { name: 'C (gcc -O3)', bestNs: Math.min(...times), output: new Uint8Array(readFileSync(outFile)) };
}

const fmt = (x: number, digits: number) => x.toFixed(digits).padStart(10);

/** Prints the table and the ratios, and throws if the outputs differ. */
function report(rows: Measured[], as: Measured, ts: Measured, c: Measured | undefined): void {
  console.log(`\nLorenz-96, N=${SHAPE.n}, m=${SHAPE.m}, ${SHAPE.steps} steps: ${MEMBER_STEPS} member-steps, best of ${RUNS}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`${'build'.padEnd(22)}${'best s'.padStart(10)}${'Msteps/s'.padStart(10)}${'ns/step'.padStart(10)}  output`);
  for (const r of rows) {
    const same = Buffer.from(r.output).equals(Buffer.from(ts.output));
    const perS = MEMBER_STEPS / (r.bestNs / 1e9);
    console.log(`${r.name.padEnd(22)}${fmt(r.bestNs / 1e9, 3)}${fmt(perS / 1e6, 2)}${fmt(r.bestNs / MEMBER_STEPS, 1)}  ${same ? 'identical' : 'DIFFERS'}`);
  }
  const ratio = (a: Measured, b: Measured) => b.bestNs / a.bestNs;
  const verdict = (r: number, target: number) => `${r.toFixed(2)} (target ≥ ${target}: ${r >= target ? 'met' : 'MISSED'})`;
  if (c) console.log(`AS / C  speed: ${verdict(ratio(as, c), AS_VS_C_TARGET)}`);
  console.log(`AS / TS speed: ${verdict(ratio(as, ts), AS_VS_TS_TARGET)}`);
  const differing = rows.filter((r) => !Buffer.from(r.output).equals(Buffer.from(ts.output)));
  if (differing.length > 0) throw new Error(`outputs differ from the reference: ${differing.map((r) => r.name).join(', ')}`);
}

/** Runs the bench; throws when the builds disagree on the output bytes. */
export async function run(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  await buildKernels({ log: () => {} });
  const module = await loadKernelModule(KERNELS_DIST, 'lorenz96', 1);
  const rand = mulberry32(96);
  const input = encodeL96Input({ ...SHAPE, x0: new Float64Array(SHAPE.n * SHAPE.m).map(() => SHAPE.forcing + rand() - 0.5) });

  console.log(`measuring ${MEMBER_STEPS} member-steps × ${RUNS} runs per build (the TS reference takes longest)`);
  const as = await bestOf('AssemblyScript (wasm)', () => runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER }));
  const ts = await bestOf('TypeScript reference', () => lorenz96Reference(input));
  const c = measureC(input);
  report(c ? [as, ts, c] : [as, ts], as, ts, c);
}
