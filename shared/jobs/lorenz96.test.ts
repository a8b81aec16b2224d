import { describe, expect, it } from 'vitest';
import { UNIT_OUTPUT_BYTES_MAX, VAR_STEPS_PER_POINT } from '../limits.ts';
import { decodeL96Input } from '../kernels/lorenz96.codec.ts';
import { L96ParamsSchema, l96InitialStates, splitL96 } from './lorenz96.ts';

describe('Lorenz-96 job kind', () => {
  it('fills defaults for the classic chaotic setting', () => {
    expect(L96ParamsSchema.parse({})).toMatchObject({ n: 40, forcing: 8, dt: 0.01 });
  });

  it('refuses parameters the kernel could not honour, naming the field', () => {
    const paths = (v: unknown) => (L96ParamsSchema.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ steps: 100, snapEvery: 30 })).toEqual(['snapEvery']);
    expect(paths({ n: 3 })).toEqual(['n']);
    expect(paths({ dt: Infinity })).toEqual(['dt']);
    expect(paths({ forcing: Number.NaN })).toEqual(['forcing']);
    expect(paths({ members: 2.5 })).toEqual(['members']);
    expect(paths({ n: 1024, steps: 1000, snapEvery: 1, membersPerUnit: 1 })).toEqual(['membersPerUnit']);
  });

  it('splits members in order, prices units from their work, and stays reproducible', () => {
    const p = L96ParamsSchema.parse({ n: 10, steps: 200_000, snapEvery: 100_000, members: 5, membersPerUnit: 2, seed: 3 });
    const units = splitL96(p);
    expect(units.map((u) => u.members)).toEqual([2, 2, 1]);
    expect(units.map((u) => u.costPoints)).toEqual([Math.ceil((10 * 200_000 * 2) / VAR_STEPS_PER_POINT), 4, 2]);
    for (const u of units) expect(u.outputBytes).toBeLessThanOrEqual(UNIT_OUTPUT_BYTES_MAX);
    const x0 = l96InitialStates(p);
    expect(Array.from(decodeL96Input(units[2]!.input).x0)).toEqual(Array.from(x0.subarray(40, 50)));
    expect(Array.from(l96InitialStates(p))).toEqual(Array.from(x0));
    const spread = Math.max(...Array.from(x0, (v) => Math.abs(v - p.forcing)));
    expect(spread).toBeGreaterThan(0);
    expect(spread).toBeLessThanOrEqual(p.perturbation);
  });
});
