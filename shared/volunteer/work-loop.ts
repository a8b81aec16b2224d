/**
 * @module The volunteer client's work loop, shared by the browser pool and the Node worker.
 * Each slot (one executor: a Web Worker or a worker thread) holds the unit it computes and,
 * prefetched, the next one, so it never waits on the network between units. A finished
 * result goes to the {@link Outbox} (stored before the slot moves on), which sends it. The
 * loop obeys a {@link StepControl}: paused, no new unit is leased and running units wait
 * between two steps; throttled, workers rest between steps. Leases held are kept in a
 * {@link LeaseStore} (IndexedDB in the browser), so a reload resumes them, from a
 * checkpoint where the kernel makes them. Heartbeats keep held leases alive and learn when a
 * unit is no longer wanted: then it is dropped, with a note.
 */
import { ApiError, type ApiClient } from '../api/client.ts';
import type { Lease } from '../api/schemas.ts';
import { base64ToBytes } from '../base64.ts';
import { HEARTBEAT_INTERVAL_MS, IDLE_RETRY_MS, LEASES_PER_SLOT_MAX, PAUSED_HEARTBEAT_MS_MAX } from '../limits.ts';
import type { KernelSource } from './kernel-source.ts';
import type { Outbox } from './outbox.ts';
import { abortError, isAbort } from '../abort.ts';
import { backoffMs, delay } from './retry.ts';
import type { PausedInfo, StepControl, UnitHooks, UnitResult, UnitStats, UnitTask } from './unit-runner.ts';

export { backoffMs, delay, isRetryable } from './retry.ts';
export { createKernelSource, type KernelSource } from './kernel-source.ts';

/** Runs one unit in some isolated realm. Rejects with an error named `AbortError` on cancel. */
export interface UnitExecutor {
  run(task: UnitTask, hooks: UnitHooks): Promise<UnitResult>;
  /** Pause, resume or throttle the unit in progress (and later ones); applies between steps. */
  control(control: StepControl): void;
  /** Stops the unit in progress, if any (e.g. by terminating the worker). */
  cancel(): void;
}

/** A lease this client holds: computing, prefetched, or left from an earlier visit. */
export interface HeldLease {
  lease: Lease;
  /** Epoch ms it was leased. */
  heldAt: number;
  /** The latest checkpoint of the unit, when its kernel makes them. */
  checkpoint?: Uint8Array;
  checkpointDone?: number;
}

/** Where held leases live, so a reload resumes them; the browser's is IndexedDB. */
export interface LeaseStore {
  list(): Promise<HeldLease[]>;
  put(held: HeldLease): Promise<void>;
  delete(leaseId: number): Promise<void>;
  clear(): Promise<void>;
}

/** An in-memory store (Node workers, tests). */
export function memoryLeaseStore(): LeaseStore {
  const held = new Map<number, HeldLease>();
  return {
    list: async () => [...held.values()],
    put: async (h) => void held.set(h.lease.leaseId, h),
    delete: async (id) => void held.delete(id),
    clear: async () => held.clear(),
  };
}

/** What the loop reports, for a UI or a log. */
export type WorkEvent =
  | { type: 'leased'; slot: number; lease: Lease; prefetched: boolean }
  /** A lease held before a reload is taken up again. */
  | { type: 'resumed'; slot: number; lease: Lease; fromCheckpoint: boolean }
  | { type: 'started'; slot: number; lease: Lease }
  | { type: 'progress'; slot: number; leaseId: number; done: number; total: number }
  | { type: 'paused'; slot: number; leaseId: number; info: PausedInfo }
  | { type: 'computed'; slot: number; leaseId: number; unitId: number; jobId: string; ms: number; stats: UnitStats }
  | { type: 'idle'; slot: number; retryAfterMs: number; reason: 'no_work' | 'outbox_full' }
  /** The server no longer wants the unit (decided elsewhere, or its job cancelled): stopped. */
  | { type: 'dropped'; slot: number; leaseId: number; unitId: number; reason: string }
  | { type: 'kernel_refused'; slot: number; kernel: string; message: string }
  | { type: 'error'; slot: number; message: string }
  | { type: 'stopped'; slot: number };

