import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import { JobProgressSchema, type Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { failingVerifyPool, makeTestApp, type TestAppOptions } from '../testing.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';

async function setup(options: TestAppOptions = {}) {
  const t = await makeTestApp(':memory:', options);
  const { apiKey } = await t.client().createCustomer('Acme');
  const customer = t.client(apiKey);
  const job = await customer.createJob({ kind: 'lorenz96', params: { n: 8, steps: 40, snapEvery: 20, members: 2, membersPerUnit: 1 } });
  const volunteer = async () => t.client((await t.client().createVolunteer()).token);
  const module = t.kernels.entries.get('lorenz96@1')!.module;
  const compute = (l: Lease) => runKernel(module, base64ToBytes(l.input));
  return { ...t, apiKey, customer, job, volunteer, compute };
}

async function readEvents(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => JSON.parse(l.slice(5)));
}

describe('iterative jobs', () => {
  it('chains windows from validated results, ending exactly where one long run ends', async () => {
    const t = await makeTestApp();
    const customer = t.client((await t.client().createCustomer('It')).apiKey);
    const params = { n: 10, steps: 50, snapEvery: 25, members: 4, membersPerUnit: 2, seed: 4, cycles: 3 };
    const job = await customer.createJob({ kind: 'lorenz96', params });
    expect(job.unitsTotal).toBe(2);
    const module = t.kernels.entries.get('lorenz96@1')!.module;
    const vols = [t.client((await t.client().createVolunteer()).token), t.client((await t.client().createVolunteer()).token)];
    for (let round = 0; round < 10 && (await customer.job(job.id)).status === 'running'; round++) {
      for (const v of vols) for (const l of (await v.lease({ max: 16 })).leases) await v.submitResult(l.leaseId, await runKernel(module, base64ToBytes(l.input)));
    }
    expect(await customer.job(job.id)).toMatchObject({ status: 'completed', unitsTotal: 6, unitsValid: 6 });
    const result = (await customer.jobResult(job.id)) as { leadSteps: number[]; members: { final: number[] }[] };
    expect(result.leadSteps).toEqual([125, 150]);
    // RK4 state carries over whole, so three windows of 50 steps equal one run of 150.
    const p = L96ParamsSchema.parse({ ...params, steps: 150, snapEvery: 150, cycles: 1 });
    const once = assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)));
    expect(result.members.map((m) => m.final)).toEqual(once.members.map((m) => m.final));
  });
});

describe('job lifecycle', () => {
  it('extends a lease on heartbeat while its unit is open and its progress advances', async () => {
    const t = await setup();
    const v = await t.volunteer();
    const lease = (await v.lease()).leases[0]!;
    t.clock.now = lease.deadline - 1_000;
    const h = await v.heartbeat(lease.leaseId, 1);
    expect(h.stop).toBe(false);
    expect(h.deadline).toBeGreaterThan(lease.deadline);
    // Past the old deadline the unit is not reissued: the heartbeat kept it.
    t.clock.now = lease.deadline + 1;
    const other = await t.volunteer();
    const [a, b] = [(await other.lease({ max: 16 })).leases, (await (await t.volunteer()).lease({ max: 16 })).leases];
    expect([...a, ...b].filter((l) => l.unitId === lease.unitId)).toHaveLength(1);
  });

  it('cancels a job: leases are told to stop, late results are not credited, nothing is leased', async () => {
    const t = await setup();
    const v = await t.volunteer();
    const lease = (await v.lease()).leases[0]!;
    const cancelled = await t.customer.cancelJob(t.job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await v.heartbeat(lease.leaseId)).toMatchObject({ stop: true, reason: 'unit_cancelled' });
    expect(await v.submitResult(lease.leaseId, await t.compute(lease))).toMatchObject({ outcome: 'unit_closed', creditedPoints: 0 });
    expect((await v.me()).points).toBe(0);
    expect((await (await t.volunteer()).lease({ max: 16 })).leases).toEqual([]);
    const again = await t.customer.cancelJob(t.job.id).catch((e: unknown) => e);
    expect((again as ApiError).problem.type).toBe('/problems/job-not-running');
  });

  it('lists failed units with the reason', async () => {
    // Error reports alone never fail a unit: it fails when the server's own run fails too.
    const t = await setup({ verifyPool: failingVerifyPool('kernel refused its input (code -3)') });
    for (let i = 0; i < 3; i++) {
      const v = await t.volunteer();
      const lease = (await v.lease()).leases[0]!;
      await v.reportError(lease.leaseId, -1, 'kernel refused its input (code -3)');
    }
    const job = await t.customer.job(t.job.id);
    expect(job.failures).toEqual([{ unit: 0, reason: "the server's own run failed too: kernel refused its input (code -3)" }]);
  });

  it('streams progress as server-sent events and ends with the job', async () => {
    const t = await setup();
    const [a, b] = [await t.volunteer(), await t.volunteer()];
    t.clock.now += 5_000;
    for (const v of [a, b]) for (const l of (await v.lease({ max: 16 })).leases) await v.submitResult(l.leaseId, await t.compute(l));
    const res = await t.app.request(`/api/jobs/${t.job.id}/events`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await readEvents(res)).map((e) => JobProgressSchema.parse(e));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'completed', unitsTotal: 2, valid: 2, queued: 0, inProgress: 0, etaSeconds: 0 });
    // Two units validated 5 s after the job started.
    expect(events[0]!.unitsPerSecond).toBeCloseTo(0.4, 6);
  });
});
