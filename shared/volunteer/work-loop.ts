/**
 * @module The volunteer client's work loop, shared by the browser pool and the Node worker:
 * each slot leases a unit, runs it on its executor (a Web Worker or a worker thread) and
 * submits the result, retrying with bounded backoff. Only the executors differ by realm.
 */
import { ApiError, type ApiClient } from '../api/client.ts';
import type { KernelInfo, Lease, ResultOutcome } from '../api/schemas.ts';
import { base64ToBytes, sha256Hex } from '../base64.ts';
import { checkKernelModule } from '../kernels/abi.ts';
import { HEARTBEAT_INTERVAL_MS, IDLE_RETRY_MS, RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS, SUBMIT_RETRIES_MAX } from '../limits.ts';

/** Runs one unit in some isolated realm. Rejects with an error named `AbortError` on cancel. */
export interface UnitExecutor {
  run(module: WebAssembly.Module, input: Uint8Array, onProgress: (done: number, total: number) => void): Promise<Uint8Array>;
  /** Stops the unit in progress, if any (e.g. by terminating the worker). */
  cancel(): void;
}

/** What the loop reports, for a UI or a log. */
export type WorkEvent =
  | { type: 'leased'; slot: number; lease: Lease }
  | { type: 'progress'; slot: number; leaseId: number; done: number; total: number }
  | { type: 'computed'; slot: number; leaseId: number; ms: number }
  | { type: 'submitted'; slot: number; leaseId: number; outcome: ResultOutcome; creditedPoints: number }
  | { type: 'idle'; slot: number; retryAfterMs: number }
  /** The server no longer wants the unit (decided elsewhere, or its job cancelled): stopped. */
  | { type: 'dropped'; slot: number; leaseId: number; reason: string }
  | { type: 'error'; slot: number; message: string }
  | { type: 'stopped'; slot: number };

/** Delays `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('stopped', 'AbortError'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException('stopped', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** True for errors worth retrying: network failures and 5xx/429 answers. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  return (err as { name?: string })?.name !== 'AbortError';
}

/**
 * Fetches kernel modules once, checks them against the sha256 the server announced and the
 * ABI, and compiles each once; every slot shares the compiled module.
 */
export function createKernelSource(api: ApiClient, baseUrl = '', doFetch: typeof fetch = globalThis.fetch.bind(globalThis)) {
  const compiled = new Map<string, Promise<WebAssembly.Module>>();
  let listing: Promise<KernelInfo[]> | undefined;

  async function load(kernel: Lease['kernel']): Promise<WebAssembly.Module> {
    listing ??= api.kernels().then((r) => r.kernels);
    let info = (await listing).find((k) => k.id === kernel.id && k.version === kernel.version);
    if (!info) {
      listing = api.kernels().then((r) => r.kernels);
      info = (await listing).find((k) => k.id === kernel.id && k.version === kernel.version);
    }
    if (!info) throw new Error(`kernel ${kernel.id}@${kernel.version} is not offered by the server`);
    const res = await doFetch(baseUrl + info.url);
    if (!res.ok) throw new Error(`kernel ${kernel.id}@${kernel.version}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const hash = await sha256Hex(bytes);
    if (hash !== kernel.sha256) {
      throw new Error(`kernel ${kernel.id}@${kernel.version} refused: its bytes hash to ${hash.slice(0, 12)}…, the server announced ${kernel.sha256.slice(0, 12)}…`);
    }
    const module = await WebAssembly.compile(bytes);
    const check = checkKernelModule(module);
    if (check.status !== 'ok') throw new Error(`kernel ${kernel.id}@${kernel.version} refused: ${check.status} ${check.detail}`);
    return module;
  }

  return {
    get(kernel: Lease['kernel']): Promise<WebAssembly.Module> {
      const key = `${kernel.id}@${kernel.version}#${kernel.sha256}`;
      let p = compiled.get(key);
      if (!p) {
        p = load(kernel);
        compiled.set(key, p);
        // A failed load is not cached, so a later lease can try again.
        p.catch(() => compiled.delete(key));
      }
      return p;
    },
  };
}
export type KernelSource = ReturnType<typeof createKernelSource>;

/** Options of {@link WorkLoop}. */
export interface WorkLoopOptions {
  api: ApiClient;
  kernels: KernelSource;
  executors: UnitExecutor[];
  onEvent?: (e: WorkEvent) => void;
  /** Stop after this many units per slot (load tests); unbounded while the user wants it. */
  unitsPerSlotMax?: number;
  random?: () => number;
}

