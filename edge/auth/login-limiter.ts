/**
 * @module Sign-in attempts limited by network and by account with progressive delays, so
 * that nobody can lock an account's owner out (OWASP Authentication Cheat Sheet, "Protect
 * against automated attacks": "account lockout" is itself an attack; throttle instead, and
 * let device cookies tell the owner's browsers from an attacker's). Four counters:
 *
 * - `pair`: one account from one network origin (edge/http/origin.ts). After
 *   {@link LOGIN_PAIR_FREE_FAILURES} failures, each attempt waits {@link LOGIN_BACKOFF_BASE_MS}
 *   doubled per further failure, up to {@link LOGIN_PAIR_BACKOFF_CAP_MS}, after the pair's
 *   last attempt. An attacker's network slows down; the owner on another network does not.
 * - `device`: one account from one browser that signed in to it before (a signed known-device
 *   cookie, known-device.ts). Takes the place of `pair` and of the two bounds below: the
 *   owner's own browser is slowed only by its own failures, wherever the attacker is.
 * - `account`: the account from everywhere. From {@link LOGIN_ACCOUNT_FREE_FAILURES} failures
 *   it only slows: a network that has failed on the account waits at least a delay growing
 *   up to {@link LOGIN_ACCOUNT_DELAY_CAP_MS} after its own last attempt. The delay runs from
 *   the network's attempt, not the account's, so an attacker cannot use up the owner's turn;
 *   a network's first attempt is never refused for it.
 * - `origin`: one network across accounts (credential stuffing). After
 *   {@link LOGIN_ORIGIN_FREE_FAILURES} failures, delays double up to
 *   {@link LOGIN_ORIGIN_BACKOFF_CAP_MS}, so one network tries at most about
 *   {@link LOGIN_ORIGIN_ATTEMPTS_PER_DAY_BOUND} passwords a day, whatever the accounts.
 *
 * An attempt is counted before its password is checked, in one transaction that reads and
 * locks the counters it needs (PostgreSQL `for update`; SQLite runs one transaction at a
 * time): racing attempts cannot all pass one free turn, and several edge nodes on one
 * database share the counts. A success then resets the account's counters (`pair`/`device`
 * and `account`) and gives the network its attempt back. Counters idle for
 * {@link LOGIN_COUNTERS_FORGET_MS} are pruned, a bounded number per attempt. Unknown e-mail
 * addresses are counted like known ones, so refusals reveal nothing about which exist.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import type { LoginAttemptsTable } from '../db/tables/auth.ts';
import { inTransaction, type Rollback } from '../db/tx.ts';

/** Failures of one account from one network before delays start (the sixth attempt waits): typing a password wrong a few times is normal. */
export const LOGIN_PAIR_FREE_FAILURES = 5;
/** The first delay; each further failure doubles it (1 s, 2 s, 4 s …). */
export const LOGIN_BACKOFF_BASE_MS = 1_000;
/**
 * Longest delay between attempts on one account from one network: 96 guesses a day once
 * reached, too few for guessing a password, and never longer than the old fixed lockout.
 */
export const LOGIN_PAIR_BACKOFF_CAP_MS = 15 * 60_000;
/**
 * Failures of one account from all networks before it counts as under attack: more than its
 * owner makes, fewer than a spread-out guessing attack needs.
 */
export const LOGIN_ACCOUNT_FREE_FAILURES = 20;
/**
 * Longest wait an account under attack imposes on a network after that network's own failed
 * attempt: it slows guesses spread over many networks, and never locks (the owner waits at
 * most this long after their own typo).
 */
export const LOGIN_ACCOUNT_DELAY_CAP_MS = 60_000;
/**
 * Failures from one network across all accounts before delays start: an office or a
 * classroom behind one address mistypes too, but not this often.
 */
export const LOGIN_ORIGIN_FREE_FAILURES = 30;
/** Longest delay between attempts from one network once it failed that often: credential stuffing gets one guess an hour. */
export const LOGIN_ORIGIN_BACKOFF_CAP_MS = 60 * 60_000;
/**
 * A counter without attempts for this long is forgotten: the longest delay is an hour, so a
 * day of quiet means the attack (or the typo) is over.
 */
export const LOGIN_COUNTERS_FORGET_MS = 24 * 60 * 60_000;
/** Idle counters one attempt deletes, so pruning costs each request bounded work. */
export const LOGIN_COUNTER_ROWS_PRUNED_PER_CALL_MAX = 100;

