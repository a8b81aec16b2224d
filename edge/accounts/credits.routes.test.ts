/**
 * @module Tests of the volunteer's credits and unit routes, in-process: credits name their
 * job and unit, "points since" counts only what was credited from then on, bad queries are
 * problems, and a unit is shown only to a volunteer who worked on it.
 */
import { describe, expect, it } from 'vitest';
import { base64ToBytes } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { makeTestApp } from '../testing.ts';
import { parseUnitRef } from './credits.routes.ts';

async function validatedUnit() {
  const t = await makeTestApp();
  const { apiKey } = await t.client().createCustomer('Credits Co');
  const job = await t.client(apiKey).createJob({ kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 10, members: 1, membersPerUnit: 1 } });
  const module = t.kernels.entries.get('lorenz96@1')!.module;
  const vols = [];
  for (let i = 0; i < 2; i++) {
    const { volunteerId, token } = await t.client().createVolunteer();
    const api = t.client(token);
    const [lease] = (await api.lease({ max: 1 })).leases;
    await api.submitResult(lease!.leaseId, await runKernel(module, base64ToBytes(lease!.input)));
    vols.push({ volunteerId, token, api, lease: lease! });
  }
  return { t, job, vols };
}

describe('volunteer credits and units', () => {
  it('lists credits with their job and unit, and points since a time', async () => {
    const { t, job, vols } = await validatedUnit();
    const [a] = vols;
    const credits = await a!.api.credits(t.clock.now - 1000);
    expect(credits.credits).toEqual([
      { transferId: expect.any(String), jobId: job.id, unitId: a!.lease.unitId, points: a!.lease.costPoints, kind: 'credit', at: t.clock.now },
    ]);
    expect(credits.pointsSince).toBe(a!.lease.costPoints);
    expect((await a!.api.me()).points).toBe(a!.lease.costPoints);
    t.clock.now += 60_000;
    expect((await a!.api.credits(t.clock.now - 1000)).pointsSince).toBe(0);
  });

  it('refuses a missing or bad `since` with a problem', async () => {
    const { t, vols } = await validatedUnit();
    const res = await t.app.request('/api/volunteers/me/credits?since=yesterday', { headers: { authorization: `Bearer ${vols[0]!.token}` } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    await expect(vols[0]!.api.credits(-5)).rejects.toMatchObject({ name: 'ApiError', status: 422 });
  });

  it('shows a unit to the volunteers who worked on it, and to no one else', async () => {
    const { t, job, vols } = await validatedUnit();
    const unit = await vols[0]!.api.volunteerUnit(vols[0]!.lease.unitId);
    expect(unit).toMatchObject({ jobId: job.id, jobKind: 'lorenz96', unitState: 'valid', jobStatus: 'completed', unitsTotal: 1, unitsValid: 1 });
    expect(unit.results).toEqual([expect.objectContaining({ leaseId: vols[0]!.lease.leaseId, state: 'returned', outcome: 'valid' })]);
    const stranger = t.client((await t.client().createVolunteer()).token);
    await expect(stranger.volunteerUnit(vols[0]!.lease.unitId)).rejects.toMatchObject({ status: 404 });
  });

  it('reads unit refs of the ledger', () => {
    expect(parseUnitRef('job:j_a:b:unit:42')).toEqual({ jobId: 'j_a:b', unitId: 42 });
    expect(parseUnitRef('order:7')).toBeUndefined();
    expect(parseUnitRef(null)).toBeUndefined();
  });
});
