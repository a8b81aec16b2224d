/**
 * @module The payment provider interface of the shop, and the built-in simulator (no external
 * payment service is reachable here).
 */

/** What a provider answers for a charge. */
export type PaymentOutcome = { status: 'succeeded'; providerRef: string } | { status: 'declined'; reason: string } | { status: 'timeout' };

export interface PaymentProvider {
  /** Charges `amountMinor` for an order; the idempotency key makes a retried charge safe. */
  charge(input: { orderId: string; amountMinor: number; currency: string; idempotencyKey: string }): Promise<PaymentOutcome>;
}

/** The simulator: to be completed by the shop feature. */
export function createSimulatedPayments(): PaymentProvider {
  return {
    async charge({ orderId }) {
      return { status: 'succeeded', providerRef: `sim_${orderId}` };
    },
  };
}
