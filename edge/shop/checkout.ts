/**
 * @module Checkout: one transaction locks the buyer's cart, prices it with the shared
 * pricing, records the order with its allocated line discounts and HOLDS the points in the
 * ledger. Whether the buyer has the points is decided by the ledger's floor check inside
 * that hold, never by reading the balance first, so concurrent checkouts cannot overspend;
 * a refused hold rolls the whole transaction back and nothing changes. Paying is
 * edge/shop/payment-flow.ts.
 */
import { priceCart } from '../../shared/shop/pricing.ts';
import { ORDER_PAYMENT_WINDOW_MS } from '../../shared/shop/limits.ts';
import type { Order } from '../../shared/shop/schemas.ts';
import { newId } from '../accounts/tokens.ts';
import { ProblemError } from '../http/problem.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { inTransaction } from './tx.ts';
import { findShop, rulesOf, type Db } from './catalog.ts';
import { ownCart } from './carts.ts';
import { holdTransfer, holdId } from './entries.ts';
import { readOrder } from './orders.ts';
import { payOrder, type Buyer, type ShopDeps } from './payment-flow.ts';

/** A validated checkout request. */
export interface CheckoutInput {
  cartId: string;
  points: number;
  idempotencyKey: string;
  cardToken?: string | undefined;
}

async function findByKey(db: Db, userId: string, req: CheckoutInput) {
  const o = await db.selectFrom('orders').select(['id', 'cart_id', 'points_offered', 'status']).where('user_id', '=', userId).where('idempotency_key', '=', req.idempotencyKey).executeTakeFirst();
  if (o && (o.cart_id !== req.cartId || Number(o.points_offered) !== req.points)) {
    throw new ProblemError('idempotency-key-reused', `key ${req.idempotencyKey} already placed order ${o.id} for another cart or points amount`);
  }
  return o;
}

/**
 * Places an order for the buyer's cart and holds its points; pays at once when the request
 * carries a card token. A retried request (same idempotency key) answers the same order.
 * @returns the order, and whether this call created it
 */
export async function checkout(deps: ShopDeps, buyer: Buyer, req: CheckoutInput): Promise<{ order: Order; created: boolean }> {
  const { store } = deps;
  const now = deps.now();
  let orderId: string;
  let created: boolean;
  try {
    ({ orderId, created } = await inTransaction(store, async (trx) => {
      const existing = await findByKey(trx, buyer.userId, req);
      if (existing) return { orderId: existing.id, created: false };
      return { orderId: await createOrder(deps, trx, buyer, req, now), created: true };
    }));
  } catch (err) {
    // A concurrent request with the same key (PostgreSQL) may have won the race: answer its order.
    const existing = await findByKey(store.db, buyer.userId, req);
    if (!existing) throw err;
    ({ orderId, created } = { orderId: existing.id, created: false });
  }
  const order = await readOrder(store.db, orderId);
  if (req.cardToken !== undefined && order.status === 'awaiting_payment') {
    return { order: await payOrder(deps, buyer, orderId, req.cardToken), created };
  }
  return { order, created };
}

async function createOrder(deps: ShopDeps, trx: Parameters<typeof ledgerIn>[1], buyer: Buyer, req: CheckoutInput, now: number): Promise<string> {
  const cart = await ownCart(trx, buyer.userId, req.cartId);
  const orderId = newId('o');
  const locked = await trx
    .updateTable('carts')
    .set({ state: 'locked', order_id: orderId, updated_at: now })
    .where('id', '=', cart.id)
    .where('state', '=', 'open')
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) throw new ProblemError('cart-not-open', `cart ${cart.id} is ${cart.state}`);

  const lines = await trx
    .selectFrom('cart_lines as l')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select(['l.product_id', 'l.quantity', 'p.kind', 'p.name', 'p.price_minor', 'p.active', 'p.valid_days', 'p.activation_limit'])
    .where('l.cart_id', '=', cart.id)
    .orderBy('l.added_at')
    .orderBy('l.product_id')
    .execute();
  if (lines.length === 0) throw new ProblemError('cart-empty', `cart ${cart.id} has no lines`);
  const gone = lines.find((l) => l.active !== 1);
  if (gone) throw new ProblemError('product-unavailable', `${gone.name} (${gone.product_id}) is no longer on sale; remove it from the cart`);

  const shop = (await findShop(trx, cart.shop_id))!;
  const priced = priceCart(
    lines.map((l) => ({ productId: l.product_id, unitPriceMinor: Number(l.price_minor), quantity: Number(l.quantity) })),
    rulesOf(shop),
    req.points,
  );
  if (priced.status === 'points_below_minimum') {
    throw new ProblemError(
      'points-below-minimum',
      `this shop takes at least ${priced.pointsMin} points per order; these points would use ${priced.pointsWouldUse}. Offer 0 points or more points (up to the order's cap).`,
    );
  }
  const q = priced.quote;
  if (q.pointsUsed > 0 && !buyer.volunteerId) {
    throw new ProblemError('no-points-account', 'claim a volunteer identity on the volunteer page to spend points, or offer 0 points');
  }
  const usesPoints = q.pointsUsed > 0;
  await trx
    .insertInto('orders')
    .values({
      id: orderId,
      user_id: buyer.userId,
      buyer_name: buyer.email,
      volunteer_id: usesPoints ? buyer.volunteerId : null,
      shop_id: shop.id,
      cart_id: cart.id,
      idempotency_key: req.idempotencyKey,
      points_offered: req.points,
      status: 'awaiting_payment',
      currency: shop.currency,
      list_minor: q.listMinor,
      discount_minor: q.discountMinor,
      total_minor: q.totalMinor,
      points_used: q.pointsUsed,
      hold_id: usesPoints ? holdId(orderId) : null,
      created_at: now,
      expires_at: now + ORDER_PAYMENT_WINDOW_MS,
      paid_at: null,
      closed_at: null,
    })
    .execute();
  await trx
    .insertInto('order_lines')
    .values(
      q.lines.map((pl, i) => {
        const l = lines[i]!;
        return {
          order_id: orderId,
          line_no: i + 1,
          product_id: l.product_id,
          kind: l.kind,
          name: l.name,
          unit_price_minor: pl.unitPriceMinor,
          quantity: pl.quantity,
          list_minor: pl.listMinor,
          discount_minor: pl.discountMinor,
          total_minor: pl.totalMinor,
          points: pl.points,
          valid_days: l.valid_days,
          activation_limit: l.activation_limit,
          license_id: null,
          license_key: null,
          refund_no: null,
        };
      }),
    )
    .execute();

  const hold = holdTransfer({ id: orderId, shopId: shop.id, volunteerId: buyer.volunteerId, pointsUsed: q.pointsUsed, discountMinor: q.discountMinor, totalMinor: q.totalMinor });
  if (hold) {
    const [status] = await ledgerIn(deps.store, trx).createTransfers([hold], now);
    if (status === 'exceeds_floor' || status === 'debit_account_not_found') {
      throw new ProblemError('points-insufficient', `this order uses ${q.pointsUsed} points, more than are available`);
    }
    if (status !== 'ok') throw new Error(`hold of order ${orderId} refused: ${status}`);
  }
  return orderId;
}
