/**
 * @module Test helpers of the shop suites: an app with the demo shop and a payment provider
 * the test holds, buyers (browsers with a signed-in volunteer account), the operator,
 * points credited straight through the ledger (tests only: production credits come from
 * validated work), the provider's signed callbacks, balances, and the whole-database
 * snapshot of edge/testing.ts.
 */
import { createApp } from '../app.ts';
import { PASSWORD, browser } from '../auth/test-browser.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf, pointsIssuedPosted } from '../ledger/ledger.ts';
import { makeTestApp, snapshot } from '../testing.ts';
import { createShopClient } from '../../shared/shop/client.ts';
import { createSimulatedPayments, type PaymentProvider, type SimulatedPayments } from './payments.ts';
import { DEMO_SHOP_ID, seedDemoShop } from './seed.ts';

export { DEMO_SHOP_ID };

let seq = 0;

/** A provider whose callbacks the test can have it sign. */
type SigningProvider = PaymentProvider & Pick<SimulatedPayments, 'callback'>;

/** An app on a fresh store (`url`, in memory by default) with the demo shop seeded. */
export async function makeShopTest<P extends SigningProvider = SimulatedPayments>(options: { url?: string; payments?: P } = {}) {
  const base = await makeTestApp(options.url);
  const payments = (options.payments ?? createSimulatedPayments()) as P;
  const now = () => base.clock.now;
  const app = createApp({ store: base.store, kernels: base.kernels, now, payments });
  await seedDemoShop(base.store, base.clock.now);
  const deps = { store: base.store, now, payments };
  const ledger = ledgerOf(base.store);

  /** A signed-in buyer: a new volunteer account in its own browser. */
  async function buyer(role: 'volunteer' | 'customer' | 'shop_operator' = 'volunteer') {
    const b = browser(app);
    const user = await b.auth.signup({ email: `buyer${++seq}@example.org`, password: PASSWORD, role });
    return { ...b, user, shop: createShopClient({ baseUrl: 'http://edge.test', fetch: b.fetch }) };
  }

  /** A signed-in operator (of the whole system): a new account given the role, as the operator's tooling does. */
  async function operator() {
    const b = await buyer('customer');
    await base.store.db.updateTable('users').set({ roles: 'operator' }).where('id', '=', b.user.userId).execute();
    return b;
  }

  /** The callback the provider sends about a payment, signed. */
  const callback = (idempotencyKey: string) => payments.callback(idempotencyKey);

  /** Credits points to a volunteer, as validated work would. */
  async function credit(volunteerId: string, points: number) {
    const [s] = await ledger.createTransfers(
      [{ id: `test:credit:${++seq}`, debit: ACCOUNTS.pointsIssued.id, credit: ACCOUNTS.volunteerPoints(volunteerId).id, amount: points, code: 'unit_credit' }],
      base.clock.now,
    );
    if (s !== 'ok') throw new Error(`test credit refused: ${s}`);
  }

  /** Balances of the accounts a checkout touches. */
  async function balances(volunteerId: string, shopId = DEMO_SHOP_ID) {
    const of = async (id: string) => (await ledger.balance(id)) ?? { posted: 0, available: 0, debitsPending: 0 };
    const points = await of(ACCOUNTS.volunteerPoints(volunteerId).id);
    return {
      points: points.posted,
      pointsAvailable: points.available,
      pointsHeld: points.debitsPending,
      issued: await pointsIssuedPosted(ledger),
      operatorDiscounts: (await of(ACCOUNTS.operatorDiscounts.id)).posted,
      receivable: (await of(ACCOUNTS.shopReceivable(shopId).id)).posted,
      sales: (await of(ACCOUNTS.shopSales(shopId).id)).posted,
      external: (await of(ACCOUNTS.external.id)).posted,
    };
  }

  return { ...base, app, payments, deps, ledger, buyer, operator, callback, credit, balances, snapshot: () => snapshot(base.store) };
}

export type ShopTest = Awaited<ReturnType<typeof makeShopTest<SimulatedPayments>>>;
export type TestBuyer = Awaited<ReturnType<ShopTest['buyer']>>;

/** A fresh idempotency key. */
export const key = () => `k_${Date.now().toString(36)}_${++seq}`;
