/**
 * The shop's whole path on PostgreSQL too (the other suites run on SQLite): checkout, decline,
 * cancel, refund, replay and settlement — the same code, one query layer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { paymentKey } from './entries.ts';
import { DEMO_SHOP_ID, key, makeShopTest } from './testing.ts';
import { dropFreshPg, freshPgUrl } from '../testing.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the PostgreSQL shop tests');
afterAll(() => dropFreshPg(pgUrl));

describe.skipIf(!pgUrl)('shop on PostgreSQL', () => {
  it('checks out, declines, cancels, refunds and reports with the same results as on SQLite', async () => {
    const t = await makeShopTest({ url: pgUrl! });
    try {
      const b = await t.buyer();
      const v = b.user.volunteerId!;
      await t.credit(v, 1000);
      const cartOf = async () => {
        const cart = await b.shop.createCart(DEMO_SHOP_ID);
        await b.shop.setLine(cart.id, 'p_mug', 1);
        await b.shop.setLine(cart.id, 'p_stickers', 2);
        return cart.id;
      };
      expect((await b.shop.checkout({ cartId: await cartOf(), points: 600, idempotencyKey: key(), cardToken: 'tok_decline' })).status).toBe('declined');
      const pending = await b.shop.checkout({ cartId: await cartOf(), points: 600, idempotencyKey: key() });
      expect((await t.balances(v)).pointsAvailable).toBe(400);
      expect((await b.shop.cancel(pending.id)).status).toBe('cancelled');
      const order = await b.shop.checkout({ cartId: await cartOf(), points: 600, idempotencyKey: key(), cardToken: 'tok_ok' });
      expect(order.lines.map((l) => l.discountMinor)).toEqual([379, 221]);
      expect(await t.balances(v)).toEqual({ points: 400, pointsAvailable: 400, pointsHeld: 0, issued: -400, operatorDiscounts: -600, receivable: 600, sales: 1300, external: -1300 });
      const before = await t.snapshot();
      expect((await b.shop.paymentCallback(t.callback(paymentKey(order.id)))).changed).toBe(false);
      expect(await t.snapshot()).toEqual(before);
      await b.shop.refund(order.id, [2]);
      expect(await t.balances(v)).toMatchObject({ points: 621, receivable: 379, sales: 821 });
      await t.store.db.updateTable('users').set({ roles: 'operator' }).where('id', '=', b.user.userId).execute();
      const day = new Date(t.clock.now).toISOString().slice(0, 10);
      const report = await b.shop.settlement(DEMO_SHOP_ID, day, day);
      expect(report).toMatchObject({ totals: { discountMinor: 379, chargedMinor: 821, points: 379 }, reconciled: true });
    } finally {
      await t.store.close();
    }
  });
});
