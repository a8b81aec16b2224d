import { describe, expect, it } from 'vitest';
import { makeTestApp } from '../testing.ts';
import { claimForNewUser, claimForUser, createUser, parseRoles } from './users.ts';

describe('users: races on unique columns read as statuses', () => {
  it('two sign-ups with one e-mail: one account, the other email_taken', async () => {
    const t = await makeTestApp();
    const input = { email: 'race@example.org', passwordHash: 'scrypt$2$1$1$AA$AA', role: 'volunteer' as const, now: t.clock.now };
    const results = await Promise.all([createUser(t.store, input), createUser(t.store, input)]);
    expect(results.map((r) => r.status).sort()).toEqual(['created', 'email_taken']);
    // The loser's volunteer row was rolled back with its user.
    expect(await t.store.db.selectFrom('volunteers').select('id').execute()).toHaveLength(1);
    expect(await t.store.db.selectFrom('users').select('id').execute()).toHaveLength(1);
  });

  it('two claims of one volunteer: one account, the other already_claimed', async () => {
    const t = await makeTestApp();
    const { volunteerId } = await t.client().createVolunteer();
    const claim = (email: string) => claimForNewUser(t.store, { volunteerId, email, passwordHash: 'x', now: t.clock.now });
    const results = await Promise.all([claim('one@example.org'), claim('two@example.org')]);
    expect(results.map((r) => r.status).sort()).toEqual(['already_claimed', 'created']);
    expect(await claim('three@example.org')).toEqual({ status: 'already_claimed' });
    const other = await t.client().createVolunteer();
    const owner = await t.store.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    // The account owns a volunteer already: another cannot join it.
    expect(await claimForUser(t.store, owner.id, other.volunteerId)).toEqual({ status: 'email_taken' });
  });

  it('reads roles from their comma list, dropping unknown names', () => {
    expect(parseRoles('customer,volunteer')).toEqual(['customer', 'volunteer']);
    expect(parseRoles('customer,root,')).toEqual(['customer']);
  });
});
