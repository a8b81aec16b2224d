/**
 * @module Customers' jobs through the API, in process, on SQLite and PostgreSQL: an EBM
 * ensemble computed by two volunteers and integrated exactly as the reference does; its
 * quote, partial results, CSV and invoice; billing through the ledger (the quote held at
 * submission, valid units charged at the end, the rest released on cancel or failure); a
 * short balance refused with 402 and nothing created; top-ups; bad input refused by field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../../shared/api/client.ts';
import type { Lease, Problem } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { EbmParamsSchema, splitEbm } from '../../shared/jobs/ebm.ts';
import { assimilateEbm } from '../../shared/jobs/ebm-result.ts';
import { CUSTOMER_TRIAL_CREDIT_MINOR, PRICE_MINOR_PER_POINT, QUORUM_DEFAULT } from '../../shared/limits.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { ebmReference } from '../../kernels/ebm/reference.ts';
import { JOB_RUNNING_MS_MAX, sweepHolds } from './jobs.ts';
import { closeDialectApps, failingVerifyPool, makeDialectApp, snapshot, testDialects, type TestAppOptions, type TestDialect } from '../testing.ts';

const dialects = await testDialects('customer billing');
afterEach(closeDialectApps);

/** A small sensitivity ensemble: 12 members in 4 units, 40 cells. */
const EBM = { cells: 40, membersPerUnit: 3, sampling: { method: 'lhs', members: 12, seed: 5 } } as const;

async function setup(dialect: TestDialect, options: TestAppOptions = {}) {
  const t = await makeDialectApp(dialect, options);
  const { apiKey } = await t.client().createCustomer('Climate Lab');
  const customer = t.client(apiKey);
  const volunteers = [t.client((await t.client().createVolunteer()).token), t.client((await t.client().createVolunteer()).token)];
  const compute = (l: Lease) => runKernel(t.kernels.entries.get(`${l.kernel.id}@${l.kernel.version}`)!.module, base64ToBytes(l.input));
  /** Each volunteer leases and computes up to `max` units, once. */
  const round = async (max = 16) => {
    for (const v of volunteers) for (const l of (await v.lease({ max })).leases) await v.submitResult(l.leaseId, await compute(l));
    // New volunteers' results wait for the server's run: inline when it ends within
    // VERIFY_INLINE_WAIT_MS, else in the drain (a loaded machine); settle either way.
    await t.coordinator.verifier.settle();
  };
  return { ...t, apiKey, customer, volunteers, compute, round };
}

async function problemOf(p: Promise<unknown>): Promise<Problem> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).problem;
}

const cost = (points: number) => points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT;

