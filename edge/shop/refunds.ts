/**
 * @module Refunds of whole order lines. Each refund is numbered per order (an atomic
 * increment of the order's counter) and recorded with NEW ledger transfers, one linked
 * chain `order:<id>:refund:<n>:…`: the lines' points go back to the volunteer, the
 * settlement of their discount is reversed (shop receivable → operator discounts) and the
 * money charged for them leaves the shop's sales. Nothing already written is edited. A line
 * is refunded at most once (a conditional update claims it). The money goes back through
 * the provider after the transaction, and license keys of refunded lines are revoked; until it confirms the refund stays `pending` and the
 * sweeper retries it with the same idempotency key.
 */
import { BUYER_REFUND_WINDOW_MS } from '../../shared/shop/limits.ts';
import type { Refund } from '../../shared/shop/schemas.ts';
import { inTransaction } from '../db/tx.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { revokeLicense } from '../licenses/activation.ts';
import { allApplied, refundKey, refundTransfers } from './entries.ts';
import { findOrder, moneyOf, readOrder, type OwnOrderRefusal } from './orders.ts';
import type { ShopDeps } from './payment-flow.ts';

/** Who asks for a refund: the buyer (within the refund window) or who runs the shop. */
export interface RefundActor {
  userId: string;
  roles: readonly string[];
  shopId: string | null;
}

/** Why nothing was refunded (nothing changed): no such order, not the actor's, or nothing refundable. */
export type RefundRefusal = OwnOrderRefusal | { status: 'order_not_refundable'; detail: string };

/** The refund made, or why none was. */
export type RefundResult = { status: 'ok'; refund: Refund } | RefundRefusal;

function mayRefund(actor: RefundActor, o: { user_id: string; shop_id: string; paid_at: number | null }, now: number): boolean {
  if (actor.roles.includes('operator')) return true;
  if (actor.roles.includes('shop_operator') && actor.shopId === o.shop_id) return true;
  return actor.userId === o.user_id && o.paid_at !== null && now - Number(o.paid_at) <= BUYER_REFUND_WINDOW_MS;
}

/**
 * Refunds lines of a paid order (all lines not yet refunded when `lineNos` is absent).
 * @example
 * const r = await refundOrder(deps, user, orderId, [2]);
 * if (r.status === 'ok') console.log(r.refund.amountMinor);
 */
