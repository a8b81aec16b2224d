/**
 * @module The job-body pool: large job descriptions (a training corpus of megabytes) are
 * parsed, validated and split in worker threads, so the event loop keeps answering while they
 * are (issue 15, finding 3). Built the way edge/coordinator/verify/pool.ts runs its threads
 * (threads started on demand up to a bound, one body at a time each, retired when idle, a
 * thread that dies answers its body and is replaced), without the verifier's duty cycle and
 * kernel modules, which have no use here.
 *
 * Bounds (limits.ts): a request is admitted before its body is read, at most
 * JOB_PREP_PER_CUSTOMER_MAX per customer and JOB_PREP_ADMITTED_MAX in all (memory: each holds
 * its body), else refused at once; JOB_PREP_THREADS_MAX threads, each with a heap of
 * JOB_PREP_THREAD_HEAP_MB; admitted bodies wait for a thread in arrival order.
 */
import { Worker } from 'node:worker_threads';
import {
  JOB_PREP_ADMITTED_MAX,
  JOB_PREP_PER_CUSTOMER_MAX,
  JOB_PREP_RETRY_AFTER_S,
  JOB_PREP_THREAD_HEAP_MB,
  JOB_PREP_THREAD_IDLE_MS,
  JOB_PREP_THREAD_YOUNG_HEAP_MB,
  JOB_PREP_THREADS_MAX,
} from './limits.ts';
import type { PrepAnswer, PrepIntent } from './prepare.ts';
import type { PrepReply, PrepRequest } from './protocol.ts';

/**
 * The pool's answer about one body.
 * - `answered`: what the thread concluded (prepare.ts).
 * - `thread_failed`: the thread died under the body (out of its heap bound, or crashed), or
 *   the edge's own code threw; nothing was concluded about the body.
 * - `closed`: the pool was closed first.
 */
export type PrepOutcome = { status: 'answered'; answer: PrepAnswer } | { status: 'thread_failed'; message: string } | { status: 'closed' };

/** A place for one large body, held from before its body is read until it is answered. */
export interface PrepTicket {
  /** Reads `body` on a thread (transferred: the caller must not use it after), then gives the place back. */
  run(body: Uint8Array, contentType: string, intent: PrepIntent): Promise<PrepOutcome>;
  /** Gives the place back without running (the body could not be read); idempotent. */
  release(): void;
}

/**
 * Whether a customer may send a large body now.
 * - `customer_busy`: this customer already has JOB_PREP_PER_CUSTOMER_MAX admitted (429).
 * - `busy`: the pool has JOB_PREP_ADMITTED_MAX admitted over all customers (503).
 */
export type PrepAdmission =
  | { status: 'admitted'; ticket: PrepTicket }
  | { status: 'customer_busy' | 'busy'; retryAfterS: number; detail: string };

export interface PrepStats {
  /** Tickets held (bodies being read, waiting or on a thread). */
  admitted: number;
  queued: number;
  running: number;
  threads: number;
  /** Bodies answered by a thread. */
  done: number;
  /** Admissions refused, per customer and overall. */
  refused: number;
}

export interface JobPrepPool {
  admit(customerId: string): PrepAdmission;
  stats(): PrepStats;
  /** Terminates the threads; waiting and running bodies answer `closed`, and so does every later run. */
  close(): Promise<void>;
}

/** Options of {@link createJobPrepPool}; tests give small bounds. */
export interface JobPrepPoolOptions {
  /** @default JOB_PREP_THREADS_MAX */
  threads?: number;
  /** @default JOB_PREP_ADMITTED_MAX */
  admittedMax?: number;
  /** @default JOB_PREP_PER_CUSTOMER_MAX */
  perCustomerMax?: number;
}

/** Starts one job-body thread; a test may start another kind (one that waits for a signal). */
export type SpawnPrepThread = () => Worker;

/**
 * The thread's body is TypeScript: the thread registers tsx's loader itself before importing
 * it, since loader hooks of the launching process do not reach worker threads on Node 20
 * (as edge/coordinator/verify/pool.ts starts its threads).
 */
