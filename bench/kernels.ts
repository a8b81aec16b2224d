/**
 * @module Kernel speed, side by side in one run (DESIGN.md, "Quality bars": native-C speed):
 * Lorenz-96 member-steps per second of the AssemblyScript kernel in Node (through the
 * worker runtime), the plain TypeScript reference and the C build, on one input, best of 3
 * runs each. The three outputs must be byte-identical, or the bench fails.
 */
import { cpus } from 'node:os';
import { encodeL96Input } from '../shared/kernels/lorenz96.codec.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { mulberry32 } from '../shared/random.ts';
import { KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { bestOf, measureC, reportChromium, reportRatios, type Measured } from './native.ts';
import { chromiumKernelOnly } from './chromium-kernel.ts';

const RUNS = 3;

/** The classic system (N = 40, F = 8), sized so the fastest build still takes about a second. */
const SHAPE = { n: 40, m: 64, steps: 200_000, snapEvery: 200_000, dt: 0.01, forcing: 8 };
const MEMBER_STEPS = SHAPE.m * SHAPE.steps;

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
  reportRatios(rows, as, ts, c);
}

/** Runs the bench; throws when the builds disagree on the output bytes. */
export async function run(): Promise<void> {
  await buildKernels({ log: () => {} });
  const module = await loadKernelModule(KERNELS_DIST, 'lorenz96', 1);
  const rand = mulberry32(96);
  const input = encodeL96Input({ ...SHAPE, x0: new Float64Array(SHAPE.n * SHAPE.m).map(() => SHAPE.forcing + rand() - 0.5) });

  console.log(`measuring ${MEMBER_STEPS} member-steps × ${RUNS} runs per build (the TS reference takes longest)`);
  const as = await bestOf('AssemblyScript (wasm)', RUNS, () => runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER }));
  console.log('  AssemblyScript: done');
  const ts = await bestOf('TypeScript reference', RUNS, () => lorenz96Reference(input));
  console.log('  TypeScript: done');
  const c = measureC('lorenz96', input, RUNS);
  if (c) console.log('  C: done');
  report(c ? [as, ts, c] : [as, ts], as, ts, c);
  reportChromium(await chromiumKernelOnly('lorenz96', 1, input, { samples: RUNS, perSample: 1, warmup: 1 }), ts, c);
}
