/**
 * The volunteer page in real Chromium against the real edge (issue 5, "Must show"): units
 * are computed and points rise; pause stops work within one step and uses no CPU while
 * paused; a reload mid-run resumes and loses no finished result; offline (the browser's
 * network emulation) results queue and arrive when back online; a kernel whose bytes do not
 * match its announced hash is refused with a visible message; settings survive a reload.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp } from '../../edge/testing.ts';
import { useServerAndBrowser } from './harness.ts';
import { customerOf, outboxLeaseIds, rendererCpuSeconds, replicasOf, startPartner } from './volunteer-harness.ts';

/** How long one page state (a click's effect, a unit computed) may take to show. */
const UI_STATE_MS_MAX = 20_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
/** The one timed measurement the issue asks for: CPU used over this window while paused. */
const CPU_WINDOW_MS = 2_000;
/** Paused, the renderer may use at most this share of one core (timers, heartbeats). */
const PAUSED_CPU_SHARE_MAX = 0.1;

const ctx = useServerAndBrowser();
const contexts: BrowserContext[] = [];
/** One customer for the whole file: each test's job cancels the one before, so no test gets another's units. */
let customerPromise: ReturnType<typeof customerOf> | undefined;
const customer = () => (customerPromise ??= customerOf(ctx.server));
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

async function lorenz96(): Promise<WebAssembly.Module> {
  return (await makeTestApp()).kernels.entries.get('lorenz96@1')!.module;
}

async function openVolunteer(context?: BrowserContext): Promise<Page> {
  const c = context ?? (await ctx.browser.newContext());
  if (!context) contexts.push(c);
  const page = await c.newPage();
  page.on('pageerror', (err) => console.error('[volunteer page error]', err));
  await page.goto(`${ctx.server.url}/volunteer`);
  await expect.poll(() => page.getByTestId('volunteer-status').getAttribute('data-state'), ui).toBe('stopped');
  await expect.poll(() => page.getByTestId('volunteer-toggle').isEnabled(), ui).toBe(true);
  return page;
}

async function startComputing(page: Page, workers: number): Promise<void> {
  await page.getByTestId('worker-count').fill(String(workers));
  await page.getByTestId('volunteer-toggle').click();
  await expect.poll(() => page.getByTestId('volunteer-status').getAttribute('data-state'), ui).toBe('running');
}

const num = async (page: Page, id: string) => Number(await page.getByTestId(id).textContent());
const rows = (page: Page) => page.getByTestId('worker-row');
const phases = (page: Page) => rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
const volunteerId = async (page: Page) => (await page.getByTestId('volunteer-id').textContent())!;