export function tsThreadBoot(url: URL): string {
  return `import(${JSON.stringify(TSX_API)})
  .then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
}
/**
 * Resolved once, as this module loads: resolving goes through the loader's hooks thread, and
 * the event loop waits for it, for as long as that thread is busy loading another thread's modules.
 */
const TSX_API = import.meta.resolve('tsx/esm/api');

/** Starts a thread running `url` (thread.ts by default) within the heap bounds. */
export function spawnPrepThreadOf(url: URL, workerData?: unknown): SpawnPrepThread {
  const boot = tsThreadBoot(url);
  return () =>
    new Worker(boot, {
      eval: true,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: JOB_PREP_THREAD_HEAP_MB, maxYoungGenerationSizeMb: JOB_PREP_THREAD_YOUNG_HEAP_MB },
    });
}

/** Starts a thread running thread.ts. */
export const spawnPrepThread: SpawnPrepThread = spawnPrepThreadOf(new URL('./thread.ts', import.meta.url));

interface Pending {
  id: number;
  request: PrepRequest;
  settle(outcome: PrepOutcome): void;
}

interface Slot {
  worker: Worker;
  job: Pending | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  failure: string | undefined;
}

/** {@link createJobPrepPool} with the way threads are started given. */
export function createJobPrepPoolWith(options: JobPrepPoolOptions, spawn: SpawnPrepThread): JobPrepPool {
  const threads = options.threads ?? JOB_PREP_THREADS_MAX;
  const admittedMax = options.admittedMax ?? JOB_PREP_ADMITTED_MAX;
  const perCustomerMax = options.perCustomerMax ?? JOB_PREP_PER_CUSTOMER_MAX;
  for (const [name, v] of Object.entries({ threads, admittedMax, perCustomerMax })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  /** Tickets held per customer (a customer without any is not kept). */
  const perCustomer = new Map<string, number>();
  let admitted = 0;
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | undefined;
  const counters = { done: 0, refused: 0 };

  function finish(slot: Slot, outcome: PrepOutcome): void {
    const pending = slot.job!;
    slot.job = undefined;
    pending.settle(outcome);
  }

  function onMessage(slot: Slot, msg: PrepReply): void {
    const pending = slot.job;
    if (!pending || msg.id !== pending.id) return;
    counters.done++;
    finish(slot, msg.type === 'answer' ? { status: 'answered', answer: msg.answer } : { status: 'thread_failed', message: msg.message });
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => retire(slot), JOB_PREP_THREAD_IDLE_MS).unref();
    pump();
  }

  function onExit(slot: Slot, code: number): void {
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    clearTimeout(slot.idleTimer);
    if (closed || !slot.job) return;
    const why = slot.failure ? `: ${slot.failure}` : '';
    finish(slot, { status: 'thread_failed', message: `the job-body thread stopped (exit code ${code})${why}` });
    pump();
  }

  function spawnSlot(): Slot {
    const slot: Slot = { worker: spawn(), job: undefined, idleTimer: undefined, failure: undefined };
    slot.worker.on('message', (msg: PrepReply) => onMessage(slot, msg));
    slot.worker.on('error', (err: Error & { code?: string }) => (slot.failure = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `out of its ${JOB_PREP_THREAD_HEAP_MB} MiB heap` : `${err.name}: ${err.message}`));
    slot.worker.on('exit', (code: number) => onExit(slot, code));
    slots.push(slot);
    return slot;
  }

  /** An idle thread is let go; its exit is not a failure since it holds no body. */
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
    const { body } = pending.request;
    // The body is transferred when it owns its buffer (a Buffer from Node's pool is copied).
    const transfer = body.buffer instanceof ArrayBuffer && body.buffer.byteLength === body.byteLength ? [body.buffer] : [];
    slot.worker.postMessage(pending.request, transfer);
  }

  /** Hands waiting bodies to idle threads, starting threads up to the bound. */
  function pump(): void {
    while (!closed && queue.length > 0) {
      let slot = slots.find((s) => !s.job);
      if (!slot) {
        if (slots.length >= threads) return;
        try {
          slot = spawnSlot();
        } catch (err) {
          queue.shift()!.settle({ status: 'thread_failed', message: `no job-body thread could start: ${(err as Error).message}` });
          continue;
        }
      }
      dispatch(slot, queue.shift()!);
    }
  }

  function ticketFor(customerId: string): PrepTicket {
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      admitted--;
      const n = (perCustomer.get(customerId) ?? 1) - 1;
      if (n > 0) perCustomer.set(customerId, n);
      else perCustomer.delete(customerId);
    };
    return {
      release,
      async run(body, contentType, intent) {
        if (!held) throw new Error('job-body ticket used after it was released');
        try {
          if (closed) return { status: 'closed' };
          return await new Promise<PrepOutcome>((settle) => {
            const id = nextId++;
            queue.push({ id, request: { type: 'prep', id, body, contentType, intent }, settle });
            pump();
          });
        } finally {
          release();
        }
      },
    };
  }

  return {
    admit(customerId) {
      const mine = perCustomer.get(customerId) ?? 0;
      if (mine >= perCustomerMax) {
        counters.refused++;
        return { status: 'customer_busy', retryAfterS: JOB_PREP_RETRY_AFTER_S, detail: `this customer already has ${mine} large job descriptions being read (at most ${perCustomerMax} at once); send this one when one of them is answered` };
      }
      if (admitted >= admittedMax) {
        counters.refused++;
        return { status: 'busy', retryAfterS: JOB_PREP_RETRY_AFTER_S, detail: `the server is reading ${admitted} large job descriptions (at most ${admittedMax} at once); try again shortly` };
      }
      admitted++;
      perCustomer.set(customerId, mine + 1);
      return { status: 'admitted', ticket: ticketFor(customerId) };
    },
    stats() {
      return { admitted, queued: queue.length, running: slots.filter((s) => s.job).length, threads: slots.length, done: counters.done, refused: counters.refused };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const pending of queue.splice(0)) pending.settle({ status: 'closed' });
        const all = slots.splice(0);
        for (const slot of all) {
          clearTimeout(slot.idleTimer);
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
 * A job-body pool on worker threads.
 * @example
 * const pool = createJobPrepPool();
 * const admission = pool.admit(customerId);
 * if (admission.status !== 'admitted') throw tooBusy(admission);
 * const outcome = await admission.ticket.run(bodyBytes, 'application/json', 'quote');
 */
export function createJobPrepPool(options: JobPrepPoolOptions = {}): JobPrepPool {
  return createJobPrepPoolWith(options, spawnPrepThread);
}
