/**
 * @module The volunteer work loop against the real coordinator, in-process (edge/testing.ts):
 * prefetch while computing, results through the outbox, pause, and a held lease resumed after
 * a reload. Its helpers are tested beside it (shared/volunteer/work-loop.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { makeTestApp } from '../../edge/testing.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import type { KernelSource } from '../../shared/volunteer/kernel-source.ts';
import { Outbox, memoryOutboxStore } from '../../shared/volunteer/outbox.ts';
import { WorkLoop, memoryLeaseStore, type UnitExecutor, type WorkEvent } from '../../shared/volunteer/work-loop.ts';

describe('WorkLoop against the real coordinator (in-process)', () => {
  /** An executor the test drives: each run waits until the test releases it. */
  function gatedExecutor(module: WebAssembly.Module) {
    const waiting: (() => void)[] = [];
    let cancelRun: ((err: Error) => void) | undefined;
    let runs = 0;
    const executor: UnitExecutor = {
      async run(task) {
        runs++;
        await new Promise<void>((resolve, reject) => {
          waiting.push(resolve);
          cancelRun = reject;
        });
        const output = await runKernel(module, task.input);
        return { output, stats: { kernelMs: 1, wallMs: 1, pausedMs: 0, restMs: 0, steps: 1 } };
      },
      control: () => undefined,
      cancel: () => {
        waiting.splice(0);
        cancelRun?.(new DOMException('cancelled', 'AbortError'));
      },
    };
    return { executor, release: () => waiting.shift()?.(), get runs() { return runs; }, get waiting() { return waiting.length; } };
  }

  async function setup() {
    const t = await makeTestApp();
    const { apiKey } = await t.client().createCustomer('Loop Co');
    await t.client(apiKey).createJob({ kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 10, members: 4, membersPerUnit: 1 } });
    const api = t.client((await t.client().createVolunteer()).token);
    const module = t.kernels.entries.get('lorenz96@1')!.module;
    const events: WorkEvent[] = [];
    const outbox = new Outbox({ api, store: memoryOutboxStore() });
    const kernels = { get: async () => module } as unknown as KernelSource;
    return { t, api, module, events, outbox, kernels };
  }

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
    expect(cond()).toBe(true);
  };

  it('holds the next unit while computing one, and sends each result through the outbox', async () => {
    const { api, module, events, outbox, kernels } = await setup();
    const gated = gatedExecutor(module);
    const loop = new WorkLoop({ api, kernels, executors: [gated.executor], outbox, onEvent: (e) => events.push(e), unitsPerSlotMax: 3 });
    loop.start();
    await until(() => gated.waiting === 1);
    // While unit 1 computes, unit 2 is already leased: the worker will not wait on the network.
    await until(() => events.some((e) => e.type === 'leased' && e.prefetched));
    const leased = events.filter((e) => e.type === 'leased');
    expect(leased).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      await until(() => gated.waiting === 1);
      gated.release();
    }
    await loop.finished();
    await outbox.drained();
    expect(events.filter((e) => e.type === 'computed')).toHaveLength(3);
    // Never more than one unit beyond the limit was held.
    expect(events.filter((e) => e.type === 'leased')).toHaveLength(3);
    expect((await api.me()).resultsPending).toBe(3);
  });

  it('leases nothing while paused, and resumes a held lease after a "reload"', async () => {
    const { api, module, events, outbox, kernels } = await setup();
    const leases = memoryLeaseStore();
    const gated = gatedExecutor(module);
    const first = new WorkLoop({ api, kernels, executors: [gated.executor], outbox, leases, onEvent: (e) => events.push(e), prefetch: false });
    first.setControl({ paused: true, dutyPercent: 100 });
    first.start();
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.type === 'leased')).toEqual([]);
    first.setControl({ paused: false, dutyPercent: 100 });
    await until(() => gated.waiting === 1);
    const held = (await leases.list()).map((h) => h.lease.leaseId);
    expect(held).toHaveLength(1);
    await first.stop(); // the page goes away mid-unit: the lease stays stored

    const resumedExecutor = gatedExecutor(module);
    const second = new WorkLoop({ api, kernels, executors: [resumedExecutor.executor], outbox, leases, onEvent: (e) => events.push(e), prefetch: false, unitsPerSlotMax: 1 });
    second.start();
    await until(() => resumedExecutor.waiting === 1);
    expect(events.find((e) => e.type === 'resumed')).toMatchObject({ lease: { leaseId: held[0] } });
    resumedExecutor.release();
    await second.finished();
    await outbox.drained();
    expect(await leases.list()).toEqual([]);
  });
});
