/**
 * @module Translation benches, side by side in one run.
 *
 * E-step (word-alignment training, part A of issue 8): sentence pairs per second of the IBM
 * Model 1 E-step kernel in Node (AssemblyScript, through the worker runtime), the plain
 * TypeScript reference and the C build of the same algorithm, on one unit of synthetic
 * pairs, best of several alternating runs; the three outputs must be byte-identical, or the
 * bench fails. Then a 100,000-pair synthetic corpus trained through the real pipeline (HTTP
 * to a fresh edge on SQLite, quorum 2, 2 local worker processes): the time per EM iteration
 * and the share of it outside the kernels; and, measured apart in this process, what the
 * edge spends per iteration inside the validating transaction (parameters parsed, counts
 * summed, M-step, next units encoded).
 *
 * Decoding (part B, bench/translation-decode.ts): sentences per second of the decoder, AS vs
 * C vs TS on one unit the translate job makes, outputs byte-identical.
 *
 *   npm run bench -- translation     (BENCH_TRANSLATION_E2E=0: kernels only; BENCH_TRANSLATION_PAIRS)
 */
import type { ChildProcess } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { cpus } from 'node:os';
import { createApiClient } from '../shared/api/client.ts';
import { Ibm1ParamsSchema, nextIbm1, preparedCorpus } from '../shared/jobs/ibm1.ts';
import { IBM1_SHARD_PAIRS_MAX, QUORUM_DEFAULT } from '../shared/limits.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { readCorpus } from '../shared/translation/corpus.ts';
import { encodeIteration, prepareCorpus, uniformTable } from '../shared/translation/em.ts';
import { KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { ibm1Reference } from '../kernels/ibm1/reference.ts';
import { startServer } from '../tests/e2e/harness.ts';
import { syntheticCorpus, toTsv } from '../tests/translation/synthetic.ts';
import { startWorker, stopWorker, within } from './ebm-e2e.ts';
import { bestOf, kernelOnlyNs, measureC, reportChromium, reportRatios, type Measured } from './native.ts';
import { chromiumKernelOnly } from './chromium-kernel.ts';
import { decodeSpeed } from './translation-decode.ts';
import { topUpForTests } from '../edge/testing.ts';

const RUNS = 5;
const ROUNDS = 4;
/** Corpus of the end-to-end run (the issue asks for 100,000 pairs). */
const E2E_PAIRS = Number(process.env.BENCH_TRANSLATION_PAIRS ?? 100_000);
/** Iterations of the end-to-end run (minGain 0, so all of them run). */
const E2E_ITERATIONS = 4;
const E2E_SHARD_PAIRS = 5_000;
const WORKERS = 2;
/** Wall-clock bound of the end-to-end run, and how often the job is polled for iteration boundaries. */
const RUN_MS_MAX = 600_000;
const POLL_MS = 20;

const fmt = (x: number, digits: number) => x.toFixed(digits).padStart(12);
const best = (a: Measured | undefined, b: Measured | undefined) => (a && b ? (a.bestNs <= b.bestNs ? a : b) : (a ?? b));
const now = () => performance.timeOrigin + performance.now();

async function estepSpeed(): Promise<void> {
  const module = await loadKernelModule(KERNELS_DIST, 'ibm1', 1);
  const corpus = syntheticCorpus({ seed: 8, pairs: 30_000 });
  const read = readCorpus({ tsv: toTsv(corpus.pairs) }, 'en', 'fr');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, IBM1_SHARD_PAIRS_MAX, true);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  // The first unit the job would make (as large as a unit's byte bound lets it be), with a
  // trained-looking table: the uniform one, after nothing (the work does not depend on t).
  const shard = prep.shards[0]!;
  const input = encodeIteration(prep, uniformTable(prep), new Float64Array([-1e6, -9e5]))[0]!;
  const pairs = shard.pairs;
  await runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER });
  let as: Measured | undefined;
  let c: Measured | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    as = best(as, await bestOf('AssemblyScript (wasm)', RUNS, () => runKernel(module, input, { budget: Number.MAX_SAFE_INTEGER })));
    c = best(c, measureC('ibm1', input, RUNS));
  }
  const ts = await bestOf('TypeScript reference', RUNS, () => ibm1Reference(input));
  if (!as) throw new Error('no AssemblyScript measurement');
  const rows = c ? [as, ts, c] : [as, ts];
  console.log(`\nIBM Model 1 E-step, one unit: ${pairs} synthetic pairs, ${shard.links} links (target word × source words with NULL), ${shard.entryGlobal.length} table entries, ${input.byteLength} input bytes; best of ${RUNS * ROUNDS} (AS and C alternating), each run from input to output (checks, entry table, E-step)`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  console.log(`${'build'.padEnd(22)}${'best ms'.padStart(12)}${'pairs/s'.padStart(12)}${'ns/link'.padStart(12)}  output`);
  for (const r of rows) {
    const same = Buffer.from(r.output).equals(Buffer.from(ts.output));
    console.log(`${r.name.padEnd(22)}${fmt(r.bestNs / 1e6, 3)}${fmt(pairs / (r.bestNs / 1e9), 0)}${fmt(r.bestNs / shard.links, 2)}  ${same ? 'identical' : 'DIFFERS'}`);
  }
  reportRatios(rows, as, ts, c);
  // Where the gap is: the same module timed from init to its last step, on an instance
  // made and filled before the clock starts (a fresh wasm memory costs its page faults on
  // first touch, which the C build, reusing its heap from run to run, does not pay).
  const inner = await kernelOnlyNs(module, input, RUNS * ROUNDS);
  if (c) console.log(`AS kernel only (init + steps, instance made and input copied untimed): ${(inner / 1e6).toFixed(3)} ms, AS / C ${(c.bestNs / inner).toFixed(2)}`);
  reportChromium(await chromiumKernelOnly('ibm1', 1, input, { samples: RUNS * ROUNDS }), ts, c);
}

