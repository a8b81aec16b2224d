/**
 * @module Operator authentication (license administration, reception's status), for now:
 * HTTP middleware checking the bearer token in the OPERATOR_TOKEN environment variable. A
 * stand-in until operator sessions exist; then `requireSession(store, 'operator')` replaces
 * {@link requireOperator}, and only its uses change.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { ProblemError } from '../http/problem.ts';

/** Shortest OPERATOR_TOKEN accepted: a short shared secret could be guessed. */
const OPERATOR_TOKEN_CHARS_MIN = 16;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Requires `Authorization: Bearer <OPERATOR_TOKEN>`. The variable is read per request; when
 * it is unset or too short, every operator request is refused.
 * @example
 * app.post('/api/licenses/:id/revoke', requireOperator(), handler);
 */
export function requireOperator(env: NodeJS.ProcessEnv = process.env) {
  return createMiddleware(async function requireOperator(c, next) {
    const expected = env.OPERATOR_TOKEN ?? '';
    if (expected.length < OPERATOR_TOKEN_CHARS_MIN) {
      throw new ProblemError('unauthenticated', `operator access is off: set OPERATOR_TOKEN (at least ${OPERATOR_TOKEN_CHARS_MIN} characters)`);
    }
    const presented = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    // Compare digests in constant time: neither the token nor its length leaks through timing.
    if (!timingSafeEqual(digest(presented), digest(expected))) throw new ProblemError('unauthenticated', 'send Authorization: Bearer <operator token>');
    await next();
  });
}
