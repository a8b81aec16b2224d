/**
 * The coordinator on PostgreSQL with two edge processes' worth of connection pools sharing
 * one database (as several nodes do): volunteers lease and submit through both at once.
 * Row locks that skip locked rows keep leasing from blocking, locked read-then-write keeps
 * every counter exact, and the job completes with the same output as the reference.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../shared/api/client.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { dropFreshPg, freshPgUrl, makeTestApp } from '../edge/testing.ts';
import { JOB_PROGRESS_COLUMNS } from '../edge/jobs/counts.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the coordinator on PostgreSQL');
/** Simulated volunteers, each alternating between the two nodes. */
const VOLUNTEERS = 8;
/** Lease rounds one volunteer may make before the test gives up (the job needs far fewer). */
const ROUNDS_MAX = 400;

afterAll(() => dropFreshPg(pgUrl));

describe.skipIf(!pgUrl)('two nodes on one PostgreSQL database', () => {
  it('leases and validates concurrently without lost updates, and completes the job exactly', async () => {
    const nodes = [await makeTestApp(pgUrl), await makeTestApp(pgUrl)];
    // As edge/main.ts does on every node: units waiting for the server's run that no request
    // verified inline (another node held the claim at the time) are drained in the background.
    for (const n of nodes) n.coordinator.verifier.start();
    try {
      const customer = nodes[0]!.client((await nodes[0]!.client().createCustomer('Two Nodes')).apiKey);
      const params = { n: 8, steps: 40, snapEvery: 20, members: 40, membersPerUnit: 1, seed: 11 };
      const job = await customer.createJob({ kind: 'lorenz96', params });
      const tokens = await Promise.all(Array.from({ length: VOLUNTEERS }, async () => (await nodes[1]!.client().createVolunteer()).token));

      const work = async (v: number) => {
        const via: ApiClient[] = nodes.map((n) => n.client(tokens[v]));
        for (let round = 0; round < ROUNDS_MAX; round++) {
          const api = via[round % 2]!;
          const { leases } = await api.lease({ max: 1 + ((v + round) % 4) });
          if (leases.length === 0) {
            if ((await customer.job(job.id)).status !== 'running') return;
            // Nothing to lease: the rest may wait for the server's run (units of identities
            // on probation); wait for the runs in flight and run what is due, rather than spin.
            for (const n of nodes) await n.coordinator.verifier.idle();
            await nodes[round % 2]!.coordinator.verifier.settle();
            continue;
          }
          const items = leases.map((l) => ({ leaseId: l.leaseId, output: lorenz96Reference(base64ToBytes(l.input)) }));
          // Half the volunteers submit through the other node, one by one; half in a batch.
          const other = via[(round + 1) % 2]!;
          if (v % 2 === 0) for (const it of items) await other.submitResult(it.leaseId, it.output);
          else await other.submitResults(items);
        }
        throw new Error(`volunteer ${v} ran out of rounds`);
      };
      await Promise.all(Array.from({ length: VOLUNTEERS }, (_, v) => work(v)));

      expect((await customer.job(job.id)).status).toBe('completed');
      const p = L96ParamsSchema.parse(params);
      const clean = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
      expect(await customer.jobResult(job.id)).toEqual(clean);

      const db = nodes[0]!.store.db;
      const units = await db.selectFrom('units').selectAll().where('job_id', '=', job.id).execute();
      const replicas = await db.selectFrom('replicas').selectAll().execute();
      for (const u of units) {
        const mine = replicas.filter((r) => Number(r.unit_id) === Number(u.id));
        // Every counter equals what the replica rows say: no update was lost.
        expect.soft(u.replicas, `unit ${u.id} replicas`).toBe(mine.length);
        expect.soft(u.leased, `unit ${u.id} leased`).toBe(mine.filter((r) => r.state === 'leased').length);
        expect.soft(u.state, `unit ${u.id} state`).toBe('valid');
        expect.soft(mine.filter((r) => r.outcome === 'valid').length, `unit ${u.id} agreeing`).toBeGreaterThanOrEqual(1);
        expect.soft(new Set(mine.map((r) => r.volunteer_id)).size, `unit ${u.id} one replica per volunteer`).toBe(mine.length);
      }
      const credited = replicas.filter((r) => r.outcome === 'valid');
      const transfers = await db.selectFrom('ledger_transfers').select(['id']).where('code', '=', 'unit_credit').execute();
      expect(transfers.map((t) => t.id).sort()).toEqual(credited.map((r) => `unit:${r.unit_id}:replica:${r.id}`).sort());
      // Issued from each volunteer's issuer shard (no hot `points:issued` row), and more than one shard in use.
      const sides = await db.selectFrom('ledger_transfers').select(['debit_account', 'credit_account']).where('code', '=', 'unit_credit').execute();
      for (const t of sides) expect(t.debit_account).toBe(ACCOUNTS.pointsIssuerFor(t.credit_account.replace('points:vesting:', '')).id);
      expect(new Set(sides.map((t) => t.debit_account)).size).toBeGreaterThan(1);
      const job2 = await db.selectFrom('jobs').select(['status', ...JOB_PROGRESS_COLUMNS]).where('id', '=', job.id).executeTakeFirstOrThrow();
      expect(job2.units_valid).toBe(units.length);
    } finally {
      for (const n of nodes) await n.coordinator.verifier.close();
      for (const n of nodes) await n.store.close();
    }
  }, 120_000);
});
