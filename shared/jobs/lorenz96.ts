/**
 * @module The Lorenz-96 ensemble job kind: its parameters (validated the same way in the
 * browser form and on the edge), how it is split into units and how unit outputs are
 * integrated into the customer's result.
 */
import { z } from 'zod';
import {
  L96_CYCLES_MAX,
  L96_MEMBERS_MAX,
  L96_MEMBERS_PER_UNIT_MAX,
  L96_SNAPSHOTS_MAX,
  L96_STEPS_MAX,
  L96_UNIT_VAR_STEPS_MAX,
  L96_VARS_MAX,
  L96_VARS_MIN,
  UNIT_OUTPUT_BYTES_MAX,
  VAR_STEPS_PER_POINT,
} from '../limits.ts';
import { mulberry32 } from '../random.ts';
import {
  L96_DIAGNOSTICS,
  decodeL96Output,
  encodeL96Input,
  l96OutputBytes,
  l96Snapshots,
} from '../kernels/lorenz96.codec.ts';
import type { SplitUnit } from './split.ts';

/** Kernel that runs this job kind, and the version its units are encoded for. */
export const L96_KERNEL = { id: 'lorenz96', version: 1 } as const;

/** Parameters of a Lorenz-96 ensemble; defaults are the classic chaotic setting (F=8, N=40). */
export const L96ParamsSchema = z
  .object({
    n: z.int().min(L96_VARS_MIN).max(L96_VARS_MAX).default(40),
    forcing: z.number().min(-1000).max(1000).default(8),
    dt: z.number().gt(0).max(0.1).default(0.01),
    steps: z.int().min(1).max(L96_STEPS_MAX).default(1000),
    snapEvery: z.int().min(1).max(L96_STEPS_MAX).default(100),
    members: z.int().min(1).max(L96_MEMBERS_MAX).default(16),
    membersPerUnit: z.int().min(1).max(L96_MEMBERS_PER_UNIT_MAX).default(4),
    perturbation: z.number().min(0).max(10).default(1e-3),
    seed: z.int().min(0).max(0xffffffff).default(1),
    /**
     * Consecutive windows of `steps` steps: window k+1's units start from window k's
     * validated final states (an iterative job). The result describes the last window.
     */
    cycles: z.int().min(1).max(L96_CYCLES_MAX).default(1),
    /** The variable whose exceedance probability the result reports (0-based, below n). */
    eventVar: z.int().min(0).max(L96_VARS_MAX - 1).default(0),
    /** The event: x[eventVar] above this value. */
    eventThreshold: z.number().min(-1000).max(1000).default(10),
  })
  .superRefine((p, ctx) => {
    if (p.eventVar >= p.n) ctx.addIssue({ code: 'custom', path: ['eventVar'], message: `must be below the number of variables (${p.n})` });
    if (p.steps % p.snapEvery !== 0) {
      ctx.addIssue({ code: 'custom', path: ['snapEvery'], message: `must divide steps (${p.steps})` });
      return;
    }
    const snapshots = l96Snapshots(p.steps, p.snapEvery);
    if (snapshots > L96_SNAPSHOTS_MAX) {
      ctx.addIssue({ code: 'custom', path: ['snapEvery'], message: `gives ${snapshots} snapshots, at most ${L96_SNAPSHOTS_MAX}` });
    }
    const perUnit = Math.min(p.membersPerUnit, p.members);
    if (p.n * p.steps * perUnit > L96_UNIT_VAR_STEPS_MAX) {
      ctx.addIssue({ code: 'custom', path: ['membersPerUnit'], message: `a unit would exceed ${L96_UNIT_VAR_STEPS_MAX} variable-steps` });
    }
    if (l96OutputBytes(p.n, perUnit, p.steps, p.snapEvery) > UNIT_OUTPUT_BYTES_MAX) {
      ctx.addIssue({ code: 'custom', path: ['membersPerUnit'], message: `a unit's output would exceed ${UNIT_OUTPUT_BYTES_MAX} bytes` });
    }
  });

export type L96Params = z.output<typeof L96ParamsSchema>;


/**
 * Initial states of the whole ensemble: every member starts at the unstable equilibrium
 * x_v = F, plus a uniform perturbation in [-a, a) per variable from a seeded generator, so
 * the ensemble is reproducible from its parameters alone.
 */
export function l96InitialStates(p: L96Params): Float64Array {
  const rand = mulberry32(p.seed);
  const x0 = new Float64Array(p.members * p.n);
  for (let i = 0; i < x0.length; i++) x0[i] = p.forcing + p.perturbation * (2 * rand() - 1);
  return x0;
}

/** Splits an ensemble into units of at most `membersPerUnit` members, in member order. */
export function splitL96(p: L96Params, x0: Float64Array = l96InitialStates(p)): SplitUnit[] {
  const units: SplitUnit[] = [];
  for (let first = 0; first < p.members; first += p.membersPerUnit) {
    const m = Math.min(p.membersPerUnit, p.members - first);
    units.push({
      input: encodeL96Input({
        n: p.n,
        m,
        steps: p.steps,
        snapEvery: p.snapEvery,
        dt: p.dt,
        forcing: p.forcing,
        x0: x0.subarray(first * p.n, (first + m) * p.n),
      }),
      outputBytes: l96OutputBytes(p.n, m, p.steps, p.snapEvery),
      costPoints: Math.max(1, Math.ceil((p.n * p.steps * m) / VAR_STEPS_PER_POINT)),
      members: m,
    });
  }
  return units;
}

