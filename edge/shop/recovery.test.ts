import { describe, expect, it } from 'vitest';
import { CHECKOUT_HOLD_TIMEOUT_MS, PAYMENT_STUCK_MS } from '../../shared/shop/limits.ts';
import { paymentKey } from './entries.ts';
import { applyOutcome } from './payment-flow.ts';
import { createSimulatedPayments, type PaymentOutcome, type PaymentProvider, type SimulatedPayments } from './payments.ts';
import { sweepShop } from './sweep.ts';
import { DEMO_SHOP_ID, key, makeShopTest } from './testing.ts';

/**
 * A provider whose charges answer only when the test says so (or never), recording success
 * underneath like a provider whose answer got lost on the way.
 */
function controlledProvider() {
  const sim = createSimulatedPayments();
  const waiting: { resolve: (o: PaymentOutcome) => void; input: Parameters<PaymentProvider['charge']>[0] }[] = [];
  const provider: PaymentProvider & Pick<SimulatedPayments, 'callback'> & { waiting: typeof waiting; sim: typeof sim } = {
    waiting,
    sim,
    charge: (input) => new Promise((resolve) => waiting.push({ resolve, input })),
    lookup: (k) => sim.lookup(k),
    refund: (r) => sim.refund(r),
    verifyCallback: (body, signature) => sim.verifyCallback(body, signature),
    callback: (k) => sim.callback(k),
  };
  /** Makes the charge happen at the provider, and optionally lets its answer through. */
  const settle = async (i: number, answer: boolean) => {
    const w = waiting[i]!;
    const outcome = await sim.charge({ ...w.input, source: 'tok_ok' });
    if (answer) w.resolve(outcome);
    return outcome;
  };
  return { provider, settle };
}

async function setup() {
  const { provider, settle } = controlledProvider();
  const t = await makeShopTest({ payments: provider });
  const b = await t.buyer();
  const v = b.user.volunteerId!;
  await t.credit(v, 1000);
  const cart = await b.shop.createCart(DEMO_SHOP_ID);
  await b.shop.setLine(cart.id, 'p_mug', 1);
  const order = await b.shop.checkout({ cartId: cart.id, points: 600, idempotencyKey: key() });
  return { t, b, v, order, provider, settle };
}

/** Waits until the pay request has reached the provider (bounded). */
async function charging(p: { waiting: unknown[] }, n = 1) {
  for (let i = 0; i < 1000 && p.waiting.length < n; i++) await new Promise((r) => setTimeout(r, 1));
  expect(p.waiting).toHaveLength(n);
}

describe('payments that go wrong', () => {
  it('recovers a charge interrupted by a stop of the edge: the sweeper asks the provider and settles once', async () => {
    const { t, b, v, order, settle, provider } = await setup();
    const paying = b.shop.pay(order.id, 'tok_ok');
    await charging(provider);
    expect((await t.store.db.selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow()).status).toBe('paying');
    // The provider charged, but its answer never arrives (as if the edge had stopped).
    await settle(0, false);
    expect((await sweepShop(t.deps)).recovered).toBe(0);
    t.clock.now += PAYMENT_STUCK_MS;
    expect((await sweepShop(t.deps)).recovered).toBe(1);
    expect((await b.shop.order(order.id)).status).toBe('paid');
    expect(await t.balances(v)).toMatchObject({ points: 400, receivable: 600, sales: 600 });
    // The original request's answer, when it finally comes, changes nothing.
    t.payments.waiting[0]!.resolve({ status: 'succeeded', providerRef: 'late' });
    expect((await paying).status).toBe('paid');
    expect(await t.balances(v)).toMatchObject({ points: 400, receivable: 600, sales: 600 });
  });

  it('refunds a charge that succeeded after the order had timed out; the points stay with the buyer', async () => {
    const { t, b, v, order, settle, provider } = await setup();
    const paying = b.shop.pay(order.id, 'tok_ok');
    await charging(provider);
    // No answer within the edge's patience: the order times out and its hold is voided.
    expect(await applyOutcome(t.deps, order.id, { status: 'timeout' })).toEqual({ changed: true, status: 'timed_out' });
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsHeld: 0 });
    // Yet the provider did charge; its callback arrives.
    await settle(0, true);
    expect((await paying).status).toBe('timed_out');
    expect(await b.shop.paymentCallback(t.callback(paymentKey(order.id)))).toEqual({ orderId: order.id, status: 'timed_out', changed: false });
    expect(t.payments.sim.refunds()).toEqual([expect.objectContaining({ amountMinor: 600, idempotencyKey: `${paymentKey(order.id)}:reversal` })]);
    expect((await b.shop.order(order.id)).payment).toMatchObject({ status: 'reversed' });
    // A replayed callback reverses nothing twice.
    await b.shop.paymentCallback(t.callback(paymentKey(order.id)));
    expect(t.payments.sim.refunds()).toHaveLength(1);
    expect(await t.balances(v)).toMatchObject({ points: 1000, receivable: 0, sales: 0 });
  });

  it('ends an order charged after its points hold expired as failed, and returns the money', async () => {
    const { t, b, v, order, settle, provider } = await setup();
    const paying = b.shop.pay(order.id, 'tok_ok');
    await charging(provider);
    t.clock.now += CHECKOUT_HOLD_TIMEOUT_MS;
    expect(await t.ledger.expirePending(t.clock.now)).toBe(1);
    await settle(0, true);
    const ended = await paying;
    expect(ended).toMatchObject({ status: 'failed', payment: { status: 'reversed' } });
    expect(await t.balances(v)).toMatchObject({ points: 1000, pointsHeld: 0, receivable: 0, sales: 0 });
    expect(t.payments.sim.refunds().map((r) => r.amountMinor)).toEqual([600]);
  });
});
