import { describe, expect, it } from 'vitest';
import { EBM_MEMBERS_MAX, UNIT_OUTPUT_BYTES_MAX, VAR_STEPS_PER_POINT } from '../limits.ts';
import { decodeEbmInput } from '../kernels/ebm.codec.ts';
import { ebmReference } from '../../kernels/ebm/reference.ts';
import { EBM_DEFAULT_RANGES, EbmParamsSchema, ebmMemberVectors, ebmMembersCount, splitEbm } from './ebm.ts';
import { integrateEbm } from './ebm-result.ts';
import { resultCsv } from './csv.ts';

const paths = (v: unknown) => (EbmParamsSchema.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));

describe('EBM job kind', () => {
  it('defaults to a perturbed-physics sensitivity study over B, D and the albedo', () => {
    const p = EbmParamsSchema.parse({});
    expect(p).toMatchObject({ mode: 'sensitivity', iceFeedback: true, ranges: EBM_DEFAULT_RANGES, sampling: { method: 'lhs', members: 1000 } });
    expect(ebmMembersCount(p)).toBe(1000);
  });

  it('refuses empty, inverted and oversized ranges and ensembles, naming the field', () => {
    expect(paths({ ranges: { b: { min: 3, max: 2 } } })).toEqual(['ranges.b.max']);
    expect(paths({ ranges: { b: { min: 2, max: 2 } } })).toEqual(['ranges.b.max']);
    expect(paths({ ranges: { tInit: { max: 2 } } })).toEqual(['ranges.tInit.min']);
    expect(paths({ parameters: { solar: Infinity } })).toEqual(['parameters.solar']);
    expect(paths({ ranges: { solar: { min: NaN, max: 1400 } } })).toEqual(['ranges.solar.min']);
    expect(paths({ sampling: { method: 'lhs', members: EBM_MEMBERS_MAX + 1 } })).toEqual(['sampling.members']);
    expect(paths({ sampling: { method: 'grid', levels: 47 } })).toEqual(['sampling.levels']);
    expect(paths({ cells: 1024, membersPerUnit: 2000 })).toEqual(['membersPerUnit', 'membersPerUnit']);
    expect(paths({ sampling: { method: 'grid', levels: 46 } })).toEqual([]);
  });

  it('samples members inside their ranges and keeps fixed parameters', () => {
    const p = EbmParamsSchema.parse({ parameters: { solar: 1300 }, ranges: { d: { min: 0.2, max: 0.6 } }, sampling: { method: 'lhs', members: 50, seed: 9 } });
    const members = ebmMemberVectors(p);
    expect(members).toHaveLength(50);
    for (const m of members) {
      expect(m.solar).toBe(1300);
      expect(m.b).toBe(2.09);
      expect(m.d).toBeGreaterThanOrEqual(0.2);
      expect(m.d).toBeLessThan(0.6);
    }
  });

  it('splits members in order, each with its forced twin, and prices units by their step budget', () => {
    const p = EbmParamsSchema.parse({ cells: 30, maxSteps: 400, membersPerUnit: 4, sampling: { method: 'grid', levels: 2 } });
    const units = splitEbm(p);
    expect(units.map((u) => u.members)).toEqual([4, 4]);
    const vectors = ebmMemberVectors(p);
    const first = decodeEbmInput(units[1]!.input);
    expect(first.members).toHaveLength(8);
    expect(first.members[0]).toEqual(vectors[4]);
    expect(first.members[1]).toEqual({ ...vectors[4], forcing: vectors[4]!.forcing + p.sensitivityForcing });
    expect(units[0]!.costPoints).toBe(Math.ceil((30 * 400 * 8) / VAR_STEPS_PER_POINT));
    for (const u of units) expect(u.outputBytes).toBeLessThanOrEqual(UNIT_OUTPUT_BYTES_MAX);
  });

  it('integrates the units done so far, in any order, and the whole job the same as assimilation', () => {
    const p = EbmParamsSchema.parse({ cells: 24, membersPerUnit: 3, sampling: { method: 'lhs', members: 8, seed: 2 } });
    const outputs = splitEbm(p).map((u) => ebmReference(u.input));
    const all = integrateEbm(p, outputs.map((output, seq) => ({ seq, output })).reverse(), true);
    expect(all.membersDone).toBe(8);
    expect(all.members!.map((m) => m.member)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const some = integrateEbm(p, [{ seq: 2, output: outputs[2]! }], false);
    expect(some.membersDone).toBe(2);
    expect(some.members).toBeUndefined();
    const converged = all.members!.filter((m) => m.status === 'converged' && m.forced?.status === 'converged');
    expect(all.stats.sensitivity!.count).toBe(converged.length);
    expect(all.stats.sensitivity!.mean).toBeCloseTo(converged.reduce((s, m) => s + m.sensitivity!, 0) / converged.length, 12);
    expect(all.histograms.meanT.counts.reduce((s, c) => s + c, 0)).toBe(all.counts.converged);
    expect(all.profile!.lat).toHaveLength(24);
    // CSV: a header and one row per member; a missing number is an empty cell.
    const rows = resultCsv(all).trim().split('\n');
    expect(rows).toHaveLength(9);
    expect(rows[1]!.split(',')[0]).toBe('0');
  });
});
