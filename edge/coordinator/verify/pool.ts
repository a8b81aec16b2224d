/**
 * @module The server-verification pool (DESIGN.md, "Trust": the server's own run is the final
 * word): re-executes units in a bounded set of worker threads, through the same runtime and
 * module the volunteers use, within a named share of one core. Answers are status unions;
 * nothing the kernel does makes `verify` throw.
 *
 * Bounds: VERIFY_THREADS_MAX threads, VERIFY_QUEUE_MAX waiting units (then `queue_full` at
 * once), VERIFY_UNIT_CPU_MS_MAX of CPU per unit (then `too_expensive`), and VERIFY_CPU_SHARE
 * of one core for the whole pool, split evenly among its threads, each holding its part by
 * duty cycling (duty.ts) on its own CPU clock (cpu-clock.ts).
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  VERIFY_CPU_SHARE,
  VERIFY_CPU_SHARE_MIN,
  VERIFY_QUEUE_LIMIT,
  VERIFY_QUEUE_MAX,
  VERIFY_THREAD_IDLE_MS,
  VERIFY_THREADS_LIMIT,
  VERIFY_THREADS_MAX,
  VERIFY_UNIT_CPU_MS_MAX,
} from './limits.ts';
import type { RunRequest, ThreadMessage, ThreadVerdict } from './protocol.ts';

/** One unit to re-execute. */
export interface VerifyJob {
  /** Names the module's content, e.g. `lorenz96@1`; threads keep compiled modules under it. */
  kernelKey: string;
  /** The kernel: a compiled module (posted to the thread without recompiling) or its bytes. */
  module: WebAssembly.Module | Uint8Array;
  input: Uint8Array;
  /** The unit's output size; a kernel that writes another size is a `kernel_error`. */
  outputBytes: number;
}

/**
 * The pool's answer about one unit.
 * - `done`: the canonical output, its lower-case hex SHA-256 and the CPU it took.
 * - `queue_full`: refused at once; nothing ran.
 * - `too_expensive`: abandoned after `cpuMs` of CPU, past the pool's `unitCpuMsMax`; no verdict.
 * - `kernel_error`: with `origin: 'kernel'`, the kernel trapped, aborted, refused its input or
 *   wrote the wrong size; it is deterministic, so that is the server's verdict on the unit.
 *   With `origin: 'thread'` the verification thread died under the unit, or ran out of
 *   stack or memory (a `RangeError`), which depends on the machine: no verdict, the unit may
 *   be verified again.
 * - `closed`: the pool was closed before the unit finished.
 */
export type VerifyOutcome =
  | { status: 'done'; output: Uint8Array; sha256: string; cpuMs: number }
  | { status: 'queue_full' }
  | { status: 'too_expensive'; cpuMs: number }
  | { status: 'kernel_error'; origin: 'kernel' | 'thread'; message: string }
  | { status: 'closed' };

/** The pool's counters since it was created. */
export interface VerifyStats {
  /** Units waiting for a thread. */
  queued: number;
  /** Units on a thread now. */
  running: number;
  /** CPU charged to bursts (the duty cycle's accounting), all threads, running units included as last reported. */
  busyMs: number;
  /** Wall time since the pool was created: `busyMs / elapsedMs` is the pool's share of one core. */
  elapsedMs: number;
  /** Units answered by a thread (`done`, `too_expensive` or `kernel_error`). */
  done: number;
  /** Units answered `queue_full`. */
  refused: number;
  /** The threads' whole CPU time over the units they finished (rests' wake-ups and messages too), measured in the threads. */
  threadCpuMs: number;
}

export interface VerifyPool {
  /** Runs `job` when a thread is free; answers `queue_full` at once when the queue is full. */
  verify(job: VerifyJob): Promise<VerifyOutcome>;
  stats(): VerifyStats;
  /** Terminates the threads; waiting and running units answer `closed`, and so does every later `verify`. */
  close(): Promise<void>;
}

/** Options of {@link createVerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker threads, 1…VERIFY_THREADS_LIMIT. @default VERIFY_THREADS_MAX */
  threads?: number;
  /** Share of one core the whole pool may use, VERIFY_CPU_SHARE_MIN…1. @default VERIFY_CPU_SHARE */
  cpuShare?: number;
  /** Units that may wait for a thread, 0…VERIFY_QUEUE_LIMIT. @default VERIFY_QUEUE_MAX */
  queueMax?: number;
  /** CPU one unit may take, ms. @default VERIFY_UNIT_CPU_MS_MAX */
  unitCpuMsMax?: number;
}

