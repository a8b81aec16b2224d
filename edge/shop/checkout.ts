/**
 * @module Checkout: one transaction locks the buyer's cart, prices it with the shared
 * pricing, records the order with its allocated line discounts and HOLDS the points in the
 * ledger. Whether the buyer has the points is decided by the ledger's floor check inside
 * that hold, never by reading the balance first, so concurrent checkouts cannot overspend;
 * a refused hold rolls the whole transaction back and nothing changes. Paying is
 * edge/shop/payment-flow.ts.
 *
 * Points are the operator's money (edge/shop/governance.ts): a checkout that uses points is
 * refused at a shop the operator has not approved (or suspended), and when its discount
 * would take what the operator owes the shop past the shop's settlement limit. Such a
 * checkout locks the shop's row before it counts, so concurrent ones queue and the limit
 * holds exactly; checkouts without points take no lock.
 */
import { priceCart } from '../../shared/shop/pricing.ts';
import { ORDER_PAYMENT_WINDOW_MS } from '../../shared/shop/limits.ts';
import type { Order } from '../../shared/shop/schemas.ts';
import { newId } from '../auth/tokens.ts';
import { inTransaction, type Rollback } from '../db/tx.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import { effectiveRules, findShop, readPointValue, type Db } from './catalog.ts';
import { ownCart, type OwnCartRefusal } from './carts.ts';
import { holdTransfer, holdId } from './entries.ts';
import { lockShop, outstandingOf } from './governance.ts';
import { readOrder } from './orders.ts';
import { payOrder, type Buyer, type PayRefusal, type ShopDeps } from './payment-flow.ts';

/** A validated checkout request. */
export interface CheckoutInput {
  cartId: string;
  points: number;
  idempotencyKey: string;
  cardToken?: string | undefined;
}

/** Why no order was placed (nothing changed). */
export type PlaceRefusal =
  | OwnCartRefusal
  | {
      status:
        | 'idempotency_key_reused'
        | 'cart_not_open'
        | 'cart_empty'
        | 'product_unavailable'
        | 'points_below_minimum'
        | 'no_points_account'
        | 'points_insufficient'
        | 'shop_not_approved'
        | 'settlement_limit_reached';
      detail: string;
    };

/** Why a checkout answers no order: none was placed, or paying it at once was refused. */
export type CheckoutRefusal = PlaceRefusal | PayRefusal;

/** The order (and whether this call created it), or why not. */
export type CheckoutResult = { status: 'ok'; order: Order; created: boolean } | CheckoutRefusal;

type PlaceResult = { status: 'placed'; orderId: string; created: boolean } | PlaceRefusal;

type KeyLookup = { status: 'none' } | { status: 'found'; orderId: string } | { status: 'idempotency_key_reused'; detail: string };

async function findByKey(db: Db, userId: string, req: CheckoutInput): Promise<KeyLookup> {
  const o = await db.selectFrom('orders').select(['id', 'cart_id', 'points_offered', 'status']).where('user_id', '=', userId).where('idempotency_key', '=', req.idempotencyKey).executeTakeFirst();
  if (!o) return { status: 'none' };
  if (o.cart_id !== req.cartId || Number(o.points_offered) !== req.points) {
    return { status: 'idempotency_key_reused', detail: `key ${req.idempotencyKey} already placed order ${o.id} for another cart or points amount` };
  }
  return { status: 'found', orderId: o.id };
}

/**
 * After an attempt that failed or was refused: a concurrent request with the same key
 * (PostgreSQL) may have won the race, and then its order (or its different terms) is the
 * answer. `undefined` when there is no such request.
 */
async function concurrentRequest(db: Db, userId: string, req: CheckoutInput): Promise<PlaceResult | undefined> {
  const again = await findByKey(db, userId, req);
  if (again.status === 'none') return undefined;
  return again.status === 'found' ? { status: 'placed', orderId: again.orderId, created: false } : again;
}

/**
 * Places an order for the buyer's cart and holds its points; pays at once when the request
 * carries a card token. A retried request (same idempotency key) answers the same order.
 * @returns the order and whether this call created it, or why not
 */
