/**
 * @module A dedicated module worker that runs kernel units. It computes nothing on its own:
 * the page's pool creates it after the visitor pressed Start and terminates it on Stop,
 * which is also how a unit in progress is cancelled.
 */
import * as Comlink from 'comlink';
import { runKernel } from '../../../shared/kernels/runtime.ts';
import type { KernelWorkerApi } from './kernel-api.ts';

/** Least time between progress reports: ~10 a second is smooth and keeps messages cheap. */
const PROGRESS_INTERVAL_MS = 100;

const api: KernelWorkerApi = {
  async run(module, input, onProgress) {
    let last = -Infinity;
    try {
      const output = await runKernel(module, input, {
        onProgress(done, total) {
          const now = performance.now();
          if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          // Through comlink the call returns a promise; a report that fails is not worth
          // failing the unit for.
          Promise.resolve(onProgress(done, total)).catch(() => undefined);
        },
      });
      // The output is a fresh copy: hand its buffer over instead of cloning it again.
      return Comlink.transfer(output, [output.buffer]);
    } finally {
      // Close the callback's message port now rather than whenever it is collected.
      (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
    }
  },
};

Comlink.expose(api);
