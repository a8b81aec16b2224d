/**
 * @module The edge application: every route, the one error handler, body limits and secure
 * headers. Built from its dependencies so tests drive it in-process with `app.request()`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { CUSTOMER_TRIAL_CREDIT_MINOR } from '../shared/limits.ts';
import type { IceServer } from '../shared/groups/schemas.ts';
import { accountRoutes } from './accounts/accounts.routes.ts';
import { creditRoutes } from './accounts/credits.routes.ts';
import type { Store } from './db/index.ts';
import type { AppDeps } from './deps.ts';
import { PROBLEMS, ProblemError, isProblemSlug, onError, problemResponse, problemType } from './http/problem.ts';
import { groupRoutes } from './groups/groups.routes.ts';
import { jobRoutes } from './jobs/jobs.routes.ts';
import { billingRoutes } from './jobs/billing.routes.ts';
import { openApiRoutes } from './openapi/openapi.routes.ts';
import type { KernelRegistry } from './kernels/registry.ts';
import { kernelRoutes } from './kernels/kernels.routes.ts';
import { workRoutes } from './coordinator/work.routes.ts';
import { createCoordinator } from './coordinator/index.ts';
import type { VerifyPool } from './coordinator/verify/index.ts';
import { jobsPort } from './jobs/jobs.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { csrfForSessions } from './auth/csrf.ts';
import { licenseRoutes } from './licenses/licenses.routes.ts';
import { createSimulatedPayments, type PaymentProvider } from './shop/payments.ts';
import { shopRoutes } from './shop/shop.routes.ts';
import { mountReception, type ReceptionMount } from './reception/mount.ts';
import { connectSrcOf, corsForApp, receptionConfigRoutes } from './reception/browser.ts';

export interface AppOptions {
  store: Store;
  kernels: KernelRegistry;
  /** Folder of the built web app (`vite build`); the app is not served when absent. */
  webDir?: string;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Payment provider for shop checkouts. @default the built-in simulator */
  payments?: PaymentProvider;
  /** Randomness for spot checks of trusted volunteers, injectable for tests. @default Math.random */
  random?: () => number;
  /** Reception and admission, by the edge's role (edge/reception/mount.ts). @default none */
  reception?: ReceptionMount;
  /** Proxies whose X-Forwarded-For names the client (`TRUST_PROXY`). @default none */
  trustedProxies?: ReadonlySet<string>;
  /** The pool the server's own runs of units go to (tests pass a stand-in). @default a worker-thread pool, made on first use */
  verifyPool?: VerifyPool;
  /** This node's name (NODE_ID) on the verifications it claims. @default a random name */
  nodeId?: string;
  /**
   * `peers` turns server verification off (any quorum of equal results decides): only for the
   * trust bench's side-by-side run; main.ts never sets it. @default 'trust'
   */
  trustRule?: 'trust' | 'peers';
  /** Trial credit of a new customer account, minor units (`TRIAL_CREDIT_MINOR`). @default CUSTOMER_TRIAL_CREDIT_MINOR */
  trialCreditMinor?: number;
  /** STUN/TURN servers for groups (`GROUP_ICE_SERVERS`). @default none */
  groupIceServers?: readonly IceServer[];
  /** How long a request waits for the server's run of a unit (tests: longer). @default VERIFY_INLINE_WAIT_MS */
  verifyInlineWaitMs?: number;
}

/**
 * The Content-Security-Policy: WebAssembly may compile, no inline script or style runs; the
 * page connects to its own origin and, through reception, to the nodes (added per request).
 */
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  workerSrc: ["'self'"],
  styleSrc: ["'self'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

/**
 * @example
 * const app = createApp({ store, kernels });
 * const res = await app.request('/api/kernels');
 */
export function createApp(options: AppOptions) {
  return createEdge(options).app;
}

/**
 * The app and the coordinator behind it: the coordinator's background work (draining the
 * server's verifications) is started by whoever runs the edge (edge/main.ts), so apps built
 * in tests leave nothing running after their store closes.
 * @example
 * const { app, coordinator } = createEdge({ store, kernels });
 * coordinator.verifier.start();
 */
export function createEdge(options: AppOptions) {
  const { store, kernels } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const coordinator = createCoordinator({ store, kernels, jobs: jobsPort, random, now, ...(options.verifyPool ? { pool: options.verifyPool } : {}), ...(options.nodeId ? { nodeId: options.nodeId } : {}), rule: options.trustRule ?? 'trust', ...(options.verifyInlineWaitMs ? { inlineWaitMs: options.verifyInlineWaitMs } : {}) });
  const trustedProxies = options.trustedProxies ?? new Set<string>();
  const trialCreditMinor = options.trialCreditMinor ?? CUSTOMER_TRIAL_CREDIT_MINOR;
  const deps: AppDeps = { store, kernels, now, payments: options.payments ?? createSimulatedPayments(), random, coordinator, trustedProxies, trialCreditMinor, groupIceServers: options.groupIceServers ?? [] };
  const app = new Hono();
  app.onError(onError);
  // X-Frame-Options says what CSP frame-ancestors 'none' says, for browsers that only read the older header.
  app.use(secureHeaders({ contentSecurityPolicy: { ...CSP, connectSrc: [...CSP.connectSrc, connectSrcOf(options.reception)] }, crossOriginEmbedderPolicy: false, xFrameOptions: 'DENY' }));
  // Before every check, so a preflight is answered and refusals carry CORS headers for the app's origins.
  app.use('*', corsForApp(options.reception?.browser?.appOrigins ?? []));
  // Request bodies are bounded where they are read (edge/http/body.ts).
  app.use('/api/*', csrfForSessions());
  app.route('/', receptionConfigRoutes(options.reception));
  mountReception(app, options.reception);

  app.get('/api/health', (c) => c.json({ ok: true, dialect: store.dialect, kernels: [...kernels.entries.keys()] }));
  app.route('/', accountRoutes(deps));
  app.route('/', creditRoutes(deps));
  app.route('/', kernelRoutes(deps));
  app.route('/', jobRoutes(deps));
  app.route('/', billingRoutes(deps));
  app.route('/', openApiRoutes());
  app.route('/', workRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', shopRoutes(deps));
  app.route('/', licenseRoutes(deps));
  app.route('/', groupRoutes(deps));

  app.get('/problems/:slug', (c) => {
    const slug = c.req.param('slug');
    // An own key only: `__proto__`, `constructor` and `toString` are in every object, not problem types.
    if (!isProblemSlug(slug)) throw new ProblemError('not-found', `no problem type ${slug}`);
    return c.json({ type: problemType(slug), ...PROBLEMS[slug] });
  });
  // Every method on every path under /api that no route took (`/api` and `/api/` too), before
  // the web app below, which never answers for them. (`/api/../x` is `/x` once the URL is parsed.)
  app.all('/api/*', (c) => problemResponse(c, new ProblemError('not-found', `no route ${c.req.method} ${c.req.path}`).toProblem()));

  const webDir = options.webDir;
  if (webDir && existsSync(join(webDir, 'index.html'))) {
    app.use('/assets/*', serveStatic({ root: webDir, onFound: (_p, c) => c.header('cache-control', 'public, max-age=31536000, immutable') }));
    app.use('*', serveStatic({ root: webDir }));
    let indexHtml: Promise<string> | undefined;
    // Client-side routes (/volunteer, /customer …) all load the same page.
    app.get('*', async (c) => c.html(await (indexHtml ??= readFile(join(webDir, 'index.html'), 'utf8'))));
  }
  return { app, coordinator };
}
