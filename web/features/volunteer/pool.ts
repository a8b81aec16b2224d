/**
 * @module The browser's unit executors: one dedicated Web Worker each, created on first use.
 * Cancelling terminates the worker, which is a real cancel of WebAssembly work (a running
 * `step` cannot be interrupted any other way); the next unit starts a fresh worker. The
 * compiled `WebAssembly.Module` is posted to the worker with each unit: structured cloning
 * shares the compiled code, nothing is compiled again.
 */
import * as Comlink from 'comlink';
import { UNIT_CANCELLED, abortError } from '../../../shared/abort.ts';
import type { StepControl } from '../../../shared/volunteer/unit-runner.ts';
import type { UnitExecutor } from '../../../shared/volunteer/work-loop.ts';
import type { KernelWorkerApi, KernelWorkerHooks } from './kernel-api.ts';

/** A {@link UnitExecutor} that can also let go of its worker when the pool is discarded. */
export interface WorkerExecutor extends UnitExecutor {
  /** Starts the worker now (so its script loads while the first unit is being leased). */
  warm(): void;
  dispose(): void;
}

/** One executor backed by one lazily created module worker. */
export function createWorkerExecutor(): WorkerExecutor {
  let worker: Worker | undefined;
  let remote: Comlink.Remote<KernelWorkerApi> | undefined;
  let control: StepControl = { paused: false, dutyPercent: 100 };
  // Settles the unit in progress when the worker goes away under it: terminate() and a
  // worker that failed to load both leave comlink's promise pending forever.
  let fail: ((err: unknown) => void) | undefined;

  function stopWorker(): void {
    worker?.terminate();
    worker = undefined;
    remote = undefined;
  }

  function start(): Comlink.Remote<KernelWorkerApi> {
    const w = new Worker(new URL('./kernel.worker.ts', import.meta.url), { type: 'module', name: 'kernel' });
    w.addEventListener('error', (e) => {
      // A script error inside the worker (it failed to load, or threw outside a call).
      e.preventDefault();
      if (worker !== w) return;
      stopWorker();
      fail?.(new Error(`the kernel worker failed${e.message ? `: ${e.message}` : ''}`));
    });
    worker = w;
    remote = Comlink.wrap<KernelWorkerApi>(w);
    void remote.control(control);
    return remote;
  }

  return {
    async run(task, hooks) {
      if (fail) throw new Error('this executor is already running a unit');
      const r = remote ?? start();
      const gone = new Promise<never>((_, reject) => {
        fail = reject;
      });
      const proxied: KernelWorkerHooks = {
        onProgress: (done, total) => hooks.onProgress?.(done, total),
        onPaused: (info) => hooks.onPaused?.(info),
        onCheckpoint: (image, done) => hooks.onCheckpoint?.(image, done),
      };
      try {
        // Errors thrown in the worker arrive as plain Errors with the original `name`.
        return await Promise.race([r.run(task, Comlink.proxy(proxied)), gone]);
      } finally {
        fail = undefined;
      }
    },
    control(next) {
      control = next;
      if (remote) remote.control(next).catch(() => undefined);
    },
    warm() {
      if (!remote) start();
    },
    cancel() {
      if (!worker) return;
      stopWorker();
      fail?.(abortError(UNIT_CANCELLED));
    },
    dispose() {
      stopWorker();
      fail?.(abortError(UNIT_CANCELLED));
    },
  };
}

/** `count` executors, one worker each; no worker starts until a unit runs (or `warm`). */
export function createExecutorPool(count: number): WorkerExecutor[] {
  return Array.from({ length: count }, () => createWorkerExecutor());
}
