/**
 * Groups in real Chromium against the real server (issue 16, "Must show" 1, 7, 9, 10, 11):
 * a volunteer page hosts a group and peer pages in their own browser contexts join it by
 * its invite link; the kernel and units travel over WebRTC data channels on loopback, the
 * peers' signed results are uploaded by the host, and the ledger credits the peers, not the
 * host. Nothing is claimed or computed on a peer page before Join. A second group reuses
 * the kernel a peer kept (zero bytes sent). A peer whose context gathers no ICE candidates
 * falls back to the server within the connect timeout, its seat given back unbilled. And a
 * customer's private pool: three of its own browsers compute its job between the group
 * lease and the upload, and the seats are billed per reception notice.
 *
 * One server and one browser (with loopback WebRTC) for the file; each page in its own
 * context, as separate devices. Contexts with camera and microphone permissions gather
 * loopback ICE candidates; one without gathers none.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { hostApi } from '../../shared/groups/client.ts';
import { GROUP_CONNECT_TIMEOUT_MS } from '../../shared/groups/protocol.ts';
import { GROUP_SEAT_PRICE_MINOR } from '../../shared/groups/schemas.ts';
import { spawnWorker, topUpCustomerPage } from './harness.ts';
import { apiCustomer, closeGroup, createGroup, FALLBACK_SLACK_MS, g, JOB_DONE_MS_MAX, KERNEL_READY_MS_MAX, leave, newPage, openInvite, peerRows, pointsOf, SMALL_JOB, ui, useGroupsE2E, volunteerTokenOf } from './groups-harness.ts';

useGroupsE2E();

describe('groups in Chromium', () => {
  let host: Page;
  let hostErrors: string[];
  const peers: { page: Page; errors: string[]; requests: string[] }[] = [];
  let kernelBytes = 0;

  // A failed test leaves no group open and no peer in one, so the next starts as if alone.
  afterEach(async () => {
    for (const { page } of peers) if ((await page.getByTestId('leave-button').count()) > 0) await leave(page).catch(() => undefined);
    if ((await host.getByTestId('group-close').count()) > 0) await closeGroup(host).catch(() => undefined);
    else if ((await host.getByTestId('group-another').count()) > 0) await host.getByTestId('group-another').click();
  });

  beforeAll(async () => {
    ({ page: host, errors: hostErrors } = await newPage('webrtc'));
    await host.goto(`${g.server.url}/volunteer`);
    const { kernels } = await createApiClient({ baseUrl: g.server.url }).kernels();
    kernelBytes = kernels.find((k) => k.id === 'lorenz96')!.bytes;
  });

  it('a host and two peers compute a job through the channel; the peers are credited, the host is not (must show 1)', async () => {
    const { link } = await createGroup(host, 2);

    for (let i = 0; i < 2; i++) {
      const peer = await newPage('webrtc');
      peers.push(peer);
      await openInvite(peer.page, link);
      await peer.page.getByTestId('join-button').click();
    }
    // The kernel came over the channel, whole, and was checked against the server's hash.
    for (const { page } of peers) {
      await expect.poll(() => page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('channel');
      expect(Number(await page.getByTestId('join-kernel').getAttribute('data-bytes'))).toBe(kernelBytes);
      expect(await page.getByTestId('join-kernel').textContent()).toContain('received from the host');
    }
    // The job comes once both peers are ready, so the host hands units to both.
    const customer = await apiCustomer();
    const job = await customer.createJob(SMALL_JOB);
    // The quorum partner comes from outside the group: a Node volunteer working with the server.
    const partner = spawnWorker(['--server', g.server.url, '--threads', '1', '--identity', join(mkdtempSync(join(tmpdir(), 'group-partner-')), 'id.json')]);
    g.cleanups.push(() => partner.child.kill('SIGTERM'));

    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('completed');
    partner.child.kill('SIGTERM');
    await expect.poll(() => host.getByTestId('group-outbox').getAttribute('data-waiting'), ui).toBe('0');

    const rows = await peerRows(host);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ state: 'ready', kernelBytes });
    // Each peer computed units, and every result it returned went up through the host.
    for (const r of rows) expect(r.units).toBeGreaterThan(0);
    expect(Number(await host.getByTestId('group-outbox').getAttribute('data-sent'))).toBe(rows.reduce((n, r) => n + r.units, 0));
    for (const { page, requests } of peers) {
      expect(Number(await page.getByTestId('join-units').getAttribute('data-units'))).toBeGreaterThan(0);
      // A peer's page talks to the server only for its seat: its units came from the host.
      expect(requests.filter((r) => r.includes('/api/work/'))).toEqual([]);
    }
    // The ledger credits the peers, each for its own results, and never the host.
    for (const { page } of peers) await expect.poll(() => pointsOf(page), ui).toBeGreaterThan(0);
    expect(await pointsOf(host)).toBe(0);

    for (const { page } of peers) await leave(page);
    await closeGroup(host);
  }, 120_000);

  it('claims no seat and starts no worker on a peer page before Join (must show 11)', async () => {
    const { link, groupId } = await createGroup(host, 1);
    const peer = await newPage('webrtc');
    peers.push(peer);
    await openInvite(peer.page, link);
    // The host reads its group twice more after the invite page is up: still no seat taken.
    const polls = Number(await host.getByTestId('group-seats-left').getAttribute('data-polls'));
    await expect.poll(async () => Number(await host.getByTestId('group-seats-left').getAttribute('data-polls')), ui).toBeGreaterThanOrEqual(polls + 2);
    expect(await host.getByTestId('group-seats-left').getAttribute('data-left')).toBe('1');
    const status = await hostApi('groups', { baseUrl: g.server.url, token: await volunteerTokenOf(host) }).status(groupId);
    expect(status).toMatchObject({ seatsLeft: 1, peers: [] });
    expect(peer.page.workers()).toHaveLength(0);
    // Not even an identity was made: the page asked the server for nothing of its own (the
    // shell asks every page's visitor whether they are signed in, nothing else).
    expect(peer.requests.filter((r) => r.includes('/api/') && r !== 'GET /api/auth/me')).toEqual([]);

    await peer.page.getByTestId('join-button').click();
    await expect.poll(() => host.getByTestId('group-seats-left').getAttribute('data-left'), ui).toBe('0');
    await expect.poll(() => peer.page.workers().length, ui).toBeGreaterThan(0);
    expect(peer.requests).toContain('POST /api/seats');
    await expect.poll(() => peer.page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('channel');
    await leave(peer.page);
    await closeGroup(host);
  }, 60_000);

  it('a second group on the same device reuses the kept kernel: zero bytes sent (must show 7)', async () => {
    const { link } = await createGroup(host, 1);
    const { page } = peers[0]!;
    await openInvite(page, link);
    await page.getByTestId('join-button').click();
    await expect.poll(() => page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('cache');
    expect(await page.getByTestId('join-kernel').textContent()).toContain('reused from this device’s cache');
    await expect.poll(() => peerRows(host), ui).toEqual([{ state: 'ready', units: 0, kernelBytes: 0 }]);
    await leave(page);
    await closeGroup(host);
  }, 60_000);

  it('a peer whose ICE fails falls back to the server within the timeout, its seat given back (must show 9)', async () => {
    const customer = await apiCustomer();
    const job = await customer.createJob(SMALL_JOB);
    g.cleanups.push(() => customer.cancelJob(job.id));
    const { link, groupId } = await createGroup(host, 1);
    const peer = await newPage('ice-fails');
    await openInvite(peer.page, link);
    const joinedAt = Date.now();
    await peer.page.getByTestId('join-button').click();
    await expect.poll(() => peer.page.getByTestId('join-state').getAttribute('data-state'), { timeout: GROUP_CONNECT_TIMEOUT_MS + FALLBACK_SLACK_MS, interval: 100 }).toBe('fallback');
    expect(Date.now() - joinedAt).toBeLessThan(GROUP_CONNECT_TIMEOUT_MS + FALLBACK_SLACK_MS);
    expect(await peer.page.getByTestId('join-state').getAttribute('data-fallback')).toBe('connect_timeout');
    expect(await peer.page.getByTestId('join-state').textContent()).toContain('The host could not be reached: this tab now works with the server directly');
    // Declined, not received: the seat is back and nothing is billed for it.
    const status = await hostApi('groups', { baseUrl: g.server.url, token: await volunteerTokenOf(host) }).status(groupId);
    expect(status).toMatchObject({ seatsLeft: 1, peers: [{ state: 'declined', received: false }] });
    // It goes on with the server directly, and computes.
    await expect.poll(async () => Number(await peer.page.getByTestId('join-direct-units').getAttribute('data-units')), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBeGreaterThan(0);
    expect(peer.requests).toContain('POST /api/work/lease');
    await peer.page.getByTestId('join-direct-stop').click();
    await expect.poll(() => peer.page.getByTestId('join-direct').getAttribute('data-running'), ui).toBe('false');
    await customer.cancelJob(job.id);
    await closeGroup(host);
    expect(peer.errors).toEqual([]);
  }, 60_000);

  it('a private pool: three of the customer’s browsers compute its job between lease and upload, billed per notice (must show 10)', async () => {
    const { page: customerPage, errors: customerErrors, requests: customerRequests } = await newPage('webrtc');
    await customerPage.goto(`${g.server.url}/customer`);
    await customerPage.getByTestId('customer-name').fill('Pool Lab');
    await customerPage.getByTestId('create-customer').click();
    await expect.poll(() => customerPage.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customerPage, g.server.url);
    const apiKey = (await customerPage.getByTestId('api-key').textContent())!.trim();
    const customer = createApiClient({ baseUrl: g.server.url, token: apiKey });
    const job = await customer.createJob(SMALL_JOB);
    const before = await customer.balance();
    const pointsBefore = await Promise.all(peers.map(({ page }) => pointsOf(page)));

    await customerPage.goto(`${g.server.url}/customer/jobs/${job.id}`);
    await expect.poll(() => customerPage.getByTestId('pool-quorum').locator('option[value="1"]').count(), ui).toBe(1);
    expect(await customerPage.getByTestId('pool-no-points').textContent()).toContain('earns no points');
    await customerPage.getByTestId('pool-seats').fill('3');
    await customerPage.getByTestId('pool-billing-notice').check();
    await customerPage.getByTestId('pool-quorum').selectOption('1');
    await customerPage.getByTestId('pool-create').click();
    await expect.poll(() => customerPage.getByTestId('group-invite-link').count(), ui).toBe(1);
    const link = (await customerPage.getByTestId('group-invite-link').getAttribute('href'))!;

    const requestsBefore = peers.map((p) => p.requests.length);
    for (const { page } of peers) {
      await openInvite(page, link);
      await page.getByTestId('join-button').click();
    }
    await expect.poll(() => customerPage.getByTestId('job-status').textContent(), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('completed');
    await expect.poll(() => customerPage.getByTestId('group-outbox').getAttribute('data-waiting'), ui).toBe('0');
    // The server only at the start and the end: the pool's lease and upload went through the
    // customer's page; its devices asked the server for their seat only, never for work.
    expect(customerRequests.some((r) => /^POST \/api\/pools\/[^/]+\/lease$/.test(r))).toBe(true);
    expect(customerRequests.some((r) => /^POST \/api\/pools\/[^/]+\/results$/.test(r))).toBe(true);
    for (const [i, p] of peers.entries()) {
      const during = p.requests.slice(requestsBefore[i]);
      expect(during.filter((r) => r.includes('/api/work/'))).toEqual([]);
      expect(during).toContain('POST /api/seats');
    }
    const rows = await peerRows(customerPage);
    expect(rows).toHaveLength(3);
    // Quorum 1 inside the pool: one result of each of the six units at least, all from the pool.
    expect(rows.reduce((n, r) => n + r.units, 0)).toBeGreaterThanOrEqual(6);
    // Billed per reception notice: three devices received the kernel, three seats charged.
    await expect.poll(() => customerPage.getByTestId('group-billed').getAttribute('data-billed'), ui).toBe('3');

    for (const { page } of peers) await leave(page);
    await customerPage.getByTestId('group-close').click();
    await expect.poll(() => customerPage.getByTestId('group-panel').getAttribute('data-state'), ui).toBe('closed');
    // The balance paid the job's valid units and three seats; the unused holds were released.
    const invoice = await customer.jobInvoice(job.id);
    expect(invoice.status).toBe('charged');
    await expect.poll(async () => (await customer.balance()).balanceMinor, ui).toBe(before.balanceMinor - invoice.chargedMinor - 3 * GROUP_SEAT_PRICE_MINOR);
    expect((await customer.balance()).heldMinor).toBe(0);
    expect(Number(await customerPage.getByTestId('invoice-charged').getAttribute('data-minor'))).toBe(invoice.chargedMinor);
    // The invoice shows the seat charges: three notices at the seat price, the pool closed.
    expect(invoice.pools).toEqual([expect.objectContaining({ billing: 'notice', seats: 3, seatsCharged: 3, amountMinor: 3 * GROUP_SEAT_PRICE_MINOR, open: false })]);
    await customerPage.reload();
    await expect.poll(() => customerPage.getByTestId('invoice-pool').getAttribute('data-seats-charged'), ui).toBe('3');
    // A pool is the customer's own compute: its devices earn nothing for it.
    expect(await Promise.all(peers.map(({ page }) => pointsOf(page)))).toEqual(pointsBefore);
    expect(customerErrors).toEqual([]);
  }, 120_000);

  it('raised no page errors', () => {
    expect(hostErrors).toEqual([]);
    for (const p of peers) expect(p.errors).toEqual([]);
  });
});
