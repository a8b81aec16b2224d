import { describe, expect, it } from 'vitest';
import { EBM_MEMBERS_MAX, UNIT_OUTPUT_BYTES_MAX, VAR_STEPS_PER_POINT } from '../limits.ts';
import { decodeEbmInput } from '../kernels/ebm.codec.ts';
import { EBM_DEFAULT_RANGES, EbmParamsSchema, ebmMemberVectors, ebmMembersCount, splitEbm } from './ebm.ts';

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
});