/** Starts one verification thread; a test may start another kind. */
export type SpawnThread = () => Worker;

/**
 * The thread's body is TypeScript: the thread registers tsx's loader itself before importing
 * it, since loader hooks of the launching process do not reach worker threads on Node 20
 * (as edge/node-worker/executor.ts starts its threads).
 */
const THREAD_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./thread.ts', import.meta.url).href)}); })`;

/** Starts a thread running thread.ts. */
export const spawnVerifyThread: SpawnThread = () => new Worker(THREAD_BOOT, { eval: true });

interface Pending {
  id: number;
  job: VerifyJob;
  settle(outcome: VerifyOutcome): void;
}

interface Slot {
  worker: Worker;
  job: Pending | undefined;
  /** The module object last sent per `kernelKey` that the thread still holds. */
  modules: Map<string, VerifyJob['module']>;
  /** CPU the running unit has used, as last reported. */
  usageMs: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Why the thread failed, when it did. */
  failure: string | undefined;
}

function checkedOptions(options: VerifyPoolOptions) {
  const threads = options.threads ?? VERIFY_THREADS_MAX;
  const cpuShare = options.cpuShare ?? VERIFY_CPU_SHARE;
  const queueMax = options.queueMax ?? VERIFY_QUEUE_MAX;
  const unitCpuMsMax = options.unitCpuMsMax ?? VERIFY_UNIT_CPU_MS_MAX;
  if (!Number.isInteger(threads) || threads < 1 || threads > VERIFY_THREADS_LIMIT) throw new RangeError(`threads must be an integer in 1…${VERIFY_THREADS_LIMIT}, got ${threads}`);
  if (!(cpuShare >= VERIFY_CPU_SHARE_MIN && cpuShare <= 1)) throw new RangeError(`cpuShare must be in ${VERIFY_CPU_SHARE_MIN}…1, got ${cpuShare}`);
  if (!Number.isInteger(queueMax) || queueMax < 0 || queueMax > VERIFY_QUEUE_LIMIT) throw new RangeError(`queueMax must be an integer in 0…${VERIFY_QUEUE_LIMIT}, got ${queueMax}`);
  if (!(unitCpuMsMax > 0)) throw new RangeError(`unitCpuMsMax must be positive, got ${unitCpuMsMax}`);
  return { threads, cpuShare, queueMax, unitCpuMsMax };
}

function outcomeOf(verdict: ThreadVerdict, cpuMs: number): VerifyOutcome {
  switch (verdict.status) {
    case 'done':
      return { status: 'done', output: verdict.output, sha256: verdict.sha256, cpuMs };
    case 'too_expensive':
      return { status: 'too_expensive', cpuMs };
    case 'kernel_error':
      return { status: 'kernel_error', origin: verdict.origin, message: verdict.message };
  }
}

/**
 * {@link createVerifyPool} with the way threads are started given: tests start threads that
 * crash, to see the pool replace them.
 */
