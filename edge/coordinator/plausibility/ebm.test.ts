import { describe, expect, it } from 'vitest';
import { ebmReference } from '../../../kernels/ebm/reference.ts';
import { EbmParamsSchema, splitEbm } from '../../../shared/jobs/ebm.ts';
import { EBM_DIAGNOSTICS, EBM_STATUS, decodeEbmOutput, encodeEbmInput } from '../../../shared/kernels/ebm.codec.ts';
import { checkEbm } from './ebm.ts';
import { ebmSample, expectImplausible, expectPlausible, f64At, garbage, withF64, withU32 } from './testing.ts';

const lhs = (members: number, seed = 1) => ({ method: 'lhs', members, seed });
const WIDE = { b: { min: 0.1, max: 10 }, d: { min: 0, max: 10 }, albedoWarm: { min: 0, max: 1 }, albedoIce: { min: 0, max: 1 }, tFreeze: { min: -100, max: 50 }, forcing: { min: -100, max: 100 }, tInit: { min: -150, max: 150 } };

/** Jobs across the schema's range, including equilibria far outside any physical range. */
const JOBS: { name: string; params: Record<string, unknown> }[] = [
  { name: 'the default job', params: {} },
  { name: 'no profiles', params: { profiles: false } },
  { name: 'no ice feedback', params: { iceFeedback: false } },
  { name: 'no ice feedback, no profiles', params: { iceFeedback: false, profiles: false } },
  { name: 'an albedo step (ramp width 0)', params: { rampWidth: 0 } },
  { name: 'an albedo step, no profiles', params: { rampWidth: 0, profiles: false } },
  { name: 'A = 1000, S0 = 100, B = 0.1 (near −9,900 °C)', params: { parameters: { a: 1000, solar: 100, b: 0.1, tInit: 150 }, ranges: { d: { min: 0, max: 10 } } } },
  {
    name: 'A = −500, S0 = 10,000, B = 0.1 (near +31,000 °C)',
    params: { parameters: { a: -500, solar: 10_000, b: 0.1, albedoWarm: 0, albedoIce: 0, forcing: 100, tInit: -150 }, ranges: { d: { min: 0, max: 10 } }, maxSteps: 100_000, sampling: lhs(4) },
  },
  { name: '1024 cells, dt = 1000 yr, C = 0.001', params: { cells: 1024, dt: 1000, heatCapacity: 0.001, sampling: lhs(10, 2), ranges: { d: { min: 0, max: 10 }, tInit: { min: -150, max: 150 }, solar: { min: 100, max: 10_000 } } } },
  { name: '8 cells, a tiny step that never converges', params: { cells: 8, dt: 1e-3, heatCapacity: 1000, maxSteps: 100, sampling: lhs(10, 2) } },
  { name: 'every parameter ranged, tolerance 1e-12', params: { tolerance: 1e-12, maxSteps: 100_000, sampling: lhs(20, 3), ranges: WIDE } },
  { name: 's2 = 1, a2 = 0.5', params: { s2: 1, albedoP2: 0.5, sampling: lhs(20, 5), ranges: { albedoWarm: { min: 0, max: 1 }, albedoIce: { min: 0, max: 1 }, tInit: { min: -150, max: 150 } } } },
  { name: 's2 = −1, a2 = −0.5, ramp 20 K, no profiles', params: { s2: -1, albedoP2: -0.5, rampWidth: 20, profiles: false, sampling: lhs(20, 5), ranges: WIDE } },
];

/** Index of member j's diagnostic k among the output's f64s. */
const diag = (j: number, k: number) => j * EBM_DIAGNOSTICS + k;

