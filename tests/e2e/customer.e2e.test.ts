/**
 * Customers in real Chromium: build an EBM ensemble in the form (a bad range is refused by
 * its field, and nothing is created), see the quote, submit it, watch the job page's bar
 * reach 100 % while two volunteer pages compute it, see the histograms, download the CSV
 * (equal to the reference's) and read an invoice that matches the units' costs in the
 * database. And determinism: units of both job kinds hash identically in Node and Chromium.
 */
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bytesToBase64, sha256Hex } from '../../shared/base64.ts';
import { resultCsv } from '../../shared/jobs/csv.ts';
import { EbmParamsSchema, ebmUnitShape, splitEbm } from '../../shared/jobs/ebm.ts';
import { assimilateEbm } from '../../shared/jobs/ebm-result.ts';
import { encodeEbmInput } from '../../shared/kernels/ebm.codec.ts';
import { L96ParamsSchema, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { PRICE_MINOR_PER_POINT, QUORUM_DEFAULT } from '../../shared/limits.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { ebmReference } from '../../kernels/ebm/reference.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { useServerAndBrowser, startVolunteerPage, UI_STATE_MS_MAX, topUpCustomerPage } from './harness.ts';

/** How long the whole job may take in the browsers before the test gives up. */
const JOB_DONE_MS_MAX = 90_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };

const ctx = useServerAndBrowser();

const startVolunteer = () => startVolunteerPage(ctx);

/** What the test types into the form, and the same as the job description it must make. */
const TYPED = { 'sampling.members': '40', 'sampling.seed': '11', membersPerUnit: '10', cells: '40' };
const PARAMS = { cells: 40, membersPerUnit: 10, sampling: { method: 'lhs', members: 40, seed: 11 } };

