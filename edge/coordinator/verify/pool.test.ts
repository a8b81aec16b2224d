/**
 * The verification pool against the volunteers' runtime in-process: same bytes for real units
 * of every built-in kernel; the queue, CPU and close bounds; kernel errors as verdicts and
 * thread failures as none. Uses the built kernels (kernels/dist, `npm run build:kernels`).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EBM_KERNEL, EbmParamsSchema, splitEbm } from '../../../shared/jobs/ebm.ts';
import { randomAlignUnit } from '../../../kernels/align/random-unit.ts';
import { alignReference } from '../../../kernels/align/reference.ts';
import { randomPhraseUnit } from '../../../kernels/phrase/random-unit.ts';
import { phraseReference } from '../../../kernels/phrase/reference.ts';
import { encodePhraseInput } from '../../../shared/kernels/phrase.codec.ts';
import { IBM1_KERNEL, Ibm1ParamsSchema, splitIbm1 } from '../../../shared/jobs/ibm1.ts';
import { L96_KERNEL, L96ParamsSchema, splitL96 } from '../../../shared/jobs/lorenz96.ts';
import { TRANSLATE_KERNEL, TranslateParamsSchema, planTranslation, splitTranslation } from '../../../shared/jobs/translate.ts';
import type { SplitUnit } from '../../../shared/jobs/split.ts';
import { runKernel } from '../../../shared/kernels/runtime.ts';
import { documentOf, lexiconModel } from '../../../tests/translation/lexicon-model.ts';
import { syntheticCorpus, toTsv } from '../../../tests/translation/synthetic.ts';
import { kernelKey, loadKernelRegistry, type KernelRegistry } from '../../kernels/registry.ts';
import { createVerifyPool, createVerifyPoolWith, spawnVerifyThread, type VerifyJob, type VerifyOutcome, type VerifyPool } from './pool.ts';
import type { RunRequest } from './protocol.ts';
import { testKernel, type TestKernelOptions } from './test-kernels.ts';

const KERNELS_DIST = join(import.meta.dirname, '..', '..', '..', 'kernels', 'dist');

/**
 * How far the measured share may exceed `cpuShare`. The last burst of a run is paid for only
 * when the thread's next unit starts (one burst is about KERNEL_STEP_TARGET_MS, over a run of
 * seconds), and a rest ends on a timer with millisecond resolution.
 */
const SHARE_TOLERANCE = 0.05;

let registry: KernelRegistry;
beforeAll(async () => {
  registry = await loadKernelRegistry(KERNELS_DIST);
});

