/**
 * @module Finished results that are not yet acknowledged by the server. A result is stored
 * (the browser keeps it in IndexedDB) before its worker moves on, and sent from here, in
 * the order computed, with idempotent submits: a repeat of the same bytes for the same lease
 * gets the same answer, so a result sent twice (a crash after sending, before forgetting)
 * is harmless. Failures are retried with exponential backoff and full jitter, bounded:
 * answered failures (5xx, 429) OUTBOX_SUBMIT_ATTEMPTS_MAX times, network failures until the
 * result is OUTBOX_ENTRY_AGE_MS_MAX old. A result the server refuses (4xx: the lease is
 * not ours, closed, or conflicts) or takes without credit because its unit closed meanwhile
 * is dropped with a note instead of retried forever.
 */
import { ApiError, type ApiClient } from '../api/client.ts';
import type { ResultOutcome } from '../api/schemas.ts';
import { OUTBOX_BYTES_MAX, OUTBOX_ENTRIES_MAX, OUTBOX_ENTRY_AGE_MS_MAX, OUTBOX_SUBMIT_ATTEMPTS_MAX } from '../limits.ts';
import { abortError } from '../abort.ts';
import { backoffMs } from './retry.ts';

/** One finished result waiting to be acknowledged. */
export interface OutboxEntry {
  leaseId: number;
  unitId: number;
  jobId: string;
  costPoints: number;
  output: Uint8Array;
  /** Epoch ms the result was computed. */
  computedAt: number;
  /** Answered failures so far. */
  attempts: number;
  /** Epoch ms before which the entry is not tried again. */
  notBefore: number;
}

/** Where entries live; the browser's is IndexedDB, Node's is memory. */
export interface OutboxStore {
  list(): Promise<OutboxEntry[]>;
  get(leaseId: number): Promise<OutboxEntry | undefined>;
  put(entry: OutboxEntry): Promise<void>;
  delete(leaseId: number): Promise<void>;
}

/** An in-memory store (Node workers, tests). */
export function memoryOutboxStore(): OutboxStore {
  const entries = new Map<number, OutboxEntry>();
  return {
    list: async () => [...entries.values()].map((e) => ({ ...e })),
    get: async (id) => {
      const e = entries.get(id);
      return e && { ...e };
    },
    put: async (e) => void entries.set(e.leaseId, { ...e }),
    delete: async (id) => void entries.delete(id),
  };
}

/** Why a result was dropped. */
export type DropReason =
  /** The unit failed or was cancelled before the result arrived (the server kept it, credited nothing). */
  | 'unit_closed'
  /** The server refused the result (4xx): the lease was closed, not ours or conflicts. */
  | 'refused'
  /** The server failed OUTBOX_SUBMIT_ATTEMPTS_MAX times on it. */
  | 'attempts'
  /** Not delivered within OUTBOX_ENTRY_AGE_MS_MAX. */
  | 'expired';

export type OutboxEvent =
  | { type: 'queued'; leaseId: number; size: number }
  | { type: 'sent'; leaseId: number; unitId: number; jobId: string; outcome: ResultOutcome; creditedPoints: number; size: number }
  | { type: 'dropped'; leaseId: number; unitId: number; jobId: string; reason: DropReason; detail: string; size: number }
  | { type: 'retrying'; leaseId: number; inMs: number; message: string; offline: boolean };

export interface OutboxOptions {
  api: ApiClient;
  store: OutboxStore;
  onEvent?: (e: OutboxEvent) => void;
  random?: () => number;
  now?: () => number;
  /** Wait before retry number `attempt` (from 0). @default backoffMs with full jitter */
  backoff?: (attempt: number) => number;
}

/** What the outbox keeps in memory of an entry (the bytes stay in the store). */
interface Tracked {
  leaseId: number;
  bytes: number;
  notBefore: number;
  computedAt: number;
}

const describe = (err: unknown): string => (err as Error)?.message ?? String(err);

/** Sends stored results, one at a time, oldest first. */
export class Outbox {
  private entries = new Map<number, Tracked>();
  private bytes = 0;
  private loaded: Promise<void> | undefined;
  private flushing = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Consecutive network failures: the server (or the network) is away for every entry alike. */
  private offlineFailures = 0;
  /** While the network is away, nothing is tried before this (epoch ms). */
  private offlineUntil = 0;
  private waiters = new Set<() => void>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Results waiting. */
  get size(): number {
    return this.entries.size;
  }

  /** True when another result would pass OUTBOX_ENTRIES_MAX or OUTBOX_BYTES_MAX. */
  get full(): boolean {
    return this.entries.size >= OUTBOX_ENTRIES_MAX || this.bytes >= OUTBOX_BYTES_MAX;
  }

  /** Reads stored entries (from an earlier visit) once and starts sending them. */
  load(): Promise<void> {
    this.loaded ??= this.options.store.list().then((list) => {
      for (const e of list) this.track(e);
      this.notify();
      this.kick();
    });
    return this.loaded;
  }

  private track(e: Pick<OutboxEntry, 'leaseId' | 'output' | 'notBefore' | 'computedAt'>): void {
    if (this.entries.has(e.leaseId)) return;
    this.entries.set(e.leaseId, { leaseId: e.leaseId, bytes: e.output.byteLength, notBefore: e.notBefore, computedAt: e.computedAt });
    this.bytes += e.output.byteLength;
  }

