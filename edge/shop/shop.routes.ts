/**
 * @module Shop routes for buyers: catalog, the shopper's points, carts, checkout, paying,
 * cancelling, refunds and order history. Every route that changes something needs a
 * signed-in session (cookie, CSRF-checked by the app) and acts only on the buyer's own
 * carts and orders. The shop's operations answer status unions; {@link SHOP_PROBLEMS} maps
 * each refusal to its problem type. Settlement and shop set-up are in shop-admin.routes.ts.
 */
import { Hono } from 'hono';
import {
  CheckoutRequestSchema,
  CreateCartRequestSchema,
  PayRequestSchema,
  RefundRequestSchema,
  SetCartLineRequestSchema,
  SHOP_PATHS,
  type Cart,
  type Catalog,
  type Order,
  type Refund,
  type ShopMe,
} from '../../shared/shop/schemas.ts';
import { optionalSession, requireSession, type OptionalSessionVariables } from '../auth/session.ts';
import type { SessionUser } from '../auth/users.ts';
import { readJson } from '../http/body.ts';
import { refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { readCatalog } from './catalog.ts';
import { createCart, listCarts, ownCart, readCart, setCartLine, type CreateCartResult, type SetCartLineResult } from './carts.ts';
import { checkout, type CheckoutResult } from './checkout.ts';
import { orderHistory, ownOrder, readOrder, type OwnOrderRefusal } from './orders.ts';
import { cancelOrder, payOrder, type Buyer, type CancelResult, type ShopDeps } from './payment-flow.ts';
import { refundOrder, type RefundResult } from './refunds.ts';
import { shopAdminRoutes } from './shop-admin.routes.ts';

/** Every refusal a buyer's route can answer. */
type BuyerRefusal = Exclude<CreateCartResult | SetCartLineResult | CheckoutResult | CancelResult | RefundResult, { status: 'ok' | 'created' }> | OwnOrderRefusal;

/** The problem type of each refusal of the buyer's routes. */
const SHOP_PROBLEMS = {
  shop_not_found: 'shop-not-found',
  too_many_carts: 'too-many-carts',
  cart_not_found: 'cart-not-found',
  cart_not_yours: 'cart-not-yours',
  cart_not_open: 'cart-not-open',
  unknown_product: 'unknown-product',
  license_quantity: 'validation',
  too_many_lines: 'validation',
  idempotency_key_reused: 'idempotency-key-reused',
  cart_empty: 'cart-empty',
  product_unavailable: 'product-unavailable',
  points_below_minimum: 'points-below-minimum',
  no_points_account: 'no-points-account',
  points_insufficient: 'points-insufficient',
  shop_not_approved: 'shop-not-approved',
  settlement_limit_reached: 'settlement-limit-reached',
  order_not_found: 'order-not-found',
  order_not_yours: 'order-not-yours',
  order_not_payable: 'order-not-payable',
  order_expired: 'order-expired',
  order_not_cancellable: 'order-not-cancellable',
  order_not_refundable: 'order-not-refundable',
} as const satisfies Record<BuyerRefusal['status'], ProblemSlug>;

const buyerOf = (u: SessionUser): Buyer => ({ userId: u.userId, email: u.email, volunteerId: u.volunteerId });

/**
 * The buyer's routes, and the shop's own (shop-admin.routes.ts); the app's deps have all
 * they need.
 * @example
 * app.route('/', shopRoutes(deps));
 */
export function shopRoutes(deps: ShopDeps) {
  const { store, now } = deps;
  const app = new Hono<{ Variables: OptionalSessionVariables }>();
  const signedIn = requireSession(store);

  app.get(SHOP_PATHS.catalog, async (c) => c.json((await readCatalog(store.db)) satisfies Catalog));

  app.get(SHOP_PATHS.me, optionalSession(store), async (c) => {
    const user = c.var.user;
    let points: ShopMe['points'] = null;
    if (user?.volunteerId) {
      const b = await ledgerOf(store).balance(ACCOUNTS.volunteerPoints(user.volunteerId).id);
      points = { available: b?.available ?? 0, held: b?.debitsPending ?? 0 };
    }
    return c.json({ signedIn: !!user, email: user?.email ?? null, volunteerId: user?.volunteerId ?? null, points } satisfies ShopMe);
  });

  app.post(SHOP_PATHS.carts, signedIn, async (c) => {
    const { shopId } = await readJson(c, CreateCartRequestSchema);
    const r = await createCart(store, c.var.user.userId, shopId, now());
    if (r.status !== 'created') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.cart satisfies Cart, 201);
  });

  app.get(SHOP_PATHS.carts, signedIn, async (c) => c.json({ carts: await listCarts(store.db, c.var.user.userId) }));

  app.get(`${SHOP_PATHS.carts}/:cartId`, signedIn, async (c) => {
    const r = await ownCart(store.db, c.var.user.userId, c.req.param('cartId'));
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json((await readCart(store.db, r.cart)) satisfies Cart);
  });

  app.put(`${SHOP_PATHS.carts}/:cartId/lines/:productId`, signedIn, async (c) => {
    const { quantity } = await readJson(c, SetCartLineRequestSchema);
    const r = await setCartLine(store, c.var.user.userId, c.req.param('cartId'), c.req.param('productId'), quantity, now());
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.cart satisfies Cart);
  });

  app.post(SHOP_PATHS.checkout, signedIn, async (c) => {
    const req = await readJson(c, CheckoutRequestSchema);
    const r = await checkout(deps, buyerOf(c.var.user), req);
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.order satisfies Order, r.created ? 201 : 200);
  });

  app.get(SHOP_PATHS.orders, signedIn, async (c) => c.json({ orders: await orderHistory(store.db, c.var.user.userId) }));

  app.get(`${SHOP_PATHS.orders}/:orderId`, signedIn, async (c) => {
    const r = await ownOrder(store.db, c.var.user.userId, c.req.param('orderId'));
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json((await readOrder(store.db, r.order.id)) satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/pay`, signedIn, async (c) => {
    const { cardToken } = await readJson(c, PayRequestSchema);
    const r = await payOrder(deps, buyerOf(c.var.user), c.req.param('orderId'), cardToken);
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.order satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/cancel`, signedIn, async (c) => {
    const r = await cancelOrder(deps, buyerOf(c.var.user), c.req.param('orderId'));
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.order satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/refunds`, signedIn, async (c) => {
    const { lineNos } = await readJson(c, RefundRequestSchema, {});
    const r = await refundOrder(deps, c.var.user, c.req.param('orderId'), lineNos);
    if (r.status !== 'ok') throw refusalProblem(SHOP_PROBLEMS, r);
    return c.json(r.refund satisfies Refund, 201);
  });

  app.route('/', shopAdminRoutes(deps));
  return app;
}
