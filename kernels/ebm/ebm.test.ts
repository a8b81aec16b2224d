/**
 * @module The EBM kernel against its TypeScript reference (byte for byte, whatever the step
 * budget), against the analytic steady state of the linear model (second-order convergence
 * in the grid spacing), and against two properties of the ice-albedo feedback: hysteresis
 * (a cold and a warm start end in different climates) and an ice edge that retreats
 * poleward as the sun brightens. Also its refusals and NaN canonicalisation.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_NAN_BITS, type KernelExports } from '../../shared/kernels/abi.ts';
import { decodeEbmOutput, encodeEbmInput, ebmOutputBytes, type EbmMember, type EbmUnitInput } from '../../shared/kernels/ebm.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../build.ts';
import { KERNEL_MANIFEST_FILE, loadKernelModule } from '../manifest.ts';
import * as codes from './codes.ts';
import { ebmInputProblem, ebmReference } from './reference.ts';

let kernel: WebAssembly.Module;
beforeAll(async () => {
  if (!existsSync(join(KERNELS_DIST, KERNEL_MANIFEST_FILE))) await buildKernels();
  kernel = await loadKernelModule(KERNELS_DIST, 'ebm', 1);
});

/** North-style present-day parameters with a polar ice cap on the warm branch. */
const EARTH: EbmMember = { a: 203.3, b: 2.09, d: 0.4, solar: 1365, albedoWarm: 0.3, albedoIce: 0.62, tFreeze: -10, forcing: 0, tInit: 30 };
const SHAPE: Omit<EbmUnitInput, 'members'> = {
  cells: 90,
  maxSteps: 2000,
  ice: true,
  profile: false,
  dt: 5,
  heatCapacity: 13.3,
  tolerance: 1e-7,
  s2: -0.482,
  albedoP2: 0.078,
  rampWidth: 1,
};

async function run(shape: Partial<typeof SHAPE>, members: EbmMember[]) {
  const u = { ...SHAPE, ...shape, members };
  const out = await runKernel(kernel, encodeEbmInput(u), { budget: 1e9 });
  return decodeEbmOutput(out, u.cells, members.length, u.profile);
}

/** A spread of members: warm and cold starts, brighter and dimmer suns, some forcing. */
const spread = (count: number): EbmMember[] =>
  Array.from({ length: count }, (_, i) => ({ ...EARTH, solar: 1290 + 7 * i, d: 0.3 + 0.01 * (i % 20), tInit: i % 3 === 0 ? -60 : 30, forcing: (i % 2) * 3.7 }));

const CASES: Record<string, EbmUnitInput> = {
  'ice feedback, profiles, 90 cells': { ...SHAPE, profile: true, members: spread(24) },
  'a step albedo on an odd grid': { ...SHAPE, cells: 17, rampWidth: 0, members: spread(9) },
  'no feedback, few steps (not converged)': { ...SHAPE, ice: false, maxSteps: 7, profile: true, members: spread(5) },
  'the smallest grid': { ...SHAPE, cells: 2, members: spread(3) },
};

describe('ebm kernel', () => {
  describe.each(Object.entries(CASES))('%s', (_name, unit) => {
    const input = encodeEbmInput(unit);
    const expected = ebmReference(input);

    it.each([1, 13, 2 ** 40])('matches the reference byte for byte with budget %d', async (budget) => {
      let last = [0, -1];
      const output = await runKernel(kernel, input, { budget, onProgress: (done, total) => (last = [done, total]) });
      expect(output.byteLength).toBe(ebmOutputBytes(unit.cells, unit.members.length, unit.profile));
      expect(output).toEqual(expected);
      const total = unit.members.length * unit.maxSteps;
      expect(last).toEqual([total, total]);
    });
  });

  it('reports members that run out of steps as not converged, with their residual', async () => {
    const [early] = await run({ maxSteps: 3 }, [EARTH]);
    expect(early).toMatchObject({ status: 0, steps: 3 });
    expect(early!.residual).toBeGreaterThan(SHAPE.tolerance);
    const [settled] = await run({}, [EARTH]);
    expect(settled!.status).toBe(1);
    expect(settled!.residual).toBeLessThan(SHAPE.tolerance);
    expect(settled!.steps).toBeLessThan(SHAPE.maxSteps);
  });

  it('writes every NaN of a singular run as the canonical NaN, like the reference, and flags it', async () => {
    // C/dt + B = 0 and D = 0 make the first pivot zero: ∞ then ∞ − ∞ = NaN everywhere.
    const input = encodeEbmInput({ ...SHAPE, heatCapacity: 10, dt: 5, profile: true, maxSteps: 4, members: [{ ...EARTH, b: -2, d: 0 }] });
    const output = await runKernel(kernel, input);
    expect(output).toEqual(ebmReference(input));
    const view = new DataView(output.buffer);
    const words = Array.from({ length: output.byteLength / 8 }, (_, i) => view.getBigUint64(8 * i, true));
    const nans = words.filter((w) => (w & 0x7ff0000000000000n) === 0x7ff0000000000000n && (w & 0xfffffffffffffn) !== 0n);
    expect(nans.length).toBeGreaterThan(words.length / 2);
    expect(new Set(nans)).toEqual(new Set([CANONICAL_NAN_BITS]));
    expect(decodeEbmOutput(output, SHAPE.cells, 1, true)[0]!.status).toBe(-1);
  });
});

