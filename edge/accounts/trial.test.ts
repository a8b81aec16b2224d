/**
 * @module Trial credit (issue 15, finding 2), on SQLite and PostgreSQL: it is a setting, only
 * the first accounts of a network origin each day get it, and work paid by trial credit only
 * earns nothing for volunteers linked to its customer (the same origin, or the same account),
 * while volunteers elsewhere are paid; once the customer has paid real money, its new jobs
 * pay everyone. Also: a top-up key reused with another amount is refused with 409.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from '../../shared/api/client.ts';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { CUSTOMER_TRIAL_CREDIT_MINOR } from '../../shared/limits.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX } from '../auth/identity-limiter.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects, type TestDialect } from '../testing.ts';

const dialects = await testDialects('trial credit');
afterEach(closeDialectApps);

const DAY_MS = 24 * 3_600_000;
/** Two units of one point each: a job any trial credit pays. */
const JOB = { kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 20, members: 2, membersPerUnit: 1, seed: 3 } } as const;
const HOME = '198.51.100.7';
const ELSEWHERE = '203.0.113.9';
/** The payment simulator's card token that pays. */
const VISA = 'tok_ok';

async function setup(dialect: TestDialect, trialCreditMinor?: number) {
  const t = await makeDialectApp(dialect, trialCreditMinor === undefined ? {} : { trialCreditMinor });
  /** A volunteer identity that leases from `address`. */
  const volunteer = async (address: string) => {
    const { volunteerId, token } = await t.clientFrom(address).createVolunteer();
    return { volunteerId, api: t.clientFrom(address, token) };
  };
  const compute = (l: Lease) => runKernel(t.kernels.entries.get(`${l.kernel.id}@${l.kernel.version}`)!.module, base64ToBytes(l.input));
  /** Every volunteer leases and computes what it can, until the job ends (bounded). */
  const runJob = async (customer: ApiClient, jobId: string, vols: { api: ApiClient }[]) => {
    for (let round = 0; round < 20 && (await customer.job(jobId)).status === 'running'; round++) {
      for (const v of vols) for (const l of (await v.api.lease({ max: 4 })).leases) await v.api.submitResult(l.leaseId, await compute(l));
      await t.coordinator.verifier.settle();
    }
    expect((await customer.job(jobId)).status).toBe('completed');
  };
  /** Points a volunteer holds, spendable and vesting. */
  const points = async (volunteerId: string) => {
    const ledger = ledgerOf(t.store);
    const [spendable, vesting] = await Promise.all([ledger.balance(ACCOUNTS.volunteerPoints(volunteerId).id), ledger.balance(ACCOUNTS.volunteerVesting(volunteerId).id)]);
    return (spendable?.posted ?? 0) + (vesting?.posted ?? 0);
  };
  return { ...t, volunteer, runJob, points };
}