/** What the edge does per iteration inside the transaction of the iteration's last unit, timed here. */
async function edgeIterationCost(params: ReturnType<typeof Ibm1ParamsSchema.parse>, stored: string): Promise<void> {
  const module = await loadKernelModule(KERNELS_DIST, 'ibm1', 1);
  let t0 = now();
  const prep = preparedCorpus(params);
  const prepareMs = now() - t0;
  const outputs: Uint8Array[] = [];
  for (const u of encodeIteration(prep, uniformTable(prep), new Float64Array(0))) outputs.push(await runKernel(module, u, { budget: Number.MAX_SAFE_INTEGER }));
  t0 = now();
  const parsed = Ibm1ParamsSchema.parse(JSON.parse(stored));
  const parseMs = now() - t0;
  t0 = now();
  const next = nextIbm1(parsed, outputs, 0);
  const nextMs = now() - t0;
  const bytes = outputs.reduce((s, o) => s + o.byteLength, 0);
  console.log(
    `edge, per iteration (in the validating transaction, measured in this process): parameters parsed ${parseMs.toFixed(0)} ms (${(stored.length / 1e6).toFixed(1)} MB of JSON), ` +
      `counts summed + M-step + ${next?.length ?? 0} units encoded ${nextMs.toFixed(0)} ms (${(bytes / 1e6).toFixed(1)} MB of counts in); ` +
      `tokenising and sharding the corpus when the edge does not hold it: ${prepareMs.toFixed(0)} ms (once per edge)`,
  );
}

