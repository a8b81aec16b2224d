import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SESSION_LIFETIME_MAX_MS, SESSION_TOUCH_INTERVAL_MS, SESSION_TTL_MS } from '../../shared/limits.ts';
import { onError } from '../http/problem.ts';
import { makeTestApp } from '../testing.ts';
import { LOGIN_BACKOFF_BASE_MS, LOGIN_PAIR_FREE_FAILURES } from './login-limiter.ts';
import { optionalSession, requireSession } from './session.ts';
import { ORIGIN, PASSWORD, browser, problemOf } from './test-browser.ts';

describe('sign-up, sign-in, sign-out', () => {
  it('signs a customer up with a linked customer, keeps the session, and signs out', async () => {
    const t = await makeTestApp();
    const b = browser(t.app);
    const user = await b.auth.signup({ email: '  Ada@Example.ORG ', password: PASSWORD, role: 'customer' });
    expect(user).toMatchObject({ email: 'ada@example.org', roles: ['customer'], volunteerId: null, shopId: null });
    expect(user.userId).toMatch(/^u_/);
    const customer = await t.store.db.selectFrom('customers').selectAll().where('id', '=', user.customerId!).executeTakeFirstOrThrow();
    expect(customer.name).toBe('ada@example.org');
    const stored = await t.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(stored.password_hash).not.toContain(PASSWORD);

    expect(await b.auth.me()).toEqual(user);
    // The session authenticates customer routes too (requireCustomer falls back to it).
    expect(await b.api().jobs()).toEqual({ jobs: [] });

    await b.auth.logout();
    expect(b.cookie()).toBeUndefined();
    expect(await b.auth.me()).toBeNull();
    expect(await t.store.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('sets a signed, HttpOnly, SameSite=Lax cookie, Secure over https, and refuses a forged one', async () => {
    const t = await makeTestApp();
    const res = await t.app.request('https://edge.test/api/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://edge.test' },
      body: JSON.stringify({ email: 'bo@example.org', password: PASSWORD, role: 'volunteer' }),
    });
    expect(res.status).toBe(201);
    const [line] = res.headers.getSetCookie();
    expect(line).toMatch(/^sc_session=[^;]+\.[^;]+;/);
    expect(line).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
    expect(line).toContain('Path=/');
    expect(line).toContain('HttpOnly');
    expect(line).toContain('Secure');
    expect(line).toContain('SameSite=Lax');
    const b = browser(t.app);
    b.setCookie(line!.split(';')[0]);
    expect((await b.auth.me())?.email).toBe('bo@example.org');
    // The secret with another signature, or another secret with this signature: no session.
    const [secret, signature] = decodeURIComponent(line!.split(';')[0]!.slice('sc_session='.length)).split('.');
    b.setCookie(`sc_session=${encodeURIComponent(`${secret}.${signature!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))}`)}`);
    expect(await b.auth.me()).toBeNull();
    b.setCookie(`sc_session=${encodeURIComponent(`${secret!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))}.${signature}`)}`);
    expect(await b.auth.me()).toBeNull();
    const plain = await t.app.request('http://edge.test/api/auth/me', { headers: { cookie: line!.split(';')[0]! } });
    expect(plain.status).toBe(200);
  });

  it('gives a shop operator a new shop id and a volunteer a new volunteer identity', async () => {
    const t = await makeTestApp();
    const shop = await browser(t.app).auth.signup({ email: 'shop@example.org', password: PASSWORD, role: 'shop_operator' });
    expect(shop).toMatchObject({ roles: ['shop_operator'], customerId: null, volunteerId: null });
    expect(shop.shopId).toMatch(/^s_/);
    const b = browser(t.app);
    const vol = await b.auth.signup({ email: 'vol@example.org', password: PASSWORD, role: 'volunteer' });
    expect(vol.volunteerId).toMatch(/^v_/);
    expect(await b.api().me()).toEqual({ volunteerId: vol.volunteerId, points: 0, pointsVesting: 0, claimed: true, resultsValid: 0, resultsUnpaid: 0, resultsPending: 0 });
    // A shop operator's session is no volunteer's.
    const s = browser(t.app);
    await s.auth.login({ email: 'shop@example.org', password: PASSWORD });
    expect((await problemOf(s.api().me())).type).toBe('/problems/forbidden');
  });

  it('signs in case-insensitively and answers an unknown e-mail exactly as a wrong password', async () => {
    const t = await makeTestApp();
    const user = await browser(t.app).auth.signup({ email: 'cy@example.org', password: PASSWORD, role: 'customer' });
    const b = browser(t.app);
    const wrong = await problemOf(b.auth.login({ email: 'cy@example.org', password: 'not the password' }));
    const unknown = await problemOf(b.auth.login({ email: 'nobody@example.org', password: 'not the password' }));
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ status: 401, type: '/problems/invalid-credentials' });
    expect(await b.auth.login({ email: 'CY@example.org ', password: PASSWORD })).toEqual(user);
    expect(await b.auth.me()).toEqual(user);
    // NFKC: the same password typed in full-width characters matches.
    expect(await browser(t.app).auth.login({ email: 'cy@example.org', password: 'ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ' })).toEqual(user);
  });
});

