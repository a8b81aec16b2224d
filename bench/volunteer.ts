/**
 * @module The volunteer page in headless Chromium against a freshly started edge (issue 5,
 * "Measure"): 2 workers on units of about one second for BENCH_VOLUNTEER_SECONDS (default
 * 60). Reports the share of the workers' wall time spent inside the kernel (target ≥ 97%),
 * the loop's overhead per unit, the time from clicking Start to the first unit computing
 * (target ≤ 1.5 s on localhost; cold = kernel downloaded, warm = kernel from IndexedDB), the
 * gzipped size of the page's JavaScript, kernels excluded (target ≤ 80 KB), and, side by
 * side, one unit's kernel time in the page's workers and in Node on the same module.
 */
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { L96ParamsSchema, splitL96 } from '../shared/jobs/lorenz96.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { makeTestApp } from '../edge/testing.ts';
import { launchChromium, startServer } from '../tests/e2e/harness.ts';
import { customerOf } from '../tests/e2e/volunteer-harness.ts';

const SECONDS = Number(process.env.BENCH_VOLUNTEER_SECONDS ?? 60);
const WORKERS = 2;
/** One unit: 200 variables × 1,000,000 steps, about a second on this kind of machine. */
const UNIT = { n: 200, steps: 1_000_000, snapEvery: 1_000_000, membersPerUnit: 1 };
/** How long the page may take to show a state before the bench gives up. */
const UI_MS_MAX = 30_000;

async function waitFor<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + UI_MS_MAX;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metric(page: Page, name: string): Promise<number | undefined> {
  const v = await page.getByTestId('volunteer-metrics').getAttribute(`data-${name}`);
  return v === null || v === '' ? undefined : Number(v);
}

async function startAndTime(page: Page): Promise<number> {
  await waitFor('the Start button', async () => ((await page.getByTestId('volunteer-toggle').isEnabled()) ? true : undefined));
  await page.getByTestId('worker-count').fill(String(WORKERS));
  await page.getByTestId('volunteer-toggle').click();
  return waitFor('the first unit computing', () => metric(page, 'first-computing-ms'));
}

export async function run(): Promise<void> {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const customer = await customerOf(server);
    const members = Math.ceil(SECONDS * WORKERS * 1.5) + 10;
    const params = { ...UNIT, members, seed: 9 };
    await customer.job(params);

    // Node, same module, one unit: the side-by-side anchor of the kernel's own speed.
    const module = (await makeTestApp()).kernels.entries.get('lorenz96@1')!.module;
    const [unit] = splitL96(L96ParamsSchema.parse(params));
    const t0 = performance.now();
    await runKernel(module, unit!.input);
    const nodeUnitMs = performance.now() - t0;

    const context = await browser.newContext();
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (res) => {
      const type = res.request().resourceType();
      if ((type === 'script' || res.url().endsWith('.js')) && !res.url().endsWith('.wasm')) {
        const body = await res.body().catch(() => undefined);
        if (body) scripts.set(res.url(), gzipSync(body, { level: 9 }).byteLength);
      }
    });
    await page.goto(`${server.url}/volunteer`);
    const coldStartMs = await startAndTime(page);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const units = (await metric(page, 'units')) ?? 0;
    const kernelMs = (await metric(page, 'kernel-ms')) ?? 0;
    const idleMs = (await metric(page, 'idle-ms')) ?? 0;
    const workerMs = (await metric(page, 'worker-ms')) ?? 0;
    const steps = (await metric(page, 'steps')) ?? 0;
    await page.getByTestId('volunteer-toggle').click();

    // Warm start: the same browser profile, kernel bytes from IndexedDB.
    await page.reload();
    const warmStartMs = await startAndTime(page);
    await page.getByTestId('volunteer-toggle').click();
    await context.close();

    if (units === 0) throw new Error('no unit was computed');
    const share = kernelMs / (kernelMs + idleMs);
    const browserUnitMs = kernelMs / units;
    const jsBytes = [...scripts.values()].reduce((a, b) => a + b, 0);
    const row = (name: string, value: string, target = '') => console.log(`${name.padEnd(44)} ${value.padStart(12)}  ${target}`);
    console.log(`headless Chromium, ${WORKERS} workers, ${SECONDS} s, units of ${UNIT.n}×${UNIT.steps.toLocaleString('en')} variable-steps`);
    row('units computed', String(units));
    row('worker time inside the kernel', `${(share * 100).toFixed(2)}%`, `target ≥ 97%  ${share >= 0.97 ? 'ok' : 'MISSED'}`);
    row('overhead per unit', `${(idleMs / units).toFixed(1)} ms`);
    row('  of which inside the worker, between steps', `${((workerMs - kernelMs) / units).toFixed(1)} ms`, `${(steps / units).toFixed(0)} steps per unit`);
    row('kernel time per unit, page workers', `${browserUnitMs.toFixed(0)} ms`);
    row('kernel time per unit, Node (same module)', `${nodeUnitMs.toFixed(0)} ms`, `ratio page/Node ${(browserUnitMs / nodeUnitMs).toFixed(2)}`);
    row('Start → first unit computing (cold)', `${coldStartMs} ms`, `target ≤ 1500 ms  ${coldStartMs <= 1500 ? 'ok' : 'MISSED'}`);
    row('Start → first unit computing (warm)', `${warmStartMs} ms`, `target ≤ 1500 ms  ${warmStartMs <= 1500 ? 'ok' : 'MISSED'}`);
    row('volunteer page JavaScript, gzipped', `${(jsBytes / 1024).toFixed(1)} KB`, `target ≤ 80 KB  ${jsBytes <= 80 * 1024 ? 'ok' : 'MISSED'} (${scripts.size} files)`);
  } finally {
    await browser.close();
    await server.stop();
  }
}
