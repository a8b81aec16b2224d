/**
 * @module CSRF protection for cookie-authenticated requests: hono/csrf's Origin (and
 * Sec-Fetch-Site) check on every state-changing request that carries the session cookie
 * and no Authorization header, and on every sign-in route (login CSRF).
 *
 * hono/csrf checks the content types a cross-site HTML form or a CORS-"simple" request can
 * send (form encodings, text/plain, none). Other types (application/json,
 * application/octet-stream) can only be sent cross-site after a CORS preflight, which this
 * API grants only to the operator's own app origins (`APP_ORIGINS`, edge/reception/browser.ts:
 * pages served by reception calling nodes); every other origin gets no Access-Control-Allow-*
 * header. Granting CORS to any other origin would require checking every content type here.
 */
import { createMiddleware } from 'hono/factory';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { AUTH_PATHS } from '../../shared/auth/schemas.ts';
import { ProblemError } from '../http/problem.ts';
import { hasSessionCookie } from './session.ts';

const AUTH_PREFIX = AUTH_PATHS.me.slice(0, AUTH_PATHS.me.lastIndexOf('/') + 1);

/**
 * Refuses cross-site state-changing requests that the browser would authenticate with the
 * session cookie: 403 `cross-site-request`. Register before every route it protects.
 * @example
 * app.use('/api/*', csrfForSessions());
 */
export function csrfForSessions() {
  const check = csrf();
  return createMiddleware(async function csrfForSessions(c, next) {
    // A bearer credential is not ambient: a cross-site page cannot make the browser send it.
    const applies = c.req.header('authorization') === undefined && (hasSessionCookie(c) || c.req.path.startsWith(AUTH_PREFIX));
    if (applies) {
      let passed = false;
      try {
        await check(c, async () => {
          passed = true;
        });
      } catch (err) {
        if (!passed && err instanceof HTTPException && err.status === 403) {
          throw new ProblemError('cross-site-request', `requests from ${c.req.header('origin') ?? 'an unknown origin'} may not use this site's session`);
        }
        throw err;
      }
    }
    await next();
  });
}
