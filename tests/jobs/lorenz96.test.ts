/**
 * @module The Lorenz-96 job kind with the kernel's TypeScript reference computing its units:
 * statistics over lead time from all or some of them (the kind's own checks are in
 * shared/jobs/lorenz96.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { L96ParamsSchema, integrateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';

describe('Lorenz-96 integration over lead time', () => {
  it('reports spread, the event variable and the exceedance probability per snapshot, also from some units', () => {
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
