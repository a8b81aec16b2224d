/**
 * @module Sentences for what went wrong in a sign-in, sign-up or claim, chosen by the
 * server's problem type (RFC 9457), so every message is written once, in strings.ts.
 */
import { ApiError } from '../../../shared/api/client.ts';
import { PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN } from '../../../shared/limits.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { ACCOUNT_TEXT } from './strings.ts';

export type AuthAction = 'signup' | 'login' | 'claim';

/** One readable sentence for a failed auth call. */
export function authErrorText(err: unknown, action: AuthAction): string {
  const problem = problemOf(err);
  const t = ACCOUNT_TEXT.errors;
  switch (problem?.type) {
    case '/problems/invalid-credentials':
      return t.invalidCredentials;
    case '/problems/email-taken':
      return action === 'claim' ? t.emailTakenClaim : t.emailTaken;
    case '/problems/already-claimed':
      return t.alreadyClaimed;
    case '/problems/too-many-attempts':
      return t.tooManyAttempts(err instanceof ApiError ? err.retryAfterS : undefined);
    case '/problems/cross-site-request':
      return t.crossSite;
    case '/problems/validation': {
      const fields = new Set(problem.errors?.map((e) => e.path.split('.')[0]));
      if (fields.has('email')) return t.email;
      if (fields.has('password')) return t.password(PASSWORD_CHARS_MIN, PASSWORD_CHARS_MAX);
      return describeError(err);
    }
    default:
      return describeError(err);
  }
}

/** The first field error of a request the page is about to send, or undefined. */
export function fieldErrorText(issues: { path: PropertyKey[] }[]): string | undefined {
  const field = issues[0]?.path[0];
  if (field === undefined) return undefined;
  return field === 'email' ? ACCOUNT_TEXT.errors.email : ACCOUNT_TEXT.errors.password(PASSWORD_CHARS_MIN, PASSWORD_CHARS_MAX);
}
