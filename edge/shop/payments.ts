/**
 * @module The payment provider interface of the shop, and the built-in simulator (no external
 * payment service is reachable here). Every call carries an idempotency key, as real
 * providers take one (Stripe's `Idempotency-Key`): a retried call returns the first answer
 * and moves no money twice. The provider signs its callbacks (edge/shop/callback-signature.ts)
 * and the edge accepts only callbacks whose signature the provider's adapter verifies.
 */
import type { SignedCallback } from '../../shared/shop/schemas.ts';
import { newCallbackSecret, signCallback, verifyCallback } from './callback-signature.ts';

/** What a provider answers for a charge. `timeout`: no answer in time — the outcome is unknown. */
export type PaymentOutcome = { status: 'succeeded'; providerRef: string } | { status: 'declined'; reason: string } | { status: 'timeout' };

/** What a provider answers for a refund of a succeeded charge. */
export type RefundOutcome = { status: 'succeeded'; providerRef: string } | { status: 'failed'; reason: string };

export interface ChargeInput {
  orderId: string;
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  /** The buyer's card token, as the provider's client-side script produced it. */
  source: string;
}

export interface PaymentProvider {
  /** Charges `amountMinor` for an order; the idempotency key makes a retried charge safe. */
  charge(input: ChargeInput): Promise<PaymentOutcome>;
  /**
   * What the provider recorded for a charge key (`undefined`: no charge was made). The edge
   * trusts this, never a callback's body, to settle an order.
   */
  lookup(idempotencyKey: string): Promise<PaymentOutcome | undefined>;
  /** Returns money of a succeeded charge (whole or part), idempotent by key. */
  refund(input: { chargeRef: string; amountMinor: number; idempotencyKey: string }): Promise<RefundOutcome>;
  /**
   * Whether a callback's raw body carries this provider's signature (the value of
   * PAYMENT_SIGNATURE_HEADER, undefined when absent), under the secret it shares with the edge.
   */
  verifyCallback(body: string, signature: string | undefined): boolean;
}

/** Card tokens the simulator understands; any other token is declined as unknown. */
export const SIMULATED_CARD_TOKENS = {
  /** The charge succeeds. */
  ok: 'tok_ok',
  /** The issuer declines the charge. */
  decline: 'tok_decline',
  /** The provider never answers; no money moves (the simulator's timeouts are clean). */
  timeout: 'tok_timeout',
} as const;

interface SimCharge {
  input: ChargeInput;
  outcome: PaymentOutcome;
}

/** The simulator, with read access to what it recorded, for tests. */
export interface SimulatedPayments extends PaymentProvider {
  /** Charges made (one per idempotency key), in order. */
  charges(): readonly SimCharge[];
  /** Refunds made (one per idempotency key), in order. */
  refunds(): readonly { chargeRef: string; amountMinor: number; idempotencyKey: string }[];
  /** The callback the simulator sends about the charge with `idempotencyKey`: its body, signed. */
  callback(idempotencyKey: string): SignedCallback;
}

/** Options of {@link createSimulatedPayments}. */
export interface SimulatedPaymentsOptions {
  /** The secret callbacks are signed with, shared with the edge; a fresh random one by default (the simulator runs in the edge's process). */
  callbackSecret?: Uint8Array;
}

/** Charges the simulator remembers; past this it forgets the oldest (a real provider keeps keys ~24 h). */
const SIM_KEYS_MAX = 100_000;

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= SIM_KEYS_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}

/**
 * The built-in provider: decides deterministically from the card token (`tok_ok`,
 * `tok_decline`, `tok_timeout`) and dedupes by idempotency key. Reusing a key with different
 * parameters is declined, as real providers refuse it.
 * @example
 * const pay = createSimulatedPayments();
 * await pay.charge({ orderId: 'o1', amountMinor: 500, currency: 'EUR', idempotencyKey: 'order:o1:pay', source: 'tok_ok' });
 */
export function createSimulatedPayments(options: SimulatedPaymentsOptions = {}): SimulatedPayments {
  const secret = options.callbackSecret ?? newCallbackSecret();
  const charges = new Map<string, SimCharge>();
  const byRef = new Map<string, SimCharge>();
  const refunds = new Map<string, { chargeRef: string; amountMinor: number; idempotencyKey: string }>();
  const refundedByRef = new Map<string, number>();
  let seq = 0;
  return {
    async charge(input) {
      const seen = charges.get(input.idempotencyKey);
      if (seen) {
        const same = seen.input.amountMinor === input.amountMinor && seen.input.currency === input.currency && seen.input.source === input.source;
        return same ? seen.outcome : { status: 'declined', reason: 'idempotency key reused with different parameters' };
      }
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) return { status: 'declined', reason: 'invalid amount' };
      let outcome: PaymentOutcome;
      switch (input.source) {
        case SIMULATED_CARD_TOKENS.ok:
          outcome = { status: 'succeeded', providerRef: `sim_ch_${++seq}` };
          break;
        case SIMULATED_CARD_TOKENS.decline:
          outcome = { status: 'declined', reason: 'card declined by the issuer' };
          break;
        case SIMULATED_CARD_TOKENS.timeout:
          // Nothing is recorded: a later lookup finds no charge, as after a lost request.
          return { status: 'timeout' };
        default:
          outcome = { status: 'declined', reason: 'unknown card token' };
      }
      const record = remember(charges, input.idempotencyKey, { input, outcome });
      if (outcome.status === 'succeeded') remember(byRef, outcome.providerRef, record);
      return outcome;
    },
    async lookup(idempotencyKey) {
      return charges.get(idempotencyKey)?.outcome;
    },
    async refund(input) {
      const seen = refunds.get(input.idempotencyKey);
      if (seen) return { status: 'succeeded', providerRef: `sim_re_${input.idempotencyKey}` };
      const charge = byRef.get(input.chargeRef);
      if (!charge) return { status: 'failed', reason: 'no such charge' };
      const refunded = refundedByRef.get(input.chargeRef) ?? 0;
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0 || refunded + input.amountMinor > charge.input.amountMinor) {
        return { status: 'failed', reason: 'refund exceeds the charge' };
      }
      remember(refunds, input.idempotencyKey, input);
      remember(refundedByRef, input.chargeRef, refunded + input.amountMinor);
      return { status: 'succeeded', providerRef: `sim_re_${input.idempotencyKey}` };
    },
    verifyCallback: (body, signature) => verifyCallback(secret, body, signature),
    callback(idempotencyKey) {
      const body = JSON.stringify({ idempotencyKey });
      return { body, signature: signCallback(secret, body) };
    },
    charges: () => [...charges.values()],
    refunds: () => [...refunds.values()],
  };
}