async function trainingEndToEnd(): Promise<void> {
  const corpus = syntheticCorpus({ seed: 2026, pairs: E2E_PAIRS });
  const params = { srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(corpus.pairs) }, maxIterations: E2E_ITERATIONS, minGain: 0, shardPairs: E2E_SHARD_PAIRS };
  const server = await startServer();
  const workers: ChildProcess[] = [];
  try {
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Bench')).apiKey });
    // Paid with money: the trial credit is small, and trial-only work pays no local volunteer.
    await topUpForTests(customer);
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(server.url, (await anon.createVolunteer()).token, ['ibm1', 1]));

    const started = now();
    const job = await customer.createJob({ kind: 'ibm1-train', params });
    const submitMs = now() - started;
    const perIteration = job.unitsTotal;
    // Iteration k ends when the edge inserts iteration k+1's units (or completes the job).
    // Watched in the edge's SQLite file, read-only: asking the API would send the job's
    // parameters (the whole corpus) with every answer and load the edge being measured.
    const db = new SQLite(server.databaseUrl, { readonly: true, fileMustExist: true });
    const watch = db.prepare('select status, units_total from jobs where id = ?');
    const boundaries: number[] = [submitMs + started];
    let last = job.unitsTotal;
    let status: string = job.status;
    while (status === 'running' && now() - started < RUN_MS_MAX) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const row = watch.get(job.id) as { status: string; units_total: number };
      status = row.status;
      if (row.units_total !== last) {
        last = row.units_total;
        boundaries.push(now());
      }
    }
    db.close();
    const done = await customer.job(job.id);
    if (done.status !== 'completed') throw new Error(`the training job ended ${done.status}: ${done.unitsValid}/${done.unitsTotal} units valid`);
    const ended = Date.parse(done.completedAt!);
    boundaries.push(ended);
    const totalMs = ended - boundaries[0]!;
    const stats = (await Promise.all(workers.splice(0).map(stopWorker))).map((iv) => within(iv, boundaries[0]!, ended));
    const kernelMs = stats.reduce((s, w) => s + w.kernel, 0);
    const busyShare = kernelMs / (WORKERS * totalMs);
    const result = (await customer.jobResult(job.id)) as { iterations: number; logLikelihood: number[]; tableEntries: { trained: number; kept: number } };
    const iterMs = boundaries.slice(1).map((b, i) => b - boundaries[i]!);
    console.log(
      `\nIBM Model 1 training end to end: ${E2E_PAIRS} synthetic pairs (${(params.corpus.tsv.length / 1e6).toFixed(1)} MB TSV), ${perIteration} units of ≤ ${E2E_SHARD_PAIRS} pairs per iteration, ` +
        `${result.iterations} iterations, quorum ${QUORUM_DEFAULT}, ${WORKERS} local workers, edge on SQLite, same machine`,
    );
    console.log(`submission (validate, tokenise, shard, hold, insert): ${submitMs.toFixed(0)} ms; training: ${(totalMs / 1000).toFixed(2)} s`);
    console.log(`time per iteration: ${iterMs.map((ms) => (ms / 1000).toFixed(2)).join(' s, ')} s (mean ${(iterMs.reduce((s, x) => s + x, 0) / iterMs.length / 1000).toFixed(2)} s)`);
    stats.forEach((w, i) => console.log(`  worker ${i + 1}: ${w.results} results; kernel ${(w.kernel / 1000).toFixed(2)} s, lease ${(w.lease / 1000).toFixed(2)} s, submit ${(w.submit / 1000).toFixed(2)} s, waiting for work ${(w.idle / 1000).toFixed(2)} s`));
    console.log(`kernel share of the workers' wall time: ${(100 * busyShare).toFixed(1)} %; outside kernels (unit and count transfer, validation, M-step, waiting): ${(100 * (1 - busyShare)).toFixed(1)} %`);
    console.log(`log-likelihood per iteration: ${result.logLikelihood.map((x) => x.toFixed(0)).join(' → ')}; table ${result.tableEntries.trained} entries, ${result.tableEntries.kept} kept after pruning`);
    await edgeIterationCost(Ibm1ParamsSchema.parse(params), JSON.stringify(Ibm1ParamsSchema.parse(params)));
  } finally {
    for (const w of workers) w.kill();
    await server.stop();
  }
}

/** Runs the bench; throws when the builds disagree or the training job does not complete. */
export async function run(): Promise<void> {
  await buildKernels({ log: () => {} });
  await estepSpeed();
  await decodeSpeed();
  if (process.env.BENCH_TRANSLATION_E2E !== '0') await trainingEndToEnd();
}
