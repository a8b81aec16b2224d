/**
 * @module Shop routes for buyers: catalog, the shopper's points, carts, checkout, paying,
 * cancelling, refunds and order history. Every route that changes something needs a
 * signed-in session (cookie, CSRF-checked by the app) and acts only on the buyer's own
 * carts and orders. Settlement and shop set-up are in shop-admin.routes.ts.
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
import type { AppDeps } from '../deps.ts';
import { optionalSession, requireSession, type OptionalSessionVariables, type SessionUser } from '../auth/session.ts';
import { readJson } from '../http/body.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { readCatalog } from './catalog.ts';
import { createCart, listCarts, ownCart, readCart, setCartLine } from './carts.ts';
import { checkout } from './checkout.ts';
import { orderHistory, ownOrder, readOrder } from './orders.ts';
import { cancelOrder, payOrder, type Buyer } from './payment-flow.ts';
import { refundOrder } from './refunds.ts';
import { shopAdminRoutes } from './shop-admin.routes.ts';

const buyerOf = (u: SessionUser): Buyer => ({ userId: u.userId, email: u.email, volunteerId: u.volunteerId });

/**
 * @example
 * app.route('/', shopRoutes(deps));
 */
export function shopRoutes(deps: AppDeps) {
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
    return c.json((await createCart(store, c.var.user.userId, shopId, now())) satisfies Cart, 201);
  });

  app.get(SHOP_PATHS.carts, signedIn, async (c) => c.json({ carts: await listCarts(store.db, c.var.user.userId) }));

  app.get(`${SHOP_PATHS.carts}/:cartId`, signedIn, async (c) => {
    const cart = await ownCart(store.db, c.var.user.userId, c.req.param('cartId'));
    return c.json((await readCart(store.db, cart)) satisfies Cart);
  });

  app.put(`${SHOP_PATHS.carts}/:cartId/lines/:productId`, signedIn, async (c) => {
    const { quantity } = await readJson(c, SetCartLineRequestSchema);
    const cart = await setCartLine(store, c.var.user.userId, c.req.param('cartId'), c.req.param('productId'), quantity, now());
    return c.json(cart satisfies Cart);
  });

  app.post(SHOP_PATHS.checkout, signedIn, async (c) => {
    const req = await readJson(c, CheckoutRequestSchema);
    const { order, created } = await checkout(deps, buyerOf(c.var.user), req);
    return c.json(order satisfies Order, created ? 201 : 200);
  });

  app.get(SHOP_PATHS.orders, signedIn, async (c) => c.json({ orders: await orderHistory(store.db, c.var.user.userId) }));

  app.get(`${SHOP_PATHS.orders}/:orderId`, signedIn, async (c) => {
    const o = await ownOrder(store.db, c.var.user.userId, c.req.param('orderId'));
    return c.json((await readOrder(store.db, o.id)) satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/pay`, signedIn, async (c) => {
    const { cardToken } = await readJson(c, PayRequestSchema);
    return c.json((await payOrder(deps, buyerOf(c.var.user), c.req.param('orderId'), cardToken)) satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/cancel`, signedIn, async (c) => {
    return c.json((await cancelOrder(deps, buyerOf(c.var.user), c.req.param('orderId'))) satisfies Order);
  });

  app.post(`${SHOP_PATHS.orders}/:orderId/refunds`, signedIn, async (c) => {
    const { lineNos } = await readJson(c, RefundRequestSchema, {});
    return c.json((await refundOrder(deps, c.var.user, c.req.param('orderId'), lineNos)) satisfies Refund, 201);
  });

  app.route('/', shopAdminRoutes(deps));
  return app;
}
