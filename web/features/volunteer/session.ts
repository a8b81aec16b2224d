/**
 * @module One volunteer identity's work on this page, outside Preact: the outbox (which
 * keeps sending stored results whether or not the visitor computes, and from an earlier
 * visit), and, between Start and Stop, the worker pool and the work loop. Kernels compiled
 * once stay for the whole visit; their bytes are kept in IndexedDB for the next.
 */
import type { ApiClient } from '../../../shared/api/client.ts';
import { createKernelSource, type KernelOrigin, type KernelSource } from '../../../shared/volunteer/kernel-source.ts';
import { Outbox, type OutboxEvent } from '../../../shared/volunteer/outbox.ts';
import type { StepControl } from '../../../shared/volunteer/unit-runner.ts';
import { WorkLoop, type WorkEvent } from '../../../shared/volunteer/work-loop.ts';
import { idbKernelCache, idbLeaseStore, idbOutboxStore } from '../../storage/work-store.ts';
import { createExecutorPool, type WorkerExecutor } from './pool.ts';

export interface SessionOptions {
  api: ApiClient;
  volunteerId: string;
  onWork(e: WorkEvent): void;
  onOutbox(e: OutboxEvent): void;
  onKernelLoaded?(kernel: string, origin: KernelOrigin): void;
}

export class VolunteerSession {
  readonly outbox: Outbox;
  private readonly kernels: KernelSource;
  private run: { loop: WorkLoop; pool: WorkerExecutor[] } | undefined;
  private control: StepControl = { paused: false, dutyPercent: 100 };
  private readonly onOnline = () => this.outbox.kick(true);

  constructor(private readonly options: SessionOptions) {
    const { api, volunteerId } = options;
    this.outbox = new Outbox({ api, store: idbOutboxStore(volunteerId), onEvent: (e) => options.onOutbox(e) });
    this.kernels = createKernelSource({
      api,
      cache: idbKernelCache(),
      onLoaded: (ref, origin) => options.onKernelLoaded?.(`${ref.id}@${ref.version}`, origin),
    });
    // Results kept from an earlier visit go out now, before anything is computed.
    void this.outbox.load().catch(() => undefined);
    // Back online: send what waited at once instead of at the end of a backoff.
    window.addEventListener('online', this.onOnline);
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  start(workers: number): void {
    if (this.run) return;
    const { api, volunteerId } = this.options;
    const pool = createExecutorPool(workers);
    // The workers' script loads while the first lease is on its way.
    for (const ex of pool) ex.warm();
    const loop = new WorkLoop({
      api,
      kernels: this.kernels,
      executors: pool,
      outbox: this.outbox,
      leases: idbLeaseStore(volunteerId),
      onEvent: (e) => {
        if (this.run?.loop === loop) this.options.onWork(e);
      },
    });
    loop.setControl(this.control);
    this.run = { loop, pool };
    loop.start();
  }

  setControl(control: StepControl): void {
    this.control = control;
    this.run?.loop.setControl(control);
  }

  /** Stops computing; `abandon` (the Stop button) also forgets the leases held. */
  async stop(abandon: boolean): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    try {
      await run.loop.stop({ abandon });
    } finally {
      for (const ex of run.pool) ex.dispose();
    }
  }

  /** The page is going away: stop without forgetting anything, stop sending. */
  dispose(): void {
    void this.stop(false);
    this.outbox.close();
    window.removeEventListener('online', this.onOnline);
  }
}
