/**
 * A crash while the server's run disproves results (issue 14): the transaction that applies
 * the run is cut at every one of its queries in turn (what SIGKILL does to an uncommitted
 * transaction), then the run is applied again. Whatever the cut, the end state is the same:
 * the honest result credited and vested exactly once, the forgers disproved exactly once and
 * credited nothing, the job's result the reference's. Both dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { base64ToBytes } from '../../shared/base64.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { mulberry32 } from '../../shared/random.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { createVerifier } from '../../edge/coordinator/verifier.ts';
import { createVerifyPool, type VerifyPool } from '../../edge/coordinator/verify/index.ts';
import { jobsPort } from '../../edge/jobs/jobs.ts';
import { ACCOUNTS } from '../../edge/ledger/accounts.ts';
import { ledgerOf, pointsIssuedPosted } from '../../edge/ledger/ledger.ts';
import { closeDialectApps, makeDialectApp, testDialects, type TestDialect } from '../../edge/testing.ts';
import { forgeL96 } from './forge.ts';

const dialects = await testDialects('a crash during verification');
afterEach(closeDialectApps);

const PARAMS = { n: 8, steps: 40, snapEvery: 10, members: 1, membersPerUnit: 1, seed: 9 };
/** Cuts tried: more than the apply transaction has queries, so the last attempt runs whole. */
const CUTS_MAX = 200;

/** The edge's own pool never takes a run here: the unit waits in the queue for the test's verifier. */
const busyPool: VerifyPool = {
  verify: async () => ({ status: 'queue_full' }),
  stats: () => ({ queued: 0, running: 0, busyMs: 0, elapsedMs: 0, done: 0, refused: 0, threadCpuMs: 0 }),
  close: async () => undefined,
};

class Crash extends Error {}

describe.each(dialects)('a crash while the server disproves results, on %s', (dialect: TestDialect) => {
  it('leaves credits, trust and the job result as one uncut run would', async () => {
    const t = await makeDialectApp(dialect, { verifyPool: busyPool, random: mulberry32(1) });
    const customer = t.client((await t.client().createCustomer('Acme')).apiKey);
    const job = await customer.createJob({ kind: 'lorenz96', params: PARAMS });
    const join = async (address: string) => {
      const { volunteerId, token } = await t.clientFrom(address).createVolunteer();
      return { id: volunteerId, api: t.clientFrom(address, token) };
    };
    const honest = await join('198.51.100.10');
    const forgers = [await join('192.0.2.10'), await join('192.0.3.10')];
    const [l0] = (await honest.api.lease({ max: 1 })).leases;
    const truth = lorenz96Reference(base64ToBytes(l0!.input));
    await honest.api.submitResult(l0!.leaseId, truth);
    for (const f of forgers) {
      const [l] = (await f.api.lease({ max: 1 })).leases;
      await f.api.submitResult(l!.leaseId, forgeL96(truth, PARAMS.n));
    }
    // Two forgers agree: on probation, so the unit waits for the server's run.
    expect(await t.store.db.selectFrom('verifications').select('unit_id').execute()).toHaveLength(1);

    // One pool for every attempt (the server's run itself is not what is cut).
    const pool = createVerifyPool();
    let cut = 0;
    let queries = 0;
    for (; cut < CUTS_MAX; cut++) {
      queries = 0;
      const verifier = createVerifier({
        store: t.store,
        kernels: t.kernels,
        jobs: jobsPort,
        random: mulberry32(2),
        now: () => t.clock.now,
        pool,
        applyHooks: {
          beforeEffect: () => {
            if (queries++ === cut) throw new Crash(`cut before query ${cut}`);
          },
        },
      });
      await verifier.settle();
      if (queries <= cut) break; // the run applied whole: every cut before it was tried
    }
    await pool.close();
    expect(cut).toBeGreaterThan(5);
    expect(cut).toBeLessThan(CUTS_MAX);

    const final = await customer.job(job.id);
    expect(final.status).toBe('completed');
    const p = L96ParamsSchema.parse(PARAMS);
    expect(await customer.jobResult(job.id)).toEqual(JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input))))));
    const ledger = ledgerOf(t.store);
    const transfers = await t.store.db.selectFrom('ledger_transfers').select(['id', 'code', 'credit_account']).where('code', 'in', ['unit_credit', 'unit_vest']).execute();
    expect(transfers.map((x) => x.code).sort()).toEqual(['unit_credit', 'unit_vest']);
    expect(transfers.every((x) => x.credit_account.endsWith(honest.id))).toBe(true);
    const points = (await ledger.balance(ACCOUNTS.volunteerPoints(honest.id).id))!.posted;
    expect(points).toBeGreaterThan(0);
    expect(await pointsIssuedPosted(ledger)).toBe(-points);
    for (const f of forgers) {
      const v = await t.store.db.selectFrom('volunteers').select(['disproved', 'verified_matches']).where('id', '=', f.id).executeTakeFirstOrThrow();
      expect(v).toEqual({ disproved: 1, verified_matches: 0 });
      expect((await ledger.balance(ACCOUNTS.volunteerVesting(f.id).id))!.posted + (await ledger.balance(ACCOUNTS.volunteerPoints(f.id).id))!.posted).toBe(0);
    }
    const h = await t.store.db.selectFrom('volunteers').select(['verified_matches']).where('id', '=', honest.id).executeTakeFirstOrThrow();
    expect(h.verified_matches).toBe(1);
    expect(await t.store.db.selectFrom('verifications').select('unit_id').execute()).toEqual([]);
  }, 120_000);
});
