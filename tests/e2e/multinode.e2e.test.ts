/**
 * Multi-node end to end on PostgreSQL, in real Chromium: reception (serving the web app) and
 * two nodes as separate edge processes on one database, each node taking one admission at a
 * time and allowing the app's origin (APP_ORIGINS). A customer page submits a Lorenz-96 job
 * through reception; two volunteer pages are admitted to the two nodes (other origins than
 * the page) and compute it; the job's output equals the kernel reference's. A third
 * volunteer page finds every node full: it shows the waiting room with its position, keeps
 * its place across a reload, and is admitted by itself (with the chime) once a volunteer
 * stops and gives its slot back. A fourth, whose reception drops the connection, says so and
 * gets in line once reception answers; muted, it is admitted without the chime. Last, the
 * signed-in volunteer checks out in the shop through reception, its session cookie going to
 * the node on another origin, and the checkout's admission is given back at once.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { L96ParamsSchema, assimilateL96, splitL96 } from '../../shared/jobs/lorenz96.ts';
import { RECEPTION_PATHS, type ReceptionStatus } from '../../shared/reception/schemas.ts';
import { lorenz96Reference } from '../../kernels/lorenz96/reference.ts';
import { dropFreshPg, freshPgUrl } from '../../edge/testing.ts';
import { UI_STATE_MS_MAX, freePort, launchChromium, startServer, startVolunteerPage, type RunningServer, topUpCustomerPage } from './harness.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the multi-node end-to-end test');
/** How long the job may take on the two volunteer pages. */
const JOB_DONE_MS_MAX = 40_000;
/** How long the waiting page may take to be admitted once a slot is free (reports every 1 s, retries every ~2 s). */
const ADMITTED_MS_MAX = 15_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
/** What the customer types into the Lorenz-96 form. */
const PARAMS = { n: 40, steps: 1000, snapEvery: 100, members: 16, membersPerUnit: 2, seed: 5 };