describe.each(dialects)('customer jobs on %s', (dialect) => {
  it('runs an EBM ensemble: quote = hold = charge, partial results, the reference result, CSV and invoice', async () => {
    const t = await setup(dialect);
    const p = EbmParamsSchema.parse(EBM);
    const units = splitEbm(p);
    const points = units.reduce((s, u) => s + u.costPoints, 0);

    const quote = await t.customer.quoteJob({ kind: 'ebm', params: EBM });
    expect(quote).toMatchObject({ units: 4, points, priceMinor: cost(points), affordable: true, availableMinor: CUSTOMER_TRIAL_CREDIT_MINOR, pointsPerSecond: null, etaSeconds: null });

    const job = await t.customer.createJob({ kind: 'ebm', params: EBM });
    expect(job).toMatchObject({ kind: 'ebm', status: 'running', unitsTotal: 4, priceMinor: quote.priceMinor });
    expect(await t.customer.balance()).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR, heldMinor: quote.priceMinor, availableMinor: CUSTOMER_TRIAL_CREDIT_MINOR - quote.priceMinor });
    expect(await t.customer.jobInvoice(job.id)).toMatchObject({ status: 'held', heldMinor: quote.priceMinor, chargedMinor: 0 });

    // One unit validated (both volunteers take the oldest unit first): a partial result of 3 members.
    t.clock.now += 10_000;
    await t.round(1);
    const partial = (await t.customer.jobPartial(job.id)) as unknown as { membersDone: number; members?: unknown; histograms: { meanT: { counts: number[] } } };
    expect(partial.membersDone).toBe(3);
    expect(partial.members).toBeUndefined();
    expect(partial.histograms.meanT.counts.reduce((s, c) => s + c, 0)).toBeLessThanOrEqual(3);
    // The volunteers' throughput now shows in the next quote's ETA.
    const later = await t.customer.quoteJob({ kind: 'ebm', params: EBM });
    expect(later.pointsPerSecond).toBeGreaterThan(0);
    expect(later.etaSeconds).toBeCloseTo((later.backlogPoints + points) / later.pointsPerSecond!, 6);

    await t.round();
    expect(await t.customer.job(job.id)).toMatchObject({ status: 'completed', unitsValid: 4 });
    const result = await t.customer.jobResult(job.id);
    expect(result).toEqual(JSON.parse(JSON.stringify(assimilateEbm(p, units.map((u) => ebmReference(u.input))))));
    const r = result as { members: { sensitivity: number | null }[]; stats: { sensitivity: { count: number } } };
    expect(r.members).toHaveLength(12);
    expect(r.stats.sensitivity.count).toBe(r.members.filter((m) => m.sensitivity !== null).length);

    const csv = (await t.customer.jobResultCsv(job.id)).trim().split('\n');
    expect(csv).toHaveLength(13);
    expect(csv[0]).toBe('member,a,b,d,solar,albedoWarm,albedoIce,tFreeze,forcing,tInit,meanT,iceEdgeLat,status,steps,forcedMeanT,forcedIceEdgeLat,forcedStatus,forcedSteps,sensitivity');

    const invoice = await t.customer.jobInvoice(job.id);
    expect(invoice).toMatchObject({ status: 'charged', quoteMinor: cost(points), heldMinor: cost(points), chargedMinor: cost(points), releasedMinor: 0 });
    expect(invoice.lines.find((l) => l.state === 'valid')).toEqual({ state: 'valid', units: 4, points, amountMinor: cost(points) });
    expect(await t.customer.balance()).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR - cost(points), heldMinor: 0 });
  });

  it('charges only valid units when a job is cancelled, and releases the rest of the hold', async () => {
    const t = await setup(dialect);
    const job = await t.customer.createJob({ kind: 'ebm', params: EBM });
    await t.round(1);
    expect((await t.customer.job(job.id)).unitsValid).toBe(1);
    await t.customer.cancelJob(job.id);
    const unitPoints = splitEbm(EbmParamsSchema.parse(EBM))[0]!.costPoints;
    const invoice = await t.customer.jobInvoice(job.id);
    expect(invoice).toMatchObject({ status: 'charged', chargedMinor: cost(unitPoints), releasedMinor: job.priceMinor - cost(unitPoints) });
    expect(invoice.lines.map((l) => [l.state, l.units, l.amountMinor])).toEqual([
      ['valid', 1, cost(unitPoints)],
      ['failed', 0, 0],
      ['cancelled', 3, 0],
      ['open', 0, 0],
    ]);
    expect(await t.customer.balance()).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR - cost(unitPoints), heldMinor: 0 });
  });

  it('ends a job that runs past JOB_RUNNING_MS_MAX while its hold is pending: valid units charged, the rest released', async () => {
    const t = await setup(dialect);
    const job = await t.customer.createJob({ kind: 'ebm', params: EBM });
    await t.round(1);
    t.clock.now += JOB_RUNNING_MS_MAX - 1;
    expect(await sweepHolds(t.store, t.clock.now)).toEqual({ jobsEnded: 0, holdsExpired: 0 });
    t.clock.now += 1;
    expect(await sweepHolds(t.store, t.clock.now)).toEqual({ jobsEnded: 1, holdsExpired: 0 });
    const unitPoints = splitEbm(EbmParamsSchema.parse(EBM))[0]!.costPoints;
    expect(await t.customer.job(job.id)).toMatchObject({ status: 'cancelled', unitsValid: 1 });
    expect(await t.customer.jobInvoice(job.id)).toMatchObject({ status: 'charged', chargedMinor: cost(unitPoints), releasedMinor: job.priceMinor - cost(unitPoints) });
    // Nothing is leased from it any more.
    expect((await t.volunteers[0]!.lease({ max: 16 })).leases).toEqual([]);
  });

  it('releases the whole hold of a job that failed before any unit was valid', async () => {
    // Error reports alone never fail a unit: it fails when the server's own run fails too.
    const t = await setup(dialect, { verifyPool: failingVerifyPool('simulated crash') });
    const job = await t.customer.createJob({ kind: 'ebm', params: { ...EBM, sampling: { method: 'lhs', members: 3, seed: 1 } } });
    for (let i = 0; i < 3; i++) {
      const v = t.client((await t.client().createVolunteer()).token);
      const [lease] = (await v.lease()).leases;
      await v.reportError(lease!.leaseId, -1, 'simulated crash');
    }
    expect((await t.customer.job(job.id)).status).toBe('failed');
    expect(await t.customer.jobInvoice(job.id)).toMatchObject({ status: 'released', chargedMinor: 0, releasedMinor: job.priceMinor });
    expect(await t.customer.balance()).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR, heldMinor: 0 });
  });

  it('refuses a job the balance does not cover with 402 and creates nothing; a top-up makes room', async () => {
    const t = await setup(dialect);
    // 1000-cell members allowed 10⁵ steps: 400,000 minor units, over the trial credit.
    const big = { kind: 'ebm', params: { cells: 1000, maxSteps: 100_000, membersPerUnit: 10, sampling: { method: 'lhs', members: 1000, seed: 1 } } } as const;
    const before = await snapshot(t.store);
    const problem = await problemOf(t.customer.createJob(big));
    expect(problem).toMatchObject({ status: 402, type: '/problems/insufficient-funds' });
    expect(problem.detail).toMatch(new RegExp(`costs 4000\\.00 EUR and ${(CUSTOMER_TRIAL_CREDIT_MINOR / 100).toFixed(2)} EUR is available`));
    expect(await snapshot(t.store)).toEqual(before);
    expect((await t.customer.quoteJob(big)).affordable).toBe(false);

    expect(await problemOf(t.customer.topUp({ amountMinor: 500_000, card: 'tok_decline', idempotencyKey: 'declined-1' }))).toMatchObject({ status: 402, type: '/problems/payment-declined' });
    expect(await t.customer.balance()).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR });
    const topUp = { amountMinor: 400_000, card: 'tok_ok', idempotencyKey: 'topup-0001' };
    expect(await t.customer.topUp(topUp)).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR + 400_000 });
    // The same key again: charged and credited once.
    expect(await t.customer.topUp(topUp)).toMatchObject({ balanceMinor: CUSTOMER_TRIAL_CREDIT_MINOR + 400_000 });
    const job = await t.customer.createJob(big);
    expect(job.priceMinor).toBe(400_000);
    expect(await t.customer.balance()).toMatchObject({ heldMinor: 400_000, availableMinor: CUSTOMER_TRIAL_CREDIT_MINOR });
  });
});

