/**
 * Node failure: reception and two nodes as separate edge processes sharing one PostgreSQL
 * database; a customer submits through reception and Node volunteers work through it. One
 * node is killed mid-job: reception stops admitting to it within a bounded time, the
 * volunteers on it are admitted to the other node and carry on with their leases (which live
 * in the shared database), and the job completes with exactly the reference's output.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../shared/api/client.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { NODE_REPORT_STALE_MS } from '../shared/limits.ts';
import { admittedFetch } from '../shared/reception/admitted-fetch.ts';
import { RECEPTION_PATHS } from '../shared/reception/schemas.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { dropFreshPg, freshPgUrl, topUpForTests } from '../edge/testing.ts';
import { freePort, spawnWorker, startServer, type RunningServer } from './e2e/harness.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the multi-node tests');
/** How long the job may take, the failure included. */
const JOB_DONE_MS_MAX = 90_000;
/** Reception must notice a dead node within this (its report interval is 1 s). */
const NOTICE_MS_MAX = NODE_REPORT_STALE_MS + 3_000;

const servers: RunningServer[] = [];
const workers: ChildProcess[] = [];
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  for (const s of servers) await s.stop('SIGKILL');
  await dropFreshPg(pgUrl);
});

describe.skipIf(!pgUrl)('a node fails during a job', () => {
  it('is dropped by reception within a bounded time, and the job completes exactly on the other node', async () => {
    const shared = {
      DATABASE_URL: pgUrl!,
      TICKET_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      RECEPTION_REPORT_KEY: randomBytes(24).toString('base64url'),
      OPERATOR_TOKEN: randomBytes(16).toString('hex'),
    };
    const reception = await startServer({ ...shared, EDGE_ROLE: 'reception' });
    servers.push(reception);
    const nodes: RunningServer[] = [];
    for (const id of ['n1', 'n2']) {
      const port = String(await freePort());
      const node = await startServer({ ...shared, EDGE_ROLE: 'node', NODE_ID: id, PORT: port, NODE_CAPACITY: '4', RECEPTION_URL: reception.url });
      servers.push(node);
      nodes.push(node);
    }
    const status = async () =>
      (await (await fetch(reception.url + RECEPTION_PATHS.status, { headers: { authorization: `Bearer ${shared.OPERATOR_TOKEN}` } })).json()) as {
        nodes: { id: string; live: boolean; active: number }[];
      };
    await expect.poll(async () => (await status()).nodes.filter((n) => n.live).length, { timeout: 10_000, interval: 100 }).toBe(2);

    const anon = createApiClient({ baseUrl: reception.url });
    const apiKey = (await anon.createCustomer('Failover Co')).apiKey;
    // Paid with money: trial-only work pays nothing to volunteers on the customer's network (this machine's).
    await topUpForTests(createApiClient({ baseUrl: reception.url, token: apiKey }));
    const customer = createApiClient({
      baseUrl: '',
      token: apiKey,
      fetch: admittedFetch({ receptionUrl: reception.url, scope: 'jobs', clientKey: randomBytes(32).toString('base64url') }),
    });
    const params = { n: 16, steps: 3000, snapEvery: 1000, members: 24, membersPerUnit: 1, seed: 9 };
    const job = await customer.createJob({ kind: 'lorenz96', params });

    const dir = mkdtempSync(join(tmpdir(), 'failover-'));
    const logs: (() => string)[] = [];
    for (const name of ['a', 'b', 'c']) {
      const w = spawnWorker(['--server', reception.url, '--reception', reception.url, '--threads', '1', '--identity', join(dir, `${name}.json`)]);
      workers.push(w.child);
      logs.push(w.output);
    }
    // Once both nodes serve volunteers and some units are valid, kill the busier node.
    await expect.poll(async () => (await customer.job(job.id)).unitsValid, { timeout: JOB_DONE_MS_MAX / 2, interval: 100 }).toBeGreaterThanOrEqual(4);
    const before = await status();
    const victim = before.nodes.reduce((a, b) => (b.active > a.active ? b : a));
    const victimServer = nodes[victim.id === 'n1' ? 0 : 1]!;
    const killedAt = Date.now();
    await victimServer.stop('SIGKILL');
    await expect.poll(async () => (await status()).nodes.find((n) => n.id === victim.id)!.live, { timeout: NOTICE_MS_MAX, interval: 100 }).toBe(false);
    const noticedMs = Date.now() - killedAt;

    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 200 }).toBe('completed');
    const p = L96ParamsSchema.parse(params);
    const expected = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await customer.jobResult(job.id), logs.map((l) => l()).join('\n---\n').slice(-4000)).toEqual(expected);
    console.log(`node ${victim.id} killed with ${victim.active} admissions; reception stopped admitting to it after ${noticedMs} ms`);
  }, JOB_DONE_MS_MAX + 60_000);
});
