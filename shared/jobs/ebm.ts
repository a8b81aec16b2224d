/**
 * @module The energy-balance-model ensemble job kind (climateprediction.net's perturbed-
 * physics idea at small scale): its parameters (validated the same way in the browser form
 * and on the edge), sampling of the parameter ranges into members, and the split into
 * units. Their outputs are integrated in ebm-result.ts.
 */
import { z } from 'zod';
import {
  EBM_CELLS_MAX,
  EBM_CELLS_MIN,
  EBM_GRID_LEVELS_MAX,
  EBM_MEMBERS_MAX,
  EBM_MEMBERS_PER_UNIT_MAX,
  EBM_STEPS_MAX,
  EBM_UNIT_CELL_STEPS_MAX,
  JOB_UNITS_MAX,
  UNIT_OUTPUT_BYTES_MAX,
  VAR_STEPS_PER_POINT,
} from '../limits.ts';
import { EBM_MEMBER_PARAMS, ebmOutputBytes, encodeEbmInput, type EbmMember, type EbmMemberParam, type EbmUnitInput } from '../kernels/ebm.codec.ts';
import { gridSample, gridSize, latinHypercube } from './sampling.ts';
import type { SplitUnit } from './split.ts';

/** Kernel that runs this job kind, and the version its units are encoded for. */
export const EBM_KERNEL = { id: 'ebm', version: 1 } as const;

/** What the form and the API document say about each member parameter: units, bounds, default. */
export const EBM_PARAM_INFO: Record<EbmMemberParam, { label: string; unit: string; min: number; max: number; value: number }> = {
  a: { label: 'OLR at 0 °C (A)', unit: 'W m⁻²', min: -500, max: 1000, value: 203.3 },
  b: { label: 'OLR per kelvin (B)', unit: 'W m⁻² K⁻¹', min: 0.1, max: 10, value: 2.09 },
  d: { label: 'Heat diffusion (D)', unit: 'W m⁻² K⁻¹', min: 0, max: 10, value: 0.4 },
  solar: { label: 'Solar constant (S0)', unit: 'W m⁻²', min: 100, max: 10_000, value: 1365 },
  albedoWarm: { label: 'Ice-free albedo', unit: '', min: 0, max: 1, value: 0.3 },
  albedoIce: { label: 'Ice albedo', unit: '', min: 0, max: 1, value: 0.62 },
  tFreeze: { label: 'Freezing temperature', unit: '°C', min: -100, max: 50, value: -10 },
  forcing: { label: 'Radiative forcing', unit: 'W m⁻²', min: -100, max: 100, value: 0 },
  tInit: { label: 'Initial temperature', unit: '°C', min: -150, max: 150, value: 30 },
};

const inBounds = (name: EbmMemberParam) => {
  const { min, max } = EBM_PARAM_INFO[name];
  return z.number().min(min).max(max);
};

const ParametersSchema = z.strictObject(
  Object.fromEntries(EBM_MEMBER_PARAMS.map((name) => [name, inBounds(name).default(EBM_PARAM_INFO[name].value)])) as {
    [K in EbmMemberParam]: z.ZodDefault<z.ZodNumber>;
  },
);

const RangeSchema = (name: EbmMemberParam) => z.strictObject({ min: inBounds(name), max: inBounds(name) });
const RangesSchema = z.strictObject(
  Object.fromEntries(EBM_MEMBER_PARAMS.map((name) => [name, RangeSchema(name).optional()])) as {
    [K in EbmMemberParam]: z.ZodOptional<ReturnType<typeof RangeSchema>>;
  },
);

/** The perturbed physics of the default ensemble: feedback, transport and surface albedo. */
export const EBM_DEFAULT_RANGES = { b: { min: 1.8, max: 2.4 }, d: { min: 0.3, max: 0.5 }, albedoWarm: { min: 0.28, max: 0.32 } };