/** Options of {@link WorkLoop}. */
export interface WorkLoopOptions {
  api: ApiClient;
  kernels: KernelSource;
  executors: UnitExecutor[];
  outbox: Outbox;
  leases?: LeaseStore;
  onEvent?: (e: WorkEvent) => void;
  /** Stop after this many units per slot (load tests); unbounded while the user wants it. */
  unitsPerSlotMax?: number;
  /** Hold the next unit while computing one. @default true */
  prefetch?: boolean;
  random?: () => number;
  now?: () => number;
}

interface Held extends HeldLease {
  slot: number;
  /** Set when the server said stop: skip or cancel it. */
  dropped?: string;
  /** Work units done so far (heartbeats report it: the server extends a lease only while it advances). */
  progress?: number;
}

interface Slot {
  executor: UnitExecutor;
  queue: Held[];
  fetching: Promise<void> | undefined;
  running: Held | undefined;
  done: number;
}

/** A pool of slots, one per executor, each running lease → compute → outbox until stopped. */
export class WorkLoop {
  private controller: AbortController | undefined;
  private runningSlots: Promise<void>[] = [];
  private slots: Slot[] = [];
  private resumeQueue: HeldLease[] = [];
  private control: StepControl = { paused: false, dutyPercent: 100 };
  private pausedSince: number | undefined;
  private gateWaiters = new Set<() => void>();
  private beat: ReturnType<typeof setInterval> | undefined;
  /** Results being stored in the outbox while their slot goes on. */
  private saving = new Set<Promise<void>>();
  private readonly leases: LeaseStore;
  private readonly now: () => number;

  constructor(private readonly options: WorkLoopOptions) {
    this.leases = options.leases ?? memoryLeaseStore();
    this.now = options.now ?? Date.now;
  }

  get active(): boolean {
    return this.controller !== undefined;
  }

