/**
 * @module The align kernel's exponential (fdlibm e_exp.c's algorithm): the AssemblyScript one
 * (compiled alone from assembly/exp-probe.ts, by the build's own compiler thread) bit for bit
 * equal to the TypeScript twin, and both within 1 ulp of V8's Math.exp over the whole range.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/random.ts';
import { fdexp } from './exp.ts';

/** Random arguments drawn per range. */
const DRAWS_PER_RANGE = 40_000;

let asExp: (x: number) => number;
beforeAll(async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'align-exp-')), 'exp.wasm');
  const args = [join(import.meta.dirname, 'assembly', 'exp-probe.ts'), '--outFile', out, '-O3', '--runtime', 'stub', '--noAssert', '--noColors'];
  const worker = new Worker(new URL('../asc.thread.mjs', import.meta.url), { execArgv: [], workerData: { args } });
  const reply = await new Promise<{ error: string | null; stderr: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (reply.error) throw new Error(`${reply.error}\n${reply.stderr}`);
  const { instance } = await WebAssembly.instantiate(readFileSync(out), { env: { abort: () => { throw new Error('abort'); } } });
  asExp = instance.exports.exp as (x: number) => number;
}, 120_000);

/** The distance in units in the last place between two finite doubles of the same sign. */
function ulps(a: number, b: number): number {
  const v = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = v[0]! - v[1]!;
  return Number(d < 0n ? -d : d);
}

/** Arguments over every branch: the model's range [−700, 0], tiny, near the k = ±1 band, near over- and underflow, special values. */
function samples(): number[] {
  const xs = [0, -0, 1, -1, 0.5, -0.5, 2 ** -28, -(2 ** -28), 2 ** -29, 0.3465735902799726, 0.34657359027997264, 1.0397207708399179, 709.782712893384, 709.7827128933841, -708.3964185322641, -745.1332191019411, -745.1332191019412, -746, 1000, -1000, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE];
  const random = mulberry32(2013);
  const ranges: [number, number][] = [[-700, 0], [-1e-6, 1e-6], [-1.1, 1.1], [-745.2, -700], [700, 709.8], [-50, 50]];
  for (const [lo, hi] of ranges) for (let i = 0; i < DRAWS_PER_RANGE; i++) xs.push(lo + (hi - lo) * random());
  return xs;
}

describe('the kernel exponential (fdlibm e_exp.c)', () => {
  const xs = samples();

  it('is bit for bit the same in AssemblyScript and TypeScript', () => {
    for (const x of xs) expect(Object.is(asExp(x), fdexp(x)), `exp(${x})`).toBe(true);
  });

  it('is within 1 ulp of Math.exp everywhere, and equal to it almost everywhere', () => {
    let differ = 0;
    for (const x of xs) {
      const mine = fdexp(x);
      const v8 = Math.exp(x);
      if (Object.is(mine, v8)) continue;
      differ++;
      expect(Number.isFinite(v8) && ulps(mine, v8), `exp(${x}) = ${mine}, Math.exp ${v8}`).toBe(1);
    }
    // V8's Math.exp is fdlibm's too, with exp(1) answered as Math.E (1 ulp below fdlibm's).
    expect(fdexp(1)).toBe(2.7182818284590455);
    expect(differ).toBeLessThanOrEqual(xs.length / 1000);
  });

  it('keeps the special values', () => {
    expect(fdexp(-Infinity)).toBe(0);
    expect(fdexp(Infinity)).toBe(Infinity);
    expect(Number.isNaN(fdexp(NaN))).toBe(true);
    expect(fdexp(710)).toBe(Infinity);
    expect(fdexp(-746)).toBe(0);
    expect(fdexp(-0)).toBe(1);
    // The smallest subnormal, 2^−1074, rounds from exp(−744.44…).
    expect(fdexp(-744.44)).toBe(Number.MIN_VALUE);
  });
});