export async function checkout(deps: ShopDeps, buyer: Buyer, req: CheckoutInput): Promise<CheckoutResult> {
  const { store } = deps;
  const now = deps.now();
  let placed: PlaceResult;
  try {
    placed = await inTransaction(store, async (trx, rollback): Promise<PlaceResult> => {
      const existing = await findByKey(trx, buyer.userId, req);
      if (existing.status === 'found') return { status: 'placed', orderId: existing.orderId, created: false };
      if (existing.status !== 'none') return existing;
      return createOrder(deps, trx, rollback, buyer, req, now);
    });
  } catch (err) {
    // A concurrent request with the same key (PostgreSQL) may have won the race: answer its order.
    const winner = await concurrentRequest(store.db, buyer.userId, req);
    if (!winner) throw err;
    placed = winner;
  }
  // So may a refusal: the winner locked the cart this attempt found open.
  if (placed.status !== 'placed') placed = (await concurrentRequest(store.db, buyer.userId, req)) ?? placed;
  if (placed.status !== 'placed') return placed;
  const { orderId, created } = placed;
  const order = await readOrder(store.db, orderId);
  if (req.cardToken !== undefined && order.status === 'awaiting_payment') {
    const paid = await payOrder(deps, buyer, orderId, req.cardToken);
    return paid.status === 'ok' ? { status: 'ok', order: paid.order, created } : paid;
  }
  return { status: 'ok', order, created };
}

/** Locks the cart and records the order and its hold; a refusal after the lock rolls all of it back. */
async function createOrder(deps: ShopDeps, trx: Parameters<typeof ledgerIn>[1], rollback: Rollback<PlaceResult>, buyer: Buyer, req: CheckoutInput, now: number): Promise<PlaceResult> {
  const own = await ownCart(trx, buyer.userId, req.cartId);
  if (own.status !== 'ok') return own;
  const { cart } = own;
  const orderId = newId('o');
  const locked = await trx
    .updateTable('carts')
    .set({ state: 'locked', order_id: orderId, updated_at: now })
    .where('id', '=', cart.id)
    .where('state', '=', 'open')
    .executeTakeFirst();
  if (Number(locked.numUpdatedRows) === 0) return { status: 'cart_not_open', detail: `cart ${cart.id} is ${cart.state}` };

  const lines = await trx
    .selectFrom('cart_lines as l')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select(['l.product_id', 'l.quantity', 'p.kind', 'p.name', 'p.price_minor', 'p.active', 'p.valid_days', 'p.activation_limit'])
    .where('l.cart_id', '=', cart.id)
    .orderBy('l.added_at')
    .orderBy('l.product_id')
    .execute();
  if (lines.length === 0) return rollback({ status: 'cart_empty', detail: `cart ${cart.id} has no lines` });
  const gone = lines.find((l) => l.active !== 1);
  if (gone) return rollback({ status: 'product_unavailable', detail: `${gone.name} (${gone.product_id}) is no longer on sale; remove it from the cart` });

  // A checkout offering points may count against the shop's settlement limit: it locks the shop first.
  const shop = (req.points > 0 ? await lockShop(deps.store, trx, cart.shop_id) : await findShop(trx, cart.shop_id))!;
  const priced = priceCart(
    lines.map((l) => ({ productId: l.product_id, unitPriceMinor: Number(l.price_minor), quantity: Number(l.quantity) })),
    effectiveRules(shop, await readPointValue(trx)),
    req.points,
  );
  if (priced.status === 'points_below_minimum') {
    return rollback({
      status: 'points_below_minimum',
      detail: `this shop takes at least ${priced.pointsMin} points per order; these points would use ${priced.pointsWouldUse}. Offer 0 points or more points (up to the order's cap).`,
    });
  }
  const q = priced.quote;
  if (q.pointsUsed > 0 && shop.status !== 'approved') {
    const why = shop.status === 'pending' ? 'is not yet approved by the operator' : 'was suspended by the operator';
    return rollback({ status: 'shop_not_approved', detail: `${shop.name} ${why} and takes no points; check out with 0 points` });
  }
  if (q.discountMinor > 0) {
    const o = await outstandingOf(trx, shop.id);
    if (o.receivableMinor + o.reservedMinor + q.discountMinor > Number(shop.settlement_limit_minor)) {
      return rollback({ status: 'settlement_limit_reached', detail: `${shop.name} cannot take a points discount of this size now (its settlement limit with the operator); offer fewer points, or none` });
    }
  }
  if (q.pointsUsed > 0 && !buyer.volunteerId) {
    return rollback({ status: 'no_points_account', detail: 'claim a volunteer identity on the volunteer page to spend points, or offer 0 points' });
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
      return rollback({ status: 'points_insufficient', detail: `this order uses ${q.pointsUsed} points, more than are available` });
    }
    if (status !== 'ok') throw new Error(`hold of order ${orderId} refused: ${status}`);
  }
  return { status: 'placed', orderId, created: true };
}
