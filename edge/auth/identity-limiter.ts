/**
 * @module New identities bounded per network origin (issue 14): volunteer identities and
 * customer accounts are free and anonymous, so one person could make many of them (to
 * collude on results, or to collect trial credit). Each origin (IPv4 /24, IPv6 /48; see
 * edge/http/origin.ts) may create a bounded number per hour and per day.
 *
 * Counted in the database (`identity_limits`), in the transaction that creates the identity:
 * several edge nodes on one PostgreSQL share the count, and a restart does not reset it. The
 * windows are fixed (aligned to the epoch), so an origin can create up to twice a window's
 * bound across the boundary of two windows; the daily bound caps that. A count is taken by
 * one upsert whose increment is conditional (`… do update set created = created + 1 where
 * created < max returning created`): no row comes back when the window is full, and on
 * PostgreSQL the conflicting row is locked, so concurrent creations cannot both take the
 * last slot.
 */
import type { Transaction } from 'kysely';
import type { Database, IdentityLimitsTable } from '../db/schema.ts';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Volunteer identities one origin may create in an hour: a classroom or an office behind one
 * NAT may start a few dozen browsers at once, but not more in a burst.
 */
export const IDENTITIES_PER_ORIGIN_PER_HOUR_MAX = 20;
/** Volunteer identities one origin may create in a day: a big site's day of new visitors, not a farm of identities. */
export const IDENTITIES_PER_ORIGIN_PER_DAY_MAX = 100;
/**
 * Customer accounts one origin may create in an hour: a person or a team signs up once, and
 * each account gets trial credit (issue 15), so the bound is smaller than volunteers'.
 */
export const CUSTOMERS_PER_ORIGIN_PER_HOUR_MAX = 5;
/** Customer accounts one origin may create in a day. */
export const CUSTOMERS_PER_ORIGIN_PER_DAY_MAX = 20;
/**
 * Customer accounts from one origin that get trial credit in a day: a team trying the service
 * gets it on its first accounts; more accounts from the origin start with none. With the
 * trial credit (TRIAL_CREDIT_MINOR) this bounds the free money one origin can turn into work
 * (and so into points for volunteers elsewhere) per day.
 */
export const TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX = 2;
/**
 * Rows of ended windows one creation deletes, so pruning costs each request bounded work
 * (a new row is added per origin and window; each creation may prune many more than that).
 */
export const IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX = 100;

/** Which identities are counted. */
export type IdentityKind = IdentityLimitsTable['kind'];

/** At most `max` identities per window of `windowMs`. */
export interface WindowBound {
  windowMs: number;
  max: number;
}

/** The bounds of each kind, shortest window first. */
export const IDENTITY_BOUNDS: Readonly<Record<IdentityKind, readonly WindowBound[]>> = {
  volunteer: [
    { windowMs: HOUR_MS, max: IDENTITIES_PER_ORIGIN_PER_HOUR_MAX },
    { windowMs: DAY_MS, max: IDENTITIES_PER_ORIGIN_PER_DAY_MAX },
  ],
  customer: [
    { windowMs: HOUR_MS, max: CUSTOMERS_PER_ORIGIN_PER_HOUR_MAX },
    { windowMs: DAY_MS, max: CUSTOMERS_PER_ORIGIN_PER_DAY_MAX },
  ],
  trial_credit: [{ windowMs: DAY_MS, max: TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX }],
};

/** Windows that started this long ago have all ended (no bound's window is longer). */
const PRUNE_AFTER_MS = DAY_MS;

/** One more identity would exceed a bound: the full window that frees last, and when it does (`retryAt`, epoch ms). */
export type IdentityRefusal = { status: 'too_many'; kind: IdentityKind; origin: string; bound: WindowBound; retryAt: number };

/** Whether one more identity may be created. */
export type IdentityAdmission = { status: 'admitted' } | IdentityRefusal;

/**
 * Counts one new identity of `kind` from `origin` in every window of `bounds`, in the
 * caller's transaction, and prunes a bounded number of ended windows. On `too_many` the
 * counts of the windows that were not full have been written: the caller must roll the
 * transaction back (`rollback(result)` of edge/db/tx.ts) and create nothing.
 *
 * A request without an origin is admitted uncounted: only requests driven in-process (tests)
 * have no socket; the Node server always gives one.
 * @example
 * const r = await inTransaction(store, async (trx, rollback) => {
 *   const a = await admitIdentity(trx, 'volunteer', clientOrigin(c, trustedProxies), now());
 *   if (a.status !== 'admitted') return rollback(a);
 *   return { status: 'created', ...(await insertVolunteer(store, trx, now())) } as const;
 * });
 */
export async function admitIdentity(
  trx: Transaction<Database>,
  kind: IdentityKind,
  origin: string | undefined,
  now: number,
  bounds: readonly WindowBound[] = IDENTITY_BOUNDS[kind],
): Promise<IdentityAdmission> {
  if (origin === undefined) return { status: 'admitted' };
  await pruneIdentityLimits(trx, now);
  let refused: IdentityRefusal | undefined;
  for (const bound of bounds) {
    const windowStart = Math.floor(now / bound.windowMs) * bound.windowMs;
    const counted = await trx
      .insertInto('identity_limits')
      .values({ kind, origin, window_ms: bound.windowMs, window_start: windowStart, created: 1 })
      .onConflict((oc) =>
        oc
          .columns(['kind', 'origin', 'window_ms', 'window_start'])
          .doUpdateSet((eb) => ({ created: eb('identity_limits.created', '+', 1) }))
          .where('identity_limits.created', '<', bound.max),
      )
      .returning('created')
      .executeTakeFirst();
    const retryAt = windowStart + bound.windowMs;
    // Every full window is looked at, so the answer is when the last of them frees a slot.
    if (!counted && (!refused || retryAt > refused.retryAt)) refused = { status: 'too_many', kind, origin, bound, retryAt };
  }
  return refused ?? { status: 'admitted' };
}

/**
 * Deletes up to {@link IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX} rows of windows that started
 * over a day ago (all ended); returns how many. Ended windows are never counted again (a
 * window's start is derived from the clock), so deleting them changes no answer.
 */
export async function pruneIdentityLimits(trx: Transaction<Database>, now: number, max = IDENTITY_LIMIT_ROWS_PRUNED_PER_CALL_MAX): Promise<number> {
  const r = await trx
    .deleteFrom('identity_limits')
    .where('id', 'in', (eb) => eb.selectFrom('identity_limits').select('id').where('window_start', '<', now - PRUNE_AFTER_MS).limit(max))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Seconds to send in `Retry-After` (RFC 9110 §10.2.3) for a refusal: at least 1, rounded up. */
export function retryAfterSeconds(refusal: { retryAt: number }, now: number): number {
  return Math.max(1, Math.ceil((refusal.retryAt - now) / 1000));
}

/** The sentence a refusal's problem carries: which bound, and when a slot frees. */
export function tooManyDetail(refusal: IdentityRefusal, now: number): string {
  const what = refusal.kind === 'volunteer' ? 'volunteer identities' : 'customer accounts';
  const per = refusal.bound.windowMs === HOUR_MS ? 'hour' : refusal.bound.windowMs === DAY_MS ? 'day' : `${refusal.bound.windowMs / 1000} s`;
  const minutes = Math.ceil(retryAfterSeconds(refusal, now) / 60);
  return `at most ${refusal.bound.max} new ${what} per ${per} from one network (${refusal.origin}); try again after ${new Date(refusal.retryAt).toISOString()} (in ${minutes} min)`;
}