export const EbmSamplingSchema = z
  .discriminatedUnion('method', [
    z.strictObject({
      method: z.literal('lhs'),
      members: z.int().min(1).max(EBM_MEMBERS_MAX, { error: `at most ${EBM_MEMBERS_MAX} members per job (EBM_MEMBERS_MAX)` }).default(1000),
      seed: z.int().min(0).max(0xffffffff).default(1),
    }),
    z.strictObject({
      method: z.literal('grid'),
      levels: z.int().min(2).max(EBM_GRID_LEVELS_MAX).default(5),
    }),
  ])
  .default({ method: 'lhs', members: 1000, seed: 1 });

/** Parameters of an EBM ensemble; the defaults are a small perturbed-physics sensitivity study. */
export const EbmParamsSchema = z
  .strictObject({
    /** `sensitivity`: every member is run with and without `sensitivityForcing`; `equilibrium`: once. */
    mode: z.enum(['sensitivity', 'equilibrium']).default('sensitivity'),
    /** Forcing added for the sensitivity run, W m⁻² (3.7 ≈ doubled CO2, Myhre et al. 1998). */
    sensitivityForcing: z.number().min(0.1).max(20).default(3.7),
    iceFeedback: z.boolean().default(true),
    /** Whether units return every member's temperature profile (the result keeps their spread). */
    profiles: z.boolean().default(true),
    cells: z.int().min(EBM_CELLS_MIN).max(EBM_CELLS_MAX).default(90),
    /** Time step, years. */
    dt: z.number().gt(0).max(1000).default(5),
    /** Mixed-layer heat capacity, W yr m⁻² K⁻¹ (about 100 m of ocean). */
    heatCapacity: z.number().gt(0).max(1000).default(13.3),
    /** Equilibrium: the largest |C dT/dt| below this, W m⁻². */
    tolerance: z.number().min(1e-12).max(10).default(1e-6),
    maxSteps: z.int().min(1).max(EBM_STEPS_MAX).default(1000),
    /** Insolation s(x) = 1 + s2·P2(x) (North 1975). */
    s2: z.number().min(-1).max(1).default(-0.482),
    /** Ice-free albedo αw + a2·P2(x). */
    albedoP2: z.number().min(-0.5).max(0.5).default(0.078),
    /** Half-width of the albedo's change around the freezing temperature, K (0: a step). */
    rampWidth: z.number().min(0).max(20).default(1),
    /** Values of the parameters that are not sampled. */
    parameters: ParametersSchema.default(ParametersSchema.parse({})),
    /** Ranges sampled for the ensemble; a parameter with a range ignores its value above. */
    ranges: RangesSchema.default(EBM_DEFAULT_RANGES),
    sampling: EbmSamplingSchema,
    membersPerUnit: z.int().min(1).max(EBM_MEMBERS_PER_UNIT_MAX).default(100),
  })
  .superRefine((p, ctx) => {
    for (const name of EBM_MEMBER_PARAMS) {
      const r = p.ranges[name];
      if (!r) continue;
      if (r.min > r.max) ctx.addIssue({ code: 'custom', path: ['ranges', name, 'max'], message: `inverted range: max ${r.max} is below min ${r.min}` });
      else if (r.min === r.max) ctx.addIssue({ code: 'custom', path: ['ranges', name, 'max'], message: `empty range: max equals min (${r.min}); give a value instead` });
    }
    const members = ebmMembersCount(p);
    if (p.sampling.method === 'grid' && members > EBM_MEMBERS_MAX) {
      const dims = rangedParams(p).length;
      ctx.addIssue({
        code: 'custom',
        path: ['sampling', 'levels'],
        message: `a grid of ${p.sampling.levels}^${dims} = ${members} members is over ${EBM_MEMBERS_MAX} (EBM_MEMBERS_MAX)`,
      });
      return;
    }
    const perUnit = Math.min(p.membersPerUnit, members);
    const units = Math.ceil(members / perUnit);
    const runs = perUnit * runsPerMember(p);
    if (units > JOB_UNITS_MAX) {
      ctx.addIssue({ code: 'custom', path: ['membersPerUnit'], message: `the job would have ${units} units, at most ${JOB_UNITS_MAX}: put more members in each unit` });
    }
    if (p.cells * p.maxSteps * runs > EBM_UNIT_CELL_STEPS_MAX) {
      ctx.addIssue({ code: 'custom', path: ['membersPerUnit'], message: `a unit would exceed ${EBM_UNIT_CELL_STEPS_MAX} cell-steps: put fewer members in each unit` });
    }
    if (ebmOutputBytes(p.cells, runs, p.profiles) > UNIT_OUTPUT_BYTES_MAX) {
      ctx.addIssue({ code: 'custom', path: ['membersPerUnit'], message: `a unit's output would exceed ${UNIT_OUTPUT_BYTES_MAX} bytes: put fewer members in each unit` });
    }
  });

