/**
 * @module Tests of the optional checkpoint ABI (runtime.ts): a tiny counter kernel,
 * compiled here with the AssemblyScript compiler, is stopped mid-unit, checkpointed,
 * restored into a fresh instance and finished, with the same output as an uninterrupted run;
 * the unit runner hands out checkpoints as it computes. Lorenz-96 has no checkpoints.
 */
import { describe, expect, it } from 'vitest';
import asc from 'assemblyscript/asc';
import { CHECKPOINT_INTERVAL_MS } from '../limits.ts';
import { UnitRunner } from '../volunteer/unit-runner.ts';
import { runKernel, startKernel } from './runtime.ts';

const SOURCE = `
let inPtr: usize = 0;
let n: u32 = 0;
let done: u32 = 0;
let acc: u64 = 0;
@inline function base(): usize { return (__heap_base + 15) & ~(<usize>15); }
export function input_alloc(len: usize): usize { if (memory.size() < 1) memory.grow(1); inPtr = base() + 64; return inPtr; }
export function init(): i32 { n = load<u32>(inPtr); return 0; }
export function step(budget: i32): i32 {
  for (let i = 0; i < budget && done < n; i++) { acc = acc * 6364136223846793005 + 1442695040888963407 + <u64>done; done++; }
  if (done < n) return 1;
  store<u64>(base() + 128, acc);
  return 0;
}
export function work_done(): f64 { return <f64>done; }
export function work_total(): f64 { return <f64>n; }
export function output_ptr(): usize { return base() + 128; }
export function output_len(): usize { return 8; }
export function checkpoint_save(): i32 { const b = base(); store<u32>(b, n); store<u32>(b + 4, done); store<u64>(b + 8, acc); store<usize>(b + 16, inPtr); return 0; }
export function checkpoint_restore(): i32 { const b = base(); n = load<u32>(b); done = load<u32>(b + 4); acc = load<u64>(b + 8); inPtr = load<usize>(b + 16); return 0; }
`;

async function counterKernel(): Promise<WebAssembly.Module> {
  const { binary, error, stderr } = await asc.compileString(SOURCE, { runtime: 'stub', optimizeLevel: 2 });
  if (!binary) throw new Error(`asc failed: ${error?.message} ${stderr.toString()}`);
  return WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
}

const input = new Uint8Array(new Uint32Array([100_000]).buffer);

describe('kernel checkpoints', () => {
  it('restores a checkpoint into a fresh instance and finishes bit-identically', async () => {
    const module = await counterKernel();
    const expected = await runKernel(module, input, { budget: 777 });
    const run = await startKernel(module, input);
    expect(run.checkpointable).toBe(true);
    for (let i = 0; i < 10; i++) run.step(1000);
    const cp = run.checkpoint()!;
    expect(cp.done).toBe(10_000);
    const resumed = await startKernel(module, new Uint8Array(0), { checkpoint: cp.image });
    expect(resumed.done).toBe(10_000);
    while (!resumed.step(5000));
    expect(resumed.output()).toEqual(expected);
  }, 60_000);

  it('has the unit runner hand out checkpoints while it computes', async () => {
    const module = await counterKernel();
    let t = 0;
    // Every clock reading is a long step, so a checkpoint falls due every few steps.
    const runner = new UnitRunner({ now: () => (t += CHECKPOINT_INTERVAL_MS / 4), sleep: async () => undefined, yieldTask: () => new Promise((r) => setImmediate(r)) });
    const points: number[] = [];
    const { output } = await runner.run({ module, input }, { onCheckpoint: (_image, done) => points.push(done) });
    expect(points.length).toBeGreaterThan(0);
    expect(output).toEqual(await runKernel(module, input));
  }, 60_000);
});
