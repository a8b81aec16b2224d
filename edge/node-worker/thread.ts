/**
 * @module Body of one worker thread: runs units on kernel modules through the same runner as
 * the browser's Web Workers (shared/volunteer/unit-runner.ts), exposed over comlink.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { UnitRunner, type StepControl, type UnitResult, type UnitTask } from '../../shared/volunteer/unit-runner.ts';

/** Progress reports per second a thread sends, at most. */
const PROGRESS_PER_S_MAX = 10;

const runner = new UnitRunner({
  // setImmediate runs after pending port messages, so a control message is seen between steps.
  yieldTask: () => new Promise((resolve) => setImmediate(resolve)),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => performance.timeOrigin + performance.now(),
});

export const threadApi = {
  async run(task: UnitTask, onProgress?: (done: number, total: number) => void): Promise<UnitResult> {
    let last = 0;
    const result = await runner.run(task, {
      onProgress(done, total) {
        const t = performance.now();
        if (onProgress && (t - last >= 1000 / PROGRESS_PER_S_MAX || done === total)) {
          last = t;
          void onProgress(done, total);
        }
      },
    });
    return Comlink.transfer(result, [result.output.buffer]);
  },
  control(control: StepControl): void {
    runner.setControl(control);
  },
};
export type ThreadApi = typeof threadApi;

if (parentPort) Comlink.expose(threadApi, nodeEndpoint(parentPort));
