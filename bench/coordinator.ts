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
import Database from 'better-sqlite3';
import { createApiClient } from '../shared/api/client.ts';
import { JOB_UNITS_MAX } from '../shared/limits.ts';
import { startServer } from '../tests/e2e/harness.ts';
import { dropFreshPg, freshPgUrl, topUpForTests } from '../edge/testing.ts';
import { quantiles } from '../shared/jobs/stats.ts';

/** Simulated volunteers (concurrent HTTP clients). */
const VOLUNTEERS = 16;
/** Units in the benchmark, over jobs of at most {@link JOB_UNITS_MAX}; each wants two agreeing replicas. */
const UNITS = Number(process.env.BENCH_COORDINATOR_UNITS ?? 16_000);
const LOAD_SCRIPT = join(import.meta.dirname, 'coordinator-load.ts');
const BARE_SCRIPT = join(import.meta.dirname, 'coordinator-bare.ts');
/** Wall-clock bound of one run. */
const RUN_MS_MAX = 60_000;
/** How long jobs may take to complete after the load generator's last result (units waiting for the server's runs). */
const SETTLE_MS_MAX = 30_000;
/** Poll interval while waiting for that. */
const SETTLE_POLL_MS = 50;

/** Waits until job `id` is no longer running, at most `maxMs`. */
async function waitForJob(customer: ReturnType<typeof createApiClient>, id: string, maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while ((await customer.job(id)).status === 'running' && performance.now() < until) await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
}

/** The q-quantile of `xs` (type 7, shared/jobs/stats.ts). */
const percentile = (xs: number[], q: number): number => (xs.length === 0 ? NaN : quantiles(Float64Array.from(xs), [q])[0]!);

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

type LoadStats = { ms: number; cpuMs: number; trips: number; lease: number[]; submit: number[] };
type Measured = { unitsPerS: number; tripsPerS: number; line: string };

function describe(stats: LoadStats, units: number): Measured {
  const seconds = stats.ms / 1000;
  const unitsPerS = units / seconds;
  const tripsPerS = stats.trips / seconds;
  const line =
    `${Math.round(unitsPerS).toLocaleString('en').padStart(6)} validated units/s, ${Math.round(tripsPerS).toLocaleString('en').padStart(6)} round trips/s, ` +
    `lease p50 ${percentile(stats.lease, 0.5).toFixed(1)} ms p99 ${percentile(stats.lease, 0.99).toFixed(1)} ms, submit p50 ${percentile(stats.submit, 0.5).toFixed(1)} ms p99 ${percentile(stats.submit, 0.99).toFixed(1)} ms ` +
    `(${units} units in ${seconds.toFixed(2)} s; load generator busy ${Math.round((100 * stats.cpuMs) / stats.ms)}% of a core)`;
  return { unitsPerS, tripsPerS, line };
}

function parseStats(stdout: string): LoadStats {
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadStats;
}

/** The anchor: the bare loop (coordinator-bare.ts) driven by the same load generator. */
async function runBare(batch: number): Promise<Measured> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', BARE_SCRIPT, String(port), String(UNITS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    });
    const tokens = Array.from({ length: VOLUNTEERS }, (_, i) => `v${i}`);
    const stats = parseStats(await runLoad([`http://127.0.0.1:${port}`, String(batch), JSON.stringify(tokens), String(Date.now() + RUN_MS_MAX)]));
    const { n } = (await (await fetch(`http://127.0.0.1:${port}/validated`)).json()) as { n: number };
    if (n !== UNITS) throw new Error(`bare loop validated ${n} of ${UNITS} units`);
    return describe(stats, UNITS);
  } finally {
    child.kill();
  }
}

