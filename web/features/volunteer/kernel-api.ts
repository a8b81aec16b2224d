/**
 * @module The interface the kernel worker exposes over comlink, shared by the worker (which
 * implements it) and the pool (which calls it), so neither realm imports the other's code.
 */
import type { PausedInfo, StepControl, UnitResult, UnitTask } from '../../../shared/volunteer/unit-runner.ts';

/** Callbacks of one unit; they arrive in the worker as comlink proxies. */
export interface KernelWorkerHooks {
  onProgress(done: number, total: number): unknown;
  onPaused(info: PausedInfo): unknown;
  onCheckpoint(image: Uint8Array, done: number): unknown;
}

export interface KernelWorkerApi {
  /** Runs one unit on a fresh instance of `task.module` and resolves with its output and timings. */
  run(task: UnitTask, hooks: KernelWorkerHooks): Promise<UnitResult>;
  /** Pause, resume or throttle; seen between two kernel steps. */
  control(control: StepControl): void;
}