export function createVerifyPoolWith(options: VerifyPoolOptions, spawn: SpawnThread): VerifyPool {
  const { threads, cpuShare, queueMax, unitCpuMsMax } = checkedOptions(options);
  const threadShare = cpuShare / threads;
  const createdAt = performance.now();
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | undefined;
  const counters = { busyMs: 0, threadCpuMs: 0, done: 0, refused: 0 };

  function finish(slot: Slot, outcome: VerifyOutcome): void {
    const pending = slot.job!;
    slot.job = undefined;
    slot.usageMs = 0;
    counters.done++;
    pending.settle(outcome);
  }

  function onMessage(slot: Slot, msg: ThreadMessage): void {
    const pending = slot.job;
    if (!pending || msg.id !== pending.id) return;
    if (msg.type === 'usage') {
      slot.usageMs = msg.cpuMs;
      return;
    }
    counters.busyMs += msg.cpuMs;
    counters.threadCpuMs += msg.threadCpuMs;
    const sent = slot.modules;
    slot.modules = new Map();
    for (const key of msg.cachedKeys) {
      const module = key === pending.job.kernelKey ? pending.job.module : sent.get(key);
      if (module) slot.modules.set(key, module);
    }
    finish(slot, outcomeOf(msg.verdict, msg.cpuMs));
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => retire(slot), VERIFY_THREAD_IDLE_MS).unref();
    pump();
  }

  function onExit(slot: Slot, code: number): void {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    clearTimeout(slot.idleTimer);
    if (closed || !slot.job) return;
    counters.busyMs += slot.usageMs;
    const why = slot.failure ? `: ${slot.failure}` : '';
    finish(slot, { status: 'kernel_error', origin: 'thread', message: `the verification thread stopped (exit code ${code})${why}` });
    pump();
  }

  function spawnSlot(): Slot {
    const slot: Slot = { worker: spawn(), job: undefined, modules: new Map(), usageMs: 0, idleTimer: undefined, failure: undefined };
    slot.worker.on('message', (msg: ThreadMessage) => onMessage(slot, msg));
    slot.worker.on('error', (err: Error) => (slot.failure = `${err.name}: ${err.message}`));
    slot.worker.on('exit', (code: number) => onExit(slot, code));
    slots.push(slot);
    return slot;
  }

  /** An idle thread is let go; its exit is not a failure since it holds no unit. */
  function retire(slot: Slot): void {
    if (slot.job) return;
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    void slot.worker.terminate();
  }

  function dispatch(slot: Slot, pending: Pending): void {
    clearTimeout(slot.idleTimer);
    slot.job = pending;
    slot.worker.ref();
    const { kernelKey, module, input, outputBytes } = pending.job;
    const request: RunRequest = { type: 'run', id: pending.id, kernelKey, input, outputBytes, cpuShare: threadShare, unitCpuMsMax };
    // A thread holding this very module object is not sent it again.
    if (slot.modules.get(kernelKey) !== module) request.module = module;
    slot.worker.postMessage(request);
  }

  /** Hands waiting units to idle threads, starting threads up to the bound. */
  function pump(): void {
    while (!closed && queue.length > 0) {
      let slot = slots.find((s) => !s.job);
      if (!slot) {
        if (slots.length >= threads) return;
        try {
          slot = spawnSlot();
        } catch (err) {
          const pending = queue.shift()!;
          counters.done++;
          pending.settle({ status: 'kernel_error', origin: 'thread', message: `no verification thread could start: ${(err as Error).message}` });
          continue;
        }
      }
      dispatch(slot, queue.shift()!);
    }
  }

  return {
    verify(job) {
      if (closed) return Promise.resolve({ status: 'closed' });
      const canStart = slots.length < threads || slots.some((s) => !s.job);
      if (!canStart && queue.length >= queueMax) {
        counters.refused++;
        return Promise.resolve({ status: 'queue_full' });
      }
      return new Promise<VerifyOutcome>((settle) => {
        queue.push({ id: nextId++, job, settle });
        pump();
      });
    },
    stats() {
      const running = slots.filter((s) => s.job);
      return {
        queued: queue.length,
        running: running.length,
        busyMs: counters.busyMs + running.reduce((sum, s) => sum + s.usageMs, 0),
        elapsedMs: performance.now() - createdAt,
        done: counters.done,
        refused: counters.refused,
        threadCpuMs: counters.threadCpuMs,
      };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const pending of queue.splice(0)) pending.settle({ status: 'closed' });
        const all = slots.splice(0);
        for (const slot of all) {
          clearTimeout(slot.idleTimer);
          counters.busyMs += slot.usageMs;
          slot.job?.settle({ status: 'closed' });
          slot.job = undefined;
        }
        await Promise.all(all.map((s) => s.worker.terminate()));
      })();
      return closing;
    },
  };
}

/**
 * A verification pool: units re-executed in worker threads through shared/kernels/runtime.ts,
 * the whole pool within `cpuShare` of one core.
 * @example
 * const pool = createVerifyPool({ cpuShare: 0.25 });
 * const entry = registry.entries.get('lorenz96@1')!;
 * const outcome = await pool.verify({ kernelKey: 'lorenz96@1', module: entry.module, input, outputBytes });
 * if (outcome.status === 'done' && outcome.sha256 !== volunteerSha256) {
 *   // a mismatch is proof: the volunteer's result is wrong
 * }
 * await pool.close();
 */
export function createVerifyPool(options: VerifyPoolOptions = {}): VerifyPool {
  return createVerifyPoolWith(options, spawnVerifyThread);
}