export async function refundOrder(deps: ShopDeps, actor: RefundActor, orderId: string, lineNos?: number[]): Promise<RefundResult> {
  const { store } = deps;
  const now = deps.now();
  type Made = { status: 'made'; n: number; wanted: number[]; money: { points: number; discountMinor: number; amountMinor: number } };
  const done = await inTransaction(store, async (trx, rollback): Promise<Made | RefundRefusal> => {
    const found = await findOrder(trx, orderId);
    if (found.status !== 'ok') return found;
    const o = found.order;
    if (!mayRefund(actor, o, now)) {
      if (actor.userId === o.user_id) return { status: 'order_not_refundable', detail: `order ${orderId} was paid more than the refund window ago; ask the shop` };
      return { status: 'order_not_yours', detail: `order ${orderId} belongs to another buyer and another shop` };
    }
    if (o.status !== 'paid') return { status: 'order_not_refundable', detail: `order ${orderId} is ${o.status}` };
    const open = await trx.selectFrom('order_lines').selectAll().where('order_id', '=', o.id).where('refund_no', 'is', null).orderBy('line_no').execute();
    const wanted = lineNos ? [...new Set(lineNos)].sort((a, b) => a - b) : open.map((l) => Number(l.line_no));
    const lines = wanted.map((n) => open.find((l) => Number(l.line_no) === n));
    const missing = wanted.filter((_, i) => !lines[i]);
    if (missing.length > 0 || wanted.length === 0) {
      return { status: 'order_not_refundable', detail: `order ${orderId} has no unrefunded line ${missing.join(', ') || '(none left)'}` };
    }
    const counted = await trx
      .updateTable('orders')
      .set((eb) => ({ refunds_count: eb('refunds_count', '+', 1) }))
      .where('id', '=', o.id)
      .where('status', '=', 'paid')
      .returning('refunds_count')
      .executeTakeFirst();
    if (!counted) return { status: 'order_not_refundable', detail: `order ${orderId} is no longer paid` };
    const n = Number(counted.refunds_count);
    const claimed = await trx
      .updateTable('order_lines')
      .set({ refund_no: n })
      .where('order_id', '=', o.id)
      .where('line_no', 'in', wanted)
      .where('refund_no', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== wanted.length) return rollback({ status: 'order_not_refundable', detail: `a line of order ${orderId} was refunded meanwhile` });
    const sum = (f: (l: (typeof open)[number]) => number) => lines.reduce((s, l) => s + f(l!), 0);
    const money = { points: sum((l) => Number(l.points)), discountMinor: sum((l) => Number(l.discount_minor)), amountMinor: sum((l) => Number(l.total_minor)) };
    const statuses = await ledgerIn(store, trx).createTransfers(refundTransfers(moneyOf(o), n, money), now);
    if (!allApplied(statuses)) throw new Error(`refund ${n} of order ${orderId} refused by the ledger: ${statuses.join(', ')}`);
    // A refunded license stops working: its key is revoked (verifiers that check revocation refuse it).
    for (const l of lines) if (l!.license_id) await revokeLicense(trx, l!.license_id, `refunded with order ${o.id} refund ${n}`, now);
    await trx
      .insertInto('refunds')
      .values({
        order_id: o.id,
        refund_no: n,
        shop_id: o.shop_id,
        amount_minor: money.amountMinor,
        discount_minor: money.discountMinor,
        points: money.points,
        list_minor: sum((l) => Number(l.list_minor)),
        status: money.amountMinor > 0 ? 'pending' : 'succeeded',
        provider_ref: null,
        created_at: now,
      })
      .execute();
    const allRefunded = open.length === wanted.length;
    await trx
      .updateTable('orders')
      .set((eb) => ({
        refunded_minor: eb('refunded_minor', '+', money.amountMinor),
        refunded_points: eb('refunded_points', '+', money.points),
        ...(allRefunded ? { status: 'refunded' as const, closed_at: now } : {}),
      }))
      .where('id', '=', o.id)
      .execute();
    return { status: 'made', n, wanted, money };
  });
  if (done.status !== 'made') return done;
  const status = await returnMoney(deps, orderId, done.n);
  return {
    status: 'ok',
    refund: {
      orderId,
      refundNo: done.n,
      lineNos: done.wanted,
      amountMinor: done.money.amountMinor,
      discountMinor: done.money.discountMinor,
      points: done.money.points,
      status,
      order: await readOrder(store.db, orderId),
    },
  };
}

/** Sends a pending refund's money back through the provider; its status afterwards. */
export async function returnMoney(deps: ShopDeps, orderId: string, n: number): Promise<'pending' | 'succeeded'> {
  const db = deps.store.db;
  const r = await db.selectFrom('refunds').selectAll().where('order_id', '=', orderId).where('refund_no', '=', n).executeTakeFirstOrThrow();
  if (r.status === 'succeeded') return 'succeeded';
  const p = await db.selectFrom('payments').select('provider_ref').where('order_id', '=', orderId).executeTakeFirst();
  if (!p?.provider_ref) throw new Error(`refund ${n} of order ${orderId} has money to return but the order has no charge`);
  const out = await deps.payments
    .refund({ chargeRef: p.provider_ref, amountMinor: Number(r.amount_minor), idempotencyKey: refundKey(orderId, n) })
    .catch((err: unknown) => ({ status: 'failed' as const, reason: String(err) }));
  if (out.status !== 'succeeded') {
    console.error(`[shop] refund ${n} of order ${orderId} not returned yet: ${out.reason}`);
    return 'pending';
  }
  await db.updateTable('refunds').set({ status: 'succeeded', provider_ref: out.providerRef }).where('order_id', '=', orderId).where('refund_no', '=', n).execute();
  return 'succeeded';
}
