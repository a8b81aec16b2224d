/**
 * @module Shop routes for who runs shops and for the payment provider: the settlement report
 * (JSON or CSV) of a shop for a period, setting up a shop and its products, the shop's view
 * of its status and caps, and the provider's payment callback. The callback must carry the
 * provider's signature of its body (edge/shop/callback-signature.ts), checked before
 * anything else: without it the answer is 401 and says nothing about the payment. Even a
 * signed callback carries no authority over the outcome: the edge asks the provider. The
 * operator's routes are governance.routes.ts. Refusals map to problem types in
 * {@link SHOP_ADMIN_PROBLEMS}.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  PAYMENT_SIGNATURE_HEADER,
  PaymentCallbackRequestSchema,
  ProductRequestSchema,
  SettlementQuerySchema,
  SHOP_PATHS,
  ShopUpsertRequestSchema,
  type Product,
  type SettlementReport,
  type Shop,
  type ShopGovernance,
} from '../../shared/shop/schemas.ts';
import { requireSession } from '../auth/session.ts';
import type { SessionUser } from '../auth/users.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, refusalProblem, validationProblem, type ProblemSlug } from '../http/problem.ts';
import { createProduct, runsShop, updateProduct, upsertShop } from './admin.ts';
import { findShop } from './catalog.ts';
import { readGovernance } from './governance.ts';
import { governanceRoutes } from './governance.routes.ts';
import type { ShopDeps } from './payment-flow.ts';
import { settlementCsv, settlementReport } from './report.ts';
import { paymentCallback } from './sweep.ts';

const SHOPS = SHOP_PATHS.shops;

/** Largest payment callback body, in bytes: it names one payment (about 60 bytes). */
export const PAYMENT_CALLBACK_BYTES_MAX = 4096;

/** Every refusal these routes answer. */
type ShopAdminRefusal = Exclude<
  Awaited<ReturnType<typeof settlementReport | typeof createProduct | typeof updateProduct | typeof paymentCallback | typeof upsertShop | typeof readGovernance>>,
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
  shop_name_taken: 'shop-name-taken',
  rules_above_caps: 'validation',
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

  const callbackBody = bodyLimit({
    maxSize: PAYMENT_CALLBACK_BYTES_MAX,
    onError: () => {
      throw new ProblemError('body-too-large', `a payment callback may have at most ${PAYMENT_CALLBACK_BYTES_MAX} bytes`);
    },
  });
  app.post(SHOP_PATHS.paymentCallback, callbackBody, async (c) => {
    // The signature covers the raw bytes: checked before the body is parsed or anything is looked up.
    const raw = await c.req.text();
    if (!deps.payments.verifyCallback(raw, c.req.header(PAYMENT_SIGNATURE_HEADER))) {
      throw new ProblemError('callback-signature-invalid', `a payment callback must carry the provider's signature of its body in ${PAYMENT_SIGNATURE_HEADER}`);
    }
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
    const r = await upsertShop(store, shopId, req, now());
    if (r.status === 'shop_name_taken' || r.status === 'rules_above_caps') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    return c.json(r.shop satisfies Shop, r.status === 'created' ? 201 : 200);
  });

  app.get(`${SHOPS}/:shopId/governance`, signedIn, async (c) => {
    const shopId = c.req.param('shopId');
    assertRunsShop(c.var.user, shopId);
    const r = await readGovernance(store.db, shopId);
    if (r.status !== 'ok') throw refusalProblem(SHOP_ADMIN_PROBLEMS, r);
    return c.json(r.governance satisfies ShopGovernance);
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

  app.route('/', governanceRoutes(deps));
  return app;
}
