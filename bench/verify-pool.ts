/**
 * @module Server-verification pool speed (edge/coordinator/verify/): units per second of the
 * pool at cpuShare 1 (one thread) against `runKernel` in-process on the same units, as a
 * ratio, best of 3 alternating rounds; then one round at the default share, whose ratio
 * should come out near that share. Every pool output must equal the in-process one, or the
 * bench fails. Units: Lorenz-96 and EBM units as their job kinds' splitters make them.
 *
 *   npx tsx bench/verify-pool.ts
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { EBM_KERNEL, EbmParamsSchema, splitEbm } from '../shared/jobs/ebm.ts';
import { L96_KERNEL, L96ParamsSchema, splitL96 } from '../shared/jobs/lorenz96.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIST } from '../kernels/build.ts';
import { kernelKey, loadKernelRegistry } from '../edge/kernels/registry.ts';
import { createVerifyPool, VERIFY_CPU_SHARE, type VerifyJob } from '../edge/coordinator/verify/index.ts';

const ROUNDS = 3;

async function jobs(): Promise<VerifyJob[]> {
  const registry = await loadKernelRegistry(KERNELS_DIST);
  const of = (k: { id: string; version: number }) => {
    const key = kernelKey(k.id, k.version);
    return { kernelKey: key, module: registry.entries.get(key)!.module };
  };
  const l96 = splitL96(L96ParamsSchema.parse({ n: 40, steps: 50_000, snapEvery: 10_000, members: 32, membersPerUnit: 4, seed: 3 }));
  const ebm = splitEbm(EbmParamsSchema.parse({ cells: 90, maxSteps: 1000, membersPerUnit: 50, sampling: { method: 'lhs', members: 400, seed: 2 } }));
  return [
    ...l96.map((u) => ({ ...of(L96_KERNEL), input: u.input, outputBytes: u.outputBytes })),
    ...ebm.map((u) => ({ ...of(EBM_KERNEL), input: u.input, outputBytes: u.outputBytes })),
  ];
}

/** Units per second in-process, and the outputs. */
async function inProcess(units: VerifyJob[]): Promise<{ perS: number; outputs: Uint8Array[] }> {
  const t0 = performance.now();
  const outputs: Uint8Array[] = [];
  for (const u of units) outputs.push(await runKernel(u.module as WebAssembly.Module, u.input));
  return { perS: units.length / ((performance.now() - t0) / 1000), outputs };
}

/** Units per second through a fresh pool (its thread started and warmed first), and its share of one core. */
async function throughPool(units: VerifyJob[], cpuShare: number, expected: Uint8Array[]): Promise<{ perS: number; share: number }> {
  const pool = createVerifyPool({ cpuShare, queueMax: units.length });
  try {
    await pool.verify(units[0]!);
    const s0 = pool.stats();
    const t0 = performance.now();
    const outcomes = await Promise.all(units.map((u) => pool.verify(u)));
    const wallS = (performance.now() - t0) / 1000;
    const s1 = pool.stats();
    outcomes.forEach((o, i) => {
      if (o.status !== 'done') throw new Error(`unit ${i}: ${JSON.stringify(o)}`);
      if (!Buffer.from(o.output).equals(Buffer.from(expected[i]!))) throw new Error(`unit ${i}: the pool's output differs from runKernel's`);
    });
    return { perS: units.length / wallS, share: (s1.busyMs - s0.busyMs) / (s1.elapsedMs - s0.elapsedMs) };
  } finally {
    await pool.close();
  }
}

/** Runs the bench; throws when an output differs. */
export async function run(): Promise<void> {
  const units = await jobs();
  console.log(`${units.length} units (Lorenz-96 and EBM), node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);
  let best = { inProcess: 0, pool: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const local = await inProcess(units);
    const pooled = await throughPool(units, 1, local.outputs);
    console.log(`round ${r + 1}: in-process ${local.perS.toFixed(1)} units/s, pool (cpuShare 1) ${pooled.perS.toFixed(1)} units/s, ratio ${(pooled.perS / local.perS).toFixed(3)}, pool busy share ${pooled.share.toFixed(3)}`);
    best = { inProcess: Math.max(best.inProcess, local.perS), pool: Math.max(best.pool, pooled.perS) };
  }
  console.log(`best of ${ROUNDS}: pool/in-process = ${(best.pool / best.inProcess).toFixed(3)}`);
  const local = await inProcess(units);
  const shared = await throughPool(units, VERIFY_CPU_SHARE, local.outputs);
  console.log(`cpuShare ${VERIFY_CPU_SHARE}: ${shared.perS.toFixed(1)} units/s, ratio ${(shared.perS / local.perS).toFixed(3)}, pool busy share ${shared.share.toFixed(3)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await run();
