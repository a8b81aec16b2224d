/**
 * @module Failed sign-in attempts counted per e-mail address in a fixed window, in memory:
 * after LOGIN_FAILURES_MAX failures, attempts for that address are refused until the window
 * ends (OWASP Authentication Cheat Sheet, "Protect against automated attacks"). Each edge
 * node counts on its own; with N nodes an attacker gets at most N times the bound.
 */
import { LOGIN_FAILURE_WINDOW_MS, LOGIN_FAILURES_MAX, LOGIN_LIMITER_ENTRIES_MAX } from '../../shared/limits.ts';

export type LimitCheck = { status: 'allowed' } | { status: 'limited'; retryAfterMs: number };

export interface LoginLimiter {
  /** Whether an attempt for `key` may be verified now. */
  check(key: string): LimitCheck;
  /** Counts a failed attempt. */
  fail(key: string): void;
  /** A successful sign-in forgets the failures. */
  succeed(key: string): void;
}

export interface LoginLimiterBounds {
  failuresMax: number;
  windowMs: number;
  entriesMax: number;
}

const DEFAULT_BOUNDS: LoginLimiterBounds = {
  failuresMax: LOGIN_FAILURES_MAX,
  windowMs: LOGIN_FAILURE_WINDOW_MS,
  entriesMax: LOGIN_LIMITER_ENTRIES_MAX,
};

/**
 * @example
 * const limiter = createLoginLimiter(Date.now);
 * if (limiter.check(email).status === 'limited') refuse();
 */
export function createLoginLimiter(now: () => number, bounds: LoginLimiterBounds = DEFAULT_BOUNDS): LoginLimiter {
  /** Failures by key, in order of each window's start (Map keeps insertion order). */
  const entries = new Map<string, { failures: number; since: number }>();

  const live = (key: string) => {
    const e = entries.get(key);
    if (e && now() - e.since >= bounds.windowMs) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };

  function makeRoom(): void {
    for (const [key, e] of entries) {
      if (entries.size < bounds.entriesMax) return;
      if (now() - e.since >= bounds.windowMs) entries.delete(key);
    }
    // Still full of live windows: forget the oldest. Memory stays bounded; an attacker who
    // can fill the table can reset one address's count, which the bound makes expensive.
    while (entries.size >= bounds.entriesMax) entries.delete(entries.keys().next().value!);
  }

  return {
    check(key) {
      const e = live(key);
      if (!e || e.failures < bounds.failuresMax) return { status: 'allowed' };
      return { status: 'limited', retryAfterMs: e.since + bounds.windowMs - now() };
    },
    fail(key) {
      const e = live(key);
      if (e) {
        e.failures += 1;
        return;
      }
      makeRoom();
      entries.set(key, { failures: 1, since: now() });
    },
    succeed(key) {
      entries.delete(key);
    },
  };
}
