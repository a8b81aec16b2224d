/**
 * @module Reception under a surge (the surge test's setup, tests/reception/surge.ts): 3,000
 * clients at once against three nodes of 60/40/20 slots, each client holding its slot for
 * about 200 ms. Reports admission request latency p50/p99, how long clients waited, and the
 * wait estimates' median absolute percentage error against the actual waits (issue 7).
 */
import { runSurge, worstOvertaking } from '../tests/reception/surge.ts';
import { quantiles } from '../shared/jobs/stats.ts';

const CLIENTS = Number(process.env.BENCH_RECEPTION_CLIENTS ?? 3_000);

/** The q-quantile of `xs` (type 7, shared/jobs/stats.ts). */
const percentile = (xs: number[], q: number): number => (xs.length === 0 ? NaN : quantiles(Float64Array.from(xs), [q])[0]!);

export async function run(): Promise<void> {
  const capacities = [60, 40, 20];
  const t0 = performance.now();
  const surge = await runSurge({
    clients: CLIENTS,
    capacities,
    sessionMs: 200,
    noShows: 0,
    reloaders: 100,
    ticketTtlMs: 10_000,
    abandonMs: 60_000,
    reportMs: 100,
    clientMsMax: 180_000,
  });
  try {
    const seconds = (performance.now() - t0) / 1000;
    const status = surge.reception.status();
    console.log(`reception surge: ${CLIENTS} clients, nodes of ${capacities.join('/')} slots, sessions of 200 ms, all in one process on loopback; ${seconds.toFixed(1)} s`);
    console.log(`admission requests: ${surge.admitMs.length}, latency p50 ${percentile(surge.admitMs, 0.5).toFixed(1)} ms, p99 ${percentile(surge.admitMs, 0.99).toFixed(1)} ms`);
    console.log(`waited in line: p50 ${(percentile(surge.waitedMs, 0.5) / 1000).toFixed(2)} s, p99 ${(percentile(surge.waitedMs, 0.99) / 1000).toFixed(2)} s`);
    console.log(
      `wait estimate error (median absolute percentage error, first known estimate vs actual wait): ${status.estimateMdape === null ? 'not measured' : `${(status.estimateMdape * 100).toFixed(1)} %`} over ${status.estimateSamples} clients`,
    );
    console.log(`peak admissions per node: ${surge.nodes.map((n, i) => `${n.peak}/${capacities[i]}`).join(', ')}; worst overtaking ${worstOvertaking(surge.admittedOrder)} (free slots ${capacities.reduce((a, b) => a + b, 0)})`);
    for (const [i, n] of surge.nodes.entries()) if (n.peak > capacities[i]!) throw new Error(`node ${i} went over capacity`);
  } finally {
    await surge.stop();
  }
}
