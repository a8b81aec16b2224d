/**
 * @module EBM speed, side by side in one run: member-equilibria per second of the
 * AssemblyScript kernel in Node (through the worker runtime), the plain TypeScript reference
 * and the C build of the same algorithm, on one ensemble unit, best of 3 runs each; the three
 * outputs must be byte-identical, or the bench fails. Then the end-to-end measure: an
 * ensemble of 10,000 members submitted over HTTP to a real edge and computed by 2 local
 * worker threads (the Node volunteer), with the share of the wall time spent in kernels.
 *
 *   npm run bench -- ebm
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { EbmParamsSchema, ebmMemberVectors, ebmUnitShape } from '../shared/jobs/ebm.ts';
import { decodeEbmOutput, encodeEbmInput } from '../shared/kernels/ebm.codec.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIR, KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { ebmReference } from '../kernels/ebm/reference.ts';
import { runEnsembleEndToEnd } from './ebm-e2e.ts';

const OUT_DIR = join(import.meta.dirname, 'out');
/** Runs per measurement; each build is measured in ROUNDS alternating rounds, best run kept. */
const RUNS = 3;
const ROUNDS = 4;
/** AS ÷ C speed the kernel must reach (the target). */
const AS_VS_C_TARGET = 0.9;
/** AS ÷ plain-TS speed that makes a kernel worth its build step. */
const AS_VS_TS_TARGET = 2;
/** Members of the speed unit: a Latin hypercube over the default ranges, with ice feedback. */
const MEMBERS = 8000;

interface Measured {
  name: string;
  bestNs: number;
  output: Uint8Array;
}

async function bestOf(name: string, run: () => Promise<Uint8Array> | Uint8Array): Promise<Measured> {
  let bestNs = Infinity;
  let output: Uint8Array = new Uint8Array();
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    output = await run();
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0));
  }
  return { name, bestNs, output };
}

/** Compiles and runs the C build; undefined (with the reason printed) when gcc is missing. */
function measureC(input: Uint8Array): Measured | undefined {
  const binary = join(OUT_DIR, 'ebm');
  const gcc = spawnSync('gcc', ['-O3', '-ffp-contract=off', '-o', binary, join(KERNELS_DIR, 'ebm', 'ebm.c'), '-lm'], { encoding: 'utf8' });
  if (gcc.error) {
    console.log(`  C: skipped, gcc is not available (${gcc.error.message})`);
    return undefined;
  }
  if (gcc.status !== 0) throw new Error(`gcc failed:\n${gcc.stderr}`);
  const inFile = join(OUT_DIR, 'ebm-bench.in');
  const outFile = join(OUT_DIR, 'ebm-bench.out');
  writeFileSync(inFile, input);
  const run = spawnSync(binary, [inFile, outFile, String(RUNS)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${binary} failed (${run.status}):\n${run.stderr}`);
  const times = run.stdout.trim().split('\n').map(Number);
  return { name: 'C (gcc -O3)', bestNs: Math.min(...times), output: new Uint8Array(readFileSync(outFile)) };
}

const fmt = (x: number, digits: number) => x.toFixed(digits).padStart(12);

/** The faster of two measurements of one build. */
const best = (a: Measured | undefined, b: Measured | undefined) => (a && b ? (a.bestNs <= b.bestNs ? a : b) : (a ?? b));

async function kernelSpeed(): Promise<void> {
  const module = await loadKernelModule(KERNELS_DIST, 'ebm', 1);
  const p = EbmParamsSchema.parse({ mode: 'equilibrium', profiles: false, sampling: { method: 'lhs', members: MEMBERS, seed: 7 } });
  // One unit of all members (beyond a job's per-unit bound, so one run is long enough to time).
  const input = encodeEbmInput({ ...ebmUnitShape(p), members: ebmMemberVectors(p) });
  // One unmeasured run first: V8 starts wasm in its baseline compiler and swaps in the
  // optimised code when it is ready. Then the builds take turns, so a burst of load on the
  // machine hits each of them alike.
  await runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER });
  let as: Measured | undefined;
  let c: Measured | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    as = best(as, await bestOf('AssemblyScript (wasm)', () => runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER })));
    c = best(c, measureC(input));
  }
  const ts = await bestOf('TypeScript reference', () => ebmReference(input));
  const rows = c ? [as!, ts, c] : [as!, ts];
  const outputs = decodeEbmOutput(ts.output, p.cells, MEMBERS, false);
  if (!as) throw new Error('no AssemblyScript measurement');
  const steps = outputs.reduce((s, o) => s + o.steps, 0);
  const converged = outputs.filter((o) => o.status === 1).length;
  console.log(`\nEBM, ${p.cells} cells, ${MEMBERS} members (Latin hypercube over the default ranges, ice feedback on), best of ${RUNS * ROUNDS} (AS and C in alternating rounds)`);
  console.log(`${converged} members reached equilibrium, ${(steps / MEMBERS).toFixed(1)} time steps per member on average`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`${'build'.padEnd(22)}${'best s'.padStart(12)}${'members/s'.padStart(12)}${'µs/member'.padStart(12)}  output`);
  for (const r of rows) {
    const same = Buffer.from(r.output).equals(Buffer.from(ts.output));
    console.log(`${r.name.padEnd(22)}${fmt(r.bestNs / 1e9, 3)}${fmt(MEMBERS / (r.bestNs / 1e9), 0)}${fmt(r.bestNs / 1e3 / MEMBERS, 2)}  ${same ? 'identical' : 'DIFFERS'}`);
  }
  const ratio = (a: Measured, b: Measured) => b.bestNs / a.bestNs;
  const verdict = (r: number, target: number) => `${r.toFixed(2)} (target ≥ ${target}: ${r >= target ? 'met' : 'MISSED'})`;
  if (c) console.log(`AS / C  speed: ${verdict(ratio(as, c), AS_VS_C_TARGET)}`);
  console.log(`AS / TS speed: ${verdict(ratio(as, ts), AS_VS_TS_TARGET)}`);
  const differing = rows.filter((r) => !Buffer.from(r.output).equals(Buffer.from(ts.output)));
  if (differing.length > 0) throw new Error(`outputs differ from the reference: ${differing.map((r) => r.name).join(', ')}`);
}

/** Runs the bench; throws when the builds disagree or the ensemble does not complete. */
export async function run(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  await buildKernels({ log: () => {} });
  await kernelSpeed();
  // BENCH_EBM_E2E=0 measures the kernels only.
  if (process.env.BENCH_EBM_E2E !== '0') await runEnsembleEndToEnd();
}
