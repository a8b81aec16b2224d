/**
 * @module Tests of the identity limiter against the database, on both dialects: the daily
 * bound across hours (a refusal found after a write rolls back), the answer when several
 * windows are full, and bounded pruning of ended windows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../db/index.ts';
import { inTransaction, type Rollback } from '../db/tx.ts';
import { closeDialectApps, makeDialectApp, testDialects } from '../testing.ts';
import {
  IDENTITIES_PER_ORIGIN_PER_DAY_MAX,
  IDENTITIES_PER_ORIGIN_PER_HOUR_MAX,
  IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX,
  admitIdentity,
  pruneIdentityLimits,
  retryAfterSeconds,
  type IdentityAdmission,
} from './identity-limiter.ts';

const dialects = await testDialects('the identity limiter');
afterEach(closeDialectApps);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The start of a UTC day. */
const DAY0 = Math.ceil(1_800_000_000_000 / DAY_MS) * DAY_MS;
const ORIGIN = '203.0.113.0/24';

/** One creation as the route does it: counted, and rolled back whole when refused. */
const admit = (store: Store, now: number, origin = ORIGIN) =>
  inTransaction(store, async (trx, rollback: Rollback<IdentityAdmission>): Promise<IdentityAdmission> => {
    const r = await admitIdentity(trx, 'volunteer', origin, now);
    return r.status === 'admitted' ? r : rollback(r);
  });

const counts = async (store: Store) =>
  (await store.db.selectFrom('identity_limits').select(['window_ms', 'window_start', 'created']).orderBy('window_ms').orderBy('window_start').execute()).map((r) => [
    Number(r.window_ms),
    Number(r.window_start),
    Number(r.created),
  ]);

describe.each(dialects)('identity limiter (%s)', (dialect) => {
  it('bounds a day across hours, answers when the day ends, and rolls back the hour’s count of a refusal', async () => {
    const { store } = await makeDialectApp(dialect);
    const hours = IDENTITIES_PER_ORIGIN_PER_DAY_MAX / IDENTITIES_PER_ORIGIN_PER_HOUR_MAX;
    for (let h = 0; h < hours; h++) {
      for (let i = 0; i < IDENTITIES_PER_ORIGIN_PER_HOUR_MAX; i++) expect((await admit(store, DAY0 + h * HOUR_MS + i)).status).toBe('admitted');
    }
    const before = await counts(store);
    const at = DAY0 + hours * HOUR_MS + 5;
    const refused = await admit(store, at);
    expect(refused).toMatchObject({ status: 'too_many', bound: { windowMs: DAY_MS, max: IDENTITIES_PER_ORIGIN_PER_DAY_MAX }, retryAt: DAY0 + DAY_MS });
    expect(retryAfterSeconds(refused as { retryAt: number }, at)).toBe(Math.ceil((DAY_MS - hours * HOUR_MS - 5) / 1000));
    // The hour's window was counted before the day refused: rolled back, so no row for it.
    expect(await counts(store)).toEqual(before);
    expect((await admit(store, DAY0 + DAY_MS)).status).toBe('admitted');
  });

  it('names the window that frees last when the hour and the day are both full', async () => {
    const { store } = await makeDialectApp(dialect);
    const bounds = [
      { windowMs: HOUR_MS, max: 1 },
      { windowMs: DAY_MS, max: 1 },
    ];
    const once = (now: number) => inTransaction(store, (trx) => admitIdentity(trx, 'customer', ORIGIN, now, bounds));
    expect((await once(DAY0)).status).toBe('admitted');
    expect(await once(DAY0 + 1)).toMatchObject({ status: 'too_many', kind: 'customer', bound: { windowMs: DAY_MS }, retryAt: DAY0 + DAY_MS });
  });

  it('admits a request without an origin and writes nothing', async () => {
    const { store } = await makeDialectApp(dialect);
    expect(await inTransaction(store, (trx) => admitIdentity(trx, 'volunteer', undefined, DAY0))).toEqual({ status: 'admitted' });
    expect(await counts(store)).toEqual([]);
  });

  it('prunes windows that started over a day ago, a bounded number per call', async () => {
    const { store } = await makeDialectApp(dialect);
    const old = Array.from({ length: IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX + 30 }, (_, i) => ({
      kind: 'volunteer' as const,
      origin: `198.51.${i}.0/24`,
      window_ms: HOUR_MS,
      window_start: DAY0 - DAY_MS - HOUR_MS,
      created: 3,
    }));
    await store.db.insertInto('identity_limits').values(old).execute();
    // A day's window that started exactly a day ago has just ended: kept at DAY0, gone after.
    const boundary = { kind: 'volunteer' as const, origin: ORIGIN, window_ms: DAY_MS, window_start: DAY0 - DAY_MS, created: 1 };
    await store.db.insertInto('identity_limits').values(boundary).execute();
    expect(await inTransaction(store, (trx) => pruneIdentityLimits(trx, DAY0))).toBe(IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX);
    expect(await counts(store)).toHaveLength(old.length - IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX + 1);
    expect(await counts(store)).toContainEqual([DAY_MS, DAY0 - DAY_MS, 1]);
    // Admitting prunes too (the 30 old rows and the boundary one: fewer than the bound).
    expect((await admit(store, DAY0 + 1)).status).toBe('admitted');
    expect(await counts(store)).toEqual([
      [HOUR_MS, DAY0, 1],
      [DAY_MS, DAY0, 1],
    ]);
  });
});
