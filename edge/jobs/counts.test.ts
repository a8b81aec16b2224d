/**
 * @module Job progress without a hot row (counts.ts, migration 0018): the counts of jobs from
 * before move to a shard; on PostgreSQL two transactions that decide a job's last units side
 * by side each see the job unfinished inside, and after commit it is finished exactly once;
 * a job left decided and running (a node died between commit and finish) is finished by the
 * hold sweep.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../db/migrations/index.ts';
import type { Database as Schema } from '../db/schema.ts';
import { runInOpenTransaction, runInTransaction } from '../db/prepared.ts';
import { JobFundingCache } from '../coordinator/funding.ts';
import type { TxContext } from '../coordinator/index.ts';
import { ISSUER_ACCOUNT_IDS, POINTS_ISSUER_SHARDS } from '../ledger/accounts.ts';
import { closeDialectApps, makeDialectApp, testDialects, topUpForTests } from '../testing.ts';
import { jobTransferIds } from './billing.ts';
import { JOB_PROGRESS_COLUMNS } from './counts.ts';
import { jobsPort, sweepHolds } from './jobs.ts';

const dialects = await testDialects('job progress');
afterEach(closeDialectApps);

/** A 2-unit job of a fresh customer, created through the API. */
async function twoUnitJob(dialect: 'sqlite' | 'postgres') {
  const t = await makeDialectApp(dialect);
  const customer = t.client((await t.client().createCustomer('Counts Lab')).apiKey);
  await topUpForTests(customer);
  const job = await customer.createJob({ kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 10, members: 2, membersPerUnit: 1, seed: 7 } });
  expect(job.unitsTotal).toBe(2);
  const ctx = (): TxContext => ({ now: t.clock.now, locking: t.store.dialect === 'postgres', jobs: jobsPort, random: Math.random, funding: new JobFundingCache(), decidedJobs: new Set() });
  const progress = async () =>
    t.store.db.selectFrom('jobs').select(['status', ...JOB_PROGRESS_COLUMNS]).where('id', '=', job.id).executeTakeFirstOrThrow();
  return { ...t, customer, job, ctx, progress };
}

describe('migration 0018', () => {
  it('moves the counts of existing jobs to shard 0 and creates the issuer shards', async () => {
    const sqlite = new Database(':memory:');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    const all = migrations('sqlite');
    const provider = (upTo: string): MigrationProvider => ({ getMigrations: async () => Object.fromEntries(Object.entries(all).filter(([name]) => name <= upTo)) });
    expect((await new Migrator({ db, provider: provider('0017_group_seat_origin') }).migrateToLatest()).error).toBeUndefined();
    const legacy = db as unknown as Kysely<{ customers: Record<string, unknown>; jobs: Record<string, unknown> }>;
    await legacy.insertInto('customers').values({ id: 'c1', name: 'Old Lab', key_hash: 'x', created_at: 0 }).execute();
    const job = (id: string, valid: number, failed: number) => ({
      id, customer_id: 'c1', kind: 'lorenz96', params: '{}', status: 'running', quorum: 2, units_total: 9, units_valid: valid, units_failed: failed, price_minor: 1, currency: 'EUR', created_at: 0,
    });
    await legacy.insertInto('jobs').values([job('j_a', 3, 1), job('j_b', 0, 0)]).execute();
    expect((await new Migrator({ db, provider: provider('9999') }).migrateToLatest()).error).toBeUndefined();
    expect(await db.selectFrom('job_progress').selectAll().execute()).toEqual([{ job_id: 'j_a', shard: 0, valid: 3, failed: 1 }]);
    const jobs = await db.selectFrom('jobs').select(['id', ...JOB_PROGRESS_COLUMNS]).orderBy('id').execute();
    expect(jobs).toEqual([{ id: 'j_a', units_valid: 3, units_failed: 1 }, { id: 'j_b', units_valid: 0, units_failed: 0 }]);
    const issuers = await db.selectFrom('ledger_accounts').select('id').where('id', 'in', [...ISSUER_ACCOUNT_IDS]).execute();
    expect(issuers).toHaveLength(POINTS_ISSUER_SHARDS + 1);
    await db.destroy();
  });
});

describe.each(dialects)('job progress on %s', (dialect) => {
  it('counts decided units on shards and finishes the job once they are all decided', async () => {
    const t = await twoUnitJob(dialect);
    const first = t.ctx();
    await runInTransaction(t.store, () => jobsPort.unitsDecidedOp(t.job.id, 'failed', 1, first));
    await jobsPort.finishDecidedJobs(t.store, first.decidedJobs, t.clock.now);
    expect(await t.progress()).toEqual({ status: 'running', units_valid: 0, units_failed: 1 });
    const last = t.ctx();
    await runInTransaction(t.store, () => jobsPort.unitsDecidedOp(t.job.id, 'failed', 1, last));
    await jobsPort.finishDecidedJobs(t.store, last.decidedJobs, t.clock.now);
    expect(await t.progress()).toEqual({ status: 'failed', units_valid: 0, units_failed: 2 });
    expect(await t.customer.job(t.job.id)).toMatchObject({ status: 'failed', unitsValid: 0, unitsFailed: 2 });
  });
});

describe.skipIf(!dialects.includes('postgres'))('job progress on PostgreSQL, side by side', () => {
  it('two transactions deciding the last units at once: neither sees the job done inside, it is finished once after commit', async () => {
    const t = await twoUnitJob('postgres');
    const contexts = [t.ctx(), t.ctx()];
    // Each transaction adds its unit, then waits (holding its transaction open) until both
    // have: inside, each sees only its own unit.
    let arrived = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    const seenInside: number[] = [];
    await Promise.all(
      contexts.map((c) =>
        t.store.db.transaction().execute(async (trx) => {
          await runInOpenTransaction(t.store, trx, jobsPort.unitsDecidedOp(t.job.id, 'failed', 1, c));
          const inside = await trx.selectFrom('jobs').select(JOB_PROGRESS_COLUMNS).where('id', '=', t.job.id).executeTakeFirstOrThrow();
          seenInside.push(inside.units_failed);
          if (++arrived === 2) release();
          await bothIn;
        }),
      ),
    );
    expect(seenInside).toEqual([1, 1]);
    expect((await t.progress()).status).toBe('running');
    // Both finish after commit, at once: the job ends once, its hold resolved once.
    await Promise.all(contexts.map((c) => jobsPort.finishDecidedJobs(t.store, c.decidedJobs, t.clock.now)));
    expect(await t.progress()).toEqual({ status: 'failed', units_valid: 0, units_failed: 2 });
    const holds = await t.store.db.selectFrom('ledger_holds').select(['state', 'resolved_by']).where('id', '=', jobTransferIds(t.job.id).hold).execute();
    expect(holds).toEqual([{ state: 'voided', resolved_by: jobTransferIds(t.job.id).release }]);
  });

  it('a job whose last units were decided by a node that died before finishing it is finished by the hold sweep', async () => {
    const t = await twoUnitJob('postgres');
    const c = t.ctx();
    await runInTransaction(t.store, () => jobsPort.unitsDecidedOp(t.job.id, 'failed', 2, c));
    // The node "dies" here: finishDecidedJobs is never called.
    expect((await t.progress()).status).toBe('running');
    await sweepHolds(t.store, t.clock.now);
    expect((await t.progress()).status).toBe('failed');
  });
});
