/**
 * @module The Lorenz-96 kernel against its TypeScript reference (byte for byte, whatever the
 * step budget), its NaN canonicalisation, its refusal codes, and a property of the physics:
 * the leading Lyapunov exponent of the chaotic F = 8 system.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_NAN_BITS, type KernelExports } from '../../shared/kernels/abi.ts';
import { decodeL96Output, encodeL96Input, l96OutputBytes, type L96UnitInput } from '../../shared/kernels/lorenz96.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { mulberry32 } from '../../shared/random.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import * as codes from './codes.ts';
import { l96InputProblem, lorenz96Reference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'lorenz96', 1);
});

/** A unit's numbers but its initial states. */
type Shape = Omit<L96UnitInput, 'x0'>;

/** A unit whose members start at F plus a seeded perturbation of ±0.5. */
function unit(s: Shape, seed = 1): Uint8Array {
  const rand = mulberry32(seed);
  const x0 = new Float64Array(s.n * s.m).map(() => s.forcing + rand() - 0.5);
  return encodeL96Input({ ...s, x0 });
}

const CASES: Record<string, Shape> = {
  'n = 4, the smallest ring': { n: 4, m: 3, steps: 200, snapEvery: 50, dt: 0.05, forcing: 8 },
  'n = 5, odd, one snapshot': { n: 5, m: 2, steps: 97, snapEvery: 97, dt: 0.02, forcing: 3.5 },
  'n = 37, a snapshot every step': { n: 37, m: 4, steps: 120, snapEvery: 1, dt: 0.01, forcing: 8 },
  'n = 40, the classic system': { n: 40, m: 5, steps: 1000, snapEvery: 100, dt: 0.01, forcing: 8 },
  'n = 129, odd and wide': { n: 129, m: 2, steps: 64, snapEvery: 8, dt: 0.005, forcing: 12 },
};

describe('lorenz96 kernel', () => {
  describe.each(Object.entries(CASES))('%s', (_name, shape) => {
    const input = unit(shape);
    const expected = lorenz96Reference(input);

    it.each([1, 7, 2 ** 40])('matches the reference byte for byte with budget %d', async (budget) => {
      let last = [0, -1];
      const output = await runKernel(kernel, input, { budget, onProgress: (done, total) => (last = [done, total]) });
      expect(output.byteLength).toBe(l96OutputBytes(shape.n, shape.m, shape.steps, shape.snapEvery));
      expect(output).toEqual(expected);
      expect(last).toEqual([shape.m * shape.steps, shape.m * shape.steps]);
    });
  });

  it('does at most `budget` member-steps per call and nothing for a budget below 1', async () => {
    const k = await instantiate(unit({ n: 6, m: 2, steps: 10, snapEvery: 5, dt: 0.01, forcing: 8 }));
    expect(k.init()).toBe(0);
    expect(k.work_total()).toBe(20);
    expect([k.step(0), k.work_done()]).toEqual([1, 0]);
    expect([k.step(NaN), k.work_done()]).toEqual([1, 0]);
    expect([k.step(7), k.work_done()]).toEqual([1, 7]);
    expect([k.step(7), k.work_done()]).toEqual([1, 14]);
    expect([k.step(7), k.work_done()]).toEqual([0, 20]);
    expect([k.step(7), k.work_done()]).toEqual([0, 20]);
  });

  it('writes every NaN of an overflowing run as the canonical NaN, like the reference', async () => {
    // States spread over [0, F): the quadratic term overflows to ∞ at once, then ∞ − ∞ = NaN.
    const rand = mulberry32(3);
    const x0 = new Float64Array(16).map(() => 1e300 * rand());
    const input = encodeL96Input({ n: 8, m: 2, steps: 200, snapEvery: 50, dt: 0.1, forcing: 1e300, x0 });
    const output = await runKernel(kernel, input, { budget: 33 });
    expect(output).toEqual(lorenz96Reference(input));
    const view = new DataView(output.buffer);
    const words = Array.from({ length: output.byteLength / 8 }, (_, i) => view.getBigUint64(8 * i, true));
    const nans = words.filter((w) => (w & 0x7ff0000000000000n) === 0x7ff0000000000000n && (w & 0xfffffffffffffn) !== 0n);
    // The run must really overflow, or this test proves nothing.
    expect(nans.length).toBeGreaterThan(words.length / 2);
    expect(new Set(nans)).toEqual(new Set([CANONICAL_NAN_BITS]));
  });
});

/** A fresh instance with `input` copied in, driven by hand through the raw ABI. */
async function instantiate(input: Uint8Array): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(kernel, { env: { abort: () => { throw new Error('abort'); } } });
  const k = instance.exports as unknown as KernelExports;
  // input_alloc may grow (and so detach) the memory: take the buffer only after it.
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  return k;
}

