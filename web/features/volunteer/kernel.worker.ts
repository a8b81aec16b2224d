/**
 * @module A dedicated module worker that runs kernel units. It computes nothing on its own:
 * the page's pool creates it after the visitor pressed Start and terminates it on Stop,
 * which is also how a unit in progress is cancelled. Between two kernel steps it yields to
 * its event loop, so a pause or throttle message from the page applies before the next step;
 * paused, it waits on a promise and uses no CPU.
 */
import * as Comlink from 'comlink';
import { UnitRunner } from '../../../shared/volunteer/unit-runner.ts';
import type { KernelWorkerApi } from './kernel-api.ts';

/** Least time between progress reports: ~10 a second is smooth and keeps messages cheap. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * A macrotask yield through a MessageChannel: unlike setTimeout(0) it is not clamped to
 * 4 ms after a few nestings, and unlike a resolved promise it lets queued messages run.
 */
const channel = new MessageChannel();
const yields: (() => void)[] = [];
channel.port1.onmessage = () => yields.shift()?.();

const runner = new UnitRunner({
  yieldTask: () =>
    new Promise<void>((resolve) => {
      yields.push(resolve);
      channel.port2.postMessage(null);
    }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => performance.timeOrigin + performance.now(),
});

/** Hooks through comlink return promises; a report that fails is not worth failing the unit for. */
function quietly(call: () => unknown): void {
  Promise.resolve()
    .then(call)
    .catch(() => undefined);
}

const api: KernelWorkerApi = {
  async run(task, hooks) {
    let last = -Infinity;
    try {
      const result = await runner.run(task, {
        onProgress(done, total) {
          const now = performance.now();
          if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          quietly(() => hooks.onProgress(done, total));
        },
        onPaused: (info) => quietly(() => hooks.onPaused(info)),
        onCheckpoint: (image, done) => quietly(() => hooks.onCheckpoint(Comlink.transfer(image, [image.buffer]), done)),
      });
      // The output is a fresh copy: hand its buffer over instead of cloning it again.
      return Comlink.transfer(result, [result.output.buffer]);
    } finally {
      // Close the callbacks' message port now rather than whenever it is collected.
      (hooks as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
    }
  },
  control(control) {
    runner.setControl(control);
  },
};

Comlink.expose(api);