describe('bad EBM job descriptions', () => {
  const BAD: [string, unknown, string][] = [
    ['an inverted range', { ranges: { b: { min: 2.4, max: 1.8 } } }, 'params.ranges.b.max'],
    ['an empty range', { ranges: { d: { min: 0.4, max: 0.4 } } }, 'params.ranges.d.max'],
    ['a range without bounds', { ranges: { solar: {} } }, 'params.ranges.solar.min'],
    ['a non-finite bound (JSON null)', { ranges: { solar: { min: null, max: 1400 } } }, 'params.ranges.solar.min'],
    ['a bound outside its physical range', { ranges: { albedoIce: { min: 0.5, max: 1.5 } } }, 'params.ranges.albedoIce.max'],
    ['too many members', { sampling: { method: 'lhs', members: 100_001 } }, 'params.sampling.members'],
    ['a grid over the member limit', { sampling: { method: 'grid', levels: 50 } }, 'params.sampling.levels'],
    ['more units than a job may have', { membersPerUnit: 1, sampling: { method: 'lhs', members: 5000 } }, 'params.membersPerUnit'],
    ['an unknown field', { bogus: 1 }, 'params'],
  ];

  it.each(BAD)('refuses %s by field, charging and changing nothing', async (_name, params, path) => {
    const t = await makeDialectApp('sqlite');
    const customer = t.client((await t.client().createCustomer('Careless')).apiKey);
    const before = await snapshot(t.store);
    for (const call of [customer.createJob({ kind: 'ebm', params } as never), customer.quoteJob({ kind: 'ebm', params } as never)]) {
      const problem = await problemOf(call);
      expect(problem).toMatchObject({ status: 422, type: '/problems/validation' });
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    }
    expect(await snapshot(t.store)).toEqual(before);
  });
});
