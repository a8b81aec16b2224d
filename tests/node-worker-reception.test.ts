/**
 * The Node volunteer through reception: on an edge that requires admission, workers started
 * with `--reception` are admitted (a ticket claimed on the node reception names) and complete
 * a job; a client without an admission is refused.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../shared/api/client.ts';
import { admittedFetch } from '../shared/reception/admitted-fetch.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';
import { spawnWorker, startServer, type RunningServer } from './e2e/harness.ts';
import { topUpForTests } from '../edge/testing.ts';

/** How long the workers may take to finish the job. */
const JOB_DONE_MS_MAX = 60_000;

let server: RunningServer;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  server = await startServer({ ADMISSION: 'required', NODE_CAPACITY: '3' });
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
  await server?.stop();
});

describe('npm run worker -- --reception', () => {
  it('is admitted through reception and completes a job; without admission work is refused', async () => {
    const anon = createApiClient({ baseUrl: server.url });
    const customer = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Reception test')).apiKey });
    // Paid with money: trial-only work pays nothing to volunteers on the customer's network (this machine's).
    await topUpForTests(customer);
    const { token } = await anon.createVolunteer();
    const refused = await createApiClient({ baseUrl: server.url, token })
      .lease({ max: 1 })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).problem.type).toBe('/problems/admission-required');

    const params = { n: 16, steps: 200, snapEvery: 100, members: 4, membersPerUnit: 1, seed: 3 };
    // Job submission needs an admission too (scope `jobs`).
    const direct = await customer.createJob({ kind: 'lorenz96', params }).catch((e: unknown) => e);
    expect((direct as ApiError).problem.type).toBe('/problems/admission-required');

    const dir = mkdtempSync(join(tmpdir(), 'reception-workers-'));
    const logs: (() => string)[] = [];
    for (const name of ['a', 'b']) {
      const w = spawnWorker(['--server', server.url, '--reception', server.url, '--threads', '1', '--identity', join(dir, `${name}.json`)]);
      workers.push(w.child);
      logs.push(w.output);
    }
    const admittedKey = (await anon.createCustomer('Admitted customer')).apiKey;
    await topUpForTests(createApiClient({ baseUrl: server.url, token: admittedKey }));
    const admittedCustomer = createApiClient({
      baseUrl: '',
      token: admittedKey,
      fetch: admittedFetch({ receptionUrl: server.url, scope: 'jobs', clientKey: randomBytes(32).toString('base64url') }),
    });
    const created = await admittedCustomer.createJob({ kind: 'lorenz96', params });
    await expect
      .poll(async () => (await admittedCustomer.job(created.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 200 })
      .toBe('completed');
    const p = L96ParamsSchema.parse(params);
    const expected = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await admittedCustomer.jobResult(created.id), logs.map((l) => l()).join('\n')).toEqual(expected);
  }, JOB_DONE_MS_MAX + 15_000);
});
