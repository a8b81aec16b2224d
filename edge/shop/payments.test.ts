import { describe, expect, it } from 'vitest';
import { createSimulatedPayments, SIMULATED_CARD_TOKENS } from './payments.ts';

const charge = (over: Partial<Parameters<ReturnType<typeof createSimulatedPayments>['charge']>[0]> = {}) => ({
  orderId: 'o1',
  amountMinor: 500,
  currency: 'EUR',
  idempotencyKey: 'order:o1:pay',
  source: SIMULATED_CARD_TOKENS.ok,
  ...over,
});

describe('the simulated payment provider', () => {
  it('decides by card token: success, decline, timeout (no charge), unknown token declined', async () => {
    const pay = createSimulatedPayments();
    expect(await pay.charge(charge())).toEqual({ status: 'succeeded', providerRef: 'sim_ch_1' });
    expect(await pay.charge(charge({ idempotencyKey: 'k2', source: 'tok_decline' }))).toEqual({ status: 'declined', reason: 'card declined by the issuer' });
    expect(await pay.charge(charge({ idempotencyKey: 'k3', source: 'tok_timeout' }))).toEqual({ status: 'timeout' });
    expect(await pay.lookup('k3')).toBeUndefined();
    expect(await pay.charge(charge({ idempotencyKey: 'k4', source: 'tok_other' }))).toMatchObject({ status: 'declined', reason: 'unknown card token' });
    expect(pay.charges().map((c) => c.outcome.status)).toEqual(['succeeded', 'declined', 'declined']);
  });

  it('dedupes by idempotency key: the same charge answers the same, a different one with the key is declined', async () => {
    const pay = createSimulatedPayments();
    const first = await pay.charge(charge());
    expect(await pay.charge(charge())).toEqual(first);
    expect(await pay.charge(charge({ amountMinor: 501 }))).toMatchObject({ status: 'declined', reason: 'idempotency key reused with different parameters' });
    expect(await pay.lookup('order:o1:pay')).toEqual(first);
    expect(pay.charges()).toHaveLength(1);
  });

  it('refunds at most what was charged, once per key', async () => {
    const pay = createSimulatedPayments();
    const c = await pay.charge(charge());
    const ref = c.status === 'succeeded' ? c.providerRef : '';
    expect(await pay.refund({ chargeRef: ref, amountMinor: 300, idempotencyKey: 'r1' })).toMatchObject({ status: 'succeeded' });
    expect(await pay.refund({ chargeRef: ref, amountMinor: 300, idempotencyKey: 'r1' })).toMatchObject({ status: 'succeeded' });
    expect(await pay.refund({ chargeRef: ref, amountMinor: 201, idempotencyKey: 'r2' })).toEqual({ status: 'failed', reason: 'refund exceeds the charge' });
    expect(await pay.refund({ chargeRef: ref, amountMinor: 200, idempotencyKey: 'r3' })).toMatchObject({ status: 'succeeded' });
    expect(await pay.refund({ chargeRef: 'sim_ch_9', amountMinor: 1, idempotencyKey: 'r4' })).toEqual({ status: 'failed', reason: 'no such charge' });
    expect(pay.refunds().map((r) => r.amountMinor)).toEqual([300, 200]);
  });
});
