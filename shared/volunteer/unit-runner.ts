/**
 * @module The worker side of running a unit (a browser Web Worker or a Node worker thread):
 * steps the kernel with a budget adapted so one step lasts about KERNEL_STEP_TARGET_MS,
 * yields to the worker's event loop after every step so a control message (pause, throttle)
 * takes effect before the next one, rests between steps to hold a duty cycle, and while
 * paused waits on a promise: no timer, no busy loop, no CPU. Progress, checkpoints and
 * pause acknowledgements go back through callbacks.
 */
import { UNIT_CANCELLED, abortError } from '../abort.ts';
import {
  CHECKPOINT_INTERVAL_MS,
  DUTY_PERCENT_MIN,
  DUTY_REST_MAX_MS,
  DUTY_REST_MIN_MS,
  KERNEL_STEP_BUDGET_DEFAULT,
  KERNEL_STEP_BUDGET_MAX,
  KERNEL_STEP_BUDGET_MIN,
  KERNEL_STEP_TARGET_MS,
} from '../limits.ts';
import { startKernel } from '../kernels/runtime.ts';

/** What the page asks of a worker; applies between two steps. */
export interface StepControl {
  paused: boolean;
  /** Share of the time the worker may compute, DUTY_PERCENT_MIN…100. */
  dutyPercent: number;
  /** When the change was asked for (epoch ms), to count steps begun after it. */
  requestedAt?: number;
}

/** A unit to run. */
export interface UnitTask {
  module: WebAssembly.Module;
  input: Uint8Array;
  /** A memory image from an earlier checkpoint of this unit, to resume from. */
  checkpoint?: Uint8Array;
}

/** How a unit went, measured in the worker. */
export interface UnitStats {
  /** Time inside `step` calls. */
  kernelMs: number;
  /** From the call to the output, pauses and rests included. */
  wallMs: number;
  /** Time waiting while paused. */
  pausedMs: number;
  /** Time resting for the duty cycle. */
  restMs: number;
  steps: number;
}

export interface UnitResult {
  output: Uint8Array;
  stats: UnitStats;
}

/** A pause took effect: `stepsAfterRequest` steps began after it was asked for (0 or 1 expected). */
export interface PausedInfo {
  done: number;
  total: number;
  stepsAfterRequest: number;
}

export interface UnitHooks {
  onProgress?: (done: number, total: number) => void;
  onCheckpoint?: (image: Uint8Array, done: number) => void;
  onPaused?: (info: PausedInfo) => void;
}

/** The realm's ways to wait: a macrotask yield (lets messages in) and a sleep. */
export interface RunnerClock {
  yieldTask(): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Epoch milliseconds with sub-millisecond resolution. */
  now(): number;
}

/** Clamps a throttle to the allowed range; anything unreadable means full speed. */
export function clampDuty(percent: number): number {
  return Number.isFinite(percent) ? Math.min(100, Math.max(DUTY_PERCENT_MIN, Math.round(percent))) : 100;
}

/** The next budget, steering one step towards KERNEL_STEP_TARGET_MS (at most ×4 per step). */
export function nextBudget(budget: number, stepMs: number): number {
  const factor = Math.min(4, Math.max(0.25, KERNEL_STEP_TARGET_MS / Math.max(stepMs, 0.01)));
  return Math.min(KERNEL_STEP_BUDGET_MAX, Math.max(KERNEL_STEP_BUDGET_MIN, Math.round(budget * factor)));
}

/** One per worker: runs one unit at a time under the latest {@link StepControl}. */
export class UnitRunner {
  private control: StepControl = { paused: false, dutyPercent: 100 };
  private wake: (() => void) | undefined;
  private cancelled = false;
  /** Budgets carry over between units of one worker: the device's speed does not change. */
  private budget = KERNEL_STEP_BUDGET_DEFAULT;

  constructor(private readonly clock: RunnerClock) {}

  setControl(control: StepControl): void {
    this.control = { ...control, dutyPercent: clampDuty(control.dutyPercent) };
    this.wake?.();
  }

  /** Stops the unit in progress at the next step boundary with an AbortError. */
  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  /** Waits until the control changes, or `ms` passes when given. */
  private waitForChange(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      if (ms !== undefined) void this.clock.sleep(ms).then(() => this.wake === done && done());
    });
  }

  async run(task: UnitTask, hooks: UnitHooks = {}): Promise<UnitResult> {
    const { clock } = this;
    this.cancelled = false;
    const started = clock.now();
    const stats: UnitStats = { kernelMs: 0, wallMs: 0, pausedMs: 0, restMs: 0, steps: 0 };
    const run = await startKernel(task.module, task.input, task.checkpoint ? { checkpoint: task.checkpoint } : {});
    let restDebtMs = 0;
    let sinceCheckpointMs = 0;
    const stepStarts: number[] = [];
    for (;;) {
      if (this.cancelled) throw abortError(UNIT_CANCELLED);
      if (this.control.paused) {
        const askedAt = this.control.requestedAt ?? Infinity;
        hooks.onPaused?.({ done: run.done, total: run.total, stepsAfterRequest: stepStarts.filter((t) => t >= askedAt).length });
        const pausedAt = clock.now();
        while (this.control.paused && !this.cancelled) await this.waitForChange();
        stats.pausedMs += clock.now() - pausedAt;
        restDebtMs = 0;
        continue;
      }
      const t0 = clock.now();
      const finished = run.step(this.budget);
      const stepMs = clock.now() - t0;
      stats.kernelMs += stepMs;
      stats.steps++;
      // The two latest step starts are all a pause acknowledgement needs.
      stepStarts.push(t0);
      if (stepStarts.length > 2) stepStarts.shift();
      this.budget = nextBudget(this.budget, stepMs);
      hooks.onProgress?.(run.done, run.total);
      if (finished) break;
      sinceCheckpointMs += stepMs;
      if (hooks.onCheckpoint && run.checkpointable && sinceCheckpointMs >= CHECKPOINT_INTERVAL_MS) {
        sinceCheckpointMs = 0;
        const cp = run.checkpoint();
        if (cp) hooks.onCheckpoint(cp.image, cp.done);
      }
      const duty = this.control.dutyPercent;
      if (duty < 100) restDebtMs += (stepMs * (100 - duty)) / duty;
      if (restDebtMs >= DUTY_REST_MIN_MS) {
        const r0 = clock.now();
        // A control change (pause, new throttle) ends the rest early.
        await this.waitForChange(Math.min(restDebtMs, DUTY_REST_MAX_MS));
        const rested = clock.now() - r0;
        stats.restMs += rested;
        restDebtMs = Math.max(-DUTY_REST_MAX_MS, restDebtMs - rested);
      } else {
        // Let control messages in: they are only seen between steps.
        await clock.yieldTask();
      }
    }
    const output = run.output();
    stats.wallMs = clock.now() - started;
    return { output, stats };
  }
}
