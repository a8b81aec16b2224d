/**
 * Targeted lockout (issue 15, finding 5), on both dialects: an attacker's failures slow the
 * attacker's network, never the owner on another network or the owner's known browser; the
 * delays grow progressively; an account under attack only slows networks after their own
 * failures; one network's guesses across many accounts are bounded.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_PATHS } from '../../shared/auth/schemas.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects } from '../testing.ts';
import { KNOWN_DEVICE_LIFETIME_MS } from './known-device.ts';
import {
  LOGIN_ACCOUNT_DELAY_CAP_MS,
  LOGIN_ACCOUNT_FREE_FAILURES,
  LOGIN_ORIGIN_ATTEMPTS_PER_DAY_BOUND,
  LOGIN_ORIGIN_BACKOFF_CAP_MS,
  LOGIN_ORIGIN_FREE_FAILURES,
  LOGIN_PAIR_BACKOFF_CAP_MS,
  LOGIN_PAIR_FREE_FAILURES,
} from './login-limiter.ts';
import { PASSWORD, browser, type Browser } from './test-browser.ts';
import { createUser } from './users.ts';

type App = Awaited<ReturnType<typeof makeDialectApp>>;

/** A stored hash of `password` with a cheap scrypt cost (the cost is stored per hash), so fifty failures take no minute. */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const N = 1024;
  const key = scryptSync(password.normalize('NFKC'), salt, 32, { N, r: 8, p: 1 });
  return ['scrypt', N, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

async function account(t: App, email: string): Promise<void> {
  const r = await createUser(t.store, { email, passwordHash: cheapHash(PASSWORD), role: 'customer', now: t.clock.now });
  expect(r.status).toBe('created');
}

function login(b: Browser, email: string, password: string) {
  return b.fetch(`http://edge.test${AUTH_PATHS.login}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
}

/** Seconds in a refusal's Retry-After, after checking it is a 429 problem. */
async function refusedFor(res: Response): Promise<number> {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toBe('/problems/too-many-attempts');
  const seconds = Number(res.headers.get('retry-after'));
  expect(seconds).toBeGreaterThanOrEqual(1);
  return seconds;
}

/**
 * Fails `times` sign-ins to `email` from `b`, as fast as the limits allow: a refusal is
 * waited out (the clock moves by its Retry-After). Returns each wait, in order.
 */
async function failRepeatedly(t: App, b: Browser, email: string, times: number): Promise<number[]> {
  const waits: number[] = [];
  let failed = 0;
  while (failed < times) {
    const res = await login(b, email, 'a wrong password');
    if (res.status === 401) {
      failed++;
      continue;
    }
    const seconds = await refusedFor(res);
    waits.push(seconds);
    // The refusal counted nothing: the same attempt a second early is refused again.
    t.clock.now += seconds * 1000 - 1000;
    if (seconds > 1) expect((await login(b, email, 'a wrong password')).status).toBe(429);
    t.clock.now += 1000;
  }
  return waits;
}

const dialects = await testDialects('the sign-in lockout tests');
afterEach(closeDialectApps);

describe.each(dialects)('sign-in limits on %s', (dialect) => {
  it('an attacker failing 50 times on network A slows down progressively, and stops neither the owner on network B nor the owner’s known browser on A', async () => {
    const t = await makeDialectApp(dialect);
    await account(t, 'owner@example.org');
    // The owner's laptop signed in before, on the home network A.
    const laptop = browser(t.app, undefined, '192.0.2.10');
    expect((await login(laptop, 'owner@example.org', PASSWORD)).status).toBe(200);
    expect(laptop.deviceCookie()).toMatch(/^sc_device=/);

    const attacker = browser(t.app, undefined, '192.0.2.66');
    const waits = await failRepeatedly(t, attacker, 'owner@example.org', 50);
    // No wait for the first failures; then 1 s, doubling, up to the caps (the pair's, then the network's).
    expect(waits[0]).toBe(1);
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(waits.slice(0, 4)).toEqual([1, 2, 4, 8]);
    expect(waits).toContain(LOGIN_PAIR_BACKOFF_CAP_MS / 1000);
    expect(waits.at(-1)).toBe(LOGIN_ORIGIN_BACKOFF_CAP_MS / 1000);
    expect(waits.length).toBe(50 - LOGIN_PAIR_FREE_FAILURES);
    // Right after its last failure the attacker waits, even with the right password.
    expect(await refusedFor(await login(attacker, 'owner@example.org', PASSWORD))).toBe(LOGIN_ORIGIN_BACKOFF_CAP_MS / 1000);

    // The owner on network B signs in at once.
    const phone = browser(t.app, undefined, '198.51.100.7');
    expect((await login(phone, 'owner@example.org', PASSWORD)).status).toBe(200);
    // The owner's laptop on network A too: it is a known device of the account.
    expect((await login(laptop, 'owner@example.org', PASSWORD)).status).toBe(200);
    // A browser on network A that never signed in to the account waits, as the attacker does.
    const stranger = browser(t.app, undefined, '192.0.2.77');
    await refusedFor(await login(stranger, 'owner@example.org', PASSWORD));
    // The attacker's own known-device cookie (of its own account) exempts nothing on the owner's.
    await account(t, 'attacker@example.org');
    t.clock.now += LOGIN_ORIGIN_BACKOFF_CAP_MS;
    expect((await login(attacker, 'attacker@example.org', PASSWORD)).status).toBe(200);
    await refusedFor(await login(attacker, 'owner@example.org', PASSWORD));
  });

  it('a known device is slowed by its own failures only; a forged or expired cookie is no known device', async () => {
    const t = await makeDialectApp(dialect);
    await account(t, 'owner@example.org');
    const laptop = browser(t.app, undefined, '192.0.2.10');
    expect((await login(laptop, 'owner@example.org', PASSWORD)).status).toBe(200);
    // Its own failures slow it: none for the free ones, then 1 s, 2 s.
    expect(await failRepeatedly(t, laptop, 'owner@example.org', LOGIN_PAIR_FREE_FAILURES + 2)).toEqual([1, 2]);
    t.clock.now += 4000;
    expect((await login(laptop, 'owner@example.org', PASSWORD)).status).toBe(200);

    // An attacker on the laptop's network makes that network wait on the account.
    const attacker = browser(t.app, undefined, '192.0.2.66');
    await failRepeatedly(t, attacker, 'owner@example.org', LOGIN_PAIR_FREE_FAILURES + 1);
    // A tampered copy of the laptop's cookie exempts nothing (the signature covers the value).
    const forged = browser(t.app, undefined, '192.0.2.67');
    forged.setDeviceCookie(laptop.deviceCookie()!.replace(/^sc_device=(.)/, (_m, ch: string) => `sc_device=${ch === 'A' ? 'B' : 'A'}`));
    await refusedFor(await login(forged, 'owner@example.org', PASSWORD));
    expect((await login(laptop, 'owner@example.org', PASSWORD)).status).toBe(200);

    // Past its lifetime (counted from the last sign-in) the cookie is ignored.
    t.clock.now += KNOWN_DEVICE_LIFETIME_MS;
    await failRepeatedly(t, attacker, 'owner@example.org', LOGIN_PAIR_FREE_FAILURES + 1);
    await refusedFor(await login(laptop, 'owner@example.org', PASSWORD));
  });

  it('an account under attack from many networks only slows each network after its own failure', async () => {
    const t = await makeDialectApp(dialect);
    await account(t, 'owner@example.org');
    const bots = Array.from({ length: LOGIN_ACCOUNT_FREE_FAILURES + 5 }, (_, i) => browser(t.app, undefined, `10.${i}.0.1`));
    for (const bot of bots) expect((await login(bot, 'owner@example.org', 'a wrong password')).status).toBe(401);
    // A bot's second guess waits, at most the account's cap (a pair alone would have allowed it).
    const before = await snapshot(t.store);
    const wait = await refusedFor(await login(bots[0]!, 'owner@example.org', 'a wrong password'));
    expect(wait).toBeLessThanOrEqual(LOGIN_ACCOUNT_DELAY_CAP_MS / 1000);
    expect(await snapshot(t.store)).toEqual(before);
    // The owner on a network of their own is never refused for the account's failures.
    const owner = browser(t.app, undefined, '198.51.100.7');
    expect((await login(owner, 'owner@example.org', PASSWORD)).status).toBe(200);
    // A success resets the account's count: the bots' networks have their pair counts only.
    expect((await login(bots[1]!, 'owner@example.org', 'a wrong password')).status).toBe(401);
  });

  it('credential stuffing across many accounts from one network is bounded per day; another network is not affected', async () => {
    const t = await makeDialectApp(dialect);
    const accounts = 120;
    for (let i = 0; i < accounts; i++) await account(t, `user${i}@example.org`);
    const stuffer = browser(t.app, undefined, '203.0.113.9');
    const start = t.clock.now;
    let tried = 0;
    let next = 0;
    let firstRefusalAfter: number | undefined;
    while (t.clock.now - start < 24 * 60 * 60_000 && next < accounts) {
      const res = await login(stuffer, `user${next}@example.org`, 'password123');
      if (res.status === 401) {
        tried++;
        next++;
        continue;
      }
      firstRefusalAfter ??= tried;
      t.clock.now += (await refusedFor(res)) * 1000;
    }
    expect(firstRefusalAfter).toBe(LOGIN_ORIGIN_FREE_FAILURES);
    expect(tried).toBeLessThanOrEqual(LOGIN_ORIGIN_ATTEMPTS_PER_DAY_BOUND);
    expect(tried).toBeLessThan(accounts);
    // A user on another network signs in at once, to an account the stuffer tried.
    expect((await login(browser(t.app, undefined, '198.51.100.7'), 'user0@example.org', PASSWORD)).status).toBe(200);
  });
});
