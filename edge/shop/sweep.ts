/**
 * @module The shop's recovery work, run periodically and idempotent: payment callbacks
 * (settled from what the provider reports, never from the callback's body), orders left
 * unpaid past their window, charges interrupted by a stop of the edge, late charges to
 * reverse and refunds whose money is not back yet. Every pass is bounded.
 */
import { PAYMENT_STUCK_MS, SHOP_SWEEP_BATCH_MAX, SHOP_SWEEP_INTERVAL_MS } from '../../shared/shop/limits.ts';
import type { OrderStatus } from '../../shared/shop/schemas.ts';
import { inTransaction } from '../db/tx.ts';
import { applyOutcome, releaseOrder, reverseCharge, type ShopDeps } from './payment-flow.ts';
import { returnMoney } from './refunds.ts';

/** What a payment callback did to the order: its status after, and whether this call changed it. */
export interface CallbackApplied {
  orderId: string;
  status: OrderStatus;
  changed: boolean;
}

/**
 * A provider's notification about the charge with `idempotencyKey`: asks the provider what
 * happened and applies it. Replays find the order settled and change nothing.
 */
export async function paymentCallback(deps: ShopDeps, idempotencyKey: string): Promise<{ status: 'applied'; applied: CallbackApplied } | { status: 'payment_not_found'; detail: string }> {
  const p = await deps.store.db.selectFrom('payments').select(['order_id']).where('id', '=', idempotencyKey).executeTakeFirst();
  if (!p) return { status: 'payment_not_found', detail: `no payment ${idempotencyKey}` };
  const outcome = await deps.payments.lookup(idempotencyKey);
  if (!outcome) {
    const o = await deps.store.db.selectFrom('orders').select('status').where('id', '=', p.order_id).executeTakeFirstOrThrow();
    return { status: 'applied', applied: { orderId: p.order_id, status: o.status, changed: false } };
  }
  return { status: 'applied', applied: { orderId: p.order_id, ...(await applyOutcome(deps, p.order_id, outcome)) } };
}

/** What one sweep did. */
export interface SweepReport {
  expired: number;
  recovered: number;
  reversed: number;
  refunded: number;
}

/** One bounded pass of the shop's recovery work. */
export async function sweepShop(deps: ShopDeps): Promise<SweepReport> {
  const { store } = deps;
  const now = deps.now();
  const report: SweepReport = { expired: 0, recovered: 0, reversed: 0, refunded: 0 };

  const unpaid = await store.db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'awaiting_payment')
    .where('expires_at', '<=', now)
    .limit(SHOP_SWEEP_BATCH_MAX)
    .execute();
  for (const o of unpaid) {
    if (await inTransaction(store, (trx) => releaseOrder(store, trx, o, 'awaiting_payment', 'expired', now))) report.expired++;
  }

  // Charges started long ago and never settled: the edge stopped mid-payment.
  const stuck = await store.db
    .selectFrom('payments as p')
    .innerJoin('orders as o', 'o.id', 'p.order_id')
    .select(['p.id', 'p.order_id'])
    .where('o.status', '=', 'paying')
    .where('p.started_at', '<=', now - PAYMENT_STUCK_MS)
    .limit(SHOP_SWEEP_BATCH_MAX)
    .execute();
  for (const p of stuck) {
    const outcome = (await deps.payments.lookup(p.id)) ?? { status: 'timeout' as const };
    if ((await applyOutcome(deps, p.order_id, outcome)).changed) report.recovered++;
  }

  const toReverse = await store.db
    .selectFrom('payments as p')
    .innerJoin('orders as o', 'o.id', 'p.order_id')
    .select('p.order_id')
    .where('p.status', '=', 'succeeded')
    .where('o.status', 'in', ['declined', 'timed_out', 'cancelled', 'expired', 'failed'])
    .limit(SHOP_SWEEP_BATCH_MAX)
    .execute();
  for (const p of toReverse) if (await reverseCharge(deps, p.order_id)) report.reversed++;

  const pending = await store.db.selectFrom('refunds').select(['order_id', 'refund_no']).where('status', '=', 'pending').limit(SHOP_SWEEP_BATCH_MAX).execute();
  for (const r of pending) if ((await returnMoney(deps, r.order_id, Number(r.refund_no))) === 'succeeded') report.refunded++;
  return report;
}

/**
 * Runs {@link sweepShop} every {@link SHOP_SWEEP_INTERVAL_MS}; one pass at a time. Returns
 * the function that stops it.
 */
export function startShopSweeper(deps: ShopDeps, intervalMs = SHOP_SWEEP_INTERVAL_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepShop(deps)
      .catch((err: unknown) => console.error('[shop] sweep failed:', err))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
