/**
 * @module The EBM job kind with the kernel's TypeScript reference computing its units:
 * integration of some or all of them, statistics and CSV (the kind's own checks are in
 * shared/jobs/ebm.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ebmReference } from '../../kernels/ebm/reference.ts';
import { resultCsv } from '../../shared/jobs/csv.ts';
import { integrateEbm } from '../../shared/jobs/ebm-result.ts';
import { EbmParamsSchema, splitEbm } from '../../shared/jobs/ebm.ts';

describe('EBM job kind', () => {
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