  /** Pauses, resumes or throttles every slot; a pause applies within one kernel step. */
  setControl(control: StepControl): void {
    const wasPaused = this.control.paused;
    this.control = { ...control };
    if (control.paused && !wasPaused) this.pausedSince = this.now();
    if (!control.paused) this.pausedSince = undefined;
    for (const ex of this.options.executors) ex.control(this.control);
    if (!control.paused) for (const w of [...this.gateWaiters]) w();
  }

  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    for (const ex of this.options.executors) ex.control(this.control);
    this.slots = this.options.executors.map((executor) => ({ executor, queue: [], fetching: undefined, running: undefined, done: 0 }));
    const ready = this.loadHeld();
    this.runningSlots = this.slots.map((_, slot) => ready.then(() => this.runSlot(slot, controller.signal)));
    this.beat = setInterval(() => void this.heartbeats(), HEARTBEAT_INTERVAL_MS);
  }

  /**
   * Stops every slot now, cancelling units in progress; resolves when all slots have ended.
   * With `abandon` (the visitor pressed Stop) held leases are forgotten; without it (the page
   * is going away) they stay stored, to be resumed on the next visit.
   */
  async stop(options: { abandon?: boolean } = {}): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    controller.abort();
    clearInterval(this.beat);
    for (const ex of this.options.executors) ex.cancel();
    for (const w of [...this.gateWaiters]) w();
    await Promise.allSettled([...this.runningSlots, ...this.slots.map((s) => s.fetching), ...this.saving]);
    if (options.abandon) await this.leases.clear().catch(() => undefined);
    this.slots = [];
    this.resumeQueue = [];
    this.controller = undefined;
  }

  /** Resolves when every slot has ended by itself (with `unitsPerSlotMax`). */
  async finished(): Promise<void> {
    await Promise.allSettled(this.runningSlots);
    await Promise.allSettled([...this.saving]);
    clearInterval(this.beat);
  }

  private emit(e: WorkEvent): void {
    this.options.onEvent?.(e);
  }

  /** Leases kept from an earlier visit, minus those whose result is already in the outbox. */
  private async loadHeld(): Promise<void> {
    const { outbox } = this.options;
    await outbox.load().catch(() => undefined);
    const held = await this.leases.list().catch(() => [] as HeldLease[]);
    for (const h of held.sort((a, b) => a.heldAt - b.heldAt)) {
      if (outbox.has(h.lease.leaseId)) await this.leases.delete(h.lease.leaseId).catch(() => undefined);
      else this.resumeQueue.push(h);
    }
  }

  /** Resolves when not paused. */
  private async gate(signal: AbortSignal): Promise<void> {
    while (this.control.paused) {
      if (signal.aborted) throw abortError();
      await new Promise<void>((resolve) => {
        const done = () => {
          this.gateWaiters.delete(done);
          resolve();
        };
        this.gateWaiters.add(done);
      });
    }
    if (signal.aborted) throw abortError();
  }

  private async runSlot(slot: number, signal: AbortSignal): Promise<void> {
    const s = this.slots[slot]!;
    const max = this.options.unitsPerSlotMax ?? Infinity;
    const random = this.options.random ?? Math.random;
    let failures = 0;
    try {
      while (!signal.aborted && s.done < max) {
        if (s.queue.length === 0) {
          await this.fetchNext(slot, signal);
          continue;
        }
        const held = s.queue[0]!;
        if (this.options.prefetch !== false && s.queue.length < LEASES_PER_SLOT_MAX && s.done + s.queue.length < max) {
          this.fetchNext(slot, signal).catch(() => undefined);
        }
        try {
          await this.runHeld(slot, held, signal);
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          failures++;
          if (!isAbort(err)) this.emit({ type: 'error', slot, message: (err as Error)?.message ?? String(err) });
          await delay(backoffMs(Math.min(failures, 10), random), signal);
        } finally {
          const i = s.queue.indexOf(held);
          if (i >= 0) s.queue.splice(i, 1);
        }
      }
    } catch (err) {
      if (!isAbort(err)) throw err;
    } finally {
      this.emit({ type: 'stopped', slot });
    }
  }

  /** Gets the slot one more lease (resumed or new), waiting out pauses, a full outbox and idle servers. */
  private fetchNext(slot: number, signal: AbortSignal): Promise<void> {
    const s = this.slots[slot]!;
    s.fetching ??= this.fetchOne(slot, s, signal).finally(() => {
      s.fetching = undefined;
    });
    return s.fetching;
  }

  private async fetchOne(slot: number, s: Slot, signal: AbortSignal): Promise<void> {
    const { api, outbox } = this.options;
    const random = this.options.random ?? Math.random;
    let failures = 0;
    for (;;) {
      await this.gate(signal);
      if (outbox.full) {
        this.emit({ type: 'idle', slot, retryAfterMs: 0, reason: 'outbox_full' });
        await outbox.room(signal);
        continue;
      }
      // A unit another slot prefetched but has not started goes to this idle slot instead:
      // prefetching must never leave a worker without work while units sit in a queue.
      for (const other of this.slots) {
        const spare = other !== s && other.queue.length > 1 ? other.queue[other.queue.length - 1] : undefined;
        if (spare && spare !== other.running && !spare.dropped) {
          other.queue.pop();
          s.queue.push({ ...spare, slot });
          this.emit({ type: 'leased', slot, lease: spare.lease, prefetched: false });
          return;
        }
      }
      const resumed = this.resumeQueue.shift();
      if (resumed) {
        s.queue.push({ ...resumed, slot });
        this.emit({ type: 'resumed', slot, lease: resumed.lease, fromCheckpoint: resumed.checkpoint !== undefined });
        return;
      }
      try {
        const { leases, retryAfterMs } = await api.lease({ max: 1 });
        const lease = leases[0];
        if (lease) {
          const held: Held = { lease, heldAt: this.now(), slot };
          if (signal.aborted) throw abortError();
          s.queue.push(held);
          await this.leases.put({ lease, heldAt: held.heldAt }).catch(() => undefined);
          this.emit({ type: 'leased', slot, lease, prefetched: s.queue.length > 1 });
          return;
        }
        const wait = retryAfterMs ?? IDLE_RETRY_MS;
        this.emit({ type: 'idle', slot, retryAfterMs: wait, reason: 'no_work' });
        await delay(wait, signal);
      } catch (err) {
        if (isAbort(err) && signal.aborted) throw err;
        failures++;
        this.emit({ type: 'error', slot, message: (err as Error)?.message ?? String(err) });
        await delay(backoffMs(Math.min(failures, 10), random), signal);
      }
    }
  }

  private async forget(held: Held): Promise<void> {
    await this.leases.delete(held.lease.leaseId).catch(() => undefined);
  }

  private async runHeld(slot: number, held: Held, signal: AbortSignal): Promise<void> {
    const { api, kernels, outbox } = this.options;
    const s = this.slots[slot]!;
    const { lease } = held;
    if (held.dropped) return;
    let module: WebAssembly.Module;
    try {
      module = await kernels.get(lease.kernel);
    } catch (err) {
      if ((err as { name?: string })?.name === 'KernelRefusedError') {
        // Not the unit's fault: never report it as the unit's error; let the lease lapse.
        this.emit({ type: 'kernel_refused', slot, kernel: `${lease.kernel.id}@${lease.kernel.version}`, message: (err as Error).message });
        await this.forget(held);
        throw abortError('kernel refused');
      }
      throw err;
    }
    if (held.dropped) return;
    const started = performance.now();
    this.emit({ type: 'started', slot, lease });
    s.running = held;
    let result: UnitResult;
    try {
      result = await s.executor.run(
        { module, input: base64ToBytes(lease.input), ...(held.checkpoint ? { checkpoint: held.checkpoint } : {}) },
        {
          onProgress: (done, total) => {
            held.progress = done;
            this.emit({ type: 'progress', slot, leaseId: lease.leaseId, done, total });
          },
          onPaused: (info) => this.emit({ type: 'paused', slot, leaseId: lease.leaseId, info }),
          onCheckpoint: (image, done) => {
            held.checkpoint = image;
            held.checkpointDone = done;
            void this.leases.put({ lease, heldAt: held.heldAt, checkpoint: image, checkpointDone: done }).catch(() => undefined);
          },
        },
      );
    } catch (err) {
      if (signal.aborted) throw abortError();
      if (held.dropped) return;
      if (isAbort(err)) throw err;
      // Errors lose their class across a worker boundary: branch on the name.
      const name = (err as { name?: string })?.name;
      const message = (err as Error)?.message ?? String(err);
      await api.reportError(lease.leaseId, name === 'KernelError' ? -1 : -2, message).catch(() => undefined);
      await this.forget(held);
      throw err;
    } finally {
      s.running = undefined;
    }
    s.done++;
    this.emit({ type: 'computed', slot, leaseId: lease.leaseId, unitId: lease.unitId, jobId: lease.jobId, ms: performance.now() - started, stats: result.stats });
    // Stored while the slot goes on with its next unit. The lease is forgotten only once the
    // result is stored: a crash before that resumes the unit, a crash after it finds the
    // result in the outbox (loadHeld), so nothing finished is lost and nothing runs twice.
    const saving = outbox
      .add({ leaseId: lease.leaseId, unitId: lease.unitId, jobId: lease.jobId, costPoints: lease.costPoints, output: result.output, computedAt: this.now() })
      .then(() => this.forget(held))
      .catch((err: unknown) => this.emit({ type: 'error', slot, message: `the result of unit ${lease.unitId} could not be stored: ${(err as Error)?.message ?? String(err)}` }));
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
  }

  /** Heartbeats every held lease: keeps it, or learns it is no longer wanted and drops it. */
  private async heartbeats(): Promise<void> {
    if (this.pausedSince !== undefined && this.now() - this.pausedSince > PAUSED_HEARTBEAT_MS_MAX) return;
    const { api } = this.options;
    for (const s of this.slots) {
      for (const held of [...s.queue]) {
        if (held.dropped) continue;
        let reason: string | undefined;
        try {
          const h = await api.heartbeat(held.lease.leaseId, held.progress);
          if (h.stop) reason = h.reason ?? 'stop';
        } catch (err) {
          // A missed heartbeat is retried at the next tick; a refused one means the lease is gone.
          if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) reason = err.problem.title;
        }
        if (!reason || held.dropped) continue;
        held.dropped = reason;
        const i = s.queue.indexOf(held);
        if (s.running === held) s.executor.cancel();
        else if (i >= 0) s.queue.splice(i, 1);
        await this.forget(held);
        this.emit({ type: 'dropped', slot: held.slot, leaseId: held.lease.leaseId, unitId: held.lease.unitId, reason });
      }
    }
  }
}