/** A pool of slots, one per executor, each running lease → compute → submit until stopped. */
export class WorkLoop {
  private controller: AbortController | undefined;
  private running: Promise<void>[] = [];

  constructor(private readonly options: WorkLoopOptions) {}

  get active(): boolean {
    return this.controller !== undefined;
  }

  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.options.executors.map((ex, slot) => this.runSlot(slot, ex, controller.signal));
  }

  /** Stops every slot now, cancelling units in progress; resolves when all slots have ended. */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    controller.abort();
    for (const ex of this.options.executors) ex.cancel();
    await Promise.allSettled(this.running);
    this.controller = undefined;
  }

  /** Resolves when every slot has ended by itself (with `unitsPerSlotMax`). */
  async finished(): Promise<void> {
    await Promise.allSettled(this.running);
  }

  private emit(e: WorkEvent): void {
    this.options.onEvent?.(e);
  }

  private async runSlot(slot: number, executor: UnitExecutor, signal: AbortSignal): Promise<void> {
    const { api } = this.options;
    const random = this.options.random ?? Math.random;
    let failures = 0;
    let done = 0;
    try {
      while (!signal.aborted && done < (this.options.unitsPerSlotMax ?? Infinity)) {
        try {
          const { leases, retryAfterMs } = await api.lease({ max: 1 });
          const lease = leases[0];
          if (!lease) {
            const wait = retryAfterMs ?? IDLE_RETRY_MS;
            this.emit({ type: 'idle', slot, retryAfterMs: wait });
            await delay(wait, signal);
            continue;
          }
          this.emit({ type: 'leased', slot, lease });
          await this.runLease(slot, executor, lease, signal, random);
          done++;
          failures = 0;
        } catch (err) {
          if ((err as { name?: string })?.name === 'AbortError' && signal.aborted) break;
          failures++;
          this.emit({ type: 'error', slot, message: (err as Error)?.message ?? String(err) });
          await delay(backoffMs(Math.min(failures, 10), random), signal);
        }
      }
    } catch (err) {
      if ((err as { name?: string })?.name !== 'AbortError') throw err;
    } finally {
      this.emit({ type: 'stopped', slot });
    }
  }

  private async runLease(slot: number, executor: UnitExecutor, lease: Lease, signal: AbortSignal, random: () => number): Promise<void> {
    const { api, kernels } = this.options;
    let output: Uint8Array;
    const started = performance.now();
    let dropped: string | undefined;
    // Heartbeats keep the lease while the unit runs, and learn when it is no longer wanted.
    const beat = setInterval(() => {
      api.heartbeat(lease.leaseId).then(
        (h) => {
          if (h.stop && !dropped) {
            dropped = h.reason ?? 'stop';
            executor.cancel();
          }
        },
        () => undefined, // a missed heartbeat is retried at the next tick; the lease has slack
      );
    }, HEARTBEAT_INTERVAL_MS);
    try {
      const module = await kernels.get(lease.kernel);
      output = await executor.run(module, base64ToBytes(lease.input), (done, total) =>
        this.emit({ type: 'progress', slot, leaseId: lease.leaseId, done, total }),
      );
    } catch (err) {
      const name = (err as { name?: string })?.name;
      if (signal.aborted) throw new DOMException('stopped', 'AbortError');
      if (dropped) {
        this.emit({ type: 'dropped', slot, leaseId: lease.leaseId, reason: dropped });
        return;
      }
      if (name === 'AbortError') throw new DOMException('stopped', 'AbortError');
      // Errors lose their class across a worker boundary: branch on the name.
      const message = (err as Error)?.message ?? String(err);
      await api.reportError(lease.leaseId, name === 'KernelError' ? -1 : -2, message).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(beat);
    }
    this.emit({ type: 'computed', slot, leaseId: lease.leaseId, ms: performance.now() - started });
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await api.submitResult(lease.leaseId, output);
        this.emit({ type: 'submitted', slot, leaseId: lease.leaseId, outcome: r.outcome, creditedPoints: r.creditedPoints });
        return;
      } catch (err) {
        if (!isRetryable(err) || attempt + 1 >= SUBMIT_RETRIES_MAX) throw err;
        await delay(backoffMs(attempt, random), signal);
      }
    }
  }
}
