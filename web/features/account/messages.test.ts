import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/client.ts';
import { SignupRequestSchema } from '../../../shared/auth/schemas.ts';
import { authErrorText, fieldErrorText } from './messages.ts';
import { ACCOUNT_TEXT } from './strings.ts';

const problem = (slug: string, status: number, errors?: { path: string; message: string }[], retryAfterS?: number) =>
  new ApiError({ type: `/problems/${slug}`, title: slug, status, errors }, retryAfterS);

describe('auth error sentences', () => {
  it('chooses the sentence by problem type and action', () => {
    const t = ACCOUNT_TEXT.errors;
    expect(authErrorText(problem('invalid-credentials', 401), 'login')).toBe(t.invalidCredentials);
    expect(authErrorText(problem('email-taken', 409), 'signup')).toBe(t.emailTaken);
    expect(authErrorText(problem('email-taken', 409), 'claim')).toBe(t.emailTakenClaim);
    expect(authErrorText(problem('already-claimed', 409), 'claim')).toBe(t.alreadyClaimed);
    expect(authErrorText(problem('too-many-attempts', 429), 'login')).toBe('Too many failed attempts. Wait a little and try again.');
    // The wait the server asked for (Retry-After), in seconds or minutes.
    expect(authErrorText(problem('too-many-attempts', 429, undefined, 8), 'login')).toBe('Too many failed attempts. Try again in 8 s.');
    expect(authErrorText(problem('too-many-attempts', 429, undefined, 900), 'login')).toBe('Too many failed attempts. Try again in 15 min.');
    expect(authErrorText(problem('validation', 422, [{ path: 'password', message: 'too short' }]), 'signup')).toContain('10 to 200');
    expect(authErrorText(problem('internal', 500), 'login')).toContain('500');
    expect(authErrorText(new TypeError('Failed to fetch'), 'login')).toContain('Could not reach the server');
  });

  it('names the first invalid field of a request before it is sent', () => {
    const bad = SignupRequestSchema.safeParse({ email: 'x', password: 'short', role: 'customer' });
    expect(bad.success).toBe(false);
    expect(fieldErrorText(bad.error!.issues)).toBe(ACCOUNT_TEXT.errors.email);
    const shortPw = SignupRequestSchema.safeParse({ email: 'a@example.org', password: 'short', role: 'customer' });
    expect(fieldErrorText(shortPw.error!.issues)).toContain('10 to 200');
    expect(fieldErrorText([])).toBeUndefined();
  });
});
