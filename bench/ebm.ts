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
import { cpus } from 'node:os';
import { EbmParamsSchema, ebmMemberVectors, ebmUnitShape } from '../shared/jobs/ebm.ts';
import { decodeEbmOutput, encodeEbmInput } from '../shared/kernels/ebm.codec.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { ebmReference } from '../kernels/ebm/reference.ts';
import { runEnsembleEndToEnd } from './ebm-e2e.ts';
import { bestOf, measureC, reportChromium, reportRatios, type Measured } from './native.ts';
import { chromiumKernelOnly } from './chromium-kernel.ts';

/** Runs per measurement; each build is measured in ROUNDS alternating rounds, best run kept. */
const RUNS = 3;
const ROUNDS = 4;
/** Members of the speed unit: a Latin hypercube over the default ranges, with ice feedback. */
const MEMBERS = 8000;

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
    as = best(as, await bestOf('AssemblyScript (wasm)', RUNS, () => runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER })));
    c = best(c, measureC('ebm', input, RUNS, ['-lm']));
  }
  const ts = await bestOf('TypeScript reference', RUNS, () => ebmReference(input));
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
  reportRatios(rows, as, ts, c);
  reportChromium(await chromiumKernelOnly('ebm', 1, input, { samples: RUNS * ROUNDS, perSample: 1, warmup: 2 }), ts, c);
}

/** Runs the bench; throws when the builds disagree or the ensemble does not complete. */
export async function run(): Promise<void> {
  await buildKernels({ log: () => {} });
  await kernelSpeed();
  // BENCH_EBM_E2E=0 measures the kernels only.
  if (process.env.BENCH_EBM_E2E !== '0') await runEnsembleEndToEnd();
}
