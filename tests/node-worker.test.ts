/**
 * The Node volunteer (`npm run worker`): two worker processes, each with its own identity and
 * worker threads, complete a job on a real edge through the same work loop and runtime as the
 * browser, and the result equals the TypeScript reference.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../shared/api/client.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { spawnWorker, startServer, type RunningServer } from './e2e/harness.ts';
import { topUpForTests } from '../edge/testing.ts';

/** How long the workers may take to finish the job. */
const JOB_DONE_MS_MAX = 60_000;

let server: RunningServer;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
  await server?.stop();
});

describe('npm run worker', () => {
  it('completes a job with two Node volunteers and credits both', async () => {
    const anon = createApiClient({ baseUrl: server.url });
    const { apiKey } = await anon.createCustomer('Worker test');
    const customer = createApiClient({ baseUrl: server.url, token: apiKey });
    // Paid with money: trial-only work pays nothing to volunteers on the customer's network (this machine's).
    await topUpForTests(customer);
    const params = { n: 24, steps: 300, snapEvery: 100, members: 8, membersPerUnit: 2, seed: 11 };
    const job = await customer.createJob({ kind: 'lorenz96', params });

    const dir = mkdtempSync(join(tmpdir(), 'workers-'));
    const logs: (() => string)[] = [];
    for (const name of ['a', 'b']) {
      const w = spawnWorker(['--server', server.url, '--threads', '1', '--identity', join(dir, `${name}.json`)]);
      workers.push(w.child);
      logs.push(w.output);
    }

    await expect
      .poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 200 })
      .toBe('completed');
    const p = L96ParamsSchema.parse(params);
    const expected = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await customer.jobResult(job.id)).toEqual(expected);
    // Each worker computed all four units (quorum 2, two volunteers) and is credited for each.
    const costs = splitL96(p).reduce((sum, u) => sum + u.costPoints, 0);
    for (const [i, name] of ['a', 'b'].entries()) {
      const { token } = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { token: string };
      const me = await createApiClient({ baseUrl: server.url, token }).me();
      expect(me, logs[i]!()).toMatchObject({ points: costs, resultsValid: 4, resultsPending: 0 });
    }
  }, JOB_DONE_MS_MAX + 15_000);
});
