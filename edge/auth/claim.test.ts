import { describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { makeTestApp, snapshot as wholeSnapshot } from '../testing.ts';
import { ORIGIN, PASSWORD, browser, problemOf } from './test-browser.ts';

/** Credits points to a volunteer as validated work does (a ledger transfer). */
async function credit(t: Awaited<ReturnType<typeof makeTestApp>>, volunteerId: string, amount: number) {
  const [status] = await ledgerOf(t.store).createTransfers(
    [{ id: `test-credit-${volunteerId}-${amount}`, debit: ACCOUNTS.pointsIssued.id, credit: ACCOUNTS.volunteerPoints(volunteerId).id, amount, code: 'unit_credit' }],
    t.clock.now,
  );
  expect(status).toBe('ok');
}

/**
 * The database without the sign-in attempt counters: a wrong password is counted there on
 * purpose (login-limiter.ts), and nothing else may change.
 */
async function snapshot(store: Awaited<ReturnType<typeof makeTestApp>>['store']) {
  const { login_attempts: _counted, ...rest } = await wholeSnapshot(store);
  return rest;
}

async function anonymous(t: Awaited<ReturnType<typeof makeTestApp>>) {
  const b = browser(t.app);
  const { volunteerId, token } = await b.api().createVolunteer();
  return { b, volunteerId, token };
}

describe('claiming an anonymous volunteer identity', () => {
  it('keeps the volunteer id and its points, and a second device sees the same volunteer', async () => {
    const t = await makeTestApp();
    const { b, volunteerId, token } = await anonymous(t);
    await credit(t, volunteerId, 42);
    expect((await b.api(token).me()).points).toBe(42);

    const user = await b.auth.claim(token, { email: 'Vi@Example.org', password: PASSWORD });
    expect(user).toMatchObject({ email: 'vi@example.org', roles: ['volunteer'], volunteerId, customerId: null, shopId: null });
    expect(await b.auth.me()).toEqual(user);
    // On this device the session reaches the same points; the anonymous token no longer works.
    expect(await b.api().me()).toMatchObject({ volunteerId, points: 42 });
    expect(await problemOf(b.api(token).me())).toMatchObject({ status: 401, detail: expect.stringMatching(/claimed.*sign in/) });

    // A second device: no token, only the e-mail and password.
    const other = browser(t.app);
    expect((await problemOf(other.api().me())).status).toBe(401);
    await other.auth.login({ email: 'vi@example.org', password: PASSWORD });
    expect(await other.api().me()).toMatchObject({ volunteerId, points: 42 });
    // requireVolunteer takes the session for work too.
    expect((await other.api().lease({ max: 1 })).leases).toEqual([]);
    await credit(t, volunteerId, 8);
    expect((await other.api().me()).points).toBe(50);
  });

  it('links the identity to an existing account with that account’s password', async () => {
    const t = await makeTestApp();
    const customer = await browser(t.app).auth.signup({ email: 'wu@example.org', password: PASSWORD, role: 'customer' });
    const { b, volunteerId, token } = await anonymous(t);
    const before = await snapshot(t.store);
    const wrong = await problemOf(b.auth.claim(token, { email: 'wu@example.org', password: 'another password' }));
    expect(wrong).toMatchObject({ status: 401, type: '/problems/invalid-credentials' });
    expect(await snapshot(t.store)).toEqual(before);

    const linked = await b.auth.claim(token, { email: 'wu@example.org', password: PASSWORD });
    expect(linked).toEqual({ ...customer, roles: ['customer', 'volunteer'], volunteerId });
  });

  it('refuses a claimed identity, a taken e-mail and a missing token with distinct problems, changing nothing', async () => {
    const t = await makeTestApp();
    const first = await anonymous(t);
    await first.b.auth.claim(first.token, { email: 'xi@example.org', password: PASSWORD });
    const second = await anonymous(t);
    const before = await snapshot(t.store);

    // The claimed identity's token is retired: claiming again with it is not authenticated.
    const again = await problemOf(first.b.auth.claim(first.token, { email: 'other@example.org', password: PASSWORD }));
    expect(again).toMatchObject({ status: 401, type: '/problems/unauthenticated', detail: expect.stringMatching(/claimed/) });
    // The account of xi@ owns a volunteer already: the second identity cannot join it.
    const taken = await problemOf(second.b.auth.claim(second.token, { email: 'xi@example.org', password: PASSWORD }));
    expect(taken).toMatchObject({ status: 409, type: '/problems/email-taken' });
    const wrong = await problemOf(second.b.auth.claim(second.token, { email: 'xi@example.org', password: 'a wrong password' }));
    expect(wrong).toMatchObject({ status: 401, type: '/problems/invalid-credentials' });

    for (const headers of [{}, { authorization: 'Bearer v_nobody.secret' }, { authorization: 'Basic eDp5' }] as Record<string, string>[]) {
      const res = await second.b.fetch(`${ORIGIN}/api/auth/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: 'yo@example.org', password: PASSWORD }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    // A signed-in session is not a token: the claim still needs the anonymous identity's.
    const session = browser(t.app);
    await session.auth.login({ email: 'xi@example.org', password: PASSWORD });
    const withSession = await session.fetch(`${ORIGIN}/api/auth/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'zu@example.org', password: PASSWORD }),
    });
    expect(withSession.status).toBe(401);
    const after = await snapshot(t.store);
    // Signing in on `session` added its row; nothing else changed.
    expect({ ...after, sessions: after.sessions!.length }).toEqual({ ...before, sessions: before.sessions!.length + 1 });
  });
});
