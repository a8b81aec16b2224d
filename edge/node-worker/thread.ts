/**
 * @module Body of one worker thread: runs units on kernel modules through the same runtime
 * as the browser's Web Workers, exposed over comlink.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { runKernel } from '../../shared/kernels/runtime.ts';

/** Progress reports per second a thread sends, at most. */
const PROGRESS_PER_S_MAX = 10;

export const threadApi = {
  async run(module: WebAssembly.Module, input: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
    let last = 0;
    const output = await runKernel(module, input, {
      onProgress(done, total) {
        const t = performance.now();
        if (onProgress && (t - last >= 1000 / PROGRESS_PER_S_MAX || done === total)) {
          last = t;
          void onProgress(done, total);
        }
      },
    });
    return Comlink.transfer(output, [output.buffer]);
  },
};
export type ThreadApi = typeof threadApi;

if (parentPort) Comlink.expose(threadApi, nodeEndpoint(parentPort));