describe('ebm physics', () => {
  /**
   * The linear model (constant albedo αw + a2·P2, no feedback) at steady state:
   * B·T − D·∇²T = Q·s(x)·(1 − α(x)) − A + F, and ∇²P_n = −n(n+1)·P_n, so with the source
   * Q(1 + s2·P2)(1 − αw − a2·P2) = P0, P2 and P4 terms (P2² = 1/5 + 2/7·P2 + 18/35·P4),
   * T = T0 + T2·P2 + T4·P4 with T_n = source_n / (B + n(n+1)·D) (North 1975, §3).
   */
  function analytic(m: EbmMember, s2: number, a2: number): (x: number) => number {
    const q = m.solar / 4;
    const cw = 1 - m.albedoWarm;
    const t0 = (q * (cw - (a2 * s2) / 5) - m.a + m.forcing) / m.b;
    const t2 = (q * (cw * s2 - a2 - (2 / 7) * a2 * s2)) / (m.b + 6 * m.d);
    const t4 = (q * (-(18 / 35) * a2 * s2)) / (m.b + 20 * m.d);
    return (x) => t0 + t2 * ((3 * x * x - 1) / 2) + t4 * ((35 * x ** 4 - 30 * x * x + 3) / 8);
  }

  it('converges to the analytic Legendre-series steady state at second order in the grid spacing', async () => {
    const m = { ...EARTH, forcing: 1.5, d: 0.55 };
    const exact = analytic(m, SHAPE.s2, SHAPE.albedoP2);
    const errors: number[] = [];
    const grids = [16, 32, 64, 128, 256];
    for (const cells of grids) {
      // dt of 10⁹ years: each step is nearly the steady-state solve itself.
      const [o] = await run({ cells, ice: false, profile: true, dt: 1e9, tolerance: 1e-9, maxSteps: 50 }, [m]);
      expect(o!.status).toBe(1);
      errors.push(Math.max(...Array.from(o!.profile!, (t, i) => Math.abs(t - exact((i + 0.5) / cells)))));
    }
    const orders = errors.slice(1).map((e, i) => Math.log2(errors[i]! / e));
    for (const p of orders) {
      expect(p).toBeGreaterThan(1.9);
      expect(p).toBeLessThan(2.1);
    }
    // And it is the right solution, not just a converging one.
    expect(errors.at(-1)).toBeLessThan(1e-3);
  });

  it('has hysteresis: a cold and a warm start at the same parameters reach different equilibria', async () => {
    const [warm, cold] = await run({ profile: true }, [EARTH, { ...EARTH, tInit: -60 }]);
    expect([warm!.status, cold!.status]).toEqual([1, 1]);
    // Warm start: a temperate planet with polar ice; cold start: a snowball, ice to the equator.
    expect(warm!.meanT).toBeGreaterThan(5);
    expect(warm!.iceEdgeX).toBeGreaterThan(0.5);
    expect(warm!.iceEdgeX).toBeLessThan(1);
    expect(cold!.iceEdgeX).toBe(0);
    expect(cold!.meanT).toBeLessThan(warm!.meanT - 30);
    // Both really are equilibria: one more step from each changes nothing beyond the tolerance.
    for (const o of [warm!, cold!]) expect(o.residual).toBeLessThan(SHAPE.tolerance);
  });

  it('moves the ice edge poleward as the solar constant rises, and equatorward as it falls', async () => {
    const suns = [1330, 1345, 1365, 1380, 1395];
    const out = await run({}, suns.map((solar) => ({ ...EARTH, solar })));
    const edges = out.map((o) => o.iceEdgeX);
    for (const o of out) expect(o.status).toBe(1);
    // Partial ice caps on all of them, strictly ordered by the sun.
    for (const x of edges) expect(x).toBeGreaterThan(0);
    for (const x of edges) expect(x).toBeLessThan(1);
    for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
  });
});

