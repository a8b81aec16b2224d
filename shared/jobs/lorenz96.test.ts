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

describe('Lorenz-96 integration over lead time', () => {
  it('reports spread, the event variable and the exceedance probability per snapshot, also from some units', async () => {
    const { lorenz96Reference } = await import('../../kernels/lorenz96/reference.ts');
    const { integrateL96 } = await import('./lorenz96.ts');
    const p = L96ParamsSchema.parse({ n: 12, steps: 300, snapEvery: 100, members: 9, membersPerUnit: 3, perturbation: 2, eventVar: 5, eventThreshold: 8.5, seed: 4 });
    const outputs = splitL96(p).map((u) => lorenz96Reference(u.input));
    const r = integrateL96(p, outputs.map((output, index) => ({ index, output })));
    expect(r.leadTime.time).toEqual([1, 2, 3]);
    for (let t = 0; t < 3; t++) {
      // Recomputed from each member's snapshot directly.
      const values = outputs.flatMap((bytes) => {
        const x = new Float64Array(new Uint8Array(bytes).buffer);
        return [0, 1, 2].map((j) => x[(j * 3 + t) * 12 + 5]!);
      });
      expect(r.leadTime.exceedance[t]).toBe(values.filter((v) => v > 8.5).length / 9);
      expect(r.leadTime.eventMean[t]).toBeCloseTo(values.reduce((s, v) => s + v, 0) / 9, 12);
      expect(r.leadTime.spreadRms[t]).toBeCloseTo(Math.sqrt(r.spread[t]!.reduce((s, v) => s + v * v, 0) / 12), 12);
    }
    // Not a degenerate ensemble or event, or the checks above prove little.
    for (const s of r.leadTime.spreadRms) expect(s).toBeGreaterThan(0.5);
    expect(new Set(r.leadTime.exceedance).size).toBeGreaterThan(1);
    const partial = integrateL96(p, [{ index: 1, output: outputs[1]! }]);
    expect(partial.membersDone).toBe(3);
    expect(L96ParamsSchema.safeParse({ n: 8, eventVar: 8 }).error?.issues.map((i) => i.path.join('.'))).toEqual(['eventVar']);
  });
});
