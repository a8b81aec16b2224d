/**
 * @module What the web app needs to go through reception from a browser: a config route
 * telling the page whether admission is required and where reception is, CORS for the
 * configured app origins (pages served by another edge, e.g. reception, call nodes across
 * origins), and the origins the page's Content-Security-Policy must let it connect to.
 *
 * CORS and cookies: CORS is granted, with credentials, only to the origins in `APP_ORIGINS`
 * (the operator's own app), never by reflecting any Origin. A cross-origin page anywhere
 * else still gets no Access-Control-Allow-* header, so it can neither read answers nor send
 * a non-"simple" request (JSON, octet-stream) at all, and edge/auth/csrf.ts still refuses its
 * simple requests that carry the session cookie. Credentials are allowed because shop
 * checkout is authenticated by the session cookie (SameSite=Lax: sent to nodes on the same
 * site); bearer-token routes (volunteer work, job submission) would not need them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type ReceptionConfig } from '../../shared/reception/schemas.ts';
import type { ReceptionMount } from './mount.ts';

/** How long a browser may cache a preflight answer, in seconds (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_S = 600;

/** What this edge tells the web app about admission. */
export function receptionConfigOf(mount: ReceptionMount | undefined): ReceptionConfig {
  if (!mount) return { required: false, receptionUrl: '' };
  // Reception alone serves no work, so everything the page does there needs admission.
  const required = mount.node ? mount.node.required : mount.reception !== undefined;
  return { required, receptionUrl: mount.browser?.receptionUrl ?? '' };
}

/** `GET /api/reception/config`, on every role. */
export function receptionConfigRoutes(mount: ReceptionMount | undefined) {
  const app = new Hono();
  const config = receptionConfigOf(mount);
  app.get(RECEPTION_PATHS.config, (c) => {
    c.header('cache-control', 'no-store');
    return c.json(config);
  });
  return app;
}

/**
 * CORS for the configured app origins on the API and the kernels: only the methods and
 * headers the app sends. Does nothing for other origins, or when none is configured.
 * @example
 * app.use('*', corsForApp(['https://app.example']));
 */
export function corsForApp(appOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(appOrigins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['content-type', 'authorization', 'accept', CLIENT_KEY_HEADER, ADMISSION_HEADER],
    exposeHeaders: ['retry-after'],
    credentials: true,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
  return async function corsForApp(c, next) {
    const origin = c.req.header('origin');
    const path = c.req.path;
    if (allowed.size === 0 || !origin || !allowed.has(origin) || !(path.startsWith('/api/') || path.startsWith('/kernels/'))) return next();
    return handler(c, next);
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The origins, besides the page's own, that its `connect-src` must allow: reception when it
 * is elsewhere, and every node reception knows, as of this response (a node that joined is
 * allowed from the next page load on). Space-separated, for a CSP directive. Every response
 * carries the CSP, so the origins are worked out again only when the node list changed.
 */
export function connectSrcOf(mount: ReceptionMount | undefined): (c: Context) => string {
  const reception = mount?.browser?.receptionUrl ? originOf(mount.browser.receptionUrl) : undefined;
  let known: { key: string; origins: string[] } | undefined;
  const origins = (): string[] => {
    const urls = mount?.reception?.reception.nodeUrls() ?? [];
    const key = urls.join(' ');
    if (known?.key === key) return known.origins;
    const set = new Set<string>(reception ? [reception] : []);
    for (const url of urls) {
      const origin = originOf(url);
      if (origin) set.add(origin);
    }
    known = { key, origins: [...set] };
    return known.origins;
  };
  return function connectSrc(c: Context): string {
    const self = new URL(c.req.url).origin;
    return origins()
      .filter((o) => o !== self)
      .join(' ');
  };
}
