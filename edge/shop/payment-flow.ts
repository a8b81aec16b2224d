/**
 * @module Paying for an order, and every way an order ends. The order's status is the one
 * switch: each step moves it with a conditional UPDATE (`… where status = 'paying'`), and
 * only the call that moved it writes the ledger, in the same transaction. So a replayed
 * payment callback, a retried request or the sweeper racing a slow charge finds the status
 * already moved and changes nothing: the order is paid once, the hold posted or voided once.
 *
 * Paid: one linked ledger chain (post the hold + settlement + sale) and the license keys,
 * in the transaction that marks the order paid. Declined, timed out, cancelled, expired:
 * the hold is voided and the cart reopens. A charge that succeeds after the order ended
 * (a late provider answer) is refunded to the buyer.
 */
import { PAYMENT_TIMEOUT_MS } from '../../shared/shop/limits.ts';
import { LICENSE_NAME_CHARS_MAX } from '../../shared/limits.ts';
import type { Order, OrderStatus } from '../../shared/shop/schemas.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { issueLicense } from '../licenses/issue.ts';
import { findShop } from './catalog.ts';
import { allApplied, paidTransfers, paymentKey, payingTransferId, voidTransfer } from './entries.ts';
import { moneyOf, ownOrder, readOrder, type OrderRow, type OwnOrderRefusal } from './orders.ts';
import type { PaymentOutcome, PaymentProvider } from './payments.ts';

/** What the shop's operations are built from (a subset of the app's dependencies). */
export interface ShopDeps {
  store: Store;
  now: () => number;
  payments: PaymentProvider;
}

/** The signed-in buyer, as the shop needs them. */
export interface Buyer {
  userId: string;
  email: string;
  volunteerId: string | null;
}

type Trx = Parameters<typeof ledgerIn>[1];

/** Why an order was not paid: not the buyer's, not awaiting payment, past its window, or its points no longer taken by a suspended shop. */
export type PayRefusal = OwnOrderRefusal | { status: 'order_not_payable' | 'order_expired' | 'shop_not_approved'; detail: string };

/** The order after the attempt to pay (paid, declined or timed out), or why none was made. */
export type PayResult = { status: 'ok'; order: Order } | PayRefusal;

/** The order, cancelled, or why it was not. */
export type CancelResult = { status: 'ok'; order: Order } | OwnOrderRefusal | { status: 'order_not_cancellable'; detail: string };

/** Statuses an order ends in without being paid. */
const UNPAID_ENDS = ['declined', 'timed_out', 'cancelled', 'expired', 'failed'] as const satisfies OrderStatus[];

