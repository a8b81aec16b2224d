/**
 * @module Shop routes for who runs shops and for the payment provider: the settlement report
 * (JSON or CSV) of a shop for a period, setting up a shop and its products, and the
 * provider's payment callback (which carries no authority: the edge asks the provider).
 * Refusals map to problem types in {@link SHOP_ADMIN_PROBLEMS}.
 */
import { Hono } from 'hono';
import {
  PaymentCallbackRequestSchema,
  ProductRequestSchema,
  SettlementQuerySchema,
  SHOP_PATHS,
  ShopUpsertRequestSchema,
  type Product,
  type SettlementReport,
  type Shop,
} from '../../shared/shop/schemas.ts';
import { requireSession } from '../auth/session.ts';
import type { SessionUser } from '../auth/users.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, refusalProblem, validationProblem, type ProblemSlug } from '../http/problem.ts';
import { createProduct, runsShop, updateProduct, upsertShop } from './admin.ts';
import { findShop } from './catalog.ts';
import type { ShopDeps } from './payment-flow.ts';
import { settlementCsv, settlementReport } from './report.ts';
import { paymentCallback } from './sweep.ts';

const SHOPS = SHOP_PATHS.shops;

/** Every refusal these routes answer. */
type ShopAdminRefusal = Exclude<
  Awaited<ReturnType<typeof settlementReport | typeof createProduct | typeof updateProduct | typeof paymentCallback>>,
  { status: 'ok' | 'created' | 'updated' | 'applied' }
>;

/** The problem type of each refusal of the shop's own routes and the payment callback. */
const SHOP_ADMIN_PROBLEMS = {
  period_reversed: 'validation',
  period_too_long: 'validation',
  too_many_rows: 'validation',
  shop_not_found: 'shop-not-found',
  unknown_product: 'unknown-product',
  payment_not_found: 'payment-not-found',
} as const satisfies Record<ShopAdminRefusal['status'], ProblemSlug>;

/** Refuses (403 `forbidden`) a user who does not run `shopId`. */
function assertRunsShop(user: SessionUser, shopId: string): void {
  if (!runsShop(user, shopId)) throw new ProblemError('forbidden', `only the operator of shop ${shopId} may do this`);
}

/** The routes of who runs shops, and the provider's callback (mounted by shopRoutes). */
export function shopAdminRoutes(deps: ShopDeps) {
  const { store, now } = deps;
  const app = new Hono();
  const signedIn = requireSession(store);

  app.post(SHOP_PATHS.paymentCallback, async (c) => {
    const { idempotencyKey } = await readJson(c, PaymentCallbackRequestSchema);
    const r = await paymentCallback(deps, idempotencyKey);
    if (r.status !== 'applied') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    return c.json(r.applied);
  });

  app.get(`${SHOPS}/:shopId/settlement`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const query = SettlementQuerySchema.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error, 'give the period as ?from=YYYY-MM-DD&to=YYYY-MM-DD');
    const shop = await findShop(store.db, shopId);
    if (!shop) throw refusalProblem(SHOP_ADMIN_PROBLEMS, { status: 'shop_not_found', detail: `no shop ${shopId}` });
    const r = await settlementReport(store.db, shop, query.data.from, query.data.to);
    if (r.status !== 'ok') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    const report = r.report;
    if (query.data.format === 'csv') {
      c.header('content-disposition', `attachment; filename="settlement-${shopId}-${report.from}-${report.to}.csv"`);
      return c.body(settlementCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8' });
    }
    return c.json(report satisfies SettlementReport);
  });

  app.put(`${SHOPS}/:shopId`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const req = await readJson(c, ShopUpsertRequestSchema);
    const { shop, created } = await upsertShop(store, shopId, req, now());
    return c.json(shop satisfies Shop, created ? 201 : 200);
  });

  app.post(`${SHOPS}/:shopId/products`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const req = await readJson(c, ProductRequestSchema);
    const r = await createProduct(store, shopId, req, now());
    if (r.status !== 'created') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    return c.json(r.product satisfies Product, 201);
  });

  app.put(`${SHOPS}/:shopId/products/:productId`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const req = await readJson(c, ProductRequestSchema);
    const r = await updateProduct(store, shopId, c.req.param('productId'), req);
    if (r.status !== 'updated') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    return c.json(r.product satisfies Product);
  });

  return app;
}