describe('lorenz96 kernel refusals', () => {
  const good: Shape = { n: 8, m: 2, steps: 12, snapEvery: 4, dt: 0.01, forcing: 8 };
  const withWord = (at: number, value: number) => {
    const bytes = unit(good);
    new DataView(bytes.buffer).setUint32(at, value, true);
    return bytes;
  };
  const withFloat = (at: number, value: number) => {
    const bytes = unit(good);
    new DataView(bytes.buffer).setFloat64(at, value, true);
    return bytes;
  };
  // n = 2^31 and m = 2^30 make 8·n·m = 2^64, which wraps to 0 in u64: a bare header must not pass.
  const wrapping = unit(good).slice(0, 40);
  new DataView(wrapping.buffer).setUint32(4, 2 ** 31, true);
  new DataView(wrapping.buffer).setUint32(8, 2 ** 30, true);
  const BAD: [string, Uint8Array, number][] = [
    ['a truncated header', unit(good).subarray(0, 39), codes.L96_ERR_SHORT_INPUT],
    ['layout 2', withWord(0, 2), codes.L96_ERR_LAYOUT],
    ['n = 3', unit({ ...good, n: 3 }), codes.L96_ERR_VARS],
    ['no members', unit({ ...good, m: 0 }), codes.L96_ERR_MEMBERS],
    ['no steps', unit({ ...good, steps: 0 }), codes.L96_ERR_STEPS],
    ['snapEvery = 0', unit({ ...good, snapEvery: 0 }), codes.L96_ERR_SNAP_EVERY],
    ['snapEvery not dividing steps', unit({ ...good, snapEvery: 5 }), codes.L96_ERR_SNAP_DIVIDES],
    ['a reserved word that is not 0', withWord(20, 1), codes.L96_ERR_RESERVED],
    ['8 bytes too many', new Uint8Array([...unit(good), 0, 0, 0, 0, 0, 0, 0, 0]), codes.L96_ERR_INPUT_LENGTH],
    ['8 bytes too few', unit(good).subarray(0, -8), codes.L96_ERR_INPUT_LENGTH],
    ['a size 8·n·m that wraps around', wrapping, codes.L96_ERR_INPUT_LENGTH],
    ['dt = NaN', withFloat(24, NaN), codes.L96_ERR_DT],
    ['dt = ∞', withFloat(24, Infinity), codes.L96_ERR_DT],
    ['F = −∞', withFloat(32, -Infinity), codes.L96_ERR_FORCING],
    ['an output past 2 GiB', unit({ ...good, n: 4, m: 1, steps: 2 ** 32 - 1, snapEvery: 1 }), codes.L96_ERR_OUT_OF_MEMORY],
  ];

  it.each(BAD)('refuses %s with its own code', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    if (code !== codes.L96_ERR_OUT_OF_MEMORY) {
      expect(l96InputProblem(input)).toBe(code);
      expect(() => lorenz96Reference(input)).toThrow(RangeError);
    }
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.values(codes);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a second init and a step before init', async () => {
    const k = await instantiate(unit(good));
    expect(k.step(1)).toBe(codes.L96_ERR_NOT_READY);
    expect(k.init()).toBe(0);
    expect(k.init()).toBe(codes.L96_ERR_INIT_TWICE);
  });
});

/**
 * Estimates the leading Lyapunov exponent: spins P members up onto the attractor, pairs each
 * with a copy 1e-8 away in one variable, and fits the slope of the pair-averaged
 * log-distance over t ∈ [2, 12], after the perturbation has aligned with the leading
 * direction and before it saturates at the attractor's size.
 */
async function lyapunovExponent(forcing: number, seed: number): Promise<number> {
  const n = 40;
  const pairs = 8;
  const dt = 0.01;
  const spinUp = { n, m: pairs, steps: 2000, snapEvery: 2000, dt, forcing };
  const spun = decodeL96Output(await runKernel(kernel, unit(spinUp, seed), { budget: 1e9 }), n, pairs, 2000, 2000).snapshots;
  const x0 = new Float64Array(2 * pairs * n);
  for (let p = 0; p < pairs; p++) {
    const state = spun.subarray(p * n, (p + 1) * n);
    x0.set(state, 2 * p * n);
    x0.set(state, (2 * p + 1) * n);
    x0[(2 * p + 1) * n + ((7 * p) % n)]! += 1e-8;
  }
  const [steps, every] = [1200, 10];
  const snaps = steps / every;
  const input = encodeL96Input({ n, m: 2 * pairs, steps, snapEvery: every, dt, forcing, x0 });
  const out = decodeL96Output(await runKernel(kernel, input, { budget: 1e9 }), n, 2 * pairs, steps, every).snapshots;
  const points: [number, number][] = [];
  for (let j = 0; j < snaps; j++) {
    const t = (j + 1) * every * dt;
    if (t < 2 - 1e-9) continue;
    let meanLog = 0;
    for (let p = 0; p < pairs; p++) {
      const a = (2 * p * snaps + j) * n;
      const b = ((2 * p + 1) * snaps + j) * n;
      let d2 = 0;
      for (let v = 0; v < n; v++) d2 += (out[a + v]! - out[b + v]!) ** 2;
      meanLog += Math.log(Math.sqrt(d2)) / pairs;
    }
    points.push([t, meanLog]);
  }
  // Least-squares slope of log-distance against time.
  const mt = points.reduce((s, [t]) => s + t, 0) / points.length;
  const ml = points.reduce((s, [, l]) => s + l, 0) / points.length;
  const num = points.reduce((s, [t, l]) => s + (t - mt) * (l - ml), 0);
  const den = points.reduce((s, [t]) => s + (t - mt) ** 2, 0);
  return num / den;
}

describe('lorenz96 physics', () => {
  it('has a leading Lyapunov exponent near 1.7 at F = 8, N = 40 (chaos)', async () => {
    for (const seed of [1, 2]) {
      const lambda = await lyapunovExponent(8, seed);
      expect(lambda).toBeGreaterThan(1.2);
      expect(lambda).toBeLessThan(2.2);
    }
  });

  it('has no positive exponent at F = 2, where the flow is not chaotic', async () => {
    expect(await lyapunovExponent(2, 1)).toBeLessThan(0.3);
  });
});
