/**
 * @module Tests of the worker-side unit runner on the real Lorenz-96 kernel, with a clock
 * the test drives: output bit-identical to runKernel whatever happens between steps, a pause
 * seen at the next step boundary and holding with no step run, the duty cycle's rest ratio,
 * and the adaptive budget's bounds.
 */
import { describe, expect, it } from 'vitest';
import { encodeL96Input } from '../../shared/kernels/lorenz96.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { KERNEL_STEP_BUDGET_MAX, KERNEL_STEP_BUDGET_MIN, KERNEL_STEP_TARGET_MS } from '../../shared/limits.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { UnitRunner, clampDuty, nextBudget, type RunnerClock } from '../../shared/volunteer/unit-runner.ts';

const input = encodeL96Input({ n: 16, m: 2, steps: 30_000, snapEvery: 10_000, dt: 0.01, forcing: 8, x0: new Float64Array(32).map((_, i) => 8 + Math.sin(i) * 1e-3) });

async function lorenz96(): Promise<WebAssembly.Module> {
  return (await makeTestApp()).kernels.entries.get('lorenz96@1')!.module;
}

/**
 * A clock where every reading advances time by the target step length (so the budget holds
 * still), sleeps advance it by their length, and yields are real macrotasks.
 */
function fakeClock(): RunnerClock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => (t += KERNEL_STEP_TARGET_MS),
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    yieldTask: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('UnitRunner', () => {
  it('pauses at the next step boundary, runs no step while paused, and resumes to the same output', async () => {
    const module = await lorenz96();
    const expected = await runKernel(module, input);
    const clock = fakeClock();
    const runner = new UnitRunner(clock);
    let steps = 0;
    let pausedInfo: { stepsAfterRequest: number; done: number } | undefined;
    let onPaused: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (onPaused = resolve));
    const running = runner.run(
      { module, input },
      {
        onProgress: () => {
          steps++;
          // Asked for as a message would arrive: processed at the runner's next yield.
          if (steps === 3) setImmediate(() => runner.setControl({ paused: true, dutyPercent: 100, requestedAt: clock.now() }));
        },
        onPaused: (info) => {
          pausedInfo = info;
          onPaused();
        },
      },
    );
    await paused;
    expect(pausedInfo!.stepsAfterRequest).toBeLessThanOrEqual(1);
    const atPause = steps;
    for (let i = 0; i < 20; i++) await macrotask();
    expect(steps).toBe(atPause);
    runner.setControl({ paused: false, dutyPercent: 100 });
    const { output, stats } = await running;
    expect(Buffer.from(output).equals(Buffer.from(expected))).toBe(true);
    expect(stats.steps).toBe(steps);
    expect(stats.pausedMs).toBeGreaterThan(0);
  });

  it('rests in proportion to the throttle', async () => {
    const module = await lorenz96();
    const clock = fakeClock();
    const runner = new UnitRunner(clock);
    runner.setControl({ paused: false, dutyPercent: 25 });
    const { stats } = await runner.run({ module, input });
    // 25% duty: three times as long resting as computing (within one rest's rounding).
    expect(stats.restMs / stats.kernelMs).toBeGreaterThan(2.5);
    expect(stats.restMs / stats.kernelMs).toBeLessThan(3.5);
    const full = new UnitRunner(fakeClock());
    expect((await full.run({ module, input })).stats.restMs).toBe(0);
  });

  it('stops at the next step with an AbortError when cancelled', async () => {
    const module = await lorenz96();
    const runner = new UnitRunner(fakeClock());
    const running = runner.run({ module, input }, { onProgress: () => runner.cancel() });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('steers the budget towards the target step length, within bounds', () => {
    expect(nextBudget(1000, KERNEL_STEP_TARGET_MS)).toBe(1000);
    expect(nextBudget(1000, KERNEL_STEP_TARGET_MS / 2)).toBe(2000);
    expect(nextBudget(1000, 0)).toBe(4000);
    expect(nextBudget(1000, 1e6)).toBe(250);
    expect(nextBudget(KERNEL_STEP_BUDGET_MAX, 0)).toBe(KERNEL_STEP_BUDGET_MAX);
    expect(nextBudget(KERNEL_STEP_BUDGET_MIN, 1e6)).toBe(KERNEL_STEP_BUDGET_MIN);
    expect(clampDuty(0)).toBe(10);
    expect(clampDuty(Number.NaN)).toBe(100);
    expect(clampDuty(55.4)).toBe(55);
  });
});
