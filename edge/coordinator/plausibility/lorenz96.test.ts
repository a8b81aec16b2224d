import { describe, expect, it } from 'vitest';
import { lorenz96Reference } from '../../../kernels/lorenz96/reference.ts';
import { L96ParamsSchema, nextL96, splitL96 } from '../../../shared/jobs/lorenz96.ts';
import { L96_DIAGNOSTICS, l96Snapshots } from '../../../shared/kernels/lorenz96.codec.ts';
import { L96_RESOLVED_DT_AMPLITUDE_MAX, checkLorenz96 } from './lorenz96.ts';
import { expectImplausible, expectPlausible, f64At, garbage, withF64, withU32 } from './testing.ts';

/** Jobs across the schema's range: resolved and blowing-up steps, F from 0 to ±1000, N from 4 to 1024. */
const JOBS: { name: string; params: Record<string, unknown>; resolved: boolean; blowsUp: boolean }[] = [
  { name: 'the default job (F = 8, dt = 0.01)', params: {}, resolved: true, blowsUp: false },
  { name: 'N = 4, a snapshot every step', params: { n: 4, steps: 1000, snapEvery: 1, members: 3 }, resolved: true, blowsUp: false },
  { name: 'N = 1024', params: { n: 1024, members: 2, membersPerUnit: 2, steps: 200, snapEvery: 100 }, resolved: true, blowsUp: false },
  { name: 'F = 1000 just inside the resolved bound (dt = 1.9e-4)', params: { forcing: 1000, dt: 1.9e-4, steps: 20_000, snapEvery: 200 }, resolved: true, blowsUp: false },
  { name: 'F = −1000, perturbation 10', params: { forcing: -1000, perturbation: 10, dt: 1.9e-4, steps: 20_000, snapEvery: 200 }, resolved: true, blowsUp: false },
  { name: 'F = 0, perturbation 10', params: { forcing: 0, perturbation: 10 }, resolved: true, blowsUp: false },
  { name: 'F = 1000, dt = 5e-4 (not resolved by the rule, finite all the same)', params: { forcing: 1000, dt: 5e-4, steps: 10_000, snapEvery: 100 }, resolved: false, blowsUp: false },
  { name: 'F = 0.5, dt = 0.1, perturbation 10', params: { forcing: 0.5, dt: 0.1, perturbation: 10 }, resolved: false, blowsUp: false },
  { name: 'F = 8, dt = 0.1', params: { forcing: 8, dt: 0.1 }, resolved: false, blowsUp: false },
  { name: 'F = 8, dt = 0.1, perturbation 10 (RK4 overflows)', params: { forcing: 8, dt: 0.1, perturbation: 10 }, resolved: false, blowsUp: true },
  { name: 'F = 1000, dt = 0.01 (RK4 overflows)', params: { forcing: 1000, dt: 0.01 }, resolved: false, blowsUp: true },
];

const hasNaN = (bytes: Uint8Array) => new Float64Array(bytes.slice().buffer).some(Number.isNaN);

