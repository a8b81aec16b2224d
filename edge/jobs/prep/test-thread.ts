/**
 * @module A job-body thread for tests: as each body arrives it counts it (`gate[1]`) and then
 * waits until the test opens the gate (`gate[0]` set to 1), so a test can hold a body on its
 * thread and look at the edge meanwhile. The gate is an Int32Array over the
 * SharedArrayBuffer passed as `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveBodies } from './serve.ts';

/** Bound of one wait, so a test that forgets to open the gate ends. */
const GATE_WAIT_MS_MAX = 60_000;

const gate = new Int32Array(workerData as SharedArrayBuffer);
if (parentPort) {
  serveBodies(parentPort, () => {
    Atomics.add(gate, 1, 1);
    Atomics.wait(gate, 0, 0, GATE_WAIT_MS_MAX);
  });
}
