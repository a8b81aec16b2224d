/**
 * The value loop in real Chromium: a volunteer claims their identity on the volunteer page,
 * earns points for validated work (two volunteer browsers compute a customer's job, so a
 * quorum of 2 is met), then spends them in the shop: a declined card changes nothing, the
 * points slider shows the discount live, the order is paid, the new balance shows, and the
 * order history holds the license key, which verifies offline with the server's public key.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LICENSE_PATHS, PublicKeysResponseSchema } from '../../shared/license/api.ts';
import { base64urlToBytes } from '../../shared/license/base64url.ts';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { createApiClient } from '../../shared/api/client.ts';
import { topUpForTests } from '../../edge/testing.ts';
import { useServerAndBrowser } from './harness.ts';

/** How long earning the points may take in the browsers. */
const EARN_MS_MAX = 90_000;
/** How long one page state (a click's effect) may take to show. */
const UI_STATE_MS_MAX = 15_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };

/** Two units of 200 × 150,000 × 2 variable-steps: 60 points each, so each volunteer earns 120. */
const JOB = { n: 200, steps: 150_000, snapEvery: 150_000, members: 4, membersPerUnit: 2, seed: 7 };
const POINTS_EARNED = 120;
/** The demo shop: 1 point = 1 cent; Lorenz Studio Pro costs 49.00. */
const POINTS_SPENT = 100;

const ctx = useServerAndBrowser();

async function volunteerPage(): Promise<Page> {
  const page = await (await ctx.browser.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[volunteer page error]', err));
  await page.goto(`${ctx.server.url}/volunteer`);
  await page.getByTestId('worker-count').fill('1');
  await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Stopped');
  return page;
}

async function start(page: Page) {
  await page.getByTestId('volunteer-toggle').click();
  await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Computing');
}

async function submitJob() {
  const post = (path: string, body: unknown, key?: string) =>
    fetch(`${ctx.server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => {
      expect(r.status, await r.clone().text()).toBe(201);
      return r.json() as Promise<Record<string, unknown>>;
    });
  const { apiKey } = await post('/api/customers', { name: 'Shop E2E Labs' });
  // Paid with money: trial-only work would pay nothing to volunteers on this machine's network.
  await topUpForTests(createApiClient({ baseUrl: ctx.server.url, token: apiKey as string }));
  await post('/api/jobs', { kind: 'lorenz96', params: JOB }, apiKey as string);
}

describe('earn points, then spend them in the shop, in Chromium', () => {
  it('claims an identity, earns points, applies them at checkout and gets a license key', async () => {
    // 1. Claim the anonymous identity on the volunteer page.
    const me = await volunteerPage();
    await me.getByTestId('claim-email').fill('shopper@example.org');
    await me.getByTestId('claim-password').fill('correct horse battery');
    await me.getByTestId('claim-submit').click();
    await expect.poll(() => me.getByTestId('account-signed-in').textContent(), ui).toBe('shopper@example.org');

    // 2. Earn points: a job, computed by this volunteer and another one.
    await submitJob();
    const other = await volunteerPage();
    await start(me);
    await start(other);
    await expect.poll(async () => Number(await me.getByTestId('points-total').textContent()), { timeout: EARN_MS_MAX, interval: 250 }).toBe(POINTS_EARNED);
    for (const page of [me, other]) await page.getByTestId('volunteer-toggle').click();

    // 3. Browse the shop and fill the cart.
    await me.getByRole('link', { name: 'Shop' }).click();
    await expect.poll(() => me.getByTestId('points-balance').textContent(), ui).toBe(String(POINTS_EARNED));
    const studio = me.locator('[data-testid="product-card"][data-product-id="p_studio"]');
    await studio.getByTestId('add-to-cart').click();
    await expect.poll(() => me.getByTestId('cart-line').count(), ui).toBe(1);
    expect(await me.getByTestId('cart-total').textContent()).toContain('49.00');

    // 4. Points show their discount live, computed in the page.
    await me.getByTestId('points-to-use').fill(String(POINTS_SPENT));
    await expect.poll(() => me.getByTestId('discount-amount').textContent(), ui).toContain('1.00');
    expect(await me.getByTestId('checkout-total').textContent()).toContain('48.00');

    // 5. A declined card: a readable message, nothing taken.
    await me.getByTestId('card-token').selectOption('tok_decline');
    await me.getByTestId('place-order').click();
    await expect.poll(() => me.getByTestId('order-status').getAttribute('data-status'), ui).toBe('declined');
    expect(await me.getByRole('status').filter({ hasText: 'declined' }).textContent()).toContain('Nothing was charged');
    await expect.poll(() => me.getByTestId('points-balance').textContent(), ui).toBe(String(POINTS_EARNED));

    // 6. Pay: the discount applies and the new balance shows.
    await me.getByTestId('points-to-use').fill(String(POINTS_SPENT));
    await me.getByTestId('card-token').selectOption('tok_ok');
    await me.getByTestId('place-order').click();
    await expect.poll(() => me.getByTestId('order-status').getAttribute('data-status'), ui).toBe('paid');
    await expect.poll(() => me.getByTestId('points-balance').textContent(), ui).toBe(String(POINTS_EARNED - POINTS_SPENT));
    expect(await me.getByRole('status').filter({ hasText: 'Paid' }).textContent()).toContain(`You now have ${POINTS_EARNED - POINTS_SPENT} points`);

    // 7. The order history shows the order and its license key, which verifies offline.
    const paidRow = me.locator('[data-testid="order-row"][data-status="paid"]');
    await expect.poll(() => paidRow.count(), ui).toBe(1);
    expect(await me.locator('[data-testid="order-row"][data-status="declined"]').count()).toBe(1);
    const key = (await paidRow.getByTestId('license-key').textContent())!.trim();
    const { keys } = PublicKeysResponseSchema.parse(await (await fetch(`${ctx.server.url}${LICENSE_PATHS.publicKeys}`)).json());
    const publicKeys = Object.fromEntries(keys.map((k) => [k.kid, base64urlToBytes(k.publicKey)!]));
    expect(await verifyLicenseKey(key, publicKeys, Date.now())).toMatchObject({ status: 'valid', payload: { product: 'p_studio', ln: 'shopper@example.org' } });
  }, EARN_MS_MAX + 10 * UI_STATE_MS_MAX);
});
