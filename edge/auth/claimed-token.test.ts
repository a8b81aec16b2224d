/**
 * Anonymous volunteer tokens stop working once an account claims the identity (issue 15,
 * finding 6), on both dialects: the token, and any copy of it, answers 401 saying the
 * identity was claimed and to sign in; the account's session takes over the work, including
 * a lease taken with the token before the claim.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects } from '../testing.ts';
import { ORIGIN, PASSWORD, browser, problemOf } from './test-browser.ts';

const dialects = await testDialects('the claimed-token tests');
afterEach(closeDialectApps);

describe.each(dialects)('a claimed identity’s token on %s', (dialect) => {
  it('is refused with 401 after the claim, for a copy too; the session leases and submits, also for a lease taken with the token', async () => {
    const t = await makeDialectApp(dialect);
    const { apiKey } = await t.client().createCustomer('Acme');
    await t.client(apiKey).createJob({ kind: 'lorenz96', params: { n: 8, steps: 60, snapEvery: 20, members: 3, membersPerUnit: 1, seed: 7 } });
    const compute = (lease: Lease) => runKernel(t.kernels.entries.get('lorenz96@1')!.module, base64ToBytes(lease.input));

    const b = browser(t.app);
    const { volunteerId, token } = await b.api().createVolunteer();
    const [held] = (await b.api(token).lease({ max: 1 })).leases;
    expect(held).toBeDefined();
    await b.auth.claim(token, { email: 'owner@example.org', password: PASSWORD });

    // The token (held by this browser, or copied by someone else) no longer authenticates anything.
    const before = await snapshot(t.store);
    const stolen = browser(t.app);
    for (const call of [() => stolen.api(token).me(), () => stolen.api(token).lease({ max: 1 }), async () => stolen.api(token).submitResult(held!.leaseId, await compute(held!))]) {
      const p = await problemOf(call());
      expect(p).toMatchObject({ status: 401, type: '/problems/unauthenticated' });
      expect(p.detail).toContain(`volunteer ${volunteerId} was claimed by an account`);
      expect(p.detail).toContain('sign in');
    }
    expect(await snapshot(t.store)).toEqual(before);

    // The session does the work: the lease taken with the token, and new ones.
    expect((await b.api().submitResult(held!.leaseId, await compute(held!))).leaseId).toBe(held!.leaseId);
    const [next] = (await b.api().lease({ max: 1 })).leases;
    expect(next).toBeDefined();
    expect((await b.api().submitResult(next!.leaseId, await compute(next!))).leaseId).toBe(next!.leaseId);
    // Another device signed in to the account does too.
    const other = browser(t.app);
    await other.auth.login({ email: 'owner@example.org', password: PASSWORD });
    expect(await other.api().me()).toMatchObject({ volunteerId });
  });

  it('is retired when an existing account links the identity, and when a sign-up makes one (no token is ever handed out then)', async () => {
    const t = await makeDialectApp(dialect);
    const existing = browser(t.app);
    await existing.auth.signup({ email: 'wu@example.org', password: PASSWORD, role: 'customer' });
    const b = browser(t.app);
    const { token } = await b.api().createVolunteer();
    // Used once before the claim, so this node has cached its hash.
    await b.api(token).me();
    await b.auth.claim(token, { email: 'wu@example.org', password: PASSWORD });
    expect((await problemOf(b.api(token).me())).status).toBe(401);
    const res = await b.fetch(`${ORIGIN}/api/volunteers/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);

    const signedUp = await browser(t.app).auth.signup({ email: 'vo@example.org', password: PASSWORD, role: 'volunteer' });
    const row = await t.store.db.selectFrom('volunteers').select('token_hash').where('id', '=', signedUp.volunteerId!).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe('claimed');
  });
});
