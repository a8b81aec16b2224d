/**
 * @module The operator's routes over shops (edge/shop/governance.ts): the value of a point
 * (anyone reads it, the operator sets it), the list of shops with their status, caps and
 * outstanding discounts, and per shop its caps and its approval. A shop's own view of its
 * governance is in shop-admin.routes.ts. Refusals map to problems in {@link GOVERNANCE_PROBLEMS}.
 */
import { Hono } from 'hono';
import {
  PointValueRequestSchema,
  SHOP_PATHS,
  ShopCapsSchema,
  ShopStatusRequestSchema,
  type PointValue,
  type ShopGovernance,
} from '../../shared/shop/schemas.ts';
import { createMiddleware } from 'hono/factory';
import { requireOperator } from '../auth/operator.ts';
import { requireSession } from '../auth/session.ts';
import type { Store } from '../db/index.ts';
import { readJson } from '../http/body.ts';
import { refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { readPointValue } from './catalog.ts';
import { listGovernance, setPointValue, setShopCaps, setShopStatus, toPointValue } from './governance.ts';

/** Every refusal these routes answer. */
type GovernanceRefusal = Exclude<Awaited<ReturnType<typeof setShopCaps | typeof setShopStatus>>, { status: 'ok' }>;

/** The problem type of each refusal of the operator's shop routes. */
const GOVERNANCE_PROBLEMS = {
  shop_not_found: 'shop-not-found',
  caps_above_point_value: 'validation',
} as const satisfies Record<GovernanceRefusal['status'], ProblemSlug>;

/** The operator's shop routes (mounted by shopAdminRoutes). */
export function governanceRoutes(deps: { store: Store; now: () => number }) {
  const { store, now } = deps;
  const app = new Hono();
  // The operator's token (OPERATOR_TOKEN, as for licenses and reception's status: no sign-up
  // makes an account with the operator role), or the session of an account that has the role.
  const session = requireSession(store, 'operator');
  const token = requireOperator();
  const operator = createMiddleware(async function operatorAccess(c, next) {
    return /^Bearer /.test(c.req.header('authorization') ?? '') ? token(c, next) : session(c, next);
  });

  app.get(SHOP_PATHS.pointValue, async (c) => c.json(toPointValue(await readPointValue(store.db)) satisfies PointValue));

  app.put(SHOP_PATHS.pointValue, operator, async (c) => {
    const { minorPerPoint } = await readJson(c, PointValueRequestSchema);
    return c.json((await setPointValue(store, minorPerPoint, now())) satisfies PointValue);
  });

  app.get(SHOP_PATHS.shops, operator, async (c) => c.json({ shops: (await listGovernance(store.db)) satisfies ShopGovernance[] }));

  app.put(`${SHOP_PATHS.shops}/:shopId/caps`, operator, async (c) => {
    const caps = await readJson(c, ShopCapsSchema);
    const r = await setShopCaps(store, c.req.param('shopId'), caps);
    if (r.status !== 'ok') throw refusalProblem(GOVERNANCE_PROBLEMS, r);
    return c.json(r.governance satisfies ShopGovernance);
  });

  app.put(`${SHOP_PATHS.shops}/:shopId/status`, operator, async (c) => {
    const { status } = await readJson(c, ShopStatusRequestSchema);
    const r = await setShopStatus(store, c.req.param('shopId'), status);
    if (r.status !== 'ok') throw refusalProblem(GOVERNANCE_PROBLEMS, r);
    return c.json(r.governance satisfies ShopGovernance);
  });

  return app;
}
