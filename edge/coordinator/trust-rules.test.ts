import { describe, expect, it } from 'vitest';
import { makeTestApp } from '../testing.ts';
import { DAY_MS } from '../../shared/limits.ts';
import { PROBATION_MATCHES_MIN, QUOTA_DAILY_MAX, QUOTA_DAILY_MIN, QUOTA_DAILY_START, SPOT_CHECK_RATE, TRUST_STREAK_MIN, leaseSolo, nextQuota, quotaLeft } from './trust-rules.ts';

describe('trust rules', () => {
  it('trusts only a long streak, and still spot-checks', () => {
    const established = { verified_matches: PROBATION_MATCHES_MIN };
    expect(leaseSolo({ ...established, valid_streak: TRUST_STREAK_MIN - 1 }, () => 0.99)).toBe(false);
    expect(leaseSolo({ ...established, valid_streak: TRUST_STREAK_MIN }, () => 0.99)).toBe(true);
    expect(leaseSolo({ ...established, valid_streak: TRUST_STREAK_MIN }, () => SPOT_CHECK_RATE / 2)).toBe(false);
    // A streak earned by agreeing with peers (who may be its own sybils) is not enough.
    expect(leaseSolo({ verified_matches: PROBATION_MATCHES_MIN - 1, valid_streak: 10 * TRUST_STREAK_MIN }, () => 0.99)).toBe(false);
  });
  it('grows the quota by one per valid result and halves it per bad one, within bounds', () => {
    expect(nextQuota(100, 'valid')).toBe(101);
    expect(nextQuota(100, 'bad')).toBe(50);
    expect(nextQuota(QUOTA_DAILY_MIN, 'bad')).toBe(QUOTA_DAILY_MIN);
    expect(nextQuota(QUOTA_DAILY_MAX, 'valid')).toBe(QUOTA_DAILY_MAX);
  });
  it('counts the quota per UTC day', () => {
    const v = { quota_daily: 10, quota_day: 5, quota_used: 7 };
    expect(quotaLeft(v, 5 * DAY_MS + 1)).toBe(3);
    expect(quotaLeft(v, 6 * DAY_MS)).toBe(10);
  });
});

describe('daily quota on the lease path', () => {
  it('stops leasing at the quota until the next UTC day, and shrinks it on errors', async () => {
    const t = await makeTestApp();
    const { apiKey } = await t.client().createCustomer('Q');
    await t.client(apiKey).createJob({ kind: 'lorenz96', params: { n: 8, steps: 10, snapEvery: 10, members: 40, membersPerUnit: 1 } });
    const { volunteerId, token } = await t.client().createVolunteer();
    const v = t.client(token);
    await t.store.db.updateTable('volunteers').set({ quota_daily: 3 }).where('id', '=', volunteerId).execute();
    expect((await v.lease({ max: 16 })).leases).toHaveLength(3);
    const refused = await v.lease({ max: 16 });
    expect(refused.leases).toEqual([]);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    t.clock.now = (Math.floor(t.clock.now / DAY_MS) + 1) * DAY_MS;
    const next = (await v.lease({ max: 16 })).leases;
    expect(next).toHaveLength(3);
    await v.reportError(next[0]!.leaseId, -1, 'out of memory');
    const row = await t.store.db.selectFrom('volunteers').select(['quota_daily', 'valid_streak']).where('id', '=', volunteerId).executeTakeFirstOrThrow();
    expect(row).toEqual({ quota_daily: QUOTA_DAILY_MIN, valid_streak: 0 });
    expect(QUOTA_DAILY_START).toBeGreaterThan(QUOTA_DAILY_MIN);
  });
});
