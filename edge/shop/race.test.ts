/**
 * 200 concurrent checkouts over HTTP, on a real port, all spending one volunteer's points:
 * exactly as many succeed as the balance allows and the balance never goes below zero. The
 * ledger's floor check inside each hold is what decides; the shop reads no balance first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../auth/test-browser.ts';
import { openStore } from '../db/index.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { dropFreshPg } from '../testing.ts';
import { DEMO_SHOP_ID } from './seed.ts';
import { cartsOf, listen, raceTargets, signUpOverHttp } from './testing-http.ts';

/** Concurrent checkouts in the race. */
const CHECKOUTS = 200;
/** Checkouts the balance pays for: each uses POINTS_EACH points. */
const AFFORDABLE = 73;
const POINTS_EACH = 100;
/** Carts are prepared this many requests at a time (the race itself is all at once). */
const SETUP_CONCURRENCY = 10;

const { targets, pgUrl } = await raceTargets('the checkout race');
afterAll(() => dropFreshPg(pgUrl));

describe.each(targets)('200 concurrent checkouts over HTTP on %s', (_name, url) => {
  it(`pays exactly ${AFFORDABLE} and refuses the rest; the balance never goes below zero`, async () => {
    const store = await openStore(url());
    const { base, close } = await listen(store);
    try {
      const buyer = await signUpOverHttp(base, 'racer@example.org', PASSWORD);
      const ledger = ledgerOf(store);
      const account = ACCOUNTS.volunteerPoints(buyer.volunteerId).id;
      expect(await ledger.createTransfers([{ id: 'race:credit', debit: ACCOUNTS.pointsIssued.id, credit: account, amount: AFFORDABLE * POINTS_EACH, code: 'unit_credit' }], Date.now())).toEqual(['ok']);

      const carts = await cartsOf(buyer, DEMO_SHOP_ID, 'p_mug', CHECKOUTS, SETUP_CONCURRENCY);

      // Sample the balance while the race runs: it must never read below zero.
      let sampling = true;
      let lowest = Infinity;
      const sampler = (async () => {
        while (sampling) {
          const b = (await ledger.balance(account))!;
          lowest = Math.min(lowest, b.available, b.posted);
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const started = performance.now();
      const answers = await Promise.all(
        carts.map((cartId, i) =>
          buyer.fetch(`${base}/api/shop/checkout`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ cartId, points: POINTS_EACH, idempotencyKey: `race-${i}-key`, cardToken: 'tok_ok' }),
          }),
        ),
      );
      const elapsedMs = performance.now() - started;
      sampling = false;
      await sampler;

      const outcomes: Record<string, number> = {};
      for (const res of answers) {
        const body = (await res.json()) as { status?: unknown; type?: string };
        const k = `${res.status} ${body.type ?? body.status}`;
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
      expect(outcomes).toEqual({ '201 paid': AFFORDABLE, '409 /problems/points-insufficient': CHECKOUTS - AFFORDABLE });
      expect(lowest).toBeGreaterThanOrEqual(0);
      expect(await ledger.balance(account)).toMatchObject({ posted: 0, available: 0, debitsPending: 0 });
      expect((await ledger.balance(ACCOUNTS.shopSales(DEMO_SHOP_ID).id))!.posted).toBe(AFFORDABLE * (1200 - POINTS_EACH));
      expect((await ledger.balance(ACCOUNTS.shopReceivable(DEMO_SHOP_ID).id))!.posted).toBe(AFFORDABLE * POINTS_EACH);
      // Refused checkouts left nothing behind: no order, their carts open again.
      const orders = await store.db.selectFrom('orders').select(['status']).execute();
      expect(orders.map((o) => o.status)).toEqual(Array(AFFORDABLE).fill('paid'));
      const open = await store.db.selectFrom('carts').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'open').executeTakeFirstOrThrow();
      expect(Number(open.n)).toBe(CHECKOUTS - AFFORDABLE);
      console.log(`[shop race] ${_name}: ${CHECKOUTS} concurrent checkouts in ${elapsedMs.toFixed(0)} ms (${((CHECKOUTS / elapsedMs) * 1000).toFixed(0)}/s)`);
    } finally {
      await close();
      await store.close();
    }
  }, 120_000);
});
