/**
 * @module Sessions: a random secret in a signed, HttpOnly, SameSite=Lax cookie; only its
 * SHA-256 is stored, as the session row's id. Expiry slides with use up to a hard lifetime;
 * sign-out deletes the row. {@link requireSession} and {@link optionalSession} put the
 * signed-in user on `c.var.user`. A request that carries an Authorization header is
 * authenticated by that header alone: its session cookie is ignored (and it is exempt from
 * the CSRF check, csrf.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../../shared/auth/schemas.ts';
import { SESSION_LIFETIME_MAX_MS, SESSION_TOUCH_INTERVAL_MS, SESSION_TTL_MS, SESSIONS_PER_USER_MAX } from '../../shared/limits.ts';
import { hashSecret } from './tokens.ts';
import type { Store } from '../db/index.ts';
import { ProblemError } from '../http/problem.ts';
import { inTransaction } from '../db/tx.ts';
import { getOrCreateSecret } from './secrets.ts';
import { toSessionUser, type SessionUser } from './users.ts';

/** The session cookie's name. */
export const SESSION_COOKIE = 'sc_session';
/** Randomness in a session secret. */
const SESSION_SECRET_BYTES = 32;
/** Shortest cookie-signing key accepted (HMAC-SHA256 wants at least 256 bits). */
const SIGNING_KEY_CHARS_MIN = 32;
/** Expired sessions deleted per sign-in, so the sweep stays short however many piled up. */
const SESSION_SWEEP_ROWS_MAX = 100;

/** Hono variables set by {@link requireSession}. */
export type SessionVariables = { user: SessionUser };
/** Hono variables set by {@link optionalSession}: no user when nobody is signed in. */
export type OptionalSessionVariables = { user?: SessionUser };

/**
 * The clock sessions of a store are timed by: the app's (authRoutes registers it), so tests
 * that move their clock move session expiry too. Middleware built from a store alone finds
 * it here.
 */
const clocks = new WeakMap<Store, () => number>();

/** Times the sessions of `store` by `now`. */
export function setSessionClock(store: Store, now: () => number): void {
  clocks.set(store, now);
}

function nowOf(store: Store): number {
  return (clocks.get(store) ?? Date.now)();
}

async function signingKey(store: Store): Promise<string> {
  const key = await getOrCreateSecret(store, 'session', () => randomBytes(32).toString('base64url'));
  if (key.length < SIGNING_KEY_CHARS_MIN) throw new Error(`SESSION_SECRET must have at least ${SIGNING_KEY_CHARS_MIN} characters`);
  return key;
}

/** True when the request carries a session cookie (valid or not). */
export function hasSessionCookie(c: Context): boolean {
  return getCookie(c, SESSION_COOKIE) !== undefined;
}

function isHttps(c: Context): boolean {
  // A spoofed X-Forwarded-Proto can only add `Secure`, which makes the cookie stricter.
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

async function setSessionCookie(c: Context, key: string, secret: string, ttlMs: number): Promise<void> {
  await setSignedCookie(c, SESSION_COOKIE, secret, key, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge: Math.max(0, Math.floor(ttlMs / 1000)),
  });
}

function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
}

/** The id of the session the request's cookie names, if the signature holds. */
async function presentedSessionId(c: Context, key: string): Promise<string | undefined> {
  if (!hasSessionCookie(c)) return undefined;
  const secret = await getSignedCookie(c, key, SESSION_COOKIE);
  return secret ? hashSecret(secret) : undefined;
}

/** Each request's session is read once, however many middlewares ask. */
const perRequest = new WeakMap<Request, Promise<SessionUser | undefined>>();

/**
 * The signed-in user of this request, or `undefined`. Moves a live session's expiry
 * forward (and re-sends the cookie) at most every SESSION_TOUCH_INTERVAL_MS; deletes an
 * expired one.
 */
export function sessionUserOf(c: Context, store: Store): Promise<SessionUser | undefined> {
  let found = perRequest.get(c.req.raw);
  if (!found) perRequest.set(c.req.raw, (found = readSession(c, store)));
  return found;
}

