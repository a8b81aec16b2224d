/**
 * @module Authentication middleware: a volunteer's token or a customer's API key, presented
 * as `Authorization: Bearer <id>.<secret>`.
 */
import { createMiddleware } from 'hono/factory';
import type { Store } from '../db/index.ts';
import { ProblemError } from '../http/problem.ts';
import { parseToken, secretMatches } from './tokens.ts';

export interface AuthVariables {
  volunteerId: string;
  customerId: string;
}

function bearer(header: string | undefined): { id: string; secret: string } {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  const parsed = m ? parseToken(m[1]!) : undefined;
  if (!parsed) throw new ProblemError('unauthenticated', 'send Authorization: Bearer <token>');
  return parsed;
}

/** Requires a volunteer token; sets `volunteerId`. */
export function requireVolunteer(store: Store) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireVolunteer(c, next) {
    const { id, secret } = bearer(c.req.header('authorization'));
    const row = await store.db.selectFrom('volunteers').select('token_hash').where('id', '=', id).executeTakeFirst();
    if (!row || !secretMatches(secret, row.token_hash)) throw new ProblemError('unauthenticated', 'unknown volunteer token');
    c.set('volunteerId', id);
    await next();
  });
}

/** Requires a customer API key; sets `customerId`. */
export function requireCustomer(store: Store) {
  return createMiddleware<{ Variables: AuthVariables }>(async function requireCustomer(c, next) {
    const { id, secret } = bearer(c.req.header('authorization'));
    const row = await store.db.selectFrom('customers').select('key_hash').where('id', '=', id).executeTakeFirst();
    if (!row || !secretMatches(secret, row.key_hash)) throw new ProblemError('unauthenticated', 'unknown API key');
    c.set('customerId', id);
    await next();
  });
}
