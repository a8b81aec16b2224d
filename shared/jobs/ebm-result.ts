/**
 * @module The result of an EBM ensemble: unit outputs integrated into each member's
 * equilibria and sensitivity, the distributions of global-mean temperature, ice-edge
 * latitude and equilibrium climate sensitivity, and the temperature profiles' spread; from
 * every unit (the final result) or from the units validated so far (a partial result).
 */
import { EBM_HISTOGRAM_BINS } from '../limits.ts';
import { EBM_STATUS, decodeEbmOutput, type EbmMember, type EbmMemberOutput, type EbmMemberParam } from '../kernels/ebm.codec.ts';
import { ebmMemberVectors, rangedParams, runsPerMember, type EbmParams } from './ebm.ts';
import { histogram, quantiles, summarize, type Histogram, type Summary } from './stats.ts';

const STATUS_NAMES = { [EBM_STATUS.converged]: 'converged', [EBM_STATUS.notConverged]: 'not_converged', [EBM_STATUS.diverged]: 'diverged' } as const;
export type EbmRunStatus = (typeof STATUS_NAMES)[keyof typeof STATUS_NAMES];

/** One kernel run as the result reports it (null for a non-finite number). */
export interface EbmRun {
  meanT: number | null;
  /** Latitude of the ice edge, degrees: 90 with no ice, 0 for a snowball. */
  iceEdgeLat: number | null;
  status: EbmRunStatus;
  steps: number;
}

export interface EbmMemberResult extends EbmRun {
  member: number;
  params: EbmMember;
  /** The run with the sensitivity forcing added (mode `sensitivity`). */
  forced?: EbmRun;
  /** Equilibrium climate sensitivity, K: forced minus unforced mean; null unless both converged. */
  sensitivity?: number | null;
}

/** The integrated result of an EBM ensemble job (also its partial result while it runs). */
export interface EbmResult {
  kind: 'ebm';
  params: EbmParams;
  membersTotal: number;
  /** Members whose unit was validated (all of them once the job completed). */
  membersDone: number;
  ranged: EbmMemberParam[];
  /** Unforced runs by outcome and by climate. */
  counts: { converged: number; notConverged: number; diverged: number; snowball: number; iceFree: number };
  /** Over converged unforced runs (sensitivity: over members with both runs converged). */
  stats: { meanT: Summary; iceEdgeLat: Summary; sensitivity?: Summary };
  histograms: { meanT: Histogram; iceEdgeLat: Histogram; sensitivity?: Histogram };
  /** Temperature against latitude over converged unforced runs (and the forced mean), with profiles on. */
  profile?: { lat: number[]; mean: number[]; p05: number[]; p95: number[]; forcedMean?: number[] };
  /** Every member; left out of partial results to keep them small. */
  members?: EbmMemberResult[];
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);
const latitude = (x: number) => (Number.isFinite(x) ? (Math.asin(Math.min(1, Math.max(0, x))) * 180) / Math.PI : null);

function toRun(o: EbmMemberOutput): EbmRun {
  return { meanT: finite(o.meanT), iceEdgeLat: latitude(o.iceEdgeX), status: STATUS_NAMES[o.status as 1 | 0 | -1] ?? 'diverged', steps: o.steps };
}

/** Mean and 5–95 % band of converged profiles at each cell. */
function profileBand(p: EbmParams, profiles: Float64Array[], forced: Float64Array[]): NonNullable<EbmResult['profile']> {
  const lat = Array.from({ length: p.cells }, (_, i) => latitude((i + 0.5) / p.cells)!);
  const mean: number[] = [];
  const p05: number[] = [];
  const p95: number[] = [];
  const forcedMean: number[] = [];
  const column = new Float64Array(profiles.length);
  for (let i = 0; i < p.cells; i++) {
    let sum = 0;
    profiles.forEach((prof, j) => (sum += column[j] = prof[i]!));
    const [lo, hi] = profiles.length ? quantiles(column, [0.05, 0.95]) : [NaN, NaN];
    mean.push(profiles.length ? sum / profiles.length : NaN);
    p05.push(lo!);
    p95.push(hi!);
    if (forced.length) forcedMean.push(forced.reduce((s, f) => s + f[i]!, 0) / forced.length);
  }
  return { lat, mean, p05, p95, ...(forced.length ? { forcedMean } : {}) };
}

/**
 * Integrates validated unit outputs into the job's result. `units` carry their position
 * (`seq`) so a partial result can be built from whichever units are done; without
 * `withMembers` the per-member list is left out.
 */
export function integrateEbm(p: EbmParams, units: { seq: number; output: Uint8Array }[], withMembers: boolean): EbmResult {
  const vectors = ebmMemberVectors(p);
  const runs = runsPerMember(p);
  const members: EbmMemberResult[] = [];
  const profiles: Float64Array[] = [];
  const forcedProfiles: Float64Array[] = [];
  for (const u of [...units].sort((a, b) => a.seq - b.seq)) {
    const first = u.seq * p.membersPerUnit;
    const count = Math.min(p.membersPerUnit, vectors.length - first);
    const out = decodeEbmOutput(u.output, p.cells, count * runs, p.profiles);
    for (let j = 0; j < count; j++) {
      const base = out[j * runs]!;
      const member: EbmMemberResult = { member: first + j, params: vectors[first + j]!, ...toRun(base) };
      if (runs === 2) {
        const forced = out[j * runs + 1]!;
        member.forced = toRun(forced);
        const both = base.status === EBM_STATUS.converged && forced.status === EBM_STATUS.converged;
        member.sensitivity = both ? finite(forced.meanT - base.meanT) : null;
        if (both && forced.profile) forcedProfiles.push(forced.profile);
      }
      if (base.status === EBM_STATUS.converged && base.profile) profiles.push(base.profile);
      members.push(member);
    }
  }
  const converged = members.filter((m) => m.status === 'converged');
  const counts = {
    converged: converged.length,
    notConverged: members.filter((m) => m.status === 'not_converged').length,
    diverged: members.filter((m) => m.status === 'diverged').length,
    snowball: converged.filter((m) => m.iceEdgeLat === 0).length,
    iceFree: converged.filter((m) => m.iceEdgeLat === 90).length,
  };
  const meanT = converged.map((m) => m.meanT!);
  const edge = converged.map((m) => m.iceEdgeLat!);
  const result: EbmResult = {
    kind: 'ebm',
    params: p,
    membersTotal: vectors.length,
    membersDone: members.length,
    ranged: rangedParams(p),
    counts,
    stats: { meanT: summarize(meanT), iceEdgeLat: summarize(edge) },
    histograms: { meanT: histogram(meanT, EBM_HISTOGRAM_BINS), iceEdgeLat: histogram(edge, EBM_HISTOGRAM_BINS) },
  };
  if (runs === 2) {
    const s = members.flatMap((m) => (m.sensitivity === null || m.sensitivity === undefined ? [] : [m.sensitivity]));
    result.stats.sensitivity = summarize(s);
    result.histograms.sensitivity = histogram(s, EBM_HISTOGRAM_BINS);
  }
  if (p.profiles) result.profile = profileBand(p, profiles, forcedProfiles);
  if (withMembers) result.members = members;
  return result;
}

/** The final result: every unit's canonical output, in unit order. */
export function assimilateEbm(p: EbmParams, outputs: Uint8Array[]): EbmResult {
  return integrateEbm(
    p,
    outputs.map((output, seq) => ({ seq, output })),
    true,
  );
}
