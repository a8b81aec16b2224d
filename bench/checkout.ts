/**
 * @module Checkouts per second end to end over HTTP: the edge served on a real port over a
 * SQLite file (WAL, the store's default durability), signed-in buyers, each checkout a
 * full request — session, cart lock, pricing, order, points hold, simulated charge, then
 * the linked post + settlement + sale chain — at 1 and at CHECKOUT_CONCURRENCY requests in
 * flight. Carts are filled before the clock starts. Throws if any checkout is not paid or
 * the ledger's figures do not add up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../edge/db/index.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';
import { ledgerOf } from '../edge/ledger/ledger.ts';
import { DEMO_SHOP_ID } from '../edge/shop/seed.ts';
import { listen, signUpOverHttp } from '../edge/shop/testing-http.ts';

/** Checkouts per run. */
const CHECKOUTS_N = 1000;
/** Requests in flight in the concurrent run. */
const CHECKOUT_CONCURRENCY = 32;
/** Points each checkout spends (the mug costs 1200; the demo shop allows 600). */
const POINTS_EACH = 100;
/** Carts per buyer, within CARTS_OPEN_PER_USER_MAX. */
const CARTS_PER_BUYER = 200;
/** Carts are filled this many requests at a time before the clock starts. */
const SETUP_CONCURRENCY = 16;

async function measure(inFlight: number): Promise<number> {
  const store = await openStore(join(mkdtempSync(join(tmpdir(), 'checkout-bench-')), 'shop.db'));
  const { base, close } = await listen(store);
  try {
    // A buyer keeps at most CARTS_OPEN_PER_USER_MAX open carts: spread the carts over buyers.
    const buyersN = Math.ceil(CHECKOUTS_N / CARTS_PER_BUYER);
    const ledger = ledgerOf(store);
    const buyers: (Awaited<ReturnType<typeof signUpOverHttp>> & { account: string })[] = [];
    for (let b = 0; b < buyersN; b++) {
      const buyer = await signUpOverHttp(base, `bench${inFlight}-${b}@example.org`, 'correct horse battery');
      const account = ACCOUNTS.volunteerPoints(buyer.volunteerId).id;
      await ledger.createTransfers([{ id: `bench:credit:${b}`, debit: ACCOUNTS.pointsIssued.id, credit: account, amount: CARTS_PER_BUYER * POINTS_EACH, code: 'unit_credit' }], Date.now());
      buyers.push({ ...buyer, account });
    }
    const carts: { buyer: (typeof buyers)[number]; cartId: string }[] = [];
    for (let i = 0; i < CHECKOUTS_N; i += SETUP_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(SETUP_CONCURRENCY, CHECKOUTS_N - i) }, async (_, k) => {
        const buyer = buyers[Math.floor((i + k) / CARTS_PER_BUYER)]!;
        const cart = await buyer.shop.createCart(DEMO_SHOP_ID);
        await buyer.shop.setLine(cart.id, 'p_mug', 1);
        return { buyer, cartId: cart.id };
      });
      carts.push(...(await Promise.all(batch)));
    }
    let next = 0;
    let paid = 0;
    const worker = async () => {
      while (next < carts.length) {
        const i = next++;
        const { buyer, cartId } = carts[i]!;
        const order = await buyer.shop.checkout({ cartId, points: POINTS_EACH, idempotencyKey: `bench-${i}-key`, cardToken: 'tok_ok' });
        if (order.status === 'paid') paid++;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - t0) / 1000;
    if (paid !== CHECKOUTS_N) throw new Error(`${CHECKOUTS_N - paid} checkouts were not paid`);
    const left = await Promise.all(buyers.map(async (b) => (await ledger.balance(b.account))?.posted));
    const sales = await ledger.balance(ACCOUNTS.shopSales(DEMO_SHOP_ID).id);
    if (left.some((p) => p !== 0) || sales?.posted !== CHECKOUTS_N * (1200 - POINTS_EACH)) throw new Error('the ledger does not match the checkouts');
    const rate = CHECKOUTS_N / seconds;
    console.log(`checkouts over HTTP, ${String(inFlight).padStart(2)} in flight   ${CHECKOUTS_N} checkouts  ${seconds.toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(6)}/s`);
    return rate;
  } finally {
    await close();
    await store.close();
  }
}

/** Runs the checkout bench (called by bench/ledger.ts). */
export async function runCheckoutBench(): Promise<void> {
  await measure(1);
  await measure(CHECKOUT_CONCURRENCY);
}
