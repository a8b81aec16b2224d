/**
 * @module Reading orders: one order or a buyer's history, with lines, payment state and the
 * license keys the order granted, shaped for the API.
 */
import type { Selectable } from 'kysely';
import { ORDER_HISTORY_MAX } from '../../shared/shop/limits.ts';
import type { Order, OrderLine } from '../../shared/shop/schemas.ts';
import type { Db } from './catalog.ts';
import type { OrderMoney } from './entries.ts';
import type { OrderLinesTable, OrdersTable, PaymentsTable } from '../db/tables/shop.ts';

export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;

/** Why an order can't be used: there is none, or (for a buyer) it is someone else's. */
export type OwnOrderRefusal = { status: 'order_not_found' | 'order_not_yours'; detail: string };

/** One order row, or why not. */
export type FindOrderResult = { status: 'ok'; order: OrderRow } | { status: 'order_not_found'; detail: string };

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** The figures the ledger transfers of an order are built from. */
export function moneyOf(o: OrderRow): OrderMoney {
  return {
    id: o.id,
    shopId: o.shop_id,
    volunteerId: o.volunteer_id,
    pointsUsed: Number(o.points_used),
    discountMinor: Number(o.discount_minor),
    totalMinor: Number(o.total_minor),
  };
}

function toLine(l: OrderLineRow): OrderLine {
  return {
    lineNo: Number(l.line_no),
    productId: l.product_id,
    kind: l.kind,
    name: l.name,
    unitPriceMinor: Number(l.unit_price_minor),
    quantity: Number(l.quantity),
    listMinor: Number(l.list_minor),
    discountMinor: Number(l.discount_minor),
    totalMinor: Number(l.total_minor),
    points: Number(l.points),
    refundNo: l.refund_no === null ? null : Number(l.refund_no),
    license: l.license_id && l.license_key ? { licenseId: l.license_id, key: l.license_key } : null,
  };
}

function toOrder(o: OrderRow, lines: OrderLineRow[], payment: Pick<Selectable<PaymentsTable>, 'status' | 'reason'> | undefined): Order {
  return {
    id: o.id,
    shopId: o.shop_id,
    cartId: o.cart_id,
    status: o.status,
    currency: o.currency,
    listMinor: Number(o.list_minor),
    discountMinor: Number(o.discount_minor),
    totalMinor: Number(o.total_minor),
    pointsUsed: Number(o.points_used),
    lines: lines.map(toLine),
    payment: payment ? { status: payment.status, reason: payment.reason } : null,
    refundedMinor: Number(o.refunded_minor),
    refundedPoints: Number(o.refunded_points),
    createdAt: iso(o.created_at),
    expiresAt: iso(o.expires_at),
    paidAt: o.paid_at === null ? null : iso(o.paid_at),
  };
}

/** Orders with their lines and payments, in the order given. */
export async function toOrders(db: Db, rows: OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const lines = await db.selectFrom('order_lines').selectAll().where('order_id', 'in', ids).orderBy('order_id').orderBy('line_no').execute();
  const payments = await db.selectFrom('payments').select(['order_id', 'status', 'reason']).where('order_id', 'in', ids).execute();
  const byOrder = new Map<string, OrderLineRow[]>();
  for (const l of lines) {
    const list = byOrder.get(l.order_id);
    if (list) list.push(l);
    else byOrder.set(l.order_id, [l]);
  }
  const paymentOf = new Map(payments.map((p) => [p.order_id, p]));
  return rows.map((r) => toOrder(r, byOrder.get(r.id) ?? [], paymentOf.get(r.id)));
}

/** One order row, or why not. */
export async function findOrder(db: Db, orderId: string): Promise<FindOrderResult> {
  const o = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!o) return { status: 'order_not_found', detail: `no order ${orderId}` };
  return { status: 'ok', order: o };
}

/** One order of the buyer's, or why not. */
export async function ownOrder(db: Db, userId: string, orderId: string): Promise<{ status: 'ok'; order: OrderRow } | OwnOrderRefusal> {
  const found = await findOrder(db, orderId);
  if (found.status === 'ok' && found.order.user_id !== userId) return { status: 'order_not_yours', detail: `order ${orderId} belongs to another buyer` };
  return found;
}

/** An order that exists, as the API shows it (find it first with {@link findOrder} or {@link ownOrder}). */
export async function readOrder(db: Db, orderId: string): Promise<Order> {
  const o = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
  const [order] = await toOrders(db, [o]);
  return order!;
}

/** The buyer's orders, newest first (at most {@link ORDER_HISTORY_MAX}). */
export async function orderHistory(db: Db, userId: string): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(ORDER_HISTORY_MAX)
    .execute();
  return toOrders(db, rows);
}
