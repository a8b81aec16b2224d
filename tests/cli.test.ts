/**
 * The customer CLI as a customer runs it (`npm run cli -- …`, a process of its own) against
 * a running edge: submit an EBM job file, wait with a progress bar while two Node volunteers
 * compute it, and get the result the reference computes; download it as CSV; cancel a job.
 * A wrong or missing API key, and job files that are not JSON, not a job or not there, end
 * with a clear message, their own exit code, and nothing created on the server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../shared/api/client.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { EbmParamsSchema, splitEbm } from '../shared/jobs/ebm.ts';
import { assimilateEbm } from '../shared/jobs/ebm-result.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIST } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { ebmReference } from '../kernels/ebm/reference.ts';
import { EXIT } from '../cli/main.ts';
import { ROOT, startServer, type RunningServer } from './e2e/harness.ts';
import { topUpForTests } from '../edge/testing.ts';

let server: RunningServer;
let apiKey: string;
let customer: ApiClient;
const dir = mkdtempSync(join(tmpdir(), 'sparecycles-cli-'));

beforeAll(async () => {
  server = await startServer();
  apiKey = (await createApiClient({ baseUrl: server.url }).createCustomer('CLI Lab')).apiKey;
  await topUpForTests(createApiClient({ baseUrl: server.url, token: apiKey }));
  customer = createApiClient({ baseUrl: server.url, token: apiKey });
});
afterAll(async () => {
  await server?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a process of its own, as `npm run cli` does. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, SPARECYCLES_SERVER: server.url, SPARECYCLES_API_KEY: apiKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Two volunteers leasing and computing until `until` resolves. */
async function volunteers(until: Promise<unknown>): Promise<void> {
  const module = await loadKernelModule(KERNELS_DIST, 'ebm', 1);
  let done = false;
  void until.finally(() => (done = true));
  const anon = createApiClient({ baseUrl: server.url });
  const work = async () => {
    const v = createApiClient({ baseUrl: server.url, token: (await anon.createVolunteer()).token });
    while (!done) {
      const { leases, retryAfterMs } = await v.lease({ max: 4 });
      for (const l of leases) await v.submitResult(l.leaseId, await runKernel(module, base64ToBytes(l.input)));
      // Nothing to do yet: wait as the server asks, like every volunteer client does.
      if (leases.length === 0) await new Promise((r) => setTimeout(r, Math.min(retryAfterMs ?? 200, 200)));
    }
  };
  await Promise.all([work(), work()]);
}

const params = { cells: 30, membersPerUnit: 5, sampling: { method: 'lhs' as const, members: 20, seed: 3 } };

