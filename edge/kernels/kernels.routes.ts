/**
 * @module The kernel routes: the list of kernels this edge offers (edge/kernels/registry.ts
 * checked each one) and their module files, served with their hash as ETag.
 */
import { Hono } from 'hono';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { ProblemError } from '../http/problem.ts';
import type { KernelRegistry } from './registry.ts';

/** What the kernel routes are built from (the composition root's deps have it all). */
export interface KernelRoutesDeps {
  kernels: KernelRegistry;
}

/**
 * `GET /api/kernels` and the module files themselves.
 * @example
 * app.route('/', kernelRoutes(deps));
 */
export function kernelRoutes({ kernels: registry }: KernelRoutesDeps) {
  const app = new Hono();
  const byFile = new Map([...registry.entries.values()].map((e) => [e.file, e]));

  app.get(API_PATHS.kernels, (c) =>
    c.json({
      kernels: [...registry.entries.values()].map(({ id, version, title, sha256, bytes, url }) => ({ id, version, title, sha256, bytes, url })),
    }),
  );

  app.get('/kernels/:file', (c) => {
    const entry = byFile.get(c.req.param('file'));
    if (!entry) throw new ProblemError('not-found', `no kernel file ${c.req.param('file')}`);
    const etag = `"${entry.sha256}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(entry.bytesOnDisk as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/wasm',
      etag,
      // Revalidate every time: a rebuilt kernel keeps its file name but not its hash.
      'cache-control': 'no-cache',
    });
  });

  return app;
}