  private untrack(leaseId: number): void {
    const e = this.entries.get(leaseId);
    if (!e) return;
    this.entries.delete(leaseId);
    this.bytes -= e.bytes;
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  has(leaseId: number): boolean {
    return this.entries.has(leaseId);
  }

  /** Stores a finished result (durably, before resolving) and sends it soon. */
  async add(entry: Omit<OutboxEntry, 'attempts' | 'notBefore'>): Promise<void> {
    await this.load();
    const full: OutboxEntry = { ...entry, attempts: 0, notBefore: 0 };
    await this.options.store.put(full);
    this.track(full);
    this.options.onEvent?.({ type: 'queued', leaseId: entry.leaseId, size: this.size });
    this.kick();
  }

  /** Resolves when the outbox has room for another result. */
  async room(signal?: AbortSignal): Promise<void> {
    await this.load();
    while (this.full) await this.change(signal);
  }

  /** Resolves when nothing is left to send (sent or dropped). */
  async drained(signal?: AbortSignal): Promise<void> {
    await this.load();
    while (this.entries.size > 0) await this.change(signal);
  }

  private change(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(done);
        reject(abortError());
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Sends what is due now. With `retryNow` (the browser came back online), entries waiting
   * out a network failure are tried at once.
   */
  kick(retryNow = false): void {
    if (this.closed) return;
    if (retryNow) {
      this.offlineFailures = 0;
      this.offlineUntil = 0;
    }
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    void this.flush().finally(() => {
      this.flushing = false;
      if (this.again && !this.closed) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Stops sending (the page is going away); stored entries stay for the next visit. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed || this.entries.size === 0) return;
    const next = Math.max(this.offlineUntil, Math.min(...[...this.entries.values()].map((e) => e.notBefore)));
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - this.now()));
  }

  private async flush(): Promise<void> {
    const { api, store } = this.options;
    const random = this.options.random ?? Math.random;
    const backoff = this.options.backoff ?? ((attempt: number) => backoffMs(attempt, random));
    let due: Tracked | undefined;
    try {
      for (;;) {
        if (this.closed) return;
        const now = this.now();
        if (now < this.offlineUntil) return;
        due = [...this.entries.values()].filter((e) => e.notBefore <= now).sort((a, b) => a.computedAt - b.computedAt || a.leaseId - b.leaseId)[0];
        if (!due) return;
        const entry = await store.get(due.leaseId);
        if (!entry) {
          this.untrack(due.leaseId);
          continue;
        }
        if (now - entry.computedAt > OUTBOX_ENTRY_AGE_MS_MAX) {
          await this.drop(entry, 'expired', `not delivered within ${Math.round(OUTBOX_ENTRY_AGE_MS_MAX / 3_600_000)} hours`);
          continue;
        }
        let answer;
        try {
          answer = await api.submitResult(entry.leaseId, entry.output);
        } catch (err) {
          if (!(err instanceof ApiError)) {
            // No answer at all: the network or the server is away, for every entry alike.
            const wait = backoff(Math.min(this.offlineFailures++, 16));
            this.offlineUntil = this.now() + wait;
            this.options.onEvent?.({ type: 'retrying', leaseId: entry.leaseId, inMs: wait, message: describe(err), offline: true });
            return;
          }
          this.offlineFailures = 0;
          if (err.status >= 500 || err.status === 429) {
            entry.attempts++;
            if (entry.attempts >= OUTBOX_SUBMIT_ATTEMPTS_MAX) {
              await this.drop(entry, 'attempts', `the server failed ${entry.attempts} times: ${describe(err)}`);
              continue;
            }
            const wait = backoff(entry.attempts);
            entry.notBefore = this.now() + wait;
            due.notBefore = entry.notBefore;
            await store.put(entry);
            this.options.onEvent?.({ type: 'retrying', leaseId: entry.leaseId, inMs: wait, message: describe(err), offline: false });
            continue;
          }
          await this.drop(entry, 'refused', describe(err));
          continue;
        }
        this.offlineFailures = 0;
        await store.delete(entry.leaseId);
        this.untrack(entry.leaseId);
        if (answer.outcome === 'unit_closed') {
          this.options.onEvent?.({ type: 'dropped', leaseId: entry.leaseId, unitId: entry.unitId, jobId: entry.jobId, reason: 'unit_closed', detail: 'the unit was closed before this result arrived', size: this.size });
        } else {
          this.options.onEvent?.({ type: 'sent', leaseId: entry.leaseId, unitId: entry.unitId, jobId: entry.jobId, outcome: answer.outcome, creditedPoints: answer.creditedPoints, size: this.size });
        }
      }
    } catch (err) {
      // Storage failed under us: try again later rather than lose track.
      if (due) due.notBefore = this.now() + 1000;
      this.options.onEvent?.({ type: 'retrying', leaseId: 0, inMs: 1000, message: describe(err), offline: false });
    } finally {
      this.schedule();
    }
  }

  private async drop(entry: OutboxEntry, reason: DropReason, detail: string): Promise<void> {
    await this.options.store.delete(entry.leaseId);
    this.untrack(entry.leaseId);
    this.options.onEvent?.({ type: 'dropped', leaseId: entry.leaseId, unitId: entry.unitId, jobId: entry.jobId, reason, detail, size: this.size });
  }
}
