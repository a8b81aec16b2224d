/**
 * @module What the Chromium group suites share (issue 16): one server and one browser with
 * loopback WebRTC per file, pages in their own contexts (separate devices), and the steps
 * of the host's panel and the join page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { topUpForTests } from '../../edge/testing.ts';
import { launchChromium, newIceFailingContext, newWebRtcContext, startServer, UI_STATE_MS_MAX, type RunningServer } from './harness.ts';

/** How long a job computed by a group (and its quorum partner) may take. */
export const JOB_DONE_MS_MAX = 60_000;
/** How long a peer may take from Join to the kernel (claim, offer, answer, ICE, the bytes). */
export const KERNEL_READY_MS_MAX = 20_000;
/** Beyond the connect timeout, for the fallback to be noticed, the seat declined and the page updated. */
export const FALLBACK_SLACK_MS = 5_000;
export const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
/** A Lorenz-96 job of six small units. */
export const SMALL_JOB = { kind: 'lorenz96', params: { n: 24, steps: 300, snapEvery: 100, members: 12, membersPerUnit: 2, seed: 5 } } as const;

/** The suite's server and browser (set once `useGroupsE2E`'s beforeAll ran) and what to stop after it. */
export const g = { server: undefined as unknown as RunningServer, browser: undefined as unknown as Browser, cleanups: [] as (() => unknown)[] };

/** One server and one browser (with loopback WebRTC) for the calling file. */
export function useGroupsE2E(): void {
  beforeAll(async () => {
    g.server = await startServer();
    g.browser = await launchChromium({ webrtc: true });
  });
  afterAll(async () => {
    for (const c of g.cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
    await g.browser?.close();
    await g.server?.stop();
  });
}

/** A paying customer through the API (its jobs pay the volunteers of this one-network machine). */
export async function apiCustomer() {
  const { apiKey } = await createApiClient({ baseUrl: g.server.url }).createCustomer('Groups E2E');
  const api = createApiClient({ baseUrl: g.server.url, token: apiKey });
  await topUpForTests(api);
  return api;
}

/** A page in a new context: `webrtc` contexts gather loopback candidates, `ice-fails` ones none. Page errors fail the test at its end. */
export async function newPage(kind: 'webrtc' | 'ice-fails'): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = kind === 'webrtc' ? await newWebRtcContext(g.browser) : await newIceFailingContext(g.browser);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  return { page, errors, requests };
}

/** The volunteer token this page's browser keeps (IndexedDB `identity` / `volunteer`). */
export function volunteerTokenOf(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('sparecycles');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('identity').objectStore('identity').get('volunteer');
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as { token: string }).token);
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

export const pointsOf = async (page: Page) => (await createApiClient({ baseUrl: g.server.url, token: await volunteerTokenOf(page) }).me()).points;

/** Creates a group of `seats` on the host's volunteer page; its invite link and id. */
export async function createGroup(host: Page, seats: number): Promise<{ link: string; groupId: string }> {
  await host.getByTestId('group-seats').fill(String(seats));
  await expect.poll(() => host.getByTestId('group-create').isEnabled(), ui).toBe(true);
  await host.getByTestId('group-create').click();
  const link = host.getByTestId('group-invite-link');
  await expect.poll(() => link.count(), ui).toBe(1);
  const href = (await link.getAttribute('href'))!;
  expect(href).toMatch(new RegExp(`^${g.server.url}/join#[A-Za-z0-9_-]{43}$`));
  expect(await host.getByTestId('group-invite-code').textContent()).toBe(href.split('#')[1]);
  return { link: href, groupId: (await host.getByTestId('group-panel').getAttribute('data-group'))! };
}

/** Closes the host's group and comes back to its form. */
export async function closeGroup(host: Page): Promise<void> {
  await host.getByTestId('group-close').click();
  await expect.poll(() => host.getByTestId('group-panel').getAttribute('data-state'), ui).toBe('closed');
  await host.getByTestId('group-another').click();
  await expect.poll(() => host.getByTestId('group-create').count(), ui).toBe(1);
}

/** Opens (or re-opens, by its fragment) an invite on a peer page: the join page, idle. */
export async function openInvite(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await expect.poll(() => page.getByTestId('join-button').textContent(), ui).toBe('Join');
}

/** Presses Leave and waits for the session to end. */
export async function leave(page: Page): Promise<void> {
  await page.getByTestId('leave-button').click();
  await expect.poll(() => page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('stopped');
}

export const peerRows = (host: Page) =>
  host.getByTestId('group-peer-row').evaluateAll((rows) => rows.map((r) => ({ state: r.dataset.state, units: Number(r.dataset.units), kernelBytes: Number(r.dataset.kernelBytes) })));