async function runOnce(batch: number): Promise<void> {
  const server = await startServer();
  try {
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Bench')).apiKey });
    // Paid with money, as a real customer's jobs are: every volunteer is credited (edge/coordinator/funding.ts).
    await topUpForTests(customer);
    const jobs = [];
    for (let left = UNITS; left > 0; left -= JOB_UNITS_MAX) {
      const members = Math.min(left, JOB_UNITS_MAX);
      jobs.push(await customer.createJob({ kind: 'lorenz96', params: { n: 4, steps: 1, snapEvery: 1, members, membersPerUnit: 1, perturbation: 0.5 } }));
    }
    const tokens = await Promise.all(Array.from({ length: VOLUNTEERS }, async () => (await anon.createVolunteer()).token));
    // The load generator runs in its own process (the edge in a third): see coordinator-load.ts.
    const stdout = await runLoad([server.url, String(batch), JSON.stringify(tokens), String(Date.now() + RUN_MS_MAX)]);
    const stats = parseStats(stdout);
    // Units whose agreement waits for the server's own run (volunteers on probation) finish
    // after the last result was taken: that tail counts in the measured time.
    const tail0 = performance.now();
    for (const job of jobs) await waitForJob(customer, job.id, SETTLE_MS_MAX);
    const tailMs = performance.now() - tail0;
    stats.ms += tailMs;
    console.log(`batch ${String(batch).padStart(2)}: ${(tailMs / 1000).toFixed(2)} s after the last result until every job completed (the server's runs)`);
    for (const job of jobs) {
      const final = await customer.job(job.id);
      if (final.status !== 'completed') throw new Error(`job ${job.id} did not complete within ${RUN_MS_MAX} ms (${final.unitsValid}/${final.unitsTotal})`);
    }
    const db = new Database(server.databaseUrl, { readonly: true });
    const { replicas } = db.prepare(`select count(*) as replicas from replicas where state = 'returned'`).get() as { replicas: number };
    db.close();
    const real = describe(stats, UNITS);
    const bare = await runBare(batch);
    console.log(`batch ${String(batch).padStart(2)} edge: ${real.line}, ${(replicas / UNITS).toFixed(3)} results per unit`);
    console.log(`batch ${String(batch).padStart(2)} bare: ${bare.line}, 2.000 results per unit`);
    console.log(`batch ${String(batch).padStart(2)} edge/bare: units/s ${(real.unitsPerS / bare.unitsPerS).toFixed(2)}, round trips/s ${(real.tripsPerS / bare.tripsPerS).toFixed(2)}`);
  } finally {
    await server.stop();
  }
}

/** Units of the PostgreSQL comparison (one node vs two sharing the database). */
const PG_UNITS = Number(process.env.BENCH_COORDINATOR_PG_UNITS ?? 4_000);

/** Coordinator throughput on PostgreSQL with `nodes` edge processes sharing one fresh schema. */
async function runPg(nodes: number, batch: number, pgUrl: string): Promise<Measured> {
  const servers = [];
  try {
    // One after the other: each seeds the demo shop on start.
    for (let i = 0; i < nodes; i++) servers.push(await startServer({ DATABASE_URL: pgUrl }));
    const anon = createApiClient({ baseUrl: servers[0]!.url });
    const customer = createApiClient({ baseUrl: servers[0]!.url, token: (await anon.createCustomer('Bench PG')).apiKey });
    await topUpForTests(customer);
    const jobs = [];
    for (let left = PG_UNITS; left > 0; left -= JOB_UNITS_MAX) {
      jobs.push(await customer.createJob({ kind: 'lorenz96', params: { n: 4, steps: 1, snapEvery: 1, members: Math.min(left, JOB_UNITS_MAX), membersPerUnit: 1, perturbation: 0.5 } }));
    }
    const tokens = await Promise.all(Array.from({ length: VOLUNTEERS }, async () => (await anon.createVolunteer()).token));
    const stats = parseStats(await runLoad([servers.map((s) => s.url).join(','), String(batch), JSON.stringify(tokens), String(Date.now() + RUN_MS_MAX)]));
    for (const job of jobs) {
      const final = await customer.job(job.id);
      if (final.status !== 'completed') throw new Error(`job ${job.id} did not complete on PostgreSQL (${final.unitsValid}/${final.unitsTotal})`);
    }
    return describe(stats, PG_UNITS);
  } catch (err) {
    for (const s of servers) console.error(`edge log (${s.url}):\n${s.output().slice(-3000)}`);
    throw err;
  } finally {
    for (const s of servers) await s.stop();
  }
}

export async function run(): Promise<void> {
  console.log(`coordinator over HTTP on loopback: ${VOLUNTEERS} simulated volunteers, ${UNITS} units × quorum 2, SQLite; load generator in the same machine`);
  await runOnce(1);
  await runOnce(16);
  const pgUrl = await freshPgUrl();
  if (!pgUrl) {
    console.log('PostgreSQL: not reachable, one-node vs two-node comparison skipped');
    return;
  }
  try {
    console.log(`PostgreSQL, batch 16, ${PG_UNITS} units, each run on a fresh schema:`);
    const one = await runPg(1, 16, pgUrl);
    await dropFreshPg(pgUrl);
    const pgUrl2 = (await freshPgUrl())!;
    try {
      const two = await runPg(2, 16, pgUrl2);
      console.log(`  1 node:  ${one.line}`);
      console.log(`  2 nodes: ${two.line}`);
      console.log(`  2 nodes / 1 node: units/s ${(two.unitsPerS / one.unitsPerS).toFixed(2)} (both nodes and the load generator share this machine's 2 cores with PostgreSQL)`);
    } finally {
      await dropFreshPg(pgUrl2);
    }
  } finally {
    await dropFreshPg(pgUrl);
  }
}
