/**
 * @module Shop routes for who runs shops and for the payment provider: the settlement report
 * (JSON or CSV) of a shop for a period, setting up a shop and its products, and the
 * provider's payment callback (which carries no authority: the edge asks the provider).
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
import type { AppDeps } from '../deps.ts';
import { requireSession } from '../auth/session.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, validationProblem } from '../http/problem.ts';
import { assertRunsShop, createProduct, updateProduct, upsertShop } from './admin.ts';
import { findShop } from './catalog.ts';
import { settlementCsv, settlementReport } from './report.ts';
import { paymentCallback } from './sweep.ts';

const SHOPS = SHOP_PATHS.shops;

export function shopAdminRoutes(deps: AppDeps) {
  const { store, now } = deps;
  const app = new Hono();
  const signedIn = requireSession(store);

  app.post(SHOP_PATHS.paymentCallback, async (c) => {
    const { idempotencyKey } = await readJson(c, PaymentCallbackRequestSchema);
    return c.json(await paymentCallback(deps, idempotencyKey));
  });

  app.get(`${SHOPS}/:shopId/settlement`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const query = SettlementQuerySchema.safeParse(c.req.query());
    if (!query.success) throw validationProblem(query.error, 'give the period as ?from=YYYY-MM-DD&to=YYYY-MM-DD');
    const shop = await findShop(store.db, shopId);
    if (!shop) throw new ProblemError('shop-not-found', `no shop ${shopId}`);
    const report = await settlementReport(store.db, shop, query.data.from, query.data.to);
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
    return c.json((await createProduct(store, shopId, req, now())) satisfies Product, 201);
  });

  app.put(`${SHOPS}/:shopId/products/:productId`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const req = await readJson(c, ProductRequestSchema);
    return c.json((await updateProduct(store, shopId, c.req.param('productId'), req)) satisfies Product);
  });

  return app;
}
