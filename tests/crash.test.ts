/**
 * Crash safety: the edge is killed with SIGKILL several times while two Node volunteers work
 * through a job of many units, and restarted on the same database file each time. The job
 * completes with output identical to a clean run, no unit is lost, and the points issued
 * equal exactly the validated replicas' costs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../shared/api/client.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { openStore } from '../edge/db/index.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';
import { ledgerOf, pointsIssuedPosted } from '../edge/ledger/ledger.ts';
import { ROOT, startServer, type RunningServer } from './e2e/harness.ts';
import { topUpForTests } from '../edge/testing.ts';

/** Kills of the server during the job. */
const KILLS = 3;
/** How long the job may take, crashes included. */
const JOB_DONE_MS_MAX = 120_000;

const children: ChildProcess[] = [];
let server: RunningServer | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server?.stop('SIGKILL');
});

describe('SIGKILL during a job', () => {
  it('loses nothing and credits nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    const databaseUrl = join(dir, 'edge.db');
    server = await startServer({ DATABASE_URL: databaseUrl });
    const port = new URL(server.url).port;
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Crash Co')).apiKey });
    // Paid with money: trial-only work pays nothing to volunteers on the customer's network (this machine's).
    await topUpForTests(customer);
    const params = { n: 16, steps: 2000, snapEvery: 1000, members: 48, membersPerUnit: 1, seed: 5 };
    const job = await customer.createJob({ kind: 'lorenz96', params });
    for (const name of ['a', 'b']) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'edge/node-worker/main.ts'), '--server', server.url, '--threads', '1', '--identity', join(dir, `${name}.json`)], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      children.push(child);
    }
    const progress = async () => (await customer.job(job.id).catch(() => undefined))?.unitsValid ?? -1;
    for (let kill = 1; kill <= KILLS; kill++) {
      // Let some units validate between kills, then pull the plug mid-flight.
      await expect.poll(progress, { timeout: JOB_DONE_MS_MAX / 2, interval: 50 }).toBeGreaterThanOrEqual((kill * 48) / (KILLS + 2));
      await server.stop('SIGKILL');
      server = await startServer({ DATABASE_URL: databaseUrl, PORT: port });
    }
    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 200 }).toBe('completed');

    const p = L96ParamsSchema.parse(params);
    const clean = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await customer.jobResult(job.id)).toEqual(clean);

    await server.stop();
    server = undefined;
    const store = await openStore(databaseUrl);
    try {
      const units = await store.db.selectFrom('units').select(['state']).where('job_id', '=', job.id).execute();
      expect(units.filter((u) => u.state === 'valid')).toHaveLength(48);
      const valid = await store.db.selectFrom('replicas').select(['id', 'unit_id', 'credited_points']).where('outcome', '=', 'valid').execute();
      const credits = await store.db.selectFrom('ledger_transfers').select(['id', 'amount']).where('code', '=', 'unit_credit').execute();
      expect(credits.map((c) => c.id).sort()).toEqual(valid.map((r) => `unit:${r.unit_id}:replica:${r.id}`).sort());
      const owed = valid.reduce((s, r) => s + r.credited_points, 0);
      expect(await pointsIssuedPosted(ledgerOf(store))).toBe(-owed);
    } finally {
      await store.close();
    }
  }, JOB_DONE_MS_MAX + 60_000);
});