describe('the volunteer page, in Chromium', () => {
  it('computes units and points rise, with credits linked to their unit and job', async () => {
    const job = await (await customer()).job({ n: 40, steps: 20_000, snapEvery: 10_000, members: 6, membersPerUnit: 1, seed: 3 });
    const partner = startPartner(ctx.server, await lorenz96());
    try {
      const page = await openVolunteer();
      expect(await num(page, 'points-total')).toBe(0);
      await startComputing(page, 2);
      await expect.poll(() => num(page, 'units-done'), ui).toBeGreaterThanOrEqual(6);
      await expect.poll(() => num(page, 'points-total'), ui).toBeGreaterThan(0);
      // Both come from one refresh; poll so a refresh landing between the two reads is no failure.
      await expect.poll(async () => (await num(page, 'points-today')) === (await num(page, 'points-total')), ui).toBe(true);
      expect(Number(await page.getByTestId('activity-chart').getAttribute('data-total'))).toBeGreaterThanOrEqual(6);
      expect(await page.getByTestId('kernel-share').textContent()).toMatch(/^\d+\.\d%$/);
      const credit = page.getByTestId('credit-row').first();
      await expect.poll(() => credit.getAttribute('data-job'), ui).toBe(job.id);
      await credit.getByRole('link').click();
      await expect.poll(() => page.getByTestId('unit-job').textContent(), ui).toBe(job.id);
      expect(await page.getByTestId('unit-state').textContent()).toBe('valid');
    } finally {
      await partner.stop();
    }
  }, 90_000);

  it('pauses within one step, uses no CPU while paused, and resumes where it left off', async () => {
    // Two units of about ten seconds each: both workers are mid-unit when paused (the second
    // worker takes over the unit the first one prefetched).
    await (await customer()).job({ n: 200, steps: 1_000_000, snapEvery: 1_000_000, members: 20, membersPerUnit: 10, seed: 4 });
    const page = await openVolunteer();
    await startComputing(page, 2);
    await expect.poll(async () => (await phases(page)).every((p) => p === 'computing'), ui).toBe(true);

    const running0 = await rendererCpuSeconds(ctx.browser);
    await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
    const runningCpu = (await rendererCpuSeconds(ctx.browser)) - running0;

    const leases = await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-lease')));
    await page.getByTestId('do-not-disturb').check();
    await expect.poll(async () => (await phases(page)).every((p) => p === 'paused'), ui).toBe(true);
    expect(await page.getByTestId('volunteer-status').getAttribute('data-state')).toBe('paused');
    // Each worker began at most one kernel step after the pause was asked for.
    const after = await rows(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-steps-after-pause'))));
    for (const steps of after) expect(steps).toBeLessThanOrEqual(1);
    const doneAtPause = await rows(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-done'))));

    const paused0 = await rendererCpuSeconds(ctx.browser);
    await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
    const pausedCpu = (await rendererCpuSeconds(ctx.browser)) - paused0;
    console.log(`renderer CPU over ${CPU_WINDOW_MS} ms: running ${runningCpu.toFixed(2)} s, paused ${pausedCpu.toFixed(2)} s`);
    expect(runningCpu).toBeGreaterThan(CPU_WINDOW_MS / 1000 / 2);
    expect(pausedCpu).toBeLessThan((PAUSED_CPU_SHARE_MAX * CPU_WINDOW_MS) / 1000);
    expect(await rows(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-done'))))).toEqual(doneAtPause);

    await page.getByTestId('do-not-disturb').uncheck();
    await expect.poll(async () => (await phases(page)).every((p) => p === 'computing'), ui).toBe(true);
    // The same units go on from where they were, not from the start.
    expect(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-lease')))).toEqual(leases);
    await expect
      .poll(async () => (await rows(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-done'))))).every((d, i) => d > doneAtPause[i]!), ui)
      .toBe(true);
  }, 90_000);

  it('resumes after a reload mid-run, sending every finished result and finishing the unit it held', async () => {
    await (await customer()).job({ n: 200, steps: 300_000, snapEvery: 300_000, members: 40, membersPerUnit: 1, seed: 5 });
    const page = await openVolunteer();
    const me = await volunteerId(page);
    // Results cannot reach the server: they pile up in the outbox.
    await page.route('**/api/work/leases/*/result', (route) => route.abort('connectionrefused'));
    await startComputing(page, 1);
    await expect.poll(() => num(page, 'outbox-size'), ui).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await phases(page))[0], ui).toBe('computing');
    const held = Number(await rows(page).first().getAttribute('data-lease'));
    const kept = await outboxLeaseIds(page);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(replicasOf(ctx.server, me).filter((r) => r.state === 'returned')).toEqual([]);

    const kernelFetches: string[] = [];
    page.on('request', (r) => r.url().includes('/kernels/') && kernelFetches.push(r.url()));
    await page.unroute('**/api/work/leases/*/result');
    await page.reload();
    await expect.poll(() => page.getByTestId('volunteer-status').getAttribute('data-state'), ui).toBe('running');
    expect(await page.getByTestId('resumed-note').isVisible()).toBe(true);
    await expect
      .poll(() => {
        const returned = new Set(replicasOf(ctx.server, me).filter((r) => r.state === 'returned').map((r) => r.id));
        return [...kept, held].every((id) => returned.has(id));
      }, ui)
      .toBe(true);
    // The kernel came from this browser's storage, not the network.
    expect(kernelFetches).toEqual([]);
    await expect.poll(() => num(page, 'outbox-size'), ui).toBe(0);
  }, 90_000);

  it('queues results while offline and sends them when back online', async () => {
    await (await customer()).job({ n: 200, steps: 300_000, snapEvery: 300_000, members: 40, membersPerUnit: 1, seed: 6 });
    const page = await openVolunteer();
    const me = await volunteerId(page);
    await startComputing(page, 1);
    await expect.poll(async () => (await phases(page))[0], ui).toBe('computing');
    await page.context().setOffline(true);
    await expect.poll(() => num(page, 'outbox-size'), ui).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('outbox-offline').isVisible(), ui).toBe(true);
    const queued = await outboxLeaseIds(page);
    const returned = () => new Set(replicasOf(ctx.server, me).filter((r) => r.state === 'returned').map((r) => r.id));
    expect(queued.some((id) => returned().has(id))).toBe(false);

    await page.context().setOffline(false);
    await expect.poll(() => queued.every((id) => returned().has(id)), ui).toBe(true);
    await expect.poll(() => page.getByTestId('outbox-offline').count(), ui).toBe(0);
  }, 90_000);

  it('refuses a kernel whose bytes do not match its announced hash, visibly, and runs nothing', async () => {
    await (await customer()).job({ n: 40, steps: 20_000, snapEvery: 10_000, members: 4, membersPerUnit: 1, seed: 7 });
    const context = await ctx.browser.newContext();
    contexts.push(context);
    await context.route('**/kernels/*.wasm', async (route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 1] = body[body.length - 1]! ^ 0xff; // one flipped byte
      await route.fulfill({ response: res, body });
    });
    const page = await openVolunteer(context);
    await startComputing(page, 1);
    await expect.poll(() => page.getByTestId('kernel-error').textContent(), ui).toMatch(/lorenz96@1 refused: its bytes hash to/);
    expect(await page.getByTestId('kernel-error').isVisible()).toBe(true);
    expect(await num(page, 'units-done')).toBe(0);
    expect(await phases(page)).not.toContain('computing');
    // The page keeps retrying the kernel; a fetch still in the handler when the context closes must not outlive the test.
    await context.unrouteAll({ behavior: 'ignoreErrors' });
  }, 60_000);

  it('keeps the worker count, the throttle and the pause conditions across a reload, in either language', async () => {
    const page = await openVolunteer();
    await page.getByTestId('worker-count').fill('3');
    await page.getByTestId('throttle').selectOption('50');
    await page.getByTestId('pause-hidden').check();
    await page.getByTestId('worker-count').fill('0');
    await expect.poll(() => page.getByTestId('worker-count-error').isVisible(), ui).toBe(true);
    await page.getByTestId('language').selectOption('ja');
    await expect.poll(() => page.getByTestId('volunteer-toggle').textContent(), ui).toBe('計算を開始');
    await page.reload();
    await expect.poll(() => page.getByTestId('worker-count').inputValue(), ui).toBe('3');
    expect(await page.getByTestId('throttle').inputValue()).toBe('50');
    expect(await page.getByTestId('pause-hidden').isChecked()).toBe(true);
    expect(await page.getByTestId('volunteer-toggle').textContent()).toBe('計算を開始');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja');
  }, 60_000);
});
