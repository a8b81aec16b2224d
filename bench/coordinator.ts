/**
 * @module Coordinator throughput over real HTTP on loopback: a freshly started edge (SQLite,
 * quorum 2) and simulated volunteers in this process that lease, "compute" (outputs are
 * precomputed with the real kernel, so the server's work is measured, not the kernel's) and
 * submit. Reports validated units/s, HTTP round trips/s and p50/p99 latency of lease and
 * submit at batch sizes 1 and 16 (issue 4 targets: ≥ 10,000 units/s at batch 16; ≥ 4,000
 * round trips/s unbatched with p99 < 25 ms).
 */
import { createApiClient } from '../shared/api/client.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { startServer } from '../tests/e2e/harness.ts';

/** Simulated volunteers (concurrent HTTP clients). */
const VOLUNTEERS = 16;
/** Units in the benchmark job; each needs two replicas. */
const UNITS = 4_000;
/** Wall-clock bound of one run. */
const RUN_MS_MAX = 60_000;

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

async function runOnce(batch: number): Promise<void> {
  const server = await startServer();
  try {
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Bench')).apiKey });
    const job = await customer.createJob({ kind: 'lorenz96', params: { n: 4, steps: 1, snapEvery: 1, members: UNITS, membersPerUnit: 1, perturbation: 0.5 } });
    const outputs = new Map<string, Uint8Array>();
    const lat = { lease: [] as number[], submit: [] as number[] };
    let trips = 0;
    const started = performance.now();
    const volunteers = await Promise.all(Array.from({ length: VOLUNTEERS }, async () => createApiClient({ baseUrl: server.url, token: (await anon.createVolunteer()).token })));
    await Promise.all(
      volunteers.map(async (api) => {
        while (performance.now() - started < RUN_MS_MAX) {
          let t0 = performance.now();
          const { leases } = await api.lease({ max: batch });
          lat.lease.push(performance.now() - t0);
          trips++;
          if (leases.length === 0) {
            if ((await customer.job(job.id)).status !== 'running') return;
            continue;
          }
          for (const l of leases) {
            let out = outputs.get(l.input);
            if (!out) outputs.set(l.input, (out = lorenz96Reference(base64ToBytes(l.input))));
            t0 = performance.now();
            await api.submitResult(l.leaseId, out);
            lat.submit.push(performance.now() - t0);
            trips++;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const final = await customer.job(job.id);
    if (final.status !== 'completed') throw new Error(`job did not complete within ${RUN_MS_MAX} ms (${final.unitsValid}/${UNITS})`);
    console.log(
      `batch ${String(batch).padStart(2)}: ${Math.round(UNITS / seconds).toLocaleString('en').padStart(6)} validated units/s, ${Math.round(trips / seconds).toLocaleString('en').padStart(6)} round trips/s, ` +
        `lease p50 ${percentile(lat.lease, 0.5).toFixed(1)} ms p99 ${percentile(lat.lease, 0.99).toFixed(1)} ms, submit p50 ${percentile(lat.submit, 0.5).toFixed(1)} ms p99 ${percentile(lat.submit, 0.99).toFixed(1)} ms (${seconds.toFixed(1)} s)`,
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
