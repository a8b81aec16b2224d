import { describe, expect, it } from 'vitest';
import {
  LOGIN_ACCOUNT_DELAY_CAP_MS,
  LOGIN_ACCOUNT_FREE_FAILURES,
  LOGIN_ORIGIN_BACKOFF_CAP_MS,
  LOGIN_ORIGIN_FREE_FAILURES,
  LOGIN_PAIR_BACKOFF_CAP_MS,
  LOGIN_PAIR_FREE_FAILURES,
  backoffMs,
  judgeAttempt,
  type CounterState,
} from './login-limiter.ts';

const fresh: CounterState = { failures: 0, lastAttemptAt: Number.NEGATIVE_INFINITY };
const at = (failures: number, lastAttemptAt: number): CounterState => ({ failures, lastAttemptAt });

describe('sign-in delays (pure)', () => {
  it('are free, then double from 1 s, up to the cap, even for huge counts', () => {
    expect([0, 4, 5, 6, 7, 8].map((f) => backoffMs(f, 5, 60_000))).toEqual([0, 0, 1000, 2000, 4000, 8000]);
    expect(backoffMs(12, 5, 60_000)).toBe(60_000);
    expect(backoffMs(1e9, 5, 60_000)).toBe(60_000);
  });

  it('a pair waits after its own last attempt; the account term needs a failure of the pair; the network term applies to pairs', () => {
    const now = 1_000_000;
    const pair = (p: CounterState, account: CounterState, origin: CounterState = fresh) => judgeAttempt({ own: { scope: 'pair', state: p }, account, origin }, now);
    expect(pair(fresh, fresh)).toEqual({ status: 'admitted' });
    expect(pair(at(LOGIN_PAIR_FREE_FAILURES, now - 500), fresh)).toEqual({ status: 'limited', scope: 'pair', retryAt: now + 500 });
    expect(pair(at(LOGIN_PAIR_FREE_FAILURES + 40, now), fresh)).toMatchObject({ retryAt: now + LOGIN_PAIR_BACKOFF_CAP_MS });
    // Under attack: a network without a failure on the account goes ahead; one with a failure waits, at most the account's cap.
    const attacked = at(LOGIN_ACCOUNT_FREE_FAILURES + 100, now);
    expect(pair(fresh, attacked)).toEqual({ status: 'admitted' });
    expect(pair(at(1, now - 1000), attacked)).toEqual({ status: 'limited', scope: 'account', retryAt: now - 1000 + LOGIN_ACCOUNT_DELAY_CAP_MS });
    expect(pair(fresh, fresh, at(LOGIN_ORIGIN_FREE_FAILURES + 100, now))).toEqual({ status: 'limited', scope: 'origin', retryAt: now + LOGIN_ORIGIN_BACKOFF_CAP_MS });
  });

  it('a known device answers to its own counter only', () => {
    const now = 1_000_000;
    const device = (d: CounterState) => judgeAttempt({ own: { scope: 'device', state: d }, account: at(1000, now) }, now);
    expect(device(fresh)).toEqual({ status: 'admitted' });
    expect(device(at(1, now))).toEqual({ status: 'admitted' });
    expect(device(at(LOGIN_PAIR_FREE_FAILURES, now))).toEqual({ status: 'limited', scope: 'device', retryAt: now + 1000 });
  });
});