const pools: VerifyPool[] = [];
/** A pool closed after the test, whatever happens in it. */
function pool(...args: Parameters<typeof createVerifyPool>): VerifyPool {
  const p = createVerifyPool(...args);
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const keyOf = (k: { id: string; version: number }) => kernelKey(k.id, k.version);

function jobOf(key: string, unit: Pick<SplitUnit, 'input' | 'outputBytes'>): VerifyJob {
  const entry = registry.entries.get(key);
  if (!entry) throw new Error(`kernel ${key} is not built`);
  return { kernelKey: key, module: entry.module, input: unit.input, outputBytes: unit.outputBytes };
}

/** A job for a hand-made kernel (test-kernels.ts). */
function testJob(options: TestKernelOptions, outputBytes = 8): VerifyJob {
  return { kernelKey: `test-${options.step}-${options.initCode ?? 0}@1`, module: testKernel(options), input: new Uint8Array(16).fill(7), outputBytes };
}

/** Two units of each built-in kernel, as its job kind's splitter makes them. */
function realJobs(): VerifyJob[] {
  const l96 = splitL96(L96ParamsSchema.parse({ n: 24, steps: 500, snapEvery: 100, members: 6, membersPerUnit: 3, seed: 4 }));
  const ebm = splitEbm(EbmParamsSchema.parse({ cells: 30, maxSteps: 400, membersPerUnit: 4, sampling: { method: 'grid', levels: 2 } }));
  const training = syntheticCorpus({ seed: 9, pairs: 300 });
  const ibm1 = splitIbm1(Ibm1ParamsSchema.parse({ srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(training.pairs) }, shardPairs: 150 }));
  const corpus = syntheticCorpus({ seed: 5, pairs: 1500 });
  const model = lexiconModel(corpus);
  const p = TranslateParamsSchema.parse({ model: 'j_x', document: documentOf(corpus.heldOut(40).pairs.map((x) => x.src), 8), format: 'text' });
  const decode = splitTranslation({ ...p, plan: planTranslation(p, model) }, model);
  return [
    ...l96.slice(0, 2).map((u) => jobOf(keyOf(L96_KERNEL), u)),
    ...ebm.slice(0, 2).map((u) => jobOf(keyOf(EBM_KERNEL), u)),
    ...ibm1.slice(0, 2).map((u) => jobOf(keyOf(IBM1_KERNEL), u)),
    ...decode.slice(0, 2).map((u) => jobOf(keyOf(TRANSLATE_KERNEL), u)),
    ...[1, 2].map((seed) => {
      const input = randomAlignUnit(seed, { mode: seed === 1 ? 'estep' : 'viterbi', withNull: true, hashed: false });
      return jobOf('align@1', { input, outputBytes: alignReference(input).length });
    }),
    ...[1, 2].map((seed) => {
      const input = encodePhraseInput(randomPhraseUnit(seed, { sentences: 3, maxLen: 8, tgt: 40, features: 4, lmOrder: 3, beam: 8, distortionLimit: 3, nbest: 3 }));
      return jobOf('phrase@1', { input, outputBytes: phraseReference(input).length });
    }),
  ];
}

/** `count` Lorenz-96 units of `members` × 40 variables × 300 000 steps: about 25 ms of CPU per member on a current core. */
function heavyL96Jobs(count: number, members: number): VerifyJob[] {
  const units = splitL96(L96ParamsSchema.parse({ n: 40, steps: 300_000, snapEvery: 300_000, members: members * count, membersPerUnit: members, seed: 8 }));
  return units.map((u) => jobOf(keyOf(L96_KERNEL), u));
}

