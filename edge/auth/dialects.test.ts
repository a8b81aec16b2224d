/**
 * The auth tables and queries on both dialects: the migration, sign-up with a linked
 * identity, claim, session sweep on sign-in, expiry and sign-out, on SQLite and PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SESSION_TTL_MS, SESSIONS_PER_USER_MAX } from '../../shared/limits.ts';
import { dropFreshPg, freshPgUrl, makeTestApp } from '../testing.ts';
import { PASSWORD, browser } from './test-browser.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the PostgreSQL auth tests');
const stores: [string, string][] = [['sqlite', ':memory:'], ...(pgUrl ? [['postgres', pgUrl] as [string, string]] : [])];
afterAll(() => dropFreshPg(pgUrl));

describe.each(stores)('auth on %s', (_name, url) => {
  it('signs up, claims, sweeps and caps sessions, expires and signs out', async () => {
    const t = await makeTestApp(url);
    try {
      const a = browser(t.app);
      const customer = await a.auth.signup({ email: 'pg@example.org', password: PASSWORD, role: 'customer' });
      const { volunteerId, token } = await a.api().createVolunteer();
      const linked = await a.auth.claim(token, { email: 'pg@example.org', password: PASSWORD });
      expect(linked).toEqual({ ...customer, roles: ['customer', 'volunteer'], volunteerId });
      expect(await a.api().me()).toMatchObject({ volunteerId });
      // One session per sign-in, at most SESSIONS_PER_USER_MAX; expired ones are swept.
      const sessions = () => t.store.db.selectFrom('sessions').select('id').execute();
      expect(await sessions()).toHaveLength(1);
      const stale = browser(t.app);
      await stale.auth.login({ email: 'pg@example.org', password: PASSWORD });
      t.clock.now += SESSION_TTL_MS;
      await a.auth.login({ email: 'pg@example.org', password: PASSWORD });
      expect(await sessions()).toHaveLength(1);
      for (let i = 0; i < SESSIONS_PER_USER_MAX; i++) {
        await t.store.db
          .insertInto('sessions')
          .values({ id: `old-${i}`, user_id: customer.userId, created_at: t.clock.now - 1000 + i, expires_at: t.clock.now + 1000, last_seen_at: t.clock.now })
          .execute();
      }
      await browser(t.app).auth.login({ email: 'pg@example.org', password: PASSWORD });
      const left = (await sessions()).map((s) => s.id);
      expect(left).toHaveLength(SESSIONS_PER_USER_MAX);
      expect(left).not.toContain('old-0');
      expect(left).not.toContain('old-1');
      expect(await a.auth.me()).toEqual(linked);
      await a.auth.logout();
      expect(await a.auth.me()).toBeNull();
    } finally {
      await t.store.close();
    }
  });
});