describe('an EBM ensemble, from the form to the invoice, in Chromium', () => {
  it('quotes, runs with the page’s volunteers, reaches 100 %, charts, downloads CSV and bills the units’ costs', async () => {
    const customer = await (await ctx.browser.newContext({ acceptDownloads: true })).newPage();
    const pageErrors: string[] = [];
    customer.on('pageerror', (err) => pageErrors.push(String(err)));
    await customer.goto(`${ctx.server.url}/customer`);
    await customer.getByTestId('customer-name').fill('Climate Lab');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    await customer.getByTestId('kind-ebm').click();
    const form = customer.getByTestId('ebm-form');

    // An inverted range is refused by its own field, before anything reaches the server.
    await form.locator('[name="ranges.b.max"]').fill('1.5');
    await expect.poll(() => customer.getByTestId('field-error-ranges.b.max').textContent(), ui).toMatch(/Inverted range/);
    await expect.poll(() => customer.getByTestId('quote-invalid').isVisible(), ui).toBe(true);
    await customer.getByTestId('submit-ebm').click();
    expect(await customer.locator('[name="ranges.b.max"]').evaluate((el) => el === document.activeElement)).toBe(true);
    await form.locator('[name="ranges.b.max"]').fill('2.4');

    await customer.getByText('Numerics and units of work').click();
    for (const [name, value] of Object.entries(TYPED)) await form.locator(`[name="${name}"]`).fill(value);
    const p = EbmParamsSchema.parse(PARAMS);
    const units = splitEbm(p);
    const points = units.reduce((s, u) => s + u.costPoints, 0);
    const price = points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT;
    await expect.poll(() => customer.getByTestId('quote-price').getAttribute('data-minor'), ui).toBe(String(price));
    expect(await customer.getByTestId('quote-eta').textContent()).toMatch(/no volunteers are computing/);
    expect(await customer.getByTestId('member-count').textContent()).toBe('40 members, 80 runs.');
    // Nothing was created by the refused submit.
    expect(await customer.getByTestId('job-row').count()).toBe(0);

    await customer.getByTestId('submit-ebm').click();
    await customer.getByTestId('job-link').click();
    await expect.poll(() => customer.getByTestId('job-status').textContent(), ui).toBe('running');
    expect(await customer.getByTestId('job-progress-bar').getAttribute('data-percent')).toBe('0');
    const jobId = new URL(customer.url()).pathname.split('/').pop()!;

    const volunteers = [await startVolunteer(), await startVolunteer()];
    await expect.poll(() => customer.getByTestId('job-progress-bar').getAttribute('data-percent'), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('100');
    await expect.poll(() => customer.getByTestId('job-status').textContent(), ui).toBe('completed');
    await expect.poll(() => customer.getByTestId('members-done').textContent(), ui).toMatch(/^40 of 40 members done/);
    for (const chart of ['chart-sensitivity', 'chart-meanT', 'chart-ice-edge', 'chart-profile']) {
      await expect.poll(() => customer.getByTestId(chart).locator('canvas').count(), ui).toBeGreaterThan(0);
    }

    const [download] = await Promise.all([customer.waitForEvent('download'), customer.getByTestId('download-csv').click()]);
    expect(download.suggestedFilename()).toBe(`job-${jobId}.csv`);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toBe(resultCsv(assimilateEbm(p, units.map((u) => ebmReference(u.input)))));
    expect(csv.trim().split('\n')).toHaveLength(41);

    // The invoice charges exactly the units' server-side costs: Σ cost_points × quorum × price.
    const db = new Database(ctx.server.databaseUrl, { readonly: true, fileMustExist: true });
    const row = db.prepare(`select sum(cost_points) as points, count(*) as n from units where job_id = ? and state = 'valid'`).get(jobId) as { points: number; n: number };
    db.close();
    expect(row).toEqual({ points, n: 4 });
    await expect.poll(() => customer.getByTestId('invoice').getAttribute('data-status'), ui).toBe('charged');
    expect(await customer.getByTestId('invoice-charged').getAttribute('data-minor')).toBe(String(row.points * QUORUM_DEFAULT * PRICE_MINOR_PER_POINT));
    expect(await customer.getByTestId('invoice-line-valid').getAttribute('data-points')).toBe(String(row.points));
    expect(pageErrors).toEqual([]);

    for (const page of volunteers) {
      await page.getByTestId('volunteer-toggle').click();
      await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Stopped');
    }
  }, JOB_DONE_MS_MAX + 6 * UI_STATE_MS_MAX);
});

describe('determinism of job units, Node vs Chromium', () => {
  it('hashes replicas of EBM and Lorenz-96 units identically in both realms', async () => {
    const { kernels } = await makeTestApp();
    const ebm = (params: unknown) => splitEbm(EbmParamsSchema.parse(params));
    const cases: Record<string, { kernel: 'ebm@1' | 'lorenz96@1'; input: Uint8Array }> = {
      'ebm sensitivity, profiles': { kernel: 'ebm@1', input: ebm({ cells: 90, membersPerUnit: 12, sampling: { method: 'lhs', members: 12, seed: 1 } })[0]!.input },
      'ebm step albedo, cold starts': { kernel: 'ebm@1', input: ebm({ cells: 33, rampWidth: 0, parameters: { tInit: -40 }, membersPerUnit: 8, sampling: { method: 'grid', levels: 2 } })[0]!.input },
      'ebm no feedback, not converged': { kernel: 'ebm@1', input: ebm({ iceFeedback: false, maxSteps: 9, membersPerUnit: 5, sampling: { method: 'lhs', members: 5, seed: 2 } })[0]!.input },
      // A singular first pivot (C/dt + B = 0, D = 0): NaNs everywhere, canonicalised.
      'ebm blowing up (NaN)': {
        kernel: 'ebm@1',
        input: encodeEbmInput({ ...ebmUnitShape(EbmParamsSchema.parse({ dt: 5, heatCapacity: 10, maxSteps: 5 })), members: [{ ...EbmParamsSchema.parse({}).parameters, b: -2, d: 0 }] }),
      },
      'lorenz96 window': { kernel: 'lorenz96@1', input: splitL96(L96ParamsSchema.parse({ n: 40, steps: 500, snapEvery: 100, members: 6, membersPerUnit: 3, perturbation: 0.5, seed: 8 }))[1]!.input },
    };
    const node: Record<string, string> = {};
    for (const [name, c] of Object.entries(cases)) node[name] = await sha256Hex(await runKernel(kernels.entries.get(c.kernel)!.module, c.input));

    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    const urls = Object.fromEntries([...kernels.entries.values()].map((e) => [`${e.id}@${e.version}`, e.url]));
    // Drives the kernel ABI (shared/kernels/abi.ts) directly in the page's realm.
    const chromium = await page.evaluate(
      async ({ urls, cases }) => {
        const modules: Record<string, WebAssembly.Module> = {};
        const out: Record<string, string> = {};
        for (const [name, c] of Object.entries(cases)) {
          modules[c.kernel] ??= await WebAssembly.compileStreaming(fetch(urls[c.kernel]!));
          const bytes = Uint8Array.from(atob(c.input), (ch) => ch.charCodeAt(0));
          const inst = await WebAssembly.instantiate(modules[c.kernel]!, { env: { abort: () => { throw new Error('abort'); } } });
          const k = inst.exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
          const ptr = k.input_alloc!(bytes.length) as number;
          new Uint8Array(k.memory.buffer, ptr, bytes.length).set(bytes);
          if (k.init!() !== 0) throw new Error(`init refused ${name}`);
          while (k.step!(777) === 1);
          const output = new Uint8Array(k.memory.buffer, k.output_ptr!() as number, k.output_len!() as number).slice();
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', output));
          out[name] = Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
        }
        return out;
      },
      { urls, cases: Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, { kernel: c.kernel, input: bytesToBase64(c.input) }])) },
    );
    expect(chromium).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(Object.keys(cases).length);
  });
});