describe('EBM plausibility', () => {
  it.each(JOBS)('passes every honest unit of $name', ({ params }) => {
    const p = EbmParamsSchema.parse({ sampling: lhs(30), membersPerUnit: 40, ...params });
    for (const unit of splitEbm(p)) expectPlausible(checkEbm(unit.input, ebmReference(unit.input)));
  });

  it('covers the three outcomes: converged and not converged from the jobs, diverged from a member with B < 0', () => {
    const statuses = new Set<number>();
    for (const { params } of JOBS) {
      const p = EbmParamsSchema.parse({ sampling: lhs(30), membersPerUnit: 40, ...params });
      const unit = splitEbm(p)[0]!;
      const output = ebmReference(unit.input);
      const runs = output.length / 8 / (EBM_DIAGNOSTICS + (p.profiles ? p.cells : 0));
      for (const m of decodeEbmOutput(output, p.cells, runs, p.profiles)) statuses.add(m.status);
    }
    expect([...statuses].sort()).toEqual([EBM_STATUS.notConverged, EBM_STATUS.converged]);
    // B < 0 (the kernel runs it; the schema refuses it): no bound, and the run blows up.
    const member = { a: 203.3, b: -0.0005, d: 0.4, solar: 1365, albedoWarm: 0.3, albedoIce: 0.62, tFreeze: -10, forcing: 0, tInit: 30 };
    const shape = { cells: 16, maxSteps: 5000, ice: true, profile: true, dt: 1000, heatCapacity: 1, tolerance: 1e-6, s2: -0.482, albedoP2: 0.078, rampWidth: 1 };
    const input = encodeEbmInput({ ...shape, members: [member] });
    const output = ebmReference(input);
    expect(f64At(output, diag(0, 2))).toBe(EBM_STATUS.diverged);
    expectPlausible(checkEbm(input, output));
  });

  it('refuses garbage', () => {
    const { input, output } = ebmSample();
    for (const [name, bytes] of garbage(output.length)) expectImplausible(checkEbm(input, bytes), name === 'zeros' ? /^member 0 took 0 steps, outside 1\.\.1000/ : /^member 0 status .* is none of/);
  });

  describe('an honest output with one value changed', () => {
    const { input, output } = ebmSample();
    const n = 90;
    const m = 16;
    const cell = (j: number, i: number) => m * EBM_DIAGNOSTICS + j * n + i;

    it('refuses invalid status codes and step counts, and statuses that contradict them', () => {
      expect(f64At(output, diag(3, 2))).toBe(EBM_STATUS.converged);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 2), 2)), /^member 3 status 2 is none of 1 \(converged\), 0 \(not converged\), -1 \(diverged\)/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 3), 0)), /^member 3 took 0 steps, outside 1\.\.1000/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 3), 1001)), /^member 3 took 1001 steps/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 3), 12.5)), /^member 3 took 12\.5 steps/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 2), EBM_STATUS.notConverged)), /^member 3 is not converged after \d+ steps, but it had 1000/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 2), EBM_STATUS.diverged)), /^member 3 has mean temperature 25\.\d+ °C and status -1; the status is -1 exactly when the mean is not finite/);
      const diverged = withF64(withF64(output, diag(3, 2), EBM_STATUS.diverged), diag(3, 0), NaN);
      expectImplausible(checkEbm(input, diverged), /^member 3 is reported diverged, but its parameters bound every temperature to -\d.*\.\.\d.* °C/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 4), 1e-5)), /^member 3 is converged with residual 0\.00001 W m⁻², not below the tolerance/);
      expectImplausible(checkEbm(input, withF64(output, diag(3, 4), -1e-9)), /^member 3 residual -1e-9 W m⁻² is not a finite number ≥ 0/);
    });

    it('refuses temperatures outside the bounds the member\'s parameters impose, and a mean or ice edge the profile does not give', () => {
      expectImplausible(checkEbm(input, withF64(output, diag(5, 0), 912.4)), /^member 5 mean temperature 912\.4 °C is outside -\d.*\.\.\d.* °C, the bounds its parameters impose/);
      expectImplausible(checkEbm(input, withF64(output, cell(5, 40), 912.4)), /^member 5 cell 40 temperature 912\.4 °C is outside -\d.*\.\.\d.* °C, the bounds its parameters impose/);
      expectImplausible(checkEbm(input, withF64(output, cell(5, 40), NaN)), /^member 5 cell 40 temperature is NaN though the member did not diverge/);
      expectImplausible(checkEbm(input, withF64(output, diag(5, 0), f64At(output, diag(5, 0)) + 0.01)), /^member 5 mean temperature .* disagrees with its profile's mean/);
      expectImplausible(checkEbm(input, withF64(output, diag(5, 1), 2)), /^member 5 ice edge x = 2 is neither 0, 1 nor between cell centres/);
      expectImplausible(checkEbm(input, withF64(output, diag(5, 1), f64At(output, diag(5, 1)) + 0.01)), /^member 5 ice edge x = .* disagrees with its profile's/);
      // Every cell warmer by the same amount, mean and ice edge to match: only the energy budget is off.
      const p = EbmParamsSchema.parse({ sampling: lhs(8), iceFeedback: false });
      const unit = splitEbm(p)[0]!.input;
      const honest = ebmReference(unit);
      let warmer = withF64(honest, diag(0, 0), f64At(honest, diag(0, 0)) + 0.5);
      const t = (i: number) => f64At(honest, cell(0, i)) + 0.5;
      for (let i = 0; i < n; i++) warmer = withF64(warmer, cell(0, i), t(i));
      const tFreeze = p.parameters.tFreeze;
      const ice = Array.from({ length: n }, (_, i) => i).find((i) => t(i) < tFreeze)!;
      expect(ice).toBeGreaterThan(0);
      warmer = withF64(warmer, diag(0, 1), (ice - 1 + 0.5) / n + ((t(ice - 1) - tFreeze) / (t(ice - 1) - t(ice))) / n);
      expectImplausible(checkEbm(unit, warmer), /^member 0 energy budget B·T̄ \+ A − F = .* W m⁻² is outside .*, the absorbed sunlight ± the residual/);
    });

    it('refuses a mean temperature off the energy budget without profiles', () => {
      const p = EbmParamsSchema.parse({ sampling: lhs(8), profiles: false, iceFeedback: false });
      const unit = splitEbm(p)[0]!.input;
      const honest = ebmReference(unit);
      expectImplausible(checkEbm(unit, withF64(honest, diag(2, 0), f64At(honest, diag(2, 0)) + 0.01)), /^member 2 energy budget/);
      expectImplausible(checkEbm(unit, withF64(honest, diag(2, 0), 912.4)), /^member 2 mean temperature 912\.4 °C is outside/);
    });
  });

  it('refuses an output of the wrong size and one for an input the kernel refuses; a newer layout is unchecked', () => {
    const { input, output } = ebmSample();
    expectImplausible(checkEbm(input, output.subarray(8)), /^the output has \d+ bytes; this unit's has \d+/);
    expectImplausible(checkEbm(withU32(input, 16, 4), output), /not one the EBM kernel runs/);
    expect(checkEbm(withU32(input, 0, 2), output)).toEqual({ status: 'unchecked' });
  });
});
