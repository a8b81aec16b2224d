/**
 * @module Authentication middleware: a volunteer's token or a customer's API key, presented
 * as `Authorization: Bearer <id>.<secret>`; without that header, the session cookie of a
 * signed-in user whose account owns a volunteer or customer identity (edge/auth/session.ts).
 * An anonymous volunteer's token stops working when an account claims the identity: from
 * then on only that account's session acts for it, so a token copied before the claim is
 * worth nothing.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Store } from '../db/index.ts';
import { ProblemError } from '../http/problem.ts';
import { sessionUserOf } from './session.ts';
import { parseToken, secretMatches } from './tokens.ts';
import { CLAIMED_TOKEN_HASH } from './volunteers.ts';

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
/**
 * How long a cached token hash is trusted before it is read again: a claim replaces the hash
 * (the account's session takes over), and another edge node sharing the database learns it
 * within this time. The node that took the claim forgets its entry at once.
 */
export const TOKEN_HASH_CACHE_TTL_MS = 5_000;
const tokenHashes = new WeakMap<Store, Map<string, { hash: string; readAt: number }>>();

/**
 * A volunteer's stored token hash ({@link CLAIMED_TOKEN_HASH} once an account claimed it).
 * Cached for {@link TOKEN_HASH_CACHE_TTL_MS} (the presented secret is still checked against
 * it on every request); unknown ids are not cached.
 */
async function volunteerTokenHash(store: Store, id: string): Promise<string | undefined> {
  let cache = tokenHashes.get(store);
  if (!cache) tokenHashes.set(store, (cache = new Map()));
  const at = performance.now();
  const cached = cache.get(id);
  if (cached && at - cached.readAt < TOKEN_HASH_CACHE_TTL_MS) return cached.hash;
  const row = await store.db.selectFrom('volunteers').select('token_hash').where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  if (cache.size >= TOKEN_HASH_CACHE_MAX) cache.clear();
  cache.set(id, { hash: row.token_hash, readAt: at });
  return row.token_hash;
}

/** Forgets a volunteer's cached token hash (its identity was just claimed on this node). */
export function forgetVolunteerToken(store: Store, id: string): void {
  tokenHashes.get(store)?.delete(id);
}

/**
 * The anonymous volunteer an `Authorization: Bearer <token>` header names, or a 401 problem:
 * for a malformed header, an unknown token, and the token of an identity an account claimed
 * (saying so: its session acts for it now).
 */
export async function volunteerOfBearer(store: Store, header: string): Promise<string> {
  const { id, secret } = bearer(header);
  const tokenHash = await volunteerTokenHash(store, id);
  if (tokenHash === CLAIMED_TOKEN_HASH) {
    throw new ProblemError('unauthenticated', `volunteer ${id} was claimed by an account, and its anonymous token no longer works: sign in to that account (its session does the work now)`);
  }
  if (!tokenHash || !secretMatches(secret, tokenHash)) throw new ProblemError('unauthenticated', 'unknown volunteer token');
  return id;
}

/** Requires a volunteer token, or a session whose account owns a volunteer; sets `volunteerId`. */
export function requireVolunteer(store: Store) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireVolunteer(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.set('volunteerId', await fromSession(c, store, 'volunteerId', 'volunteer'));
      return next();
    }
    c.set('volunteerId', await volunteerOfBearer(store, header));
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