describe('customer CLI against a running server', () => {
  it('submits a job file, waits with a progress bar, and writes the result the reference computes', async () => {
    const jobFile = file('ebm.json', JSON.stringify({ kind: 'ebm', params }));
    const out = join(dir, 'result.json');
    const run = cli(['submit', jobFile, '--wait', '--out', out]);
    await volunteers(run);
    const { code, stdout, stderr } = await run;
    expect(stderr).toMatch(/submitted: 4 units/);
    expect(stderr).toMatch(/100% 4\/4 units valid · completed/);
    expect(code).toBe(EXIT.ok);
    const jobId = stdout.trim();
    const p = EbmParamsSchema.parse(params);
    const expected = JSON.parse(JSON.stringify(assimilateEbm(p, splitEbm(p).map((u) => ebmReference(u.input)))));
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(expected);

    const csv = await cli(['download', jobId, '--out', join(dir, 'result.csv')]);
    expect(csv.code).toBe(EXIT.ok);
    expect(readFileSync(join(dir, 'result.csv'), 'utf8').trim().split('\n')).toHaveLength(21);
    const status = await cli(['status', jobId]);
    expect(status.stdout).toContain(`job ${jobId} (ebm): completed, 4/4 units valid`);
  }, 120_000);

  it('quotes and submits a word-alignment training job file (its corpus inline), and a bad corpus is refused with its problem', async () => {
    const tsv = 'das Haus\tthe house\ndas Buch\tthe book\nein Buch\ta book\n'.repeat(2000);
    const jobFile = file('train.json', JSON.stringify({ kind: 'ibm1-train', params: { srcLang: 'de', tgtLang: 'en', corpus: { tsv }, maxIterations: 3 } }));
    const quote = await cli(['quote', jobFile]);
    expect(quote.code).toBe(EXIT.ok);
    expect(quote.stdout).toMatch(/^9 units, \d+ points × quorum 2/);
    const submit = await cli(['submit', jobFile]);
    expect(submit.code).toBe(EXIT.ok);
    expect(submit.stderr).toMatch(/submitted: 3 units/);
    expect(await customer.job(submit.stdout.trim())).toMatchObject({ kind: 'ibm1-train', status: 'running', unitsTotal: 3 });
    const bad = file('bad-train.json', JSON.stringify({ kind: 'ibm1-train', params: { srcLang: 'de', tgtLang: 'en', corpus: { source: 'a\nb\n', target: 'x\n' } } }));
    const refused = await cli(['submit', bad]);
    expect(refused.code).not.toBe(EXIT.ok);
    expect(refused.stderr).toMatch(/line/);
    await cli(['cancel', submit.stdout.trim()]);
  }, 60_000);

  it('cancels a job and says what was charged and released', async () => {
    const job = await customer.createJob({ kind: 'ebm', params });
    const run = await cli(['cancel', job.id]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/cancelled, 0\/4 units valid.*charged 0\.00 EUR, released \d+\.\d\d EUR/);
    const again = await cli(['cancel', job.id]);
    expect(again.code).toBe(EXIT.jobFailed);
    expect(again.stderr).toMatch(/The job is not running/);
  }, 60_000);

  it('refuses a wrong or missing API key and bad job files, with messages and exit codes, creating nothing', async () => {
    const before = (await customer.jobs()).jobs.length;
    const good = file('good.json', JSON.stringify({ kind: 'ebm', params }));

    const wrong = await cli(['submit', good], { SPARECYCLES_API_KEY: 'c_nobody.secret' });
    expect(wrong).toMatchObject({ code: EXIT.auth, stdout: '' });
    expect(wrong.stderr).toMatch(/the server refused the API key \(401\)/);
    const missing = await cli(['status', 'j_x'], { SPARECYCLES_API_KEY: '' });
    expect(missing.code).toBe(EXIT.auth);
    expect(missing.stderr).toMatch(/no API key: pass --api-key KEY or set SPARECYCLES_API_KEY/);

    const notJson = await cli(['submit', file('broken.json', '{"kind": "ebm", ')]);
    expect(notJson.code).toBe(EXIT.usage);
    expect(notJson.stderr).toMatch(/is not valid JSON/);
    const inverted = await cli(['submit', file('inverted.json', JSON.stringify({ kind: 'ebm', params: { ranges: { b: { min: 2.4, max: 1.8 } } } }))]);
    expect(inverted.code).toBe(EXIT.usage);
    expect(inverted.stderr).toMatch(/params\.ranges\.b\.max: inverted range/);
    const tooBig = await cli(['submit', file('big.json', JSON.stringify({ kind: 'ebm', params: { sampling: { method: 'lhs', members: 1_000_000 } } }))]);
    expect(tooBig.code).toBe(EXIT.usage);
    expect(tooBig.stderr).toMatch(/params\.sampling\.members: at most 100000 members per job/);
    const absent = await cli(['submit', join(dir, 'absent.json')]);
    expect(absent.code).toBe(EXIT.usage);
    expect(absent.stderr).toMatch(/cannot read job file/);
    const usage = await cli(['frobnicate']);
    expect(usage.code).toBe(EXIT.usage);

    expect((await customer.jobs()).jobs).toHaveLength(before);
  }, 120_000);
});
