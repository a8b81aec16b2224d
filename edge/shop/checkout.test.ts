import { beforeEach, describe, expect, it } from 'vitest';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { ORDER_PAYMENT_WINDOW_MS } from '../../shared/shop/limits.ts';
import { problemOf } from '../auth/test-browser.ts';
import { publicKeyMap } from '../licenses/signing-keys.ts';
import { paymentKey } from './entries.ts';
import { sweepShop } from './sweep.ts';
import { DEMO_SHOP_ID, key, makeShopTest, type ShopTest, type TestBuyer } from './testing.ts';

// The demo shop: 1 point = 1 cent, at least 50 points, points pay at most half an order.
// Cart: a mug (1200) and two sticker sheets (2 × 350) = 1900; 600 points buy 600 off.
async function cartOf(b: TestBuyer, lines: [string, number][] = [['p_mug', 1], ['p_stickers', 2]]) {
  const cart = await b.shop.createCart(DEMO_SHOP_ID);
  for (const [p, q] of lines) await b.shop.setLine(cart.id, p, q);
  return cart.id;
}

describe('checkout with points', () => {
  let t: ShopTest;
  let b: TestBuyer;
  let v: string;
  beforeEach(async () => {
    t = await makeShopTest();
    b = await t.buyer();
    v = b.user.volunteerId!;
    await t.credit(v, 1000);
  });

  it('holds the points, charges the rest, then posts the hold with the settlement and the sale in one chain', async () => {
    const cartId = await cartOf(b);
    const order = await b.shop.checkout({ cartId, points: 600, idempotencyKey: key(), cardToken: 'tok_ok' });
    expect(order).toMatchObject({ status: 'paid', listMinor: 1900, discountMinor: 600, totalMinor: 1300, pointsUsed: 600, payment: { status: 'succeeded' } });
    // Largest remainder: 600 × 1200/1900 = 378.9 → 379, 600 × 700/1900 = 221.05 → 221.
    expect(order.lines.map((l) => [l.discountMinor, l.totalMinor, l.points])).toEqual([
      [379, 821, 379],
      [221, 479, 221],
    ]);
    expect(await t.balances(v)).toEqual({ points: 400, pointsAvailable: 400, pointsHeld: 0, issued: -400, operatorDiscounts: -600, receivable: 600, sales: 1300, external: -1300 });
    expect(t.payments.charges().map((c) => c.input.amountMinor)).toEqual([1300]);
    for (const s of ['hold', 'post', 'settlement', 'sale']) expect(await t.ledger.transfer(`order:${order.id}:${s}`)).toBeDefined();
    expect((await t.ledger.transfer(`order:${order.id}:hold`))!.state).toBe('posted');
    expect((await b.shop.cart(cartId)).state).toBe('ordered');
    expect(await b.shop.me()).toMatchObject({ signedIn: true, points: { available: 400, held: 0 } });
  });

  it('takes only the points the discount is worth, and caps the discount at half the order', async () => {
    const cartId = await cartOf(b, [['p_stickers', 1]]);
    const order = await b.shop.checkout({ cartId, points: 1000, idempotencyKey: key(), cardToken: 'tok_ok' });
    expect(order).toMatchObject({ listMinor: 350, discountMinor: 175, totalMinor: 175, pointsUsed: 175 });
    expect((await t.balances(v)).points).toBe(825);
  });

  it('buys without points: no hold, no settlement', async () => {
    const order = await b.shop.checkout({ cartId: await cartOf(b), points: 0, idempotencyKey: key(), cardToken: 'tok_ok' });
    expect(order).toMatchObject({ status: 'paid', discountMinor: 0, totalMinor: 1900, pointsUsed: 0 });
    expect(await t.balances(v)).toMatchObject({ points: 1000, receivable: 0, sales: 1900 });
    expect(await t.ledger.transfer(`order:${order.id}:hold`)).toBeUndefined();
  });

  it('voids the hold on a decline and reopens the cart, which can then be paid', async () => {
    const cartId = await cartOf(b);
    const declined = await b.shop.checkout({ cartId, points: 600, idempotencyKey: key(), cardToken: 'tok_decline' });
    expect(declined).toMatchObject({ status: 'declined', payment: { status: 'declined', reason: 'card declined by the issuer' } });
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsAvailable: 1000, pointsHeld: 0, receivable: 0, sales: 0 });
    expect((await t.ledger.transfer(`order:${declined.id}:hold`))!.state).toBe('voided');
    expect((await b.shop.cart(cartId)).state).toBe('open');
    const paid = await b.shop.checkout({ cartId, points: 600, idempotencyKey: key(), cardToken: 'tok_ok' });
    expect(paid.status).toBe('paid');
    expect((await t.balances(v)).points).toBe(400);
  });

  it('voids the hold when the provider times out', async () => {
    const order = await b.shop.checkout({ cartId: await cartOf(b), points: 600, idempotencyKey: key(), cardToken: 'tok_timeout' });
    expect(order).toMatchObject({ status: 'timed_out', payment: { status: 'timeout' } });
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsAvailable: 1000, pointsHeld: 0, sales: 0 });
  });

  it('holds points while an order awaits payment; cancel releases them once', async () => {
    const cartId = await cartOf(b);
    const order = await b.shop.checkout({ cartId, points: 600, idempotencyKey: key() });
    expect(order.status).toBe('awaiting_payment');
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsAvailable: 400, pointsHeld: 600 });
    expect((await problemOf(b.shop.setLine(cartId, 'p_mug', 3))).type).toBe('/problems/cart-not-open');
    expect((await b.shop.cancel(order.id)).status).toBe('cancelled');
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsAvailable: 1000, pointsHeld: 0 });
    const before = await t.snapshot();
    expect((await problemOf(b.shop.cancel(order.id))).type).toBe('/problems/order-not-cancellable');
    expect((await problemOf(b.shop.pay(order.id, 'tok_ok'))).type).toBe('/problems/order-not-payable');
    expect(await t.snapshot()).toEqual(before);
    expect(t.payments.charges()).toHaveLength(0);
  });

  it('pays an order awaiting payment in a second step', async () => {
    const order = await b.shop.checkout({ cartId: await cartOf(b), points: 600, idempotencyKey: key() });
    expect((await b.shop.pay(order.id, 'tok_ok')).status).toBe('paid');
    expect((await t.balances(v)).points).toBe(400);
  });

  it('expires an unpaid order after its window: the sweeper voids the hold; paying late is refused', async () => {
    const a = await b.shop.checkout({ cartId: await cartOf(b), points: 300, idempotencyKey: key() });
    const c = await b.shop.checkout({ cartId: await cartOf(b), points: 300, idempotencyKey: key() });
    expect((await t.balances(v)).pointsAvailable).toBe(400);
    t.clock.now += ORDER_PAYMENT_WINDOW_MS;
    expect((await problemOf(b.shop.pay(a.id, 'tok_ok'))).type).toBe('/problems/order-expired');
    expect((await sweepShop(t.deps)).expired).toBe(1);
    expect((await b.shop.order(c.id)).status).toBe('expired');
    expect((await b.shop.order(a.id)).status).toBe('expired');
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsAvailable: 1000, pointsHeld: 0 });
    expect(t.payments.charges()).toHaveLength(0);
  });

  it('refunds with new transfers: points back, settlement and sale reversed, line by line', async () => {
    const order = await b.shop.checkout({ cartId: await cartOf(b), points: 600, idempotencyKey: key(), cardToken: 'tok_ok' });
    const r1 = await b.shop.refund(order.id, [2]);
    expect(r1).toMatchObject({ refundNo: 1, lineNos: [2], points: 221, discountMinor: 221, amountMinor: 479, status: 'succeeded' });
    expect(await t.balances(v)).toMatchObject({ points: 621, receivable: 379, sales: 821, operatorDiscounts: -379, external: -821 });
    expect(r1.order).toMatchObject({ status: 'paid', refundedMinor: 479, refundedPoints: 221 });
    const before = await t.snapshot();
    expect((await problemOf(b.shop.refund(order.id, [2]))).type).toBe('/problems/order-not-refundable');
    expect(await t.snapshot()).toEqual(before);
    const r2 = await b.shop.refund(order.id);
    expect(r2).toMatchObject({ refundNo: 2, lineNos: [1], points: 379, amountMinor: 821, order: { status: 'refunded' } });
    expect(await t.balances(v)).toEqual({ points: 1000, pointsAvailable: 1000, pointsHeld: 0, issued: -1000, operatorDiscounts: 0, receivable: 0, sales: 0, external: 0 });
    expect(await t.ledger.transfer(`order:${order.id}:refund:2:points`)).toMatchObject({ amount: 379, code: 'shop_refund_points' });
    expect(t.payments.refunds().map((x) => x.amountMinor)).toEqual([479, 821]);
    expect((await problemOf(b.shop.refund(order.id))).type).toBe('/problems/order-not-refundable');
  });

  it('issues a license key paid for by the hold, shown in the order history, revoked on refund', async () => {
    const order = await b.shop.checkout({ cartId: await cartOf(b, [['p_studio', 1], ['p_mug', 1]]), points: 1000, idempotencyKey: key(), cardToken: 'tok_ok' });
    expect(order.status).toBe('paid');
    const line = order.lines.find((l) => l.kind === 'license')!;
    const license = line.license!;
    expect(license.key).toMatch(/^SC1-/);
    expect(order.lines.find((l) => l.kind === 'physical')!.license).toBeNull();
    const verified = await verifyLicenseKey(license.key, await publicKeyMap(t.store.db), t.clock.now);
    expect(verified).toMatchObject({ status: 'valid', payload: { product: 'p_studio', licensee: b.user.userId, tx: `order:${order.id}:hold`, act: 3 } });
    const { orders } = await b.shop.orders();
    expect(orders.map((o) => o.id)).toEqual([order.id]);
    expect(orders[0]!.lines.find((l) => l.kind === 'license')!.license).toEqual(license);
    await b.shop.refund(order.id, [line.lineNo]);
    const row = await t.store.db.selectFrom('licenses').select(['revoked_at']).where('id', '=', license.licenseId).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });
});

describe('replays change nothing', () => {
  it('a replayed payment callback, checkout or pay leaves every table as it was', async () => {
    const t = await makeShopTest();
    const b = await t.buyer();
    await t.credit(b.user.volunteerId!, 1000);
    const cartId = await cartOf(b);
    const idempotencyKey = key();
    const order = await b.shop.checkout({ cartId, points: 600, idempotencyKey, cardToken: 'tok_ok' });
    const before = await t.snapshot();
    for (let i = 0; i < 3; i++) {
      expect(await b.shop.paymentCallback(t.callback(paymentKey(order.id)))).toEqual({ orderId: order.id, status: 'paid', changed: false });
      expect(await b.shop.checkout({ cartId, points: 600, idempotencyKey, cardToken: 'tok_ok' })).toEqual(order);
      expect((await problemOf(b.shop.pay(order.id, 'tok_ok'))).type).toBe('/problems/order-not-payable');
    }
    expect(await t.snapshot()).toEqual(before);
    expect(t.payments.charges()).toHaveLength(1);
    expect((await t.balances(b.user.volunteerId!)).points).toBe(400);
  });
});