describe('session expiry', () => {
  it('slides with use, ends after SESSION_TTL_MS idle, and deletes the row', async () => {
    const t = await makeTestApp();
    const b = browser(t.app);
    await b.auth.signup({ email: 'di@example.org', password: PASSWORD, role: 'customer' });
    const expiry = async () => Number((await t.store.db.selectFrom('sessions').select('expires_at').executeTakeFirstOrThrow()).expires_at);
    const start = t.clock.now;
    expect(await expiry()).toBe(start + SESSION_TTL_MS);
    // Within the touch interval nothing is written.
    t.clock.now += SESSION_TOUCH_INTERVAL_MS - 1;
    expect(await b.auth.me()).not.toBeNull();
    expect(await expiry()).toBe(start + SESSION_TTL_MS);
    // Used just before it ends, it lives another SESSION_TTL_MS from then.
    t.clock.now = start + SESSION_TTL_MS - 1;
    expect(await b.auth.me()).not.toBeNull();
    expect(await expiry()).toBe(t.clock.now + SESSION_TTL_MS);
    t.clock.now += SESSION_TTL_MS - 1;
    expect(await b.auth.me()).not.toBeNull();
    const cookie = b.cookie();
    t.clock.now += SESSION_TTL_MS;
    expect(await b.auth.me()).toBeNull();
    expect(await t.store.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    b.setCookie(cookie);
    expect(await b.auth.me()).toBeNull();
  });

  it('ends at SESSION_LIFETIME_MAX_MS however often it is used', async () => {
    const t = await makeTestApp();
    const b = browser(t.app);
    await b.auth.signup({ email: 'ed@example.org', password: PASSWORD, role: 'customer' });
    const start = t.clock.now;
    while (t.clock.now + SESSION_TTL_MS / 2 < start + SESSION_LIFETIME_MAX_MS) {
      t.clock.now += SESSION_TTL_MS / 2;
      expect(await b.auth.me()).not.toBeNull();
    }
    t.clock.now = start + SESSION_LIFETIME_MAX_MS;
    expect(await b.auth.me()).toBeNull();
  });
});

describe('requireSession and optionalSession', () => {
  it('answers 401 signed out, 403 without the role, and sets c.var.user', async () => {
    const t = await makeTestApp();
    const guarded = new Hono();
    guarded.onError(onError);
    guarded.get('/op', requireSession(t.store, 'shop_operator'), (c) => c.json(c.var.user));
    guarded.get('/any', requireSession(t.store), (c) => c.json(c.var.user));
    guarded.get('/maybe', optionalSession(t.store), (c) => c.json({ email: c.var.user?.email ?? null }));
    const call = (path: string, cookie?: string) => guarded.request(`${ORIGIN}${path}`, { headers: cookie ? { cookie } : {} });

    const customer = browser(t.app);
    await customer.auth.signup({ email: 'fa@example.org', password: PASSWORD, role: 'customer' });
    const operator = browser(t.app);
    const op = await operator.auth.signup({ email: 'ga@example.org', password: PASSWORD, role: 'shop_operator' });

    expect((await call('/any')).status).toBe(401);
    expect((await call('/op')).headers.get('content-type')).toBe('application/problem+json');
    const denied = await call('/op', customer.cookie());
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ type: '/problems/forbidden' });
    expect(await (await call('/op', operator.cookie())).json()).toEqual(op);
    expect(await (await call('/maybe')).json()).toEqual({ email: null });
    expect(await (await call('/maybe', customer.cookie())).json()).toEqual({ email: 'fa@example.org' });
  });
});

describe('sign-in attempt limit', () => {
  it(`slows an address after ${LOGIN_PAIR_FREE_FAILURES} failures with 429 and Retry-After, without locking it`, async () => {
    const t = await makeTestApp();
    await browser(t.app).auth.signup({ email: 'ha@example.org', password: PASSWORD, role: 'customer' });
    await browser(t.app).auth.signup({ email: 'ib@example.org', password: PASSWORD, role: 'customer' });
    const b = browser(t.app);
    for (let i = 0; i < LOGIN_PAIR_FREE_FAILURES; i++) {
      expect((await problemOf(b.auth.login({ email: 'ha@example.org', password: 'wrong password' }))).status).toBe(401);
    }
    const res = await b.fetch(`${ORIGIN}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'HA@example.org', password: PASSWORD }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe(String(LOGIN_BACKOFF_BASE_MS / 1000));
    expect(b.cookie()).toBeUndefined();
    // Other addresses are not affected.
    expect((await b.auth.login({ email: 'ib@example.org', password: PASSWORD })).email).toBe('ib@example.org');
    t.clock.now += LOGIN_BACKOFF_BASE_MS;
    expect((await b.auth.login({ email: 'ha@example.org', password: PASSWORD })).email).toBe('ha@example.org');
  });
});