/** Charges through the provider, answering `timeout` when it takes too long or fails to answer. */
async function chargeWithin(provider: PaymentProvider, input: Parameters<PaymentProvider['charge']>[0], timeoutMs: number): Promise<PaymentOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<PaymentOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout' }), timeoutMs);
  });
  const answer = provider.charge(input).catch((err: unknown): PaymentOutcome => {
    // An error reaching the provider leaves the outcome unknown, exactly like a timeout.
    console.error(`[shop] charge ${input.idempotencyKey} failed:`, err);
    return { status: 'timeout' };
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Moves an order from `from` to an unpaid end and releases what it held: voids the points
 * hold and reopens the cart. Returns false (changing nothing) when the order had moved on.
 */
export async function releaseOrder(store: Store, trx: Trx, o: OrderRow, from: 'awaiting_payment' | 'paying', to: (typeof UNPAID_ENDS)[number], now: number): Promise<boolean> {
  const moved = await trx.updateTable('orders').set({ status: to, closed_at: now }).where('id', '=', o.id).where('status', '=', from).executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 0) return false;
  const v = voidTransfer(moneyOf(o));
  if (v) {
    const [status] = await ledgerIn(store, trx).createTransfers([v], now);
    // The ledger's own sweeper may have expired the hold first; either way it is released.
    if (status !== 'ok' && status !== 'exists' && status !== 'pending_expired' && status !== 'pending_already_voided') {
      throw new Error(`void of order ${o.id}'s hold refused: ${status}`);
    }
  }
  await trx.updateTable('carts').set({ state: 'open', order_id: null, updated_at: now }).where('id', '=', o.cart_id).where('order_id', '=', o.id).execute();
  return true;
}

/**
 * Pays an order awaiting payment with the buyer's card token. Declines and timeouts are
 * ordinary outcomes: the answer is the order, in its new status. An order past its window
 * is released (its hold voided, its cart reopened) and refused as expired.
 */
export async function payOrder(deps: ShopDeps, buyer: Buyer, orderId: string, cardToken: string): Promise<PayResult> {
  const { store } = deps;
  const now = deps.now();
  const started = await inTransaction(store, async (trx): Promise<{ status: 'paying'; order: OrderRow } | PayRefusal> => {
    const own = await ownOrder(trx, buyer.userId, orderId);
    if (own.status !== 'ok') return own;
    const o = own.order;
    if (o.status !== 'awaiting_payment') return { status: 'order_not_payable', detail: `order ${orderId} is ${o.status}` };
    if (Number(o.expires_at) <= now) {
      // Committed: the release stands although the payment is refused.
      await releaseOrder(store, trx, o, 'awaiting_payment', 'expired', now);
      return { status: 'order_expired', detail: `order ${orderId} was not paid in time; its points were released and its cart reopened` };
    }
    if (Number(o.points_used) > 0) {
      // The operator suspended the shop after the checkout: its discount is not settled.
      const shop = await findShop(trx, o.shop_id);
      if (shop?.status !== 'approved') {
        await releaseOrder(store, trx, o, 'awaiting_payment', 'cancelled', now);
        return { status: 'shop_not_approved', detail: `the shop of order ${orderId} no longer takes points (the operator suspended it); the order was cancelled, its points released and its cart reopened` };
      }
    }
    const moved = await trx.updateTable('orders').set({ status: 'paying' }).where('id', '=', o.id).where('status', '=', 'awaiting_payment').executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return { status: 'order_not_payable', detail: `order ${orderId} is already being paid` };
    await trx
      .insertInto('payments')
      .values({ id: paymentKey(o.id), order_id: o.id, amount_minor: o.total_minor, currency: o.currency, status: 'pending', provider_ref: null, reason: null, started_at: now, updated_at: now })
      .execute();
    return { status: 'paying', order: o };
  });
  if (started.status !== 'paying') return started;
  const total = Number(started.order.total_minor);
  const outcome: PaymentOutcome =
    total === 0
      ? { status: 'succeeded', providerRef: 'none' }
      : await chargeWithin(deps.payments, { orderId, amountMinor: total, currency: started.order.currency, idempotencyKey: paymentKey(orderId), source: cardToken }, PAYMENT_TIMEOUT_MS);
  await applyOutcome(deps, orderId, outcome);
  return { status: 'ok', order: await readOrder(store.db, orderId) };
}

/** What one application of a charge's outcome did; `reverse` when money must go back (once). */
type Settled = { kind: 'settled'; changed: boolean; status: OrderStatus; reverse: boolean };

/**
 * Applies what the provider said about an order's charge. Only the first application for a
 * `paying` order changes anything; `changed` tells which call that was.
 */
export async function applyOutcome(deps: ShopDeps, orderId: string, outcome: PaymentOutcome): Promise<{ changed: boolean; status: OrderStatus }> {
  const { store } = deps;
  const now = deps.now();
  let done = await inTransaction(store, async (trx, rollback): Promise<Settled | { kind: 'post_refused'; statuses: string; providerRef: string }> => {
    const o = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
    if (outcome.status === 'succeeded') {
      const moved = await trx.updateTable('orders').set({ status: 'paid', paid_at: now }).where('id', '=', o.id).where('status', '=', 'paying').executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) {
        // Already settled. Money that arrived for an order that ended unpaid goes back.
        const reverse = (UNPAID_ENDS as readonly string[]).includes(o.status) && (await markCharge(trx, o.id, 'succeeded', outcome.providerRef, null, now));
        return { kind: 'settled', changed: false, status: o.status, reverse };
      }
      const statuses = await ledgerIn(store, trx).createTransfers(paidTransfers(moneyOf(o)), now);
      if (!allApplied(statuses)) return rollback({ kind: 'post_refused', statuses: statuses.join(', '), providerRef: outcome.providerRef });
      await markCharge(trx, o.id, 'succeeded', outcome.providerRef === 'none' ? null : outcome.providerRef, null, now);
      await trx.updateTable('carts').set({ state: 'ordered', updated_at: now }).where('id', '=', o.cart_id).where('order_id', '=', o.id).execute();
      await issueLicenses(trx, o, now);
      return { kind: 'settled', changed: true, status: 'paid', reverse: false };
    }
    const to = outcome.status === 'declined' ? 'declined' : 'timed_out';
    const changed = await releaseOrder(store, trx, o, 'paying', to, now);
    if (changed) await markCharge(trx, o.id, outcome.status === 'declined' ? 'declined' : 'timeout', null, outcome.status === 'declined' ? outcome.reason : 'the payment provider did not answer in time', now);
    return { kind: 'settled', changed, status: changed ? to : o.status, reverse: false };
  });
  if (done.kind === 'post_refused') {
    // Charged, but the hold could not be posted (it expired): end the order, return the money.
    const { statuses, providerRef } = done;
    console.error(`[shop] order ${orderId} was charged but its points could not be taken (${statuses}); reversing the charge`);
    done = await inTransaction(store, async (trx): Promise<Settled> => {
      const o = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
      const changed = await releaseOrder(store, trx, o, 'paying', 'failed', now);
      const reverse = await markCharge(trx, o.id, 'succeeded', providerRef, 'charged after the points hold ended', now);
      return { kind: 'settled', changed, status: changed ? 'failed' : o.status, reverse };
    });
  }
  if (done.reverse) await reverseCharge(deps, orderId);
  return { changed: done.changed, status: done.status };
}