/**
 * What one network can try in a day across accounts, at most (computed, so it follows the
 * constants): the free attempts, one after each doubling delay below the cap (base · 2^k <
 * cap), one more, and then one per cap in the day. About 67 with the values above.
 */
export const LOGIN_ORIGIN_ATTEMPTS_PER_DAY_BOUND =
  LOGIN_ORIGIN_FREE_FAILURES + Math.ceil(Math.log2(LOGIN_ORIGIN_BACKOFF_CAP_MS / LOGIN_BACKOFF_BASE_MS)) + 1 + Math.ceil((24 * 60 * 60_000) / LOGIN_ORIGIN_BACKOFF_CAP_MS);

/** Which counter refused. */
export type LoginScope = LoginAttemptsTable['scope'];

/** Who is trying to sign in to what. */
export interface LoginAttempt {
  /** The normalised e-mail address tried (known or not). */
  email: string;
  /** The network origin; `undefined` in-process (tests), counted as one network. */
  origin: string | undefined;
  /** The id of a known-device cookie valid for this e-mail (known-device.ts), if the browser sent one. */
  knownDevice?: string;
}

/** Whether an attempt may check its password now; when not, until when it must wait (epoch ms). */
export type LoginAdmission = { status: 'admitted' } | { status: 'limited'; scope: LoginScope; retryAt: number };

/**
 * The delay after `failures` failures of a counter that allows `free` of them and caps at
 * `capMs`: 0 before `free` failures, then base · 2^(failures − free), at most the cap.
 */
export function backoffMs(failures: number, free: number, capMs: number): number {
  if (failures < free) return 0;
  // The exponent is bounded before Math.pow, so a huge count cannot overflow to Infinity.
  const doublings = Math.min(failures - free, 40);
  return Math.min(capMs, LOGIN_BACKOFF_BASE_MS * 2 ** doublings);
}

/** A counter as read: attempts counted and the time of the last (0 and -∞ when new). */
export interface CounterState {
  failures: number;
  lastAttemptAt: number;
}

/** The counters an attempt is judged by. `origin` is absent for a known device. */
export interface AttemptCounters {
  /** `device` for a known device, else `pair`. */
  own: { scope: 'pair' | 'device'; state: CounterState };
  account: CounterState;
  origin?: CounterState;
}

/**
 * When the attempt may go ahead (pure): the latest of what each counter asks, or `admitted`.
 * A known device answers to its own counter only.
 */
export function judgeAttempt(c: AttemptCounters, now: number): LoginAdmission {
  const waits: { scope: LoginScope; until: number }[] = [];
  const own = c.own.state;
  waits.push({ scope: c.own.scope, until: own.lastAttemptAt + backoffMs(own.failures, LOGIN_PAIR_FREE_FAILURES, LOGIN_PAIR_BACKOFF_CAP_MS) });
  if (c.own.scope === 'pair') {
    // Under attack, a network that failed on the account waits after its own last attempt.
    if (own.failures > 0 && c.account.failures >= LOGIN_ACCOUNT_FREE_FAILURES) {
      waits.push({ scope: 'account', until: own.lastAttemptAt + backoffMs(c.account.failures, LOGIN_ACCOUNT_FREE_FAILURES, LOGIN_ACCOUNT_DELAY_CAP_MS) });
    }
    if (c.origin) waits.push({ scope: 'origin', until: c.origin.lastAttemptAt + backoffMs(c.origin.failures, LOGIN_ORIGIN_FREE_FAILURES, LOGIN_ORIGIN_BACKOFF_CAP_MS) });
  }
  const latest = waits.reduce((a, b) => (b.until > a.until ? b : a));
  return latest.until > now ? { status: 'limited', scope: latest.scope, retryAt: latest.until } : { status: 'admitted' };
}

/** Requests driven in-process have no origin: they count as this one network. */
const NO_ORIGIN = 'in-process';

/** The counters' keys of an attempt, in the order they are locked (the same for every attempt). */
function keysOf(a: LoginAttempt): { own: { scope: 'pair' | 'device'; subject: string }; account: string; origin?: string } {
  const origin = a.origin ?? NO_ORIGIN;
  return a.knownDevice !== undefined
    ? { own: { scope: 'device', subject: JSON.stringify([a.email, a.knownDevice]) }, account: a.email }
    : { own: { scope: 'pair', subject: JSON.stringify([a.email, origin]) }, account: a.email, origin };
}

