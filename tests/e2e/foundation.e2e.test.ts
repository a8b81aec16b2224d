/**
 * The foundation path in real Chromium: a customer submits a Lorenz-96 ensemble on the
 * customer page, two volunteers (separate browser contexts, so a quorum of 2 can be met)
 * compute it in Web Workers, and the downloaded result equals the TypeScript reference.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { useServerAndBrowser, startVolunteerPage, UI_STATE_MS_MAX, topUpCustomerPage } from './harness.ts';

/** How long the whole job may take in the browsers before the test gives up. */
const JOB_DONE_MS_MAX = 90_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };

const ctx = useServerAndBrowser();

const startVolunteer = () => startVolunteerPage(ctx);

describe('customer → volunteers → result, in Chromium', () => {
  it('computes a submitted ensemble and downloads a result identical to the reference', async () => {
    const params = { n: 40, forcing: 8, dt: 0.01, steps: 400, snapEvery: 100, members: 6, membersPerUnit: 2, perturbation: 0.001, seed: 2026 };
    const customerContext = await ctx.browser.newContext();
    const customer = await customerContext.newPage();
    await customer.goto(`${ctx.server.url}/customer`);
    await customer.getByTestId('customer-name').fill('E2E Labs');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    const form = customer.getByTestId('job-form');
    for (const [name, value] of Object.entries(params)) await form.locator(`[name="${name}"]`).fill(String(value));
    await customer.getByTestId('submit-job').click();
    const row = customer.getByTestId('job-row').first();
    await expect.poll(() => row.getAttribute('data-status'), ui).toBe('running');
    expect(await row.getByTestId('job-progress').textContent()).toContain('0/3');

    const volunteers = [await startVolunteer(), await startVolunteer()];
    await expect.poll(() => row.getAttribute('data-status'), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('completed');

    const [download] = await Promise.all([customer.waitForEvent('download'), customer.getByTestId('download-result').click()]);
    const downloaded = JSON.parse(await readFile((await download.path())!, 'utf8'));

    const p = L96ParamsSchema.parse(params);
    const units = splitL96(p);
    const expected = JSON.parse(JSON.stringify(assimilateL96(p, units.map((u) => lorenz96Reference(u.input)))));
    expect(downloaded).toEqual(expected);
    // Independently of the assimilator: each member's final state is the reference's.
    expect(downloaded.members).toHaveLength(6);
    expect(downloaded.members[5].final).toEqual(expected.members[5].final);

    // Both volunteers were credited for the validated units.
    for (const page of volunteers) {
      await expect.poll(async () => Number(await page.getByTestId('points-total').textContent()), ui).toBeGreaterThan(0);
      await page.getByTestId('volunteer-toggle').click();
      await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Stopped');
    }
  }, JOB_DONE_MS_MAX + 4 * UI_STATE_MS_MAX);
});
