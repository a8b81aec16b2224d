/**
 * @module Authentication middleware: a volunteer's token or a customer's API key, presented
 * as `Authorization: Bearer <id>.<secret>`; without that header, the session cookie of a
 * signed-in user whose account owns a volunteer or customer identity (edge/auth/session.ts).
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Store } from '../db/index.ts';
import { ProblemError } from '../http/problem.ts';
import { sessionUserOf } from './session.ts';
import { parseToken, secretMatches } from './tokens.ts';

export interface AuthVariables {
  volunteerId: string;
  customerId: string;
}

function bearer(header: string): { id: string; secret: string } {
  const m = /^Bearer (\S+)$/.exec(header);
  const parsed = m ? parseToken(m[1]!) : undefined;
  if (!parsed) throw new ProblemError('unauthenticated', 'send Authorization: Bearer <token>');
  return parsed;
}

/** The identity a session's account owns, or a problem: 401 signed out, 403 without one. */
async function fromSession(c: Context, store: Store, pick: 'volunteerId' | 'customerId', what: string): Promise<string> {
  const user = await sessionUserOf(c, store);
  if (!user) throw new ProblemError('unauthenticated', 'send Authorization: Bearer <token>, or sign in');
  const id = user[pick];
  if (!id) throw new ProblemError('forbidden', `the account of ${user.email} has no ${what} identity`);
  return id;
}

/** Volunteer token hashes kept in memory per store; a volunteer asks many times a minute. */
const TOKEN_HASH_CACHE_MAX = 50_000;
const tokenHashes = new WeakMap<Store, Map<string, string>>();

/**
 * A volunteer's stored token hash. Hashes never change once issued, so they are cached
 * (the presented secret is still checked against it on every request); unknown ids are not.
 */
async function volunteerTokenHash(store: Store, id: string): Promise<string | undefined> {
  let cache = tokenHashes.get(store);
  if (!cache) tokenHashes.set(store, (cache = new Map()));
  const cached = cache.get(id);
  if (cached) return cached;
  const row = await store.db.selectFrom('volunteers').select('token_hash').where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  if (cache.size >= TOKEN_HASH_CACHE_MAX) cache.clear();
  cache.set(id, row.token_hash);
  return row.token_hash;
}

/** Requires a volunteer token, or a session whose account owns a volunteer; sets `volunteerId`. */
export function requireVolunteer(store: Store) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireVolunteer(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.set('volunteerId', await fromSession(c, store, 'volunteerId', 'volunteer'));
      return next();
    }
    const { id, secret } = bearer(header);
    const tokenHash = await volunteerTokenHash(store, id);
    if (!tokenHash || !secretMatches(secret, tokenHash)) throw new ProblemError('unauthenticated', 'unknown volunteer token');
    c.set('volunteerId', id);
    await next();
  });
}

/** Requires a customer API key, or a session whose account owns a customer; sets `customerId`. */
export function requireCustomer(store: Store) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireCustomer(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.set('customerId', await fromSession(c, store, 'customerId', 'customer'));
      return next();
    }
    const { id, secret } = bearer(header);
    const row = await store.db.selectFrom('customers').select('key_hash').where('id', '=', id).executeTakeFirst();
    if (!row || !secretMatches(secret, row.key_hash)) throw new ProblemError('unauthenticated', 'unknown API key');
    c.set('customerId', id);
    await next();
  });
}