describe.each(dialects)('trial credit on %s', (dialect) => {
  it('is the configured amount, for the first accounts of an origin each day only', async () => {
    const t = await setup(dialect, 750);
    const balances: number[] = [];
    let last: ApiClient | undefined;
    for (let i = 0; i <= TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX; i++) {
      const { apiKey } = await t.clientFrom(HOME).createCustomer(`Home ${i}`);
      last = t.clientFrom(HOME, apiKey);
      balances.push((await last.balance()).availableMinor);
    }
    expect(balances).toEqual([...Array(TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX).fill(750), 0]);
    // An account without trial credit cannot run a job until it pays.
    const before = await snapshot(t.store);
    await expect(last!.createJob(JOB)).rejects.toMatchObject({ problem: { status: 402 } });
    expect(await snapshot(t.store)).toEqual(before);
    // Another network gets its own grants; the home network gets new ones the next day.
    const { apiKey: other } = await t.clientFrom(ELSEWHERE).createCustomer('Elsewhere');
    expect((await t.clientFrom(ELSEWHERE, other).balance()).availableMinor).toBe(750);
    t.clock.now += DAY_MS;
    const { apiKey: tomorrow } = await t.clientFrom(HOME).createCustomer('Home tomorrow');
    expect((await t.clientFrom(HOME, tomorrow).balance()).availableMinor).toBe(750);
  });

  it('defaults to a small amount', async () => {
    const t = await setup(dialect);
    const { apiKey } = await t.clientFrom(HOME).createCustomer('Default');
    expect((await t.clientFrom(HOME, apiKey).balance()).availableMinor).toBe(CUSTOMER_TRIAL_CREDIT_MINOR);
    expect(CUSTOMER_TRIAL_CREDIT_MINOR).toBeLessThanOrEqual(1_000);
  });

  it('pays no points to volunteers on the customer’s own network for trial-only work, and pays those elsewhere', async () => {
    const t = await setup(dialect);
    const { apiKey } = await t.clientFrom(HOME).createCustomer('Self-dealer');
    const customer = t.clientFrom(HOME, apiKey);
    const job = await customer.createJob(JOB);
    const mine = await t.volunteer('198.51.100.99');
    const theirs = await t.volunteer(ELSEWHERE);
    await t.runJob(customer, job.id, [mine, theirs]);
    // The customer still gets its job done, with its own volunteer's results counted.
    const replicas = await t.store.db.selectFrom('replicas').select(['volunteer_id', 'outcome', 'unfunded', 'credited_points']).where('outcome', '=', 'valid').execute();
    expect(replicas.filter((r) => r.volunteer_id === mine.volunteerId).length).toBeGreaterThan(0);
    expect(replicas.filter((r) => r.volunteer_id === mine.volunteerId).every((r) => r.unfunded === 1 && Number(r.credited_points) === 0)).toBe(true);
    expect(await t.points(mine.volunteerId)).toBe(0);
    expect(await t.points(theirs.volunteerId)).toBeGreaterThan(0);
    // Its page is told why those valid results earned nothing.
    const unpaid = replicas.filter((r) => r.volunteer_id === mine.volunteerId).length;
    expect(await mine.api.me()).toMatchObject({ points: 0, pointsVesting: 0, resultsUnpaid: unpaid });
    expect(await theirs.api.me()).toMatchObject({ resultsUnpaid: 0 });
  });

  it('pays no points to a volunteer identity owned by the customer’s own account, wherever it computes', async () => {
    const t = await setup(dialect);
    const { apiKey, customerId } = await t.clientFrom(HOME).createCustomer('Two hats');
    const customer = t.clientFrom(HOME, apiKey);
    const job = await customer.createJob(JOB);
    const mine = await t.volunteer('192.0.2.40');
    await t.store.db
      .insertInto('users')
      .values({ id: 'u_twohats', email: 'two@hats.example', password_hash: 'x', roles: 'customer,volunteer', volunteer_id: mine.volunteerId, customer_id: customerId, shop_id: null, created_at: t.clock.now })
      .execute();
    const theirs = await t.volunteer(ELSEWHERE);
    await t.runJob(customer, job.id, [mine, theirs]);
    expect(await t.points(mine.volunteerId)).toBe(0);
    expect(await t.points(theirs.volunteerId)).toBeGreaterThan(0);
  });

  it('pays everyone for the jobs a customer creates after paying real money', async () => {
    const t = await setup(dialect);
    const { apiKey } = await t.clientFrom(HOME).createCustomer('Paying');
    const customer = t.clientFrom(HOME, apiKey);
    await customer.topUp({ amountMinor: 5_000, card: VISA, idempotencyKey: 'first-topup-0001' });
    const job = await customer.createJob(JOB);
    const mine = await t.volunteer('198.51.100.99');
    const theirs = await t.volunteer(ELSEWHERE);
    await t.runJob(customer, job.id, [mine, theirs]);
    expect(await t.points(mine.volunteerId)).toBeGreaterThan(0);
    expect(await t.points(theirs.volunteerId)).toBeGreaterThan(0);
  });

  it('refuses a top-up key reused with another amount with 409, charging and changing nothing', async () => {
    const t = await setup(dialect);
    const { apiKey } = await t.client().createCustomer('Careless');
    const customer = t.client(apiKey);
    await customer.topUp({ amountMinor: 2_000, card: VISA, idempotencyKey: 'topup-key-000001' });
    const before = await snapshot(t.store);
    const err = await customer.topUp({ amountMinor: 9_000, card: VISA, idempotencyKey: 'topup-key-000001' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).problem).toMatchObject({ status: 409, type: '/problems/idempotency-key-reused' });
    expect((err as ApiError).problem.detail).toContain('2000');
    expect(await snapshot(t.store)).toEqual(before);
    // The same key and amount is a retry: the same balance, nothing charged twice.
    expect((await customer.topUp({ amountMinor: 2_000, card: VISA, idempotencyKey: 'topup-key-000001' })).balanceMinor).toBe(CUSTOMER_TRIAL_CREDIT_MINOR + 2_000);
  });
});
