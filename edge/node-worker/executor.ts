/**
 * @module `UnitExecutor`s backed by Node worker threads, for the Node volunteer worker and
 * load tests. Cancel terminates the thread; the next unit starts a fresh one.
 */
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { UNIT_CANCELLED, abortError } from '../../shared/abort.ts';
import type { StepControl } from '../../shared/volunteer/unit-runner.ts';
import type { UnitExecutor } from '../../shared/volunteer/work-loop.ts';
import type { ThreadApi } from './thread.ts';

/**
 * The thread's body is TypeScript: the thread registers tsx's loader itself before importing
 * it, since loader hooks of the launching process do not reach worker threads on Node 20.
 */
const THREAD_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./thread.ts', import.meta.url).href)}); })`;

/** One worker thread as an executor. */
export function createThreadExecutor(): UnitExecutor & { close(): Promise<void> } {
  let worker: Worker | undefined;
  let remote: Comlink.Remote<ThreadApi> | undefined;
  let control: StepControl = { paused: false, dutyPercent: 100 };
  // Settles the unit in progress when the thread is terminated under it (comlink's promise never would).
  let fail: ((err: unknown) => void) | undefined;

  function ensure(): Comlink.Remote<ThreadApi> {
    if (!remote) {
      worker = new Worker(THREAD_BOOT, { eval: true });
      remote = Comlink.wrap<ThreadApi>(nodeEndpoint(worker));
      void remote.control(control);
    }
    return remote;
  }

  return {
    async run(task, hooks) {
      const onProgress = hooks.onProgress ?? (() => undefined);
      const gone = new Promise<never>((_, reject) => {
        fail = reject;
      });
      try {
        return await Promise.race([ensure().run(task, Comlink.proxy(onProgress)), gone]);
      } finally {
        fail = undefined;
      }
    },
    control(next) {
      control = next;
      if (remote) void remote.control(next).catch(() => undefined);
    },
    cancel() {
      void worker?.terminate();
      worker = undefined;
      remote = undefined;
      fail?.(abortError(UNIT_CANCELLED));
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
      remote = undefined;
    },
  };
}
