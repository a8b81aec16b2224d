/**
 * @module Coordinator throughput over real HTTP on loopback: a freshly started edge (SQLite,
 * quorum 2) and simulated volunteers in this process that lease, "compute" (outputs are
 * precomputed with the real kernel, so the server's work is measured, not the kernel's) and
 * submit. Reports validated units/s, HTTP round trips/s and p50/p99 latency of lease and
 * submit at batch sizes 1 and 16 (issue 4 targets: ≥ 10,000 units/s at batch 16; ≥ 4,000
 * round trips/s unbatched with p99 < 25 ms).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createApiClient } from '../shared/api/client.ts';
import { startServer } from '../tests/e2e/harness.ts';

/** Simulated volunteers (concurrent HTTP clients). */
const VOLUNTEERS = 16;
/** Units in the benchmark job; each needs two replicas. */
const UNITS = 4_000;
const LOAD_SCRIPT = join(import.meta.dirname, 'coordinator-load.ts');
/** Wall-clock bound of one run. */
const RUN_MS_MAX = 60_000;

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

/** Runs the load generator process and returns what it printed. */
function runLoad(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`load generator exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function runOnce(batch: number): Promise<void> {
  const server = await startServer();
  try {
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Bench')).apiKey });
    const job = await customer.createJob({ kind: 'lorenz96', params: { n: 4, steps: 1, snapEvery: 1, members: UNITS, membersPerUnit: 1, perturbation: 0.5 } });
    const tokens = await Promise.all(Array.from({ length: VOLUNTEERS }, async () => (await anon.createVolunteer()).token));
    const started = performance.now();
    // The load generator runs in its own process (the edge in a third): see coordinator-load.ts.
    const stdout = await runLoad([server.url, String(batch), JSON.stringify(tokens), String(Date.now() + RUN_MS_MAX)]);
    const stats = JSON.parse(stdout.trim().split('\n').pop()!) as { trips: number; lease: number[]; submit: number[] };
    const seconds = (performance.now() - started) / 1000;
    const final = await customer.job(job.id);
    if (final.status !== 'completed') throw new Error(`job did not complete within ${RUN_MS_MAX} ms (${final.unitsValid}/${UNITS})`);
    console.log(
      `batch ${String(batch).padStart(2)}: ${Math.round(UNITS / seconds).toLocaleString('en').padStart(6)} validated units/s, ${Math.round(stats.trips / seconds).toLocaleString('en').padStart(6)} round trips/s, ` +
        `lease p50 ${percentile(stats.lease, 0.5).toFixed(1)} ms p99 ${percentile(stats.lease, 0.99).toFixed(1)} ms, submit p50 ${percentile(stats.submit, 0.5).toFixed(1)} ms p99 ${percentile(stats.submit, 0.99).toFixed(1)} ms (${seconds.toFixed(1)} s, process start included)`,
    );
  } finally {
    await server.stop();
  }
}

export async function run(): Promise<void> {
  console.log(`coordinator over HTTP on loopback: ${VOLUNTEERS} simulated volunteers, ${UNITS} units × quorum 2, SQLite; load generator in the same machine`);
  await runOnce(1);
  await runOnce(16);
}