/** The outcome if it is already settled after one macrotask, else 'pending'. */
function settledNow(p: Promise<VerifyOutcome>): Promise<VerifyOutcome | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the verification pool', () => {
  it("gives runKernel's output bytes for real units of every built-in kernel", async () => {
    const jobs = realJobs();
    expect(new Set(jobs.map((j) => j.kernelKey))).toEqual(new Set(registry.entries.keys()));
    const p = pool({ cpuShare: 1, threads: 2 });
    const outcomes = await Promise.all(jobs.map((j) => p.verify(j)));
    const hashes = new Set<string>();
    for (const [i, job] of jobs.entries()) {
      const expected = await runKernel(job.module as WebAssembly.Module, job.input);
      const outcome = outcomes[i]!;
      if (outcome.status !== 'done') throw new Error(`${job.kernelKey}: ${JSON.stringify(outcome)}`);
      expect(Buffer.from(outcome.output).equals(Buffer.from(expected)), job.kernelKey).toBe(true);
      expect(outcome.sha256).toBe(sha256(expected));
      hashes.add(outcome.sha256);
    }
    // Every unit has its own output, so equal bytes are not a coincidence of empty outputs.
    expect(hashes.size).toBe(jobs.length);
  });

  it('runs a module given as bytes the same, and sends each module object to a thread once', async () => {
    const sent: RunRequest[] = [];
    const spawn = () => {
      const worker = spawnVerifyThread();
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (msg: RunRequest) => (sent.push(msg), post(msg));
      return worker;
    };
    const p = createVerifyPoolWith({ cpuShare: 1 }, spawn);
    pools.push(p);
    const [a, b] = realJobs();
    const asBytes = { ...a!, module: registry.entries.get(a!.kernelKey)!.bytesOnDisk };
    const outcomes = [await p.verify(a!), await p.verify(b!), await p.verify(asBytes), await p.verify(asBytes), await p.verify(a!)];
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(outcomes[2]).toEqual({ ...outcomes[0], cpuMs: expect.any(Number) });
    // Module, cached, new object for the key (bytes), cached, the first object again.
    expect(sent.map((m) => (m.module instanceof WebAssembly.Module ? 'module' : m.module ? 'bytes' : '-'))).toEqual(['module', '-', 'bytes', '-', 'module']);
  });

  it('answers queue_full at once to the 4th unit when one runs and two wait (queueMax 2), and closed to all on close', async () => {
    const p = pool({ queueMax: 2, cpuShare: 0.05 });
    const spin = testJob({ step: 'spin' });
    const accepted = [p.verify(spin), p.verify(spin), p.verify(spin)];
    expect(await settledNow(p.verify(spin))).toEqual({ status: 'queue_full' });
    expect(p.stats()).toMatchObject({ queued: 2, running: 1, refused: 1, done: 0 });
    for (const o of accepted) expect(await settledNow(o)).toBe('pending');
    await p.close();
    expect(await Promise.all(accepted)).toEqual([{ status: 'closed' }, { status: 'closed' }, { status: 'closed' }]);
    expect(await p.verify(spin)).toEqual({ status: 'closed' });
  });

  it('holds the pool to its CPU share within a unit and over a run: its own accounting, the thread clock and the process CPU time agree', async () => {
    /** Shares of one core over `run`: charged bursts, the thread's clock, the whole process's CPU time. */
    const shares = async (p: VerifyPool, run: () => Promise<VerifyOutcome[]>) => {
      const s0 = p.stats();
      const cpu0 = process.cpuUsage();
      const outcomes = await run();
      const cpu = process.cpuUsage(cpu0);
      const s1 = p.stats();
      expect(outcomes.every((o) => o.status === 'done')).toBe(true);
      const elapsedMs = s1.elapsedMs - s0.elapsedMs;
      return { busy: (s1.busyMs - s0.busyMs) / elapsedMs, thread: (s1.threadCpuMs - s0.threadCpuMs) / elapsedMs, process: (cpu.user + cpu.system) / 1000 / elapsedMs };
    };
    const measure = async (cpuShare: number) => {
      const p = pool({ cpuShare });
      // Starting the thread (tsx compiling its TypeScript) is not verification work.
      expect((await p.verify(heavyL96Jobs(1, 1)[0]!)).status).toBe('done');
      // One long unit alone (about 0.4 s of CPU): the rests must come between its steps, not
      // only between units. Then a run of five shorter ones.
      const long = heavyL96Jobs(1, 16)[0]!;
      const unit = await shares(p, async () => [await p.verify(long)]);
      const run = await shares(p, () => Promise.all(heavyL96Jobs(5, 4).map((j) => p.verify(j))));
      return { unit, run };
    };
    const throttled = await measure(0.25);
    const flatOut = await measure(1);
    const show = (m: Awaited<ReturnType<typeof shares>>) => `busy ${m.busy.toFixed(3)}, thread ${m.thread.toFixed(3)}, process ${m.process.toFixed(3)}`;
    console.log(`verify pool, share of one core: cpuShare 0.25: one unit ${show(throttled.unit)}; run ${show(throttled.run)}`);
    console.log(`verify pool, share of one core: cpuShare 1: one unit ${show(flatOut.unit)}; run ${show(flatOut.run)}`);
    for (const m of [throttled.unit, throttled.run]) {
      expect(m.busy).toBeLessThanOrEqual(0.25 + SHARE_TOLERANCE);
      expect(m.thread).toBeLessThanOrEqual(0.25 + SHARE_TOLERANCE);
      // The whole test process (its main thread is idle, waiting): the OS's own count of CPU.
      expect(m.process).toBeLessThanOrEqual(0.25 + SHARE_TOLERANCE);
      // The accounting sees the real work: the charged bursts are most of the thread's CPU.
      expect(m.busy).toBeGreaterThan(0.8 * m.thread);
    }
    // The same units unthrottled break the bound above (else it would prove nothing here).
    expect(flatOut.unit.busy).toBeGreaterThan(0.25 + SHARE_TOLERANCE);
    expect(flatOut.run.busy).toBeGreaterThan(0.25 + SHARE_TOLERANCE);
  });

  it("answers kernel_error for a trap, the kernel's abort, a refused input and the wrong output size", async () => {
    const p = pool({ cpuShare: 1 });
    const [trap, abort, refused, wrongSize, goodSize] = await Promise.all([
      p.verify(testJob({ step: 'trap' })),
      p.verify(testJob({ step: 'abort' })),
      p.verify(testJob({ step: 'finish', initCode: -3 })),
      p.verify(testJob({ step: 'finish' }, 12)),
      p.verify(testJob({ step: 'finish' }, 8)),
    ]);
    expect(trap).toEqual({ status: 'kernel_error', origin: 'kernel', message: 'RuntimeError: unreachable' });
    expect(abort).toEqual({ status: 'kernel_error', origin: 'kernel', message: 'KernelError: kernel aborted at 7:3' });
    expect(refused).toEqual({ status: 'kernel_error', origin: 'kernel', message: 'KernelError: kernel refused its input (code -3)' });
    expect(wrongSize).toEqual({ status: 'kernel_error', origin: 'kernel', message: 'the kernel wrote 8 output bytes, the unit expects 12' });
    expect(goodSize).toMatchObject({ status: 'done', output: new Uint8Array(8).fill(7) });
  });

  it('answers a stack overflow as the thread running out, not as a verdict on the unit', async () => {
    const outcome = await pool({ cpuShare: 1 }).verify(testJob({ step: 'recurse' }));
    expect(outcome).toEqual({ status: 'kernel_error', origin: 'thread', message: 'RangeError: Maximum call stack size exceeded' });
  });

  it('answers kernel_error for a built-in kernel fed input it rejects', async () => {
    const [unit] = realJobs();
    const truncated = { ...unit!, input: unit!.input.subarray(0, 10) };
    const outcome = await pool({ cpuShare: 1 }).verify(truncated);
    expect(outcome).toMatchObject({ status: 'kernel_error', origin: 'kernel', message: expect.stringMatching(/^KernelError: kernel refused its input/) });
  });

  it('abandons a unit past unitCpuMsMax as too_expensive, and goes on with the next', async () => {
    const p = pool({ cpuShare: 1, unitCpuMsMax: 30 });
    const [spin, next] = await Promise.all([p.verify(testJob({ step: 'spin' })), p.verify(realJobs()[0]!)]);
    expect(spin).toMatchObject({ status: 'too_expensive' });
    expect((spin as { cpuMs: number }).cpuMs).toBeGreaterThan(30);
    expect(next.status).toBe('done');
    expect(p.stats()).toMatchObject({ done: 2, running: 0, queued: 0 });
  });

  it('replaces a thread that died under a unit, answering that unit kernel_error from the thread', async () => {
    let spawned = 0;
    const spawn = () =>
      spawned++ === 0
        ? new Worker("require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom') })", { eval: true })
        : spawnVerifyThread();
    const p = createVerifyPoolWith({ cpuShare: 1 }, spawn);
    pools.push(p);
    const [first, second] = realJobs();
    const outcomes = await Promise.all([p.verify(first!), p.verify(second!)]);
    expect(outcomes[0]).toEqual({ status: 'kernel_error', origin: 'thread', message: 'the verification thread stopped (exit code 1): Error: boom' });
    expect(outcomes[1]!.status).toBe('done');
    expect(spawned).toBe(2);
  });

  it('refuses options outside their bounds', () => {
    expect(() => createVerifyPool({ threads: 0 })).toThrow(RangeError);
    expect(() => createVerifyPool({ cpuShare: 0 })).toThrow(RangeError);
    expect(() => createVerifyPool({ cpuShare: 1.5 })).toThrow(RangeError);
    expect(() => createVerifyPool({ queueMax: -1 })).toThrow(RangeError);
    expect(() => createVerifyPool({ unitCpuMsMax: 0 })).toThrow(RangeError);
  });
});
