/**
 * @module Tests of the Node worker's identity creation under the per-origin bound: it waits
 * the server's Retry-After, a bounded number of times, says why, and passes other errors on.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import { IDENTITY_CREATE_ATTEMPTS_MAX, IDENTITY_RETRY_WAIT_MS_MAX, createIdentityWithRetries, identityRetryStep } from './create-identity.ts';

const tooMany = (retryAfterS?: number) =>
  new ApiError({ type: '/problems/too-many-identities', title: 'Too many new identities from this network', status: 429, detail: 'try again in 10 min' }, retryAfterS);

/** A create that fails with `errors` in turn, then succeeds; records the waits and the lines printed. */
function scripted(errors: unknown[]) {
  const waits: number[] = [];
  const lines: string[] = [];
  let calls = 0;
  const run = () =>
    createIdentityWithRetries(
      async () => {
        calls++;
        if (errors.length) throw errors.shift();
        return { volunteerId: 'v_1', token: 't' };
      },
      { sleep: async (ms) => void waits.push(ms), log: (l) => lines.push(l) },
    );
  return { run, waits, lines, calls: () => calls };
}

describe('the Node worker’s identity creation', () => {
  it('waits Retry-After (plus a margin) and tries again, printing why', async () => {
    const s = scripted([tooMany(600), tooMany(5)]);
    await expect(s.run()).resolves.toEqual({ volunteerId: 'v_1', token: 't' });
    expect(s.waits).toEqual([601_000, 6_000]);
    expect(s.lines[0]).toMatch(/refused a new identity \(429: Too many new identities from this network: try again in 10 min\); trying again in 601 s \(attempt 2 of 4\)/);
    expect(s.calls()).toBe(3);
  });

  it('gives up after a bounded number of attempts, with the server’s error', async () => {
    const errors = Array.from({ length: IDENTITY_CREATE_ATTEMPTS_MAX + 5 }, () => tooMany(1));
    const s = scripted(errors);
    await expect(s.run()).rejects.toMatchObject({ name: 'ApiError', status: 429 });
    expect(s.calls()).toBe(IDENTITY_CREATE_ATTEMPTS_MAX);
    expect(s.waits).toHaveLength(IDENTITY_CREATE_ATTEMPTS_MAX - 1);
    expect(s.lines.at(-1)).toContain(`gave up after ${IDENTITY_CREATE_ATTEMPTS_MAX} attempts`);
  });

  it('does not wait longer than its maximum: a day’s Retry-After stops the worker at once', async () => {
    const s = scripted([tooMany(IDENTITY_RETRY_WAIT_MS_MAX / 1000 + 1)]);
    await expect(s.run()).rejects.toMatchObject({ status: 429 });
    expect(s.waits).toEqual([]);
    expect(s.lines[0]).toContain('more than this worker waits (60 min)');
  });

  it('passes any other error on at once', async () => {
    const forbidden = new ApiError({ type: '/problems/forbidden', title: 'Forbidden', status: 403 }, 30);
    const s = scripted([forbidden]);
    await expect(s.run()).rejects.toBe(forbidden);
    expect(s.waits).toEqual([]);
    expect(identityRetryStep(new TypeError('fetch failed'), 1)).toEqual({ action: 'give_up' });
  });

  it('waits a default minute when a 429 says no Retry-After', () => {
    expect(identityRetryStep(tooMany(), 1)).toMatchObject({ action: 'wait', waitMs: 61_000 });
  });
});