describe('Lorenz-96 plausibility', () => {
  it.each(JOBS)('passes every honest unit of $name', ({ params, resolved, blowsUp }) => {
    const p = L96ParamsSchema.parse({ members: 4, membersPerUnit: 2, ...params });
    for (const unit of splitL96(p)) {
      const output = lorenz96Reference(unit.input);
      // The job really is in the regime it is named for, or the case proves nothing.
      expect(hasNaN(output)).toBe(blowsUp);
      expectPlausible(checkLorenz96(unit.input, output));
      const nan = checkLorenz96(unit.input, withF64(output, p.n, NaN));
      if (resolved) expectImplausible(nan, /its step is resolved/);
      else expect(nan.status === 'implausible' && /resolved/.test(nan.reason)).toBe(false);
    }
  });

  it('passes the second window of a job whose first window overflowed (initial states NaN)', () => {
    const p = L96ParamsSchema.parse({ forcing: 100, dt: 0.01, cycles: 2, members: 4, membersPerUnit: 2 });
    const second = nextL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)), 0)!;
    expect(hasNaN(second[0]!.input)).toBe(true);
    for (const unit of second) expectPlausible(checkLorenz96(unit.input, lorenz96Reference(unit.input)));
  });

  it('passes an all-zero output only where it is the honest answer (F = 0 from the origin)', () => {
    const [unit] = splitL96(L96ParamsSchema.parse({ forcing: 0, perturbation: 0, n: 4, steps: 10, snapEvery: 1, members: 1 }));
    const output = lorenz96Reference(unit!.input);
    expect(output).toEqual(new Uint8Array(output.length));
    expectPlausible(checkLorenz96(unit!.input, output));
  });

  it.each(JOBS)('refuses garbage for a unit of $name', ({ params }) => {
    const unit = splitL96(L96ParamsSchema.parse({ members: 4, membersPerUnit: 2, ...params }))[0]!;
    const length = lorenz96Reference(unit.input).length;
    for (const [, bytes] of garbage(length)) expectImplausible(checkLorenz96(unit.input, bytes), /member 0/);
  });

  describe('a resolved output with one value changed', () => {
    const p = L96ParamsSchema.parse({ members: 2, membersPerUnit: 2 });
    const { input } = splitL96(p)[0]!;
    const output = lorenz96Reference(input);
    const s = l96Snapshots(p.steps, p.snapEvery);
    const diag = (member: number, k: number) => 2 * s * p.n + member * L96_DIAGNOSTICS + k;
    const snap = (member: number, t: number, v: number) => (member * s + t) * p.n + v;

    it('refuses a state that is NaN, infinite or far outside the absorbing ball', () => {
      expect(8 * 0.01 * 1.01).toBeLessThan(L96_RESOLVED_DT_AMPLITUDE_MAX);
      expectImplausible(checkLorenz96(input, withF64(output, snap(1, 3, 7), NaN)), /^member 1 snapshot 3 variable 7 is NaN; its step is resolved/);
      expectImplausible(checkLorenz96(input, withF64(output, snap(0, 2, 0), -Infinity)), /^member 0 snapshot 2 variable 0 is -Infinity/);
      expectImplausible(checkLorenz96(input, withF64(output, snap(0, 5, 9), 1e6)), /^member 0 snapshot 5 has energy 1\.25e\+10, above 64 /);
    });

    it('refuses diagnostics that disagree with the snapshots', () => {
      const mean = f64At(output, diag(0, 0));
      expectImplausible(checkLorenz96(input, withF64(output, diag(0, 0), mean * (1 + 1e-9))), /^member 0 final mean .* disagrees with its last snapshot's/);
      expectImplausible(checkLorenz96(input, withF64(output, diag(1, 1), f64At(output, diag(1, 1)) * 1.01)), /^member 1 final energy/);
      expectImplausible(checkLorenz96(input, withF64(output, snap(0, s - 1, 4), f64At(output, snap(0, s - 1, 4)) + 1e-6)), /^member 0 final mean/);
      expectImplausible(checkLorenz96(input, withF64(output, diag(0, 2), 0)), /^member 0 time-mean energy 0 is below/);
      expectImplausible(checkLorenz96(input, withF64(output, diag(0, 2), NaN)), /^member 0 time-mean energy is NaN while its last snapshot holds no NaN/);
      expectImplausible(checkLorenz96(input, withF64(output, diag(1, 2), 1e9)), /^member 1 time-mean energy 1e\+9 is above the bound/);
    });

    it('refuses a first step that one RK4 step from the initial state does not give', () => {
      const q = L96ParamsSchema.parse({ n: 4, steps: 1000, snapEvery: 1, members: 1 });
      const unit = splitL96(q)[0]!;
      const out = lorenz96Reference(unit.input);
      expectImplausible(checkLorenz96(unit.input, withF64(out, 2, f64At(out, 2) * (1 + 1e-5))), /^member 0 variable 2 is .* after step 1; one RK4 step from the unit's initial state gives/);
      // With a snapshot every step the time mean is known both ways.
      const last = 1000 * 4 + 2;
      expectImplausible(checkLorenz96(unit.input, withF64(out, last, f64At(out, last) * 1.001)), /^member 0 time-mean energy .* is above .*, the mean of its snapshots' energies/);
    });
  });

  it('refuses an overflowed output whose NaN states were made finite again', () => {
    const p = L96ParamsSchema.parse({ forcing: 1000, dt: 0.01, members: 2, membersPerUnit: 2 });
    const { input } = splitL96(p)[0]!;
    const output = lorenz96Reference(input);
    const s = l96Snapshots(p.steps, p.snapEvery);
    expectImplausible(checkLorenz96(input, withF64(output, 4 * p.n + 5, 3)), /^member 0 variable 5 is finite \(3\) at snapshot 4 after being NaN or infinite/);
    const last = (s - 1) * p.n;
    const allFinite = output.slice();
    for (let v = 0; v < p.n; v++) new DataView(allFinite.buffer).setFloat64(8 * (last + v), 1, true);
    expectImplausible(checkLorenz96(input, allFinite), /^member 0 variable 0 is finite \(1\) at snapshot 9 after being NaN/);
    expectImplausible(checkLorenz96(input, withF64(output, 2 * s * p.n + 2, 5)), /^member 0 time-mean energy is 5 while its last snapshot holds NaN/);
  });

  it('refuses an output of the wrong size and one for an input the kernel refuses; a newer layout is unchecked', () => {
    const { input } = splitL96(L96ParamsSchema.parse({ members: 2, membersPerUnit: 2 }))[0]!;
    const output = lorenz96Reference(input);
    expectImplausible(checkLorenz96(input, output.subarray(8)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkLorenz96(withU32(input, 4, 3), output), /not one the Lorenz-96 kernel runs/);
    expectImplausible(checkLorenz96(input.subarray(0, 20), output), /not one the Lorenz-96 kernel runs/);
    expect(checkLorenz96(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });

  it('reads outputs that start at an odd byte offset (database rows)', () => {
    const { input } = splitL96(L96ParamsSchema.parse({ members: 2, membersPerUnit: 2 }))[0]!;
    const output = lorenz96Reference(input);
    const shifted = new Uint8Array(output.length + 3);
    shifted.set(output, 3);
    expectPlausible(checkLorenz96(input, shifted.subarray(3)));
  });
});
