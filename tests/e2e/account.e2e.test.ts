/**
 * Accounts in real Chromium: an anonymous volunteer claims its identity on the volunteer
 * page (the header then shows the e-mail), a second device signs in on /account and its
 * volunteer page uses the same identity through the session cookie, without creating an
 * anonymous one; sign-up and sign-out from the header.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './harness.ts';

/** How long one page state (a click's effect) may take to show. */
const UI_STATE_MS_MAX = 15_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
const PASSWORD = 'correct horse battery';

const ctx = useServerAndBrowser();

async function newPage(): Promise<Page> {
  const page = await (await ctx.browser.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[account page error]', err));
  return page;
}

const text = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .textContent({ timeout: 1000 })
    .catch(() => null);

describe('accounts in Chromium', () => {
  it('claims an anonymous identity, and a second device signs in to the same volunteer', async () => {
    const first = await newPage();
    await first.goto(`${ctx.server.url}/volunteer`);
    await expect.poll(() => text(first, 'volunteer-id'), ui).toMatch(/^v_/);
    const volunteerId = await text(first, 'volunteer-id');

    await first.getByTestId('claim-email').fill('e2e@example.org');
    await first.getByTestId('claim-password').fill('short');
    await first.getByTestId('claim-submit').click();
    await expect.poll(() => text(first, 'account-error'), ui).toContain('10 to 200');

    await first.getByTestId('claim-password').fill(PASSWORD);
    await first.getByTestId('claim-submit').click();
    await expect.poll(() => text(first, 'account-signed-in'), ui).toBe('e2e@example.org');
    await expect.poll(() => first.getByTestId('claim-submit').count(), ui).toBe(0);
    expect(await text(first, 'volunteer-id')).toBe(volunteerId);

    const second = await newPage();
    const created: string[] = [];
    second.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/volunteers') && created.push(r.url()));
    await second.goto(`${ctx.server.url}/account`);
    await second.getByTestId('account-email').fill('e2e@example.org');
    await second.getByTestId('account-password').fill('a wrong password');
    await second.getByTestId('account-login').click();
    await expect.poll(() => text(second, 'account-error'), ui).toContain('wrong');
    await second.getByTestId('account-password').fill(PASSWORD);
    await second.getByTestId('account-login').click();
    await expect.poll(() => text(second, 'account-signed-in'), ui).toBe('e2e@example.org');
    await second.goto(`${ctx.server.url}/volunteer`);
    await expect.poll(() => text(second, 'volunteer-id'), ui).toBe(volunteerId);
    expect(await second.getByTestId('claim-submit').count()).toBe(0);
    expect(created).toEqual([]);

    await second.getByTestId('account-logout').click();
    await expect.poll(() => second.getByTestId('account-signed-in').count(), ui).toBe(0);
    // Signed out, the page falls back to an anonymous identity of its own.
    await expect.poll(() => text(second, 'volunteer-id'), ui).not.toBe(volunteerId);
  });

  it('signs a customer up on /account and signs out from the header', async () => {
    const page = await newPage();
    await page.goto(`${ctx.server.url}/account`);
    await page.getByTestId('account-email').fill('shopper@example.org');
    await page.getByTestId('account-password').fill(PASSWORD);
    await page.getByTestId('account-role').selectOption('customer');
    await page.getByTestId('account-signup').click();
    await expect.poll(() => text(page, 'account-signed-in'), ui).toBe('shopper@example.org');
    await page.reload();
    await expect.poll(() => text(page, 'account-signed-in'), ui).toBe('shopper@example.org');
    await page.getByTestId('account-logout').click();
    await expect.poll(() => page.getByTestId('account-signed-in').count(), ui).toBe(0);
    await expect.poll(() => page.getByTestId('account-login').count(), ui).toBe(1);
  });
});
