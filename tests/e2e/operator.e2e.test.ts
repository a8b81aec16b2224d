/**
 * The operator's dashboard in Chromium: a wrong token is refused with a readable message;
 * the right one shows reception's node with its capacity and load, and the tickets issued.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLIENT_KEY_HEADER, RECEPTION_PATHS } from '../../shared/reception/schemas.ts';
import { UI_STATE_MS_MAX, useServerAndBrowser } from './harness.ts';

const OPERATOR_TOKEN = randomBytes(16).toString('hex');
const ctx = useServerAndBrowser({ OPERATOR_TOKEN, NODE_CAPACITY: '7' });
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };

describe('operator dashboard', () => {
  it('refuses a wrong token readably, and shows the nodes, their load and the tickets issued', async () => {
    // One client admitted, so a ticket has been issued.
    const admit = await fetch(ctx.server.url + RECEPTION_PATHS.admit, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: randomBytes(32).toString('base64url') },
      body: JSON.stringify({ scope: 'volunteer' }),
    });
    expect(((await admit.json()) as { status: string }).status).toBe('admitted');

    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/operator`);
    await page.getByTestId('operator-token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Show reception' }).click();
    await expect.poll(() => page.getByTestId('operator-error').textContent(), ui).toContain('token was refused');

    await page.getByTestId('operator-token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Show reception' }).click();
    const port = new URL(ctx.server.url).port;
    await expect.poll(() => page.getByTestId(`operator-node-node-${port}`).textContent(), ui).toMatch(/live.*0 \/ 7/);
    await expect.poll(() => page.getByTestId('operator-summary').textContent(), ui).toContain('1 tickets issued');
    await expect.poll(() => page.getByTestId(`operator-node-node-${port}`).textContent(), ui).toContain('1');
  });
});