async function readSession(c: Context, store: Store): Promise<SessionUser | undefined> {
  if (c.req.header('authorization') !== undefined || !hasSessionCookie(c)) return undefined;
  const key = await signingKey(store);
  const secret = await getSignedCookie(c, key, SESSION_COOKIE);
  if (!secret) {
    clearSessionCookie(c);
    return undefined;
  }
  const id = hashSecret(secret);
  const row = await store.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.created_at', 's.expires_at', 's.last_seen_at', 'u.id', 'u.email', 'u.roles', 'u.volunteer_id', 'u.customer_id', 'u.shop_id'])
    .where('s.id', '=', id)
    .executeTakeFirst();
  const now = nowOf(store);
  if (!row || now >= Number(row.expires_at)) {
    if (row) await store.db.deleteFrom('sessions').where('id', '=', id).execute();
    clearSessionCookie(c);
    return undefined;
  }
  if (now - Number(row.last_seen_at) >= SESSION_TOUCH_INTERVAL_MS) {
    const expiresAt = Math.min(now + SESSION_TTL_MS, Number(row.created_at) + SESSION_LIFETIME_MAX_MS);
    await store.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
    await setSessionCookie(c, key, secret, expiresAt - now);
  }
  return toSessionUser(row);
}

/**
 * Signs `user` in on this response: a new session row and cookie. The session the request
 * presented (if any) ends, so a sign-in never keeps a session id chosen before it; expired
 * sessions are swept and the user's oldest beyond SESSIONS_PER_USER_MAX end.
 */
export async function startSession(c: Context, store: Store, user: SessionUser): Promise<void> {
  const now = nowOf(store);
  const key = await signingKey(store);
  const previous = await presentedSessionId(c, key);
  const secret = randomBytes(SESSION_SECRET_BYTES).toString('base64url');
  // Re-runnable: the secret is drawn before, and the cookie set after, the transaction.
  await inTransaction(store, async (trx) => {
    if (previous) await trx.deleteFrom('sessions').where('id', '=', previous).execute();
    await trx
      .deleteFrom('sessions')
      .where('id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('expires_at', '<=', now).limit(SESSION_SWEEP_ROWS_MAX))
      .execute();
    await trx
      .insertInto('sessions')
      .values({ id: hashSecret(secret), user_id: user.userId, created_at: now, expires_at: now + SESSION_TTL_MS, last_seen_at: now })
      .execute();
    const mine = await trx.selectFrom('sessions').select('id').where('user_id', '=', user.userId).orderBy('created_at', 'desc').orderBy('id').execute();
    const beyond = mine.slice(SESSIONS_PER_USER_MAX).map((s) => s.id);
    if (beyond.length > 0) await trx.deleteFrom('sessions').where('id', 'in', beyond).execute();
  });
  perRequest.set(c.req.raw, Promise.resolve(user));
  await setSessionCookie(c, key, secret, SESSION_TTL_MS);
}

/** Signs out: deletes the presented session's row and clears the cookie. */
export async function endSession(c: Context, store: Store): Promise<void> {
  const id = await presentedSessionId(c, await signingKey(store));
  if (id) await store.db.deleteFrom('sessions').where('id', '=', id).execute();
  perRequest.set(c.req.raw, Promise.resolve(undefined));
  clearSessionCookie(c);
}

/**
 * Requires a signed-in user (401 `unauthenticated`), holding `role` when given (403
 * `forbidden`); sets `c.var.user`.
 * @example
 * app.get('/api/shop/orders', requireSession(store, 'shop_operator'), (c) => c.json(c.var.user));
 */
export function requireSession(store: Store, role?: Role) {
  return createMiddleware<{ Variables: SessionVariables }>(async function requireSession(c, next) {
    const user = await sessionUserOf(c, store);
    if (!user) throw new ProblemError('unauthenticated', 'sign in first');
    if (role && !user.roles.includes(role)) throw new ProblemError('forbidden', `this needs the ${role} role`);
    c.set('user', user);
    await next();
  });
}

/**
 * Sets `c.var.user` when a user is signed in, and lets every request through.
 * @example
 * app.get('/api/shop/catalog', optionalSession(store), (c) => c.json({ signedIn: !!c.var.user }));
 */
export function optionalSession(store: Store) {
  return createMiddleware<{ Variables: OptionalSessionVariables }>(async function optionalSession(c, next) {
    const user = await sessionUserOf(c, store);
    if (user) c.set('user', user);
    await next();
  });
}
