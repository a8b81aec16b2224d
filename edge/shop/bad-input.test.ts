import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import { SHOP_PATHS } from '../../shared/shop/schemas.ts';
import { DEMO_SHOP_ID, key, makeShopTest, type ShopTest, type TestBuyer } from './testing.ts';

/** The problem type a refused call answered with (`accepted` when it was not refused). */
async function typeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) return 'accepted';
  if (!(err instanceof ApiError)) throw err;
  return err.problem.type.replace('/problems/', '');
}

describe('bad input gets a problem with its own type, and changes nothing', () => {
  let t: ShopTest;
  let alice: TestBuyer;
  let mallory: TestBuyer;
  let cartId: string;
  let lockedCartId: string;
  let lockedOrderId: string;

  beforeAll(async () => {
    t = await makeShopTest();
    alice = await t.buyer();
    mallory = await t.buyer();
    await t.credit(alice.user.volunteerId!, 1000);
    await t.credit(mallory.user.volunteerId!, 1000);
    cartId = (await alice.shop.createCart(DEMO_SHOP_ID)).id;
    await alice.shop.setLine(cartId, 'p_mug', 1);
    await alice.shop.setLine(cartId, 'p_tshirt', 2);
    lockedCartId = (await alice.shop.createCart(DEMO_SHOP_ID)).id;
    await alice.shop.setLine(lockedCartId, 'p_tshirt', 1);
    lockedOrderId = (await alice.shop.checkout({ cartId: lockedCartId, points: 100, idempotencyKey: 'alice-first-key' })).id;
  });

  /** Raw requests, to send what the typed client would never send. */
  const raw = (b: TestBuyer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    b.fetch(`http://edge.test${path}`, {
      method,
      body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const rawType = async (res: Promise<Response>) => {
    const r = await res;
    if (r.ok) return 'accepted';
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    return ((await r.json()) as { type: string }).type.replace('/problems/', '');
  };

  it('refuses each case with a distinct problem type, leaving every table unchanged', async () => {
    const before = await t.snapshot();
    const cases: [string, () => Promise<string>][] = [
      ['negative quantity', () => typeOf(alice.shop.setLine(cartId, 'p_mug', -1))],
      ['fractional quantity', () => typeOf(alice.shop.setLine(cartId, 'p_mug', 1.5))],
      ['quantity as text', () => rawType(raw(alice, 'PUT', SHOP_PATHS.cartLine(cartId, 'p_mug'), { quantity: '2' }))],
      ['quantity above the bound', () => typeOf(alice.shop.setLine(cartId, 'p_mug', 100))],
      ['two licenses for one buyer', () => typeOf(alice.shop.setLine(cartId, 'p_studio', 2))],
      ['unknown product', () => typeOf(alice.shop.setLine(cartId, 'p_nope', 1))],
      ['unknown cart', () => typeOf(alice.shop.setLine('cart_nope', 'p_mug', 1))],
      ['unknown shop', () => typeOf(alice.shop.createCart('s_nope'))],
      ['editing a cart being checked out', () => typeOf(alice.shop.setLine(lockedCartId, 'p_mug', 1))],
      // 6200 in the cart allows up to 3100 points; Alice has 1000, 100 of them held by her other order.
      ['more points than the balance', () => typeOf(alice.shop.checkout({ cartId, points: 1001, idempotencyKey: key() }))],
      ['more points than are left beside a hold', () => typeOf(alice.shop.checkout({ cartId, points: 901, idempotencyKey: key() }))],
      ['negative points', () => typeOf(alice.shop.checkout({ cartId, points: -5, idempotencyKey: key() }))],
      ['fractional points', () => typeOf(alice.shop.checkout({ cartId, points: 60.5, idempotencyKey: key() }))],
      ['points below the shop minimum', () => typeOf(alice.shop.checkout({ cartId, points: 49, idempotencyKey: key() }))],
      ["checkout of someone else's cart", () => typeOf(mallory.shop.checkout({ cartId, points: 0, idempotencyKey: key(), cardToken: 'tok_ok' }))],
      ["editing someone else's cart", () => typeOf(mallory.shop.setLine(cartId, 'p_mug', 5))],
      ["reading someone else's cart", () => typeOf(mallory.shop.cart(cartId))],
      ["paying someone else's order", () => typeOf(mallory.shop.pay(lockedOrderId, 'tok_ok'))],
      ["cancelling someone else's order", () => typeOf(mallory.shop.cancel(lockedOrderId))],
      ["refunding someone else's order", () => typeOf(mallory.shop.refund(lockedOrderId))],
      ['refunding an unpaid order', () => typeOf(alice.shop.refund(lockedOrderId))],
      ['unknown order', () => typeOf(alice.shop.order('o_nope'))],
      ['a key reused for another checkout', () => typeOf(alice.shop.checkout({ cartId, points: 0, idempotencyKey: 'alice-first-key' }))],
      ['checkout of a cart already being checked out', () => typeOf(alice.shop.checkout({ cartId: lockedCartId, points: 0, idempotencyKey: key() }))],
      ['unknown payment in a callback', () => typeOf(alice.shop.paymentCallback(t.callback('order:o_nope:pay')))],
      ['a short idempotency key', () => typeOf(alice.shop.checkout({ cartId, points: 0, idempotencyKey: 'k' }))],
      ['an unknown field', () => rawType(raw(alice, 'POST', SHOP_PATHS.checkout, { cartId, points: 0, idempotencyKey: key(), coupon: 'FREE' }))],
      ['malformed JSON', () => rawType(raw(alice, 'POST', SHOP_PATHS.checkout, '{"cartId":'))],
      ['not signed in', () => rawType(Promise.resolve(t.app.request(SHOP_PATHS.checkout, { method: 'POST', body: JSON.stringify({ cartId, points: 0, idempotencyKey: key() }), headers: { 'content-type': 'application/json' } })))],
      // A form-encodable type: what a cross-site page could send without a CORS preflight.
      ['a cross-site request with the session', () => rawType(raw(alice, 'POST', SHOP_PATHS.checkout, { cartId, points: 0, idempotencyKey: key() }, { origin: 'https://evil.example', 'content-type': 'text/plain' }))],
      ['settlement of a shop one does not run', () => typeOf(alice.shop.settlement(DEMO_SHOP_ID, '2027-01-01', '2027-01-31'))],
    ];
    const got: Record<string, string> = {};
    for (const [name, run] of cases) got[name] = await run();
    expect(got).toEqual({
      'negative quantity': 'validation',
      'fractional quantity': 'validation',
      'quantity as text': 'validation',
      'quantity above the bound': 'validation',
      'two licenses for one buyer': 'validation',
      'unknown product': 'unknown-product',
      'unknown cart': 'cart-not-found',
      'unknown shop': 'shop-not-found',
      'editing a cart being checked out': 'cart-not-open',
      'more points than the balance': 'points-insufficient',
      'more points than are left beside a hold': 'points-insufficient',
      'negative points': 'validation',
      'fractional points': 'validation',
      'points below the shop minimum': 'points-below-minimum',
      "checkout of someone else's cart": 'cart-not-yours',
      "editing someone else's cart": 'cart-not-yours',
      "reading someone else's cart": 'cart-not-yours',
      "paying someone else's order": 'order-not-yours',
      "cancelling someone else's order": 'order-not-yours',
      "refunding someone else's order": 'order-not-yours',
      'refunding an unpaid order': 'order-not-refundable',
      'unknown order': 'order-not-found',
      'a key reused for another checkout': 'idempotency-key-reused',
      'checkout of a cart already being checked out': 'cart-not-open',
      'unknown payment in a callback': 'payment-not-found',
      'a short idempotency key': 'validation',
      'an unknown field': 'validation',
      'malformed JSON': 'malformed-json',
      'not signed in': 'unauthenticated',
      'a cross-site request with the session': 'cross-site-request',
      'settlement of a shop one does not run': 'forbidden',
    });
    expect(await t.snapshot()).toEqual(before);
    expect(t.payments.charges()).toHaveLength(0);
    // The boundary is exact: every point that is left can be spent.
    expect(await alice.shop.checkout({ cartId, points: 900, idempotencyKey: key(), cardToken: 'tok_ok' })).toMatchObject({ status: 'paid', pointsUsed: 900 });
    expect(await t.balances(alice.user.volunteerId!)).toMatchObject({ pointsAvailable: 0, pointsHeld: 100 });
  });

  it('refuses points to an account without a volunteer identity, and an empty cart', async () => {
    const customer = await t.buyer('customer');
    const c = await customer.shop.createCart(DEMO_SHOP_ID);
    const before = await t.snapshot();
    expect(await typeOf(customer.shop.checkout({ cartId: c.id, points: 0, idempotencyKey: key() }))).toBe('cart-empty');
    await customer.shop.setLine(c.id, 'p_mug', 1);
    const afterLine = await t.snapshot();
    expect(afterLine).not.toEqual(before);
    expect(await typeOf(customer.shop.checkout({ cartId: c.id, points: 100, idempotencyKey: key() }))).toBe('no-points-account');
    expect(await t.snapshot()).toEqual(afterLine);
    // Without points the same buyer can buy.
    expect((await customer.shop.checkout({ cartId: c.id, points: 0, idempotencyKey: key(), cardToken: 'tok_ok' })).status).toBe('paid');
  });

  it('refuses a product withdrawn after it was put in the cart', async () => {
    const b = await t.buyer();
    const c = await b.shop.createCart(DEMO_SHOP_ID);
    await b.shop.setLine(c.id, 'p_ebook', 1);
    await t.store.db.updateTable('products').set({ active: 0 }).where('id', '=', 'p_ebook').execute();
    const before = await t.snapshot();
    expect(await typeOf(b.shop.checkout({ cartId: c.id, points: 0, idempotencyKey: key() }))).toBe('product-unavailable');
    expect(await t.snapshot()).toEqual(before);
    await t.store.db.updateTable('products').set({ active: 1 }).where('id', '=', 'p_ebook').execute();
  });
});
