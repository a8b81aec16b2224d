/**
 * @module The messages between the verification pool (pool.ts) and its threads (thread.ts).
 * Plain structured-clone messages: a `WebAssembly.Module` posts to a thread of the same
 * process without being recompiled, and output bytes come back transferred, not copied.
 */
import type { ThreadClock } from './cpu-clock.ts';

/** Pool → thread: run one unit. */
export interface RunRequest {
  type: 'run';
  id: number;
  kernelKey: string;
  /** Absent when the thread already holds this `kernelKey`'s module (it says so in `cachedKeys`). */
  module?: WebAssembly.Module | Uint8Array;
  input: Uint8Array;
  outputBytes: number;
  /** This thread's share of one core (the pool's share divided among its threads). */
  cpuShare: number;
  unitCpuMsMax: number;
}

/** What a thread concluded about one unit. */
export type ThreadVerdict =
  | { status: 'done'; output: Uint8Array; sha256: string }
  | { status: 'too_expensive' }
  | { status: 'kernel_error'; origin: 'kernel' | 'thread'; message: string };

/** Thread → pool: the unit's verdict. */
export interface RunResult {
  type: 'result';
  id: number;
  verdict: ThreadVerdict;
  /** CPU charged to the unit's bursts (instantiate and input, steps, output and hash; compiling when bytes came). */
  cpuMs: number;
  /** The thread's whole CPU time from the unit's start to its answer, rests' wake-ups and messages included. */
  threadCpuMs: number;
  /** The clock both were read on. */
  clock: ThreadClock['kind'];
  /** `kernelKey`s whose modules the thread holds now, so the pool knows which modules it need not send. */
  cachedKeys: string[];
}

/** Thread → pool, while a long unit runs: CPU charged to it so far. */
export interface UsageReport {
  type: 'usage';
  id: number;
  cpuMs: number;
}

export type ThreadMessage = RunResult | UsageReport;