/** Reads one counter, creating it at zero and locking it on PostgreSQL. */
async function lockCounter(trx: Transaction<Database>, dialect: Store['dialect'], scope: LoginScope, subject: string, now: number): Promise<CounterState> {
  await trx
    .insertInto('login_attempts')
    .values({ scope, subject, failures: 0, last_attempt_at: now })
    .onConflict((oc) => oc.columns(['scope', 'subject']).doNothing())
    .execute();
  const q = trx.selectFrom('login_attempts').select(['failures', 'last_attempt_at']).where('scope', '=', scope).where('subject', '=', subject);
  const row = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
  const failures = Number(row.failures);
  // A counter just made has no attempt to wait after.
  return { failures, lastAttemptAt: failures === 0 ? Number.NEGATIVE_INFINITY : Number(row.last_attempt_at) };
}

async function count(trx: Transaction<Database>, scope: LoginScope, subject: string, now: number): Promise<void> {
  await trx
    .updateTable('login_attempts')
    .set((eb) => ({ failures: eb('failures', '+', 1), last_attempt_at: now }))
    .where('scope', '=', scope)
    .where('subject', '=', subject)
    .execute();
}

/**
 * Admits a sign-in attempt or says how long it must wait. An admitted attempt is counted as a
 * failure at once (see the module comment); call {@link loginSucceeded} when its password
 * was right. A refused one counts nothing.
 * @example
 * const a = await admitLogin(store, { email, origin: clientOrigin(c, proxies) }, now());
 * if (a.status === 'limited') refuse(a.retryAt);
 */
export async function admitLogin(store: Store, attempt: LoginAttempt, now: number): Promise<LoginAdmission> {
  const keys = keysOf(attempt);
  return inTransaction(store, async (trx, rollback: Rollback<LoginAdmission>) => {
    await pruneLoginCounters(trx, now);
    const counters: AttemptCounters = {
      own: { scope: keys.own.scope, state: await lockCounter(trx, store.dialect, keys.own.scope, keys.own.subject, now) },
      account: await lockCounter(trx, store.dialect, 'account', keys.account, now),
      ...(keys.origin !== undefined ? { origin: await lockCounter(trx, store.dialect, 'origin', keys.origin, now) } : {}),
    };
    const judged = judgeAttempt(counters, now);
    // A refusal leaves no trace, not even the counters made to read it.
    if (judged.status === 'limited') return rollback(judged);
    await count(trx, keys.own.scope, keys.own.subject, now);
    await count(trx, 'account', keys.account, now);
    if (keys.origin !== undefined) await count(trx, 'origin', keys.origin, now);
    return judged;
  });
}

/**
 * The admitted attempt signed in: the account's counters (this network's or device's, and
 * the account's) start afresh, and the network's counter gives the attempt back (not reset:
 * a stuffing network must not clear its count by signing in to its own account).
 */
export async function loginSucceeded(store: Store, attempt: LoginAttempt): Promise<void> {
  const keys = keysOf(attempt);
  await inTransaction(store, async (trx) => {
    await trx.deleteFrom('login_attempts').where('scope', '=', keys.own.scope).where('subject', '=', keys.own.subject).execute();
    await trx.deleteFrom('login_attempts').where('scope', '=', 'account').where('subject', '=', keys.account).execute();
    if (keys.origin !== undefined) {
      await trx
        .updateTable('login_attempts')
        .set((eb) => ({ failures: eb('failures', '-', 1) }))
        .where('scope', '=', 'origin')
        .where('subject', '=', keys.origin)
        .where('failures', '>', 0)
        .execute();
    }
  });
}

/**
 * Deletes up to {@link LOGIN_COUNTER_ROWS_PRUNED_PER_CALL_MAX} counters idle for
 * {@link LOGIN_COUNTERS_FORGET_MS}; returns how many. Every delay is shorter than that, so a
 * pruned counter would have admitted its next attempt anyway (only its count is forgotten).
 */
export async function pruneLoginCounters(trx: Transaction<Database>, now: number, max = LOGIN_COUNTER_ROWS_PRUNED_PER_CALL_MAX): Promise<number> {
  const r = await trx
    .deleteFrom('login_attempts')
    .where('id', 'in', (eb) => eb.selectFrom('login_attempts').select('id').where('last_attempt_at', '<', now - LOGIN_COUNTERS_FORGET_MS).limit(max))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