/** The final state of every member, from a window's unit outputs (in unit order). */
export function l96FinalStates(p: L96Params, outputs: Uint8Array[]): Float64Array {
  const s = l96Snapshots(p.steps, p.snapEvery);
  const x = new Float64Array(p.members * p.n);
  outputs.forEach((bytes, u) => {
    const m = Math.min(p.membersPerUnit, p.members - u * p.membersPerUnit);
    const out = decodeL96Output(bytes, p.n, m, p.steps, p.snapEvery);
    for (let j = 0; j < m; j++) {
      x.set(out.snapshots.subarray((j * s + s - 1) * p.n, (j * s + s) * p.n), (u * p.membersPerUnit + j) * p.n);
    }
  });
  return x;
}

/** The next window's units, or `null` after the last window (`iteration` counts from 0). */
export function nextL96(p: L96Params, outputs: Uint8Array[], iteration: number): SplitUnit[] | null {
  if (iteration + 1 >= p.cycles) return null;
  return splitL96(p, l96FinalStates(p, outputs));
}

/** The integrated result of a Lorenz-96 ensemble job, as the customer downloads it. */
export interface L96Result {
  kind: 'lorenz96';
  params: L96Params;
  /** Step number of each snapshot (lead time = step × dt). */
  leadSteps: number[];
  /** Ensemble mean per snapshot and variable. */
  mean: number[][];
  /** Ensemble spread (population standard deviation) per snapshot and variable. */
  spread: number[][];
  /**
   * Over lead time (one entry per snapshot): model time, the ensemble spread averaged over
   * variables (root mean square, so it compares with an RMS error), the mean and spread of
   * the event variable, and the fraction of members with x[eventVar] > eventThreshold.
   */
  leadTime: { time: number[]; spreadRms: number[]; eventMean: number[]; eventSpread: number[]; exceedance: number[] };
  /** Members integrated into this result (all of them once the job completed). */
  membersDone: number;
  members: { final: number[]; finalMean: number; finalEnergy: number; meanEnergy: number }[];
}

/** Integrates the canonical unit outputs (in unit order) into the job's result. */
export function assimilateL96(p: L96Params, outputs: Uint8Array[]): L96Result {
  return integrateL96(
    p,
    outputs.map((output, index) => ({ index, output })),
  );
}

/**
 * Integrates the outputs of some units of the last window (`index`: the unit's place in
 * the window) into the result: the whole ensemble once all are in, a partial result before.
 */
export function integrateL96(p: L96Params, units: { index: number; output: Uint8Array }[]): L96Result {
  const s = l96Snapshots(p.steps, p.snapEvery);
  const snaps: Float64Array[] = [];
  const members: L96Result['members'] = [];
  [...units].sort((a, b) => a.index - b.index).forEach(({ index: u, output: bytes }) => {
    const m = Math.min(p.membersPerUnit, p.members - u * p.membersPerUnit);
    const out = decodeL96Output(bytes, p.n, m, p.steps, p.snapEvery);
    for (let j = 0; j < m; j++) {
      const own = out.snapshots.subarray(j * s * p.n, (j + 1) * s * p.n);
      snaps.push(own);
      const d = out.diagnostics.subarray(j * L96_DIAGNOSTICS, (j + 1) * L96_DIAGNOSTICS);
      members.push({
        final: Array.from(own.subarray((s - 1) * p.n)),
        finalMean: d[0]!,
        finalEnergy: d[1]!,
        meanEnergy: d[2]!,
      });
    }
  });
  const mean: number[][] = [];
  const spread: number[][] = [];
  for (let t = 0; t < s; t++) {
    const mu = new Array<number>(p.n).fill(0);
    const sd = new Array<number>(p.n).fill(0);
    for (let v = 0; v < p.n; v++) {
      let sum = 0;
      for (const x of snaps) sum += x[t * p.n + v]!;
      const avg = sum / snaps.length;
      let sq = 0;
      for (const x of snaps) sq += (x[t * p.n + v]! - avg) ** 2;
      mu[v] = avg;
      sd[v] = Math.sqrt(sq / snaps.length);
    }
    mean.push(mu);
    spread.push(sd);
  }
  // With several windows the outputs are the last window's: lead times continue from before.
  const offset = (p.cycles - 1) * p.steps;
  const leadSteps = Array.from({ length: s }, (_, t) => offset + (t + 1) * p.snapEvery);
  const leadTime: L96Result['leadTime'] = { time: [], spreadRms: [], eventMean: [], eventSpread: [], exceedance: [] };
  for (let t = 0; t < s; t++) {
    leadTime.time.push(leadSteps[t]! * p.dt);
    leadTime.spreadRms.push(Math.sqrt(spread[t]!.reduce((sum, sd) => sum + sd * sd, 0) / p.n));
    leadTime.eventMean.push(mean[t]![p.eventVar]!);
    leadTime.eventSpread.push(spread[t]![p.eventVar]!);
    let above = 0;
    for (const x of snaps) if (x[t * p.n + p.eventVar]! > p.eventThreshold) above++;
    leadTime.exceedance.push(snaps.length ? above / snaps.length : NaN);
  }
  return { kind: 'lorenz96', params: p, leadSteps, mean, spread, leadTime, membersDone: members.length, members };
}
