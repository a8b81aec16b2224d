import { describe, expect, it } from 'vitest';
import { PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN } from '../../shared/limits.ts';
import { makeTestApp, snapshot } from '../testing.ts';
import { ORIGIN, PASSWORD, browser } from './test-browser.ts';

interface Case {
  name: string;
  path: string;
  body: string;
  status: number;
  type: string;
  contentType?: string;
  /** Send the anonymous volunteer's token (claims). */
  token?: boolean;
}

const json = JSON.stringify;
const ok = { email: 'new@example.org', password: PASSWORD };

const CASES: Case[] = [
  { name: 'malformed JSON', path: '/api/auth/signup', body: '{"email": ', status: 400, type: 'malformed-json' },
  { name: 'not JSON at all', path: '/api/auth/signup', body: json({ ...ok, role: 'customer' }), contentType: 'text/html', status: 415, type: 'unsupported-media-type' },
  { name: 'an array', path: '/api/auth/signup', body: '[]', status: 422, type: 'validation' },
  { name: 'email of the wrong type', path: '/api/auth/signup', body: json({ ...ok, email: 3, role: 'customer' }), status: 422, type: 'validation' },
  { name: 'not an e-mail', path: '/api/auth/signup', body: json({ ...ok, email: 'ada at example', role: 'customer' }), status: 422, type: 'validation' },
  { name: 'an over-long e-mail', path: '/api/auth/signup', body: json({ ...ok, email: `${'a'.repeat(250)}@example.org`, role: 'customer' }), status: 422, type: 'validation' },
  { name: 'a short password', path: '/api/auth/signup', body: json({ ...ok, password: 'x'.repeat(PASSWORD_CHARS_MIN - 1), role: 'customer' }), status: 422, type: 'validation' },
  { name: 'a long password', path: '/api/auth/signup', body: json({ ...ok, password: 'x'.repeat(PASSWORD_CHARS_MAX + 1), role: 'customer' }), status: 422, type: 'validation' },
  { name: 'password of the wrong type', path: '/api/auth/signup', body: json({ ...ok, password: 1234567890123, role: 'customer' }), status: 422, type: 'validation' },
  { name: 'the operator role', path: '/api/auth/signup', body: json({ ...ok, role: 'operator' }), status: 422, type: 'validation' },
  { name: 'no role', path: '/api/auth/signup', body: json(ok), status: 422, type: 'validation' },
  { name: 'an unknown field', path: '/api/auth/signup', body: json({ ...ok, role: 'customer', admin: true }), status: 422, type: 'validation' },
  { name: 'a taken e-mail', path: '/api/auth/signup', body: json({ email: ' TAKEN@example.org', password: PASSWORD, role: 'volunteer' }), status: 409, type: 'email-taken' },
  { name: 'login: malformed JSON', path: '/api/auth/login', body: '{', status: 400, type: 'malformed-json' },
  { name: 'login: no password', path: '/api/auth/login', body: json({ email: 'taken@example.org' }), status: 422, type: 'validation' },
  { name: 'login: empty password', path: '/api/auth/login', body: json({ email: 'taken@example.org', password: '' }), status: 422, type: 'validation' },
  { name: 'claim: a short password', path: '/api/auth/claim', body: json({ ...ok, password: 'short' }), status: 422, type: 'validation', token: true },
  { name: 'claim: malformed JSON', path: '/api/auth/claim', body: 'nope', status: 400, type: 'malformed-json', token: true },
  { name: 'claim: a role', path: '/api/auth/claim', body: json({ ...ok, role: 'customer' }), status: 422, type: 'validation', token: true },
];

describe('bad input gets a problem and changes nothing', () => {
  it.each(CASES)('$name → $status $type', async (c) => {
    const t = await makeTestApp();
    const b = browser(t.app);
    await b.auth.signup({ email: 'taken@example.org', password: PASSWORD, role: 'customer' });
    const { token } = await b.api().createVolunteer();
    const before = await snapshot(t.store);
    const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/json' };
    if (c.token) headers.authorization = `Bearer ${token}`;
    const res = await b.fetch(`${ORIGIN}${c.path}`, { method: 'POST', headers, body: c.body });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ type: `/problems/${c.type}`, status: c.status });
    expect(await snapshot(t.store)).toEqual(before);
  });

  it('names the field that is wrong', async () => {
    const t = await makeTestApp();
    const res = await t.app.request(`${ORIGIN}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: json({ email: 'ok@example.org', password: 'short', role: 'customer' }),
    });
    const problem = await res.json();
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['password']);
  });
});