/** Records the charge's state; true when it moved (so a reversal is due once). */
async function markCharge(trx: Trx, orderId: string, status: 'succeeded' | 'declined' | 'timeout', providerRef: string | null, reason: string | null, now: number): Promise<boolean> {
  const r = await trx
    .updateTable('payments')
    .set({ status, provider_ref: providerRef, reason, updated_at: now })
    .where('order_id', '=', orderId)
    .where('status', 'in', status === 'succeeded' ? ['pending', 'timeout', 'declined'] : ['pending'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Returns the money of a charge whose order ended unpaid; the sweeper retries it until the
 * provider confirms (the idempotency key makes retries safe).
 */
export async function reverseCharge(deps: ShopDeps, orderId: string): Promise<boolean> {
  const p = await deps.store.db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!p || p.status !== 'succeeded' || !p.provider_ref) return false;
  const o = await deps.store.db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow();
  if (!(UNPAID_ENDS as readonly string[]).includes(o.status)) return false;
  const r = await deps.payments.refund({ chargeRef: p.provider_ref, amountMinor: Number(p.amount_minor), idempotencyKey: `${paymentKey(orderId)}:reversal` });
  if (r.status !== 'succeeded') return false;
  await deps.store.db.updateTable('payments').set({ status: 'reversed', updated_at: deps.now() }).where('id', '=', p.id).where('status', '=', 'succeeded').execute();
  return true;
}

/** Issues the license of every license line, paid for by the order's paying transfer. */
async function issueLicenses(trx: Trx, o: OrderRow, now: number): Promise<void> {
  const lines = await trx.selectFrom('order_lines').selectAll().where('order_id', '=', o.id).where('kind', '=', 'license').orderBy('line_no').execute();
  const paidBy = payingTransferId(moneyOf(o));
  for (const [i, l] of lines.entries()) {
    // One license per transfer id: the first license carries the paying transfer's id itself,
    // any further one that id with its line number.
    const transferId = i === 0 ? paidBy : `${paidBy}#${l.line_no}`;
    const { licenseId, key } = await issueLicense(
      trx,
      {
        productId: l.product_id,
        productName: l.name,
        licenseeId: o.user_id,
        licenseeName: o.buyer_name.slice(0, LICENSE_NAME_CHARS_MAX),
        validDays: l.valid_days,
        activationLimit: l.activation_limit ?? 1,
        transferId,
      },
      now,
    );
    await trx.updateTable('order_lines').set({ license_id: licenseId, license_key: key }).where('order_id', '=', o.id).where('line_no', '=', l.line_no).execute();
  }
}

/** Cancels an order that awaits payment: its hold is voided, its cart reopens. */
export async function cancelOrder(deps: ShopDeps, buyer: Buyer, orderId: string): Promise<CancelResult> {
  const now = deps.now();
  const done = await inTransaction(deps.store, async (trx): Promise<{ status: 'cancelled' } | Exclude<CancelResult, { status: 'ok' }>> => {
    const own = await ownOrder(trx, buyer.userId, orderId);
    if (own.status !== 'ok') return own;
    const o = own.order;
    // A refused release changed nothing (its conditional update matched no row).
    if (!(await releaseOrder(deps.store, trx, o, 'awaiting_payment', 'cancelled', now))) {
      return { status: 'order_not_cancellable', detail: `order ${orderId} is ${o.status}; only an order awaiting payment can be cancelled` };
    }
    return { status: 'cancelled' };
  });
  if (done.status !== 'cancelled') return done;
  return { status: 'ok', order: await readOrder(deps.store.db, orderId) };
}
