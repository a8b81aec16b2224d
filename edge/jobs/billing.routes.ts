/**
 * @module Billing routes for customers: the balance their jobs are held and charged on, and
 * top-ups through the payment provider (the built-in simulator in this demo). A top-up is
 * idempotent by the client's key: the provider is asked with it, and the ledger credit's id
 * is derived from it, so a retried request charges and credits once.
 */
import { Hono } from 'hono';
import { CUSTOMER_API_PATHS, TopupRequestSchema, type Balance } from '../../shared/api/schemas.ts';
import { CURRENCY } from '../../shared/limits.ts';
import { requireCustomer, type AuthVariables } from '../auth/require.ts';
import type { Store } from '../db/index.ts';
import { exec, prepare, runInTransaction } from '../db/prepared.ts';
import { readJson } from '../http/body.ts';
import { ProblemError } from '../http/problem.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { createTransfersOp } from '../ledger/transfers.ts';
import type { PaymentProvider } from '../shop/payments.ts';
import { customerBalance, ensureCustomerAccountOp } from './billing.ts';

/** Records the customer's first top-up (later ones leave it). */
const markFirstTopup = prepare('customer: first top-up', ['id', 'at'], (db, p) =>
  db.updateTable('customers').set({ first_topup_at: p('at') }).where('id', '=', p('id')).where('first_topup_at', 'is', null),
);

/** What the billing routes are built from (the composition root's deps have it all). */
export interface BillingDeps {
  store: Store;
  payments: PaymentProvider;
  now: () => number;
}

export function billingRoutes({ store, payments, now }: BillingDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(CUSTOMER_API_PATHS.billing, requireCustomer(store));
  app.use(`${CUSTOMER_API_PATHS.billing}/*`, requireCustomer(store));

  const balance = async (customerId: string): Promise<Balance> => ({ currency: CURRENCY, ...(await customerBalance(store, customerId)) });

  app.get(CUSTOMER_API_PATHS.billing, async (c) => c.json(await balance(c.get('customerId'))));

  app.post(CUSTOMER_API_PATHS.billingTopups, async (c) => {
    const req = await readJson(c, TopupRequestSchema);
    const customerId = c.get('customerId');
    const key = `topup:${customerId}:${req.idempotencyKey}`;
    // A key names one top-up: the same key with another amount is refused before the provider is asked.
    const earlier = await ledgerOf(store).transfer(key);
    if (earlier && earlier.amount !== req.amountMinor) {
      throw new ProblemError('idempotency-key-reused', `idempotencyKey ${req.idempotencyKey} already topped up ${earlier.amount} minor units; use a new key for another amount`);
    }
    const outcome = await payments.charge({ orderId: key, amountMinor: req.amountMinor, currency: CURRENCY, idempotencyKey: key, source: req.card });
    if (outcome.status === 'declined') throw new ProblemError('payment-declined', `${outcome.reason}; nothing was charged`);
    if (outcome.status === 'timeout') {
      throw new ProblemError('payment-declined', 'the payment provider did not answer in time; nothing was charged — repeat the request with the same idempotencyKey');
    }
    const at = now();
    const [status] = await runInTransaction(store, function* () {
      yield* ensureCustomerAccountOp(customerId, at);
      const credited = yield* createTransfersOp(
        [{ id: key, debit: ACCOUNTS.external.id, credit: ACCOUNTS.customerBalance(customerId).id, amount: req.amountMinor, code: 'topup', ref: outcome.providerRef }],
        at,
      );
      // Real money came in: jobs from now on are not paid by trial credit only (see edge/coordinator/funding.ts).
      if (credited[0] === 'ok') yield* exec(markFirstTopup, { id: customerId, at });
      return credited;
    });
    // A concurrent request with the same key and another amount won the race.
    if (status === 'exists_with_different_amount') throw new ProblemError('idempotency-key-reused', `idempotencyKey ${req.idempotencyKey} was used for another amount`);
    if (status !== 'ok' && status !== 'exists') throw new Error(`crediting top-up ${key} failed: ${status}`);
    return c.json(await balance(customerId), status === 'ok' ? 201 : 200);
  });

  return app;
}
