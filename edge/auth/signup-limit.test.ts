import { describe, expect, it } from 'vitest';
import { AUTH_PATHS } from '../../shared/auth/schemas.ts';
import { makeTestApp, snapshot } from '../testing.ts';
import { IDENTITIES_PER_ORIGIN_PER_HOUR_MAX } from './identity-limiter.ts';

/** A sign-up as a browser on `address` sends it (the socket address the edge reads the network from). */
function signup(app: Awaited<ReturnType<typeof makeTestApp>>['app'], address: string, email: string) {
  return app.request(
    AUTH_PATHS.signup,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery', role: 'volunteer' }) },
    { incoming: { socket: { remoteAddress: address }, readableEnded: true } },
  );
}

describe('sign-up under the per-network bound of new identities', () => {
  it('refuses a sign-up past the bound with 429 and Retry-After, creating nothing; another network still signs up', async () => {
    const t = await makeTestApp();
    for (let i = 0; i < IDENTITIES_PER_ORIGIN_PER_HOUR_MAX; i++) expect((await signup(t.app, '192.0.2.7', `v${i}@example.org`)).status).toBe(201);
    const before = await snapshot(t.store);
    const refused = await signup(t.app, '192.0.2.99', 'one-more@example.org');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { type: string }).type).toBe('/problems/too-many-identities');
    expect(await snapshot(t.store)).toEqual(before);
    expect((await signup(t.app, '198.51.100.7', 'elsewhere@example.org')).status).toBe(201);
  });
});