/** A volunteer page in a fresh context with one worker, Start pressed (it may then wait in line). */
async function pressStart(browser: Browser, server: RunningServer): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/volunteer`);
  await page.getByTestId('worker-count').fill('1');
  await expect.poll(() => page.getByTestId('volunteer-status').getAttribute('data-state'), ui).toBe('stopped');
  await page.getByTestId('volunteer-toggle').click();
  return page;
}

const servers: RunningServer[] = [];
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop('SIGKILL');
  await dropFreshPg(pgUrl);
});

describe.skipIf(!pgUrl)('reception and two nodes on PostgreSQL, volunteers in Chromium', () => {
  it('runs a job through reception to the reference’s output; a page that must wait sees the waiting room, keeps its place and gets in by itself', async () => {
    const receptionPort = await freePort();
    const appOrigin = `http://127.0.0.1:${receptionPort}`;
    const shared = {
      DATABASE_URL: pgUrl!,
      TICKET_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      RECEPTION_REPORT_KEY: randomBytes(24).toString('base64url'),
      OPERATOR_TOKEN: randomBytes(16).toString('hex'),
    };
    const reception = await startServer({ ...shared, EDGE_ROLE: 'reception', PORT: String(receptionPort) });
    servers.push(reception);
    for (const id of ['n1', 'n2']) {
      const port = String(await freePort());
      servers.push(await startServer({ ...shared, EDGE_ROLE: 'node', NODE_ID: id, PORT: port, NODE_CAPACITY: '1', RECEPTION_URL: reception.url, APP_ORIGINS: appOrigin }));
    }
    const status = async (): Promise<ReceptionStatus> =>
      (await fetch(reception.url + RECEPTION_PATHS.status, { headers: { authorization: `Bearer ${shared.OPERATOR_TOKEN}` } })).json() as Promise<ReceptionStatus>;
    // The page's CSP lists the nodes reception knows when it loads: wait for both.
    await expect.poll(async () => (await status()).nodes.filter((n) => n.live).length, { timeout: 10_000, interval: 100 }).toBe(2);
    browser = await launchChromium();
    const ctx = { server: reception, browser };
    const errors: string[] = [];
    const watch = (page: Page, name: string) => page.on('pageerror', (err) => errors.push(`${name}: ${err}`));

    // The customer submits through reception (and gives the admission back at once).
    const customer = await (await browser.newContext()).newPage();
    watch(customer, 'customer');
    await customer.goto(`${reception.url}/customer`);
    await customer.getByTestId('customer-name').fill('Multi-node Lab');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    const apiKey = (await customer.getByTestId('api-key').textContent())!.trim();
    const form = customer.getByTestId('job-form');
    for (const [name, value] of Object.entries(PARAMS)) await form.locator(`[name="${name}"]`).fill(String(value));
    await customer.getByTestId('submit-job').click();
    await expect.poll(() => customer.getByTestId('submitted').isVisible(), ui).toBe(true);
    const jobId = (await customer.getByTestId('submitted').locator('.mono').textContent())!.trim();
    await expect.poll(async () => (await status()).nodes.reduce((s, n) => s + n.active + n.pending, 0), ui).toBe(0);

    // Two volunteer pages take the two nodes' only slots and compute the job there.
    const a = await startVolunteerPage(ctx);
    watch(a, 'a');
    await expect.poll(async () => (await status()).nodes.reduce((s, n) => s + n.active + n.pending, 0), ui).toBe(1);
    // b signs up first (its session cookie is the shop's later), then computes.
    const b = await (await browser.newContext()).newPage();
    watch(b, 'b');
    await b.goto(`${reception.url}/volunteer`);
    await b.getByTestId('claim-email').fill('multinode@example.org');
    await b.getByTestId('claim-password').fill('correct horse battery');
    await b.getByTestId('claim-submit').click();
    await expect.poll(() => b.getByTestId('account-signed-in').textContent(), ui).toBe('multinode@example.org');
    await b.getByTestId('worker-count').fill('1');
    await b.getByTestId('volunteer-toggle').click();
    await expect.poll(async () => (await status()).nodes.map((n) => n.active + n.pending), ui).toEqual([1, 1]);

    // A third finds every node full: the waiting room, with its position and an honest estimate.
    const c = await pressStart(browser, reception);
    watch(c, 'c');
    const room = c.getByTestId('waiting-room');
    await expect.poll(() => room.getAttribute('data-phase').catch(() => null), ui).toBe('waiting');
    const before = Number(await room.getAttribute('data-position'));
    expect(before).toBe(0);
    // Nothing computes while in line, and the banner says so.
    expect(await c.getByTestId('volunteer-status').getAttribute('data-state')).toBe('waiting');
    expect(await c.getByTestId('volunteer-status').textContent()).toMatch(/In line/);
    expect(await c.getByTestId('waiting-position').textContent()).toMatch(/next in line/);
    expect(await c.getByTestId('waiting-estimate').textContent()).toMatch(/Expected wait|not known yet/);
    expect(await c.getByTestId('waiting-position').getAttribute('aria-live')).toBe('polite');
    expect(await c.getByTestId('waiting-retry').textContent()).toMatch(/Asking again/);
    expect(await c.getByTestId('waiting-progress').getAttribute('max')).toBe('100');
    const kept = await c.evaluate(() => localStorage.getItem('sparecycles.reception.place.volunteer'));
    expect(kept).toBeTruthy();

    // A reload keeps the place: the page starts again by itself and is back in line, no further back.
    await c.reload();
    await expect.poll(() => room.getAttribute('data-phase').catch(() => null), ui).toBe('waiting');
    expect(Number(await room.getAttribute('data-position'))).toBeLessThanOrEqual(before);
    expect((await status()).waiting).toBe(1);

    // One more page joins the line behind c, then presses Stop: it gives its place up and stops asking.
    const e = await pressStart(browser, reception);
    watch(e, 'e');
    await expect.poll(() => e.getByTestId('waiting-room').getAttribute('data-position').catch(() => null), ui).toBe('1');
    let asked = 0;
    e.on('request', (r) => r.url().endsWith(RECEPTION_PATHS.admit) && asked++);
    await e.getByTestId('volunteer-toggle').click();
    await expect.poll(() => e.getByTestId('waiting-room').count(), ui).toBe(0);
    const askedAtStop = asked;
    await new Promise((r) => setTimeout(r, 3_000)); // longer than reception's retry interval while the estimate is unknown (2 s ± 20 %)
    expect(asked).toBe(askedAtStop);
    expect((await status()).waiting).toBe(1);
    await e.context().close();

    // Meanwhile a and b finish the job on the two nodes, with exactly the reference's output.
    const api = createApiClient({ baseUrl: reception.url, token: apiKey });
    await expect.poll(async () => (await api.job(jobId)).status, { timeout: JOB_DONE_MS_MAX, interval: 200 }).toBe('completed');
    const p = L96ParamsSchema.parse(PARAMS);
    const expected = JSON.parse(JSON.stringify(assimilateL96(p, splitL96(p).map((u) => lorenz96Reference(u.input)))));
    expect(await api.jobResult(jobId)).toEqual(expected);
    expect((await status()).nodes.every((n) => n.refused['ticket-forged'] === undefined)).toBe(true);

    // a stops and gives its slot back: c is admitted by itself and says so (the chime plays: not muted).
    const waitedFrom = Date.now();
    await a.getByTestId('volunteer-toggle').click();
    await expect.poll(() => c.getByTestId('admitted-note').getAttribute('data-announced').catch(() => null), { timeout: ADMITTED_MS_MAX, interval: 100 }).toBe('chime');
    const admittedMs = Date.now() - waitedFrom;
    await expect.poll(() => c.getByTestId('volunteer-status').getAttribute('data-state'), ui).toBe('running');
    expect(await room.count()).toBe(0);
    expect(await c.evaluate(() => localStorage.getItem('sparecycles.reception.place.volunteer'))).toBeNull();
    expect((await status()).waiting).toBe(0);

    // A fourth page (in Japanese) whose reception drops the connection: says reception is unreachable,
    // then gets in line by itself once it answers again; muted (kept across a reload), it never chimes.
    const d = await (await browser.newContext()).newPage();
    watch(d, 'd');
    await d.goto(`${reception.url}/volunteer`);
    await d.evaluate(() => {
      localStorage.setItem('sparecycles.reception.muted', '1');
      localStorage.setItem('sparecycles.lang', 'ja');
    });
    await d.reload();
    await d.route('**/api/reception/admit', (route) => route.abort('connectionreset'));
    await d.getByTestId('worker-count').fill('1');
    await d.getByTestId('volunteer-toggle').click();
    const dRoom = d.getByTestId('waiting-room');
    await expect.poll(() => d.getByTestId('waiting-room-error').getAttribute('data-failure').catch(() => null), ui).toBe('reception-unreachable');
    expect(await d.getByTestId('waiting-room-error').textContent()).toMatch(/受付に接続できませんでした/);
    expect(await d.getByTestId('waiting-mute').isChecked()).toBe(true);
    await d.unroute('**/api/reception/admit');
    await expect.poll(() => dRoom.getAttribute('data-phase').catch(() => null), { timeout: ADMITTED_MS_MAX, interval: 100 }).toBe('waiting');
    await b.getByTestId('volunteer-toggle').click();
    await expect.poll(() => d.getByTestId('admitted-note').getAttribute('data-announced').catch(() => null), { timeout: ADMITTED_MS_MAX, interval: 100 }).toBe('muted');

    // b checks out in the shop: through reception to a node on another origin, with its session
    // cookie (CORS with credentials for the app's origin); first a slot must be free.
    await c.getByTestId('volunteer-toggle').click();
    await b.getByRole('link', { name: 'Shop' }).click();
    await b.locator('[data-testid="product-card"][data-product-id="p_studio"]').getByTestId('add-to-cart').click();
    await expect.poll(() => b.getByTestId('cart-line').count(), ui).toBe(1);
    await b.getByTestId('card-token').selectOption('tok_ok');
    await b.getByTestId('place-order').click();
    await expect.poll(() => b.getByTestId('order-status').getAttribute('data-status').catch(() => null), ui).toBe('paid');
    // The checkout's admission was given back at once (d still holds the other node's slot).
    await expect.poll(async () => (await status()).nodes.reduce((s, n) => s + n.active + n.pending, 0), ui).toBe(1);
    expect(errors).toEqual([]);
    console.log(`waiting page admitted ${admittedMs} ms after a slot was given back`);
  }, 90_000);
});
