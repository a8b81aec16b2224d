/**
 * Concurrent points checkouts at one shop over HTTP, on a real port: the shop's settlement
 * limit is never overshot. Some pay at once (their discount settles into the receivable),
 * some wait for payment (their discount is reserved): exactly as many succeed as the limit
 * allows, and the refused ones hold no points and leave no order. The lock of the shop row
 * at a points checkout (edge/shop/governance.ts `lockShop`) is what decides on PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../auth/test-browser.ts';
import { openStore } from '../db/index.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { dropFreshPg } from '../testing.ts';
import { outstandingOf, setShopCaps } from './governance.ts';
import { DEMO_SHOP_ID } from './seed.ts';
import { cartsOf, listen, raceTargets, signUpOverHttp } from './testing-http.ts';

/** Concurrent checkouts in the race. */
const CHECKOUTS = 60;
/** Discount of each checkout: a mug (1200) with 100 points at 1 minor unit per point. */
const DISCOUNT_EACH_MINOR = 100;
/** Checkouts the settlement limit allows. */
const ALLOWED = 13;
/** Carts are prepared this many requests at a time (the race itself is all at once). */
const SETUP_CONCURRENCY = 10;

const { targets, pgUrl } = await raceTargets('the settlement limit race');
afterAll(() => dropFreshPg(pgUrl));

describe.each(targets)(`${CHECKOUTS} concurrent points checkouts against a settlement limit on %s`, (_name, url) => {
  it(`takes exactly ${ALLOWED} and refuses the rest with settlement-limit-reached`, async () => {
    const store = await openStore(url());
    const { base, close } = await listen(store);
    try {
      const limit = ALLOWED * DISCOUNT_EACH_MINOR;
      const caps = await setShopCaps(store, DEMO_SHOP_ID, { minorPerPointMax: { num: 1, den: 1 }, discountShareMax: { num: 1, den: 2 }, settlementLimitMinor: limit });
      expect(caps.status).toBe('ok');
      const buyer = await signUpOverHttp(base, 'limit-racer@example.org', PASSWORD);
      const ledger = ledgerOf(store);
      const account = ACCOUNTS.volunteerPoints(buyer.volunteerId).id;
      const points = CHECKOUTS * DISCOUNT_EACH_MINOR;
      expect(await ledger.createTransfers([{ id: 'limit-race:credit', debit: ACCOUNTS.pointsIssued.id, credit: account, amount: points, code: 'unit_credit' }], Date.now())).toEqual(['ok']);

      const carts = await cartsOf(buyer, DEMO_SHOP_ID, 'p_mug', CHECKOUTS, SETUP_CONCURRENCY);

      const answers = await Promise.all(
        carts.map((cartId, i) =>
          buyer.fetch(`${base}/api/shop/checkout`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // Every other checkout pays at once; the rest wait for payment (their discount is reserved).
            body: JSON.stringify({ cartId, points: DISCOUNT_EACH_MINOR, idempotencyKey: `limit-race-${i}`, ...(i % 2 === 0 ? { cardToken: 'tok_ok' } : {}) }),
          }),
        ),
      );
      let taken = 0;
      const outcomes: Record<string, number> = {};
      for (const res of answers) {
        const body = (await res.json()) as { status?: string; type?: string };
        if (res.status === 201) taken++;
        const k = res.status === 201 ? '201' : `${res.status} ${body.type}`;
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
      expect(outcomes).toEqual({ '201': ALLOWED, '409 /problems/settlement-limit-reached': CHECKOUTS - ALLOWED });
      expect(taken).toBe(ALLOWED);
      // Settled plus reserved is exactly the limit; the refused checkouts hold nothing.
      const o = await outstandingOf(store.db, DEMO_SHOP_ID);
      expect(o.receivableMinor + o.reservedMinor).toBe(limit);
      expect(o.receivableMinor).toBe((await ledger.balance(ACCOUNTS.shopReceivable(DEMO_SHOP_ID).id))!.posted);
      const b = (await ledger.balance(account))!;
      expect(b.posted - b.debitsPending).toBe(points - limit);
      const orders = await store.db.selectFrom('orders').select('status').execute();
      expect(orders).toHaveLength(ALLOWED);
      expect(orders.every((r) => r.status === 'paid' || r.status === 'awaiting_payment')).toBe(true);
    } finally {
      await close();
      await store.close();
    }
  }, 120_000);
});