export type EbmParams = z.output<typeof EbmParamsSchema>;

/** The parameters sampled from ranges, in layout order. */
export function rangedParams(p: Pick<EbmParams, 'ranges'>): EbmMemberParam[] {
  return EBM_MEMBER_PARAMS.filter((name) => p.ranges[name] !== undefined);
}

/** Parameter vectors (members) the job has. */
export function ebmMembersCount(p: Pick<EbmParams, 'ranges' | 'sampling'>): number {
  return p.sampling.method === 'lhs' ? p.sampling.members : gridSize(p.sampling.levels, rangedParams(p).length);
}

/** Kernel runs per member: with and without the sensitivity forcing, or once. */
export function runsPerMember(p: Pick<EbmParams, 'mode'>): number {
  return p.mode === 'sensitivity' ? 2 : 1;
}

/** Every member's parameter vector, sampled from the ranges (reproducible from `p` alone). */
export function ebmMemberVectors(p: EbmParams): EbmMember[] {
  const names = rangedParams(p);
  const ranges = names.map((name) => p.ranges[name]!);
  const rows = p.sampling.method === 'lhs' ? latinHypercube(ranges, p.sampling.members, p.sampling.seed) : gridSample(ranges, p.sampling.levels);
  return rows.map((row) => {
    const member: EbmMember = { ...p.parameters };
    names.forEach((name, d) => (member[name] = row[d]!));
    return member;
  });
}

/** The unit header every unit of the job shares. */
export function ebmUnitShape(p: EbmParams): Omit<EbmUnitInput, 'members'> {
  return {
    cells: p.cells,
    maxSteps: p.maxSteps,
    ice: p.iceFeedback,
    profile: p.profiles,
    dt: p.dt,
    heatCapacity: p.heatCapacity,
    tolerance: p.tolerance,
    s2: p.s2,
    albedoP2: p.albedoP2,
    rampWidth: p.rampWidth,
  };
}

/** The kernel runs of some members: each once, or (sensitivity) unforced then forced. */
function runsOf(p: EbmParams, members: EbmMember[]): EbmMember[] {
  if (p.mode === 'equilibrium') return members;
  return members.flatMap((m) => [m, { ...m, forcing: m.forcing + p.sensitivityForcing }]);
}

/** Splits the ensemble into units of at most `membersPerUnit` members, in member order. */
export function splitEbm(p: EbmParams, vectors: EbmMember[] = ebmMemberVectors(p)): SplitUnit[] {
  const shape = ebmUnitShape(p);
  const units: SplitUnit[] = [];
  for (let first = 0; first < vectors.length; first += p.membersPerUnit) {
    const members = vectors.slice(first, first + p.membersPerUnit);
    const runs = runsOf(p, members);
    units.push({
      input: encodeEbmInput({ ...shape, members: runs }),
      outputBytes: ebmOutputBytes(p.cells, runs.length, p.profiles),
      // The quote pays for every allowed step: members that settle early cost the same.
      costPoints: Math.max(1, Math.ceil((p.cells * p.maxSteps * runs.length) / VAR_STEPS_PER_POINT)),
      members: members.length,
    });
  }
  return units;
}