/** A fresh instance with `input` copied in, driven by hand through the raw ABI. */
async function instantiate(input: Uint8Array): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(kernel, { env: { abort: () => { throw new Error('abort'); } } });
  const k = instance.exports as unknown as KernelExports;
  const ptr = k.input_alloc(input.byteLength);
  new Uint8Array(k.memory.buffer, ptr, input.byteLength).set(input);
  return k;
}

describe('ebm kernel refusals', () => {
  const good = (): Uint8Array => encodeEbmInput({ ...SHAPE, members: [EARTH, { ...EARTH, tInit: -20 }] });
  const withWord = (at: number, value: number) => {
    const bytes = good();
    new DataView(bytes.buffer).setUint32(at, value, true);
    return bytes;
  };
  const withFloat = (at: number, value: number) => {
    const bytes = good();
    new DataView(bytes.buffer).setFloat64(at, value, true);
    return bytes;
  };
  const BAD: [string, Uint8Array, number][] = [
    ['a truncated header', good().subarray(0, 71), codes.EBM_ERR_SHORT_INPUT],
    ['layout 2', withWord(0, 2), codes.EBM_ERR_LAYOUT],
    ['one cell', withWord(4, 1), codes.EBM_ERR_CELLS],
    ['no members', encodeEbmInput({ ...SHAPE, members: [] }), codes.EBM_ERR_MEMBERS],
    ['no steps', withWord(12, 0), codes.EBM_ERR_STEPS],
    ['an unknown flag', withWord(16, 4), codes.EBM_ERR_FLAGS],
    ['a reserved word that is not 0', withWord(20, 1), codes.EBM_ERR_RESERVED],
    ['8 bytes too many', new Uint8Array([...good(), 0, 0, 0, 0, 0, 0, 0, 0]), codes.EBM_ERR_INPUT_LENGTH],
    ['a member count the bytes do not hold', withWord(8, 3), codes.EBM_ERR_INPUT_LENGTH],
    ['dt = 0', withFloat(24, 0), codes.EBM_ERR_TIME],
    ['a heat capacity of −1', withFloat(32, -1), codes.EBM_ERR_TIME],
    ['tolerance = NaN', withFloat(40, NaN), codes.EBM_ERR_TIME],
    ['s2 = ∞', withFloat(48, Infinity), codes.EBM_ERR_GRID_PARAMS],
    ['a negative ramp width', withFloat(64, -1), codes.EBM_ERR_GRID_PARAMS],
    ['a member parameter = NaN', withFloat(72 + 8 * 12, NaN), codes.EBM_ERR_MEMBER_PARAM],
    ['an output past 2 GiB', withWord(4, 2 ** 31), codes.EBM_ERR_OUT_OF_MEMORY],
  ];

  it.each(BAD)('refuses %s with its own code', async (_name, input, code) => {
    await expect(runKernel(kernel, input)).rejects.toMatchObject({ name: 'KernelError', code });
    if (code !== codes.EBM_ERR_OUT_OF_MEMORY) {
      expect(ebmInputProblem(input)).toBe(code);
      expect(() => ebmReference(input)).toThrow(RangeError);
    }
  });

  it('gives every problem a distinct negative code', () => {
    const all = Object.values(codes);
    expect(all.every((c) => c < 0)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a second init and a step before init, and steps nothing on a budget below 1', async () => {
    const k = await instantiate(good());
    expect(k.step(1)).toBe(codes.EBM_ERR_NOT_READY);
    expect(k.init()).toBe(0);
    expect(k.init()).toBe(codes.EBM_ERR_INIT_TWICE);
    expect(k.work_total()).toBe(2 * SHAPE.maxSteps);
    expect([k.step(0), k.work_done()]).toEqual([1, 0]);
    expect([k.step(NaN), k.work_done()]).toEqual([1, 0]);
    expect([k.step(5), k.work_done()]).toEqual([1, 5]);
    while (k.step(50) === 1);
    expect(k.work_done()).toBe(2 * SHAPE.maxSteps);
  });
});
