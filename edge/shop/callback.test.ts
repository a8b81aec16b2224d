/**
 * The payment callback is authenticated (issue 15, finding 6), on SQLite and PostgreSQL:
 * without the provider's signature of its body it is answered 401, the same for a payment
 * that exists and one that does not, the provider is not asked and nothing changes; the
 * simulator's own signed callbacks are applied.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PAYMENT_SIGNATURE_HEADER, SHOP_PATHS } from '../../shared/shop/schemas.ts';
import { dropFreshPg, freshPgUrl, testDialects } from '../testing.ts';
import { newCallbackSecret, signCallback, verifyCallback } from './callback-signature.ts';
import { paymentKey } from './entries.ts';
import { createSimulatedPayments, type SimulatedPayments } from './payments.ts';
import { PAYMENT_CALLBACK_BYTES_MAX } from './shop-admin.routes.ts';
import { DEMO_SHOP_ID, key, makeShopTest, type ShopTest } from './testing.ts';

const dialects = await testDialects('the payment callback tests');
const opened: { t: ShopTest; url: string | undefined }[] = [];
afterEach(async () => {
  for (const { t, url } of opened.splice(0)) {
    await t.store.close();
    await dropFreshPg(url);
  }
});

/** The simulator, counting the lookups the edge makes (a refused callback must make none). */
function countingProvider() {
  const sim = createSimulatedPayments();
  const lookups: string[] = [];
  const provider: SimulatedPayments = {
    ...sim,
    lookup: (k) => {
      lookups.push(k);
      return sim.lookup(k);
    },
  };
  return { provider, lookups };
}

describe('HMAC signatures of callbacks', () => {
  it('verifies its own signature only: another secret, another body, another spelling or no signature fail', () => {
    const secret = newCallbackSecret();
    const body = '{"idempotencyKey":"order:o_1:pay"}';
    const sig = signCallback(secret, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyCallback(secret, body, sig)).toBe(true);
    expect(verifyCallback(newCallbackSecret(), body, sig)).toBe(false);
    expect(verifyCallback(secret, `${body} `, sig)).toBe(false);
    expect(verifyCallback(secret, body, sig.toUpperCase())).toBe(false);
    expect(verifyCallback(secret, body, `sha256=${sig.slice(7).toUpperCase()}`)).toBe(false);
    expect(verifyCallback(secret, body, sig.slice(0, -2))).toBe(false);
    expect(verifyCallback(secret, body, `${sig}00`)).toBe(false);
    expect(verifyCallback(secret, body, sig.slice(7))).toBe(false);
    expect(verifyCallback(secret, body, undefined)).toBe(false);
    expect(verifyCallback(secret, body, '')).toBe(false);
    expect(() => signCallback(new Uint8Array(16), body)).toThrow(RangeError);
  });
});

describe.each(dialects)('the payment callback on %s', (dialect) => {
  it('answers 401 to unsigned and forged callbacks, revealing nothing and changing nothing; applies signed ones', async () => {
    const url = dialect === 'postgres' ? await freshPgUrl() : undefined;
    const { provider, lookups } = countingProvider();
    const t = await makeShopTest({ payments: provider, ...(url ? { url } : {}) });
    opened.push({ t, url });
    const b = await t.buyer();
    await t.credit(b.user.volunteerId!, 1000);
    const cart = await b.shop.createCart(DEMO_SHOP_ID);
    await b.shop.setLine(cart.id, 'p_mug', 1);
    // Left awaiting payment: a callback that were believed could do the most here.
    const order = await b.shop.checkout({ cartId: cart.id, points: 100, idempotencyKey: key() });
    const real = paymentKey(order.id);
    await t.store.db
      .insertInto('payments')
      .values({ id: real, order_id: order.id, amount_minor: 1100, currency: 'EUR', status: 'pending', provider_ref: null, reason: null, started_at: t.clock.now, updated_at: t.clock.now })
      .execute();
    await t.store.db.updateTable('orders').set({ status: 'paying' }).where('id', '=', order.id).execute();
    await provider.charge({ orderId: order.id, amountMinor: 1100, currency: 'EUR', idempotencyKey: real, source: 'tok_ok' });

    const post = async (body: string, signature?: string) =>
      t.app.request(SHOP_PATHS.paymentCallback, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { [PAYMENT_SIGNATURE_HEADER]: signature }) },
      });
    const bodyOf = (k: string) => JSON.stringify({ idempotencyKey: k });
    const forger = createSimulatedPayments();
    const before = await t.snapshot();
    const answers: string[] = [];
    for (const k of [real, 'order:o_nope:pay']) {
      const signed = provider.callback(k);
      const cases: [string, Promise<Response>][] = [
        ['no signature', post(bodyOf(k))],
        ['empty signature', post(bodyOf(k), '')],
        ['another secret', post(bodyOf(k), forger.callback(k).signature)],
        ['the signature of another body', post(bodyOf(k), provider.callback(k === real ? 'order:o_nope:pay' : real).signature)],
        ['the body changed after signing', post(`${signed.body} `, signed.signature)],
        ['without its prefix', post(signed.body, signed.signature.replace('sha256=', ''))],
        ['malformed JSON, unsigned', post('{"idempotencyKey":')],
      ];
      for (const [what, res] of cases) {
        const r = await res;
        expect(r.status, what).toBe(401);
        expect(r.headers.get('content-type'), what).toBe('application/problem+json');
        answers.push(await r.text());
      }
    }
    // Every refusal reads the same: nothing says whether the payment exists.
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)).toMatchObject({ type: '/problems/callback-signature-invalid', status: 401 });
    expect(answers[0]).not.toContain('o_');
    expect(lookups).toEqual([]);
    expect(await t.snapshot()).toEqual(before);
    // Too large is refused before reading it whole.
    expect((await post('x'.repeat(PAYMENT_CALLBACK_BYTES_MAX + 1))).status).toBe(413);

    // Signed by the provider: an unknown payment is 404, the real one settles the order.
    expect((await b.shop.paymentCallback(t.callback('order:o_nope:pay')).catch((e: { status: number }) => e)).status).toBe(404);
    expect(await b.shop.paymentCallback(t.callback(real))).toEqual({ orderId: order.id, status: 'paid', changed: true });
    expect(lookups).toEqual([real]);
    expect(await t.balances(b.user.volunteerId!)).toMatchObject({ points: 900, receivable: 100 });
  });
});
