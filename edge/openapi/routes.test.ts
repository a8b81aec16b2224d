/**
 * @module Every route the app really has is in the API document, and the document lists no
 * route the app does not have. The routes are read from Hono itself (`app.routes`) on an app
 * built as `npm start` builds it with role `all` (reception and a node in one process), which
 * mounts every route any role has: reception's and the node's admission routes come only
 * with a reception mount (edge/reception/mount.ts). A new route fails this test until it is
 * documented in edge/openapi/operations.ts.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { readConfig } from '../config.ts';
import { startReception } from '../reception/roles.ts';
import { makeTestApp } from '../testing.ts';
import { openApiDocument } from './document.ts';

/** `METHOD /path/{param}` of a Hono route (`:param`, with an optional `{regex}`, becomes `{param}`). */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`;
}

/**
 * The routes of an app with handlers. `app.use` middleware is listed by Hono with method
 * `ALL` (CSRF, authentication, CORS, the admission checks), and so is the one catch-all
 * `app.all('/api/*')` that answers 404 problems for unknown paths: neither is an operation.
 * The web app's static files (`webDir`) are not API and are not mounted here.
 */
export function appRoutes(app: { routes: { method: string; path: string }[] }): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => routeKey(r.method, r.path)))].sort();
}

describe('route coverage of the API document', () => {
  it('documents every route of the app, and only those', async () => {
    const t = await makeTestApp();
    const roles = startReception(readConfig({ EDGE_ROLE: 'all', PORT: '9999' }));
    onTestFinished(async () => {
      roles.stop();
      await t.store.close();
    });
    const app = createApp({ store: t.store, kernels: t.kernels, reception: roles.mount });
    const routes = appRoutes(app);
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => routeKey(m, path)))
      .sort();
    const undocumented = routes.filter((r) => !documented.includes(r));
    const phantom = documented.filter((r) => !routes.includes(r));
    expect(undocumented, 'routes the app has and the document lacks: add them to edge/openapi/operations.ts').toEqual([]);
    expect(phantom, 'operations the document lists and the app does not have').toEqual([]);
    // Guards the guard: the listing really reads the app (reception's routes included).
    expect(routes).toContain('POST /api/reception/admit');
    expect(routes).toContain('PUT /api/work/leases/{leaseId}/result');
    expect(routes.length).toBeGreaterThan(60);
  });

});
